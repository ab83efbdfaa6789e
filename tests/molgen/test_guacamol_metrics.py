"""GuacaMol's distribution-learning scores against values the `guacamol` package (0.5.5) computed on the
same inputs (tests/molgen/data/make_guacamol_reference.py, run once in a throw-away env; CI never
installs guacamol)."""

import gzip
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from pharmasynth.molgen import score_library
from pharmasynth.molgen.featurise import featurise
from pharmasynth.molgen.guacamol_metrics import (guacamol_reference, guacamol_scores, nearest_neighbour_similarity,
                                                 sample_unique, sample_valid, training_subset)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "molgen" / "data"
REF = json.loads((DATA / "guacamol_reference.json").read_text())
MOSES_LIBRARY = json.loads((DATA / "moses_reference.json").read_text())["inputs"]["generated"]


def _moses(name, n=None):
    with gzip.open(ROOT / "data" / "moses" / name, "rt") as fh:
        lines = [ln.split()[0] for ln in fh if ln.strip()]
    return lines[:n] if n else lines


def _nci():
    from rdkit.Chem import RDConfig

    with open(Path(RDConfig.RDDataDir) / "NCI" / "first_5K.smi") as fh:
        return [ln.split()[0] for ln in fh if ln.strip()]


LIBRARIES = {"moses_library_n400": lambda: MOSES_LIBRARY, "moses_library_first600_all": lambda: MOSES_LIBRARY[:600],
             # GuacaMol draws at most 2 n of the library (novelty, KL): the first 1,000 NCI lines are enough
             "nci_n500": lambda: _nci()[:1000], "nci_stereo_all": lambda: REF["cases"]["nci_stereo_all"]["library"]}


@pytest.fixture(scope="module")
def training():
    f = featurise(_moses("train.smi.gz", 5000), with_filters=False, light=True)
    return f, {x for x in f["flat_raw"] if x is not None}


@pytest.mark.parametrize("case", sorted(LIBRARIES))
def test_scores_equal_the_guacamol_package(case, training):
    feats, flat = training
    expected = REF["cases"][case]
    n = expected["n"]
    g = featurise(LIBRARIES[case](), with_filters=False, light=True)
    out = guacamol_scores(g, flat, guacamol_reference(feats["canonical"], feats["flat_raw"], n), n)
    for name in ("validity", "uniqueness", "novelty", "KL_score"):
        assert out[name] == pytest.approx(expected[name], abs=1e-6), name
    for name, kl in expected["kl_divs"].items():
        assert out["_kl"][name] == pytest.approx(kl, abs=1e-6), name
    # the inputs exercise what GuacaMol counts: invalid and empty SMILES, duplicates, stereo, salts
    assert expected["validity"] < 1 or expected["uniqueness"] < 1 or case == "nci_n500"


def test_score_library_reports_guacamol_names_beside_moses(tmp_path):
    """Through score_library, with the FCD score = exp(-0.2 FCD) of the first n valid molecules vs the
    seed-42 training subset, recomputed here from ChemNet statistics."""
    from pharmasynth.molgen import ChemNet, frechet_distance

    train = _moses("train.smi.gz", 2000)
    lib = MOSES_LIBRARY[:300]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = score_library(lib, reference=train, k=(100,), intdiv=False, utility=False, cache=False,
                            guacamol_samples=250)
    m = res.metrics
    assert {"guacamol/validity", "guacamol/uniqueness", "guacamol/novelty", "guacamol/KL_score",
            "guacamol/FCD_score"} <= set(m) and "Novelty" in m
    net = ChemNet()
    canon = res.molecules["smiles"].tolist()
    valid_first = canon[:min(250, len(canon))]   # the first 250 valid molecules, in input order
    f = featurise(train, with_filters=False, light=True)
    subset = [f["canonical"][i] for i in training_subset(len(train), 250) if f["canonical"][i] is not None]
    fcd = frechet_distance(net.statistics(subset), net.statistics(valid_first))
    assert m["guacamol/FCD_score"] == pytest.approx(math.exp(-0.2 * fcd), rel=1e-9)
    assert "n = 250" in res.notes["guacamol"] and "KL divergences" in res.notes["guacamol"]
    res.write(tmp_path)
    flat = json.loads((tmp_path / "report.json").read_text())["metrics"]
    assert all(flat[f"guacamol/{k}"] == m[f"guacamol/{k}"] for k in ("validity", "novelty", "KL_score"))
    assert 0 < m["guacamol/KL_score"] <= 1 and m["guacamol/validity"] < 1


def test_sampling_follows_guacamols_loops():
    valid = np.array([True, False, True, True, False, True, True, True])
    # n = 3: draws 3 (2 valid), then 1 more (valid): indices 0, 2, 3
    assert sample_valid(valid, 3).tolist() == [0, 2, 3]
    assert sample_valid(np.zeros(5, bool), 2).tolist() == []          # gives up after 10 n draws / the end
    keys = ["a", "a", None, "b", "a", "c", "d"]
    assert sample_unique(keys, 2) == [0, 3]                          # draws 2 (1 new), 1 (None), 1 (b)
    assert sample_unique(["a"] * 10, 2) == [0]                        # max_tries = 2: at most 4 draws


def test_small_or_degenerate_libraries_are_undefined_not_wrong():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = score_library(["CCO", "CCO", "CCO", "C1CC"], reference=_moses("train.smi.gz", 300), fcd=False, k=(2,),
                            utility=False, cache=False)
    m = res.metrics
    assert m["guacamol/validity"] == 0.75 and m["guacamol/uniqueness"] == 0.25 and m["guacamol/novelty"] == 0.25
    assert math.isnan(m["guacamol/KL_score"])                        # one distinct molecule: no KDE
    row = next(r for r in res.rows if r.name == "guacamol/KL_score")
    assert row.status == "skipped" and "KDE" in row.notes
    assert "n = 4" in res.notes["guacamol"] and "smaller" in res.notes["guacamol"]


def test_nearest_neighbour_similarity_matches_rdkit_bulk_tanimoto():
    from rdkit import Chem, DataStructs
    from rdkit.Chem import rdFingerprintGenerator

    smiles = _moses("test.smi.gz", 120) + ["C", "C"]                 # a duplicate pair: similarity 1
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=4096)
    fps = [gen.GetFingerprint(Chem.MolFromSmiles(s)) for s in smiles]
    expected = [max(DataStructs.BulkTanimotoSimilarity(fp, fps[:i] + fps[i + 1:])) for i, fp in enumerate(fps)]
    got = nearest_neighbour_similarity(smiles, block=32)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    assert got[-1] == 1.0
