"""A chemist's objective: components (QED, SA, property windows, similarity to leads, SMARTS, alerts, any
RDKit descriptor), each transformed to a desirability in [0, 1] and weighted, aggregated by a weighted
geometric or arithmetic mean — REINVENT's scoring file, as TOML or Python.

    # objective.toml
    name = "soluble analogues of the lead"
    aggregation = "geometric"            # or "arithmetic"

    [[component]]
    type = "similarity"
    smiles = ["CC(=O)Nc1ccc(O)cc1"]
    fingerprint = "ECFP4"
    weight = 2

    [[component]]
    type = "mw"
    transform = { type = "double_sigmoid", low = 200, high = 450, coef_div = 500, coef_si = 20, coef_se = 20 }

    objective = Objective.from_toml("objective.toml")
    table = objective.score(smiles)      # smiles, valid, total, <component>, <component>_raw, call

The budget is counted as in PMO (Gao et al. 2022): one call per *unique* valid molecule (canonical
SMILES); a repeated molecule comes from the cache and is not counted again, an invalid SMILES scores
0, is counted in `n_invalid_` and does not use the budget.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, RuleError
from .io import quiet_rdkit
from .objective_components import Component
from .objective_transforms import Transform

AGGREGATIONS = ("geometric", "arithmetic")
TOP_KEYS = ("name", "aggregation", "component")
COMPONENT_KEYS = ("type", "name", "weight", "transform")


class Objective:
    """Weighted components -> a total in [0, 1]; `score(smiles)` counts calls and caches molecules."""

    def __init__(self, components, aggregation: str = "geometric", name: str = "objective"):
        if aggregation not in AGGREGATIONS:
            raise ValueError(f"aggregation must be one of {AGGREGATIONS}, got {aggregation!r}.")
        components = list(components)
        if not components:
            raise ValueError("an objective needs at least one component.")
        seen = {}
        for c in components:  # unique column names: qed, qed_2, ...
            n = seen[c.name] = seen.get(c.name, 0) + 1
            if n > 1:
                c.name = f"{c.name}_{n}"
        self.components, self.aggregation, self.name = components, aggregation, name
        self._weights = np.array([c.weight for c in components], float)
        self.reset()

    # ---- construction ---------------------------------------------------------------------------
    @classmethod
    def from_toml(cls, path) -> "Objective":
        """Read and check a scoring file; every error names the file, the component and the key."""
        import tomllib

        path = Path(path)
        try:
            cfg = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RuleError(f"{path}: no such objective file.") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise RuleError(f"{path}: malformed TOML ({exc}).") from None
        return cls.from_dict(cfg, source=str(path))

    @classmethod
    def from_dict(cls, cfg: dict, source: str = "objective") -> "Objective":
        extra = [k for k in cfg if k not in TOP_KEYS]
        if extra:
            raise RuleError(f"{source}: unknown top-level key {extra[0]!r}{_close(extra[0], TOP_KEYS)}; "
                            f"known: {', '.join(TOP_KEYS)} ([[component]] tables).")
        entries = cfg.get("component")
        if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
            raise RuleError(f"{source}: no components; add at least one [[component]] table with a `type`.")
        aggregation = cfg.get("aggregation", "geometric")
        if aggregation not in AGGREGATIONS:
            raise RuleError(f"{source}: key 'aggregation': {aggregation!r} is not one of {', '.join(AGGREGATIONS)}.")
        return cls([_component_from_entry(e, i, source) for i, e in enumerate(entries, 1)], aggregation,
                   name=str(cfg.get("name", Path(source).stem)))

    @classmethod
    def from_callable(cls, func, name: str = "custom") -> "Objective":
        """An objective from a Python function of a (canonical) SMILES string returning a score in [0, 1]."""
        from rdkit import Chem

        def of_mol(mol, _f=func):
            return _f(Chem.MolToSmiles(mol))

        of_mol.__qualname__ = getattr(func, "__qualname__", name)
        return cls([Component("callable", name=name, func=of_mol)], name=name)

    # ---- budget bookkeeping ---------------------------------------------------------------------
    def reset(self) -> "Objective":
        """Forget every scored molecule and set the counters to zero."""
        self._cache: dict[str, dict] = {}
        self._order: list[str] = []
        self.n_calls_ = 0
        self.n_invalid_ = 0
        self.n_requests_ = 0
        return self

    @property
    def columns(self) -> list[str]:
        cols = ["smiles", "valid", "total"]
        for c in self.components:
            cols += [c.name, f"{c.name}_raw"]
        return cols + ["call"]

    def library(self) -> pd.DataFrame:
        """Every unique molecule scored so far, in the order it was first scored (`call` = 1, 2, ...)."""
        return pd.DataFrame([self._cache[s] for s in self._order], columns=self.columns)

    def top_scores(self, k: int = 10) -> list[float]:
        """The k best totals so far, best first (cheap: no table is built)."""
        import heapq

        return heapq.nlargest(k, (row["total"] for row in self._cache.values()))

    def state(self) -> dict:
        """What a checkpoint needs to continue counting exactly (JSON-able)."""
        return {"library": self.library().to_dict(orient="list"), "n_invalid": self.n_invalid_,
                "n_requests": self.n_requests_, "config": self.to_dict()}

    def load_state(self, state: dict) -> "Objective":
        if state.get("config") != json.loads(json.dumps(self.to_dict())):
            raise RuleError("the checkpoint was written with a different objective; use a new --out folder "
                            "or the objective it was started with.")
        self.reset()
        lib = pd.DataFrame(state["library"], columns=self.columns)
        for row in lib.to_dict(orient="records"):
            row["call"] = int(row["call"])
            self._cache[row["smiles"]] = row
            self._order.append(row["smiles"])
        self.n_calls_ = len(self._order)
        self.n_invalid_, self.n_requests_ = int(state["n_invalid"]), int(state["n_requests"])
        return self

    # ---- scoring --------------------------------------------------------------------------------
    def score(self, smiles, max_new_calls: int | None = None) -> pd.DataFrame:
        """One row per input, in order: canonical `smiles` (None if invalid), `valid`, `total`, each
        component transformed and raw, and `call` (the call number at which the molecule was first
        scored). With `max_new_calls`, at most that many molecules not seen before are scored; the
        others come back with total NaN (not scored: the budget is spent)."""
        from rdkit import Chem

        if isinstance(smiles, str):
            raise TypeError("score() takes a list of SMILES; wrap a single one in a list.")
        rows, new = [], 0
        for s in smiles:
            self.n_requests_ += 1
            text = "" if s is None else str(s).strip()
            with quiet_rdkit():  # an invalid SMILES scores 0; it is counted, not printed
                mol = Chem.MolFromSmiles(text) if text else None
            if mol is None or mol.GetNumAtoms() == 0:
                self.n_invalid_ += 1
                rows.append({"smiles": None, "valid": False, "total": 0.0, "call": None})
                continue
            key = Chem.MolToSmiles(mol)
            hit = self._cache.get(key)
            if hit is None:
                if max_new_calls is not None and new >= max_new_calls:
                    rows.append({"smiles": key, "valid": True, "total": np.nan, "call": None})
                    continue
                new += 1
                hit = self._score_mol(mol, key)
            rows.append(hit)
        out = pd.DataFrame(rows, columns=self.columns)
        out["call"] = out["call"].astype("Int64")
        return out

    __call__ = score

    def score_one(self, smiles: str) -> float:
        """The total of one SMILES (counted and cached like any other call)."""
        return float(self.score([smiles])["total"].iloc[0])

    def _score_mol(self, mol, key: str) -> dict:
        row = {"smiles": key, "valid": True}
        values = np.empty(len(self.components))
        for i, c in enumerate(self.components):
            try:
                raw = c.raw(mol)
            except Exception as exc:  # noqa: BLE001 - RDKit failing on one molecule scores it 0 (as GuacaMol)
                if c.kind == "callable":
                    raise DataError(f"objective component {c.name!r} failed on {key!r}: {exc}") from exc
                raw = np.nan
            v = float(c.transform([raw])[0]) if np.isfinite(raw) else 0.0
            if not (-1e-9 <= v <= 1 + 1e-9):
                raise DataError(f"objective component {c.name!r} gave {v:.4g} for {key!r} (raw {raw:.4g}); a "
                                "transformed score must lie in [0, 1]: give it a transform or fix the function.")
            values[i] = min(max(v, 0.0), 1.0)
            row[c.name], row[f"{c.name}_raw"] = values[i], raw
        row["total"] = self.aggregate(values)
        self.n_calls_ += 1
        row["call"] = self.n_calls_
        self._cache[key] = row
        self._order.append(key)
        return row

    def aggregate(self, values) -> float:
        """Weighted geometric mean prod(x_i ** w_i) ** (1 / sum w) or arithmetic mean sum(w_i x_i) / sum w."""
        values, w = np.asarray(values, float), self._weights
        if self.aggregation == "arithmetic":
            return float(values @ w / w.sum())
        return float(np.prod(values ** w) ** (1.0 / w.sum()))

    # ---- description ----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"name": self.name, "aggregation": self.aggregation, "component": [c.to_dict() for c in self.components]}

    def __repr__(self) -> str:
        names = ", ".join(f"{c.name}×{c.weight:g}" for c in self.components)
        return f"Objective({self.name!r}, {self.aggregation} mean of {names})"


def _close(word, options) -> str:
    match = difflib.get_close_matches(str(word), options, n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _component_from_entry(entry: dict, index: int, source: str) -> Component:
    label = f"{source}: component #{index}" + (f" ({entry['name']!r})" if "name" in entry else "")
    kind = entry.get("type")
    if kind is None:
        raise RuleError(f"{label}: missing key 'type' (e.g. type = \"qed\").")
    if kind == "callable":
        raise RuleError(f"{label}: type 'callable' exists only in Python (Component('callable', func=...)).")
    options = {k: v for k, v in entry.items() if k not in COMPONENT_KEYS}
    spec = entry.get("transform")
    transform = None
    if spec is not None:
        if isinstance(spec, str):
            spec = {"type": spec}
        if not isinstance(spec, dict) or "type" not in spec:
            raise RuleError(f"{label}, key 'transform': expected a table with a `type`, e.g. "
                            "transform = {type = \"sigmoid\", low = 0, high = 1, k = 0.5}; got " + repr(spec) + ".")
        params = {k: v for k, v in spec.items() if k != "type"}
        try:
            transform = Transform(spec["type"], **params)
        except ValueError as exc:
            raise RuleError(f"{label}, key 'transform': {exc}") from None
    try:
        return Component(kind, name=str(entry.get("name", "")), weight=entry.get("weight", 1.0),
                         transform=transform, options=options)
    except ValueError as exc:
        raise RuleError(f"{label} (type {kind!r}): {exc}") from None
