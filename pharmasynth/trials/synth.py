"""Synthetic patients (baseline covariates): a Gaussian copula and a tabular VAE, one interface.

    gen = GaussianCopula(random_state=0).fit(baseline_table)
    fake = gen.sample(10_000)                                   # same columns as the real table
    rare = gen.sample(2_000, conditions={"race": 1})            # oversample a subgroup
    ok = gen.sample(10_000, rules="data/actg175/rules.toml")    # every row obeys the rules
    gen.save("model/"); GaussianCopula.load("model/")

Columns are of two kinds (inferred, or set with `kinds=`):
  continuous  numeric with more than `max_discrete` distinct values. Its marginal is stored as a
              quantile summary (at most `n_quantiles` quantiles, never more than one per 5 records),
              sampled through the piecewise-linear quantile function (a smoothed empirical CDF);
              integer columns are rounded. A missing value is modelled by a 0/1 "missing" latent
              that takes part in the copula (so missingness can depend on the other columns).
  discrete    categorical, boolean or numeric with few values (ordinal scores, 0/1 codes). The
              categories (with "missing" as one more category) split the latent normal axis into
              ordered intervals of the category frequencies.

Conditional sampling:
  GaussianCopula  exact conditional copula: the conditioned latents are drawn from their
                  truncated normal (a point for a continuous value; several discrete conditions
                  are drawn jointly by a Gibbs sampler on the truncated multivariate normal), the
                  others from the Gaussian conditional given them. No rejection, so rare groups are
                  as cheap as common ones.
  TabularVAE      rejection: decode, keep rows that meet the conditions, repeat (discrete
                  conditions only); the acceptance rate is reported and too low an acceptance is
                  an error.

Validity rules (a `pharmasynth.evaluation.RuleSet`, a .toml/.yaml path or a list of expressions) are
enforced by rejection for both: rows that break a rule are drawn again. `sampling_report_` holds
the acceptance rate and the rejections per rule; below `min_acceptance` sampling stops with a
RuleError naming the rule that rejects most.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special

from .._util.random import check_random_state, torch_generator
from .._util.serialization import load_model, save_model
from ..errors import CheckpointError, DataError, NotFittedError, RuleError, SchemaError, check_option

COLUMN_KINDS = ("continuous", "discrete")
_EPS = 1e-6


def _py(v):
    """A JSON-safe Python scalar for a category value (None for missing)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return v  # kept as float; dtype restored from the column's dtype tag
    return v


def _label(v) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "<missing>"
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _dtype_tag(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_integer_dtype(s):
        return "int"
    if pd.api.types.is_numeric_dtype(s):
        nn = s.dropna()
        return "int" if len(nn) and np.all(np.mod(nn, 1) == 0) else "float"
    return "object"


# ---------------------------------------------------------------------------------------------
# column codec: marginals as summaries, to and from the latent normal scale
class TableCodec:
    """Per-column marginal models (summaries only) shared by the copula and the VAE."""

    def __init__(self, max_discrete: int = 20, n_quantiles: int = 256, kinds: dict | None = None):
        self.max_discrete = max_discrete
        self.n_quantiles = n_quantiles
        self.kinds = dict(kinds or {})
        self.columns: list[dict] = []

    # --- fit
    def fit(self, df: pd.DataFrame) -> "TableCodec":
        if not isinstance(df, pd.DataFrame):
            raise SchemaError(f"expected a pandas DataFrame, got {type(df).__name__}.")
        if len(df) < 10:
            raise DataError(f"the table has {len(df)} rows; a generator needs at least 10.")
        for c, k in self.kinds.items():
            if c not in df.columns:
                raise SchemaError(f"kinds names column {c!r}, not in the table (columns: {list(df.columns)}).")
            check_option(f"kinds[{c!r}]", k, COLUMN_KINDS)
        self.columns = []
        for c in df.columns:
            s = df[c]
            if pd.api.types.is_datetime64_any_dtype(s):
                raise SchemaError(f"column {c!r} holds dates; convert it to a number (e.g. days since a "
                                  "reference date) before fitting.")
            if s.isna().all():
                raise DataError(f"column {c!r} is entirely missing; drop it before fitting.")
            tag = _dtype_tag(s)
            kind = self.kinds.get(c)
            if kind is None:
                numeric = tag in ("int", "float")
                kind = "continuous" if numeric and s.nunique() > self.max_discrete else "discrete"
            if kind == "continuous":
                if tag not in ("int", "float"):
                    raise SchemaError(f"column {c!r} is declared continuous but holds text "
                                      f"(e.g. {s.dropna().iloc[0]!r}).")
                self.columns.append(self._fit_continuous(c, s.astype(float), tag))
            else:
                self.columns.append(self._fit_discrete(c, s, tag))
        return self

    def _fit_continuous(self, name, s: pd.Series, tag) -> dict:
        x = s.dropna().to_numpy(float)
        n = len(x)
        if n < 10:
            raise DataError(f"column {name!r} has {n} non-missing values; too few for a continuous marginal.")
        q = int(min(self.n_quantiles, max(4, n // 5)))  # a summary: never more than one quantile per 5 records
        levels = (np.arange(q) + 0.5) / q
        values = np.quantile(x, levels)
        return {"name": name, "kind": "continuous", "dtype": tag, "levels": levels.tolist(),
                "quantiles": values.tolist(), "missing_rate": float(s.isna().mean())}

    def _fit_discrete(self, name, s: pd.Series, tag) -> dict:
        vc = s.value_counts(dropna=False)
        cats = list(vc.index)
        numeric = tag in ("int", "float", "bool")

        def key(v):
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                return (0, 0.0, "")
            return (1, float(v), "") if numeric else (1, 0.0, str(v))
        cats.sort(key=key)
        probs = np.array([vc[c] for c in cats], float)
        probs /= probs.sum()
        return {"name": name, "kind": "discrete", "dtype": tag, "categories": [_py(c) for c in cats],
                "probs": probs.tolist()}

    # --- latent layout: one latent per column, plus one "missing" latent per continuous column with missing values
    @property
    def latent_names(self) -> list[str]:
        out = []
        for col in self.columns:
            out.append(col["name"])
            if col["kind"] == "continuous" and col["missing_rate"] > 0:
                out.append(col["name"] + "::missing")
        return out

    def names(self) -> list[str]:
        return [c["name"] for c in self.columns]

    def column(self, name) -> dict:
        for c in self.columns:
            if c["name"] == name:
                return c
        raise SchemaError(f"column {name!r} is not in the fitted table (columns: {self.names()}).")

    @staticmethod
    def cut_points(col) -> np.ndarray:
        """Latent normal cut points of a discrete column: -inf, ..., +inf (len = n categories + 1)."""
        cum = np.concatenate([[0.0], np.cumsum(col["probs"])])
        cum[-1] = 1.0
        return special.ndtri(np.clip(cum, 0.0, 1.0))

    @staticmethod
    def category_index(col, value) -> int:
        lab = _label(value)
        for i, c in enumerate(col["categories"]):
            if _label(c) == lab:
                return i
        raise SchemaError(f"column {col['name']!r} has no category {value!r}; it has "
                          f"{[_label(c) for c in col['categories']]}.")

    def missing_cuts(self, col) -> np.ndarray:
        m = col["missing_rate"]
        return np.array([-np.inf, special.ndtri(1 - m), np.inf])  # interval 0 = present, 1 = missing

    # --- data -> normal scores (copula fitting)
    def normal_scores(self, df: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        out = []
        for col in self.columns:
            s = df[col["name"]]
            if col["kind"] == "continuous":
                x = s.to_numpy(float)
                obs = ~np.isnan(x)
                z = np.full(len(x), np.nan)
                # ranks with random tie-breaking: the empirical CDF, mapped to the normal axis
                jitter = rng.random(obs.sum())
                order = np.lexsort((jitter, x[obs]))
                ranks = np.empty(obs.sum())
                ranks[order] = np.arange(1, obs.sum() + 1)
                z[obs] = special.ndtri((ranks - 0.5) / obs.sum())
                out.append(z)
                if col["missing_rate"] > 0:
                    cuts = self.missing_cuts(col)
                    k = (~obs).astype(int)
                    out.append(self._uniform_in(cuts, k, rng))
            else:
                cuts = self.cut_points(col)
                k = self.codes(col, s)
                out.append(self._uniform_in(cuts, k, rng))
        return np.column_stack(out)

    def codes(self, col, s: pd.Series) -> np.ndarray:
        lookup = {_label(c): i for i, c in enumerate(col["categories"])}
        labels = s.map(_label)
        codes = labels.map(lookup)
        if codes.isna().any():
            bad = labels[codes.isna()].iloc[0]
            raise SchemaError(f"column {col['name']!r}: value {bad!r} was not seen in fitting.")
        return codes.to_numpy(int)

    @staticmethod
    def _uniform_in(cuts, k, rng):
        lo, hi = special.ndtr(cuts[k]), special.ndtr(cuts[k + 1])
        u = lo + (hi - lo) * rng.random(len(k))
        return special.ndtri(np.clip(u, 1e-12, 1 - 1e-12))

    # --- normal scores -> data
    def continuous_from_uniform(self, col, u: np.ndarray) -> np.ndarray:
        x = np.interp(u, col["levels"], col["quantiles"])
        if col["dtype"] == "int":
            x = np.round(x)
        return x

    def continuous_to_uniform(self, col, x) -> np.ndarray:
        q, lev = np.asarray(col["quantiles"]), np.asarray(col["levels"])
        # a flat stretch of quantiles (point mass): take the middle of its levels
        lo = np.interp(x, q, lev, left=lev[0], right=lev[-1])
        hi = -np.interp(-np.asarray(x, float), -q[::-1], -lev[::-1], left=-lev[-1], right=-lev[0])
        return np.clip((lo + hi) / 2, _EPS, 1 - _EPS)

    def assemble(self, parts: dict[str, np.ndarray], n: int) -> pd.DataFrame:
        """Column values (continuous as floats with NaN; discrete as category codes) -> typed frame."""
        data = {}
        for col in self.columns:
            v = parts[col["name"]]
            if col["kind"] == "continuous":
                if col["dtype"] == "int" and not np.isnan(v).any():
                    data[col["name"]] = v.astype(np.int64)
                else:
                    data[col["name"]] = v
            else:
                cats = col["categories"]
                has_missing = any(c is None for c in cats)
                if col["dtype"] in ("int", "bool") and not has_missing:
                    arr = np.asarray([c for c in cats], dtype=float)[v]
                    data[col["name"]] = arr.astype(bool) if col["dtype"] == "bool" else arr.astype(np.int64)
                elif col["dtype"] in ("int", "float", "bool"):
                    data[col["name"]] = np.asarray([np.nan if c is None else c for c in cats], dtype=float)[v]
                else:
                    data[col["name"]] = np.asarray(cats, dtype=object)[v]
        return pd.DataFrame(data, index=pd.RangeIndex(n))

    def to_config(self) -> dict:
        return {"max_discrete": self.max_discrete, "n_quantiles": self.n_quantiles, "kinds": self.kinds,
                "columns": self.columns}

    @classmethod
    def from_config(cls, cfg: dict) -> "TableCodec":
        codec = cls(cfg["max_discrete"], cfg["n_quantiles"], cfg.get("kinds"))
        codec.columns = cfg["columns"]
        return codec


# ---------------------------------------------------------------------------------------------
def _nearest_correlation(c: np.ndarray, floor: float = 1e-6) -> np.ndarray:
    """Symmetric, positive definite, unit diagonal: clip the eigenvalues, rescale."""
    c = np.nan_to_num((c + c.T) / 2, nan=0.0)
    np.fill_diagonal(c, 1.0)
    w, v = np.linalg.eigh(c)
    c = (v * np.maximum(w, floor)) @ v.T
    d = np.sqrt(np.diag(c))
    c = c / np.outer(d, d)
    np.fill_diagonal(c, 1.0)
    return c


def _truncnorm(mu, sd, a, b, rng):
    """Draws of N(mu, sd^2) truncated to [a, b], vectorised (inverse CDF; tails handled by symmetry)."""
    alpha, beta = (a - mu) / sd, (b - mu) / sd
    # work in the upper tail where both bounds are positive, for numerical accuracy
    flip = alpha > 0
    lo = np.where(flip, -beta, alpha)
    hi = np.where(flip, -alpha, beta)
    plo, phi = special.ndtr(lo), special.ndtr(hi)
    u = plo + (phi - plo) * rng.random(np.shape(mu))
    z = special.ndtri(np.clip(u, 1e-300, 1 - 1e-16))
    z = np.clip(z, lo, hi)
    z = np.where(flip, -z, z)
    return mu + sd * z


class _Generator:
    """Shared sampling loop: conditions, rules by rejection, acceptance report, save/load."""

    _kind = "generator"

    def _check_fitted(self):
        if getattr(self, "codec_", None) is None:
            raise NotFittedError(f"this {type(self).__name__} is not fitted; call .fit(df) or .load(path) first.")

    def _rng(self, random_state):
        return check_random_state(self.random_state if random_state is None else random_state)

    def sample(self, n: int, conditions: dict | None = None, rules=None, random_state=None,
               min_acceptance: float | None = None) -> pd.DataFrame:
        """`n` synthetic rows with the training table's columns and dtypes.

        conditions  {column: value}: every row has these values (see the module docstring for how)
        rules       validity rules enforced by redrawing rows that break them
        random_state  None uses the model's own (same call, same output)
        """
        self._check_fitted()
        n = int(n)
        if n < 0:
            raise ValueError(f"n={n} must be >= 0.")
        min_acc = self.min_acceptance if min_acceptance is None else float(min_acceptance)
        rng = self._rng(random_state)
        conditions = dict(conditions or {})
        for c in conditions:
            self.codec_.column(c)  # unknown column -> SchemaError
        ruleset = None
        if rules is not None:
            from ..evaluation.rules import as_ruleset

            ruleset = as_ruleset(rules)
            ruleset.check_columns(self.codec_.names())
        chunks, have, drawn = [], 0, 0
        rejected = {r.name: 0 for r in ruleset} if ruleset is not None else {}
        cond_rejected = 0
        acc = 1.0
        while have < n or (n == 0 and not chunks):
            m = int(min(max(1.2 * (n - have) / max(acc, min_acc), 256), 2_000_000)) if n else 0
            df, n_cond_rej = self._draw(m, conditions, rng)
            cond_rejected += n_cond_rej
            drawn += m
            if ruleset is not None and len(df):
                viol = ruleset.violations(df)
                for r in viol.columns:
                    rejected[r] += int(viol[r].sum())
                df = df[~viol.to_numpy().any(axis=1)]
            chunks.append(df)
            have += len(df)
            acc = have / drawn if drawn else 1.0
            if n and drawn >= 2000 and acc < min_acc:
                worst = max(rejected, key=rejected.get) if rejected else None
                why = (f"; rule {worst!r} rejects {rejected[worst] / drawn:.1%} of drawn rows" if worst else "")
                why += (f"; the conditions {conditions} reject {cond_rejected / drawn:.1%}" if cond_rejected else "")
                raise RuleError(f"only {acc:.2%} of sampled rows were accepted (minimum {min_acc:.2%}){why}. "
                                "Check that the rules and conditions hold for the real data, or refit.")
            if n == 0:
                break
        out = pd.concat(chunks, ignore_index=True).iloc[:n].reset_index(drop=True)
        self.sampling_report_ = {"n": n, "drawn": drawn, "acceptance_rate": acc, "rejected_by_rule": rejected,
                                 "rejected_by_conditions": cond_rejected, "conditions": {k: _label(v) for k, v in conditions.items()},
                                 "condition_method": self._condition_method}
        out.attrs["acceptance_rate"] = acc
        return out

    # --- persistence
    def save(self, path):
        """A folder with config.json (settings, marginal summaries) and model.safetensors. No records."""
        self._check_fitted()
        import torch

        cfg, tensors = self._state()
        cfg = {"class": type(self).__name__, "codec": self.codec_.to_config(), **cfg}
        return save_model(path, cfg, {k: torch.as_tensor(v) for k, v in tensors.items()})

    @classmethod
    def load(cls, path):
        cfg, tensors = load_model(path, expected_class=cls.__name__)
        if cfg.get("class") != cls.__name__:
            raise CheckpointError(f"{path}: holds a {cfg.get('class')!r}, not a {cls.__name__}.")
        obj = cls(**cfg["params"])
        obj.codec_ = TableCodec.from_config(cfg["codec"])
        obj._restore(cfg, tensors)
        return obj


class GaussianCopula(_Generator):
    """Gaussian copula over mixed-type columns (see the module docstring).

    max_discrete    numeric columns with at most this many distinct values are discrete
    n_quantiles     size of each continuous marginal's quantile summary
    kinds           override: {column: "continuous" | "discrete"}
    min_acceptance  below this acceptance rate (rules, conditions) sampling is an error
    gibbs_sweeps    sweeps of the Gibbs sampler when several discrete columns are conditioned
    em_sweeps       sweeps of the data-augmentation fit of the latent correlation (0: the simple
                    estimate from normal scores drawn uniformly within each category's interval)
    """

    _condition_method = "conditional copula (exact; truncated-normal Gibbs for several discrete conditions)"

    def __init__(self, max_discrete: int = 20, n_quantiles: int = 256, kinds: dict | None = None,
                 min_acceptance: float = 0.01, gibbs_sweeps: int = 30, em_sweeps: int = 20, random_state=0):
        self.max_discrete = max_discrete
        self.em_sweeps = em_sweeps
        self.n_quantiles = n_quantiles
        self.kinds = kinds
        self.min_acceptance = min_acceptance
        self.gibbs_sweeps = gibbs_sweeps
        self.random_state = random_state
        self.codec_ = None

    def fit(self, df: pd.DataFrame) -> "GaussianCopula":
        rng = self._rng(None)
        self.codec_ = TableCodec(self.max_discrete, self.n_quantiles, self.kinds).fit(df)
        z = self.codec_.normal_scores(df, rng)
        self.latent_names_ = self.codec_.latent_names
        corr = pd.DataFrame(z).corr(min_periods=3).to_numpy()  # pairwise-complete start
        self.correlation_ = self._data_augmentation(z, _nearest_correlation(corr), rng)
        self.n_features_in_ = df.shape[1]
        return self

    def _data_augmentation(self, z: np.ndarray, R: np.ndarray, rng) -> np.ndarray:
        """Stochastic EM for the latent correlation (Gibbs data augmentation).

        A discrete value only says its latent lies in an interval; drawing it uniformly there
        (the start) ignores the other columns and attenuates correlations. Each sweep redraws
        every interval-censored latent from its truncated conditional given all the others, and
        every missing continuous latent from its conditional, then re-estimates R; the last
        sweeps are averaged.
        """
        if self.em_sweeps <= 0:
            return R
        codec = self.codec_
        pos = {nm: i for i, nm in enumerate(self.latent_names_)}
        boxes, free = [], []  # (latent index, lower (n,), upper (n,)); latents with missing entries
        for col in codec.columns:
            i = pos[col["name"]]
            if col["kind"] == "discrete":
                cuts = codec.cut_points(col)
                k = np.searchsorted(cuts[1:-1], z[:, i], side="right")
                boxes.append((i, cuts[k], cuts[k + 1]))
            else:
                miss = np.isnan(z[:, i])
                if miss.any():
                    free.append((i, miss))
                if col["missing_rate"] > 0:
                    j = pos[col["name"] + "::missing"]
                    cuts = codec.missing_cuts(col)
                    k = miss.astype(int)
                    boxes.append((j, cuts[k], cuts[k + 1]))
        if not boxes and not free:
            return R
        z = z.copy()
        for i, miss in free:
            z[miss, i] = rng.standard_normal(miss.sum())
        acc, n_acc = np.zeros_like(R), 0
        for sweep in range(self.em_sweeps):
            P = np.linalg.inv(R)
            for i, lo, hi in boxes:
                var = 1.0 / P[i, i]
                mu = -var * (z @ P[i] - P[i, i] * z[:, i])
                z[:, i] = _truncnorm(mu, math.sqrt(var), lo, hi, rng)
            for i, miss in free:
                var = 1.0 / P[i, i]
                mu = -var * (z[miss] @ P[i] - P[i, i] * z[miss, i])
                z[miss, i] = mu + math.sqrt(var) * rng.standard_normal(miss.sum())
            R = _nearest_correlation(np.corrcoef(z, rowvar=False))
            if sweep >= self.em_sweeps // 2:
                acc += R
                n_acc += 1
        return _nearest_correlation(acc / n_acc)

    def _draw(self, m: int, conditions: dict, rng) -> tuple[pd.DataFrame, int]:
        codec, R = self.codec_, self.correlation_
        names = self.latent_names_
        pos = {nm: i for i, nm in enumerate(names)}
        d = len(names)
        points, boxes = {}, {}
        for c, v in conditions.items():
            col = codec.column(c)
            if col["kind"] == "continuous":
                if v is None or (not isinstance(v, str) and pd.isna(v)):
                    if col["missing_rate"] == 0:
                        raise SchemaError(f"column {c!r} was never missing in training; cannot condition on missing.")
                    boxes[pos[c + "::missing"]] = codec.missing_cuts(col)[1:3]
                    continue
                try:
                    val = float(v)
                except (TypeError, ValueError):
                    raise SchemaError(f"condition {c}={v!r}: column {c!r} is continuous; give a number.") from None
                points[pos[c]] = special.ndtri(codec.continuous_to_uniform(col, val))
                if col["missing_rate"] > 0:
                    boxes[pos[c + "::missing"]] = codec.missing_cuts(col)[0:2]
            else:
                k = codec.category_index(col, v)
                cuts = codec.cut_points(col)
                boxes[pos[c]] = cuts[k:k + 2]
        z = np.empty((m, d))
        P, B = list(points), list(boxes)
        for i in P:
            z[:, i] = points[i]
        if B:
            z[:, B] = self._truncated_block(R, P, points, B, boxes, m, rng)
        C = P + B
        rest = [i for i in range(d) if i not in C]
        if C:
            Rcc = R[np.ix_(C, C)]
            K = np.linalg.solve(Rcc, R[np.ix_(C, rest)]).T  # rest x C
            cov = R[np.ix_(rest, rest)] - K @ R[np.ix_(C, rest)]
            mean = z[:, C] @ K.T
        else:
            cov, mean = R, 0.0
        L = np.linalg.cholesky(_psd(cov))
        if rest:
            z[:, rest] = mean + rng.standard_normal((m, len(rest))) @ L.T
        return self._decode(z, m), 0

    def _truncated_block(self, R, P, points, B, boxes, m, rng):
        """Latents B given points P, truncated to their boxes: exact for one, Gibbs for several."""
        # Gaussian of the B latents given the point-conditioned ones
        if P:
            K = np.linalg.solve(R[np.ix_(P, P)], R[np.ix_(P, B)]).T
            S = R[np.ix_(B, B)] - K @ R[np.ix_(P, B)]
            mu = np.tile(np.array([points[i] for i in P]) @ K.T, (m, 1))
        else:
            S, mu = R[np.ix_(B, B)], np.zeros((m, len(B)))
        lo = np.array([boxes[i][0] for i in B])
        hi = np.array([boxes[i][1] for i in B])
        if len(B) == 1:
            return _truncnorm(mu[:, 0], math.sqrt(S[0, 0]), lo[0], hi[0], rng)[:, None]
        x = np.empty((m, len(B)))
        for j in range(len(B)):  # start: each one from its own truncated marginal
            x[:, j] = _truncnorm(mu[:, j], math.sqrt(S[j, j]), lo[j], hi[j], rng)
        prec = np.linalg.inv(S)
        for _ in range(self.gibbs_sweeps):
            for j in range(len(B)):
                others = [k for k in range(len(B)) if k != j]
                cond_var = 1.0 / prec[j, j]
                cond_mu = mu[:, j] - cond_var * ((x[:, others] - mu[:, others]) @ prec[j, others])
                x[:, j] = _truncnorm(cond_mu, math.sqrt(cond_var), lo[j], hi[j], rng)
        return x

    def _decode(self, z: np.ndarray, m: int) -> pd.DataFrame:
        codec = self.codec_
        u = special.ndtr(z)
        pos = {nm: i for i, nm in enumerate(self.latent_names_)}
        parts = {}
        for col in codec.columns:
            i = pos[col["name"]]
            if col["kind"] == "continuous":
                v = codec.continuous_from_uniform(col, u[:, i])
                if col["missing_rate"] > 0:
                    miss = z[:, pos[col["name"] + "::missing"]] > codec.missing_cuts(col)[1]
                    v = np.where(miss, np.nan, v)
                parts[col["name"]] = v
            else:
                cuts = codec.cut_points(col)
                k = np.searchsorted(cuts[1:-1], z[:, i], side="right")
                parts[col["name"]] = k
        return codec.assemble(parts, m)

    def _state(self):
        params = {"max_discrete": self.max_discrete, "n_quantiles": self.n_quantiles, "kinds": self.kinds,
                  "min_acceptance": self.min_acceptance, "gibbs_sweeps": self.gibbs_sweeps, "em_sweeps": self.em_sweeps,
                  "random_state": self.random_state if isinstance(self.random_state, (int, type(None))) else None}
        return ({"params": params, "latent_names": self.latent_names_, "n_features_in": self.n_features_in_},
                {"correlation": np.asarray(self.correlation_, np.float64)})

    def _restore(self, cfg, tensors):
        self.latent_names_ = cfg["latent_names"]
        self.n_features_in_ = cfg["n_features_in"]
        self.correlation_ = tensors["correlation"].numpy().astype(float)


def _psd(c):
    c = (c + c.T) / 2
    w, v = np.linalg.eigh(c)
    return (v * np.maximum(w, 1e-10)) @ v.T


# ---------------------------------------------------------------------------------------------
class TabularVAE(_Generator):
    """A small variational autoencoder over mixed-type columns, in torch.

    Continuous columns enter as their normal scores (through the same quantile summaries as the
    copula) and are decoded as Gaussians; discrete columns (and the missing flags of continuous
    ones) as one-hot blocks decoded as categoricals. Conditional sampling is by rejection.

    latent_dim, hidden, epochs, batch_size, lr, beta (weight of the KL term), device ("cpu" or "auto")
    """

    _condition_method = "rejection sampling (discrete conditions only)"

    def __init__(self, latent_dim: int = 8, hidden: int = 128, epochs: int = 30, batch_size: int = 256,
                 lr: float = 2e-3, beta: float = 1.0, max_discrete: int = 20, n_quantiles: int = 256,
                 kinds: dict | None = None, min_acceptance: float = 0.001, device: str = "cpu", random_state=0):
        self.latent_dim = latent_dim
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.beta = beta
        self.max_discrete = max_discrete
        self.n_quantiles = n_quantiles
        self.kinds = kinds
        self.min_acceptance = min_acceptance
        self.device = device
        self.random_state = random_state
        self.codec_ = None

    # --- layout of the encoded table
    def _layout(self):
        cont, blocks = [], []  # blocks: (name, size, "column"|"missing")
        for col in self.codec_.columns:
            if col["kind"] == "continuous":
                cont.append(col["name"])
                if col["missing_rate"] > 0:
                    blocks.append((col["name"], 2, "missing"))
            else:
                blocks.append((col["name"], len(col["categories"]), "column"))
        return cont, blocks

    def _encode(self, df: pd.DataFrame):
        codec = self.codec_
        cont, blocks = self._layout()
        xc = np.zeros((len(df), len(cont)))
        mc = np.ones((len(df), len(cont)))
        for j, name in enumerate(cont):
            col = codec.column(name)
            x = df[name].to_numpy(float)
            obs = ~np.isnan(x)
            xc[obs, j] = special.ndtri(codec.continuous_to_uniform(col, x[obs]))
            mc[~obs, j] = 0.0
        codes = []
        for name, size, what in blocks:
            if what == "missing":
                codes.append(df[name].isna().to_numpy(int))
            else:
                codes.append(codec.codes(codec.column(name), df[name]))
        codes = np.column_stack(codes) if codes else np.zeros((len(df), 0), int)
        return xc, mc, codes

    def _build(self, n_cont, sizes):
        import torch
        from torch import nn

        d_in = n_cont + sum(sizes)
        h = self.hidden
        enc = nn.Sequential(nn.Linear(d_in, h), nn.SiLU(), nn.Linear(h, h), nn.SiLU(), nn.Linear(h, 2 * self.latent_dim))
        dec = nn.Sequential(nn.Linear(self.latent_dim, h), nn.SiLU(), nn.Linear(h, h), nn.SiLU(),
                            nn.Linear(h, n_cont + sum(sizes)))
        net = nn.ModuleDict({"enc": enc, "dec": dec})
        net.log_sigma = nn.Parameter(torch.zeros(n_cont))
        return net

    def fit(self, df: pd.DataFrame) -> "TabularVAE":
        import torch
        import torch.nn.functional as F

        from .._util.device import resolve_device
        from .._util.progress import progress

        rng = self._rng(None)
        self.codec_ = TableCodec(self.max_discrete, self.n_quantiles, self.kinds).fit(df)
        cont, blocks = self._layout()
        self.sizes_ = [b[1] for b in blocks]
        xc, mc, codes = self._encode(df)
        dev = resolve_device(self.device)
        g = torch_generator(int(rng.integers(2**62)))
        net = self._build(len(cont), self.sizes_)
        _init(net, g)
        net.to(dev)
        Xc = torch.tensor(xc, dtype=torch.float32, device=dev)
        Mc = torch.tensor(mc, dtype=torch.float32, device=dev)
        Cd = torch.tensor(codes, dtype=torch.long, device=dev)
        onehot = _onehot(Cd, self.sizes_)
        opt = torch.optim.Adam(net.parameters(), lr=self.lr)
        n = len(df)
        self.loss_history_ = []
        offsets = np.cumsum([0] + self.sizes_)
        for _ in progress(range(self.epochs), desc="TabularVAE", total=self.epochs):
            perm = torch.randperm(n, generator=g).to(dev)
            total = 0.0
            for s in range(0, n, self.batch_size):
                idx = perm[s:s + self.batch_size]
                xb, mb, cb, ob = Xc[idx], Mc[idx], Cd[idx], onehot[idx]
                h = net["enc"](torch.cat([xb * mb, ob], 1))
                mu, logvar = h.chunk(2, 1)
                eps = torch.randn(mu.shape, generator=g, device="cpu").to(dev)
                z = mu + eps * torch.exp(0.5 * logvar)
                out = net["dec"](z)
                nc = len(cont)
                mean = out[:, :nc]
                ls = net.log_sigma
                nll = (0.5 * ((xb - mean) / ls.exp()) ** 2 + ls) * mb
                loss = nll.sum(1)
                logits = out[:, nc:]
                for j, size in enumerate(self.sizes_):
                    loss = loss + F.cross_entropy(logits[:, offsets[j]:offsets[j + 1]], cb[:, j], reduction="none")
                kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
                loss = (loss + self.beta * kl).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
            self.loss_history_.append(total / n)
        self.net_ = net.cpu().eval()
        self.n_features_in_ = df.shape[1]
        return self

    def _draw(self, m: int, conditions: dict, rng) -> tuple[pd.DataFrame, int]:
        import torch

        codec = self.codec_
        for c in conditions:
            if codec.column(c)["kind"] == "continuous":
                raise SchemaError(f"TabularVAE conditions on discrete columns only; {c!r} is continuous. "
                                  "Use GaussianCopula, or a rule (e.g. 'x between a and b').")
        cont, blocks = self._layout()
        nc = len(cont)
        g = torch_generator(int(rng.integers(2**62)))
        parts = {}
        cont_vals, block_vals = [], []
        with torch.no_grad():
            for s in range(0, m, 65536):
                b = min(65536, m - s)
                z = torch.randn((b, self.latent_dim), generator=g)
                out = self.net_["dec"](z)
                x = out[:, :nc] + self.net_.log_sigma.exp() * torch.randn((b, nc), generator=g)
                cont_vals.append(x.numpy().astype(float))
                offsets = np.cumsum([0] + self.sizes_)
                ks = []
                for j, size in enumerate(self.sizes_):
                    logits = out[:, nc + offsets[j]:nc + offsets[j + 1]]
                    gumbel = -torch.log(-torch.log(torch.rand(logits.shape, generator=g).clamp_min(1e-12)))
                    ks.append((logits + gumbel).argmax(1).numpy())
                block_vals.append(np.column_stack(ks) if ks else np.zeros((b, 0), int))
        xs = np.concatenate(cont_vals) if cont_vals else np.zeros((0, nc))
        ks = np.concatenate(block_vals) if block_vals else np.zeros((0, len(blocks)), int)
        for j, name in enumerate(cont):
            parts[name] = codec.continuous_from_uniform(codec.column(name), special.ndtr(xs[:, j]))
        for j, (name, size, what) in enumerate(blocks):
            if what == "missing":
                parts[name] = np.where(ks[:, j] == 1, np.nan, parts[name])
            else:
                parts[name] = ks[:, j]
        keep = np.ones(m, bool)
        for c, v in conditions.items():
            col = codec.column(c)
            keep &= parts[c] == codec.category_index(col, v)
        df = codec.assemble(parts, m)
        if conditions:
            df = df[keep].reset_index(drop=True)
        return df, int((~keep).sum())

    def _state(self):
        params = {k: getattr(self, k) for k in ("latent_dim", "hidden", "epochs", "batch_size", "lr", "beta",
                                                 "max_discrete", "n_quantiles", "kinds", "min_acceptance", "device")}
        params["random_state"] = self.random_state if isinstance(self.random_state, (int, type(None))) else None
        return ({"params": params, "sizes": self.sizes_, "n_features_in": self.n_features_in_},
                dict(self.net_.state_dict()))

    def _restore(self, cfg, tensors):
        cont, _ = self._layout()
        self.sizes_ = cfg["sizes"]
        self.n_features_in_ = cfg["n_features_in"]
        net = self._build(len(cont), self.sizes_)
        try:
            net.load_state_dict(tensors)
        except RuntimeError as exc:
            raise CheckpointError(f"saved TabularVAE weights do not fit its config: {exc}") from exc
        self.net_ = net.eval()


def _onehot(codes, sizes):
    import torch

    if not sizes:
        return torch.zeros((codes.shape[0], 0))
    return torch.cat([torch.nn.functional.one_hot(codes[:, j], s).float() for j, s in enumerate(sizes)], 1)


def _init(net, g):
    """Initialise weights from an explicit generator (never the global torch seed)."""
    import torch

    with torch.no_grad():
        for name, p in net.named_parameters():
            if p.dim() == 2:
                bound = 1.0 / math.sqrt(p.shape[1])
                p.uniform_(-bound, bound, generator=g)
            else:
                p.zero_()


def load_generator(path):
    """Load a GaussianCopula or TabularVAE folder, whichever it holds."""
    import json
    from pathlib import Path

    cfg_file = Path(path) / "config.json"
    if not cfg_file.is_file():
        raise CheckpointError(f"{cfg_file}: missing; not a saved generator folder.")
    cls = {"GaussianCopula": GaussianCopula, "TabularVAE": TabularVAE}.get(json.loads(cfg_file.read_text()).get("class"))
    if cls is None:
        raise CheckpointError(f"{path}: not a GaussianCopula or TabularVAE folder.")
    return cls.load(path)
