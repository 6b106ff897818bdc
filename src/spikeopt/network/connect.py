"""Connectivity of a population of candidate networks, built in compiled code.

Every candidate draws its own synapses for every link (projection or input)
from its own SplitMix64 stream (:mod:`.prng`), in two passes over the same
stream: :func:`count_synapses` sizes the flat arrays, :func:`fill_synapses`
writes them. No Python runs per synapse, and a candidate's wiring depends only
on its seed and its own parameters.

Rules (``RULES`` gives the codes)
---------------------------------
``all_to_all``         every (pre, post) pair.
``one_to_one``         pre i -> post i.
``fixed_probability``  each pair independently with probability p (geometric
                       gaps along each row: the cost is the number of synapses,
                       not of pairs).
``fixed_indegree``     every post neuron gets n pre neurons (NetPyNE's
                       convergence, NEST's fixed_indegree), distinct unless
                       ``allow_multapses``.
``fixed_outdegree``    every pre neuron gets n post neurons (divergence).
``from_list``          the given (pre, post) pairs, in order.
``allow_self`` (when the pre and post population are the same) admits i -> i.

The output is CSR by pre neuron: for candidate p and link l, synapses of pre
neuron i are ``syn_off[p, l] + row_ptr[rp_off[p, l] + i] ... + row_ptr[... + i + 1]``
(``syn_off`` is (P, L + 1): global offsets, the last column ends candidate p).
Weights are drawn per synapse (constant, uniform or normal; conductances are
clipped at 0 nS), delays per synapse and rounded to whole steps.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from numba import njit, prange

from .._numba_cache import drop_stale_cache
from .prng import below, normal, uniform

drop_stale_cache(__file__, [Path(__file__).with_name("prng.py")])

__all__ = ["RULES", "KINDS", "build_synapses", "count_synapses", "fill_synapses",
           "count_synapses_serial",
           "fill_synapses_serial"]

RULES = {"all_to_all": 0, "one_to_one": 1, "fixed_probability": 2, "fixed_indegree": 3,
         "fixed_outdegree": 4, "from_list": 5, "from_matrix": 5}
KINDS = {"const": 0, "uniform": 1, "normal": 2}


@njit(inline="always", cache=True)
def draw_value(kind, a, b, state):
    """A constant (kind 0), U(a, b) (1) or N(a, b) (2) draw."""
    if kind == 0:
        return a
    if kind == 1:
        return a + (b - a) * uniform(state)
    return a + b * normal(state)


@njit(cache=True)
def _pick_distinct(n, pool, skip, state, mark, stamp, out, o):
    """Write n distinct integers of [0, pool) \\ {skip} to out[o:o+n] (skip < 0: none);
    ``mark`` is a scratch array of length pool holding stamps."""
    avail = pool - (1 if 0 <= skip < pool else 0)
    if 2 * n <= avail:  # rejection against marks: O(n) expected
        c = 0
        while c < n:
            x = below(state, pool)
            if x == skip or mark[x] == stamp:
                continue
            mark[x] = stamp
            out[o + c] = x
            c += 1
    else:  # partial Fisher–Yates over the allowed values
        cand = np.empty(avail, dtype=np.int64)
        c = 0
        for x in range(pool):
            if x != skip:
                cand[c] = x
                c += 1
        for c in range(n):
            r = c + below(state, avail - c)
            tmp = cand[c]
            cand[c] = cand[r]
            cand[r] = tmp
            out[o + c] = cand[c]


@njit(cache=True)
def _pairs(rule, n_pre, n_post, par, same, allow_self, multapses, ex_pre, ex_post, state,
           pre_out, post_out, write):
    """Generate the (pre, post) pairs of one link; return their number. With
    ``write`` False only count (the stream advances identically)."""
    c = 0
    if rule == 0:  # all_to_all
        for i in range(n_pre):
            for j in range(n_post):
                if same and not allow_self and i == j:
                    continue
                if write:
                    pre_out[c] = i
                    post_out[c] = j
                c += 1
    elif rule == 1:  # one_to_one
        for i in range(min(n_pre, n_post)):
            if write:
                pre_out[c] = i
                post_out[c] = i
            c += 1
    elif rule == 2:  # fixed_probability: geometric gaps along each pre neuron's row
        p = par
        if p > 0.0:
            lq = math.log(1.0 - p) if p < 1.0 else -math.inf
            for i in range(n_pre):
                j = -1
                while True:
                    gap = math.log(1.0 - uniform(state)) / lq if p < 1.0 else 0.0
                    if gap >= n_post:  # also catches an overflowing gap
                        break
                    j += 1 + int(gap)
                    if j >= n_post:
                        break
                    if same and not allow_self and i == j:
                        continue
                    if write:
                        pre_out[c] = i
                        post_out[c] = j
                    c += 1
    elif rule == 3 or rule == 4:  # fixed in/out-degree
        n = int(par)
        outer = n_post if rule == 3 else n_pre
        pool = n_pre if rule == 3 else n_post
        mark = np.zeros(pool if not multapses else 1, dtype=np.int64)
        tmp = np.empty(n, dtype=np.int64)
        for a in range(outer):
            skip = a if (same and not allow_self) else -1
            if multapses:
                m = 0
                while m < n:
                    x = below(state, pool)
                    if x == skip:
                        continue
                    tmp[m] = x
                    m += 1
            else:
                _pick_distinct(n, pool, skip, state, mark, a + 1, tmp, 0)
            for m in range(n):
                if write:
                    if rule == 3:
                        pre_out[c] = tmp[m]
                        post_out[c] = a
                    else:
                        pre_out[c] = a
                        post_out[c] = tmp[m]
                c += 1
    else:  # from_list
        for s in range(ex_pre.size):
            if write:
                pre_out[c] = ex_pre[s]
                post_out[c] = ex_post[s]
            c += 1
    return c


def _count_synapses(src_n, link_src, link_tgt, link_rule, link_par, link_flags, ex_off, ex_pre,
                   ex_post, seeds):
    """(P, L) synapse counts. ``src_n`` (P, n_src) sizes, ``link_*`` (L,) structure,
    ``link_par`` (P, L) p or n, ``link_flags`` (L, 2) allow_self / allow_multapses,
    ``seeds`` (P, L) uint64 stream seeds."""
    P = src_n.shape[0]
    out = np.zeros((P, link_src.size), dtype=np.int64)
    for p in prange(P):  # the work is in a call: no scratch hoisted out and shared
        _count_one(p, src_n, link_src, link_tgt, link_rule, link_par, link_flags, ex_off, ex_pre,
                   ex_post, seeds, out)
    return out


def _count_synapses_serial(src_n, link_src, link_tgt, link_rule, link_par, link_flags, ex_off,
                           ex_pre, ex_post, seeds):
    """The same, serially (see the note at the end of the module)."""
    P = src_n.shape[0]
    out = np.zeros((P, link_src.size), dtype=np.int64)
    for p in range(P):
        _count_one(p, src_n, link_src, link_tgt, link_rule, link_par, link_flags, ex_off, ex_pre,
                   ex_post, seeds, out)
    return out


@njit(cache=True)
def _count_one(p, src_n, link_src, link_tgt, link_rule, link_par, link_flags, ex_off, ex_pre,
               ex_post, seeds, out):
    dummy = np.empty(0, dtype=np.int64)
    state = np.empty(1, dtype=np.uint64)
    for l in range(link_src.size):
        state[0] = seeds[p, l]
        s, t = link_src[l], link_tgt[l]
        out[p, l] = _pairs(link_rule[l], src_n[p, s], src_n[p, t], link_par[p, l], s == t,
                           link_flags[l, 0], link_flags[l, 1], ex_pre[ex_off[l]:ex_off[l + 1]],
                           ex_post[ex_off[l]:ex_off[l + 1]], state, dummy, dummy, False)


def _fill_synapses(src_n, link_src, link_tgt, link_rule, link_par, link_flags, ex_off, ex_pre,
                  ex_post, ex_w, ex_d, seeds, w_kind, w_a, w_b, w_clip, d_kind, d_a, d_b, dt,
                  rp_off, syn_off, row_ptr, syn_post, syn_w, syn_d):
    """Write the CSR arrays (see the module docstring). Weights and delays follow
    the pairs on the same stream; an explicit weight/delay (not NaN) is used as
    given. ``w_clip`` (L,) True clips weights at 0 (conductances)."""
    for p in prange(src_n.shape[0]):  # the work is in a call (see count_synapses)
        _fill_one(p, src_n, link_src, link_tgt, link_rule, link_par, link_flags, ex_off, ex_pre,
                  ex_post, ex_w, ex_d, seeds, w_kind, w_a, w_b, w_clip, d_kind, d_a, d_b, dt,
                  rp_off, syn_off, row_ptr, syn_post, syn_w, syn_d)


def _fill_synapses_serial(src_n, link_src, link_tgt, link_rule, link_par, link_flags, ex_off,
                          ex_pre, ex_post, ex_w, ex_d, seeds, w_kind, w_a, w_b, w_clip, d_kind,
                          d_a, d_b, dt, rp_off, syn_off, row_ptr, syn_post, syn_w, syn_d):
    """The same, serially."""
    for p in range(src_n.shape[0]):
        _fill_one(p, src_n, link_src, link_tgt, link_rule, link_par, link_flags, ex_off, ex_pre,
                  ex_post, ex_w, ex_d, seeds, w_kind, w_a, w_b, w_clip, d_kind, d_a, d_b, dt,
                  rp_off, syn_off, row_ptr, syn_post, syn_w, syn_d)


@njit(cache=True)
def _fill_one(p, src_n, link_src, link_tgt, link_rule, link_par, link_flags, ex_off, ex_pre,
              ex_post, ex_w, ex_d, seeds, w_kind, w_a, w_b, w_clip, d_kind, d_a, d_b, dt, rp_off,
              syn_off, row_ptr, syn_post, syn_w, syn_d):
    for l in range(link_src.size):
        state = np.empty(1, dtype=np.uint64)
        state[0] = seeds[p, l]
        s, t = link_src[l], link_tgt[l]
        n_pre = src_n[p, s]
        o = syn_off[p, l]
        n = syn_off[p, l + 1] - o
        pre = np.empty(n, dtype=np.int64)
        post = np.empty(n, dtype=np.int64)
        _pairs(link_rule[l], n_pre, src_n[p, t], link_par[p, l], s == t, link_flags[l, 0],
               link_flags[l, 1], ex_pre[ex_off[l]:ex_off[l + 1]],
               ex_post[ex_off[l]:ex_off[l + 1]], state, pre, post, True)
        # counting sort by pre (stable): CSR rows
        r0 = rp_off[p, l]
        for i in range(n_pre + 1):
            row_ptr[r0 + i] = 0
        for c in range(n):
            row_ptr[r0 + pre[c] + 1] += 1
        for i in range(n_pre):
            row_ptr[r0 + i + 1] += row_ptr[r0 + i]
        fillc = np.zeros(n_pre, dtype=np.int64)
        explicit = link_rule[l] == 5
        for c in range(n):
            i = pre[c]
            k = o + row_ptr[r0 + i] + fillc[i]
            fillc[i] += 1
            syn_post[k] = post[c]
            w = np.nan
            d = np.nan
            if explicit:
                w = ex_w[ex_off[l] + c]
                d = ex_d[ex_off[l] + c]
            if w != w:
                w = draw_value(w_kind[l], w_a[p, l], w_b[p, l], state)
            if d != d:
                d = draw_value(d_kind[l], d_a[p, l], d_b[p, l], state)
            if w_clip[l] and w < 0.0:
                w = 0.0
            syn_w[k] = w
            syn_d[k] = max(0, int(math.floor(d / dt + 0.5)))


# Parallel over candidates, and serial for one candidate (waking numba's thread pool
# costs more than the work there: 15-20 ms against 3 ms for CUBA's 320 000 synapses).
# Separate Python functions: numba's disk cache keys an entry on the function, so one
# function compiled both ways would load the wrong variant.
count_synapses = njit(parallel=True, cache=True)(_count_synapses)
fill_synapses = njit(parallel=True, cache=True)(_fill_synapses)
count_synapses_serial = njit(cache=True)(_count_synapses_serial)
fill_synapses_serial = njit(cache=True)(_fill_synapses_serial)


def build_synapses(tb, dt: float, *, parallel: bool):
    """Every candidate's synapses as flat CSR arrays: count, then fill.

    ``tb`` are the network's :class:`~spikeopt.network.tables.Tables`. Returns
    ``(rp_off, syn_off, row_ptr, syn_post, syn_w, syn_d)``: for candidate p and
    link l, ``row_ptr[rp_off[p, l]:][:n_pre + 1]`` indexes the synapses
    ``syn_off[p, l] + ...`` of each presynaptic neuron; ``syn_post`` the target
    neuron, ``syn_w`` the weight, ``syn_d`` the delay in steps of ``dt`` (ms).
    ``parallel`` runs the candidates on numba's threads.
    """
    P, L = tb.P, len(tb.link_names)
    count = count_synapses if parallel else count_synapses_serial
    fill = fill_synapses if parallel else fill_synapses_serial
    counts = count(tb.src_n, tb.link_src, tb.link_tgt, tb.link_rule, tb.link_par,
                   tb.link_flags, tb.ex_off, tb.ex_pre, tb.ex_post, tb.conn_seeds)
    flat = np.concatenate([[0], np.cumsum(counts.ravel())]).astype(np.int64)
    syn_off = flat[np.arange(P)[:, None] * L + np.arange(L + 1)[None, :]]
    n_pre = tb.src_n[:, tb.link_src] + 1 if L else np.zeros((P, 0), dtype=np.int64)
    rflat = np.concatenate([[0], np.cumsum(n_pre.ravel())])
    rp_off = rflat[:-1].reshape(P, L).astype(np.int64)
    n_syn = int(flat[-1])
    row_ptr = np.zeros(int(rflat[-1]), dtype=np.int64)
    syn_post = np.empty(n_syn, dtype=np.int32)
    syn_w = np.empty(n_syn)
    syn_d = np.empty(n_syn, dtype=np.int32)
    fill(tb.src_n, tb.link_src, tb.link_tgt, tb.link_rule, tb.link_par, tb.link_flags,
         tb.ex_off, tb.ex_pre, tb.ex_post, tb.ex_w, tb.ex_d, tb.conn_seeds, tb.w_kind,
         tb.w_a, tb.w_b, tb.w_clip, tb.d_kind, tb.d_a, tb.d_b, dt, rp_off, syn_off,
         row_ptr, syn_post, syn_w, syn_d)
    return rp_off, syn_off, row_ptr, syn_post, syn_w, syn_d
