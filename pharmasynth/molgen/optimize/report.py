"""The optimisation report: the answer first (how good the best molecules are, at what cost), then the
top-k curves against objective calls, the best molecules drawn with their scores, the diversity of the
top 100 and the component scores of the top 20."""

from __future__ import annotations

import math

import numpy as np

from ..._util.figures import new_figure
from ...evaluation.lead import KeyNumber, Lead, grade
from ...evaluation.report import Report


def optimization_lead(result, baseline=None) -> Lead:
    s = result.summary().iloc[0]
    sentence = (f"{result.method} reached a top-10 mean score of {s['top10_mean']:.3f} (best {s['top1']:.3f}) "
                f"in {result.n_calls:,} of {result.budget:,} objective calls; AUC top-10 {s['auc_top10']:.3f}.")
    numbers = [
        KeyNumber("AUC top-10 (PMO)", float(s["auc_top10"]), note="area under the running top-10 mean, 0..1"),
        KeyNumber("top-10 mean score", float(s["top10_mean"])),
        KeyNumber("top-100 internal diversity", float(s["top100_diversity"]),
                  status=grade(float(s["top100_diversity"]), good=0.7, bad=0.5),
                  note=f"{int(s['top100_scaffolds'])} Bemis-Murcko scaffolds among the top 100"),
        KeyNumber("invalid SMILES proposed", float(s["invalid_fraction"]), unit="",
                  status=grade(float(s["invalid_fraction"]), good=0.1, bad=0.3, direction="minimize")),
    ]
    if baseline is not None:
        ratio = result.auc_top10 / baseline.auc_top10 if baseline.auc_top10 > 0 else float("nan")
        numbers.insert(1, KeyNumber(f"AUC top-10 vs {baseline.method}", ratio, unit="x",
                                    status=grade(ratio, good=1.1, bad=1.0),
                                    note=f"{baseline.method}: {baseline.auc_top10:.3f} at the same budget"))
        sentence += (f" That is {ratio:.2f}x the AUC of {baseline.method} at the same budget."
                     if math.isfinite(ratio) else "")
    if result.stopped_early:
        sentence += f" Stopped early: {result.stopped_early}"
    return Lead(sentence, numbers)


def optimization_report(result, baseline=None, figures: bool = True) -> Report:
    """A shared-core `Report` (no graded groups: it describes a search, it does not grade data)."""
    rep = Report(title=f"pharmasynth molecule optimisation: {result.objective.get('name', 'objective')} "
                       f"({result.method})", group_weights={})
    rep.lead = optimization_lead(result, baseline)
    rep.meta.update({"method": result.method, "prior": result.prior, "budget": result.budget,
                     "calls": result.n_calls, "seconds": round(result.seconds, 1), "settings": result.settings,
                     "objective": result.objective})
    rep.add_table("Summary", result.summary())
    comps = [c["name"] for c in result.objective.get("component", [])]
    top = result.top(20)
    rep.add_table("Best 20 molecules (total and transformed component scores)",
                  top[["smiles", "total", *[c for c in comps if c in top], "call"]])
    if figures and result.n_calls:
        _curve_figure(rep, result, baseline)
        _grid_figure(rep, result)
    if result.stopped_early:
        rep.warnings.append(f"stopped before the budget: {result.stopped_early}")
    return rep


def _curve_figure(rep, result, baseline):
    fig, ax = new_figure(figsize=(7, 3.6))
    for run, style in ((result, "-"), (baseline, "--")):
        if run is None:
            continue
        curve = run.top_k_curve((1, 10, 100))
        for k in (1, 10, 100):
            ax.plot(curve["call"], curve[f"top{k}"], style, label=f"{run.method} top-{k}")
    ax.set_xlim(0, result.budget)
    ax.set_xlabel("objective calls (unique molecules)")
    ax.set_ylabel("mean score of the best k")
    ax.legend(fontsize=7, loc="lower right")
    rep.add_figure("Top-k score vs objective calls", fig, "the running mean of the best 1, 10 and 100 molecules; "
                   "AUC top-10 is the area under the top-10 curve divided by the budget (PMO)")


def _grid_figure(rep, result, n: int = 12):
    from rdkit import Chem
    from rdkit.Chem import Draw

    top = result.top(n)
    mols = [Chem.MolFromSmiles(s) for s in top["smiles"]]
    legends = [f"#{i + 1}  score {t:.3f}  (call {int(c):,})" for i, (t, c) in enumerate(zip(top["total"], top["call"]))]
    img = Draw.MolsToGridImage(mols, molsPerRow=4, subImgSize=(260, 200), legends=legends)
    fig, ax = new_figure(figsize=(12, 3.0 * math.ceil(len(mols) / 4)))
    ax.imshow(np.asarray(img))
    ax.axis("off")
    div = result.top100_diversity()
    rep.add_figure("Best molecules", fig, f"drawn by RDKit; the top {div['n']} have internal diversity "
                   f"{div['internal_diversity']:.3f} and {div['n_scaffolds']} distinct Bemis-Murcko scaffolds")
