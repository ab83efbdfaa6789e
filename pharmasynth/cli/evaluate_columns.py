"""Column options shared by the evaluate verbs: --id, --date-format, --code-prefix, --columns, --ignore."""

from __future__ import annotations

from ..errors import UsageError
from ._common import parse_assignments


def add_column_options(parser) -> None:
    g = parser.add_argument_group("columns")
    g.add_argument("--id", nargs="+", default=[], metavar="COL",
                   help="identifier columns: excluded from modelling and scoring (detected ones are excluded too)")
    g.add_argument("--date-format", nargs="+", default=[], metavar="COL=FORMAT",
                   help="strftime format of a date column, e.g. diagdate=%%d-%%m-%%Y (default: inferred from the values)")
    g.add_argument("--code-prefix", nargs="+", default=[], metavar="COL=N",
                   help="compare a code column at its first N characters, e.g. icd10=3 (default: exact codes)")
    g.add_argument("--columns", nargs="+", default=None, metavar="COL",
                   help="only these columns are modelled and scored (default: all)")
    g.add_argument("--ignore", nargs="+", default=[], metavar="COL", help="columns left out")


def column_options(args):
    from ..evaluation.columns import ColumnOptions

    prefixes = parse_assignments(getattr(args, "code_prefix", []), "--code-prefix", values="number")
    for col, n in prefixes.items():
        if not isinstance(n, int) or n < 1:
            raise UsageError(f"--code-prefix {col}={n}: N must be a whole number >= 1.")
    return ColumnOptions(ids=tuple(getattr(args, "id", []) or ()),
                         date_formats=parse_assignments(getattr(args, "date_format", []), "--date-format", values="text"),
                         code_prefix=prefixes,
                         columns=tuple(args.columns) if getattr(args, "columns", None) else None,
                         ignore=tuple(getattr(args, "ignore", []) or ()))
