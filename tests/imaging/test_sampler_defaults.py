"""One source for the sampler defaults: a module without imports, re-exported by samplers.py and read
by the CLI without importing pharmasynth.imaging (whose __init__ pulls pandas and scipy)."""

import ast
import inspect
import subprocess
import sys

from pharmasynth.imaging import sampler_defaults, samplers


def test_defaults_module_imports_nothing():
    tree = ast.parse(inspect.getsource(sampler_defaults))
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]


def test_samplers_and_cli_use_the_same_values():
    from pharmasynth.cli import imaging as cli

    for name in ("SAMPLERS", "DEFAULT_SAMPLER", "DEFAULT_ETA", "DEFAULT_SAMPLE_STEPS"):
        assert getattr(samplers, name) is getattr(sampler_defaults, name), name
        assert getattr(cli, name) == getattr(sampler_defaults, name), name
    assert cli.DEFAULT_SAMPLER in cli.SAMPLERS and 0.0 <= cli.DEFAULT_ETA <= 1.0


def test_cli_reads_them_without_importing_the_imaging_package():
    probe = ("import sys; import pharmasynth.cli.imaging as c; "
             "print(c.DEFAULT_SAMPLER, 'pharmasynth.imaging' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-1000:]
    assert out.stdout.split() == [sampler_defaults.DEFAULT_SAMPLER, "False", "False"]
