"""pharmasynth.molgen."""
