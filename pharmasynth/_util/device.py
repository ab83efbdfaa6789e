"""Device resolution: CPU and float32 by default; "auto" picks a GPU when one is present."""

from __future__ import annotations


def resolve_device(device: str = "cpu"):
    import torch

    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    return torch.device(device)
