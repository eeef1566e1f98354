"""The ``taura`` command line (entry point: :func:`main`)."""

from taura_desktop.cli.main import main

__all__ = ["main"]
