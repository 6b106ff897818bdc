"""Batched simulation: a whole population of candidates — single neurons or
whole networks, each with its own parameters — in one compiled call.

Networks are simulated by :func:`.network.simulate_network` (conventions in
:mod:`._network_kernel` and docs/network.md); the rest of this module is the
single-cell path.

Numerical method
----------------
Forward Euler at ``dt`` (ms), the same scheme as Brian2's ``method="euler"``:
at step k (time ``t = k*dt``) every state variable is advanced from its values
at ``t`` using the current sample ``I[k]``; then the threshold is tested on the
new membrane potential, the reset applied, and a spike recorded at time
``t = k*dt`` (Brian2's convention). Recorded voltages are the values at
``t = k*dt`` before the update of step k.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from .. import models as _models
from ..errors import InvalidParameterError, ShapeError, check_positive
from ..network.spec import Network
from ..spikes import SpikeTrains
from ..stimuli import Stimulus
from ._drivers import DRIVERS
from ._engine import block_size, compact, drive_parallel, drive_serial
from .network import NetworkResult, simulate_network

__all__ = ["simulate", "SimResult", "NetworkResult"]

_METHODS = ("euler",)


@dataclass
class SimResult:
    """Output of :func:`simulate`.

    Attributes
    ----------
    spikes : SpikeTrains
        One row per candidate × sweep, candidate-major: row ``p * n_sweeps + s``.
    v : ndarray or None
        Membrane potential (mV), shape (P * S, n_rec), if ``record_v``.
    v_dt : float
        Sampling interval of ``v`` in ms.
    failed : ndarray of bool, shape (P * S,)
        Rows whose state diverged (NaN or |v| >= 1e30); their spikes stop there.
    fail_time : ndarray of float, shape (P * S,)
        Time (ms) of the divergence, NaN for rows that did not fail.
    n_candidates, n_sweeps : int
    t_stop : float
        Simulated duration in ms.
    reasons : ndarray of str, shape (P,), or None
        Why each candidate failed (``""`` where it did not), from backends that
        run candidates in their own processes (a crash, a timeout, an error);
        None from the numba engine (whose only failure is divergence).
    v_rows : ndarray of int, shape (P * S,), or None
        The row of ``v`` that belongs to each spike row, where several rows share
        one simulated trace (a cell fit's ``train_current: first_repeat``); None:
        row ``i`` of ``v`` is row ``i`` of ``spikes``.
    """

    spikes: SpikeTrains
    v: np.ndarray | None
    v_dt: float
    failed: np.ndarray
    fail_time: np.ndarray
    n_candidates: int
    n_sweeps: int
    t_stop: float
    reasons: np.ndarray | None = None
    v_rows: np.ndarray | None = None

    @property
    def failed_candidates(self) -> np.ndarray:
        """(P,) bool: a candidate failed if any of its sweeps failed."""
        return self.failed.reshape(self.n_candidates, self.n_sweeps).any(axis=1)

    def candidate(self, p: int) -> SpikeTrains:
        """The S sweeps of candidate ``p``."""
        S = self.n_sweeps
        return self.spikes[p * S : (p + 1) * S]

    def sweep(self, s: int) -> SpikeTrains:
        """Sweep ``s`` of every candidate (P rows)."""
        return self.spikes.take(np.arange(self.n_candidates) * self.n_sweeps + s)


def _as_stimulus(stimulus, dt: float) -> Stimulus:
    if isinstance(stimulus, Stimulus):
        return stimulus
    arr = np.asarray(stimulus, dtype=np.float64)
    if arr.ndim == 0:
        raise ShapeError(
            "The 'stimulus' parameter of simulate must be a Stimulus or an array of current "
            "samples of shape (T,) or (S, T). Got a scalar; use spikeopt.stimuli.step(...)."
        )
    return Stimulus(arr, dt)


def _current_matrix(stim: Stimulus, dt: float, n_steps: int, P: int, S: int, dtype):
    """(n_steps, n_I) current samples at the simulation dt, and the column of each row."""
    same_grid = stim.dt == dt
    last = n_steps - 1 if same_grid else int(np.floor((n_steps - 1) * (dt / stim.dt) + 1e-9))
    if last >= stim.n_samples:
        raise InvalidParameterError(
            f"The simulation ({n_steps * dt:g} ms) is longer than the stimulus "
            f"({stim.duration:g} ms); pass a shorter t_stop or a longer stimulus."
        )
    if same_grid:  # the common case: no resampling, no copy for a shared current
        vals = stim.values[..., :n_steps]
    else:  # zero-order hold
        idx = np.floor(np.arange(n_steps) * (dt / stim.dt) + 1e-9).astype(np.int64)
        vals = stim.values[..., idx]
    rows = np.arange(P * S)
    if not stim.per_candidate:
        col = rows % S if vals.ndim == 2 else np.zeros(P * S, dtype=np.int64)
        mat = np.atleast_2d(vals)
    else:
        if vals.shape[0] != P:
            raise ShapeError(
                f"A per-candidate stimulus must have P = {P} rows (one per candidate). "
                f"Got {vals.shape[0]}."
            )
        mat = vals.reshape(P * S, n_steps)
        col = rows
    return np.ascontiguousarray(mat.T, dtype=dtype), col.astype(np.int64)


def simulate(model, params=None, stimulus=None, *, dt: float = 0.1,
             t_stop: float | None = None, record_v: bool = False, v_every: int = 1,
             method: str = "euler", initial: dict | None = None, dtype=np.float64,
             **network_options):
    """Simulate P candidates × S sweeps — or P candidate networks — in one compiled call.

    Networks: ``simulate(net, params, t_stop=..., dt=..., seed=...)`` with a
    :class:`~spikeopt.network.Network` (or its description dict) and ``params``
    mapping dotted paths of the description to (P,) values returns a
    :class:`~spikeopt.simulation.network.NetworkResult`. Further keywords:
    ``seed`` (int, or one SeedSequence/int per candidate), ``generation``,
    ``frozen``, ``record`` (population names), ``record_state``
    (``{"pop.var": indices}``), ``state_every`` (steps), ``rate_bin_ms``,
    ``max_rate_hz``, ``rate_window_ms``, ``silence_ms``; see docs/network.md.

    Parameters
    ----------
    model : str, Model, Network or dict
        ``"lif"``, ``"izhikevich"``, ``"izhikevich2007"``, ``"adex"``, ``"hh"``,
        ``"traub_miles"`` or a :class:`spikeopt.models.Model`; or a network.
    params : dict of str -> float or (P,) array
        Values in the model's units; scalars broadcast, missing ones take defaults.
    stimulus : Stimulus or array
        Current in the model's unit: (T,) shared, (S, T) sweeps, or a
        per-candidate :class:`~spikeopt.stimuli.Stimulus`. Arrays are taken as
        sampled at ``dt``.
    dt : float
        Time step in ms (> 0).
    t_stop : float, optional
        Duration in ms; default the stimulus duration.
    record_v : bool
        Keep the membrane potential (mV) every ``v_every`` steps.
    method : {"euler"}
        Integration scheme (see module docstring).
    initial : dict, optional
        Initial state values by state name (scalars or (P,) arrays), e.g. ``{"v": -70.0}``.
    dtype : numpy float dtype
        ``np.float64`` (default) or ``np.float32`` for the state (less memory
        traffic, ~1.5× faster). float32 does *not* keep every spike within one
        step of float64: over 300 ms of Izhikevich tonic firing, ~97 % of the
        candidates keep their spike count and ~89 % of their spikes stay within
        one step (the first spike always does). Use it for coarse searches and
        re-score the best candidates in float64.

    Returns
    -------
    SimResult

    Examples
    --------
    >>> from spikeopt import simulate, stimuli
    >>> res = simulate("izhikevich", {"a": [0.02, 0.1], "b": 0.2, "c": -65.0, "d": [8.0, 2.0]},
    ...                stimuli.step(10.0, duration=200.0, t_on=20.0), dt=0.1)
    >>> res.spikes.counts().tolist()  # regular spiking vs fast spiking
    [5, 24]
    """
    if isinstance(model, Network) or (isinstance(model, dict) and "populations" in model):
        if stimulus is not None:
            raise InvalidParameterError(
                "A network takes its inputs from its description ('inputs', 'current'); "
                "pass no stimulus.")
        if t_stop is None:
            raise InvalidParameterError("simulate(network, ...) needs t_stop (ms).")
        return simulate_network(model, params, t_stop=t_stop, dt=dt, **network_options)
    if network_options:
        raise InvalidParameterError(
            f"Unknown keyword(s) {sorted(network_options)} for a single-cell simulation.")
    if stimulus is None:
        raise InvalidParameterError(
            "simulate(model, params, stimulus) needs a stimulus (a Stimulus or current array).")
    m = _models.get(model)
    dt = check_positive("dt", dt, where="simulate")
    if method not in _METHODS:
        raise InvalidParameterError(
            f"The 'method' parameter of simulate must be one of {list(_METHODS)}. "
            f"Got {method!r} instead."
        )
    dtype = np.dtype(dtype)
    if dtype not in (np.float64, np.float32):
        raise InvalidParameterError(
            f"The 'dtype' parameter of simulate must be float64 or float32. Got {dtype}."
        )
    if int(v_every) < 1:
        raise InvalidParameterError(f"The 'v_every' parameter must be >= 1. Got {v_every!r}.")
    if not record_v and initial is None and dtype == np.float64:
        fast = _simulate_one(m, params, stimulus, dt, t_stop)
        if fast is not None:
            return fast
    stim = _as_stimulus(stimulus, dt)
    n_hint = stim.values.shape[0] if stim.per_candidate else None
    pr, P = m.resolve(params, n=None)
    if n_hint is not None and P == 1 and n_hint != 1:
        pr, P = np.repeat(pr, n_hint, axis=1), n_hint
    S = stim.n_sweeps
    if t_stop is None:
        n_steps = int(round(stim.duration / dt))
    else:
        n_steps = int(round(check_positive("t_stop", t_stop, where="simulate") / dt))
    if n_steps < 1:
        raise InvalidParameterError(f"Nothing to simulate: t_stop / dt gives {n_steps} steps.")
    cur, col = _current_matrix(stim, dt, n_steps, P, S, dtype)
    N = P * S
    cand = np.repeat(np.arange(P), S)
    prN = np.ascontiguousarray(pr[:, cand], dtype=dtype)
    named = {k: prN[i].astype(np.float64) for i, k in enumerate(m.parameters)}
    state0 = np.asarray(m.init(named), dtype=np.float64)
    for name, value in (initial or {}).items():
        if name not in m.state:
            raise InvalidParameterError(
                f"Unknown state variable {name!r} in 'initial'; model {m.name!r} has "
                f"{list(m.state)}."
            )
        v0 = np.asarray(value, dtype=np.float64)
        state0[m.state.index(name)] = v0[cand] if v0.ndim == 1 else v0
    state0 = np.ascontiguousarray(state0, dtype=dtype)

    rec = int(v_every) if record_v else 0
    n_rec = (n_steps + rec - 1) // rec if rec else 0
    t_ms = n_steps * dt
    cap = int(min(n_steps, max(64, np.ceil(t_ms * 0.5))))  # room for 500 Hz
    counts, out_t, out_v, fail = _run(m, prN, state0, cur, col, dt, n_steps, cap, rec, n_rec,
                                      dtype, N)
    offsets = np.zeros(N + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    times = np.empty(offsets[-1])
    compact(out_t, counts, offsets, times, np.arange(N), cap)
    over = np.flatnonzero(counts > cap)
    if over.size:  # re-run only the rows that overflowed, with an exact buffer
        cap2 = int(counts[over].max())
        _, t2, _, _ = _run(m, np.ascontiguousarray(prN[:, over]),
                           np.ascontiguousarray(state0[:, over]), cur, col[over], dt, n_steps,
                           cap2, 0, 0, dtype, over.size)
        compact(t2, counts, offsets, times, over, cap2)
    failed = fail >= 0
    fail_time = np.where(failed, fail * dt, np.nan)
    spikes = SpikeTrains(times, offsets, t_stop=t_ms, validate=False)
    return SimResult(spikes, out_v if rec else None, dt * max(rec, 1), failed, fail_time, P, S,
                     t_ms)


_SCALAR_TYPES = (float, int, np.floating, np.integer)


def _one_row_params(m, params) -> np.ndarray | None:
    """The (n_par, 1) parameter column of a single candidate, or None when ``params``
    is not plainly one candidate (arrays longer than 1, aliases, unknown names,
    non-finite values: the general path handles them and words the errors)."""
    if m.aliases is not None:
        return None
    names = m.parameters
    values = [p.default for p in names.values()]
    index = None
    for k, v in (params or {}).items():
        if type(v) is np.ndarray:
            if v.size != 1 or v.ndim > 1:
                return None
            v = v.reshape(-1)[0]
        elif not isinstance(v, _SCALAR_TYPES):
            return None
        if index is None:
            index = {n: i for i, n in enumerate(names)}
        i = index.get(k)
        if i is None:
            return None
        values[i] = v
    for v in values:
        if not isinstance(v, _SCALAR_TYPES) or not math.isfinite(v):
            return None
    return np.array(values, dtype=np.float64).reshape(-1, 1)


def _simulate_one(m, params, stimulus, dt: float, t_stop) -> SimResult | None:
    """The single-candidate, single-sweep call on the stimulus's own grid, with
    float64 state and no recording: the same kernel as the general path (identical
    spikes) without its batching bookkeeping; None when the call is not of that kind."""
    if (type(stimulus) is not Stimulus or stimulus.per_candidate
            or stimulus.values.ndim != 1 or stimulus.dt != dt):
        return None
    pr = _one_row_params(m, params)
    if pr is None:
        return None
    values = stimulus.values
    if t_stop is None:
        n_steps = int(round(values.size * stimulus.dt / dt))
    else:
        n_steps = int(round(check_positive("t_stop", t_stop, where="simulate") / dt))
    if n_steps < 1 or n_steps > values.size:
        return None  # the general path raises the error
    if values.dtype != np.float64 or not values.flags.c_contiguous:
        return None
    cur = values[:n_steps].reshape(n_steps, 1)
    state0 = np.ascontiguousarray(
        m.init({k: pr[i] for i, k in enumerate(m.parameters)}), dtype=np.float64)
    if state0.shape != (len(m.state), 1):
        return None
    t_ms = n_steps * dt
    cap = min(n_steps, max(64, math.ceil(t_ms * 0.5)))
    out_t = np.empty((cap, 1))
    ints = np.array([0, -1], dtype=np.int64)  # spike count, failing step
    counts, fail = ints[:1], ints[1:]
    args = (pr, state0, cur, _ZERO_ROW, dt, dt, n_steps, cap, 0, out_t, counts,
            _NO_V, fail, 1)
    cached = DRIVERS.get(m.step)
    if cached is not None:
        cached[1](args)
    else:
        drive_serial(m.step, *args)
    n = int(ints[0])
    if n > cap:  # more spikes than the buffer: re-run with an exact one
        out_t = np.empty((n, 1))
        ints[:] = (0, -1)
        args = args[:7] + (n, 0, out_t) + args[10:]
        (cached[1](args) if cached is not None else drive_serial(m.step, *args))
    times = out_t[:n, 0].copy()
    k = int(ints[1])
    failed = np.array([k >= 0])
    fail_time = np.array([k * dt if k >= 0 else math.nan])
    spikes = SpikeTrains(times, np.array([0, n], dtype=np.int64), t_stop=t_ms, validate=False)
    return SimResult(spikes, None, dt, failed, fail_time, 1, 1, t_ms)


_ZERO_ROW = np.zeros(1, dtype=np.int64)
_NO_V = np.empty((1, 1))


def _run(m, prN, state0, cur, col, dt, n_steps, cap, rec, n_rec, dtype, N):
    counts = np.zeros(N, dtype=np.int64)
    out_t = np.empty((cap, N))
    out_v = np.empty((N, n_rec), dtype=dtype) if rec else np.empty((1, 1), dtype=dtype)
    fail = np.full(N, -1, dtype=np.int64)
    block = block_size(N, numba.get_num_threads())
    # a thread pool pays off only for several blocks of real work
    parallel = N >= 2 * block and N * n_steps >= 1_000_000
    args = (prN, state0, cur, col, dtype.type(dt), float(dt), n_steps, cap, rec, out_t, counts,
            out_v, fail, block)
    cached = DRIVERS.get(m.step)
    if cached is not None:  # built-in model: compiled once, cached on disk
        cached[0 if parallel else 1](args)
    else:
        (drive_parallel if parallel else drive_serial)(m.step, *args)
    return counts, out_t, out_v, fail
