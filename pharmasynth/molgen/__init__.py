"""pharmasynth.molgen: SMILES VAE, latent diffusion, property filters and library scoring."""

from .tokenizer import SmilesTokenizer
from .vae import SmilesVAE
from .latent_diffusion import LatentDiffusion
from .steering import conditional_success, rejection_sample

from .filters import DrugLikeFilter, moses_filter_reasons, passes_moses_filters
from .io import read_smiles
from .properties import compute_properties
from .scoring import LibraryScore, score_library

__all__ = ["DrugLikeFilter", "LatentDiffusion", "LibraryScore", "SmilesTokenizer", "SmilesVAE", "compute_properties",
           "conditional_success", "moses_filter_reasons", "passes_moses_filters", "read_smiles", "rejection_sample",
           "score_library"]
