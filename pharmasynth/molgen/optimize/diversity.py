"""REINVENT's diversity filter (Blaschke et al. 2020, "IdenticalMurckoScaffold", binary output): a
memory of Bemis-Murcko scaffolds; once `bucket_size` good molecules (score >= min_score) share a
scaffold, further molecules on it score 0 for learning, and so does a repeat of a remembered molecule,
so the agent must move on to new chemotypes.
Only the reward the agent learns from is changed; the library keeps every molecule's true score."""

from __future__ import annotations

import numpy as np


def murcko_scaffold(smiles: str) -> str:
    """Bemis-Murcko scaffold SMILES ('' for an acyclic molecule)."""
    from rdkit import Chem
    from rdkit.Chem.Scaffolds import MurckoScaffold

    mol = Chem.MolFromSmiles(smiles)
    return MurckoScaffold.MurckoScaffoldSmiles(mol=mol) if mol is not None else ""


class ScaffoldMemory:
    def __init__(self, bucket_size: int = 25, min_score: float = 0.4):
        if int(bucket_size) < 1:
            raise ValueError(f"bucket_size must be >= 1, got {bucket_size}.")
        self.bucket_size, self.min_score = int(bucket_size), float(min_score)
        self.buckets: dict[str, list[str]] = {}

    def update(self, smiles, scores) -> np.ndarray:
        """The rewards to learn from: `scores`, set to 0 for molecules whose scaffold bucket is full.
        Good molecules not yet remembered are added to their bucket (in order)."""
        out = np.asarray(scores, float).copy()
        for i, (s, v) in enumerate(zip(smiles, out)):
            if s is None or not isinstance(s, str) or v < self.min_score:
                continue
            bucket = self.buckets.setdefault(murcko_scaffold(s), [])
            if s in bucket or len(bucket) >= self.bucket_size:  # a repeat, or a full bucket (as REINVENT)
                out[i] = 0.0
            else:
                bucket.append(s)
        return out

    def state(self) -> dict:
        return {"buckets": {k: list(v) for k, v in self.buckets.items()}}

    def load_state(self, state: dict) -> None:
        self.buckets = {k: list(v) for k, v in state["buckets"].items()}
