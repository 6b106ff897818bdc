"""Adaptive exponential integrate-and-fire (AdEx).

Reference: Brette, R. & Gerstner, W. (2005). Adaptive exponential
integrate-and-fire model as an effective description of neuronal activity.
J. Neurophysiol. 94, 3637–3642. Firing-pattern presets from Naud et al. (2008),
Biol. Cybern. 99, 335–347.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..params import Parameter
from ._math import fast_exp
from .base import Model

__all__ = ["ADEX"]


@njit(inline="always", cache=True)
def _step(st, pr, I, dt, spk):
    V, w = st[0], st[1]
    C, gL, EL, VT, DT = pr[0], pr[1], pr[2], pr[3], pr[4]
    Vr, Vp, a, tw, b = pr[5], pr[6], pr[7], pr[8], pr[9]
    ev = False
    for j in range(V.size):
        Vj = V[j]
        wj = w[j]
        dV = (-gL[j] * (Vj - EL[j]) + gL[j] * DT[j] * fast_exp((Vj - VT[j]) / DT[j]) - wj + I[j])
        Vn = Vj + dt * dV / C[j]
        wn = wj + dt * (a[j] * (Vj - EL[j]) - wj) / tw[j]
        s = Vn >= Vp[j]
        V[j] = Vr[j] if s else Vn
        w[j] = wn + b[j] if s else wn
        spk[j] = s
        ev = ev | s | (Vn != Vn)  # a spike or NaN: the driver looks at the block
    return ev


def _init(p):
    return np.stack([p["E_L"].copy(), np.zeros_like(p["E_L"])])


ADEX = Model(
    name="adex",
    parameters={
        "C": Parameter(20.0, 500.0, unit="pF", default=281.0),
        "g_L": Parameter(1.0, 50.0, unit="nS", default=30.0),
        "E_L": Parameter(-85.0, -50.0, unit="mV", default=-70.6),
        "V_T": Parameter(-65.0, -35.0, unit="mV", default=-50.4),
        "Delta_T": Parameter(0.5, 5.0, unit="mV", default=2.0),
        "V_reset": Parameter(-80.0, -40.0, unit="mV", default=-70.6),
        "V_peak": Parameter(-30.0, 30.0, unit="mV", default=20.0),
        "a": Parameter(-15.0, 20.0, unit="nS", default=4.0),
        "tau_w": Parameter(5.0, 500.0, unit="ms", default=144.0),
        "b": Parameter(0.0, 200.0, unit="pA", default=80.5),
    },
    state=("V", "w"),
    step=_step,
    init=_init,
    current_unit="pA",
    equations=(
        "C dV/dt = -g_L*(V - E_L) + g_L*Delta_T*exp((V - V_T)/Delta_T) - w + I"
        "   (C pF, g_L nS, V mV, w and I pA, t ms)\n"
        "tau_w dw/dt = a*(V - E_L) - w\n"
        "if V >= V_peak: V = V_reset, w = w + b\n"
        "initial: V = E_L, w = 0"
    ),
    doc="AdEx (Brette & Gerstner 2005); I in pA.",
)
