"""pharmasynth.imaging: image IO, class-conditional diffusion, rare-class augmentation."""

from .augment import AugmentationResult, augment_rare_class
from .classifier import SmallCNN
from .io import CT_WINDOWS, ImageFolder, ImageManifest, load_image_file, read_slices, scale_intensity
from .metrics import fid, image_metrics, ms_ssim_pairs, nearest_ssim
from .shipped import build_shipped, simulate_lesion

__all__ = ["AugmentationResult", "augment_rare_class", "SmallCNN", "CT_WINDOWS", "ImageFolder", "ImageManifest",
           "load_image_file", "read_slices", "scale_intensity", "fid", "image_metrics", "ms_ssim_pairs",
           "nearest_ssim", "build_shipped", "simulate_lesion"]

# --- diffusion model (H4b) ---
from .diffusion import ConditionalDiffusion, ddim_sample, training_step
from .writers import read_nifti_metadata, read_png_metadata, write_nifti, write_png, write_samples

__all__ += ["ConditionalDiffusion", "ddim_sample", "training_step", "read_nifti_metadata", "read_png_metadata",
            "write_nifti", "write_png", "write_samples"]
