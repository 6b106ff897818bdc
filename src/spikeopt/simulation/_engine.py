"""The batched simulation driver: one numba kernel for any model's step.

Candidates are cut into blocks of up to ``MAX_BLOCK`` neurons; blocks run in parallel
(``prange``, one parallel region per batch, never per time step) and each block
advances all its neurons one step at a time, branch-free, so the inner loop
vectorises. Spikes are written to a per-row buffer of ``cap`` slots; rows that
fire more than ``cap`` spikes are counted and re-run by the caller with a larger
buffer. The buffer is slot-major (cap, N): writing the first spikes of 10^5 rows
touches a few pages, not one page per row. A row whose membrane potential
becomes NaN (checked every step) or whose
state reaches |x| >= 1e30 (checked every 64 steps) is marked failed at that
step and its later spikes are ignored.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

MAX_BLOCK = 64
_BIG = 1e30


def _drive(step, params, state0, cur, cur_row, dt, dt_ms, n_steps, cap, rec_every,
          out_t, counts, out_v, fail_step, block):
    """Run ``n_steps`` Euler steps for every row.

    params (n_par, N), state0 (n_state, N), cur (n_steps, n_I) with
    cur_row (N,) the column of each row (n_I == 1: shared), dt (ms, in the
    state's dtype), dt_ms (the same step as float64, for spike times),
    out_t (cap, N) float64 spike times (ms), slot-major so that the k-th spikes of
    neighbouring rows share memory pages, counts (N,), out_v (N, n_rec),
    fail_step (N,) int64 (-1 = fine).
    """
    N = params.shape[1]
    n_par = params.shape[0]
    n_state = state0.shape[0]
    BLOCK = block
    n_blocks = (N + BLOCK - 1) // BLOCK
    shared = cur.shape[1] == 1
    dtype = state0.dtype
    for blk in prange(n_blocks):
        lo = blk * BLOCK
        nb = min(BLOCK, N - lo)
        st = np.empty((n_state, BLOCK), dtype=dtype)
        pr = np.empty((n_par, BLOCK), dtype=params.dtype)
        rows = np.empty(BLOCK, dtype=np.int64)
        for j in range(BLOCK):  # pad the last block with copies of its last row
            src = lo + min(j, nb - 1)
            rows[j] = cur_row[src]
            for q in range(n_par):
                pr[q, j] = params[q, src]
            for q in range(n_state):
                st[q, j] = state0[q, src]
        current = np.empty(BLOCK, dtype=dtype)
        spk = np.zeros(BLOCK, dtype=np.bool_)
        dead = np.zeros(BLOCK, dtype=np.bool_)
        cnt = np.zeros(BLOCK, dtype=np.int64)
        for k in range(n_steps):
            if rec_every > 0 and k % rec_every == 0:
                r = k // rec_every
                for j in range(nb):
                    out_v[lo + j, r] = st[0, j]
            if shared:
                c = cur[k, 0]
                for j in range(BLOCK):
                    current[j] = c
            else:
                for j in range(BLOCK):
                    current[j] = cur[k, rows[j]]
            ev = step(st, pr, current, dt, spk)
            if k % 64 == 63:  # overflow without NaN (yet), in any state variable
                for q in range(n_state):
                    for j in range(nb):
                        if not abs(st[q, j]) < _BIG:
                            st[0, j] = np.nan
                            ev = True
            if ev:
                t = k * dt_ms
                for j in range(nb):
                    if not abs(st[0, j]) < _BIG:
                        if not dead[j]:
                            dead[j] = True
                            fail_step[lo + j] = k
                        for q in range(n_state):  # keep the block's arithmetic finite
                            st[q, j] = state0[q, lo + j]
                        continue
                    if spk[j] and not dead[j]:
                        c_ = cnt[j]
                        if c_ < cap:
                            out_t[c_, lo + j] = t
                        cnt[j] = c_ + 1
        for j in range(nb):
            counts[lo + j] = cnt[j]


# The same driver twice: across blocks in parallel, and serially for batches of
# a single block, where waking a thread pool costs more than it gives (and, under
# load from other processes, can cost much more).
# For models defined at run time (uncached: the step is an argument).
drive_parallel = njit(parallel=True)(_drive)
drive_serial = njit(_drive)
# For the built-in models: inlined into per-model wrappers that numba caches on
# disk (simulate/_drivers.py), so a new process does not recompile them.
_drive_body = njit(inline="always")(_drive)


@njit(inline="always")
def drive_inline(step, args):
    """``_drive(step, *args)`` for a tuple ``args`` (numba cannot inline ``*args``)."""
    (params, state0, cur, cur_row, dt, dt_ms, n_steps, cap, rec_every, out_t, counts, out_v,
     fail_step, block) = args
    _drive_body(step, params, state0, cur, cur_row, dt, dt_ms, n_steps, cap, rec_every, out_t,
                counts, out_v, fail_step, block)


@njit(cache=True)
def compact(out_t, counts, offsets, times, rows, cap):
    """Copy the spikes of buffer column ``i`` (global row ``rows[i]``) into the flat
    ``times`` at that row's offset; rows with more than ``cap`` spikes are skipped
    (they come from the re-run's buffer)."""
    for i in range(rows.size):
        r = rows[i]
        n = counts[r]
        if n > cap:
            continue
        o = offsets[r]
        for c in range(n):
            times[o + c] = out_t[c, i]


def block_size(n_rows: int, n_threads: int) -> int:
    """Rows per block: up to MAX_BLOCK, smaller when there are few rows so that
    a single neuron is not padded to a full block and both cores get work."""
    per_thread = -(-n_rows // max(n_threads, 1))
    b = min(MAX_BLOCK, per_thread)
    return max(1, b if b < 8 else (b // 8) * 8)
