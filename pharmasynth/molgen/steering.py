"""Property steering: conditional success, and rejection sampling from an unconditioned VAE.

conditional success = (number of samples that are valid AND within tolerance of every requested
property) / (number of samples REQUESTED). Invalid or missing samples count as failures.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

DEFAULT_TOLERANCE = {"qed": 0.1, "logp": 0.5, "sa": 0.5, "mw": 25.0}
PROPERTY_NAMES = ("qed", "logp", "sa", "mw")


def _sa_scorer():
    import os
    import sys

    from rdkit.Chem import RDConfig

    path = os.path.join(RDConfig.RDContribDir, "SA_Score")
    if path not in sys.path:
        sys.path.append(path)
    import sascorer  # RDKit's Contrib SA scorer, shipped in the rdkit wheel

    return sascorer


def molecule_properties(smiles, properties=PROPERTY_NAMES) -> pd.DataFrame:
    """qed, logp, sa, mw per SMILES (NaN for invalid ones) and a `valid` column.

    Uses `pharmasynth.molgen.properties.compute_properties` when that module is present, else RDKit.
    """
    smiles = [str(s) for s in smiles]
    try:
        from .properties import compute_properties  # the scoring side's implementation (H5b)

        df = compute_properties(smiles)
        cols = {c.lower(): c for c in df.columns}
        if all(p in cols for p in properties):
            out = pd.DataFrame({p: pd.to_numeric(df[cols[p]], errors="coerce").to_numpy() for p in properties})
            out["valid"] = out[list(properties)].notna().all(axis=1).to_numpy()
            return out
    except ImportError:
        pass
    from rdkit import Chem, RDLogger
    from rdkit.Chem import QED, Crippen, Descriptors

    RDLogger.DisableLog("rdApp.*")
    sa = _sa_scorer() if "sa" in properties else None
    rows = []
    for s in smiles:
        m = Chem.MolFromSmiles(s) if s else None
        if m is None:
            rows.append({p: np.nan for p in properties} | {"valid": False})
            continue
        r = {"valid": True}
        for p in properties:
            r[p] = {"qed": lambda: QED.qed(m), "logp": lambda: Crippen.MolLogP(m),
                    "sa": lambda: sa.calculateScore(m), "mw": lambda: Descriptors.MolWt(m)}[p]()
        rows.append(r)
    return pd.DataFrame(rows, columns=list(properties) + ["valid"])


def within_tolerance(props: pd.DataFrame, condition: dict, tolerance: dict | None = None) -> np.ndarray:
    tol = {**DEFAULT_TOLERANCE, **(tolerance or {})}
    ok = props["valid"].to_numpy(bool).copy()
    for k, v in condition.items():
        ok &= np.abs(props[k].to_numpy(float) - float(v)) <= tol[k]
    return ok


def _canonical(smiles: str) -> str:
    from rdkit import Chem

    m = Chem.MolFromSmiles(smiles)
    return Chem.MolToSmiles(m) if m is not None else smiles


def conditional_success(samples, condition: dict, tolerance: dict | None = None, n_requested: int | None = None,
                        props: pd.DataFrame | None = None, unique: bool = True) -> float:
    """Share of ALL requested samples that are valid and within `tolerance` of `condition`.

    unique=True (default) counts each distinct molecule (canonical SMILES) once: a sampler that
    returns one good molecule 1,000 times has found one molecule, not 1,000."""
    samples = list(samples)
    n_requested = len(samples) if n_requested is None else int(n_requested)
    if n_requested == 0:
        return float("nan")
    if props is None:
        props = molecule_properties(samples, tuple(condition))
    ok = within_tolerance(props, condition, tolerance)
    if unique:
        return len({_canonical(s) for s, k in zip(samples, ok) if k}) / n_requested
    return float(ok.sum()) / n_requested


def rejection_sample(vae, n: int, condition: dict, tolerance: dict | None = None, *, max_seconds=None,
                     max_draws: int | None = None, batch_size: int = 512, temperature: float = 1.0,
                     unique: bool = True, random_state=0) -> dict:
    """Rejection sampling from an unconditioned VAE under a compute budget.

    Draws batches from `vae.sample` until `max_draws` molecules were decoded or `max_seconds`
    passed (property computation included), keeps those within tolerance, returns up to `n`.
    Result: {"samples", "n_draws", "seconds", "success"} where success = kept / n; with
    unique=True (default, as in `conditional_success`) a molecule found twice is kept once.
    """
    if max_seconds is None and max_draws is None:
        raise ValueError("give a compute budget: max_seconds or max_draws.")
    rng = np.random.default_rng(random_state)
    kept, seen, draws, t0 = [], set(), 0, time.perf_counter()
    while len(kept) < n:
        if max_draws is not None and draws >= max_draws:
            break
        if max_seconds is not None and time.perf_counter() - t0 >= max_seconds:
            break
        b = batch_size if max_draws is None else min(batch_size, max_draws - draws)
        batch = vae.sample(b, temperature=temperature, random_state=rng)
        draws += b
        ok = within_tolerance(molecule_properties(batch, tuple(condition)), condition, tolerance)
        for smi, k in zip(batch, ok):
            if k and not (unique and _canonical(smi) in seen):
                kept.append(smi)
                seen.add(_canonical(smi))
    kept = kept[:n]
    return {"samples": kept, "n_draws": draws, "seconds": time.perf_counter() - t0, "success": len(kept) / n}
