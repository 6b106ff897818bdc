"""Traub–Miles Hodgkin–Huxley neuron: GeNN 4's built-in ``TraubMiles`` model.

The conductance-based model of Traub & Miles (1991) as GeNN implements it
(``NeuronModels::TraubMiles``, used for the Kenyon cells of GeNN's mushroom-body
example), with GeNN's units: conductances in µS, C in nF, V in mV, t in ms, so
that µS × mV = nA and nA / nF = mV/ms::

    Imem = -(m**3*h*gNa*(V - ENa) + n**4*gK*(V - EK) + gl*(V - El) - Isyn)
    C dV/dt = Imem
    dy/dt = alpha_y(V)*(1 - y) - beta_y(V)*y       for y in m, h, n
    alpha_m = 0.32*(-52 - V)/(exp((-52 - V)/4) - 1)      (1.28 at V = -52)
    beta_m  = 0.28*(V + 25)/(exp((V + 25)/5) - 1)        (1.4 at V = -25)
    alpha_h = 0.128*exp((-48 - V)/18)
    beta_h  = 4/(exp((-25 - V)/5) + 1)
    alpha_n = 0.032*(-50 - V)/(exp((-50 - V)/5) - 1)     (0.16 at V = -50)
    beta_n  = 0.5*exp((-55 - V)/40)

GeNN's injected current ``Isyn`` is in nA; spikeopt's current is in pA at its
boundary, so the step uses ``Isyn = I * 1e-3`` (``I`` in pA).

One step of ``dt`` is GeNN's: 25 forward-Euler sub-steps of ``dt/25`` (each
advances m, h, n and V from their values at the start of the sub-step), the
current held for the whole step. A spike is GeNN's threshold ``V >= 0`` with its
automatic "was below" test at the level of the full step: V before the step
< 0 and V after it >= 0, recorded at the step's start time; there is no reset.
GeNN's example runs at dt = 0.1 ms (sub-steps of 0.004 ms); much larger steps
make the sub-steps unstable. Initial state (GeNN example): V = -60 mV,
m = 0.0529324, h = 0.3176767, n = 0.5961207.

References
----------
Traub, R. D. & Miles, R. (1991). Neuronal Networks of the Hippocampus. Cambridge
University Press. Nowotny, T., Huerta, R., Abarbanel, H. D. I. & Rabinovich, M. I.
(2005). Self-organization in the olfactory system: one shot odor recognition in
insects. Biol. Cybern. 93, 436–446.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..params import Parameter
from ._math import fast_exp
from .base import Model
from .hh import _div

__all__ = ["TRAUB_MILES"]

_NSUB = 25  # GeNN's inner Euler steps per time step


@njit(inline="always", cache=True)
def _step(st, pr, I, dt, spk):
    V, m, h, n = st[0], st[1], st[2], st[3]
    gNa, ENa, gK, EK, gl, El, C = pr[0], pr[1], pr[2], pr[3], pr[4], pr[5], pr[6]
    B = V.size
    mdt = dt / 25.0
    # spk holds "V was below threshold before the step" until the last pass
    for j in range(B):
        spk[j] = V[j] < 0.0
    # sub-steps outermost, neurons innermost: the inner loop vectorises
    for _ in range(_NSUB):
        for j in range(B):
            Vj = V[j]
            mj = m[j]
            hj = h[j]
            nj = n[j]
            Imem = -(mj * mj * mj * hj * gNa[j] * (Vj - ENa[j])
                     + nj * nj * nj * nj * gK[j] * (Vj - EK[j])
                     + gl[j] * (Vj - El[j]) - I[j] * 1e-3)
            x = -52.0 - Vj
            a = 1.28 if Vj == -52.0 else _div(0.32 * x, fast_exp(x / 4.0) - 1.0)
            y = Vj + 25.0
            b = 1.4 if Vj == -25.0 else _div(0.28 * y, fast_exp(y / 5.0) - 1.0)
            m[j] = mj + (a * (1.0 - mj) - b * mj) * mdt
            a = 0.128 * fast_exp((-48.0 - Vj) / 18.0)
            b = _div(4.0, fast_exp((-25.0 - Vj) / 5.0) + 1.0)
            h[j] = hj + (a * (1.0 - hj) - b * hj) * mdt
            x = -50.0 - Vj
            a = 0.16 if Vj == -50.0 else _div(0.032 * x, fast_exp(x / 5.0) - 1.0)
            b = 0.5 * fast_exp((-55.0 - Vj) / 40.0)
            n[j] = nj + (a * (1.0 - nj) - b * nj) * mdt
            V[j] = Vj + _div(Imem, C[j]) * mdt
    ev = False
    for j in range(B):
        Vj = V[j]
        s = spk[j] & (Vj >= 0.0)
        spk[j] = s
        ev = ev | s | (Vj != Vj)  # a spike or NaN: the driver looks at the block
    return ev


_V0, _M0, _H0, _N0 = -60.0, 0.0529324, 0.3176767, 0.5961207  # GeNN's example


def _init(p):
    shape = np.shape(p["gNa"])
    return np.stack([np.full(shape, x) for x in (_V0, _M0, _H0, _N0)])


TRAUB_MILES = Model(
    name="traub_miles",
    parameters={
        "gNa": Parameter(1.0, 20.0, unit="uS", default=7.15),
        "ENa": Parameter(30.0, 70.0, unit="mV", default=50.0),
        "gK": Parameter(0.2, 5.0, unit="uS", default=1.43),
        "EK": Parameter(-110.0, -70.0, unit="mV", default=-95.0),
        "gl": Parameter(0.005, 0.1, unit="uS", default=0.02672),
        "El": Parameter(-80.0, -50.0, unit="mV", default=-63.563),
        "C": Parameter(0.05, 0.5, unit="nF", default=0.143),
    },
    state=("V", "m", "h", "n"),
    step=_step,
    init=_init,
    current_unit="pA",
    equations=(
        "C dV/dt = -(m**3*h*gNa*(V - ENa) + n**4*gK*(V - EK) + gl*(V - El) - I*1e-3)"
        "   (C nF, g uS, V mV, I pA, t ms)\n"
        "dy/dt = alpha_y*(1 - y) - beta_y*y   for y in m, h, n:\n"
        "  alpha_m = 0.32*(-52 - V)/(exp((-52 - V)/4) - 1)  (1.28 at V = -52)\n"
        "  beta_m = 0.28*(V + 25)/(exp((V + 25)/5) - 1)  (1.4 at V = -25)\n"
        "  alpha_h = 0.128*exp((-48 - V)/18)   beta_h = 4/(exp((-25 - V)/5) + 1)\n"
        "  alpha_n = 0.032*(-50 - V)/(exp((-50 - V)/5) - 1)  (0.16 at V = -50)\n"
        "  beta_n = 0.5*exp((-55 - V)/40)\n"
        "each step: 25 forward-Euler sub-steps of dt/25 (GeNN); spike when V goes from < 0 "
        "before the step to >= 0 after it; no reset\n"
        "initial: V = -60 mV, m = 0.0529324, h = 0.3176767, n = 0.5961207"
    ),
    doc="GeNN's TraubMiles (Traub & Miles 1991) with 25 Euler sub-steps per step; I in pA.",
)
