"""Cached reference statistics: identical values to the uncached path, only the library featurised on a
warm run, corrupt cache files recomputed with a warning, explicit stats files checked."""

import gzip
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

import pharmasynth.molgen.featurise as featurise_mod
import pharmasynth.molgen.refstats as refstats
import pharmasynth.molgen.scoring as scoring
from pharmasynth.errors import InputFileError, UsageError
from pharmasynth.molgen import score_library
from pharmasynth.molgen.reference_side import read_reference_stats, write_reference_stats
from pharmasynth.molgen.refstats import ReferenceCacheWarning, StatsCache, content_hash

ROOT = Path(__file__).resolve().parents[2]
GEN = json.loads((ROOT / "tests" / "molgen" / "data" / "moses_reference.json").read_text())["inputs"]["generated"]


def _read(name, a, b):
    with gzip.open(ROOT / "data" / "moses" / name, "rt") as fh:
        return [ln.split()[0] for ln in fh if ln.strip()][a:b]


SETS = dict(reference=_read("train.smi.gz", 0, 600), test=_read("test.smi.gz", 3000, 3120),
            test_scaffolds=_read("test_scaffolds.smi.gz", 0, 100))
KW = dict(k=(100,), guacamol_samples=120, random_state=0)
FAST = dict(KW, fcd=False)   # the cache logic without ChemNet (the first test covers ChemNet's statistics)


def _same(a, b):
    assert set(a) == set(b)
    for k, v in a.items():
        assert (math.isnan(v) and math.isnan(b[k])) or v == b[k], k


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", ReferenceCacheWarning)   # a cache problem must never pass silently
        return fn(*args, **kw)


@pytest.fixture(scope="module")
def uncached():
    return _quiet(score_library, GEN[:150], **SETS, cache=False, **KW)


@pytest.fixture(scope="module")
def uncached_fast():
    return _quiet(score_library, GEN[:150], **SETS, cache=False, **FAST)


def test_cold_and_warm_cache_give_identical_values_and_warm_only_featurises_the_library(uncached, tmp_path,
                                                                                          monkeypatch):
    cold = _quiet(score_library, GEN[:150], **SETS, cache=tmp_path, **KW)
    _same(uncached.metrics, cold.metrics)
    assert "FCD/Test" in cold.metrics and "guacamol/FCD_score" in cold.metrics
    assert len(list(tmp_path.glob("*.npz"))) == 3 and "computed (now cached)" in cold.notes["reference_statistics"]

    featurised, chemnet_sets = [], []
    real_featurise_all, real_statistics = featurise_mod.featurise_all, scoring.ChemNet.statistics

    def counting_featurise_all(smiles, **kw):
        featurised.append(len(smiles))
        return real_featurise_all(smiles, **kw)

    def counting_statistics(self, smiles):
        chemnet_sets.append(len(smiles))
        return real_statistics(self, smiles)

    for module in (featurise_mod, refstats, scoring):
        monkeypatch.setattr(module, "featurise_all", counting_featurise_all)
    monkeypatch.setattr(scoring.ChemNet, "statistics", counting_statistics)
    other = GEN[150:300]                        # a second library against the same reference files
    warm = _quiet(score_library, other, **SETS, cache=tmp_path, **KW)
    assert featurised == [len(other)] and chemnet_sets == []
    assert warm.notes["reference_statistics"].startswith("reference: cache; test: cache; test_scaffolds: cache")
    monkeypatch.undo()
    _same(_quiet(score_library, other, **SETS, cache=False, **KW).metrics, warm.metrics)


def test_corrupt_cache_files_warn_and_are_recomputed(uncached_fast, tmp_path):
    _quiet(score_library, GEN[:150], **SETS, cache=tmp_path, **FAST)
    files = sorted(tmp_path.glob("*.npz"))
    damage = [lambda b: b[: len(b) // 2],                                   # truncated
              lambda b: b[:200] + bytes(x ^ 0xFF for x in b[200:260]) + b[260:],   # flipped bytes (CRC)
              lambda b: b"not a zip file at all"]
    for f, hurt in zip(files, damage):
        f.write_bytes(hurt(f.read_bytes()))
    with pytest.warns(ReferenceCacheWarning, match="unusable.*recomputing") as caught:
        res = score_library(GEN[:150], **SETS, cache=tmp_path, **FAST)
    assert len([w for w in caught if issubclass(w.category, ReferenceCacheWarning)]) == 3
    _same(uncached_fast.metrics, res.metrics)
    repaired = _quiet(score_library, GEN[:150], **SETS, cache=tmp_path, **FAST)   # no warning: files replaced
    _same(uncached_fast.metrics, repaired.metrics)


def test_a_cache_file_for_other_molecules_or_another_version_is_never_used(tmp_path, monkeypatch):
    store = StatsCache(tmp_path)
    a, b = SETS["test"][:60], SETS["test"][:59] + ["CCO"]
    assert content_hash(a) != content_hash(b) and store.path("set", content_hash(a)) != store.path("set",
                                                                                                  content_hash(b))
    sa = store.set_statistics(a, fcd=False)
    # a file planted under b's name, holding a's statistics: its header names a's hash -> refused
    store.path("set", content_hash(a)).rename(store.path("set", content_hash(b)))
    with pytest.warns(ReferenceCacheWarning, match="sha256"):
        sb = store.set_statistics(b, fcd=False)
    assert sb.canonical[-1] == "CCO" and sa.canonical[-1] != "CCO"
    monkeypatch.setattr(refstats, "FEATURISATION_VERSION", "another")   # a new featurisation: a new key
    assert not store.path("set", content_hash(b)).exists()


def test_unwritable_cache_folder_warns_and_scores(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.warns(ReferenceCacheWarning, match="cannot write"):
        res = score_library(GEN[:80], test=SETS["test"][:50], cache=blocker / "cache", fcd=False, k=(10,),
                            guacamol=False)
    assert "SNN/Test" in res.metrics


def test_stats_file_replaces_the_sets_and_is_checked(uncached_fast, tmp_path):
    path = tmp_path / "moses_stats.npz"
    _quiet(write_reference_stats, path, **SETS, guacamol_samples=120, cache=False, fcd=False)
    stats = read_reference_stats(path)
    assert stats.test.n == 120 and stats.reference.fps.shape == (600, 1024) and 120 in stats.reference.guacamol
    _same(uncached_fast.metrics, _quiet(score_library, GEN[:150], reference_stats=path, cache=False, **FAST).metrics)
    _same(uncached_fast.metrics, _quiet(score_library, GEN[:150], **SETS, reference_stats=path, cache=False,
                                        **FAST).metrics)
    with pytest.raises(UsageError, match="test statistics in .*moses_stats.npz were made from other molecules"):
        score_library(GEN[:50], test=SETS["test"][:100], reference_stats=path, cache=False, fcd=False, k=(10,))
    bad = tmp_path / "bad.npz"
    bad.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(InputFileError, match="bad.npz: not a usable pharmasynth reference-statistics file"):
        read_reference_stats(bad)
    pickled = tmp_path / "pickled.npy"                # object arrays need pickle: refused, never loaded
    np.save(pickled, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(InputFileError, match="allow_pickle"):
        read_reference_stats(pickled)


def test_cli_refstats_then_score_with_the_file(tmp_path, capsys):
    from pharmasynth.cli import main

    for name, smiles in SETS.items():
        (tmp_path / f"{name}.smi").write_text("\n".join(smiles) + "\n")
    (tmp_path / "gen.smi").write_text("\n".join(s for s in GEN[:120] if s) + "\n")
    stats = tmp_path / "stats.npz"
    assert main(["molgen", "refstats", "--reference", str(tmp_path / "reference.smi"), "--test",
                 str(tmp_path / "test.smi"), "--no-fcd", "--guacamol-samples", "100", "--no-cache",
                 "--out", str(stats)]) == 0
    assert main(["molgen", "score", str(tmp_path / "gen.smi"), "--reference-stats", str(stats), "--no-fcd",
                 "--no-cache", "--guacamol-samples", "100", "--expected-fcd", "0.9",
                 "--out", str(tmp_path / "out")]) == 0
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["metrics"]["guacamol/KL_score"] > 0 and data["metrics"]["SNN/Test"] > 0
    assert data["notes"]["reference_statistics"].startswith("reference: stats file; test: stats file")
    out = capsys.readouterr().out
    assert "wrote" in out and "pass it to `pharmasynth molgen score --reference-stats" in out
