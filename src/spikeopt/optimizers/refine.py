"""Local refinement: a batched compass (pattern) search from several starting points.

Used after an evolutionary search (:func:`spikeopt.run.refine`) to polish its best
candidates. The search works in the unit cube of the space's gene coordinates
(:meth:`ParameterSpace.to_unit`), so one step size fits genes of any unit, and
is derivative-free (spike losses are often piecewise constant, where gradients
do not help).
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError, ShapeError
from .base import Optimizer
from .cmaes import CMAES

__all__ = ["LocalCMAES", "PatternSearch"]


class PatternSearch(Optimizer):
    """Compass search (Kolda, Lewis & Torczon 2003) from ``k`` starts at once.

    The first generation evaluates the starts themselves (their losses are the
    "before" of a refinement). Each later generation evaluates, for every start
    still active, the 2 D points ``x ± step · e_d`` (clipped into the cube): the
    start moves to the best of them if it improves on its loss, otherwise its
    step is halved; a start whose step falls below ``min_step`` stops. Fully
    deterministic (the seed is kept only for the interface).

    Parameters
    ----------
    space : ParameterSpace or dict
    starts : array (k, D) of genes, or dict of (k,) values in the parameters' units
        The starting points (e.g. the best candidates of a search).
    step : float
        Initial step in the unit cube (default 0.05: 5 % of each range).
    min_step : float
        Smallest step; below it a start stops (default 1e-3).
    seed : int, Generator or SeedSequence
        Required by the optimizer interface; unused.
    """

    name = "pattern"

    def __init__(self, space, *, starts, seed=0, step: float = 0.05, min_step: float = 1e-3):
        super().__init__(space, seed=seed, popsize=1)
        if not 0 < float(min_step) <= float(step) <= 1:
            raise InvalidParameterError(
                "PatternSearch needs 0 < min_step <= step <= 1 (unit cube). "
                f"Got step={step!r}, min_step={min_step!r}."
            )
        X0 = (self.space.encode(starts) if isinstance(starts, dict)
              else np.atleast_2d(np.asarray(starts, dtype=np.float64)))
        if X0.ndim != 2 or X0.shape[1] != self.space.dim or X0.shape[0] < 1:
            raise ShapeError(
                f"PatternSearch starts must have shape (k, {self.space.dim}). Got {X0.shape}.")
        U0 = np.clip(self.space.to_unit(self.space.repair(X0)), 0.0, 1.0)
        k = U0.shape[0]
        self.popsize = k
        self.min_step = float(min_step)
        self.state = {"U": U0, "F": np.full(k, np.inf), "step": np.full(k, float(step)),
                      "started": False, "asked": None}

    @property
    def stop_reason(self) -> str | None:
        if self.state["started"] and not np.any(self.state["step"] >= self.min_step):
            return f"pattern search: every step below {self.min_step:g}"
        return None

    @property
    def best_loss(self) -> float:
        return float(np.min(self.state["F"]))

    def best(self) -> tuple[np.ndarray, float]:
        """The best point's genes (D,) and its loss."""
        i = int(np.argmin(self.state["F"]))
        return self.space.from_unit(self.state["U"][i]), float(self.state["F"][i])

    def _ask(self) -> np.ndarray:
        U, step = self.state["U"], self.state["step"]
        if not self.state["started"]:
            self.state["asked"] = np.arange(U.shape[0])
            return self.space.from_unit(U)
        D = self.space.dim
        active = np.flatnonzero(step >= self.min_step)
        if active.size == 0:  # the runner stops on stop_reason; ask once more harmlessly
            active = np.array([int(np.argmin(self.state["F"]))])
        eye = np.eye(D)
        pts = [np.clip(U[s] + sign * step[s] * eye, 0.0, 1.0)
               for s in active for sign in (1.0, -1.0)]
        self.state["asked"] = np.repeat(active, 2 * D)
        return self.space.from_unit(np.concatenate(pts))

    def _tell(self, X: np.ndarray, F: np.ndarray) -> None:
        owner = self.state["asked"]
        self.state["asked"] = None
        if not self.state["started"]:
            self.state["F"] = F.astype(np.float64).copy()
            self.state["started"] = True
            return
        U = self.space.to_unit(X)
        for s in np.unique(owner):
            rows = np.flatnonzero(owner == s)
            j = rows[int(np.argmin(F[rows]))]
            if F[j] < self.state["F"][s]:
                self.state["F"][s] = float(F[j])
                self.state["U"][s] = U[j]
            else:
                self.state["step"][s] *= 0.5


class LocalCMAES(CMAES):
    """CMA-ES with a small step around a start: the first generation evaluates the
    ``starts`` (the "before" of a refinement); the search then starts from the first
    of them (the best of a previous search, by convention) with ``sigma0`` in the
    unit cube (default 0.05).
    """

    name = "local_cmaes"

    def __init__(self, space, *, starts, seed, sigma0: float = 0.05, popsize: int | None = None,
                 options=None):
        from ..params import ParameterSpace

        sp = space if isinstance(space, ParameterSpace) else ParameterSpace(space)
        X0 = (sp.encode(starts) if isinstance(starts, dict)
              else np.atleast_2d(np.asarray(starts, dtype=np.float64)))
        if X0.ndim != 2 or X0.shape[1] != sp.dim or X0.shape[0] < 1:
            raise ShapeError(f"LocalCMAES starts must have shape (k, {sp.dim}). Got {X0.shape}.")
        X0 = sp.repair(X0)
        x0 = {k: v[0].item() if hasattr(v[0], "item") else v[0]
              for k, v in sp.decode(X0[:1]).items()}
        super().__init__(sp, seed=seed, popsize=popsize, sigma0=sigma0, x0=x0, options=options)
        self.state["starts"] = X0

    def _ask(self) -> np.ndarray:
        if self.state.get("starts") is not None:
            return self.state["starts"]
        return super()._ask()

    def _tell(self, X: np.ndarray, F: np.ndarray) -> None:
        if self.state.get("starts") is not None:
            self.state["starts"] = None
            self.state["best"] = min(self.state["best"], float(F.min()))
            return
        super()._tell(X, F)
