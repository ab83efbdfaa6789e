"""The two loops of the diffusion model, short and visible (MONAI's inferers take no class labels).

    training_step   one denoising loss: noise the images at given timesteps, predict, MSE
    ddim_sample     DDIM with classifier-free guidance (the sampling loops proper: samplers.py)

The network (`ConditionalDiffusion.build_network`) and the noise scheduler
(`ConditionalDiffusion.train_scheduler` / `sample_scheduler`) are passed in; every random input
is passed in too (noise, timesteps, label dropout, a torch.Generator), so both loops are
deterministic given their arguments.
"""

from __future__ import annotations



def _autocast(device, dtype):
    import torch

    return torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None)


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
    with _autocast(images.device, autocast_dtype):
        pred = model(noisy, timesteps, class_labels=labels)
    if scheduler.prediction_type == "epsilon":
        target = noise
    elif scheduler.prediction_type == "v_prediction":
        target = scheduler.get_velocity(images, noise, timesteps)
    else:  # "sample"
        target = images
    return F.mse_loss(pred.float(), target.float())


def ddim_sample(model, scheduler, labels, shape, null_class: int, guidance_scale: float = 3.0,
                num_inference_steps: int = 50, generator=None, autocast_dtype=None, progress=None, eta: float = 0.0):
    """DDIM with classifier-free guidance (eta=0: deterministic) on `scheduler`'s noise schedule.

    Kept for callers of the first API; `samplers.sample_loop` is the general loop (DDPM or DDIM
    with eta). Returns a tensor of shape `shape` clipped to [-1, 1].
    """
    from .samplers import sample_loop

    return sample_loop(model, scheduler.alphas_cumprod, labels, shape, null_class, guidance_scale, "ddim", eta,
                       num_inference_steps, generator, autocast_dtype, scheduler.prediction_type, progress)
