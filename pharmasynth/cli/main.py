"""pharmasynth: one command for the whole toolkit.

    pharmasynth evaluate  --real R --synthetic S [--holdout H] [--target COL] --out DIR
    pharmasynth tabular   fit | sample ...
    pharmasynth molgen    train | sample | filter | score ...
    pharmasynth imaging   train | sample | augment | evaluate ...
    pharmasynth trials    fit | sample | control-arm | analyze | simulate | design ...
    pharmasynth ehr       fit | sample | evaluate | query ...
    pharmasynth demo      --out out

Each command lives in a module of `pharmasynth.cli` that exposes `register(subparsers)`;
`--help` on any level explains the options with an example.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import sys

from .. import __version__
from ..errors import PharmasynthError
from ._common import FORMAT

# command -> (module holding register(subparsers), one-line help)
COMMANDS = {
    "evaluate": ("pharmasynth.cli.evaluate", "score synthetic tables against real ones (fidelity, utility, privacy, validity)"),
    "molgen": ("pharmasynth.cli.molgen", "generate molecules (SMILES VAE, latent diffusion) and score libraries"),
    "imaging": ("pharmasynth.cli.imaging", "class-conditional diffusion for MRI/CT and rare-class augmentation"),
    "trials": ("pharmasynth.cli.trials", "digital twins, synthetic control arms, PROCOVA and trial simulation"),
    "tabular": ("pharmasynth.cli.tabular", "synthetic tables: fit a GaussianCopula or TabularVAE, sample from it"),
    "ehr": ("pharmasynth.cli.ehr", "synthetic patient timelines: labs, comorbidities, death (fit/sample/evaluate/query)"),
    "demo": ("pharmasynth.cli.demo", "run every part on the shipped data and write reports to --out"),
}

EPILOG = """examples (on the data shipped in data/; each writes under out/):
  pharmasynth demo --out out      # every part on the shipped data, reports in out/ (--quick: smallest settings)
  pharmasynth tabular fit data/actg175/actg175.csv --out out/copula
  pharmasynth tabular sample out/copula --n 2000 --out out/synth
  pharmasynth evaluate --real data/actg175/actg175.csv --synthetic out/synth/samples.csv \\
      --weights utility=0 --out out/eval
  pharmasynth trials fit data/actg175/actg175.csv --where "arms == 0" --baseline age cd40 karnof \\
      --visits cd420 --time days --event cens --out out/twin
  pharmasynth trials analyze data/actg175/actg175.csv --treatment arms --where "arms in [0, 1]" \\
      --outcome cd420 --twin out/twin --out out/analysis

Run 'pharmasynth COMMAND --help' for each command's options and examples; --version prints the version."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pharmasynth", description="Synthetic data for pharma AI, with the evidence that it is useful, "
        "faithful, valid and private.", epilog=EPILOG, formatter_class=FORMAT)
    parser.add_argument("--version", action="version", version=f"pharmasynth {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_) in COMMANDS.items():
        importlib.import_module(module).register(sub, name=name, help=help_)
    return parser


def _leaf_parser(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.ArgumentParser:
    """The (sub)parser that owns the options of this command line: follow COMMAND / VERB words."""
    for token in argv:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs or token.startswith("-"):
            continue
        if token not in subs[0].choices:
            break
        parser = subs[0].choices[token]
    return parser


def _reject_unknown(parser: argparse.ArgumentParser, argv: list[str], extras: list[str]) -> None:
    """An unknown option is reported by the subcommand it was given to, with the closest valid names."""
    leaf = _leaf_parser(parser, argv)
    known = [opt for action in leaf._actions for opt in action.option_strings if opt.startswith("--")]
    hints = []
    for word in extras:
        if word.startswith("-"):
            close = difflib.get_close_matches(word.split("=", 1)[0], known, n=2, cutoff=0.6)
            if close:
                hints.append(f"{word}: did you mean {' or '.join(close)}?")
    message = f"unrecognized arguments: {' '.join(extras)}"
    leaf.error(message + ("".join(f"\n  {h}" for h in hints)))


def main(argv=None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args, extras = parser.parse_known_args(argv)
    if extras:
        _reject_unknown(parser, argv, extras)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from ._console import console

    try:
        with console():  # each warning once, without source lines; progress lines when not on a terminal
            return int(args.func(args) or 0)
    except PharmasynthError as exc:
        print(f"pharmasynth {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; no partial output was written.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
