"""Benchmark: how long `pharmasynth ... --help` takes, for the top level and every subcommand.

Each `--help` runs in a fresh process (`python -m pharmasynth WORDS --help`), as a user types it.
Side by side, alternating A B A B: A = the help, B = the bare interpreter (`python -c pass`), so
the table separates what pharmasynth costs from Python's own start-up. Reported per page: median
wall time of the help, median of the interpreter, and the median of the pairwise differences.
The claim it checks: every `--help` in under 1 s (the CLI imports no heavy library before it must;
tests/docs/test_cli_startup.py keeps that true without a timed test).

    python benchmarks/bench_cli_help.py --quick     # 3 runs per page
    python benchmarks/bench_cli_help.py             # 11 runs per page
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from results_file import write_results

ROOT = Path(__file__).resolve().parents[1]


def help_pages() -> list[list[str]]:
    """The words of every command with a --help: [], ["evaluate"], ["trials", "fit"], ..."""
    sys.path.insert(0, str(ROOT))
    import argparse as ap

    from pharmasynth.cli.main import build_parser

    pages = []

    def walk(parser, words):
        pages.append(words)
        for action in parser._actions:
            if isinstance(action, ap._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, [*words, name])

    walk(build_parser(), [])
    return pages


def timed(argv: list[str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 runs per page instead of --runs")
    parser.add_argument("--runs", type=int, default=11, help="runs per page (default: 11)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "cli_help.json"),
                        help="JSON results file (default: benchmarks/results/cli_help.json)")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs

    rows = []
    for words in help_pages():
        helps, bare, diffs = [], [], []
        for _ in range(runs):  # A B A B: both sides see the same machine load
            a = timed([sys.executable, "-m", "pharmasynth", *words, "--help"])
            b = timed([sys.executable, "-c", "pass"])
            helps.append(a)
            bare.append(b)
            diffs.append(a - b)
        rows.append({"command": " ".join(["pharmasynth", *words, "--help"]), "runs": runs,
                     "median_s": statistics.median(helps), "max_s": max(helps),
                     "python_start_median_s": statistics.median(bare),
                     "pharmasynth_cost_median_s": statistics.median(diffs)})

    width = max(len(r["command"]) for r in rows)
    print(f"{'command':<{width}}  median s  max s  python -c pass  pharmasynth's share (median of A-B)")
    for r in rows:
        print(f"{r['command']:<{width}}  {r['median_s']:8.3f}  {r['max_s']:5.2f}  {r['python_start_median_s']:14.3f}"
              f"  {r['pharmasynth_cost_median_s']:8.3f}")
    slowest = max(rows, key=lambda r: r["median_s"])
    verdict = "met" if slowest["median_s"] < 1.0 else "NOT met"
    print(f"\nslowest: {slowest['command']} {slowest['median_s']:.3f} s (claim: every --help under 1 s: {verdict})")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    path = write_results(args.out, {"benchmark": "cli_help", "runs_per_page": runs, "rows": rows,
                                    "slowest": slowest, "claim_under_1s": verdict == "met",
                                    "python": sys.version.split()[0], "platform": platform.platform(),
                                    "cpus": os.cpu_count(), "load_average_1min": load})
    print(f"written: {path}")


if __name__ == "__main__":
    main()
