"""Score any generated library with the MOSES metrics, drug-likeness filters and near-copy checks.

    res = score_library(generated, reference=train_smiles, test=test_smiles, filters=DrugLikeFilter())
    res.metrics            # {"valid": ..., "unique@1000": ..., "FCD/Test": ..., "Novelty": ...}
    res.summary()          # the same as a DataFrame (metric, value, note), MOSES's order
    res.molecules          # one row per valid generated molecule
    res.write("out/score") # report.json, report.html, molecules.csv, molecules.sdf (atomic)

The definitions are MOSES's (Polykovskiy et al. 2020), implemented here from them and tested
against values computed by the MOSES reference implementation (tests/molgen/data):
- valid: share of inputs RDKit parses and sanitises (an empty string is invalid).
- unique@k: distinct canonical SMILES among the first k VALID ones, over k. Undefined (NaN, with
  a note) when there are fewer than k valid molecules — MOSES only warns and divides anyway.
- FCD/Test: Frechet distance between Gaussians fitted to ChemNet's penultimate activations of
  the valid generated and the test molecules (see `fcd`).
- SNN/Test: mean over valid generated molecules of the highest Tanimoto similarity to a test
  molecule (Morgan radius 2, 1024 bits).
- Frag/Test, Scaf/Test: cosine similarity of BRICS-fragment counts / Bemis-Murcko scaffold
  counts (scaffolds with at least 2 rings).
- IntDiv, IntDiv2: 1 - mean_i (mean_j T_ij^p)^(1/p) over all pairs of valid generated molecules
  (self-pairs included), p = 1, 2.
- Filters: share of valid molecules passing MOSES's filters (see `filters.moses_filter_reasons`).
- logP, SA, QED, weight: Wasserstein-1 distance between generated and test property values.
- Novelty: share of distinct valid generated molecules not in the (canonicalised) reference.
Duplicates count wherever MOSES counts them (every metric but unique@k and Novelty).
Beside them, GuacaMol's distribution-learning scores (`guacamol/validity`, `guacamol/uniqueness`,
`guacamol/novelty`, `guacamol/KL_score`, `guacamol/FCD_score`; definitions in `guacamol_metrics`).
Each metric's group, direction and bounds are declared where it is computed, below.

The reference side (features of the reference, test and scaffold-test sets, their ChemNet
statistics, GuacaMol's training-side statistics) is computed once per set and cached by content
hash, or read from a stats file (`refstats`, `reference_side`): values are identical either way.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np
import pandas as pd

from .._util.deprecation import renamed_kwargs, warn_deprecated
from .._util.random import as_rng
from .._util.results import ResultMixin
from .._util.timing import Stopwatch
from ..errors import DataWarning, InvalidSmilesError
from ..evaluation.metric import MetricResult, metric
from .fcd import ChemNet, frechet_distance
from .featurise import SetStatistics, featurise_all, set_statistics
from .guacamol_metrics import GUACAMOL_SAMPLES, guacamol_scores
from .properties import PROPERTY_NAMES, compute_properties
from .reference_side import resolve_reference_side
from .report import library_dict, library_report, write_library_score
from .similarity import cosine_similarity_counts, tanimoto_aggregate

NEAR_COPY_TANIMOTO = 0.9
METRIC_ORDER = ("valid", "unique@1000", "unique@10000", "FCD/Test", "SNN/Test", "Frag/Test", "Scaf/Test",
                "FCD/TestSF", "SNN/TestSF", "Frag/TestSF", "Scaf/TestSF", "IntDiv", "IntDiv2", "Filters",
                "Novelty", "logP", "SA", "QED", "weight", "guacamol/validity", "guacamol/uniqueness",
                "guacamol/novelty", "guacamol/KL_score", "guacamol/FCD_score")
UNIT, DISTANCE = (0.0, 1.0), (0.0, math.inf)


# --- the result -----------------------------------------------------------------------------

@dataclass
class LibraryScore(ResultMixin):
    """Metric rows (MOSES's names), the per-molecule table, notes and the seconds of each step."""
    rows: list
    molecules: pd.DataFrame
    notes: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    n_generated: int = 0
    reference_props: pd.DataFrame | None = None
    expected: dict = field(default_factory=dict)  # e.g. {"FCD/Test": 0.9}: the report flags a far value

    @property
    def metrics(self) -> Mapping[str, float]:
        """Metric name -> value (NaN where undefined for this input, e.g. unique@k with fewer than k).
        Read-only: the rows are the data."""
        return MappingProxyType({r.name: (r.value if r.value is not None else float("nan")) for r in self.rows})

    def summary(self) -> pd.DataFrame:
        """The metrics as a DataFrame (metric, value, note), MOSES's order."""
        metrics = self.metrics
        names = [m for m in METRIC_ORDER if m in metrics] + [m for m in metrics if m not in METRIC_ORDER]
        return pd.DataFrame({"metric": names, "value": [metrics[m] for m in names],
                             "note": [self.notes.get(m, "") for m in names]})

    def table(self) -> pd.DataFrame:
        """Deprecated name of `summary()`."""
        warn_deprecated("LibraryScore.table()", "LibraryScore.summary()")
        return self.summary()

    def __str__(self):
        return self.summary().to_string(index=False, float_format=lambda v: f"{v:.4f}")

    def to_report(self):
        """The metric rows and figures as a shared-core `pharmasynth.evaluation.Report`."""
        return library_report(self)

    def to_dict(self) -> dict:
        """What report.json holds: the report's rows and groups, `metrics` flat (MOSES names -> value)."""
        return library_dict(self, library_report(self, figures=False))

    def to_html(self, path=None) -> str:
        return self.to_report().to_html(path)

    def write(self, out_dir):
        """report.json, report.html, molecules.csv and molecules.sdf into `out_dir` (atomically)."""
        return write_library_score(self, out_dir)

    def save(self, out_dir):
        """Deprecated name of `write(out_dir)` (save/load are for models)."""
        warn_deprecated("LibraryScore.save(out_dir)", "LibraryScore.write(out_dir)")
        return self.write(out_dir)


def _row(name, group, value, *, direction, bounds, what, note="", scored=False) -> MetricResult:
    """One metric row; an undefined (NaN) value is a skipped row that says why."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MetricResult.skipped(name, group, note or "undefined for this input", direction=direction,
                                    bounds=tuple(bounds))
    return metric(name, group, float(value), direction=direction, bounds=bounds, score="auto" if scored else None,
                  notes=what + (f"; {note}" if note else ""))


# --- the steps ------------------------------------------------------------------------------

def _uniqueness(canon: list[str], ks, notes: dict) -> list[MetricResult]:
    rows = []
    for k in ks:
        if len(canon) < k:
            value, note = float("nan"), (f"undefined: only {len(canon):,} valid molecules, fewer than {k:,} "
                                         "(MOSES would divide by the smaller number and only warn)")
            notes[f"unique@{k}"] = note
            warnings.warn(f"unique@{k} is {note}.", DataWarning, stacklevel=4)
        else:
            value, note = len(set(canon[:k])) / k, ""
        rows.append(_row(f"unique@{k}", "fidelity", value, direction="higher", bounds=UNIT, note=note,
                         what=f"distinct among the first {k:,} valid molecules"))
    return rows


_AGAINST = {  # tag -> (metric text per kind, whether SNN/Frag/Scaf are scored)
    "Test": ({"FCD": "Frechet ChemNet distance to the test set (0 = same distribution)",
              "SNN": "mean Tanimoto to the nearest test molecule",
              "Frag": "cosine similarity of BRICS-fragment counts to the test set",
              "Scaf": "cosine similarity of Bemis-Murcko scaffold counts to the test set"}, True),
    "TestSF": ({"FCD": "FCD to the scaffold test set", "SNN": "SNN to the scaffold test set",
                "Frag": "Frag to the scaffold test set",
                "Scaf": "Scaf to the scaffold test set (0 by design: unseen scaffolds)"}, False),
}


def _against(gen: SetStatistics, ref: SetStatistics, tag: str, fcd: bool, device, watch) -> list[MetricResult]:
    """FCD (lower is better), SNN, Frag and Scaf (higher is better) of the generated set against `ref`."""
    what, scored = _AGAINST[tag]
    rows = []
    if fcd:
        rows.append(_row(f"FCD/{tag}", "fidelity", frechet_distance(ref.fcd, gen.fcd), direction="lower",
                         bounds=DISTANCE, what=what["FCD"]))
    with watch(f"SNN/{tag}"):
        snn = float(tanimoto_aggregate(gen.fps, ref.fps, "max", device=device).mean())
    for kind, value in (("SNN", snn), ("Frag", cosine_similarity_counts(ref.frag_counts, gen.frag_counts)),
                        ("Scaf", cosine_similarity_counts(ref.scaf_counts, gen.scaf_counts))):
        rows.append(_row(f"{kind}/{tag}", "fidelity", value, direction="higher", bounds=UNIT, what=what[kind],
                         scored=scored))
    return rows


def _property_distances(gen: SetStatistics, test: SetStatistics) -> list[MetricResult]:
    """Wasserstein-1 distances of the four MOSES properties to the test set (lower is better)."""
    from scipy.stats import wasserstein_distance

    rows = []
    for name, col, label in (("logP", "logp", "logP"), ("SA", "sa", "SA score"), ("QED", "qed", "QED"),
                             ("weight", "mw", "molecular weight (Da)")):
        j = PROPERTY_NAMES.index(col)
        rows.append(_row(name, "fidelity", float(wasserstein_distance(test.props[:, j], gen.props[:, j])),
                         direction="lower", bounds=DISTANCE, what=f"Wasserstein-1 distance of {label} to the test set"))
    return rows


def _internal_diversity(fps: np.ndarray, device) -> list[MetricResult]:
    div1, div2 = tanimoto_aggregate(fps, fps, "mean", p=(1, 2), device=device)
    return [_row("IntDiv", "fidelity", float(1 - div1.mean()), direction="higher", bounds=UNIT,
                 what="internal diversity, 1 - mean pairwise Tanimoto"),
            _row("IntDiv2", "fidelity", float(1 - div2.mean()), direction="higher", bounds=UNIT,
                 what="internal diversity with the root-mean-square similarity")]


def _molecule_table(g: dict, valid: np.ndarray, canon: list[str]) -> pd.DataFrame:
    mol = pd.DataFrame({"smiles": canon, "input_index": np.flatnonzero(valid)})
    for j, col in enumerate(PROPERTY_NAMES):
        mol[col] = g["props"][valid][:, j]
    mol["scaffold"] = [s for s, ok in zip(g["scaffold"], valid) if ok]
    mol["passes_moses_filters"] = g["moses_pass"][valid]
    return mol


def _novelty_and_near_copies(mol, fps, ref_fps, ref_canon, threshold, notes, device) -> list[MetricResult]:
    """Novelty (higher is better) and the share of near copies of a reference compound (lower is
    better); adds in_reference / nearest_reference / near_copy columns to `mol`."""
    ref_set, uniq = set(ref_canon), set(mol["smiles"])
    novelty = len(uniq - ref_set) / len(uniq)
    sim, arg = tanimoto_aggregate(fps, ref_fps, "max", return_argmax=True, device=device)
    mol["in_reference"] = [c in ref_set for c in mol["smiles"]]
    mol["nearest_reference"] = [ref_canon[a] for a in arg]
    mol["nearest_reference_tanimoto"] = sim
    mol["near_copy"] = mol["in_reference"] | (sim >= threshold)
    notes["near_copy_rate"] = (f"share of valid generated molecules identical to, or with Morgan Tanimoto >= "
                               f"{threshold} to, a reference (training) molecule")
    return [_row("Novelty", "privacy", novelty, direction="higher", bounds=UNIT, scored=True,
                 what="share of distinct valid molecules absent from the reference (training) set"),
            _row("near_copy_rate", "privacy", float(mol["near_copy"].mean()), direction="lower", bounds=UNIT,
                 scored=True, what="share identical or near-identical to a reference compound",
                 note=notes["near_copy_rate"])]


def _druglike(filters, mol, notes) -> list[MetricResult]:
    """The drug-likeness filter's pass rate (higher is better); per-molecule verdicts and reasons into `mol`."""
    from rdkit import Chem

    reasons = [filters.reasons(Chem.MolFromSmiles(s)) for s in mol["smiles"]]
    mol["passes_filters"] = [not r for r in reasons]
    mol["filter_reasons"] = ["; ".join(r) for r in reasons]
    notes["druglike_pass_rate"] = f"share of valid molecules passing {type(filters).__name__}"
    return [_row("druglike_pass_rate", "validity", float(np.mean(mol["passes_filters"])), direction="higher",
                 bounds=UNIT, scored=True, what="share of valid molecules passing the drug-likeness filter",
                 note=notes["druglike_pass_rate"])]


def property_utility(gen_fps, gen_qed, reference_fps, reference_smiles, test_fps, test_qed, notes: dict,
                     n_max: int = 5000, random_state=0, reference_qed=None) -> list[MetricResult]:
    """Train the same ridge model (Morgan bits -> QED) on generated and on real reference molecules,
    equal numbers drawn from `random_state`, and test both on real test molecules (R2, higher is
    better; the loss in percent, lower is better). No rows when there are too few molecules."""
    from sklearn.linear_model import Ridge
    from sklearn.metrics import r2_score
    from threadpoolctl import threadpool_limits

    rng = as_rng(random_state)
    n = min(len(gen_fps), len(reference_fps), n_max)
    if n < 50 or len(test_fps) < 20:
        return []
    gi = rng.choice(len(gen_fps), n, replace=False)
    ri = rng.choice(len(reference_fps), n, replace=False)
    y_ref = (reference_qed(ri) if reference_qed is not None else  # cached QED of the reference, when kept
             compute_properties([reference_smiles[i] for i in ri], ("qed",))["qed"].to_numpy())
    r2 = {}
    with threadpool_limits(1):
        for name, X, y in (("generated", gen_fps[gi], np.asarray(gen_qed)[gi]), ("real", reference_fps[ri], y_ref)):
            ok = np.isfinite(y)
            model = Ridge(alpha=10.0).fit(X[ok].astype(np.float32), y[ok])
            r2[name] = float(r2_score(test_qed, model.predict(test_fps.astype(np.float32))))
    notes["utility_r2_generated"] = (f"ridge regression on 1024 Morgan bits -> QED, trained on {n:,} generated vs "
                                     f"{n:,} real reference molecules, tested on {len(test_fps):,} real test molecules")
    high = (-math.inf, 1.0)
    rows = [_row("utility_r2_generated", "utility", r2["generated"], direction="higher", bounds=high,
                 what="R2 on real test molecules of a QED model trained on generated ones",
                 note=notes["utility_r2_generated"]),
            _row("utility_r2_real", "utility", r2["real"], direction="higher", bounds=high,
                 what="the same model trained on as many real reference molecules")]
    if r2["real"] > 0:
        rows.append(_row("utility_loss_percent", "utility", 100.0 * (r2["real"] - r2["generated"]) / r2["real"],
                         direction="lower", bounds=DISTANCE, what="100 x (R2 real - R2 generated) / R2 real"))
    return rows


_GUACAMOL = {  # name -> (group, what)
    "validity": ("validity", "GuacaMol validity: share of the first n SMILES RDKit parses"),
    "uniqueness": ("fidelity", "GuacaMol uniqueness: distinct (no stereo) among the first n valid, over n"),
    "novelty": ("privacy", "GuacaMol novelty: of the first n distinct molecules, share absent from the training "
                           "set (no stereo), over n"),
    "KL_score": ("fidelity", "GuacaMol KL score: mean exp(-KL) over 9 descriptors and internal similarity, vs a "
                             "seed-42 training subset"),
    "FCD_score": ("fidelity", "GuacaMol FCD score exp(-0.2 FCD) vs a seed-42 training subset (fcd_torch ChemNet; "
                              "GuacaMol's own uses the Keras ChemNet)"),
}


def _guacamol(g, side, n_samples, activations, chemnet_factory, notes) -> list[MetricResult]:
    """GuacaMol's distribution-learning scores (higher is better), informational beside MOSES's."""
    n = min(n_samples, len(g["canonical"]))
    ref, gref = side.reference, None
    if ref is not None:
        gref, _ = ref.guacamol_at(n, chemnet_factory)   # saved with the run's other additions, below
    scores = guacamol_scores(g, ref.flat_set if ref is not None else None, gref, n, activations)
    note = f"n = {n:,} (GuacaMol samples {n_samples:,}" + ("" if n == n_samples else "; the library is smaller") + ")"
    if "_kl" in scores:
        note += "; KL divergences: " + ", ".join(f"{k} {v:.3g}" for k, v in scores["_kl"].items())
    if "_fcd" in scores:
        note += f"; FCD vs the training subset {scores['_fcd']:.4g}"
    notes["guacamol"] = note
    return [_row(f"guacamol/{name}", group, scores[name], direction="higher", bounds=UNIT, what=what,
                 note=scores.get("_kl_error", "") if name == "KL_score" else "")
            for name, (group, what) in _GUACAMOL.items() if name in scores]


# --- scoring --------------------------------------------------------------------------------

@renamed_kwargs(scheduler="client")
def score_library(generated, reference=None, test=None, test_scaffolds=None, *, filters=None, k=(1000, 10000),
                  fcd: bool = True, intdiv: bool = True, utility: bool = True, guacamol: bool = True,
                  guacamol_samples: int = GUACAMOL_SAMPLES, near_copy_threshold: float = NEAR_COPY_TANIMOTO,
                  client=None, test_statistics: SetStatistics | None = None, reference_stats=None, cache=True,
                  expected: Mapping[str, float] | None = None, device="cpu", random_state=0) -> LibraryScore:
    """MOSES metrics of `generated` (list of SMILES, invalid ones included) against `reference`
    (training molecules: novelty, near copies), `test` (FCD/SNN/Frag/Scaf/property distances) and
    optionally `test_scaffolds` (the /TestSF variants). `filters` (e.g. DrugLikeFilter()) adds
    its pass rate and per-molecule reasons. `guacamol`: GuacaMol's distribution-learning scores
    beside MOSES's (`guacamol/...`, see `guacamol_metrics`; its sample size `guacamol_samples`).
    The reference side comes from `reference_stats` (a file from `write_reference_stats`) or from
    the content-hash cache (`cache`: True = default folder, False = off, or a folder; see
    `refstats`), so a second library against the same sets only featurises the library.
    `expected`: figures the report compares with, e.g. {"FCD/Test": 0.9} from a prior's model card.
    Featurisation fans out over a Dask `client` in chunks; the similarity products and ChemNet run
    on `device`. `random_state` draws the molecules of the utility model (the only metric that samples)."""
    generated = ["" if s is None else str(s) for s in generated]
    if not generated:
        raise InvalidSmilesError("the generated library is empty.")
    watch, notes, nets = Stopwatch(), {}, []

    def chemnet():
        if not nets:
            nets.append(ChemNet(device))
        return nets[0]

    with watch("featurise generated"):
        g = featurise_all(generated, client=client, desc="featurising generated")
    valid = np.array([c is not None for c in g["canonical"]], bool)
    if not valid.any():
        raise InvalidSmilesError(f"none of the {len(generated):,} generated SMILES is valid; nothing to score.")
    gen = set_statistics(None, feats=g, fcd=False, role="generated library")
    rows = [_row("valid", "validity", float(valid.mean()), direction="higher", bounds=UNIT, scored=True,
                 what="share of generated SMILES that RDKit parses and sanitises")]
    rows += _uniqueness(gen.canonical, k, notes)
    with watch("reference statistics"):
        side = resolve_reference_side(reference, test, test_scaffolds, reference_stats=reference_stats, cache=cache,
                                      fcd=fcd, client=client, chemnet_factory=chemnet)
    notes["reference_statistics"] = side.note()
    stats = test_statistics or side.test
    activations = None
    if fcd and (stats is not None or side.test_scaffolds is not None or (guacamol and side.reference is not None)):
        with watch("FCD generated"):
            activations = chemnet().activations(gen.canonical).astype(np.float64)
            if len(activations) >= 2:
                gen.fcd = {"mu": activations.mean(0), "sigma": np.cov(activations.T)}
    if stats is not None:
        rows += _against(gen, stats, "Test", fcd, device, watch)
        rows += _property_distances(gen, stats)
    if side.test_scaffolds is not None:
        with watch("scaffold-test metrics"):
            rows += _against(gen, side.test_scaffolds, "TestSF", fcd, device, watch)
    if intdiv:
        with watch("IntDiv"):
            rows += _internal_diversity(gen.fps, device)
    rows.append(_row("Filters", "validity", float(g["moses_pass"][valid].mean()), direction="higher", bounds=UNIT,
                     scored=True,
                     what="share of valid molecules passing MOSES's MCF + PAINS + atom/charge/ring filters"))
    mol = _molecule_table(g, valid, gen.canonical)
    ref = side.reference
    if ref is not None:
        with watch("reference: novelty + nearest"):
            ref_fps, ref_canon = ref.fps, ref.valid_canonical
            rows += _novelty_and_near_copies(mol, gen.fps, ref_fps, ref_canon, near_copy_threshold, notes, device)
    if guacamol:
        with watch("GuacaMol"):
            rows += _guacamol(g, side, guacamol_samples, activations, chemnet if fcd else None, notes)
    if filters is not None:
        with watch("filters"):
            rows += _druglike(filters, mol, notes)
    invalid = [(i, generated[i], g["reason"][i]) for i in np.flatnonzero(~valid)]
    notes["invalid_examples"] = "; ".join(f"#{i} {s!r}: {r}" for i, s, r in invalid[:5])
    if utility and ref is not None and stats is not None:
        with watch("utility"):
            rows += property_utility(gen.fps, mol["qed"].to_numpy(), ref_fps, ref_canon, stats.fps,
                                     stats.props[:, PROPERTY_NAMES.index("qed")], notes, random_state=random_state,
                                     reference_qed=ref.qed_for)
    if ref is not None and ref.dirty and side.store is not None and side.sources.get("reference") != "stats file":
        side.store.save_reference(ref)   # what this run added (GuacaMol's side at a new n, QED values)
    test_props = None if stats is None else pd.DataFrame(stats.props, columns=list(PROPERTY_NAMES))
    return LibraryScore(rows=rows, molecules=mol, notes=notes, seconds=watch.seconds, n_generated=len(generated),
                        reference_props=test_props, expected=dict(expected or {}))
