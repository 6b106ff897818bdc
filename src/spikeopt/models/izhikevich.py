"""Izhikevich models: the 2003 dimensionless form and the 2007 form in pA.

References
----------
Izhikevich, E. M. (2003). Simple model of spiking neurons. IEEE Trans. Neural
Netw. 14(6), 1569–1572.
Izhikevich, E. M. (2007). Dynamical Systems in Neuroscience, ch. 8. MIT Press.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..params import Parameter
from .base import Model

__all__ = ["IZHIKEVICH", "IZHIKEVICH2007"]


@njit(inline="always", cache=True)
def _step2003(st, pr, I, dt, spk):
    v, u = st[0], st[1]
    a, b, c, d = pr[0], pr[1], pr[2], pr[3]
    ev = False
    for j in range(v.size):
        vj = v[j]
        uj = u[j]
        vn = vj + dt * (0.04 * vj * vj + 5.0 * vj + 140.0 - uj + I[j])
        un = uj + dt * a[j] * (b[j] * vj - uj)
        s = vn >= 30.0
        v[j] = c[j] if s else vn
        u[j] = un + d[j] if s else un
        spk[j] = s
        ev = ev | s | (vn != vn)  # a spike or NaN: the driver looks at the block
    return ev


def _init2003(p):
    v0 = np.full_like(p["a"], -65.0)
    return np.stack([v0, p["b"] * v0])


IZHIKEVICH = Model(
    name="izhikevich",
    parameters={
        "a": Parameter(0.001, 0.2, unit="1/ms", default=0.02),
        "b": Parameter(-1.0, 1.0, unit="1", default=0.2),
        "c": Parameter(-80.0, -40.0, unit="mV", default=-65.0),
        "d": Parameter(-20.0, 20.0, unit="mV/ms", default=8.0),
    },
    state=("v", "u"),
    step=_step2003,
    init=_init2003,
    current_unit="mV/ms",
    equations=(
        "dv/dt = 0.04*v**2 + 5*v + 140 - u + I   (v in mV, t in ms)\n"
        "du/dt = a*(b*v - u)\n"
        "if v >= 30 mV: v = c, u = u + d\n"
        "initial: v = -65 mV, u = b*v"
    ),
    doc="Izhikevich (2003): quadratic integrate-and-fire with recovery u; I in mV/ms.",
)


@njit(inline="always", cache=True)
def _step2007(st, pr, I, dt, spk):
    v, u = st[0], st[1]
    C, k, vr, vt, vpeak = pr[0], pr[1], pr[2], pr[3], pr[4]
    a, b, c, d = pr[5], pr[6], pr[7], pr[8]
    ev = False
    for j in range(v.size):
        vj = v[j]
        uj = u[j]
        vn = vj + dt * (k[j] * (vj - vr[j]) * (vj - vt[j]) - uj + I[j]) / C[j]
        un = uj + dt * a[j] * (b[j] * (vj - vr[j]) - uj)
        s = vn >= vpeak[j]
        v[j] = c[j] if s else vn
        u[j] = un + d[j] if s else un
        spk[j] = s
        ev = ev | s | (vn != vn)  # a spike or NaN: the driver looks at the block
    return ev


def _init2007(p):
    return np.stack([p["v_r"].copy(), np.zeros_like(p["v_r"])])


IZHIKEVICH2007 = Model(
    name="izhikevich2007",
    parameters={
        "C": Parameter(10.0, 500.0, unit="pF", default=100.0),
        "k": Parameter(0.1, 3.0, unit="nS/mV", default=0.7),
        "v_r": Parameter(-80.0, -50.0, unit="mV", default=-60.0),
        "v_t": Parameter(-55.0, -30.0, unit="mV", default=-40.0),
        "v_peak": Parameter(0.0, 60.0, unit="mV", default=35.0),
        "a": Parameter(0.001, 0.5, unit="1/ms", default=0.03),
        "b": Parameter(-10.0, 20.0, unit="nS", default=-2.0),
        "c": Parameter(-80.0, -30.0, unit="mV", default=-50.0),
        "d": Parameter(-100.0, 400.0, unit="pA", default=100.0),
    },
    state=("v", "u"),
    step=_step2007,
    init=_init2007,
    current_unit="pA",
    equations=(
        "C dv/dt = k*(v - v_r)*(v - v_t) - u + I   (C pF, k nS/mV, v mV, u and I pA, t ms)\n"
        "du/dt = a*(b*(v - v_r) - u)\n"
        "if v >= v_peak: v = c, u = u + d\n"
        "initial: v = v_r, u = 0"
    ),
    doc="Izhikevich (2007) simple model in physical units; I in pA.",
)
