"""Reference statistics computed once per molecule set and reused: a content-hash cache and stats files.

Scoring a library against MOSES's test set (or your own reference) redoes the same work for the
reference side every time: RDKit features of every molecule, ChemNet's mean and covariance,
fingerprints of the training set. Here that side is computed once per set and stored:

- in a cache, keyed by the SHA-256 of the set's SMILES (in order) and of the featurisation version
  (`featurise.FEATURISATION_VERSION`, the RDKit and fcd_torch versions): a second library scored
  against the same files only featurises the library. The cache lives in
  `$PHARMASYNTH_REFSTATS_DIR`, else `$XDG_CACHE_HOME/pharmasynth/refstats`, else
  `~/.cache/pharmasynth/refstats`; `score_library(cache=False)` / `molgen score --no-cache` turn it
  off, `cache=DIR` / `--cache-dir DIR` move it. A cache file that cannot be read, or that does not
  match what it should hold, gives a `ReferenceCacheWarning` and is recomputed, never used.
- in an explicit stats file (`reference_side.write_reference_stats`, `pharmasynth molgen
  refstats`), which a scoring run reads instead of the sets (`--reference-stats FILE`); a corrupt
  file is an error.

Both are `.npz` files read with `allow_pickle=False`: arrays, UTF-8 text blobs and a JSON header;
nothing executable. A stats file holds fingerprints and canonical SMILES of the reference set (it
is the reference set, in another form): share it as you would share that file.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._util.atomic import atomic_write_bytes
from ..errors import DataWarning
from .featurise import FEATURISATION_VERSION, FP_BITS, SetStatistics, featurise_all, set_statistics
from .guacamol_metrics import GuacamolReference, guacamol_reference

FORMAT = "pharmasynth-refstats"


class ReferenceCacheWarning(DataWarning):
    """A cached reference-statistics file was unusable; it is recomputed (nothing to do but note it)."""


def featurisation_version() -> str:
    """What a cached file must have been made with to be reused."""
    import rdkit

    try:
        from importlib.metadata import version
        fcd = version("fcd_torch")
    except Exception:  # noqa: BLE001 - an unknown version only makes the key stricter
        fcd = "unknown"
    return f"features {FEATURISATION_VERSION}; rdkit {rdkit.__version__}; fcd_torch {fcd}"


def content_hash(smiles) -> str:
    """SHA-256 of the SMILES, in order, one per line: the identity of a molecule set."""
    h = hashlib.sha256()
    for s in smiles:
        h.update(("" if s is None else str(s)).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def default_cache_dir() -> Path:
    if os.environ.get("PHARMASYNTH_REFSTATS_DIR"):
        return Path(os.environ["PHARMASYNTH_REFSTATS_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "pharmasynth" / "refstats"


# --- the training side -------------------------------------------------------------------------

@dataclass
class ReferenceSet:
    """What novelty, near copies, utility and GuacaMol's scores need of the reference (training) set.

    `canonical` and `flat_raw` are aligned with the input lines (None where invalid); `fps` are the
    Morgan fingerprints of the valid ones, in order."""
    canonical: list
    flat_raw: list
    fps: np.ndarray
    guacamol: dict = field(default_factory=dict)  # sample size n -> GuacamolReference
    sha256: str = ""
    qed: np.ndarray | None = None  # QED of the valid molecules, filled as the utility model draws them
    dirty: bool = False            # something was computed since it was read: worth saving again

    @property
    def valid_canonical(self) -> list:
        return [c for c in self.canonical if c is not None]

    def qed_for(self, idx) -> np.ndarray:
        """QED of valid molecules `idx` (positions among the valid ones), computed once and kept."""
        from .properties import compute_properties

        if self.qed is None:
            self.qed = np.full(len(self.fps), np.nan)
        idx = np.asarray(idx, dtype=int)
        missing = idx[np.isnan(self.qed[idx])]
        if len(missing):
            canon = self.valid_canonical
            self.qed[missing] = compute_properties([canon[i] for i in missing], ("qed",))["qed"].to_numpy()
            self.dirty = True
        return self.qed[idx]

    @property
    def flat_set(self) -> set:
        return {f for f in self.flat_raw if f is not None}

    def guacamol_at(self, n: int, chemnet_factory=None) -> tuple[GuacamolReference, bool]:
        """GuacaMol's training side at sample size n (with FCD statistics when `chemnet_factory` is
        given); computed and remembered when missing. Returns (it, whether it was computed now)."""
        have = self.guacamol.get(n)
        if have is not None and (have.fcd is not None or chemnet_factory is None):
            return have, False
        self.guacamol[n] = guacamol_reference(self.canonical, self.flat_raw, n,
                                              chemnet_factory() if chemnet_factory else None)
        self.dirty = True
        return self.guacamol[n], True


def reference_set(smiles, *, client=None, sha256: str | None = None) -> ReferenceSet:
    """Canonical SMILES (with and without stereo) and fingerprints of a reference set."""
    smiles = list(smiles)
    f = featurise_all(smiles, client=client, with_filters=False, light=True, desc="featurising reference")
    ok = np.array([c is not None for c in f["canonical"]], bool)
    return ReferenceSet(f["canonical"], f["flat_raw"], f["fps"][ok], sha256=sha256 or content_hash(smiles))


# --- arrays <-> statistics (no pickle) -----------------------------------------------------------

def _blob(strings) -> np.ndarray:
    return np.frombuffer("\n".join("" if s is None else s for s in strings).encode("utf-8"), dtype=np.uint8)


def _unblob(arr: np.ndarray, n: int) -> list:
    if n == 0:
        return []
    out = [s or None for s in arr.tobytes().decode("utf-8").split("\n")]
    if len(out) != n:
        raise ValueError(f"text blob holds {len(out)} entries, expected {n}")
    return out


def _pack_fps(fps: np.ndarray) -> np.ndarray:
    return np.packbits(fps.astype(np.uint8), axis=1)


def _unpack_fps(packed: np.ndarray, n: int) -> np.ndarray:
    fps = np.unpackbits(packed, axis=1)[:, :FP_BITS]
    if fps.shape != (n, FP_BITS):
        raise ValueError(f"fingerprints of shape {fps.shape}, expected {(n, FP_BITS)}")
    return fps


def _counter_arrays(prefix: str, counts: Counter) -> dict:
    keys = sorted(counts)
    return {f"{prefix}_keys": _blob(keys), f"{prefix}_counts": np.array([counts[k] for k in keys], np.int64)}


def _counter(z, prefix: str) -> Counter:
    counts = z[f"{prefix}_counts"]
    return Counter(dict(zip(_unblob(z[f"{prefix}_keys"], len(counts)), counts.tolist())))


def set_to_arrays(s: SetStatistics) -> dict:
    out = {"fps": _pack_fps(s.fps), "props": s.props, "canonical": _blob(s.canonical or []),
           "n": np.array(s.n), **_counter_arrays("frag", s.frag_counts), **_counter_arrays("scaf", s.scaf_counts)}
    if s.fcd is not None:
        out.update({"fcd_mu": s.fcd["mu"], "fcd_sigma": s.fcd["sigma"]})
    return out


def set_from_arrays(z) -> SetStatistics:
    n = int(z["n"])
    props = np.asarray(z["props"], float)
    if props.shape[0] != n:
        raise ValueError(f"{props.shape[0]} property rows for {n} molecules")
    fcd = {"mu": np.asarray(z["fcd_mu"]), "sigma": np.asarray(z["fcd_sigma"])} if "fcd_mu" in z else None
    return SetStatistics(_unpack_fps(z["fps"], n), _counter(z, "frag"), _counter(z, "scaf"), props, fcd, n,
                         _unblob(z["canonical"], n))


def reference_to_arrays(r: ReferenceSet) -> dict:
    out = {"canonical": _blob(r.canonical), "flat_raw": _blob(r.flat_raw), "fps": _pack_fps(r.fps),
           "n_input": np.array(len(r.canonical)), "guacamol_n": np.array(sorted(r.guacamol), np.int64)}
    if r.qed is not None:
        out["qed"] = r.qed
    for n, g in r.guacamol.items():
        out.update({f"g{n}_descriptors": g.descriptors, f"g{n}_nearest": g.nearest})
        if g.fcd is not None:
            out.update({f"g{n}_fcd_mu": g.fcd["mu"], f"g{n}_fcd_sigma": g.fcd["sigma"]})
    return out


def reference_from_arrays(z, sha256: str) -> ReferenceSet:
    n_input = int(z["n_input"])
    canonical, flat_raw = _unblob(z["canonical"], n_input), _unblob(z["flat_raw"], n_input)
    n_valid = sum(c is not None for c in canonical)
    guac = {}
    for n in z["guacamol_n"].tolist():
        fcd = ({"mu": z[f"g{n}_fcd_mu"], "sigma": z[f"g{n}_fcd_sigma"]} if f"g{n}_fcd_mu" in z else None)
        guac[n] = GuacamolReference(n, np.asarray(z[f"g{n}_descriptors"]), np.asarray(z[f"g{n}_nearest"]), fcd)
    qed = np.array(z["qed"], float) if "qed" in z else None
    if qed is not None and qed.shape != (n_valid,):
        raise ValueError(f"{qed.shape} QED values for {n_valid} valid molecules")
    return ReferenceSet(canonical, flat_raw, _unpack_fps(z["fps"], n_valid), guac, sha256, qed)


def _header(kind: str, sha256: str) -> dict:
    return {"format": FORMAT, "kind": kind, "sha256": sha256, "version": featurisation_version()}


def _npz_bytes(arrays: dict, header: dict) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, header=np.frombuffer(json.dumps(header).encode("utf-8"), np.uint8), **arrays)
    return buf.getvalue()


def _read_npz(path) -> tuple[dict, dict]:
    """(header, arrays) of a stats file; arrays are read eagerly so that a corrupt member fails here."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    header = json.loads(arrays.pop("header").tobytes().decode("utf-8"))
    if header.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} file")
    return header, arrays


def _prefixed(arrays: dict, prefix: str) -> dict:
    return {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}


# --- the cache ---------------------------------------------------------------------------------

class StatsCache:
    """Reference statistics on disk, keyed by content hash + featurisation version (see module doc)."""

    def __init__(self, directory=None):
        self.directory = Path(directory).expanduser() if directory else default_cache_dir()
        self.hits: list[Path] = []  # files read successfully (what `reference_side` reports)

    @classmethod
    def resolve(cls, cache) -> StatsCache | None:
        """True: the default directory; False / None: no cache; a path: that directory."""
        if cache is True:
            return cls()
        if cache is False or cache is None:
            return None
        return cls(cache)

    def path(self, kind: str, sha256: str) -> Path:
        key = hashlib.sha256(f"{sha256}|{featurisation_version()}".encode()).hexdigest()[:40]
        return self.directory / f"{kind}-{key}.npz"

    def load(self, kind: str, sha256: str) -> dict | None:
        p = self.path(kind, sha256)
        if not p.is_file():
            return None
        try:
            header, arrays = _read_npz(p)
            expected = _header(kind, sha256)
            for key in ("kind", "sha256", "version"):
                if header.get(key) != expected[key]:
                    raise ValueError(f"its {key} is {header.get(key)!r}, expected {expected[key]!r}")
            self.hits.append(p)
            return arrays
        except Exception as exc:  # noqa: BLE001 - any unreadable cache file is recomputed, never trusted
            warnings.warn(f"cached reference statistics {p} are unusable ({type(exc).__name__}: {exc}); "
                          "recomputing them (the file will be replaced).", ReferenceCacheWarning, stacklevel=3)
            return None

    def save(self, kind: str, sha256: str, arrays: dict) -> None:
        p = self.path(kind, sha256)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(p, _npz_bytes(arrays, _header(kind, sha256)))
        except OSError as exc:
            warnings.warn(f"cannot write the reference-statistics cache {p} ({exc}); scoring goes on without it. "
                          "Set PHARMASYNTH_REFSTATS_DIR to a writable folder, or pass cache=False / --no-cache.",
                          ReferenceCacheWarning, stacklevel=3)

    def set_statistics(self, smiles, *, fcd: bool, client=None, chemnet_factory=None,
                       role: str = "test set") -> SetStatistics:
        """`featurise.set_statistics` of `smiles`, from the cache when it holds them."""
        smiles = list(smiles)
        sha = content_hash(smiles)
        stats, dirty = None, False
        arrays = self.load("set", sha)
        if arrays is not None:
            try:
                stats = set_from_arrays(arrays)
            except Exception as exc:  # noqa: BLE001 - inconsistent arrays: recompute
                warnings.warn(f"cached reference statistics {self.path('set', sha)} are inconsistent ({exc}); "
                              "recomputing them.", ReferenceCacheWarning, stacklevel=2)
        if stats is None:
            stats = set_statistics(smiles, client=client, fcd=False, role=role)
            dirty = True
        if fcd and stats.fcd is None and stats.n >= 2:
            stats.fcd = chemnet_factory().statistics(stats.canonical)
            dirty = True
        if dirty:
            self.save("set", sha, set_to_arrays(stats))
        return stats

    def reference(self, smiles, *, client=None) -> ReferenceSet:
        smiles = list(smiles)
        sha = content_hash(smiles)
        arrays = self.load("reference", sha)
        if arrays is not None:
            try:
                return reference_from_arrays(arrays, sha)
            except Exception as exc:  # noqa: BLE001
                warnings.warn(f"cached reference statistics {self.path('reference', sha)} are inconsistent "
                              f"({exc}); recomputing them.", ReferenceCacheWarning, stacklevel=2)
        ref = reference_set(smiles, client=client, sha256=sha)
        self.save_reference(ref)
        return ref

    def save_reference(self, ref: ReferenceSet) -> None:
        self.save("reference", ref.sha256, reference_to_arrays(ref))
        ref.dirty = False
