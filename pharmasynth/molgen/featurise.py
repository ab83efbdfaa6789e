"""Per-molecule features for the MOSES metrics: one RDKit pass per molecule, in chunks, fanned out.

`featurise(chunk)` gives canonical SMILES, Morgan fingerprints, BRICS fragments, scaffolds, the
four properties and the MOSES filter verdict of each SMILES; `featurise_all` splits a library into
chunks of `CHUNK` and runs them through `parallel_map` (in-process or on a Dask `client`); the
result depends only on the input, so both give the same numbers. `set_statistics` condenses a
molecule set (test, scaffold test, a generated library) into what the metrics need.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from .._util.deprecation import renamed_kwargs
from .._util.parallel import parallel_map
from ..errors import InvalidSmilesError
from .fcd import ChemNet
from .filters import passes_moses_filters
from .io import quiet_rdkit
from .properties import PROPERTY_NAMES, mol_properties

FP_BITS = 1024
CHUNK = 2000
MIN_CHUNK, CHUNKS_PER_SET = 64, 8   # on a Dask client: spread a small set over the workers
# bump when `featurise` or `set_statistics` changes what they compute: cached reference statistics
# (refstats.py) made by another version are recomputed, never reused
FEATURISATION_VERSION = "2"


def featurise(smiles: list, with_filters: bool = True, light: bool = False) -> dict:
    """Canonical SMILES, Morgan fingerprints (radius 2, FP_BITS bits), BRICS fragments, scaffolds
    (at least 2 rings), properties and MOSES filter pass of a chunk of SMILES, and canonical SMILES
    without stereo (GuacaMol's: `flat_raw` from the input, `flat` from the canonical SMILES);
    `light`: canonical SMILES and fingerprints only (enough for a reference set). Module-level so that Dask workers
    can import it."""
    from rdkit import Chem
    from rdkit.Chem import AllChem, rdFingerprintGenerator
    from rdkit.Chem.Scaffolds import MurckoScaffold

    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=FP_BITS)
    n = len(smiles)
    out = {"canonical": [None] * n, "fps": np.zeros((n, FP_BITS), np.uint8), "frags": [None] * n,
           "scaffold": [None] * n, "props": np.full((n, len(PROPERTY_NAMES)), np.nan), "moses_pass": np.zeros(n, bool),
           "reason": [None] * n, "flat_raw": [None] * n, "flat": [None] * n}
    with quiet_rdkit():  # invalid molecules are counted and given a reason, not logged one by one
        for i, s in enumerate(smiles):
            s = "" if s is None else str(s)
            mol = Chem.MolFromSmiles(s) if s else None
            if mol is None:
                out["reason"][i] = "empty" if not s else "RDKit cannot parse or sanitise it"
                continue
            can = Chem.MolToSmiles(mol)
            # GuacaMol counts uniqueness and novelty on canonical SMILES without stereo: from the
            # input's molecule (uniqueness, its training set) and from the canonical SMILES (novelty, KL)
            out["flat_raw"][i] = Chem.MolToSmiles(mol, isomericSmiles=False)
            mol = Chem.MolFromSmiles(can)  # MOSES computes everything on the canonical SMILES' molecule
            if mol is None:
                out["reason"][i] = "canonical SMILES does not re-parse"
                continue
            out["canonical"][i] = can
            out["fps"][i] = gen.GetFingerprintAsNumPy(mol)
            out["flat"][i] = Chem.MolToSmiles(mol, isomericSmiles=False)
            if light:
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


def featurise_all(smiles, *, client=None, with_filters: bool = True, light: bool = False,
                  desc: str | None = None) -> dict:
    """`featurise` over chunks of at most CHUNK molecules, through `parallel_map`, concatenated in order.

    On a Dask `client` the chunks are smaller for small sets (at least CHUNKS_PER_SET of them, of at
    least MIN_CHUNK molecules), so that every worker gets a share: with 2 workers, one 2,000-molecule
    chunk would leave the other idle. The result does not depend on the chunking."""
    size = CHUNK if client is None else max(MIN_CHUNK, min(CHUNK, -(-len(smiles) // CHUNKS_PER_SET)))
    chunks = [(list(smiles[i:i + size]), with_filters, light) for i in range(0, len(smiles), size)]
    parts = parallel_map(_featurise_task, chunks, client=client, desc=desc)
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
    """What the metrics need of a molecule set (test, scaffold test, generated): computed once, reusable.

    The rows are the set's valid molecules; `canonical` their canonical SMILES."""
    fps: np.ndarray
    frag_counts: Counter
    scaf_counts: Counter
    props: np.ndarray
    fcd: dict | None
    n: int
    canonical: list | None = None


@renamed_kwargs(scheduler="client")
def set_statistics(smiles, *, client=None, fcd: bool = True, feats: dict | None = None,
                   chemnet: ChemNet | None = None, role: str = "test set") -> SetStatistics:
    """Fingerprints, fragment and scaffold counts, properties and (fcd=True) ChemNet statistics of
    the valid molecules among `smiles` (or of features `feats` already computed for them).

    `chemnet`: a loaded ChemNet to use (one is loaded for this call when fcd=True and none is given).
    """
    f = feats or featurise_all(list(smiles), client=client, with_filters=False, desc="featurising reference")
    ok = np.array([c is not None for c in f["canonical"]], bool)
    if not ok.any():
        raise InvalidSmilesError(f"the {role} holds no valid molecule.")
    frags = Counter()
    for fr in (f["frags"][i] for i in np.flatnonzero(ok)):
        frags.update(fr)
    scafs = Counter(s for s, k in zip(f["scaffold"], ok) if k and s is not None)
    canon = [c for c in f["canonical"] if c is not None]
    stats = None
    if fcd and len(canon) >= 2:
        stats = (chemnet or ChemNet()).statistics(canon)
    return SetStatistics(f["fps"][ok], frags, scafs, f["props"][ok], stats, int(ok.sum()), canon)
