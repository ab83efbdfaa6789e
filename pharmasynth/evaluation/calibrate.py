"""Calibration on the user's own data: what "0.95" means for THIS table.

A score means little on its own: a table with few, weakly related columns is easy to imitate and
scores high whatever the generator. `calibrate` scores four controls made from the same real data
with the same settings, and places the synthetic table's group scores between them:

    independent real   real records nobody trained on: the CEILING of every group
    copies             rows copied from the training table: the PRIVACY floor (fails the gates)
    column-shuffled    every column shuffled on its own: right shapes, no relations (FIDELITY floor)
    marginals          `IndependentMarginals` fitted on the training table (a fidelity floor too)

Protocol (stated in the report): with a holdout, one random half of it is the independent real
sample and the other half the controls' holdout; without one, a random third of the real table is
the independent sample and the controls are scored against the other two thirds, with no holdout
(so no utility, as for the synthetic table). Every control has the independent sample's size,
capped at `max_rows` (default 2,000) so that the four extra `evaluate` runs stay affordable; they
run without figures. The synthetic table's own scores are those of the main report.

position = (synthetic - floor) / (ceiling - floor) per group, the floor being the lowest control.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._util.figures import new_figure
from .._util.random import as_rng, spawn_seeds
from ..errors import DataError
from .baselines import IndependentMarginals
from .metric import GROUPS

CONTROLS = ("independent real", "copies", "column-shuffled", "marginals")
MAX_ROWS = 2_000
MIN_ROWS = 20


def control_tables(real: pd.DataFrame, holdout: pd.DataFrame | None, *, max_rows: int = MAX_ROWS, random_state=0):
    """(training table, controls' holdout or None, {control: table}) for the protocol above."""
    rng = as_rng(random_state)
    if holdout is not None:
        perm = rng.permutation(len(holdout))
        half = len(holdout) // 2
        ceiling, ctrl_holdout = holdout.iloc[np.sort(perm[:half])], holdout.iloc[np.sort(perm[half:])]
        train = real
    else:
        perm = rng.permutation(len(real))
        third = len(real) // 3
        ceiling, train, ctrl_holdout = real.iloc[np.sort(perm[:third])], real.iloc[np.sort(perm[third:])], None
    n = min(len(ceiling), len(train), max_rows)
    if n < MIN_ROWS:
        src = "holdout" if holdout is not None else "real table"
        raise DataError(f"calibration needs at least {2 * MIN_ROWS if holdout is not None else 3 * MIN_ROWS} rows in "
                        f"the {src} (it splits it; got {len(holdout if holdout is not None else real)}); run without "
                        "--calibrate or give more rows.")
    s_ceil, s_copy, s_shuf, s_marg = spawn_seeds(rng, 4)
    pick = as_rng(s_ceil)
    independent = ceiling.iloc[np.sort(pick.choice(len(ceiling), n, replace=False))] if len(ceiling) > n else ceiling
    copies = train.iloc[np.sort(as_rng(s_copy).choice(len(train), n, replace=False))]
    srng = as_rng(s_shuf)
    base = train.iloc[np.sort(srng.choice(len(train), n, replace=False))].reset_index(drop=True)
    shuffled = pd.DataFrame({c: base[c].to_numpy()[srng.permutation(n)] for c in base.columns})
    shuffled = shuffled.astype(base.dtypes.to_dict())
    marginals = IndependentMarginals(random_state=s_marg).fit(train).sample(n)
    tables = dict(zip(CONTROLS, (independent, copies, shuffled, marginals)))
    return train, ctrl_holdout, {k: v.reset_index(drop=True) for k, v in tables.items()}


def calibration_table(synthetic_report, control_reports: dict) -> pd.DataFrame:
    """One row per group (and 'overall'): the synthetic score, each control's, floor, ceiling, position."""
    rows = []
    for g in list(GROUPS) + ["overall"]:
        def score(rep):
            return rep.partial_score() if g == "overall" else rep.score(g)
        row = {"group": g, "synthetic": score(synthetic_report)}
        for label, rep in control_reports.items():
            row[label] = score(rep)
        floors = {k: row[k] for k in CONTROLS[1:] if row.get(k) is not None}
        ceiling = row.get(CONTROLS[0])
        floor_name = min(floors, key=floors.get) if floors else None
        row["floor"] = floors.get(floor_name)
        row["floor_is"] = floor_name
        row["ceiling"] = ceiling
        s = row["synthetic"]
        ok = None not in (s, ceiling, row["floor"]) and ceiling - row["floor"] > 1e-9
        row["position"] = (s - row["floor"]) / (ceiling - row["floor"]) if ok else None
        if all(row.get(k) is None for k in ("synthetic", *control_reports)):
            continue
        rows.append(row)
    cols = ["group", "synthetic", *control_reports, "floor", "floor_is", "ceiling", "position"]
    return pd.DataFrame(rows, columns=cols)


def calibration_figure(table: pd.DataFrame):
    """Per group: the floor-to-ceiling band, each control's score and the synthetic table's."""
    t = table[table["group"] != "overall"].reset_index(drop=True)
    fig, ax = new_figure(figsize=(7.0, 0.7 * len(t) + 1.6))
    markers = {"independent real": ("^", "tab:green"), "copies": ("x", "tab:red"),
               "column-shuffled": ("s", "tab:orange"), "marginals": ("D", "tab:purple")}
    for i, r in t.iterrows():
        if r["floor"] is not None and r["ceiling"] is not None and not pd.isna(r["floor"]):
            ax.plot([r["floor"], r["ceiling"]], [i, i], color="0.85", lw=8, solid_capstyle="butt", zorder=1)
        for label, (mk, col) in markers.items():
            if label in t.columns and r[label] is not None and not pd.isna(r[label]):
                ax.scatter(r[label], i, marker=mk, color=col, s=40, zorder=2, label=label if i == 0 else None)
        if r["synthetic"] is not None and not pd.isna(r["synthetic"]):
            ax.scatter(r["synthetic"], i, marker="o", color="black", s=90, zorder=3, label="synthetic" if i == 0 else None)
    ax.set_yticks(range(len(t)), t["group"])
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("group score (1 best)")
    ax.invert_yaxis()
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=5, frameon=False)
    fig.tight_layout()
    return fig


def run_calibration(evaluate_fn, real, synthetic_report, *, holdout=None, max_rows: int = MAX_ROWS, random_state=0,
                    **evaluate_kwargs) -> tuple[pd.DataFrame, dict]:
    """Score the four controls with `evaluate_fn` (evaluate without calibration) and build the table.
    Returns (table, {control: Report})."""
    train, ctrl_holdout, tables = control_tables(real, holdout, max_rows=max_rows, random_state=random_state)
    reports = {}
    for label, table in tables.items():
        reports[label] = evaluate_fn(train, table, holdout=ctrl_holdout, random_state=random_state, plots=False,
                                     title=f"calibration control: {label}", **evaluate_kwargs)
    return calibration_table(synthetic_report, reports), reports
