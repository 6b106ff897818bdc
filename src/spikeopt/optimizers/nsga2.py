"""NSGA-II for several objectives, on pymoo's implementation."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError, ShapeError
from .base import Optimizer

__all__ = ["NSGA2"]


def _pymoo_problem(n_var, n_obj, xl, xu):
    from pymoo.core.problem import Problem

    return Problem(n_var=n_var, n_obj=n_obj, xl=xl, xu=xu)


class NSGA2(Optimizer):
    """Non-dominated sorting GA II (Deb et al. 2002) via ``pymoo``.

    ``pymoo``'s ``NSGA2`` (SBX crossover, polynomial mutation, rank and
    crowding survival) runs in ask/tell mode on the gene bounds; its random
    generator is seeded from ours and checkpointed with the algorithm.
    Discrete genes are rounded when asked. Tell losses of shape (P, M); the
    number of objectives is fixed by the first ``tell``.

    Parameters
    ----------
    popsize : int
    eta_crossover, eta_mutation : float
        Distribution indices of SBX and polynomial mutation.
    crossover_rate : float
    """

    name = "nsga2"
    multi_objective = True

    def __init__(self, space, *, seed, popsize: int = 50, eta_crossover: float = 15.0,
                 eta_mutation: float = 20.0, crossover_rate: float = 0.9):
        super().__init__(space, seed=seed, popsize=popsize)
        if self.popsize < 4:
            raise InvalidParameterError(
                f"The 'popsize' parameter of NSGA2 must be >= 4. Got {popsize!r} instead."
            )
        from pymoo.algorithms.moo.nsga2 import NSGA2 as _NSGA2
        from pymoo.core.termination import NoTermination
        from pymoo.operators.crossover.sbx import SBX
        from pymoo.operators.mutation.pm import PM

        algo = _NSGA2(
            pop_size=self.popsize,
            crossover=SBX(eta=float(eta_crossover), prob=float(crossover_rate)),
            mutation=PM(eta=float(eta_mutation)),
            eliminate_duplicates=True,
        )
        problem = _pymoo_problem(self.space.dim, 1, self.space.lower, self.space.upper)
        algo.setup(problem, termination=NoTermination(), seed=int(self.rng.integers(2**31)),
                   verbose=False)
        self.state = {"algo": algo, "pop": None, "n_obj": None}

    def _ask(self) -> np.ndarray:
        pop = self.state["algo"].ask()
        self.state["pop"] = pop
        return np.asarray(pop.get("X"), dtype=np.float64)

    def _tell(self, X: np.ndarray, F: np.ndarray) -> None:
        from pymoo.core.evaluator import Evaluator
        from pymoo.problems.static import StaticProblem

        algo, pop = self.state["algo"], self.state["pop"]
        if self.state["n_obj"] is None:
            self.state["n_obj"] = F.shape[1]
            algo.problem.n_obj = F.shape[1]
        elif F.shape[1] != self.state["n_obj"]:
            raise ShapeError(
                f"NSGA2 was told {self.state['n_obj']} objectives before; got {F.shape[1]}."
            )
        Evaluator().eval(StaticProblem(algo.problem, F=F), pop)
        algo.tell(infills=pop)
        self.state["pop"] = None

    @property
    def front(self) -> tuple[np.ndarray, np.ndarray]:
        """Genes (K, D) and losses (K, M) of the current non-dominated set."""
        opt = self.state["algo"].opt
        if opt is None:
            return np.empty((0, self.space.dim)), np.empty((0, self.state["n_obj"] or 1))
        return self.space.repair(opt.get("X")), np.asarray(opt.get("F"), dtype=np.float64)
