"""Sampling loops of the diffusion model: ancestral DDPM and DDIM with eta, both with classifier-free guidance.

    ddpm   the DDPM posterior q(x_t' | x_t, x0_hat) on the chosen timesteps (Ho et al. 2020, eq. 6-7):
           with num_inference_steps = num_train_timesteps it is plain DDPM; with fewer steps the
           posterior of the strided chain (alphas_cumprod at the kept steps), so it stays exact
    ddim   x_t' = sqrt(a') x0_hat + sqrt(1 - a' - s^2) eps_hat + s z with
           s = eta sqrt((1 - a') / (1 - a)) sqrt(1 - a / a') (Song et al. 2021, eq. 12 and 16):
           eta = 0 is the deterministic DDIM, eta = 1 adds as much fresh noise as DDPM

Why eta matters here: on short CPU runs the network's noise prediction is rough; deterministic
DDIM carries that error to the last step and gives flat grey or salt-and-pepper images, while the
stochastic samplers keep re-noising and land on class-like images (benchmarks/bench_imaging_samplers.py).

Both clip x0_hat to [-1, 1] (like MONAI's and diffusers' schedulers). All noise is drawn on the CPU from
the torch.Generator passed in, so the same generator gives the same images on any device.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._util import progress as _progress
from ..errors import DataWarning, UsageError
# re-exported: the names and defaults live in a module without imports, which the CLI reads too
from .sampler_defaults import DEFAULT_ETA, DEFAULT_SAMPLE_STEPS, DEFAULT_SAMPLER, SAMPLERS  # noqa: F401


class SampleIntensityWarning(DataWarning):
    """Synthetic images whose intensity statistics are far from the training images' of their class."""


def check_sampler(sampler, eta, num_inference_steps, num_train_timesteps: int) -> tuple[str, float, int]:
    """The checked `(sampler, eta, num_inference_steps)`; a UsageError names the argument and what is allowed."""
    if sampler not in SAMPLERS:
        raise UsageError(f"sampler={sampler!r} is not one of {SAMPLERS}: 'ddpm' (ancestral) or 'ddim' "
                         "(with eta: 0 deterministic, 1 stochastic).")
    try:
        eta = float(eta)
    except (TypeError, ValueError):
        raise UsageError(f"eta={eta!r} must be a number in [0, 1].") from None
    if not 0.0 <= eta <= 1.0:
        raise UsageError(f"eta={eta} must be in [0, 1] (0 = deterministic DDIM, 1 = DDPM-like noise).")
    if isinstance(num_inference_steps, bool) or not isinstance(num_inference_steps, (int, np.integer)):
        raise UsageError(f"num_inference_steps={num_inference_steps!r} must be an integer.")
    if not 1 <= int(num_inference_steps) <= num_train_timesteps:
        raise UsageError(f"num_inference_steps={num_inference_steps} must be in 1..{num_train_timesteps} "
                         "(the model's num_train_timesteps).")
    return sampler, eta, int(num_inference_steps)


def inference_timesteps(num_train_timesteps: int, num_inference_steps: int) -> list[int]:
    """Evenly spaced timesteps from T - 1 down to 0 (MONAI's DDPM/DDIM `set_timesteps` spacing)."""
    return np.unique(np.linspace(num_train_timesteps - 1, 0, num_inference_steps).round().astype(int))[::-1].tolist()


def _x0_and_eps(out, x, a, prediction_type):
    """The model output as (x0_hat, eps_hat) for the three prediction types."""
    if prediction_type == "epsilon":
        x0 = (x - (1 - a) ** 0.5 * out) / a ** 0.5
        return x0, out
    if prediction_type == "v_prediction":
        x0 = a ** 0.5 * x - (1 - a) ** 0.5 * out
        return x0, a ** 0.5 * out + (1 - a) ** 0.5 * x
    return out, (x - a ** 0.5 * out) / (1 - a) ** 0.5  # "sample"


def denoise_step(out, x, a, a_prev, sampler: str, eta: float, noise, prediction_type: str):
    """One reverse step from cumulative alpha `a` to `a_prev` (floats); `noise` ~ N(0, 1) like x."""
    x0, eps = _x0_and_eps(out, x, a, prediction_type)
    x0 = x0.clamp(-1.0, 1.0)
    if prediction_type != "epsilon":  # keep eps consistent with the clipped x0 only where x0 is the output
        eps = (x - a ** 0.5 * x0) / (1 - a) ** 0.5
    posterior_var = (1 - a_prev) / (1 - a) * (1 - a / a_prev)
    if sampler == "ddpm":
        beta = 1 - a / a_prev
        mean = (a_prev ** 0.5 * beta / (1 - a)) * x0 + ((a / a_prev) ** 0.5 * (1 - a_prev) / (1 - a)) * x
        return mean + posterior_var ** 0.5 * noise if a_prev < 1.0 else x0
    sigma = eta * posterior_var ** 0.5
    x_prev = a_prev ** 0.5 * x0 + max(1 - a_prev - sigma ** 2, 0.0) ** 0.5 * eps
    return x_prev + sigma * noise if sigma > 0 else x_prev


def sample_loop(model, alphas_cumprod, labels, shape, null_class: int, guidance_scale: float = 3.0,
                sampler: str = DEFAULT_SAMPLER, eta: float = DEFAULT_ETA,
                num_inference_steps: int = DEFAULT_SAMPLE_STEPS, generator=None, autocast_dtype=None,
                prediction_type: str = "epsilon", progress=None):
    """Images of `labels` from pure noise with classifier-free guidance; a tensor of `shape` in [-1, 1].

    eps = eps_uncond + s (eps_cond - eps_uncond), both from ONE forward pass over 2B images
    (s = `guidance_scale`; 1 = plain conditional, one pass over B). `alphas_cumprod` is the
    training schedule's (a 1-D tensor of length num_train_timesteps).
    """
    import torch

    from .loops import _autocast

    device = labels.device
    ac = [float(v) for v in alphas_cumprod.detach().cpu().double()]
    steps = inference_timesteps(len(ac), num_inference_steps)
    x = torch.randn(shape, generator=generator, device="cpu").to(device)
    null = torch.full_like(labels, null_class)
    guided = guidance_scale != 1.0
    for i, t in enumerate(_progress(steps, desc=sampler.upper(), enable=progress, leave=False)):
        x_in = torch.cat([x, x]) if guided else x
        lab = torch.cat([labels, null]) if guided else labels
        tt = torch.full((x_in.shape[0],), int(t), device=device, dtype=torch.long)
        with torch.no_grad(), _autocast(device, autocast_dtype):
            out = model(x_in, tt, class_labels=lab).float()
        if guided:
            cond, uncond = out.chunk(2)
            out = uncond + guidance_scale * (cond - uncond)
        a_prev = ac[steps[i + 1]] if i + 1 < len(steps) else 1.0
        stochastic = a_prev < 1.0 and (sampler == "ddpm" or eta > 0)
        noise = torch.randn(shape, generator=generator, device="cpu").to(device) if stochastic else None
        x = denoise_step(out, x, ac[t], a_prev, sampler, eta, noise, prediction_type)
    return x.clamp(-1.0, 1.0)


# ---- intensity check ---------------------------------------------------------------------------
def intensity_stats(images, labels, num_classes: int) -> list[dict | None]:
    """Per class: mean and SD over images of the per-image mean, and the mean per-image SD."""
    x = np.asarray(images, np.float64).reshape(len(images), -1)
    labels = np.asarray(labels)
    out = []
    for c in range(num_classes):
        xc = x[labels == c]
        if not len(xc):
            out.append(None)
            continue
        means = xc.mean(1)
        out.append({"mean": float(means.mean()), "sd_of_means": float(means.std()),
                    "pixel_sd": float(xc.std(1).mean()), "n": int(len(xc))})
    return out


def intensity_gap(samples, stats: dict) -> dict:
    """How far a batch of samples is from its class's training intensities (z of the mean, SD ratio)."""
    x = np.asarray(samples, np.float64).reshape(len(samples), -1)
    mean, pixel_sd = float(x.mean(1).mean()), float(x.std(1).mean())
    # the SD of per-image means is floored: a class of near-identical slices must not make 0.01 an alarm
    z = abs(mean - stats["mean"]) / max(stats["sd_of_means"], 0.05)
    return {"mean": mean, "train_mean": stats["mean"], "z": z, "pixel_sd": pixel_sd,
            "train_pixel_sd": stats["pixel_sd"], "sd_ratio": pixel_sd / max(stats["pixel_sd"], 1e-6)}


def warn_if_far(samples, stats: dict | None, class_name: str, sampler: str, eta: float, z_max: float = 3.0,
                stacklevel: int = 3) -> dict | None:
    """Warn (SampleIntensityWarning) when the samples' mean is > `z_max` SDs from the class's training
    mean, or their pixel SD is under half or over twice the training one; returns the gap."""
    if stats is None or len(samples) < 2:
        return None
    gap = intensity_gap(samples, stats)
    if gap["z"] > z_max or not 0.5 <= gap["sd_ratio"] <= 2.0:
        hint = ("try sampler='ddim' with eta=1 or sampler='ddpm'" if sampler == "ddim" and eta < 0.5
                else "train longer (more train_steps) or lower guidance_scale")
        warnings.warn(f"samples of class {class_name!r} are far from its training images: mean intensity "
                      f"{gap['mean']:.2f} vs {gap['train_mean']:.2f} ({gap['z']:.1f} SDs), pixel SD "
                      f"{gap['pixel_sd']:.2f} vs {gap['train_pixel_sd']:.2f}; they may be noise. {hint}.",
                      SampleIntensityWarning, stacklevel=stacklevel)
    return gap
