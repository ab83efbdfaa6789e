"""Compute MOSES reference values ONCE with the MOSES reference implementation (molsets 0.3.1).

pharmasynth's `score_library` is tested against these stored values (tests/molgen/test_scoring.py),
so this script runs in a separate, throw-away environment that has MOSES, never in pharmasynth's:

    python3.11 -m venv /work/moses_env
    /work/moses_env/bin/pip install torch==2.13.0 "numpy<2" "pandas<2" scipy rdkit==2026.09.1 fcd_torch==1.0.7
    /work/moses_env/bin/pip install --no-deps molsets==0.3.1
    # molsets 0.3.1's SA scorer imports rdkit.six (gone from RDKit); the only patch is a shim:
    printf 'def iteritems(d):\\n    return iter(d.items())\\n' > /work/moses_env/lib/python3.11/site-packages/rdkit/six.py
    /work/moses_env/bin/python benchmarks/make_moses_reference.py

Input (all from the shipped data/moses files, so anyone can recompute them): 1,200 molecules of
the MOSES test set and the first 150 of the training set as "generated", 36 molecules that fail
MOSES's filters (charges, P/I/B atoms, an 8-ring, alerts), some repeated, plus 60 broken SMILES (syntax errors, valence errors, unclosed rings, empty strings); reference (train)
= the first 5,000 training molecules, canonicalised with the same RDKit (MOSES compares raw
strings); test = test-set lines 3,000-3,999; scaffold test = the first 1,000 scaffold-test lines.
"""

from __future__ import annotations

import gzip
import platform
import random
import sys
import warnings
from pathlib import Path
from results_file import write_results

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "molgen" / "data" / "moses_reference.json"


def read(name):
    with gzip.open(ROOT / "data" / "moses" / name, "rt") as fh:
        return [ln.split()[0] for ln in fh if ln.strip() and not ln.lower().startswith("smiles")]


# molecules that fail MOSES's filters for each of its reasons: charge, atom types, big ring, MCF/PAINS
FAILING = ["C[N+](C)(C)Cc1ccccc1", "CC(=O)[O-].c1ccncc1", "c1ccc(P(c2ccccc2)c2ccccc2)cc1", "Ic1ccc(CC(N)=O)cc1",
           "C1CCCCCCC1NC(=O)c1ccccc1", "O=C1C=CC(=O)c2ccccc21", "CC(C)=CC(=O)C=Cc1ccccc1", "O=[N+]([O-])c1ccc(O)cc1",
           "C=CC(=O)Nc1ccccc1", "CC1=CC(=O)C=CC1=O", "B(O)(O)c1ccccc1", "S=C=Nc1ccccc1"]


def broken(smiles, rng):
    kind = rng.randrange(5)
    if kind == 0:
        return smiles.replace(")", "", 1) if ")" in smiles else smiles + "("
    if kind == 1:
        return smiles + "1"                                   # unclosed ring
    if kind == 2:
        return "C(C)(C)(C)(C)" + smiles                       # pentavalent carbon
    if kind == 3:
        return smiles[: len(smiles) // 2] + "X" + smiles[len(smiles) // 2:]
    return ""


def main():
    import moses
    import rdkit
    import torch
    from moses.metrics import get_all_metrics
    from rdkit import Chem

    rng = random.Random(0)
    train, test, test_sf = read("train.smi.gz"), read("test.smi.gz"), read("test_scaffolds.smi.gz")
    gen = test[:1200] + train[:150]                                   # 150 are in the reference: not novel
    gen += FAILING * 3                                                 # break MOSES's filters
    gen += [gen[rng.randrange(len(gen))] for _ in range(80)]          # duplicates
    gen += [broken(rng.choice(test[:1200]), rng) for _ in range(60)]  # invalid strings
    rng.shuffle(gen)
    reference = [Chem.MolToSmiles(Chem.MolFromSmiles(s)) for s in train[:5000]]
    test_set, test_sf_set = test[3000:4000], test_sf[:1000]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metrics = get_all_metrics(gen, k=[1000, 10000], n_jobs=1, device="cpu", test=test_set,
                                  test_scaffolds=test_sf_set, train=reference)
    out = {
        "about": "MOSES get_all_metrics on the inputs below; see benchmarks/make_moses_reference.py",
        "command": "/work/moses_env/bin/python benchmarks/make_moses_reference.py",
        "versions": {"molsets": getattr(moses, "__version__", "0.3.1"), "rdkit": rdkit.__version__,
                     "torch": torch.__version__, "python": platform.python_version()},
        "patches": "rdkit.six shim (iteritems) so that molsets 0.3.1's sascorer imports; nothing else",
        "notes": "unique@10000 is computed by MOSES on fewer than 10,000 molecules (MOSES only warns); "
                 "pharmasynth reports it as undefined",
        "inputs": {"generated": gen, "reference": "data/moses/train.smi.gz lines [0, 5000), canonicalised",
                   "test": "data/moses/test.smi.gz lines [3000, 4000)",
                   "test_scaffolds": "data/moses/test_scaffolds.smi.gz lines [0, 1000)"},
        "metrics": {k: float(v) for k, v in metrics.items()},
    }
    write_results(OUT, out, indent=1)
    for k, v in out["metrics"].items():
        print(f"{k:<14}{v:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
