"""Multi-timescale adaptive threshold model (MAT).

Reference: Kobayashi, R., Tsubo, Y. & Shinomoto, S. (2009). Made-to-order
spiking neuron model equipped with a multi-timescale adaptive threshold.
Front. Comput. Neurosci. 3:9. doi:10.3389/neuro.10.009.2009

A non-resetting leaky integrator ``tau_m dv/dt = E_L - v + R*I`` (R in MOhm,
I in pA, so R*I is in 1e-3 mV) and a threshold

    theta(t) = omega + H1(t) + H2(t),
    H_j(t) = sum over past spikes t_k of alpha_j exp(-(t - t_k)/tau_j)

written as two state variables that decay with ``tau1`` and ``tau2`` and jump
by ``alpha1`` and ``alpha2`` at each spike. A spike is emitted when
``v >= theta`` outside the absolute refractory period ``t_ref``; v is never
reset nor clamped (during ``t_ref`` only spiking is off).

Numerics: v by forward Euler over dt, as the other built-in models; H_j by its
exact decay over one step, ``H_j <- H_j * exp(-dt/tau_j)`` (the published
kernel sampled on the grid; the authors' MATLAB code uses Euler for both). The
Brian2 backend runs the same update (Euler for v, the explicit exact decay for
H_j). The refractory rule is Brian2's, as for ``lif``: after a spike at step
k_s, no spike at steps k with ``k - k_s < int((t_ref + 1e-3*dt) / dt)``.

``omega`` is an absolute potential in mV (the paper's ω is relative to the
resting potential: ω_paper = omega - E_L). The presets in
:data:`spikeopt.models.PRESETS` ``["mat"]`` are the paper's Fig. 5B neurons.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..params import Parameter
from ._math import fast_exp
from .base import Model

__all__ = ["MAT"]


@njit(inline="always", cache=True)
def _step(st, pr, I, dt, spk):
    v, H1, H2, cd = st[0], st[1], st[2], st[3]
    tau, R, EL, om = pr[0], pr[1], pr[2], pr[3]
    a1, a2, t1, t2, tref = pr[4], pr[5], pr[6], pr[7], pr[8]
    ev = False
    inv_dt = 1.0 / dt
    for j in range(v.size):
        vj = v[j]
        vn = vj + dt * (EL[j] - vj + R[j] * I[j] * 1e-3) / tau[j]
        h1 = H1[j] * fast_exp(-dt / t1[j])  # exact decay over one step
        h2 = H2[j] * fast_exp(-dt / t2[j])
        cdj = cd[j] - 1.0
        s = cdj <= 0.0 and vn >= om[j] + h1 + h2
        v[j] = vn  # never reset
        H1[j] = h1 + a1[j] if s else h1
        H2[j] = h2 + a2[j] if s else h2
        cd[j] = np.floor((tref[j] + 1e-3 * dt) * inv_dt) if s else (cdj if cdj > 0.0 else 0.0)
        spk[j] = s
        ev = ev | s | (vn != vn)  # a spike or NaN: the driver looks at the block
    return ev


def _init(p):
    z = np.zeros_like(p["E_L"])
    return np.stack([p["E_L"].copy(), z, z.copy(), z.copy()])


MAT = Model(
    name="mat",
    parameters={
        "tau_m": Parameter(1.0, 50.0, unit="ms", default=5.0),
        "R": Parameter(10.0, 500.0, unit="MOhm", default=50.0),
        "E_L": Parameter(-90.0, -50.0, unit="mV", default=-65.0),
        "omega": Parameter(-70.0, -30.0, unit="mV", default=-45.0),
        "alpha1": Parameter(-10.0, 60.0, unit="mV", default=30.0),
        "alpha2": Parameter(-5.0, 20.0, unit="mV", default=2.0),
        "tau1": Parameter(2.0, 50.0, unit="ms", default=10.0),
        "tau2": Parameter(50.0, 1000.0, unit="ms", default=200.0),
        "t_ref": Parameter(0.0, 10.0, unit="ms", default=2.0),
    },
    state=("v", "H1", "H2", "refractory_steps"),
    step=_step,
    init=_init,
    current_unit="pA",
    equations=(
        "tau_m dv/dt = E_L - v + R*I*1e-3   (tau_m ms, v mV, R MOhm, I pA); v is never reset\n"
        "H_j(t + dt) = H_j(t)*exp(-dt/tau_j), j = 1, 2   (H_j mV)\n"
        "if v >= omega + H1 + H2 and not refractory: H1 += alpha1, H2 += alpha2, "
        "no spike for t_ref\n"
        "initial: v = E_L, H1 = H2 = 0"
    ),
    doc="Multi-timescale adaptive threshold (Kobayashi et al. 2009); I in pA.",
)
