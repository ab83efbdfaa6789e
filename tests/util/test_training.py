"""The one training loop: same numbers as a hand-written loop, exact resume, early stopping, EMA."""

import pytest
import torch

from pharmasynth._util.torchtools import EMA, init_weights
from pharmasynth._util.training import TrainingLoop

X = torch.linspace(-1, 1, 50)[:, None]
Y = 3 * X + 0.5


def _net(seed=0):
    net = torch.nn.Linear(1, 1)
    init_weights(net, torch.Generator().manual_seed(seed))
    return net


def _step(gen):
    def step(model, idx, _step):
        noise = torch.randn(len(idx), 1, generator=gen) * 0.01  # the model's own draw, after the loop's order
        return torch.nn.functional.mse_loss(model(X[idx]), Y[idx] + noise)
    return step


def _loop(net, gen, **kw):
    return TrainingLoop(net, torch.optim.SGD(net.parameters(), lr=0.1), n=50, batch_size=16, generator=gen, **kw)


def test_same_numbers_as_a_hand_written_loop():
    net, gen = _net(), torch.Generator().manual_seed(1)
    res = _loop(net, gen, epochs=3).run(_step(gen))
    ref, g2 = _net(), torch.Generator().manual_seed(1)
    opt = torch.optim.SGD(ref.parameters(), lr=0.1)
    for _ in range(3):
        perm = torch.randperm(50, generator=g2)
        for b in range(0, 50, 16):
            loss = _step(g2)(ref, perm[b:b + 16], 0)
            opt.zero_grad()
            loss.backward()
            opt.step()
    assert torch.equal(net.weight, ref.weight) and torch.equal(net.bias, ref.bias)
    assert res.step == 12 and res.epochs_run == 3 and len(res.history) == 3
    assert res.history[-1]["loss"] < res.history[0]["loss"]


@pytest.mark.parametrize("every", [None, 5])  # at epoch ends, and every 5 steps (mid-epoch)
def test_resume_from_a_checkpoint_is_exact(tmp_path, every):
    from pharmasynth._util.serialization import load_checkpoint

    straight_net, g = _net(), torch.Generator().manual_seed(2)
    _loop(straight_net, g, steps=12).run(_step(g))

    path = tmp_path / "ckpt.pt"
    net, g = _net(), torch.Generator().manual_seed(2)
    _loop(net, g, steps=5 if every else 8, checkpoint_path=path, checkpoint_every=every).run(_step(g))
    state = load_checkpoint(path)
    assert state["step"] == (5 if every else 8)
    resumed, g = _net(7), torch.Generator().manual_seed(99)  # other init and seed: all must come from the file
    res = _loop(resumed, g, steps=12, checkpoint_path=path, checkpoint_every=every).run(_step(g), resume_from=state)
    assert res.step == 12
    assert torch.equal(resumed.weight, straight_net.weight) and torch.equal(resumed.bias, straight_net.bias)


def test_early_stopping_restores_the_best_weights():
    net, gen = _net(), torch.Generator().manual_seed(0)
    seen = []

    def validate():  # gets worse after epoch 2 whatever the weights do
        seen.append({k: v.clone() for k, v in net.state_dict().items()})
        return [3.0, 1.0, 2.0, 2.5, 2.7, 2.9][len(seen) - 1]

    res = _loop(net, gen, epochs=6, validate=validate, patience=2).run(_step(gen))
    assert res.stopped_early and res.epochs_run == 4
    assert [round(h["val_loss"], 1) for h in res.history] == [3.0, 1.0, 2.0, 2.5]
    assert torch.equal(net.weight, seen[1]["weight"])


def test_ema_warms_up_and_follows_the_weights():
    net, gen = _net(), torch.Generator().manual_seed(0)
    ema = EMA(net, decay=0.999)
    _loop(net, gen, epochs=20, ema=ema).run(_step(gen))
    # with the warm-up the average has left the initial weights and sits near the trained ones
    w, w_ema, w0 = (float(m.weight.detach()) for m in (net, ema.net, _net()))
    assert abs(w_ema - w) < 0.5 * abs(w - w0)


def test_length_must_be_given_once():
    net, gen = _net(), torch.Generator()
    with pytest.raises(ValueError, match="epochs or steps"):
        _loop(net, gen).run(_step(gen))
    with pytest.raises(ValueError, match="epochs or steps"):
        _loop(net, gen, epochs=1, steps=3).run(_step(gen))
