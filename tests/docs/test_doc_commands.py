"""The documentation test's own machinery: what it collects, what it rewrites, what it refuses."""

from __future__ import annotations

import argparse
import os

import pytest

from .doc_commands import (DocCommand, _example_lines, readme_commands, shell_commands, small_sizes_python,
                           small_sizes_shell)
from .doc_runner import DocRunner, check_not_run

README_TEXT = '''# demo
## Part one
```bash
pharmasynth tabular fit data/actg175/actg175.csv \\
    --out out/copula        # a comment
# a comment line
pharmasynth demo --out out  # not run in tests: the whole demo
```

```python
x = 1
```

```toml
# file: my_rules.toml
qed_min = 0.5
```

## Part two
```python
# not run in tests: needs a GPU
import json
y = x + 1
```

```
not a block that runs
```
'''


@pytest.fixture
def readme(tmp_path):
    path = tmp_path / "README.md"
    path.write_text(README_TEXT, encoding="utf-8")
    return path


def test_readme_blocks_are_collected_with_their_lines_sections_and_markers(readme):
    cmds = readme_commands(readme)
    assert [c.kind for c in cmds] == ["shell", "shell", "python", "file", "python"]
    fit, demo, py, file_block, gpu = cmds
    assert fit.text == "pharmasynth tabular fit data/actg175/actg175.csv --out out/copula        # a comment"
    assert fit.source == "README.md:4" and fit.skip is None
    assert demo.skip == "the whole demo" and demo.source == "README.md:7"
    assert py.section == "Part one" and gpu.section == "Part two" and gpu.skip == "needs a GPU"
    assert file_block.text.startswith("# file: my_rules.toml")


def test_a_dangling_continuation_is_an_error():
    with pytest.raises(AssertionError, match="ends with a backslash"):
        shell_commands(["pharmasynth demo \\"], 1, "README.md:")


def test_help_examples_start_at_the_examples_heading():
    text = """Description that mentions
  pharmasynth tabular fit x.csv   (before the examples: not a command)

examples (two lines of
heading):
  pharmasynth trials fit data/actg175/actg175.csv \\
      --out out/twin
  plain text in between
  pharmasynth trials analyze data/actg175/actg175.csv --twin out/twin --out out/a"""
    lines = _example_lines(text)
    assert [ln.strip() for ln in lines] == ["pharmasynth trials fit data/actg175/actg175.csv \\", "--out out/twin",
                                             "pharmasynth trials analyze data/actg175/actg175.csv --twin out/twin "
                                             "--out out/a"]


def test_small_sizes_lower_sizes_never_raise_them(monkeypatch):
    monkeypatch.delenv("PHARMASYNTH_DOCS_FULL", raising=False)
    args = small_sizes_shell(["pharmasynth", "x", "--epochs", "5", "--n", "50", "--n-trials", "10000", "--calibrate"])
    assert args == ["pharmasynth", "x", "--epochs", "1", "--n", "50", "--n-trials", "40"]
    assert small_sizes_shell(["pharmasynth", "demo", "--out", "o"])[-3:] == ["--quick", "--only", "ehr"]
    code = small_sizes_python("m = VAE(epochs=30, seed=7).fit(t)\nm.sample(10_000)\nevaluate(a, calibrate=True)")
    assert code == "m = VAE(epochs=1, seed=7).fit(t)\nm.sample(200)\nevaluate(a, calibrate=False)"
    assert small_sizes_python("augment(seeds=range(5), n_bootstrap=1000)") == "augment(seeds=range(2), n_bootstrap=50)"
    assert small_sizes_python("augment(seeds=range(1))") == "augment(seeds=range(1))"
    args = small_sizes_shell(["pharmasynth", "imaging", "augment", "tr", "te", "--sample-steps", "3"])
    assert args[-4:] == ["--sample-steps", "3", "--train-steps", "20"]
    monkeypatch.setenv("PHARMASYNTH_DOCS_FULL", "1")
    assert small_sizes_shell(["pharmasynth", "x", "--epochs", "5"]) == ["pharmasynth", "x", "--epochs", "5"]


def _parser():
    parser = argparse.ArgumentParser(prog="pharmasynth")
    sub = parser.add_subparsers(dest="command")
    fit = sub.add_parser("fit")
    fit.add_argument("data")
    fit.add_argument("--out", required=True)
    fit.add_argument("--device", choices=["cpu", "cuda", "auto"], default="cpu")
    return parser


def test_lines_not_run_are_still_parsed(tmp_path):
    ok = DocCommand("README.md:1", "shell", "pharmasynth fit d.csv --device cuda --out o  # not run in tests: GPU",
                    skip="GPU")
    check_not_run(ok, _parser())
    stale = DocCommand("README.md:2", "shell", "pharmasynth fit d.csv --gpu --out o  # not run in tests: GPU",
                       skip="GPU")
    with pytest.raises(AssertionError, match="argparse refuses it"):
        check_not_run(stale, _parser())
    with pytest.raises(AssertionError, match="no script"):
        check_not_run(DocCommand("R:3", "shell", "python benchmarks/no_such.py --quick", skip="x"), _parser())
    with pytest.raises(AssertionError, match="no Makefile target"):
        check_not_run(DocCommand("R:4", "shell", "make no-such-target", skip="x"), _parser())
    with pytest.raises(ImportError):
        check_not_run(DocCommand("R:5", "python", "# not run\nfrom pharmasynth import no_such_name\n", skip="x"),
                      _parser())


def test_the_runner_runs_the_producer_first_and_names_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.delenv("PHARMASYNTH_DOCS_FULL", raising=False)
    fit = DocCommand("help 1", "shell", "pharmasynth tabular fit data/actg175/actg175.csv --out out/copula")
    broad = DocCommand("help 0", "shell", "pharmasynth demo --out out")      # must not be taken for out/copula
    sample = DocCommand("help 2", "shell", "pharmasynth tabular sample out/copula --n 20 --out out/synth")
    runner = DocRunner(tmp_path, producers=[broad, fit, sample])
    assert runner._producer_of("out/copula/model", sample) is fit
    runner.run(sample)                      # runs `fit` first: its output is sample's input
    assert (tmp_path / "out" / "copula" / "model" / "config.json").is_file()
    assert (tmp_path / "out" / "synth" / "samples.csv").is_file()
    assert runner.results[fit.text] is None
    orphan = DocCommand("help 3", "shell", "pharmasynth tabular sample out/nowhere --n 5 --out out/x")
    with pytest.raises(AssertionError, match="out/nowhere: no such file, and no documented command writes it"):
        runner.run(orphan)
    bad = DocCommand("help 4", "shell", "pharmasynth tabular sample out/copula --n 5")   # --out missing
    with pytest.raises(AssertionError, match=r"(?s)help 4: .*exit 2:.*required: --out"):
        runner.run(bad)
    assert os.getcwd() != str(tmp_path)      # the working directory is restored
