"""What several verbs need: command groups, COL=VALUE options, input tables, `--where` filters,
model folders, CSV line numbers in errors."""

from __future__ import annotations

import argparse
import functools
import re
from contextlib import contextmanager

from ..errors import UsageError


def _auto_number(text: str):
    try:
        f = float(text)
    except ValueError:
        return text
    return int(f) if f.is_integer() else f


def parse_assignments(items, option: str, values: str = "auto") -> dict:
    """["race=1", "arm=control"] -> {"race": 1, "arm": "control"}.

    values: "auto" (numbers where they look like numbers, else text), "number" (must be numbers)
    or "text" (kept as written).
    """
    out = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{option} expects NAME=VALUE, got {item!r}.")
        if values == "text":
            value = text
        else:
            value = _auto_number(text)
            if values == "number" and isinstance(value, str):
                raise UsageError(f"{option} {item!r}: {text!r} is not a number.")
        out[key.strip()] = value
    return out


def read_input_table(path, role: str):
    """A CSV (optionally gzipped) or Parquet table, with errors that name the file."""
    from ..evaluation.tabular import read_table

    return read_table(path, role=role)


def filter_rows(df, expr: str | None, path):
    """Rows of `df` where the rules-language expression `expr` holds (all rows when expr is None)."""
    if not expr:
        return df
    from ..errors import DataError, RuleError
    from ..evaluation.rules import RuleSet

    try:
        mask = RuleSet([expr]).valid_mask(df)
    except RuleError as exc:
        raise RuleError(f"--where {expr!r} on {path}: {exc}") from None
    out = df[mask]
    if len(out) == 0:
        raise DataError(f"--where {expr!r} keeps no row of {path}.")
    out.attrs = dict(df.attrs)
    return out


def model_folder(path) -> str:
    """The saved-model folder a user means: `path` itself, or `path/model` when `path` is the --out
    folder of a fit verb (which writes the model to OUT/model beside fit.json and the report)."""
    from pathlib import Path

    folder = Path(path)
    if not (folder / "config.json").is_file() and (folder / "model" / "config.json").is_file():
        return str(folder / "model")
    return str(path)


def model_class(folder, written_by: str) -> str:
    """The class name a saved model folder holds, with an error that says which command writes one."""
    from .._util.serialization import read_config
    from ..errors import CheckpointError

    try:
        return read_config(model_folder(folder)).get("class", "")
    except CheckpointError as exc:
        raise CheckpointError(f"{exc} Give a model folder written by `{written_by}` (its --out folder, "
                              "or the model/ folder inside it).") from None


def _no_default(value) -> bool:
    # identity, not ==: a default of 0 is a default worth showing (0 == False)
    return value is None or value is False or value is argparse.SUPPRESS or (isinstance(value, list) and not value)


# One placeholder per meaning across every subcommand (an explicit metavar= still wins):
# `--out DIR`, `--seed N`, `--n N`, `--scheduler ADDR`, counts are N, input files FILE.
PLACEHOLDERS = {"out": "DIR", "twin": "DIR", "vae": "DIR", "scheduler": "ADDR", "client": "ADDR",
                "device": "DEVICE", "where": "EXPR", "historical_where": "EXPR",
                **dict.fromkeys(("time", "event", "id", "target", "outcome", "treatment", "column", "covariates",
                                 "strata", "score", "visit", "baseline", "visits", "columns", "ignore"), "COL")}
_FILE_OPTIONS = re.compile(
    r"(^|_)(file|table|design|pool|holdout|real|synthetic|rules|reference|test|scaffolds|split)$")


def placeholder(action) -> str | None:
    """The shared placeholder for an option without its own metavar (None: argparse's default)."""
    dest = action.dest
    if dest in PLACEHOLDERS:
        text = (action.help or "").lower()
        if dest == "out" and not re.search(r"folder|director", text) and re.search(r"\bfile\b|\.[a-z]{2,7}\b", text):
            return "FILE"  # `--out hits.csv`: a file, not a folder
        return PLACEHOLDERS[dest]
    if action.type is int and action.choices is None:
        return "N"
    if action.type in (None, str) and _FILE_OPTIONS.search(dest) and action.choices is None:
        return "FILE"
    return None


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and examples as written, every option's default shown (unless its help
    already states it) and one placeholder per meaning (`--out DIR`, `--seed N`): a user should
    never have to read the code to learn a default."""

    def _get_default_metavar_for_optional(self, action):
        return placeholder(action) or super()._get_default_metavar_for_optional(action)

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if (_no_default(default) or "default" in text.lower()
                or not action.option_strings or isinstance(action, argparse._HelpAction)):
            return text
        shown = " ".join(map(str, default)) if isinstance(default, (list, tuple)) else default
        return f"{text} (default: {shown})".strip() if text else f"(default: {shown})"

    def _format_action(self, action):
        if not action.help and action.option_strings and not _no_default(action.default):
            import copy

            action = copy.copy(action)  # argparse skips options without help: give them their default
            action.help = " "
            action.help = self._get_help_string(action).strip()
        return super()._format_action(action)


FORMAT = HelpFormatter


def verb_group(subparsers, name: str, help, description: str, epilog: str):
    """A command with verbs (`pharmasynth NAME VERB ...`) -> (its parser, its verbs' sub-parsers).
    The command alone prints its help."""
    p = subparsers.add_parser(name, help=help, description=description, epilog=epilog, formatter_class=FORMAT)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
    return p, p.add_subparsers(dest=f"{name}_command", metavar="VERB")


_NAMES_A_LINE = re.compile(r"\bline \d")


def with_csv_lines(fn):
    """Errors that name a row also give the CSV line: rows are labelled 0, 1, ... as read."""
    from ..errors import PharmasynthError

    @functools.wraps(fn)
    def run(args):
        try:
            return fn(args)
        except PharmasynthError as exc:
            # "baseline" contains "line": only a message that already names a line number is left alone
            if " row " in str(exc) and not _NAMES_A_LINE.search(str(exc)):
                raise type(exc)(f"{exc} (row N of an input CSV is its line N + 2)") from exc
            raise
    return run


@contextmanager
def naming_file(path):
    """Errors raised inside name the input file they come from."""
    from ..errors import PharmasynthError

    try:
        yield
    except PharmasynthError as exc:
        raise type(exc)(f"{path}: {exc}") from exc


def load_twin_folder(path):
    """The saved twin in `path` (a DigitalTwin or LinearGaussianTwin), with errors that say which command
    writes one. `path` may be the model folder (OUT/model) or the `trials fit --out` folder itself."""
    from ..trials import load_twin

    model_class(path, "pharmasynth trials fit")
    return load_twin(model_folder(path))
