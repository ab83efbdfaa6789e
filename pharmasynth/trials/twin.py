"""DigitalTwin: a probabilistic model of a patient's trajectory under control, from the baseline.

    twin = DigitalTwin(baseline=["age", "cd40", ...], visits=["cd420", "cd496"],
                       time="days", event="cens", model="linear").fit(historical_controls)
    twin.predict(trial)                  # predictive mean per visit = the prognostic score
    twin.predict_interval(trial, 0.95)   # <visit>_lower, <visit>_upper
    twin.sample(trial, n_draws=100)      # trajectories: id, draw, visits..., time, event
    twin.predict_survival(trial, [365, 730]); twin.risk_score(trial)

Two models behind one interface:

"linear"  multivariate Gaussian regression  y_i = B' x_i + e_i,  e_i ~ N(0, Sigma)  of the whole visit
          vector on the baseline design x_i (intercept, standardised numerics, one-hot categoricals with
          the first level as reference). Sigma is a full covariance: visit-to-visit dependence.
          Missing visits: maximum likelihood by EM under missing-at-random. Every patient with a
          baseline is kept; for a patient with visit 2 missing, the E-step replaces it by its
          conditional mean given the observed visits (and adds the conditional covariance to Sigma),
          the M-step refits B and Sigma. A patient missing every visit adds no information and
          changes nothing. `n_missing_` counts the missing values per visit. Predictive covariance of
          a new patient: (1 + h) Sigma, h = x'(X'X)^-1 x (parameter uncertainty).
          Event: lifelines WeibullAFTFitter on the same design: log T = b0 + x'b + W / rho.
"neural"  a small torch MLP giving, per patient, the mean vector and a Cholesky factor of the visit
          covariance (a heteroscedastic conditional Gaussian with full visit dependence, equivalent
          to an autoregressive Gaussian over the visits), trained on the exact masked likelihood:
          each patient contributes the marginal density of the visits observed (grouped by missing
          pattern). A Weibull head (log scale from the MLP, one shape) for the event. Early
          stopping on a validation split (one fifth of the patients).

Sampling draws the visits jointly (their dependence kept), the event time from the Weibull model
and a censoring time from the reverse Kaplan-Meier of the training data (stored as a summary on
a grid); time = min(event, censoring). Given the baseline, the event and the visits are drawn
independently (no joint longitudinal-survival model).

Baseline values far outside the training data (numeric beyond its range by more than
`extrapolation_margin` of the range) or categories never seen give an `ExtrapolationWarning`
naming the column and rows; an unseen category is treated as the reference level.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import special

from .._util.random import as_rng, torch_generator
from .._util.serialization import load_model, save_model
from ..errors import CheckpointError, DataError, DataWarning, ExtrapolationWarning, NotFittedError, SchemaError, check_option
from .data import TrialSchema, _first_rows, _label_text, _row_label

MODELS = ("linear", "neural")


# ---------------------------------------------------------------------------------------------
class BaselineDesign:
    """Baseline covariates -> design matrix (standardised numerics, one-hot categoricals)."""

    def __init__(self, columns, categorical=(), margin: float = 0.1):
        self.columns = list(columns)
        self.categorical = set(categorical)
        self.margin = margin
        self.spec: list[dict] = []
        self._warned: set[str] = set()

    def _warn(self, msg: str) -> None:
        # once per distinct message and fitted twin: repeated predict/sample calls on the same
        # patients (as in trial simulation) should not repeat the same warning hundreds of times
        if msg not in self._warned:
            self._warned.add(msg)
            warnings.warn(msg, ExtrapolationWarning, stacklevel=4)

    def fit(self, df: pd.DataFrame) -> "BaselineDesign":
        self.spec = []
        for c in self.columns:
            s = df[c]
            # text, and numeric 0/1-type codes (two values), are categories: a new code is then
            # reported as an unseen category rather than as an out-of-range number
            is_cat = (c in self.categorical or not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s))
                      or s.nunique() <= 2)
            if is_cat:
                levels = sorted(pd.unique(s.map(_label_text)))
                self.spec.append({"name": c, "kind": "categorical", "levels": levels})
            else:
                x = s.to_numpy(float)
                sd = float(np.std(x))
                self.spec.append({"name": c, "kind": "numeric", "mean": float(np.mean(x)), "sd": sd if sd > 0 else 1.0,
                                  "min": float(np.min(x)), "max": float(np.max(x))})
        return self

    @property
    def terms(self) -> list[str]:
        out = []
        for sp in self.spec:
            if sp["kind"] == "numeric":
                out.append(sp["name"])
            else:
                out.extend(f"{sp['name']}={lv}" for lv in sp["levels"][1:])
        return out

    def check_frame(self, df: pd.DataFrame, source: str = "") -> None:
        if not isinstance(df, pd.DataFrame):
            raise SchemaError(f"expected a pandas DataFrame of baseline covariates, got {type(df).__name__}.")
        missing = [c for c in self.columns if c not in df.columns]
        if missing:
            raise SchemaError(f"{source}baseline column(s) {missing} missing; the table has {list(df.columns)}.")
        na = df[self.columns].isna().to_numpy()
        if na.any():
            rows = na.any(axis=1)
            cols = [c for c, bad in zip(self.columns, na.any(axis=0)) if bad]
            raise DataError(f"{source}baseline covariate(s) {cols} missing at {_first_rows(df, rows)}; the twin "
                            "needs a complete baseline (impute those values or drop the patients explicitly).")

    def transform(self, df: pd.DataFrame, warn: bool = True) -> np.ndarray:
        self.check_frame(df)
        cols = []
        for sp in self.spec:
            s = df[sp["name"]]
            if sp["kind"] == "numeric":
                x = pd.to_numeric(s, errors="coerce").to_numpy(float)
                bad = np.isnan(x) & s.notna().to_numpy()
                if bad.any():
                    first = int(np.flatnonzero(bad)[0])
                    raise SchemaError(f"baseline column {sp['name']!r} must be numeric; {_row_label(df, first)} holds "
                                      f"{s.iloc[first]!r}.")
                rng_ = sp["max"] - sp["min"]
                lo, hi = sp["min"] - self.margin * rng_, sp["max"] + self.margin * rng_
                far = (x < lo) | (x > hi)
                if warn and far.any():
                    first = int(np.flatnonzero(far)[0])
                    self._warn(
                        f"baseline column {sp['name']!r}: {int(far.sum())} row(s) far outside the training range "
                        f"[{sp['min']:g}, {sp['max']:g}] (e.g. {x[first]:g} at {_row_label(df, first)}; rows: "
                        f"{_first_rows(df, far)}). The twin extrapolates there; its predictions for those "
                        "patients are not backed by data. Check the units, or refit on data that cover them.")
                cols.append(((x - sp["mean"]) / sp["sd"])[:, None])
            else:
                lab = s.map(_label_text).to_numpy()
                new = ~np.isin(lab, sp["levels"])
                if warn and new.any():
                    first = int(np.flatnonzero(new)[0])
                    self._warn(
                        f"baseline column {sp['name']!r}: category {lab[first]!r} was never seen in training "
                        f"({int(new.sum())} row(s): {_first_rows(df, new)}; known: {sp['levels']}). Those rows are "
                        f"treated as the reference level {sp['levels'][0]!r}, which is a guess. Recode the "
                        "category or refit with patients who have it.")
                oh = (lab[:, None] == np.asarray(sp["levels"][1:], dtype=object)[None, :]).astype(float)
                cols.append(oh)
        return np.hstack(cols) if cols else np.zeros((len(df), 0))

    def to_config(self):
        return {"columns": self.columns, "categorical": sorted(self.categorical), "margin": self.margin, "spec": self.spec}

    @classmethod
    def from_config(cls, cfg):
        d = cls(cfg["columns"], cfg["categorical"], cfg["margin"])
        d.spec = cfg["spec"]
        return d


# ---------------------------------------------------------------------------------------------
def em_multivariate_regression(X1: np.ndarray, Y: np.ndarray, max_iter: int = 500, tol: float = 1e-8):
    """ML fit of Y = X1 B + E, E ~ N(0, Sigma), with missing entries (NaN) in Y, by EM (MAR).

    Returns (B, Sigma_mle, n_iter). Rows missing every outcome add nothing and are harmless.
    """
    n, V = Y.shape
    obs = ~np.isnan(Y)
    XtX = X1.T @ X1
    # start: per-visit OLS on its observed rows, diagonal Sigma
    B = np.zeros((X1.shape[1], V))
    var = np.ones(V)
    for v in range(V):
        o = obs[:, v]
        if o.sum() < X1.shape[1] + 2:
            raise DataError(f"visit #{v + 1} has {int(o.sum())} observed values, too few for {X1.shape[1]} "
                            "regression terms; drop baseline covariates or that visit.")
        B[:, v] = np.linalg.lstsq(X1[o], Y[o, v], rcond=None)[0]
        var[v] = np.var(Y[o, v] - X1[o] @ B[:, v])
    S = np.diag(var)
    patterns, inv = np.unique(obs, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    it = 0
    for it in range(1, max_iter + 1):
        M = X1 @ B
        Yh = np.where(obs, Y, M)
        C = np.zeros((V, V))
        for k, pat in enumerate(patterns):
            rows = np.flatnonzero(inv == k)
            m, o = np.flatnonzero(~pat), np.flatnonzero(pat)
            if len(m) == 0:
                continue
            if len(o) == 0:
                C[np.ix_(m, m)] += len(rows) * S[np.ix_(m, m)]
                continue
            K = np.linalg.solve(S[np.ix_(o, o)], S[np.ix_(o, m)]).T  # m x o
            Yh[np.ix_(rows, m)] = M[np.ix_(rows, m)] + (Y[np.ix_(rows, o)] - M[np.ix_(rows, o)]) @ K.T
            C[np.ix_(m, m)] += len(rows) * (S[np.ix_(m, m)] - K @ S[np.ix_(o, m)])
        B_new = np.linalg.solve(XtX, X1.T @ Yh)
        R = Yh - X1 @ B_new
        S_new = (R.T @ R + C) / n
        delta = max(np.max(np.abs(B_new - B)) / (np.max(np.abs(B)) + 1e-12),
                    np.max(np.abs(S_new - S)) / (np.max(np.abs(S)) + 1e-12))
        B, S = B_new, S_new
        if delta < tol or not patterns[~patterns.all(axis=1)].size:
            break
    return B, S, it


def _reverse_km_grid(time: np.ndarray, event: np.ndarray, n_grid: int = 100):
    """Censoring survival S_C(t) on a grid (a summary, not the censoring times themselves)."""
    from lifelines import KaplanMeierFitter

    t_end = float(np.quantile(time, 0.995))
    grid = np.linspace(0.0, t_end, n_grid + 1)
    km = KaplanMeierFitter().fit(time, 1 - event)
    surv = km.survival_function_at_times(grid).to_numpy(float)
    return grid, np.minimum.accumulate(surv)


# ---------------------------------------------------------------------------------------------
class DigitalTwin:
    """A patient's trajectory under control, from the baseline (see the module docstring).

    baseline     baseline covariate columns
    visits       continuous outcome columns, in visit order (wide format)
    time, event  time-to-event endpoint (event 1 = event, 0 = censored), or None
    model        "linear" (multivariate regression + Weibull AFT) or "neural" (torch)
    categorical  baseline columns to one-hot even if numeric (text columns always are)
    id           patient id column used in `sample`'s output (default: the frame's index)
    hidden, epochs, lr, weight_decay, patience   the neural model's settings
    em_max_iter, em_tol                           the EM of the linear model
    event_penalizer                               ridge penalty of the Weibull AFT fit (lifelines)
    extrapolation_margin                          fraction of a numeric range beyond which to warn
    """

    def __init__(self, baseline: list[str], visits: list[str], time: str | None = None, event: str | None = None,
                 model: str = "linear", categorical: list[str] | None = None, id: str | None = None,
                 hidden: int = 32, epochs: int = 600, lr: float = 5e-3, weight_decay: float = 1e-2, patience: int = 60,
                 em_max_iter: int = 500, em_tol: float = 1e-8, event_penalizer: float = 0.0,
                 extrapolation_margin: float = 0.25, device: str = "cpu", random_state=0):
        self.baseline = list(baseline)
        self.visits = list(visits)
        self.time = time
        self.event = event
        self.model = model
        self.categorical = list(categorical or [])
        self.id = id
        self.hidden = hidden
        self.epochs = epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.em_max_iter = em_max_iter
        self.em_tol = em_tol
        self.event_penalizer = event_penalizer
        self.extrapolation_margin = extrapolation_margin
        self.device = device
        self.random_state = random_state

    # ----------------------------------------------------------------------------- checks
    def _check_settings(self):
        check_option("model", self.model, MODELS)
        if not self.visits and self.time is None:
            raise SchemaError("give visits (outcome columns) and/or time and event: the twin has nothing to model.")
        if (self.time is None) != (self.event is None):
            raise SchemaError("give both time and event, or neither.")
        overlap = set(self.baseline) & set(self.visits)
        if overlap:
            raise SchemaError(f"column(s) {sorted(overlap)} are both baseline and visit; a visit is an outcome.")
        if not self.baseline:
            raise SchemaError("the twin needs at least one baseline covariate.")

    def _check_fitted(self):
        if not hasattr(self, "design_"):
            raise NotFittedError("this DigitalTwin is not fitted; call .fit(historical_controls) or DigitalTwin.load(path).")

    @property
    def has_event_(self) -> bool:
        return self.time is not None

    # ----------------------------------------------------------------------------- fit
    def fit(self, df: pd.DataFrame) -> "DigitalTwin":
        """Fit on historical control patients (wide format, one row per patient)."""
        self._check_settings()
        if not isinstance(df, pd.DataFrame):
            raise SchemaError(f"expected a pandas DataFrame, got {type(df).__name__}.")
        kinds = {c: ("categorical" if c in self.categorical or not (pd.api.types.is_numeric_dtype(df[c])
                                                                      if c in df.columns else True) else "numeric")
                 for c in self.baseline}
        schema = TrialSchema(baseline=kinds, visits=self.visits, time=self.time, event=self.event)
        data = schema.validate(df, source=str(df.attrs.get("source", "")) or "training table")
        self.design_ = BaselineDesign(self.baseline, [c for c, k in kinds.items() if k == "categorical"],
                                      self.extrapolation_margin)
        self.design_.check_frame(data, "training table: ")
        self.design_.fit(data)
        X = self.design_.transform(data, warn=False)
        self.n_train_ = len(data)
        Y = data[self.visits].to_numpy(float) if self.visits else np.zeros((len(data), 0))
        self.n_missing_ = {v: int(np.isnan(Y[:, j]).sum()) for j, v in enumerate(self.visits)}
        if self.visits and np.isnan(Y).all(axis=1).any():
            k = int(np.isnan(Y).all(axis=1).sum())
            warnings.warn(f"{k} training patient(s) have no visit observed; they are kept but inform only the "
                          "event model (their visits are missing at random under the model).", DataWarning, stacklevel=2)
        t = e = None
        if self.has_event_:
            t, e = data[self.time].to_numpy(float), data[self.event].to_numpy(int)
            zero = t <= 0
            if zero.any():
                pos = t[t > 0]
                if len(pos) == 0:
                    raise DataError(f"event time {self.time!r} is 0 for every patient.")
                warnings.warn(f"{int(zero.sum())} event time(s) are 0; set to half the smallest positive time "
                              f"({pos.min() / 2:g}) for the Weibull fit.", DataWarning, stacklevel=2)
                t = np.where(zero, pos.min() / 2, t)
            if e.sum() == 0:
                raise DataError(f"no events in {self.event!r}: the event model cannot be fitted.")
            self.censor_grid_, self.censor_surv_ = _reverse_km_grid(t, e)
        if self.model == "linear":
            self._fit_linear(X, Y, t, e)
        else:
            self._fit_neural(X, Y, t, e)
        return self

    def _fit_linear(self, X, Y, t, e):
        n = len(X)
        X1 = np.hstack([np.ones((n, 1)), X])
        p1 = X1.shape[1]
        if self.visits:
            if n <= p1 + 1:
                raise DataError(f"{n} patients for {p1} regression terms: too few to fit the twin.")
            B, S, it = em_multivariate_regression(X1, Y, self.em_max_iter, self.em_tol)
            self.B_ = B
            self.residual_cov_ = S * n / (n - p1)  # unbiased-style scaling
            self.XtX_inv_ = np.linalg.inv(X1.T @ X1)
            self.em_iterations_ = it
        if self.has_event_:
            self._fit_weibull(X, t, e)

    def _fit_weibull(self, X, t, e):
        from lifelines import WeibullAFTFitter

        names = [f"x{j}" for j in range(X.shape[1])]
        frame = pd.DataFrame(X, columns=names)
        frame["_t"], frame["_e"] = t, e
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lifelines' convergence chatter; we check the result below
            aft = WeibullAFTFitter(penalizer=self.event_penalizer).fit(frame, "_t", "_e")
        lam = aft.params_.loc["lambda_"]
        self.weibull_intercept_ = float(lam["Intercept"])
        self.weibull_coef_ = np.array([lam[nm] for nm in names], float)
        self.weibull_shape_ = float(np.exp(aft.params_.loc["rho_"]["Intercept"]))
        self.event_summary_ = aft.summary.reset_index().assign(
            covariate=lambda d: d["covariate"].map(dict(zip(names, self.design_.terms))).fillna(d["covariate"]))

    def _fit_neural(self, X, Y, t, e):
        import torch

        from .._util.device import resolve_device

        rng = as_rng(self.random_state)
        g = torch_generator(int(rng.integers(2**62)))
        V = len(self.visits)
        obs = ~np.isnan(Y)
        self.y_mean_ = np.array([np.nanmean(Y[:, j]) for j in range(V)]) if V else np.zeros(0)
        self.y_sd_ = np.array([np.nanstd(Y[:, j]) or 1.0 for j in range(V)]) if V else np.zeros(0)
        Ys = np.where(obs, (Y - self.y_mean_) / self.y_sd_, 0.0)
        self.time_scale_ = float(np.median(t)) if self.has_event_ else 1.0
        dev = resolve_device(self.device)
        net = _NeuralTwinNet(X.shape[1], V, self.hidden, self.has_event_)
        _init_params(net, g)
        net.to(dev)
        n = len(X)
        perm = rng.permutation(n)
        n_val = max(1, n // 5) if n >= 20 else 0
        val, tr = perm[:n_val], perm[n_val:]
        T = lambda a: torch.tensor(a, dtype=torch.float32, device=dev)  # noqa: E731
        Xt, Yt, Ot = T(X), T(Ys), torch.tensor(obs, device=dev)
        tt = T(t / self.time_scale_) if self.has_event_ else None
        et = T(e) if self.has_event_ else None
        opt = torch.optim.Adam(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)

        def loss_on(idx):
            idx_t = torch.as_tensor(idx, device=dev)
            return net.nll(Xt[idx_t], Yt[idx_t], Ot[idx_t], None if tt is None else tt[idx_t],
                           None if et is None else et[idx_t])

        best, best_state, wait = math.inf, None, 0
        self.loss_history_ = []
        for epoch in range(self.epochs):
            net.train()
            loss = loss_on(tr)
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                vl = float(loss_on(val)) if n_val else float(loss)
            self.loss_history_.append((loss.item(), vl))
            if vl < best - 1e-5:
                best, wait = vl, 0
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            else:
                wait += 1
                if wait >= self.patience:
                    break
        if best_state is not None:
            net.load_state_dict(best_state)
        self.net_ = net.cpu().eval()
        self.epochs_run_ = epoch + 1

    # ----------------------------------------------------------------------------- predictive distribution
    def _design(self, df, warn=True):
        self._check_fitted()
        return self.design_.transform(df, warn=warn)

    def _visit_moments(self, X):
        """Predictive mean (n, V) and covariance (n, V, V) of the visits."""
        if self.model == "linear":
            X1 = np.hstack([np.ones((len(X), 1)), X])
            mean = X1 @ self.B_
            h = np.einsum("ij,jk,ik->i", X1, self.XtX_inv_, X1)
            cov = (1.0 + h)[:, None, None] * self.residual_cov_[None]
            return mean, cov
        import torch

        with torch.no_grad():
            mu, L, _ = self.net_(torch.tensor(X, dtype=torch.float32))
            cov = (L @ L.transpose(1, 2)).double().numpy()
            mu = mu.double().numpy()
        s = self.y_sd_
        return self.y_mean_ + mu * s, cov * np.outer(s, s)[None]

    def _weibull(self, X):
        """(scale lambda (n,), shape rho) of the event time."""
        if self.model == "linear":
            return np.exp(self.weibull_intercept_ + X @ self.weibull_coef_), self.weibull_shape_
        import torch

        with torch.no_grad():
            _, _, (log_lam, log_rho) = self.net_(torch.tensor(X, dtype=torch.float32))
        return np.exp(log_lam.double().numpy()) * self.time_scale_, float(np.exp(log_rho.item()))

    def _require_visits(self):
        if not self.visits:
            raise SchemaError("this twin models no visits (visits=[]); use predict_survival or risk_score.")

    def _require_event(self):
        if not self.has_event_:
            raise SchemaError("this twin models no event (time/event not given at construction).")

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        """Predictive mean of each visit under control (the prognostic score), one column per visit."""
        self._require_visits()
        mean, _ = self._visit_moments(self._design(df))
        return pd.DataFrame(mean, index=df.index, columns=self.visits)

    def predict_interval(self, df: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
        """Central predictive interval of each visit: columns `<visit>_lower`, `<visit>_upper`."""
        self._require_visits()
        if not 0 < level < 1:
            raise ValueError(f"level={level} must be in (0, 1).")
        mean, cov = self._visit_moments(self._design(df))
        sd = np.sqrt(np.einsum("ijj->ij", cov))
        z = special.ndtri(0.5 + level / 2)
        out = {}
        for j, v in enumerate(self.visits):
            out[f"{v}_lower"] = mean[:, j] - z * sd[:, j]
            out[f"{v}_upper"] = mean[:, j] + z * sd[:, j]
        return pd.DataFrame(out, index=df.index)

    def predict_sd(self, df: pd.DataFrame) -> pd.DataFrame:
        """Predictive standard deviation of each visit."""
        self._require_visits()
        _, cov = self._visit_moments(self._design(df))
        return pd.DataFrame(np.sqrt(np.einsum("ijj->ij", cov)), index=df.index, columns=self.visits)

    def predict_survival(self, df: pd.DataFrame, times) -> pd.DataFrame:
        """P(event-free at t | baseline): one row per patient, one column per time."""
        self._require_event()
        times = np.atleast_1d(np.asarray(times, float))
        if (times < 0).any():
            raise ValueError("times must be >= 0.")
        lam, rho = self._weibull(self._design(df))
        surv = np.exp(-(times[None, :] / lam[:, None]) ** rho)
        return pd.DataFrame(surv, index=df.index, columns=list(times))

    def predict_median(self, df: pd.DataFrame) -> pd.Series:
        """Median event time (uncensored) under control."""
        self._require_event()
        lam, rho = self._weibull(self._design(df))
        return pd.Series(lam * math.log(2) ** (1 / rho), index=df.index, name="median_time")

    def risk_score(self, df: pd.DataFrame) -> pd.Series:
        """Prognostic score of the event: the log relative hazard -rho * log(lambda(x)) (higher = riskier).

        The Weibull AFT model is also a proportional-hazards model, so this is the Cox-scale
        linear predictor (up to a constant), ready to use as a covariate.
        """
        self._require_event()
        lam, rho = self._weibull(self._design(df))
        return pd.Series(-rho * np.log(lam), index=df.index, name="risk_score")

    def sample(self, df: pd.DataFrame, n_draws: int = 1, random_state=None) -> pd.DataFrame:
        """Draw `n_draws` trajectories per patient: rows patient x draw (patient-major).

        Columns: id (the `id` column, else the frame's index), draw, every visit (drawn jointly),
        and time, event (Weibull event time censored by a draw from the censoring distribution).
        random_state None uses the twin's own (same call, same output).
        """
        n_draws = int(n_draws)
        if n_draws < 1:
            raise ValueError(f"n_draws={n_draws} must be >= 1.")
        X = self._design(df)
        rng = as_rng(self.random_state if random_state is None else random_state)
        n = len(X)
        ids = df[self.id].to_numpy() if self.id is not None and self.id in df.columns else df.index.to_numpy()
        out = {"id": np.repeat(ids, n_draws), "draw": np.tile(np.arange(n_draws), n)}
        if self.visits:
            mean, cov = self._visit_moments(X)
            L = np.linalg.cholesky(cov + 1e-9 * np.eye(len(self.visits))[None])
            eps = rng.standard_normal((n, n_draws, len(self.visits)))
            Y = mean[:, None, :] + np.einsum("ivw,idw->idv", L, eps)
            for j, v in enumerate(self.visits):
                out[v] = Y[:, :, j].reshape(-1)
        if self.has_event_:
            lam, rho = self._weibull(X)
            u = rng.random((n, n_draws))
            T = lam[:, None] * (-np.log(u)) ** (1 / rho)
            C = self._sample_censoring((n, n_draws), rng)
            out[self.time] = np.minimum(T, C).reshape(-1)
            out[self.event] = (T <= C).astype(int).reshape(-1)
        return pd.DataFrame(out)

    def _sample_censoring(self, shape, rng):
        """Inverse of the reverse-KM censoring survival on its grid; beyond follow-up: the end of it."""
        u = rng.random(shape)
        grid, surv = self.censor_grid_, self.censor_surv_
        # S_C decreases from 1; C = first grid time where S_C <= u (interpolated), else end of follow-up
        s_rev, g_rev = surv[::-1], grid[::-1]
        c = np.interp(u, s_rev, g_rev, left=grid[-1], right=0.0)
        return np.where(u < surv[-1], grid[-1], c)

    # ----------------------------------------------------------------------------- reporting
    @property
    def coef_(self) -> pd.DataFrame:
        """Linear model coefficients in the ORIGINAL units: rows intercept + design terms, one column per visit."""
        self._check_fitted()
        if self.model != "linear" or not self.visits:
            raise AttributeError("coef_ exists for model='linear' with visits.")
        return pd.DataFrame(self._unstandardise(self.B_), index=["intercept", *self.design_.terms], columns=self.visits)

    @property
    def event_coef_(self) -> pd.Series:
        """Weibull AFT log-scale coefficients in the original units (log lambda = intercept + x'b)."""
        self._check_fitted()
        if self.model != "linear" or not self.has_event_:
            raise AttributeError("event_coef_ exists for model='linear' with an event.")
        b = np.concatenate([[self.weibull_intercept_], self.weibull_coef_])[:, None]
        return pd.Series(self._unstandardise(b)[:, 0], index=["intercept", *self.design_.terms], name="log_lambda")

    def _unstandardise(self, B):
        B = np.array(B, float, copy=True)
        j = 1
        for sp in self.design_.spec:
            if sp["kind"] == "numeric":
                B[j] = B[j] / sp["sd"]
                B[0] = B[0] - B[j] * sp["mean"]
                j += 1
            else:
                j += len(sp["levels"]) - 1
        return B

    @property
    def residual_corr_(self) -> pd.DataFrame:
        self._check_fitted()
        S = self.residual_cov_
        d = np.sqrt(np.diag(S))
        return pd.DataFrame(S / np.outer(d, d), index=self.visits, columns=self.visits)

    def summary(self) -> dict:
        self._check_fitted()
        out = {"model": self.model, "baseline": self.baseline, "visits": self.visits, "time": self.time,
               "event": self.event, "n_train": self.n_train_, "n_missing_per_visit": self.n_missing_,
               "design_terms": self.design_.terms}
        if self.model == "linear" and self.visits:
            out["residual_sd"] = dict(zip(self.visits, np.sqrt(np.diag(self.residual_cov_)).tolist()))
            out["residual_corr"] = self.residual_corr_.to_numpy().tolist()
            out["em_iterations"] = self.em_iterations_
        if self.model == "linear" and self.has_event_:
            out["weibull_shape"] = self.weibull_shape_
        if self.model == "neural":
            out["epochs_run"] = self.epochs_run_
        return out

    # ----------------------------------------------------------------------------- persistence
    _PARAMS = ("baseline", "visits", "time", "event", "model", "categorical", "id", "hidden", "epochs", "lr",
               "weight_decay", "patience", "em_max_iter", "em_tol", "event_penalizer", "extrapolation_margin", "device")

    def save(self, path):
        """Folder: config.json (settings, design, scalar fits) + model.safetensors. No patient records."""
        import torch

        self._check_fitted()
        params = {k: getattr(self, k) for k in self._PARAMS}
        params["random_state"] = self.random_state if isinstance(self.random_state, (int, type(None))) else None
        cfg = {"class": "DigitalTwin", "params": params, "design": self.design_.to_config(), "n_train": self.n_train_,
               "n_missing": self.n_missing_}
        tensors = {}
        if self.has_event_:
            tensors["censor_grid"] = torch.as_tensor(self.censor_grid_)
            tensors["censor_surv"] = torch.as_tensor(self.censor_surv_)
        if self.model == "linear":
            if self.visits:
                tensors.update(B=torch.as_tensor(self.B_), residual_cov=torch.as_tensor(self.residual_cov_),
                               XtX_inv=torch.as_tensor(self.XtX_inv_))
                cfg["em_iterations"] = self.em_iterations_
            if self.has_event_:
                cfg.update(weibull_intercept=self.weibull_intercept_, weibull_shape=self.weibull_shape_)
                tensors["weibull_coef"] = torch.as_tensor(self.weibull_coef_)
        else:
            cfg.update(y_mean=self.y_mean_.tolist(), y_sd=self.y_sd_.tolist(), time_scale=self.time_scale_,
                       epochs_run=self.epochs_run_, n_features=self.net_.n_features)
            tensors.update({f"net.{k}": v for k, v in self.net_.state_dict().items()})
        return save_model(path, cfg, tensors)

    @classmethod
    def load(cls, path) -> "DigitalTwin":
        cfg, t = load_model(path, expected_class="DigitalTwin")
        if cfg.get("class") != "DigitalTwin":
            raise CheckpointError(f"{path}: holds a {cfg.get('class')!r}, not a DigitalTwin.")
        twin = cls(**cfg["params"])
        twin.design_ = BaselineDesign.from_config(cfg["design"])
        twin.n_train_ = cfg["n_train"]
        twin.n_missing_ = cfg["n_missing"]
        try:
            if twin.has_event_:
                twin.censor_grid_, twin.censor_surv_ = t["censor_grid"].numpy(), t["censor_surv"].numpy()
            if twin.model == "linear":
                if twin.visits:
                    twin.B_, twin.residual_cov_, twin.XtX_inv_ = (t["B"].numpy(), t["residual_cov"].numpy(),
                                                                t["XtX_inv"].numpy())
                    twin.em_iterations_ = cfg["em_iterations"]
                if twin.has_event_:
                    twin.weibull_intercept_, twin.weibull_shape_ = cfg["weibull_intercept"], cfg["weibull_shape"]
                    twin.weibull_coef_ = t["weibull_coef"].numpy()
            else:
                twin.y_mean_, twin.y_sd_ = np.array(cfg["y_mean"]), np.array(cfg["y_sd"])
                twin.time_scale_, twin.epochs_run_ = cfg["time_scale"], cfg["epochs_run"]
                net = _NeuralTwinNet(cfg["n_features"], len(twin.visits), twin.hidden, twin.has_event_)
                net.load_state_dict({k[4:]: v for k, v in t.items() if k.startswith("net.")})
                twin.net_ = net.eval()
        except (KeyError, RuntimeError) as exc:
            raise CheckpointError(f"{path}: the saved twin is incomplete or inconsistent ({exc}).") from exc
        return twin


# ---------------------------------------------------------------------------------------------
def _init_params(net, g):
    import torch

    with torch.no_grad():
        for p in net.parameters():
            if p.dim() == 2:
                b = 1.0 / math.sqrt(p.shape[1])
                p.uniform_(-b, b, generator=g)
            else:
                p.zero_()
        if hasattr(net, "mlp"):  # start from the linear model: the MLP's output layer at zero
            net.mlp[-1].weight.zero_()
            net.log_scale.weight.zero_()


def _make_net_class():
    import torch
    from torch import nn

    class NeuralTwinNet(nn.Module):
        """Visit mean = linear + MLP; covariance = global Cholesky scaled per patient; Weibull log-scale.

        The MLP's last layer starts at zero, so training starts from a linear model and the MLP
        adds non-linearity only where the data support it (early stopping decides). The
        per-patient scale is log-linear in the baseline: heteroscedastic without the freedom to
        shrink a single patient's variance to nothing.
        """

        def __init__(self, n_features: int, n_visits: int, hidden: int, event: bool):
            super().__init__()
            self.n_features, self.n_visits, self.event = n_features, n_visits, event
            p = max(n_features, 1)
            V = n_visits
            k = V + (1 if event else 0)
            self.mlp = nn.Sequential(nn.Linear(p, hidden), nn.SiLU(), nn.Dropout(0.1), nn.Linear(hidden, hidden),
                                     nn.SiLU(), nn.Linear(hidden, k))
            self.linear = nn.Linear(p, k)
            self.log_scale = nn.Linear(p, max(V, 1))
            self.n_off = V * (V - 1) // 2
            self.chol_log_diag = nn.Parameter(torch.zeros(max(V, 1)))
            self.chol_off = nn.Parameter(torch.zeros(max(self.n_off, 1)))
            self.log_rho = nn.Parameter(torch.zeros(()))

        def forward(self, x):
            if x.shape[1] == 0:
                x = torch.zeros((x.shape[0], 1))
            out = self.linear(x) + self.mlp(x)
            V = self.n_visits
            mu = out[:, :V]
            L0 = torch.diag(torch.exp(self.chol_log_diag[:V]))
            if self.n_off:
                idx = torch.tril_indices(V, V, offset=-1)
                L0 = L0.index_put((idx[0], idx[1]), self.chol_off)
            scale = torch.exp(self.log_scale(x)[:, :V].clamp(-3, 3))
            L = scale[:, :, None] * L0[None]
            log_lam = out[:, V] if self.event else None
            return mu, L, (log_lam, self.log_rho)

        def nll(self, x, y, obs, t=None, e=None):
            mu, L, (log_lam, log_rho) = self(x)
            total = torch.zeros(())
            n = x.shape[0]
            if self.n_visits:
                cov = L @ L.transpose(1, 2)
                patterns, inv = torch.unique(obs, dim=0, return_inverse=True)
                for k in range(patterns.shape[0]):
                    o = torch.nonzero(patterns[k]).reshape(-1)
                    if len(o) == 0:
                        continue
                    rows = inv == k
                    c = cov[rows][:, o][:, :, o]
                    d = torch.distributions.MultivariateNormal(mu[rows][:, o], covariance_matrix=c)
                    total = total - d.log_prob(y[rows][:, o]).sum()
            if self.event and t is not None:
                rho = torch.exp(log_rho)
                z = torch.log(t) - log_lam
                logS = -torch.exp(rho * z)
                logf = torch.log(rho) - log_lam + (rho - 1) * z + logS
                total = total - (e * logf + (1 - e) * logS).sum()
            return total / n

    return NeuralTwinNet


class _LazyNet:
    cls = None

    def __call__(self, *a, **k):
        if _LazyNet.cls is None:
            _LazyNet.cls = _make_net_class()
        return _LazyNet.cls(*a, **k)


_NeuralTwinNet = _LazyNet()
