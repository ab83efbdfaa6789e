"""`simulate_design`: operating characteristics of a survival design, simulated (from a twin or
from the design's own hazard) - type I error, power, P(stop at each look), expected events and
duration, each with its Monte-Carlo SE.

    design = design_trial("survival", hr=0.7, looks=3, control_median=12, accrual_rate=20, follow_up=12)
    sim = simulate_design(design, hrs=[1.0, 0.7], n_trials=10_000)             # the design's model
    sim = simulate_design(design, twin=twin, pool=pool, drift=0.2, control_fraction=0.5)
    sim.summary(); sim.write("out/sim")

Designs simulated: ``randomised`` (every control enrolled and randomised) and, with
``control_fraction`` < 1, ``hybrid`` (only that share of the control arm randomised, topped up by
synthetic controls drawn from the twin; see ``survival_simulation``). Chunks of trials fan out
through ``parallel_map`` with one seed each, so in-process and Dask runs give the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._util.atomic import atomic_write_json
from .._util.parallel import parallel_map
from .._util.random import spawn_seeds
from .._util.results import ResultMixin
from ..errors import UsageError
from .design.events import ControlHazard
from .design_report import boundary_figure, design_simulation_lead, power_curve_figure, stopping_figure
from .survival_simulation import draw_survival_trials, run_looks, twin_control_hazard


def _hazard_from_doc(doc: dict) -> ControlHazard:
    h = doc.get("control_hazard")
    if not h:
        raise UsageError("the design has no control hazard: design it with --control-median/--control-hazard (or a "
                         "twin), accrual and follow-up, or give --twin and --pool to simulate from a twin.")
    if h["kind"] == "weibull":
        raise UsageError("the design's control hazard came from a twin: give that twin and its pool (--twin, --pool).")
    return ControlHazard.piecewise(h["interval_starts"], h["rates"])


def design_plan(design) -> dict:
    """What the simulator needs from a design (a DesignResult or its design.json dict)."""
    doc = design.to_dict() if hasattr(design, "to_dict") else dict(design)
    if doc.get("endpoint") != "survival":
        raise UsageError("simulate_design simulates survival designs; this design's endpoint is "
                         f"{doc.get('endpoint')!r}.")
    for key in ("patients_control", "patients_treated", "accrual_duration"):
        if key not in doc:
            raise UsageError(f"the design has no {key!r}: design it with a control hazard and two of accrual rate, "
                             "accrual duration, patients, follow-up.")
    from scipy import stats

    if doc.get("boundaries"):
        b = pd.DataFrame(doc["boundaries"])
        upper, events_at = b["z"].to_numpy(float), b["events"].to_numpy(int)
        lower = b["futility_z"].to_numpy(float) if "futility_z" in b and b["futility_z"].notna().any() else None
        if lower is not None:
            lower = np.where(np.isnan(lower), -np.inf, lower)
    else:
        upper, events_at, lower = np.array([stats.norm.isf(doc["alpha"] / doc["sided"])]), np.array([doc["events"]]), None
    return {"upper": upper, "lower": lower, "events_at": events_at, "sided": int(doc["sided"]),
            "n_control": int(doc["patients_control"]), "n_treated": int(doc["patients_treated"]),
            "accrual_duration": float(doc["accrual_duration"]), "dropout": float(doc.get("dropout_hazard", 0.0)),
            "hazard_ratio": float(doc["hazard_ratio"]), "alpha": float(doc["alpha"]), "power": float(doc["power"]),
            "doc": doc}


def _chunk(task: dict) -> dict:
    """One chunk of trials of one scenario, every analysed design; module-level for Dask."""
    p = task["plan"]
    n_syn = task["n_synthetic"]
    stack = draw_survival_trials(task["hazard"], task["n_trials"], p["n_control"], p["n_treated"], hr=task["hr"],
                                 accrual_duration=p["accrual_duration"], dropout=p["dropout"], drift=task["drift"],
                                 n_synthetic=n_syn, time_ratio=task["time_ratio"], random_state=task["seed"])
    sign = -1.0 if p["hazard_ratio"] < 1 else 1.0  # z > 0 means the benefit the design looks for
    nt, nc = p["n_treated"], p["n_control"]
    columns = {"randomised": np.arange(nt + nc)}
    if n_syn:
        columns["hybrid"] = np.r_[np.arange(nt + (nc - n_syn)), np.arange(nt + nc, nt + nc + n_syn)]
    return {d: run_looks(stack, cols, p["events_at"], p["upper"], p["lower"], p["sided"], sign, task["analyses"],
                         task["score_pool"], task["rmst_tau"]) for d, cols in columns.items()}


def _summarise(shared: dict, res: dict, K: int) -> dict:
    B = len(res["stop_look"])
    row = {"n_trials": B}
    rej = float(res["efficacy"].mean())
    row.update(rejection_rate=rej, mc_se=math.sqrt(rej * (1 - rej) / B))
    r2 = float(res["efficacy_ignoring_futility"].mean())
    row.update(rejection_rate_ignoring_futility=r2, mc_se_ignoring_futility=math.sqrt(r2 * (1 - r2) / B))
    rows = np.arange(B)
    k = res["stop_look"] - 1
    ev, tm = shared["events"][rows, k].astype(float), shared["time"][rows, k]
    row.update(expected_events=float(ev.mean()), expected_events_mc_se=float(ev.std(ddof=1) / math.sqrt(B)),
               expected_duration=float(tm.mean()), expected_duration_mc_se=float(tm.std(ddof=1) / math.sqrt(B)))
    for j in range(K):
        p = float(np.mean(k == j))
        row[f"p_stop_look_{j + 1}"] = p
        row[f"p_stop_look_{j + 1}_mc_se"] = math.sqrt(p * (1 - p) / B)
        row[f"p_efficacy_look_{j + 1}"] = float(np.mean((k == j) & res["efficacy"]))
    row["p_futility"] = float(res["futility"].mean())
    final = res["estimate"][:, -1]  # log HR (log-rank: Peto; Cox) or RMST difference, at the last look
    row["mean_estimate_final"] = float(np.nanmean(final))
    row["sd_estimate_final"] = float(np.nanstd(final, ddof=1))
    row["short_of_events"] = float(shared["short"][:, -1].mean())
    return row


@dataclass
class DesignSimulationResult(ResultMixin):
    """``table``: one row per (true HR, analysed design); ``z_paths`` a few simulated z paths;
    ``settings``. ``summary()`` is the table."""

    table: pd.DataFrame
    settings: dict
    boundaries: pd.DataFrame | None = None
    z_paths: np.ndarray | None = None
    meta: dict = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        return self.table

    def type_one_error_ok(self, n_se: float = 2.0) -> pd.Series:
        """Rows at HR 1: is the rejection rate within n_se MC SE of the design's alpha (its total, both
        sides together for a two-sided design)?"""
        a = self.settings["alpha"]
        t = self.table[self.table.index.get_level_values(0) == 1.0]
        return (t["rejection_rate"] - a).abs() <= n_se * math.sqrt(a * (1 - a) / self.settings["n_trials"])

    def to_dict(self) -> dict:
        return {**self.meta, "settings": self.settings,
                "scenarios": self.table.reset_index().to_dict(orient="records")}

    def report(self):
        from ..evaluation.metric import GROUPS
        from ..evaluation.report import Report

        rep = Report(title="Survival trial simulation", meta=dict(self.meta),
                     group_weights=dict.fromkeys(GROUPS, 0.0))
        rep.add_table("Operating characteristics", self.table.reset_index())
        if self.boundaries is not None:
            rep.add_figure("Boundaries and simulated z paths", boundary_figure(
                self.boundaries, self.settings["sided"], simulated=self.z_paths),
                "Grey: z paths of 200 simulated trials (the design-effect scenario when simulated; a path "
                "ends where its trial stopped).", section="simulation")
        first = self.settings["analyses"][0]
        rand = self.table.xs(("randomised", first), level=("design", "analysis")).reset_index()
        level = self.table.index.names[0]
        x = "hr" if level == "true_hr" else "time_ratio"
        curve = rand.rename(columns={level: x, "rejection_rate": "power"})
        rep.add_figure("Power curve", power_curve_figure(curve.drop(columns="power"), x, self.settings["power"],
                                                         simulated=curve),
                       f"Simulated rejection rate of the randomised design ({first}) against the true effect.",
                       section="simulation")
        rep.add_figure("Stopping", stopping_figure(self.table, self.settings["looks"]), section="simulation")
        rep.lead = design_simulation_lead(self.table, self.settings)
        return rep

    def write(self, out_dir) -> dict[str, Path]:
        """OUT/simulation.json and OUT/report.html + .json."""
        out = Path(out_dir)
        rep = self.report()
        atomic_write_json(out / "simulation.json", self.to_dict())
        return {"simulation": out / "simulation.json", **rep.write(out, "report")}

    def __str__(self) -> str:
        cols = ["rejection_rate", "mc_se", "expected_events", "expected_duration"] + [
            c for c in self.table.columns if c.startswith("p_stop_look_") and not c.endswith("mc_se")]
        s = self.settings
        head = (f"{s['n_trials']} simulated trials per scenario, {s['n_control']}+{s['n_treated']} patients, "
                f"{s['looks']} look(s), drift {s['drift']} ({s['model']})")
        return head + "\n" + self.table[cols].to_string(float_format=lambda v: f"{v:.4f}")

    __repr__ = __str__


def simulate_design(design, *, hrs=None, time_ratios=None, twin=None, pool=None, hazard: ControlHazard | None = None,
                    n_trials: int = 10_000, drift: float = 0.0, control_fraction: float | None = None,
                    analyses=("logrank",), rmst_tau: float | None = None,
                    random_state=0, client=None, chunk_trials: int = 500, meta: dict | None = None
                    ) -> DesignSimulationResult:
    """Simulate a survival design (see the module docstring).

    hrs: the true hazard ratios (default: 1, for the type I error, and the design's HR, for power);
    time_ratios (instead of hrs): the treated arm's event times are the control times multiplied
    by each ratio (accelerated failure time: an RMST shift, not proportional hazards);
    the control arm's event times come from ``twin`` on ``pool`` (its Weibull model), else from
    ``hazard``, else from the design's own control hazard. ``drift``: log hazard ratio of the
    enrolled population vs the model (a wrong twin); ``control_fraction``: also simulate the hybrid
    design with that share of randomised controls plus synthetic controls from the model.
    ``analyses``: any of "logrank" (the design's test), "cox", "cox_adjusted" (Cox on treatment +
    the twin's risk score; needs a twin), "rmst" (horizon ``rmst_tau``, default: the last time
    observed in both arms at each look); each meets the design's bounds and gets its own rows.
    """
    from .survival_batched import ANALYSES

    plan = design_plan(design)
    analyses = tuple(analyses)
    for a in analyses:
        if a not in ANALYSES:
            raise UsageError(f"analysis {a!r} is not one of {', '.join(map(repr, ANALYSES))}.")
    if not analyses:
        raise UsageError("give at least one analysis (e.g. logrank).")
    score_pool = None
    if twin is not None:
        if pool is None:
            raise UsageError("simulating from a twin needs the baseline pool (pool=, --pool).")
        hazard, score_pool = twin_control_hazard(twin, pool.reset_index(drop=True))
        model = "twin Weibull event model"
    elif hazard is None:
        hazard = _hazard_from_doc(plan["doc"])
        model = f"design's {hazard.kind} hazard"
    else:
        model = f"given {hazard.kind} hazard"
    if "cox_adjusted" in analyses and score_pool is None:
        raise UsageError("the cox_adjusted analysis adjusts for the twin's risk score: give a twin and its pool.")
    if int(n_trials) < 2:
        raise UsageError(f"n_trials must be >= 2; got {n_trials}.")
    n_syn = 0
    if control_fraction is not None:
        if not 0 < control_fraction < 1:
            raise UsageError(f"control_fraction must lie in (0, 1); got {control_fraction}.")
        n_syn = plan["n_control"] - int(round(control_fraction * plan["n_control"]))
    if hrs is not None and time_ratios is not None:
        raise UsageError("give true hazard ratios or time ratios, not both.")
    level = "true_time_ratio" if time_ratios is not None else "true_hr"
    if time_ratios is not None:
        hrs = [float(v) for v in time_ratios]
    hrs = [1.0, plan["hazard_ratio"]] if hrs is None else [float(h) for h in hrs]
    if any(not (h > 0 and math.isfinite(h)) for h in hrs):
        raise UsageError(f"true {'time' if time_ratios is not None else 'hazard'} ratios must be positive; got {hrs}.")
    n_chunks = max(1, math.ceil(n_trials / chunk_trials))
    sizes = [chunk_trials] * (n_chunks - 1) + [n_trials - chunk_trials * (n_chunks - 1)]
    scenario_seeds = spawn_seeds(random_state, len(hrs))
    rows, z_paths = [], None
    K = len(plan["events_at"])
    for hr, sseed in zip(hrs, scenario_seeds):
        tasks = [{"plan": plan, "hazard": hazard, "hr": 1.0 if time_ratios is not None else hr,
                  "time_ratio": hr if time_ratios is not None else 1.0, "drift": float(drift), "n_synthetic": n_syn,
                  "analyses": analyses, "score_pool": score_pool, "rmst_tau": rmst_tau,
                  "n_trials": b, "seed": s} for b, s in zip(sizes, spawn_seeds(sseed, n_chunks))]
        parts = parallel_map(_chunk, tasks, client=client, desc=f"simulating trials (HR {hr:g})")
        for d in parts[0]:
            shared = {k: np.concatenate([p[d][k] for p in parts]) for k in ("events", "time", "short")}
            for a in analyses:
                merged = {k: np.concatenate([p[d][a][k] for p in parts]) for k in parts[0][d][a]}
                rows.append({level: hr, "design": d, "analysis": a, **_summarise(shared, merged, K)})
                if d == "randomised" and a == analyses[0] and (z_paths is None or abs(hr - plan["hazard_ratio"]) < 1e-12):
                    z = merged["z"][:200].copy()
                    z[np.arange(z.shape[1])[None, :] >= merged["stop_look"][:200, None]] = np.nan
                    z_paths = z
    table = pd.DataFrame(rows).set_index([level, "design", "analysis"])
    settings = {"n_trials": int(n_trials), "effect": "time_ratio" if time_ratios is not None else "hazard_ratio",
                "true_effects": hrs, "drift": float(drift), "control_fraction": control_fraction,
                "n_control": plan["n_control"], "n_treated": plan["n_treated"], "n_synthetic": n_syn,
                "accrual_duration": plan["accrual_duration"], "dropout_hazard": plan["dropout"],
                "events_at_looks": plan["events_at"].tolist(), "upper": plan["upper"].tolist(),
                "futility": None if plan["lower"] is None else plan["lower"].tolist(), "looks": K,
                "sided": plan["sided"], "alpha": plan["alpha"], "power": plan["power"],
                "design_hazard_ratio": plan["hazard_ratio"], "model": model, "analyses": list(analyses),
                "rmst_tau": rmst_tau, "chunk_trials": chunk_trials,
                "random_state": random_state if isinstance(random_state, (int, type(None))) else "generator"}
    bounds = pd.DataFrame(plan["doc"]["boundaries"]) if plan["doc"].get("boundaries") else None
    return DesignSimulationResult(table, settings, bounds, z_paths, dict(meta or {}))
