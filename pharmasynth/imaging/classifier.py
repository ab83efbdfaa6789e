"""The downstream classifier: a small CNN trained on CPU in a few epochs.

The SAME class (same settings) is trained on real-only and on real+synthetic data in the
augmentation workflow; its penultimate layer is also the offline feature extractor for FID.
"""

from __future__ import annotations

import numpy as np

from .._util import torch_generator
from .._util.torchtools import init_weights
from .._util.training import TrainingLoop
from .._util.torchtools import isolated_init
from ..errors import NotFittedError


def _net(num_classes: int, width: int = 16, spatial_dims: int = 2, in_channels: int = 1):
    import torch.nn as nn

    conv, pool, gap = ((nn.Conv2d, nn.MaxPool2d, nn.AdaptiveAvgPool2d) if spatial_dims == 2
                       else (nn.Conv3d, nn.MaxPool3d, nn.AdaptiveAvgPool3d))
    return nn.Sequential(
        conv(in_channels, width, 3, padding=1), nn.ReLU(), pool(2),
        conv(width, 2 * width, 3, padding=1), nn.ReLU(), pool(2),
        conv(2 * width, 2 * width, 3, padding=1), nn.ReLU(), gap(1), nn.Flatten(),
        nn.Linear(2 * width, num_classes),
    )


class SmallCNN:
    """A 3-layer CNN classifier of images (N, C, H, W) or volumes (N, C, D, H, W) (the layout of the
    images given to `fit` decides); `balanced=True` weights the loss by inverse class frequency."""

    def __init__(self, num_classes: int, epochs: int = 15, batch_size: int = 32, lr: float = 3e-3,
                 balanced: bool = False, augment: bool = True, width: int = 16, random_state=0):
        self.num_classes, self.epochs, self.batch_size, self.lr = num_classes, epochs, batch_size, lr
        self.balanced, self.augment, self.width, self.random_state = balanced, augment, width, random_state

    def fit(self, images, labels) -> "SmallCNN":
        """Train for `epochs` epochs; initial weights, data order, flips and shifts all come from
        one torch.Generator seeded from `random_state` (torch's global RNG is left as it was)."""
        import torch

        g = torch_generator(self.random_state)
        x = torch.as_tensor(np.asarray(images, dtype=np.float32))
        if x.ndim not in (4, 5):
            raise ValueError(f"SmallCNN.fit: images have shape {tuple(x.shape)}; expected (N, C, H, W) or "
                             "(N, C, D, H, W).")
        with isolated_init():  # the weights are then set from `g` (init_weights)
            net = _net(self.num_classes, self.width, x.ndim - 2, x.shape[1])
        init_weights(net, g, scheme="normal", scale=0.1)
        y = torch.as_tensor(np.asarray(labels, dtype=np.int64))
        counts = torch.bincount(y, minlength=self.num_classes).float().clamp(min=1)
        weight = (counts.sum() / counts / self.num_classes) if self.balanced else None
        loss_fn = torch.nn.CrossEntropyLoss(weight=weight)

        def step(model, idx, _step):
            xb = x[idx]
            if self.augment:  # random horizontal flips and 1-pixel shifts
                flip = torch.rand(len(xb), generator=g) < 0.5
                xb = torch.where(flip.view(-1, *[1] * (xb.ndim - 1)), xb.flip(-1), xb)
                sh = int(torch.randint(-1, 2, (1,), generator=g))
                xb = torch.roll(xb, sh, dims=-2)
            return loss_fn(model(xb), y[idx])

        loop = TrainingLoop(net, torch.optim.Adam(net.parameters(), lr=self.lr), n=len(x),
                            batch_size=self.batch_size, generator=g, epochs=self.epochs, desc="SmallCNN",
                            progress_bar=False)
        self.history_ = loop.run(step).history
        self.net_ = net.eval()
        return self

    def _check(self):
        if not hasattr(self, "net_"):
            raise NotFittedError("SmallCNN: call fit first.")

    def predict_proba(self, images) -> np.ndarray:
        import torch

        self._check()
        with torch.no_grad():
            return torch.softmax(self.net_(torch.as_tensor(np.asarray(images, dtype=np.float32))), -1).numpy()

    def features(self, images) -> np.ndarray:
        """Penultimate-layer features (the FID extractor)."""
        import torch

        self._check()
        with torch.no_grad():
            return self.net_[:-1](torch.as_tensor(np.asarray(images, dtype=np.float32))).numpy()
