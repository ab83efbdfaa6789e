"""A scored library as files people read: report.json, report.html, molecules.csv, molecules.sdf.

The metric rows (each with the group, direction and bounds declared where `scoring` computes it)
go through the shared evaluation core (`pharmasynth.evaluation.Report`): fidelity (FCD, SNN, Frag,
Scaf, property distances), validity (valid, MOSES filters, drug-like filters), privacy / IP
(novelty, near copies of reference compounds) and utility (a property model trained on generated
vs on real molecules, tested on real ones).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np

from .._util.atomic import atomic_write_bytes, atomic_write_json, atomic_write_text
from .._util.figures import new_figure
from ..evaluation.metric import comparator
from ..evaluation.report import Report

# rows that measure a reference, not the generated library: shown as comparators, never averaged
# (the same QED model trained on as many REAL molecules is what `utility_r2_generated` is read against)
COMPARATOR_ROWS = {"utility_r2_real": "real reference"}


def library_report(score, figures: bool = True) -> Report:
    """The scored library as a shared-core Report: its metric rows (references as comparators), and
    (figures=True) its plots."""
    rep = Report(title="pharmasynth molecule library report",
                 missing_hints={"utility": "score with a reference set: the property model is trained on it"})
    rep.add(*(comparator(r, COMPARATOR_ROWS[r.name]) if r.name in COMPARATOR_ROWS and r.role == "result" else r
              for r in score.rows))
    rep.meta.update({"n_generated": score.n_generated, "n_valid": int(len(score.molecules)),
                     "seconds": score.seconds})
    if figures:
        _figures(rep, score)
    return rep


def library_dict(score, rep: Report) -> dict:
    """report.json: the report's data, with `metrics` flat (MOSES names -> value, None where undefined)
    and every row (results, then comparators, each with its `role`) under `metric_rows`."""
    flat = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in score.metrics.items()}
    data = rep.to_dict()
    data.update({"metrics": flat, "metric_rows": data.get("metrics") + data.get("comparators"), "notes": score.notes,
                 "seconds": score.seconds, "n_generated": score.n_generated, "n_valid": int(len(score.molecules))})
    return data


def _figures(rep, score):
    mol = score.molecules
    labels = {"qed": "QED", "logp": "logP", "sa": "SA score", "mw": "molecular weight"}
    fig, axes = new_figure(1, 4, figsize=(13, 2.8))
    for ax, (col, lab) in zip(axes, labels.items()):
        g = mol[col].dropna().to_numpy()
        r = score.reference_props[col].dropna().to_numpy() if score.reference_props is not None else np.array([])
        lo, hi = np.nanpercentile(np.r_[g, r], [0.5, 99.5]) if len(r) else np.nanpercentile(g, [0.5, 99.5])
        bins = np.linspace(lo, hi, 40)
        if len(r):
            ax.hist(r, bins=bins, density=True, alpha=0.5, label="test (real)")
        ax.hist(g, bins=bins, density=True, alpha=0.5, label="generated")
        ax.set_xlabel(lab)
    axes[0].legend(fontsize=7)
    rep.add_figure("Property distributions: generated vs test", fig, "densities; MOSES reports the Wasserstein-1 "
                   "distance between them", section="fidelity")
    scafs = mol["scaffold"].dropna().value_counts().head(12)
    if len(scafs):
        from rdkit import Chem
        from rdkit.Chem import Draw

        mols = [Chem.MolFromSmiles(s) for s in scafs.index]
        img = Draw.MolsToGridImage(mols, molsPerRow=6, subImgSize=(200, 160),
                                   legends=[f"{n:,} molecules" for n in scafs.to_numpy()])
        fig, ax = new_figure(figsize=(12, 3.3 * math.ceil(len(mols) / 6)))
        ax.imshow(np.asarray(img))
        ax.axis("off")
        rep.add_figure("Most frequent scaffolds among the generated molecules", fig,
                       "Bemis-Murcko scaffolds with at least two rings, drawn by RDKit", section="fidelity")


def molecules_sdf(frame) -> str:
    """The per-molecule table as SDF text (every column a property)."""
    from rdkit import Chem

    buf = io.StringIO()
    writer = Chem.SDWriter(buf)
    cols = [c for c in frame.columns if c != "smiles"]
    for row in frame.itertuples(index=False):
        m = Chem.MolFromSmiles(row.smiles)
        if m is None:
            continue
        m.SetProp("_Name", row.smiles)
        for c in cols:
            v = getattr(row, c)
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            m.SetProp(c, str(v))
        writer.write(m)
    writer.close()
    return buf.getvalue()


def write_library_score(score, out_dir) -> Path:
    """report.json (flat `metrics` with MOSES's names), report.html, molecules.csv, molecules.sdf."""
    out_dir = Path(out_dir)
    rep = library_report(score)
    atomic_write_json(out_dir / "report.json", library_dict(score, rep))
    rep.to_html(out_dir / "report.html")
    frame = score.molecules
    atomic_write_text(out_dir / "molecules.csv", frame.to_csv(index=False))
    atomic_write_bytes(out_dir / "molecules.sdf", molecules_sdf(frame).encode("utf-8"))
    return out_dir
