"""Demo of the evaluation core on ACTG 175 (2,139 real trial patients).

The real table is split three ways: a training half (what a generator sees), a holdout quarter
(real records it never sees) and a reference quarter. Two "generators" are scored:
  - IndependentMarginals fitted on the training half: perfect column shapes, no relations;
  - the reference quarter itself, i.e. fresh real patients: what a perfect generator would score.
The report for the baseline goes to out/report.*, and a table compares both, so the metrics can
be seen doing their job (pair trends and detection separate them; privacy does not punish either).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .._util.random import check_random_state


def data_dir() -> Path:
    """The repository's data/ folder (source checkout), if present."""
    return Path(__file__).resolve().parents[2] / "data"


def load_actg175_table() -> pd.DataFrame:
    path = data_dir() / "actg175" / "actg175.csv"
    if path.is_file():
        df = pd.read_csv(path, index_col=0)
    else:  # installed without the repository: lifelines ships the same file
        from lifelines.datasets import load_actg175

        df = load_actg175()
    return df.drop(columns=["pidnum"], errors="ignore")


def rules_path() -> Path | None:
    p = data_dir() / "actg175" / "rules.toml"
    return p if p.is_file() else None


def run_demo(out_dir, random_state=0, quick: bool = False) -> dict:
    from .baselines import IndependentMarginals
    from .evaluate import evaluate

    out_dir = Path(out_dir)
    rng = check_random_state(random_state)
    df = load_actg175_table()
    idx = rng.permutation(len(df))
    n_tr, n_ho = len(df) // 2, len(df) // 4
    train, holdout, fresh = df.iloc[idx[:n_tr]], df.iloc[idx[n_tr:n_tr + n_ho]], df.iloc[idx[n_tr + n_ho:]]
    baseline = IndependentMarginals(random_state=int(rng.integers(2**31 - 1))).fit(train).sample(len(train))
    kw = dict(holdout=holdout, target="cens", sensitive=["race"], rules=rules_path(), random_state=random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the rule the real data break is recorded in the report
        rep_base = evaluate(train, baseline, title="ACTG 175: independent-marginals baseline vs real patients", **kw)
        rep_real = evaluate(train, fresh, title="ACTG 175: fresh real patients (a perfect generator)",
                            plots=not quick, **kw)
    cmp = (rep_base.details()[["name", "group", "value"]].rename(columns={"value": "independent marginals"})
           .merge(rep_real.details()[["name", "value"]].rename(columns={"value": "fresh real patients"}), on="name"))
    scores = pd.DataFrame({
        "generator": ["independent marginals", "fresh real patients"],
        **{g: [rep_base.score(g), rep_real.score(g)] for g in ("fidelity", "utility", "privacy", "validity")},
        "overall": [rep_base.score(), rep_real.score()],
    })
    rep_base.add_table("Scores side by side", scores)
    rep_base.add_table("Every metric side by side", cmp)
    rep_base.meta["data"] = ("ACTG 175 (Hammer et al. 1996), data/actg175/actg175.csv: "
                             f"train {len(train)}, holdout {len(holdout)}, fresh real {len(fresh)} patients")
    rep_base.save(out_dir, "report")
    rep_real.save(out_dir, "reference_report")
    pt = lambda r: next(m.value for m in r.metrics if m.name == "pair_trends_strong")
    det = lambda r: next(m.value for m in r.metrics if m.name == "detection_auc")
    return {"score_independent_marginals": rep_base.score(), "score_fresh_real": rep_real.score(),
            "pair_trends_strong_independent_marginals": pt(rep_base), "pair_trends_strong_fresh_real": pt(rep_real),
            "detection_auc_independent_marginals": det(rep_base), "detection_auc_fresh_real": det(rep_real),
            "report": str(out_dir / "report.html")}
