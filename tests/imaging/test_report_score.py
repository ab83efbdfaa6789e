"""`image_report` ranks noise below class-like images below real ones (FID and the judge scored;
diversity never), and leads with its answer."""

import numpy as np
import pytest

from pharmasynth.imaging import image_report

NAMES = ["a", "b", "c"]


def bands(n_per, seed, strength=1.0, noise=0.3, size=16):
    """Three classes, each a bright band at its own rows (a different seed = other images, same distribution)."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c, n in enumerate(n_per):
        x = rng.normal(0, noise, (n, 1, size, size))
        x[:, :, c * 5:c * 5 + 4, :] += strength
        xs.append(np.clip(x, -1, 1)); ys.append(np.full(n, c))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys)


@pytest.fixture(scope="module")
def scores():
    real = (*bands([24, 24, 24], 0), NAMES)
    out = {}
    heldout_x, heldout_y = bands([12, 12, 12], 1)
    classlike_x, _ = bands([12, 12, 12], 2, strength=0.5, noise=0.45)   # the right bands, fainter and noisier
    noise_x = np.random.default_rng(3).uniform(-1, 1, heldout_x.shape).astype(np.float32)
    for name, x in (("real", heldout_x), ("class_like", classlike_x), ("noise", noise_x)):
        rep = image_report(real, (x, heldout_y, NAMES), random_state=0)
        out[name] = rep
    return out


def test_noise_below_class_like_below_real(scores):
    s = {k: rep.score() for k, rep in scores.items()}
    assert s["noise"] < s["class_like"] < s["real"], s
    assert s["noise"] < 0.5 < s["real"]


def test_fid_is_scored_between_floor_and_noise_and_diversity_is_not(scores):
    for name, rep in scores.items():
        rows = {m.name: m for m in rep.metrics}
        fid = rows["fid"]
        lo, hi = fid.bounds
        assert fid.scored and lo == fid.details["real_vs_real_floor"] and hi == fid.details["noise_reference"]
        assert not rows["ms_ssim_between_synthetic"].scored
        assert rows["placed_in_class"].scored and rows["placed_in_class_heldout_real"].role == "comparator"
    noise_rows = {m.name: m for m in scores["noise"].metrics}
    real_rows = {m.name: m for m in scores["real"].metrics}
    assert noise_rows["fid"].score < 0.2 and real_rows["fid"].score > 0.7
    assert real_rows["placed_in_class"].value > 0.9


def test_lead_answers_first(scores):
    lead = scores["noise"].lead
    assert lead.sentence.startswith("Overall score")
    labels = [n.label for n in lead.numbers]
    assert labels[0] == "FID to held-out real" and "placed in their class" in labels[1]
    assert lead.numbers[1].status == "bad"


def test_unknown_synthetic_class_is_refused():
    from pharmasynth.errors import DataError

    x, y = bands([6, 6, 6], 0)
    with pytest.raises(DataError, match=r"synthetic classes \['tumour'\]"):
        image_report((x, y, NAMES), (x[:4], np.zeros(4, int), ["tumour"]))
