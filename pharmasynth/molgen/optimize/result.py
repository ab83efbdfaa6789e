"""What an optimisation run returns: the library in call order, its top-k curves and PMO's AUC top-10.

PMO (Gao et al. 2022, `main/optimizer.py: top_auc`): every `freq_log` = 100 calls, the mean score of
the best 10 molecules found so far; the area under that curve by the trapezoid rule (starting from 0
at call 0), the last stretch up to the budget held at the final value, divided by the budget. A run
that finds its final top-10 at once scores its top-10 mean; one that finds it late scores less.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..._util.results import ResultMixin


def top_k_mean_by_call(scores, k: int = 10) -> np.ndarray:
    """Element i: the mean of the best min(k, i+1) of scores[:i+1] (scores in call order)."""
    scores = np.asarray(scores, float)
    out = np.empty(len(scores))
    best: list[float] = []  # the running top k, kept sorted ascending
    for i, s in enumerate(scores):
        if len(best) < k:
            best.append(s)
            best.sort()
        elif s > best[0]:
            best[0] = s
            best.sort()
        out[i] = np.mean(best)
    return out


def auc_top_k(scores, budget: int, k: int = 10, freq_log: int = 100, finish: bool = True) -> float:
    """PMO's `top_auc`: area under the running top-k mean over calls, normalised by the budget, in [0, 1].

    `scores` are the objective values in call order (one per unique molecule). finish=True (PMO's
    final figure) holds the last value up to the budget when the run stopped early."""
    scores = np.asarray(scores, float)[:budget]
    n = len(scores)
    if n == 0:
        return 0.0
    running = top_k_mean_by_call(scores, k)
    total, prev, called = 0.0, 0.0, 0
    for idx in range(freq_log, min(n, budget), freq_log):
        now = running[idx - 1]  # PMO: the top-k of the first idx molecules
        total += freq_log * (now + prev) / 2.0
        prev, called = now, idx
    now = running[-1]
    total += (n - called) * (now + prev) / 2.0
    if finish and n < budget:
        total += (budget - n) * now
    return float(total / budget)


@dataclass
class OptimizationResult(ResultMixin):
    """The run's library (every unique molecule, in the order it was scored) and what it adds up to."""

    method: str
    library: pd.DataFrame
    budget: int
    objective: dict
    n_invalid: int = 0
    n_requests: int = 0
    seconds: float = 0.0
    settings: dict = field(default_factory=dict)
    prior: str = ""
    stopped_early: str = ""

    @property
    def n_calls(self) -> int:
        return int(len(self.library))

    @property
    def auc_top10(self) -> float:
        return auc_top_k(self.library["total"].to_numpy(), self.budget, k=10)

    def auc_top_k(self, k: int) -> float:
        return auc_top_k(self.library["total"].to_numpy(), self.budget, k=k)

    def top(self, n: int = 10) -> pd.DataFrame:
        """The n best molecules (ties: the one found first)."""
        return self.library.sort_values(["total", "call"], ascending=[False, True]).head(n).reset_index(drop=True)

    def top_k_curve(self, ks=(1, 10, 100)) -> pd.DataFrame:
        """Per call: the mean score of the best k molecules found so far, for each k."""
        scores = self.library["total"].to_numpy()
        data = {"call": np.arange(1, len(scores) + 1)}
        for k in ks:
            data[f"top{k}"] = top_k_mean_by_call(scores, k)
        return pd.DataFrame(data)

    def top100_diversity(self) -> dict:
        """Internal diversity (1 - mean pairwise Tanimoto, ECFP4 2048 bits) and distinct Bemis-Murcko
        scaffolds among the best 100 molecules."""
        from rdkit import Chem, DataStructs
        from rdkit.Chem import rdFingerprintGenerator
        from rdkit.Chem.Scaffolds import MurckoScaffold

        top = self.top(100)
        mols = [m for m in (Chem.MolFromSmiles(s) for s in top["smiles"]) if m is not None]
        gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
        fps = [gen.GetFingerprint(m) for m in mols]
        sims = [s for i in range(1, len(fps)) for s in DataStructs.BulkTanimotoSimilarity(fps[i], fps[:i])]
        scaffolds = {MurckoScaffold.MurckoScaffoldSmiles(mol=m) for m in mols}
        return {"n": len(mols), "internal_diversity": float(1 - np.mean(sims)) if sims else float("nan"),
                "n_scaffolds": len(scaffolds)}

    def summary(self) -> pd.DataFrame:
        """One row: the method and its headline figures."""
        scores = self.library["total"].to_numpy()
        top = np.sort(scores)[::-1]
        div = self.top100_diversity() if len(scores) else {"internal_diversity": np.nan, "n_scaffolds": 0}
        return pd.DataFrame([{
            "method": self.method, "calls": self.n_calls, "budget": self.budget, "auc_top10": self.auc_top10,
            "auc_top1": self.auc_top_k(1), "auc_top100": self.auc_top_k(100),
            "top1": float(top[0]) if len(top) else np.nan, "top10_mean": float(top[:10].mean()) if len(top) else np.nan,
            "top100_mean": float(top[:100].mean()) if len(top) else np.nan,
            "top100_diversity": div["internal_diversity"], "top100_scaffolds": div["n_scaffolds"],
            "invalid_fraction": self.n_invalid / self.n_requests if self.n_requests else np.nan,
            "seconds": self.seconds}])

    def to_dict(self) -> dict:
        curve = self.top_k_curve((1, 10, 100))
        every = curve[(curve["call"] % 100 == 0) | (curve["call"] == len(curve))]  # PMO logs every 100 calls
        return {"method": self.method, "prior": self.prior, "budget": self.budget, "objective": self.objective,
                "settings": self.settings, "n_invalid": self.n_invalid, "n_requests": self.n_requests,
                "stopped_early": self.stopped_early, "summary": self.summary().iloc[0].to_dict(),
                "top10": self.top(10)[["smiles", "total", "call"]].to_dict(orient="records"),
                "curve": every.to_dict(orient="list")}

    def write(self, out_dir) -> dict[str, Path]:
        """molecules.csv (the whole library, best first), result.json, report.json and report.html."""
        from ..._util.atomic import atomic_write_text
        from .report import optimization_report

        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = {"molecules": out_dir / "molecules.csv", "result": out_dir / "result.json"}
        table = self.library.sort_values(["total", "call"], ascending=[False, True])
        atomic_write_text(paths["molecules"], table.drop(columns=["valid"]).to_csv(index=False))
        self.to_json(paths["result"])
        paths.update(optimization_report(self).write(out_dir))
        return paths
