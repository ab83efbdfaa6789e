"""Pretrained MOSES priors shipped with pharmasynth, and the settings they were trained with.

    >>> vae = SmilesVAE.pretrained("moses-smiles")      # or load_pretrained("moses-selfies")
    >>> vae.sample(1000, random_state=0)
    >>> ldm = load_pretrained_diffusion("moses-smiles")  # property-conditioned sampling on top
    >>> ldm.sample(100, conditions={"qed": 0.8, "logp": 2.5})

Each prior is a folder under `pharmasynth/molgen/pretrained/<name>/`: config.json,
model.safetensors, MODEL_CARD.md (data, training, metrics) and learning_curve.json; its latent
diffusion is in `<name>/diffusion/`. They were trained by `benchmarks/train_moses_prior.py`
on the MOSES training set; the settings are `PRESETS` below.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError

PRETRAINED_DIR = Path(__file__).resolve().parent / "pretrained"

# The architecture was chosen from short learning curves on 1 CPU thread (see the model cards):
# an autoregressive GRU decoder strong enough to be a SMILES language model, a smaller encoder
# (it only summarises), a KL weight annealed to about the ELBO's own (0.025 per token x ~40 tokens)
# with free bits so the latent keeps information for the latent diffusion, and z ~ N(0, I).
_COMMON = dict(latent_dim=64, embed_dim=64, hidden_dim=256, num_layers=2, encoder_hidden_dim=128,
               encoder_layers=1, max_length=100, kl_weight_max=0.025, kl_anneal_steps=500,
               kl_free_bits=8.0, lr=2e-3, batch_size=128, grad_clip=5.0, sample_prior="standard")

PRESETS = {
    "moses-smiles": {"params": {**_COMMON, "representation": "smiles"},
                     "description": "SmilesVAE over SMILES tokens, MOSES training set"},
    "moses-selfies": {"params": {**_COMMON, "representation": "selfies"},
                      "description": "SmilesVAE over SELFIES tokens (valid by construction), MOSES training set"},
}


def available_priors() -> list[str]:
    """Names of the priors whose weights are shipped in this installation."""
    if not PRETRAINED_DIR.is_dir():
        return []
    return sorted(p.name for p in PRETRAINED_DIR.iterdir() if (p / "model.safetensors").is_file())


def pretrained_path(name: str) -> Path:
    """The folder of a shipped prior; UsageError listing the shipped ones for an unknown name."""
    shipped = available_priors()
    if name not in shipped:
        raise UsageError(f"no pretrained prior named {name!r}; shipped: {', '.join(shipped) or 'none'}. "
                         "Train your own with benchmarks/train_moses_prior.py or `pharmasynth molgen train`.")
    return PRETRAINED_DIR / name


def load_pretrained(name: str, device: str | None = None, random_state=None):
    """The shipped SmilesVAE prior `name` ("moses-smiles" or "moses-selfies")."""
    from .vae import SmilesVAE

    return SmilesVAE.load(pretrained_path(name), device=device, random_state=random_state)


def load_pretrained_diffusion(name: str, device: str | None = None, random_state=None):
    """The LatentDiffusion shipped on top of prior `name` (conditioned on qed and logp)."""
    from .latent_diffusion import LatentDiffusion

    folder = pretrained_path(name) / "diffusion"
    if not (folder / "model.safetensors").is_file():
        raise UsageError(f"the prior {name!r} ships no latent diffusion ({folder} is missing).")
    return LatentDiffusion.load(folder, vae=load_pretrained(name, device=device), random_state=random_state)
