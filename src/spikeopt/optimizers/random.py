"""Random search: the baseline every optimizer must beat."""

from __future__ import annotations

import numpy as np

from .base import Optimizer

__all__ = ["RandomSearch"]


class RandomSearch(Optimizer):
    """Independent uniform draws in gene coordinates (log genes log-uniform,
    discrete genes uniform over their values). Accepts any number of
    objectives; it keeps no state beyond its generator."""

    name = "random"
    multi_objective = True

    def __init__(self, space, *, seed, popsize: int = 50):
        super().__init__(space, seed=seed, popsize=popsize)

    def _ask(self) -> np.ndarray:
        return self.space.sample(self.popsize, self.rng)

    def _tell(self, X: np.ndarray, F: np.ndarray) -> None:
        pass
