"""``optimize()`` and ``resume()``: build the parts, hand them to a :class:`Runner`."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from .._version import __version__
from ..errors import ConfigError, InvalidParameterError, UnknownNameError
from ..optimizers import Optimizer, as_terminator, make_optimizer
from ..params import ParameterSpace
from .callbacks import attach_callbacks
from .executors import Executor, make_executor
from .result import Result
from .runner import Runner
from .store import RunStore

__all__ = ["optimize", "resume", "register_objective_factory", "DEFAULT_PENALTY"]

DEFAULT_PENALTY = 1e9

_FACTORIES: dict[str, Callable[[dict], Callable]] = {}


def register_objective_factory(kind: str, factory: Callable[[dict], Callable]) -> None:
    """Let :func:`resume` rebuild objectives of runs stored with ``kind``:
    ``factory(config) -> objective`` receives the ``config`` dict given to
    :func:`optimize`."""
    _FACTORIES[str(kind)] = factory


def _jsonable(x):
    try:
        json.dumps(x)
        return x
    except (TypeError, ValueError):
        return repr(x)


def _executor_spec(spec):
    """What resume() rebuilds the executor from: the name or config dict, or
    an object's registry name (its options are not kept)."""
    if spec is None or isinstance(spec, str | dict):
        return _jsonable(spec or "serial")
    return getattr(spec, "name", None) or "serial"


def optimize(
    objective: Callable,
    space,
    *,
    optimizer: str | Optimizer = "ga",
    budget=1000,
    seed: int | None = None,
    executor: str | Executor | None = "serial",
    run_dir=None,
    callbacks=(),
    optimizer_options: dict | None = None,
    penalty: float = DEFAULT_PENALTY,
    time_limit: float | None = None,
    chunk_size: int | None = None,
    config: dict | None = None,
    kind: str | None = None,
    n_objectives: int | None = None,
    overwrite: bool = False,
) -> Result:
    """Minimise ``objective`` over ``space``.

    Parameters
    ----------
    objective : callable
        ``objective(params) -> losses``: ``params`` maps each parameter name
        to a (P,) array (values in the parameters' units); losses are (P,) or
        (P, M), lower is better. The whole population (or one chunk per
        worker) goes in one call. With the ``processes``/``dask`` executors it
        must be picklable.
    space : ParameterSpace or dict
    optimizer : str or Optimizer
        ``"ga"``, ``"microbial"``, ``"cmaes"``, ``"de"``, ``"nsga2"``,
        ``"random"`` (built with ``seed`` and ``optimizer_options``), or an
        optimizer object (which carries its own seed; leave ``seed`` None).
        Single-objective optimizers minimise the sum of the M losses.
    budget : int, dict or Terminator
        An evaluation count, terminators such as
        ``MaxEvaluations(5000) | TargetLoss(1e-3)``, or a dict such as
        ``{"evaluations": 5000, "target_loss": 1e-3}``. Whole generations run:
        the run stops after the generation that reaches the budget.
    seed : int
        Required with an optimizer name. Objectives that take per-candidate seeds
        (``objective(params, seeds=...)``, e.g. a stochastic network problem) get
        ``SeedSequence(seed, spawn_key=(1, generation, i))`` for candidate i, so
        that results never depend on chunking or the executor.
    executor : "serial", "processes", "dask", a dict or an Executor
        e.g. ``{"name": "dask", "address": "tcp://host:8786"}``.
    run_dir : path, optional
        Where the SQLite run store lives (``history.sqlite``); in memory when None.
    callbacks : sequence
        Objects with ``attach(runner)`` (``ProgressBar``, ``StatsLogger``,
        ``BestPrinter``) or functions called with each ``GenerationInfo``.
    penalty : float
        Loss given to every objective of a candidate that failed (exception,
        NaN, inf, timeout, lost worker); the reason is recorded.
    time_limit : float, optional
        Seconds per candidate (a chunk of n candidates gets n × that).
    chunk_size : int, optional
        Candidates per objective call; default: the population split evenly
        over the executor's workers.
    config, kind : optional
        The caller's own JSON-able description and its kind, stored so that
        :func:`resume` can rebuild the objective (see
        :func:`register_objective_factory`).
    n_objectives : int, optional
        The number M of losses per candidate; inferred from the first
        successful evaluation when None (if the whole first generation fails,
        it is taken to be 1).
    overwrite : bool
        Replace an existing run in ``run_dir``.

    Returns
    -------
    Result

    Examples
    --------
    >>> import numpy as np
    >>> def sphere(p):
    ...     return (p["x"] - 0.3) ** 2 + (p["y"] + 0.2) ** 2
    >>> res = optimize(sphere, {"x": (-1.0, 1.0), "y": (-1.0, 1.0)}, optimizer="cmaes",
    ...                budget=400, seed=1)
    >>> round(res.best_params["x"], 3), round(res.best_params["y"], 3)
    (0.3, -0.2)
    """
    space = space if isinstance(space, ParameterSpace) else ParameterSpace(space)
    if isinstance(penalty, bool) or not isinstance(penalty, int | float) or penalty != penalty \
            or abs(penalty) == float("inf"):
        raise InvalidParameterError(
            f"The 'penalty' parameter must be a finite number. Got {penalty!r} instead."
        )
    if isinstance(optimizer, str):
        opt = make_optimizer(optimizer, space, seed=seed, **(optimizer_options or {}))
        opt_name = optimizer
    elif isinstance(optimizer, Optimizer):
        if seed is not None or optimizer_options:
            raise InvalidParameterError(
                "Pass 'seed' and options to the optimizer object itself, not to optimize(), "
                f"when optimizer is an object. Got seed={seed!r}, "
                f"optimizer_options={optimizer_options!r}."
            )
        if optimizer.space.names != space.names:
            raise InvalidParameterError(
                f"The optimizer searches {list(optimizer.space.names)} but space has "
                f"{list(space.names)}."
            )
        opt, opt_name = optimizer, f"{type(optimizer).__module__}.{type(optimizer).__qualname__}"
    else:
        raise InvalidParameterError(
            f"The 'optimizer' must be a name or an Optimizer object. Got {optimizer!r} instead."
        )
    if n_objectives is not None and (isinstance(n_objectives, bool) or int(n_objectives) < 1):
        raise InvalidParameterError(
            f"The 'n_objectives' parameter must be an integer >= 1. Got {n_objectives!r}."
        )
    terminator = as_terminator(budget)
    if config is not None:
        try:
            json.dumps(config)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"The 'config' must be JSON-serialisable: {exc}") from None
    ex = make_executor(executor)
    store = RunStore.create(run_dir, overwrite=overwrite)
    try:
        store.write_meta(
            {
                "spikeopt_version": __version__,
                "created": time.time(),
                "space": space.to_config(),
                "seed": seed,
                "optimizer": opt_name,
                "optimizer_options": _jsonable(optimizer_options or {}),
                "budget": repr(terminator),
                "executor": _executor_spec(executor),
                "penalty": float(penalty),
                "time_limit": time_limit,
                "chunk_size": chunk_size,
                "config": config,
                "kind": kind,
                **({} if n_objectives is None else {"n_objectives": int(n_objectives)}),
            },
            {"optimizer": opt, "terminator": terminator},
        )
        runner = Runner(objective, opt, terminator, store, ex, penalty=penalty,
                        time_limit=time_limit, chunk_size=chunk_size, seed=seed)
        attach_callbacks(runner, callbacks)
        return runner.run()
    finally:
        if ex is not executor:
            ex.close()
        store.close()


def resume(
    run_dir,
    objective: Callable | None = None,
    *,
    objective_factory: Callable[[dict], Callable] | None = None,
    budget=None,
    executor: str | Executor | None = None,
    callbacks=(),
) -> Result:
    """Continue the run stored in ``run_dir`` from its last whole generation.

    With the same objective the continued run is identical to an
    uninterrupted one. ``objective`` is needed for runs made from Python
    code; otherwise ``objective_factory(config)``, or the factory registered
    for the stored ``kind``, rebuilds it. ``budget`` (total evaluations or a
    terminator) replaces the stored one, so a finished run can be extended;
    ``executor`` defaults to the stored executor name.
    """
    store = RunStore.open(run_dir)
    try:
        meta = store.meta()
        if objective is None:
            factory = objective_factory or _FACTORIES.get(meta.get("kind") or "")
            if factory is None:
                raise ConfigError(
                    f"resume({str(run_dir)!r}) needs the objective: pass objective=..., or "
                    "objective_factory=..., or register a factory for kind "
                    f"{meta.get('kind')!r} with register_objective_factory()."
                )
            objective = factory(meta.get("config"))
        opt = store.get_blob("optimizer")
        if budget is None:
            terminator = store.get_blob("terminator")
        else:
            terminator = as_terminator(budget)
            store.write_meta({"budget": repr(terminator)}, {"terminator": terminator})
        spec = executor if executor is not None else meta.get("executor", "serial")
        try:
            ex = make_executor(spec)
        except UnknownNameError:
            ex = make_executor("serial")
        try:
            runner = Runner(objective, opt, terminator, store, ex, penalty=meta["penalty"],
                            time_limit=meta.get("time_limit"), chunk_size=meta.get("chunk_size"),
                            seed=meta.get("seed"))
            attach_callbacks(runner, callbacks)
            return runner.run()
        finally:
            if ex is not executor:
                ex.close()
    finally:
        store.close()
