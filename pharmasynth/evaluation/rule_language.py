"""The rules language: a small, safe expression language evaluated column-wise on a DataFrame.

    age >= 18 and age <= 90                 ranges
    cd420 >= 0                              bounds
    days <= followup_days                   inequalities between columns
    gender == "M" and pregnant == 1         a forbidden combination (kind = "forbid")
    date(visit) >= date(enrolled)           date order (date() parses a column or a literal)
    recdate >= diagdate                     date columns compare as dates (in evaluate(), or text
                                            dates whose format is read from their values)
    lastdate - regdate <= 3650              the difference of two dates is in days
    arm in [0, 1, 2, 3]                     membership;  x not in [..]
    karnof between 70 and 100               inclusive range
    hemo is null / hemo is not null         missing values

Operators: + - * /, comparisons, and, or, not, parentheses; functions date(), abs(), len().
Backticks quote a column name with spaces: `body mass` > 10. Nothing is passed to eval(): the
text is tokenised and parsed here into a small tree, and only the operations above exist.

Missing values: a comparison involving a missing value is *unknown*; a "require" rule is
violated only when it is definitely false, a "forbid" rule only when it is definitely true.
Write `x is not null and ...` to require presence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import RuleError

# ---------------------------------------------------------------------------------------------
# tokenizer
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<number>\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+(?:[eE][-+]?\d+)?)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<quoted>`[^`]+`)
  | (?P<op><=|>=|==|!=|<|>|\+|-|\*|/|\(|\)|\[|\]|,)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
""", re.VERBOSE)
KEYWORDS = {"and", "or", "not", "in", "is", "null", "true", "false", "between"}
FUNCTIONS = {"date", "abs", "len"}


@dataclass
class _Tok:
    kind: str
    text: str
    pos: int


def tokenize(expr: str) -> list[_Tok]:
    toks, pos = [], 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m:
            raise SyntaxError(f"unexpected character {expr[pos]!r} at position {pos}")
        kind = m.lastgroup
        text = m.group()
        if kind != "ws":
            if kind == "name" and text.lower() in KEYWORDS:
                kind, text = "kw", text.lower()
            toks.append(_Tok(kind, text, pos))
        pos = m.end()
    toks.append(_Tok("end", "", pos))
    return toks


# ---------------------------------------------------------------------------------------------
# parser: recursive descent into tuples ("op", ...)
class _Parser:
    def __init__(self, expr: str):
        self.expr = expr
        self.toks = tokenize(expr)
        self.i = 0

    def peek(self, kind=None, text=None):
        t = self.toks[self.i]
        return (kind is None or t.kind == kind) and (text is None or t.text == text)

    def take(self, kind=None, text=None):
        t = self.toks[self.i]
        if not self.peek(kind, text):
            want = text or kind
            got = t.text or "end of expression"
            raise SyntaxError(f"expected {want!r} at position {t.pos} but found {got!r}")
        self.i += 1
        return t

    def parse(self):
        node = self.or_()
        if not self.peek("end"):
            t = self.toks[self.i]
            raise SyntaxError(f"unexpected {t.text!r} at position {t.pos}")
        return node

    def _chain(self, operand, kind: str, ops: tuple, node):
        """Left-associative `operand (op operand)*`; `node(op, left, right)` builds each tree node."""
        tree = operand()
        while any(self.peek(kind, op) for op in ops):
            op = self.take().text
            tree = node(op, tree, operand())
        return tree

    def _prefix(self, kind: str, text: str, tag: str, operand):
        """A prefix operator, as often as it is written: `text text operand` -> (tag, (tag, operand))."""
        if self.peek(kind, text):
            self.take()
            return (tag, self._prefix(kind, text, tag, operand))
        return operand()

    def or_(self):
        return self._chain(self.and_, "kw", ("or",), lambda op, a, b: (op, a, b))

    def and_(self):
        return self._chain(self.not_, "kw", ("and",), lambda op, a, b: (op, a, b))

    def not_(self):
        return self._prefix("kw", "not", "not", self.comparison)

    def comparison(self):
        left = self.sum_()
        t = self.toks[self.i]
        if t.kind == "op" and t.text in ("<", "<=", ">", ">=", "==", "!="):
            self.take()
            return ("cmp", t.text, left, self.sum_())
        if self.peek("kw", "in"):
            self.take()
            return ("in", left, self.list_())
        if self.peek("kw", "not") and self.toks[self.i + 1].text == "in":
            self.take(); self.take()
            return ("not", ("in", left, self.list_()))
        if self.peek("kw", "is"):
            self.take()
            neg = False
            if self.peek("kw", "not"):
                self.take()
                neg = True
            self.take("kw", "null")
            node = ("isnull", left)
            return ("notnull", left) if neg else node
        if self.peek("kw", "between"):
            self.take()
            lo = self.sum_()
            self.take("kw", "and")
            hi = self.sum_()
            return ("and", ("cmp", ">=", left, lo), ("cmp", "<=", left, hi))
        return left

    def list_(self):
        self.take("op", "[")
        items = [self.atom()]
        while self.peek("op", ","):
            self.take()
            items.append(self.atom())
        self.take("op", "]")
        for it in items:
            if it[0] != "lit":
                raise SyntaxError("a list after 'in' may hold only literal values")
        return [it[1] for it in items]

    def sum_(self):
        return self._chain(self.term, "op", ("+", "-"), lambda op, a, b: ("arith", op, a, b))

    def term(self):
        return self._chain(self.unary, "op", ("*", "/"), lambda op, a, b: ("arith", op, a, b))

    def unary(self):
        return self._prefix("op", "-", "neg", self.atom)

    def atom(self):
        t = self.toks[self.i]
        if t.kind == "number":
            self.take()
            return ("lit", float(t.text))
        if t.kind == "string":
            self.take()
            return ("lit", bytes(t.text[1:-1], "utf-8").decode("unicode_escape"))
        if t.kind == "kw" and t.text in ("true", "false"):
            self.take()
            return ("lit", t.text == "true")
        if t.kind == "kw" and t.text == "null":
            self.take()
            return ("lit", None)
        if t.kind == "quoted":
            self.take()
            return ("col", t.text[1:-1])
        if t.kind == "name":
            self.take()
            if self.peek("op", "("):
                if t.text not in FUNCTIONS:
                    raise SyntaxError(f"unknown function {t.text!r} at position {t.pos}; known: {sorted(FUNCTIONS)}")
                self.take()
                arg = self.or_()
                self.take("op", ")")
                return ("call", t.text, arg)
            return ("col", t.text)
        if self.peek("op", "("):
            self.take()
            node = self.or_()
            self.take("op", ")")
            return node
        raise SyntaxError(f"unexpected {t.text or 'end of expression'!r} at position {t.pos}")


def parse(expr: str):
    return _Parser(expr).parse()


def columns_of(node) -> set[str]:
    if not isinstance(node, tuple):
        return set()
    if node[0] == "col":
        return {node[1]}
    out = set()
    for part in node[1:]:
        if isinstance(part, tuple):
            out |= columns_of(part)
    return out


# ---------------------------------------------------------------------------------------------
# evaluation: vectorised over rows, with three-valued logic (NaN = unknown)
def _values(x, n):
    if isinstance(x, pd.Series):
        return x
    if isinstance(x, np.ndarray):  # an already-evaluated row-wise result
        return pd.Series(x)
    return pd.Series([x] * n)


def _numeric_pair(a: pd.Series, b: pd.Series):
    """Compare categorical text with numbers sensibly: "1" == 1."""
    def num(s):
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            return s
        if pd.api.types.is_datetime64_any_dtype(s):
            return s
        conv = pd.to_numeric(s, errors="coerce")
        return conv if conv.notna().sum() == s.notna().sum() and s.notna().any() else None
    a_dt, b_dt = pd.api.types.is_datetime64_any_dtype(a), pd.api.types.is_datetime64_any_dtype(b)
    if a_dt != b_dt:  # a date against text: read the text as dates (a literal must be ISO)
        a, b = (a, _as_dates(b, "the other side of a date comparison")) if a_dt else \
            (_as_dates(a, "the other side of a date comparison"), b)
        return a, b
    na, nb = num(a), num(b)
    if na is not None and nb is not None:
        return na, nb
    return a.map(lambda v: None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)), \
        b.map(lambda v: None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v))


def _as_dates(s: pd.Series, what: str) -> pd.Series:
    """Text as dates in ONE format read from its values (never a per-cell guess, which swaps day
    and month silently); a value that does not parse is a RuleError."""
    from .dates import infer_date_format, parse_dates

    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    if s.notna().sum() == 0:
        return pd.to_datetime(s, errors="coerce")
    try:
        fmt = infer_date_format(s.astype(object), what)
        if fmt is None:
            raise RuleError(f"date(): {what} holds {s.dropna().iloc[0]!r}, which is not a date "
                            "(write dates as YYYY-MM-DD, DD-MM-YYYY, DD.MM.YYYY or MM/DD/YYYY).")
        return parse_dates(s, fmt.format, what, "rule").reset_index(drop=True)
    except RuleError:
        raise
    except ValueError as exc:
        raise RuleError(f"date(): {exc}") from None


def _evaluate(node, df: pd.DataFrame):
    n = len(df)
    op = node[0]
    if op == "lit":
        return node[1]
    if op == "col":
        return df[node[1]].reset_index(drop=True)
    if op == "call":
        arg = _values(_evaluate(node[2], df), n)
        if node[1] == "date":
            what = f"column {node[2][1]!r}" if node[2][0] == "col" else "a literal"
            return _as_dates(arg, what)
        if node[1] == "abs":
            return pd.to_numeric(arg, errors="coerce").abs()
        return arg.map(lambda v: np.nan if v is None or (not isinstance(v, str) and pd.isna(v)) else len(str(v)))
    if op == "neg":
        return -pd.to_numeric(_values(_evaluate(node[1], df), n), errors="coerce")
    if op == "arith":
        a, b = _values(_evaluate(node[2], df), n), _values(_evaluate(node[3], df), n)
        if node[1] == "-" and pd.api.types.is_datetime64_any_dtype(a) and pd.api.types.is_datetime64_any_dtype(b):
            return (a.reset_index(drop=True) - b.reset_index(drop=True)).dt.total_seconds() / 86_400.0
        a = pd.to_numeric(_values(_evaluate(node[2], df), n), errors="coerce")
        b = pd.to_numeric(_values(_evaluate(node[3], df), n), errors="coerce")
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b.replace(0, np.nan)}[node[1]]
    if op == "cmp":
        a, b = _values(_evaluate(node[2], df), n), _values(_evaluate(node[3], df), n)
        a, b = _numeric_pair(a, b)
        unknown = a.isna().to_numpy() | b.isna().to_numpy()
        with np.errstate(invalid="ignore"):
            try:
                res = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[node[1]]
            except TypeError as exc:
                raise RuleError(f"cannot compare {a.dtype} with {b.dtype} using {node[1]!r}: {exc}") from exc
        out = res.to_numpy(dtype=float)
        out[unknown] = np.nan
        return pd.Series(out)
    if op == "in":
        a = _values(_evaluate(node[1], df), n)
        vals = node[2]
        if all(isinstance(v, float) for v in vals):
            an = pd.to_numeric(a, errors="coerce")
            res = an.isin(vals).to_numpy(dtype=float)
        else:
            res = a.astype(str).isin([str(v) for v in vals]).to_numpy(dtype=float)
        res[a.isna().to_numpy()] = np.nan
        return pd.Series(res)
    if op in ("isnull", "notnull"):
        a = _values(_evaluate(node[1], df), n)
        isn = a.isna().to_numpy(dtype=float)
        return pd.Series(isn if op == "isnull" else 1.0 - isn)
    if op == "not":
        return pd.Series(1.0 - _bool(_evaluate(node[1], df), n))
    if op in ("and", "or"):
        a, b = _bool(_evaluate(node[1], df), n), _bool(_evaluate(node[2], df), n)
        if op == "and":  # Kleene logic: False dominates
            out = np.where((a == 0) | (b == 0), 0.0, np.where(np.isnan(a) | np.isnan(b), np.nan, 1.0))
        else:
            out = np.where((a == 1) | (b == 1), 1.0, np.where(np.isnan(a) | np.isnan(b), np.nan, 0.0))
        return pd.Series(out)
    raise RuleError(f"internal: unknown node {op!r}")


def _bool(x, n) -> np.ndarray:
    s = _values(x, n)
    if pd.api.types.is_bool_dtype(s):
        return s.to_numpy(dtype=float)
    v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
    return np.where(np.isnan(v), np.nan, (v != 0).astype(float))


def truth_values(tree, df: pd.DataFrame) -> np.ndarray:
    """A parsed expression evaluated on every row of `df`: 1.0 true, 0.0 false, NaN unknown."""
    return _bool(_evaluate(tree, df), len(df))
