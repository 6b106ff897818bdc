"""Brian2 runs of explicit network descriptions for the self-checks (a thin shim).

The rendering lives in the package (:mod:`spikeopt.backends.brian2`, the
equations in ``spikeopt.backends._brian2_models``); this module only adds the
recordings the self-checks look at. ``run_brian2(spec, t_stop_ms=...,
dt_ms=...)`` runs the description (numpy target, spikeopt's wiring for seed
0: explicit descriptions are wired as written) and returns ``{"spikes": {pop:
(indices int64, times ms)}, "weights": {link: final weights in the
connector's list order}}`` (plastic links only); with ``record_weights`` also
``"weight_trajectories": {link: (t_ms (T,), w (n_syn, T))}`` and with
``record_state = {pop: [names]}`` (a model state such as ``"v"``, or
``"<link>.<I|g|A|B>"`` for a synaptic channel) ``"state": {pop: {name: (n,
T)}}`` and ``"state_t_ms"``, all sampled at the end of every step.
"""

from __future__ import annotations

import numpy as np

from spikeopt.backends.brian2 import MODELS, B2Model, exp2_peak_factor, network_programs
from spikeopt.network import Network

__all__ = ["run_brian2", "MODELS", "B2Model", "STDP_DEFAULTS", "exp2_peak_factor",
           "channel_variables"]

# spikeopt.network.spec.PLASTICITY["stdp"] (the values a spec may leave out)
STDP_DEFAULTS = {"tau_plus_ms": 20.0, "tau_minus_ms": 20.0, "A_plus": 0.01, "A_minus": 0.0105,
                 "w_min": 0.0, "w_max": 1.0}
_VARS = {"delta": (), "exp_current": ("I",), "exp_conductance": ("g",),
         "exp2_conductance": ("A", "B")}


def channel_variables(spec: dict) -> dict[str, dict[str, str]]:
    """``{link: {"I"|"g"|"A"|"B": Brian2 variable on the target}}`` (channel k is
    link k: projections, then inputs)."""
    net = Network.from_dict(spec)
    return {name: {v: f"{v}_c{k}" for v in _VARS[lk.synapse]}
            for k, (name, _s, _t, lk) in enumerate(net.links())}


def _list_order(net: Network, name: str) -> np.ndarray | None:
    """Position in the connector's list of each synapse in spikeopt's order (by pre)."""
    lk = dict((n, lk) for n, _s, _t, lk in net.links())[name]
    if lk.explicit is None:
        return None
    return np.argsort(lk.explicit["pre"], kind="stable")


def run_brian2(spec: dict, *, t_stop_ms: float, dt_ms: float, record_weights: bool = False,
               record_state: dict[str, list[str]] | None = None) -> dict:
    import brian2 as b2

    net = Network.from_dict(spec)
    prog = network_programs(spec, dt=dt_ms, seed=0, divergence=False)[0]
    old = b2.prefs.codegen.target
    b2.prefs.codegen.target = "numpy"
    try:
        ns = {"b2": b2, "np": np, "data": prog.data}
        exec(compile(prog.source, "<brian2 reference>", "exec"), ns)
        plastic = [n for n, *_rest, lk in net.links() if lk.plasticity is not None]
        wmon = {n: b2.StateMonitor(ns[prog.synapses[n]], "w_syn", record=True, when="end")
                for n in plastic if record_weights and len(ns[prog.synapses[n]])}
        chvars = channel_variables(spec)
        smon = {}
        for pop, names in (record_state or {}).items():
            model = MODELS[net.populations[pop].model]
            bnames = [chvars[nm.rsplit(".", 1)[0]][nm.rsplit(".", 1)[1]] if "." in nm
                      else (model.state.get(nm) or nm) for nm in names]
            smon[pop] = (names, bnames, b2.StateMonitor(ns[prog.groups[pop]], bnames,
                                                        record=True, when="end"))
        ns["net"].add(*wmon.values(), *(m for *_x, m in smon.values()))
        ns["net"].run(t_stop_ms * b2.ms, namespace=ns["namespace"])
    finally:
        b2.prefs.codegen.target = old
    out: dict = {"spikes": {}, "weights": {}}
    for pop in net.populations:
        mon = ns[prog.monitors[pop]]
        out["spikes"][pop] = (np.asarray(mon.i[:], dtype=np.int64),
                              np.asarray(mon.t[:] / b2.ms, dtype=np.float64))

    def listed(name, w):  # spikeopt's order (by pre) -> the connector's list order
        order = _list_order(net, name)
        if order is None:
            return w
        back = np.empty_like(w)
        back[order] = w
        return back

    for name in plastic:
        w = np.asarray(ns[prog.synapses[name]].w_syn[:], dtype=np.float64).copy()
        out["weights"][name] = listed(name, w)
    if record_weights:
        out["weight_trajectories"] = {
            name: (np.asarray(mon.t[:] / b2.ms), listed(name, np.asarray(mon.w_syn[:])))
            for name, mon in wmon.items()}
    if smon:
        out["state"] = {pop: {nm: np.asarray(getattr(mon, bn)[:], dtype=np.float64)
                              for nm, bn in zip(names, bnames, strict=True)}
                        for pop, (names, bnames, mon) in smon.items()}
        out["state_t_ms"] = np.asarray(next(iter(smon.values()))[2].t[:] / b2.ms)
    return out
