"""Ask/tell optimizers on a :class:`~spikeopt.params.ParameterSpace`, their
operators, and terminators. Optimizers import only :mod:`spikeopt.params`;
the runner (:mod:`spikeopt.run`) drives them.

Registry names for :func:`make_optimizer` and ``spikeopt.optimize``:
``"ga"``, ``"microbial"``, ``"cmaes"``, ``"de"``, ``"nsga2"``, ``"random"``.
"""

from __future__ import annotations

from ..errors import UnknownNameError
from . import operators, terminators
from .base import Optimizer
from .cmaes import CMAES
from .de import DifferentialEvolution
from .ga import GeneticAlgorithm
from .microbial import MicrobialGA
from .nsga2 import NSGA2
from .random import RandomSearch
from .terminators import (
    AllOf,
    AnyOf,
    MaxEvaluations,
    MaxGenerations,
    RunStatus,
    Stagnation,
    TargetLoss,
    Terminator,
    Usage,
    WallTime,
    as_terminator,
)

OPTIMIZERS: dict[str, type[Optimizer]] = {
    "ga": GeneticAlgorithm,
    "microbial": MicrobialGA,
    "cmaes": CMAES,
    "de": DifferentialEvolution,
    "nsga2": NSGA2,
    "random": RandomSearch,
}


def make_optimizer(name: str, space, *, seed, **options) -> Optimizer:
    """Build a registered optimizer by name, e.g. ``make_optimizer("de", space, seed=1)``."""
    try:
        cls = OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise UnknownNameError(
            f"Unknown optimizer {name!r}; choose one of {sorted(OPTIMIZERS)} or pass an "
            "optimizer object."
        ) from None
    return cls(space, seed=seed, **options)


__all__ = [
    "AllOf",
    "AnyOf",
    "CMAES",
    "DifferentialEvolution",
    "GeneticAlgorithm",
    "MaxEvaluations",
    "MaxGenerations",
    "MicrobialGA",
    "NSGA2",
    "OPTIMIZERS",
    "Optimizer",
    "RandomSearch",
    "RunStatus",
    "Stagnation",
    "TargetLoss",
    "Terminator",
    "Usage",
    "WallTime",
    "as_terminator",
    "make_optimizer",
    "operators",
    "terminators",
]
