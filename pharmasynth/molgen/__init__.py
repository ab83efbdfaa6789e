"""pharmasynth.molgen: SMILES VAE, latent diffusion, property filters and library scoring."""

from .tokenizer import SmilesTokenizer
from .vae import SmilesVAE
from .latent_diffusion import LatentDiffusion
from .steering import conditional_success, rejection_sample

from .fcd import ChemNet, fcd_statistics, frechet_distance
from .featurise import SetStatistics, set_statistics
from .filters import DrugLikeFilter, moses_filter_reasons, passes_moses_filters, reason_counts
from .io import load_moses, read_library, read_smiles, write_smiles
from .properties import compute_properties
from .scoring import LibraryScore, score_library

__all__ = ["ChemNet", "DrugLikeFilter", "LatentDiffusion", "LibraryScore", "SetStatistics", "SmilesTokenizer",
           "SmilesVAE", "compute_properties", "conditional_success", "fcd_statistics", "frechet_distance",
           "load_moses", "moses_filter_reasons", "passes_moses_filters", "read_library", "read_smiles",
           "reason_counts", "rejection_sample", "score_library", "set_statistics", "write_smiles"]
