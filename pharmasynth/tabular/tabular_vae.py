"""TabularVAE: a small variational autoencoder over mixed-type columns, in torch.

Conditional sampling is by rejection (discrete conditions only): decode, keep the rows that meet
the conditions, repeat; the acceptance rate is reported and too low an acceptance is an error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from .._util.random import torch_generator
from .._util.torchtools import isolated_init
from ..errors import SchemaError
from .base import TableSynthesizer
from .codec import TableCodec


class TabularVAE(TableSynthesizer):
    """A small variational autoencoder over mixed-type columns, in torch.

    Continuous columns enter as their normal scores (through the same quantile summaries as the
    copula) and are decoded as Gaussians; discrete columns (and the missing flags of continuous
    ones) as one-hot blocks decoded as categoricals. Conditional sampling is by rejection.

    latent_dim, hidden, epochs, batch_size, lr, beta (weight of the KL term), device ("cpu" or "auto")
    ids: identifier columns, not modelled and re-issued (see GaussianCopula)
    """

    _condition_method = "rejection sampling (discrete conditions only)"

    def __init__(self, latent_dim: int = 8, hidden: int = 128, epochs: int = 30, batch_size: int = 256,
                 lr: float = 2e-3, beta: float = 1.0, max_discrete: int = 20, n_quantiles: int = 256,
                 kinds: dict | None = None, min_acceptance: float = 0.001, device: str = "cpu", random_state=0,
                 ids=()):
        self.ids = ids
        self.latent_dim, self.hidden, self.epochs, self.batch_size = latent_dim, hidden, epochs, batch_size
        self.lr, self.beta, self.max_discrete, self.n_quantiles = lr, beta, max_discrete, n_quantiles
        self.kinds, self.min_acceptance, self.device, self.random_state = kinds, min_acceptance, device, random_state

    # --- layout of the encoded table
    def _layout(self):
        cont, blocks = [], []  # blocks: (name, size, "column"|"missing")
        for col in self.codec_.columns:
            if col["kind"] == "continuous":
                cont.append(col["name"])
                if col["missing_rate"] > 0:
                    blocks.append((col["name"], 2, "missing"))
            else:
                blocks.append((col["name"], len(col["categories"]), "column"))
        return cont, blocks

    def _encode(self, df: pd.DataFrame):
        codec = self.codec_
        cont, blocks = self._layout()
        xc = np.zeros((len(df), len(cont)))
        mc = np.ones((len(df), len(cont)))
        for j, name in enumerate(cont):
            col = codec.column(name)
            x = codec.numbers(col, df[name])
            obs = ~np.isnan(x)
            xc[obs, j] = special.ndtri(codec.continuous_to_uniform(col, x[obs]))
            mc[~obs, j] = 0.0
        codes = []
        for name, size, what in blocks:
            if what == "missing":
                codes.append(df[name].isna().to_numpy(int))
            else:
                codes.append(codec.codes(codec.column(name), df[name]))
        codes = np.column_stack(codes) if codes else np.zeros((len(df), 0), int)
        return xc, mc, codes

    def _build(self, n_cont, sizes):
        import torch
        from torch import nn

        d_in = n_cont + sum(sizes)
        h = self.hidden
        with isolated_init():  # the weights are then set from the model's generator (init_weights)
            enc = nn.Sequential(nn.Linear(d_in, h), nn.SiLU(), nn.Linear(h, h), nn.SiLU(),
                                nn.Linear(h, 2 * self.latent_dim))
            dec = nn.Sequential(nn.Linear(self.latent_dim, h), nn.SiLU(), nn.Linear(h, h), nn.SiLU(),
                                nn.Linear(h, n_cont + sum(sizes)))
        net = nn.ModuleDict({"enc": enc, "dec": dec})
        net.log_sigma = nn.Parameter(torch.zeros(n_cont))
        return net

    def fit(self, df: pd.DataFrame) -> "TabularVAE":
        import torch
        import torch.nn.functional as F

        from .._util.device import resolve_device
        from .._util.torchtools import init_weights
        from .._util.training import TrainingLoop

        rng = self._fit_rng()
        self.codec_ = TableCodec(self.max_discrete, self.n_quantiles, self.kinds, self.ids).fit(df)
        cont, blocks = self._layout()
        self.sizes_ = [b[1] for b in blocks]
        xc, mc, codes = self._encode(df)
        dev = resolve_device(self.device)
        g = torch_generator(int(rng.integers(2**62)))
        net = self._build(len(cont), self.sizes_)
        init_weights(net, g)
        net.to(dev)
        Xc = torch.tensor(xc, dtype=torch.float32, device=dev)
        Mc = torch.tensor(mc, dtype=torch.float32, device=dev)
        Cd = torch.tensor(codes, dtype=torch.long, device=dev)
        onehot = _onehot(Cd, self.sizes_)
        offsets = np.cumsum([0] + self.sizes_)
        nc = len(cont)

        def step(model, idx, _step):
            idx = idx.to(dev)
            xb, mb, cb, ob = Xc[idx], Mc[idx], Cd[idx], onehot[idx]
            mu, logvar = model["enc"](torch.cat([xb * mb, ob], 1)).chunk(2, 1)
            eps = torch.randn(mu.shape, generator=g, device="cpu").to(dev)
            out = model["dec"](mu + eps * torch.exp(0.5 * logvar))
            ls = model.log_sigma
            loss = ((0.5 * ((xb - out[:, :nc]) / ls.exp()) ** 2 + ls) * mb).sum(1)
            logits = out[:, nc:]
            for j in range(len(self.sizes_)):
                loss = loss + F.cross_entropy(logits[:, offsets[j]:offsets[j + 1]], cb[:, j], reduction="none")
            kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
            return (loss + self.beta * kl).mean()

        loop = TrainingLoop(net, torch.optim.Adam(net.parameters(), lr=self.lr), n=len(df),
                            batch_size=self.batch_size, generator=g, epochs=self.epochs, desc="TabularVAE")
        self.loss_history_ = [row["loss"] for row in loop.run(step).history]
        self.net_ = net.cpu().eval()
        self.n_features_in_ = df.shape[1]
        self._start_sampling()
        return self

    def _draw(self, m: int, conditions: dict, rng) -> tuple[pd.DataFrame, int]:
        import torch

        codec = self.codec_
        for c in conditions:
            if codec.column(c)["kind"] == "continuous":
                raise SchemaError(f"TabularVAE conditions on discrete columns only; {c!r} is continuous. "
                                  "Use GaussianCopula, or a rule (e.g. 'x between a and b').")
        cont, blocks = self._layout()
        nc = len(cont)
        g = torch_generator(int(rng.integers(2**62)))
        parts = {}
        cont_vals, block_vals = [], []
        with torch.no_grad():
            for s in range(0, m, 65536):
                b = min(65536, m - s)
                z = torch.randn((b, self.latent_dim), generator=g)
                out = self.net_["dec"](z)
                x = out[:, :nc] + self.net_.log_sigma.exp() * torch.randn((b, nc), generator=g)
                cont_vals.append(x.numpy().astype(float))
                offsets = np.cumsum([0] + self.sizes_)
                ks = []
                for j, size in enumerate(self.sizes_):
                    logits = out[:, nc + offsets[j]:nc + offsets[j + 1]]
                    gumbel = -torch.log(-torch.log(torch.rand(logits.shape, generator=g).clamp_min(1e-12)))
                    ks.append((logits + gumbel).argmax(1).numpy())
                block_vals.append(np.column_stack(ks) if ks else np.zeros((b, 0), int))
        xs = np.concatenate(cont_vals) if cont_vals else np.zeros((0, nc))
        ks = np.concatenate(block_vals) if block_vals else np.zeros((0, len(blocks)), int)
        for j, name in enumerate(cont):
            parts[name] = codec.continuous_from_uniform(codec.column(name), special.ndtr(xs[:, j]))
        for j, (name, size, what) in enumerate(blocks):
            if what == "missing":
                parts[name] = np.where(ks[:, j] == 1, np.nan, parts[name])
            else:
                parts[name] = ks[:, j]
        keep = np.ones(m, bool)
        for c, v in conditions.items():
            col = codec.column(c)
            keep &= parts[c] == codec.category_index(col, v)
        df = codec.assemble(parts, m)
        if conditions:
            df = df[keep].reset_index(drop=True)
        return df, int((~keep).sum())

    def _model_state(self):
        return {"sizes": self.sizes_, "n_features_in": self.n_features_in_}, dict(self.net_.state_dict())

    def _restore_model(self, cfg, tensors):
        cont, _ = self._layout()
        self.sizes_ = cfg["sizes"]
        self.n_features_in_ = cfg["n_features_in"]
        net = self._build(len(cont), self.sizes_)
        net.load_state_dict(tensors)
        self.net_ = net.eval()


def _onehot(codes, sizes):
    import torch

    if not sizes:
        return torch.zeros((codes.shape[0], 0))
    return torch.cat([torch.nn.functional.one_hot(codes[:, j], s).float() for j, s in enumerate(sizes)], 1)
