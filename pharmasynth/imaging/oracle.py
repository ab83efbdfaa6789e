"""What synthetic images are measured against: an oracle of fresh real-like images, or classic augmentation.

    shipped_oracle(size)   the shipped set's rare class comes from a documented lesion simulator
                           (`shipped.simulate_lesion`), so fresh lesions drawn on the training T1
                           slices (`shipped.draw_lesions`) are what a perfect generator would give:
                           the oracle arm's extra images (never shown to the generator)
    classic_augment        for user data without a simulator: flips, small affine transforms and
                           intensity changes of the real rare-class images (the usual baseline)

Both are callables `(n, random_state) -> images` as `augment_rare_class(comparator=...)` takes them.
"""

from __future__ import annotations

import numpy as np

from .._util import as_rng


def shipped_oracle(size: int = 32):
    """`(n, random_state) -> images`: `n` fresh simulated lesions on the shipped set's training T1 slices."""
    from .shipped import draw_lesions

    def oracle(n, random_state=0):
        return draw_lesions(int(n), size, "train", random_state=random_state)[0]

    oracle.name = "simulator (shipped.draw_lesions on the training T1 slices)"
    return oracle


def _affine_one(img, rng, max_rotate_deg: float, max_scale: float, max_shift: float):
    """One random rotation (in the last two axes), isotropic scale and shift about the centre, per channel."""
    from scipy.ndimage import affine_transform

    nd = img.ndim - 1  # spatial dims of a (C, ...) image
    th = np.deg2rad(rng.uniform(-max_rotate_deg, max_rotate_deg))
    s = rng.uniform(1 - max_scale, 1 + max_scale)
    mat = np.eye(nd)
    mat[-2:, -2:] = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]]) / s
    centre = (np.array(img.shape[1:]) - 1) / 2
    shift = rng.uniform(-max_shift, max_shift, nd)
    offset = centre - mat @ centre + shift
    bg = float(img.min())  # fill with the background, not with 0 (mid-grey in [-1, 1])
    return np.stack([affine_transform(ch, mat, offset=offset, order=1, mode="constant", cval=bg) for ch in img])


def classic_augment(images, n: int, random_state=0, flip: bool = True, max_rotate_deg: float = 10.0,
                    max_scale: float = 0.1, max_shift: float = 2.0, intensity: float = 0.1) -> np.ndarray:
    """`n` classic augmentations of `images` ((N, C, ...) in [-1, 1], 2-D or 3-D), drawn round-robin.

    Each: a left-right flip (p = 0.5), a rotation of up to +-`max_rotate_deg` in the image plane, a
    scale of 1 +- `max_scale`, a shift of up to `max_shift` pixels, and an intensity change
    x -> a x + b with a in 1 +- `intensity`, b in +-`intensity` / 2, clipped to [-1, 1]."""
    rng = as_rng(random_state)
    images = np.asarray(images, np.float32)
    if not len(images) and n:
        raise ValueError("classic_augment: no images to augment.")
    out = []
    for i in range(int(n)):
        img = images[i % len(images)]
        if flip and rng.random() < 0.5:
            img = img[..., ::-1]
        img = _affine_one(np.ascontiguousarray(img), rng, max_rotate_deg, max_scale, max_shift)
        a, b = rng.uniform(1 - intensity, 1 + intensity), rng.uniform(-intensity / 2, intensity / 2)
        out.append(np.clip(a * img + b, -1, 1))
    return np.stack(out).astype(np.float32) if out else np.zeros((0, *images.shape[1:]), np.float32)


def classic_comparator(rare_images):
    """`(n, random_state) -> images`: classic augmentations of the real rare-class training images."""
    def comparator(n, random_state=0):
        return classic_augment(rare_images, n, random_state)

    comparator.name = "classic augmentation (flips, affine, intensity) of the real rare-class images"
    return comparator
