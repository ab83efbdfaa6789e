"""Molecules in: .smi, .csv and .sdf files, gzipped or not, streamed and standardised.

A file is read record by record (a line, a CSV row or an SDF record), never loaded whole, so a
10-million-line file costs memory only for what is kept. Every record that cannot be used is
skipped and REPORTED with its line (or SDF record) number and the reason: undecodable bytes,
a SMILES syntax error, an RDKit sanitisation error (e.g. a pentavalent carbon), a broken SDF
block. A file with no usable molecule at all is an error.

Standardisation (RDKit): canonical SMILES always; optionally the largest fragment (drops salts
and solvents) and charge neutralisation; optionally de-duplication on the canonical SMILES.

A generated library is read differently (`read_library`): every record as written, the invalid
ones kept, because validity is what is being measured.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pandas as pd

from .._util.results import ResultMixin
from ..errors import InputFileError, InvalidSmilesError, SkippedRecordsWarning

SMILES_COLUMNS = ("smiles", "canonical_smiles", "SMILES", "Smiles", "canonical_SMILES")


@dataclass
class SkippedRecord:
    line: int          # 1-based line number (.smi/.csv) or SDF record number
    text: str          # the offending text, shortened
    reason: str


@dataclass
class SmilesReadResult(ResultMixin):
    """What `read_smiles` kept (`smiles`, canonical) and what it skipped, with reasons."""
    path: Path
    smiles: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)          # where each kept SMILES came from
    skipped: list[SkippedRecord] = field(default_factory=list)
    n_records: int = 0
    n_duplicates: int = 0
    n_multi_fragment: int = 0

    def __len__(self):
        return len(self.smiles)

    def summary(self) -> pd.DataFrame:
        """One row: path, records, kept, skipped, duplicates dropped, multi-fragment molecules."""
        return pd.DataFrame([{"path": str(self.path), "records": self.n_records, "kept": len(self.smiles),
                              "skipped": len(self.skipped), "duplicates_dropped": self.n_duplicates,
                              "multi_fragment": self.n_multi_fragment}])

    def to_dict(self) -> dict:
        """The counts of `summary()` and every skipped record (line, text, reason); not the kept SMILES."""
        return {**self.summary().iloc[0].to_dict(), "skipped_records": [vars(r) for r in self.skipped]}

    def describe(self) -> str:
        """The same in one line of text."""
        return (f"{self.path}: {self.n_records:,} records, kept {len(self.smiles):,}, skipped "
                f"{len(self.skipped):,}, duplicates dropped {self.n_duplicates:,}")


@contextlib.contextmanager
def quiet_rdkit():
    """RDKit's log messages (parse errors, valence complaints) off inside the block, restored after.

    The readers collect every reason in `skipped`, so per-record messages on stderr would only repeat them."""
    from rdkit import rdBase

    with rdBase.BlockLogs():
        yield


def _opener(path: Path):
    raw = path.open("rb")
    if path.name.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw)
    return raw


def _kind(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    for ext, kind in ((".smi", "smi"), (".smiles", "smi"), (".txt", "smi"), (".csv", "csv"), (".tsv", "tsv"),
                      (".sdf", "sdf"), (".sd", "sdf")):
        if name.endswith(ext):
            return kind
    raise InputFileError(f"{path}: unknown molecule file type; expected .smi, .csv, .tsv or .sdf (optionally .gz).")


def parse_smiles(text: str):
    """(mol, None) for a usable SMILES, (None, reason) otherwise — the reason says what RDKit objected to."""
    from rdkit import Chem

    if not text:
        return None, "empty SMILES"
    with quiet_rdkit():
        mol = Chem.MolFromSmiles(text, sanitize=False)
        if mol is None:
            return None, "SMILES syntax error (unbalanced brackets or parentheses, unclosed ring or unknown atom)"
        try:
            Chem.SanitizeMol(mol)
        except Exception as exc:  # noqa: BLE001 - RDKit raises several types; its message is the reason
            return None, f"RDKit cannot sanitise it: {str(exc).strip().splitlines()[0]}"
    return mol, None


class Standardiser:
    """Canonical SMILES of a molecule, optionally its largest fragment, optionally neutralised."""

    def __init__(self, largest_fragment: bool = False, neutralise: bool = False):
        self.largest_fragment = largest_fragment
        self.neutralise = neutralise
        self._chooser = self._uncharger = None

    def __call__(self, mol) -> str:
        from rdkit import Chem

        if self.largest_fragment:
            if self._chooser is None:
                from rdkit.Chem.MolStandardize import rdMolStandardize

                self._chooser = rdMolStandardize.LargestFragmentChooser(preferOrganic=True)
            mol = self._chooser.choose(mol)
        if self.neutralise:
            if self._uncharger is None:
                from rdkit.Chem.MolStandardize import rdMolStandardize

                self._uncharger = rdMolStandardize.Uncharger()
            mol = self._uncharger.uncharge(mol)
        return Chem.MolToSmiles(mol)


def _short(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def _text_lines(path: Path, skipped: list) -> Iterator[tuple[int, str]]:
    """(line number, text) for every line; undecodable lines are reported, not fatal."""
    with _opener(path) as fh:
        for i, raw in enumerate(fh, start=1):
            try:
                yield i, raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                skipped.append(SkippedRecord(i, _short(raw.decode("utf-8", "replace").strip()),
                                             f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"))


def iter_records(path, column: str | None = None, skipped: list | None = None) -> Iterator[tuple[int, str, object]]:
    """Stream (record number, SMILES text, RDKit mol or None) from a molecule file.

    Unusable records are appended to `skipped` (a list of SkippedRecord) and not yielded.
    """
    path = Path(path)
    skipped = [] if skipped is None else skipped
    if not path.is_file():
        raise InputFileError(f"{path}: no such file.")
    kind = _kind(path)
    if kind == "sdf":
        yield from _iter_sdf(path, skipped)
        return
    lines = _text_lines(path, skipped)
    if kind == "smi":
        for i, text in lines:
            token = text.strip().split()[0] if text.strip() else ""
            if not token or (i == 1 and token.lower() in ("smiles", "canonical_smiles")):
                continue
            mol, reason = parse_smiles(token)
            if mol is None:
                skipped.append(SkippedRecord(i, _short(token), reason))
            else:
                yield i, token, mol
        return
    numbers = []

    def rows():
        for i, text in lines:
            numbers.append(i)
            yield text

    reader = csv.reader(rows(), delimiter="\t" if kind == "tsv" else ",")
    header = next(reader, None)
    if header is None:
        return
    col = column or next((c for c in SMILES_COLUMNS if c in header), None)
    if col is None or col not in header:
        raise InputFileError(f"{path}: no SMILES column {column or 'smiles'!r} in the header {header}; "
                             "pass the column name (--column NAME).")
    j = header.index(col)
    for row in reader:
        i = numbers[-1]
        if not row or all(not c.strip() for c in row):
            continue
        if j >= len(row):
            skipped.append(SkippedRecord(i, _short(",".join(row)), f"row has {len(row)} fields, no {col!r} value"))
            continue
        token = row[j].strip()
        mol, reason = parse_smiles(token)
        if mol is None:
            skipped.append(SkippedRecord(i, _short(token), f"column {col!r}: {reason}"))
        else:
            yield i, token, mol


_END = object()


def _iter_sdf(path: Path, skipped: list):
    from rdkit import Chem

    with _opener(path) as fh:
        supplier = Chem.ForwardSDMolSupplier(fh, sanitize=True)
        k = 0
        while True:
            with quiet_rdkit():  # a broken record is reported in `skipped`
                mol = next(supplier, _END)
            if mol is _END:
                return
            k += 1
            if mol is None:
                skipped.append(SkippedRecord(k, f"SDF record {k}", "broken SDF record (RDKit could not read or "
                                             "sanitise its molecule block)"))
                continue
            yield k, Chem.MolToSmiles(mol), mol


def read_smiles(path, column: str | None = None, *, largest_fragment: bool = False, neutralise: bool = False,
                deduplicate: bool = False, warn: bool = True, max_records: int | None = None) -> SmilesReadResult:
    """Read, validate and canonicalise the molecules of a .smi/.csv/.tsv/.sdf(.gz) file.

    Skips and reports unusable records (`result.skipped`, plus one SkippedRecordsWarning);
    raises InvalidSmilesError when no record is usable and InputFileError for an empty file.
    """
    path = Path(path)
    res = SmilesReadResult(path=path)
    std = Standardiser(largest_fragment, neutralise)
    seen = set()
    for i, _, mol in iter_records(path, column, res.skipped):
        res.n_records += 1
        if not largest_fragment and "." in _fragments_hint(mol):
            res.n_multi_fragment += 1
        can = std(mol)
        if deduplicate:
            if can in seen:
                res.n_duplicates += 1
                continue
            seen.add(can)
        res.smiles.append(can)
        res.lines.append(i)
        if max_records is not None and res.n_records >= max_records:
            break
    res.n_records += len(res.skipped)
    if res.n_records == 0:
        raise InputFileError(f"{path}: the file is empty (no molecule records).")
    if not res.smiles:
        first = "; ".join(f"line {s.line}: {s.reason}" for s in res.skipped[:3])
        raise InvalidSmilesError(f"{path}: none of its {res.n_records:,} records is a valid molecule ({first}).")
    if warn and res.skipped:
        first = "; ".join(f"line {s.line} {s.text!r}: {s.reason}" for s in res.skipped[:3])
        warnings.warn(f"{path}: skipped {len(res.skipped):,} of {res.n_records:,} records ({first}"
                      f"{'; ...' if len(res.skipped) > 3 else ''}); the result's .skipped lists them all.",
                      SkippedRecordsWarning, stacklevel=2)
    if warn and res.n_multi_fragment:
        warnings.warn(f"{path}: {res.n_multi_fragment:,} molecules have several fragments (salts or solvents); "
                      "pass largest_fragment=True (--largest-fragment) to keep only the parent molecule.",
                      SkippedRecordsWarning, stacklevel=2)
    return res


def _fragments_hint(mol) -> str:
    from rdkit import Chem

    return "." if len(Chem.GetMolFrags(mol)) > 1 else ""


def iter_smiles_chunks(path, chunk_size: int = 100_000, column: str | None = None, **kw) -> Iterator[list[str]]:
    """Canonical SMILES in lists of at most `chunk_size` (for libraries too large to hold at once)."""
    std = Standardiser(kw.get("largest_fragment", False), kw.get("neutralise", False))
    chunk: list[str] = []
    for _, _, mol in iter_records(path, column, kw.get("skipped")):
        chunk.append(std(mol))
        if len(chunk) >= chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_smiles(path, smiles) -> Path:
    """One SMILES a line, or a CSV with the column `smiles` when `path` ends in .csv; written atomically."""
    from .._util import atomic_write_text

    if Path(path).name.endswith(".csv"):
        return atomic_write_text(path, pd.DataFrame({"smiles": list(smiles)}).to_csv(index=False))
    buf = io.StringIO()
    for s in smiles:
        buf.write(f"{s}\n")
    return atomic_write_text(path, buf.getvalue())


def read_library(path, column: str | None = None) -> list[str]:
    """Every record of a generated library as written, invalid ones kept (validity is a metric).

    One string per line of a .smi, per row of a .csv/.tsv (`column`, else the usual SMILES column
    names), gzipped or not; undecodable bytes are replaced, so such a record counts as invalid.
    From an .sdf, the canonical SMILES of each readable record and "" for each broken one (a
    SkippedRecordsWarning lists them)."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file.")
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".sdf", ".sd")):
        res = read_smiles(path, column)
        return res.smiles + [""] * len(res.skipped)
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        if name.endswith((".csv", ".tsv")):
            reader = csv.reader(fh, delimiter="\t" if name.endswith(".tsv") else ",")
            header = next(reader, [])
            col = column or next((c for c in SMILES_COLUMNS if c in header), None)
            if col not in header:
                raise InputFileError(f"{path}: no SMILES column {column or 'smiles'!r} in {header}; "
                                     "pass the column name (--column NAME).")
            j = header.index(col)
            out = [row[j].strip() if j < len(row) else "" for row in reader if row]
        else:
            tokens = (line.split()[0] if line.strip() else None for line in fh)
            out = [t for i, t in enumerate(tokens) if t is not None and not (i == 0 and t.lower() == "smiles")]
    if not out:
        raise InputFileError(f"{path}: the file holds no SMILES.")
    return out


def load_moses(split: str) -> list[str]:
    """The shipped MOSES subset (data/moses/): "train", "test" or "test_scaffolds", canonical SMILES."""
    from ..datasets import moses_file

    return read_smiles(moses_file(split)).smiles
