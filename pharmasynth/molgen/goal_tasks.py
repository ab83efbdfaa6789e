"""GuacaMol's goal-directed tasks (Brown et al. 2019, the v2 suite; PMO's RDKit-only tasks) as `Objective`s.

Built from GuacaMol's definitions (`guacamol.standard_benchmarks`) with RDKit only: the same target
molecules, fingerprints (count-based ECFP4/ECFP6/FCFP4, atom pairs up to 10 bonds, Gobbi 2D
pharmacophores), score modifiers (clipped, Gaussian, min/max Gaussian) and means. The scores equal
the `guacamol` package's own scoring functions to 1e-6 on valid molecules (tests/molgen/data/
guacamol_goal_reference.json and the script that made it). One deliberate difference: an invalid
SMILES scores 0 here (as in PMO/TDC), where GuacaMol returns -1.

    objective = goal_task("osimertinib_mpo")
    objective.score(["COc1cc(N(C)CCN(C)C)c(NC(=O)C=C)cc1Nc1nccc(-c2cn(C)c3ccccc23)n1"])

DRD2/GSK3B/JNK3 (PMO's ML-oracle tasks) need trained models and external data: not included.
"""

from __future__ import annotations

import difflib

from .objective import Objective
from .objective_components import Component
from .objective_transforms import Transform

T = Transform

CELECOXIB = "CC1=CC=C(C=C1)C1=CC(=NN1C1=CC=C(C=C1)S(N)(=O)=O)C(F)(F)F"
TROGLITAZONE = "Cc1c(C)c2OC(C)(COc3ccc(CC4SC(=O)NC4=O)cc3)CCc2c(C)c1O"
THIOTHIXENE = "CN(C)S(=O)(=O)c1ccc2Sc3ccccc3C(=CCCN4CCN(C)CC4)c2c1"
ARIPIPRAZOLE = "Clc4cccc(N3CCN(CCCCOc2ccc1c(NC(=O)CC1)c2)CC3)c4Cl"
ALBUTEROL = "CC(C)(C)NCC(O)c1ccc(O)c(CO)c1"
MESTRANOL = "COc1ccc2[C@H]3CC[C@@]4(C)[C@@H](CC[C@@]4(O)C#C)[C@@H]3CCc2c1"
OSIMERTINIB = "COc1cc(N(C)CCN(C)C)c(NC(=O)C=C)cc1Nc2nccc(n2)c3cn(C)c4ccccc34"
FEXOFENADINE = "CC(C)(C(=O)O)c1ccc(cc1)C(O)CCCN2CCC(CC2)C(O)(c3ccccc3)c4ccccc4"
RANOLAZINE = "COc1ccccc1OCC(O)CN2CCN(CC(=O)Nc3c(C)cccc3C)CC2"
PERINDOPRIL = "O=C(OCC)C(NC(C(=O)N1C(C(=O)O)CC2CCCCC12)C)CCC"
AMLODIPINE = r"Clc1ccccc1C2C(=C(/N/C(=C2/C(=O)OCC)COCCN)C)\C(=O)OC"
SITAGLIPTIN = "Fc1cc(c(F)cc1F)CC(N)CC(=O)N3Cc2nnc(n2CC3)C(F)(F)F"
SITAGLIPTIN_VALSARTAN = "NC(CC(=O)N1CCn2c(nnc2C(F)(F)F)C1)Cc1cc(F)c(F)cc1F"
ZALEPLON = "O=C(C)N(CC)C1=CC=CC(C2=CC=NC3=C(C=NN23)C#N)=C1"
CAMPHOR, MENTHOL = "CC1(C)C2CCC1(C)C(=O)C2", "CC(C)C1CCC(C)CC1O"
TADALAFIL = "O=C1N(CC(N2C1CC3=C(C2C4=CC5=C(OCO5)C=C4)NC6=C3C=CC=C6)=O)C"
SILDENAFIL = "CCCC1=NN(C2=C1N=C(NC2=O)C3=C(C=CC(=C3)S(=O)(=O)N4CCN(CC4)C)OCC)C"
DECO_HOP_START = "CCCOc1cc2ncnc(Nc3ccc4ncsc4c3)c2cc1S(=O)(=O)C(C)(C)C"
HOP_SCAFFOLD = "[#7]-c1n[c;h1]nc2[c;h1]c(-[#8])[c;h0][c;h1]c12"


def _sim(smiles, fp, transform=None, name="similarity"):
    return Component("similarity", name=name, options={"smiles": smiles, "fingerprint": fp}, transform=transform)


def _desc(descriptor, transform, name=None):
    return Component("descriptor", name=name or descriptor, options={"descriptor": descriptor}, transform=transform)


def _smarts(smarts, present: bool, name):
    # GuacaMol's SMARTSScoringFunction: 1 when present (inverse=False), 1 when absent (inverse=True)
    return Component("required" if present else "forbidden", name=name, options={"smarts": smarts})


def _formula(formula, name="formula"):
    return Component("formula", name=name, options={"formula": formula})


def _similarity_task(name, smiles, fp, threshold):
    return Objective([_sim(smiles, fp, T("clipped", upper_x=threshold))], "arithmetic", name)


def _properties_of(smiles):
    from rdkit import Chem
    from rdkit.Chem import Descriptors

    mol = Chem.MolFromSmiles(smiles)
    return Descriptors.MolLogP(mol), Descriptors.TPSA(mol), Descriptors.BertzCT(mol), Descriptors.MolWt(mol)


def _osimertinib():
    return Objective([_sim(OSIMERTINIB, "FCFP4", T("clipped", upper_x=0.8), "similar_fcfp4"),
                      _sim(OSIMERTINIB, "ECFP6", T("min_gaussian", mu=0.85, sigma=0.1), "not_too_similar_ecfp6"),
                      _desc("TPSA", T("max_gaussian", mu=100, sigma=10)),
                      _desc("MolLogP", T("min_gaussian", mu=1, sigma=1))], "geometric", "osimertinib_mpo")


def _fexofenadine():
    return Objective([_sim(FEXOFENADINE, "AP", T("clipped", upper_x=0.8)),
                      _desc("TPSA", T("max_gaussian", mu=90, sigma=10)),
                      _desc("MolLogP", T("min_gaussian", mu=4, sigma=1))], "geometric", "fexofenadine_mpo")


def _ranolazine():
    return Objective([_sim(RANOLAZINE, "AP", T("clipped", upper_x=0.7)),
                      _desc("MolLogP", T("max_gaussian", mu=7, sigma=1)),
                      Component("atom_count", name="fluorine", options={"element": "F"},
                                transform=T("gaussian", mu=1, sigma=1.0)),
                      _desc("TPSA", T("max_gaussian", mu=95, sigma=20))], "geometric", "ranolazine_mpo")


def _perindopril():
    return Objective([_sim(PERINDOPRIL, "ECFP4"),
                      _desc("NumAromaticRings", T("gaussian", mu=2, sigma=0.5))], "geometric", "perindopril_mpo")


def _amlodipine():
    return Objective([_sim(AMLODIPINE, "ECFP4"),
                      _desc("RingCount", T("gaussian", mu=3, sigma=0.5))], "geometric", "amlodipine_mpo")


def _sitagliptin():
    logp, tpsa, _, _ = _properties_of(SITAGLIPTIN)
    return Objective([_sim(SITAGLIPTIN, "ECFP4", T("gaussian", mu=0, sigma=0.1)),
                      _desc("MolLogP", T("gaussian", mu=logp, sigma=0.2)),
                      _desc("TPSA", T("gaussian", mu=tpsa, sigma=5)),
                      _formula("C16H15F6N5O")], "geometric", "sitagliptin_mpo")


def _zaleplon():
    return Objective([_sim(ZALEPLON, "ECFP4"), _formula("C19H17N3O2")], "geometric", "zaleplon_mpo")


def _valsartan():
    logp, tpsa, bertz, _ = _properties_of(SITAGLIPTIN_VALSARTAN)
    return Objective([_smarts("CN(C=O)Cc1ccc(c2ccccc2)cc1", True, "valsartan_smarts"),
                      _desc("MolLogP", T("gaussian", mu=logp, sigma=0.2)),
                      _desc("TPSA", T("gaussian", mu=tpsa, sigma=5)),
                      _desc("BertzCT", T("gaussian", mu=bertz, sigma=30))], "geometric", "valsartan_smarts")


def _deco_hop():
    return Objective([_sim(DECO_HOP_START, "PHCO", T("clipped", upper_x=0.85), "pharmacophore"),
                      _smarts("CS([#6])(=O)=O", False, "no_sulfone"),
                      _smarts("[#7]-c1ccc2ncsc2c1", False, "no_benzothiazole_amine"),
                      _smarts(HOP_SCAFFOLD, True, "keep_scaffold")], "arithmetic", "deco_hop")


def _scaffold_hop():
    return Objective([_sim(DECO_HOP_START, "PHCO", T("clipped", upper_x=0.75), "pharmacophore"),
                      _smarts("[#6]-[#6]-[#6]-[#8]-[#6]~[#6]~[#6]~[#6]~[#6]-[#7]-c1ccc2ncsc2c1", True,
                              "keep_decoration"),
                      _smarts(HOP_SCAFFOLD, False, "change_scaffold")], "arithmetic", "scaffold_hop")


# task name -> (builder, GuacaMol's benchmark name)
GOAL_TASKS = {
    "celecoxib_rediscovery": (lambda: _similarity_task("celecoxib_rediscovery", CELECOXIB, "ECFP4", 1.0),
                              "Celecoxib rediscovery"),
    "troglitazone_rediscovery": (lambda: _similarity_task("troglitazone_rediscovery", TROGLITAZONE, "ECFP4", 1.0),
                                 "Troglitazone rediscovery"),
    "thiothixene_rediscovery": (lambda: _similarity_task("thiothixene_rediscovery", THIOTHIXENE, "ECFP4", 1.0),
                                "Thiothixene rediscovery"),
    "aripiprazole_similarity": (lambda: _similarity_task("aripiprazole_similarity", ARIPIPRAZOLE, "ECFP4", 0.75),
                                "Aripiprazole similarity"),
    "albuterol_similarity": (lambda: _similarity_task("albuterol_similarity", ALBUTEROL, "FCFP4", 0.75),
                             "Albuterol similarity"),
    "mestranol_similarity": (lambda: _similarity_task("mestranol_similarity", MESTRANOL, "AP", 0.75),
                             "Mestranol similarity"),
    "isomers_c11h24": (lambda: Objective([_formula("C11H24")], "arithmetic", "isomers_c11h24"), "C11H24"),
    "isomers_c9h10n2o2pf2cl": (lambda: Objective([_formula("C9H10N2O2PF2Cl")], "arithmetic",
                                                 "isomers_c9h10n2o2pf2cl"), "C9H10N2O2PF2Cl"),
    "isomers_c7h8n2o2": (lambda: Objective([_formula("C7H8N2O2")], "arithmetic", "isomers_c7h8n2o2"), "C7H8N2O2"),
    "median1": (lambda: Objective([_sim(MENTHOL, "ECFP4", name="menthol"), _sim(CAMPHOR, "ECFP4", name="camphor")],
                                  "geometric", "median1"), "Median molecules 1"),
    "median2": (lambda: Objective([_sim(TADALAFIL, "ECFP6", name="tadalafil"),
                                   _sim(SILDENAFIL, "ECFP6", name="sildenafil")], "geometric", "median2"),
                "Median molecules 2"),
    "osimertinib_mpo": (_osimertinib, "Osimertinib MPO"),
    "fexofenadine_mpo": (_fexofenadine, "Fexofenadine MPO"),
    "ranolazine_mpo": (_ranolazine, "Ranolazine MPO"),
    "perindopril_mpo": (_perindopril, "Perindopril MPO"),
    "amlodipine_mpo": (_amlodipine, "Amlodipine MPO"),
    "sitagliptin_mpo": (_sitagliptin, "Sitagliptin MPO"),
    "zaleplon_mpo": (_zaleplon, "Zaleplon MPO"),
    "valsartan_smarts": (_valsartan, "Valsartan SMARTS"),
    "deco_hop": (_deco_hop, "Deco Hop"),
    "scaffold_hop": (_scaffold_hop, "Scaffold Hop"),
    "qed": (lambda: Objective([Component("qed")], "arithmetic", "qed"), "QED"),
}
# the tasks issue 15 asks for first (the benchmark's default set)
CORE_TASKS = ("celecoxib_rediscovery", "troglitazone_rediscovery", "aripiprazole_similarity", "isomers_c11h24",
              "isomers_c9h10n2o2pf2cl", "osimertinib_mpo", "fexofenadine_mpo", "ranolazine_mpo", "perindopril_mpo",
              "deco_hop", "scaffold_hop")


def goal_task(name: str) -> Objective:
    """A fresh `Objective` (its own call counter) for one GuacaMol task, by its PMO-style name."""
    if name not in GOAL_TASKS:
        close = difflib.get_close_matches(str(name), GOAL_TASKS, n=1)
        raise ValueError(f"unknown goal-directed task {name!r}." + (f" Did you mean {close[0]!r}?" if close else "")
                         + f" Known: {', '.join(GOAL_TASKS)}.")
    return GOAL_TASKS[name][0]()


def goal_task_names() -> list[str]:
    return list(GOAL_TASKS)
