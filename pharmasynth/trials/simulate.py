"""Trial simulation from a digital twin: type I error and power of trial designs, vectorised.

One simulated trial (``n`` patients per arm):

* baselines are resampled with replacement from ``baseline_pool``;
* every patient's outcome under control is a fresh draw from ``twin.sample`` (the twin's
  predictive distribution given the baseline); treated patients get ``+ effect``;
  ``drift`` (default 0) is added to every *enrolled* patient of both arms - a population that has
  moved away from the twin's training data (e.g. standard of care improved);
* the prognostic score of a patient is ``twin.predict`` of the baseline (the predictive mean).

Designs (all analysed by OLS with an HC3 robust SE, two-sided t-test at ``alpha``):

* ``unadjusted``: n treated vs n randomised controls, difference in means.
* ``procova``: the same patients, ANCOVA on treatment + prognostic score.
* ``ancova_baseline`` is not simulated (it needs the raw covariates; see ``analysis.ancova``).
* ``synthetic_control``: n treated, but only ``round(control_fraction * n)`` randomised controls;
  the control arm is topped up to n with *synthetic* controls - further pool patients whose
  outcomes are drawn from the twin (never enrolled, so no ``drift``). Analysed by PROCOVA on the
  pooled control arm. It enrols fewer patients; its validity rests on the twin being right about
  the enrolled population. With a correct twin its type I error holds; with ``drift`` (a biased
  twin) it is inflated - the simulation reports that rather than hiding it.

No per-trial model fitting loop: the trials of a chunk are stacked into arrays
(trials x patients x terms) and solved at once by :func:`analysis.batched_ols`. Chunks fan out
through :func:`pharmasynth._util.parallel.parallel_map` with one seed each (``spawn_seeds``), so
the in-process and the Dask run (``client=``) give identical numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._util.atomic import atomic_write_text
from .._util.deprecation import renamed_kwargs
from .._util.parallel import parallel_map
from .._util.random import as_rng, spawn_seeds
from .._util.results import ResultMixin
from ..errors import DataError, SchemaError, check_option
from .analysis import batched_ols, t_inference

DESIGNS = ("unadjusted", "procova", "synthetic_control")


def default_outcome(twin, outcome: str | None) -> str:
    visits = list(getattr(twin, "visits", []) or [])
    if outcome is None:
        if not visits:
            if getattr(twin, "has_event_", False):
                raise SchemaError("this twin models only an event (no visits): simulate time-to-event trials with "
                                  "pharmasynth.trials.design_simulation.simulate_design(design, twin=, pool=) "
                                  "(CLI: pharmasynth trials simulate --endpoint survival --design DIR/design.json).")
            raise SchemaError("the twin models no visits: give outcome=NAME of a visit it models.")
        return visits[-1]
    if visits and outcome not in visits:
        raise SchemaError(f"the twin models visits {visits}, not {outcome!r}.")
    return outcome


def twin_outcome_draws(twin, pool: pd.DataFrame, outcome: str, n_draws: int, random_state) -> np.ndarray:
    """``twin.sample(pool, n_draws)`` as an array (patients, draws) of the ``outcome`` visit."""
    out = twin.sample(pool, n_draws=n_draws, random_state=random_state)
    if outcome not in out.columns:
        raise SchemaError(f"twin.sample gave columns {list(out.columns)}, no {outcome!r}.")
    if len(out) != len(pool) * n_draws:
        raise DataError(f"twin.sample gave {len(out)} rows for {len(pool)} patients x {n_draws} draws.")
    y = out[outcome].to_numpy(float)
    draw = out["draw"].to_numpy() if "draw" in out.columns else np.tile(np.arange(n_draws), len(pool))
    if n_draws > 1 and not np.array_equal(draw[:n_draws], np.arange(n_draws)):
        y = y.reshape(n_draws, len(pool)).T  # draw-major output
    else:
        y = y.reshape(len(pool), n_draws)
    if not np.isfinite(y).all():
        raise DataError(f"twin.sample gave missing or infinite {outcome!r} values.")
    return y


# --------------------------------------------------------------------------------------------
# drawing and analysing a stack of trials
# --------------------------------------------------------------------------------------------
@dataclass
class TrialStack:
    """Arrays for B trials. Patient layout per trial: n treated | n randomised controls | s synthetic.

    y, score: (B, 2n + s); ``n_per_arm`` = n; ``n_synthetic`` = s; ``n_randomised_control`` = c
    (the synthetic-control design uses the first c randomised controls).
    """

    y: np.ndarray
    score: np.ndarray
    n_per_arm: int
    n_randomised_control: int
    n_synthetic: int

    def design_arrays(self, design: str) -> tuple[np.ndarray, np.ndarray]:
        """(X, y) of one design: X is (B, N, k) with columns const, treatment[, score]."""
        n, c, s = self.n_per_arm, self.n_randomised_control, self.n_synthetic
        if design == "synthetic_control":
            cols = np.r_[np.arange(n), n + np.arange(c), 2 * n + np.arange(s)]
        else:
            cols = np.arange(2 * n)
        y = self.y[:, cols]
        B, N = y.shape
        treat = np.zeros(N)
        treat[:n] = 1.0
        parts = [np.ones((B, N)), np.broadcast_to(treat, (B, N))]
        if design in ("procova", "synthetic_control"):
            parts.append(self.score[:, cols])
        return np.stack(parts, axis=-1), y


def _occurrence_rank(idx: np.ndarray) -> np.ndarray:
    """For each entry, how many earlier entries hold the same value (0 for the first)."""
    order = np.argsort(idx, kind="stable")
    s = idx[order]
    rank_sorted = np.arange(len(s)) - np.searchsorted(s, s, side="left")
    rank = np.empty_like(rank_sorted)
    rank[order] = rank_sorted
    return rank


def draw_trials(twin, pool: pd.DataFrame, n_trials: int, n_per_arm: int, effect: float = 0.0, *,
                outcome: str | None = None, control_fraction: float = 0.5, drift: float = 0.0,
                random_state=0, score_pool: np.ndarray | None = None) -> TrialStack:
    """Draw B trials from the twin (see the module docstring for the data-generating process).

    Every simulated patient gets its own independent draw from the twin: pool patients are
    resampled with replacement, and the k-th time a pool patient appears in the stack it takes
    draw k of ``twin.sample(pool, n_draws=max k + 1)`` - one vectorised call per stack.
    """
    outcome = default_outcome(twin, outcome)
    rng = as_rng(random_state)
    P = len(pool)
    if score_pool is None:
        score_pool = np.asarray(twin.predict(pool)[outcome], float)
    n = int(n_per_arm)
    c = int(round(control_fraction * n))
    s = n - c
    N = 2 * n + s
    idx = rng.integers(0, P, size=(n_trials, N))
    flat = idx.reshape(-1)
    rank = _occurrence_rank(flat)
    draws = twin_outcome_draws(twin, pool, outcome, int(rank.max()) + 1, int(rng.integers(2**63 - 1)))
    y = draws[flat, rank].reshape(n_trials, N)
    y[:, :n] += effect
    y[:, : 2 * n] += drift  # enrolled patients only; synthetic controls come from the twin as is
    return TrialStack(y=y, score=score_pool[idx], n_per_arm=n, n_randomised_control=c, n_synthetic=s)


def analyse_stack(stack: TrialStack, designs=DESIGNS, alpha: float = 0.05, hc: str = "HC3") -> dict:
    """Batched OLS of each design: design -> dict of arrays estimate, se, ci_low, ci_high, p_value."""
    out = {}
    for d in designs:
        X, y = stack.design_arrays(d)
        beta, var, df_resid = batched_ols(X, y, hc=hc, coef_index=1)
        se = np.sqrt(var)
        lo, hi, p = t_inference(beta[:, 1], se, df_resid, alpha)
        out[d] = {"estimate": beta[:, 1], "se": se, "ci_low": lo, "ci_high": hi, "p_value": p}
    return out


def _simulate_chunk(task: dict) -> dict:
    """One chunk of trials; module-level and dependent only on ``task`` (seed inside) for Dask."""
    stack = draw_trials(task["twin"], task["pool"], task["n_trials"], task["n_per_arm"], task["effect"],
                        outcome=task["outcome"], control_fraction=task["control_fraction"],
                        drift=task["drift"], random_state=task["seed"], score_pool=task["score_pool"])
    return analyse_stack(stack, task["designs"], task["alpha"], task["hc"])


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------
@dataclass
class SimulationResult(ResultMixin):
    """Operating characteristics per design: ``designs`` (one row per design, the data; also
    ``summary()``), the per-trial ``estimates`` (when kept) and the ``settings``; printing renders it."""

    designs: pd.DataFrame
    estimates: pd.DataFrame
    settings: dict = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """One row per design: rejection rate (type I error at effect 0, else power), bias, SEs, coverage."""
        return self.designs

    def type_one_error_ok(self, n_se: float = 2.0) -> pd.Series:
        """Per design: is the rejection rate within alpha +- n_se Monte Carlo SE? (only meaningful at effect 0)."""
        a = self.settings["alpha"]
        mc = np.sqrt(a * (1 - a) / self.settings["n_trials"])
        return (self.designs["rejection_rate"] - a).abs() <= n_se * mc

    def to_dict(self) -> dict:
        return {"settings": self.settings,
                "designs": self.designs.reset_index().to_dict(orient="records")}

    def write(self, out_dir) -> dict[str, Path]:
        """OUT/simulation.json (`to_dict`) and, when kept, OUT/estimates.csv (one row per trial and design)."""
        paths = {"json": Path(out_dir) / "simulation.json"}
        self.to_json(paths["json"])
        if len(self.estimates):
            paths["estimates"] = Path(out_dir) / "estimates.csv"
            atomic_write_text(paths["estimates"], self.estimates.to_csv(index=False))
        return paths

    def __str__(self) -> str:
        s = self.settings
        head = (f"{s['n_trials']} simulated trials, {s['n_per_arm']} per arm, effect {s['effect']}, drift "
                f"{s['drift']}, alpha {s['alpha']} ({s['hc']} robust SE)")
        cols = ["rejection_rate", "mc_se", "mean_estimate", "bias", "empirical_sd", "mean_se", "coverage",
                "n_enrolled"]
        return head + "\n" + self.designs[cols].to_string(float_format=lambda v: f"{v:.4f}")

    __repr__ = __str__


def _summarise(results: dict, effect: float, n_per_arm: int, c: int) -> pd.DataFrame:
    rows = []
    for d, r in results.items():
        B = len(r["estimate"])
        rej = float(np.mean(r["p_value"] < r["alpha"]))
        cov = float(np.mean((r["ci_low"] <= effect) & (effect <= r["ci_high"])))
        rows.append({"design": d, "rejection_rate": rej, "mc_se": math.sqrt(rej * (1 - rej) / B),
                     "mean_estimate": float(np.mean(r["estimate"])),
                     "bias": float(np.mean(r["estimate"]) - effect),
                     "bias_mc_se": float(np.std(r["estimate"], ddof=1) / math.sqrt(B)),
                     "empirical_sd": float(np.std(r["estimate"], ddof=1)),
                     "mean_se": float(np.mean(r["se"])), "coverage": cov,
                     "coverage_mc_se": math.sqrt(cov * (1 - cov) / B), "n_trials": B,
                     "n_enrolled": 2 * n_per_arm if d != "synthetic_control" else n_per_arm + c,
                     "n_analysed": 2 * n_per_arm})
    return pd.DataFrame(rows).set_index("design")


@renamed_kwargs(scheduler="client")
def simulate_trials(twin, baseline_pool: pd.DataFrame, n_per_arm: int = 100, effect: float = 0.0,
                    n_trials: int = 10_000, designs=DESIGNS, outcome: str | None = None, alpha: float = 0.05,
                    random_state=0, client=None, chunk_trials: int = 500, control_fraction: float = 0.5,
                    drift: float = 0.0, hc: str = "HC3", keep_estimates: bool = True) -> SimulationResult:
    """Simulate ``n_trials`` two-arm trials from ``twin`` and report each design's operating characteristics.

    ``client``: a Dask client, cluster or scheduler address to fan the chunks out to (None: in-process).
    Returns a :class:`SimulationResult` whose ``summary()`` has, per design: rejection_rate (type I
    error when ``effect`` = 0, power otherwise) with its Monte Carlo SE ``mc_se``, mean_estimate,
    bias (and its MC SE), empirical_sd, mean_se, coverage of the (1 - alpha) CI (and its MC SE),
    and the patients enrolled / analysed per trial.
    """
    designs = tuple(designs)
    for d in designs:
        check_option("design", d, DESIGNS)
    if not isinstance(baseline_pool, pd.DataFrame) or len(baseline_pool) < 2:
        raise DataError("baseline_pool must be a DataFrame with at least 2 patients.")
    if n_per_arm < 3 or n_trials < 1:
        raise ValueError("n_per_arm must be >= 3 and n_trials >= 1.")
    if not 0 < control_fraction <= 1:
        raise ValueError("control_fraction must lie in (0, 1].")
    if "synthetic_control" in designs and round(control_fraction * n_per_arm) < 2:
        raise ValueError("the synthetic-control design needs at least 2 randomised controls; raise control_fraction.")
    outcome = default_outcome(twin, outcome)
    pool = baseline_pool.reset_index(drop=True)
    score_pool = np.asarray(twin.predict(pool)[outcome], float)
    if not np.isfinite(score_pool).all():
        raise DataError("the twin's prediction is missing for some pool patients; impute their baselines first.")
    n_chunks = max(1, math.ceil(n_trials / chunk_trials))
    seeds = spawn_seeds(random_state, n_chunks)
    sizes = [chunk_trials] * (n_chunks - 1) + [n_trials - chunk_trials * (n_chunks - 1)]
    tasks = [{"twin": twin, "pool": pool, "score_pool": score_pool, "n_trials": b, "n_per_arm": int(n_per_arm),
              "effect": float(effect), "outcome": outcome, "control_fraction": control_fraction,
              "drift": float(drift), "seed": seed, "designs": designs, "alpha": alpha, "hc": hc}
             for b, seed in zip(sizes, seeds)]
    parts = parallel_map(_simulate_chunk, tasks, client=client, desc="simulating trials")
    merged = {d: {k: np.concatenate([p[d][k] for p in parts]) for k in parts[0][d]} for d in designs}
    for d in designs:
        merged[d]["alpha"] = alpha
    c = int(round(control_fraction * n_per_arm))
    per_design = _summarise(merged, effect, int(n_per_arm), c)
    est = pd.DataFrame()
    if keep_estimates:
        est = pd.concat([pd.DataFrame({"trial": np.arange(n_trials), "design": d,
                                       **{k: v for k, v in merged[d].items() if k != "alpha"}})
                         for d in designs], ignore_index=True)
    settings = {"n_trials": int(n_trials), "n_per_arm": int(n_per_arm), "effect": float(effect), "alpha": alpha,
                "outcome": outcome, "designs": list(designs), "control_fraction": control_fraction,
                "n_randomised_control_synthetic_design": c, "drift": float(drift), "hc": hc,
                "random_state": random_state if isinstance(random_state, (int, type(None))) else "generator",
                "chunk_trials": chunk_trials, "pool_size": len(pool)}
    return SimulationResult(designs=per_design, estimates=est, settings=settings)


@renamed_kwargs(scheduler="client")
def power_curve(twin, baseline_pool: pd.DataFrame, effects=(0.0, 10.0, 20.0, 30.0), n_per_arm=(100,),
                designs=DESIGNS, n_trials: int = 2000, random_state=0, **kwargs) -> pd.DataFrame:
    """Rejection rate of each design over a grid of effects x sample sizes (one seed per grid point).

    Returns a long DataFrame: n_per_arm, effect, design, rejection_rate, mc_se, mean_se, coverage, bias.
    ``kwargs`` go to :func:`simulate_trials` (e.g. ``client=``, ``outcome=``, ``drift=``).
    """
    grid = [(int(n), float(e)) for n in n_per_arm for e in effects]
    seeds = spawn_seeds(random_state, len(grid))
    rows = []
    for (n, e), seed in zip(grid, seeds):
        res = simulate_trials(twin, baseline_pool, n_per_arm=n, effect=e, n_trials=n_trials, designs=designs,
                              random_state=seed, keep_estimates=False, **kwargs)
        for d, r in res.designs.iterrows():
            rows.append({"n_per_arm": n, "effect": e, "design": d, "rejection_rate": r["rejection_rate"],
                         "mc_se": r["mc_se"], "mean_se": r["mean_se"], "coverage": r["coverage"],
                         "bias": r["bias"], "n_enrolled": r["n_enrolled"]})
    return pd.DataFrame(rows)
