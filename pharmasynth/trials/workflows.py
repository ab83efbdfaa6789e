"""What the command line and the demo both do, one public function each, returning a result.

fit_twin          fit a DigitalTwin, validated on a random holdout of the patients      -> TwinFit
analyze_trial     unadjusted / ANCOVA / PROCOVA; Cox, log-rank, RMST (adjusted too)    -> TrialAnalysis
simulate_designs  type I error and a power curve of trial designs, from a twin          -> DesignSimulation
control_arms      the twin's synthetic control arm (+ a propensity external control)    -> ControlArms

Every result has `summary()` (a DataFrame), `to_dict()` / `to_json()` (the JSON the CLI writes)
and `write(out_dir)` (its files: JSON, CSV, the saved model, the HTML report). `meta` holds what
the caller wants recorded with it (e.g. the input files); it comes first in `to_dict()`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .._util.atomic import atomic_write_json, atomic_write_text
from .._util.results import ResultMixin
from ..evaluation.report import Report
from ..evaluation.tabular import holdout_split
from ..tabular.workflows import ModelFit, recorded_warnings
from .analysis import AnalysisResult, ancova, prognostic_score, procova, unadjusted
from .control_arm import ExternalControl, external_control, synthetic_control_arm
from .design import effective_sample_size
from .data import TrialSchema
from .multiple_draws import synthetic_control_effect
from .report import (SIMULATION_WEIGHTS, analysis_report, estimates_first_html, power_curves_figure,
                     type_one_error_metrics)
from .simulate import DESIGNS, SimulationResult, power_curve, simulate_trials
from .survival._inputs import ROW_COLUMNS
from .survival_analysis import SurvivalAnalyses, survival_analyses
from .twin import DigitalTwin
from .validation import validate_twin


# ---------------------------------------------------------------------------------------------
@dataclass
class TwinFit(ModelFit):
    """A fitted twin (`model`, also `twin`), its validation `report` on the held-out patients (None
    without a holdout) and the validation's tables."""

    tables: dict = field(default_factory=dict)

    @property
    def twin(self) -> DigitalTwin:
        return self.model

    def _details(self) -> dict:
        out = {}
        if self.report is not None:
            out["validation"] = {k: v.to_dict(orient="records") for k, v in self.tables.items() if k != "km_overlap"}
        out["twin"] = self.model.describe()
        return out


def fit_twin(df: pd.DataFrame, *, baseline, visits=(), time=None, event=None, holdout: float = 0.0,
             random_state=0, meta: dict | None = None, **settings) -> TwinFit:
    """Fit `DigitalTwin(baseline, visits, time, event, **settings)` on all but a random `holdout`
    fraction of the rows (`evaluation.tabular.holdout_split`) and validate it on those.

    The validation's warnings (e.g. extrapolation on held-out patients) are recorded in its
    report's `warnings` rather than shown; the fit's own (e.g. the Weibull event model's convergence)
    are shown and recorded there too.
    """
    train, hold = holdout_split(df, holdout, random_state)
    with warnings.catch_warnings(record=True) as fit_caught:   # e.g. the Weibull model's convergence
        warnings.simplefilter("always")
        twin = DigitalTwin(baseline=baseline, visits=list(visits or []), time=time, event=event,
                           random_state=random_state, **settings).fit(train)
    for w in fit_caught:   # still shown, and below also kept in the validation report
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    report, tables = None, {}
    if hold is not None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            report, tables = validate_twin(twin, hold, random_state=random_state)
        recorded_warnings(report, [*fit_caught, *caught])
    return TwinFit(twin, report, len(df), 0 if hold is None else len(hold), "twin", random_state, dict(meta or {}),
                   tables)


# ---------------------------------------------------------------------------------------------
@dataclass
class TrialAnalysis(ResultMixin):
    """Every analysis of the trial as one table (`summary()`): the continuous outcome's (unadjusted
    first) and, with time/event, the time-to-event ones (`survival`: rows, KM, Cox fits, tau)."""

    analyses: list[AnalysisResult]
    survival: SurvivalAnalyses | None
    report: Report
    settings: dict
    meta: dict = field(default_factory=dict)

    @property
    def time_to_event(self) -> dict:
        """KM curves, log-rank, Cox terms (treatment-only and adjusted) and RMST, as DataFrames."""
        if self.survival is None:
            return {}
        sv = self.survival
        rows = sv.rows.set_index("method")
        return {"km": sv.km, "logrank": rows.loc[["logrank"]].reset_index(), "rmst": rows.loc[["rmst"]].reset_index(),
                "cox": sv.cox_fits.get("cox_score", sv.cox_fits.get("cox_adjusted", sv.cox_fits["cox"])).terms,
                "cox_fits": sv.cox_fits}

    def table(self) -> pd.DataFrame:
        """One row per analysis with every column of `analysis.json`."""
        cont = [_continuous_row(r) for r in self.analyses]
        frame = pd.DataFrame(cont, columns=ROW_COLUMNS + ["se_ratio"])
        if cont:
            frame["se_ratio"] = frame["se"] / frame["se"].iloc[0]
        if self.survival is not None:
            frame = pd.concat([frame, self.survival.rows], ignore_index=True) if cont else self.survival.rows.copy()
        return frame

    def summary(self) -> pd.DataFrame:
        """Indexed by method: effect, se, CI, p_value, n, events and the SE ratio to the unadjusted one."""
        cols = ["method", "effect", "se", "ci_low", "ci_high", "p_value", "n", "events", "se_ratio"]
        return self.table()[cols].set_index("method")

    def to_dict(self) -> dict:
        out = {**self.meta, **self.settings, "analyses": self.table().to_dict(orient="records")}
        proc = [r for r in self.analyses if r.method == "procova"]
        if proc:
            unadj = self.analyses[0]
            out["se_reduction"] = 1 - proc[0].se / unadj.se
            out["effective_sample_size"] = effective_sample_size(unadj.se, proc[0].se, unadj.n)
        if self.survival is not None:
            sv = self.survival
            out["tau"] = sv.tau
            out["cox_models"] = {k: f.to_dict() for k, f in sv.cox_fits.items()}
            out["warnings"] = list(sv.warnings)
        return out

    def write(self, out_dir) -> dict[str, Path]:
        """OUT/analysis.json and OUT/report.html + .json (both lead with the estimates table)."""
        out = Path(out_dir)
        atomic_write_json(out / "analysis.json", self.to_dict())
        paths = {"analysis": out / "analysis.json", "json": out / "report.json", "html": out / "report.html"}
        estimates = self.table()
        atomic_write_json(paths["json"], {"estimates": estimates.to_dict(orient="records"), **self.report.to_dict()})
        atomic_write_text(paths["html"], estimates_first_html(self.report.to_html(), estimates))
        return paths


def _continuous_row(r: AnalysisResult) -> dict:
    return {"method": r.method, "estimand": f"difference in mean {r.outcome} (treated - control)", "effect": r.effect,
            "hr": float("nan"), "log_hr": float("nan"), "se": r.se, "ci_low": r.ci_low, "ci_high": r.ci_high,
            "p_value": r.p_value, "statistic": r.effect / r.se, "n": r.n, "events": None,
            "covariates": list(r.covariates) + (["prognostic_score"] if r.method == "procova" else []), "strata": [],
            "alpha": r.alpha, "tau": float("nan"), "notes": f"OLS, {r.hc} robust SE, t on n-k df"}


def _check_ids(trial: pd.DataFrame, id: str | None, source: str) -> None:
    if id is None:
        return
    TrialSchema(id=id).validate(trial, source=source)


def analyze_trial(trial: pd.DataFrame, *, treatment: str, outcome: str | None = None, twin=None, score=None,
                  covariates=(), strata=(), procova_covariates: bool = False, visit: str | None = None,
                  time: str | None = None, event: str | None = None, tau: float | None = None,
                  alpha: float = 0.05, hc: str = "HC3", ties: str = "efron", robust: bool = False,
                  id: str | None = None, treated=None, control=None, label: str = "",
                  title: str = "Trial analysis", meta: dict | None = None, source: str = "") -> TrialAnalysis:
    """Analyse a two-arm trial; every interval at 1 - `alpha`.

    outcome   a continuous outcome: unadjusted, ANCOVA on `covariates` (when given) and PROCOVA
              on the `twin`'s prediction or the `score` column/array (when given; with
              `procova_covariates` also on the covariates)
    time, event  Cox (treatment only, + covariates, + the twin's risk score or `score`, stratified
              by `strata`) each with its PH test; log-rank (plain, stratified, covariate-adjusted);
              RMST and survival at `tau` (default: the smaller arm's last follow-up), unadjusted and
              covariate-adjusted (see `survival_analysis.py`)
    id        patient id column: duplicated ids are an error
    label     prefix of the report's figure and table titles (e.g. the trial's name)
    """
    covariates, strata = list(covariates or []), list(strata or [])
    if outcome is None and (time is None or event is None):
        raise ValueError("nothing to analyse: give a continuous outcome, or time and event columns (or both).")
    if (time is None) != (event is None):
        raise ValueError("time and event go together: give both columns or neither.")
    if time is None and (strata or robust or ties != "efron" or tau is not None):
        raise ValueError("strata, robust, ties and tau apply to the time-to-event analyses: give time and event too.")
    _check_ids(trial, id, source)
    arms = {"treated": treated, "control": control}
    results = []
    if outcome is not None:
        results.append(unadjusted(trial, outcome, treatment, alpha=alpha, hc=hc, **arms))
        if covariates:
            results.append(ancova(trial, outcome, treatment, covariates, alpha=alpha, hc=hc, **arms))
        if twin is not None or score is not None:
            results.append(procova(trial, twin if twin is not None else score, outcome, treatment,
                                   covariates=covariates if procova_covariates else None, visit=visit, alpha=alpha,
                                   hc=hc, **arms))
    meta = dict(meta or {})
    prefix = f"{label}: " if label else ""
    surv = None
    if time is not None:
        risk = score
        if twin is not None and getattr(twin, "has_event_", False):
            risk = prognostic_score(trial, twin.risk_score(trial), outcome or time)
        elif twin is not None:
            risk = None   # the twin models no event: no risk score to adjust the survival analyses for
        surv = survival_analyses(trial, time=time, event=event, treatment=treatment, covariates=covariates,
                                 strata=strata, score=risk, tau=tau, alpha=alpha, ties=ties, robust=robust,
                                 source=source, **arms)
    report = analysis_report(results, surv, title=title, meta=dict(meta), prefix=prefix)
    settings = {"outcome": outcome, "treatment": treatment, "time": time, "event": event, "covariates": covariates,
                "strata": strata, "alpha": alpha, "ties": ties, "robust_cox_se": robust, "id": id}
    return TrialAnalysis(results, surv, report, settings, meta)


# ---------------------------------------------------------------------------------------------
@dataclass
class DesignSimulation(ResultMixin):
    """The type I error of each design (effect 0) and the power curve over effects x sample sizes."""

    type_one_error: SimulationResult
    power_curve: pd.DataFrame
    report: Report
    meta: dict = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """One row per design at effect 0 (see `SimulationResult.summary`)."""
        return self.type_one_error.summary()

    def to_dict(self) -> dict:
        t1 = self.type_one_error
        return {**self.meta, "settings": t1.settings,
                "type_one_error": t1.summary().reset_index().to_dict(orient="records"),
                "type_one_error_within_2_mc_se": t1.type_one_error_ok().to_dict(),
                "power_curve": self.power_curve.to_dict(orient="records")}

    def write(self, out_dir) -> dict[str, Path]:
        """OUT/simulation.json and OUT/report.html + .json."""
        out = Path(out_dir)
        atomic_write_json(out / "simulation.json", self.to_dict())
        return {"simulation": out / "simulation.json", **self.report.write(out, "report")}


def simulate_designs(twin, pool: pd.DataFrame, *, n_per_arm=(100,), effects=(0.0, 10.0, 20.0, 30.0),
                     n_trials: int = 10_000, power_trials: int = 2000, designs=DESIGNS, outcome: str | None = None,
                     alpha: float = 0.05, random_state=0, power_random_state=None, client=None,
                     control_fraction: float = 0.5, drift: float = 0.0, meta: dict | None = None) -> DesignSimulation:
    """Type I error (`n_trials` trials at effect 0, the first of `n_per_arm`) and the power curve
    (`power_trials` per point), both simulated from `twin` with baselines resampled from `pool`.

    The type I error draws from `random_state`, the power curve from `power_random_state`
    (default: random_state + 1). `client`: a Dask client, cluster or address (None: in-process).
    """
    n_per_arm = [int(n) for n in n_per_arm]
    common = {"designs": designs, "outcome": outcome, "alpha": alpha, "client": client,
              "control_fraction": control_fraction, "drift": drift}
    t1 = simulate_trials(twin, pool, n_per_arm=n_per_arm[0], effect=0.0, n_trials=n_trials,
                         random_state=random_state, keep_estimates=False, **common)
    pc = power_curve(twin, pool, effects=effects, n_per_arm=n_per_arm, n_trials=power_trials,
                     random_state=random_state + 1 if power_random_state is None else power_random_state, **common)
    meta = dict(meta or {})
    report = Report(type_one_error_metrics(t1.summary(), alpha), title="Trial simulation", meta=dict(meta),
                    group_weights=dict(SIMULATION_WEIGHTS))
    report.add_table("Type I error (effect 0)", t1.summary().reset_index())
    report.add_table("Power curve", pc)
    report.add_figure("Power curves", power_curves_figure(pc, alpha),
                      "Rejection rate per design; bars are +-2 Monte Carlo SE.", section="simulation")
    return DesignSimulation(t1, pc, report, meta)


# ---------------------------------------------------------------------------------------------
@dataclass
class ControlArms(ResultMixin):
    """The twin's counterfactual control arm for the enrolled patients, and an external control."""

    arm: pd.DataFrame
    external: ExternalControl | None
    n_enrolled: int
    n_draws: int
    visits: list
    event: str | None
    meta: dict = field(default_factory=dict)
    effect: pd.DataFrame | None = None   # with an observed outcome: draws combined vs stacked (naive)

    def summary(self) -> pd.DataFrame:
        """The synthetic arm's mean of each visit (and event rate), one row per outcome."""
        cols = list(self.visits) + ([self.event] if self.event else [])
        return pd.DataFrame({"outcome": cols, "mean": [float(self.arm[c].mean()) for c in cols]}).set_index("outcome")

    def to_dict(self) -> dict:
        out = {**self.meta, "n_enrolled": self.n_enrolled, "n_draws": self.n_draws}
        if self.visits:
            out["mean_per_visit"] = {v: float(self.arm[v].mean()) for v in self.visits}
        if self.event:
            out["event_rate"] = float(self.arm[self.event].mean())
        if self.external is not None:
            out["external_control"] = self.external.to_dict()
        if self.effect is not None:
            out["effect"] = self.effect.to_dict(orient="records")
        return out

    def write(self, out_dir) -> dict[str, Path]:
        """OUT/control_arm.csv, OUT/external_control.csv (with an external control), OUT/control_arm.json."""
        out = Path(out_dir)
        paths = {"control_arm": out / "control_arm.csv"}
        doc = self.to_dict()
        doc["csv"] = str(paths["control_arm"])
        atomic_write_text(paths["control_arm"], self.arm.to_csv(index=False))
        if self.external is not None:
            paths["external_control"] = self.external.write(out)["csv"]
            doc["external_control"]["csv"] = str(paths["external_control"])
        paths["json"] = out / "control_arm.json"
        atomic_write_json(paths["json"], doc)
        return paths


def control_arms(twin, enrolled: pd.DataFrame, *, n_draws: int = 1, historical: pd.DataFrame | None = None,
                 covariates=None, method: str = "matching", caliper: float = 0.2, random_state=None,
                 outcome: str | None = None, alpha: float = 0.05, meta: dict | None = None) -> ControlArms:
    """`synthetic_control_arm(twin, enrolled)` and, given `historical` patients and `covariates`,
    `external_control(historical, enrolled, covariates, method, caliper)` for comparison.

    With `outcome` (a visit observed in `enrolled`, e.g. the treated arm), also the effect against the
    synthetic arm, its `n_draws` draws combined properly (`multiple_draws.synthetic_control_effect`:
    twin parameters redrawn per draw) beside the naive stacked analysis, whose SE is too small."""
    arm = synthetic_control_arm(twin, enrolled, n_draws=n_draws, random_state=random_state)
    effect = None
    if outcome is not None:
        effect = synthetic_control_effect(twin, enrolled, outcome, n_draws=n_draws, alpha=alpha,
                                          random_state=random_state)
    ext = None
    if historical is not None:
        ext = external_control(historical, enrolled, covariates or [], method=method, caliper=caliper,
                               random_state=random_state)
    event = twin.event if getattr(twin, "has_event_", False) else None
    return ControlArms(arm, ext, len(enrolled), n_draws, list(twin.visits), event, dict(meta or {}), effect)
