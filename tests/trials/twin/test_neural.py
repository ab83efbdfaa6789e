"""The neural twin's training: reproducible from random_state alone, never drawing from torch's global RNG."""

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from test_digital_twin import VISITS, simulate  # noqa: E402

from pharmasynth.trials import DigitalTwin  # noqa: E402


def _fit(train, seed):
    return DigitalTwin(["age", "score", "site"], VISITS, time="time", event="event", model="neural", hidden=8,
                       epochs=6, random_state=seed).fit(train)


def test_dropout_and_weights_come_from_random_state_only():
    train = simulate(120, np.random.default_rng(0))
    torch.manual_seed(1)
    before = torch.get_rng_state()
    a = _fit(train, 0)
    assert torch.equal(torch.get_rng_state(), before)  # the global generator was not touched
    torch.manual_seed(2)  # a different global state changes nothing
    b = _fit(train, 0)
    assert a.loss_history_ == b.loss_history_
    np.testing.assert_array_equal(a.predict(train).to_numpy(), b.predict(train).to_numpy())
    assert _fit(train, 1).loss_history_ != a.loss_history_
    assert a.epochs_run_ == 6 and len(a.loss_history_) == 6


def test_neural_twin_round_trip(tmp_path):
    train = simulate(80, np.random.default_rng(1))
    twin = _fit(train, 0)
    twin.save(tmp_path / "nn")
    back = DigitalTwin.load(tmp_path / "nn")
    np.testing.assert_array_equal(back.predict(train).to_numpy(), twin.predict(train).to_numpy())
    assert back.sample(train.iloc[:5], 2).equals(twin.sample(train.iloc[:5], 2, random_state=0))
