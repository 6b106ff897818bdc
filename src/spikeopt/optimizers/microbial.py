"""Harvey's microbial genetic algorithm (Harvey 2009, "The Microbial Genetic
Algorithm"), in generational ask/tell form."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError
from .base import Optimizer

__all__ = ["MicrobialGA"]


class MicrobialGA(Optimizer):
    """Pairwise tournaments; the loser is infected by the winner and mutated.

    Each generation draws ``popsize // 2`` disjoint pairs. In each pair the
    winner (lower loss) overwrites each gene of the loser with probability
    ``infection`` (0.5: uniform crossover), then one random gene of the loser
    mutates: continuous genes by a normal step of ``stdev`` × range, discrete
    (integer / categorical) genes by at least one step. Only the changed
    losers are asked for, so one generation costs ``popsize // 2`` evaluations
    (the first costs ``popsize``).
    """

    name = "microbial"

    def __init__(self, space, *, seed, popsize: int = 50, infection: float = 0.5,
                 stdev: float = 0.1):
        super().__init__(space, seed=seed, popsize=popsize)
        if self.popsize < 2:
            raise InvalidParameterError(
                f"The 'popsize' parameter of MicrobialGA must be >= 2. Got {popsize!r} instead."
            )
        if not 0.0 <= float(infection) <= 1.0:
            raise InvalidParameterError(
                f"The 'infection' parameter of MicrobialGA must be within [0, 1]. "
                f"Got {infection!r} instead."
            )
        if float(stdev) <= 0:
            raise InvalidParameterError(
                f"The 'stdev' parameter of MicrobialGA must be > 0. Got {stdev!r} instead."
            )
        self.infection = float(infection)
        self.stdev = float(stdev)
        self.state = {"X": None, "F": None, "losers": None}

    def _ask(self) -> np.ndarray:
        X, F = self.state["X"], self.state["F"]
        if X is None:
            return self.space.sample(self.popsize, self.rng)
        P, D = X.shape
        order = self.rng.permutation(P)[: 2 * (P // 2)]
        a, b = order[0::2], order[1::2]
        a_wins = F[a] <= F[b]
        win, lose = np.where(a_wins, a, b), np.where(a_wins, b, a)
        infect = self.rng.random((len(lose), D)) < self.infection
        child = np.where(infect, X[win], X[lose])
        gene = self.rng.integers(0, D, size=len(lose))
        rows = np.arange(len(lose))
        span = self.space.upper - self.space.lower
        step = self.rng.normal(0.0, self.stdev, size=len(lose)) * span[gene]
        disc = self.space.discrete[gene]
        step = np.where(disc & (np.abs(step) < 0.5), np.where(step < 0, -1.0, 1.0), step)
        child[rows, gene] = np.clip(
            child[rows, gene] + step, self.space.lower[gene], self.space.upper[gene]
        )
        self.state["losers"] = lose
        return child

    def _tell(self, X: np.ndarray, F: np.ndarray) -> None:
        if self.state["X"] is None:
            self.state = {"X": X.copy(), "F": F.copy(), "losers": None}
            return
        lose = self.state["losers"]
        self.state["X"][lose] = X
        self.state["F"][lose] = F
        self.state["losers"] = None
