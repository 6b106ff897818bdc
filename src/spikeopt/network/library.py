"""Reference networks as descriptions for :meth:`Network.from_dict`.

Each function returns a plain dict (edit it freely before building).

* :func:`cuba` — Brette et al. (2007) benchmark 2 ("CUBA", after Vogels &
  Abbott 2005): 4000 LIF neurons, 80 % excitatory, 2 % random connectivity,
  exponential current synapses, as in Brian2's ``examples/CUBA.py``.
* :func:`netpyne_tut2` — NetPyNE's tutorial 2 network (the one its
  ``tut_optimization`` tunes to 17 Hz): 20 + 20 single-compartment HH cells,
  NetStim background, Exp2Syn synapses, S→M projection.
* :func:`ei_poisson` — a small E/I LIF network under Poisson drive (80 E + 20 I,
  current synapses), the ground truth of spikeopt's own recovery tests.
* :func:`ei_delta` — 160 E + 40 I LIF neurons with delta synapses whose weights
  are uniform in [0, w] (the network of the E/I recovery example: three weight
  bounds fitted from the raster).
* :func:`spikenetopt` — SpikeNetOpt.jl's network problem (../shared
  REFERENCE_PROBLEMS.md §1a): 200 E + 50 I Izhikevich neurons, delta synapses,
  constant drive I = 11.5 to E; genes σ_ee, p_ee, σ_ei, p_ei.

>>> from spikeopt.network import Network, library
>>> Network.from_dict(library.cuba())
Network(E: lif × 3200, I: lif × 800; 4 projections, 0 inputs)
"""

from __future__ import annotations

__all__ = ["cuba", "spikenetopt", "netpyne_tut2", "ei_poisson", "ei_delta"]


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
                p_ei: float = 0.8, current: float = 11.5, delay_ms: float | None = None,
                faithful: bool = False) -> dict:
    """SpikeNetOpt.jl's 200 E + 50 I Izhikevich network (delta synapses, weights
    σ·U(0, 1) of density p; IE and II fixed at σ = -1, p = 0.5; self-connections
    allowed; v = -65 mV, u = b·v; I = ``current`` (mV/ms) to every E neuron).

    The fitted genes are the leaves ``projections.EE.weight.uniform.1`` (σ_ee),
    ``projections.EE.connector.p`` (p_ee), ``projections.EI.weight.uniform.1``
    (σ_ei) and ``projections.EI.connector.p`` (p_ei).

    ``faithful=True`` is the network as SpikeNetOpt simulates it with
    SpikingNeuralNetworks.jl: both populations use ``update: snnjl`` (two half
    steps of v, u from the new v, spike when v > 30 mV, Float32 arithmetic) and
    ``delay_ms`` defaults to 0, which is SNN.jl's timing: a spike of step k
    kicks its targets' v at the end of step k, after every population has
    integrated (reset neurons included), so it first acts on the update of step
    k + 1. Simulate it at ``dt=1.0`` ms for 1000 ms (SpikeNetOpt's 1000 steps).
    ``faithful=False`` (default) uses the standard forward-Euler step at the dt
    you choose and ``delay_ms`` defaults to 0.1.

    >>> from spikeopt.network import Network
    >>> Network.from_dict(spikenetopt(faithful=True)).populations["E"].update
    'snnjl'
    """
    if delay_ms is None:
        delay_ms = 0.0 if faithful else 0.1

    def link(pre, post, sigma, p):
        w = {"uniform": [0.0, sigma]} if sigma >= 0 else {"uniform": [sigma, 0.0]}
        return {"pre": pre, "post": post, "synapse": {"type": "delta"}, "weight": w,
                "connector": {"rule": "fixed_probability", "p": p}, "delay_ms": delay_ms}

    update = {"update": "snnjl"} if faithful else {}
    return {
        "populations": {
            "E": {"model": "izhikevich", "size": 200, "current": current,
                  "params": {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0}, **update},
            "I": {"model": "izhikevich", "size": 50,
                  "params": {"a": 0.1, "b": 0.2, "c": -65.0, "d": 2.0}, **update},
        },
        "projections": {"EE": link("E", "E", sigma_ee, p_ee), "EI": link("E", "I", sigma_ei, p_ei),
                        "IE": link("I", "E", -1.0, 0.5), "II": link("I", "I", -1.0, 0.5)},
    }


def netpyne_tut2(*, p_sm: float = 0.5, weight_sm_nS: float = 10.0, delay_sm_ms: float = 5.0,
                 faithful: bool = True) -> dict:
    """NetPyNE's ``doc/source/code/tut2.py`` (../shared REFERENCE_PROBLEMS.md §4).

    S and M: 20 ``hh`` cells each (gkbar 0.036, gl 0.003 S/cm², el -70 mV, L 18.8 µm,
    celsius 6.3, v_init -65 mV, spike threshold 10 mV); ``faithful`` (the code
    version) draws diam ~ U(18.5, 19.5) µm and gnabar = 0.12 + 0.001·ynorm with ynorm
    ~ U(0, 1), otherwise the tutorial text's diam 18.8 µm and gnabar 0.12. Every cell
    gets its own NetStim (10 Hz, noise 0.5) through an Exp2Syn (τ 0.1/5 ms, E 0 mV)
    of weight 0.01 µS = 10 nS and delay 5 ms. S→M: probability ``p_sm`` (the
    optimisation's gene; tut2's code also declares divergence 12, which the gene
    overrides), weight ``weight_sm_nS``, delay ``delay_sm_ms``. Simulate at dt = 0.025 ms.
    Genes of tut_optimization: ``projections.SM.connector.p`` in [0.01, 0.5],
    ``projections.SM.weight`` in [1, 100] nS (0.001–0.1 µS), ``projections.SM.delay_ms``
    in [1, 20] ms.
    """
    params = {"gkbar": 0.036, "gl": 0.003, "el": -70.0, "L": 18.8, "celsius": 6.3,
              "v_init": -65.0, "v_thresh": 10.0}
    if faithful:
        params.update(diam={"uniform": [18.5, 19.5]}, gnabar={"uniform": [0.12, 0.121]})
    else:
        params.update(diam=18.8, gnabar=0.12)
    exp2 = {"type": "exp2_conductance", "tau_rise_ms": 0.1, "tau_decay_ms": 5.0,
            "E_rev_mV": 0.0}
    pop = {"model": "hh", "size": 20, "params": params}
    stim = {"type": "poisson", "size": 20, "rate_hz": 10.0, "noise": 0.5,
            "connector": {"rule": "one_to_one"}, "synapse": exp2, "weight": 10.0,
            "delay_ms": 5.0}
    return {
        "populations": {"S": dict(pop), "M": dict(pop)},
        "projections": {"SM": {"pre": "S", "post": "M", "synapse": exp2, "weight": weight_sm_nS,
                               "connector": {"rule": "fixed_probability", "p": p_sm},
                               "delay_ms": delay_sm_ms}},
        "inputs": {"bgS": {**stim, "target": "S"}, "bgM": {**stim, "target": "M"}},
    }


def ei_poisson(*, w_ee: float = 60.0, w_ei: float = 80.0, w_ie: float = -150.0,
               w_in: float = 6.0, rate_in_hz: float = 400.0) -> dict:
    """80 E + 20 I LIF neurons (R 100 MOhm; t_ref 2 / 1 ms) with exponential current
    synapses (weights in pA: E→E p 0.1, E→I p 0.2, I→E p 0.3; τ 5 / 5 / 10 ms;
    delays 1.5 / 1 / 1 ms) and 100 Poisson sources (``rate_in_hz``) reaching every E
    neuron through 20 of them (``w_in`` pA, τ 5 ms). About 22 Hz (E) and 11 Hz (I)
    with the defaults."""
    def proj(pre, post, p, tau, w, d):
        return {"pre": pre, "post": post, "connector": {"rule": "fixed_probability", "p": p},
                "synapse": {"type": "exp_current", "tau_ms": tau}, "weight": w, "delay_ms": d}

    return {
        "populations": {"E": {"model": "lif", "size": 80, "params": {"R": 100.0, "t_ref": 2.0}},
                        "I": {"model": "lif", "size": 20, "params": {"R": 100.0, "t_ref": 1.0}}},
        "projections": {"EE": proj("E", "E", 0.1, 5.0, w_ee, 1.5),
                        "EI": proj("E", "I", 0.2, 5.0, w_ei, 1.0),
                        "IE": proj("I", "E", 0.3, 10.0, w_ie, 1.0)},
        "inputs": {"bg": {"type": "poisson", "size": 100, "rate_hz": rate_in_hz, "target": "E",
                          "connector": {"rule": "fixed_indegree", "n": 20},
                          "synapse": {"type": "exp_current", "tau_ms": 5.0}, "weight": w_in}},
    }


def ei_delta(*, w_ee_mV: float = 1.0, w_ei_mV: float = 2.0, w_ie_mV: float = -6.0,
             w_in_mV: float = 0.6, rate_in_hz: float = 100.0) -> dict:
    """160 E + 40 I LIF neurons (tau_m 20 / 10 ms, t_ref 2 / 1 ms, v0 ~ U(-70, -50) mV)
    with delta synapses: each weight is drawn uniform in [0, w] (w < 0: [w, 0]) mV,
    E→E p 0.1 (delay 1.5 ms), E→I p 0.2 and I→E p 0.3 (1 ms); 200 Poisson sources
    (``rate_in_hz``) reach every E neuron through 20 of them (``w_in_mV``). About
    31 Hz (E) and 11 Hz (I) with the defaults. The recovery example fits the bounds
    ``projections.EE.weight.uniform.1``, ``projections.EI.weight.uniform.1`` and
    ``projections.IE.weight.uniform.0``."""
    def proj(pre, post, p, w, d):
        w = {"uniform": [0.0, w]} if w > 0 else {"uniform": [w, 0.0]}
        return {"pre": pre, "post": post, "connector": {"rule": "fixed_probability", "p": p},
                "synapse": {"type": "delta"}, "weight": w, "delay_ms": d}

    v0 = {"v": {"uniform": [-70.0, -50.0]}}
    return {
        "populations": {
            "E": {"model": "lif", "size": 160, "params": {"t_ref": 2.0}, "init": v0},
            "I": {"model": "lif", "size": 40, "params": {"tau_m": 10.0, "t_ref": 1.0},
                  "init": v0}},
        "projections": {"EE": proj("E", "E", 0.1, w_ee_mV, 1.5),
                        "EI": proj("E", "I", 0.2, w_ei_mV, 1.0),
                        "IE": proj("I", "E", 0.3, w_ie_mV, 1.0)},
        "inputs": {"bg": {"type": "poisson", "size": 200, "rate_hz": rate_in_hz, "target": "E",
                          "connector": {"rule": "fixed_indegree", "n": 20},
                          "synapse": {"type": "delta"}, "weight": w_in_mV}},
    }
