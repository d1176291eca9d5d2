"""Multitrack: a self-hosted workspace for Track 1.5 and Track 2 dialogue."""

__version__ = "0.1.0"
