"""The network and noise schedule of `ConditionalDiffusion`, and the settings tuned per image size.

`tuned_settings(image_size, spatial_dims)` holds the defaults chosen with small controlled CPU runs
on the shipped set (benchmarks/bench_imaging_samplers.py --tune): what `channels=None`, `lr=None`
and `attention_levels=None` resolve to. Bigger images get one more level (so the lowest level
stays 8x8 or smaller, where attention is cheap); 3-D patches get narrower channels (a 32^3 patch
has 32x the voxels of a 32x32 slice).
"""

from __future__ import annotations

SCHEDULES = ("linear_beta", "scaled_linear_beta", "cosine")
PREDICTION_TYPES = ("epsilon", "v_prediction", "sample")
LR_SCHEDULES = ("constant", "cosine")


def tuned_settings(image_size: int, spatial_dims: int = 2) -> dict:
    """Default channels, attention levels and learning rate for this image size (see the module docstring)."""
    if spatial_dims == 3:
        channels = (16, 32, 32) if image_size <= 32 else (16, 32, 32, 64)
        return {"channels": channels, "attention_levels": (False,) * len(channels), "lr": 1e-3}
    if image_size <= 32:
        return {"channels": (32, 64, 64), "attention_levels": (False, False, True), "lr": 1e-3}
    return {"channels": (32, 64, 64, 64), "attention_levels": (False, False, False, True), "lr": 1e-3}


def norm_groups(channels) -> int:
    """GroupNorm groups with at least 4 channels each.

    GroupNorm right after the time/class embedding is added as a per-channel bias: with one
    channel per group that bias is normalised away (the class would be ignored)."""
    groups = min(32, max(1, min(channels) // 4))
    while any(c % groups for c in channels):
        groups -= 1
    return groups


def build_unet(spatial_dims: int, in_channels: int, channels, attention_levels, num_res_blocks: int,
               num_head_channels: int, num_classes: int):
    """MONAI's DiffusionModelUNet with K + 1 class embeddings (the last one is "no class")."""
    from monai.networks.nets import DiffusionModelUNet

    # MONAI needs every attention level's channels divisible by the head size: halve it until it fits
    heads = int(num_head_channels)
    for c, att in zip(channels, attention_levels):
        while att and heads > 1 and c % heads:
            heads //= 2
    return DiffusionModelUNet(
        spatial_dims=spatial_dims, in_channels=in_channels, out_channels=in_channels,
        channels=tuple(channels), attention_levels=tuple(attention_levels), num_res_blocks=num_res_blocks,
        num_head_channels=heads, norm_num_groups=norm_groups(channels),
        num_class_embeds=num_classes + 1)


def noise_scheduler(num_train_timesteps: int, schedule: str, prediction_type: str):
    """MONAI's DDPMScheduler: the training noise schedule (its alphas_cumprod also drive sampling)."""
    from monai.networks.schedulers import DDPMScheduler

    return DDPMScheduler(num_train_timesteps=num_train_timesteps, schedule=schedule,
                         prediction_type=prediction_type)


def lr_scheduler(optimizer, kind: str, total_steps: int, warmup: int = 20):
    """None for "constant"; "cosine": linear warm-up over `warmup` steps, then cosine decay to 10 %."""
    import math

    import torch

    if kind == "constant":
        return None

    def factor(step):
        if step < warmup:
            return (step + 1) / warmup
        frac = min(1.0, (step - warmup) / max(1, total_steps - warmup))
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
