"""pharmasynth.molgen: SMILES VAE, latent diffusion, property filters and library scoring."""

from .tokenizer import SmilesTokenizer
from .vae import SmilesVAE
from .latent_diffusion import LatentDiffusion
from .steering import conditional_success, rejection_sample

__all__ = ["SmilesTokenizer", "SmilesVAE", "LatentDiffusion", "conditional_success", "rejection_sample"]

# --- scoring, filters, IO (H5b) ---
