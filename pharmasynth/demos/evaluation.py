"""Demo of the evaluation core on ACTG 175 (2,139 real trial patients).

The real table is split three ways: a training half (what a generator sees), a holdout quarter
(real records it never sees) and a reference quarter. Three "generators" are scored:
  - `pharmasynth.tabular.GaussianCopula` fitted on the training half: the documented
    generator, written to out/report.*;
  - IndependentMarginals fitted on the training half: perfect column shapes, no relations
    between columns, written to out/baseline_report.*;
  - the reference quarter itself, i.e. fresh real patients: what a perfect generator would
    score, written to out/reference_report.*.
Tables in the main report compare them side by side, so the metrics can be seen doing their
job (pair trends and detection separate the baseline from real data; privacy punishes none).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..datasets import actg175_rules_path, load_actg175
from ..evaluation import IndependentMarginals, evaluate
from ..tabular import GaussianCopula

GROUPS = ("fidelity", "utility", "privacy", "validity")
HEADLINES = ("pair_trends_strong", "detection_auc", "utility_loss_percent")


def run_demo(out_dir, random_state=0, quick: bool = False) -> dict:
    """Score the generators above on ACTG 175; write out_dir/report.{html,json} (+ baseline/reference)."""
    out_dir = Path(out_dir)
    rng = np.random.default_rng(random_state)
    df = load_actg175(drop_id=True)
    idx = rng.permutation(len(df))
    n_tr, n_ho = len(df) // 2, len(df) // 4
    train, holdout, fresh = df.iloc[idx[:n_tr]], df.iloc[idx[n_tr:n_tr + n_ho]], df.iloc[idx[n_tr + n_ho:]]
    seed_base, seed_cop = (int(x) for x in rng.integers(2**31 - 1, size=2))
    copula = GaussianCopula(random_state=seed_cop, em_sweeps=5 if quick else 20).fit(train)
    candidates = {  # label: (file stem, report title, synthetic table)
        "gaussian copula": ("report", "ACTG 175: Gaussian copula (pharmasynth.tabular) vs real patients",
                            copula.sample(len(train))),
        "independent marginals": ("baseline_report", "ACTG 175: independent-marginals baseline vs real patients",
                                  IndependentMarginals(random_state=seed_base).fit(train).sample(len(train))),
        "fresh real patients": ("reference_report", "ACTG 175: fresh real patients (a perfect generator)", fresh),
    }
    kw = dict(holdout=holdout, target="cens", sensitive=["race"], rules=actg175_rules_path(), random_state=random_state)
    reports = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the rule the real data break is recorded in the report
        for i, (label, (_, title, synthetic)) in enumerate(candidates.items()):
            reports[label] = evaluate(train, synthetic, title=title, plots=(i == 0 or not quick), **kw)
    labels = list(reports)
    scores = pd.DataFrame({
        "generator": labels,
        **{g: [reports[k].score(g) for k in labels] for g in GROUPS},
        "overall": [reports[k].score() for k in labels],
    })
    side_by_side = None
    for k in labels:
        col = reports[k].details()[["name", "group", "value"]].rename(columns={"value": k})
        side_by_side = col if side_by_side is None else side_by_side.merge(col.drop(columns="group"), on="name",
                                                                             how="outer")
    data_note = ("ACTG 175 (Hammer et al. 1996), data/actg175/actg175.csv: "
                 f"train {len(train)}, holdout {len(holdout)}, fresh real {len(fresh)} patients")
    main = reports[labels[0]]
    main.add_table("Scores side by side", scores)
    main.add_table("Every metric side by side", side_by_side)
    for k in labels:
        reports[k].meta["data"] = data_note
        reports[k].write(out_dir, candidates[k][0])

    def value(label, name):
        return next((m.value for m in reports[label].metrics if m.name == name), None)

    out = {"report": str(out_dir / "report.html"), "generators": labels,
           "scores": {k: reports[k].score() for k in labels}}
    for name in HEADLINES:
        out[name] = {k: value(k, name) for k in labels}
    return out
