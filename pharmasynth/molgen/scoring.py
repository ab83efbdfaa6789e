"""Score any generated library with the MOSES metrics, drug-likeness filters and near-copy checks.

    res = score_library(generated, reference=train_smiles, test=test_smiles, filters=DrugLikeFilter())
    res.metrics            # {"valid": ..., "unique@1000": ..., "FCD/Test": ..., "Novelty": ...}
    res.molecules          # one row per valid generated molecule
    res.save("out/score")  # report.json, report.html, molecules.csv, molecules.sdf (atomic)

The definitions are MOSES's (Polykovskiy et al. 2020), implemented here from them and tested
against values computed by the MOSES reference implementation (tests/molgen/data):
- valid: share of inputs RDKit parses and sanitises (an empty string is invalid).
- unique@k: distinct canonical SMILES among the first k VALID ones, over k. Undefined (NaN, with
  a note) when there are fewer than k valid molecules — MOSES only warns and divides anyway.
- FCD/Test: Frechet distance between Gaussians fitted to ChemNet's penultimate activations of
  the valid generated and the test molecules. ChemNet's weights come from the `fcd_torch` wheel,
  loaded with torch.load(weights_only=True); nothing is downloaded.
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
"""

from __future__ import annotations

import math
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._util.random import as_rng
from ..errors import DataWarning, InvalidSmilesError

FP_BITS = 1024
CHUNK = 2000
NEAR_COPY_TANIMOTO = 0.9
METRIC_ORDER = ("valid", "unique@1000", "unique@10000", "FCD/Test", "SNN/Test", "Frag/Test", "Scaf/Test",
                "FCD/TestSF", "SNN/TestSF", "Frag/TestSF", "Scaf/TestSF", "IntDiv", "IntDiv2", "Filters",
                "Novelty", "logP", "SA", "QED", "weight")
PROPS = {"logP": "logp", "SA": "sa", "QED": "qed", "weight": "mw"}


# --- per-molecule features (one pass of RDKit per molecule, chunked, fanned out) ---------------

def featurise(smiles: list, with_filters: bool = True, light: bool = False) -> dict:
    """Canonical SMILES, Morgan fingerprints, BRICS fragments, scaffolds, properties, MOSES filter
    pass of a chunk of SMILES (module-level so Dask workers can import it)."""
    from rdkit import Chem, RDLogger
    from rdkit.Chem import AllChem, rdFingerprintGenerator
    from rdkit.Chem.Scaffolds import MurckoScaffold

    from .filters import passes_moses_filters
    from .properties import PROPERTY_NAMES, mol_properties

    RDLogger.DisableLog("rdApp.*")
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=FP_BITS)
    n = len(smiles)
    out = {"canonical": [None] * n, "fps": np.zeros((n, FP_BITS), np.uint8), "frags": [None] * n,
           "scaffold": [None] * n, "props": np.full((n, len(PROPERTY_NAMES)), np.nan), "moses_pass": np.zeros(n, bool),
           "reason": [None] * n}
    for i, s in enumerate(smiles):
        s = "" if s is None else str(s)
        mol = Chem.MolFromSmiles(s) if s else None
        if mol is None:
            out["reason"][i] = "empty" if not s else "RDKit cannot parse or sanitise it"
            continue
        can = Chem.MolToSmiles(mol)
        mol = Chem.MolFromSmiles(can)  # MOSES computes everything on the canonical SMILES' molecule
        if mol is None:
            out["reason"][i] = "canonical SMILES does not re-parse"
            continue
        out["canonical"][i] = can
        out["fps"][i] = gen.GetFingerprintAsNumPy(mol)
        if light:  # a reference set only needs canonical SMILES and fingerprints
            continue
        out["frags"][i] = Chem.MolToSmiles(AllChem.FragmentOnBRICSBonds(mol)).split(".")
        try:
            scaf = MurckoScaffold.GetScaffoldForMol(mol)
            scaf_smi = Chem.MolToSmiles(scaf)
            out["scaffold"][i] = scaf_smi if scaf_smi and scaf.GetRingInfo().NumRings() >= 2 else None
        except (ValueError, RuntimeError):
            out["scaffold"][i] = None
        p = mol_properties(mol, PROPERTY_NAMES)
        out["props"][i] = [p[k] for k in PROPERTY_NAMES]
        if with_filters:
            out["moses_pass"][i] = passes_moses_filters(mol)
    return out


def _featurise_task(args):
    return featurise(*args)


def _featurise_all(smiles, scheduler, with_filters, desc, light=False):
    from .._util.parallel import parallel_map

    chunks = [(list(smiles[i:i + CHUNK]), with_filters, light) for i in range(0, len(smiles), CHUNK)]
    parts = parallel_map(_featurise_task, chunks, client=scheduler, desc=desc)
    if not parts:
        return featurise([], with_filters)
    out = {}
    for k in parts[0]:
        if isinstance(parts[0][k], np.ndarray):
            out[k] = np.concatenate([p[k] for p in parts])
        else:
            out[k] = [x for p in parts for x in p[k]]
    return out


@dataclass
class SetStatistics:
    """What the metrics need of a molecule set (test, scaffold test): computed once, reusable."""
    fps: np.ndarray
    frag_counts: Counter
    scaf_counts: Counter
    props: np.ndarray
    fcd: dict | None
    n: int


def set_statistics(smiles, *, scheduler=None, fcd: bool = True, feats: dict | None = None) -> SetStatistics:
    f = feats or _featurise_all(list(smiles), scheduler, False, "featurising reference")
    ok = np.array([c is not None for c in f["canonical"]], bool)
    if not ok.any():
        raise InvalidSmilesError("the test set holds no valid molecule.")
    frags = Counter()
    for fr in (f["frags"][i] for i in np.flatnonzero(ok)):
        frags.update(fr)
    scafs = Counter(s for s, k in zip(f["scaffold"], ok) if k and s is not None)
    canon = [c for c in f["canonical"] if c is not None]
    return SetStatistics(f["fps"][ok], frags, scafs, f["props"][ok], fcd_statistics(canon) if fcd else None,
                         int(ok.sum()))


# --- similarity kernels ---------------------------------------------------------------------

def tanimoto_aggregate(query_fps: np.ndarray, stock_fps: np.ndarray, agg: str = "max", p=1,
                       block: int = 4096, return_argmax: bool = False, device=None):
    """Per query row: max (or power mean) of Tanimoto similarities to every stock row.

    Exact: intersections by a float32 matrix product of 0/1 fingerprints (counts <= 1024 are exact
    in float32), chunked over both sides so memory stays at block x block. 0/0 (two empty
    fingerprints) counts as similarity 1, as in MOSES. With agg="mean", `p` may be a tuple of
    powers, computed from the same products (one pass for IntDiv and IntDiv2).
    device: None = CUDA when torch sees a GPU, else CPU (0/1 inputs and integer counts stay exact
    under TF32 too: 0/1 are exact in its 10-bit mantissa and products accumulate in float32).
    """
    import torch

    dev = torch.device(device if device is not None else ("cuda" if torch.cuda.is_available() else "cpu"))
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
    if not ref or not gen:
        return float("nan")
    keys = list(set(ref) | set(gen))
    a = np.array([ref.get(k, 0) for k in keys], float)
    b = np.array([gen.get(k, 0) for k in keys], float)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# --- FCD ------------------------------------------------------------------------------------

_CHEMNET = None


def chemnet():
    """ChemNet (Preuer et al. 2018) from the fcd_torch wheel's weights, loaded without pickle code."""
    global _CHEMNET
    if _CHEMNET is None:
        import importlib.util
        import os

        import torch

        spec = importlib.util.find_spec("fcd_torch")
        if spec is None:
            raise ImportError("FCD needs the fcd_torch package (its wheel carries ChemNet's weights): "
                              "pip install fcd_torch")
        from fcd_torch.utils import load_imported_model

        path = os.path.join(os.path.dirname(spec.origin), "ChemNet_v0.13_pretrained.pt")
        model = load_imported_model(torch.load(path, weights_only=True, map_location="cpu"))
        _CHEMNET = model.eval()
    return _CHEMNET


def chemnet_activations(smiles: list[str], batch_size: int = 512) -> np.ndarray:
    import torch
    from fcd_torch.utils import get_one_hot

    model = chemnet()
    outs = []
    with torch.no_grad():
        for i in range(0, len(smiles), batch_size):
            x = np.stack([get_one_hot(s, 350) for s in smiles[i:i + batch_size]]) / 35.0
            outs.append(model(torch.from_numpy(x).float().transpose(1, 2)).numpy())
    return np.concatenate(outs) if outs else np.zeros((0, 512))


def fcd_statistics(canonical_smiles: list[str]) -> dict | None:
    if len(canonical_smiles) < 2:
        return None
    act = chemnet_activations(canonical_smiles).astype(np.float64)
    return {"mu": act.mean(0), "sigma": np.cov(act.T)}


def frechet_distance(a: dict | None, b: dict | None) -> float:
    if a is None or b is None:
        return float("nan")
    from fcd_torch.utils import calculate_frechet_distance

    with warnings.catch_warnings():  # fcd_torch passes scipy.linalg.sqrtm's deprecated `disp`
        warnings.simplefilter("ignore", DeprecationWarning)
        return float(calculate_frechet_distance(a["mu"], a["sigma"], b["mu"], b["sigma"]))


# --- the result -----------------------------------------------------------------------------

@dataclass
class LibraryScore:
    metrics: dict
    molecules: pd.DataFrame
    notes: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    n_generated: int = 0
    reference_props: pd.DataFrame | None = None
    _gen_fps: np.ndarray | None = field(default=None, repr=False)

    def table(self) -> pd.DataFrame:
        """The metrics as a DataFrame (name, value, note), MOSES's order."""
        names = [m for m in METRIC_ORDER if m in self.metrics] + [m for m in self.metrics if m not in METRIC_ORDER]
        return pd.DataFrame({"metric": names, "value": [self.metrics[m] for m in names],
                             "note": [self.notes.get(m, "") for m in names]})

    def __str__(self):
        return self.table().to_string(index=False, float_format=lambda v: f"{v:.4f}")

    def to_report(self):
        from .report import library_report

        return library_report(self)

    def save(self, out_dir) -> Path:
        from .report import save_library_score

        return save_library_score(self, out_dir)


def _unique_at(valid_canonical: list[str], k: int):
    if len(valid_canonical) < k:
        return float("nan"), (f"undefined: only {len(valid_canonical):,} valid molecules, fewer than {k:,} "
                              "(MOSES would divide by the smaller number and only warn)")
    return len(set(valid_canonical[:k])) / k, ""


def score_library(generated, reference=None, test=None, test_scaffolds=None, *, filters=None, k=(1000, 10000),
                  fcd: bool = True, intdiv: bool = True, utility: bool = True, near_copy_threshold: float = NEAR_COPY_TANIMOTO,
                  scheduler=None, test_statistics: SetStatistics | None = None, random_state=0) -> LibraryScore:
    """MOSES metrics of `generated` (list of SMILES, invalid ones included) against `reference`
    (training molecules: novelty, near copies), `test` (FCD/SNN/Frag/Scaf/property distances) and
    optionally `test_scaffolds` (the /TestSF variants). `filters` (e.g. DrugLikeFilter()) adds
    its pass rate and per-molecule reasons. Work fans out over `scheduler` (Dask) in chunks."""
    as_rng(random_state)  # validated; every metric here is deterministic
    generated = ["" if s is None else str(s) for s in generated]
    if not generated:
        raise InvalidSmilesError("the generated library is empty.")
    t = {}
    t0 = time.perf_counter()
    g = _featurise_all(generated, scheduler, True, "featurising generated")
    t["featurise generated"] = time.perf_counter() - t0
    valid = np.array([c is not None for c in g["canonical"]], bool)
    canon = [c for c in g["canonical"] if c is not None]
    metrics, notes = {"valid": float(valid.mean())}, {}
    if not valid.any():
        raise InvalidSmilesError(f"none of the {len(generated):,} generated SMILES is valid; nothing to score.")
    for kk in k:
        metrics[f"unique@{kk}"], note = _unique_at(canon, kk)
        if note:
            notes[f"unique@{kk}"] = note
            warnings.warn(f"unique@{kk} is {note}.", DataWarning, stacklevel=2)
    fps, props = g["fps"][valid], g["props"][valid]
    frag_counts = Counter()
    for i in np.flatnonzero(valid):
        frag_counts.update(g["frags"][i])
    scaf_counts = Counter(s for s, ok in zip(g["scaffold"], valid) if ok and s is not None)
    gen_fcd = None
    if fcd and (test is not None or test_statistics is not None or test_scaffolds is not None):
        t0 = time.perf_counter()
        gen_fcd = fcd_statistics(canon)
        t["FCD generated"] = time.perf_counter() - t0

    def against(stats: SetStatistics, tag: str):
        if fcd:
            metrics[f"FCD/{tag}"] = frechet_distance(stats.fcd, gen_fcd)
        t1 = time.perf_counter()
        metrics[f"SNN/{tag}"] = float(tanimoto_aggregate(fps, stats.fps, "max").mean())
        t[f"SNN/{tag}"] = time.perf_counter() - t1
        metrics[f"Frag/{tag}"] = cosine_similarity_counts(stats.frag_counts, frag_counts)
        metrics[f"Scaf/{tag}"] = cosine_similarity_counts(stats.scaf_counts, scaf_counts)

    from scipy.stats import wasserstein_distance

    from .properties import PROPERTY_NAMES

    if test is not None or test_statistics is not None:
        t0 = time.perf_counter()
        stats = test_statistics or set_statistics(test, scheduler=scheduler, fcd=fcd)
        t["test statistics"] = time.perf_counter() - t0
        against(stats, "Test")
        for name, col in PROPS.items():
            j = PROPERTY_NAMES.index(col)
            metrics[name] = float(wasserstein_distance(stats.props[:, j], props[:, j]))
        ref_props = pd.DataFrame(stats.props, columns=list(PROPERTY_NAMES))
    else:
        stats, ref_props = None, None
    if test_scaffolds is not None:
        t0 = time.perf_counter()
        against(set_statistics(test_scaffolds, scheduler=scheduler, fcd=fcd), "TestSF")
        t["scaffold-test statistics + metrics"] = time.perf_counter() - t0
    if intdiv:
        t0 = time.perf_counter()
        div1, div2 = tanimoto_aggregate(fps, fps, "mean", p=(1, 2))
        metrics["IntDiv"], metrics["IntDiv2"] = float(1 - div1.mean()), float(1 - div2.mean())
        t["IntDiv"] = time.perf_counter() - t0
    metrics["Filters"] = float(g["moses_pass"][valid].mean())

    mol = pd.DataFrame({"smiles": canon, "input_index": np.flatnonzero(valid)})
    for j, col in enumerate(PROPERTY_NAMES):
        mol[col] = props[:, j]
    mol["scaffold"] = [s for s, ok in zip(g["scaffold"], valid) if ok]
    mol["passes_moses_filters"] = g["moses_pass"][valid]
    if reference is not None:
        t0 = time.perf_counter()
        ref = _featurise_all(list(reference), scheduler, False, "featurising reference", light=True)
        ref_ok = [c is not None for c in ref["canonical"]]
        ref_canon = [c for c in ref["canonical"] if c is not None]
        ref_set = set(ref_canon)
        uniq = set(canon)
        metrics["Novelty"] = len(uniq - ref_set) / len(uniq)
        sim, arg = tanimoto_aggregate(fps, ref["fps"][np.array(ref_ok, bool)], "max", return_argmax=True)
        mol["in_reference"] = [c in ref_set for c in canon]
        mol["nearest_reference"] = [ref_canon[a] for a in arg]
        mol["nearest_reference_tanimoto"] = sim
        mol["near_copy"] = mol["in_reference"] | (sim >= near_copy_threshold)
        metrics["near_copy_rate"] = float(mol["near_copy"].mean())
        notes["near_copy_rate"] = (f"share of valid generated molecules identical to, or with Morgan Tanimoto >= "
                                   f"{near_copy_threshold} to, a reference (training) molecule")
        t["reference: novelty + nearest"] = time.perf_counter() - t0
    if filters is not None:
        t0 = time.perf_counter()
        from rdkit import Chem

        reasons = [filters.reasons(Chem.MolFromSmiles(s)) for s in canon]
        mol["passes_filters"] = [not r for r in reasons]
        mol["filter_reasons"] = ["; ".join(r) for r in reasons]
        metrics["druglike_pass_rate"] = float(np.mean(mol["passes_filters"]))
        notes["druglike_pass_rate"] = f"share of valid molecules passing {type(filters).__name__}"
        t["filters"] = time.perf_counter() - t0
    invalid = [(i, generated[i], g["reason"][i]) for i in np.flatnonzero(~valid)]
    notes["invalid_examples"] = "; ".join(f"#{i} {s!r}: {r}" for i, s, r in invalid[:5])
    result = LibraryScore(metrics=metrics, molecules=mol, notes=notes, seconds=t, n_generated=len(generated),
                          reference_props=ref_props, _gen_fps=fps)
    if utility and reference is not None and stats is not None:
        from .report import property_utility

        t0 = time.perf_counter()
        keep = np.array(ref_ok, bool)
        property_utility(result, ref["fps"][keep], [c for c in ref["canonical"] if c is not None], stats.fps,
                         stats.props)
        t["utility"] = time.perf_counter() - t0
    return result


def _isnan(v) -> bool:
    return isinstance(v, float) and math.isnan(v)
