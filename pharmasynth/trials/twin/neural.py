"""The neural visit + event model: a small torch MLP, trained through the shared `TrainingLoop`.

Per patient, the net gives the mean vector and a Cholesky factor of the visit covariance (a
heteroscedastic conditional Gaussian with full visit dependence, equivalent to an autoregressive
Gaussian over the visits), trained on the exact masked likelihood: each patient contributes the
marginal density of the visits observed (grouped by missing pattern). A Weibull head (log scale
from the net, one shape) models the event.

Training is full-batch on four fifths of the patients; the other fifth is the validation split
for early stopping (`patience` epochs without improvement; the best weights are restored).
Weights, the split and the dropout masks all come from the twin's random_state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ..._util.device import resolve_device
from ..._util.random import torch_generator
from ..._util.torchtools import dropout_module, init_weights, set_dropout_generator
from ..._util.training import TrainingLoop
from ..._util.torchtools import isolated_init


class NeuralTwinNet(nn.Module):
    """Visit mean = linear + MLP; covariance = global Cholesky scaled per patient; Weibull log-scale.

    The MLP's last layer starts at zero, so training starts from a linear model and the MLP adds
    non-linearity only where the data support it (early stopping decides). The per-patient scale
    is log-linear in the baseline: heteroscedastic without the freedom to shrink a single
    patient's variance to nothing.
    """

    def __init__(self, n_features: int, n_visits: int, hidden: int, event: bool):
        """Build the layers; their torch default initialisation draws from a fork of the global
        generator (its state is restored), and `fit_neural_twin` then sets every weight from the
        twin's own generator, so the global generator is neither used nor changed."""
        super().__init__()
        with isolated_init():
            self._build(n_features, n_visits, hidden, event)

    def _build(self, n_features: int, n_visits: int, hidden: int, event: bool):
        self.n_features, self.n_visits, self.event = n_features, n_visits, event
        p = max(n_features, 1)
        V = n_visits
        k = V + (1 if event else 0)
        self.mlp = nn.Sequential(nn.Linear(p, hidden), nn.SiLU(), dropout_module(0.1), nn.Linear(hidden, hidden),
                                 nn.SiLU(), nn.Linear(hidden, k))
        self.linear = nn.Linear(p, k)
        self.log_scale = nn.Linear(p, max(V, 1))
        self.n_off = V * (V - 1) // 2
        self.chol_log_diag = nn.Parameter(torch.zeros(max(V, 1)))
        self.chol_off = nn.Parameter(torch.zeros(max(self.n_off, 1)))
        self.log_rho = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        if x.shape[1] == 0:
            x = torch.zeros((x.shape[0], 1), device=x.device)
        out = self.linear(x) + self.mlp(x)
        V = self.n_visits
        mu = out[:, :V]
        L0 = torch.diag(torch.exp(self.chol_log_diag[:V]))
        if self.n_off:
            idx = torch.tril_indices(V, V, offset=-1)
            L0 = L0.index_put((idx[0], idx[1]), self.chol_off)
        scale = torch.exp(self.log_scale(x)[:, :V].clamp(-3, 3))
        L = scale[:, :, None] * L0[None]
        log_lam = out[:, V] if self.event else None
        return mu, L, (log_lam, self.log_rho)

    def nll(self, x, y, obs, t=None, e=None):
        """Mean negative log-likelihood of the observed visits (and the event, when t is given)."""
        mu, L, (log_lam, log_rho) = self(x)
        total = torch.zeros((), device=x.device)
        n = x.shape[0]
        if self.n_visits:
            cov = L @ L.transpose(1, 2)
            patterns, inv = torch.unique(obs, dim=0, return_inverse=True)
            for k in range(patterns.shape[0]):
                o = torch.nonzero(patterns[k]).reshape(-1)
                if len(o) == 0:
                    continue
                rows = inv == k
                c = cov[rows][:, o][:, :, o]
                d = torch.distributions.MultivariateNormal(mu[rows][:, o], covariance_matrix=c, validate_args=False)
                total = total - d.log_prob(y[rows][:, o]).sum()
        if self.event and t is not None:
            rho = torch.exp(log_rho)
            z = torch.log(t) - log_lam
            logS = -torch.exp(rho * z)
            logf = torch.log(rho) - log_lam + (rho - 1) * z + logS
            total = total - (e * logf + (1 - e) * logS).sum()
        return total / n


@dataclass
class NeuralFit:
    """A trained net with the scales it works in: visits standardised by (y_mean, y_sd), times
    divided by time_scale; `loss_history` holds (training loss, validation loss) per epoch."""

    net: NeuralTwinNet
    y_mean: np.ndarray
    y_sd: np.ndarray
    time_scale: float
    epochs_run: int
    loss_history: list = field(default_factory=list)


def fit_neural_twin(X: np.ndarray, Y: np.ndarray, t, e, rng: np.random.Generator, *, hidden: int, epochs: int,
                    lr: float, weight_decay: float, patience: int, device: str = "cpu") -> NeuralFit:
    """Train on design rows X, visits Y (NaN = missing) and, when t is given, event times/indicators."""
    g = torch_generator(int(rng.integers(2**62)))
    V = Y.shape[1]
    has_event = t is not None
    obs = ~np.isnan(Y)
    y_mean = np.array([np.nanmean(Y[:, j]) for j in range(V)]) if V else np.zeros(0)
    y_sd = np.array([np.nanstd(Y[:, j]) or 1.0 for j in range(V)]) if V else np.zeros(0)
    Ys = np.where(obs, (Y - y_mean) / y_sd, 0.0)
    time_scale = float(np.median(t)) if has_event else 1.0
    dev = resolve_device(device)
    net = NeuralTwinNet(X.shape[1], V, hidden, has_event)
    init_weights(net, g)
    with torch.no_grad():  # start from the linear model: the MLP's output layer and the scale at zero
        net.mlp[-1].weight.zero_()
        net.log_scale.weight.zero_()
    net.to(dev)
    n = len(X)
    perm = rng.permutation(n)
    n_val = max(1, n // 5) if n >= 20 else 0
    val, tr = torch.as_tensor(perm[:n_val], device=dev), torch.as_tensor(perm[n_val:], device=dev)
    set_dropout_generator(net, torch_generator(int(rng.integers(2**62)), device=dev))

    def tensor(a):
        return torch.tensor(a, dtype=torch.float32, device=dev)

    Xt, Yt, Ot = tensor(X), tensor(Ys), torch.tensor(obs, device=dev)
    tt = tensor(t / time_scale) if has_event else None
    et = tensor(e) if has_event else None
    last = {}

    def loss_on(model, idx):
        return model.nll(Xt[idx], Yt[idx], Ot[idx], None if tt is None else tt[idx], None if et is None else et[idx])

    def step(model, idx, _step):
        last["loss"] = loss_on(model, idx)
        return last["loss"]

    def validate():  # without a validation split (under 20 patients): the training loss
        return float(loss_on(net, val)) if n_val else float(last["loss"])

    loop = TrainingLoop(net, torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay), n=len(tr),
                        batch_size=len(tr), generator=g, epochs=epochs, order=lambda _epoch: tr,
                        validate=validate, patience=patience, desc="DigitalTwin (neural)")
    res = loop.run(step)
    history = [(row["loss"], row["val_loss"]) for row in res.history]
    return NeuralFit(net.cpu().eval(), y_mean, y_sd, time_scale, res.epochs_run, history)


def neural_moments(net: NeuralTwinNet, X: np.ndarray, y_mean: np.ndarray, y_sd: np.ndarray):
    """Predictive mean (n, V) and covariance (n, V, V) of the visits, in the visits' units."""
    with torch.no_grad():
        mu, L, _ = net(torch.tensor(X, dtype=torch.float32))
        cov = (L @ L.transpose(1, 2)).double().numpy()
        mu = mu.double().numpy()
    return y_mean + mu * y_sd, cov * np.outer(y_sd, y_sd)[None]


def neural_weibull(net: NeuralTwinNet, X: np.ndarray, time_scale: float):
    """(scale lambda (n,), shape rho) of the event time, in the times' units."""
    with torch.no_grad():
        _, _, (log_lam, log_rho) = net(torch.tensor(X, dtype=torch.float32))
    return np.exp(log_lam.double().numpy()) * time_scale, float(np.exp(log_rho.item()))
