"""LatentDiffusion: property-conditioned diffusion over a fitted SmilesVAE's latent space.

Three separate pieces (diffusers style):
  * `LatentDenoiser`  an MLP: noisy latent + sinusoidal time embedding + condition embedding
                      (a learned null token replaces the condition for classifier-free guidance)
  * the noise schedule  `diffusers.DDPMScheduler` for training, DDIM or DDPM for sampling
  * the sampling loop   `LatentDiffusion._denoise`, written out below.
Latents and property values are standardised with the training set's mean and std. Naming:
`condition_on` is the list of properties a model is conditioned on, `conditions` the values one
sample is conditioned on ({"qed": 0.8}), and `scheduler` the noise schedule ("ddim" or "ddpm").
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np

from .._util import torch_generator
from .._util.deprecation import renamed_kwargs, warn_deprecated
from .._util.random import RandomStateMixin
from .._util.serialization import SavableMixin
from .._util.torchtools import isolated_init
from .._util.training import TrainingLoop
from ..errors import DataError, DataWarning, NotFittedError, check_option
from .properties import PROPERTY_NAMES, compute_properties
from .vae import SmilesVAE


def _build_denoiser(latent_dim, n_cond, hidden_dim, num_layers):
    import torch
    from torch import nn

    class LatentDenoiser(nn.Module):
        def __init__(self):
            super().__init__()
            self.time_mlp = nn.Sequential(nn.Linear(hidden_dim, hidden_dim), nn.SiLU(), nn.Linear(hidden_dim, hidden_dim))
            self.cond_mlp = nn.Sequential(nn.Linear(n_cond, hidden_dim), nn.SiLU(), nn.Linear(hidden_dim, hidden_dim))
            self.null_cond = nn.Parameter(torch.zeros(hidden_dim))  # "no condition" for CFG
            self.inp = nn.Linear(latent_dim, hidden_dim)
            self.blocks = nn.ModuleList(
                nn.Sequential(nn.LayerNorm(hidden_dim), nn.Linear(hidden_dim, 2 * hidden_dim), nn.SiLU(),
                              nn.Linear(2 * hidden_dim, hidden_dim)) for _ in range(num_layers))
            self.out = nn.Sequential(nn.LayerNorm(hidden_dim), nn.Linear(hidden_dim, latent_dim))
            self.hidden_dim = hidden_dim

        def time_embedding(self, t):
            half = self.hidden_dim // 2
            freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
            ang = t.float()[:, None] * freqs[None]
            return self.time_mlp(torch.cat([ang.sin(), ang.cos()], -1))

        def forward(self, x, t, cond, drop_mask):
            """drop_mask: bool (B,), True -> use the null condition."""
            c = self.cond_mlp(cond)
            c = torch.where(drop_mask[:, None], self.null_cond.expand_as(c), c)
            h = self.inp(x) + self.time_embedding(t) + c
            for blk in self.blocks:
                h = h + blk(h)
            return self.out(h)

    return LatentDenoiser()


class LatentDiffusion(RandomStateMixin, SavableMixin):
    """Diffusion over a fitted `SmilesVAE`'s latents, conditioned on properties (qed, logp, sa, mw).

    >>> ldm = LatentDiffusion(vae, condition_on=["qed", "logp"]).fit(train_smiles)
    >>> ldm.sample(1000, conditions={"qed": 0.8, "logp": 2.5}, guidance_scale=2.0)

    Saved as a folder: config.json + model.safetensors (the denoiser) and vae/ (the SmilesVAE it
    decodes with, written by `save` and read by `load` unless a `vae` is given to it).
    """

    _NOT_SAVED = ("vae",)

    @renamed_kwargs(conditions="condition_on")
    def __init__(self, vae: SmilesVAE, condition_on=("qed", "logp"), hidden_dim: int = 256, num_layers: int = 3,
                 num_train_timesteps: int = 1000, beta_schedule: str = "squaredcos_cap_v2",
                 guidance_dropout: float = 0.1, scheduler: str = "ddim", lr: float = 1e-3, batch_size: int = 256,
                 epochs: int = 50, labels: str = "decoded", random_state: int | None = 0):
        self.vae = vae
        self.condition_on = list(condition_on)
        for c in self.condition_on:
            check_option("condition_on", c, PROPERTY_NAMES)
        self.hidden_dim = hidden_dim
        self.num_layers = num_layers
        self.num_train_timesteps = num_train_timesteps
        self.beta_schedule = beta_schedule
        self.guidance_dropout = guidance_dropout
        self.scheduler = check_option("scheduler", scheduler, ("ddim", "ddpm"))
        self.lr = lr
        self.batch_size = batch_size
        self.epochs = epochs
        self.labels = check_option("labels", labels, ("decoded", "input"))
        self.random_state = random_state

    @property
    def conditions(self) -> list[str]:
        """Deprecated name of `condition_on` (`conditions` are the values a sample is conditioned on)."""
        warn_deprecated("LatentDiffusion.conditions", "LatentDiffusion.condition_on")
        return self.condition_on

    def _train_scheduler(self):
        from diffusers import DDPMScheduler

        return DDPMScheduler(num_train_timesteps=self.num_train_timesteps, beta_schedule=self.beta_schedule)

    def _sample_scheduler(self, kind):
        from diffusers import DDIMScheduler, DDPMScheduler

        cls = DDIMScheduler if kind == "ddim" else DDPMScheduler
        return cls.from_config(self._train_scheduler().config)

    # ---- training ---------------------------------------------------------------------------
    def _labels(self, smiles, properties):
        """(latents, property values) of the usable training molecules; see `fit`."""
        import pandas as pd

        tok, names = self.vae.tokenizer_, self.condition_on
        keep = [i for i, s in enumerate(smiles) if tok.can_encode(s)]
        if properties is None:
            props = compute_properties([smiles[i] for i in keep], tuple(names))
        else:
            props = pd.DataFrame(properties).reset_index(drop=True).iloc[keep].reset_index(drop=True)
            missing = [c for c in names if c not in props.columns]
            if missing:
                raise DataError(f"properties lacks the condition columns {missing}.")
        cond = props[names].to_numpy(np.float32)
        ok = np.isfinite(cond).all(1)
        idx = [keep[i] for i in np.flatnonzero(ok)]
        if len(idx) < 2:
            raise DataError("fewer than 2 training SMILES are valid and encodable by the VAE.")
        z = self.vae.encode([smiles[i] for i in idx]).astype(np.float32)
        cond = cond[ok]
        self.n_dropped_invalid_decode_ = 0
        if self.labels == "decoded" and properties is None:
            decoded = self.vae.decode(z, temperature=0.0)
            dprops = compute_properties(decoded, tuple(names))
            dcond = dprops[names].to_numpy(np.float32)
            good = dprops["valid"].to_numpy(bool) & np.isfinite(dcond).all(1)
            if good.sum() < 2:
                raise DataError(f"only {int(good.sum())} of {len(z):,} training latents decode to a valid "
                                "molecule: train the VAE longer, or use labels='input'.")
            self.n_dropped_invalid_decode_ = int((~good).sum())
            n_distinct = len({d for d, g in zip(decoded, good) if g})
            if n_distinct < 0.1 * good.sum():
                warnings.warn(DataWarning(
                    f"the VAE decodes {int(good.sum()):,} training latents to only {n_distinct:,} distinct "
                    "molecules: its decoder ignores the latent (posterior collapse), so no latent model can "
                    "steer it. Retrain the VAE with a smaller kl_weight_max (e.g. 0.005) or longer."),
                    stacklevel=3)
            z, cond = z[good], dcond[good]
        return z, cond

    def fit(self, smiles, properties=None, progress: bool | None = None) -> "LatentDiffusion":
        """Encode `smiles` with the VAE, compute (or take) their properties, train the denoiser.

        labels="decoded" (default, properties computed by RDKit): each latent is labelled with the
        properties of the molecule the VAE decoder makes of it (greedy), and latents that decode to
        no valid molecule are left out. A short-trained VAE reconstructs few molecules exactly, so
        the input molecule's properties would promise what the decoder does not deliver; labelled
        this way, the model learns where in latent space the decoder yields valid molecules with the
        requested properties. labels="input", or given `properties`: the input molecules' values.
        """
        import torch

        self.vae._check_fitted()
        z, cond = self._labels([str(s) for s in smiles], properties)
        self.z_mean_, self.z_std_ = z.mean(0), z.std(0) + 1e-6
        self.c_mean_, self.c_std_ = cond.mean(0), cond.std(0) + 1e-6
        x_all = torch.as_tensor((z - self.z_mean_) / self.z_std_)
        c_all = torch.as_tensor((cond - self.c_mean_) / self.c_std_)
        gen = torch_generator(self.random_state)  # one CPU generator: init, shuffling, noise, steps, CFG drops
        with isolated_init(int(torch.randint(0, 2**62, (1,), generator=gen))):
            net = _build_denoiser(z.shape[1], len(self.condition_on), self.hidden_dim, self.num_layers)
        sched = self._train_scheduler()
        opt = torch.optim.AdamW(net.parameters(), lr=self.lr)
        n_batches = math.ceil(len(x_all) / self.batch_size)
        lr_sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, self.epochs * n_batches))

        def step(model, idx, step_no):
            x0, c = x_all[idx], c_all[idx]
            noise = torch.randn(x0.shape, generator=gen)
            t = torch.randint(0, self.num_train_timesteps, (len(idx),), generator=gen)
            drop = torch.rand(len(idx), generator=gen) < self.guidance_dropout
            return torch.nn.functional.mse_loss(model(sched.add_noise(x0, noise, t), t, c, drop), noise)

        result = TrainingLoop(net, opt, n=len(x_all), batch_size=self.batch_size, generator=gen, epochs=self.epochs,
                              lr_scheduler=lr_sched, desc="LatentDiffusion", progress_bar=progress).run(step)
        self.denoiser_ = net
        self.history_ = [{"epoch": row["epoch"], "loss": row["loss"]} for row in result.history]
        self.n_train_ = int(len(x_all))
        self._start_sampling()
        return self

    def _check_fitted(self):
        if not hasattr(self, "denoiser_"):
            raise NotFittedError("this LatentDiffusion is not fitted; call fit(smiles) or LatentDiffusion.load().")

    # ---- sampling ---------------------------------------------------------------------------
    def _condition_vector(self, conditions: dict | None, n: int):
        import torch

        if not conditions:
            return torch.zeros(n, len(self.condition_on)), torch.ones(n, dtype=torch.bool)
        unknown = set(conditions) - set(self.condition_on)
        if unknown:
            raise DataError(f"condition names {sorted(unknown)} were not trained; this model knows "
                            f"{self.condition_on}.")
        missing = [c for c in self.condition_on if c not in conditions]
        if missing:
            raise DataError(f"give a value for every trained condition {self.condition_on}; missing {missing}.")
        v = np.array([float(conditions[c]) for c in self.condition_on], np.float32)
        v = (v - self.c_mean_) / self.c_std_
        return torch.as_tensor(np.tile(v, (n, 1))), torch.zeros(n, dtype=torch.bool)

    def _denoise(self, x, cond, uncond_mask, guidance_scale, scheduler, num_inference_steps, gen):
        """The sampling loop: classifier-free guidance eps = eps_u + s * (eps_c - eps_u)."""
        import torch

        scheduler.set_timesteps(num_inference_steps)
        all_null = torch.ones(len(x), dtype=torch.bool)
        with torch.no_grad():
            for t in scheduler.timesteps:
                tt = torch.full((len(x),), int(t), dtype=torch.long)
                eps_c = self.denoiser_(x, tt, cond, uncond_mask)
                if guidance_scale != 1.0 and not bool(uncond_mask.all()):
                    eps_u = self.denoiser_(x, tt, cond, all_null)
                    eps = eps_u + guidance_scale * (eps_c - eps_u)
                else:
                    eps = eps_c
                x = scheduler.step(eps, t, x, generator=gen).prev_sample
        return x

    @renamed_kwargs(condition="conditions")
    def sample_latents(self, n: int, conditions: dict | None = None, guidance_scale: float = 2.0,
                       num_inference_steps: int = 50, temperature: float = 1.0, scheduler: str | None = None,
                       random_state=None) -> np.ndarray:
        """Latent vectors (in the VAE's space) drawn from the conditional diffusion.

        random_state=None continues the model's sampling stream; an int seeds the noise directly."""
        import torch

        self._check_fitted()
        kind = check_option("scheduler", scheduler or self.scheduler, ("ddim", "ddpm"))
        gen = torch_generator(self._sampling_rng() if random_state is None else random_state)
        cond, mask = self._condition_vector(conditions, int(n))
        x = torch.randn((int(n), len(self.z_mean_)), generator=gen) * float(temperature)
        x = self._denoise(x, cond, mask, float(guidance_scale), self._sample_scheduler(kind),
                          int(num_inference_steps), gen)
        return x.numpy() * self.z_std_ + self.z_mean_

    @renamed_kwargs(condition="conditions")
    def sample(self, n: int, conditions: dict | None = None, guidance_scale: float = 2.0,
               num_inference_steps: int = 50, temperature: float = 1.0, decode_temperature: float = 0.0,
               scheduler: str | None = None, random_state=None) -> list[str]:
        """n SMILES for the requested properties, e.g. conditions={"qed": 0.8, "logp": 2.5}.

        temperature scales the initial noise; decode_temperature is the VAE decoder's (0 = greedy).
        random_state=None continues the model's sampling stream (which `fit` and `load` start at
        random_state); a given random_state draws from that and leaves the stream alone."""
        rng = self._sampling_rng(random_state)
        z = self.sample_latents(n, conditions, guidance_scale, num_inference_steps, temperature, scheduler,
                                random_state=rng)
        return self.vae.decode(z, temperature=decode_temperature, random_state=rng)

    # ---- files (SavableMixin's save/load) ----------------------------------------------------
    def save(self, path) -> Path:
        """Folder: config.json + model.safetensors (denoiser), and vae/ (the VAE it decodes with)."""
        self._check_fitted()
        self.vae.save(Path(path) / "vae")
        return super().save(path)

    @classmethod
    def load(cls, path, vae: SmilesVAE | None = None, **params) -> "LatentDiffusion":
        """Read a folder written by `save`; its vae/ unless a fitted `vae` is given."""
        vae = vae if vae is not None else SmilesVAE.load(Path(path) / "vae")
        return super().load(path, vae=vae, **params)

    def _state(self):
        import torch

        tensors = dict(self.denoiser_.state_dict())
        for k in ("z_mean_", "z_std_", "c_mean_", "c_std_"):
            tensors["stat." + k] = torch.as_tensor(getattr(self, k))
        return {"latent_dim": int(len(self.z_mean_)), "history": self.history_, "n_train": self.n_train_}, tensors

    def _restore(self, config, tensors):
        tensors = dict(tensors)
        for k in [k for k in tensors if k.startswith("stat.")]:
            setattr(self, k[5:], tensors.pop(k).numpy())
        net = _build_denoiser(config["latent_dim"], len(self.condition_on), self.hidden_dim, self.num_layers)
        net.load_state_dict(tensors)
        self.denoiser_ = net.eval()
        self.history_ = config.get("history", [])
        self.n_train_ = config.get("n_train")

