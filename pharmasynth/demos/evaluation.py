"""Demo of the evaluation core on ACTG 175 (2,139 real trial patients), calibrated on its own data.

The real table is split: a training part (what a generator sees, two thirds) and a holdout (real
records it never sees, one third). `pharmasynth.tabular.GaussianCopula` is fitted on the training
part and its synthetic patients are scored with `evaluate(..., calibrate=True)`: the report places
each group score between the floors and the ceiling measured on the SAME real data - copies of
training rows (privacy floor), a column-shuffled table and independent marginals (fidelity
floors) and an independent real sample (the ceiling, half of the holdout). This replaces the
demo's former side-by-side reports of a baseline and fresh patients: they are the calibration's
controls now. Writes out_dir/report.html and report.json.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..datasets import actg175_rules_path, load_actg175
from ..evaluation import evaluate
from ..tabular import GaussianCopula

HEADLINES = ("pair_trends_strong", "detection_auc", "utility_loss_percent", "exact_copy_rate",
             "singling_out_risk", "membership_inference_auc_worst")


def run_demo(out_dir, random_state=0, quick: bool = False) -> dict:
    """Score a Gaussian copula on ACTG 175 with calibration; write out_dir/report.{html,json}."""
    out_dir = Path(out_dir)
    rng = np.random.default_rng(random_state)
    df = load_actg175(drop_id=True)   # the patient id is an identifier, not a variable to model
    idx = rng.permutation(len(df))
    n_tr = 2 * len(df) // 3
    train, holdout = df.iloc[np.sort(idx[:n_tr])], df.iloc[np.sort(idx[n_tr:])]
    copula = GaussianCopula(random_state=int(rng.integers(2**31 - 1)), em_sweeps=5 if quick else 20).fit(train)
    synthetic = copula.sample(len(train))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the rule the real data break is recorded in the report
        report = evaluate(train, synthetic, holdout=holdout, target="cens", sensitive=["race"],
                          quasi_identifiers=["age", "gender", "race"], rules=actg175_rules_path(),
                          random_state=random_state, calibrate=True, calibrate_max_rows=400 if quick else 2_000,
                          title="ACTG 175: Gaussian copula (pharmasynth.tabular) vs real patients, calibrated")
    report.meta["data"] = ("ACTG 175 (Hammer et al. 1996), data/actg175/actg175.csv: "
                           f"train {len(train)}, holdout {len(holdout)} patients")
    report.write(out_dir, "report")
    values = {m.name: m.value for m in report.metrics}
    cal = report.calibration.set_index("group")
    return {"report": str(out_dir / "report.html"), "score": report.score(), "passed": report.passed,
            "headline": report.headline()["text"],
            # flat: one number per group and calibration column (the whole table is in report.json)
            **{f"calibration_{g}_{k}": (None if v is None or v != v else round(float(v), 3))
               for g, row in cal.to_dict(orient="index").items() for k, v in row.items()
               if k in ("synthetic", "floor", "ceiling", "position")},
            **{name: values.get(name) for name in HEADLINES}}
