"""The reference side of scoring: explicit stats files, and where one run's three sets come from.

`write_reference_stats` / `read_reference_stats`: one .npz file (no pickle) holding any of the
reference, test and scaffold-test sets' statistics (`pharmasynth molgen refstats`).

`score_library` asks for three sets (reference, test, scaffold test); each comes from the explicit
stats file when it holds that set (checked against the SMILES given, if any, by content hash),
else from the content-hash cache (`refstats.StatsCache`), else is computed for this run only.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._util.atomic import atomic_write_bytes
from ..errors import InputFileError, UsageError
from .featurise import SetStatistics, set_statistics
from .guacamol_metrics import GUACAMOL_SAMPLES
from .refstats import (FORMAT, ReferenceSet, StatsCache, _prefixed, _read_npz, content_hash, featurisation_version,
                       reference_from_arrays, reference_set, reference_to_arrays, set_from_arrays, set_to_arrays)


# --- explicit stats files -----------------------------------------------------------------------

@dataclass
class ReferenceStats:
    """The reference side of scoring, read from a stats file: any of reference / test / test_scaffolds."""
    reference: ReferenceSet | None = None
    test: SetStatistics | None = None
    test_scaffolds: SetStatistics | None = None
    hashes: dict = field(default_factory=dict)
    path: str = ""

    def matches(self, role: str, smiles) -> bool:
        """Whether the file's `role` set was made from exactly these SMILES."""
        return self.hashes.get(role) == content_hash(list(smiles))


def write_reference_stats(path, reference=None, test=None, test_scaffolds=None, *, fcd: bool = True,
                          guacamol_samples: int | None = GUACAMOL_SAMPLES, client=None, cache=True, device="cpu") -> Path:
    """Compute the reference side once and write it to `path` (.npz): reference (training) molecules
    for novelty, near copies, utility and GuacaMol's scores at `guacamol_samples` (None: skip; a
    library smaller than that needs GuacaMol's training side at its own size, computed when scored);
    test / scaffold-test molecules for FCD, SNN, Frag, Scaf and the property distances."""
    from .fcd import ChemNet

    if reference is None and test is None and test_scaffolds is None:
        raise UsageError("give at least one of reference, test, test_scaffolds.")
    store = StatsCache.resolve(cache)
    nets = []

    def chemnet():
        if not nets:
            nets.append(ChemNet(device))
        return nets[0]

    arrays, header = {}, {"format": FORMAT, "kind": "bundle", "version": featurisation_version(), "sets": {}}
    for role, smiles in (("test", test), ("test_scaffolds", test_scaffolds)):
        if smiles is not None:
            smiles = list(smiles)
            s = (store.set_statistics(smiles, fcd=fcd, client=client, chemnet_factory=chemnet, role=role)
                 if store else set_statistics(smiles, client=client, fcd=fcd, chemnet=chemnet() if fcd else None,
                                              role=role))
            arrays.update({f"{role}/{k}": v for k, v in set_to_arrays(s).items()})
            header["sets"][role] = {"sha256": content_hash(smiles), "n_input": len(smiles), "n_valid": s.n}
    if reference is not None:
        reference = list(reference)
        ref = store.reference(reference, client=client) if store else reference_set(reference, client=client)
        if guacamol_samples:
            _, computed = ref.guacamol_at(guacamol_samples, chemnet if fcd else None)
            if computed and store:
                store.save_reference(ref)
        arrays.update({f"reference/{k}": v for k, v in reference_to_arrays(ref).items()})
        header["sets"]["reference"] = {"sha256": ref.sha256, "n_input": len(reference),
                                       "n_valid": int(len(ref.fps))}
    buf = io.BytesIO()
    np.savez(buf, header=np.frombuffer(json.dumps(header).encode("utf-8"), np.uint8), **arrays)
    return atomic_write_bytes(Path(path), buf.getvalue())


def read_reference_stats(path) -> ReferenceStats:
    """A stats file written by `write_reference_stats`; an unreadable or foreign file is an error."""
    try:
        header, arrays = _read_npz(path)
        if header.get("kind") != "bundle":
            raise ValueError(f"it is a {header.get('kind')!r} cache entry, not a stats file")
        if header.get("version") != featurisation_version():
            raise ValueError(f"it was made with {header.get('version')!r}; this pharmasynth needs "
                             f"{featurisation_version()!r}")
        out = ReferenceStats(path=str(path))
        for role, meta in header["sets"].items():
            part = _prefixed(arrays, f"{role}/")
            out.hashes[role] = meta["sha256"]
            setattr(out, role, reference_from_arrays(part, meta["sha256"]) if role == "reference"
                    else set_from_arrays(part))
        return out
    except Exception as exc:  # noqa: BLE001 - every failure names the file and what to do
        raise InputFileError(f"{path}: not a usable pharmasynth reference-statistics file "
                             f"({type(exc).__name__}: {exc}). Make it again with `pharmasynth molgen refstats`."
                             ) from exc


# --- one scoring run ------------------------------------------------------------------------------

@dataclass
class ReferenceSide:
    reference: ReferenceSet | None = None
    test: SetStatistics | None = None
    test_scaffolds: SetStatistics | None = None
    store: StatsCache | None = None
    sources: dict = field(default_factory=dict)  # role -> "stats file" / "cache" / "computed"

    def note(self) -> str:
        where = f" (cache: {self.store.directory})" if self.store else ""
        return "; ".join(f"{role}: {src}" for role, src in self.sources.items()) + where


def resolve_reference_side(reference=None, test=None, test_scaffolds=None, *, reference_stats=None, cache=True,
                           fcd: bool = True, client=None, chemnet_factory=None) -> ReferenceSide:
    """The three sets' statistics; `reference_stats`: a stats-file path or a `ReferenceStats`."""
    bundle = reference_stats
    if bundle is not None and not isinstance(bundle, ReferenceStats):
        bundle = read_reference_stats(bundle)
    side = ReferenceSide(store=StatsCache.resolve(cache))
    for role, smiles in (("reference", reference), ("test", test), ("test_scaffolds", test_scaffolds)):
        from_file = getattr(bundle, role) if bundle is not None else None
        if from_file is not None:
            if smiles is not None and not bundle.matches(role, smiles):
                raise UsageError(f"the {role} statistics in {bundle.path} were made from other molecules than the "
                                 f"{role} set given ({len(list(smiles)):,} SMILES); give one or the other, or remake "
                                 "the file with `pharmasynth molgen refstats`.")
            if role != "reference" and fcd and from_file.fcd is None and from_file.n >= 2:
                from_file.fcd = chemnet_factory().statistics(from_file.canonical)
            setattr(side, role, from_file)
            side.sources[role] = "stats file"
            continue
        if smiles is None:
            continue
        smiles = list(smiles)
        if side.store is not None:
            hits = len(side.store.hits)
            value = (side.store.reference(smiles, client=client) if role == "reference" else
                     side.store.set_statistics(smiles, fcd=fcd, client=client, chemnet_factory=chemnet_factory,
                                               role=role.replace("_", " ") + " set"))
            side.sources[role] = "cache" if len(side.store.hits) > hits else "computed (now cached)"
        else:
            value = (reference_set(smiles, client=client) if role == "reference" else
                     set_statistics(smiles, client=client, fcd=fcd, chemnet=chemnet_factory() if fcd else None,
                                    role=role.replace("_", " ") + " set"))
            side.sources[role] = "computed"
        setattr(side, role, value)
    return side
