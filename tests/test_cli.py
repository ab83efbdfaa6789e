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
