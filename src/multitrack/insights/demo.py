"""The demo's best-practice data lives with the data conveners enter: ``practice.demo``."""

from multitrack.practice.demo import load_practice_demo

__all__ = ["load_practice_demo"]
