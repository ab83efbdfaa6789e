"""Every documented command runs: each shell and Python block of README.md and each example of every
`--help`, on the shipped data, in a temporary folder, in the order written (a later command may use an
earlier one's output). Sizes are shrunk by the small-size switch `SMALL_SIZES` (doc_commands.py,
README "Tests"); lines marked `# not run in tests: REASON` are parsed and checked, not run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from .doc_commands import help_pages, readme_commands, small_data_dir
from .doc_runner import DocRunner

README_COMMANDS = readme_commands()
HELP_PAGES = help_pages()
ALL_HELP_COMMANDS = [cmd for _, cmds in HELP_PAGES for cmd in cmds]


@pytest.fixture(scope="module")
def docs_folder():
    # our own folder, not tmp_path_factory's: pytest prunes old basetemp folders when other pytest
    # runs start, and this module's commands use one folder for minutes
    with tempfile.TemporaryDirectory(prefix="pharmasynth-docs-") as folder:
        yield Path(folder)


@pytest.fixture(scope="module")
def small_data(docs_folder):
    return small_data_dir(docs_folder / "data")


@pytest.fixture(scope="module")
def readme_runner(docs_folder, small_data):
    (docs_folder / "readme").mkdir()
    return DocRunner(docs_folder / "readme", producers=README_COMMANDS, data=small_data)


@pytest.fixture(scope="module")
def help_runner(docs_folder, small_data):
    (docs_folder / "help").mkdir()
    return DocRunner(docs_folder / "help", producers=ALL_HELP_COMMANDS, data=small_data)


def test_the_readme_has_commands_of_every_kind():
    kinds = {(c.kind, bool(c.skip)) for c in README_COMMANDS}
    assert ("shell", False) in kinds and ("python", False) in kinds
    assert len(README_COMMANDS) >= 20


@pytest.mark.slow
@pytest.mark.parametrize("cmd", README_COMMANDS, ids=[c.source for c in README_COMMANDS])
def test_readme_command_runs(cmd, readme_runner):
    readme_runner.run(cmd)


@pytest.mark.slow
@pytest.mark.parametrize("page", [p for p, cmds in HELP_PAGES if cmds])
def test_help_examples_run(page, help_runner):
    for cmd in dict(HELP_PAGES)[page]:
        help_runner.run(cmd)


def test_every_command_documents_an_example():
    """Every verb's --help shows at least one runnable example (a command group may rely on its verbs)."""
    from pharmasynth.cli.main import build_parser
    from .doc_commands import walk_parsers

    leaves = [" ".join(words) + " --help" for words, p in walk_parsers(build_parser())
              if not any(a.__class__.__name__ == "_SubParsersAction" for a in p._actions) and len(words) > 1]
    pages = dict(HELP_PAGES)
    missing = [leaf for leaf in leaves if not pages.get(leaf)]
    assert not missing, f"help pages without an `examples:` section: {missing}"
