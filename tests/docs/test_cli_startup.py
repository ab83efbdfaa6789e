"""CLI habits: `--help` stays fast because start-up imports nothing heavy; one placeholder per meaning;
every default shown; a typo names the subcommand's options; a fit folder works wherever its model does.

How "every --help in under 1 s" is kept without a timed test: the heavy libraries (the ones that take
seconds to import) must not be imported to build or print any help page. benchmarks/bench_cli_help.py
measures the times."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from pharmasynth.cli.main import build_parser

from .doc_commands import walk_parsers

HEAVY = ("torch", "rdkit", "lifelines", "monai", "pandas", "scipy", "sklearn", "statsmodels", "matplotlib",
         "dask", "diffusers", "anonymeter", "pyarrow", "nibabel")

PROBE = r"""
import json, sys
from pharmasynth.cli.main import build_parser, main
heavy = %r
pages = [[]]
import argparse
def walk(p, words):
    for a in p._actions:
        if isinstance(a, argparse._SubParsersAction):
            for name, sub in a.choices.items():
                pages.append(words + [name]); walk(sub, words + [name])
walk(build_parser(), [])
report = {}
for words in pages:
    try:
        main(words + ["--help"])
    except SystemExit:
        pass
    report[" ".join(words)] = sorted({m.split(".")[0] for m in sys.modules} & set(heavy))
print(json.dumps(report))
"""


def test_no_help_page_imports_a_heavy_library():
    done = subprocess.run([sys.executable, "-c", PROBE % (HEAVY,)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(report) > 20, report  # every page was visited
    first = {page: mods for page, mods in report.items() if mods}
    # cumulative: the first page listed is the one that imported it
    assert not first, f"`pharmasynth PAGE --help` imported heavy libraries (page -> modules): {first}"


def _options():
    for words, parser in walk_parsers(build_parser()):
        for action in parser._actions:
            if action.option_strings and not isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
                yield " ".join(words), action


# option -> the placeholders it may show (FILE where the option names a file rather than a folder)
SHARED = {"--out": {"DIR", "FILE"}, "--seed": {"N"}, "--n": {"N"}, "--scheduler": {"ADDR"},
          "--twin": {"DIR"}, "--n-trials": {"N"}, "--n-draws": {"N"}, "--epochs": {"N"}}


def test_placeholders_are_the_same_across_subcommands():
    formatter = build_parser()._get_formatter()
    wrong = []
    for page, action in _options():
        for option in action.option_strings:
            if option in SHARED and action.nargs != 0:
                shown = formatter._format_args(action, formatter._get_default_metavar_for_optional(action))
                if shown.split(" ")[0] not in SHARED[option]:
                    wrong.append(f"{page}: {option} {shown} (expected {' or '.join(sorted(SHARED[option]))})")
    assert not wrong, "\n".join(wrong)


def test_device_options_offer_the_same_choices():
    wrong = [f"{page}: --device {sorted(a.choices or [])}" for page, a in _options()
             if "--device" in a.option_strings and set(a.choices or []) != {"cpu", "cuda", "auto"}]
    assert not wrong, "--device must offer cpu, cuda, auto:\n" + "\n".join(wrong)


def test_every_option_with_a_default_shows_it(capsys):
    from pharmasynth.cli._common import HelpFormatter

    missing = []
    for words, parser in walk_parsers(build_parser()):
        text = " ".join(parser.format_help().split())  # wrapped lines joined
        assert isinstance(parser._get_formatter(), HelpFormatter), f"{' '.join(words)}: not the shared formatter"
        for action in parser._actions:
            default = action.default
            if (not action.option_strings or default in (None, False, argparse.SUPPRESS, [])
                    or isinstance(action, (argparse._HelpAction, argparse._VersionAction))):
                continue
            shown = " ".join(map(str, default)) if isinstance(default, (list, tuple)) else str(default)
            spellings = {shown, f"{default:,}" if isinstance(default, int) and not isinstance(default, bool) else shown}
            if "default" not in text or not any(f in text for f in spellings):
                missing.append(f"{' '.join(words)} {action.option_strings[0]} (default {shown})")
    assert not missing, "defaults not shown in --help:\n" + "\n".join(missing)


@pytest.mark.parametrize("argv, usage, hint", [
    (["evaluate", "--real", "r.csv", "--synthetic", "s.csv", "--out", "o", "--traget", "y"],
     "usage: pharmasynth evaluate", "--traget: did you mean --target?"),
    (["trials", "analyze", "t.csv", "--treatment", "arms", "--outcme", "cd420", "--out", "o"],
     "usage: pharmasynth trials analyze", "--outcme: did you mean --outcome"),
    (["ehr", "sample", "m", "--n", "5", "--sed", "1", "--out", "o"], "usage: pharmasynth ehr sample",
     "--sed: did you mean --seed"),
])
def test_a_typo_names_the_subcommand_and_the_closest_option(argv, usage, hint, capsys):
    from pharmasynth.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(usage) and hint in err, err


def test_a_fit_folder_is_accepted_where_its_model_folder_is(tmp_path, capsys):
    """`trials fit --out DIR` prints the folder to pass to --twin, and DIR itself works too."""
    import pandas as pd

    from pharmasynth.cli.main import main
    from pharmasynth.datasets import load_actg175

    data = tmp_path / "actg.csv"
    load_actg175().head(600).to_csv(data, index=False)
    assert main(["trials", "fit", str(data), "--where", "arms == 0", "--baseline", "age", "cd40", "--visits", "cd420",
                 "--out", str(tmp_path / "twin")]) == 0
    out = capsys.readouterr().out
    assert f"--twin {tmp_path / 'twin' / 'model'}" in out
    for twin in (tmp_path / "twin", tmp_path / "twin" / "model"):
        assert main(["trials", "analyze", str(data), "--treatment", "arms", "--where", "arms in [0, 1]",
                     "--outcome", "cd420", "--twin", str(twin), "--out", str(tmp_path / "a")]) == 0
        rows = pd.DataFrame(json.loads((tmp_path / "a" / "analysis.json").read_text())["analyses"])
        assert "procova" in set(rows["method"])
    # a folder that is neither: the error says which command writes one
    assert main(["trials", "analyze", str(data), "--treatment", "arms", "--outcome", "cd420",
                 "--twin", str(tmp_path), "--out", str(tmp_path / "b")]) == 1
    assert "pharmasynth trials fit" in capsys.readouterr().err
