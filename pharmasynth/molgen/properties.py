"""Molecular properties: the one implementation behind steering, filters and the MOSES property distances.

The four MOSES properties, with the RDKit functions MOSES itself uses, so that the Wasserstein
distances compare one to one: QED (`rdkit.Chem.QED.qed`), logP (Wildman-Crippen,
`Crippen.MolLogP`), SA score (Ertl & Schuffenhauer, RDKit's Contrib `sascorer`, shipped inside
the rdkit wheel) and molecular weight (`Descriptors.MolWt`, average masses).
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache

import numpy as np
import pandas as pd

from .io import quiet_rdkit

PROPERTY_NAMES = ("qed", "logp", "sa", "mw")


@lru_cache(maxsize=1)
def sa_scorer():
    """RDKit's Contrib SA scorer module, loaded from its file in the rdkit wheel (it reads its
    fragment scores once, from beside that file); nothing is added to sys.path."""
    from rdkit.Chem import RDConfig

    path = os.path.join(RDConfig.RDContribDir, "SA_Score", "sascorer.py")
    spec = importlib.util.spec_from_file_location("rdkit_contrib_sascorer", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _functions():
    from rdkit.Chem import QED, Crippen, Descriptors

    return {"qed": QED.qed, "logp": Crippen.MolLogP, "sa": sa_scorer().calculateScore, "mw": Descriptors.MolWt}


def check_properties(properties) -> tuple[str, ...]:
    props = tuple(str(p).lower() for p in properties)
    unknown = [p for p in props if p not in PROPERTY_NAMES]
    if unknown:
        raise ValueError(f"unknown molecular propert{'y' if len(unknown) == 1 else 'ies'} {unknown}; "
                         f"choose from {list(PROPERTY_NAMES)}")
    return props


def mol_properties(mol, properties=PROPERTY_NAMES) -> dict:
    """Properties of one RDKit molecule (NaN where RDKit fails on it).

    With both QED and logP asked for, QED's own descriptor pass (`QED.properties`, whose ALOGP is
    `Crippen.MolLogP`) gives both: the same values (checked on MOSES and NCI molecules), one logP
    computation fewer."""
    from rdkit.Chem import QED

    funcs = _functions()
    out, shared = {}, None
    if "qed" in properties and "logp" in properties:
        try:
            shared = QED.properties(mol)
        except Exception:  # noqa: BLE001 - fall back to the separate functions below
            shared = None
    for p in properties:
        try:
            if shared is not None and p == "qed":
                out[p] = float(QED.qed(mol, qedProperties=shared))
            elif shared is not None and p == "logp":
                out[p] = float(shared.ALOGP)
            else:
                out[p] = float(funcs[p](mol))
        except Exception:  # noqa: BLE001 - a property RDKit cannot compute is missing, not fatal
            out[p] = np.nan
    return out


def compute_properties(smiles, properties=PROPERTY_NAMES) -> pd.DataFrame:
    """One row per input SMILES: the requested properties (NaN for an invalid SMILES) and `valid`."""
    from rdkit import Chem

    props = check_properties(properties)
    rows = []
    for s in smiles:
        with quiet_rdkit():  # an invalid SMILES is a row with valid=False, not a message
            mol = Chem.MolFromSmiles(str(s)) if s is not None and str(s) else None
        if mol is None:
            rows.append({**{p: np.nan for p in props}, "valid": False})
        else:
            rows.append({**mol_properties(mol, props), "valid": True})
    return pd.DataFrame(rows, columns=[*props, "valid"])
