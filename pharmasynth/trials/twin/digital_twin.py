"""DigitalTwin: a probabilistic model of a patient's trajectory under control, from the baseline.

    twin = DigitalTwin(baseline=["age", "cd40", ...], visits=["cd420", "cd496"],
                       time="days", event="cens", model="linear").fit(historical_controls)
    twin.predict(trial)                  # predictive mean per visit = the prognostic score
    twin.predict_interval(trial, 0.95)   # <visit>_lower, <visit>_upper
    twin.sample(trial, n_draws=100)      # trajectories: id, draw, visits..., time, event
    twin.predict_survival(trial, [365, 730]); twin.risk_score(trial)

Two models behind one interface, on the baseline design of `baseline.py`:
"linear"  the multivariate Gaussian regression of `linear.py` (missing visits by EM) and the
          Weibull AFT event model of `survival.py`;
"neural"  the torch MLP of `neural.py` (visit means, a Cholesky factor and a Weibull head).

Sampling draws the visits jointly (their dependence kept), the event time from the Weibull model
and a censoring time from the reverse Kaplan-Meier of the training data (stored as a summary on
a grid); time = min(event, censoring). Given the baseline, the event and the visits are drawn
independently (no joint longitudinal-survival model). `sample(random_state=None)` continues the
twin's sampling stream `rng_` (started at `random_state` by fit and load).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import special

from ..._util.random import RandomStateMixin
from ..._util.serialization import SavableMixin
from ...errors import DataError, DataWarning, NotFittedError, SchemaError, check_option
from ..analysis import _refuse_text_in_numbers
from ..data import TrialSchema
from .baseline import BaselineDesign
from .linear import fit_linear_visits, linear_moments
from .survival import fit_weibull_aft, reverse_km_grid, sample_censoring, sample_weibull

MODELS = ("linear", "neural")


class DigitalTwin(RandomStateMixin, SavableMixin):
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
    device                                        the neural model's torch device ("cpu", "cuda", ...)
    """

    def __init__(self, baseline: list[str], visits: list[str], time: str | None = None, event: str | None = None,
                 model: str = "linear", categorical: list[str] | None = None, id: str | None = None,
                 hidden: int = 32, epochs: int = 600, lr: float = 5e-3, weight_decay: float = 1e-2, patience: int = 60,
                 em_max_iter: int = 500, em_tol: float = 1e-8, event_penalizer: float = 0.0,
                 extrapolation_margin: float = 0.25, device: str = "cpu", random_state=0):
        self.baseline, self.visits, self.time, self.event = list(baseline), list(visits), time, event
        self.model, self.categorical, self.id = model, list(categorical or []), id
        self.hidden, self.epochs, self.lr, self.weight_decay = hidden, epochs, lr, weight_decay
        self.patience, self.em_max_iter, self.em_tol = patience, em_max_iter, em_tol
        self.event_penalizer, self.extrapolation_margin = event_penalizer, extrapolation_margin
        self.device, self.random_state = device, random_state

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
        for c, kind in kinds.items():
            if kind == "categorical" and c not in self.categorical and c in df.columns:
                _refuse_text_in_numbers(df[c], c)   # one "forty" among ages is a typo, not 53 categories
        has_id = self.id is not None and self.id in df.columns   # duplicated patients are an error, not extra data
        schema = TrialSchema(id=self.id if has_id else None, baseline=kinds, visits=self.visits, time=self.time,
                             event=self.event)
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
            t, e = self._event_data(data)
            self.censor_grid_, self.censor_surv_ = reverse_km_grid(t, e)
        if self.model == "linear":
            if self.visits:
                self.B_, self.residual_cov_, self.XtX_inv_, self.em_iterations_ = fit_linear_visits(
                    X, Y, self.em_max_iter, self.em_tol)
            if self.has_event_:
                (self.weibull_intercept_, self.weibull_coef_, self.weibull_shape_,
                 self.event_summary_) = fit_weibull_aft(X, t, e, self.design_.terms, self.event_penalizer)
        else:
            from .neural import fit_neural_twin

            fit = fit_neural_twin(X, Y, t, e, self._fit_rng(), hidden=self.hidden, epochs=self.epochs, lr=self.lr,
                                  weight_decay=self.weight_decay, patience=self.patience, device=self.device)
            self.net_, self.y_mean_, self.y_sd_ = fit.net, fit.y_mean, fit.y_sd
            self.time_scale_, self.epochs_run_, self.loss_history_ = fit.time_scale, fit.epochs_run, fit.loss_history
        self._start_sampling()
        return self

    def _event_data(self, data: pd.DataFrame):
        t, e = data[self.time].to_numpy(float), data[self.event].to_numpy(int)
        zero = t <= 0
        if zero.any():
            pos = t[t > 0]
            if len(pos) == 0:
                raise DataError(f"event time {self.time!r} is 0 for every patient.")
            warnings.warn(f"{int(zero.sum())} event time(s) are 0; set to half the smallest positive time "
                          f"({pos.min() / 2:g}) for the Weibull fit.", DataWarning, stacklevel=3)
            t = np.where(zero, pos.min() / 2, t)
        if e.sum() == 0:
            raise DataError(f"no events in {self.event!r}: the event model cannot be fitted.")
        return t, e

    # ----------------------------------------------------------------------------- predictive distribution
    def _design(self, df, warn=True):
        self._check_fitted()
        return self.design_.transform(df, warn=warn)

    def _visit_moments(self, X):
        """Predictive mean (n, V) and covariance (n, V, V) of the visits."""
        if self.model == "linear":
            return linear_moments(X, self.B_, self.XtX_inv_, self.residual_cov_)
        from .neural import neural_moments

        return neural_moments(self.net_, X, self.y_mean_, self.y_sd_)

    def _weibull(self, X):
        """(scale lambda (n,), shape rho) of the event time."""
        if self.model == "linear":
            return np.exp(self.weibull_intercept_ + X @ self.weibull_coef_), self.weibull_shape_
        from .neural import neural_weibull

        return neural_weibull(self.net_, X, self.time_scale_)

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

    def predict_weibull(self, df: pd.DataFrame) -> pd.DataFrame:
        """The event model's Weibull parameters per patient: `scale` lambda(x) and the common `shape` rho."""
        self._require_event()
        lam, rho = self._weibull(self._design(df))
        return pd.DataFrame({"scale": np.asarray(lam, float), "shape": float(rho)}, index=df.index)

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
        random_state None continues the twin's stream `rng_`; an int or Generator draws from that.
        """
        n_draws = int(n_draws)
        if n_draws < 1:
            raise ValueError(f"n_draws={n_draws} must be >= 1.")
        X = self._design(df)
        rng = self._sampling_rng(random_state)
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
            T = sample_weibull(lam, rho, n_draws, rng)
            C = sample_censoring(self.censor_grid_, self.censor_surv_, (n, n_draws), rng)
            out[self.time] = np.minimum(T, C).reshape(-1)
            out[self.event] = (T <= C).astype(int).reshape(-1)
        return pd.DataFrame(out)

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

    def describe(self) -> dict:
        """The fitted twin in JSON-able form: settings, training size, missing visits, fitted scalars."""
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

    def summary(self) -> pd.DataFrame:
        """One row per modelled outcome (each visit, then the event): kind, observed and missing
        counts in training, and the linear model's residual SD or Weibull shape."""
        d = self.describe()
        rows = [{"outcome": v, "kind": "visit", "n_observed": self.n_train_ - d["n_missing_per_visit"][v],
                 "n_missing": d["n_missing_per_visit"][v], "residual_sd": d.get("residual_sd", {}).get(v, np.nan),
                 "weibull_shape": np.nan} for v in self.visits]
        if self.has_event_:
            rows.append({"outcome": self.time, "kind": "event", "n_observed": self.n_train_, "n_missing": 0,
                         "residual_sd": np.nan, "weibull_shape": d.get("weibull_shape", np.nan)})
        return pd.DataFrame(rows).set_index("outcome")

    # ----------------------------------------------------------------------------- persistence (SavableMixin)
    def _state(self):
        import torch

        cfg = {"design": self.design_.to_config(), "n_train": self.n_train_, "n_missing": self.n_missing_}
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
        return cfg, tensors

    def _restore(self, cfg, t):
        self.design_ = BaselineDesign.from_config(cfg["design"])
        self.n_train_ = cfg["n_train"]
        self.n_missing_ = cfg["n_missing"]
        if self.has_event_:
            self.censor_grid_, self.censor_surv_ = t["censor_grid"].numpy(), t["censor_surv"].numpy()
        if self.model == "linear":
            if self.visits:
                self.B_, self.residual_cov_ = t["B"].numpy(), t["residual_cov"].numpy()
                self.XtX_inv_ = t["XtX_inv"].numpy()
                self.em_iterations_ = cfg["em_iterations"]
            if self.has_event_:
                self.weibull_intercept_, self.weibull_shape_ = cfg["weibull_intercept"], cfg["weibull_shape"]
                self.weibull_coef_ = t["weibull_coef"].numpy()
        else:
            from .neural import NeuralTwinNet

            self.y_mean_, self.y_sd_ = np.array(cfg["y_mean"]), np.array(cfg["y_sd"])
            self.time_scale_, self.epochs_run_ = cfg["time_scale"], cfg["epochs_run"]
            net = NeuralTwinNet(cfg["n_features"], len(self.visits), self.hidden, self.has_event_)
            net.load_state_dict({k[4:]: v for k, v in t.items() if k.startswith("net.")})
            self.net_ = net.eval()


def load_twin(path):
    """Load a saved DigitalTwin or LinearGaussianTwin folder, whichever it holds."""
    from ..._util.serialization import read_config
    from .known import LinearGaussianTwin

    cls = LinearGaussianTwin if read_config(path).get("class") == "LinearGaussianTwin" else DigitalTwin
    return cls.load(path)
