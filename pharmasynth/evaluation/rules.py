"""Validity rules: a small, safe expression language evaluated column-wise on a DataFrame.

    age >= 18 and age <= 90                 ranges
    cd420 >= 0                              bounds
    days <= followup_days                   inequalities between columns
    gender == "M" and pregnant == 1         a forbidden combination (kind = "forbid")
    date(visit) >= date(enrolled)           date order (date() parses a column or a literal)
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
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import RuleError, RuleWarning
from .metric import MetricResult, metric

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

    def or_(self):
        node = self.and_()
        while self.peek("kw", "or"):
            self.take()
            node = ("or", node, self.and_())
        return node

    def and_(self):
        node = self.not_()
        while self.peek("kw", "and"):
            self.take()
            node = ("and", node, self.not_())
        return node

    def not_(self):
        if self.peek("kw", "not"):
            self.take()
            return ("not", self.not_())
        return self.comparison()

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
        node = self.term()
        while self.peek("op", "+") or self.peek("op", "-"):
            op = self.take().text
            node = ("arith", op, node, self.term())
        return node

    def term(self):
        node = self.unary()
        while self.peek("op", "*") or self.peek("op", "/"):
            op = self.take().text
            node = ("arith", op, node, self.unary())
        return node

    def unary(self):
        if self.peek("op", "-"):
            self.take()
            return ("neg", self.unary())
        return self.atom()

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
    na, nb = num(a), num(b)
    if na is not None and nb is not None:
        return na, nb
    return a.map(lambda v: None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)), \
        b.map(lambda v: None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v))


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
            return pd.to_datetime(arg, errors="coerce", format="mixed")
        if node[1] == "abs":
            return pd.to_numeric(arg, errors="coerce").abs()
        return arg.map(lambda v: np.nan if v is None or (not isinstance(v, str) and pd.isna(v)) else len(str(v)))
    if op == "neg":
        return -pd.to_numeric(_values(_evaluate(node[1], df), n), errors="coerce")
    if op == "arith":
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


# ---------------------------------------------------------------------------------------------
@dataclass
class Rule:
    """One rule. kind="require": must hold on every row; kind="forbid": must never hold."""

    name: str
    expr: str
    kind: str = "require"
    description: str = ""
    source: str = ""
    tree: tuple = field(init=False, repr=False)

    def __post_init__(self):
        if self.kind not in ("require", "forbid"):
            raise RuleError(f"rule {self.name!r}{self._where()}: kind={self.kind!r} must be 'require' or 'forbid'.")
        if not isinstance(self.expr, str) or not self.expr.strip():
            raise RuleError(f"rule {self.name!r}{self._where()}: empty expression.")
        try:
            self.tree = parse(self.expr)
        except SyntaxError as exc:
            raise RuleError(f"rule {self.name!r}{self._where()}: cannot parse {self.expr!r}: {exc}") from None

    def _where(self):
        return f" in {self.source}" if self.source else ""

    @property
    def columns(self) -> set[str]:
        return columns_of(self.tree)

    def violations(self, df: pd.DataFrame) -> np.ndarray:
        """Boolean array, True where the row breaks the rule (unknown never counts)."""
        res = _bool(_evaluate(self.tree, df), len(df))
        return (res == 0) if self.kind == "require" else (res == 1)


class RuleSet:
    """An ordered set of rules; build from strings, `Rule`s, a dict or a TOML/YAML file."""

    def __init__(self, rules=()):
        self.rules: list[Rule] = []
        for i, r in enumerate(rules):
            if isinstance(r, str):
                r = Rule(name=f"rule_{i + 1}", expr=r)
            elif isinstance(r, dict):
                r = _rule_from_dict(r, i, "")
            if not isinstance(r, Rule):
                raise RuleError(f"rule #{i + 1}: expected a string, dict or Rule, got {type(r).__name__}.")
            self.rules.append(r)
        names = [r.name for r in self.rules]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise RuleError(f"rule names must be unique; repeated: {dup}")

    def __len__(self):
        return len(self.rules)

    def __iter__(self):
        return iter(self.rules)

    @classmethod
    def from_dict(cls, d: dict, source: str = "") -> "RuleSet":
        """`{"rules": [{"name": .., "require"|"forbid": "expr", "description": ..}, ...]}` or `{name: expr}`."""
        where = f" in {source}" if source else ""
        if not isinstance(d, dict):
            raise RuleError(f"rules{where}: expected a mapping at the top level.")
        items = d.get("rules", d.get("rule"))
        if items is None:
            items = [{"name": k, "require": v} for k, v in d.items()]
        if isinstance(items, dict):
            items = [{"name": k, **(v if isinstance(v, dict) else {"require": v})} for k, v in items.items()]
        return cls([_rule_from_dict(it, i, source) for i, it in enumerate(items)])

    @classmethod
    def from_file(cls, path) -> "RuleSet":
        path = Path(path)
        if not path.is_file():
            raise RuleError(f"rules file {path}: does not exist.")
        text = path.read_text(encoding="utf-8")
        suffix = path.suffix.lower()
        try:
            if suffix == ".toml":
                try:
                    import tomllib
                except ModuleNotFoundError:  # Python 3.10
                    import tomli as tomllib
                data = tomllib.loads(text)
            elif suffix in (".yaml", ".yml"):
                import yaml

                data = yaml.safe_load(text)
            else:
                raise RuleError(f"rules file {path}: unknown format {suffix!r}; use .toml, .yaml or .yml.")
        except RuleError:
            raise
        except Exception as exc:  # tomllib / yaml parse errors carry line numbers in their text
            raise RuleError(f"rules file {path}: malformed {suffix[1:].upper()}: {exc}") from None
        if data is None:
            raise RuleError(f"rules file {path}: is empty.")
        return cls.from_dict(data, source=str(path))

    def check_columns(self, columns) -> None:
        cols = set(columns)
        for r in self.rules:
            missing = sorted(r.columns - cols)
            if missing:
                raise RuleError(f"rule {r.name!r}{r._where()} names unknown column(s) {missing}; "
                                f"the table has {sorted(cols)}.")

    def violations(self, df: pd.DataFrame) -> pd.DataFrame:
        """Boolean DataFrame, rows x rule names, True = violated."""
        self.check_columns(df.columns)
        df = df.reset_index(drop=True)
        return pd.DataFrame({r.name: r.violations(df) for r in self.rules}, index=range(len(df)))

    def valid_mask(self, df: pd.DataFrame) -> np.ndarray:
        """True where every rule holds."""
        if not self.rules:
            return np.ones(len(df), dtype=bool)
        return ~self.violations(df).to_numpy().any(axis=1)

    def metrics(self, real: pd.DataFrame, synthetic: pd.DataFrame, n_examples: int = 5) -> list[MetricResult]:
        """Violation rate per rule on the synthetic data; each rule is also checked on the real data.

        A rule that the real data break is flagged (RuleWarning, note) rather than trusted: the
        synthetic data cannot be blamed for reproducing what the real data do.
        """
        self.check_columns(real.columns)
        self.check_columns(synthetic.columns)
        v_real, v_syn = self.violations(real), self.violations(synthetic)
        out = []
        for r in self.rules:
            rate_r, rate_s = float(v_real[r.name].mean()), float(v_syn[r.name].mean())
            n = len(synthetic)
            se = np.sqrt(max(rate_s * (1 - rate_s), 1e-12) / n)
            ci = (max(0.0, rate_s - 1.96 * se), min(1.0, rate_s + 1.96 * se))
            bad_rows = np.flatnonzero(v_syn[r.name].to_numpy())[:n_examples]
            examples = synthetic.reset_index(drop=True).iloc[bad_rows][sorted(r.columns)]
            note = f"{r.kind} {r.expr!r}; violated by {rate_s:.2%} of synthetic rows"
            if rate_r > 0:
                note += (f"; ALSO broken by {rate_r:.2%} of REAL rows, so this rule is reported, not trusted "
                         "(check the rule or the real data)")
                warnings.warn(f"rule {r.name!r} ({r.expr!r}) is broken by {rate_r:.2%} of the real rows; "
                              "it is reported but excluded from the validity score. Fix the rule or the data.",
                              RuleWarning, stacklevel=2)
            m = metric(f"rule:{r.name}", "validity", rate_s, direction="lower", bounds=(0.0, 1.0), ci=ci,
                       notes=note, details={"real_violation_rate": rate_r, "expr": r.expr, "kind": r.kind,
                                            "example_rows": examples.astype(object).where(examples.notna(), None)
                                            .assign(row=bad_rows).to_dict(orient="records")})
            if rate_r > 0:
                m = MetricResult(**{**m.__dict__, "score": None})
            out.append(m)
        if self.rules:
            all_ok = 1.0 - float(v_syn.to_numpy().any(axis=1).mean())
            out.append(metric("rows_valid", "validity", all_ok, direction="higher", bounds=(0.0, 1.0),
                              notes="share of synthetic rows that satisfy every rule"))
        return out


def _rule_from_dict(d, i, source) -> Rule:
    where = f" in {source}" if source else ""
    if not isinstance(d, dict):
        raise RuleError(f"rule #{i + 1}{where}: expected a table with name and require/forbid, got {d!r}.")
    name = str(d.get("name", f"rule_{i + 1}"))
    kinds = [k for k in ("require", "forbid") if k in d]
    if len(kinds) != 1:
        raise RuleError(f"rule {name!r}{where}: give exactly one of 'require' or 'forbid' (got keys {sorted(d)}).")
    unknown = set(d) - {"name", "require", "forbid", "description"}
    if unknown:
        raise RuleError(f"rule {name!r}{where}: unknown key(s) {sorted(unknown)}.")
    return Rule(name=name, expr=d[kinds[0]], kind=kinds[0], description=str(d.get("description", "")), source=source)


def as_ruleset(rules) -> RuleSet | None:
    """None, a RuleSet, a path, a dict or a list of strings/Rules -> RuleSet."""
    if rules is None:
        return None
    if isinstance(rules, RuleSet):
        return rules
    if isinstance(rules, (str, Path)):
        return RuleSet.from_file(rules)
    if isinstance(rules, dict):
        return RuleSet.from_dict(rules)
    return RuleSet(list(rules))
