"""Batched numba kernel of GeNN_Autoparam's mushroom body (private to
:mod:`spikeopt.tasks.mushroom_body`).

Everything is float32, as GeNN's model ("float" precision), and follows GeNN 4's
order of one time step n (t_n = n·dt):

1. synapse update, for the spikes emitted in step n-1:
   PN → KC ``inSyn += 0.0033555`` µS; KC → DN ``inSyn_d += g[d, k]`` then, if
   plastic, ``g += a (exp(-(t_n - sT_post)/τ) - offset)`` clipped to [0, wMax];
   KC → GGN ``inSyn += 1``; GGN → KC ``inSyn += -5``; then the DN spikes' learning
   (``learn_post``) over every KC with ``t_n - sT_pre``;
2. neuron update: ``Isyn`` from the synaptic state (ExpCond ``inSyn (0 - V)``,
   ExpCurr ``init·inSyn``, DeltaCurr ``inSyn``, plus the teacher current), 25 Euler
   sub-steps of ``dt/25`` (TraubMiles), spike when V goes from < 0 to >= 0, ``sT = t_n``,
   then the synaptic decay ``inSyn *= exp(-dt/τ_syn)``. GGN: ``V += Isyn``, spike at
   ``V >= 40``, reset to 0.

A step's spikes therefore act on their targets one step later, as in GeNN. The
TraubMiles rates use 2 exponentials instead of GeNN's 6 (``q = exp(-V/40)``, whose
powers give ``exp(-V/5)`` = q⁸ and ``exp(-V/4)`` = q¹⁰, the β's of m and h rewritten
in ``exp(-V/5)``; and ``exp(-V/18)``): equal to GeNN's expressions up to ~10 float32
ulp. Nothing may enter float32's denormal range, which costs a microcode assist per
operation: synaptic conductances below 1e-30 µS are flushed to 0 and the ionic
currents use ``max(m, 1e-9)**3`` and ``max(n, 1e-7)**4`` (a change below 1e-23 nA).
Plasticity uses the accurate ``expf``.

The PN input spikes, the PN → KC connectivity and the initial weights come from the
caller (drawn from each candidate's seed), so a candidate's result never depends on
the other candidates of its batch.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, types
from numba.extending import intrinsic

__all__ = ["simulate", "refractory_spikes", "fi_counts", "N_DN", "N_PN"]

N_DN = 4
N_PN = 784
# no nnan/ninf anywhere: a blown-up neuron must stay NaN (detected, and silent as in GeNN)
_FM = {"nsz", "arcp", "contract"}
_FM_HH = {"nsz", "arcp", "contract", "afn", "reassoc"}

F = np.float32
_F0, _F1 = F(0.0), F(1.0)
# TraubMiles (GeNN): gNa, ENa, gK, EK, gl, El, C
_GNA, _ENA, _GK, _EK, _GL, _EL, _C = (F(7.15), F(50.0), F(1.43), F(-95.0), F(0.02672),
                                      F(-63.563), F(0.143))
_INV_C = F(1.0 / 0.143)
V0, M0, H0, N0 = F(-60.0), F(0.0529324), F(0.3176767), F(0.5961207)
_E13, _E10, _E5 = F(np.exp(-13.0)), F(np.exp(-10.0)), F(np.exp(5.0))
_K_AH = F(0.128 * np.exp(-48.0 / 18.0))
_K_BN = F(0.5 * np.exp(-55.0 / 40.0))
_M40, _M18 = F(-1.0 / 40.0), F(-1.0 / 18.0)
_A_M0, _B_M0, _A_N0 = F(1.28), F(1.4), F(0.16)
_C032, _C028, _C0032, _C4 = F(0.32), F(0.28), F(0.032), F(4.0)
_VM52, _VM25, _VM50, _V25 = F(-52.0), F(-25.0), F(-50.0), F(25.0)
_G_PNKC = F(0.0033555)
_G_GGNKC = F(-5.0)
_GGN_THRESH = F(40.0)
_TINY = F(1e-30)
# Far below rest (the GGN's -5 nA kicks take KCs to -150 mV and below) m and n fall
# to ~1e-14 and m**3, n**4 into float32's denormal range, which is ~5x slower. The
# currents use max(m, 1e-9) and max(n, 1e-7): a change below 1e-23 nA.
_M_FLOOR, _N_FLOOR = F(1e-9), F(1e-7)

# exp for float32: Cody–Waite reduction, Cephes' expf polynomial (< 2 ulp on
# [-87, 88]), 2**k from its IEEE-754 bits; branch-free so that loops vectorise.
_LOG2E = F(1.4426950408889634)
_LN2HI, _LN2LO = F(0.693359375), F(-2.12194440e-4)


@intrinsic
def _f32_from_bits(typingctx, x):
    sig = types.float32(types.int32)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float32))

    return sig, codegen


@njit(inline="always", fastmath=_FM, error_model="numpy", cache=True)
def _exp32(x):
    x = F(88.0) if x > F(88.0) else x
    x = F(-87.0) if x < F(-87.0) else x
    k = np.floor(x * _LOG2E + F(0.5))
    r = (x - k * _LN2HI) - k * _LN2LO
    p = F(1.9875691500e-4)
    p = p * r + F(1.3981999507e-3)
    p = p * r + F(8.3334519073e-3)
    p = p * r + F(4.1665795894e-2)
    p = p * r + F(1.6666665459e-1)
    p = p * r + F(5.0000001201e-1)
    p = p * r * r + r + _F1
    return p * _f32_from_bits((np.int32(k) + np.int32(127)) << np.int32(23))


@njit(fastmath=_FM_HH, error_model="numpy", cache=True)
def _traub_miles(st, I, mdt):
    """25 Euler sub-steps of GeNN's TraubMiles for the neurons of ``st`` (4, N) = V, m,
    h, n (float32; I (N,) in nA, held for the whole step). One 2-D state array (not
    four) lets LLVM vectorise the loop without a runtime alias check per pair."""
    N = I.size
    for _ in range(25):
        for j in range(N):
            Vj = st[0, j]
            mj = st[1, j]
            hj = st[2, j]
            nj = st[3, j]
            mc = mj if mj > _M_FLOOR else _M_FLOOR  # m**3 and n**4 must not underflow
            nc = nj if nj > _N_FLOOR else _N_FLOOR
            Imem = -(mc * mc * mc * hj * _GNA * (Vj - _ENA) + nc * nc * nc * nc * _GK * (Vj - _EK)
                     + _GL * (Vj - _EL) - I[j])
            q = _exp32(Vj * _M40)  # exp(-V/40)
            x = q * q
            x2 = x * x
            x4 = x2 * x2  # exp(-V/5)
            w = _VM52 - Vj
            a = _A_M0 if Vj == _VM52 else _C032 * w / (_E13 * x4 * x - _F1)
            y = Vj + _V25  # exp((V + 25)/5) = E5/x4
            b = _B_M0 if Vj == _VM25 else _C028 * y * x4 / (_E5 - x4)
            st[1, j] = mj + (a * (_F1 - mj) - b * mj) * mdt
            a = _K_AH * _exp32(Vj * _M18)
            b = _C4 * _E5 / (_E5 + x4)  # 4/(exp((-25 - V)/5) + 1)
            st[2, j] = hj + (a * (_F1 - hj) - b * hj) * mdt
            w = _VM50 - Vj
            a = _A_N0 if Vj == _VM50 else _C0032 * w / (_E10 * x4 - _F1)
            b = _K_BN * q  # 0.5 exp((-55 - V)/40)
            st[3, j] = nj + (a * (_F1 - nj) - b * nj) * mdt
            st[0, j] = Vj + Imem * _INV_C * mdt


@njit(cache=True)
def _init_state(n):
    st = np.empty((4, n), dtype=np.float32)
    for j in range(n):
        st[0, j] = V0
        st[1, j] = M0
        st[2, j] = H0
        st[3, j] = N0
    return st


@njit(inline="always", cache=True)
def _stdp(g, dt_ms, tau, a, off, wmax):
    """GeNN's "stdp_additive" update of one weight (float32; Δt > 0 checked by the caller)."""
    timing = np.exp(-dt_ms / tau) - off
    w = g + a * timing
    w = w if w < wmax else wmax  # fmin(wMax, w): NaN gives wMax
    return w if w > _F0 else _F0  # fmax(wMin = 0, w)


@njit(parallel=True, fastmath=_FM, error_model="numpy", cache=True)
def simulate(n_kc, conn_ptr, conn_idx, pn_ptr, pn_idx, w0, tau, a, wmax, offset, teacher,
             slot_label, slot_teacher, slot_plastic, image_steps, blank_steps, dt,
             abort_on_nan, order, w_out, dn_count, dn_drive, first2, kc_slot, wmean, vmean,
             kc_count, status, rec_step, rec_id, rec_n):
    """Simulate P candidates (prange); see the module docstring for the model.

    Inputs: ``n_kc`` (P,) int; ``conn_ptr`` (P, 785) int64 offsets into ``conn_idx``
    (KC targets of each PN); ``pn_ptr`` (P, T + 1) int64 offsets into ``pn_idx`` (the PN
    spikes of each step); ``w0`` (P, 4, Nmax) float32 initial KC → DN weights (µS);
    ``tau`` (ms), ``a``, ``wmax`` (µS), ``offset``, ``teacher`` (nA): (P,) float32;
    ``slot_label``/``slot_teacher``/``slot_plastic`` (S,): the schedule of image slots
    (``image_steps`` steps of image then ``blank_steps`` of blank each); ``order``
    (P,) the order in which candidates are handed to threads (e.g. largest first).
    Outputs (written in place): ``w_out`` (P, 4, Nmax) final weights; ``dn_count``
    (P, S, 4) DN spikes in each image window; ``dn_drive`` (P, S, 4) the KC → DN
    conductance summed over the image window × dt (µS·ms); ``first2`` (P, S, 2) the DNs of the first
    two DN spikes of each image window (index order within a step; -1: none);
    ``kc_slot`` (P, S) KC spikes per slot; ``wmean``/``vmean`` (P, S) mean KC → DN
    weight and mean KC V (mV) at the end of each slot; ``kc_count`` (P, Nmax) spikes
    per KC; ``status`` (P,) bit 1: a KC V became NaN, bit 2: a DN V became NaN;
    ``rec_step``/``rec_id`` (P, R) the first R DN spikes (step, DN), ``rec_n`` (P,)
    how many DN spikes there were.
    """
    P = n_kc.shape[0]
    S = slot_label.shape[0]
    spp = image_steps + blank_steps
    R = rec_step.shape[1]
    dtf = F(dt)
    mdt = F(dt / 25.0)
    dec_pn = F(np.exp(-dt / 1.0))
    dec_kd = F(np.exp(-dt / 10.0))
    dec_ggn = F(np.exp(-dt / 20.0))
    init_ggn = F(20.0 * (1.0 - np.exp(-dt / 20.0)) / dt)  # GeNN's ExpCurr "init"
    never = np.int64(-(1 << 40))
    for q in prange(P):
        p = order[q]
        n = n_kc[p]
        tau_p, a_p, off_p, wmax_p, teach_p = tau[p], a[p], offset[p], wmax[p], teacher[p]
        st = _init_state(n)
        V = st[0]
        I = np.zeros(n, dtype=np.float32)
        below = np.zeros(n, dtype=np.bool_)
        gpn = np.zeros(n, dtype=np.float32)
        sT = np.full(n, never)
        spk = np.zeros(n, dtype=np.int32)
        nspk = 0
        g = np.empty((N_DN, n), dtype=np.float32)
        for d in range(N_DN):
            for j in range(n):
                g[d, j] = w0[p, d, j]
        dst = _init_state(N_DN)
        dV = dst[0]
        dI = np.zeros(N_DN, dtype=np.float32)
        gdn = np.zeros(N_DN, dtype=np.float32)
        sTd = np.full(N_DN, never)
        dspk = np.zeros(N_DN, dtype=np.bool_)
        dbelow = np.zeros(N_DN, dtype=np.bool_)
        Iteach = np.zeros(N_DN, dtype=np.float32)
        ggn_v = _F0
        ggn_in = _F0
        ggn_spk = False
        gggn = _F0
        nrec = 0
        for s in range(S):
            plastic = slot_plastic[s]
            for d in range(N_DN):
                if slot_teacher[s]:
                    Iteach[d] = teach_p if d == slot_label[s] else -teach_p
                else:
                    Iteach[d] = _F0
            nfirst = 0
            nkc_slot = 0
            for k in range(spp):
                step = np.int64(s) * spp + k
                # -- synapse update: the spikes of step - 1 --------------------------
                if step > 0:
                    for e in range(pn_ptr[p, step - 1], pn_ptr[p, step]):
                        pn = pn_idx[e]
                        for c in range(conn_ptr[p, pn], conn_ptr[p, pn + 1]):
                            gpn[conn_idx[c]] += _G_PNKC
                for i in range(nspk):
                    j = spk[i]
                    ggn_in += _F1
                    for d in range(N_DN):
                        gdn[d] += g[d, j]
                        if plastic:
                            lag = step - sTd[d]
                            if lag > 0:
                                g[d, j] = _stdp(g[d, j], F(lag) * dtf, tau_p, a_p, off_p, wmax_p)
                if ggn_spk:
                    gggn += _G_GGNKC
                if plastic:
                    for d in range(N_DN):
                        if dspk[d]:
                            for j in range(n):
                                lag = step - sT[j]
                                if lag > 0:
                                    g[d, j] = _stdp(g[d, j], F(lag) * dtf, tau_p, a_p, off_p,
                                                    wmax_p)
                # -- neuron update ---------------------------------------------------
                Iggn = init_ggn * gggn
                for j in range(n):
                    I[j] = gpn[j] * (_F0 - V[j]) + Iggn
                    below[j] = V[j] < _F0
                _traub_miles(st, I, mdt)
                nspk = 0
                for j in range(n):
                    if below[j] and V[j] >= _F0:
                        spk[nspk] = j
                        nspk += 1
                        sT[j] = step
                        kc_count[p, j] += 1
                nkc_slot += nspk
                for j in range(n):
                    x = gpn[j] * dec_pn
                    gpn[j] = x if x > _TINY else _F0
                x = gggn * dec_ggn
                gggn = x if abs(x) > _TINY else _F0
                for d in range(N_DN):
                    dI[d] = gdn[d] * (_F0 - dV[d]) + Iteach[d]
                    dbelow[d] = dV[d] < _F0
                    if k < image_steps:
                        dn_drive[p, s, d] += gdn[d] * dt
                _traub_miles(dst, dI, mdt)
                for d in range(N_DN):
                    dspk[d] = dbelow[d] and dV[d] >= _F0
                    if dspk[d]:
                        sTd[d] = step
                        if nrec < R:
                            rec_step[p, nrec] = step
                            rec_id[p, nrec] = d
                        nrec += 1
                        if k < image_steps:
                            dn_count[p, s, d] += 1
                            if nfirst < 2:
                                first2[p, s, nfirst] = d
                                nfirst += 1
                    x = gdn[d] * dec_kd
                    gdn[d] = x if abs(x) > _TINY else _F0
                ggn_v += ggn_in
                ggn_in = _F0
                ggn_spk = ggn_v >= _GGN_THRESH
                if ggn_spk:
                    ggn_v = _F0
            # -- end of slot: the checks upstream makes between images ---------------
            kc_slot[p, s] = nkc_slot
            sw = 0.0
            for d in range(N_DN):
                for j in range(n):
                    sw += g[d, j]
            sv = 0.0
            for j in range(n):
                sv += V[j]
            wmean[p, s] = sw / max(N_DN * n, 1) if n > 0 else np.nan
            vmean[p, s] = sv / n if n > 0 else np.nan
            if sv != sv:
                status[p] |= 1
            for d in range(N_DN):
                if dV[d] != dV[d]:
                    status[p] |= 2
            if abort_on_nan and status[p] != 0:
                break
        rec_n[p] = nrec
        for d in range(N_DN):
            for j in range(n):
                w_out[p, d, j] = g[d, j]


@njit(cache=True)
def refractory_spikes(u, prob, dead):
    """Spikes of Poisson input neurons over one image: ``u`` (steps, k) uniform draws,
    ``prob`` (k,) per-step probabilities. GeNN's ``Poisson`` neuron returns to rest at
    the first step with ``t - spikeTime > tspike`` and draws again only after that
    step and once ``t - spikeTime > trefract``, so after a spike the next ``dead``
    steps cannot spike (tspike 0.2 ms, trefract 0.3 ms: 3 at 0.1 ms).
    Returns a (steps, k) bool array."""
    T, K = u.shape
    out = np.zeros((T, K), dtype=np.bool_)
    for c in range(K):
        pc = prob[c]
        nxt = 0
        for t in range(T):
            if t >= nxt and u[t, c] < pc:
                out[t, c] = True
                nxt = t + dead + 1
    return out


@njit(cache=True)
def fi_counts(I_nA, steps, dt):
    """Spike counts and first-spike step of independent TraubMiles cells (this
    kernel's float32 step) driven by constant currents ``I_nA`` for ``steps`` steps."""
    N = I_nA.shape[0]
    st = _init_state(N)
    V = st[0]
    I = I_nA.astype(np.float32)
    below = np.zeros(N, dtype=np.bool_)
    counts = np.zeros(N, dtype=np.int64)
    first = np.full(N, -1, dtype=np.int64)
    mdt = F(dt / 25.0)
    for t in range(steps):
        for j in range(N):
            below[j] = V[j] < _F0
        _traub_miles(st, I, mdt)
        for j in range(N):
            if below[j] and V[j] >= _F0:
                counts[j] += 1
                if first[j] < 0:
                    first[j] = t
    return counts, first
