"""The shipped MOSES priors: they load by name, sample reproducibly, are what their cards say, and
old SmilesVAE folders (written before the new settings existed) still load."""

import json

import numpy as np
import pytest
from rdkit import Chem

from pharmasynth.errors import UsageError
from pharmasynth.molgen import SmilesVAE, load_moses
from pharmasynth.molgen.pretrained import (PRESETS, PRETRAINED_DIR, available_priors, load_pretrained,
                                           load_pretrained_diffusion)
from pharmasynth.molgen.io import quiet_rdkit
from pharmasynth.molgen.vae_policy import token_log_probs

NAMES = ["moses-smiles", "moses-selfies"]


def test_both_priors_are_shipped_small_and_documented():
    assert available_priors() == sorted(NAMES)
    for name in NAMES:
        folder = PRETRAINED_DIR / name
        assert (folder / "model.safetensors").stat().st_size <= 10 * 2**20
        assert (folder / "diffusion" / "model.safetensors").is_file()
        config = json.loads((folder / "config.json").read_text())
        assert config["class"] == "SmilesVAE" and config["training"]["molecules_seen"] > 0
        params = {k: v for k, v in PRESETS[name]["params"].items()}
        assert {k: config["params"][k] for k in params} == params  # trained with the preset it is named for
        text = json.dumps(config)
        assert not any(s in text for s in load_moses("train")[:200])  # no training record in the folder


@pytest.mark.parametrize("name", NAMES)
def test_pretrained_loads_and_samples_reproducibly(name):
    vae = SmilesVAE.pretrained(name)
    assert vae.representation == name.split("-")[1] and vae.sample_prior == "standard"
    a = vae.sample(40, random_state=3)
    assert a == load_pretrained(name).sample(40, random_state=3) and a != vae.sample(40, random_state=4)
    with quiet_rdkit():
        valid = np.mean([bool(s) and Chem.MolFromSmiles(s) is not None for s in a])
    assert valid >= (0.97 if name == "moses-selfies" else 0.1)


def test_unknown_name_lists_the_shipped_ones():
    with pytest.raises(UsageError, match="shipped: moses-selfies, moses-smiles"):
        SmilesVAE.pretrained("moses-smile")


@pytest.mark.xfail(strict=True, reason="known defect: the shipped latent diffusion (30 epochs on 19,687 latents of "
                   "the 744k-molecule prior) barely steers qed (mean 0.822 asked 0.45 vs 0.843 asked 0.85): the prior's "
                   "latent holds ~8 nats (free bits), too little of qed for the denoiser to find; a prior with more "
                   "information in z must make this pass")
def test_shipped_diffusion_moves_properties_towards_the_condition():
    """qed asked low vs high: the conditioned samples' mean qed must follow (a real, testable effect)."""
    from pharmasynth.molgen import compute_properties

    ldm = load_pretrained_diffusion("moses-smiles")
    means = {}
    for qed in (0.45, 0.85):
        smi = ldm.sample(60, {"qed": qed, "logp": 2.5}, num_inference_steps=10, random_state=0)
        props = compute_properties(smi, ("qed", "logp"))
        means[qed] = props.loc[props["valid"], "qed"].mean()
    assert means[0.85] > means[0.45] + 0.05


def test_old_folders_without_the_new_settings_load(tmp_path):
    train = ["CCO", "c1ccccc1O", "CC(=O)Nc1ccccc1", "CCN(CC)CC"] * 8
    vae = SmilesVAE(latent_dim=4, embed_dim=8, hidden_dim=16, epochs=1, batch_size=8, random_state=0).fit(
        train, progress=False)
    vae.save(tmp_path / "m")
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    for key in ("representation", "encoder_hidden_dim", "encoder_layers", "kl_free_bits", "kl_schedule",
                "kl_cycle_steps"):
        del cfg["params"][key]  # as written by the release before these settings
    cfg.pop("training", None)
    (tmp_path / "m" / "config.json").write_text(json.dumps(cfg))
    back = SmilesVAE.load(tmp_path / "m")
    assert back.representation == "smiles" and back.sample(5, random_state=1) == vae.sample(5, random_state=1)


def test_token_log_probs_equal_the_sampling_log_probs():
    """Re-scoring sampled sequences by teacher forcing gives the log-probabilities they were drawn with."""
    import torch

    vae = SmilesVAE.pretrained("moses-smiles")
    out = vae.sample_with_log_probs(16, random_state=0)
    assert out["log_probs"].requires_grad and out["ids"][:, 0].eq(vae.tokenizer_.bos_id).all()
    with torch.no_grad():
        again, mask = token_log_probs(vae, out["ids"], out["z"])
    torch.testing.assert_close(again, out["log_probs"].detach(), atol=1e-4, rtol=1e-4)
    assert torch.equal(mask, out["mask"])
    seq_ll = out["log_probs"].sum(1)
    seq_ll.mean().backward()  # gradients reach the decoder (RL fine-tuning)
    assert vae.net_.out.weight.grad is not None and torch.isfinite(vae.net_.out.weight.grad).all()
    lp, m = vae.token_log_probs(["CCO", "c1ccccc1"], np.zeros((2, vae.latent_dim)))
    assert lp.shape == m.shape and (lp <= 0).all() and m.sum(1).tolist() == [4, 9]  # tokens (ring digits too) + <eos>
