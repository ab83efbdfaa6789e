"""`pharmasynth demo`: every part of the toolkit on the shipped data, reports in --out."""

from __future__ import annotations

import time
import traceback
from pathlib import Path

from ._common import FORMAT

DESCRIPTION = """Run every part of the toolkit on the data shipped in data/ and write the reports to --out:

  OUT/report.html, OUT/report.json   the shared evaluation core on ACTG 175 synthetic patients (--calibrate)
  OUT/trials/                        digital twin, PROCOVA analysis of ACTG 175, GBSG2 survival analyses,
                                     trial simulation, a 3-look survival design from the twin (design/)
  OUT/molgen/                        SMILES VAE + latent diffusion, filtered and scored library
  OUT/imaging/                       rare-class augmentation with a conditional diffusion model
  OUT/ehr/                           synthetic NAFLD patient timelines: incidence curves, query battery
  OUT/demo_summary.json              each part's status, time and headline figures

One part failing does not lose the others' reports; the exit code is 1 if any failed."""


def _run(args) -> int:
    from .._util.atomic import atomic_write_json
    from ..demos import PARTS, part_dir, run_part

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary = {}
    for part in PARTS:
        if args.only and part not in args.only:
            continue
        print(f"== pharmasynth demo: {part} -> {part_dir(out, part)}", flush=True)
        t0 = time.perf_counter()
        try:
            result, status = run_part(part, out, random_state=args.seed, quick=args.quick), "ok"
        except Exception as exc:  # one part failing must not lose the other parts' reports
            traceback.print_exc()
            result, status = {"error": f"{type(exc).__name__}: {exc}"}, "failed"
        summary[part] = {"status": status, "seconds": round(time.perf_counter() - t0, 1), **result}
        print(f"   {status} in {summary[part]['seconds']} s", flush=True)
    atomic_write_json(out / "demo_summary.json", summary)
    failed = [k for k, v in summary.items() if v["status"] != "ok"]
    if failed:
        print(f"demo parts that failed: {', '.join(failed)} (see above); the others' reports are in {out}")
    return 1 if failed else 0


def register(subparsers, name="demo", help=None):
    from ..demos import PARTS

    p = subparsers.add_parser(name, help=help, description=DESCRIPTION,
                              formatter_class=FORMAT)
    p.add_argument("--out", default="out", metavar="DIR", help="output folder (default: out)")
    p.add_argument("--only", nargs="+", choices=PARTS, help="run only these parts")
    p.add_argument("--seed", type=int, default=0, help="random_state for every part (default: 0)")
    p.add_argument("--quick", action="store_true", help="smallest settings (seconds, for smoke tests)")
    p.set_defaults(func=_run)
    return p
