"""`pharmasynth demo`: every part of the toolkit on the data shipped in data/, reports in --out.

    out/report.html, out/report.json    the shared evaluation core on ACTG 175 synthetic patients
    out/trials/                         digital twin, PROCOVA analysis of ACTG 175
    out/molgen/                         SMILES VAE + latent diffusion, filtered and scored library
    out/imaging/                        rare-class augmentation with a conditional diffusion model

Each subpackage's demo is `pharmasynth.<sub>.demo.run_demo(out_dir, random_state=0, quick=False)`.
"""

from __future__ import annotations

import importlib
import time
import traceback
from pathlib import Path

from ._util.atomic import atomic_write_json

PARTS = [
    ("evaluation", "pharmasynth.evaluation.demo"),
    ("trials", "pharmasynth.trials.demo"),
    ("molgen", "pharmasynth.molgen.demo"),
    ("imaging", "pharmasynth.imaging.demo"),
]


def run(out_dir="out", parts=None, random_state: int = 0, quick: bool = False) -> dict:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = {}
    for name, module in PARTS:
        if parts and name not in parts:
            continue
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        target = out_dir if name == "evaluation" else out_dir / name
        print(f"== pharmasynth demo: {name} -> {target}", flush=True)
        t0 = time.perf_counter()
        try:
            result = mod.run_demo(target, random_state=random_state, quick=quick)
            status = "ok"
        except Exception as exc:  # one part failing must not lose the other parts' reports
            traceback.print_exc()
            result, status = {"error": f"{type(exc).__name__}: {exc}"}, "failed"
        summary[name] = {"status": status, "seconds": round(time.perf_counter() - t0, 1), **(result or {})}
        print(f"   {status} in {summary[name]['seconds']} s", flush=True)
    atomic_write_json(out_dir / "demo_summary.json", summary)
    return summary


def register(subparsers, name="demo", help=None):
    p = subparsers.add_parser(name, help=help, description=__doc__,
                              formatter_class=__import__("argparse").RawDescriptionHelpFormatter)
    p.add_argument("--out", default="out", help="output folder (default: out)")
    p.add_argument("--only", nargs="+", choices=[n for n, _ in PARTS], help="run only these parts")
    p.add_argument("--seed", type=int, default=0, help="random_state for every part (default: 0)")
    p.add_argument("--quick", action="store_true", help="smallest settings (seconds, for smoke tests)")
    def _run(a):
        summary = run(a.out, a.only, a.seed, a.quick)
        failed = [k for k, v in summary.items() if v.get("status") != "ok"]
        if failed:
            print(f"demo parts that failed: {', '.join(failed)} (see above); the others' reports are in {a.out}")
        return 1 if failed else 0
    p.set_defaults(func=_run)
    return p
