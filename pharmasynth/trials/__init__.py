"""pharmasynth.trials."""
