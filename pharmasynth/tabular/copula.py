"""GaussianCopula: mixed-type columns through their marginals (the codec) and one latent correlation.

Conditional sampling is exact: the conditioned latents are drawn from their truncated normal (a
point for a continuous value; several discrete conditions are drawn jointly by a Gibbs sampler on
the truncated multivariate normal), the others from the Gaussian conditional given them. No
rejection, so rare groups are as cheap as common ones.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special

from ..errors import SchemaError
from .base import TableSynthesizer
from .codec import TableCodec


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


def _psd(c):
    c = (c + c.T) / 2
    w, v = np.linalg.eigh(c)
    return (v * np.maximum(w, 1e-10)) @ v.T


class GaussianCopula(TableSynthesizer):
    """Gaussian copula over mixed-type columns (see the module docstring).

    max_discrete    numeric columns with at most this many distinct values are discrete
    n_quantiles     size of each continuous marginal's quantile summary
    kinds           override: {column: "continuous" | "discrete"}
    ids             identifier columns (detected ones too: unique row numbers, UUIDs, accession codes):
                    not modelled; re-issued as fresh values in every sample. Free text is left out.
    min_acceptance  below this acceptance rate (rules, conditions) sampling is an error
    gibbs_sweeps    sweeps of the Gibbs sampler when several discrete columns are conditioned
    em_sweeps       sweeps of the data-augmentation fit of the latent correlation (0: the simple
                    estimate from normal scores drawn uniformly within each category's interval)
    """

    _condition_method = "conditional copula (exact; truncated-normal Gibbs for several discrete conditions)"

    def __init__(self, max_discrete: int = 20, n_quantiles: int = 256, kinds: dict | None = None,
                 min_acceptance: float = 0.01, gibbs_sweeps: int = 30, em_sweeps: int = 20, random_state=0,
                 ids=()):
        self.max_discrete, self.n_quantiles, self.kinds, self.ids = max_discrete, n_quantiles, kinds, ids
        self.min_acceptance, self.gibbs_sweeps, self.em_sweeps = min_acceptance, gibbs_sweeps, em_sweeps
        self.random_state = random_state

    def fit(self, df: pd.DataFrame) -> "GaussianCopula":
        rng = self._fit_rng()
        self.codec_ = TableCodec(self.max_discrete, self.n_quantiles, self.kinds, self.ids).fit(df)
        z = self.codec_.normal_scores(df, rng)
        self.latent_names_ = self.codec_.latent_names
        corr = pd.DataFrame(z).corr(min_periods=3).to_numpy()  # pairwise-complete start
        self.correlation_ = self._data_augmentation(z, _nearest_correlation(corr), rng)
        self.n_features_in_ = df.shape[1]
        self._start_sampling()
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

    def _model_state(self):
        return ({"latent_names": self.latent_names_, "n_features_in": self.n_features_in_},
                {"correlation": np.asarray(self.correlation_, np.float64)})

    def _restore_model(self, cfg, tensors):
        self.latent_names_ = cfg["latent_names"]
        self.n_features_in_ = cfg["n_features_in"]
        self.correlation_ = tensors["correlation"].numpy().astype(float)
