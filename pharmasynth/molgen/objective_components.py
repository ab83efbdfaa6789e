"""Objective components: what is measured on one molecule (its *raw* value), before the transform.

    qed, sa, logp, mw, tpsa, hbd, hba, rotb   the usual properties (RDKit's functions, as the filters use)
    descriptor       any `rdkit.Chem.Descriptors` function by name, e.g. "FractionCSP3"
    similarity       Tanimoto to one or more SMILES (max or mean), on ECFP4/ECFP6/FCFP4/FCFP6 count
                     fingerprints, atom pairs (AP) or 2D pharmacophores (PHCO), built as GuacaMol builds them
    required         how many of the SMARTS patterns are present (default transform: all of them -> 1)
    forbidden        how many of the SMARTS patterns are present (default transform: none -> 1)
    alerts           how many structural alerts `DrugLikeFilter` finds (PAINS, Brenk, NIH; default: none -> 1)
    atom_count       atoms of one element (H included when asked), num_atoms: all atoms with H
    formula          closeness to a molecular formula, GuacaMol's isomer score: the (geometric) mean of a
                     Gaussian(mu=n, sigma=1) per element count and a Gaussian(mu=total, sigma=2) on all atoms
    callable         a Python function of an RDKit molecule (Python API only)

A component whose raw value is not a desirability in [0, 1] (a weight in daltons, a count) must be
given a transform; the ones that are (QED, a Tanimoto) default to none.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache

from .objective_transforms import Transform

# the usual properties: name -> rdkit.Chem.Descriptors function name
PROPERTY_DESCRIPTORS = {"qed": "qed", "logp": "MolLogP", "mw": "MolWt", "tpsa": "TPSA", "hbd": "NumHDonors",
                        "hba": "NumHAcceptors", "rotb": "NumRotatableBonds"}
FINGERPRINTS = ("ECFP4", "ECFP6", "FCFP4", "FCFP6", "AP", "PHCO")
KINDS = (*PROPERTY_DESCRIPTORS, "sa", "descriptor", "similarity", "required", "forbidden", "alerts",
         "atom_count", "num_atoms", "formula", "callable")
# kinds whose raw value is already a desirability in [0, 1]
UNIT_KINDS = ("qed", "similarity", "formula", "callable")


@lru_cache(maxsize=1)
def rdkit_descriptors() -> dict:
    """Every `rdkit.Chem.Descriptors` function by its name (the `_descList` RDKit documents)."""
    from rdkit.Chem import Descriptors

    return dict(Descriptors._descList)


def descriptor_function(name: str):
    table = rdkit_descriptors()
    if name not in table:
        close = difflib.get_close_matches(name, table, n=3) or difflib.get_close_matches(
            name, table, n=3, cutoff=0.3)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"unknown RDKit descriptor {name!r}.{hint} The names are those of "
                         "rdkit.Chem.Descriptors._descList.")
    return table[name]


def fingerprint(mol, kind: str):
    """The fingerprint GuacaMol uses for `kind` (count-based Morgan, atom pairs up to 10 bonds, Gobbi 2D
    pharmacophores), through RDKit's fingerprint generators where they give the same values."""
    if kind in ("ECFP4", "ECFP6", "FCFP4", "FCFP6"):
        return _morgan(int(kind[-1]) // 2, kind.startswith("F")).GetSparseCountFingerprint(mol)
    if kind == "AP":
        return _atom_pairs().GetSparseCountFingerprint(mol)
    if kind == "PHCO":
        from rdkit.Chem.Pharm2D import Generate, Gobbi_Pharm2D

        return Generate.Gen2DFingerprint(mol, Gobbi_Pharm2D.factory)
    raise ValueError(f"unknown fingerprint {kind!r}; choose from {', '.join(FINGERPRINTS)}.")


@lru_cache(maxsize=None)
def _morgan(radius: int, features: bool):
    from rdkit.Chem import rdFingerprintGenerator as gen

    if features:
        return gen.GetMorganGenerator(radius=radius, atomInvariantsGenerator=gen.GetMorganFeatureAtomInvGen())
    return gen.GetMorganGenerator(radius=radius)


@lru_cache(maxsize=1)
def _atom_pairs():
    from rdkit.Chem import rdFingerprintGenerator as gen

    return gen.GetAtomPairGenerator(maxDistance=10)


@lru_cache(maxsize=1)
def element_symbols() -> frozenset:
    from rdkit import Chem

    table = Chem.GetPeriodicTable()
    return frozenset(table.GetElementSymbol(z) for z in range(1, 119))


def parse_formula(formula) -> list[tuple[str, int]]:
    """"C9H10N2O2PF2Cl" -> [("C", 9), ("H", 10), ("N", 2), ("O", 2), ("P", 1), ("F", 2), ("Cl", 1)]."""
    import re

    if not isinstance(formula, str) or not re.fullmatch(r"(?:[A-Z][a-z]?\d*)+", formula):
        raise ValueError(f"formula must be a molecular formula such as 'C11H24', got {formula!r}.")
    out = [(el, int(n) if n else 1) for el, n in re.findall(r"([A-Z][a-z]?)(\d*)", formula)]
    for el, _ in out:
        if el not in element_symbols():
            raise ValueError(f"formula {formula!r}: {el!r} is not an element.")
    return out


def isomer_score(mol, elements, mean: str = "geometric") -> float:
    """GuacaMol's IsomerScoringFunction: per element a Gaussian(count; n, 1), plus Gaussian(all atoms
    with H; total, 2), combined by their geometric (or arithmetic) mean."""
    import numpy as np
    from rdkit import Chem

    with_h = Chem.AddHs(mol)
    counts = {}
    for a in with_h.GetAtoms():
        counts[a.GetSymbol()] = counts.get(a.GetSymbol(), 0) + 1
    scores = [np.exp(-0.5 * ((counts.get(el, 0) - n) / 1.0) ** 2) for el, n in elements]
    total = sum(n for _, n in elements)
    scores.append(np.exp(-0.5 * ((with_h.GetNumAtoms() - total) / 2.0) ** 2))
    a = np.array(scores, float)
    return float(a.sum() / len(a) if mean == "arithmetic" else a.prod() ** (1.0 / len(a)))


def _as_list(value, key: str) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not items or not all(isinstance(s, str) and s for s in items):
        raise ValueError(f"{key} must be a non-empty string or list of strings, got {value!r}.")
    return list(items)


@dataclass
class Component:
    """One measured quantity, its transform to [0, 1] and its weight in the aggregate."""

    kind: str
    name: str = ""
    weight: float = 1.0
    transform: Transform | None = None
    options: dict = field(default_factory=dict)
    func: object = None  # kind="callable": f(mol) -> float

    def __post_init__(self):
        if self.kind not in KINDS:
            close = difflib.get_close_matches(str(self.kind), KINDS, n=1)
            raise ValueError(f"unknown component type {self.kind!r}."
                             + (f" Did you mean {close[0]!r}?" if close else "") + f" Known: {', '.join(KINDS)}.")
        self.name = self.name or self.kind
        if isinstance(self.weight, bool) or not isinstance(self.weight, (int, float)) or not self.weight > 0:
            raise ValueError(f"weight must be a number > 0, got {self.weight!r}.")
        self._setup()
        if self.transform is None:
            self.transform = self._default_transform()
        if self.transform is None:
            raise ValueError(f"a {self.kind!r} component needs a transform: its raw values are not in [0, 1] "
                             "(e.g. transform = {type = \"double_sigmoid\", low = 200, high = 500} for a window).")

    # ---- per kind ---------------------------------------------------------------------------
    def _setup(self):
        from rdkit import Chem

        o, allowed = self.options, {"similarity": {"smiles", "fingerprint", "aggregate"},
                                    "required": {"smarts"}, "forbidden": {"smarts"}, "alerts": {"catalogs"},
                                    "descriptor": {"descriptor"}, "atom_count": {"element"},
                                    "formula": {"formula", "mean"}}.get(self.kind, set())
        extra = sorted(set(o) - allowed)
        if extra:
            raise ValueError(f"a {self.kind!r} component takes {sorted(allowed) or 'no options'}; "
                             f"unknown key(s) {extra}.")
        if self.kind in PROPERTY_DESCRIPTORS:
            self._fn = descriptor_function(PROPERTY_DESCRIPTORS[self.kind])
        elif self.kind == "descriptor":
            if "descriptor" not in o:
                raise ValueError("a 'descriptor' component needs descriptor = \"<rdkit.Chem.Descriptors name>\".")
            self._fn = descriptor_function(str(o["descriptor"]))
        elif self.kind == "sa":
            from .properties import sa_scorer

            self._fn = sa_scorer().calculateScore
        elif self.kind == "similarity":
            refs = _as_list(o.get("smiles"), "smiles")
            fp = str(o.get("fingerprint", "ECFP4")).upper()
            if fp not in FINGERPRINTS:
                raise ValueError(f"fingerprint {o.get('fingerprint')!r} is not one of {', '.join(FINGERPRINTS)}.")
            agg = o.get("aggregate", "max")
            if agg not in ("max", "mean"):
                raise ValueError(f"aggregate must be 'max' or 'mean', got {agg!r}.")
            mols = [Chem.MolFromSmiles(s) for s in refs]
            bad = [s for s, m in zip(refs, mols) if m is None]
            if bad:
                raise ValueError(f"smiles: cannot parse reference SMILES {bad[0]!r}.")
            self._fp, self._agg = fp, agg
            self._ref_fps = [fingerprint(m, fp) for m in mols]
        elif self.kind in ("required", "forbidden"):
            patterns = _as_list(o.get("smarts"), "smarts")
            self._patterns = []
            for sm in patterns:
                patt = Chem.MolFromSmarts(sm)
                if patt is None:
                    raise ValueError(f"smarts: cannot parse SMARTS {sm!r}.")
                self._patterns.append(patt)
        elif self.kind == "alerts":
            from .filters import CATALOGS, DrugLikeFilter

            catalogs = _as_list(o.get("catalogs", ["PAINS", "Brenk"]), "catalogs")
            unknown = [c for c in catalogs if c not in CATALOGS]
            if unknown:
                raise ValueError(f"catalogs: unknown {unknown}; choose from {list(CATALOGS)}.")
            self._filter = DrugLikeFilter(lipinski=False, veber=False, alerts=tuple(catalogs))
        elif self.kind == "atom_count":
            if o.get("element") not in element_symbols():
                raise ValueError(f"element must be an element symbol such as 'C' or 'Cl', got {o.get('element')!r}.")
        elif self.kind == "formula":
            self._elements = parse_formula(o.get("formula"))
            if o.get("mean", "geometric") not in ("geometric", "arithmetic"):
                raise ValueError(f"mean must be 'geometric' or 'arithmetic', got {o.get('mean')!r}.")
        elif self.kind == "callable" and not callable(self.func):
            raise ValueError("a 'callable' component needs func=<function of an RDKit Mol returning a float>.")

    def _default_transform(self):
        if self.kind in UNIT_KINDS:
            return Transform("none")
        if self.kind in ("forbidden", "alerts"):
            return Transform("left_step", high=0)
        if self.kind == "required":
            return Transform("right_step", low=len(self._patterns))
        return None

    def raw(self, mol) -> float:
        """The measured value for one (valid) RDKit molecule."""
        from rdkit import Chem, DataStructs

        k = self.kind
        if k == "similarity":
            sims = [DataStructs.TanimotoSimilarity(fingerprint(mol, self._fp), ref) for ref in self._ref_fps]
            return float(max(sims) if self._agg == "max" else sum(sims) / len(sims))
        if k in ("required", "forbidden"):
            return float(sum(mol.HasSubstructMatch(p) for p in self._patterns))
        if k == "alerts":
            return float(len(self._filter.reasons(mol)))
        if k == "atom_count":
            element = self.options["element"]
            m = Chem.AddHs(mol) if element == "H" else mol
            return float(sum(1 for a in m.GetAtoms() if a.GetSymbol() == element))
        if k == "num_atoms":
            return float(Chem.AddHs(mol).GetNumAtoms())
        if k == "formula":
            return isomer_score(mol, self._elements, self.options.get("mean", "geometric"))
        if k == "callable":
            return float(self.func(mol))
        return float(self._fn(mol))

    def to_dict(self) -> dict:
        if self.kind == "callable":
            return {"name": self.name, "type": "callable", "weight": self.weight,
                    "func": getattr(self.func, "__qualname__", repr(self.func)), "transform": self.transform.to_dict()}
        return {"name": self.name, "type": self.kind, "weight": self.weight, **self.options,
                "transform": self.transform.to_dict()}
