"""The demos: every part of the toolkit on the data shipped in data/, through the public API only.

    evaluation  the shared evaluation core on ACTG 175 synthetic patients (out/report.html)
    trials      digital twin, PROCOVA analysis of ACTG 175, GBSG2 time to event, trial simulation
    molgen      SMILES VAE + latent diffusion, filtered and scored library
    imaging     rare-class augmentation with a conditional diffusion model
    ehr         synthetic patient timelines on the NAFLD cohort: incidence curves, query battery (out/ehr/)

Each part is `pharmasynth.demos.<part>.run_demo(out_dir, random_state=0, quick=False)`, which writes
its reports into `out_dir` and returns its headline figures. `pharmasynth demo` runs them all and
writes out/index.html (every report, its lead and key numbers; a link bar in each report). The molgen
and imaging parts sample from the weights shipped in the package; `train=True` retrains them.
"""

from __future__ import annotations

import importlib
from pathlib import Path

PARTS = ("evaluation", "trials", "molgen", "imaging", "ehr")


def part_dir(out_dir, part: str) -> Path:
    """Where a part writes: the evaluation core's report at the top of `out_dir`, the others in a sub-folder."""
    return Path(out_dir) if part == "evaluation" else Path(out_dir) / part


TRAINABLE = ("molgen", "imaging")  # parts that sample shipped weights unless asked to train their own


def run_part(part: str, out_dir, random_state: int = 0, quick: bool = False, train: bool = False) -> dict:
    """Run one part's demo into `part_dir(out_dir, part)`; returns its headline figures. `train=True` makes
    the parts with shipped weights (TRAINABLE) train their generators on the demo data instead."""
    if part not in PARTS:
        raise ValueError(f"demo part {part!r} is not one of {PARTS}.")
    module = importlib.import_module(f"{__name__}.{part}")
    kwargs = {"train": train} if part in TRAINABLE else {}
    return module.run_demo(part_dir(out_dir, part), random_state=random_state, quick=quick, **kwargs) or {}
