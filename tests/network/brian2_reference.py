"""Brian2 reference runner for spikeopt network descriptions (conformance tests).

``run_brian2(spec, t_stop_ms=..., dt_ms=...)`` builds the network described by
``spec`` (the dict format of :mod:`spikeopt.network`: populations, projections,
inputs) in Brian2 with the same equations, method (``euler``), dt, explicit
connectivity, delays and input spikes as spikeopt, runs it and returns the
spikes (and the final weights of plastic projections).

Everything is written in dimensionless numbers in spikeopt's units (mV, ms, pA,
nS; mV/ms for the current of Izhikevich 2003) so that the arithmetic matches
spikeopt operation for operation. One step k (t = k*dt) runs, in Brian2's
schedule (``start, groups, thresholds, synapses, resets, end``):

1. ``groups`` order -1: ``v_prev = v`` (only models that detect an upward
   crossing, i.e. have no reset: hh, traub_miles);
2. ``groups`` order 0: forward-Euler state update of every neuron (Brian2's
   ``euler`` state updater; for traub_miles a ``run_regularly`` with GeNN's 25
   Euler sub-steps); the input current (constant ``current`` + the sum of the
   channel currents) is an expression of parameters and of v at t, so it is held
   for the whole step;
3. ``groups`` order 1: exact decay of every synaptic channel variable
   (``x = x*exp(-dt/tau)``, the factor precomputed in Python as a float literal);
4. ``thresholds``: spikes, recorded at t = k*dt;
5. ``synapses``: delivery of the spikes emitted at step k - d (``on_pre``),
   d = floor(delay/dt + 0.5) as spikeopt rounds (Brian2 itself would round half
   to even, so it is given d*dt), then the undelayed ``on_post`` pathways (STDP).
   Brian2 runs every ``pre`` pathway (order -1) before every ``post`` pathway
   (order +1), across all Synapses objects;
6. ``resets``.

Synapse types (each projection / input is its own channel ``c<k>`` on its
target population): ``delta`` (``v_post += w``), ``exp_current`` (``I_c += w``,
current ``I_c``), ``exp_conductance`` (``g_c += w``, current ``g_c*(E_rev - v)``)
and ``exp2_conductance`` (NEURON's Exp2Syn: ``A += w*f; B += w*f``, current
``(B - A)*(E_rev - v)``, f the peak normalisation).

Plasticity ``stdp``: pair-based additive STDP with event-driven traces (Brian2's
standard form); the weight is clipped to [w_min, w_max] after every update.
Missing STDP keys take spikeopt's defaults (:data:`STDP_DEFAULTS`).

Input spike times should lie on the dt grid (Brian2 maps a time t to step
floor(t/dt + 1e-3)). Values must be numbers or per-neuron / per-synapse lists:
random distributions and stochastic release have no deterministic reference.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["run_brian2", "MODELS", "B2Model", "STDP_DEFAULTS", "exp2_peak_factor",
           "channel_variables"]


# --------------------------------------------------------------------------- models


@dataclass(frozen=True)
class B2Model:
    """One spikeopt model in Brian2 syntax.

    ``equations`` is a Brian2 equation string in dimensionless numbers with the
    placeholder ``{I}`` for the total input current (model's current unit) and
    ``{params}`` for the parameter declarations (added automatically from the
    spikeopt model's parameter list). The membrane potential is always ``v``.
    ``state`` maps the spikeopt state names (``model.state``) to Brian2
    variables (None: no Brian2 counterpart, e.g. LIF's refractory counter).
    ``time_params`` are parameters that Brian2 needs as times (ms).
    ``functions`` are extra Brian2 functions the equations use (namespace).
    ``rename`` maps parameter names that Brian2 reserves (units such as ``cm``)
    to the names the equations use. ``update`` is for models whose step is not
    one Euler step of ODEs (traub_miles: 25 Euler sub-steps): it returns the
    code of one whole step (with ``{I}``), run by ``run_regularly`` in place of
    the state updater; ``equations`` then only declares the state variables.
    """

    equations: str
    threshold: str
    reset: str | None = None
    refractory: str | None = None
    state: dict[str, str | None] = field(default_factory=dict)
    time_params: tuple[str, ...] = ()
    upward_crossing: bool = False  # keep v_prev (v before the step) for the threshold
    functions: dict = field(default_factory=dict)
    rename: dict[str, str] = field(default_factory=dict)  # spikeopt parameter -> Brian2 name
    update: Callable[[float], str] | None = None  # dt_ms -> state-update code (no ODEs)


def _vtrap_function():
    """NEURON's vtrap as a Brian2 numpy function (exact branch for |x/y| < 1e-6)."""
    import brian2 as b2

    @b2.implementation("numpy", discard_units=True)
    @b2.check_units(x=1, y=1, result=1)
    def vtrap(x, y):
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        r = x / y
        small = np.abs(r) < 1e-6
        with np.errstate(invalid="ignore", divide="ignore"):
            big = x / (np.exp(r) - 1.0)
        return np.where(small, y * (1.0 - r / 2.0), big)

    return {"vtrap": vtrap}


def _traub_miles_functions():
    """``tm_rate(c, x, s, lim) = lim if x == 0 else c*x/(exp(x/s) - 1)`` (numpy)."""
    import brian2 as b2

    @b2.implementation("numpy", discard_units=True)
    @b2.check_units(c=1, x=1, s=1, lim=1, result=1)
    def tm_rate(c, x, s, lim):
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = c * x / (np.exp(x / s) - 1.0)
        return np.where(x == 0.0, lim, r)

    return {"tm_rate": tm_rate}


def _traub_miles_update(dt_ms: float) -> str:
    """GeNN's TraubMiles step: 25 forward-Euler sub-steps of dt/25, the input
    current held; every sub-step reads m, h, n and v from its start."""
    mdt = _lit(dt_ms / 25.0)
    sub = f"""Imem = -(m*m*m*h*gNa*(v - ENa) + n*n*n*n*gK*(v - EK) + gl*(v - El) - I_in*1e-3)
alpha = tm_rate(0.32, -52.0 - v, 4.0, 1.28)
beta = tm_rate(0.28, v + 25.0, 5.0, 1.4)
m = m + (alpha*(1.0 - m) - beta*m)*{mdt}
alpha = 0.128*exp((-48.0 - v)/18.0)
beta = 4.0/(exp((-25.0 - v)/5.0) + 1.0)
h = h + (alpha*(1.0 - h) - beta*h)*{mdt}
alpha = tm_rate(0.032, -50.0 - v, 5.0, 0.16)
beta = 0.5*exp((-55.0 - v)/40.0)
n = n + (alpha*(1.0 - n) - beta*n)*{mdt}
v = v + Imem/C*{mdt}
"""
    return "I_in = {I}\n" + sub * 25


MODELS: dict[str, B2Model] = {
    "lif": B2Model(
        "dv/dt = (E_L - v + R*({I})*1e-3)/tau_m/ms : 1 (unless refractory)",
        "v > V_th", "v = V_reset", "t_ref",
        state={"v": "v", "refractory_steps": None},
        time_params=("t_ref",),
    ),
    "izhikevich": B2Model(
        """dv/dt = (0.04*v**2 + 5*v + 140 - u + ({I}))/ms : 1
           du/dt = a*(b*v - u)/ms : 1""",
        "v >= 30", "v = c; u = u + d",
        state={"v": "v", "u": "u"},
    ),
    "izhikevich2007": B2Model(
        """dv/dt = (k*(v - v_r)*(v - v_t) - u + ({I}))/C/ms : 1
           du/dt = a*(b*(v - v_r) - u)/ms : 1""",
        "v >= v_peak", "v = c; u = u + d",
        state={"v": "v", "u": "u"},
    ),
    "adex": B2Model(
        """dv/dt = (-g_L*(v - E_L) + g_L*Delta_T*exp((v - V_T)/Delta_T) - w
                    + ({I}))/C/ms : 1
           dw/dt = (a*(v - E_L) - w)/tau_w/ms : 1""",
        "v >= V_peak", "v = V_reset; w = w + b",
        state={"V": "v", "w": "w"},
    ),
    "hh": B2Model(
        """dv/dt = (({I}) - (gnabar*m**3*h*(v - ena) + gkbar*n**4*(v - ek)
                    + gl*(v - el))*(pi*diam*L*10.0))/(c_m*pi*diam*L*0.01)/ms : 1
           dm/dt = q10*(alpha_m*(1 - m) - beta_m*m)/ms : 1
           dh/dt = q10*(alpha_h*(1 - h) - beta_h*h)/ms : 1
           dn/dt = q10*(alpha_n*(1 - n) - beta_n*n)/ms : 1
           q10 = exp((celsius - 6.3)/10.0*log(3.0)) : 1
           alpha_m = 0.1*vtrap(-(v + 40.0), 10.0) : 1
           beta_m = 4.0*exp(-(v + 65.0)/18.0) : 1
           alpha_h = 0.07*exp(-(v + 65.0)/20.0) : 1
           beta_h = 1.0/(exp(-(v + 35.0)/10.0) + 1.0) : 1
           alpha_n = 0.01*vtrap(-(v + 55.0), 10.0) : 1
           beta_n = 0.125*exp(-(v + 65.0)/80.0) : 1""",
        "v >= v_thresh and v_prev < v_thresh", None,
        state={"v": "v", "m": "m", "h": "h", "n": "n"},
        upward_crossing=True,
        rename={"cm": "c_m"},
        functions={"vtrap": _vtrap_function},  # built lazily (needs brian2)
    ),
    "traub_miles": B2Model(
        "v : 1\nm : 1\nh : 1\nn : 1",
        "v >= 0 and v_prev < 0", None,
        state={"V": "v", "m": "m", "h": "h", "n": "n"},
        upward_crossing=True,
        functions={"tm_rate": _traub_miles_functions},
        update=_traub_miles_update,
    ),
}


# --------------------------------------------------------------------------- synapses

_SYNAPSE_VARS = {
    "delta": (),
    "exp_current": ("I",),
    "exp_conductance": ("g",),
    "exp2_conductance": ("A", "B"),
}


def exp2_peak_factor(tau_rise_ms: float, tau_decay_ms: float) -> float:
    """NEURON Exp2Syn's normalisation: the peak of B - A after A = B = f is 1."""
    tr, td = float(tau_rise_ms), float(tau_decay_ms)
    if not 0.0 < tr < td:
        raise ValueError(f"exp2_conductance needs 0 < tau_rise < tau_decay; got {tr}, {td}")
    tp = (tr * td) / (td - tr) * math.log(td / tr)
    return 1.0 / (-math.exp(-tp / tr) + math.exp(-tp / td))


def channel_variables(spec: dict) -> dict[str, dict[str, str]]:
    """``{channel name: {"I"|"g"|"A"|"B": Brian2 variable on the target}}``: how
    ``run_brian2`` names the synaptic variables (for ``record_state``)."""
    out = {}
    for k, (name, _kind, ch) in enumerate(_channels(spec)):
        kinds = _SYNAPSE_VARS[_synapse_type(ch)]
        out[name] = {s: f"{s}_c{k}" for s in kinds}
    return out


def _synapse_type(ch: dict) -> str:
    t = ch.get("synapse", {"type": "delta"}).get("type", "delta")
    if t not in _SYNAPSE_VARS:
        raise ValueError(f"unknown synapse type {t!r}; known: {sorted(_SYNAPSE_VARS)}")
    return t


def _channels(spec: dict):
    """Projections then inputs, in the dict's order: (name, kind, description)."""
    out = [(n, "projection", p) for n, p in spec.get("projections", {}).items()]
    out += [(n, "input", p) for n, p in spec.get("inputs", {}).items()]
    return out


# spikeopt.network.spec.PLASTICITY["stdp"] (the values a spec may leave out)
STDP_DEFAULTS = {"tau_plus_ms": 20.0, "tau_minus_ms": 20.0, "A_plus": 0.01, "A_minus": 0.0105,
                 "w_min": 0.0, "w_max": 1.0}


def _numbers(x, where: str) -> np.ndarray:
    """A number or a list of numbers as float64 (a distribution has no reference)."""
    if isinstance(x, dict):
        raise ValueError(f"{where}: {x!r} is a distribution; the Brian2 reference needs "
                         "numbers (draw them first and give per-neuron / per-synapse lists)")
    return np.asarray(x, dtype=np.float64)


def _lit(x: float) -> str:
    """A float as an exact Brian2 literal (repr round-trips), parenthesised."""
    return f"({float(x)!r})"


# --------------------------------------------------------------------------- connectors


def _connect(conn: dict, n_pre: int, n_post: int,
             same: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(pre, post) index arrays in the connector's list order (spikeopt's order:
    all_to_all pre-major, from_matrix row-major over the non-zero entries), and the
    matrix's weights for from_matrix (else None). ``same``: pre and post are one
    population (only then does ``allow_self=False`` drop i -> i)."""
    rule = conn.get("rule", "from_list")
    weights = None
    if rule == "from_matrix":
        m = np.asarray(conn["matrix"], dtype=np.float64)
        if m.shape != (n_pre, n_post):
            raise ValueError(f"from_matrix: shape {m.shape}, need ({n_pre}, {n_post})")
        i, j = np.nonzero(m)
        weights = m[i, j]
    elif rule == "from_list":
        i = np.asarray(conn["pre"], dtype=np.int64)
        j = np.asarray(conn["post"], dtype=np.int64)
        if i.shape != j.shape or i.ndim != 1:
            raise ValueError("from_list: 'pre' and 'post' must be 1-D lists of one length")
    elif rule == "one_to_one":  # spikeopt: i -> i for i < min(n_pre, n_post)
        i = j = np.arange(min(n_pre, n_post))
    elif rule == "all_to_all":
        i, j = (a.ravel() for a in np.meshgrid(np.arange(n_pre), np.arange(n_post),
                                               indexing="ij"))  # pre-major order
        if same and not conn.get("allow_self", True):
            keep = i != j
            i, j = i[keep], j[keep]
    else:
        raise ValueError(f"unknown connector rule {rule!r}")
    if i.size and (i.min() < 0 or i.max() >= n_pre or j.min() < 0 or j.max() >= n_post):
        raise ValueError("connector indices out of range")
    return i.astype(np.int64), j.astype(np.int64), weights


def _per_synapse(ch: dict, key: str, n_syn: int, default: float | None, name: str):
    conn = ch["connector"]
    if key in conn and conn[key] is not None:
        a = _numbers(conn[key], f"{name}.connector.{key}")
        if a.shape != (n_syn,):
            raise ValueError(f"{name}: connector {key!r} has shape {a.shape}, need ({n_syn},)")
        return a
    v = ch.get(key, default)
    if v is None:
        raise ValueError(f"{name}: no {key!r} (neither in the connector nor a scalar)")
    return np.full(n_syn, float(_numbers(v, f"{name}.{key}")))


# --------------------------------------------------------------------------- runner


def run_brian2(
    spec: dict,
    *,
    t_stop_ms: float,
    dt_ms: float,
    record_weights: bool = False,
    record_state: dict[str, list[str]] | None = None,
) -> dict:
    """Run the network ``spec`` in Brian2 (numpy target) for ``t_stop_ms``.

    Returns ``{"spikes": {pop: (indices int64, times_ms float64)},
    "weights": {proj: final weights (n_syn,) in the connector's list order}}``
    (weights for the projections / inputs with plasticity only). With
    ``record_weights``, also ``"weight_trajectories": {proj: (t_ms (T,),
    w (n_syn, T))}``, sampled at the end of every step. With ``record_state =
    {pop: [names]}`` (a name is a model state such as ``"v"``/``"u"``, or
    ``"<channel>.<I|g|A|B>"`` for a synaptic variable of that projection or
    input), also ``"state": {pop: {name: (n, T) array}}`` and ``"state_t_ms"``,
    sampled at the end of every step (after delivery and reset).
    """
    import brian2 as b2

    ms = b2.ms
    dt = dt_ms * ms
    old_target = b2.prefs.codegen.target
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    try:
        return _run(b2, spec, t_stop_ms, dt_ms, dt, ms, record_weights, record_state or {})
    finally:
        b2.prefs.codegen.target = old_target


def _run(b2, spec, t_stop_ms, dt_ms, dt, ms, record_weights, record_state):
    from spikeopt import models

    b2.defaultclock.dt = dt
    pops = spec.get("populations", {})
    channels = _channels(spec)
    objects = []
    namespace: dict = {}

    # ---- channel variables, current terms and decays per target population
    terms: dict[str, list[str]] = {p: [] for p in pops}
    decls: dict[str, list[str]] = {p: [] for p in pops}
    decays: dict[str, list[str]] = {p: [] for p in pops}
    for k, (name, _kind, ch) in enumerate(channels):
        post = ch["post"] if "post" in ch else ch["target"]
        if post not in pops:
            raise ValueError(f"{name}: unknown target population {post!r}")
        syn = ch.get("synapse", {"type": "delta"})
        t = _synapse_type(ch)
        q = (lambda tau: _lit(math.exp(-dt_ms / float(tau))))  # noqa: E731
        if t == "exp_current":
            decls[post].append(f"I_c{k} : 1")
            terms[post].append(f"I_c{k}")
            decays[post].append(f"I_c{k} = I_c{k}*{q(syn['tau_ms'])}")
        elif t == "exp_conductance":
            decls[post].append(f"g_c{k} : 1")
            terms[post].append(f"g_c{k}*({_lit(syn['E_rev_mV'])} - v)")
            decays[post].append(f"g_c{k} = g_c{k}*{q(syn['tau_ms'])}")
        elif t == "exp2_conductance":
            decls[post] += [f"A_c{k} : 1", f"B_c{k} : 1"]
            terms[post].append(f"(B_c{k} - A_c{k})*({_lit(syn['E_rev_mV'])} - v)")
            decays[post].append(f"A_c{k} = A_c{k}*{q(syn['tau_rise_ms'])}")
            decays[post].append(f"B_c{k} = B_c{k}*{q(syn['tau_decay_ms'])}")

    # ---- populations
    groups = {}
    monitors = {}
    for pname, pop in pops.items():
        mname = pop["model"]
        if mname not in MODELS:
            raise ValueError(f"no Brian2 equations for model {mname!r}; have {sorted(MODELS)}")
        bm = MODELS[mname]
        m = models.get(mname)
        n = int(pop["size"])
        current_expr = " + ".join(["I_const", *terms[pname]])
        lines = [bm.equations.replace("{I}", current_expr)]
        lines += [f"{bm.rename.get(p, p)} : {'second' if p in bm.time_params else '1'}"
                  for p in m.parameters]
        lines += ["I_const : 1", *decls[pname]]
        if bm.upward_crossing:
            lines.append("v_prev : 1")
        for fname, make in bm.functions.items():
            if fname not in namespace:
                namespace.update(make())
        kw = {"refractory": bm.refractory} if bm.refractory else {}
        kw["reset"] = bm.reset or ""
        g = b2.NeuronGroup(n, "\n".join(lines), threshold=bm.threshold, method="euler",
                           dt=dt, name=f"pop_{len(groups):03d}", **kw)
        # parameters: defaults, then the given scalars / per-neuron lists
        given = dict(pop.get("params", {}))
        if m.aliases is not None:
            given = m.aliases(given)
        unknown = set(given) - set(m.parameters)
        if unknown:
            raise ValueError(f"{pname}: model {mname!r} has no parameter(s) {sorted(unknown)}")
        full = {k: np.broadcast_to(_numbers(given.get(k, p.default), f"{pname}.params.{k}"),
                                   (n,)).copy() for k, p in m.parameters.items()}
        for k, v in full.items():
            setattr(g, bm.rename.get(k, k), v * ms if k in bm.time_params else v)
        g.I_const = np.broadcast_to(_numbers(pop.get("current", 0.0), f"{pname}.current"), (n,))
        # initial state: the model's init, then the overrides
        state0 = m.init(full)
        init = dict(pop.get("init", {}))
        for sname, row in zip(m.state, state0, strict=True):
            bname = bm.state.get(sname)
            if bname is None:
                continue
            val = init.pop(sname, init.pop(bname, None) if bname != sname else None)
            setattr(g, bname, np.broadcast_to(
                _numbers(row if val is None else val, f"{pname}.init.{sname}"), (n,)))
        if init:
            raise ValueError(f"{pname}: unknown initial state {sorted(init)}; "
                             f"the model's state is {list(m.state)}")
        if bm.upward_crossing:
            g.run_regularly("v_prev = v", when="groups", order=-1, name=f"{g.name}_vprev")
        if bm.update is not None:  # in place of the (absent) state updater, order 0
            g.run_regularly(bm.update(dt_ms).replace("{I}", current_expr), when="groups",
                            order=0, name=f"{g.name}_update")
        if decays[pname]:
            g.run_regularly("\n".join(decays[pname]), when="groups", order=1,
                            name=f"{g.name}_decay")
        groups[pname] = g
        monitors[pname] = b2.SpikeMonitor(g, name=f"spikes_{g.name}")
        objects += [g, monitors[pname]]

    # ---- inputs' spike sources
    sources = {}
    for name, _kind, ch in channels:
        if _kind != "input":
            continue
        if ch.get("type", "spikes") != "spikes":
            raise ValueError(f"{name}: only 'spikes' inputs are supported")
        times = ch["times_ms"]
        idx = np.concatenate([np.full(len(ts), s, dtype=np.int64)
                              for s, ts in enumerate(times)] or [np.zeros(0, np.int64)])
        tt = np.concatenate([np.asarray(ts, dtype=np.float64) for ts in times]
                            or [np.zeros(0)])
        sg = b2.SpikeGeneratorGroup(len(times), idx, tt * ms, dt=dt,
                                    name=f"input_{len(sources):03d}")
        sources[name] = sg
        objects.append(sg)

    # ---- synapses
    synapses = {}
    plastic = []
    for k, (name, _kind, ch) in enumerate(channels):
        post = ch["post"] if "post" in ch else ch["target"]
        src = sources[name] if _kind == "input" else groups[ch["pre"]]
        tgt = groups[post]
        if ch.get("release_probability", 1.0) != 1.0:
            raise ValueError(f"{name}: stochastic release has no deterministic reference")
        i, j, wm = _connect(ch.get("connector", {"rule": "all_to_all"}), len(src), len(tgt),
                            same=_kind == "projection" and ch["pre"] == post)
        n_syn = i.size
        ch = {**ch, "connector": {**ch.get("connector", {}),
                                  **({"weight": wm} if wm is not None else {})}}
        w = _per_synapse(ch, "weight", n_syn, None, name)
        # spikeopt's delay in steps: floor(delay/dt + 0.5) (half up). Brian2 rounds
        # delay/dt half-to-even, so give it the whole number of steps.
        d_steps = np.maximum(0.0, np.floor(_per_synapse(ch, "delay_ms", n_syn, 0.0, name)
                                           / dt_ms + 0.5))
        syn = ch.get("synapse", {"type": "delta"})
        t = _synapse_type(ch)
        if t == "delta":
            deliver = ["v_post += w_syn"]
        elif t == "exp_current":
            deliver = [f"I_c{k}_post += w_syn"]
        elif t == "exp_conductance":
            deliver = [f"g_c{k}_post += w_syn"]
        else:
            f = _lit(exp2_peak_factor(syn["tau_rise_ms"], syn["tau_decay_ms"]))
            deliver = [f"A_c{k}_post += w_syn*{f}", f"B_c{k}_post += w_syn*{f}"]
        model = ["w_syn : 1"]
        on_post = None
        pl = ch.get("plasticity")
        if pl:
            if pl.get("type", "stdp") != "stdp":
                raise ValueError(f"{name}: unknown plasticity {pl.get('type')!r}")
            pl = {**STDP_DEFAULTS, **pl}
            model += [f"dapre/dt = -apre/({_lit(pl['tau_plus_ms'])}*ms) : 1 (event-driven)",
                      f"dapost/dt = -apost/({_lit(pl['tau_minus_ms'])}*ms) : 1 (event-driven)"]
            lo, hi = _lit(pl["w_min"]), _lit(pl["w_max"])
            deliver += [f"apre += {_lit(pl['A_plus'])}",
                        f"w_syn = clip(w_syn + apost, {lo}, {hi})"]
            on_post = [f"apost += -{_lit(pl['A_minus'])}",
                       f"w_syn = clip(w_syn + apre, {lo}, {hi})"]
            plastic.append(name)
        kw = {"on_post": "\n".join(on_post)} if on_post else {}
        S = b2.Synapses(src, tgt, model="\n".join(model), on_pre="\n".join(deliver),
                        method="exact", dt=dt, name=f"syn_{k:03d}", **kw)
        if n_syn:
            S.connect(i=i, j=j)
            # Brian2 keeps the order of explicit (i, j) lists; check it
            if not (np.array_equal(np.asarray(S.i[:]), i)
                    and np.array_equal(np.asarray(S.j[:]), j)):
                raise RuntimeError(f"{name}: Brian2 reordered the synapses")
            S.w_syn = w
            S.delay = d_steps * dt
        synapses[name] = S
        objects.append(S)

    # ---- optional monitors
    wmon = {}
    if record_weights:
        for name in plastic:
            if len(synapses[name]):
                wmon[name] = b2.StateMonitor(synapses[name], "w_syn", record=True, when="end",
                                             name=f"wmon_{len(wmon)}")
                objects.append(wmon[name])
    smon = {}
    chvars = channel_variables(spec)
    for pname, names in record_state.items():
        bm = MODELS[pops[pname]["model"]]
        bnames = []
        for nm in names:
            if "." in nm:
                cname, var = nm.rsplit(".", 1)
                bnames.append(chvars[cname][var])
            else:
                bnames.append(bm.state.get(nm) or nm)
        smon[pname] = (names, bnames, b2.StateMonitor(groups[pname], bnames, record=True,
                                                      when="end", name=f"smon_{len(smon)}"))
        objects.append(smon[pname][2])

    net = b2.Network(*objects)
    net.run(t_stop_ms * ms, namespace=namespace)

    out: dict = {"spikes": {}, "weights": {}}
    for pname, mon in monitors.items():
        out["spikes"][pname] = (np.asarray(mon.i[:], dtype=np.int64),
                                np.asarray(mon.t[:] / ms, dtype=np.float64))
    for name in plastic:
        out["weights"][name] = np.asarray(synapses[name].w_syn[:], dtype=np.float64).copy()
    if record_weights:
        out["weight_trajectories"] = {
            name: (np.asarray(mon.t[:] / ms), np.asarray(mon.w_syn[:], dtype=np.float64))
            for name, mon in wmon.items()
        }
    if smon:
        out["state"] = {}
        for pname, (names, bnames, mon) in smon.items():
            out["state"][pname] = {nm: np.asarray(getattr(mon, bn)[:], dtype=np.float64)
                                   for nm, bn in zip(names, bnames, strict=True)}
            out["state_t_ms"] = np.asarray(mon.t[:] / ms)
    return out
