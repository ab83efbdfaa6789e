"""ConditionalDiffusion: class-conditional DDPM/DDIM on MONAI's DiffusionModelUNet, with CFG and EMA.

Three separate pieces, MONAI/diffusers style:
    network          `build_network()`: monai.networks.nets.DiffusionModelUNet with K + 1 class
                     embeddings (the last one is "no class")
    noise scheduler  `train_scheduler()` (monai DDPMScheduler) and `sample_scheduler()` (DDIMScheduler)
    loops            `loops.training_step` and `loops.ddim_sample`
Training runs through the shared `TrainingLoop` (AMP scaler, EMA, checkpoints, DDP).

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
from typing import Mapping, Sequence

import numpy as np

from .._util import as_rng, resolve_device
from .._util.deprecation import renamed_kwargs, warn_deprecated
from .._util.random import RandomStateMixin
from .._util.serialization import SavableMixin, load_checkpoint
from .._util.torchtools import EMA, dist_env, hash_tensors, init_distributed
from .._util.training import TrainingLoop
from .._util.torchtools import isolated_init
from ..errors import CheckpointError, DataError, NotFittedError, check_option
from .io import check_training_arrays
from .loops import ddim_sample, training_step

SCHEDULES = ("linear_beta", "scaled_linear_beta", "cosine")
PRECISIONS = ("auto", "no", "bf16", "fp16")
CHECKPOINT_NAME = "checkpoint.pt"
# the length of a run is not part of the settings a checkpoint must match: a run resumes to train longer
_RUN_LENGTH = ("train_steps", "epochs")


class ConditionalDiffusion(RandomStateMixin, SavableMixin):
    """Class-conditional DDPM/DDIM on MONAI's `DiffusionModelUNet`, with CFG and an EMA copy.

    Parameters
    ----------
    image_size, in_channels : square image side and channels of the training images.
    num_classes : K; the network gets K + 1 class embeddings, the last one being "no class".
    class_names : optional names of the K classes (so that `sample(conditions="lesion")` works).
    channels, attention_levels, num_res_blocks, num_head_channels : U-Net shape (MONAI meaning).
    num_train_timesteps, schedule, prediction_type : DDPM noise schedule.
    guidance_dropout : probability that a training label is replaced by the null class.
    ema_decay : the largest decay of the exponential moving average of the weights used for
        sampling; step t uses min(ema_decay, (1 + t) / (10 + t)) so short runs are not dominated
        by the initial weights.
    lr, batch_size : AdamW learning rate and GLOBAL batch size (split across DDP ranks).
    train_steps, epochs : the length of training, in optimizer steps or in passes over the data
        (at most one; one epoch when neither is given). An epoch is N // batch_size steps.
    mixed_precision : "auto" (bf16/fp16 on CUDA, float32 on CPU), "no", "bf16" or "fp16".
    device : "cpu", "cuda", "auto", ... (resolved in `fit` and `load`).
    random_state : int seed, numpy Generator, or None for fresh entropy (see the module docstring).
    """

    def __init__(self, image_size: int = 32, num_classes: int = 2, class_names: Sequence[str] | None = None,
                 in_channels: int = 1, channels: Sequence[int] = (32, 64, 64),
                 attention_levels: Sequence[bool] = (False, False, True), num_res_blocks: int = 1,
                 num_head_channels: int = 32, num_train_timesteps: int = 1000,
                 schedule: str = "linear_beta", prediction_type: str = "epsilon",
                 guidance_dropout: float = 0.1, ema_decay: float = 0.999, lr: float = 2e-4,
                 batch_size: int = 32, train_steps: int | None = None, epochs: int | None = None,
                 mixed_precision: str = "auto", device: str = "cpu", random_state=0):
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
        self.batch_size = batch_size
        self.train_steps = train_steps
        self.epochs = epochs
        self.mixed_precision = mixed_precision
        self.device = device
        self.random_state = random_state

    # ---- configuration -----------------------------------------------------------------------
    def _check_params(self) -> None:
        check_option("schedule", self.schedule, SCHEDULES)
        check_option("prediction_type", self.prediction_type, ("epsilon", "v_prediction", "sample"))
        check_option("mixed_precision", self.mixed_precision, PRECISIONS)
        if int(self.num_classes) < 1:
            raise ValueError(f"num_classes={self.num_classes!r} must be at least 1.")
        if self.class_names is not None and len(self.class_names) != self.num_classes:
            raise ValueError(f"class_names has {len(self.class_names)} names but num_classes={self.num_classes}.")
        if len(self.channels) != len(self.attention_levels):
            raise ValueError("channels and attention_levels must have the same length "
                             f"({len(self.channels)} vs {len(self.attention_levels)}).")
        down = 2 ** (len(self.channels) - 1)
        if self.image_size % down:
            raise ValueError(f"image_size={self.image_size} must be divisible by {down} "
                             f"(the U-Net halves it {len(self.channels) - 1} times).")
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
        from monai.networks.nets import DiffusionModelUNet

        if seed is None:
            seed = getattr(self, "seed_", None)
        seed = self._draw_seed() if seed is None else int(seed)
        # GroupNorm right after the time/class embedding is added as a per-channel bias: with one
        # channel per group that bias is normalised away (the class would be ignored), so keep
        # at least 4 channels per group.
        groups = min(32, max(1, min(self.channels) // 4))
        while any(c % groups for c in self.channels):
            groups -= 1
        with isolated_init(seed):  # MONAI initialises from torch's global RNG: a seeded fork of it
            return DiffusionModelUNet(
                spatial_dims=2, in_channels=self.in_channels, out_channels=self.in_channels,
                channels=tuple(self.channels), attention_levels=tuple(self.attention_levels),
                num_res_blocks=self.num_res_blocks, num_head_channels=self.num_head_channels,
                norm_num_groups=groups, num_class_embeds=self.num_classes + 1)

    def train_scheduler(self):
        """The DDPM noise scheduler of training (`loops.training_step`)."""
        from monai.networks.schedulers import DDPMScheduler

        return DDPMScheduler(num_train_timesteps=self.num_train_timesteps, schedule=self.schedule,
                             prediction_type=self.prediction_type)

    def sample_scheduler(self):
        """The DDIM noise scheduler of sampling (`loops.ddim_sample`)."""
        from monai.networks.schedulers import DDIMScheduler

        return DDIMScheduler(num_train_timesteps=self.num_train_timesteps, schedule=self.schedule,
                             prediction_type=self.prediction_type)

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

    def _class_index(self, conditions) -> int:
        """The class index of `conditions` (a class index or name)."""
        if isinstance(conditions, (str, np.str_)):
            names = list(self.class_names or [])
            if conditions not in names:
                known = ", ".join(map(repr, names)) if names else "none (the model has no class_names)"
                raise DataError(f"unknown class {conditions!r}; known classes: {known}.")
            return names.index(conditions)
        if isinstance(conditions, (bool, np.bool_)) or not isinstance(conditions, (int, np.integer)):
            raise DataError(f"conditions must be a class index or name, not {conditions!r}.")
        if not 0 <= int(conditions) < self.num_classes:
            names = f" ({', '.join(self.class_names)})" if self.class_names else ""
            raise DataError(f"class index {int(conditions)} is outside 0..{self.num_classes - 1}{names}.")
        return int(conditions)

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
        x_np, y_np = check_training_arrays(images, labels, self.in_channels, self.image_size, self.num_classes)
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
        loop = TrainingLoop(net, torch.optim.AdamW(net.parameters(), lr=self.lr), n=n, batch_size=batch,
                            generator=gen, order=order, drop_last=True, ema=ema,
                            scaler=torch.amp.GradScaler(device.type, enabled=amp == torch.float16),
                            checkpoint_path=ckpt, checkpoint_every=int(checkpoint_every),
                            checkpoint_extra={"config": self._config_json(), "seed": self.seed_},
                            keep_step_losses=True, rank=rank, world=world, desc="train",
                            progress_bar=progress, **length)
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
        self._start_sampling()
        return self

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

    # ---- sampling ----------------------------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "ema_network_"):
            raise NotFittedError("ConditionalDiffusion is not fitted: call fit(images, labels) or "
                                 "ConditionalDiffusion.load(path) first.")

    def _start_sampling(self) -> None:
        """The stream of `sample(random_state=None)` starts from `seed_`, for a fitted and a loaded model alike."""
        self.rng_ = np.random.default_rng([self.seed_, 0])

    @renamed_kwargs(label="conditions")
    def sample(self, n: int, conditions=0, guidance_scale: float = 3.0, num_inference_steps: int = 50,
               batch_size: int = 64, random_state=None, progress: bool | None = None) -> np.ndarray:
        """`n` images of the class `conditions` (index or name) as float32 (n, C, H, W) in [-1, 1].

        Deterministic DDIM with `num_inference_steps` steps, CFG scale `guidance_scale` (1 = plain
        conditional). An int `random_state` gives the same images every time; None continues the
        model's stream `rng_`, a numpy Generator draws from that one. The seed of the torch
        generator used is kept in `last_sample_seed_`.
        """
        import torch

        self._check_fitted()
        k = self._class_index(conditions)
        n = int(n)
        if n < 0:
            raise ValueError(f"n={n} must be >= 0.")
        if not 1 <= int(num_inference_steps) <= self.num_train_timesteps:
            raise ValueError(f"num_inference_steps={num_inference_steps} must be in 1..{self.num_train_timesteps}.")
        if isinstance(random_state, numbers.Integral):
            seed = int(random_state)
        else:
            seed = int(self._sampling_rng(random_state).integers(2**31))
        self.last_sample_seed_ = seed
        gen = torch.Generator().manual_seed(seed)
        device = self.device_
        sched = self.sample_scheduler()
        amp = self.autocast_dtype(device)
        shape = (self.in_channels, self.image_size, self.image_size)
        out = []
        for start in range(0, n, int(batch_size)):
            b = min(int(batch_size), n - start)
            labels = torch.full((b,), k, dtype=torch.long, device=device)
            x = ddim_sample(self.ema_network_, sched, labels, (b, *shape), self.num_classes, guidance_scale,
                            int(num_inference_steps), gen, amp, progress)
            out.append(x.float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, *shape), np.float32)

    def sample_per_class(self, counts: Mapping, **kwargs) -> tuple[np.ndarray, np.ndarray]:
        """Sample `{class: count}` (classes by index or name); returns `(images, labels)` with class indices.

        With an int `random_state=s`, class number j (in the order given) uses seed s + j; otherwise
        every class draws from the given Generator or (None) the model's stream. Other keywords go to `sample`.
        """
        random_state = kwargs.pop("random_state", None)
        xs, ys = [], []
        for j, (cls, count) in enumerate(counts.items()):
            k = self._class_index(cls)
            rs = random_state + j if isinstance(random_state, numbers.Integral) else random_state
            x = self.sample(int(count), k, random_state=rs, **kwargs)
            xs.append(x)
            ys.append(np.full(len(x), k, dtype=np.int64))
        shape = (0, self.in_channels, self.image_size, self.image_size)
        return (np.concatenate(xs) if xs else np.zeros(shape, np.float32),
                np.concatenate(ys) if ys else np.zeros(0, np.int64))

    # ---- files (SavableMixin's save/load: a JSON config and the EMA weights) -----------------
    def _state(self):
        extras = {"n_steps": self.n_steps_, "model_hash": self.model_hash_, "seed": self.seed_}
        return extras, self.ema_network_.state_dict()

    def _restore(self, config, tensors):
        if hash_tensors(tensors) != config.get("model_hash"):
            raise CheckpointError("the weights do not match the stored model_hash (file altered?).")
        self.channels, self.attention_levels = tuple(self.channels), tuple(self.attention_levels)
        # files written before seed_ was saved: the seed their sampling stream started from
        self.seed_ = int(config.get("seed", self.random_state or 0))
        net = self.build_network(self.seed_)
        net.load_state_dict(tensors)
        self.device_ = resolve_device(self.device)
        self.network_ = self.ema_network_ = net.to(self.device_).eval()
        self.n_steps_ = int(config.get("n_steps", 0))
        self.loss_history_ = []
        self.model_hash_ = config["model_hash"]

    def __repr__(self) -> str:
        return (f"ConditionalDiffusion(image_size={self.image_size}, num_classes={self.num_classes}, "
                f"channels={tuple(self.channels)}, random_state={self.random_state})")
