"""``refine()``: a local search from the best candidates of a finished search.

Domain-free like the rest of :mod:`spikeopt.run`: an objective, a
:class:`~spikeopt.params.ParameterSpace` and starting points in. The refinement
is an ordinary run (its own store, e.g. a ``refine/`` folder inside the
search's run folder), so :func:`spikeopt.run.resume` continues it exactly, and
its objective may differ from the search's (e.g. a smooth spike loss).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .._version import __version__
from ..errors import InvalidParameterError
from ..optimizers import MaxEvaluations
from ..optimizers.refine import LocalCMAES, PatternSearch
from ..params import ParameterSpace
from .api import DEFAULT_PENALTY
from .callbacks import attach_callbacks
from .executors import make_executor
from .result import Result
from .runner import Runner
from .store import RunStore

__all__ = ["refine", "Refinement", "REFINERS"]

#: method name -> local optimizer (built with ``starts``, ``seed`` and the step)
REFINERS = {"pattern": PatternSearch, "cmaes": LocalCMAES}


@dataclass
class Refinement:
    """What :func:`refine` returns.

    Attributes
    ----------
    result : Result
        The refinement run (its first generation evaluates the starts).
    start_params, start_loss
        The best start under the refinement's objective, and its loss.
    best_params, best_loss
        The best point found (a start if nothing improved).
    """

    result: Result
    start_params: dict
    start_loss: float
    best_params: dict
    best_loss: float

    @property
    def improved(self) -> bool:
        """Whether the refinement lowered the (training) loss."""
        return bool(self.best_loss < self.start_loss)

    @classmethod
    def from_result(cls, result: Result, names: list[str]) -> Refinement:
        h = result.history
        first = h[(h["generation"] == 0) & (h["status"] == "ok")]
        if len(first) == 0:
            start_params, start_loss = {}, float("inf")
        else:
            row = first.loc[first["loss"].idxmin()]
            start_params = {n: (v.item() if hasattr(v, "item") else v)
                            for n, v in row[names].items()}
            start_loss = float(row["loss"])
        return cls(result, start_params, start_loss, dict(result.best_params),
                   float(result.best_loss))


def refine(objective, space, starts, *, method: str = "pattern", evaluations: int = 200,
           step: float = 0.05, seed: int = 0, run_dir=None, executor="serial", callbacks=(),
           penalty: float = DEFAULT_PENALTY, config: dict | None = None,
           kind: str | None = None, overwrite: bool = False) -> Refinement:
    """Refine ``starts`` locally on ``objective`` with at most about ``evaluations``
    evaluations (whole generations run; the starts themselves count).

    Parameters
    ----------
    objective : callable
        As for :func:`spikeopt.optimize` (``objective(params[, seeds=...])``).
    space : ParameterSpace or dict
    starts : dict of (k,) values in the parameters' units, or genes (k, D)
        Starting points, best first (``"cmaes"`` searches around the first).
    method : {"pattern", "cmaes"}
        ``"pattern"``: compass search from every start (:class:`PatternSearch`),
        deterministic; ``"cmaes"``: CMA-ES with a small step around the first
        start (:class:`LocalCMAES`).
    step : float
        Initial step (pattern) or sigma (cmaes) in the unit cube of the genes.
    seed : int
        The run's seed (candidate seeds of a stochastic objective derive from it).
    run_dir : path, optional
        The refinement's own run store; :func:`resume` continues it.

    Examples
    --------
    >>> def sphere(p):
    ...     return (p["x"] - 0.3) ** 2 + (p["y"] + 0.2) ** 2
    >>> ref = refine(sphere, {"x": (-1.0, 1.0), "y": (-1.0, 1.0)},
    ...              {"x": [0.25], "y": [-0.1]}, evaluations=120)
    >>> ref.improved, round(ref.best_params["x"], 2), round(ref.best_params["y"], 2)
    (True, 0.3, -0.2)
    """
    space = space if isinstance(space, ParameterSpace) else ParameterSpace(space)
    if method not in REFINERS:
        raise InvalidParameterError(
            f"The 'method' parameter of refine must be one of {sorted(REFINERS)}. "
            f"Got {method!r} instead.")
    if isinstance(evaluations, bool) or int(evaluations) < 1:
        raise InvalidParameterError(
            f"The 'evaluations' parameter of refine must be >= 1. Got {evaluations!r}.")
    if method == "pattern":
        opt = PatternSearch(space, starts=starts, seed=seed, step=step)
    else:
        opt = LocalCMAES(space, starts=starts, seed=seed, sigma0=step)
    terminator = MaxEvaluations(int(evaluations))
    ex = make_executor(executor)
    store = RunStore.create(run_dir, overwrite=overwrite)
    try:
        store.write_meta(
            {"spikeopt_version": __version__, "created": time.time(),
             "space": space.to_config(), "seed": int(seed), "optimizer": f"refine:{method}",
             "optimizer_options": {"step": float(step)}, "budget": repr(terminator),
             "executor": executor if isinstance(executor, str | dict) else "serial",
             "penalty": float(penalty), "time_limit": None, "chunk_size": None,
             "config": config, "kind": kind},
            {"optimizer": opt, "terminator": terminator},
        )
        runner = Runner(objective, opt, terminator, store, ex, penalty=penalty, seed=int(seed))
        attach_callbacks(runner, callbacks)
        result = runner.run()
    finally:
        if ex is not executor:
            ex.close()
        store.close()
    return Refinement.from_result(result, list(space.names))
