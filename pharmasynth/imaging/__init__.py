"""pharmasynth.imaging."""
