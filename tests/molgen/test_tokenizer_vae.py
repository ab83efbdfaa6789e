import numpy as np
import pytest
import torch

from pharmasynth.errors import DataError, InvalidSmilesError, NotFittedError
from pharmasynth.molgen import LatentDiffusion, SmilesTokenizer, SmilesVAE
from pharmasynth.molgen.tokenizer import tokenize

REAL = ["CC(=O)Oc1ccccc1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
        "Clc1ccc(Br)cc1", "C[C@H](N)C(=O)O", "[NH4+].[Cl-]", "O=C([O-])c1ccccc1", "c1ccc2c(c1)CCCC2",
        "CCN(CC)CC", "C1CC2CCC3CCC4CCC5CCC6CCC7CCC8CCC9CCC%10CCC%11CCC%11C%10C9C8C7C6C5C4C3C2C1",
        "CC(=O)Nc1ccc(O)cc1", "COc1ccc2[nH]cc(CCN)c2c1", "FC(F)(F)c1ccccc1", "C#N", "C/C=C/C"]


def test_tokenize_special_tokens():
    assert tokenize("Clc1ccc(Br)cc1")[:2] == ["Cl", "c"]
    assert "Br" in tokenize("Clc1ccc(Br)cc1")
    assert tokenize("[NH4+].[Cl-]") == ["[NH4+]", ".", "[Cl-]"]
    assert "%10" in tokenize(REAL[9]) and "%11" in tokenize(REAL[9])
    assert tokenize("C[C@H](N)C(=O)O")[1] == "[C@H]"
    assert tokenize("C/C=C/C") == ["C", "/", "C", "=", "C", "/", "C"]
    with pytest.raises(InvalidSmilesError):
        tokenize("CC{O")


def test_round_trip_and_errors():
    tok = SmilesTokenizer(max_length=80).fit(REAL)
    ids = tok.encode(REAL)
    assert ids.shape == (len(REAL), 80)
    assert tok.decode(ids) == REAL
    with pytest.raises(InvalidSmilesError, match=r"#1 .*'I'"):
        tok.encode(["CCO", "CCI"])  # iodine never seen
    with pytest.warns(Warning, match="unknown token"):
        unk = SmilesTokenizer(max_length=80, on_unknown="unk").fit(REAL).encode(["CCI"])
    assert unk[0, 3] == tok.unk_id
    with pytest.raises(InvalidSmilesError, match="limit"):
        SmilesTokenizer(max_length=10).fit(REAL).encode(["CCCCCCCCCCCC"])


def _tiny(**kw):
    p = dict(latent_dim=8, embed_dim=16, hidden_dim=32, max_length=60, batch_size=16, epochs=2,
             kl_anneal_steps=20, lr=3e-3, random_state=0)
    p.update(kw)
    return SmilesVAE(**p)


TRAIN = [s for s in REAL if len(tokenize(s)) < 58] * 6


def test_vae_learns_samples_reproducible_and_skips_long():
    with pytest.raises(NotFittedError):
        _tiny().sample(2)
    with pytest.warns(Warning, match="skipped"):
        vae = _tiny(epochs=6).fit(TRAIN + [REAL[9]])
    rec = [h["reconstruction"] for h in vae.history_]
    assert rec[-1] < rec[0] * 0.8, rec
    s1, s2 = vae.sample(20, random_state=1), vae.sample(20, random_state=1)
    assert s1 == s2 and all(isinstance(s, str) for s in s1)
    assert vae.sample(20, random_state=2) != s1
    assert len(vae.interpolate(TRAIN[0], TRAIN[1], steps=4)) == 4
    with pytest.raises(DataError), pytest.warns(Warning, match="3 of 3"):
        _tiny().fit([REAL[9]] * 3)


def test_save_load_identical_and_no_training_smiles(tmp_path):
    vae = _tiny().fit(TRAIN)
    vae.save(tmp_path / "m")
    v2 = SmilesVAE.load(tmp_path / "m")
    np.testing.assert_array_equal(vae.encode(TRAIN[:5]), v2.encode(TRAIN[:5]))
    z = np.random.default_rng(0).standard_normal((6, 8))
    assert vae.decode(z, random_state=3) == v2.decode(z, random_state=3)
    blob = b"".join(f.read_bytes() for f in (tmp_path / "m").iterdir())
    for s in set(TRAIN):
        if len(s) > 4:
            assert s.encode() not in blob


def test_aggregate_prior_matches_encodings_and_survives_save(tmp_path):
    """The default prior is a Gaussian fitted to the training encodings: its moments are those of
    encode(TRAIN), it is saved (two moments, no records) and reloaded, and sampling from it is
    seeded like the standard prior."""
    vae = _tiny().fit(TRAIN)
    mu = vae.encode(TRAIN).astype(np.float64)
    np.testing.assert_allclose(vae.latent_mean_, mu.mean(0), atol=1e-5)
    np.testing.assert_allclose(vae.latent_cov_, np.cov(mu.T), atol=1e-5)
    vae.save(tmp_path / "m")
    v2 = SmilesVAE.load(tmp_path / "m")
    np.testing.assert_allclose(v2.latent_cov_, vae.latent_cov_)
    assert v2.sample(12, random_state=4) == vae.sample(12, random_state=4)
    assert vae.sample(12, random_state=4, prior="standard") == vae.sample(12, random_state=4, prior="standard")
    with pytest.raises(ValueError, match="prior"):
        vae.sample(2, prior="gaussian")


def test_resume_is_exact(tmp_path):
    straight = _tiny(epochs=4).fit(TRAIN)
    _tiny(epochs=2).fit(TRAIN, checkpoint_dir=tmp_path)
    resumed = _tiny(epochs=4).fit(TRAIN, checkpoint_dir=tmp_path, resume=True)
    assert resumed.n_steps_ == straight.n_steps_
    for (k, a), (_, b) in zip(straight.net_.state_dict().items(), resumed.net_.state_dict().items()):
        assert torch.equal(a, b), k


def test_latent_diffusion_learns_conditional_mean():
    """Toy task with a known answer: the 'qed' condition IS the first latent coordinate, so the
    conditional sampler must put its samples' first coordinate near the requested value."""
    vae = _tiny(epochs=2).fit(TRAIN)
    rng = np.random.default_rng(0)
    smiles = TRAIN * 4
    z = vae.encode(smiles)
    props = {"qed": z[:, 0] + 0.0 * rng.standard_normal(len(z))}
    ldm = LatentDiffusion(vae, condition_on=["qed"], hidden_dim=64, num_layers=2, epochs=60, batch_size=64,
                          lr=3e-3, random_state=0).fit(smiles, properties=props)
    lo, hi = np.quantile(z[:, 0], [0.2, 0.8])
    z_lo = ldm.sample_latents(200, {"qed": lo}, guidance_scale=1.5, num_inference_steps=25, random_state=1)
    z_hi = ldm.sample_latents(200, {"qed": hi}, guidance_scale=1.5, num_inference_steps=25, random_state=1)
    gap = z_hi[:, 0].mean() - z_lo[:, 0].mean()
    assert gap > 0.5 * (hi - lo), (gap, hi - lo)
    out = ldm.sample(5, {"qed": hi}, num_inference_steps=5)
    assert len(out) == 5 and all(isinstance(s, str) for s in out)
    with pytest.raises(ValueError, match="not trained"):
        ldm.sample(2, {"logp": 1.0})


def test_latent_diffusion_decoded_labels_are_what_the_decoder_makes():
    """labels="decoded": each latent is labelled with the properties of its greedy decoding, and
    latents that decode to no valid molecule are left out; checked against a direct computation."""
    from pharmasynth.molgen import compute_properties

    vae = _tiny(epochs=8).fit(TRAIN)
    dec = vae.decode(vae.encode(TRAIN), temperature=0.0)
    props = compute_properties(dec, ("qed",))
    valid = props["valid"].to_numpy(bool)
    assert valid.sum() >= 2, "the tiny VAE should reconstruct some of its training molecules"
    ldm = LatentDiffusion(vae, condition_on=["qed"], hidden_dim=32, num_layers=1, epochs=2).fit(TRAIN)
    assert ldm.n_dropped_invalid_decode_ == int((~valid).sum())
    assert ldm.n_train_ == int(valid.sum())
    np.testing.assert_allclose(ldm.c_mean_, props["qed"][valid].mean(), rtol=1e-5)
    with pytest.raises(ValueError, match="labels"):
        LatentDiffusion(vae, labels="predicted")


def test_conditional_success_counts_distinct_molecules_and_rejection_respects_budget():
    from pharmasynth.molgen import conditional_success, rejection_sample

    samples = ["CCO", "OCC", "CCO", "c1ccccc1", "not a smiles"]  # ethanol three ways, benzene (MW 78)
    cond, tol = {"mw": 46.07}, {"mw": 5.0}
    assert conditional_success(samples, cond, tol) == pytest.approx(1 / 5)
    assert conditional_success(samples, cond, tol, unique=False) == pytest.approx(3 / 5)
    vae = _tiny(epochs=6).fit(TRAIN)
    res = rejection_sample(vae, 50, {"mw": 150.0}, {"mw": 200.0}, max_draws=64, batch_size=16, random_state=0)
    assert res["n_draws"] == 64 and len(res["samples"]) <= 50
    from rdkit import Chem
    canon = [Chem.MolToSmiles(Chem.MolFromSmiles(s)) for s in res["samples"]]
    assert len(canon) >= 1 and len(set(canon)) == len(canon)  # each distinct molecule kept once
    assert res["success"] == pytest.approx(len(canon) / 50)


def test_fit_epochs_keyword_is_deprecated_and_sets_this_fit():
    with pytest.warns(FutureWarning, match=r"fit\(epochs=.*SmilesVAE\(epochs="):
        vae = _tiny(epochs=5).fit(TRAIN, epochs=1)
    assert vae.epochs == 5 and len(vae.history_) == 1
    assert vae.sample(6, random_state=0) == _tiny(epochs=1).fit(TRAIN).sample(6, random_state=0)
