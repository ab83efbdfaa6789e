"""A scored library as files people read: report.json, report.html, molecules.csv, molecules.sdf.

The metric rows go through the shared evaluation core (`pharmasynth.evaluation.Report`):
fidelity (FCD, SNN, Frag, Scaf, property distances), validity (valid, MOSES filters, drug-like
filters), privacy / IP (novelty, near copies of reference compounds) and utility (a property model
trained on generated vs on real molecules, tested on real ones), each with its direction.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np

from .._util import atomic_write_bytes, atomic_write_json, atomic_write_text

# name -> (group, direction, bounds, scored, what it means)
ROWS = {
    "valid": ("validity", "higher", (0, 1), True, "share of generated SMILES that RDKit parses and sanitises"),
    "Filters": ("validity", "higher", (0, 1), True, "share of valid molecules passing MOSES's MCF + PAINS + atom/charge/ring filters"),
    "druglike_pass_rate": ("validity", "higher", (0, 1), True, "share of valid molecules passing the drug-likeness filter"),
    "unique@1000": ("fidelity", "higher", (0, 1), False, "distinct among the first 1,000 valid molecules"),
    "unique@10000": ("fidelity", "higher", (0, 1), False, "distinct among the first 10,000 valid molecules"),
    "FCD/Test": ("fidelity", "lower", (0, math.inf), False, "Frechet ChemNet distance to the test set (0 = same distribution)"),
    "SNN/Test": ("fidelity", "higher", (0, 1), True, "mean Tanimoto to the nearest test molecule"),
    "Frag/Test": ("fidelity", "higher", (0, 1), True, "cosine similarity of BRICS-fragment counts to the test set"),
    "Scaf/Test": ("fidelity", "higher", (0, 1), True, "cosine similarity of Bemis-Murcko scaffold counts to the test set"),
    "FCD/TestSF": ("fidelity", "lower", (0, math.inf), False, "FCD to the scaffold test set"),
    "SNN/TestSF": ("fidelity", "higher", (0, 1), False, "SNN to the scaffold test set"),
    "Frag/TestSF": ("fidelity", "higher", (0, 1), False, "Frag to the scaffold test set"),
    "Scaf/TestSF": ("fidelity", "higher", (0, 1), False, "Scaf to the scaffold test set (0 by design: unseen scaffolds)"),
    "IntDiv": ("fidelity", "higher", (0, 1), False, "internal diversity, 1 - mean pairwise Tanimoto"),
    "IntDiv2": ("fidelity", "higher", (0, 1), False, "internal diversity with the root-mean-square similarity"),
    "logP": ("fidelity", "lower", (0, math.inf), False, "Wasserstein-1 distance of logP to the test set"),
    "SA": ("fidelity", "lower", (0, math.inf), False, "Wasserstein-1 distance of SA score to the test set"),
    "QED": ("fidelity", "lower", (0, math.inf), False, "Wasserstein-1 distance of QED to the test set"),
    "weight": ("fidelity", "lower", (0, math.inf), False, "Wasserstein-1 distance of molecular weight (Da) to the test set"),
    "Novelty": ("privacy", "higher", (0, 1), True, "share of distinct valid molecules absent from the reference (training) set"),
    "near_copy_rate": ("privacy", "lower", (0, 1), True, "share identical or near-identical to a reference compound"),
    "utility_r2_generated": ("utility", "higher", (-math.inf, 1), False, "R2 on real test molecules of a QED model trained on generated ones"),
    "utility_r2_real": ("utility", "higher", (-math.inf, 1), False, "the same model trained on as many real reference molecules"),
    "utility_loss_percent": ("utility", "lower", (0, math.inf), False, "100 x (R2 real - R2 generated) / R2 real"),
}


def property_utility(score, reference_fps, reference_smiles, test_fps, test_props, n_max: int = 5000, seed: int = 0):
    """Train the same ridge model (Morgan bits -> QED) on generated and on real reference
    molecules, equal numbers, and test both on real test molecules. Adds the rows to `score`."""
    from sklearn.linear_model import Ridge
    from sklearn.metrics import r2_score
    from threadpoolctl import threadpool_limits

    from .properties import PROPERTY_NAMES

    rng = np.random.default_rng(seed)
    gen = score._gen_fps
    n = min(len(gen), len(reference_fps), n_max)
    if n < 50 or len(test_fps) < 20:
        return
    gi = rng.choice(len(gen), n, replace=False)
    ri = rng.choice(len(reference_fps), n, replace=False)
    y_gen = score.molecules["qed"].to_numpy()[gi]
    from .properties import compute_properties

    y_ref = compute_properties([reference_smiles[i] for i in ri], ("qed",))["qed"].to_numpy()
    r2 = {}
    with threadpool_limits(1):
        for name, X, y in (("generated", gen[gi], y_gen), ("real", reference_fps[ri], y_ref)):
            ok = np.isfinite(y)
            model = Ridge(alpha=10.0).fit(X[ok].astype(np.float32), y[ok])
            r2[name] = float(r2_score(test_props[:, PROPERTY_NAMES.index("qed")], model.predict(test_fps.astype(np.float32))))
    score.metrics["utility_r2_generated"] = r2["generated"]
    score.metrics["utility_r2_real"] = r2["real"]
    if r2["real"] > 0:
        score.metrics["utility_loss_percent"] = 100.0 * (r2["real"] - r2["generated"]) / r2["real"]
    score.notes["utility_r2_generated"] = (f"ridge regression on 1024 Morgan bits -> QED, trained on {n:,} generated vs "
                                           f"{n:,} real reference molecules, tested on {len(test_fps):,} real test molecules")


def library_report(score):
    """The scored library as a shared-core Report (metric rows + figures)."""
    from ..evaluation.metric import MetricResult, metric
    from ..evaluation.report import Report

    rep = Report(title="pharmasynth molecule library report")
    for name, value in score.metrics.items():
        if name not in ROWS:
            continue
        group, direction, bounds, scored, what = ROWS[name]
        note = score.notes.get(name, "")
        if value is None or (isinstance(value, float) and math.isnan(value)):
            rep.add(MetricResult.skipped(name, group, note or "undefined for this input"))
            continue
        rep.add(metric(name, group, float(value), direction=direction, bounds=bounds,
                       score="auto" if scored else None, notes=(what + (f"; {note}" if note else ""))))
    rep.meta.update({"n_generated": score.n_generated, "n_valid": int(len(score.molecules)),
                     "seconds": score.seconds})
    _figures(rep, score)
    return rep


def _figures(rep, score):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mol = score.molecules
    labels = {"qed": "QED", "logp": "logP", "sa": "SA score", "mw": "molecular weight"}
    fig, axes = plt.subplots(1, 4, figsize=(13, 2.8))
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
        fig, ax = plt.subplots(figsize=(12, 3.3 * math.ceil(len(mols) / 6)))
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


def save_library_score(score, out_dir) -> Path:
    """report.json (flat `metrics` with MOSES's names), report.html, molecules.csv, molecules.sdf."""
    out_dir = Path(out_dir)
    rep = library_report(score)
    flat = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in score.metrics.items()}
    data = rep.to_dict()
    data.update({"metrics": flat, "metric_rows": data.get("metrics"), "notes": score.notes,
                 "seconds": score.seconds, "n_generated": score.n_generated, "n_valid": int(len(score.molecules))})
    atomic_write_json(out_dir / "report.json", data)
    rep.to_html(out_dir / "report.html")
    frame = score.molecules
    atomic_write_text(out_dir / "molecules.csv", frame.to_csv(index=False))
    atomic_write_bytes(out_dir / "molecules.sdf", molecules_sdf(frame).encode("utf-8"))
    return out_dir
