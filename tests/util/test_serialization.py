import pytest
import torch

from pharmasynth._util.serialization import load_checkpoint, load_model, save_checkpoint, save_model
from pharmasynth.errors import CheckpointError


def test_model_round_trip_no_pickle(tmp_path):
    net = torch.nn.Linear(3, 2)
    save_model(tmp_path / "m", {"class": "Linear", "in": 3}, net.state_dict())
    cfg, tensors = load_model(tmp_path / "m", expected_class="Linear")
    assert cfg["in"] == 3 and cfg["format_version"] == 1
    net2 = torch.nn.Linear(3, 2)
    net2.load_state_dict(tensors)
    assert torch.equal(net.weight, net2.weight)
    raw = (tmp_path / "m" / "model.safetensors").read_bytes()
    assert not raw.startswith(b"\x80")  # not a pickle stream


def test_load_model_errors(tmp_path):
    with pytest.raises(CheckpointError, match="config.json"):
        load_model(tmp_path)
    save_model(tmp_path / "m", {"class": "A"}, {"w": torch.zeros(1)})
    with pytest.raises(CheckpointError, match="holds a 'A'"):
        load_model(tmp_path / "m", expected_class="B")
    (tmp_path / "m" / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="safetensors"):
        load_model(tmp_path / "m")
    (tmp_path / "m" / "config.json").write_text("{nope")
    with pytest.raises(CheckpointError, match="JSON"):
        load_model(tmp_path / "m")


class _Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_checkpoint_round_trip_and_refuses_arbitrary_objects(tmp_path):
    net = torch.nn.Linear(2, 2)
    opt = torch.optim.Adam(net.parameters())
    net(torch.ones(1, 2)).sum().backward()
    opt.step()
    state = {"model": net.state_dict(), "optimizer": opt.state_dict(), "step": 1,
             "rng": torch.random.get_rng_state()}
    save_checkpoint(tmp_path / "ckpt.pt", state)
    back = load_checkpoint(tmp_path / "ckpt.pt")
    assert back["step"] == 1 and torch.equal(back["model"]["weight"], net.weight)
    torch.save({"x": _Evil()}, tmp_path / "evil.pt")
    with pytest.raises(CheckpointError, match="weights_only"):
        load_checkpoint(tmp_path / "evil.pt")
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")
