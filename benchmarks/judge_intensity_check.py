"""Is the imaging judge's weak T1 specificity the shipped set's dimming cue? Raw vs per-image normalised inputs.

`build_shipped` rescales each slice (1-99 % percentiles) AFTER the simulator adds its bright lesion, so
every lesion image is also 8-27 % dimmer than its lesion-free slice: a cue other than the lesion. If the
judge leaned on it, a judge that cannot see global brightness — every input rescaled to median 0 and
IQR 1 per image — should tell held-out lesion-free T1 slices from lesions better. This trains the demo's
judge recipe (`imaging.judge`: 60 epochs, width 32, 80 paired simulator lesions; one member per seed)
both ways, same seeds, side by side, and reports on the held-out REAL images: sensitivity (lesions placed
in "lesion"), specificity vs the lesion-free T1 slices, and where 16 generated lesions from the shipped
generator and 16 uniform-noise images are placed.

    .venv/bin/python benchmarks/judge_intensity_check.py             # 3 seeds, ~2-3 min on 2 cores
    .venv/bin/python benchmarks/judge_intensity_check.py --seeds 1000

Writes benchmarks/results/judge_intensity_check.json.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import numpy as np

from results_file import write_results

ROOT = Path(__file__).resolve().parents[1]


def per_image_robust(images) -> np.ndarray:
    """Each image shifted to median 0 and scaled to IQR 1 (x 0.5): global brightness removed, the lesion kept."""
    a = np.asarray(images, np.float32)
    flat = a.reshape(len(a), -1)
    q1, med, q3 = np.percentile(flat, [25, 50, 75], axis=1)
    scale = np.maximum(q3 - q1, 1e-3)
    return (0.5 * (flat - med[:, None]) / scale[:, None]).reshape(a.shape).astype(np.float32)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1000, 1001, 1002])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "judge_intensity_check.json")
    args = ap.parse_args()

    import torch

    from pharmasynth.demos.imaging import demo_generator
    from pharmasynth.imaging import build_shipped
    from pharmasynth.imaging.fidelity import noise_reference, placed_in_class
    from pharmasynth.imaging.judge import judge_accuracy, paired_simulator_lesions, train_judge

    torch.set_num_threads(1)
    data = build_shipped(size=32, random_state=0)
    xtr, ytr, names, sources, _ = data["train"]
    xte, yte = data["test"][0], data["test"][1]
    rare, t1 = names.index("lesion"), names.index("brain_t1")
    generated = demo_generator().sample(16, rare, num_inference_steps=50, random_state=0)
    noise = noise_reference(16, (1, 32, 32), 0)
    inputs = {"raw": lambda a: np.asarray(a, np.float32), "per-image median/IQR": per_image_robust}
    runs = []
    for seed in args.seeds:
        px, py = paired_simulator_lesions(80, xtr, sources, random_state=seed + 5)
        x, y = np.concatenate([xtr, px]), np.concatenate([ytr, py])
        for name, f in inputs.items():
            judge = train_judge(f(x), y, len(names), n_models=1, random_state=seed)
            acc = judge_accuracy(judge, f(xte), yte, names, rare, confuser=t1)
            runs.append({"seed": seed, "inputs": name, "sensitivity": acc["sensitivity"],
                         "specificity_vs_brain_t1": acc["specificity_vs_brain_t1"], "specificity": acc["specificity"],
                         "generated_placed_in_lesion": placed_in_class(judge, f(generated), rare),
                         "noise_placed_in_lesion": placed_in_class(judge, f(noise), rare)})
            print(f"seed {seed} {name:<22} sens {acc['sensitivity']:.2f}  T1 spec "
                  f"{acc['specificity_vs_brain_t1']:.2f}  generated->lesion {runs[-1]['generated_placed_in_lesion']:.2f}"
                  f"  noise->lesion {runs[-1]['noise_placed_in_lesion']:.2f}", flush=True)
    keys = ("sensitivity", "specificity_vs_brain_t1", "generated_placed_in_lesion", "noise_placed_in_lesion")
    summary = {name: {k: statistics.median(r[k] for r in runs if r["inputs"] == name) for k in keys} for name in inputs}
    print(f"\n{'inputs (median over seeds)':<28}" + "".join(f"{k:>28}" for k in keys))
    for name, row in summary.items():
        print(f"{name:<28}" + "".join(f"{row[k]:28.2f}" for k in keys))
    write_results(args.out, {"seeds": args.seeds, "runs": runs, "median": summary,
                             "held_out": {"n_lesion": int((yte == rare).sum()), "n_brain_t1": int((yte == t1).sum())}})
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
