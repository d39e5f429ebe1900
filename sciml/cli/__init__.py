"""Command-line interface (``sciml`` console script)."""
from sciml.cli.main import main

__all__ = ["main"]
