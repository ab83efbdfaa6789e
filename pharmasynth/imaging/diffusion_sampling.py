"""The sampling half of `ConditionalDiffusion` (a mixin, to keep each file to one idea).

`sample` / `sample_per_class` run `samplers.sample_loop` on the EMA network with the sampler, eta and
number of steps asked for, and check the images' intensities against the class's training images.
"""

from __future__ import annotations

import numbers
from typing import Mapping

import numpy as np

from .._util.deprecation import renamed_kwargs
from ..errors import DataError, NotFittedError
from .samplers import DEFAULT_ETA, DEFAULT_SAMPLE_STEPS, DEFAULT_SAMPLER, check_sampler, sample_loop, warn_if_far


class SamplingMixin:
    """sample / sample_per_class of a fitted ConditionalDiffusion (needs ema_network_, device_, seed_)."""

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

    # ---- sampling ----------------------------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "ema_network_"):
            raise NotFittedError("ConditionalDiffusion is not fitted: call fit(images, labels) or "
                                 "ConditionalDiffusion.load(path) first.")

    def _start_sampling(self) -> None:
        """The stream of `sample(random_state=None)` starts from `seed_`, for a fitted and a loaded model alike."""
        self.rng_ = np.random.default_rng([self.seed_, 0])

    @renamed_kwargs(label="conditions")
    def sample(self, n: int, conditions=0, guidance_scale: float = 3.0, *, sampler: str = DEFAULT_SAMPLER,
               eta: float = DEFAULT_ETA, num_inference_steps: int = DEFAULT_SAMPLE_STEPS, batch_size: int = 64,
               random_state=None, progress: bool | None = None, check_intensity: bool = True) -> np.ndarray:
        """`n` images of the class `conditions` (index or name) as float32 (n, C, H, W) in [-1, 1].

        `sampler`: "ddim" (with `eta`: 0 deterministic, 1 as noisy as DDPM; the default) or "ddpm"
        (ancestral), over `num_inference_steps` evenly spaced steps (`samplers.py`); CFG scale
        `guidance_scale` (1 = plain conditional). An int `random_state` gives the same images every
        time; None continues the model's stream `rng_`, a numpy Generator draws from that one. The
        seed of the torch generator used is kept in `last_sample_seed_`. With `check_intensity`, a
        SampleIntensityWarning says when the images' intensities are far from the class's
        training images' (the gap is kept in `last_intensity_gap_`).
        """
        import torch

        self._check_fitted()
        k = self._class_index(conditions)
        n = int(n)
        if n < 0:
            raise ValueError(f"n={n} must be >= 0.")
        sampler, eta, steps = check_sampler(sampler, eta, num_inference_steps, self.num_train_timesteps)
        if isinstance(random_state, numbers.Integral):
            seed = int(random_state)
        else:
            seed = int(self._sampling_rng(random_state).integers(2**31))
        self.last_sample_seed_ = seed
        gen = torch.Generator().manual_seed(seed)
        device = self.device_
        alphas = self.train_scheduler().alphas_cumprod
        amp = self.autocast_dtype(device)
        out = []
        for start in range(0, n, int(batch_size)):
            b = min(int(batch_size), n - start)
            labels = torch.full((b,), k, dtype=torch.long, device=device)
            x = sample_loop(self.ema_network_, alphas, labels, (b, *self.sample_shape), self.num_classes,
                            guidance_scale, sampler, eta, steps, gen, amp, self.prediction_type, progress)
            out.append(x.float().cpu().numpy())
        images = np.concatenate(out) if out else np.zeros((0, *self.sample_shape), np.float32)
        stats = getattr(self, "intensity_stats_", None)
        self.last_intensity_gap_ = None
        if check_intensity and stats:
            name = self.class_names[k] if self.class_names else str(k)
            self.last_intensity_gap_ = warn_if_far(images, stats[k], name, sampler, eta, stacklevel=4)
        return images

    def sample_per_class(self, counts: Mapping, **kwargs) -> tuple[np.ndarray, np.ndarray]:
        """Sample `{class: count}` (classes by index or name); returns `(images, labels)` with class indices.

        With an int `random_state=s`, class number j (in the order given) uses seed s + j; otherwise
        every class draws from the given Generator or (None) the model's stream. Other keywords
        (sampler, eta, num_inference_steps, guidance_scale, ...) go to `sample`.
        """
        random_state = kwargs.pop("random_state", None)
        xs, ys = [], []
        for j, (cls, count) in enumerate(counts.items()):
            k = self._class_index(cls)
            rs = random_state + j if isinstance(random_state, numbers.Integral) else random_state
            x = self.sample(int(count), k, random_state=rs, **kwargs)
            xs.append(x)
            ys.append(np.full(len(x), k, dtype=np.int64))
        shape = (0, *self.sample_shape)
        return (np.concatenate(xs) if xs else np.zeros(shape, np.float32),
                np.concatenate(ys) if ys else np.zeros(0, np.int64))

