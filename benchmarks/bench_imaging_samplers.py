"""Which sampler gives class-like images after a short CPU run? DDIM eta 0 / 0.5 / 1 vs DDPM, as FID.

    python benchmarks/bench_imaging_samplers.py --quick                      # trains a tiny model (minutes)
    python benchmarks/bench_imaging_samplers.py --model pharmasynth/imaging/pretrained/shipped32

One generator (the shipped demo weights, a model folder, or one trained here on the shipped set's
training split), the same sampling seeds for every sampler, per class: FID of the samples to the
held-out real images on the toolkit's fixed feature extractor (a SmallCNN trained on the real
training images only, `imaging.fidelity.reference_classifier`), the real-vs-real floor at the same
sample size (training images; lesions: fresh simulator draws), the share the same real-only judge
places in the class, the mean intensity beside the held-out real one, and seconds per image. The
samplers run interleaved (class by class, A B C D A B C D) so machine load hits them alike.
Writes benchmarks/results/imaging_samplers.json; it informs the default sampler (imaging/samplers.py says
how it was chosen); "best" below is the row with the lowest mean FID ratio.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch

from pharmasynth.imaging import ConditionalDiffusion, build_shipped
from pharmasynth.imaging.fidelity import class_fidelity, reference_classifier
from pharmasynth.imaging.shipped import draw_lesions
from results_file import write_results

SAMPLERS = [("ddim", 0.0), ("ddim", 0.5), ("ddim", 1.0), ("ddpm", 1.0)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a tiny model and few samples (default: off)")
    ap.add_argument("--model", default=None, help="model folder to load (default: train one here)")
    ap.add_argument("--train-steps", type=int, default=None, help="training steps when training (default 400; 30 quick)")
    ap.add_argument("--n", type=int, default=None, help="samples per class and sampler (default 24; 6 quick)")
    ap.add_argument("--sample-steps", type=int, default=None, help="sampling steps (default 50; 10 quick)")
    ap.add_argument("--guidance-scale", type=float, default=3.0, help="CFG scale (default 3.0)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the model, samples and judge (default 0)")
    ap.add_argument("--out", default="benchmarks/results/imaging_samplers.json", help="results JSON")
    a = ap.parse_args()
    n = a.n or (6 if a.quick else 24)
    steps = a.sample_steps or (10 if a.quick else 50)
    data = build_shipped(32, random_state=0)
    xtr, ytr, names, _, _ = data["train"]
    xte, yte, _, _, _ = data["test"]
    if a.model:
        model = ConditionalDiffusion.load(a.model)
    else:
        model = ConditionalDiffusion(image_size=32, num_classes=len(names), class_names=names,
                                     channels=(8, 16, 16) if a.quick else None,
                                     train_steps=a.train_steps or (30 if a.quick else 400), random_state=a.seed)
        model.fit(xtr, ytr, progress=False)
    judge = reference_classifier(xtr, ytr, len(names), epochs=5 if a.quick else 15, random_state=a.seed)
    # the floor: real images a perfect generator could give; lesions drawn fresh from the simulator
    # on the training T1 slices (there are only a few real training lesions)
    lesion = names.index("lesion")
    extra, _, _ = draw_lesions(n, 32, "train", random_state=a.seed + 1)
    floor_x = np.concatenate([xtr[ytr != lesion], extra])
    floor_y = np.concatenate([ytr[ytr != lesion], np.full(len(extra), lesion)])
    samples = {s: ([], [], []) for s in SAMPLERS}
    for k in range(len(names)):
        for s in SAMPLERS:  # interleaved: the same class for every sampler, then the next class
            t0 = time.perf_counter()
            x = model.sample(n, k, guidance_scale=a.guidance_scale, sampler=s[0], eta=s[1],
                             num_inference_steps=steps, random_state=a.seed + 100 + k, check_intensity=False)
            samples[s][0].append(x); samples[s][1].append(np.full(n, k)); samples[s][2].append(time.perf_counter() - t0)
    rows = []
    for s, (xs, ys, secs) in samples.items():
        df = class_fidelity(judge, xte, yte, np.concatenate(xs), np.concatenate(ys), names, floor_x, floor_y,
                            training_x=xtr, random_state=a.seed)
        for r in df.to_dict("records"):
            rows.append({"sampler": s[0], "eta": s[1] if s[0] == "ddim" else None, **r,
                         "seconds_per_image": float(np.sum(secs) / (n * len(names)))})
    print(f"{'sampler':>8} {'eta':>4} {'class':>10} {'FID':>8} {'floor':>8} {'ratio':>6} {'placed':>6} "
          f"{'real pl.':>8} {'mean':>6} {'real mean':>9} {'s/img':>6}")
    for r in rows:
        print(f"{r['sampler']:>8} {r['eta'] if r['eta'] is not None else '-':>4} {r['class']:>10} {r['fid']:>8.2f} "
              f"{r['fid_real_floor']:>8.2f} {r['fid_ratio_to_floor']:>6.2f} {r['placed_in_class']:>6.2f} "
              f"{r['placed_in_class_heldout_real']:>8.2f} {r['mean_intensity']:>6.2f} "
              f"{r['mean_intensity_heldout_real']:>9.2f} {r['seconds_per_image']:>6.2f}")
    summary = {}
    for s in SAMPLERS:
        mine = [r for r in rows if r["sampler"] == s[0] and (r["eta"] == s[1] or s[0] == "ddpm")]
        summary[f"{s[0]}" + (f"_eta{s[1]}" if s[0] == "ddim" else "")] = {
            "mean_fid_ratio": float(np.mean([r["fid_ratio_to_floor"] for r in mine])),
            "mean_placed_in_class": float(np.mean([r["placed_in_class"] for r in mine]))}
    best = min(summary, key=lambda key: summary[key]["mean_fid_ratio"])
    print("mean FID ratio / placement per sampler:", {k: (round(v["mean_fid_ratio"], 2),
                                                        round(v["mean_placed_in_class"], 2)) for k, v in summary.items()})
    print("best (lowest mean FID ratio):", best)
    write_results(a.out, {"rows": rows, "summary": summary, "best": best, "quick": a.quick, "n_per_class": n,
                          "sample_steps": steps, "guidance_scale": a.guidance_scale,
                          "model": a.model or f"trained here ({model.n_steps_} steps)",
                          "model_steps": model.n_steps_, "torch": torch.__version__,
                          "machine": platform.processor() or platform.machine(),
                          "cpu_threads": torch.get_num_threads()})


if __name__ == "__main__":
    main()
