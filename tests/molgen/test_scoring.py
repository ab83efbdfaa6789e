"""score_library against values computed once by the MOSES reference implementation
(benchmarks/make_moses_reference.py; inputs include invalid SMILES, duplicates, filter failures)."""

import gzip
import json
import math
import os
import warnings
from pathlib import Path

import numpy as np
import pytest

from pharmasynth.errors import InvalidSmilesError
from pharmasynth.molgen import DrugLikeFilter, score_library
from pharmasynth.molgen.similarity import tanimoto_aggregate

ROOT = Path(__file__).resolve().parents[2]
REF = json.loads((ROOT / "tests" / "molgen" / "data" / "moses_reference.json").read_text())


@pytest.fixture(autouse=True, scope="module")
def _private_refstats_cache(tmp_path_factory):
    """Reference statistics are cached in a folder of this test module's own, not in ~/.cache."""
    old = os.environ.get("PHARMASYNTH_REFSTATS_DIR")
    os.environ["PHARMASYNTH_REFSTATS_DIR"] = str(tmp_path_factory.mktemp("refstats"))
    yield
    if old is None:
        os.environ.pop("PHARMASYNTH_REFSTATS_DIR")
    else:
        os.environ["PHARMASYNTH_REFSTATS_DIR"] = old


def _read(name):
    with gzip.open(ROOT / "data" / "moses" / name, "rt") as fh:
        return [ln.split()[0] for ln in fh if ln.strip()]


@pytest.fixture(scope="module")
def scored():
    train, test, test_sf = _read("train.smi.gz"), _read("test.smi.gz"), _read("test_scaffolds.smi.gz")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = score_library(REF["inputs"]["generated"], reference=train[:5000], test=test[3000:4000],
                            test_scaffolds=test_sf[:1000], filters=DrugLikeFilter(),
                            guacamol=False)  # GuacaMol's scores: tests/molgen/test_guacamol_metrics.py
    return res, [str(w.message) for w in caught]


def test_every_moses_metric_matches_the_reference_implementation(scored):
    res, _ = scored
    checked = 0
    for name, expected in REF["metrics"].items():
        if name == "unique@10000":
            continue  # fewer than 10,000 valid molecules: MOSES divides anyway, we say undefined
        assert res.metrics[name] == pytest.approx(expected, abs=1e-3), name
        checked += 1
    assert checked == 18
    # the input exercises the metrics: some invalid, some duplicated, some not novel, some filtered
    assert REF["metrics"]["valid"] < 1 and REF["metrics"]["unique@1000"] < 1
    assert REF["metrics"]["Novelty"] < 1 and REF["metrics"]["Filters"] < 1


def test_unique_at_k_is_undefined_with_too_few_molecules(scored):
    res, messages = scored
    assert math.isnan(res.metrics["unique@10000"])
    assert "fewer than 10,000" in res.notes["unique@10000"]
    assert any("unique@10000 is undefined" in m for m in messages)


def test_per_molecule_table_flags_reference_copies(scored):
    res, _ = scored
    mol = res.molecules
    assert len(mol) == round(REF["metrics"]["valid"] * len(REF["inputs"]["generated"]))
    copies = mol[mol["in_reference"]]
    assert len(copies) > 0 and (copies["nearest_reference_tanimoto"] == 1.0).all()
    assert (copies["smiles"] == copies["nearest_reference"]).all()
    assert mol["near_copy"].mean() == pytest.approx(res.metrics["near_copy_rate"])
    failed = mol[~mol["passes_filters"]]
    assert len(failed) and failed["filter_reasons"].str.len().gt(0).all()


def test_report_files_and_core_rows(scored, tmp_path):
    res, _ = scored
    res.write(tmp_path)
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["metrics"]["SNN/Test"] == pytest.approx(REF["metrics"]["SNN/Test"], abs=1e-3)
    assert data["metrics"]["unique@10000"] is None
    groups = {r["name"]: r["group"] for r in data["metric_rows"]}
    assert groups["FCD/Test"] == "fidelity" and groups["Novelty"] == "privacy"
    assert groups["valid"] == "validity" and groups["utility_r2_generated"] == "utility"
    # the model trained on REAL molecules is a reference: a comparator, never averaged into utility
    roles = {r["name"]: r["role"] for r in data["metric_rows"]}
    assert roles["utility_r2_real"] == "comparator" and roles["utility_r2_generated"] == "result"
    assert [r["name"] for r in data["comparators"]] == ["utility_r2_real"]
    rep = res.to_report()
    utility = [m for m in rep.metrics if m.group == "utility" and m.scored]
    assert "utility_r2_real" not in {m.name for m in utility}
    html = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64" in html and "scaffold" in html.lower()
    assert (tmp_path / "molecules.sdf").read_text().count("$$$$") == len(res.molecules)
    assert not list(tmp_path.glob("*.tmp*"))


def test_tanimoto_kernel_against_a_direct_loop():
    rng = np.random.default_rng(0)
    a = (rng.random((37, 64)) < 0.2).astype(np.uint8)
    b = (rng.random((53, 64)) < 0.2).astype(np.uint8)
    a[0] = 0
    b[0] = 0  # two empty fingerprints: similarity 1 as in MOSES

    def t(x, y):
        inter, union = np.sum(x & y), np.sum(x | y)
        return 1.0 if union == 0 else inter / union

    sims = np.array([[t(x, y) for y in b] for x in a])
    best, arg = tanimoto_aggregate(a, b, "max", block=16, return_argmax=True)
    np.testing.assert_allclose(best, sims.max(1), atol=1e-6)
    np.testing.assert_allclose(sims[np.arange(len(a)), arg], sims.max(1), atol=1e-6)
    np.testing.assert_allclose(tanimoto_aggregate(a, b, "mean", p=2, block=16), np.sqrt((sims**2).mean(1)), atol=1e-6)


def test_all_invalid_or_empty_library_is_an_error():
    with pytest.raises(InvalidSmilesError, match="none of the 2 generated SMILES is valid"):
        score_library(["C1CC", "XX"], fcd=False)
    with pytest.raises(InvalidSmilesError, match="empty"):
        score_library([], fcd=False)


def test_dask_local_cluster_gives_identical_metrics():
    from dask.distributed import LocalCluster

    gen = REF["inputs"]["generated"][:300]
    test = _read("test.smi.gz")[3000:3300]
    kw = dict(test=test, fcd=False, utility=False)
    local = score_library(gen, **kw)
    with LocalCluster(n_workers=2, processes=False, threads_per_worker=1, dashboard_address=None) as cluster:
        import pharmasynth.molgen.featurise as featurise

        old, featurise.CHUNK = featurise.CHUNK, 64   # several chunks per worker
        try:
            remote = score_library(gen, client=cluster, **kw)
        finally:
            featurise.CHUNK = old
    for k, v in local.metrics.items():
        assert remote.metrics[k] == pytest.approx(v, abs=1e-12) or (math.isnan(v) and math.isnan(remote.metrics[k]))


def test_one_result_shape_and_deprecated_names(scored, tmp_path):
    res, _ = scored
    table = res.summary()
    assert list(table.columns) == ["metric", "value", "note"] and table["metric"].iloc[0] == "valid"
    assert "fewer than 10,000" in table.set_index("metric").loc["unique@10000", "note"]
    data = json.loads(res.to_json())
    assert data["metrics"]["valid"] == res.metrics["valid"] and data["metrics"]["unique@10000"] is None
    assert {r["name"] for r in data["metric_rows"]} == set(res.metrics)
    rows = {r.name: r for r in res.rows}       # direction and bounds travel with every row
    assert rows["FCD/Test"].direction == "lower" and rows["Novelty"].bounds == (0.0, 1.0)
    assert rows["unique@10000"].status == "skipped"
    with pytest.warns(FutureWarning, match=r"table\(\).*summary\(\)"):
        assert res.table().equals(table)
    with pytest.warns(FutureWarning, match=r"save\(out_dir\).*write\(out_dir\)"):
        res.save(tmp_path)
    assert (tmp_path / "molecules.sdf").is_file()


def test_scheduler_keyword_is_deprecated_and_device_is_explicit():
    from pharmasynth.molgen import set_statistics

    gen = REF["inputs"]["generated"][:80]
    kw = dict(fcd=False, utility=False, k=(10,))
    new = score_library(gen, client=None, device="cpu", **kw)
    with pytest.warns(FutureWarning, match=r"scheduler=.*client="):
        old = score_library(gen, scheduler=None, **kw)
    assert old.metrics == new.metrics
    with pytest.warns(FutureWarning, match=r"scheduler=.*client="):
        stats = set_statistics(gen[:20], scheduler=None, fcd=False)
    assert stats.n == len(stats.fps) == len(stats.canonical)


def test_utility_draws_from_random_state():
    gen, ref, test = REF["inputs"]["generated"][:200], _read("train.smi.gz")[:200], _read("test.smi.gz")[3000:3040]
    kw = dict(reference=ref, test=test, fcd=False, intdiv=False, k=(10,), guacamol=False)
    r2 = [score_library(gen, random_state=seed, **kw).metrics["utility_r2_generated"] for seed in (0, 0, 1)]
    assert r2[0] == r2[1] != r2[2]


def test_chemnet_is_passed_down_not_cached():
    import pharmasynth.molgen.fcd as fcd

    smiles = ["CCO", "c1ccccc1", "CC(=O)Oc1ccccc1C(=O)O"]
    net = fcd.ChemNet("cpu")
    a, b = fcd.fcd_statistics(smiles, net), fcd.fcd_statistics(smiles)
    np.testing.assert_array_equal(a["mu"], b["mu"])
    np.testing.assert_array_equal(a["sigma"], b["sigma"])
    assert fcd.fcd_statistics(smiles[:1], net) is None and math.isnan(fcd.frechet_distance(a, None))
    assert not [k for k, v in vars(fcd).items() if isinstance(v, fcd.ChemNet)]   # no module-level model


def test_report_leads_with_graded_numbers_and_flags(scored, tmp_path):
    """The lead: valid, unique, novelty, FCD/Test, near copies graded; validity under 0.9, an FCD far
    from the prior's expected one and many near copies named first."""
    import dataclasses

    res, _ = scored
    lead = res.to_report().answer()
    labels = [n.label for n in lead.numbers]
    assert labels == ["valid", "unique@1000", "novelty", "FCD/Test", "near copies"]
    assert {n.label: n.status for n in lead.numbers}["valid"] == "good"        # 0.96 >= 0.95
    assert "Look first" not in lead.sentence and "SMILES are valid" in lead.sentence
    fcd = res.metrics["FCD/Test"]
    far = dataclasses.replace(res, expected={"FCD/Test": fcd / 4}).to_report().answer()
    assert far.sentence.startswith("Look first: FCD/Test") and "far from the expected" in far.sentence
    assert {n.label: n.status for n in far.numbers}["FCD/Test"] == "bad"
    near = dataclasses.replace(res, expected={"FCD/Test": fcd * 0.95}).to_report().answer()
    assert {n.label: n.status for n in near.numbers}["FCD/Test"] == "good"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bad = score_library(["CCO", "c1ccccc1O", "C1CC", "XX", "CCN"] * 4, reference=["CCO", "CCN"], fcd=False,
                            k=(5,), cache=False, guacamol=False)
    lead = bad.to_report().answer()
    assert lead.sentence.startswith("Look first: only 60 % of the SMILES are valid")
    assert "near copies of training compounds" in lead.sentence and lead.status == "bad"
    bad.write(tmp_path)
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["lead"]["status"] == "bad" and data["lead"]["numbers"][0]["label"] == "valid"
