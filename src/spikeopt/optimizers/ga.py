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
    make_operator,
)

__all__ = ["GeneticAlgorithm"]


INITS = ("uniform", "corners")


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
        candidates drawn by ``init``.
    num_offspring : int, optional
        Candidates per later ``ask`` (default ``popsize``).
    selection, crossover, mutation, replacement : operator, name or mapping
        See :mod:`spikeopt.optimizers.operators`. Each may be an operator
        object, a registry name (``"rank"``) or a config mapping
        (``{"name": "rank", "pressure": 1.5}``); see
        :func:`~spikeopt.optimizers.operators.make_operator`.
    init : {"uniform", "corners"}
        The first population: uniform in the box (discrete genes uniform over
        their values), or each gene drawn from {low, high} (SpikeNetOpt.jl's
        ``initd``: the corners of the box).

    Notes
    -----
    Two faithful recipes (../shared REFERENCE_PROBLEMS.md), as config options
    of ``optimizer: ga``:

    NetPyNE ``tut_optimization`` (inspyred): popsize 10, tournament of 2,
    uniform crossover (rate 1.0, bias 0.5), Gaussian mutation of rate 0.2 and
    stdev 1.0 in gene units, generational replacement with 1 elite, stopped
    after 50 evaluations::

        popsize: 10
        selection: {name: tournament, size: 2}
        crossover: {name: uniform, rate: 1.0, bias: 0.5}
        mutation: {name: gaussian, rate: 0.2, stdev: 1.0, absolute: true}
        replacement: {name: generational, num_elites: 1}
        # budget / MaxEvaluations(50)

    SpikeNetOpt.jl (Evolutionary.jl): popsize 10 with 4 elites, linear ranking
    with selective pressure 1.5, intermediate crossover d = 0.5 at rate 0.8,
    uniform mutation ±0.5 of every gene at a per-individual rate 0.5, the first
    population on the corners of the box, 50 generations::

        popsize: 10
        init: corners
        selection: {name: rank, pressure: 1.5}
        crossover: {name: intermediate, d: 0.5, rate: 0.8, clip: false}
        mutation: {name: uniform, width: 0.5, rate: 0.5, absolute: true}
        replacement: {name: generational, num_elites: 4}
        # MaxGenerations(50)

    Evolutionary.jl clips children only after mutating them, hence ``clip:
    false``; its genes are in [0, 1], where ``absolute`` makes no difference.
    Its elitism differs between versions (0.10–0.11.1, SpikeNetOpt's time: 6
    children + copies of the 4 best, which 0.11 also mutates, all 10
    re-evaluated; since 2023: 10 children + 4 elites, 14 evaluations); here
    the 4 best parents compete with the 10 children and keep their loss.

    Examples
    --------
    >>> import numpy as np
    >>> ga = GeneticAlgorithm({"x": (-1.0, 1.0), "y": (-1.0, 1.0)}, seed=1, popsize=20)
    >>> for _ in range(30):
    ...     X = ga.ask()
    ...     ga.tell(X, (X**2).sum(axis=1))
    >>> bool(ga.best_loss < 1e-2)
    True
    >>> ga = GeneticAlgorithm({"x": (0.0, 1.0)}, seed=1, popsize=4, init="corners",
    ...                       selection={"name": "rank", "pressure": 1.5})
    >>> sorted(set(ga.ask().ravel().tolist()))
    [0.0, 1.0]
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
        init: str = "uniform",
    ):
        super().__init__(space, seed=seed, popsize=popsize)
        self.num_offspring = self.popsize if num_offspring is None else int(num_offspring)
        if self.num_offspring < 1:
            raise InvalidParameterError(
                "The 'num_offspring' parameter of GeneticAlgorithm must be >= 1. "
                f"Got {num_offspring!r} instead."
            )
        if init not in INITS:
            raise InvalidParameterError(
                f"The 'init' parameter of GeneticAlgorithm must be one of {list(INITS)}. "
                f"Got {init!r} instead."
            )
        self.init = init
        self.selection = make_operator("selection", selection) or TournamentSelection(2)
        self.crossover = make_operator("crossover", crossover) or UniformCrossover()
        self.mutation = make_operator("mutation", mutation) or GaussianMutation(rate=0.2)
        self.replacement = make_operator("replacement", replacement) or GenerationalReplacement(
            num_elites=1
        )
        self.state = {"X": None, "F": None}

    def _initial(self) -> np.ndarray:
        if self.init == "corners":
            high = self.rng.integers(0, 2, (self.popsize, self.space.dim)).astype(bool)
            return np.where(high, self.space.upper, self.space.lower)
        return self.space.sample(self.popsize, self.rng)

    def _ask(self) -> np.ndarray:
        X, F = self.state["X"], self.state["F"]
        if X is None:
            return self._initial()
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
