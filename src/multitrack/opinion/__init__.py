"""Multitrack's opinion engine: a Pol.is-compatible consultation map on NumPy and SciPy.

Framework-free by contract: nothing here imports Django or another Multitrack app.
"""

from multitrack.opinion.clustering import KSmoother
from multitrack.opinion.matrix import AGREE, DISAGREE, PASS, VoteMatrix
from multitrack.opinion.model import ENGINE_VERSION, FitState, OpinionMap
from multitrack.opinion.statements import Representative

__all__ = [
    "AGREE",
    "DISAGREE",
    "ENGINE_VERSION",
    "PASS",
    "FitState",
    "KSmoother",
    "OpinionMap",
    "Representative",
    "VoteMatrix",
]
