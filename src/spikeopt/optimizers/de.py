"""Differential evolution (Storn & Price 1997) in ask/tell form."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError
from .base import Optimizer

__all__ = ["DifferentialEvolution"]

_STRATEGIES = ("rand/1/bin", "best/1/bin", "current-to-best/1/bin")


class DifferentialEvolution(Optimizer):
    """DE with binomial crossover and per-generation dithered scale factor.

    Each generation proposes one trial per member: ``v = base + F·(x_r1 − x_r2)``
    (``base`` is a random member, the best member, or ``x_i + F·(best − x_i)``
    for the three strategies), genes taken from ``v`` with probability ``CR``
    (at least one), genes outside the bounds placed halfway between the base
    and the violated bound. A trial replaces its target if it is no worse.

    Parameters
    ----------
    popsize : int, optional
        Default ``max(20, 10 * D)``.
    F : float or (float, float)
        Scale factor; a pair draws it uniformly per generation (dither).
    CR : float
        Crossover probability per gene.
    strategy : {"rand/1/bin", "best/1/bin", "current-to-best/1/bin"}
    """

    name = "de"

    def __init__(self, space, *, seed, popsize: int | None = None, F=(0.5, 1.0), CR: float = 0.9,
                 strategy: str = "rand/1/bin"):
        super().__init__(space, seed=seed, popsize=10 if popsize is None else popsize)
        if popsize is None:
            self.popsize = max(20, 10 * self.space.dim)
        if self.popsize < 4:
            raise InvalidParameterError(
                f"The 'popsize' parameter of DifferentialEvolution must be >= 4. "
                f"Got {popsize!r} instead."
            )
        lo, hi = (F, F) if np.isscalar(F) else tuple(F)
        if not 0 < float(lo) <= float(hi) <= 2:
            raise InvalidParameterError(
                f"The 'F' parameter of DifferentialEvolution must be in (0, 2] (or a pair "
                f"lo <= hi there). Got {F!r} instead."
            )
        if not 0.0 <= float(CR) <= 1.0:
            raise InvalidParameterError(
                f"The 'CR' parameter of DifferentialEvolution must be within [0, 1]. "
                f"Got {CR!r} instead."
            )
        if strategy not in _STRATEGIES:
            raise InvalidParameterError(
                f"The 'strategy' parameter of DifferentialEvolution must be one of "
                f"{list(_STRATEGIES)}. Got {strategy!r} instead."
            )
        self.F = (float(lo), float(hi))
        self.CR = float(CR)
        self.strategy = strategy
        self.state = {"X": None, "F": None}

    def _ask(self) -> np.ndarray:
        X, Fx = self.state["X"], self.state["F"]
        if X is None:
            return self.space.sample(self.popsize, self.rng)
        P, D = X.shape
        R = self.rng.random((P, P))
        np.fill_diagonal(R, 2.0)
        r = np.argsort(R, axis=1)[:, :3]
        f = self.rng.uniform(*self.F)
        best = X[np.argmin(Fx)]
        if self.strategy == "rand/1/bin":
            base = X[r[:, 2]]
        elif self.strategy == "best/1/bin":
            base = np.broadcast_to(best, X.shape)
        else:
            base = X + f * (best - X)
        V = base + f * (X[r[:, 0]] - X[r[:, 1]])
        take = self.rng.random((P, D)) < self.CR
        take[np.arange(P), self.rng.integers(0, D, size=P)] = True
        T = np.where(take, V, X)
        lo, hi = self.space.lower, self.space.upper
        T = np.where(T < lo, 0.5 * (base + lo), T)
        T = np.where(T > hi, 0.5 * (base + hi), T)
        return T

    def _tell(self, X: np.ndarray, F: np.ndarray) -> None:
        if self.state["X"] is None:
            self.state = {"X": X.copy(), "F": F.copy()}
            return
        better = F <= self.state["F"]
        self.state["X"][better] = X[better]
        self.state["F"][better] = F[better]
