"""Reference values from the `anonymeter` library itself, for tests/evaluation/test_anonymeter.py.

anonymeter 1.1.0 pins numpy < 1.27, which pharmasynth's stack (numpy 2) cannot install, so
pharmasynth re-implements its evaluators (pharmasynth/evaluation/anonymeter_risks.py). This script
runs the real library in a throw-away environment and stores what it computed beside itself:

    python3.11 -m venv /tmp/anon && /tmp/anon/bin/pip install anonymeter==1.1.0
    /tmp/anon/bin/python tests/evaluation/reference/anonymeter_reference.py

It writes anonymeter_tables.csv.gz (the data, so both sides read the very same rows) and
anonymeter_reference.json. Deterministic parts (linkability and inference with every record
attacked, continuous columns so no distance ties) are compared exactly; singling out draws random
queries, so it is run REPEATS times and compared within its run-to-run spread.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
REPEATS = 8
N = 400


def make(rng, n):
    x = rng.normal(size=n)
    return pd.DataFrame({
        "age": np.round(50 + 12 * x + rng.normal(0, 4, n), 1),
        "bmi": np.round(26 + 3 * rng.normal(size=n) + x, 2),
        "dose": np.round(rng.gamma(2.0, 20.0, n), 1),
        "site": rng.choice(["a", "b", "c", "d", "e"], n),
        "grade": np.where(x > 0.5, "high", np.where(x < -0.5, "low", "mid")),
        "sex": rng.choice(["F", "M"], n),
    })


def tables():
    rng = np.random.default_rng(20231)
    train, control, fresh = make(rng, N), make(rng, N), make(rng, N)
    half = pd.concat([train.iloc[: N // 2], fresh.iloc[N // 2:]], ignore_index=True)
    return {"train": train, "control": control, "fresh": fresh, "copies": train.copy(), "half": half}


def main():
    from anonymeter.evaluators import InferenceEvaluator, LinkabilityEvaluator, SinglingOutEvaluator
    from anonymeter.stats.confidence import EvaluationResults

    t = tables()
    pd.concat([df.assign(table=k) for k, df in t.items()]).to_csv(HERE / "anonymeter_tables.csv.gz", index=False)
    aux = (["age", "site", "sex"], ["bmi", "dose", "grade"])
    out = {"anonymeter": "1.1.0", "aux_cols": aux, "n_rows": N, "repeats": REPEATS, "scenarios": {}}
    for name in ("copies", "half", "fresh"):
        syn = t[name]
        link = LinkabilityEvaluator(t["train"], syn, aux_cols=aux, n_attacks=N, control=t["control"]).evaluate(n_jobs=1)
        inf = InferenceEvaluator(t["train"], syn, aux_cols=["age", "bmi", "dose", "site", "sex"], secret="grade",
                                 n_attacks=N, control=t["control"]).evaluate(n_jobs=1)
        so = []
        for seed in range(REPEATS):
            ev = SinglingOutEvaluator(t["train"], syn, n_attacks=200, n_cols=3, control=t["control"], seed=seed)
            so.append(ev.evaluate(mode="multivariate").risk().value)
        lr, ir = link.results(), inf.results()
        out["scenarios"][name] = {
            "linkability": {"risk": link.risk().value, "ci": list(link.risk().ci), "n_success": int(lr.n_success),
                            "n_control": int(lr.n_control)},
            "inference_grade": {"risk": inf.risk().value, "ci": list(inf.risk().ci), "n_success": int(ir.n_success),
                                "n_control": int(ir.n_control)},
            "singling_out_runs": so,
        }
    # singling out against a SMALLER control set: anonymeter's size correction (a curve fitted on
    # subsamples of the control set) is part of the risk
    small = t["control"].iloc[:150]
    out["singling_out_small_control"] = {}
    for name in ("copies", "fresh"):
        runs = []
        for seed in range(REPEATS):
            ev = SinglingOutEvaluator(t["train"], t[name], n_attacks=200, n_cols=3, control=small, seed=seed)
            runs.append(ev.evaluate(mode="multivariate").risk().value)
        out["singling_out_small_control"][name] = runs
    # the statistics on fixed counts: (n_attacks, n_success, n_baseline, n_control)
    out["statistics"] = []
    for counts in [(500, 480, 20, 30), (500, 0, 0, 0), (500, 500, 10, 0), (200, 37, 5, 41), (1000, 260, 3, 100)]:
        r = EvaluationResults(*counts)
        risk = r.risk()
        out["statistics"].append({"counts": counts, "risk": risk.value, "ci": list(risk.ci),
                                  "attack_rate": r.attack_rate.value, "attack_error": r.attack_rate.error})
    (HERE / "anonymeter_reference.json").write_text(json.dumps(out, indent=1))
    print(json.dumps(out["scenarios"], indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
