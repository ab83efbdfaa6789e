"""pharmasynth: synthetic data for pharma AI, with evidence that it is useful, faithful, valid and private.

Subpackages
-----------
evaluation  the shared core: fidelity, utility, privacy and validity metrics in one report
molgen      SMILES VAE, latent diffusion, drug-likeness filters, MOSES-grade library scoring
imaging     MONAI class-conditional diffusion for MRI/CT and rare-class augmentation
trials      digital twins, synthetic control arms, PROCOVA and trial simulation
"""

__version__ = "0.1.0"
