"""`pharmasynth demo`: every part of the toolkit on the shipped data, reports in --out."""

from __future__ import annotations

import time
import traceback
from pathlib import Path

from ._common import FORMAT

DESCRIPTION = """Run every part of the toolkit on the data shipped in data/ and write the reports to --out:

  OUT/index.html                     one page: every part's answer, key numbers and links to its reports
  OUT/report.html, OUT/report.json   the shared evaluation core on ACTG 175 synthetic patients (--calibrate)
  OUT/trials/                        digital twin, PROCOVA analysis of ACTG 175, GBSG2 survival analyses,
                                     trial simulation, a 3-look survival design from the twin (design/)
  OUT/molgen/                        SMILES VAE + latent diffusion, filtered and scored library
  OUT/imaging/                       rare-class augmentation with a conditional diffusion model
  OUT/ehr/                           synthetic NAFLD patient timelines: incidence curves, query battery
  OUT/demo_summary.json              each part's status, time and headline figures

The console ends with a table of parts, headline numbers and report paths. Warnings are printed
once each; when the output is not a terminal, long steps log a progress line every 10 s
(PHARMASYNTH_PROGRESS_INTERVAL). One part failing does not lose the others' reports; the exit
code is 1 if any failed."""

EPILOG = """examples:
  pharmasynth demo --out out
  pharmasynth demo --only ehr trials --quick --out out/quick"""


def run_demo_parts(out: Path, parts, random_state: int = 0, quick: bool = False, train: bool = False) -> dict:
    """Run each part into `out` (a failure is recorded, the others go on); part -> its figures + status, seconds."""
    from ..demos import part_dir, run_part

    summary = {}
    for part in parts:
        print(f"== pharmasynth demo: {part} -> {part_dir(out, part)}", flush=True)
        t0 = time.perf_counter()
        try:
            result, status = run_part(part, out, random_state=random_state, quick=quick, train=train), "ok"
        except Exception as exc:  # one part failing must not lose the other parts' reports
            traceback.print_exc()
            result, status = {"error": f"{type(exc).__name__}: {exc}"}, "failed"
        summary[part] = {"status": status, "seconds": round(time.perf_counter() - t0, 1), **result}
        print(f"   {status} in {summary[part]['seconds']} s", flush=True)
    return summary


def _run(args) -> int:
    from .._util.atomic import atomic_write_json
    from ..demos import PARTS
    from ..demos.index_page import collect, summary_rows, write_index
    from ._console import console, text_table

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with console():
        summary = run_demo_parts(out, [p for p in PARTS if not args.only or p in args.only], args.seed, args.quick,
                                 args.train)
        entries = collect(out, summary)
        index = write_index(out, entries)
    atomic_write_json(out / "demo_summary.json", {**summary, "index": str(index)})
    print("\n" + text_table(summary_rows(entries, out), ["part", "status", "time", "headline", "report"]))
    print(f"\nall reports: {index}   figures as data: {out / 'demo_summary.json'}")
    failed = [k for k, v in summary.items() if v["status"] != "ok"]
    if failed:
        print(f"demo parts that failed: {', '.join(failed)} (see above); the others' reports are in {out}")
    return 1 if failed else 0


def register(subparsers, name="demo", help=None):
    from ..demos import PARTS

    p = subparsers.add_parser(name, help=help, description=DESCRIPTION, epilog=EPILOG,
                              formatter_class=FORMAT)
    p.add_argument("--out", default="out", metavar="DIR", help="output folder (default: out)")
    p.add_argument("--only", nargs="+", choices=PARTS, metavar="PART",
                   help=f"run only these parts, of: {', '.join(PARTS)} (default: all)")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="random_state for every part (default: 0)")
    p.add_argument("--quick", action="store_true", help="smallest settings (seconds, for smoke tests)")
    p.add_argument("--train", action="store_true",
                   help="molgen and imaging: train the generators on the demo data instead of sampling the weights "
                        "shipped in the package (slow on a CPU: imaging ~1 h on one thread)")
    p.set_defaults(func=_run)
    return p
