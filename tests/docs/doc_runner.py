"""Running documented commands (collected by doc_commands.py): in one folder, in order, with the
small-size switch applied; lines marked `not run in tests` are checked instead of run."""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import shlex
from pathlib import Path

from .doc_commands import NOT_RUN, README, ROOT, DocCommand, small_sizes_python, small_sizes_shell


# ------------------------------------------------------------------ checking lines that are not run
def check_not_run(cmd: DocCommand, parser) -> None:
    """A line marked `not run in tests` must still be current: parsed, never executed."""
    if cmd.kind == "python":
        tree = compile(cmd.text, cmd.source, "exec", flags=ast.PyCF_ONLY_AST)
        imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
        exec(compile(ast.Module(body=imports, type_ignores=[]), cmd.source, "exec"), {})
        return
    args = shlex.split(cmd.text, comments=True)
    if args[0] == "pharmasynth":
        with contextlib.redirect_stderr(io.StringIO()) as err:
            try:
                parser.parse_args(args[1:])
            except SystemExit as exc:
                raise AssertionError(f"{cmd}: argparse refuses it:\n{err.getvalue()}") from exc
    elif args[0] == "make":
        targets = re.findall(r"^([\w.-]+):", (ROOT / "Makefile").read_text(), re.MULTILINE)
        missing = [t for t in args[1:] if "=" not in t and t not in targets]
        assert not missing, f"{cmd}: no Makefile target {missing}"
    elif args[0] == "python" and args[1] == "-m":
        import importlib.util

        assert importlib.util.find_spec(args[2]) is not None, f"{cmd}: no module {args[2]}"
    elif args[0] == "python":
        script = ROOT / args[1]
        assert script.is_file(), f"{cmd}: no script {args[1]}"
        source = script.read_text(encoding="utf-8")
        unknown = [a for a in args[2:] if a.startswith("--") and f'"{a.split("=")[0]}"' not in source]
        assert not unknown, f"{cmd}: {args[1]} has no option {unknown}"
    else:
        raise AssertionError(f"{cmd}: unknown program {args[0]!r} (pharmasynth, python, make)")


# ------------------------------------------------------------------ running
_PATHLIKE = re.compile(r"(/|\.(csv|smi|gz|json|toml|parquet|sdf|txt|html)$)")


def _out_value(args):
    return args[args.index("--out") + 1] if "--out" in args[:-1] else None


class DocRunner:
    """Runs documented commands in one folder (data/ and benchmarks/ linked in), in order.

    A command whose input (an `out/...`-style path) does not exist yet first runs the documented
    command that writes it (`--out` is that path or a folder above it): the examples of a help page
    may use another page's output, as a reader following the pages would.
    """

    def __init__(self, folder: Path, producers=(), data: Path | None = None):
        self.folder = Path(folder)
        self.data = Path(data) if data is not None else ROOT / "data"
        for name, target in (("data", self.data), ("benchmarks", ROOT / "benchmarks")):
            link = self.folder / name
            if not link.exists():
                link.symlink_to(target, target_is_directory=True)
        self.producers = [c for c in producers if c.kind == "shell" and not c.skip]
        self.results = {}       # command text -> None (ok) or the failure message
        self.namespaces = {}    # README section -> the names its python blocks defined
        self._parser = None

    @property
    def parser(self):
        if self._parser is None:
            from pharmasynth.cli.main import build_parser

            self._parser = build_parser()
        return self._parser

    def run(self, cmd: DocCommand) -> str:
        """Run (or, when marked, check) one command; raises AssertionError naming its source."""
        if cmd.skip:
            check_not_run(cmd, self.parser)
            return "checked, not run: " + cmd.skip
        if cmd.text in self.results:
            if self.results[cmd.text]:
                raise AssertionError(f"{cmd}\nfailed earlier: {self.results[cmd.text]}")
            return "ran earlier"
        with _working_directory(self.folder, self.folder / "data"):
            try:
                run = {"shell": self._run_shell, "python": self._run_python, "file": self._write_file}[cmd.kind]
                output = run(cmd)
            except Exception as exc:
                self.results[cmd.text] = (str(exc).splitlines() or [type(exc).__name__])[-1][:300]
                raise
        self.results[cmd.text] = None
        return output

    def _inputs_first(self, cmd: DocCommand, args: list) -> None:
        out = _out_value(args)
        for word in args[1:]:
            if word.startswith("-") or word == out or not _PATHLIKE.search(word) or "://" in word:
                continue
            if Path(word).exists():
                continue
            producer = self._producer_of(word, cmd)
            if producer is None:
                raise AssertionError(f"{cmd}\n{word}: no such file, and no documented command writes it")
            try:
                self.run(producer)
            except AssertionError as exc:
                raise AssertionError(f"{cmd}\nneeds {word}, written by {producer.source}, which failed:\n{exc}") \
                    from None

    def _producer_of(self, path: str, cmd: DocCommand):
        """The first documented command whose --out is `path` or the deepest folder above it (never
        `pharmasynth demo`: its `--out out` is no evidence that it writes `out/anything`)."""
        best, depth = None, -1
        for producer in self.producers:
            out = _out_value(shlex.split(producer.text, comments=True))
            if producer.text == cmd.text or not out or producer.text.startswith("pharmasynth demo"):
                continue
            out = out.rstrip("/")
            if (path == out or path.startswith(out + "/")) and out.count("/") > depth:
                best, depth = producer, out.count("/")
        return best

    def _run_shell(self, cmd: DocCommand) -> str:
        args = small_sizes_shell(shlex.split(cmd.text, comments=True))
        if args[0] != "pharmasynth":
            raise AssertionError(f"{cmd}\nonly `pharmasynth` commands run in the tests; mark the line "
                                 f"`# {NOT_RUN}: REASON` (it is then checked, not run)")
        self._inputs_first(cmd, args)
        from pharmasynth.cli.main import main

        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                code = main(args[1:])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        if code not in cmd.expect_exit:
            tail = (stdout.getvalue() + stderr.getvalue())[-3000:]
            raise AssertionError(f"{cmd}\nran as: {shlex.join(args)}\nexit {code}:\n{tail}")
        return stdout.getvalue()

    def _run_python(self, cmd: DocCommand) -> str:
        code = small_sizes_python(cmd.text)
        # padded so that a traceback names the README line
        compiled = compile("\n" * (cmd.line - 1) + code, str(README), "exec")
        stdout = io.StringIO()
        namespace = self.namespaces.setdefault(cmd.section, {"__name__": "__docs__"})
        with contextlib.redirect_stdout(stdout):
            exec(compiled, namespace)
        return stdout.getvalue()

    def _write_file(self, cmd: DocCommand) -> str:
        first, *body = cmd.text.splitlines()
        name = first.split("file:", 1)[1].strip()
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text("\n".join(body) + "\n", encoding="utf-8")
        return f"wrote {name}"


@contextlib.contextmanager
def _working_directory(folder: Path, data: Path):
    """cwd = folder, and the library's data_dir() (PHARMASYNTH_DATA) = the folder's data/."""
    before, env_before = os.getcwd(), os.environ.get("PHARMASYNTH_DATA")
    os.chdir(folder)
    os.environ["PHARMASYNTH_DATA"] = str(data)
    try:
        yield
    finally:
        os.chdir(before)
        if env_before is None:
            os.environ.pop("PHARMASYNTH_DATA", None)
        else:
            os.environ["PHARMASYNTH_DATA"] = env_before
