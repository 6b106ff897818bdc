"""The optimizer interface: ask/tell on a :class:`~spikeopt.params.ParameterSpace`.

An optimizer proposes a population as a gene matrix ``X`` of shape (P, D)
(:meth:`Optimizer.ask`), and learns from its losses ``F`` of shape (P,) or
(P, M), lower is better (:meth:`Optimizer.tell`). ``ask`` always returns
feasible genes: within ``space.lower``/``space.upper``, discrete genes rounded.

Every optimizer holds one :class:`numpy.random.Generator` derived from its
``seed``; :meth:`Optimizer.state_dict` captures it with the rest of the state,
so ``load_state_dict`` on a freshly built optimizer of the same configuration
continues bit-identically. The runner checkpoints the state between ``tell``
and the next ``ask``.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from .._rng import check_rng
from ..errors import InvalidParameterError, ShapeError
from ..params import ParameterSpace

__all__ = ["Optimizer", "as_losses"]


def as_losses(F, n: int, *, multi_objective: bool) -> np.ndarray:
    """Check losses of ``n`` candidates; return (n,) for single-objective
    optimizers (a (n, M) matrix is summed over objectives) or (n, M)."""
    F = np.asarray(F, dtype=np.float64)
    if F.ndim == 1:
        F = F[:, None]
    if F.ndim != 2 or F.shape[0] != n:
        raise ShapeError(f"Losses must have shape ({n},) or ({n}, M). Got shape {F.shape}.")
    if not np.all(np.isfinite(F)):
        raise InvalidParameterError(
            "Losses told to an optimizer must be finite (the runner replaces NaN/inf by a "
            "penalty). Got non-finite values."
        )
    return F if multi_objective else F.sum(axis=1)


class Optimizer:
    """Base class: a state plus ``ask()``/``tell()``.

    Subclasses set ``self.state`` (a dict of numpy arrays and plain values)
    and implement :meth:`_ask` and :meth:`_tell`; the base class handles the
    generator, the pending population and the state round-trip.

    Parameters
    ----------
    space : ParameterSpace or dict
        The genes to search.
    seed : int, Generator or SeedSequence
        The one source of randomness (``None`` is refused).
    popsize : int
        Candidates per ``ask``.
    """

    name = "optimizer"
    multi_objective = False

    def __init__(self, space, *, seed, popsize: int):
        self.space = space if isinstance(space, ParameterSpace) else ParameterSpace(space)
        self.rng = check_rng(seed)
        if int(popsize) < 1:
            raise InvalidParameterError(
                f"The 'popsize' parameter of {type(self).__name__} must be >= 1. "
                f"Got {popsize!r} instead."
            )
        self.popsize = int(popsize)
        self.generation = 0
        self.state: dict[str, Any] = {}
        self._pending: np.ndarray | None = None

    # -- public interface --------------------------------------------------
    def ask(self) -> np.ndarray:
        """Propose the next population, a feasible gene matrix (P, D)."""
        if self._pending is not None:
            return self._pending.copy()
        X = self.space.repair(self._ask())
        self._pending = X
        return X.copy()

    def tell(self, X, F) -> None:
        """Learn the losses ``F`` ((P,) or (P, M)) of the population ``X``
        returned by the last :meth:`ask`."""
        if self._pending is None:
            raise InvalidParameterError(f"{type(self).__name__}.tell() called before ask().")
        X = np.asarray(X, dtype=np.float64)
        if X.shape != self._pending.shape or not np.array_equal(X, self._pending):
            raise InvalidParameterError(
                f"{type(self).__name__}.tell() must receive the population returned by the "
                f"last ask() (shape {self._pending.shape}). Got shape {X.shape}."
            )
        F = as_losses(F, X.shape[0], multi_objective=self.multi_objective)
        self._tell(X, F)
        self._pending = None
        self.generation += 1

    def state_dict(self) -> dict[str, Any]:
        """A deep copy of everything that changes during a run (picklable)."""
        return {
            "generation": self.generation,
            "rng": copy.deepcopy(self.rng.bit_generator.state),
            "pending": None if self._pending is None else self._pending.copy(),
            "state": copy.deepcopy(self.state),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict` taken from an optimizer of the same
        configuration."""
        missing = {"generation", "rng", "pending", "state"} - set(state)
        if missing:
            raise InvalidParameterError(
                f"Not a {type(self).__name__} state dict: missing key(s) {sorted(missing)}."
            )
        self.generation = int(state["generation"])
        self.rng.bit_generator.state = copy.deepcopy(state["rng"])
        p = state["pending"]
        self._pending = None if p is None else np.array(p, dtype=np.float64)
        self.state = copy.deepcopy(state["state"])

    @property
    def best_loss(self) -> float:
        """The lowest loss in the population kept in ``state["F"]`` (inf
        before the first ``tell``; optimizers without one override this)."""
        F = self.state.get("F")
        return float("inf") if F is None else float(np.min(F))

    # -- helpers for subclasses ---------------------------------------------
    def _ask(self) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _tell(self, X: np.ndarray, F: np.ndarray) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.space.dim}, popsize={self.popsize})"
