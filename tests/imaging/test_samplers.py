"""The sampling loops against known truth: exact recovery with an oracle denoiser, and the right
distribution for Gaussian data whose optimal noise predictor is known in closed form."""

import numpy as np
import pytest
import torch

from pharmasynth.errors import UsageError
from pharmasynth.imaging.samplers import (SampleIntensityWarning, check_sampler, inference_timesteps,
                                          intensity_stats, sample_loop, warn_if_far)
from pharmasynth.imaging.unet import noise_scheduler

T = 200
AC = noise_scheduler(T, "linear_beta", "epsilon").alphas_cumprod
ALL = [("ddim", 0.0), ("ddim", 0.5), ("ddim", 1.0), ("ddpm", 1.0)]


class Oracle(torch.nn.Module):
    """Knows the clean image x0: returns the exact eps / v / x0 for whatever x_t it is given."""

    def __init__(self, x0, kind):
        super().__init__()
        self.x0, self.kind = x0, kind

    def forward(self, x, t, class_labels=None):
        a = AC[t].view(-1, *([1] * (x.ndim - 1))).float()
        x0 = self.x0[: len(x)] if len(x) == len(self.x0) else torch.cat([self.x0] * (len(x) // len(self.x0)))
        eps = (x - a.sqrt() * x0) / (1 - a).sqrt()
        return {"epsilon": eps, "v_prediction": a.sqrt() * eps - (1 - a).sqrt() * x0, "sample": x0}[self.kind]


@pytest.mark.parametrize("kind", ["epsilon", "v_prediction", "sample"])
@pytest.mark.parametrize("sampler,eta", ALL)
def test_every_sampler_recovers_the_image_an_exact_denoiser_knows(sampler, eta, kind):
    x0 = torch.rand(3, 1, 8, 8, generator=torch.Generator().manual_seed(0)) * 1.6 - 0.8
    labels = torch.zeros(3, dtype=torch.long)
    out = sample_loop(Oracle(x0, kind), AC, labels, (3, 1, 8, 8), 1, 1.0, sampler, eta, 20,
                      torch.Generator().manual_seed(1), prediction_type=kind)
    torch.testing.assert_close(out, x0, atol=1e-4, rtol=0)


class GaussianDenoiser(torch.nn.Module):
    """The optimal eps predictor for pixels x0 ~ N(mu, s^2): E[eps | x_t] = sqrt(1-a)(x_t - sqrt(a) mu) / (a s^2 + 1 - a)."""

    mu, s = 0.3, 0.2

    def forward(self, x, t, class_labels=None):
        a = AC[t].view(-1, 1, 1, 1).float()
        return (1 - a).sqrt() * (x - a.sqrt() * self.mu) / (a * self.s ** 2 + 1 - a)


@pytest.mark.parametrize("sampler,eta", ALL)
def test_samplers_draw_the_data_distribution_of_an_optimal_denoiser(sampler, eta):
    n = 4096  # 16 images of 16x16 pixels, independent N(0.3, 0.2^2) each
    out = sample_loop(GaussianDenoiser(), AC, torch.zeros(16, dtype=torch.long), (16, 1, 16, 16), 1, 1.0, sampler,
                      eta, 100, torch.Generator().manual_seed(2)).numpy().ravel()
    assert out.size == n
    se_mean = 0.2 / np.sqrt(n)
    assert abs(out.mean() - 0.3) < 4 * se_mean + 0.01   # discretisation: 100 of 200 steps
    assert 0.2 * 0.85 < out.std() < 0.2 * 1.1


def test_same_generator_same_images_and_eta_zero_is_deterministic_after_the_start():
    m = GaussianDenoiser()
    lab = torch.zeros(2, dtype=torch.long)
    a = sample_loop(m, AC, lab, (2, 1, 4, 4), 1, 1.0, "ddpm", 1.0, 10, torch.Generator().manual_seed(5))
    b = sample_loop(m, AC, lab, (2, 1, 4, 4), 1, 1.0, "ddpm", 1.0, 10, torch.Generator().manual_seed(5))
    torch.testing.assert_close(a, b, atol=0, rtol=0)


def test_timesteps_and_bad_arguments():
    ts = inference_timesteps(1000, 50)
    assert ts[0] == 999 and ts[-1] == 0 and len(ts) == 50 and all(np.diff(ts) < 0)
    assert inference_timesteps(10, 10) == list(range(9, -1, -1))
    assert check_sampler("ddpm", 1, 1000, 1000) == ("ddpm", 1.0, 1000)
    for args, match in [(("euler", 0.0, 50), "sampler='euler'"), (("ddim", 1.5, 50), r"eta=1.5 must be in \[0, 1\]"),
                        (("ddim", "x", 50), "eta='x'"), (("ddim", 0.0, 0), "1..1000"),
                        (("ddim", 0.0, 1001), "1..1000"), (("ddim", 0.0, 2.5), "integer")]:
        with pytest.raises(UsageError, match=match):
            check_sampler(*args, 1000)


def test_intensity_warning_fires_only_when_far():
    rng = np.random.default_rng(0)
    real = np.clip(rng.normal(-0.7, 0.1, (20, 1, 8, 8)), -1, 1)
    stats = intensity_stats(real, np.zeros(20, int), 2)
    assert stats[1] is None and stats[0]["n"] == 20
    close = np.clip(rng.normal(-0.7, 0.1, (10, 1, 8, 8)), -1, 1)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gap = warn_if_far(close, stats[0], "brain", "ddim", 1.0)
    assert gap["z"] < 1
    grey = np.full((10, 1, 8, 8), -0.19) + rng.normal(0, 0.01, (10, 1, 8, 8))  # the eta=0 output
    with pytest.warns(SampleIntensityWarning, match="brain.*try sampler='ddim' with eta=1"):
        warn_if_far(grey, stats[0], "brain", "ddim", 0.0)
