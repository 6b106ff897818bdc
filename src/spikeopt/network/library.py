"""Reference networks as descriptions for :meth:`Network.from_dict`.

Each function returns a plain dict (edit it freely before building).

* :func:`cuba` — Brette et al. (2007) benchmark 2 ("CUBA", after Vogels &
  Abbott 2005): 4000 LIF neurons, 80 % excitatory, 2 % random connectivity,
  exponential current synapses, as in Brian2's ``examples/CUBA.py``.
* :func:`spikenetopt` — SpikeNetOpt.jl's network problem (../shared
  REFERENCE_PROBLEMS.md §1a): 200 E + 50 I Izhikevich neurons, delta synapses,
  constant drive I = 11.5 to E; genes σ_ee, p_ee, σ_ei, p_ei.

>>> from spikeopt.network import Network, library
>>> Network.from_dict(library.cuba())
Network(E: lif × 3200, I: lif × 800; 4 projections, 0 inputs)
"""

from __future__ import annotations

__all__ = ["cuba", "spikenetopt"]


def cuba(n: int = 4000, *, p: float = 0.02, delay_ms: float = 0.0) -> dict:
    """The CUBA benchmark network (Brette et al. 2007, benchmark 2).

    ``tau_m dv/dt = (E_L - v) + ge + gi`` with tau_m 20 ms, E_L -49 mV,
    threshold -50 mV, reset -60 mV, refractory 5 ms; ``ge``/``gi`` decay with
    5/10 ms and jump by 1.62 / -9 mV per spike (60·0.27/10 and -20·4.5/10 mV).
    In spikeopt's LIF (R·I·1e-3 in mV) a current synapse of weight w pA with
    R = 1000 MOhm adds exactly w mV to ``ge``. Initial v ~ U(-60, -50) mV.
    """
    n_e = int(round(0.8 * n))
    lif = {"tau_m": 20.0, "R": 1000.0, "E_L": -49.0, "V_th": -50.0, "V_reset": -60.0,
           "t_ref": 5.0}
    pop = {"model": "lif", "params": lif, "init": {"v": {"uniform": [-60.0, -50.0]}}}
    syn = {"E": ({"type": "exp_current", "tau_ms": 5.0}, 60.0 * 0.27 / 10.0),
           "I": ({"type": "exp_current", "tau_ms": 10.0}, -20.0 * 4.5 / 10.0)}
    projections = {}
    for a in "EI":
        for b in "EI":
            synapse, w = syn[a]
            projections[a + b] = {"pre": a, "post": b, "synapse": synapse, "weight": w,
                                  "connector": {"rule": "fixed_probability", "p": p},
                                  "delay_ms": delay_ms}
    return {"populations": {"E": {**pop, "size": n_e}, "I": {**pop, "size": n - n_e}},
            "projections": projections}


def spikenetopt(*, sigma_ee: float = 0.5, p_ee: float = 0.8, sigma_ei: float = 0.5,
                p_ei: float = 0.8, current: float = 11.5, delay_ms: float = 0.1) -> dict:
    """SpikeNetOpt.jl's 200 E + 50 I Izhikevich network (delta synapses, weights
    σ·U(0, 1) of density p; IE and II fixed at σ = -1, p = 0.5; self-connections
    allowed; v = -65 mV, u = b·v; I = ``current`` (mV/ms) to every E neuron).

    The fitted genes are the leaves ``projections.EE.weight.uniform.1`` (σ_ee),
    ``projections.EE.connector.p`` (p_ee), ``projections.EI.weight.uniform.1``
    (σ_ei) and ``projections.EI.connector.p`` (p_ei). SpikeNetOpt itself uses
    dt = 1 ms, a half-step v update and no delay; this description runs at the
    dt you choose with the standard Euler step and a ``delay_ms`` delay.
    """
    def link(pre, post, sigma, p):
        w = {"uniform": [0.0, sigma]} if sigma >= 0 else {"uniform": [sigma, 0.0]}
        return {"pre": pre, "post": post, "synapse": {"type": "delta"}, "weight": w,
                "connector": {"rule": "fixed_probability", "p": p}, "delay_ms": delay_ms}

    return {
        "populations": {
            "E": {"model": "izhikevich", "size": 200, "current": current,
                  "params": {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0}},
            "I": {"model": "izhikevich", "size": 50,
                  "params": {"a": 0.1, "b": 0.2, "c": -65.0, "d": 2.0}},
        },
        "projections": {"EE": link("E", "E", sigma_ee, p_ee), "EI": link("E", "I", sigma_ei, p_ei),
                        "IE": link("I", "E", -1.0, 0.5), "II": link("I", "I", -1.0, 0.5)},
    }
