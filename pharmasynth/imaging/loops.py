"""The two loops of the diffusion model, short and visible (MONAI's inferers take no class labels).

    training_step   one denoising loss: noise the images at given timesteps, predict, MSE
    ddim_sample     deterministic DDIM (eta=0) with classifier-free guidance

The network (`ConditionalDiffusion.build_network`) and the noise scheduler
(`ConditionalDiffusion.train_scheduler` / `sample_scheduler`) are passed in; every random input
is passed in too (noise, timesteps, label dropout, a torch.Generator), so both loops are
deterministic given their arguments.
"""

from __future__ import annotations

from .._util import progress as _progress


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
                num_inference_steps: int = 50, generator=None, autocast_dtype=None, progress=None):
    """Deterministic DDIM (eta=0) with classifier-free guidance.

    eps = eps_uncond + s * (eps_cond - eps_uncond), both from ONE forward pass over 2B images.
    The starting noise is drawn on the CPU from `generator` (a torch.Generator), so the same
    generator gives the same images on any device. Returns a tensor of shape `shape` clipped to [-1, 1].
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
        with torch.no_grad(), _autocast(device, autocast_dtype):
            eps = model(x_in, tt, class_labels=lab).float()
        if guided:
            eps_cond, eps_uncond = eps.chunk(2)
            eps = eps_uncond + guidance_scale * (eps_cond - eps_uncond)
        x, _ = scheduler.step(eps, int(t), x)
    return x.clamp(-1.0, 1.0)
