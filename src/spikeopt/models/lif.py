"""Leaky integrate-and-fire with an absolute refractory period.

``tau_m dv/dt = E_L - v + R*I`` with R in MOhm and I in pA (so R*I is in
1e-3 mV: 1 MOhm × 1 pA = 1 µV). The alternative parameterisation with the
capacitance C (pF) and leak conductance g_L (nS) is accepted:
``tau_m = C / g_L`` (ms) and ``R = 1000 / g_L`` (MOhm).

Refractoriness follows Brian2's rule: after a spike at step k_s, the neuron is
clamped (v held, no threshold) at steps k with ``k - k_s < round(t_ref / dt)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..errors import InvalidParameterError
from ..params import Parameter
from .base import Model

__all__ = ["LIF"]


@njit(inline="always", cache=True)
def _step(st, pr, I, dt, spk):
    v, cd = st[0], st[1]
    tau, R, EL, Vth, Vr, tref = pr[0], pr[1], pr[2], pr[3], pr[4], pr[5]
    ev = False
    inv_dt = 1.0 / dt  # one division per step, not per neuron
    for j in range(v.size):
        cdj = cd[j] - 1.0
        active = cdj <= 0.0
        vj = v[j]
        vn = vj + dt * (EL[j] - vj + R[j] * I[j] * 1e-3) / tau[j]
        vn = vn if active else vj
        s = active and vn > Vth[j]
        v[j] = Vr[j] if s else vn
        # refractory countdown in steps (Brian2: int((t_ref + 1e-3*dt)/dt))
        cd[j] = np.floor((tref[j] + 1e-3 * dt) * inv_dt) if s else (cdj if cdj > 0.0 else 0.0)
        spk[j] = s
        ev = ev | s | (vn != vn)  # a spike or NaN: the driver looks at the block
    return ev


def _init(p):
    return np.stack([p["E_L"].copy(), np.zeros_like(p["E_L"])])


def _aliases(params: dict) -> dict:
    if "C" in params or "g_L" in params:
        if not ("C" in params and "g_L" in params):
            raise InvalidParameterError(
                "Model 'lif' takes C (pF) and g_L (nS) together, in place of tau_m and R. "
                f"Got only {'C' if 'C' in params else 'g_L'}."
            )
        if "tau_m" in params or "R" in params:
            raise InvalidParameterError(
                "Model 'lif': give either (tau_m, R) or (C, g_L), not both."
            )
        params = dict(params)
        C = np.asarray(params.pop("C"), dtype=np.float64)
        gL = np.asarray(params.pop("g_L"), dtype=np.float64)
        params["tau_m"] = C / gL
        params["R"] = 1000.0 / gL
    return params


LIF = Model(
    name="lif",
    parameters={
        "tau_m": Parameter(1.0, 100.0, unit="ms", default=20.0),
        "R": Parameter(10.0, 1000.0, unit="MOhm", default=100.0),
        "E_L": Parameter(-90.0, -50.0, unit="mV", default=-70.0),
        "V_th": Parameter(-65.0, -30.0, unit="mV", default=-50.0),
        "V_reset": Parameter(-90.0, -50.0, unit="mV", default=-65.0),
        "t_ref": Parameter(0.0, 10.0, unit="ms", default=2.0),
    },
    state=("v", "refractory_steps"),
    step=_step,
    init=_init,
    current_unit="pA",
    equations=(
        "tau_m dv/dt = E_L - v + R*I*1e-3   (tau_m ms, v mV, R MOhm, I pA) (unless refractory)\n"
        "if v > V_th and not refractory: v = V_reset, refractory for t_ref\n"
        "initial: v = E_L"
    ),
    aliases=_aliases,
    doc="Leaky integrate-and-fire; I in pA; C/g_L accepted in place of tau_m/R.",
)
