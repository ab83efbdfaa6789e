"""Property steering: conditional success, and rejection sampling from an unconditioned VAE.

conditional success = (number of samples that are valid AND within tolerance of every requested
property) / (number of samples REQUESTED). Invalid or missing samples count as failures.
`conditions` are the property values asked for, e.g. {"qed": 0.8, "logp": 2.5}.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .._util.deprecation import renamed_kwargs
from .._util.random import as_rng
from .io import quiet_rdkit
from .properties import compute_properties

DEFAULT_TOLERANCE = {"qed": 0.1, "logp": 0.5, "sa": 0.5, "mw": 25.0}


def within_tolerance(props: pd.DataFrame, conditions: dict, tolerance: dict | None = None) -> np.ndarray:
    """Per row of `props`: valid and within `tolerance` of every value in `conditions`."""
    tol = {**DEFAULT_TOLERANCE, **(tolerance or {})}
    ok = props["valid"].to_numpy(bool).copy()
    for k, v in conditions.items():
        ok &= np.abs(props[k].to_numpy(float) - float(v)) <= tol[k]
    return ok


def _canonical(smiles: str) -> str:
    from rdkit import Chem

    with quiet_rdkit():
        m = Chem.MolFromSmiles(smiles)
    return Chem.MolToSmiles(m) if m is not None else smiles


@renamed_kwargs(condition="conditions")
def conditional_success(samples, conditions: dict, tolerance: dict | None = None, n_requested: int | None = None,
                        props: pd.DataFrame | None = None, unique: bool = True) -> float:
    """Share of ALL requested samples that are valid and within `tolerance` of `conditions`.

    unique=True (default) counts each distinct molecule (canonical SMILES) once: a sampler that
    returns one good molecule 1,000 times has found one molecule, not 1,000."""
    samples = [str(s) for s in samples]
    n_requested = len(samples) if n_requested is None else int(n_requested)
    if n_requested == 0:
        return float("nan")
    if props is None:
        props = compute_properties(samples, tuple(conditions))
    ok = within_tolerance(props, conditions, tolerance)
    if unique:
        return len({_canonical(s) for s, k in zip(samples, ok) if k}) / n_requested
    return float(ok.sum()) / n_requested


@renamed_kwargs(condition="conditions")
def rejection_sample(vae, n: int, conditions: dict, tolerance: dict | None = None, *, max_seconds=None,
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
    rng = as_rng(random_state)
    kept, seen, draws, t0 = [], set(), 0, time.perf_counter()
    while len(kept) < n:
        if max_draws is not None and draws >= max_draws:
            break
        if max_seconds is not None and time.perf_counter() - t0 >= max_seconds:
            break
        b = batch_size if max_draws is None else min(batch_size, max_draws - draws)
        batch = vae.sample(b, temperature=temperature, random_state=rng)
        draws += b
        ok = within_tolerance(compute_properties(batch, tuple(conditions)), conditions, tolerance)
        for smi, k in zip(batch, ok):
            if k and unique:
                can = _canonical(smi)
                k = can not in seen
                seen.add(can)
            if k:
                kept.append(smi)
    kept = kept[:n]
    return {"samples": kept, "n_draws": draws, "seconds": time.perf_counter() - t0, "success": len(kept) / n}
