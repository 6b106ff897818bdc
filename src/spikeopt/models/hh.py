"""Hodgkin–Huxley: NEURON's ``hh`` mechanism in one cylindrical soma.

The cell NetPyNE builds for a single-compartment ``hh`` population: one
section of diameter ``diam`` and length ``L`` (µm), one segment, membrane area
``A = pi*diam*L`` µm² (NEURON's area of a segment: no end caps), specific
capacitance ``cm`` (µF/cm²) and the ``hh`` densities (S/cm²). The injected
current ``I`` is a point current in pA (an IClamp's nA × 1000). Converted to
whole-cell quantities::

    C   = cm * A * 0.01        (pF)      g_x = gxbar * A * 10     (nS)

so that nS × mV = pA and pA / pF = mV/ms.

The rate functions are those of NEURON's ``hh.mod`` (v in mV, rates in 1/ms),
all multiplied by ``q10 = 3**((celsius - 6.3)/10)``::

    alpha_m = 0.1*vtrap(-(v+40), 10)     beta_m = 4*exp(-(v+65)/18)
    alpha_h = 0.07*exp(-(v+65)/20)       beta_h = 1/(exp(-(v+35)/10) + 1)
    alpha_n = 0.01*vtrap(-(v+55), 10)    beta_n = 0.125*exp(-(v+65)/80)
    vtrap(x, y) = y*(1 - x/y/2) if |x/y| < 1e-6 else x/(exp(x/y) - 1)

Integration is forward Euler of all four equations from the values at ``t``
(Brian2's ``method="euler"``), not NEURON's implicit scheme (backward Euler for
v, ``cnexp`` for the gates, rate tables in 1 mV steps), so spike times agree
with NEURON only to the accuracy of either scheme. Euler needs a small step:
use ``dt <= 0.025`` ms (NEURON's default; larger steps go unstable during the
action potential, first at high ``celsius``).

A spike is an upward crossing of ``v_thresh`` (NetPyNE's NetCon threshold,
10 mV by default): the new v is ``>= v_thresh`` while the v before the step
was below it. There is no reset. Initial state: ``v = v_init`` (NEURON's
``v_init``, -65 mV) and m, h, n at their steady state for that v.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..params import Parameter
from ._math import fast_exp
from .base import Model

__all__ = ["HH"]

_LN3 = math.log(3.0)
_PI = math.pi


@njit(inline="always", cache=True)
def _div(a, b):
    """a / b without numba's ZeroDivisionError check (IEEE result: inf or NaN), so
    that a loop dividing by run-time values still vectorises."""
    return np.true_divide(a, b)


@njit(inline="always", cache=True)
def _vtrap(x, y):
    r = x / y
    return y * (1.0 - r / 2.0) if abs(r) < 1e-6 else _div(x, fast_exp(r) - 1.0)


@njit(inline="always", cache=True)
def _step(st, pr, I, dt, spk):
    v, m, h, n = st[0], st[1], st[2], st[3]
    diam, L, cm, gnabar, gkbar = pr[0], pr[1], pr[2], pr[3], pr[4]
    gl, el, ena, ek, celsius, vth = pr[5], pr[6], pr[7], pr[8], pr[9], pr[10]
    ev = False
    for j in range(v.size):
        vj = v[j]
        mj = m[j]
        hj = h[j]
        nj = n[j]
        area = _PI * diam[j] * L[j]  # um^2
        q10 = fast_exp((celsius[j] - 6.3) / 10.0 * _LN3)
        am = 0.1 * _vtrap(-(vj + 40.0), 10.0)
        bm = 4.0 * fast_exp(-(vj + 65.0) / 18.0)
        ah = 0.07 * fast_exp(-(vj + 65.0) / 20.0)
        bh = _div(1.0, fast_exp(-(vj + 35.0) / 10.0) + 1.0)
        an = 0.01 * _vtrap(-(vj + 55.0), 10.0)
        bn = 0.125 * fast_exp(-(vj + 65.0) / 80.0)
        i_ion = (gnabar[j] * mj * mj * mj * hj * (vj - ena[j])
                 + gkbar[j] * nj * nj * nj * nj * (vj - ek[j])
                 + gl[j] * (vj - el[j])) * (area * 10.0)  # pA
        vn = vj + dt * _div(I[j] - i_ion, cm[j] * area * 0.01)
        m[j] = mj + dt * q10 * (am * (1.0 - mj) - bm * mj)
        h[j] = hj + dt * q10 * (ah * (1.0 - hj) - bh * hj)
        n[j] = nj + dt * q10 * (an * (1.0 - nj) - bn * nj)
        v[j] = vn
        s = (vn >= vth[j]) & (vj < vth[j])
        spk[j] = s
        ev = ev | s | (vn != vn)  # a spike or NaN: the driver looks at the block
    return ev


def _rates_inf(v):
    """Steady-state m, h, n of hh.mod at v (mV; numpy, exact exp)."""

    def vtrap(x, y):
        r = x / y
        small = np.abs(r) < 1e-6
        with np.errstate(invalid="ignore", divide="ignore"):
            big = x / np.expm1(r)
        return np.where(small, y * (1.0 - r / 2.0), big)

    am = 0.1 * vtrap(-(v + 40.0), 10.0)
    bm = 4.0 * np.exp(-(v + 65.0) / 18.0)
    ah = 0.07 * np.exp(-(v + 65.0) / 20.0)
    bh = 1.0 / (np.exp(-(v + 35.0) / 10.0) + 1.0)
    an = 0.01 * vtrap(-(v + 55.0), 10.0)
    bn = 0.125 * np.exp(-(v + 65.0) / 80.0)
    return am / (am + bm), ah / (ah + bh), an / (an + bn)


def _init(p):
    v0 = np.asarray(p["v_init"], dtype=np.float64).copy()
    m0, h0, n0 = _rates_inf(v0)
    return np.stack([v0, m0, h0, n0])


HH = Model(
    name="hh",
    parameters={
        "diam": Parameter(2.0, 100.0, unit="um", default=18.8),
        "L": Parameter(2.0, 100.0, unit="um", default=18.8),
        "cm": Parameter(0.5, 2.0, unit="uF/cm2", default=1.0),
        "gnabar": Parameter(0.01, 0.5, unit="S/cm2", default=0.12),
        "gkbar": Parameter(0.001, 0.2, unit="S/cm2", default=0.036),
        "gl": Parameter(1e-5, 0.01, unit="S/cm2", default=0.0003),
        "el": Parameter(-80.0, -40.0, unit="mV", default=-54.3),
        "ena": Parameter(30.0, 70.0, unit="mV", default=50.0),
        "ek": Parameter(-100.0, -60.0, unit="mV", default=-77.0),
        "celsius": Parameter(0.0, 40.0, unit="degC", default=6.3),
        "v_thresh": Parameter(-40.0, 40.0, unit="mV", default=10.0),
        "v_init": Parameter(-90.0, -40.0, unit="mV", default=-65.0),
    },
    state=("v", "m", "h", "n"),
    step=_step,
    init=_init,
    current_unit="pA",
    equations=(
        "A = pi*diam*L (um^2); C = cm*A*0.01 (pF); g_x = gxbar*A*10 (nS); "
        "q10 = 3**((celsius - 6.3)/10)\n"
        "C dv/dt = I - gNa*m**3*h*(v - ena) - gK*n**4*(v - ek) - gL*(v - el)   (v mV, I pA, t ms)\n"
        "dx/dt = q10*(alpha_x(v)*(1 - x) - beta_x(v)*x)   for x in m, h, n (NEURON hh.mod):\n"
        "  alpha_m = 0.1*vtrap(-(v+40), 10)   beta_m = 4*exp(-(v+65)/18)\n"
        "  alpha_h = 0.07*exp(-(v+65)/20)     beta_h = 1/(exp(-(v+35)/10) + 1)\n"
        "  alpha_n = 0.01*vtrap(-(v+55), 10)  beta_n = 0.125*exp(-(v+65)/80)\n"
        "  vtrap(x, y) = y*(1 - x/y/2) if |x/y| < 1e-6 else x/(exp(x/y) - 1)\n"
        "spike when v crosses v_thresh upwards (new v >= v_thresh, previous v < v_thresh); "
        "no reset\n"
        "initial: v = v_init, m, h, n at steady state; forward Euler, dt <= 0.025 ms"
    ),
    doc="NEURON's hh in one cylindrical soma (NetPyNE cell); I in pA; use dt <= 0.025 ms.",
)
