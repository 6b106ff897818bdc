"""CMA-ES on the ``cma`` library (Hansen), with bounds and optional IPOP restarts."""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidParameterError
from .base import Optimizer

__all__ = ["CMAES"]


class _Randn:
    """The ``randn`` option of ``cma``: draws from our generator, never from the
    global ``np.random`` (picklable, so the strategy object checkpoints)."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def __call__(self, *shape):
        return self.rng.standard_normal(shape)


class CMAES(Optimizer):
    """Covariance matrix adaptation evolution strategy (``cma.CMAEvolutionStrategy``).

    The search runs in the unit cube ``[0, 1]^D`` (see
    :meth:`ParameterSpace.to_unit`) with ``cma``'s bound handling, so one
    ``sigma0`` fits genes of any unit; discrete genes are rounded when asked.

    Parameters
    ----------
    popsize : int, optional
        ``cma``'s default ``4 + 3 ln D`` when None.
    sigma0 : float
        Initial step size in the unit cube.
    x0 : dict or None
        Initial mean as parameter values; a random point when None.
    restarts : int
        IPOP restarts: when ``cma`` reports convergence, start again from a
        random point with ``incpopsize`` times the population, at most
        ``restarts`` times. After the last, :attr:`stop_reason` is set.
    options : dict
        Extra ``cma`` options (``CMA_diagonal``, ``tolfun``, ...).
    """

    name = "cmaes"

    def __init__(self, space, *, seed, popsize: int | None = None, sigma0: float = 0.3,
                 x0=None, restarts: int = 0, incpopsize: float = 2.0, options=None):
        super().__init__(space, seed=seed, popsize=1 if popsize is None else popsize)
        D = self.space.dim
        self.popsize = int(popsize) if popsize is not None else 4 + int(3 * math.log(D))
        if not 0 < float(sigma0) <= 1:
            raise InvalidParameterError(
                f"The 'sigma0' parameter of CMAES must be within (0, 1] (unit cube). "
                f"Got {sigma0!r} instead."
            )
        if int(restarts) < 0 or float(incpopsize) < 1:
            raise InvalidParameterError(
                f"CMAES needs restarts >= 0 and incpopsize >= 1. Got restarts={restarts!r}, "
                f"incpopsize={incpopsize!r}."
            )
        self.sigma0 = float(sigma0)
        self.restarts = int(restarts)
        self.incpopsize = float(incpopsize)
        self.options = dict(options or {})
        if x0 is None:
            u0 = self.rng.random(D)
        else:
            u0 = self.space.to_unit(self.space.encode({k: [v] for k, v in x0.items()}))[0]
        self.state = {"es": self._new_es(u0, self.popsize), "restart": 0, "stop": None,
                      "asked": None, "best": float("inf")}

    def _new_es(self, u0: np.ndarray, popsize: int):
        opts = {
            "bounds": [0.0, 1.0],
            "popsize": int(popsize),
            "seed": float("nan"),
            "randn": _Randn(np.random.default_rng(self.rng.integers(2**63))),
            "verbose": -9,
            "verb_disp": 0,
            "verb_log": 0,
            "verb_filenameprefix": "",
        }
        if self.space.dim == 1:
            # pycma caps the step size at 1/3 of the bound range through a per-coordinate
            # scaling that it never initialises in one dimension (ValueError "not yet
            # initialized" once the cap is hit, e.g. on a flat landscape); the bounds
            # and the repair keep a 1-D search in the box anyway
            opts["maxstd"] = float("inf")
        opts.update(self.options)
        import cma  # a core dependency, imported late to keep `import spikeopt` light

        return cma.CMAEvolutionStrategy(np.asarray(u0, dtype=float), self.sigma0, opts)

    @property
    def stop_reason(self) -> str | None:
        return self.state["stop"]

    @property
    def best_loss(self) -> float:
        """The lowest loss told so far, over all restarts."""
        return self.state["best"]

    def _ask(self) -> np.ndarray:
        U = np.asarray(self.state["es"].ask(), dtype=np.float64)
        self.state["asked"] = U
        return self.space.from_unit(U)

    def _tell(self, X: np.ndarray, F: np.ndarray) -> None:
        es = self.state["es"]
        es.tell(list(self.state["asked"]), F.tolist())
        self.state["asked"] = None
        self.state["best"] = min(self.state["best"], float(F.min()))
        stop = {k: v for k, v in es.stop().items() if k not in ("maxfevals", "maxiter")}
        if stop and self.state["stop"] is None:
            if self.state["restart"] < self.restarts:
                self.state["restart"] += 1
                n = int(round(es.popsize * self.incpopsize))
                self.state["es"] = self._new_es(self.rng.random(self.space.dim), n)
            else:
                self.state["stop"] = "cma: " + ", ".join(sorted(stop))
