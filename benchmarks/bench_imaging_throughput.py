"""Imaging throughput: training images/s and DDIM-50 sampling images/s at 32x32 and 64x64, and 32^3 volumes.

    python benchmarks/bench_imaging_throughput.py --quick            # CPU, small run
    python benchmarks/bench_imaging_throughput.py --device cuda --batch 256

The 3-D line (`--volume-size`, default 32; 16 with --quick) uses `spatial_dims=3` with the 3-D defaults
(`imaging.unet.tuned_settings`). Times the public API: `ConditionalDiffusion(train_steps=...).fit` (everything a training step
does: noise, forward, backward, AdamW, EMA, and AMP on a GPU) and `sample` (DDIM with
classifier-free guidance). Model sized like the library's defaults (channels (32, 64, 64),
attention at the lowest level). Reports the median of repeats, peak RSS (and peak GPU memory on
CUDA); writes benchmarks/results/imaging_throughput.json. Targets on one H100 at 64x64: >= 3,000
training images/s and 1,000 DDIM-50 samples in < 10 s.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from pharmasynth.imaging import ConditionalDiffusion
from results_file import write_results


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench(size, device, batch, train_steps, n_samples, ddim_steps, repeats, spatial_dims=2):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (batch, 1) + (size,) * spatial_dims).astype(np.float32)
    y = rng.integers(0, 3, batch)
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()

    def model(steps):
        return ConditionalDiffusion(image_size=size, num_classes=3, batch_size=batch, train_steps=steps,
                                    device=device, spatial_dims=spatial_dims, random_state=0)

    m = model(1).fit(x, y, progress=False)  # warm-up (allocations, kernel selection)
    train_rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        model(train_steps).fit(x, y, progress=False)  # ends with a weights hash: synchronised
        train_rates.append(train_steps * batch / (time.perf_counter() - t0))
    m.sample(2, 0, num_inference_steps=2, random_state=0, check_intensity=False)
    sample_rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        m.sample(n_samples, 0, guidance_scale=3.0, num_inference_steps=ddim_steps, batch_size=n_samples,
                 random_state=0, check_intensity=False)  # returns host arrays: synchronised
        sample_rates.append(n_samples / (time.perf_counter() - t0))
    row = {"size": size if spatial_dims == 2 else f"{size}^3", "device": device, "batch": batch, "train_steps": train_steps, "repeats": repeats,
           "train_images_per_s": statistics.median(train_rates), "n_samples": n_samples,
           "ddim_steps": ddim_steps, "sample_images_per_s": statistics.median(sample_rates),
           "seconds_per_1000_samples": 1000 / statistics.median(sample_rates),
           "peak_rss_mb": peak_rss_mb(), "params": sum(p.numel() for p in m.network_.parameters())}
    if device.startswith("cuda"):
        row["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="few steps and samples (a CPU smoke run)")
    ap.add_argument("--device", default="cpu", help="torch device (cpu, cuda, cuda:1, ...)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[32, 64])
    ap.add_argument("--batch", type=int, default=None, help="training batch (default 16 CPU, 256 CUDA)")
    ap.add_argument("--repeats", type=int, default=3, help="timed repeats (default 3; 1 with --quick)")
    ap.add_argument("--volume-size", type=int, default=None,
                    help="side of the 3-D patch line (default 32; 16 with --quick; 0 = no 3-D line)")
    ap.add_argument("--out", default="benchmarks/results/imaging_throughput.json")
    a = ap.parse_args()
    cuda = a.device.startswith("cuda")
    batch = a.batch or (256 if cuda else 16)
    train_steps = 3 if a.quick else (50 if cuda else 10)
    n_samples = (1000 if cuda else 16) if not a.quick else (64 if cuda else 4)
    ddim_steps = 50 if not a.quick else 10
    repeats = 1 if a.quick else a.repeats
    rows = [bench(s, a.device, batch, train_steps, n_samples, ddim_steps, repeats) for s in a.sizes]
    vol = a.volume_size if a.volume_size is not None else (16 if a.quick else 32)
    if vol:  # volumes: a smaller batch (a 32^3 patch has 32x the voxels of a 32x32 slice)
        rows.append(bench(vol, a.device, max(2, batch // 8), train_steps, max(2, n_samples // 8), ddim_steps,
                          repeats, spatial_dims=3))
    print(f"{'size':>5} {'device':>6} {'batch':>5} {'train img/s':>12} {'DDIM steps':>10} {'sample img/s':>12}"
          f" {'s/1000 samples':>14} {'peak RSS MB':>11} {'peak GPU MB':>11}")
    for r in rows:
        print(f"{r['size']:>5} {r['device']:>6} {r['batch']:>5} {r['train_images_per_s']:>12.1f} "
              f"{r['ddim_steps']:>10} {r['sample_images_per_s']:>12.2f} {r['seconds_per_1000_samples']:>14.1f}"
              f" {r['peak_rss_mb']:>11.0f} {r.get('peak_gpu_mb', float('nan')):>11.0f}")
    try:
        load = open("/proc/loadavg").read().split()[:3]
    except OSError:
        load = None
    result = {"rows": rows, "quick": a.quick, "torch": torch.__version__,
              "machine": platform.processor() or platform.machine(), "cpu_threads": torch.get_num_threads(),
              "loadavg": load, "targets_h100_64px": {"train_images_per_s": 3000, "seconds_per_1000_samples": 10}}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    write_results(a.out, result)

if __name__ == "__main__":
    main()
