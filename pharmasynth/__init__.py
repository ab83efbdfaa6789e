"""pharmasynth: synthetic data for pharma AI, with evidence that it is useful, faithful, valid and private.

Subpackages
-----------
evaluation  the shared core: fidelity, utility, privacy and validity metrics in one report
tabular     synthetic tables: Gaussian copula and tabular VAE, with conditions and validity rules
molgen      SMILES VAE, latent diffusion, drug-likeness filters, MOSES-grade library scoring
imaging     MONAI class-conditional diffusion for MRI/CT and rare-class augmentation
trials      digital twins, synthetic control arms, PROCOVA and trial simulation

The command line is `pharmasynth.cli`, the demos `pharmasynth.demos`, the shipped data `pharmasynth.datasets`.
"""

__version__ = "0.1.0"
