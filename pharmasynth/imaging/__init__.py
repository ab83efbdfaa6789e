"""pharmasynth.imaging: image IO, class-conditional diffusion, rare-class augmentation, image metrics.

    io          reading DICOM / NIfTI / PNG / NPY into [-1, 1] (ImageFolder, ImageManifest)
    diffusion   ConditionalDiffusion (network, noise schedulers, training and sampling)
    loops       training_step and ddim_sample, the two loops of the diffusion model
    classifier  SmallCNN, the downstream classifier and FID feature extractor
    augment     augment_rare_class -> AugmentationResult
    metrics     FID, MS-SSIM diversity, near-copies (image_metrics -> list[MetricResult])
    report      augmentation_report, image_report (evaluation core Reports)
    writers     synthetic images as PNG / NIfTI with their provenance
    shipped     the demo image set built from real scans in installed packages
"""

from .augment import AugmentationResult, augment_rare_class
from .classifier import SmallCNN
from .diffusion import ConditionalDiffusion
from .io import CT_WINDOWS, ImageFolder, ImageManifest, load_image_file, read_slices, scale_intensity
from .loops import ddim_sample, training_step
from .metrics import fid, image_metrics, ms_ssim_pairs, nearest_ssim
from .report import augmentation_report, image_report
from .shipped import build_shipped, simulate_lesion
from .writers import read_nifti_metadata, read_png_metadata, write_nifti, write_png, write_samples

__all__ = ["AugmentationResult", "augment_rare_class", "SmallCNN", "ConditionalDiffusion", "CT_WINDOWS",
           "ImageFolder", "ImageManifest", "load_image_file", "read_slices", "scale_intensity", "ddim_sample",
           "training_step", "fid", "image_metrics", "ms_ssim_pairs", "nearest_ssim", "augmentation_report",
           "image_report", "build_shipped", "simulate_lesion", "read_nifti_metadata", "read_png_metadata",
           "write_nifti", "write_png", "write_samples"]
