"""`TimelineSynthesizer`: synthetic patient timelines (statics, events, labs), fitted and sampled.

Three parts, each conditioned on the ones before:
  1. statics: a `pharmasynth.tabular.GaussianCopula` over the attributes, the history flags of
     every event type (had it before the index date) and the length of the recorded history;
  2. events: piecewise-exponential hazards of each event type and death given covariates and the
     evolving history (`events.EventProcess`), censored by the reverse-KM follow-up (`censoring`);
  3. labs: visits per panel and mixed-effects / OU values given baseline and the event timeline,
     including the year before each event (`labs`).
Rules enforced by construction: events within follow-up, death last, labs clipped to ranges.
Rare-event amplification multiplies chosen hazards; the factor is written on every amplified
event row (`amplification`) and in `sampling_report_`, so it is never mistaken for prevalence.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .._util.random import RandomStateMixin
from .._util.serialization import SavableMixin
from ..errors import NotFittedError, UsageError
from .censoring import CensoringModel
from .design import DAYS_PER_YEAR, Covariates, first_event_times
from .events import DEFAULT_BANDS_YEARS, EventProcess
from .labs import N_POSITION_QUANTILES, TestModel, VisitModel, event_flags, find_panels
from .timelines import TimelineSchema, Timelines

HIST = "history:"
# bumped whenever the saved layout changes (2: labs have ever_k terms; 3: same-day co-diagnosis);
# an older folder is refused clearly
EHR_LAYOUT = 3
LOOKBACK = "history_days"


class TimelineSynthesizer(RandomStateMixin, SavableMixin):
    """Fit on `Timelines`, sample new ones (see the module docstring).

    covariates   static columns used by the hazards, visits and labs (default: numeric attributes)
    bands_years  edges of the time-since-index bands of the piecewise-constant hazards
    em_sweeps    passed to the statics' GaussianCopula
    event_history      hazards depend on the event types already had (False: independent comorbidities)
    lab_event_effects  labs shift after events and in the year before them (False: labs ignore events)
    same_day           same-day co-diagnoses of comorbidities (`events` module docstring)
    The switches exist to measure what each part buys (benchmarks/bench_ehr.py --ablation).
    """

    def __init__(self, covariates: list[str] | None = None, bands_years=DEFAULT_BANDS_YEARS, em_sweeps: int = 10,
                 event_history: bool = True, lab_event_effects: bool = True, same_day: bool = True,
                 random_state=None):
        self.covariates = covariates
        self.bands_years = bands_years
        self.em_sweeps = em_sweeps
        self.event_history = event_history
        self.lab_event_effects = lab_event_effects
        self.same_day = same_day
        self.random_state = random_state

    # ---- fitting ---------------------------------------------------------------------------
    def fit(self, tl: Timelines) -> "TimelineSynthesizer":
        from ..tabular import GaussianCopula

        s = tl.schema
        self.schema_ = s
        st, me, ev = tl.static, tl.measurements, tl.events
        ids = st[s.id].to_numpy()
        self.attributes_ = tl.attributes()
        numeric = [c for c in self.attributes_ if pd.api.types.is_numeric_dtype(st[c])]
        self.covariate_columns_ = list(self.covariates) if self.covariates is not None else numeric
        self.types_ = ev[s.event].value_counts().index.astype(str).tolist()
        if not self.types_:
            raise UsageError("the events table has no events; a timeline model needs at least one event type.")
        followup = st[s.followup].to_numpy(float)
        died = st[s.death].to_numpy(float) == 1
        first = first_event_times(ev, ids, self.types_, s.id, s.time, s.event)
        pid_m = pd.Index(ids).get_indexer(me[s.id])
        t_m = me[s.time].to_numpy(float)
        earliest = np.fmin(np.nanmin(np.where(np.isfinite(first), first, np.inf), axis=1),
                           pd.Series(t_m).groupby(pid_m).min().reindex(range(len(ids))).fillna(np.inf).to_numpy())
        lookback = np.maximum(0.0, -np.where(np.isfinite(earliest), earliest, 0.0))
        history = first <= 0
        # 1. statics
        statics = st[self.attributes_].copy()
        for j, t in enumerate(self.types_):
            statics[HIST + t] = history[:, j].astype(int)
        statics[LOOKBACK] = lookback
        rng = self._fit_rng()
        self.copula_ = GaussianCopula(em_sweeps=self.em_sweeps, random_state=int(rng.integers(2**62))).fit(statics)
        rel = np.where(history & (lookback[:, None] > 0), -first / np.maximum(lookback[:, None], 1), np.nan)
        self.history_positions_ = np.vstack([
            np.nanquantile(rel[:, j], np.linspace(0, 1, N_POSITION_QUANTILES)) if np.isfinite(rel[:, j]).any()
            else np.zeros(N_POSITION_QUANTILES) for j in range(len(self.types_))])
        # 2. events and censoring
        self.cov_ = Covariates(self.covariate_columns_).fit(st)
        X = self.cov_.transform(st)
        self.events_ = EventProcess(self.types_, "death", self.bands_years, use_history=self.event_history,
                                    same_day=self.same_day)
        self.events_.fit(X, first, followup, died)
        strat = st[self.covariate_columns_[0]].to_numpy(float) if self.covariate_columns_ else np.zeros(len(st))
        self.censoring_ = CensoringModel().fit(followup, died, strat)
        # 3. labs
        self.tests_ = me[s.test].value_counts().index.astype(str).tolist()
        self.panels_ = find_panels(me, self.tests_, s.id, s.time, s.test)
        window = (followup + lookback) / DAYS_PER_YEAR
        self.visits_, self.labs_ = [], {}
        for panel in self.panels_:
            rows = me[me[s.test] == panel[0]]
            days = rows.drop_duplicates([s.id, s.time])
            pid = pd.Index(ids).get_indexer(days[s.id])
            counts = np.bincount(pid, minlength=len(ids))
            pos = (days[s.time].to_numpy(float) + lookback[pid]) / np.maximum(followup[pid] + lookback[pid], 1)
            self.visits_.append(VisitModel().fit(panel, counts, window, X, np.clip(pos, 0, 1)))
        for test in self.tests_:
            rows = me[me[s.test] == test]
            pid = pd.Index(ids).get_indexer(rows[s.id])
            t = rows[s.time].to_numpy(float)
            design = self._lab_design(X, first, pid, t, self.lab_event_effects)
            self.labs_[test] = TestModel().fit(test, rows[s.value].to_numpy(float), design, pid, t)
        self.n_train_ = len(ids)
        self._start_sampling()
        return self

    @staticmethod
    def _lab_design(X, first, pid, t, with_events: bool = True):
        flags = event_flags(first, pid, t)
        return np.hstack([np.ones((len(pid), 1)), X[pid], (t / DAYS_PER_YEAR)[:, None],
                          flags if with_events else np.zeros_like(flags)])

    def _check_fitted(self):
        if not hasattr(self, "events_"):
            raise NotFittedError("TimelineSynthesizer is not fitted: call fit(timelines) or TimelineSynthesizer.load(path).")

    # ---- sampling --------------------------------------------------------------------------
    def sample(self, n: int, conditions: dict | None = None, amplify: dict | None = None, random_state=None,
               id_offset: int = 0) -> Timelines:
        """`n` synthetic timelines. conditions: fixed static values (e.g. {"male": 1, "history:diabetes": 1});
        amplify: {event type: hazard multiplier}, e.g. {"MI": 10} (stated on every amplified row)."""
        self._check_fitted()
        if int(n) < 1:
            raise UsageError(f"n={n}: give the number of timelines to sample (>= 1).")
        s = self.schema_
        rng = self._sampling_rng(random_state)
        amplify = self._check_amplify(amplify)
        statics = self.copula_.sample(int(n), conditions=conditions, random_state=int(rng.integers(2**62)))
        K = len(self.types_)
        history = np.column_stack([statics[HIST + t].to_numpy(float) >= 0.5 for t in self.types_])
        lookback = np.maximum(statics[LOOKBACK].to_numpy(float), 0.0)
        X = self.cov_.transform(statics)
        strat = statics[self.covariate_columns_[0]].to_numpy(float) if self.covariate_columns_ else np.zeros(n)
        censor = np.round(self.censoring_.sample(strat, rng))
        factors = np.array([amplify.get(t, 1.0) for t in self.events_.types])
        inc, end = self.events_.simulate(X, history, censor, rng, factors)
        inc = np.where(np.isfinite(inc), np.minimum(np.ceil(inc), np.maximum(np.round(end), 1)[:, None]), np.nan)
        end = np.where(np.isfinite(inc[:, K]), inc[:, K], np.round(end))
        first = inc[:, :K].copy()
        for j in range(K):
            m = history[:, j]
            u = np.interp(rng.random(m.sum()), np.linspace(0, 1, N_POSITION_QUANTILES), self.history_positions_[j])
            first[m, j] = -np.round(u * lookback[m])
        ids = np.arange(id_offset + 1, id_offset + n + 1)
        static = pd.DataFrame({s.id: ids})
        for c in self.attributes_:
            static[c] = statics[c].to_numpy()
        static[s.followup] = end.astype(np.int64)
        static[s.death] = np.isfinite(inc[:, K]).astype(np.int64)
        r, c = np.nonzero(np.isfinite(first))
        events = pd.DataFrame({s.id: ids[r], s.time: first[r, c].astype(np.int64),
                               s.event: np.asarray(self.types_, dtype=object)[c],
                               "amplification": np.where(first[r, c] > 0, factors[c], 1.0)})
        events = events.sort_values([s.id, s.time], kind="stable").reset_index(drop=True)
        meas = self._sample_labs(X, first, -np.round(lookback), end, ids, rng)
        self.sampling_report_ = {"n": int(n), "conditions": conditions or {},
                                 "amplification": {k: float(v) for k, v in amplify.items()},
                                 "note": ("amplified event types have hazards multiplied by the stated factor: their "
                                          "incidence is NOT the population's; divide rates by the factor "
                                          "(column `amplification`)") if amplify else "no amplification"}
        return Timelines(static, meas, events, s, sources={"sampled_by": "TimelineSynthesizer"})

    def _check_amplify(self, amplify):
        amplify = dict(amplify or {})
        for k, v in amplify.items():
            if k not in self.events_.types:
                raise UsageError(f"amplify: {k!r} is not an event type of the model; types: {self.events_.types}.")
            if not (float(v) > 0):
                raise UsageError(f"amplify: the factor of {k!r} must be > 0, not {v!r}.")
        return {k: float(v) for k, v in amplify.items()}

    def _sample_labs(self, X, first, start, end, ids, rng) -> pd.DataFrame:
        s = self.schema_
        parts = []
        for visits in self.visits_:
            pid, day = visits.sample(X, start, end, rng)
            design = self._lab_design(X, first, pid, day, self.lab_event_effects)
            for test in visits.tests:
                vals = self.labs_[test].sample(design, pid, day, len(X), rng)
                parts.append(pd.DataFrame({s.id: ids[pid], s.time: day.astype(np.int64),
                                           s.test: test, s.value: vals}))
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[s.id, s.time, s.test, s.value])
        out[s.test] = out[s.test].astype("category")
        return out.sort_values([s.id, s.time], kind="stable").reset_index(drop=True)

    # ---- inspection ------------------------------------------------------------------------
    def hazard_table(self) -> pd.DataFrame:
        """The fitted event-process coefficients with 95% CIs (log rate ratios; band terms: log rates/yr)."""
        self._check_fitted()
        return self.events_.coefficients(self.cov_.names)

    # ---- save / load -----------------------------------------------------------------------
    def _state(self):
        cfg = {"schema": self.schema_.to_dict(), "attributes": self.attributes_, "types": self.types_,
               "covariate_columns": self.covariate_columns_, "tests": self.tests_, "panels": self.panels_,
               "labs": {}, "visits": [], "n_train": self.n_train_, "ehr_layout": EHR_LAYOUT}
        tensors = {f"cov.{k}": v for k, v in self.cov_.state().items()}
        tensors.update({f"events.{k}": v for k, v in self.events_.state().items()})
        tensors.update(self.censoring_.state())
        tensors["history_positions"] = self.history_positions_
        for i, t in enumerate(self.tests_):
            c, w = self.labs_[t].state(f"lab{i}.")
            cfg["labs"][t] = c
            tensors.update(w)
        for i, v in enumerate(self.visits_):
            cfg["visits"].append({"tests": v.tests, "theta": v.theta_})
            tensors[f"visit{i}.coef"], tensors[f"visit{i}.positions"] = v.coef_, v.positions_
        return cfg, tensors

    def _restore(self, cfg, tensors):
        from ..errors import CheckpointError

        if cfg.get("ehr_layout") != EHR_LAYOUT:
            raise CheckpointError(f"this TimelineSynthesizer was saved with layout {cfg.get('ehr_layout')}, this "
                                  f"version reads layout {EHR_LAYOUT}: fit it again (`pharmasynth ehr fit`).")
        t = {k: v.numpy() for k, v in tensors.items()}
        self.schema_ = TimelineSchema(**cfg["schema"])
        self.attributes_, self.types_ = cfg["attributes"], cfg["types"]
        self.covariate_columns_, self.tests_, self.panels_ = cfg["covariate_columns"], cfg["tests"], cfg["panels"]
        self.n_train_ = cfg["n_train"]
        self.cov_ = Covariates.restore(self.covariate_columns_, t, "cov.")
        self.events_ = EventProcess(self.types_, "death", self.bands_years, use_history=self.event_history).restore(t)
        self.censoring_ = CensoringModel.restore(t)
        self.history_positions_ = t["history_positions"]
        self.labs_ = {name: TestModel.restore(cfg["labs"][name], t, f"lab{i}.") for i, name in enumerate(self.tests_)}
        self.visits_ = []
        for i, v in enumerate(cfg["visits"]):
            vm = VisitModel()
            vm.tests, vm.theta_ = v["tests"], v["theta"]
            vm.coef_, vm.positions_ = t[f"visit{i}.coef"], t[f"visit{i}.positions"]
            self.visits_.append(vm)

    def save(self, path) -> Path:
        """config.json + model.safetensors, and the statics copula in path/statics (same format). No records."""
        out = super().save(path)
        self.copula_.save(Path(path) / "statics")
        return out

    @classmethod
    def load(cls, path, **params):
        from ..tabular import GaussianCopula

        obj = super().load(path, **params)
        obj.copula_ = GaussianCopula.load(Path(path) / "statics")
        return obj
