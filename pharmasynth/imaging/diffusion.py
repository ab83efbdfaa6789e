"""ConditionalDiffusion: class-conditional DDPM/DDIM on MONAI's DiffusionModelUNet, with CFG and EMA, 2-D or 3-D.

Three separate pieces, MONAI/diffusers style:
    network          `build_network()`: monai.networks.nets.DiffusionModelUNet with K + 1 class
                     embeddings (the last one is "no class"); `unet.py`, with the per-size defaults
    noise scheduler  `train_scheduler()` (monai DDPMScheduler; its alphas_cumprod drive sampling too)
    loops            `loops.training_step` and `samplers.sample_loop` (DDPM, or DDIM with eta)
Training runs through the shared `TrainingLoop` (AMP scaler, EMA, LR schedule, checkpoints, DDP).

Randomness: `random_state` is kept as given. `fit` takes ONE seed from it, `seed_` (an int
random_state itself; otherwise a draw from fresh entropy or from the given Generator), and every
draw of training derives from `seed_`: the initial weights (seed_), the torch.Generator of noise,
timesteps and label dropout (seed_ + 1) and the data order of epoch e (a permutation from
seed_ * 100_003 + e, so the same on every rank and wherever a run resumes). Checkpoints hold the
generator's state, so a resumed run ends with exactly the weights of an uninterrupted one. Under
`torchrun` every rank draws the *global* batch's noise/timesteps/dropout and keeps its slice, so
2 ranks x B/2 compute the same averaged gradient as 1 process x B.
Sampling: `sample(random_state=s)` starts a torch.Generator at s; `random_state=None` draws the
seed from the model's stream `rng_` (started by `fit` and `load`; the seed is kept in
`last_sample_seed_`, so any sample can be drawn again).
"""

from __future__ import annotations

import json
import numbers
from pathlib import Path
from typing import Sequence

import numpy as np

from .._util import as_rng, resolve_device
from .._util.deprecation import warn_deprecated
from .._util.random import RandomStateMixin
from .._util.serialization import SavableMixin, load_checkpoint
from .._util.torchtools import EMA, dist_env, hash_tensors, init_distributed
from .._util.training import TrainingLoop
from .._util.torchtools import isolated_init
from ..errors import CheckpointError, DataError, UsageError, check_option
from .diffusion_sampling import SamplingMixin
from .io import check_training_arrays
from .loops import training_step
from .samplers import intensity_stats
from .unet import (LR_SCHEDULES, PREDICTION_TYPES, SCHEDULES, build_unet, lr_scheduler, noise_scheduler,
                   tuned_settings)

PRECISIONS = ("auto", "no", "bf16", "fp16")
CHECKPOINT_NAME = "checkpoint.pt"
# the length of a run is not part of the settings a checkpoint must match: a run resumes to train longer
_RUN_LENGTH = ("train_steps", "epochs")


class ConditionalDiffusion(SamplingMixin, RandomStateMixin, SavableMixin):
    """Class-conditional DDPM/DDIM on MONAI's `DiffusionModelUNet`, with CFG and an EMA copy.

    Parameters
    ----------
    image_size, in_channels : image side (square images, or cubes with spatial_dims=3) and channels.
    num_classes : K; the network gets K + 1 class embeddings, the last one being "no class".
    class_names : optional names of the K classes (so that `sample(conditions="lesion")` works).
    channels, attention_levels, num_res_blocks, num_head_channels : U-Net shape (MONAI meaning);
        channels / attention_levels None = tuned for the image size (`unet.tuned_settings`).
    num_train_timesteps, schedule, prediction_type : DDPM noise schedule.
    guidance_dropout : probability that a training label is replaced by the null class.
    ema_decay : the largest decay of the exponential moving average of the weights used for
        sampling; step t uses min(ema_decay, (1 + t) / (10 + t)) so short runs are not dominated
        by the initial weights.
    lr, lr_schedule, batch_size : AdamW learning rate (None = tuned for the image size), its
        schedule ("cosine": 20-step warm-up then cosine decay to 10 %; "constant") and the GLOBAL
        batch size (split across DDP ranks).
    train_steps, epochs : the length of training, in optimizer steps or in passes over the data
        (at most one; one epoch when neither is given). An epoch is N // batch_size steps.
    mixed_precision : "auto" (bf16/fp16 on CUDA, float32 on CPU), "no", "bf16" or "fp16".
    device : "cpu", "cuda", "auto", ... (resolved in `fit` and `load`).
    spatial_dims : 2 (images (N, C, S, S)) or 3 (volumes (N, C, S, S, S), e.g. 32^3 patches).
    random_state : int seed, numpy Generator, or None for fresh entropy (see the module docstring).
    """

    def __init__(self, image_size: int = 32, num_classes: int = 2, class_names: Sequence[str] | None = None,
                 in_channels: int = 1, channels: Sequence[int] | None = None,
                 attention_levels: Sequence[bool] | None = None, num_res_blocks: int = 1,
                 num_head_channels: int = 32, num_train_timesteps: int = 1000,
                 schedule: str = "linear_beta", prediction_type: str = "epsilon",
                 guidance_dropout: float = 0.1, ema_decay: float = 0.999, lr: float | None = None,
                 lr_schedule: str = "cosine", batch_size: int = 32, train_steps: int | None = None,
                 epochs: int | None = None, mixed_precision: str = "auto", device: str = "cpu",
                 spatial_dims: int = 2, random_state=0):
        self.image_size = image_size
        self.num_classes = num_classes
        self.class_names = class_names
        self.in_channels = in_channels
        self.channels = channels
        self.attention_levels = attention_levels
        self.num_res_blocks = num_res_blocks
        self.num_head_channels = num_head_channels
        self.num_train_timesteps = num_train_timesteps
        self.schedule = schedule
        self.prediction_type = prediction_type
        self.guidance_dropout = guidance_dropout
        self.ema_decay = ema_decay
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.batch_size = batch_size
        self.train_steps = train_steps
        self.epochs = epochs
        self.mixed_precision = mixed_precision
        self.device = device
        self.spatial_dims = spatial_dims
        self.random_state = random_state

    # ---- configuration -----------------------------------------------------------------------
    def resolved_settings(self) -> dict:
        """channels, attention_levels and lr as used: the given ones, None replaced by the tuned default."""
        tuned = tuned_settings(int(self.image_size), int(self.spatial_dims))
        channels = tuple(self.channels) if self.channels is not None else tuned["channels"]
        if self.attention_levels is not None:
            att = tuple(bool(a) for a in self.attention_levels)
        elif self.channels is None:
            att = tuned["attention_levels"]
        else:  # channels given without attention levels: attention at the lowest level only (2-D)
            att = (False,) * (len(channels) - 1) + (int(self.spatial_dims) == 2,)
        return {"channels": channels, "attention_levels": att,
                "lr": float(self.lr) if self.lr is not None else tuned["lr"]}

    def _check_params(self) -> None:
        check_option("schedule", self.schedule, SCHEDULES)
        check_option("prediction_type", self.prediction_type, PREDICTION_TYPES)
        check_option("mixed_precision", self.mixed_precision, PRECISIONS)
        check_option("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        if self.spatial_dims not in (2, 3):
            raise UsageError(f"spatial_dims={self.spatial_dims!r} must be 2 (images) or 3 (volumes).")
        if int(self.num_classes) < 1:
            raise ValueError(f"num_classes={self.num_classes!r} must be at least 1.")
        if self.class_names is not None and len(self.class_names) != self.num_classes:
            raise ValueError(f"class_names has {len(self.class_names)} names but num_classes={self.num_classes}.")
        rs = self.resolved_settings()
        if len(rs["channels"]) != len(rs["attention_levels"]):
            raise ValueError("channels and attention_levels must have the same length "
                             f"({len(rs['channels'])} vs {len(rs['attention_levels'])}).")
        down = 2 ** (len(rs["channels"]) - 1)
        if self.image_size % down:
            ok = [s for s in range(down, 4 * down + 1, down)]
            raise UsageError(f"image_size={self.image_size} must be divisible by {down} (the U-Net with "
                             f"channels {rs['channels']} halves it {len(rs['channels']) - 1} times); "
                             f"use e.g. {', '.join(map(str, ok))}, or fewer channel levels.")
        if not rs["lr"] > 0:
            raise ValueError(f"lr={self.lr} must be positive.")
        if not 0.0 <= self.guidance_dropout < 1.0:
            raise ValueError(f"guidance_dropout={self.guidance_dropout} must be in [0, 1).")
        if not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"ema_decay={self.ema_decay} must be in [0, 1).")
        if int(self.batch_size) < 1:
            raise ValueError(f"batch_size={self.batch_size} must be positive.")
        if self.train_steps is not None and self.epochs is not None:
            raise ValueError(f"give train_steps={self.train_steps} or epochs={self.epochs}, not both.")
        for name in _RUN_LENGTH:
            if getattr(self, name) is not None and int(getattr(self, name)) < 0:
                raise ValueError(f"{name}={getattr(self, name)} must be >= 0.")

    def _draw_seed(self) -> int:
        """The seed of a run: an int random_state itself, else one draw from its stream."""
        if isinstance(self.random_state, numbers.Integral):
            return int(self.random_state)
        return int(as_rng(self.random_state).integers(2**31))

    def build_network(self, seed: int | None = None):
        """The untrained U-Net of these settings, its weights drawn from `seed` (default: `seed_`
        once fitted, else the seed `fit` would take). torch's global RNG is left as it was."""
        if seed is None:
            seed = getattr(self, "seed_", None)
        seed = self._draw_seed() if seed is None else int(seed)
        rs = self.resolved_settings()
        with isolated_init(seed):  # MONAI initialises from torch's global RNG: a seeded fork of it
            return build_unet(int(self.spatial_dims), self.in_channels, rs["channels"], rs["attention_levels"],
                              self.num_res_blocks, self.num_head_channels, self.num_classes)

    def train_scheduler(self):
        """The DDPM noise scheduler of training (`loops.training_step`); sampling uses its alphas_cumprod."""
        return noise_scheduler(self.num_train_timesteps, self.schedule, self.prediction_type)

    @property
    def sample_shape(self) -> tuple:
        """The shape of one image (C, S, S) or volume (C, S, S, S)."""
        return (self.in_channels,) + (self.image_size,) * int(self.spatial_dims)

    def autocast_dtype(self, device):
        """The autocast dtype of `mixed_precision` on `device` (a torch.device); None = float32."""
        import torch

        if device.type != "cuda" or self.mixed_precision == "no":
            return None
        if self.mixed_precision == "fp16":
            return torch.float16
        if self.mixed_precision == "bf16" or torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float16

    # ---- training ----------------------------------------------------------------------------
    def fit(self, images, labels=None, steps: int | None = None, epochs: int | None = None,
            checkpoint_dir=None, checkpoint_every: int = 500, resume: bool = True,
            progress: bool | None = None) -> "ConditionalDiffusion":
        """Train on `images` (float (N, C, H, W) in [-1, 1]) and integer `labels` 0..K-1 (or an ImageFolder).

        The length is the `train_steps` / `epochs` setting (`steps` / `epochs` here are deprecated).
        With `checkpoint_dir`, a checkpoint is written every `checkpoint_every` steps and at the end;
        `resume=True` continues from one found there (the result is identical to an uninterrupted run).
        Under `torchrun`, trains with DDP; `batch_size` is the global batch.
        """
        import torch

        if steps is not None or epochs is not None:
            warn_deprecated("ConditionalDiffusion.fit(steps=..., epochs=...)",
                            "ConditionalDiffusion(train_steps=..., epochs=...)")
            length = {"steps": steps} if steps is not None else {"epochs": epochs}
        else:
            length = ({"steps": self.train_steps} if self.train_steps is not None
                      else {"epochs": 1 if self.epochs is None else self.epochs})
        self._check_params()
        names = getattr(images, "class_names", None)  # an ImageFolder names its classes
        if labels is None and self.class_names is None and names is not None:
            self.class_names = list(names)
        x_np, y_np = self._check_arrays(images, labels)
        n = x_np.shape[0]
        device = resolve_device(self.device)
        rank, world, local_rank = dist_env()
        if world > 1 and device.type == "cuda":
            device = torch.device("cuda", local_rank)
        batch = min(int(self.batch_size), n)
        if batch % world:
            raise ValueError(f"batch_size={batch} must be divisible by the number of DDP ranks ({world}).")
        ckpt = Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir is not None else None
        state = self._read_checkpoint(ckpt) if ckpt is not None and resume and ckpt.is_file() else None
        started_pg = init_distributed(device)
        self.seed_ = self._run_seed(state, world, device)

        net = self.build_network(self.seed_).to(device)
        if device.type == "cuda":
            net = net.to(memory_format=torch.channels_last)
        amp = self.autocast_dtype(device)
        sched = self.train_scheduler()
        sched.alphas_cumprod = sched.alphas_cumprod.to(device)
        gen = torch.Generator().manual_seed(self.seed_ + 1)  # noise, timesteps and label dropout
        x_all, y_all = torch.from_numpy(x_np), torch.from_numpy(y_np)
        mine = slice(rank * (batch // world), (rank + 1) * (batch // world))

        def step(model, idx, _step):
            # the GLOBAL batch's random draws, on every rank, then this rank's slice
            noise = torch.randn((batch, *x_np.shape[1:]), generator=gen)
            t = torch.randint(0, self.num_train_timesteps, (batch,), generator=gen)
            drop = torch.rand(batch, generator=gen) < self.guidance_dropout
            xb = x_all[idx[mine]].to(device, non_blocking=True)
            if device.type == "cuda":
                xb = xb.contiguous(memory_format=torch.channels_last)
            return training_step(model, sched, xb, y_all[idx[mine]].to(device), noise[mine].to(device),
                                 t[mine].to(device), drop[mine].to(device), self.num_classes, amp)

        def order(epoch):  # the same permutation on every rank, independent of the resume point
            return torch.randperm(n, generator=torch.Generator().manual_seed(self.seed_ * 100_003 + epoch))

        ema = EMA(net, self.ema_decay)
        opt = torch.optim.AdamW(net.parameters(), lr=self.resolved_settings()["lr"])
        loop = TrainingLoop(net, opt, n=n, batch_size=batch,
                            generator=gen, order=order, drop_last=True, ema=ema,
                            scaler=torch.amp.GradScaler(device.type, enabled=amp == torch.float16),
                            checkpoint_path=ckpt, checkpoint_every=int(checkpoint_every),
                            checkpoint_extra={"config": self._config_json(), "seed": self.seed_},
                            keep_step_losses=True, rank=rank, world=world, desc="train",
                            progress_bar=progress, **length)
        loop.lr_scheduler = lr_scheduler(opt, self.lr_schedule, loop.total_steps)
        try:
            result = loop.run(step, resume_from=state)
        finally:
            if started_pg:
                torch.distributed.destroy_process_group()
        self.device_ = device
        self.network_ = net.eval()
        self.ema_network_ = ema.net.eval()
        self.n_steps_ = result.step
        self.loss_history_ = result.step_losses
        self.model_hash_ = hash_tensors(self.ema_network_.state_dict())
        self.intensity_stats_ = intensity_stats(x_np, y_np, self.num_classes)
        self._start_sampling()
        return self

    def _check_arrays(self, images, labels):
        """float32 (N, C, S, S) or, with spatial_dims=3, (N, C, S, S, S) images in [-1, 1] and int labels."""
        if int(self.spatial_dims) == 2:
            return check_training_arrays(images, labels, self.in_channels, self.image_size, self.num_classes)
        if labels is None and hasattr(images, "images"):
            images, labels = images.images, images.labels
        arr = np.asarray(images)
        if arr.ndim != 5 or arr.shape[1:] != self.sample_shape:
            raise DataError(f"volumes have shape {arr.shape}; expected (N, {', '.join(map(str, self.sample_shape))}) "
                            "with spatial_dims=3 (crop patches of side image_size, or set image_size).")
        # the 2-D checks (dtype, range, NaN, labels) on the volumes seen as stacks of slices
        x, y = check_training_arrays(arr.reshape(len(arr), -1, *arr.shape[-2:]), labels,
                                     self.in_channels * self.image_size, self.image_size, self.num_classes)
        return x.reshape(arr.shape), y

    def _run_seed(self, state, world: int, device) -> int:
        """`seed_` of this run: the checkpoint's when resuming, else a new one; under DDP rank 0's."""
        import torch
        import torch.distributed as dist

        seed = int(state["seed"]) if state is not None else self._draw_seed()
        if world > 1:  # without an int random_state every process would draw its own seed
            shared = torch.tensor([seed], dtype=torch.long, device=device if device.type == "cuda" else "cpu")
            dist.broadcast(shared, src=0)
            seed = int(shared.item())
        return seed

    def _config_json(self) -> str:
        """The settings a checkpoint must have been written with to be resumed."""
        params = {k: v for k, v in self._saved_params().items() if k not in _RUN_LENGTH}
        return json.dumps(params, sort_keys=True, default=str)

    def _read_checkpoint(self, ckpt: Path) -> dict:
        # read to the CPU: the loop loads every part onto the device of its network
        state = load_checkpoint(ckpt)
        if state.get("config") != self._config_json():
            raise CheckpointError(f"{ckpt}: written by a model with other settings; use another "
                                  "checkpoint_dir or resume=False.")
        missing = [k for k in ("model", "ema", "optimizer", "generator", "step", "seed") if k not in state]
        if missing:
            raise CheckpointError(f"{ckpt}: not a checkpoint of this version of ConditionalDiffusion "
                                  f"(no {', '.join(missing)}); use another checkpoint_dir or resume=False.")
        return state

    # ---- files (SavableMixin's save/load: a JSON config and the EMA weights) -----------------
    def _state(self):
        extras = {"n_steps": self.n_steps_, "model_hash": self.model_hash_, "seed": self.seed_,
                  "intensity_stats": getattr(self, "intensity_stats_", None)}
        return extras, self.ema_network_.state_dict()

    def _restore(self, config, tensors):
        if hash_tensors(tensors) != config.get("model_hash"):
            raise CheckpointError("the weights do not match the stored model_hash (file altered?).")
        if self.channels is not None:
            self.channels = tuple(self.channels)
        if self.attention_levels is not None:
            self.attention_levels = tuple(self.attention_levels)
        # files written before seed_ was saved: the seed their sampling stream started from
        self.seed_ = int(config.get("seed", self.random_state or 0))
        net = self.build_network(self.seed_)
        net.load_state_dict(tensors)
        self.device_ = resolve_device(self.device)
        self.network_ = self.ema_network_ = net.to(self.device_).eval()
        self.n_steps_ = int(config.get("n_steps", 0))
        self.loss_history_ = []
        self.model_hash_ = config["model_hash"]
        self.intensity_stats_ = config.get("intensity_stats")  # None in files written before it was saved

    def __repr__(self) -> str:
        dims = "" if int(self.spatial_dims) == 2 else f", spatial_dims={self.spatial_dims}"
        return (f"ConditionalDiffusion(image_size={self.image_size}, num_classes={self.num_classes}, "
                f"channels={self.resolved_settings()['channels']}{dims}, random_state={self.random_state})")
