"""Similarity kernels of the MOSES metrics: Tanimoto over fingerprint sets, cosine over count tables."""

from __future__ import annotations

from collections import Counter

import numpy as np


def tanimoto_aggregate(query_fps: np.ndarray, stock_fps: np.ndarray, agg: str = "max", p=1,
                       block: int = 4096, return_argmax: bool = False, device="cpu"):
    """Per query row: max (or power mean) of Tanimoto similarities to every stock row.

    Exact: intersections by a float32 matrix product of 0/1 fingerprints (counts <= 1024 are exact
    in float32), chunked over both sides so memory stays at block x block. 0/0 (two empty
    fingerprints) counts as similarity 1, as in MOSES. With agg="mean", `p` may be a tuple of
    powers, computed from the same products (one pass for IntDiv and IntDiv2).
    device: where the products run, e.g. "cuda" (0/1 inputs and integer counts stay exact under
    TF32 too: 0/1 are exact in its 10-bit mantissa and products accumulate in float32).
    """
    import torch

    dev = torch.device(device)
    q = torch.from_numpy(np.ascontiguousarray(query_fps)).float().to(dev)
    s = torch.from_numpy(np.ascontiguousarray(stock_fps)).float().to(dev)
    qc, sc = q.sum(1), s.sum(1)
    powers = tuple(p) if isinstance(p, (tuple, list)) else (p,)
    best = torch.full((len(q),), -1.0, device=dev)
    sums = torch.zeros((len(powers), len(q)), dtype=torch.float64, device=dev)
    arg = torch.zeros(len(q), dtype=torch.long, device=dev)
    for i in range(0, len(q), block):
        qi = q[i:i + block]
        for j in range(0, len(s), block):
            inter = qi @ s[j:j + block].T
            union = qc[i:i + block, None] + sc[None, j:j + block] - inter
            sim = torch.where(union > 0, inter / union.clamp_min(1e-9), torch.ones_like(inter))
            if agg == "max":
                v, a = sim.max(1)
                upd = v > best[i:i + block]
                best[i:i + block] = torch.where(upd, v, best[i:i + block])
                arg[i:i + block] = torch.where(upd, a + j, arg[i:i + block])
            else:
                for k, pw in enumerate(powers):
                    sums[k, i:i + block] += (sim if pw == 1 else sim ** pw).sum(1, dtype=torch.float64)
    if agg == "max":
        out = best.double().cpu().numpy()
        return (out, arg.cpu().numpy()) if return_argmax else out
    means = [(sums[k] / len(s)) ** (1.0 / pw) for k, pw in enumerate(powers)]
    outs = [m.cpu().numpy() for m in means]
    return outs if isinstance(p, (tuple, list)) else outs[0]


def cosine_similarity_counts(ref: Counter, gen: Counter) -> float:
    """Cosine similarity of two count tables over the union of their keys; NaN if either is empty.

    The keys are summed in sorted order, so the last bits do not depend on string hashing (which
    Python randomises per process)."""
    if not ref or not gen:
        return float("nan")
    keys = sorted(set(ref) | set(gen))
    a = np.array([ref.get(k, 0) for k in keys], float)
    b = np.array([gen.get(k, 0) for k in keys], float)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
