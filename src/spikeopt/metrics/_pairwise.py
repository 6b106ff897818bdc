"""The three call forms shared by every pairwise metric (not public).

* one pair: ``f(a, b)`` with two single trains (1-D arrays or flat lists) → float;
* batched: ``f(candidates, target)`` with ``candidates`` a SpikeTrains or a
  list of P arrays and ``target`` one train (broadcast) or P trains (row by
  row) → (P,);
* matrix: ``f_matrix(trains)`` → (N, N), ``M[i, j] = f(trains[i], trains[j])``.

All three call :func:`~spikeopt.metrics._kernels.pairs_kernel` (or its serial
``pair_value`` for one pair), so they give identical numbers.
"""

from __future__ import annotations

import numpy as np

from ..spikes import SpikeTrains
from . import _kernels as K
from ._common import as_one_train, as_trains, is_single, pair_indices

__all__ = ["evaluate", "matrix"]


def _flat(times: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(times, dtype=np.float64)


def evaluate(kind: int, a, b, t_start: float, t_stop: float, p: float, *, where: str):
    """One pair → float; batched → (P,) array (see module docstring)."""
    if is_single(a):
        ta = _one_row(a, where=where, name="a")
        tb = _one_row(b, where=where, name="b")
        value = K.pair_value(
            ta, 0, ta.size, tb, 0, tb.size, kind, float(t_start), float(t_stop), float(p)
        )
        return float(value)
    sa = as_trains(a, name="candidates")
    sb = as_trains(b, name="target")
    return rows(kind, sa, sb, t_start, t_stop, p, where=where)


def rows(kind: int, sa: SpikeTrains, sb: SpikeTrains, t_start, t_stop, p, *, where: str):
    """Batched form on SpikeTrains: (len(sa),)."""
    ia, ib = pair_indices(len(sa), len(sb), where=where)
    return run_pairs(kind, sa, sb, ia, ib, t_start, t_stop, p)


def run_pairs(kind, sa: SpikeTrains, sb: SpikeTrains, ia, ib, t_start, t_stop, p):
    """The metric for the row pairs ``(ia[k], ib[k])``, in parallel."""
    if ia.size == 0:
        return np.empty(0)
    return K.pairs_kernel(
        _flat(sa.times),
        sa.offsets,
        _flat(sb.times),
        sb.offsets,
        np.ascontiguousarray(ia, dtype=np.int64),
        np.ascontiguousarray(ib, dtype=np.int64),
        kind,
        float(t_start),
        float(t_stop),
        float(p),
    )


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


def _one_row(x, *, where: str, name: str) -> np.ndarray:
    """The sorted times (ms) of one train given as a 1-D array, flat list or 1-row input."""
    if is_single(x):
        return as_trains(np.asarray(x, dtype=np.float64).reshape(-1), name=name).times
    return _flat(as_one_train(x, name=name, where=where))
