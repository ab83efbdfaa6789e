"""Drug-likeness filters that keep the reasons for every rejection.

- Rules of thumb: Lipinski's rule of five (MW <= 500, Crippen logP <= 5, H-bond donors <= 5,
  acceptors <= 10; at most `max_lipinski_violations`, 1 by default, as Lipinski allowed) and
  Veber's (rotatable bonds <= 10, TPSA <= 140).
- Thresholds on QED and SA score; ranges on any descriptor in `DESCRIPTORS`.
- Structural alerts through RDKit's FilterCatalog: PAINS A/B/C, Brenk, NIH.
- MOSES's own filter set (the "Filters" metric): MCF + WEHI PAINS SMARTS, allowed atoms
  C N S O F Cl Br H, no formal charges, no ring of 8 or more atoms.
- User rules from a TOML file: extra SMARTS alerts and descriptor ranges.

    f = DrugLikeFilter(qed_min=0.5, alerts=("PAINS", "Brenk"))
    res = f.filter(smiles)          # DataFrame: smiles, passed, reasons (a list per molecule)
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import RuleError
from .io import quiet_rdkit
from .properties import sa_scorer

CATALOGS = ("PAINS", "PAINS_A", "PAINS_B", "PAINS_C", "Brenk", "NIH")
MOSES_ALLOWED_ATOMS = frozenset({"C", "N", "S", "O", "F", "Cl", "Br", "H"})


def _descriptor_functions():
    from rdkit.Chem import QED, Crippen, Descriptors, Lipinski, rdMolDescriptors

    return {
        "mw": Descriptors.MolWt, "logp": Crippen.MolLogP, "qed": QED.qed, "sa": sa_scorer().calculateScore,
        "hbd": Lipinski.NumHDonors, "hba": Lipinski.NumHAcceptors, "rotb": rdMolDescriptors.CalcNumRotatableBonds,
        "tpsa": rdMolDescriptors.CalcTPSA, "rings": rdMolDescriptors.CalcNumRings,
        "heavy_atoms": lambda m: m.GetNumHeavyAtoms(),
    }


DESCRIPTORS = ("mw", "logp", "qed", "sa", "hbd", "hba", "rotb", "tpsa", "rings", "heavy_atoms")


@lru_cache(maxsize=None)
def _catalog(name: str):
    from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

    params = FilterCatalogParams()
    params.AddCatalog(getattr(FilterCatalogParams.FilterCatalogs, name.upper()))
    return FilterCatalog(params)


@lru_cache(maxsize=1)
def moses_smarts() -> tuple:
    """(name, compiled SMARTS) of MOSES's MCF and WEHI PAINS filters, from the shipped copies."""
    from rdkit import Chem

    out = []
    base = resources.files("pharmasynth.molgen") / "resources"
    with (base / "moses_mcf.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.append((row["names"].strip(), Chem.MolFromSmarts(row["smarts"].strip())))
    with (base / "moses_wehi_pains.csv").open(encoding="utf-8") as fh:
        for smarts, name in csv.reader(fh):
            out.append((name.strip(), Chem.MolFromSmarts(smarts.strip())))
    return tuple(out)


@lru_cache(maxsize=1)
def _moses_screen() -> np.ndarray:
    """Pattern fingerprints of the MOSES SMARTS (packed bits): a SMARTS can only match a molecule
    whose pattern fingerprint holds all of the query's bits, so most are ruled out in one numpy
    step and only the rest go through the (exact) substructure search."""
    from rdkit import Chem

    fps = [np.frombuffer(Chem.PatternFingerprint(p, fpSize=2048).ToBitString().encode(), np.uint8) == 49
           for _, p in moses_smarts()]
    return np.packbits(np.array(fps), axis=1)


def _moses_candidates(h_mol) -> np.ndarray:
    from rdkit import Chem

    bits = np.packbits(np.frombuffer(Chem.PatternFingerprint(h_mol, fpSize=2048).ToBitString().encode(),
                                     np.uint8) == 49)
    q = _moses_screen()
    return np.flatnonzero(~((q & ~bits).any(1)))


def moses_filter_reasons(mol, first_only: bool = False) -> list[str]:
    """Why a molecule fails MOSES's filters (empty list: it passes) — the MOSES 'Filters' rules."""
    from rdkit import Chem

    if mol is None:
        return ["invalid molecule"]
    reasons = []
    ring_info = mol.GetRingInfo()
    if any(len(r) >= 8 for r in ring_info.AtomRings()):
        reasons.append("MOSES: ring of 8 or more atoms")
    if any(a.GetFormalCharge() != 0 for a in mol.GetAtoms()):
        reasons.append("MOSES: charged atom")
    bad = sorted({a.GetSymbol() for a in mol.GetAtoms()} - MOSES_ALLOWED_ATOMS)
    if bad:
        reasons.append(f"MOSES: atoms outside C N S O F Cl Br H: {' '.join(bad)}")
    if reasons and first_only:
        return reasons
    h_mol = Chem.AddHs(mol)
    patterns = moses_smarts()
    for k in _moses_candidates(h_mol):
        name, patt = patterns[k]
        if h_mol.HasSubstructMatch(patt):
            reasons.append(f"MOSES alert {name}")
            if first_only:
                return reasons
    smiles = Chem.MolToSmiles(mol, isomericSmiles=False)
    with quiet_rdkit():  # a failed round trip is a reason, not a message
        round_trip = Chem.MolFromSmiles(smiles) if smiles else None
    if round_trip is None:
        reasons.append("MOSES: SMILES does not round-trip without stereo")
    return reasons


def passes_moses_filters(mol) -> bool:
    return not moses_filter_reasons(mol, first_only=True)


class DrugLikeFilter:
    """Configurable drug-likeness filter; `filter(smiles)` keeps every molecule's reasons."""

    def __init__(self, lipinski: bool = True, max_lipinski_violations: int = 1, veber: bool = True,
                 qed_min: float | None = None, sa_max: float | None = None, alerts=("PAINS", "Brenk"),
                 moses: bool = False, smarts_alerts: dict | None = None, property_ranges: dict | None = None):
        self.lipinski = lipinski
        self.max_lipinski_violations = int(max_lipinski_violations)
        self.veber = veber
        self.qed_min = qed_min
        self.sa_max = sa_max
        self.alerts = tuple(alerts or ())
        self.moses = moses
        self.smarts_alerts = dict(smarts_alerts or {})
        self.property_ranges = {str(k).lower(): tuple(v) for k, v in (property_ranges or {}).items()}
        self._check()

    def _check(self, where: str = ""):
        from rdkit import Chem

        unknown = [a for a in self.alerts if a not in CATALOGS]
        if unknown:
            raise RuleError(f"{where}unknown alert catalogue(s) {unknown}; choose from {list(CATALOGS)}.")
        bad = [k for k in self.property_ranges if k not in DESCRIPTORS]
        if bad:
            raise RuleError(f"{where}unknown descriptor(s) {bad} in property ranges; choose from {list(DESCRIPTORS)}.")
        for k, v in self.property_ranges.items():
            if len(v) != 2:
                raise RuleError(f"{where}property range {k!r} must be [low, high], got {list(v)}.")
        self._smarts = {}
        for name, sm in self.smarts_alerts.items():
            patt = Chem.MolFromSmarts(str(sm))
            if patt is None:
                raise RuleError(f"{where}alert {name!r}: cannot parse SMARTS {sm!r}.")
            self._smarts[name] = patt

    @classmethod
    def from_toml(cls, path) -> "DrugLikeFilter":
        """Settings from a TOML file: top-level keys as in __init__, [properties] ranges, [[alerts]] name/smarts."""
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib
        path = Path(path)
        try:
            cfg = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RuleError(f"{path}: no such rules file.") from None
        except tomllib.TOMLDecodeError as exc:
            raise RuleError(f"{path}: malformed TOML ({exc}).") from None
        ranges = cfg.pop("properties", {})
        alerts = cfg.pop("alerts", [])
        if not isinstance(alerts, list) or any(not isinstance(a, dict) or {"name", "smarts"} - set(a) for a in alerts):
            raise RuleError(f"{path}: [[alerts]] entries need 'name' and 'smarts'.")
        catalogs = cfg.pop("catalogs", None)
        known = {"lipinski", "max_lipinski_violations", "veber", "qed_min", "sa_max", "moses"}
        extra = sorted(set(cfg) - known)
        if extra:
            raise RuleError(f"{path}: unknown setting(s) {extra}; known: {sorted(known | {'catalogs', 'properties', 'alerts'})}.")
        try:
            return cls(**cfg, alerts=tuple(catalogs) if catalogs is not None else ("PAINS", "Brenk"),
                       smarts_alerts={a["name"]: a["smarts"] for a in alerts}, property_ranges=ranges)
        except RuleError as exc:
            raise RuleError(f"{path}: {exc}") from None

    def reasons(self, mol) -> list[str]:
        """Every rule this molecule breaks (empty: it passes)."""
        if mol is None:
            return ["invalid SMILES"]
        f = _descriptor_functions()
        cache = {}

        def d(name):
            if name not in cache:
                cache[name] = float(f[name](mol))
            return cache[name]

        out = []
        if self.lipinski:
            broken = [txt for txt, bad in (
                (f"MW {d('mw'):.0f} > 500", d("mw") > 500), (f"logP {d('logp'):.2f} > 5", d("logp") > 5),
                (f"H-bond donors {d('hbd'):.0f} > 5", d("hbd") > 5),
                (f"H-bond acceptors {d('hba'):.0f} > 10", d("hba") > 10)) if bad]
            if len(broken) > self.max_lipinski_violations:
                out.append("Lipinski: " + ", ".join(broken))
        if self.veber:
            broken = [txt for txt, bad in ((f"rotatable bonds {d('rotb'):.0f} > 10", d("rotb") > 10),
                                           (f"TPSA {d('tpsa'):.1f} > 140", d("tpsa") > 140)) if bad]
            if broken:
                out.append("Veber: " + ", ".join(broken))
        if self.qed_min is not None and d("qed") < self.qed_min:
            out.append(f"QED {d('qed'):.3f} < {self.qed_min}")
        if self.sa_max is not None and d("sa") > self.sa_max:
            out.append(f"SA score {d('sa'):.2f} > {self.sa_max}")
        for k, (lo, hi) in self.property_ranges.items():
            if not (lo <= d(k) <= hi):
                out.append(f"{k} {d(k):.3g} outside [{lo}, {hi}]")
        for cat in self.alerts:
            for entry in _catalog(cat).GetMatches(mol):
                out.append(f"{cat} alert: {entry.GetDescription()}")
        for name, patt in self._smarts.items():
            if mol.HasSubstructMatch(patt):
                out.append(f"alert {name}")
        if self.moses:
            out.extend(moses_filter_reasons(mol))
        return out

    def filter(self, smiles) -> pd.DataFrame:
        """One row per input: canonical `smiles` (None if invalid), `passed`, `reasons` (list of str)."""
        from rdkit import Chem

        rows = []
        for s in smiles:
            with quiet_rdkit():  # an invalid SMILES is a row with its reason, not a message
                mol = Chem.MolFromSmiles(str(s)) if s is not None and str(s) else None
            why = self.reasons(mol)
            rows.append({"input": s, "smiles": Chem.MolToSmiles(mol) if mol is not None else None,
                         "passed": not why, "reasons": why})
        return pd.DataFrame(rows, columns=["input", "smiles", "passed", "reasons"])

    __call__ = filter

    def pass_rate(self, smiles) -> float:
        return float(np.mean(self.filter(smiles)["passed"]))


def reason_counts(reasons, top: int | None = None) -> pd.Series:
    """How often each kind of rejection occurs, most common first: `reasons` holds a list of reasons
    per molecule (as `DrugLikeFilter.filter` gives them); the measured values are cut off, so that
    "MW 612 > 500" and "MW 530 > 500" count as one kind."""
    flat = pd.Series([r for rs in reasons for r in rs if r], dtype=object)
    if flat.empty:
        return pd.Series(dtype="int64")
    counts = flat.str.replace(r"\s[\d.]+.*$", "", regex=True).value_counts()
    return counts.head(top) if top is not None else counts
