"""Session-wide test settings."""

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _reference_stats_cache(tmp_path_factory):
    """Cached reference statistics of `score_library` go to a temporary folder, never to ~/.cache."""
    os.environ.setdefault("PHARMASYNTH_REFSTATS_DIR", str(tmp_path_factory.mktemp("refstats")))
    yield
