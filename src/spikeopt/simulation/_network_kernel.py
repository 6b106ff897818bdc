"""The compiled time loop of a population of candidate networks.

One call runs every candidate network (``prange`` over candidates: one thread
runs one candidate from start to end, so no synchronisation per step). Within
a candidate, step k (t = k·dt) does, in this order:

1. input current of every neuron at t: its constant current plus every
   current channel (``I``) and conductance channel (``g·(E_rev - v)``);
2. state update of every population with its model's Euler step (the model's
   threshold and reset included, as in single-cell simulation);
3. (the decay of the synaptic variables is fused with step 6);
4. spikes of the step: neurons that crossed threshold, then the inputs'
   spikes of the step (Poisson/NetStim trains drawn in continuous time, given
   times rounded to the nearest step);
5. propagation: each spike of step k adds its synapses' weights to ring
   buffer slot (k + delay) of the target channel; plastic links deliver at
   arrival (their delay is one number) and update weights (pair STDP with
   traces: on a pre event ``w += apost`` after delivery, then ``apre +=
   A_plus``; on a post spike ``apost -= A_minus``, then ``w += apre``; clipped
   to [w_min, w_max]);
6. exact decay of the synaptic variables and delivery of ring slot k: delta
   channels add to v (except to neurons that spiked in this step — their reset
   wins, as in Brian2's schedule — and to LIF neurons in their refractory
   period, whose v is clamped: Brian2's conditional write, NEST's default;
   likewise GLIF neurons, frozen while refractory; a MAT neuron, whose v is
   never reset, takes every kick;
   an ``update: snnjl`` Izhikevich population, model id 6, takes every kick,
   as SpikingNeuralNetworks.jl adds them after its reset; its undelayed kicks
   (release probability 1) are added to v one by one in Float32 already in
   step 5, in SNN.jl's order: links as declared, presynaptic neurons ascending),
   current and conductance channels add to their variable (exp2: both A and B,
   times the peak factor): ``x = x·exp(-dt/tau) + arrivals``.

This is Brian2's default schedule (groups, thresholds, synapses, resets) with
the reset folded into the model step. Early stops: a NaN or |x| >= 1e30 state
("diverged"), a mean rate above ``max_rate_hz`` over a window ("runaway"), or
no spike for ``silence_ms`` ("silent").
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from numba import njit, prange

from .._numba_cache import MODEL_SOURCES, drop_stale_cache
from ..models.adex import _step as _adex
from ..models.glif import _step1 as _glif1
from ..models.glif import _step2 as _glif2
from ..models.glif import _step3 as _glif3
from ..models.glif import _step4 as _glif4
from ..models.glif import _step5 as _glif5
from ..models.hh import _step as _hh
from ..models.izhikevich import _step2003, _step2007
from ..models.lif import _step as _lif
from ..models.mat import _step as _mat
from ..models.traub_miles import _step as _traub_miles
from ..network.prng import exponential, uniform
from ._snnjl import step_snnjl as _izh_snnjl

drop_stale_cache(__file__, [*MODEL_SOURCES, Path(__file__).parents[1] / "network" / "prng.py",
                            Path(__file__).parent / "_snnjl.py"])

FAIL_NONE, FAIL_DIVERGED, FAIL_RUNAWAY, FAIL_SILENT = 0, 1, 2, 3
_BIG = 1e30


# Each model step as a function of its own (not inlined): inlining every model into
# the kernel made LLVM vectorise none of them (measured 2.3x slower). They are
# written out one by one, not made by a factory: numba's disk cache keys a closure
# by its name, line and signature only, so seven closures of one factory shared
# one cache entry and a process could run another model's step.
@njit(cache=True, error_model="numpy")
def _run_lif(st, pr, I, dt, spk):
    return _lif(st, pr, I, dt, spk)


@njit(cache=True, error_model="numpy")
def _run_izh(st, pr, I, dt, spk):
    return _step2003(st, pr, I, dt, spk)


@njit(cache=True, error_model="numpy")
def _run_izh07(st, pr, I, dt, spk):
    return _step2007(st, pr, I, dt, spk)


@njit(cache=True, error_model="numpy")
def _run_adex(st, pr, I, dt, spk):
    return _adex(st, pr, I, dt, spk)


@njit(cache=True, error_model="numpy")
def _run_hh(st, pr, I, dt, spk):
    return _hh(st, pr, I, dt, spk)


@njit(cache=True, error_model="numpy")
def _run_traub_miles(st, pr, I, dt, spk):
    return _traub_miles(st, pr, I, dt, spk)


@njit(cache=True, error_model="numpy")
def _run_izh_snnjl(st, pr, I, dt, spk):
    return _izh_snnjl(st, pr, I, dt, spk)


@njit(cache=True, error_model="numpy")
def _run_glif1(st, pr, I, dt, spk):
    return _glif1(st, pr, I, dt, spk)


@njit(cache=True, error_model="numpy")
def _run_glif2(st, pr, I, dt, spk):
    return _glif2(st, pr, I, dt, spk)


@njit(cache=True, error_model="numpy")
def _run_glif3(st, pr, I, dt, spk):
    return _glif3(st, pr, I, dt, spk)


@njit(cache=True, error_model="numpy")
def _run_glif4(st, pr, I, dt, spk):
    return _glif4(st, pr, I, dt, spk)


@njit(cache=True, error_model="numpy")
def _run_glif5(st, pr, I, dt, spk):
    return _glif5(st, pr, I, dt, spk)


@njit(cache=True, error_model="numpy")
def _run_mat(st, pr, I, dt, spk):
    return _mat(st, pr, I, dt, spk)


# model ids (spikeopt.network.tables.MODEL_IDS): 0 lif, 1 izhikevich, 2 izhikevich2007,
# 3 adex, 4 hh, 5 traub_miles, 6 izhikevich (update: snnjl), 7-11 glif1-glif5, 12 mat
@njit(inline="always", cache=True, error_model="numpy")
def _model_step(mid, st, pr, I, dt, spk):
    if mid == 0:
        return _run_lif(st, pr, I, dt, spk)
    if mid == 1:
        return _run_izh(st, pr, I, dt, spk)
    if mid == 2:
        return _run_izh07(st, pr, I, dt, spk)
    if mid == 3:
        return _run_adex(st, pr, I, dt, spk)
    if mid == 4:
        return _run_hh(st, pr, I, dt, spk)
    if mid == 6:
        return _run_izh_snnjl(st, pr, I, dt, spk)
    if mid == 7:
        return _run_glif1(st, pr, I, dt, spk)
    if mid == 8:
        return _run_glif2(st, pr, I, dt, spk)
    if mid == 9:
        return _run_glif3(st, pr, I, dt, spk)
    if mid == 10:
        return _run_glif4(st, pr, I, dt, spk)
    if mid == 11:
        return _run_glif5(st, pr, I, dt, spk)
    if mid == 12:
        return _run_mat(st, pr, I, dt, spk)
    return _run_traub_miles(st, pr, I, dt, spk)


@njit(inline="always", cache=True)
def _next_input_time(rate, noise, state):
    """The next NetStim interval (ms): (1 - noise)·mean + noise·mean·Exp(1)."""
    mean = 1000.0 / rate
    if noise == 0.0:
        return mean
    return (1.0 - noise) * mean + noise * mean * exponential(state)


@njit(cache=True, error_model="numpy")
def _candidate(p, n_steps, dt,
         src_n, pop_model, ns, npar, state, st_off, par, pr_off, iext, nrn_off,
         link_src, link_tgt, release, plastic, stdp, link_chan, chan_pop, chan_type, chan_par,
         inp_kind, inp_par, ev_off, ev_time, ev_idx, inp_seeds, rel_seeds,
         rp_off, syn_off, row_ptr, syn_post, syn_w, syn_d,
         rec_pop, cap_off, out_idx, out_step, out_n,
         rate_every, out_rate, probe_q, probe_r, probe_j, probe_every, out_probe,
         max_count, win_steps, silence_steps, fail_code, fail_step, n_events):
    """Simulate candidate p from start to end (its own thread; nothing shared but
    the candidate's own slices of the global arrays)."""
    n_pop = pop_model.size
    n_inp = inp_kind.size
    L = link_src.size
    C = chan_pop.size
    # ---------------------------------------------------------- layout
    n_src = n_pop + n_inp
    soff = np.zeros(n_src + 1, dtype=np.int64)  # source offsets (neurons, then inputs)
    for s in range(n_src):
        soff[s + 1] = soff[s] + src_n[p, s]
    N_tot = soff[n_pop]
    I = np.zeros(N_tot)
    # spike flags of each population also in an 8-aligned, zero-padded buffer read 8 at a
    # time (most words are zero): the compaction costs ~N/8 tests, not N
    poff = np.zeros(n_pop + 1, dtype=np.int64)
    for q in range(n_pop):
        poff[q + 1] = poff[q] + (src_n[p, q] + 7) // 8 * 8
    spk8 = np.zeros(max(poff[n_pop], 8), dtype=np.bool_)
    # the candidate's own copies (threads never touch one array's refcount together) and,
    # once, a view per population (no array views are made inside the time loop)
    s0 = st_off[p, 0]
    s1 = st_off[p, n_pop - 1] + ns[n_pop - 1] * src_n[p, n_pop - 1]
    S = state[s0:s1].copy()
    b0 = pr_off[p, 0]
    Pm = par[b0:pr_off[p, n_pop - 1] + npar[n_pop - 1] * src_n[p, n_pop - 1]].copy()
    Iext = iext[nrn_off[p, 0]:nrn_off[p, 0] + N_tot].copy()
    lst = np.empty(n_pop, dtype=np.int64)
    for q in range(n_pop):
        lst[q] = st_off[p, q] - s0
    sts = [S[lst[q]:lst[q] + ns[q] * src_n[p, q]].reshape((ns[q], src_n[p, q]))
           for q in range(n_pop)]
    prs = [Pm[pr_off[p, q] - b0:pr_off[p, q] - b0 + npar[q] * src_n[p, q]].reshape(
        (npar[q], src_n[p, q])) for q in range(n_pop)]
    Iv = [I[soff[q]:soff[q + 1]] for q in range(n_pop)]
    sv = [spk8[poff[q]:poff[q] + src_n[p, q]] for q in range(n_pop)]
    sw = [spk8[poff[q]:poff[q + 1]].view(np.uint64) for q in range(n_pop)]
    fidx = np.empty(soff[n_src], dtype=np.int64)  # fired sources of the step
    fmul = np.empty(soff[n_src], dtype=np.int64)
    fcnt = np.zeros(n_src, dtype=np.int64)
    rec_row = np.zeros(n_pop, dtype=np.int64)
    r = 0
    for q in range(n_pop):
        rec_row[q] = r
        if rec_pop[q]:
            r += src_n[p, q]
    # channels: variables (exp2 has two), ring offsets
    coff = np.zeros(C + 1, dtype=np.int64)
    voff = np.zeros(C + 1, dtype=np.int64)
    e1 = np.ones(C)
    e2 = np.ones(C)
    for c in range(C):
        Nc = src_n[p, chan_pop[c]]
        coff[c + 1] = coff[c] + Nc
        nv = 0 if chan_type[c] == 0 else (2 if chan_type[c] == 3 else 1)
        voff[c + 1] = voff[c] + nv * Nc
        if chan_type[c] != 0:
            e1[c] = math.exp(-dt / chan_par[p, c, 0])
            e2[c] = math.exp(-dt / chan_par[p, c, 1])
    cvar = np.zeros(voff[C])
    D = 1
    for l in range(L):
        if not plastic[l]:
            for s in range(syn_off[p, l], syn_off[p, l + 1]):
                if syn_d[s] + 1 > D:
                    D = syn_d[s] + 1
    ring = np.zeros((D, coff[C]))
    dconst = np.full(L, -1, dtype=np.int64)  # one delay (steps) for the whole link, or -1
    for l in range(L):
        a_, b_ = syn_off[p, l], syn_off[p, l + 1]
        if b_ > a_:
            d0 = syn_d[a_]
            same = True
            for y in range(a_, b_):
                if syn_d[y] != d0:
                    same = False
                    break
            if same:
                dconst[l] = d0
    # SNN.jl's forward!: undelayed delta kicks into an snnjl population go straight into v,
    # one at a time in Float32 (links in declared order, presynaptic neurons ascending)
    direct = np.zeros(L, dtype=np.bool_)
    for l in range(L):
        tq = link_tgt[l]
        direct[l] = (tq < n_pop and pop_model[tq] == 6 and chan_type[link_chan[l]] == 0
                     and not plastic[l] and dconst[l] == 0)
    # views made once (loops over views vectorise; offset arithmetic in the index does not)
    vv = [S[lst[q]:lst[q] + src_n[p, q]] for q in range(n_pop)]
    rv = [S[lst[q] + src_n[p, q]:lst[q] + 2 * src_n[p, q]] for q in range(n_pop)]
    xa_ = [cvar[voff[c]:voff[c] + src_n[p, chan_pop[c]]] for c in range(C)]
    xb_ = [cvar[voff[c] + src_n[p, chan_pop[c]]:voff[c + 1]] for c in range(C)]
    rows = [ring[d, coff[c]:coff[c + 1]] for c in range(C) for d in range(D)]
    # plastic links: traces, incoming index, spike history for the delay
    tr_off = np.zeros(L + 1, dtype=np.int64)  # apre slots per link (pre sources)
    ta_off = np.zeros(L + 1, dtype=np.int64)  # apost slots per link (post neurons)
    col_off = np.zeros(L + 1, dtype=np.int64)
    h_off = np.zeros(L + 1, dtype=np.int64)
    pdel = np.zeros(L, dtype=np.int64)
    for l in range(L):
        npre, npost = src_n[p, link_src[l]], src_n[p, link_tgt[l]]
        on = plastic[l]
        tr_off[l + 1] = tr_off[l] + (npre if on else 0)
        ta_off[l + 1] = ta_off[l] + (npost + 1 if on else 0)
        col_off[l + 1] = col_off[l] + (syn_off[p, l + 1] - syn_off[p, l] if on else 0)
        if on and syn_off[p, l + 1] > syn_off[p, l]:
            pdel[l] = syn_d[syn_off[p, l]]
        h_off[l + 1] = h_off[l] + ((pdel[l] + 1) * npre if on else 0)
    apre = np.zeros(tr_off[L])
    apost = np.zeros(ta_off[L])
    col_ptr = np.zeros(ta_off[L], dtype=np.int64)
    col_syn = np.empty(col_off[L], dtype=np.int64)
    col_pre = np.empty(col_off[L], dtype=np.int64)
    hist_i = np.empty(h_off[L], dtype=np.int64)
    hist_m = np.empty(h_off[L], dtype=np.int64)
    hn_off = np.zeros(L + 1, dtype=np.int64)  # spike counts per history slot
    for l in range(L):
        hn_off[l + 1] = hn_off[l] + (pdel[l] + 1 if plastic[l] else 0)
    hist_n = np.zeros(max(1, hn_off[L]), dtype=np.int64)
    for l in range(L):
        if not plastic[l]:
            continue
        npre, npost = src_n[p, link_src[l]], src_n[p, link_tgt[l]]
        so, ro = syn_off[p, l], rp_off[p, l]
        cp = ta_off[l]
        for i in range(npre):
            for s in range(so + row_ptr[ro + i], so + row_ptr[ro + i + 1]):
                col_ptr[cp + syn_post[s] + 1] += 1
        for j in range(npost):
            col_ptr[cp + j + 1] += col_ptr[cp + j]
        fill = np.zeros(npost, dtype=np.int64)
        for i in range(npre):
            for s in range(so + row_ptr[ro + i], so + row_ptr[ro + i + 1]):
                j = syn_post[s]
                k_ = col_off[l] + col_ptr[cp + j] + fill[j]
                fill[j] += 1
                col_syn[k_] = s
                col_pre[k_] = i
    # inputs: next event time (Poisson/NetStim) or cursor into the given times
    in_state = np.empty(max(n_inp, 1), dtype=np.uint64)
    nxt = np.full(soff[n_src] - N_tot, np.inf)
    cursor = np.zeros(max(n_inp, 1), dtype=np.int64)
    for i in range(n_inp):
        in_state[i] = inp_seeds[p, i]
        cursor[i] = ev_off[i]
        if inp_kind[i] == 0:
            rate, noise, start = inp_par[p, i, 0], inp_par[p, i, 1], inp_par[p, i, 2]
            if rate > 0.0:
                o = soff[n_pop + i] - N_tot
                st_ = in_state[i:i + 1]
                for j in range(src_n[p, n_pop + i]):
                    nxt[o + j] = start + noise * (1000.0 / rate) * exponential(st_)
                in_state[i] = st_[0]
    rel_state = np.empty(1, dtype=np.uint64)
    rel_state[0] = rel_seeds[p]
    cap_lo, cap = cap_off[p], cap_off[p + 1] - cap_off[p]
    n_rec = 0
    win = 0
    last_spike = 0
    events = 0
    fail = FAIL_NONE
    fstep = -1
    ep = np.ones(L)
    em = np.ones(L)
    for l in range(L):
        if plastic[l]:
            ep[l] = math.exp(-dt / stdp[p, l, 0])
            em[l] = math.exp(-dt / stdp[p, l, 1])
    # ------------------------------------------------------------ time loop
    for k in range(n_steps):
        if probe_every > 0 and k % probe_every == 0:
            smp = k // probe_every
            for x in range(probe_q.size):
                q = probe_q[x]
                N = src_n[p, q]
                j = probe_j[x]
                out_probe[p, x, smp] = S[lst[q] + probe_r[x] * N + j] if j < N else np.nan
        # 1. input currents at t
        I[:] = Iext
        for c in range(C):
            ty = chan_type[c]
            if ty == 0:
                continue
            q = chan_pop[c]
            N = src_n[p, q]
            Iq, xa = Iv[q], xa_[c]
            if ty == 1:
                for j in range(N):
                    Iq[j] += xa[j]
                continue
            E = chan_par[p, c, 2]
            vq = vv[q]
            if ty == 2:
                for j in range(N):
                    Iq[j] += xa[j] * (E - vq[j])
            else:
                xb = xb_[c]
                for j in range(N):
                    Iq[j] += (xb[j] - xa[j]) * (E - vq[j])
        # 2. state update, threshold and reset
        n_fired = 0
        for q in range(n_pop):
            N = src_n[p, q]
            o = soff[q]
            a0 = lst[q]
            ev = _model_step(pop_model[q], sts[q], prs[q], Iv[q], dt, sv[q])
            fcnt[q] = 0
            if k % 64 == 63 or k == n_steps - 1:  # NaN or overflow in any variable
                for x in range(ns[q] * N):
                    if not abs(S[a0 + x]) < _BIG:
                        fail = FAIL_DIVERGED
            if ev:  # spikes (or a NaN, caught by the check above)
                fo = soff[q]
                c_ = 0
                words = sw[q]
                flags = sv[q]
                for w_ in range(words.size):
                    if words[w_] != 0:
                        for j in range(8 * w_, min(8 * w_ + 8, N)):
                            if flags[j]:
                                fidx[fo + c_] = j
                                c_ += 1
                for x in range(c_):
                    fmul[fo + x] = 1
                fcnt[q] = c_
                n_fired += c_
        if fail != FAIL_NONE:
            fstep = k
            break
        # 3. decay of the synaptic variables: fused with the delivery (step 6)
        for l in range(L):
            if plastic[l]:
                for x in range(tr_off[l], tr_off[l + 1]):
                    apre[x] *= ep[l]
                for x in range(ta_off[l], ta_off[l + 1]):
                    apost[x] *= em[l]
        # 4. spikes of the inputs in this step
        t_hi = (k + 0.5) * dt
        for i in range(n_inp):
            s = n_pop + i
            fo = soff[s]
            c_ = 0
            if inp_kind[i] == 0:
                rate, noise, stop = inp_par[p, i, 0], inp_par[p, i, 1], inp_par[p, i, 3]
                o = fo - N_tot
                st_ = in_state[i:i + 1]
                for j in range(src_n[p, s]):
                    m = 0
                    while nxt[o + j] < t_hi:
                        if nxt[o + j] < stop:
                            m += 1
                        nxt[o + j] += _next_input_time(rate, noise, st_)
                    if m > 0:
                        fidx[fo + c_] = j
                        fmul[fo + c_] = m
                        c_ += 1
            else:
                while cursor[i] < ev_off[i + 1] and ev_time[cursor[i]] < t_hi:
                    fidx[fo + c_] = ev_idx[cursor[i]]
                    fmul[fo + c_] = 1
                    c_ += 1
                    cursor[i] += 1
            fcnt[s] = c_
        # record spikes and rates
        for q in range(n_pop):
            if fcnt[q] == 0:
                continue
            if rate_every > 0:
                out_rate[p, q, k // rate_every] += fcnt[q]
            if rec_pop[q]:
                for x in range(fcnt[q]):
                    if n_rec < cap:
                        out_idx[cap_lo + n_rec] = rec_row[q] + fidx[soff[q] + x]
                        out_step[cap_lo + n_rec] = k
                    n_rec += 1
        # 5. propagation into the ring buffer; plastic links at arrival
        slot = k % D
        for l in range(L):
            s = link_src[l]
            c = link_chan[l]
            cb = coff[c]
            so, ro = syn_off[p, l], rp_off[p, l]
            relp = release[p, l]
            if not plastic[l]:
                fo = soff[s]
                for x in range(fcnt[s]):
                    i = fidx[fo + x]
                    m = fmul[fo + x]
                    y0, y1 = so + row_ptr[ro + i], so + row_ptr[ro + i + 1]
                    events += m * (y1 - y0)
                    if relp >= 1.0 and m == 1 and direct[l]:
                        vq = vv[link_tgt[l]]
                        for y in range(y0, y1):
                            j = syn_post[y]
                            vq[j] = np.float32(np.float32(vq[j]) + np.float32(syn_w[y]))
                        continue
                    if relp >= 1.0 and m == 1 and dconst[l] >= 0:  # the common case
                        row = rows[c * D + (slot + dconst[l]) % D]
                        for y in range(y0, y1):
                            row[syn_post[y]] += syn_w[y]
                        continue
                    if relp >= 1.0 and m == 1:  # no draws, no products
                        for y in range(y0, y1):
                            sl = slot + syn_d[y]
                            sl = sl - D if sl >= D else sl
                            ring[sl, cb + syn_post[y]] += syn_w[y]
                        continue
                    for y in range(y0, y1):
                        hits = m
                        if relp < 1.0:
                            hits = 0
                            for _ in range(m):
                                if uniform(rel_state) < relp:
                                    hits += 1
                        sl = slot + syn_d[y]
                        sl = sl - D if sl >= D else sl
                        ring[sl, cb + syn_post[y]] += syn_w[y] * hits
                continue
            # plastic: remember this step's pre spikes, process those arriving now
            H = pdel[l] + 1
            npre = src_n[p, s]
            hs = k % H
            fo = soff[s]
            hb = h_off[l] + hs * npre
            for x in range(fcnt[s]):
                hist_i[hb + x] = fidx[fo + x]
                hist_m[hb + x] = fmul[fo + x]
            hist_n[hn_off[l] + hs] = fcnt[s]
            if k < pdel[l]:
                continue
            ha = (k - pdel[l]) % H
            hb = h_off[l] + ha * npre
            wmin, wmax = stdp[p, l, 4], stdp[p, l, 5]
            ap_plus = stdp[p, l, 2]
            ab = ta_off[l]
            for x in range(hist_n[hn_off[l] + ha]):
                i = hist_i[hb + x]
                for _ in range(hist_m[hb + x]):
                    for y in range(so + row_ptr[ro + i], so + row_ptr[ro + i + 1]):
                        j = syn_post[y]
                        if relp >= 1.0 or uniform(rel_state) < relp:
                            ring[slot, cb + j] += syn_w[y]
                        w = syn_w[y] + apost[ab + j]
                        syn_w[y] = min(max(w, wmin), wmax)
                    apre[tr_off[l] + i] += ap_plus
                    events += row_ptr[ro + i + 1] - row_ptr[ro + i]
        for l in range(L):  # post spikes of plastic links (after every pre event)
            if not plastic[l]:
                continue
            tq = link_tgt[l]
            wmin, wmax = stdp[p, l, 4], stdp[p, l, 5]
            a_minus = stdp[p, l, 3]
            ab, cp, cb_ = ta_off[l], ta_off[l], col_off[l]
            fo = soff[tq]
            for x in range(fcnt[tq]):
                j = fidx[fo + x]
                apost[ab + j] -= a_minus
                for z in range(cb_ + col_ptr[cp + j], cb_ + col_ptr[cp + j + 1]):
                    y = col_syn[z]
                    w = syn_w[y] + apre[tr_off[l] + col_pre[z]]
                    syn_w[y] = min(max(w, wmin), wmax)
        # 6. exact decay of the synaptic variables, then delivery of slot k, in one
        #    branch-free pass per channel: x = x·exp(-dt/tau) + arrivals
        for c in range(C):
            q = chan_pop[c]
            N = src_n[p, q]
            rs = rows[c * D + slot]
            ty = chan_type[c]
            if ty == 0:
                vq = vv[q]
                if pop_model[q] == 0:  # LIF: refractory neurons ignore delta input
                    rq = rv[q]
                    for j in range(N):
                        vq[j] += 0.0 if rq[j] > 0.0 else rs[j]
                        rs[j] = 0.0
                elif 7 <= pop_model[q] <= 11:  # GLIF: V frozen while refractory (row 1),
                    rq = rv[q]                 # and the reset of a spiking neuron wins
                    sq = sv[q]
                    for j in range(N):
                        vq[j] += 0.0 if (rq[j] > 0.0 or sq[j]) else rs[j]
                        rs[j] = 0.0
                elif pop_model[q] == 6 or pop_model[q] == 12:
                    # SNN.jl: kicks also reach neurons just reset; MAT: v is never reset
                    for j in range(N):
                        vq[j] += rs[j]
                        rs[j] = 0.0
                else:
                    sq = sv[q]
                    for j in range(N):
                        vq[j] += 0.0 if sq[j] else rs[j]
                        rs[j] = 0.0
            elif ty == 3:
                f = chan_par[p, c, 3]
                d1, d2 = e1[c], e2[c]
                xa, xb = xa_[c], xb_[c]
                for j in range(N):
                    x = rs[j] * f
                    xa[j] = xa[j] * d1 + x
                    xb[j] = xb[j] * d2 + x
                    rs[j] = 0.0
            else:
                d1 = e1[c]
                xa = xa_[c]
                for j in range(N):
                    xa[j] = xa[j] * d1 + rs[j]
                    rs[j] = 0.0
        # early stops
        if n_fired > 0:
            last_spike = k
        win += n_fired
        if win_steps > 0 and k % win_steps == win_steps - 1:
            if win > max_count[p]:
                fail = FAIL_RUNAWAY
                fstep = k
                break
            win = 0
        if silence_steps > 0 and k - last_spike >= silence_steps:
            fail = FAIL_SILENT
            fstep = k
            break
    state[s0:s1] = S  # the final state
    out_n[p] = n_rec
    fail_code[p] = fail
    fail_step[p] = fstep
    n_events[p] = events


def _drive_parallel(cands, n_steps, dt, src_n, pop_model, ns, npar, state, st_off, par, pr_off,
                    iext, nrn_off, link_src, link_tgt, release, plastic, stdp, link_chan, chan_pop,
                    chan_type, chan_par, inp_kind, inp_par, ev_off, ev_time, ev_idx, inp_seeds,
                    rel_seeds, rp_off, syn_off, row_ptr, syn_post, syn_w, syn_d, rec_pop, cap_off,
                    out_idx, out_step, out_n, rate_every, out_rate, probe_q, probe_r, probe_j,
                    probe_every, out_probe, max_count, win_steps, silence_steps, fail_code,
                    fail_step, n_events):
    for ci in prange(cands.size):  # explicit arguments: numba does not parallelise *args
        _candidate(cands[ci], n_steps, dt, src_n, pop_model, ns, npar, state, st_off, par, pr_off,
                   iext, nrn_off, link_src, link_tgt, release, plastic, stdp, link_chan, chan_pop,
                   chan_type, chan_par, inp_kind, inp_par, ev_off, ev_time, ev_idx, inp_seeds,
                   rel_seeds, rp_off, syn_off, row_ptr, syn_post, syn_w, syn_d, rec_pop, cap_off,
                   out_idx, out_step, out_n, rate_every, out_rate, probe_q, probe_r, probe_j,
                   probe_every, out_probe, max_count, win_steps, silence_steps, fail_code,
                   fail_step, n_events)


def _drive_serial(cands, n_steps, dt, src_n, pop_model, ns, npar, state, st_off, par, pr_off, iext,
                  nrn_off, link_src, link_tgt, release, plastic, stdp, link_chan, chan_pop,
                  chan_type, chan_par, inp_kind, inp_par, ev_off, ev_time, ev_idx, inp_seeds,
                  rel_seeds, rp_off, syn_off, row_ptr, syn_post, syn_w, syn_d, rec_pop, cap_off,
                  out_idx, out_step, out_n, rate_every, out_rate, probe_q, probe_r, probe_j,
                  probe_every, out_probe, max_count, win_steps, silence_steps, fail_code,
                  fail_step, n_events):
    for ci in range(cands.size):
        _candidate(cands[ci], n_steps, dt, src_n, pop_model, ns, npar, state, st_off, par, pr_off,
                   iext, nrn_off, link_src, link_tgt, release, plastic, stdp, link_chan, chan_pop,
                   chan_type, chan_par, inp_kind, inp_par, ev_off, ev_time, ev_idx, inp_seeds,
                   rel_seeds, rp_off, syn_off, row_ptr, syn_post, syn_w, syn_d, rec_pop, cap_off,
                   out_idx, out_step, out_n, rate_every, out_rate, probe_q, probe_r, probe_j,
                   probe_every, out_probe, max_count, win_steps, silence_steps, fail_code,
                   fail_step, n_events)


# Two functions, not one compiled twice: numba's cache keys an entry on the Python
# function, so a parallel and a serial compilation of one function overwrite each
# other on disk (the parallel one then ran serially). The prange body is a call, so
# that numba hoists no loop-invariant allocation out of it (shared between threads);
# its arguments are explicit because numba does not parallelise a loop over *args.
run_parallel = njit(parallel=True, cache=True, error_model="numpy")(_drive_parallel)
run_serial = njit(cache=True, error_model="numpy")(_drive_serial)

