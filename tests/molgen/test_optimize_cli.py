"""`pharmasynth molgen optimize` end to end on the shipped prior and scoring file (its own parser, built
as the CLI builds it, so the test does not depend on the registration line)."""

import argparse
import json

import pandas as pd
import pytest

from pharmasynth.cli._common import verb_group
from pharmasynth.cli.molgen_optimize import OPTIMIZE_EXAMPLE, register_optimize
from pharmasynth.errors import PharmasynthError


def run(argv):
    parser = argparse.ArgumentParser(prog="pharmasynth")
    sub = parser.add_subparsers(dest="command")
    _, verbs = verb_group(sub, "molgen", "molecules", "molgen verbs", None)
    register_optimize(verbs)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except PharmasynthError as exc:
        print(f"error: {exc}")
        return 1


def test_optimize_with_the_shipped_objective_then_resume(tmp_path, capsys):
    out = tmp_path / "opt"
    argv = ["molgen", "optimize", "--pretrained", "moses-smiles", "--objective",
            "data/objectives/kinase_lead_mpo.toml", "--budget", "20", "--method", "latent", "--seed", "0",
            "--batch-size", "16", "--out", str(out)]
    assert run(argv) == 0
    text = capsys.readouterr().out
    assert "latent: 20 molecules scored" in text and "AUC top-10" in text
    table = pd.read_csv(out / "molecules.csv")
    assert len(table) == 20 and {"smiles", "total", "qed", "qed_raw", "call"} <= set(table.columns)
    first = (out / "molecules.csv").read_text()
    # a rerun with a larger budget continues from the checkpoint: the first 20 molecules are kept
    assert run(argv[:7] + ["30"] + argv[8:]) == 0
    grown = pd.read_csv(out / "molecules.csv")
    assert len(grown) == 30 and set(table["smiles"]) <= set(grown["smiles"])
    assert json.loads((out / "result.json").read_text())["budget"] == 30
    assert first != (out / "molecules.csv").read_text()


def test_optimize_a_guacamol_task_with_best_of_n(tmp_path, capsys):
    assert run(["molgen", "optimize", "--pretrained", "moses-smiles", "--task", "celecoxib_rediscovery",
                "--budget", "15", "--method", "best-of-n", "--out", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "report.json").read_text())["lead"]["numbers"][0]["label"] == "AUC top-10 (PMO)"


@pytest.mark.parametrize("extra, message", [
    ([], "exactly one of --objective FILE"),
    (["--task", "celecoxib"], "Did you mean 'celecoxib_rediscovery'"),
    (["--task", "qed", "--method", "latent", "--temperature", "2"], "--temperature applies"),
    (["--objective", "missing.toml"], "no such objective file"),
])
def test_optimize_usage_errors(tmp_path, capsys, extra, message):
    assert run(["molgen", "optimize", "--pretrained", "moses-smiles", "--out", str(tmp_path), *extra]) == 1
    assert message in capsys.readouterr().out


def test_unknown_prior_lists_the_shipped_ones_and_a_missing_folder_is_named(tmp_path, capsys):
    assert run(["molgen", "optimize", "--pretrained", "zinc", "--task", "qed", "--out", str(tmp_path)]) == 1
    assert "moses-smiles" in capsys.readouterr().out
    assert run(["molgen", "optimize", "--model", str(tmp_path / "vae"), "--task", "qed", "--out", str(tmp_path)]) == 1
    assert f"{tmp_path / 'vae'}: no such model folder" in capsys.readouterr().out


def test_help_example_uses_shipped_files():
    assert "data/objectives/kinase_lead_mpo.toml" in OPTIMIZE_EXAMPLE
    assert "--pretrained moses-smiles" in OPTIMIZE_EXAMPLE
