"""Frechet ChemNet Distance: ChemNet's penultimate activations, their Gaussian statistics, the distance.

ChemNet (Preuer et al. 2018) comes from the `fcd_torch` wheel, whose file carries its weights;
they are read with torch.load(weights_only=True) and nothing is downloaded. A `ChemNet` is loaded
by whoever scores (once per `score_library` call) and passed down; nothing is cached in the module.
"""

from __future__ import annotations

import warnings

import numpy as np


class ChemNet:
    """ChemNet in eval mode on `device`: `activations(smiles)` and `statistics(smiles)`."""

    def __init__(self, device="cpu"):
        import os

        import fcd_torch
        import torch
        from fcd_torch.utils import load_imported_model

        path = os.path.join(os.path.dirname(fcd_torch.__file__), "ChemNet_v0.13_pretrained.pt")
        self.device = torch.device(device)
        self.model = load_imported_model(torch.load(path, weights_only=True, map_location="cpu"))
        self.model.to(self.device).eval()

    def activations(self, smiles: list[str], batch_size: int = 512) -> np.ndarray:
        """Penultimate-layer activations (n, 512) of canonical SMILES."""
        import torch
        from fcd_torch.utils import get_one_hot

        outs = []
        with torch.no_grad():
            for i in range(0, len(smiles), batch_size):
                x = np.stack([get_one_hot(s, 350) for s in smiles[i:i + batch_size]]) / 35.0
                x = torch.from_numpy(x).float().transpose(1, 2).to(self.device)
                outs.append(self.model(x).cpu().numpy())
        return np.concatenate(outs) if outs else np.zeros((0, 512))

    def statistics(self, canonical_smiles: list[str]) -> dict | None:
        """Mean and covariance of the activations; None for fewer than 2 molecules."""
        if len(canonical_smiles) < 2:
            return None
        act = self.activations(canonical_smiles).astype(np.float64)
        return {"mu": act.mean(0), "sigma": np.cov(act.T)}


def fcd_statistics(canonical_smiles: list[str], chemnet: ChemNet | None = None) -> dict | None:
    """`ChemNet.statistics` with a ChemNet loaded for this call when none is given."""
    if len(canonical_smiles) < 2:
        return None
    return (chemnet or ChemNet()).statistics(canonical_smiles)


def frechet_distance(a: dict | None, b: dict | None) -> float:
    """Frechet distance between two Gaussians given as {"mu", "sigma"}; NaN when either is None."""
    if a is None or b is None:
        return float("nan")
    from fcd_torch.utils import calculate_frechet_distance

    with warnings.catch_warnings():  # fcd_torch passes scipy.linalg.sqrtm's deprecated `disp`
        warnings.simplefilter("ignore", DeprecationWarning)
        return float(calculate_frechet_distance(a["mu"], a["sigma"], b["mu"], b["sigma"]))
