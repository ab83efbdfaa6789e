"""pharmasynth.imaging: image IO, class-conditional diffusion, rare-class augmentation, image metrics.

    readers     one file -> 2-D slices, exactly (DICOM, NIfTI, 16-bit PNG, NPY), modality guess
    datasets    ImageFolder / ImageManifest (class folders, sidecars ignored, each image once)
    io          intensity scaling and windows, loading one image file into [-1, 1]
    unet        the U-Net, noise schedule and the defaults tuned per image size
    samplers    DDPM and DDIM (eta) sampling loops with classifier-free guidance, the intensity check
    sampler_defaults  the sampler names and defaults (no imports: the CLI's --help reads them without torch)
    diffusion   ConditionalDiffusion (network + schedule + training; sampling in diffusion_sampling)
    loops       training_step and ddim_sample, the two loops of the diffusion model
    classifier  SmallCNN, the downstream classifier and FID feature extractor
    augment     augment_rare_class -> AugmentationResult (arms, per-seed results, bootstrap CIs)
    oracle      the comparators: shipped lesion simulator (oracle), classic augmentation
    fidelity    class fidelity judged by fixed real-only models (FID vs real floor, placement)
    judge       the fixed real-only judge (train_judge), its held-out sensitivity/specificity (judge_accuracy)
    metrics     FID, MS-SSIM diversity, near-copies (image_metrics -> list[MetricResult])
    report      augmentation_report, image_report (evaluation core Reports, each with its lead)
    writers     synthetic images as PNG / NIfTI / DICOM with their provenance
    shipped     the demo image set built from real MR volumes in nibabel, dipy and nilearn
    pretrained  shipped generator weights (shipped32)
"""

from .augment import AugmentationResult, FewSeedsWarning, NothingKeptWarning, augment_rare_class
from .classifier import SmallCNN
from .datasets import ImageFolder, ImageManifest
from .diffusion import ConditionalDiffusion
from .fidelity import class_fidelity, reference_classifier
from .io import CT_WINDOWS, load_image_file, read_image_file, scale_intensity
from .judge import Judge, judge_accuracy, paired_simulator_lesions, train_judge
from .loops import ddim_sample, training_step
from .metrics import fid, image_metrics, ms_ssim_pairs, nearest_ssim
from .oracle import classic_augment, shipped_oracle
from .pretrained import PRETRAINED, pretrained_path
from .readers import read_slices
from .report import augmentation_report, image_report
from .samplers import (DEFAULT_ETA, DEFAULT_SAMPLE_STEPS, DEFAULT_SAMPLER, SAMPLERS, SampleIntensityWarning,
                       sample_loop)
from .shipped import build_shipped, draw_lesions, shipped_sources, simulate_lesion, write_shipped
from .unet import tuned_settings
from .writers import (read_dicom_metadata, read_nifti_metadata, read_png_metadata, write_dicom, write_nifti,
                      write_png, write_samples)

__all__ = ["AugmentationResult", "augment_rare_class", "SmallCNN", "ConditionalDiffusion", "CT_WINDOWS",
           "ImageFolder", "ImageManifest", "load_image_file", "read_slices", "scale_intensity", "ddim_sample",
           "training_step", "fid", "image_metrics", "ms_ssim_pairs", "nearest_ssim", "augmentation_report",
           "image_report", "build_shipped", "simulate_lesion", "read_nifti_metadata", "read_png_metadata",
           "write_nifti", "write_png", "write_samples",
           "read_image_file", "draw_lesions", "shipped_sources", "write_shipped", "read_dicom_metadata",
           "write_dicom", "SAMPLERS", "DEFAULT_SAMPLER", "DEFAULT_ETA", "DEFAULT_SAMPLE_STEPS",
           "SampleIntensityWarning", "sample_loop", "tuned_settings", "NothingKeptWarning", "FewSeedsWarning",
           "shipped_oracle", "classic_augment", "class_fidelity", "reference_classifier", "pretrained_path",
           "PRETRAINED", "Judge", "train_judge", "judge_accuracy", "paired_simulator_lesions"]
