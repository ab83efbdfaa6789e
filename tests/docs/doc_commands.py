"""Collect every documented command (README blocks, `--help` examples); doc_runner.py runs them.

What counts as a command
  README.md   every fenced ```bash / ```python block; in a bash block each command (backslash
              continuations joined), in a python block the whole block.
  --help      every line starting with `pharmasynth ` in an "example(s)" section of a help page's
              description or epilog (walking the parser tree of `pharmasynth.cli.main.build_parser()`).

Lines that must not run in the tests end with a comment holding `not run in tests` and the reason
(`# not run in tests: needs a GPU`). They are still checked: a `pharmasynth` line must parse
(argparse accepts it), `python SCRIPT` must name a script that exists and knows each option given,
`make TARGET` a target of the Makefile, a python block must compile and its imports must import.

The small-size switch (SMALL_SIZES, SMALL_DROPPED_FLAGS, SMALL_DATA below; documented in README
"Tests"): before a command runs, the sizes that only make it slow are lowered (`--epochs 5` ->
`--epochs 1`, `--n 10000` -> `--n 200`, ...), and the large shipped files are cut (MOSES, NAFLD);
every other input is the shipped file. PHARMASYNTH_DOCS_FULL=1 runs everything at the documented
sizes on the full data.
"""

from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
NOT_RUN = "not run in tests"

# option -> largest value a test run uses; the same table serves shell options and Python keywords
SMALL_SIZES = {
    "--epochs": 1, "epochs": 1,
    "--n": 200, "n_samples": 200,
    "--budget": 60, "budget": 60,
    "--n-trials": 40, "n_trials": 40,
    "--n-draws": 20, "n_draws": 20,          # control-arm --outcome needs >= 20 draws
    "--steps": 20, "--train-steps": 20, "train_steps": 20, "model_train_steps": 20,
    "--sample-steps": 5, "--inference-steps": 5, "num_inference_steps": 5,
    "n_bootstrap": 50, "--n-bootstrap": 50,
    "--k": 2,
}
# Python keywords given as range(N) (classifier seeds): lowered to range(SMALL_RANGES[name])
SMALL_RANGES = {"seeds": 2}
# commands whose slow default is lowered when the line does not set the option
SMALL_DEFAULTS = {("molgen", "train"): [("--epochs", "1")], ("imaging", "train"): [("--train-steps", "20")],
                  ("imaging", "sample"): [("--sample-steps", "5")],
                  ("imaging", "augment"): [("--train-steps", "20"), ("--sample-steps", "5")]}
# Python calls whose first positional argument is a size
SMALL_CALL_SIZES = {"sample": 200, "rejection_sample": 50}
# flags that multiply the work without changing what is shown; tested on their own elsewhere
SMALL_DROPPED_FLAGS = {"--calibrate": "calibrate=False"}   # 4 more evaluate runs (tests/evaluation/test_calibrate.py)
# the large shipped files, cut for the tests: MOSES SMILES files to their first N lines, NAFLD to its
# first N patients (their measurements and events with them); every other file is the shipped one
SMALL_DATA = {"moses/train.smi.gz": 1000, "moses/test.smi.gz": 500, "moses/test_scaffolds.smi.gz": 500,
              "nafld": 2500}


@dataclass
class DocCommand:
    source: str                     # "README.md:103" or "pharmasynth trials fit --help"
    kind: str                       # "shell" | "python"
    text: str                       # as documented (continuations joined for shell)
    skip: str | None = None         # the reason after "not run in tests", when marked
    line: int = 1                   # first line in README.md (python: to map tracebacks)
    expect_exit: tuple = (0,)
    section: str = ""               # README `##` section (python blocks of a section share names)

    def __str__(self):
        return f"{self.source}: {self.text}"


# ------------------------------------------------------------------ collection
_FENCE = re.compile(r"^```(\w*)\s*$")


def readme_blocks(path: Path = README):
    """[(kind, first_line_number, lines, section)] for every fenced bash/sh/python block, and every
    other block whose first line is `# file: NAME` (a file the commands after it use: kind "file")."""
    blocks, kind, start, lines, section = [], None, 0, [], ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _FENCE.match(raw.strip())
        if kind is None and raw.startswith("## "):
            section = raw[3:].strip()
        elif match and kind is None:
            kind, start, lines = match.group(1) or "text", number + 1, []
        elif raw.strip() == "```" and kind is not None:
            if kind in ("bash", "sh", "shell", "python"):
                blocks.append(("python" if kind == "python" else "shell", start, lines, section))
            elif lines and re.match(r"#\s*file:\s*\S+", lines[0].strip()):
                blocks.append(("file", start, lines, section))
            kind = None
        elif kind is not None:
            lines.append(raw)
    return blocks


def shell_commands(lines, first_line: int, source_prefix: str):
    """Join backslash continuations; one DocCommand per command, comment lines dropped."""
    out, pending, pending_start = [], [], None
    for offset, raw in enumerate(lines):
        text = raw.strip()
        if not pending and (not text or text.startswith("#")):
            continue
        if not pending:
            pending_start = first_line + offset
        if text.endswith("\\"):
            pending.append(text[:-1].strip())
            continue
        pending.append(text)
        joined = " ".join(pending)
        out.append(DocCommand(f"{source_prefix}{pending_start}", "shell", joined, skip=_skip_reason(joined),
                              line=pending_start))
        pending = []
    if pending:
        raise AssertionError(f"{source_prefix}{pending_start}: a command ends with a backslash continuation")
    return out


def _skip_reason(text: str) -> str | None:
    marker = text.find(NOT_RUN)
    if marker < 0:
        return None
    return text[marker + len(NOT_RUN):].lstrip(" :").strip() or "marked"


def readme_commands(path: Path = README):
    """Every command of README.md in order. Python blocks of one `##` section share a namespace (as
    cells of a notebook would): a later block may use an earlier one's names."""
    commands = []
    for kind, start, lines, section in readme_blocks(path):
        if kind == "shell":
            commands.extend(shell_commands(lines, start, f"{path.name}:"))
            continue
        code = "\n".join(lines)
        first = next((ln for ln in lines if ln.strip()), "")
        skip = _skip_reason(first) if kind == "python" and first.lstrip().startswith("#") else None
        commands.append(DocCommand(f"{path.name}:{start}", kind, code, skip=skip, line=start, section=section))
    return commands


def walk_parsers(parser: argparse.ArgumentParser, words=("pharmasynth",)):
    """(words, parser) for the parser and every sub-parser below it, depth first, in registration order."""
    yield list(words), parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from walk_parsers(sub, (*words, name))


def _example_lines(text: str):
    """Command lines of a help text: from its first "example..." line on, every line that starts
    with `pharmasynth ` (indented), with its backslash continuations."""
    lines, inside = [], False
    for raw in (text or "").splitlines():
        stripped = raw.strip()
        if stripped.lower().startswith("example"):
            inside = True
        elif inside and (stripped.startswith("pharmasynth ") or (lines and lines[-1].rstrip().endswith("\\"))):
            lines.append(raw)
    return lines


def help_pages(parser=None):
    """[(page name, [DocCommand])] for every help page with examples, in the order of the parser tree."""
    if parser is None:
        from pharmasynth.cli.main import build_parser

        parser = build_parser()
    pages = []
    for words, sub in walk_parsers(parser):
        name = " ".join(words) + " --help"
        lines = _example_lines(sub.description) + _example_lines(sub.epilog)
        pages.append((name, shell_commands(lines, 1, f"{name}, example ") if lines else []))
    return pages


# ------------------------------------------------------------------ the small-size switch
def small_sizes_shell(args: list) -> list:
    if os.environ.get("PHARMASYNTH_DOCS_FULL") == "1":
        return list(args)
    out = list(args)
    for i, word in enumerate(out[:-1]):
        limit = SMALL_SIZES.get(word)
        if limit is not None and re.fullmatch(r"\d+", out[i + 1]) and int(out[i + 1]) > limit:
            out[i + 1] = str(limit)
    for (command, verb), defaults in SMALL_DEFAULTS.items():
        if out[1:3] == [command, verb]:
            out += [word for flag, value in defaults if flag not in out for word in (flag, value)]
    if out[:2] == ["pharmasynth", "demo"]:
        out += [] if "--quick" in out else ["--quick"]
        out += [] if "--only" in out else ["--only", "ehr"]   # one part stands for the whole demo
    return [word for word in out if word not in SMALL_DROPPED_FLAGS]


def small_data_dir(dest: Path) -> Path:
    """`dest` filled like data/: symlinks to the shipped files, except SMALL_DATA's, which are cut."""
    import gzip

    import pandas as pd

    source = ROOT / "data"
    full = os.environ.get("PHARMASYNTH_DOCS_FULL") == "1"
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        target = dest / rel
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        limit = None if full else SMALL_DATA.get(rel.as_posix())
        if limit is not None:
            with gzip.open(path, "rt") as fh_in, gzip.open(target, "wt") as fh_out:
                for number, line in enumerate(fh_in):
                    if number >= limit:
                        break
                    fh_out.write(line)
        elif not full and rel.parts[0] in SMALL_DATA and rel.suffix == ".gz" and rel.parts[0] == "nafld":
            continue  # written below, patient by patient
        else:
            target.symlink_to(path)
    if not full and "nafld" in SMALL_DATA and (source / "nafld" / "nafld1.csv.gz").is_file():
        static = pd.read_csv(source / "nafld" / "nafld1.csv.gz").head(SMALL_DATA["nafld"])
        static.to_csv(dest / "nafld" / "nafld1.csv.gz", index=False)
        for name in ("nafld2.csv.gz", "nafld3.csv.gz"):
            rows = pd.read_csv(source / "nafld" / name)
            rows[rows["id"].isin(static["id"])].to_csv(dest / "nafld" / name, index=False)
    return dest


def small_sizes_python(code: str) -> str:
    if os.environ.get("PHARMASYNTH_DOCS_FULL") == "1":
        return code

    def keyword(match):
        name, value = match.group(1), int(match.group(2).replace("_", ""))
        limit = SMALL_SIZES.get(name)
        return f"{name}={min(value, limit)}" if limit is not None else match.group(0)

    def call(match):
        name, value = match.group(1), int(match.group(2).replace("_", ""))
        return f".{name}({min(value, SMALL_CALL_SIZES[name])}"

    code = code.replace("calibrate=True", SMALL_DROPPED_FLAGS["--calibrate"])
    def ranges(match):
        name, value = match.group(1), int(match.group(2))
        return f"{name}=range({min(value, SMALL_RANGES[name])})"

    code = re.sub(r"\b(\w+)=(\d[\d_]*)\b", keyword, code)
    code = re.sub(r"\b(" + "|".join(SMALL_RANGES) + r")=range\((\d+)\)", ranges, code)
    return re.sub(r"\.(" + "|".join(SMALL_CALL_SIZES) + r")\((\d[\d_]*)\b", call, code)
