"""Fine-tuning a prior on a chemical series (transfer learning, as chemists use REINVENT's prior),
and the measures that tell whether it worked: how much of what it makes carries the series'
scaffold and resembles the series, without merely copying it.

    >>> model = fine_tune("moses-smiles", series_smiles, epochs=5)
    >>> series_similarity(model.sample(1000, random_state=0), series_smiles)
"""

from __future__ import annotations

import collections
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from .io import quiet_rdkit

NEAR_COPY = 0.9  # Tanimoto at or above which a sample counts as a near copy of a series member


def fine_tune(init, smiles, *, epochs: int = 5, lr: float = 5e-4, batch_size: int = 32, random_state=0,
              checkpoint_dir=None, device: str | None = None, progress: bool | None = None):
    """A SmilesVAE fine-tuned on `smiles` from `init`: a shipped prior's name ("moses-smiles",
    "moses-selfies"), a saved SmilesVAE folder, or a fitted SmilesVAE (left unchanged).

    The prior's architecture and vocabulary are kept (a token it lacks raises an error naming the
    first SMILES with it); a smaller learning rate than pretraining's keeps what it knows of
    chemistry while it moves towards the series."""
    import copy

    from .pretrained import available_priors, load_pretrained
    from .vae import SmilesVAE

    if isinstance(init, SmilesVAE):
        model = copy.deepcopy(init)
    elif isinstance(init, str) and init in available_priors():
        model = load_pretrained(init)
    elif Path(str(init)).is_dir():
        model = SmilesVAE.load(init)
    else:
        from ..errors import UsageError

        raise UsageError(f"--init {init!r}: neither a shipped prior ({', '.join(available_priors()) or 'none'}) "
                         "nor a saved SmilesVAE folder.")
    model._check_fitted()
    params = {"epochs": int(epochs), "lr": float(lr), "batch_size": int(batch_size), "random_state": random_state}
    if device is not None:
        params["device"] = device
    for k, v in params.items():
        setattr(model, k, v)
    smiles = [str(s) for s in smiles]
    if not smiles:
        raise DataError("no SMILES to fine-tune on.")
    return model.fit(smiles, checkpoint_dir=checkpoint_dir, progress=progress, warm_start=True)


def _mols(smiles):
    from rdkit import Chem

    with quiet_rdkit():
        return [Chem.MolFromSmiles(s) if s else None for s in smiles]


def _fingerprints(mols) -> np.ndarray:
    """Morgan radius 2, 1024 bits (the MOSES SNN fingerprint) as a 0/1 matrix."""
    from rdkit.Chem import rdFingerprintGenerator

    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=1024)
    out = np.zeros((len(mols), 1024), np.uint8)
    for i, m in enumerate(mols):
        out[i] = gen.GetFingerprintAsNumPy(m)
    return out


def series_scaffold(series) -> str:
    """The Bemis-Murcko scaffold most members of the series share (canonical SMILES)."""
    from rdkit.Chem.Scaffolds import MurckoScaffold

    mols = [m for m in _mols(series) if m is not None]
    if not mols:
        raise DataError("the series has no valid SMILES.")
    counts = collections.Counter(MurckoScaffold.MurckoScaffoldSmiles(mol=m) for m in mols)
    return counts.most_common(1)[0][0]


def series_similarity(samples, series, reference=None, scaffold: str | None = None,
                      near_copy: float = NEAR_COPY) -> dict:
    """How a library relates to a chemical series (shares of ALL samples unless said otherwise).

    valid; scaffold_share: valid samples containing the series' scaffold (substructure match);
    mean_nn_tanimoto: mean over valid samples of the Tanimoto to the nearest series member;
    novelty: valid unique samples in neither the series nor `reference` (e.g. the prior's
    training set), as a share of the valid unique ones; near_copy_rate: valid samples identical
    to a series member or at Tanimoto >= near_copy to one."""
    from rdkit import Chem

    from .similarity import tanimoto_aggregate

    samples = [str(s) for s in samples]
    if not samples:
        raise DataError("no samples to compare with the series.")
    scaffold = scaffold or series_scaffold(series)
    core = Chem.MolFromSmiles(scaffold)
    s_mols = [m for m in _mols(series) if m is not None]
    g_mols = _mols(samples)
    valid = [m for m in g_mols if m is not None]
    n, nv = len(samples), len(valid)
    out = {"n": n, "valid": nv / n, "scaffold": scaffold}
    if not nv:
        return {**out, "scaffold_share": 0.0, "mean_nn_tanimoto": float("nan"), "novelty": float("nan"),
                "near_copy_rate": 0.0}
    canon = [Chem.MolToSmiles(m) for m in valid]
    series_canon = {Chem.MolToSmiles(m) for m in s_mols}
    ref = set() if reference is None else {str(s) for s in reference}
    nn = tanimoto_aggregate(_fingerprints(valid), _fingerprints(s_mols), agg="max")
    has_core = np.array([m.HasSubstructMatch(core) for m in valid])
    unique = set(canon)
    copies = np.array([c in series_canon for c in canon]) | (nn >= near_copy)
    out.update(scaffold_share=float(has_core.sum()) / n, mean_nn_tanimoto=float(nn.mean()),
               novelty=len(unique - series_canon - ref) / len(unique), near_copy_rate=float(copies.sum()) / n,
               unique=len(unique) / nv)
    return out


def series_comparison(before: dict, after: dict) -> pd.DataFrame:
    """The before/after table of two `series_similarity` results."""
    keys = ["valid", "unique", "scaffold_share", "mean_nn_tanimoto", "novelty", "near_copy_rate"]
    return pd.DataFrame({"before": [before.get(k) for k in keys], "after": [after.get(k) for k in keys]},
                        index=pd.Index(keys, name="measure"))
