"""Figures without pyplot, deprecation shims, the Stopwatch, SavableMixin."""

import sys
import time
import warnings

import numpy as np
import pytest
import torch

from pharmasynth._util.deprecation import moved_names, renamed_kwargs
from pharmasynth._util.figures import figure_to_png_base64, new_figure
from pharmasynth._util.random import RandomStateMixin
from pharmasynth._util.serialization import SavableMixin
from pharmasynth._util.timing import Stopwatch
from pharmasynth.errors import CheckpointError


def test_figures_leave_no_global_state():
    import base64

    import matplotlib

    backend = matplotlib.get_backend()
    fig, ax = new_figure(figsize=(2, 2))
    ax.plot([0, 1], [1, 0])
    png = base64.b64decode(figure_to_png_base64(fig))
    assert png.startswith(b"\x89PNG")
    assert matplotlib.get_backend() == backend
    assert "matplotlib.pyplot" not in sys.modules or not __import__("matplotlib.pyplot").pyplot.get_fignums()


def test_renamed_kwargs_warns_and_passes_on():
    @renamed_kwargs(old="new")
    def f(new=1):
        return new

    with pytest.warns(FutureWarning, match=r"f\(old=...\) is deprecated.*new=..."):
        assert f(old=5) == 5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(new=3) == 3
    with pytest.raises(TypeError, match="both"):
        f(old=1, new=2)


def test_moved_names_serve_the_new_object():
    getattr_ = moved_names("pkg.old", {"Thing": "pharmasynth._util.timing:Stopwatch"})
    with pytest.warns(FutureWarning, match="pharmasynth._util.timing.Stopwatch"):
        assert getattr_("Thing") is Stopwatch
    with pytest.raises(AttributeError):
        getattr_("Other")


def test_stopwatch_adds_up():
    watch = Stopwatch()
    for _ in range(2):
        with watch("nap"):
            time.sleep(0.01)
    assert watch.seconds["nap"] >= 0.02


class _Model(RandomStateMixin, SavableMixin):
    def __init__(self, size=3, scale=(1.0, 2.0), random_state=0):
        self.size, self.scale, self.random_state = size, scale, random_state

    def _check_fitted(self):
        if not hasattr(self, "w_"):
            raise RuntimeError("not fitted")

    def fit(self):
        self.w_ = torch.as_tensor(self._fit_rng().normal(size=self.size))
        self._start_sampling()
        return self

    def sample(self, random_state=None):
        return self._sampling_rng(random_state).normal(size=2) + float(self.w_.sum())

    def _state(self):
        return {"note": "fitted"}, {"w": self.w_}

    def _restore(self, config, tensors):
        self.w_ = tensors["w"]


def test_savable_round_trip_keeps_params_weights_and_the_sampling_stream(tmp_path):
    m = _Model(size=4, random_state=7).fit()
    m.save(tmp_path / "m")
    back = _Model.load(tmp_path / "m")
    assert back.get_params() == {"size": 4, "scale": [1.0, 2.0], "random_state": 7}
    assert torch.equal(back.w_, m.w_)
    assert np.array_equal(back.sample(), _Model(size=4, random_state=7).fit().sample())
    assert _Model.load(tmp_path / "m", size=9).size == 9
    with pytest.raises(CheckpointError, match="holds a '_Model', not a 'Other'"):
        type("Other", (_Model,), {}).load(tmp_path / "m")
    (tmp_path / "m2").mkdir()
    m.save(tmp_path / "m2")
    import json
    cfg = json.loads((tmp_path / "m2" / "config.json").read_text())
    assert cfg["class"] == "_Model" and cfg["note"] == "fitted"
    gen_model = _Model(random_state=np.random.default_rng(1)).fit()
    gen_model.save(tmp_path / "m3")
    assert json.loads((tmp_path / "m3" / "config.json").read_text())["params"]["random_state"] is None
