"""Class-conditional image diffusion on MONAI's DiffusionModelUNet, with classifier-free guidance.

Three separate pieces, MONAI/diffusers style:
    network          monai.networks.nets.DiffusionModelUNet with class embeddings (K classes + 1 "null")
    noise scheduler  monai DDPMScheduler (training) and DDIMScheduler (sampling)
    loops            `training_step` and `ddim_sample` below: short and visible, because MONAI's
                     inferers take no class labels.

Randomness: every draw (data order, label dropout, noise, timesteps) comes from explicit
`torch.Generator`s seeded from `random_state`; checkpoints hold their states so that a resumed run
ends with exactly the weights of an uninterrupted one. Under `torchrun` the same code trains with
DDP: every rank draws the *global* batch's indices/noise/timesteps from the same generators and
keeps its slice, so 2 ranks x B/2 compute the same averaged gradient as 1 process x B.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .._util import as_rng, progress as _progress, resolve_device
from .._util.serialization import load_checkpoint, load_model, save_checkpoint, save_model
from ..errors import CheckpointError, DataError, NotFittedError, check_option

SCHEDULES = ("linear_beta", "scaled_linear_beta", "cosine")
PRECISIONS = ("auto", "no", "bf16", "fp16")
CHECKPOINT_NAME = "checkpoint.pt"


# ----------------------------------------------------------------------------------------------
# The two loops
# ----------------------------------------------------------------------------------------------
def training_step(model, scheduler, images, labels, noise, timesteps, drop_mask, null_class: int,
                  autocast_dtype=None):
    """One denoising loss: noise the images at `timesteps`, predict, mean squared error.

    Labels where `drop_mask` is True become the null class (classifier-free guidance).
    All random inputs are passed in, so the step itself is deterministic.
    """
    import torch
    import torch.nn.functional as F

    labels = torch.where(drop_mask, torch.full_like(labels, null_class), labels)
    noisy = scheduler.add_noise(original_samples=images, noise=noise, timesteps=timesteps)
    with torch.autocast(images.device.type, dtype=autocast_dtype or torch.float32,
                        enabled=autocast_dtype is not None):
        pred = model(noisy, timesteps, class_labels=labels)
    if scheduler.prediction_type == "epsilon":
        target = noise
    elif scheduler.prediction_type == "v_prediction":
        target = scheduler.get_velocity(images, noise, timesteps)
    else:  # "sample"
        target = images
    return F.mse_loss(pred.float(), target.float())


def ddim_sample(model, scheduler, labels, shape, null_class: int, guidance_scale: float = 3.0,
                num_inference_steps: int = 50, generator=None, autocast_dtype=None, progress=None):
    """Deterministic DDIM (eta=0) with classifier-free guidance.

    eps = eps_uncond + s * (eps_cond - eps_uncond), both from ONE forward pass over 2B images.
    Returns a tensor of shape `shape` clipped to [-1, 1].
    """
    import torch

    device = labels.device
    x = torch.randn(shape, generator=generator, device="cpu").to(device)
    scheduler.set_timesteps(num_inference_steps, device=device)
    null = torch.full_like(labels, null_class)
    guided = guidance_scale != 1.0
    for t in _progress(scheduler.timesteps, desc="DDIM", enable=progress, leave=False):
        x_in = torch.cat([x, x]) if guided else x
        lab = torch.cat([labels, null]) if guided else labels
        tt = torch.full((x_in.shape[0],), int(t), device=device, dtype=torch.long)
        with torch.no_grad(), torch.autocast(device.type, dtype=autocast_dtype or torch.float32,
                                             enabled=autocast_dtype is not None):
            eps = model(x_in, tt, class_labels=lab).float()
        if guided:
            eps_cond, eps_uncond = eps.chunk(2)
            eps = eps_uncond + guidance_scale * (eps_cond - eps_uncond)
        x, _ = scheduler.step(eps, int(t), x)
    return x.clamp(-1.0, 1.0)


# ----------------------------------------------------------------------------------------------
# Distributed helpers (torchrun)
# ----------------------------------------------------------------------------------------------
def _dist_env() -> tuple[int, int, int]:
    """(rank, world_size, local_rank) from torchrun's environment; (0, 1, 0) outside it."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1 or "RANK" not in os.environ:
        return 0, 1, 0
    return int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0"))


def _init_distributed(device) -> bool:
    """Start the process group when under torchrun (gloo on CPU, nccl on CUDA). True if we started it."""
    import torch.distributed as dist

    _, world, _ = _dist_env()
    if world <= 1 or dist.is_initialized():
        return False
    dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return True


def _hash_tensors(tensors: Mapping) -> str:
    h = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        h.update(name.encode())
        h.update(str(t.dtype).encode())
        h.update(t.float().numpy().tobytes() if t.dtype.is_floating_point else t.numpy().tobytes())
    return h.hexdigest()


# ----------------------------------------------------------------------------------------------
# The estimator
# ----------------------------------------------------------------------------------------------
class ConditionalDiffusion:
    """Class-conditional DDPM/DDIM on MONAI's `DiffusionModelUNet`, with CFG and an EMA copy.

    Parameters
    ----------
    image_size, in_channels : square image side and channels of the training images.
    num_classes : K; the network gets K + 1 class embeddings, the last one being "no class".
    class_names : optional names of the K classes (so that `sample(label="lesion")` works).
    channels, attention_levels, num_res_blocks, num_head_channels : U-Net shape (MONAI meaning).
    num_train_timesteps, schedule, prediction_type : DDPM noise schedule.
    guidance_dropout : probability that a training label is replaced by the null class.
    ema_decay : the largest decay of the exponential moving average of the weights used for
        sampling; step t uses min(ema_decay, (1 + t) / (10 + t)) so short runs are not dominated
        by the initial weights.
    lr, batch_size : AdamW learning rate and GLOBAL batch size (split across DDP ranks).
    mixed_precision : "auto" (bf16/fp16 on CUDA, float32 on CPU), "no", "bf16" or "fp16".
    device : "cpu", "cuda", "auto", ... (resolved in `fit`).
    random_state : int seed for initial weights, data order, label dropout, noise and timesteps.
    """

    def __init__(self, image_size: int = 32, num_classes: int = 2, class_names: Sequence[str] | None = None,
                 in_channels: int = 1, channels: Sequence[int] = (32, 64, 64),
                 attention_levels: Sequence[bool] = (False, False, True), num_res_blocks: int = 1,
                 num_head_channels: int = 32, num_train_timesteps: int = 1000,
                 schedule: str = "linear_beta", prediction_type: str = "epsilon",
                 guidance_dropout: float = 0.1, ema_decay: float = 0.999, lr: float = 2e-4,
                 batch_size: int = 32, mixed_precision: str = "auto", device: str = "cpu",
                 random_state: int | None = 0):
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
        self.mixed_precision = mixed_precision
        self.device = device
        self.random_state = random_state

    # ---- configuration -----------------------------------------------------------------------
    _PARAMS = ("image_size", "num_classes", "class_names", "in_channels", "channels", "attention_levels",
               "num_res_blocks", "num_head_channels", "num_train_timesteps", "schedule", "prediction_type",
               "guidance_dropout", "ema_decay", "lr", "batch_size", "mixed_precision", "device",
               "random_state")

    def get_params(self) -> dict:
        out = {}
        for k in self._PARAMS:
            v = getattr(self, k)
            out[k] = list(v) if isinstance(v, tuple) else v
        return out

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

    def _seed(self) -> int:
        return 0 if self.random_state is None else int(self.random_state)

    def _build_network(self):
        """The U-Net, initialised from `random_state` without touching the caller's global RNG."""
        import torch
        from monai.networks.nets import DiffusionModelUNet

        # GroupNorm right after the time/class embedding is added as a per-channel bias: with one
        # channel per group that bias is normalised away (the class would be ignored), so keep
        # at least 4 channels per group.
        groups = min(32, max(1, min(self.channels) // 4))
        while any(c % groups for c in self.channels):
            groups -= 1
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self._seed())  # restored on exit: global state is left as it was
            net = DiffusionModelUNet(
                spatial_dims=2, in_channels=self.in_channels, out_channels=self.in_channels,
                channels=tuple(self.channels), attention_levels=tuple(self.attention_levels),
                num_res_blocks=self.num_res_blocks, num_head_channels=self.num_head_channels,
                norm_num_groups=groups, num_class_embeds=self.num_classes + 1)
        return net

    def _train_scheduler(self):
        from monai.networks.schedulers import DDPMScheduler

        return DDPMScheduler(num_train_timesteps=self.num_train_timesteps, schedule=self.schedule,
                             prediction_type=self.prediction_type)

    def _sample_scheduler(self):
        from monai.networks.schedulers import DDIMScheduler

        return DDIMScheduler(num_train_timesteps=self.num_train_timesteps, schedule=self.schedule,
                             prediction_type=self.prediction_type)

    def _autocast_dtype(self, device):
        import torch

        if device.type != "cuda" or self.mixed_precision == "no":
            return None
        if self.mixed_precision == "fp16":
            return torch.float16
        if self.mixed_precision == "bf16" or torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float16

    # ---- input checks ------------------------------------------------------------------------
    def _check_data(self, images, labels):
        if labels is None and hasattr(images, "images") and hasattr(images, "labels"):
            if self.class_names is None and getattr(images, "class_names", None) is not None:
                self.class_names = list(images.class_names)
            images, labels = images.images, images.labels
        if labels is None:
            raise DataError("fit(images, labels): labels are missing (or pass an ImageFolder).")
        images = np.asarray(images)
        labels = np.asarray(labels)
        expected = f"(N, {self.in_channels}, {self.image_size}, {self.image_size})"
        if images.ndim != 4 or images.shape[1:] != (self.in_channels, self.image_size, self.image_size):
            raise DataError(f"images have shape {images.shape}; expected {expected} "
                            "(set image_size/in_channels to match, or resize the images).")
        if not np.issubdtype(images.dtype, np.floating):
            raise DataError(f"images have dtype {images.dtype}; expected floats scaled to [-1, 1].")
        if not np.isfinite(images).all():
            raise DataError("images contain NaN or infinite values.")
        lo, hi = float(images.min()), float(images.max())
        if lo < -1.0 - 1e-4 or hi > 1.0 + 1e-4:
            raise DataError(f"image values span [{lo:.3g}, {hi:.3g}]; expected [-1, 1] "
                            "(scale intensities first, e.g. x / 127.5 - 1 for 8-bit images).")
        if labels.shape != (images.shape[0],):
            raise DataError(f"labels have shape {labels.shape}; expected ({images.shape[0]},), one per image.")
        if not np.issubdtype(labels.dtype, np.integer):
            if np.issubdtype(labels.dtype, np.floating) and np.all(labels == np.round(labels)):
                labels = labels.astype(np.int64)
            else:
                raise DataError(f"labels have dtype {labels.dtype}; expected integers 0..{self.num_classes - 1}.")
        bad = (labels < 0) | (labels >= self.num_classes)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(f"label {int(labels[i])} at index {i} is outside 0..{self.num_classes - 1} "
                            f"(num_classes={self.num_classes}).")
        if images.shape[0] == 0:
            raise DataError("no images to train on.")
        return images.astype(np.float32, copy=False), labels.astype(np.int64)

    def _label_index(self, label) -> int:
        if isinstance(label, (str, np.str_)):
            names = list(self.class_names or [])
            if label not in names:
                known = ", ".join(map(repr, names)) if names else "none (the model has no class_names)"
                raise DataError(f"unknown class {label!r}; known classes: {known}.")
            return names.index(label)
        if isinstance(label, (bool, np.bool_)) or not isinstance(label, (int, np.integer)):
            raise DataError(f"label must be a class index or name, not {label!r}.")
        if not 0 <= int(label) < self.num_classes:
            names = f" ({', '.join(self.class_names)})" if self.class_names else ""
            raise DataError(f"class index {int(label)} is outside 0..{self.num_classes - 1}{names}.")
        return int(label)

    # ---- training ----------------------------------------------------------------------------
    def fit(self, images, labels=None, steps: int | None = None, epochs: int | None = None,
            checkpoint_dir=None, checkpoint_every: int = 500, resume: bool = True,
            progress: bool | None = None) -> "ConditionalDiffusion":
        """Train on `images` (float (N, C, H, W) in [-1, 1]) and integer `labels` 0..K-1.

        Give `steps` (optimizer steps) or `epochs` (passes over the data; default 1 if neither).
        With `checkpoint_dir`, a checkpoint is written every `checkpoint_every` steps and at the end;
        `resume=True` continues from one found there (the result is identical to an uninterrupted run).
        Under `torchrun`, trains with DDP; `batch_size` is the global batch.
        """
        import torch
        from torch.nn.parallel import DistributedDataParallel as DDP

        self._check_params()
        x_np, y_np = self._check_data(images, labels)
        n = x_np.shape[0]
        device = resolve_device(self.device)
        rank, world, local_rank = _dist_env()
        if world > 1 and device.type == "cuda":
            device = torch.device("cuda", local_rank)
        started_pg = _init_distributed(device)
        batch = min(int(self.batch_size), n)
        if batch % world:
            raise ValueError(f"batch_size={batch} must be divisible by the number of DDP ranks ({world}).")
        local = batch // world
        steps_per_epoch = n // batch
        if steps is None:
            steps = (1 if epochs is None else int(epochs)) * steps_per_epoch
        steps = int(steps)

        net = self._build_network().to(device)
        if device.type == "cuda":
            net = net.to(memory_format=torch.channels_last)
        ema = copy.deepcopy(net).requires_grad_(False)
        opt = torch.optim.AdamW(net.parameters(), lr=self.lr)
        amp = self._autocast_dtype(device)
        scaler = torch.amp.GradScaler(device.type, enabled=amp == torch.float16)
        sched = self._train_scheduler()
        sched.alphas_cumprod = sched.alphas_cumprod.to(device)
        # one generator for everything random in training; data order from (seed, epoch)
        gen = torch.Generator().manual_seed(self._seed() + 1)
        rng = as_rng(self._seed() + 2)  # numpy stream, saved for completeness
        step, history = 0, []

        ckpt = Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir is not None else None
        config_json = json.dumps(self.get_params(), sort_keys=True, default=str)
        if ckpt is not None and resume and ckpt.is_file():
            state = load_checkpoint(ckpt, map_location=device)
            if state.get("config") != config_json:
                raise CheckpointError(f"{ckpt}: written by a model with other settings; use another "
                                      "checkpoint_dir or resume=False.")
            net.load_state_dict(state["model"])
            ema.load_state_dict(state["ema"])
            opt.load_state_dict(state["optimizer"])
            scaler.load_state_dict(state["scaler"])
            gen.set_state(state["torch_generator"])
            rng.bit_generator.state = json.loads(state["numpy_rng"])
            step, history = int(state["step"]), list(state["loss_history"])

        def write_checkpoint():
            if ckpt is None:
                return
            if rank == 0:
                save_checkpoint(ckpt, {
                    "model": net.state_dict(), "ema": ema.state_dict(), "optimizer": opt.state_dict(),
                    "scaler": scaler.state_dict(), "step": step, "torch_generator": gen.get_state(),
                    "numpy_rng": json.dumps(rng.bit_generator.state), "loss_history": history,
                    "config": config_json})
            if world > 1:
                torch.distributed.barrier()

        model = DDP(net) if world > 1 else net
        x_all = torch.from_numpy(x_np)
        y_all = torch.from_numpy(y_np)
        perm_epoch, perm = -1, None
        net.train()
        bar = _progress(total=steps, initial=step, desc="train", enable=progress if rank == 0 else False)
        while step < steps:
            epoch, pos = divmod(step, steps_per_epoch)
            if epoch != perm_epoch:  # the same permutation on every rank, independent of resume point
                perm = torch.randperm(n, generator=torch.Generator().manual_seed(self._seed() * 100_003 + epoch))
                perm_epoch = epoch
            idx = perm[pos * batch:(pos + 1) * batch]
            # the GLOBAL batch's random draws, on every rank, then this rank's slice
            noise = torch.randn((batch, *x_np.shape[1:]), generator=gen)
            t = torch.randint(0, self.num_train_timesteps, (batch,), generator=gen)
            drop = torch.rand(batch, generator=gen) < self.guidance_dropout
            sl = slice(rank * local, (rank + 1) * local)
            xb = x_all[idx[sl]].to(device, non_blocking=True)
            if device.type == "cuda":
                xb = xb.contiguous(memory_format=torch.channels_last)
            loss = training_step(model, sched, xb, y_all[idx[sl]].to(device), noise[sl].to(device),
                                 t[sl].to(device), drop[sl].to(device), self.num_classes, amp)
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            # EMA warm-up (as diffusers' EMAModel): a fixed 0.999 decay would leave a 400-step CPU
            # run's EMA two-thirds random initial weights (0.999**400 = 0.67) and sample noise.
            decay = min(self.ema_decay, (1 + step) / (10 + step))
            with torch.no_grad():
                for pe, p in zip(ema.parameters(), net.parameters()):
                    pe.lerp_(p, 1.0 - decay)
                for be, b in zip(ema.buffers(), net.buffers()):
                    be.copy_(b)
            step += 1
            history.append(float(loss.detach()))
            bar.update(1)
            if ckpt is not None and step % int(checkpoint_every) == 0:
                write_checkpoint()
        bar.close()
        if ckpt is not None:
            write_checkpoint()
        if started_pg:
            torch.distributed.destroy_process_group()

        self.device_ = device
        self.network_ = net.eval()
        self.ema_network_ = ema.eval()
        self.n_steps_ = step
        self.loss_history_ = history
        self.model_hash_ = _hash_tensors(ema.state_dict())
        self._sample_count = 0
        return self

    # ---- sampling ----------------------------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "ema_network_"):
            raise NotFittedError("ConditionalDiffusion is not fitted: call fit(images, labels) or "
                                 "ConditionalDiffusion.load(path) first.")

    def sample(self, n: int, label=0, guidance_scale: float = 3.0, num_inference_steps: int = 50,
               batch_size: int = 64, random_state: int | None = None,
               progress: bool | None = None) -> np.ndarray:
        """`n` images of class `label` (index or name) as float32 (n, C, H, W) in [-1, 1].

        Deterministic DDIM with `num_inference_steps` steps, CFG scale `guidance_scale` (1 = plain
        conditional). The same `random_state` gives the same images; None draws a fresh seed from the
        model's stream (it is kept in `last_sample_seed_`).
        """
        import torch

        self._check_fitted()
        k = self._label_index(label)
        n = int(n)
        if n < 0:
            raise ValueError(f"n={n} must be >= 0.")
        if not 1 <= int(num_inference_steps) <= self.num_train_timesteps:
            raise ValueError(f"num_inference_steps={num_inference_steps} must be in 1..{self.num_train_timesteps}.")
        if random_state is None:
            random_state = int(np.random.default_rng([self._seed(), self._sample_count]).integers(2**31))
            self._sample_count += 1
        self.last_sample_seed_ = int(random_state)
        gen = torch.Generator().manual_seed(int(random_state))
        device = self.device_
        sched = self._sample_scheduler()
        amp = self._autocast_dtype(device)
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
        """Sample `{label: count}`; returns `(images, labels)` with integer class indices.

        With `random_state=s`, class number j (in the order given) uses seed s + j.
        """
        seed = kwargs.pop("random_state", None)
        xs, ys = [], []
        for j, (label, count) in enumerate(counts.items()):
            k = self._label_index(label)
            x = self.sample(int(count), label=k, random_state=None if seed is None else int(seed) + j, **kwargs)
            xs.append(x)
            ys.append(np.full(len(x), k, dtype=np.int64))
        shape = (0, self.in_channels, self.image_size, self.image_size)
        return (np.concatenate(xs) if xs else np.zeros(shape, np.float32),
                np.concatenate(ys) if ys else np.zeros(0, np.int64))

    # ---- persistence -------------------------------------------------------------------------
    def save(self, path) -> Path:
        """Write a JSON config and the EMA weights (safetensors) to the folder `path`."""
        self._check_fitted()
        config = {"class": "ConditionalDiffusion", "params": self.get_params(), "n_steps": self.n_steps_,
                  "model_hash": self.model_hash_}
        return save_model(path, config, self.ema_network_.state_dict())

    @classmethod
    def load(cls, path, device: str | None = None) -> "ConditionalDiffusion":
        """Read a model written by `save`; checks the weights against the stored hash."""
        config, tensors = load_model(path, expected_class="ConditionalDiffusion")
        params = dict(config["params"])
        if device is not None:
            params["device"] = device
        for k in ("channels", "attention_levels", "class_names"):
            if isinstance(params.get(k), list):
                params[k] = tuple(params[k]) if k != "class_names" else list(params[k])
        self = cls(**params)
        if _hash_tensors(tensors) != config.get("model_hash"):
            raise CheckpointError(f"{path}: weights do not match the stored model_hash (file altered?).")
        net = self._build_network()
        try:
            net.load_state_dict(tensors)
        except RuntimeError as exc:
            raise CheckpointError(f"{path}: weights do not fit the configured network ({exc}).") from exc
        self.device_ = resolve_device(self.device)
        self.network_ = self.ema_network_ = net.to(self.device_).eval()
        self.n_steps_ = int(config.get("n_steps", 0))
        self.loss_history_ = []
        self.model_hash_ = config["model_hash"]
        self._sample_count = 0
        return self

    def __repr__(self) -> str:
        return (f"ConditionalDiffusion(image_size={self.image_size}, num_classes={self.num_classes}, "
                f"channels={tuple(self.channels)}, random_state={self.random_state})")
