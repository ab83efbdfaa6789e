"""Control arms that nobody was randomised to: from the digital twin, and from historical patients.

synthetic_control_arm  each enrolled patient's counterfactual trajectory under control, drawn from
                       the twin (what would have happened to *this* patient without treatment).
external_control       historical patients made comparable to the trial by a propensity score
                       (logistic regression of "in the trial" on the covariates): 1:1 nearest-
                       neighbour matching on the logit within a caliper, or ATT weights
                       e/(1-e); with a balance table of standardised mean differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._util.atomic import atomic_write_text
from .._util.random import as_rng
from .._util.results import ResultMixin
from ..errors import DataError, SchemaError, check_option


def synthetic_control_arm(twin, enrolled_df: pd.DataFrame, n_draws: int = 1, random_state=None) -> pd.DataFrame:
    """The twin's counterfactual control trajectories for the enrolled patients, as a table.

    One row per patient x draw: id, draw, each visit drawn under control (jointly), the predictive
    mean of each visit (`<visit>_pred`, the prognostic score) and, if the twin models it, the
    event time and indicator. Column `arm` is "synthetic_control". `random_state` None continues
    the twin's sampling stream; an int or Generator draws from that instead.
    """
    arm = twin.sample(enrolled_df, n_draws=n_draws, random_state=random_state)
    if twin.visits:
        pred = twin.predict(enrolled_df).to_numpy()
        for j, v in enumerate(twin.visits):
            arm[f"{v}_pred"] = np.repeat(pred[:, j], n_draws)
    arm["arm"] = "synthetic_control"
    return arm


# ---------------------------------------------------------------------------------------------
def _design(df: pd.DataFrame, covariates, levels=None):
    """Numeric covariates as is; text/categorical ones one-hot (levels from the pooled data)."""
    cols, names = [], []
    levels = dict(levels or {})
    for c in covariates:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s) and c not in levels:
            cols.append(s.to_numpy(float))
            names.append(c)
        else:
            lv = levels.get(c)
            for v in lv[1:]:
                cols.append((s.astype(str).to_numpy() == v).astype(float))
                names.append(f"{c}={v}")
    return np.column_stack(cols), names


@dataclass
class ExternalControl(ResultMixin):
    """Result of `external_control`.

    data      the historical patients used as controls, with column `weight` (1 for matched
              patients; ATT weights e/(1-e) normalised to the trial size for weighting) and
              `propensity`, plus `matched_to` (trial row label) for matching
    balance   covariate | mean_trial | mean_control_before | mean_control_after | smd_before | smd_after
    propensity_trial  the trial patients' propensity scores
    """

    method: str
    data: pd.DataFrame
    balance: pd.DataFrame
    propensity_trial: pd.Series
    n_trial: int
    n_historical: int
    n_unmatched_trial: int = 0
    caliper: float | None = None
    notes: list = field(default_factory=list)

    def to_dict(self) -> dict:
        """The summary's figures, the notes and the balance table, JSON-able."""
        w = self.data["weight"]
        return {"method": self.method, "n_trial": self.n_trial, "n_historical": self.n_historical,
                "n_controls_used": int((w > 0).sum()),
                "effective_sample_size": float(w.sum() ** 2 / (w ** 2).sum()),
                "n_unmatched_trial": self.n_unmatched_trial, "caliper": self.caliper,
                "max_abs_smd_before": float(self.balance["smd_before"].abs().max()),
                "max_abs_smd_after": float(self.balance["smd_after"].abs().max()), "notes": list(self.notes),
                "balance": self.balance.to_dict(orient="records")}

    def write(self, out_dir) -> dict[str, Path]:
        """OUT/external_control.json (`to_dict`) and OUT/external_control.csv (the controls with their weights)."""
        paths = {"json": Path(out_dir) / "external_control.json", "csv": Path(out_dir) / "external_control.csv"}
        self.to_json(paths["json"])
        atomic_write_text(paths["csv"], self.data.to_csv(index=False))
        return paths

    def summary(self) -> pd.DataFrame:
        """One row (indexed by method): sizes, controls used, their effective sample size, worst SMD before/after."""
        row = {k: v for k, v in self.to_dict().items() if k not in ("notes", "balance")}
        return pd.DataFrame([row]).set_index("method")


def _wmean_var(x, w):
    w = w / w.sum()
    m = (w[:, None] * x).sum(0)
    v = (w[:, None] * (x - m) ** 2).sum(0)
    return m, v


def balance_table(trial_X, hist_X, names, weights=None) -> pd.DataFrame:
    """Standardised mean differences (trial - control) / sqrt((var_trial + var_control) / 2), pooled
    SD from the unweighted samples, before and after weighting/matching."""
    mt, vt = trial_X.mean(0), trial_X.var(0)
    mc, vc = hist_X.mean(0), hist_X.var(0)
    sd = np.sqrt((vt + vc) / 2)
    sd = np.where(sd > 0, sd, 1.0)
    w = np.ones(len(hist_X)) if weights is None else np.asarray(weights, float)
    keep = w > 0
    ma, _ = _wmean_var(hist_X[keep], w[keep])
    return pd.DataFrame({"covariate": names, "mean_trial": mt, "mean_control_before": mc, "mean_control_after": ma,
                         "smd_before": (mt - mc) / sd, "smd_after": (mt - ma) / sd})


def external_control(historical_df: pd.DataFrame, trial_df: pd.DataFrame, covariates: list[str],
                     method: str = "matching", caliper: float = 0.2, replace: bool = False,
                     random_state=None) -> ExternalControl:
    """An external control arm from historical patients, by propensity score matching or weighting.

    covariates  columns in both tables (text columns are one-hot encoded)
    method      "matching": greedy 1:1 nearest neighbour on the logit of the propensity score, in
                random order of the trial patients, within `caliper` x SD(logit) (Austin's 0.2);
                without replacement unless `replace`. "weighting": ATT odds weights e/(1-e).
    """
    from sklearn.linear_model import LogisticRegression

    check_option("method", method, ("matching", "weighting"))
    covariates = list(covariates)
    if not covariates:
        raise SchemaError("give at least one covariate for the propensity model.")
    for name, df in (("historical", historical_df), ("trial", trial_df)):
        missing = [c for c in covariates if c not in df.columns]
        if missing:
            raise SchemaError(f"{name} table lacks covariate column(s) {missing}; it has {list(df.columns)}.")
        na = df[covariates].isna().any(axis=1)
        if na.any():
            raise DataError(f"{name} table: covariates missing in {int(na.sum())} row(s) (first: row "
                            f"{df.index[na.to_numpy()][0]}); impute or drop them explicitly.")
        if len(df) < 2:
            raise DataError(f"{name} table has {len(df)} row(s); too few.")
    pooled = pd.concat([trial_df[covariates], historical_df[covariates]], ignore_index=True)
    levels = {c: sorted(pooled[c].astype(str).unique()) for c in covariates if not pd.api.types.is_numeric_dtype(pooled[c])}
    Xt, names = _design(trial_df, covariates, levels)
    Xh, _ = _design(historical_df, covariates, levels)
    X = np.vstack([Xt, Xh])
    mu, sd = X.mean(0), X.std(0)
    sd = np.where(sd > 0, sd, 1.0)
    z = np.r_[np.ones(len(Xt)), np.zeros(len(Xh))]
    lr = LogisticRegression(C=1e6, max_iter=2000).fit((X - mu) / sd, z)  # (almost) unpenalised
    e = lr.predict_proba((X - mu) / sd)[:, 1]
    e = np.clip(e, 1e-6, 1 - 1e-6)
    et, eh = e[: len(Xt)], e[len(Xt):]
    notes = []
    hist = historical_df.copy()
    hist["propensity"] = eh
    if method == "weighting":
        w = eh / (1 - eh)
        w = w * len(Xt) / w.sum()
        hist["weight"] = w
        ess = w.sum() ** 2 / (w ** 2).sum()
        if ess < 0.1 * len(Xh):
            notes.append(f"the weights concentrate on few patients (effective sample size {ess:.0f} of {len(Xh)}): "
                         "poor overlap; consider matching with a caliper or trimming.")
        return ExternalControl("weighting", hist, balance_table(Xt, Xh, names, w), pd.Series(et, index=trial_df.index),
                               len(Xt), len(Xh), notes=notes)
    rng = as_rng(random_state)
    lt, lh = np.log(et / (1 - et)), np.log(eh / (1 - eh))
    width = caliper * np.std(np.r_[lt, lh]) if caliper is not None else np.inf
    available = np.ones(len(lh), bool)
    matched_to = np.full(len(lh), None, dtype=object)
    weight = np.zeros(len(lh))
    unmatched = 0
    order_h = np.argsort(lh)
    sorted_l = lh[order_h]
    for i in rng.permutation(len(lt)):
        # nearest available neighbour: search outwards from the insertion point in the sorted logits
        pos = np.searchsorted(sorted_l, lt[i])
        best, best_d = -1, np.inf
        lo, hi = pos - 1, pos
        while lo >= 0 or hi < len(sorted_l):
            d_lo = lt[i] - sorted_l[lo] if lo >= 0 else np.inf
            d_hi = sorted_l[hi] - lt[i] if hi < len(sorted_l) else np.inf
            if min(d_lo, d_hi) > min(best_d, width):
                break
            if d_lo <= d_hi:
                j = order_h[lo]
                lo -= 1
                d = d_lo
            else:
                j = order_h[hi]
                hi += 1
                d = d_hi
            if (available[j] or replace) and d < best_d:
                best, best_d = j, d
                break
        if best < 0 or best_d > width:
            unmatched += 1
            continue
        weight[best] += 1.0
        matched_to[best] = trial_df.index[i] if matched_to[best] is None else matched_to[best]
        if not replace:
            available[best] = False
    if unmatched:
        notes.append(f"{unmatched} of {len(lt)} trial patient(s) had no historical patient within the caliper; "
                     "the external control describes the matched trial patients only.")
    hist["weight"] = weight
    hist["matched_to"] = matched_to
    used = hist[weight > 0].copy()
    return ExternalControl("matching", used, balance_table(Xt, Xh, names, weight), pd.Series(et, index=trial_df.index),
                           len(Xt), len(Xh), n_unmatched_trial=unmatched, caliper=caliper, notes=notes)
