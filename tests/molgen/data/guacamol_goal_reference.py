"""Make guacamol_goal_reference.json: the `guacamol` package's own scores of GuacaMol's goal-directed tasks.

CI never installs guacamol (it pins old dependencies). Run this once in a throw-away environment:

    python3 -m venv /tmp/guacenv
    /tmp/guacenv/bin/pip install guacamol==0.5.5 --no-deps && /tmp/guacenv/bin/pip install rdkit numpy scipy joblib tqdm
    /tmp/guacenv/bin/python tests/molgen/data/guacamol_goal_reference.py     # from the repo root

Two shims, neither touching the scoring code: guacamol's utils import `scipy.histogram` (removed from
SciPy; an alias of numpy.histogram) and `standard_benchmarks` imports `fcd` for the distribution
benchmarks only (a stub module: no goal-directed task calls it).
Molecules: every 40th of the first 1,400 MOSES test molecules (35), the tasks' target and start
molecules, and a few hand-written ones that hit the isomer formulas and the hop SMARTS.
"""

import gzip
import json
import sys
import types
from pathlib import Path

import numpy
import scipy

scipy.histogram = numpy.histogram          # shim 1: removed SciPy alias used at import time
sys.modules.setdefault("fcd", types.ModuleType("fcd"))  # shim 2: FCD is not used by goal-directed tasks

import guacamol  # noqa: E402
import rdkit  # noqa: E402
from guacamol import standard_benchmarks as sb  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
OUT = Path(__file__).with_suffix(".json")

TASKS = {
    "celecoxib_rediscovery": lambda: sb.similarity(
        smiles="CC1=CC=C(C=C1)C1=CC(=NN1C1=CC=C(C=C1)S(N)(=O)=O)C(F)(F)F", name="Celecoxib", fp_type="ECFP4",
        threshold=1.0, rediscovery=True),
    "troglitazone_rediscovery": lambda: sb.similarity(
        smiles="Cc1c(C)c2OC(C)(COc3ccc(CC4SC(=O)NC4=O)cc3)CCc2c(C)c1O", name="Troglitazone", fp_type="ECFP4",
        threshold=1.0, rediscovery=True),
    "thiothixene_rediscovery": lambda: sb.similarity(
        smiles="CN(C)S(=O)(=O)c1ccc2Sc3ccccc3C(=CCCN4CCN(C)CC4)c2c1", name="Thiothixene", fp_type="ECFP4",
        threshold=1.0, rediscovery=True),
    "aripiprazole_similarity": lambda: sb.similarity(
        smiles="Clc4cccc(N3CCN(CCCCOc2ccc1c(NC(=O)CC1)c2)CC3)c4Cl", name="Aripiprazole", fp_type="ECFP4",
        threshold=0.75),
    "albuterol_similarity": lambda: sb.similarity(smiles="CC(C)(C)NCC(O)c1ccc(O)c(CO)c1", name="Albuterol",
                                                  fp_type="FCFP4", threshold=0.75),
    "mestranol_similarity": lambda: sb.similarity(
        smiles="COc1ccc2[C@H]3CC[C@@]4(C)[C@@H](CC[C@@]4(O)C#C)[C@@H]3CCc2c1", name="Mestranol", fp_type="AP",
        threshold=0.75),
    "isomers_c11h24": sb.isomers_c11h24,
    "isomers_c9h10n2o2pf2cl": sb.isomers_c9h10n2o2pf2cl,
    "isomers_c7h8n2o2": sb.isomers_c7h8n2o2,
    "median1": sb.median_camphor_menthol,
    "median2": sb.median_tadalafil_sildenafil,
    "osimertinib_mpo": sb.hard_osimertinib,
    "fexofenadine_mpo": sb.hard_fexofenadine,
    "ranolazine_mpo": sb.ranolazine_mpo,
    "perindopril_mpo": sb.perindopril_rings,
    "amlodipine_mpo": sb.amlodipine_rings,
    "sitagliptin_mpo": sb.sitagliptin_replacement,
    "zaleplon_mpo": sb.zaleplon_with_other_formula,
    "valsartan_smarts": sb.valsartan_smarts,
    "deco_hop": sb.decoration_hop,
    "scaffold_hop": sb.scaffold_hop,
    "qed": sb.qed_benchmark,
}

EXTRA = [
    "CC1=CC=C(C=C1)C1=CC(=NN1C1=CC=C(C=C1)S(N)(=O)=O)C(F)(F)F",          # celecoxib
    "Cc1c(C)c2OC(C)(COc3ccc(CC4SC(=O)NC4=O)cc3)CCc2c(C)c1O",              # troglitazone
    "Clc4cccc(N3CCN(CCCCOc2ccc1c(NC(=O)CC1)c2)CC3)c4Cl",                  # aripiprazole
    "COc1cc(N(C)CCN(C)C)c(NC(=O)C=C)cc1Nc2nccc(n2)c3cn(C)c4ccccc34",      # osimertinib
    "CC(C)(C(=O)O)c1ccc(cc1)C(O)CCCN2CCC(CC2)C(O)(c3ccccc3)c4ccccc4",    # fexofenadine
    "COc1ccccc1OCC(O)CN2CCN(CC(=O)Nc3c(C)cccc3C)CC2",                     # ranolazine
    "O=C(OCC)C(NC(C(=O)N1C(C(=O)O)CC2CCCCC12)C)CCC",                      # perindopril
    "Fc1cc(c(F)cc1F)CC(N)CC(=O)N3Cc2nnc(n2CC3)C(F)(F)F",                  # sitagliptin
    "O=C(C)N(CC)C1=CC=CC(C2=CC=NC3=C(C=NN23)C#N)=C1",                     # zaleplon
    "CCCOc1cc2ncnc(Nc3ccc4ncsc4c3)c2cc1S(=O)(=O)C(C)(C)C",                # deco/scaffold hop start
    "CCCOc1cc2ncnc(Nc3ccc4ncsc4c3)c2cc1OC",                               # hop: scaffold kept, no sulfone
    "CCCOc1ccc(Nc2ccc3ncsc3c2)cc1",                                       # hop: decoration, other scaffold
    "CCCCCCCCCCC", "CC(C)CCCCCC(C)C", "CCCCCCCCCC",                        # C11H24 and a near miss
    "NC(=O)c1ccc(OP(F)(F)Cl)c(N)c1C",                                      # close to C9H10N2O2PF2Cl
    "Nc1ccc([N+](=O)[O-])cc1C",                                            # C7H8N2O2
    "CC(C)C1CCC(C)CC1O", "CC1(C)C2CCC1(C)C(=O)C2",                         # menthol, camphor
    "CCCCC(=O)N(Cc1ccc(-c2ccccc2-c2nnn[nH]2)cc1)C(C(C)C)C(=O)O",          # valsartan (its SMARTS)
    "CN(C=O)Cc1ccc(-c2ccccc2)cc1F",                                        # the valsartan SMARTS itself
    "CN(C=O)Cc1ccc(-c2ccccc2-c2nnn[nH]2)cc1",                              # ... near sitagliptin's properties
]


def main():
    with gzip.open(ROOT / "data" / "moses" / "test.smi.gz", "rt") as fh:
        test = [line.split()[0] for line in fh if line.strip()][:1400:40]
    molecules = test + EXTRA
    scores = {}
    for name, build in TASKS.items():
        objective = build().objective
        scores[name] = [float(objective.score(s)) for s in molecules]
    OUT.write_text(json.dumps({
        "made_by": "tests/molgen/data/guacamol_goal_reference.py",
        "guacamol_version": getattr(guacamol, "__version__", "0.5.5"), "rdkit_version": rdkit.__version__,
        "smiles": molecules, "scores": scores}, indent=1) + "\n")
    print(f"wrote {OUT}: {len(TASKS)} tasks x {len(molecules)} molecules")


if __name__ == "__main__":
    main()
