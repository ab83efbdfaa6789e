"""`pharmasynth molgen score` and `filter` end to end on small files."""

import gzip
import json
from pathlib import Path

from pharmasynth.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _lines(name, a, b):
    with gzip.open(ROOT / "data" / "moses" / name, "rt") as fh:
        return [ln.strip() for ln in fh][a:b]


def test_score_writes_report_with_moses_names(tmp_path, capsys):
    gen = tmp_path / "gen.smi"
    gen.write_text("\n".join(_lines("test.smi.gz", 0, 150) + ["C1CC", "CCO"]) + "\n")
    (tmp_path / "train.smi").write_text("\n".join(_lines("train.smi.gz", 0, 300) + ["CCO"]) + "\n")
    (tmp_path / "test.smi").write_text("\n".join(_lines("test.smi.gz", 500, 650)) + "\n")
    rc = main(["molgen", "score", str(gen), "--reference", str(tmp_path / "train.smi"), "--test",
               str(tmp_path / "test.smi"), "--druglike", "--no-fcd", "--out", str(tmp_path / "out")])
    assert rc == 0
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    m = data["metrics"]
    assert m["valid"] == 151 / 152 and m["unique@1000"] is None
    assert m["Novelty"] == 150 / 151          # CCO is in the reference
    for name in ("SNN/Test", "Frag/Test", "Scaf/Test", "IntDiv", "IntDiv2", "Filters", "logP", "SA", "QED", "weight"):
        assert isinstance(m[name], float), name
    assert "FCD/Test" not in m
    out = capsys.readouterr().out
    assert "unique@1000 is undefined" in out and "SNN/Test" in out
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"report.json", "report.html", "molecules.csv",
                                                             "molecules.sdf"}


def test_filter_writes_reasons_and_passing_smiles(tmp_path, capsys):
    src = tmp_path / "in.smi"
    src.write_text("CC(C)Cc1ccc(C(C)C(=O)O)cc1\nO=C1C=CC(=O)c2ccccc21\nC1CC\n")
    assert main(["molgen", "filter", str(src), "--out", str(tmp_path / "all.csv")]) == 0
    text = (tmp_path / "all.csv").read_text()
    assert "PAINS alert: quinone" in text and text.count("\n") == 3
    assert main(["molgen", "filter", str(src), "--out", str(tmp_path / "kept.smi")]) == 0
    assert (tmp_path / "kept.smi").read_text() == "CC(C)Cc1ccc(C(C)C(=O)O)cc1\n"
    out = capsys.readouterr().out
    assert "1 of 2 molecules pass" in out and "line 3 'C1CC'" in out
