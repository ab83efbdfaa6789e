"""pharmasynth.molgen: SMILES/SELFIES VAE priors (shipped pretrained), latent diffusion, fine-tuning,
goal-directed optimisation, property filters and library scoring (MOSES and GuacaMol metrics)."""

from .tokenizer import SmilesTokenizer
from .selfies_tokenizer import SelfiesTokenizer
from .vae import SmilesVAE
from .latent_diffusion import LatentDiffusion
from .steering import conditional_success, rejection_sample
from .pretrained import available_priors, load_pretrained, load_pretrained_diffusion
from .finetune import fine_tune, series_similarity

from .fcd import ChemNet, fcd_statistics, frechet_distance
from .featurise import SetStatistics, set_statistics
from .filters import DrugLikeFilter, moses_filter_reasons, passes_moses_filters, reason_counts
from .io import load_moses, read_library, read_smiles, write_smiles
from .properties import compute_properties
from .scoring import LibraryScore, score_library
from .refstats import ReferenceCacheWarning, StatsCache, content_hash, default_cache_dir
from .reference_side import ReferenceStats, read_reference_stats, write_reference_stats
from .guacamol_metrics import GUACAMOL_SAMPLES, guacamol_scores
from .report import library_lead

from .objective import Objective
from .objective_components import Component
from .objective_transforms import Transform
from .goal_tasks import GOAL_TASKS, goal_task
from .optimize import OptimizationResult, optimize

__all__ = ["ChemNet", "DrugLikeFilter", "LatentDiffusion", "LibraryScore", "SetStatistics", "SmilesTokenizer",
           "SmilesVAE", "compute_properties", "conditional_success", "fcd_statistics", "frechet_distance",
           "load_moses", "moses_filter_reasons", "passes_moses_filters", "read_library", "read_smiles",
           "reason_counts", "rejection_sample", "score_library", "set_statistics", "write_smiles",
           "SelfiesTokenizer", "available_priors", "load_pretrained", "load_pretrained_diffusion", "fine_tune",
           "series_similarity", "GUACAMOL_SAMPLES", "ReferenceCacheWarning", "ReferenceStats", "StatsCache",
           "content_hash", "default_cache_dir", "guacamol_scores", "library_lead", "read_reference_stats",
           "write_reference_stats", "Component", "GOAL_TASKS", "Objective", "OptimizationResult", "Transform",
           "goal_task", "optimize"]
