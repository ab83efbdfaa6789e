"""Reading molecule files (skip-and-report, never fatal for one bad record) and drug-likeness filters."""

import gzip
import json

import pytest
from rdkit import Chem

from pharmasynth.errors import InputFileError, InvalidSmilesError, RuleError, SkippedRecordsWarning
from pharmasynth.molgen import DrugLikeFilter, compute_properties, passes_moses_filters, read_smiles
from pharmasynth.molgen.io import iter_smiles_chunks


def test_smi_skips_and_reports_bad_lines_with_reasons(tmp_path):
    f = tmp_path / "gen.smi"
    f.write_text("smiles\nCCO\nC1CC\nOC(=O)c1ccccc1\n\nCC(C)(C)(C)(C)C\nOCC\n")
    with pytest.warns(SkippedRecordsWarning, match=r"gen\.smi: skipped 2 of 5 records \(line 3 'C1CC'"):
        res = read_smiles(f, deduplicate=True)
    assert res.smiles == ["CCO", "O=C(O)c1ccccc1"]             # canonical, duplicate OCC dropped
    assert res.lines == [2, 4] and res.n_duplicates == 1
    assert [(s.line, s.text) for s in res.skipped] == [(3, "C1CC"), (6, "CC(C)(C)(C)(C)C")]
    assert "syntax" in res.skipped[0].reason and "valence" in res.skipped[1].reason.lower()


def test_csv_gzip_non_utf8_and_named_column(tmp_path):
    f = tmp_path / "lib.csv.gz"
    f.write_bytes(gzip.compress(b"id,SMILES\n1,CCN\n2,\xff\xfeCC\n3,c1ccncc1\n"))
    with pytest.warns(SkippedRecordsWarning, match="not UTF-8"):
        res = read_smiles(f)
    assert res.smiles == ["CCN", "c1ccncc1"] and res.skipped[0].line == 3
    with pytest.raises(InputFileError, match="no SMILES column 'mol'"):
        read_smiles(f, column="mol")


def test_sdf_with_a_broken_record(tmp_path):
    blocks = [Chem.MolToMolBlock(Chem.MolFromSmiles(s)) for s in ("CCO", "c1ccccc1", "CC(=O)O")]
    broken = blocks[1].replace("  6  6  0", "  6  9  0")      # the counts line promises bonds that are not there
    f = tmp_path / "lib.sdf"
    f.write_text("$$$$\n".join([blocks[0], broken, blocks[2]]) + "$$$$\n")
    with pytest.warns(SkippedRecordsWarning, match="broken SDF record"):
        res = read_smiles(f)
    assert res.smiles[0] == "CCO" and "CC(=O)O" in res.smiles and len(res.skipped) == 1


def test_salts_empty_and_all_invalid_files(tmp_path):
    f = tmp_path / "salts.smi"
    f.write_text("CC(=O)[O-].[Na+]\nC[NH3+].[Cl-]\n")
    with pytest.warns(SkippedRecordsWarning, match="several fragments"):
        read_smiles(f)
    res = read_smiles(f, largest_fragment=True, neutralise=True)
    assert res.smiles == ["CC(=O)O", "CN"]
    (tmp_path / "empty.smi").write_text("\n\n")
    with pytest.raises(InputFileError, match=r"empty\.smi: the file is empty"):
        read_smiles(tmp_path / "empty.smi")
    (tmp_path / "bad.smi").write_text("C1CC\nXX\n")
    with pytest.raises(InvalidSmilesError, match=r"bad\.smi: none of its 2 records.*line 1"):
        read_smiles(tmp_path / "bad.smi")
    with pytest.raises(InputFileError, match="unknown molecule file type"):
        read_smiles(tmp_path / "x.pdf") if (tmp_path / "x.pdf").write_text("x") else None


def test_streaming_chunks(tmp_path):
    f = tmp_path / "many.smi"
    f.write_text("".join("C" * (1 + i % 7) + "\n" for i in range(250)))
    sizes = [len(c) for c in iter_smiles_chunks(f, chunk_size=100)]
    assert sizes == [100, 100, 50]


def test_properties_known_values():
    p = compute_properties(["CC(=O)Oc1ccccc1C(=O)O", "not a smiles"])   # aspirin
    assert p.loc[0, "mw"] == pytest.approx(180.159, abs=1e-3)
    assert p.loc[0, "logp"] == pytest.approx(1.3101, abs=1e-3)
    assert 0.5 < p.loc[0, "qed"] < 0.6 and 1.0 < p.loc[0, "sa"] < 2.5
    assert not p.loc[1, "valid"] and p.iloc[1][["qed", "mw"]].isna().all()


def test_druglike_filter_keeps_reasons():
    flt = DrugLikeFilter(qed_min=0.3, alerts=("PAINS", "Brenk"))
    res = flt.filter(["CC(C)Cc1ccc(C(C)C(=O)O)cc1", "C" * 36 + "C(=O)O", "O=C1C=CC(=O)c2ccccc21", "XX"])
    assert res["passed"].tolist() == [True, False, False, False]
    long_chain = res.loc[1, "reasons"]
    assert any(r.startswith("Lipinski: MW") and "logP" in r for r in long_chain)
    assert any("QED" in r for r in long_chain) and any("Brenk alert" in r for r in long_chain)
    assert any("PAINS alert: quinone" in r for r in res.loc[2, "reasons"])
    assert res.loc[3, "reasons"] == ["invalid SMILES"]


def test_moses_filters():
    assert passes_moses_filters(Chem.MolFromSmiles("CC(=O)Nc1ccc(O)cc1"))
    for smi in ("C[N+](C)(C)C", "c1ccc(P(c2ccccc2)c2ccccc2)cc1", "C1CCCCCCC1", "O=C1C=CC(=O)c2ccccc21"):
        assert not passes_moses_filters(Chem.MolFromSmiles(smi)), smi


def test_rules_from_toml(tmp_path):
    f = tmp_path / "rules.toml"
    f.write_text('qed_min = 0.2\ncatalogs = []\n[properties]\nmw = [100, 300]\n'
                 '[[alerts]]\nname = "nitro"\nsmarts = "[N+](=O)[O-]"\n')
    flt = DrugLikeFilter.from_toml(f)
    res = flt.filter(["O=[N+]([O-])c1ccc(CCO)cc1", "CCO"])
    assert res.loc[0, "reasons"] == ["alert nitro"]
    assert res.loc[1, "reasons"] == ["mw 46.1 outside [100, 300]"]
    f.write_text('[[alerts]]\nname = "bad"\nsmarts = "[N+(=O"\n')
    with pytest.raises(RuleError, match=r"rules\.toml: alert 'bad': cannot parse SMARTS"):
        DrugLikeFilter.from_toml(f)
    f.write_text('qed_minimum = 0.2\n')
    with pytest.raises(RuleError, match=r"unknown setting\(s\) \['qed_minimum'\]"):
        DrugLikeFilter.from_toml(f)


def test_read_library_keeps_every_record_as_written(tmp_path):
    from pharmasynth.molgen import read_library

    f = tmp_path / "gen.smi"
    f.write_text("smiles\nCCO\nC1CC\n\nOCC extra\n")
    assert read_library(f) == ["CCO", "C1CC", "OCC"]                 # header and blank line are not records
    c = tmp_path / "gen.csv.gz"
    c.write_bytes(gzip.compress(b"id,SMILES\n1,CCN\n2,\xff\n3\n"))
    assert read_library(c)[0] == "CCN" and len(read_library(c)) == 3  # undecodable and missing values kept
    with pytest.raises(InputFileError, match="no SMILES column 'mol'"):
        read_library(c, column="mol")
    with pytest.raises(InputFileError, match="no such file"):
        read_library(tmp_path / "missing.smi")


def test_read_result_summary_is_a_frame_and_describe_is_text(tmp_path):
    f = tmp_path / "gen.smi"
    f.write_text("CCO\nOCC\nC1CC\n")
    with pytest.warns(SkippedRecordsWarning):
        res = read_smiles(f, deduplicate=True)
    row = res.summary().iloc[0]
    assert (row["records"], row["kept"], row["skipped"], row["duplicates_dropped"]) == (3, 1, 1, 1)
    assert res.describe().endswith("3 records, kept 1, skipped 1, duplicates dropped 1")
    data = json.loads(res.to_json())
    assert data["kept"] == 1 and data["skipped_records"] == [{"line": 3, "text": "C1CC", "reason": res.skipped[0].reason}]


def test_quiet_rdkit_silences_only_inside(capfd):
    from pharmasynth.molgen.io import quiet_rdkit

    with quiet_rdkit():
        Chem.MolFromSmiles("C1CC")
    assert "C1CC" not in capfd.readouterr().err
    Chem.MolFromSmiles("C1CC")
    assert "unclosed ring" in capfd.readouterr().err                  # logging is back after the block


def test_write_smiles_and_reason_counts(tmp_path):
    from pharmasynth.molgen import reason_counts, write_smiles

    write_smiles(tmp_path / "a.smi", ["CCO", "CCN"])
    write_smiles(tmp_path / "a.csv", ["CCO", "CCN"])
    assert (tmp_path / "a.smi").read_text() == "CCO\nCCN\n"
    assert (tmp_path / "a.csv").read_text() == "smiles\nCCO\nCCN\n"
    counts = reason_counts([["QED 0.21 < 0.5", "SA score 6.1 > 4"], ["QED 0.30 < 0.5"], []])
    assert counts.to_dict() == {"QED": 2, "SA score": 1}
    assert reason_counts([[], []]).empty
