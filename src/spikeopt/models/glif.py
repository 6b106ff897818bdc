"""Generalized leaky integrate-and-fire models GLIF1–GLIF5 (Allen Institute).

Reference: Teeter, C. et al. (2018). Generalized leaky integrate-and-fire
models classify multiple neuron types. Nat. Commun. 9, 709; the Allen Cell
Types Database GLIF technical white paper; NEST's ``glif_psc`` (its defaults,
an Allen Cell Types fit, are the defaults here).

All five share one kernel (:func:`_glif`) with three switches:

* **R** (reset rules, GLIF2/4/5): a spike-induced threshold component θ_s,
  ``dθ_s/dt = -b_s θ_s``, and the voltage reset
  ``V <- E_L + f_v (V_before - E_L) + delta_V`` from the potential at the start
  of the spiking step (the Allen SDK's and NEST's ``v_before`` rule; Teeter et al.
  write the intercept with the opposite sign). Without R (GLIF1/3): ``V <- V_reset``
  (the Allen SDK resets to E_L: set V_reset = E_L).
* **ASC** (after-spike currents, GLIF3/4/5): two currents ``dI_j/dt = -k_j I_j``
  (pA) added to the input.
* **A** (GLIF5): a voltage-dependent threshold component
  ``dθ_v/dt = a_v (V - E_L) - b_v θ_v``.

``C dV/dt = I + I_1 + I_2 - g_L (V - E_L)`` (C pF, g_L nS, V mV, currents pA,
t ms); a spike when ``V > θ_inf + θ_s + θ_v``. As in the Allen SDK and NEST,
the reset values are those at the end of the refractory period: the neuron is
frozen (V, θ_s, I_j, θ_v held) for ``t_ref`` and, at the spike,

    θ_s <- θ_s exp(-b_s t_ref) + delta_theta_s,    I_j <- A_j + r_j I_j exp(-k_j t_ref)

(θ_v keeps its value). Numerics: forward Euler of every equation at the user's
dt (the Allen SDK integrates at 0.05 ms with exact decays, NEST exactly);
refractoriness is Brian2's rule as for ``lif`` (after a spike at step k_s the
neuron is frozen at steps k with ``k - k_s < int((t_ref + 1e-3*dt) / dt)``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..params import Parameter
from ._math import fast_exp
from .base import Model

__all__ = ["GLIF1", "GLIF2", "GLIF3", "GLIF4", "GLIF5"]


@njit(inline="always", cache=True)
def _glif(st, pr, I, dt, spk, R, ASC, A):
    """One step of GLIF with the reset rules (R), after-spike currents (ASC) and
    the voltage-dependent threshold (A) switched on by compile-time constants.

    Parameter rows: C, g_L, E_L, theta_inf, t_ref, then V_reset (not R) or f_v,
    delta_V, delta_theta_s, b_s (R), then A1, A2, k1, k2, r1, r2 (ASC), then
    a_v, b_v (A). State rows: V, refractory_steps, then theta_s (R), I1, I2
    (ASC), theta_v (A). Absent groups alias rows that are never used.
    """
    V, cd = st[0], st[1]
    C, gL, EL, thinf, tref = pr[0], pr[1], pr[2], pr[3], pr[4]
    ia = 9 if R else 6  # first ASC parameter row
    iv = ia + 6 if ASC else ia  # first theta_v parameter row
    ka = 3 if R else 2  # first ASC state row
    kv = ka + 2 if ASC else ka  # theta_v state row
    Vr = pr[5]  # V_reset (without R) or f_v
    dV, dth, bs = (pr[6], pr[7], pr[8]) if R else (Vr, Vr, Vr)
    ths = st[2] if R else V
    A1, A2, k1, k2, r1, r2 = ((pr[ia], pr[ia + 1], pr[ia + 2], pr[ia + 3], pr[ia + 4],
                               pr[ia + 5]) if ASC else (C, C, C, C, C, C))
    I1, I2 = (st[ka], st[ka + 1]) if ASC else (V, V)
    av, bv = (pr[iv], pr[iv + 1]) if A else (C, C)
    thv = st[kv] if A else V
    ev = False
    inv_dt = 1.0 / dt
    for j in range(V.size):
        cdj = cd[j] - 1.0
        active = cdj <= 0.0
        vj = V[j]
        i1 = I1[j] if ASC else 0.0
        i2 = I2[j] if ASC else 0.0
        vn = vj + dt * (I[j] + i1 + i2 - gL[j] * (vj - EL[j])) / C[j]
        sn = ths[j] - dt * bs[j] * ths[j] if R else 0.0
        i1n = i1 - dt * k1[j] * i1 if ASC else 0.0
        i2n = i2 - dt * k2[j] * i2 if ASC else 0.0
        tvn = thv[j] + dt * (av[j] * (vj - EL[j]) - bv[j] * thv[j]) if A else 0.0
        s = active and vn > thinf[j] + sn + tvn
        reset = EL[j] + Vr[j] * (vj - EL[j]) + dV[j] if R else Vr[j]
        V[j] = reset if s else (vn if active else vj)
        if R:  # a compile-time constant: no branch is left in the loop
            ths[j] = (sn * fast_exp(-bs[j] * tref[j]) + dth[j] if s else
                      (sn if active else ths[j]))
        if ASC:
            I1[j] = A1[j] + r1[j] * i1n * fast_exp(-k1[j] * tref[j]) if s else (
                i1n if active else i1)
            I2[j] = A2[j] + r2[j] * i2n * fast_exp(-k2[j] * tref[j]) if s else (
                i2n if active else i2)
        if A:
            thv[j] = tvn if active else thv[j]
        cd[j] = np.floor((tref[j] + 1e-3 * dt) * inv_dt) if s else (cdj if cdj > 0.0 else 0.0)
        spk[j] = s
        ev = ev | s | (vn != vn)  # a spike or NaN: the driver looks at the block
    return ev


# One module-level step per model (numba's disk cache keys functions by name and line).
@njit(inline="always", cache=True)
def _step1(st, pr, I, dt, spk):
    return _glif(st, pr, I, dt, spk, False, False, False)


@njit(inline="always", cache=True)
def _step2(st, pr, I, dt, spk):
    return _glif(st, pr, I, dt, spk, True, False, False)


@njit(inline="always", cache=True)
def _step3(st, pr, I, dt, spk):
    return _glif(st, pr, I, dt, spk, False, True, False)


@njit(inline="always", cache=True)
def _step4(st, pr, I, dt, spk):
    return _glif(st, pr, I, dt, spk, True, True, False)


@njit(inline="always", cache=True)
def _step5(st, pr, I, dt, spk):
    return _glif(st, pr, I, dt, spk, True, True, True)


_COMMON = {
    "C": Parameter(10.0, 500.0, unit="pF", default=58.72),
    "g_L": Parameter(1.0, 50.0, unit="nS", default=9.43),
    "E_L": Parameter(-90.0, -50.0, unit="mV", default=-78.85),
    "theta_inf": Parameter(-65.0, -30.0, unit="mV", default=-51.68),
    "t_ref": Parameter(0.0, 10.0, unit="ms", default=3.75),
}
_PLAIN_RESET = {"V_reset": Parameter(-90.0, -50.0, unit="mV", default=-78.85)}
_RESET_RULES = {
    "f_v": Parameter(0.0, 1.0, unit="1", default=0.2),
    "delta_V": Parameter(-20.0, 30.0, unit="mV", default=18.51),
    "delta_theta_s": Parameter(0.0, 20.0, unit="mV", default=0.37),
    "b_s": Parameter(0.001, 1.0, unit="1/ms", default=0.009),
}
_ASC = {
    "A1": Parameter(-500.0, 500.0, unit="pA", default=-9.18),
    "A2": Parameter(-500.0, 500.0, unit="pA", default=-198.94),
    "k1": Parameter(0.001, 1.0, unit="1/ms", default=0.003),
    "k2": Parameter(0.001, 1.0, unit="1/ms", default=0.1),
    "r1": Parameter(0.0, 1.0, unit="1", default=1.0),
    "r2": Parameter(0.0, 1.0, unit="1", default=1.0),
}
_THETA_V = {
    "a_v": Parameter(-0.05, 0.1, unit="1/ms", default=0.005),
    "b_v": Parameter(0.001, 1.0, unit="1/ms", default=0.09),
}
_NAMES = {1: "LIF", 2: "LIF-R", 3: "LIF-ASC", 4: "LIF-R-ASC", 5: "LIF-R-ASC-A"}


def _init_for(R: bool, ASC: bool, A: bool):
    n_extra = int(R) + 2 * int(ASC) + int(A)

    def init(p):  # V = E_L, everything else 0
        EL = p["E_L"]
        return np.concatenate([EL[None].copy(), np.zeros((1 + n_extra, EL.size))])

    return init


def _equations(R: bool, ASC: bool, A: bool) -> str:
    current = "I + I1 + I2" if ASC else "I"
    lines = [f"C dV/dt = {current} - g_L*(V - E_L)   (C pF, g_L nS, V mV, currents pA, t ms)"]
    theta = "theta_inf"
    if R:
        lines.append("dtheta_s/dt = -b_s*theta_s   (mV)")
        theta += " + theta_s"
    if ASC:
        lines.append("dI_j/dt = -k_j*I_j, j = 1, 2   (pA)")
    if A:
        lines.append("dtheta_v/dt = a_v*(V - E_L) - b_v*theta_v   (mV)")
        theta += " + theta_v"
    lines.append(f"if V > {theta} and not refractory:")
    lines.append("    V = E_L + f_v*(V_before - E_L) + delta_V" if R else "    V = V_reset")
    if R:
        lines.append("    theta_s = theta_s*exp(-b_s*t_ref) + delta_theta_s")
    if ASC:
        lines.append("    I_j = A_j + r_j*I_j*exp(-k_j*t_ref)")
    lines.append("    everything held for t_ref; V_before: V at the start of the step")
    extra = ", ".join((["theta_s"] if R else []) + (["I1", "I2"] if ASC else [])
                      + (["theta_v"] if A else []))
    lines.append("initial: V = E_L" + (f", {extra} = 0" if extra else ""))
    return "\n".join(lines)


def _glif_model(n: int, step, R: bool, ASC: bool, A: bool) -> Model:
    params = {**_COMMON, **(_RESET_RULES if R else _PLAIN_RESET), **(_ASC if ASC else {}),
              **(_THETA_V if A else {})}
    state = (("V", "refractory_steps") + (("theta_s",) if R else ())
             + (("I1", "I2") if ASC else ()) + (("theta_v",) if A else ()))
    return Model(
        name=f"glif{n}", parameters=params, state=state, step=step, init=_init_for(R, ASC, A),
        current_unit="pA", equations=_equations(R, ASC, A),
        doc=f"GLIF{n} ({_NAMES[n]}, Teeter et al. 2018); I in pA.",
    )


GLIF1 = _glif_model(1, _step1, False, False, False)
GLIF2 = _glif_model(2, _step2, True, False, False)
GLIF3 = _glif_model(3, _step3, False, True, False)
GLIF4 = _glif_model(4, _step4, True, True, False)
GLIF5 = _glif_model(5, _step5, True, True, True)
