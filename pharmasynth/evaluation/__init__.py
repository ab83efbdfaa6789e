"""pharmasynth.evaluation."""
