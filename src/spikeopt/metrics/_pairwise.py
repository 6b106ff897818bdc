"""The three call forms shared by every pairwise metric (not public).

* one pair: ``f(a, b)`` with two single trains (1-D arrays or flat lists) → float;
* batched: ``f(candidates, target)`` with ``candidates`` a SpikeTrains or a
  list of P arrays and ``target`` one train (broadcast) or P trains (row by
  row) → (P,);
* matrix: ``f_matrix(trains)`` → (N, N), ``M[i, j] = f(trains[i], trains[j])``.

All three run the same compiled ``pair_value``, so they give identical numbers.
A batch runs on numba's threads only when its estimated work exceeds
:data:`PARALLEL_MIN_NS` (a few ms): below that, waking the thread pool costs
more than it saves, and much more on a loaded machine (an OpenMP pool that
spin-waits can stall a call by ~10 ms). On a quiet machine (1-minute load
average below the spare cores, :func:`os.getloadavg`) batches from
:data:`QUIET_PARALLEL_MIN_NS` on are threaded too: there the pool wakes in
microseconds. ``numba.set_num_threads(1)`` forces the serial kernel.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numba
import numpy as np
from numba import njit

from ..errors import InvalidParameterError
from ..spikes import SpikeTrains
from . import _kernels as K
from ._common import as_one_train, as_trains, is_single, pair_indices

__all__ = ["evaluate", "matrix", "run_pairs", "PARALLEL_MIN_NS", "QUIET_PARALLEL_MIN_NS"]

#: estimated serial work (ns) above which a batch uses numba's threads
PARALLEL_MIN_NS = 5e6
#: the same threshold when the machine is quiet (see the module docstring)
QUIET_PARALLEL_MIN_NS = 5e5
_NS_PER_SPIKE = 25.0  # event-driven kernels: ~linear in n_a + n_b
_NS_PER_CELL = 4.0  # Victor-Purpura: dynamic programming over n_a * n_b

Window = Callable[[float | None, float | None, list], tuple[float, float]]


@njit(cache=True)
def _row_problem(t):
    """0 if ``t`` is a valid train (finite, >= 0, sorted), else a code for the message."""
    for j in range(t.size):
        if not np.isfinite(t[j]):
            return 1
        if t[j] < 0.0:
            return 2
        if j > 0 and t[j] < t[j - 1]:
            return 3
    return 0


_ROW_MESSAGES = {
    1: "must be finite (ms)",
    2: "must be >= 0 ms",
    3: "must be sorted",
}


def _row(x, *, name: str, where: str) -> tuple[np.ndarray, float | None]:
    """(times in ms, t_stop or None) of one train: a 1-D array, flat list or 1-row input."""
    if is_single(x):
        t = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
        code = _row_problem(t)
        if code:
            raise InvalidParameterError(
                f"The spike times of {name!r} in {where} {_ROW_MESSAGES[code]}."
            )
        return t, None
    st = as_trains(x, name=name)
    return np.ascontiguousarray(as_one_train(st, name=name, where=where)), st.t_stop


def evaluate(kind: int, a, b, p: float, window: Window, *, where: str):
    """One pair → float; batched → (P,) array (see module docstring).

    ``window(stops)`` returns the resolved ``(t_start, t_stop)`` given the
    ``t_stop`` values the inputs carry.
    """
    if is_single(a):
        ta, _ = _row(a, name="a", where=where)
        tb, stop_b = _row(b, name="b", where=where)
        t0, t1 = window([stop_b])
        value = K.pair_value(ta, 0, ta.size, tb, 0, tb.size, kind, t0, t1, float(p))
        return float(value)
    sa = as_trains(a, name="candidates")
    sb = as_trains(b, name="target")
    t0, t1 = window([sa.t_stop, sb.t_stop])
    ia, ib = pair_indices(len(sa), len(sb), where=where)
    return run_pairs(kind, sa, sb, ia, ib, t0, t1, p)


def _estimated_ns(kind: int, sa: SpikeTrains, sb: SpikeTrains, n_pairs: int) -> float:
    na = sa.times.size / max(len(sa), 1)
    nb = sb.times.size / max(len(sb), 1)
    per_pair = _NS_PER_CELL * na * nb if kind == K.VICTOR_PURPURA else _NS_PER_SPIKE * (na + nb)
    return n_pairs * per_pair


def _quiet() -> bool:
    """Whether the 1-minute load average leaves the other threads a core each."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on this platform
        return False
    return load < numba.get_num_threads() - 1 + 0.5


def run_pairs(kind, sa: SpikeTrains, sb: SpikeTrains, ia, ib, t_start, t_stop, p):
    """The metric for the row pairs ``(ia[k], ib[k])``."""
    ia = np.ascontiguousarray(ia, dtype=np.int64)
    ib = np.ascontiguousarray(ib, dtype=np.int64)
    if ia.size == 0:
        return np.empty(0)
    parallel = False
    if numba.get_num_threads() > 1:
        work = _estimated_ns(kind, sa, sb, ia.size)
        parallel = work >= PARALLEL_MIN_NS or (work >= QUIET_PARALLEL_MIN_NS and _quiet())
    kernel = K.pairs_parallel if parallel else K.pairs_serial
    return kernel(
        sa.times, sa.offsets, sb.times, sb.offsets, ia, ib,
        kind, float(t_start), float(t_stop), float(p),
    )  # fmt: skip


def matrix(kind: int, st: SpikeTrains, t_start, t_stop, p, *, symmetric: bool) -> np.ndarray:
    """``M[i, j] = f(st[i], st[j])``; a symmetric metric is evaluated for i <= j only."""
    n = len(st)
    if symmetric:
        ia, ib = np.triu_indices(n)
    else:
        ia, ib = np.indices((n, n)).reshape(2, -1)
    vals = run_pairs(kind, st, st, ia, ib, t_start, t_stop, p)
    out = np.empty((n, n))
    out[ia, ib] = vals
    if symmetric:
        out[ib, ia] = vals
    return out
