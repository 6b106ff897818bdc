"""AdEx with an adaptive threshold: the exponential's threshold is a state variable.

The AdEx of Brette & Gerstner (2005) (see :mod:`spikeopt.models.adex`) with the
threshold V_T of its exponential term made dynamic, as in Platkiewicz, J. &
Brette, R. (2010), PLoS Comput. Biol. 6(7), e1000850 and Mensi, S. et al.
(2012), J. Neurophysiol. 107, 1756–1775 (spike-triggered threshold movement):

    tau_T dtheta/dt = V_T - theta,   theta <- theta + delta_V_T at each spike

``V_T`` is the resting value of the threshold (the AdEx parameter of that name),
``theta`` the threshold at time t. With ``delta_V_T = 0`` theta stays at V_T
and the model is the AdEx, number for number. Forward Euler over dt as the
other built-in models.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..params import Parameter
from ._math import fast_exp
from .adex import ADEX
from .base import Model

__all__ = ["ADEX_THRESHOLD"]


@njit(inline="always", cache=True)
def _step(st, pr, I, dt, spk):
    V, w, th = st[0], st[1], st[2]
    C, gL, EL, VT, DT = pr[0], pr[1], pr[2], pr[3], pr[4]
    Vr, Vp, a, tw, b = pr[5], pr[6], pr[7], pr[8], pr[9]
    tT, dVT = pr[10], pr[11]
    ev = False
    for j in range(V.size):
        Vj = V[j]
        wj = w[j]
        thj = th[j]
        dV = (-gL[j] * (Vj - EL[j]) + gL[j] * DT[j] * fast_exp((Vj - thj) / DT[j]) - wj + I[j])
        Vn = Vj + dt * dV / C[j]
        wn = wj + dt * (a[j] * (Vj - EL[j]) - wj) / tw[j]
        thn = thj + dt * (VT[j] - thj) / tT[j]
        s = Vn >= Vp[j]
        V[j] = Vr[j] if s else Vn
        w[j] = wn + b[j] if s else wn
        th[j] = thn + dVT[j] if s else thn
        spk[j] = s
        ev = ev | s | (Vn != Vn)  # a spike or NaN: the driver looks at the block
    return ev


def _init(p):
    return np.stack([p["E_L"].copy(), np.zeros_like(p["E_L"]), p["V_T"].copy()])


ADEX_THRESHOLD = Model(
    name="adex_threshold",
    parameters={
        **ADEX.parameters,
        "tau_T": Parameter(1.0, 300.0, unit="ms", default=20.0),
        "delta_V_T": Parameter(0.0, 20.0, unit="mV", default=2.0),
    },
    state=("V", "w", "theta"),
    step=_step,
    init=_init,
    current_unit="pA",
    equations=(
        "C dV/dt = -g_L*(V - E_L) + g_L*Delta_T*exp((V - theta)/Delta_T) - w + I"
        "   (C pF, g_L nS, V and theta mV, w and I pA, t ms)\n"
        "tau_w dw/dt = a*(V - E_L) - w\n"
        "tau_T dtheta/dt = V_T - theta\n"
        "if V >= V_peak: V = V_reset, w = w + b, theta = theta + delta_V_T\n"
        "initial: V = E_L, w = 0, theta = V_T"
    ),
    doc="AdEx with an adaptive threshold (Platkiewicz & Brette 2010, Mensi et al. 2012); "
        "I in pA.",
)
