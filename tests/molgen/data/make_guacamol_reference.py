"""Compute GuacaMol reference values ONCE with the `guacamol` package (0.5.5), in a throw-away env.

pharmasynth's GuacaMol metrics (pharmasynth/molgen/guacamol_metrics.py) are tested against the
values this script stores in guacamol_reference.json; CI never installs guacamol:

    python3 -m venv /tmp/guacenv
    /tmp/guacenv/bin/pip install guacamol==0.5.5 --no-deps
    /tmp/guacenv/bin/pip install rdkit==2026.09.1 numpy scipy joblib tqdm
    # two env-only patches: guacamol does `from scipy import histogram` (gone from scipy; it was
    # numpy's histogram), and imports the Keras `fcd` package at module level (not installed: a stub)
    echo 'import numpy, scipy; scipy.histogram = numpy.histogram' > .../site-packages/sitecustomize.py
    mkdir .../site-packages/fcd && echo 'def __getattr__(n): raise RuntimeError(n)' > .../site-packages/fcd/__init__.py
    /tmp/guacenv/bin/python tests/molgen/data/make_guacamol_reference.py

GuacaMol scores a generator; a fixed library is fed to it as a generator that returns the library
in order, restarted for each benchmark (`LibraryGenerator`). Inputs (all from shipped files):
the MOSES-reference library of tests/molgen/data/moses_reference.json (test and training
molecules, filter failures, duplicates, broken SMILES); another source, the 4,999 NCI compounds
RDKit ships (salts, charges, metals); and stereoisomers of NCI molecules with their flat forms
(stored in the JSON); training set = the first 5,000 lines of data/moses/train.smi.gz. Cases:
number_samples = 400 / 500 (the library is longer: exercises GuacaMol's sampling loops) and
= the whole library (the first 600 MOSES-reference lines; the stereo set).
The FCD score is not computed here: guacamol's FrechetBenchmark needs the Keras `fcd` package.
"""

import gzip
import json
import platform
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import rdkit
import scipy
from guacamol.distribution_learning_benchmark import (KLDivBenchmark, NoveltyBenchmark, UniquenessBenchmark,
                                                      ValidityBenchmark)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


class LibraryGenerator:
    """A DistributionMatchingGenerator that returns the library in order (fewer when it runs out)."""

    def __init__(self, smiles):
        self.smiles, self.cursor = list(smiles), 0

    def generate(self, number_samples):
        out = self.smiles[self.cursor:self.cursor + number_samples]
        self.cursor += number_samples
        return out


def read(name, n=None):
    with gzip.open(ROOT / "data" / "moses" / name, "rt") as fh:
        lines = [ln.split()[0] for ln in fh if ln.strip()]
    return lines[:n] if n else lines


def nci(n=None):
    """RDKit's own copy of the first 5,000 NCI compounds (salts, charges, metals): another source."""
    from rdkit.Chem import RDConfig

    with open(Path(RDConfig.RDDataDir) / "NCI" / "first_5K.smi") as fh:
        lines = [ln.split()[0] for ln in fh if ln.strip()]
    return lines[:n] if n else lines


def stereo_library():
    """Stereoisomers of NCI molecules with unassigned stereocentres, each followed by its flat form and a
    repeat: GuacaMol's uniqueness and novelty count canonical SMILES WITHOUT stereo."""
    from rdkit import Chem
    from rdkit.Chem.EnumerateStereoisomers import EnumerateStereoisomers, StereoEnumerationOptions

    out, opts = [], StereoEnumerationOptions(maxIsomers=4, unique=True)
    for s in nci(250):
        mol = Chem.MolFromSmiles(s)
        if mol is None or "." in s:
            continue
        isomers = [Chem.MolToSmiles(m) for m in EnumerateStereoisomers(mol, options=opts)]
        if len(isomers) > 1:
            out += isomers + [s, isomers[0]]
    return out


def run_case(library, training, n):
    out = {}
    for key, bench in (("validity", ValidityBenchmark(n)), ("uniqueness", UniquenessBenchmark(n)),
                       ("novelty", NoveltyBenchmark(n, training)), ("KL_score", KLDivBenchmark(n, training))):
        res = bench.assess_model(LibraryGenerator(library))
        out[key] = float(res.score)
        if key == "KL_score":
            out["kl_divs"] = {k: float(v) for k, v in res.metadata["kl_divs"].items()}
    return out


def main():
    library = json.loads((HERE / "moses_reference.json").read_text())["inputs"]["generated"]
    training = read("train.smi.gz", 5000)
    cases = {}
    stereo = stereo_library()
    # small n keeps the test fast; the sampling loops are exercised whenever n < the library's size
    for name, lib, n in (("moses_library_n400", library, 400), ("moses_library_first600_all", library[:600], 600),
                         ("nci_n500", nci(), 500), ("nci_stereo_all", stereo, len(stereo))):
        cases[name] = {"n": n, "n_library": len(lib), **run_case(lib, training, n)}
        if name == "nci_stereo_all":
            cases[name]["library"] = lib
        print(name, {k: v for k, v in cases[name].items() if k not in ("library", "kl_divs")})
    out = {"about": "guacamol 0.5.5 distribution-learning scores of fixed libraries; see make_guacamol_reference.py",
           "command": "/tmp/guacenv/bin/python tests/molgen/data/make_guacamol_reference.py",
           "versions": {"guacamol": version("guacamol"), "rdkit": rdkit.__version__, "numpy": np.__version__,
                        "scipy": scipy.__version__, "python": platform.python_version()},
           "patches": "scipy.histogram = numpy.histogram (removed from scipy); a stub `fcd` module (Keras FCD "
                      "not installed, so no FCD score here)",
           "training": "first 5,000 lines of data/moses/train.smi.gz",
           "library_sources": {"moses_library_*": "tests/molgen/data/moses_reference.json inputs.generated",
                               "nci_n500": "rdkit/Data/NCI/first_5K.smi (first column), in the rdkit wheel",
                               "nci_stereo_all": "stored below (stereoisomers of NCI molecules, flat forms, repeats)"},
           "cases": cases}
    (HERE / "guacamol_reference.json").write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
