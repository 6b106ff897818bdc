"""Simulator backends: the numba engine (default), Brian2, NEST, NEURON, a fake.

``spikeopt.simulate(model, params, stimulus, backend="brian2")`` runs the same
model or network description on another simulator and returns the same
result types (see :mod:`.base` for the protocol). Batched backends run all P
candidates in one call; the others run one candidate per worker process
(:mod:`.workers`): ``workers`` processes (default: the CPU count), each
candidate at most ``timeout_s`` seconds, a crash or a hang a failed candidate
with its reason (``SimResult.reasons``, ``NetworkResult.reasons``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from .._rng import candidate_sequence
from ..errors import InvalidParameterError
from ..network.spec import Network
from ..simulation import simulate as _numba_simulate
from ..stimuli import Stimulus
from .base import PerCandidate, Simulator, available, get, int_seed, register
from .results import join_cells, join_networks
from .workers import Task, call, close_workers, run_tasks

__all__ = ["Simulator", "PerCandidate", "available", "get", "register", "simulate",
           "int_seed", "close_workers", "DEFAULT_TIMEOUT_S"]

DEFAULT_TIMEOUT_S = 600.0  # one candidate on a per-candidate backend (s)


def _is_network(model) -> bool:
    return isinstance(model, Network) or (isinstance(model, Mapping) and "populations" in model)


def _n_candidates(params: Mapping | None) -> int:
    sizes = {np.size(v) for v in (params or {}).values() if np.ndim(v) == 1}
    if len(sizes) > 1:
        raise InvalidParameterError(
            "Parameters must be scalars or (P,) arrays of one length. "
            f"Got lengths {sorted(sizes)}.")
    return sizes.pop() if sizes else 1


def _candidate(params: Mapping | None, p: int) -> dict:
    return {k: (float(np.asarray(v).ravel()[p]) if np.ndim(v) == 1 else v)
            for k, v in (params or {}).items()}


def _seed_of(seed, generation: int, p: int):
    """Candidate p's seed, as the numba engine takes it: the p-th of a per-candidate
    list (int or SeedSequence, passed on as is), or the SeedSequence the runner
    derives from an int run seed (backends that need an int use :func:`.base.int_seed`)."""
    if isinstance(seed, int | np.integer):
        return candidate_sequence(int(seed), generation, p)
    return seed[p]


def simulate(model, params=None, stimulus=None, *, backend="numba",
             backend_options: Mapping | None = None, workers: int | None = None,
             timeout_s: float | None = DEFAULT_TIMEOUT_S, dt: float = 0.1,
             t_stop: float | None = None, record_v: bool = False, v_every: int = 1,
             initial: Mapping | None = None, **options):
    """Simulate P candidates on ``backend``; see :func:`spikeopt.simulation.simulate`.

    Parameters beyond the engine's
    -------------------------------
    backend : str, Simulator or mapping
        ``"numba"`` (default), ``"brian2"``, ``"nest"``, ``"neuron"``, ``"fake"``;
        or a config's ``{name, workers, timeout_s, options}`` (keys as below).
    backend_options : dict, optional
        Keywords of the backend's constructor (e.g. Brian2's ``target``).
    workers : int, optional
        Worker processes of a per-candidate backend (default: CPU count; 0 runs
        the candidates in this process, unprotected).
    timeout_s : float or None
        Wall-clock limit of one candidate on a per-candidate backend (s).

    Examples
    --------
    >>> from spikeopt import simulate, stimuli
    >>> res = simulate("lif", {"tau_m": [10.0, 20.0]}, stimuli.step(300.0, duration=100.0),
    ...                backend="fake", workers=0)
    >>> res.spikes.counts().tolist(), res.reasons.tolist()
    ([0, 0], ['', ''])
    """
    if isinstance(backend, Mapping):  # a config's backend section
        spec = dict(backend)
        backend = spec.pop("name", "numba")
        backend_options = {**spec.pop("options", {}), **dict(backend_options or {})}
        workers = spec.pop("workers", workers)
        timeout_s = spec.pop("timeout_s", timeout_s)
        if spec:
            raise InvalidParameterError(
                f"Unknown backend key(s) {sorted(spec)}; allowed: name, workers, timeout_s, "
                "options.")
    if isinstance(backend, str) and backend == "numba" and not backend_options:
        return _numba_simulate(model, params, stimulus, dt=dt, t_stop=t_stop, record_v=record_v,
                               v_every=v_every, initial=initial, **options)
    name = backend if isinstance(backend, str) else getattr(backend, "name", "?")
    sim = get(backend, **dict(backend_options or {}))
    why = sim.supports(model)
    if why:
        raise InvalidParameterError(f"Backend {name!r} cannot run this model: {why}.")
    network = _is_network(model)
    if network and t_stop is None:
        raise InvalidParameterError("simulate(network, ...) needs t_stop (ms).")
    if network and stimulus is not None:
        raise InvalidParameterError(
            "A network takes its inputs from its description ('inputs', 'current'); "
            "pass no stimulus.")
    if not network:
        if stimulus is None:
            raise InvalidParameterError(
                "simulate(model, params, stimulus) needs a stimulus (a Stimulus or current "
                "array).")
        if not isinstance(stimulus, Stimulus):
            stimulus = Stimulus(np.asarray(stimulus, dtype=np.float64), dt)
    if sim.batched:
        if network:
            return sim.simulate_network(model, params, t_stop=t_stop, dt=dt,
                                        seed=options.pop("seed", 0), **options)
        if options:
            raise InvalidParameterError(
                f"Unknown keyword(s) {sorted(options)} for a single-cell simulation.")
        return sim.simulate_cells(model, params, stimulus, dt=dt, t_stop=t_stop,
                                  record_v=record_v, v_every=v_every, initial=initial)
    return _per_candidate(sim, backend, dict(backend_options or {}), model, params, stimulus,
                          network=network, workers=workers, timeout_s=timeout_s, dt=dt,
                          t_stop=t_stop, record_v=record_v, v_every=v_every, initial=initial,
                          **options)


def _per_candidate(sim, backend, backend_options, model, params, stimulus, *, network, workers,
                   timeout_s, dt, t_stop, record_v, v_every, initial, **options):
    P = _n_candidates(params)
    seed = options.get("seed")
    if network and seed is not None and not isinstance(seed, int | np.integer):
        P = max(P, len(seed))  # one network per seed, as on the engine
    if stimulus is not None and stimulus.per_candidate:
        P = max(P, stimulus.values.shape[0])
    if workers is None:
        workers = min(os.cpu_count() or 1, P)
    if int(workers) < 0:
        raise InvalidParameterError(f"The 'workers' parameter must be >= 0. Got {workers!r}.")
    if network:
        seed = options.pop("seed", 0)
        generation = int(options.pop("generation", 0))
        tasks = [Task("network_candidate", (model, _candidate(params, p)),
                      dict(t_stop=t_stop, dt=dt, seed=_seed_of(seed, generation, p), **options))
                 for p in range(P)]
    else:
        if options:
            raise InvalidParameterError(
                f"Unknown keyword(s) {sorted(options)} for a single-cell simulation.")
        tasks = [Task("cell_candidate",
                      (model, _candidate(params, p), _stimulus_of(stimulus, p)),
                      dict(dt=dt, t_stop=t_stop, record_v=record_v, v_every=v_every,
                           initial=_candidate(initial, p) if initial else None))
                 for p in range(P)]
    if isinstance(backend, str):
        outs = run_tasks(backend, backend_options, tasks, workers=int(workers),
                         timeout_s=timeout_s)
    else:  # an instance cannot be rebuilt in a worker: run here
        outs = [call(sim, t) for t in tasks]
    parts = [o.result for o in outs]
    reasons = [o.reason for o in outs]
    if network:
        names = list(Network.from_dict(model).populations)
        return join_networks(parts, reasons, names=names, t_stop=float(t_stop), dt=dt,
                             rate_bin_ms=options.get("rate_bin_ms", 1.0))
    t_end = float(t_stop) if t_stop is not None else float(round(stimulus.duration / dt) * dt)
    return join_cells(parts, reasons, n_sweeps=stimulus.n_sweeps, t_stop=t_end, dt=dt)


def _stimulus_of(stimulus: Stimulus, p: int) -> Stimulus:
    if not stimulus.per_candidate:
        return stimulus
    return Stimulus(stimulus.values[p], stimulus.dt)
