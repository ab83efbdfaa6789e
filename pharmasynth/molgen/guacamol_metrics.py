"""GuacaMol's distribution-learning metrics (Brown et al. 2019), beside MOSES's, on a fixed library.

Implemented from `guacamol.distribution_learning_benchmark` and `guacamol.utils.chemistry` (0.5.5)
and tested against values that package computed on the same inputs
(tests/molgen/data/make_guacamol_reference.py, guacamol_reference.json):

- validity: share of the first n SMILES that RDKit parses (GuacaMol's `is_valid`).
- uniqueness: distinct canonical SMILES without stereo among the first n valid ones, over n.
- novelty: among the first n distinct molecules (canonical SMILES with stereo), the share whose
  canonical SMILES without stereo is absent from the training set, over n.
- KL_score: mean over 10 features of exp(-KL(training || generated)): KL of Gaussian KDEs on 1,000
  points for BertzCT, MolLogP, MolWt, TPSA; KL of 10-bin histograms (bins from the training
  values) for the counts NumHAcceptors, NumHDonors, NumRotatableBonds, NumAliphaticRings,
  NumAromaticRings; KDE KL of each molecule's highest ECFP4 (4096 bits) Tanimoto to another
  molecule of its own set. Generated: the same first n distinct molecules; training: a random n
  of the training SMILES drawn as GuacaMol draws them (numpy's legacy generator, seed 42).
- FCD_score: exp(-0.2 FCD) between the first n valid molecules and the same seed-42 training
  subset. GuacaMol's own FCD uses the Keras ChemNet of the `fcd` package; this one is the
  PyTorch port in `fcd_torch` (see `fcd`), so FCD_score agrees with GuacaMol's to the precision
  of that port, not to 1e-6.

How a fixed library maps onto GuacaMol's protocol, which samples a generator: every metric reads
the library from its first line, as a generator that returns the library in order; n is
GuacaMol's number of samples, 10,000, or the library's size when it is smaller (noted).
GuacaMol's quirks are kept so that the scores agree: an empty SMILES is invalid for validity and
uniqueness but, in the novelty and KL samples, one distinct novel "molecule" (RDKit parses "" to an
empty molecule). One deviation: a SMILES whose RDKit canonical form does not re-parse counts as
invalid here (as in MOSES); GuacaMol would count it valid. RDKit produces such strings very rarely.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GUACAMOL_SAMPLES = 10_000
TRAINING_SUBSET_SEED = 42
KL_DESCRIPTORS = ("BertzCT", "MolLogP", "MolWt", "TPSA", "NumHAcceptors", "NumHDonors", "NumRotatableBonds",
                  "NumAliphaticRings", "NumAromaticRings")
N_CONTINUOUS = 4  # the first four are continuous (KDE), the rest counts (histogram)
ECFP4_BITS = 4096


# --- GuacaMol's pieces, as guacamol.utils.chemistry defines them -------------------------------

def continuous_kldiv(baseline: np.ndarray, sampled: np.ndarray) -> float:
    """KL(P || Q) of Gaussian KDEs (Scott's bandwidth) evaluated on 1,000 points over both ranges."""
    from scipy.stats import entropy, gaussian_kde

    both = np.hstack([baseline, sampled])
    x = np.linspace(both.min(), both.max(), num=1000)
    return float(entropy(gaussian_kde(baseline)(x) + 1e-10, gaussian_kde(sampled)(x) + 1e-10))


def discrete_kldiv(baseline: np.ndarray, sampled: np.ndarray) -> float:
    """KL(P || Q) of 10-bin density histograms, the bins set by the baseline's range."""
    from scipy.stats import entropy

    p, bins = np.histogram(baseline, bins=10, density=True)
    q, _ = np.histogram(sampled, bins=bins, density=True)
    return float(entropy(p + 1e-10, q + 1e-10))


def kl_descriptors(flat_smiles) -> np.ndarray:
    """(m, 9) GuacaMol descriptors of SMILES (rows of unparsable ones dropped, non-finite values 0)."""
    from rdkit import Chem
    from rdkit.ML.Descriptors import MoleculeDescriptors

    calc = MoleculeDescriptors.MolecularDescriptorCalculator(list(KL_DESCRIPTORS))
    rows = []
    for s in flat_smiles:
        mol = Chem.MolFromSmiles(s)
        if mol is None:
            continue
        d = np.array(calc.CalcDescriptors(mol), dtype=float)
        d[~np.isfinite(d)] = 0
        rows.append(d)
    return np.array(rows).reshape(-1, len(KL_DESCRIPTORS))


def nearest_neighbour_similarity(flat_smiles, block: int = 1000) -> np.ndarray:
    """Each molecule's highest ECFP4 (radius 2, 4096 bits) Tanimoto similarity to ANOTHER molecule of
    the set (GuacaMol's internal pairwise matrix with a zero diagonal, maximised over rows).

    Exact: intersection counts by a sparse x dense float32 product of 0/1 fingerprints (integers,
    exact), the ratio in float64 as RDKit computes it; 0/0 counts as 0, as in RDKit."""
    import torch
    from rdkit import Chem
    from rdkit.Chem import rdFingerprintGenerator

    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=ECFP4_BITS)
    mols = [m for m in (Chem.MolFromSmiles(s) for s in flat_smiles) if m is not None]
    if len(mols) < 2:
        return np.zeros(len(mols))
    x = torch.from_numpy(np.stack([gen.GetFingerprintAsNumPy(m) for m in mols]).astype(np.float32))
    dense_t = x.T.contiguous()
    counts = x.sum(1).double()
    best = np.zeros(len(mols))
    for i in range(0, len(mols), block):
        rows = x[i:i + block]
        inter = torch.sparse.mm(rows.to_sparse(), dense_t).double()
        union = counts[i:i + block, None] + counts[None, :] - inter
        sim = torch.where(union > 0, inter / union.clamp_min(1e-12), torch.zeros_like(inter))
        local = torch.arange(len(rows))
        sim[local, local + i] = 0.0  # not itself
        best[i:i + block] = sim.max(1).values.numpy()
    return best


def training_subset(n_items: int, n: int, seed: int = TRAINING_SUBSET_SEED) -> np.ndarray:
    """Positions GuacaMol's `get_random_subset(dataset, n, seed=42)` picks: numpy's legacy global
    generator seeded with 42, choice without replacement (a fixed protocol, not a random draw of ours)."""
    return np.random.RandomState(seed).choice(n_items, n, replace=False)


def _unique_in_order(items) -> list:
    seen, out = set(), []
    for x in items:
        if x is not None and x not in seen:
            seen.add(x)
            out.append(x)
    return out


# --- GuacaMol's sampling of a library read in order ------------------------------------------

def sample_valid(valid: np.ndarray, n: int, max_tries: int = 10) -> np.ndarray:
    """Indices `sample_valid_molecules(model, n, max_tries)` returns when the model yields the library
    in order: draws of the number still missing until n valid or n * max_tries drawn."""
    got, cursor, drawn = [], 0, 0
    while len(got) < n and drawn < max_tries * n and cursor < len(valid):
        r = n - len(got)
        got.extend(np.flatnonzero(valid[cursor:cursor + r]) + cursor)
        cursor += r
        drawn += r
    return np.asarray(got, dtype=int)


def sample_unique(keys: list, n: int, max_tries: int = 2) -> list:
    """Indices `sample_unique_molecules(model, n, max_tries)` keeps: first occurrences of distinct
    canonical SMILES (None = invalid), drawing as above."""
    got, seen, cursor, drawn = [], set(), 0, 0
    while len(got) < n and drawn < max_tries * n and cursor < len(keys):
        r = n - len(got)
        for i in range(cursor, min(cursor + r, len(keys))):
            k = keys[i]
            if k is not None and k not in seen:
                seen.add(k)
                got.append(i)
        cursor += r
        drawn += r
    return got


# --- the training side (cacheable) and the metrics ---------------------------------------------

@dataclass
class GuacamolReference:
    """What GuacaMol's KL and FCD scores need of the training set at sample size `n`."""
    n: int
    descriptors: np.ndarray        # (m, 9) of the distinct seed-42 training subset
    nearest: np.ndarray            # (m,) their nearest-neighbour ECFP4 similarities
    fcd: dict | None               # ChemNet mean / covariance of the subset (None without FCD)


def guacamol_reference(canonical: list, flat_raw: list, n: int, chemnet=None) -> GuacamolReference:
    """The training side at sample size n, from the training set's canonical SMILES with and without
    stereo, aligned with its input lines (None where invalid). `chemnet`: a ChemNet for the FCD part."""
    n_ref = min(n, len(flat_raw))
    idx = training_subset(len(flat_raw), n_ref)
    kl_set = _unique_in_order(flat_raw[i] for i in idx)
    fcd = None
    if chemnet is not None:
        fcd = chemnet.statistics([canonical[i] for i in idx if canonical[i] is not None])
    return GuacamolReference(n, kl_descriptors(kl_set), nearest_neighbour_similarity(kl_set), fcd)


def guacamol_scores(g: dict, training_flat: set | None, ref: GuacamolReference | None, n: int,
                    gen_activations: np.ndarray | None = None) -> dict:
    """GuacaMol's five scores of a featurised library `g` (`featurise` output, input order) as
    {name: value}, plus "_kl" (the ten divergences) and "_n". `training_flat`: the training set's
    canonical SMILES without stereo (novelty); `ref`: its KL/FCD side; `gen_activations`: ChemNet
    activations of the library's valid molecules in input order (FCD)."""
    from .fcd import frechet_distance

    canonical = g["canonical"]
    valid = np.array([c is not None for c in canonical], bool)
    n = min(n, len(valid))
    out = {"_n": n, "validity": float(valid[:n].mean())}
    first_valid = sample_valid(valid, n)
    out["uniqueness"] = len({g["flat_raw"][i] for i in first_valid}) / n
    # GuacaMol's `canonicalize("")` is "" (RDKit parses it to an empty molecule), so an empty SMILES
    # is one distinct, novel "molecule" in its novelty and KL samples: kept, so that scores agree
    empty = [r == "empty" for r in g["reason"]]
    keys = [c if c is not None else ("" if e else None) for c, e in zip(canonical, empty)]
    flats = [f if c is not None else ("" if e else None) for f, c, e in zip(g["flat"], canonical, empty)]
    distinct = {flats[i] for i in sample_unique(keys, n)} - {None}
    if training_flat is not None:
        out["novelty"] = len(distinct - training_flat) / n
    if ref is not None:
        flat = sorted(distinct)  # the order does not change a KDE or a histogram; sorted = reproducible
        desc, near = kl_descriptors(flat), nearest_neighbour_similarity(flat)
        kl = {}
        try:
            for j, name in enumerate(KL_DESCRIPTORS):
                f = continuous_kldiv if j < N_CONTINUOUS else discrete_kldiv
                kl[name] = f(ref.descriptors[:, j], desc[:, j])
            kl["internal_similarity"] = continuous_kldiv(ref.nearest, near)
            out["_kl"] = kl
            out["KL_score"] = float(np.mean([np.exp(-v) for v in kl.values()]))
        except (np.linalg.LinAlgError, ValueError) as exc:  # a KDE of constant or too few values
            out["KL_score"] = float("nan")
            out["_kl_error"] = (f"undefined: a Gaussian KDE of {name} needs varied values "
                                f"({len(flat):,} distinct generated molecules; {type(exc).__name__})")
        if ref.fcd is not None and gen_activations is not None and len(first_valid) >= 2:
            act = gen_activations[:len(first_valid)].astype(np.float64)
            fcd = frechet_distance(ref.fcd, {"mu": act.mean(0), "sigma": np.cov(act.T)})
            out["_fcd"] = fcd
            out["FCD_score"] = float(np.exp(-0.2 * fcd))
    return out
