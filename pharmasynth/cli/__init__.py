"""The `pharmasynth` command: the only place in the package that parses arguments or prints."""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
