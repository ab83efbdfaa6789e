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
from ..evaluation.lead import KeyNumber, Lead, format_number, grade
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
    rep.lead = library_lead(score)
    if figures:
        _figures(rep, score)
    return rep


# what a chemist should notice first, and where "good" and "bad" start (valid under 0.9 is bad)
VALID_GOOD, VALID_BAD = 0.95, 0.90
UNIQUE_GOOD, UNIQUE_BAD = 0.99, 0.90
NOVELTY_GOOD, NOVELTY_BAD = 0.80, 0.50
NEAR_COPY_GOOD, NEAR_COPY_BAD = 0.05, 0.20
FCD_GOOD, FCD_BAD = 1.0, 3.0          # without an expected value (issue-14 target: FCD/Test <= 1.0)


def _fcd_thresholds(expected: float | None) -> tuple[float, float]:
    """Good / bad FCD/Test: near the expected figure (a prior's model card) when given, else absolute."""
    if expected is None:
        return FCD_GOOD, FCD_BAD
    return max(1.25 * expected, expected + 0.25), max(2.0 * expected, expected + 1.0)


def _pct(x: float) -> str:
    return f"{format_number(100 * x, 3)} %"


def library_lead(score) -> Lead:
    """The answer first: valid, unique, novel, FCD/Test and near copies, graded, with a sentence that
    names what a chemist should look at first (validity under 0.9, an FCD far from the expected
    one, many near copies of training compounds)."""
    m = {k: v for k, v in score.metrics.items() if v is not None and not (isinstance(v, float) and math.isnan(v))}
    expected_fcd = (score.expected or {}).get("FCD/Test")
    numbers, flags = [], []
    valid = m.get("valid")
    numbers.append(KeyNumber("valid", valid, status=grade(valid, VALID_GOOD, VALID_BAD),
                             note=f"{len(score.molecules):,} of {score.n_generated:,} SMILES parse and sanitise"))
    if valid is not None and valid < VALID_BAD:
        flags.append(f"only {_pct(valid)} of the SMILES are valid (under {_pct(VALID_BAD)})")
    uniq = next(((k, m[k]) for k in sorted((k for k in m if k.startswith("unique@")),
                                           key=lambda k: -int(k.split("@")[1]))), None)
    if uniq:
        numbers.append(KeyNumber(uniq[0], uniq[1], status=grade(uniq[1], UNIQUE_GOOD, UNIQUE_BAD)))
    if "Novelty" in m:
        numbers.append(KeyNumber("novelty", m["Novelty"], status=grade(m["Novelty"], NOVELTY_GOOD, NOVELTY_BAD),
                                 note="distinct valid molecules absent from the training set"))
    if "FCD/Test" in m:
        good, bad = _fcd_thresholds(expected_fcd)
        fcd_status = grade(m["FCD/Test"], good, bad, direction="minimize")
        note = ("lower is better; depends on sample sizes" if expected_fcd is None else
                f"expected about {format_number(expected_fcd)} (the model card's figure)")
        numbers.append(KeyNumber("FCD/Test", m["FCD/Test"], status=fcd_status, note=note))
        if expected_fcd is not None and fcd_status == "bad":
            flags.append(f"FCD/Test {format_number(m['FCD/Test'])} is far from the expected "
                         f"{format_number(expected_fcd)}: the library is not what the prior should give")
    if "near_copy_rate" in m:
        rate = m["near_copy_rate"]
        numbers.append(KeyNumber("near copies", rate, status=grade(rate, NEAR_COPY_GOOD, NEAR_COPY_BAD, "minimize"),
                                 note="identical or Tanimoto >= 0.9 to a training compound"))
        if rate > NEAR_COPY_BAD:
            flags.append(f"{_pct(rate)} of the valid molecules are near copies of training compounds")
    if flags:
        sentence = "Look first: " + "; ".join(flags) + "."
    else:
        parts = [f"{_pct(valid)} of {score.n_generated:,} SMILES are valid"]
        if uniq:
            parts.append(f"{_pct(uniq[1])} unique")
        if "Novelty" in m:
            parts.append(f"{_pct(m['Novelty'])} novel")
        sentence = ", ".join(parts) + (f"; FCD/Test {format_number(m['FCD/Test'])}" if "FCD/Test" in m else "")
        worst = Lead("", numbers).status
        sentence += {"bad": " — some figures are poor (marked).", "borderline": " — some figures are borderline."
                     }.get(worst, " — nothing stands out as wrong.")
    return Lead(sentence, numbers[:5])


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
