"""The fixed real-only judge of synthetic images, and how well it can tell the classes apart at all.

"The judge places 100 % of the synthetic lesions in the lesion class" means nothing if it also calls
most lesion-free slices "lesion". So the judge's own accuracy on held-out REAL images is reported
beside every placement: its sensitivity (held-out real images of a class placed in it) and its
specificity (held-out real images of the other classes, and of the one it is hardest to tell from,
NOT placed in it).

Recipe (`JUDGE_SETTINGS`, chosen on the held-out split of the shipped set, never on synthetic images;
its figures over 5 judge seeds are in pretrained/shipped32/MODEL_CARD.md): a class-weighted SmallCNN,
60 epochs (15 epochs on 56 images are ~30 gradient steps: far from converged), width 32, flips and
1-pixel shifts, and half of the training images degraded in resolution (down- then up-sampled by a
random factor) because held-out scans come at other resolutions than the training ones. With a
simulator of the rare class (the shipped set), `paired_simulator_lesions` adds fresh lesions each
beside its own lesion-free slice, so what tells the two apart is the lesion (and the slight global
dimming the 1-99 % rescaling gives every shipped lesion image).
"""

from __future__ import annotations

import numpy as np

from .._util import as_rng, spawn_seeds
from .classifier import SmallCNN

JUDGE_SETTINGS = dict(epochs=60, width=32, balanced=True, augment=True)
#: share of training images degraded in resolution, and the range of the down-sampling factor
DEGRADE_FRACTION, DEGRADE_FACTORS = 0.5, (0.3, 0.75)


def degrade_resolution(images, fraction: float = DEGRADE_FRACTION, factors=DEGRADE_FACTORS,
                       random_state=0) -> np.ndarray:
    """A copy of 2-D `images` (N, C, H, W) where a random `fraction` is down-sampled by a factor drawn
    from `factors` and up-sampled back (bilinear): the look of a scan taken at a coarser resolution."""
    from scipy.ndimage import zoom

    rng = as_rng(random_state)
    out = np.array(images, dtype=np.float32, copy=True)
    if out.ndim != 4:  # 3-D volumes: no degradation (the judge of 3-D patches trains on them as they are)
        return out
    h, w = out.shape[-2:]
    for i in np.flatnonzero(rng.random(len(out)) < fraction):
        f = rng.uniform(*factors)
        for c in range(out.shape[1]):
            small = zoom(out[i, c], f, order=1)
            big = zoom(small, (h / small.shape[0], w / small.shape[1]), order=1)
            out[i, c] = big[:h, :w]
    return out


class Judge:
    """One or several SmallCNNs trained alike on real images (seeds differ); `predict_proba` is their
    mean, `features` the first one's penultimate layer (the FID extractor)."""

    def __init__(self, members):
        self.members = list(members)

    def predict_proba(self, images) -> np.ndarray:
        return np.mean([m.predict_proba(images) for m in self.members], axis=0)

    def features(self, images) -> np.ndarray:
        return self.members[0].features(images)


def train_judge(images, labels, num_classes: int, n_models: int = 1, epochs: int | None = None,
                width: int | None = None, degrade_fraction: float = DEGRADE_FRACTION, random_state=0) -> Judge:
    """The fixed judge (`JUDGE_SETTINGS`; `epochs`/`width` override them) trained on REAL images only;
    `n_models` > 1 averages several seeds' predictions."""
    settings = {**JUDGE_SETTINGS, **({"epochs": int(epochs)} if epochs is not None else {}),
                **({"width": int(width)} if width is not None else {})}
    members = []
    for seed in spawn_seeds(random_state, int(n_models)):
        x = degrade_resolution(images, degrade_fraction, random_state=seed) if degrade_fraction else images
        members.append(SmallCNN(num_classes, random_state=seed, **settings).fit(x, labels))
    return Judge(members)


def paired_simulator_lesions(n: int, train_images, train_sources, size: int = 32, lesion_label: int = 2,
                             clean_label: int = 1, random_state=0) -> tuple[np.ndarray, np.ndarray]:
    """For the shipped set: `n` fresh simulated lesions on the training T1 slices (`shipped.draw_lesions`,
    never shown to a generator) and, beside each, its own lesion-free slice from `train_images`
    (matched by source name). Returns (images (2n, 1, size, size), labels)."""
    from ..errors import DataError
    from .shipped import draw_lesions

    lesions, _, names = draw_lesions(int(n), size, "train", random_state=random_state)
    index = {s: i for i, s in enumerate(train_sources)}
    missing = [s for s in names if s.replace("+lesion(drawn)", "") not in index]
    if missing:
        raise DataError(f"paired_simulator_lesions: the slice of {missing[0]!r} is not among the training "
                        "images' sources: pass the shipped training set (build_shipped()['train']).")
    clean = np.asarray(train_images, np.float32)[[index[s.replace("+lesion(drawn)", "")] for s in names]]
    x = np.concatenate([lesions, clean.reshape(lesions.shape)]) if n else lesions
    y = np.concatenate([np.full(len(lesions), lesion_label), np.full(len(lesions), clean_label)])
    return x.astype(np.float32), y.astype(np.int64)


def judge_accuracy(judge, images, labels, class_names, k: int, confuser: int | None = None) -> dict:
    """How well the judge tells class `k` on held-out real images: `sensitivity` (images of `k` placed in
    `k`), `specificity` (images of the other classes NOT placed in `k`), and with `confuser` (the class
    `k` is hardest to tell from, e.g. the lesion-free T1 slices lesions are drawn on)
    `specificity_vs_<name>`; the counts beside them (nan for no images)."""
    labels = np.asarray(labels)
    pred = judge.predict_proba(images).argmax(1) if len(labels) else np.zeros(0, int)

    def share(mask, placed_in_k: bool):
        return float(np.mean((pred[mask] == k) == placed_in_k)) if mask.any() else float("nan")

    out = {"class": class_names[k], "sensitivity": share(labels == k, True), "n_positive": int((labels == k).sum()),
           "specificity": share(labels != k, False), "n_negative": int((labels != k).sum())}
    if confuser is not None:
        name = class_names[confuser]
        out[f"specificity_vs_{name}"] = share(labels == confuser, False)
        out[f"n_{name}"] = int((labels == confuser).sum())
    return out
