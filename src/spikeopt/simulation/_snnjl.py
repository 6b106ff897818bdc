"""SpikingNeuralNetworks.jl's Izhikevich step (``update: snnjl`` of an izhikevich population).

SpikeNetOpt.jl simulates its networks with SpikingNeuralNetworks.jl (SNN.jl
0.1, ``src/neuron/iz.jl``), whose ``integrate!`` differs from the forward-Euler
step of :mod:`spikeopt.models.izhikevich` in four ways:

* v advances in two half steps, each with the current u and I:
  ``v += (dt/2)·(0.04v² + 5v + 140 − u + I)``, twice;
* u advances with the *new* v: ``u += dt·a·(b·v − u)``;
* a spike is ``v > 30`` (strictly), then ``v = c``, ``u += d``;
* all arithmetic is Float32 (v, u, I and the parameters are ``Vector{Float32}``).

The Float32 arithmetic is reproduced: state and parameters are rounded to
float32 on entry, every operation is a float32 operation in SNN.jl's order, and
the result (exactly representable) is stored back in the float64 state. What
happens between steps (delta kicks added to v after every population has
integrated, also to neurons that have just been reset) is the kernel's part
(:mod:`._network_kernel`, model id 6).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["step_snnjl"]

_HALF = np.float32(0.5)
_K2 = np.float32(0.04)
_K1 = np.float32(5.0)
_K0 = np.float32(140.0)
_VPEAK = np.float32(30.0)


@njit(inline="always", cache=True)
def step_snnjl(st, pr, I, dt, spk):
    v, u = st[0], st[1]
    a, b, c, d = pr[0], pr[1], pr[2], pr[3]
    h = _HALF * np.float32(dt)
    dt32 = np.float32(dt)
    ev = False
    for j in range(v.size):
        vj = np.float32(v[j])
        uj = np.float32(u[j])
        Ij = np.float32(I[j])
        vj = vj + h * (_K2 * (vj * vj) + _K1 * vj + _K0 - uj + Ij)
        vj = vj + h * (_K2 * (vj * vj) + _K1 * vj + _K0 - uj + Ij)
        uj = uj + dt32 * (np.float32(a[j]) * (np.float32(b[j]) * vj - uj))
        s = vj > _VPEAK
        if s:
            vj = np.float32(c[j])
            uj = uj + np.float32(d[j])
        v[j] = vj
        u[j] = uj
        spk[j] = s
        ev = ev | s | (vj != vj)  # a spike or NaN: the driver looks at the block
    return ev
