import subprocess
import sys

from pharmasynth.cli import main


def test_top_level_help_lists_commands(capsys):
    try:
        main(["--help"])
    except SystemExit as exc:
        assert exc.code == 0
    out = capsys.readouterr().out
    for cmd in ("evaluate", "molgen", "imaging", "trials", "demo"):
        assert cmd in out


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().out


def test_console_entry_point_runs():
    r = subprocess.run([sys.executable, "-m", "pharmasynth", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and "pharmasynth" in r.stdout


def test_option_typo_is_reported_by_the_subcommand_with_a_suggestion(capsys):
    import pytest

    with pytest.raises(SystemExit) as exc:
        main(["evaluate", "--real", "r.csv", "--synthetic", "s.csv", "--out", "o", "--traget", "y"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: pharmasynth evaluate")  # the subcommand's usage, not the top level's
    assert "--traget: did you mean --target?" in err


def test_unknown_option_without_a_close_name_gets_no_suggestion(capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["trials", "fit", "x.csv", "--out", "o", "--zzzzzz"])
    err = capsys.readouterr().err
    assert "usage: pharmasynth trials fit" in err and "unrecognized arguments: --zzzzzz" in err
    assert "did you mean" not in err


def test_every_option_default_is_shown_in_help(capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["molgen", "sample", "--help"])
    out = capsys.readouterr().out
    import re

    assert re.search(r"--seed N\s+.*\(default: 0\)", out)  # 0 is a default too (0 == False must not hide it)
    assert "(default: 1000)" in out
