"""LatentDiffusion: the sampling stream, files, and the renamed keywords (condition_on / conditions)."""

import json

import numpy as np
import pytest

from pharmasynth.molgen import LatentDiffusion, SmilesVAE, conditional_success, rejection_sample

TRAIN = ["CC(=O)Oc1ccccc1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "CC(C)Cc1ccc(cc1)C(C)C(=O)O", "Clc1ccc(Br)cc1",
         "CC(=O)Nc1ccc(O)cc1", "COc1ccc2[nH]cc(CCN)c2c1", "FC(F)(F)c1ccccc1", "CCN(CC)CC"] * 6
COND = {"qed": 0.6}


@pytest.fixture(scope="module")
def vae():
    return SmilesVAE(latent_dim=8, embed_dim=16, hidden_dim=32, max_length=60, batch_size=16, epochs=1,
                     kl_anneal_steps=20, lr=3e-3, random_state=0).fit(TRAIN)


def _ldm(vae, **kw):
    p = dict(condition_on=["qed"], hidden_dim=32, num_layers=1, epochs=2, batch_size=16, labels="input",
             random_state=0)
    p.update(kw)
    return LatentDiffusion(vae, **p)


def test_sampling_stream_policy(vae):
    """First sample after fit = a sample seeded with random_state; later ones continue the stream;
    an explicit random_state neither depends on nor moves the stream; load restarts it."""
    ldm = _ldm(vae).fit(TRAIN)
    kw = dict(num_inference_steps=3)
    first = ldm.sample_latents(6, COND, **kw)
    assert not np.array_equal(first, ldm.sample_latents(6, COND, **kw))      # the stream continues
    fresh = _ldm(vae).fit(TRAIN)
    explicit = fresh.sample_latents(6, COND, random_state=5, **kw)
    np.testing.assert_array_equal(explicit, fresh.sample_latents(6, COND, random_state=5, **kw))
    np.testing.assert_array_equal(first, fresh.sample_latents(6, COND, **kw))  # untouched by random_state=5
    smiles = fresh.sample(4, COND, num_inference_steps=3, random_state=0)
    assert _ldm(vae).fit(TRAIN).sample(4, COND, num_inference_steps=3) == smiles  # first sample == seed 0
    with pytest.raises(ValueError, match="not trained"):
        ldm.sample(2, {"logp": 1.0})


def test_save_load_round_trip(vae, tmp_path):
    ldm = _ldm(vae).fit(TRAIN)
    ldm.save(tmp_path / "m")
    assert (tmp_path / "m" / "vae" / "config.json").is_file()
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["params"]["condition_on"] == ["qed"] and "vae" not in config["params"]
    back = LatentDiffusion.load(tmp_path / "m")
    assert back.condition_on == ["qed"] and back.history_ == ldm.history_ and back.n_train_ == ldm.n_train_
    kw = dict(num_inference_steps=3, random_state=2)
    np.testing.assert_array_equal(back.sample_latents(5, COND, **kw), ldm.sample_latents(5, COND, **kw))
    # load starts the stream at random_state, as fit does
    np.testing.assert_array_equal(LatentDiffusion.load(tmp_path / "m", vae=vae).sample_latents(5, COND),
                                  _ldm(vae).fit(TRAIN).sample_latents(5, COND))


def test_files_of_the_previous_release_load(vae, tmp_path):
    """A folder whose config.json still says "conditions" (the old constructor keyword) loads, with a warning."""
    _ldm(vae).fit(TRAIN).save(tmp_path / "m")
    cfg_file = tmp_path / "m" / "config.json"
    config = json.loads(cfg_file.read_text())
    config["params"]["conditions"] = config["params"].pop("condition_on")
    cfg_file.write_text(json.dumps(config))
    with pytest.warns(FutureWarning, match="conditions"):
        back = LatentDiffusion.load(tmp_path / "m")
    assert back.condition_on == ["qed"]


def test_deprecated_keywords_warn_and_work(vae):
    with pytest.warns(FutureWarning, match=r"conditions=.*condition_on="):
        ldm = LatentDiffusion(vae, conditions=["qed"], hidden_dim=32, num_layers=1, epochs=1, labels="input")
    assert ldm.condition_on == ["qed"]
    with pytest.warns(FutureWarning, match="LatentDiffusion.condition_on"):
        assert ldm.conditions == ["qed"]
    ldm.fit(TRAIN)
    kw = dict(num_inference_steps=2, random_state=1)
    with pytest.warns(FutureWarning, match=r"condition=.*conditions="):
        old = ldm.sample_latents(3, condition=COND, **kw)
    np.testing.assert_array_equal(old, ldm.sample_latents(3, conditions=COND, **kw))
    with pytest.warns(FutureWarning, match=r"condition=.*conditions="):
        assert ldm.sample(3, condition=COND, **kw) == ldm.sample(3, conditions=COND, **kw)
    with pytest.raises(TypeError, match="both"):
        ldm.sample(3, condition=COND, conditions=COND)


def test_steering_functions_take_conditions(vae):
    samples, tol = ["CCO", "OCC", "c1ccccc1"], {"mw": 5.0}
    with pytest.warns(FutureWarning, match=r"condition=.*conditions="):
        old = conditional_success(samples, condition={"mw": 46.07}, tolerance=tol)
    assert old == conditional_success(samples, conditions={"mw": 46.07}, tolerance=tol) == pytest.approx(1 / 3)
    with pytest.warns(FutureWarning, match=r"condition=.*conditions="):
        old = rejection_sample(vae, 5, condition={"mw": 150.0}, tolerance={"mw": 200.0}, max_draws=16,
                               batch_size=8, random_state=0)
    new = rejection_sample(vae, 5, conditions={"mw": 150.0}, tolerance={"mw": 200.0}, max_draws=16, batch_size=8,
                           random_state=0)
    assert old["samples"] == new["samples"] and old["n_draws"] == new["n_draws"] == 16
