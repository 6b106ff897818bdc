"""Build the NEST :class:`~._nest_plan.Plan` of one candidate: a single cell
under a current, or a network description.

Timing conventions (NEST 3, checked against spikeopt's engine)
--------------------------------------------------------------
- **Spike stamps.** NEST stamps a spike at the *end* of the step in which V
  crossed threshold (t_{k+1}); spikeopt, like Brian2, at its start (t_k). The
  backend reports NEST's times as NEST gives them: for the same trajectory
  they are one ``dt`` later than spikeopt's.
- **Injected current.** A ``step_current_generator`` change at time T first
  acts on the neuron's update from T + h to T + 2 h (h = NEST's resolution; the
  connection delay is one step and NEST reads input currents one step ahead).
  spikeopt's sample I[k] acts on the update from t_k to t_{k+1}, so the
  generator's change times are t_k - h. NEST only accepts change times > 0:
  samples at t_k <= h are given through the neuron's own ``I_e`` instead (used
  in the same update), simulating up to each such sample and then setting
  ``I_e`` to 0 when the generator takes over. The delivery is then exact on
  the grid: an Izhikevich cell (same forward-Euler step in both) spikes at
  spikeopt's times plus one ``dt``.
  NEST's ``glif_psc`` has no ``I_e``: for GLIF cells the samples at
  t_k <= h (the first two steps when dt = h) are not delivered.
- **Synaptic delays** are rounded to NEST's resolution and at least one step
  (spikeopt allows 0 steps). A spike of step k with a delay of D >= 1 steps
  changes its target's state at t_{k+1+D} in both simulators.
- **Delta kicks** are added to V and tested against the threshold in the same
  NEST update; spikeopt tests them after the next Euler step (Brian2's
  schedule), so kicks that end just above threshold fire in NEST only.
- **Spike inputs** (``spikes`` and NetStim-like ``poisson`` with noise < 1) are
  ``spike_generator`` trains at spikeopt's step times plus one step, so that
  they act on the target at the same step as in spikeopt. ``poisson`` inputs
  with noise = 1 are ``poisson_generator`` trains drawn by NEST (independent
  per target, or per source through ``parrot_neuron`` when the connector is not
  ``one_to_one``): the same process, not the same draws.
- **Membrane potential** (``record_v``): a ``multimeter`` every ``v_every * dt``;
  NEST's first sample is at one interval, so the first column is the initial V
  (spikeopt records V at t = k dt before step k).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import numpy as np

from .. import models as _models
from ..errors import InvalidParameterError
from ..network.spec import Network, Value
from ..network.tables import resolve_params
from ..stimuli import Stimulus
from ._nest_map import MODELS, fit_synapses, model_reason, nest_neuron, synapse_reason
from ._nest_plan import Call, Comment, Ids, Plan, Ref, Stmt

__all__ = ["cell_plan", "network_plan", "network_reason", "resolution_of"]

_EPS = 1e-9


def resolution_of(dt: float, resolution_ms: float | None) -> float:
    """NEST's resolution (ms): ``resolution_ms`` or ``dt``; ``dt`` must be a
    whole number of resolution steps."""
    r = float(dt if resolution_ms is None else resolution_ms)
    if r <= 0 or abs(dt / r - round(dt / r)) > 1e-6:
        raise InvalidParameterError(
            f"The 'resolution_ms' of the NEST backend must be > 0 and divide dt = {dt:g} ms. "
            f"Got {resolution_ms!r}.")
    return r


def _grid(t: float, r: float) -> float:
    """``t`` (ms) on NEST's grid of step ``r`` as a clean float."""
    return round(round(t / r) * r, 10)


def _compact(v):
    """A per-neuron array whose values are all equal becomes one float."""
    if isinstance(v, np.ndarray):
        if v.size and np.all(v == v.flat[0]):
            return v.dtype.type(v.flat[0]).item()
        return v.astype(np.float64)
    return v


def _create_params(nparams: Mapping, n: int) -> dict | list:
    """``params`` of ``nest.Create``: one dict (equal values as one float), or a
    dict per neuron when an array parameter (GLIF's ``asc_amps`` ..., given as
    (n, 2)) differs between neurons."""
    rows = {k: v for k, v in nparams.items() if isinstance(v, np.ndarray) and v.ndim == 2}
    flat = {k: _compact(v) for k, v in nparams.items() if k not in rows}
    if all((v == v[:1]).all() for v in rows.values()):
        return {**flat, **{k: [float(x) for x in v[0]] for k, v in rows.items()}}
    out = []
    for i in range(n):
        d = {k: (v[i].item() if isinstance(v, np.ndarray) else v) for k, v in flat.items()}
        out.append({**d, **{k: [float(x) for x in v[i]] for k, v in rows.items()}})
    return out


def _kernel(r: float, seed: int, threads: int) -> list:
    if not 1 <= int(seed) <= 2**31 - 1:
        raise InvalidParameterError(
            f"NEST's rng_seed must be in [1, 2**31 - 1]. Got seed = {seed!r}.")
    return [Stmt(None, Call("nest.ResetKernel"), script_only=True),
            Stmt(None, Call("nest.set", kwargs={"resolution": r, "rng_seed": int(seed),
                                                "local_num_threads": int(threads)}),
                 where="the kernel settings")]


def _state(model: str, st: np.ndarray, initial_names) -> dict:
    """NEST state parameters from the (n_state, n) initial state of ``model``."""
    m = _models.get(model)
    out = {}
    for i, name in enumerate(m.state):
        nest_name = MODELS[model].state.get(name)
        if nest_name is None:
            if name in initial_names:
                raise InvalidParameterError(
                    f"The initial {name!r} of model {model!r} has no NEST counterpart; "
                    f"settable: {sorted(MODELS[model].state)}.")
            continue
        out[nest_name] = st[i]
    return out


# -- single cells -------------------------------------------------------------------------
def _currents(stim: Stimulus, dt: float, n_steps: int) -> np.ndarray:
    """(S, n_steps) current samples at ``dt`` (zero-order hold from the stimulus grid)."""
    vals = np.atleast_2d(stim.values if stim.values.ndim <= 2 else stim.values[0])
    if stim.dt == dt:
        idx = np.arange(n_steps)
    else:
        idx = np.floor(np.arange(n_steps) * (dt / stim.dt) + _EPS).astype(np.int64)
    if n_steps and idx[-1] >= vals.shape[1]:
        raise InvalidParameterError(
            f"The simulation ({n_steps * dt:g} ms) is longer than the stimulus "
            f"({stim.duration:g} ms); pass a shorter t_stop or a longer stimulus.")
    return vals[:, idx]


def cell_plan(model, params: Mapping, stimulus: Stimulus, *, dt: float, t_stop: float | None,
              record_v: bool = False, v_every: int = 1, initial: Mapping | None = None,
              seed: int = 1, threads: int = 1, resolution_ms: float | None = None) -> Plan:
    """The plan of one candidate cell: one NEST neuron per sweep of ``stimulus``."""
    m = _models.get(model)
    reason = model_reason(m.name)
    if reason:
        raise InvalidParameterError(f"The NEST backend cannot run this model: {reason}.")
    r = resolution_of(dt, resolution_ms)
    pr, _ = m.resolve(dict(params or {}), n=1)
    S = stimulus.n_sweeps
    n_steps = int(round((stimulus.duration if t_stop is None else t_stop) / dt))
    if n_steps < 1:
        raise InvalidParameterError(f"Nothing to simulate: t_stop / dt gives {n_steps} steps.")
    t_end = n_steps * dt
    current = _currents(stimulus, dt, n_steps)
    named = {k: np.full(S, pr[i, 0]) for i, k in enumerate(m.parameters)}
    st = np.asarray(m.init(named), dtype=np.float64).reshape(len(m.state), S)
    for name, value in (initial or {}).items():
        if name not in m.state:
            raise InvalidParameterError(f"Unknown state variable {name!r} in 'initial'; model "
                                        f"{m.name!r} has {list(m.state)}.")
        st[m.state.index(name)] = float(np.asarray(value).ravel()[0])
    nest_model, nparams = nest_neuron(m.name, named, None, f"model {m.name!r}")
    nparams.update(_state(m.name, st, set(initial or {})))
    # current: I_e for samples at t_k <= h, then the generator (see the module docstring)
    k_gen = min(n_steps, int(math.floor(r / dt + _EPS)) + 1)
    early = current[:, :k_gen]
    has_I_e = MODELS[m.name].has_I_e
    if not has_I_e:  # no I_e (glif_psc): the samples before k_gen are not delivered
        phases, base = [(0, np.zeros(S))], np.zeros(S)
    elif np.all(early == early[:, :1]):  # one I_e for the whole run, the generator adds changes
        phases, base = [(0, early[:, 0])], early[:, 0]
    else:  # I_e sample by sample up to t_{k_gen}, then 0 and the generator
        phases = [(0, early[:, 0])]
        for k in range(1, k_gen):
            if not np.array_equal(early[:, k], phases[-1][1]):
                phases.append((k, early[:, k]))
        if k_gen < n_steps and np.any(phases[-1][1] != 0):
            phases.append((k_gen, np.zeros(S)))
        base = np.zeros(S)
    if has_I_e:
        nparams["I_e"] = phases[0][1].copy()
    gens = []
    for s in range(S):
        later = current[s, k_gen:]
        prev = np.concatenate([[base[s]], later[:-1]])
        ks = np.flatnonzero(later != prev) + k_gen
        gens.append({"amplitude_times": np.array([_grid(k * dt - r, r) for k in ks]),
                     "amplitude_values": current[s, ks] - base[s]})
    prog = _kernel(r, seed, threads)
    prog.append(Comment(f"{S} {m.name} cell(s) as NEST's {nest_model} (one per sweep)"))
    prog.append(Stmt("cell", Call("nest.Create", (nest_model, S),
                                  {"params": _create_params(nparams, S)}),
                     where=f"the {m.name} cell ({nest_model}) with "
                           f"{ {k: float(v) for k, v in (params or {}).items()} or 'defaults'}"))
    prog.append(Comment("injected current (pA; Izhikevich 2003: mV/ms); a change at T acts on "
                        "the update from T + h"))
    prog.append(Stmt("stim", Call("nest.Create", ("step_current_generator", S),
                                  {"params": gens if S > 1 else gens[0]}),
                     where="the current (step_current_generator)"))
    prog.append(Stmt(None, Call("nest.Connect", (Ref("stim"), Ref("cell"), "one_to_one",
                                                 {"delay": r}))))
    prog.append(Stmt("rec_cell", Call("nest.Create", ("spike_recorder",))))
    prog.append(Stmt(None, Call("nest.Connect", (Ref("cell"), Ref("rec_cell")))))
    if record_v:
        prog.append(Stmt("vm", Call("nest.Create", ("multimeter",), {"params": {
            "record_from": ["V_m"], "interval": _grid(int(v_every) * dt, r)}})))
        prog.append(Stmt(None, Call("nest.Connect", (Ref("vm"), Ref("cell")))))
    prog.append(Comment("run (ms)"))
    t_done = 0
    for k, value in phases[1:]:
        prog.append(Stmt(None, Call("nest.Simulate", (_grid((k - t_done) * dt, r),))))
        prog.append(Stmt(None, Call("cell.set", kwargs={"I_e": _compact(value.copy())})))
        t_done = k
    prog.append(Stmt(None, Call("nest.Simulate", (_grid((n_steps - t_done) * dt, r),))))
    return Plan(prog, {"cell": ("cell", S)}, {"cell": "rec_cell"}, t_end, dt,
                multimeter="vm" if record_v else None, v0=st[0].copy())


# -- networks -----------------------------------------------------------------------------
def _var(name: str, prefix: str, taken: set) -> str:
    base = f"{prefix}_{re.sub(r'[^0-9a-zA-Z_]', '_', name)}"
    v, i = base, 1
    while v in taken:
        i += 1
        v = f"{base}_{i}"
    taken.add(v)
    return v


def _values(v: Value, vals, n: int, rng: np.random.Generator) -> np.ndarray:
    """Per-neuron values of a neuron value spec (numpy draws from ``rng``)."""
    if v.kind == "const":
        return np.full(n, vals(v.paths[0]))
    if v.kind == "list":
        if len(v.paths) != n:
            raise InvalidParameterError(f"{v.paths[0].rsplit('.', 1)[0]}: a list needs one value "
                                        f"per neuron ({n}). Got {len(v.paths)}.")
        return np.array([vals(p) for p in v.paths])
    a, b = vals(v.paths[0]), vals(v.paths[1])
    return rng.uniform(a, b, n) if v.kind == "uniform" else rng.normal(a, b, n)


def _weight(kind: str, a: float, b: float, route: str):
    """A NEST weight (float or nest.random expression) for a rule-based link."""
    if kind == "uniform" and a == b or kind == "normal" and b == 0:
        kind = "const"
    if kind == "const":
        if route == "same":
            return float(a)
        return max(a, 0.0) if route == "ex" else -max(a, 0.0)
    if route == "in":  # -max(X, 0) = min(-X, 0)
        dist = (Call("nest.random.uniform", kwargs={"min": -b, "max": -a}) if kind == "uniform"
                else Call("nest.random.normal", kwargs={"mean": -a, "std": b}))
    else:
        dist = (Call("nest.random.uniform", kwargs={"min": a, "max": b}) if kind == "uniform"
                else Call("nest.random.normal", kwargs={"mean": a, "std": b}))
    if route == "same" or (kind == "uniform" and a >= 0):
        return dist
    return Call("nest.math.max" if route == "ex" else "nest.math.min", (dist, 0.0))


def _delay(kind: str, a: float, b: float, r: float):
    if kind == "uniform" and a == b or kind == "normal" and b == 0:
        kind = "const"
    if kind == "const":
        return _grid(max(a, r), r)
    if kind == "uniform" and b <= r:
        return r
    dist = (Call("nest.random.uniform", kwargs={"min": a, "max": b}) if kind == "uniform"
            else Call("nest.random.normal", kwargs={"mean": a, "std": b}))
    return dist if kind == "uniform" and a >= r else Call("nest.math.max", (dist, r))


def _conn_spec(link, vals) -> dict | str:
    rule, flags = link.connector, link.connector_flags
    if rule == "one_to_one":
        return "one_to_one"
    spec: dict = {"rule": {"fixed_probability": "pairwise_bernoulli"}.get(rule, rule)}
    if rule == "fixed_probability":
        spec["p"] = vals(link.connector_leaves["p"])
    if rule in ("fixed_indegree", "fixed_outdegree"):
        spec["indegree" if rule == "fixed_indegree" else "outdegree"] = int(
            vals(link.connector_leaves["n"]))
        spec["allow_multapses"] = bool(flags["allow_multapses"])
    if "allow_self" in flags:
        spec["allow_autapses"] = bool(flags["allow_self"])
    return spec


def _netstim(rate: float, noise: float, start: float, stop: float, t_end: float,
             rng: np.random.Generator) -> np.ndarray:
    """NEURON NetStim times (ms): intervals (1 - noise)/rate + noise Exp(1)/rate."""
    if rate <= 0:
        return np.empty(0)
    isi, out = 1000.0 / rate, []
    t = start + noise * rng.exponential() * isi
    end = min(stop, t_end)
    while t < end:
        out.append(t)
        t += (1.0 - noise) * isi + noise * rng.exponential() * isi
    return np.array(out)


def _shifted(times, dt: float, r: float, n_steps: int) -> np.ndarray:
    """spikeopt's input step of each time, as the NEST emission time (one step later)."""
    k = np.floor(np.asarray(times, dtype=np.float64) / dt + 0.5).astype(np.int64)
    k = np.sort(k[(k >= 0) & (k < n_steps)])
    return np.array([_grid((j + 1) * dt, r) for j in k])


def _weight_of(link, vals):
    """(kind, a, b) of a link's weight; ("explicit", array, None) for explicit weights."""
    if link.explicit is not None and link.explicit.get("weight") is not None:
        return "explicit", link.explicit["weight"], None
    w = link.weight
    return (w.kind, vals(w.paths[0]), vals(w.paths[1]) if len(w.paths) > 1 else None)


def network_reason(net: Network, vals=None) -> str | None:
    """Why the NEST backend cannot run ``net`` (with leaf values ``vals``), or None."""
    vals = vals or (lambda path: net.leaves[path])
    for pop in net.populations.values():
        reason = model_reason(pop.model)
        if reason:
            return f"population {pop.name!r}: {reason}"
        if pop.update != "standard":
            return (f"population {pop.name!r}: update {pop.update!r} (SpikingNeuralNetworks.jl's "
                    f"Float32 half-step scheme with same-step kicks) has no exact NEST "
                    f"equivalent; NEST's izhikevich runs the 'standard' forward-Euler step")
    for name, _, _, link in net.links():
        if link.plasticity is not None:
            return (f"link {name!r}: STDP is not mapped (NEST's stdp_synapse depresses before "
                    f"it delivers a spike and keeps tau_minus on the neuron, spikeopt's rule "
                    f"delivers first)")
    try:
        _fits(net, vals)
    except InvalidParameterError as exc:
        return str(exc).rstrip(".")
    return None


def _fits(net: Network, vals) -> dict:
    incoming = {p: [] for p in net.populations}
    for name, _, tgt, link in net.links():
        keys = {k: vals(path) for k, path in link.synapse_leaves.items()}
        incoming[tgt].append((name, link.synapse, keys, *_weight_of(link, vals)))
    fits = {}
    for p, links in incoming.items():
        fits[p] = fit_synapses(p, links)
        model = net.populations[p].model
        if fits[p].synapse not in MODELS[model].nest:
            why = synapse_reason(model, fits[p].synapse)
            raise InvalidParameterError(f"population {p!r}: {why}")
    return fits


def network_plan(network, params: Mapping | None, *, dt: float, t_stop: float, seed: int,
                 threads: int = 1, resolution_ms: float | None = None) -> Plan:
    """The plan of one candidate network (``params``: {dotted path: scalar})."""
    net = Network.from_dict(network)
    for k, v in (params or {}).items():
        if np.size(v) != 1:
            raise InvalidParameterError(f"A NEST plan holds one candidate: parameter {k!r} must "
                                        f"be a scalar. Got shape {np.shape(v)}.")
    over, _ = resolve_params(net, {k: np.ravel(np.asarray(v, dtype=np.float64))
                                   for k, v in (params or {}).items()})

    def vals(path: str) -> float:
        return float(over[path][0]) if path in over else float(net.leaves[path])

    reason = network_reason(net, vals)
    if reason:
        raise InvalidParameterError(f"The NEST backend cannot run this network: {reason}.")
    r = resolution_of(dt, resolution_ms)
    n_steps = int(round(t_stop / dt))
    if n_steps < 1:
        raise InvalidParameterError(f"Nothing to simulate: t_stop / dt gives {n_steps} steps.")
    sizes = {n: int(vals(p.size)) for n, p in net.populations.items()}
    inp_sizes = {n: int(vals(i.size)) if i.type == "poisson" else len(i.times_ms)
                 for n, i in net.inputs.items()}
    net.check_sizes({**sizes, **inp_sizes})
    fits = _fits(net, vals)
    rng = np.random.default_rng(int(seed))
    prog, taken, var = _kernel(r, seed, threads), set(), {}
    # populations
    for name, pop in net.populations.items():
        n, m, fit = sizes[name], _models.get(pop.model), fits[name]
        named = {k: (np.full(n, spec.default) if k not in pop.params
                     else _values(pop.params[k], vals, n, rng)) for k, spec in m.parameters.items()}
        st = np.asarray(m.init(named), dtype=np.float64).reshape(len(m.state), n)
        for k, v in pop.init.items():
            st[m.state.index(k)] = _values(v, vals, n, rng)
        where = f"population {name!r}"
        nest_model, nparams = nest_neuron(pop.model, named, fit.synapse, where)
        nparams.update(fit.params)
        nparams.update(_state(pop.model, st, set(pop.init)))
        if pop.current is not None:
            nparams["I_e"] = _values(pop.current, vals, n, rng)
        var[name] = _var(name, "pop", taken)
        prog.append(Comment(f"population {name}: {n} x {pop.model} as {nest_model}"))
        prog.append(Stmt(var[name], Call("nest.Create", (nest_model, n), {
            "params": _create_params(nparams, n)}), where=f"{where} ({nest_model})"))
    # inputs: their sources
    direct = set()  # Poisson inputs whose one generator feeds the targets itself
    for name, inp in net.inputs.items():
        n, link = inp_sizes[name], inp.link
        var[name] = _var(name, "inp", taken)
        opt = {k: vals(p) for k, p in inp.options.items()}
        if inp.type == "poisson" and opt["noise"] == 1.0:
            gen = {"rate": opt["rate_hz"], "start": opt["start_ms"]}
            if math.isfinite(opt["stop_ms"]):
                gen["stop"] = opt["stop_ms"]
            if link.connector == "one_to_one":
                direct.add(name)
            gvar = var[name] if name in direct else _var(name, "gen", taken)
            prog.append(Comment(f"input {name}: {n} Poisson sources at {opt['rate_hz']:g} Hz"
                                + ("" if name in direct else " (parrot neurons relay one "
                                                     "poisson_generator)")))
            prog.append(Stmt(gvar, Call("nest.Create", ("poisson_generator", 1),
                                        {"params": gen}), where=f"input {name!r}"))
            if name not in direct:
                prog.append(Stmt(var[name], Call("nest.Create", ("parrot_neuron", n))))
                prog.append(Stmt(None, Call("nest.Connect", (Ref(gvar), Ref(var[name]),
                                                             "all_to_all", {"delay": r}))))
            continue
        if inp.type == "poisson":
            trains = [_netstim(opt["rate_hz"], opt["noise"], opt["start_ms"], opt["stop_ms"],
                               n_steps * dt, rng) for _ in range(n)]
            what = f"{n} NetStim sources (noise {opt['noise']:g}), drawn with numpy"
        else:
            trains = [np.asarray(t, dtype=np.float64) for t in inp.times_ms]
            what = f"{n} given spike trains"
        prog.append(Comment(f"input {name}: {what}; times one step after spikeopt's"))
        prog.append(Stmt(var[name], Call("nest.Create", ("spike_generator", n), {
            "params": [{"spike_times": _shifted(t, dt, r, n_steps)} for t in trains]}),
            where=f"input {name!r}"))
    # projections and input links
    for name, src, tgt, link in net.links():
        route = fits[tgt].route.get(name, "same")
        syn: dict = {"synapse_model": "static_synapse"}
        release = vals(link.release)
        if release < 1.0:
            syn = {"synapse_model": "bernoulli_synapse", "p_transmit": release}
        kind, a, b = _weight_of(link, vals)
        d = link.delay
        prog.append(Comment(f"{'projection' if name in net.projections else 'input link'} "
                            f"{name}: {src} -> {tgt}, {link.connector}, {link.synapse}"))
        if link.explicit is not None:
            ex = link.explicit
            n_syn = ex["pre"].size
            if kind == "explicit":
                w = np.asarray(a, dtype=np.float64)
            else:
                w = _values(link.weight, vals, n_syn, rng)
            if route != "same":
                w = np.maximum(w, 0.0) * (1.0 if route == "ex" else -1.0)
            dl = (ex["delay_ms"] if ex.get("delay_ms") is not None
                  else _values(d, vals, n_syn, rng))
            syn.update(weight=w, delay=np.maximum(np.asarray(dl, dtype=np.float64), r))
            if n_syn:
                prog.append(Stmt(None, Call("nest.Connect", (
                    Ids(var[src], ex["pre"]), Ids(var[tgt], ex["post"]), "one_to_one", syn)),
                    where=f"link {name!r}"))
            continue
        syn["weight"] = _weight(kind, a, b, route)
        syn["delay"] = _delay(d.kind, vals(d.paths[0]),
                              vals(d.paths[1]) if len(d.paths) > 1 else 0.0, r)
        src_var = var[src]
        conn = _conn_spec(link, vals)
        if name in direct and conn == "one_to_one":
            conn = "all_to_all"  # one generator: an independent train per target
        prog.append(Stmt(None, Call("nest.Connect", (Ref(src_var), Ref(var[tgt]), conn, syn)),
                         where=f"link {name!r}"))
    # recording (every population: all of them count towards the rates) and run
    recorders = {}
    prog.append(Comment("spike recorders, then run (ms)"))
    for pname in net.populations:
        recorders[pname] = _var(pname, "rec", taken)
        prog.append(Stmt(recorders[pname], Call("nest.Create", ("spike_recorder",))))
        prog.append(Stmt(None, Call("nest.Connect", (Ref(var[pname]), Ref(recorders[pname])))))
    prog.append(Stmt(None, Call("nest.Simulate", (_grid(n_steps * dt, r),))))
    return Plan(prog, {n: (var[n], sizes[n]) for n in net.populations}, recorders, n_steps * dt,
                dt)
