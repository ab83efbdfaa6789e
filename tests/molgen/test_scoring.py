"""score_library against values computed once by the MOSES reference implementation
(benchmarks/make_moses_reference.py; inputs include invalid SMILES, duplicates, filter failures)."""

import gzip
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from pharmasynth.errors import InvalidSmilesError
from pharmasynth.molgen import DrugLikeFilter, score_library
from pharmasynth.molgen.scoring import tanimoto_aggregate

ROOT = Path(__file__).resolve().parents[2]
REF = json.loads((ROOT / "tests" / "molgen" / "data" / "moses_reference.json").read_text())


def _read(name):
    with gzip.open(ROOT / "data" / "moses" / name, "rt") as fh:
        return [ln.split()[0] for ln in fh if ln.strip()]


@pytest.fixture(scope="module")
def scored():
    train, test, test_sf = _read("train.smi.gz"), _read("test.smi.gz"), _read("test_scaffolds.smi.gz")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = score_library(REF["inputs"]["generated"], reference=train[:5000], test=test[3000:4000],
                            test_scaffolds=test_sf[:1000], filters=DrugLikeFilter())
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
    res.save(tmp_path)
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["metrics"]["SNN/Test"] == pytest.approx(REF["metrics"]["SNN/Test"], abs=1e-3)
    assert data["metrics"]["unique@10000"] is None
    groups = {r["name"]: r["group"] for r in data["metric_rows"]}
    assert groups["FCD/Test"] == "fidelity" and groups["Novelty"] == "privacy"
    assert groups["valid"] == "validity" and groups["utility_r2_generated"] == "utility"
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
        import pharmasynth.molgen.scoring as scoring

        old, scoring.CHUNK = scoring.CHUNK, 64   # several chunks per worker
        try:
            remote = score_library(gen, scheduler=cluster, **kw)
        finally:
            scoring.CHUNK = old
    for k, v in local.metrics.items():
        assert remote.metrics[k] == pytest.approx(v, abs=1e-12) or (math.isnan(v) and math.isnan(remote.metrics[k]))
