"""A genetic algorithm composed of injected operators (one loop, small parts)."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError
from .base import Optimizer
from .operators import (
    GaussianMutation,
    GenerationalReplacement,
    TournamentSelection,
    UniformCrossover,
)

__all__ = ["GeneticAlgorithm"]


class GeneticAlgorithm(Optimizer):
    """Generational or steady-state GA: select → crossover → mutate → replace.

    The defaults reproduce the inspyred recipe of the NetPyNE tutorial:
    tournament selection (size 2), uniform crossover, Gaussian mutation with
    rate 0.2 (step 0.1 × the gene range; inspyred's step is absolute),
    generational replacement with 1 elite.

    Parameters
    ----------
    space : ParameterSpace or dict
    seed : int, Generator or SeedSequence
    popsize : int
        Parents kept per generation; the first ``ask`` returns ``popsize``
        random candidates.
    num_offspring : int, optional
        Candidates per later ``ask`` (default ``popsize``).
    selection, crossover, mutation, replacement : operators
        See :mod:`spikeopt.optimizers.operators`.

    Examples
    --------
    >>> import numpy as np
    >>> ga = GeneticAlgorithm({"x": (-1.0, 1.0), "y": (-1.0, 1.0)}, seed=1, popsize=20)
    >>> for _ in range(30):
    ...     X = ga.ask()
    ...     ga.tell(X, (X**2).sum(axis=1))
    >>> bool(ga.best_loss < 1e-2)
    True
    """

    name = "ga"

    def __init__(
        self,
        space,
        *,
        seed,
        popsize: int = 50,
        num_offspring: int | None = None,
        selection=None,
        crossover=None,
        mutation=None,
        replacement=None,
    ):
        super().__init__(space, seed=seed, popsize=popsize)
        self.num_offspring = self.popsize if num_offspring is None else int(num_offspring)
        if self.num_offspring < 1:
            raise InvalidParameterError(
                "The 'num_offspring' parameter of GeneticAlgorithm must be >= 1. "
                f"Got {num_offspring!r} instead."
            )
        self.selection = selection or TournamentSelection(2)
        self.crossover = crossover or UniformCrossover()
        self.mutation = mutation or GaussianMutation(rate=0.2)
        self.replacement = replacement or GenerationalReplacement(num_elites=1)
        self.state = {"X": None, "F": None}

    def _ask(self) -> np.ndarray:
        X, F = self.state["X"], self.state["F"]
        if X is None:
            return self.space.sample(self.popsize, self.rng)
        n = self.num_offspring + (self.num_offspring % 2)
        idx = self.selection(F, n, self.rng)
        A, B = X[idx[0::2]], X[idx[1::2]]
        C1, C2 = self.crossover(A, B, self.space, self.rng)
        children = np.empty((n, X.shape[1]))
        children[0::2], children[1::2] = C1, C2
        children = self.mutation(children, self.space, self.rng)
        return children[: self.num_offspring]

    def _tell(self, X: np.ndarray, F: np.ndarray) -> None:
        if self.state["X"] is None:
            order = np.argsort(F, kind="stable")
            self.state = {"X": X[order], "F": F[order]}
            return
        Xn, Fn = self.replacement(self.state["X"], self.state["F"], X, F)
        self.state = {"X": Xn, "F": Fn}
