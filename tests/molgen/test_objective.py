"""The scoring file: transforms against REINVENT's own formulas, components against RDKit and external
values, aggregation, call counting and caching, and the errors a chemist's typo gets."""

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from rdkit import Chem, DataStructs, RDConfig
from rdkit.Chem import Descriptors, rdFingerprintGenerator

from pharmasynth.errors import DataError, RuleError
from pharmasynth.molgen import DrugLikeFilter
from pharmasynth.molgen.objective import Objective
from pharmasynth.molgen.objective_components import Component
from pharmasynth.molgen.objective_transforms import Transform

ROOT = Path(__file__).resolve().parents[2]
KINASE = ROOT / "data" / "objectives" / "kinase_lead_mpo.toml"
LEAD = "Cc1ccc(NC(=O)c2ccc(CN3CCN(C)CC3)cc2)cc1Nc1nccc(-c2cccnc2)n1"
NCI_SMI = Path(RDConfig.RDDataDir) / "NCI" / "first_5K.smi"          # NCI compounds: salts, charges, metals
NCI_TPSA = Path(RDConfig.RDDataDir) / "NCI" / "first_5k.tpsa.csv"    # TPSA by Ertl's tpsa.c / Daylight


# ---- transforms: REINVENT's formulas as reinvent-scoring writes them (math.pow, plain Python) ----------
def reinvent_sigmoid(x, low, high, k):
    return 1 / (1 + math.pow(10, 10 * k * (x - (low + high) * 0.5) / (low - high)))


def reinvent_reverse_sigmoid(x, low, high, k):
    return 1 / (1 + 10 ** (k * (x - (high + low) / 2) * 10 / (high - low)))


def reinvent_double_sigmoid(x, low, high, coef_div=100., coef_si=150., coef_se=150.):
    a = 10 ** (coef_se * (x / coef_div))
    b = 10 ** (coef_se * (x / coef_div)) + 10 ** (coef_se * (low / coef_div))
    c = 10 ** (coef_si * (x / coef_div)) / (10 ** (coef_si * (x / coef_div)) + 10 ** (coef_si * (high / coef_div)))
    return a / b - c


@pytest.mark.parametrize("x", [-1.0, 0.0, 1.3, 2.5, 3.9, 5.0, 7.2])
def test_transforms_equal_reinvents_formulas(x):
    assert Transform("sigmoid", low=1, high=5, k=0.3)([x])[0] == pytest.approx(reinvent_sigmoid(x, 1, 5, 0.3),
                                                                               abs=1e-12)
    assert Transform("reverse_sigmoid", low=1, high=5, k=0.3)([x])[0] == pytest.approx(
        reinvent_reverse_sigmoid(x, 1, 5, 0.3), abs=1e-12)
    assert Transform("double_sigmoid", low=1, high=4, coef_div=4, coef_si=10, coef_se=10)([x])[0] == pytest.approx(
        reinvent_double_sigmoid(x, 1, 4, 4, 10, 10), abs=1e-12)
    assert Transform("step", low=1, high=4)([x])[0] == float(1 <= x <= 4)


def test_transforms_do_not_overflow_where_the_literal_formula_would():
    with np.errstate(all="raise"):
        v = Transform("double_sigmoid", low=200, high=500)([0.0, 350.0, 1e4])  # coef 150/100: 10**15000 literally
    assert v[0] == pytest.approx(0, abs=1e-12) and v[1] == pytest.approx(1, abs=1e-9)
    assert v[2] == pytest.approx(0, abs=1e-12)
    with pytest.raises(OverflowError):
        reinvent_double_sigmoid(1e4, 200, 500)


def test_guacamol_modifiers():
    x = np.array([-1.0, 0.5, 2.0, 3.5])
    np.testing.assert_allclose(Transform("gaussian", mu=2, sigma=0.5)(x), np.exp(-0.5 * ((x - 2) / 0.5) ** 2))
    np.testing.assert_allclose(Transform("min_gaussian", mu=2, sigma=1)(x), [1, 1, 1, math.exp(-0.5 * 1.5 ** 2)])
    np.testing.assert_allclose(Transform("max_gaussian", mu=2, sigma=1)(x),
                               [math.exp(-4.5), math.exp(-0.5 * 1.5 ** 2), 1, 1])
    np.testing.assert_allclose(Transform("clipped", upper_x=0.8)([0.0, 0.4, 0.8, 1.0]), [0, 0.5, 1, 1])


@pytest.mark.parametrize("kind, params, message", [
    ("sigmod", {}, "Did you mean 'sigmoid'"),
    ("sigmoid", {"low": 1}, "missing high"),
    ("sigmoid", {"low": 1, "high": 1}, "must differ"),
    ("double_sigmoid", {"low": 5, "high": 1}, "must not exceed"),
    ("gaussian", {"mu": 1, "sigma": 0}, "sigma must be > 0"),
    ("step", {"low": 0, "high": 1, "k": 2}, "unknown k"),
    ("sigmoid", {"low": "one", "high": 2}, "finite number"),
])
def test_transform_errors(kind, params, message):
    with pytest.raises(ValueError, match=message):
        Transform(kind, **params)


# ---- components against RDKit and external values -----------------------------------------------
def test_components_measure_what_rdkit_measures():
    mol = Chem.MolFromSmiles(LEAD)
    assert Component("descriptor", options={"descriptor": "FractionCSP3"},
                     transform=Transform("none")).raw(mol) == Descriptors.FractionCSP3(mol)
    assert Component("logp", transform=Transform("gaussian", mu=3, sigma=1)).raw(mol) == Descriptors.MolLogP(mol)
    ref = Chem.MolFromSmiles("CC(=O)Nc1ccc(O)cc1")
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2)
    expected = DataStructs.TanimotoSimilarity(gen.GetSparseCountFingerprint(mol), gen.GetSparseCountFingerprint(ref))
    to_ethanol = DataStructs.TanimotoSimilarity(gen.GetSparseCountFingerprint(mol),
                                                gen.GetSparseCountFingerprint(Chem.MolFromSmiles("CCO")))
    refs = {"smiles": ["CC(=O)Nc1ccc(O)cc1", "CCO"]}
    assert Component("similarity", options={**refs, "aggregate": "max"}).raw(mol) == max(expected, to_ethanol)
    assert Component("similarity", options={**refs, "aggregate": "mean"}).raw(mol) == pytest.approx(
        (expected + to_ethanol) / 2)
    quinone = Chem.MolFromSmiles("O=C1C=CC(=O)c2ccccc21")
    assert Component("alerts").raw(quinone) == len(DrugLikeFilter(lipinski=False, veber=False).reasons(quinone)) >= 1
    hydrogens = Component("atom_count", options={"element": "H"}, transform=Transform("none"))
    assert hydrogens.raw(Chem.MolFromSmiles("CCO")) == 6
    assert Component("formula", options={"formula": "C2H6O"}).raw(Chem.MolFromSmiles("CCO")) == pytest.approx(1.0)


def test_tpsa_component_matches_ertls_program_on_nci_compounds():
    """External reference: TPSA of NCI compounds computed with Ertl's tpsa.c (shipped with RDKit)."""
    comp = Component("tpsa", transform=Transform("none"))
    with open(NCI_TPSA) as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")][:300]
    diffs = [abs(comp.raw(Chem.MolFromSmiles(s)) - float(t)) for s, t in rows if Chem.MolFromSmiles(s) is not None]
    assert len(diffs) > 250 and np.median(diffs) < 0.01 and np.mean(np.array(diffs) < 0.01) > 0.95


# ---- the file ----------------------------------------------------------------------------------------
def test_shipped_objective_scores_the_lead_and_keeps_components():
    obj = Objective.from_toml(KINASE)
    table = obj.score([LEAD, "c1ccccc1"])
    names = [c.name for c in obj.components]
    assert list(table.columns[:3]) == ["smiles", "valid", "total"] and "similar_to_lead_raw" in table
    row = table.iloc[0]
    assert row["similar_to_lead_raw"] == 1.0 and row["aminopyrimidine_hinge_binder_raw"] == 1.0
    w = np.array([c.weight for c in obj.components])
    x = row[names].to_numpy(float)
    assert row["total"] == pytest.approx(math.exp((w * np.log(x)).sum() / w.sum()), rel=1e-12)
    assert table["total"].iloc[1] < row["total"]


def test_arithmetic_aggregation_is_the_weighted_mean(tmp_path):
    f = tmp_path / "o.toml"
    f.write_text('aggregation = "arithmetic"\n[[component]]\ntype = "qed"\nweight = 3\n'
                 '[[component]]\ntype = "similarity"\nsmiles = "c1ccccc1O"\n')
    row = Objective.from_toml(f).score(["Oc1ccccc1C"]).iloc[0]
    assert row["total"] == pytest.approx((3 * row["qed"] + row["similarity"]) / 4)


def test_calls_count_unique_valid_molecules_as_pmo():
    obj = Objective.from_toml(KINASE)
    t = obj.score(["CCO", "OCC", "not a smiles", "", "CCO", "c1ccccc1"])
    assert obj.n_calls_ == 2 and obj.n_invalid_ == 2 and obj.n_requests_ == 6
    assert t["smiles"].tolist()[:2] == ["CCO", "CCO"] and t["call"].tolist()[:2] == [1, 1]
    assert t["total"].iloc[2] == 0.0 and not t["valid"].iloc[2]
    obj.score(["CCO"])
    assert obj.n_calls_ == 2  # cached
    t = obj.score(["CCN", "CCCN", "CCCCN"], max_new_calls=2)
    assert obj.n_calls_ == 4 and np.isnan(t["total"].iloc[2]) and obj.library()["call"].tolist() == [1, 2, 3, 4]


def test_state_round_trip_and_mismatch():
    a = Objective.from_toml(KINASE)
    a.score(["CCO", "c1ccccc1", "xx"])
    b = Objective.from_toml(KINASE).load_state(a.state())
    assert b.n_calls_ == 2 and b.n_invalid_ == 1 and b.library().equals(a.library())
    b.score(["CCO"])
    assert b.n_calls_ == 2
    other = Objective([Component("qed")])
    with pytest.raises(RuleError, match="different objective"):
        other.load_state(a.state())


def test_callable_objective_and_its_checks():
    obj = Objective.from_callable(lambda s: len(s) / 100, name="length")
    assert obj.score_one("CCCC") == pytest.approx(0.04)
    bad = Objective.from_callable(lambda s: 5.0)
    with pytest.raises(DataError, match=r"gave 5 for 'CCO'.*\[0, 1\]"):
        bad.score(["CCO"])


@pytest.mark.parametrize("text, message", [
    ('[[component]]\ntype = "mw"\n', r"component #1 \(type 'mw'\): a 'mw' component needs a transform"),
    ('[[component]]\ntype = "descriptor"\ndescriptor = "FractionCsp3"\ntransform = "none"\n',
     "Did you mean 'FractionCSP3'"),
    ('[[component]]\nname = "w"\ntype = "mw"\ntransform = {type = "double_sigmoid", low = 1}\n',
     r"component #1 \('w'\), key 'transform': transform 'double_sigmoid' needs low, high; missing high"),
    ('[[component]]\ntype = "qed"\nweigth = 2\n', r"unknown key\(s\) \['weigth'\]"),
    ('[[component]]\ntype = "qed"\nweight = -1\n', "weight must be a number > 0"),
    ('[[component]]\ntype = "similarity"\nsmiles = "C1CC"\n', "cannot parse reference SMILES 'C1CC'"),
    ('[[component]]\ntype = "forbidden"\nsmarts = "[C"\n', r"cannot parse SMARTS '\[C'"),
    ('[[component]]\ntype = "simlarity"\n', "Did you mean 'similarity'"),
    ('[[component]]\nname = "x"\n', "missing key 'type'"),
    ('agregation = "geometric"\n[[component]]\ntype = "qed"\n', "did you mean 'aggregation'"),
    ('aggregation = "median"\n[[component]]\ntype = "qed"\n', "key 'aggregation'"),
    ('name = "x"\n', "no components"),
    ('[[component]\n', "malformed TOML"),
])
def test_scoring_file_errors_name_file_component_and_key(tmp_path, text, message):
    f = tmp_path / "objective.toml"
    f.write_text(text)
    with pytest.raises(RuleError, match=message) as err:
        Objective.from_toml(f)
    assert str(f) in str(err.value)


def test_missing_file():
    with pytest.raises(RuleError, match="no such objective file"):
        Objective.from_toml("nope.toml")


def test_nci_compounds_salts_metals_and_charges_score_without_crashing():
    """A real set from another source (NCI, shipped with RDKit) with salts, metals and charges."""
    with open(NCI_SMI) as fh:
        smiles = [line.split()[0] for line in fh][:400]
    obj = Objective.from_toml(KINASE)
    t = obj.score(smiles + ["[Na+].[Cl-]"])
    assert len(t) == 401 and t["total"].between(0, 1).all()
    assert obj.n_calls_ + obj.n_invalid_ <= 401 and obj.n_calls_ > 350
    assert t.loc[t["valid"], "call"].notna().all()
