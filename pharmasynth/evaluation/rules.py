"""Validity rules: `Rule` (one expression of `rule_language`, required or forbidden), `RuleSet`
(from strings, dicts or a TOML/YAML file) and the rule metrics (violation rate per rule, each
rule also checked on the real data).

    [[rules]]
    name = "adult"
    require = "age between 18 and 90"
    [[rules]]
    name = "no_pregnant_men"
    forbid = 'sex == "M" and pregnant == 1'
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import RuleError, RuleWarning
from .metric import MetricResult, metric, wilson_interval
from .rule_language import columns_of, parse, truth_values


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
        res = truth_values(self.tree, df)
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
            ci = wilson_interval(int(v_syn[r.name].sum()), n)  # Wald collapses to [0, 0] at 0 of n
            bad_rows = np.flatnonzero(v_syn[r.name].to_numpy())[:n_examples]
            examples = synthetic.reset_index(drop=True).iloc[bad_rows][sorted(r.columns)]
            note = f"{r.kind} {r.expr!r}; violated by {rate_s:.2%} of synthetic rows; Wilson CI"
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
                m = dataclasses.replace(m, score=None)
            out.append(m)
        if self.rules:
            n_ok = int((~v_syn.to_numpy().any(axis=1)).sum())
            out.append(metric("rows_valid", "validity", n_ok / len(synthetic), direction="higher", bounds=(0.0, 1.0),
                              ci=wilson_interval(n_ok, len(synthetic)),
                              notes="share of synthetic rows that satisfy every rule; Wilson CI"))
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
