"""GuacaMol's goal-directed tasks against the `guacamol` package's own scores (stored; see
tests/molgen/data/guacamol_goal_reference.py for how they were made)."""

import json
from pathlib import Path

import numpy as np
import pytest

from pharmasynth.molgen.goal_tasks import CORE_TASKS, GOAL_TASKS, goal_task

REFERENCE = json.loads((Path(__file__).parent / "data" / "guacamol_goal_reference.json").read_text())


@pytest.mark.parametrize("name", sorted(REFERENCE["scores"]))
def test_task_scores_equal_guacamols(name):
    got = goal_task(name).score(REFERENCE["smiles"])["total"].to_numpy()
    np.testing.assert_allclose(got, REFERENCE["scores"][name], rtol=1e-6, atol=1e-6)


def test_every_task_is_checked_and_the_reference_is_informative():
    assert set(REFERENCE["scores"]) == set(GOAL_TASKS) and set(CORE_TASKS) <= set(GOAL_TASKS)
    for name, values in REFERENCE["scores"].items():
        assert np.ptp(values) > 0.05, name  # the molecules separate every task's scores
    targets = dict(zip(REFERENCE["smiles"], range(len(REFERENCE["smiles"]))))
    celecoxib = targets["CC1=CC=C(C=C1)C1=CC(=NN1C1=CC=C(C=C1)S(N)(=O)=O)C(F)(F)F"]
    assert REFERENCE["scores"]["celecoxib_rediscovery"][celecoxib] == 1.0


def test_invalid_smiles_score_zero_and_unknown_task_is_named():
    task = goal_task("osimertinib_mpo")
    assert task.score(["C1CC"])["total"].iloc[0] == 0.0 and task.n_invalid_ == 1
    with pytest.raises(ValueError, match="Did you mean 'deco_hop'"):
        goal_task("deco_hopp")
