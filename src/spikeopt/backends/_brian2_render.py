"""Render single cells or one resolved network candidate as Brian2 code.

A :class:`Program` is Python source that builds Brian2 objects from a dict
``data`` of numpy arrays (module ``b2`` is brian2), ending in ``net =
b2.Network(...)``. The backend executes it in-process (runtime or
cpp_standalone); :mod:`spikeopt.export` writes the same source into a script.
So what is exported is exactly what the backend runs.

Schedule of one step k (t = k*dt), Brian2's (``groups, thresholds, synapses,
resets``) and spikeopt's (docs/network.md):

1. ``groups`` order -1: ``v_prev = v`` (models with an upward-crossing threshold);
2. ``groups`` order 0: forward Euler of every neuron (``method="euler"``;
   traub_miles: GeNN's 25 sub-steps as a ``run_regularly``); the input current
   (constant + channels, evaluated at t) is held for the step;
3. ``groups`` order 1: exact decay of the synaptic channels, ``x = x*q`` with
   ``q = exp(-dt/tau)`` computed in Python as spikeopt does;
4. ``thresholds``; 5. ``synapses``: delivery after ``round(delay/dt)`` steps,
   pre pathways before post pathways (STDP); 6. ``resets``.

In the default dimensionless mode every quantity is a number in spikeopt's
units (mV, ms, pA, nS) so that the arithmetic is spikeopt's; with
``units=True`` the same code carries Brian2 units (see ``with_units``).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field

import numpy as np

from .. import models as _models
from ._brian2_models import MODELS, unit_of, with_units
from ._brian2_network import Candidate, Link

__all__ = ["Program", "render_cells", "render_candidate", "CHANNEL_VARS"]

# synapse type -> channel variables on the target population
CHANNEL_VARS = {"delta": (), "exp_current": ("I",), "exp_conductance": ("g",),
                "exp2_conductance": ("A", "B")}
_WEIGHT_UNIT = {"delta": "mV", "exp_conductance": "nS", "exp2_conductance": "nS"}


@dataclass
class Program:
    """Brian2 code (``source``) and the arrays it reads (``data``).

    ``settable``: (object, attribute, data key, unit) of every value that a
    cpp_standalone build may take from ``run_args`` (parameters, initial
    state, weights, currents); ``structural`` names the data keys that fix a
    build (synapse indices and delays, given spike times; sizes are in the code). ``monitors`` maps
    a population or input name to its SpikeMonitor's variable; ``groups`` a
    population to its NeuronGroup's; ``synapses`` a link to its Synapses'.
    """

    lines: list[str] = field(default_factory=list)
    data: dict[str, np.ndarray] = field(default_factory=dict)
    settable: list[tuple[str, str, str, str]] = field(default_factory=list)
    structural: set[str] = field(default_factory=set)
    monitors: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    synapses: dict[str, str] = field(default_factory=dict)
    objects: list[str] = field(default_factory=list)
    timed_arrays: list[tuple[str, str, str]] = field(default_factory=list)
    dt_ms: float = 0.1
    units: bool = False
    random: bool = False  # draws random numbers (Poisson inputs, Brian2's wiring)

    @property
    def source(self) -> str:
        return "\n".join(self.lines) + "\n"

    def key(self) -> str:
        """What a cpp_standalone build depends on: the code, every array's shape,
        and the contents of the structural arrays."""
        h = hashlib.sha1(self.source.encode())
        for k in sorted(self.data):
            a = np.ascontiguousarray(self.data[k])
            h.update(f"{k}{a.shape}{a.dtype}".encode())
            if k in self.structural:
                h.update(a.tobytes())
        return h.hexdigest()

    # -- writing --------------------------------------------------------------
    def emit(self, line: str = "") -> None:
        self.lines.append(line)

    def unit(self, unit: str) -> str:
        """The Python expression of a spikeopt unit ("" when dimensionless)."""
        if not self.units and unit != "time":
            return ""
        expr = "ms" if unit == "time" else unit_of(unit)[0]
        if expr == "1":
            return ""
        return "*" + re.sub(r"([A-Za-z_]\w*)", r"b2.\1", expr)

    def array(self, key: str, values, *, dtype=np.float64, structural: bool = False) -> str:
        self.data[key] = np.ascontiguousarray(values, dtype=dtype)
        if structural:
            self.structural.add(key)
        return f"data[{key!r}]"

    def assign(self, obj: str, attr: str, key: str, values, unit: str) -> None:
        """``obj.attr = data[key]*unit``, a value run_args may replace."""
        ref = self.array(key, values)
        u = self.unit(unit)
        self.emit(f"{obj}.{attr} = {ref}{u}")
        self.settable.append((obj, attr, key, u))

    def add(self, var: str) -> None:
        self.objects.append(var)


def _ident(name: str) -> str:
    return re.sub(r"\W", "_", str(name))


def _lit(x: float) -> str:
    return repr(float(x))


# --------------------------------------------------------------------------- neurons


def _unit_table(model: str, current_unit: str, channels: list[tuple[int, str]]) -> dict:
    """Name -> Brian2 unit expression of everything a population's code uses."""
    m = _models.get(model)
    bm = MODELS[model]
    table = {bm.rename.get(k, k): unit_of(p.unit)[0] for k, p in m.parameters.items()
             if k not in bm.time_params}
    table.update({v: unit_of(u)[0] for v, u in bm.state_units.items()})
    if bm.upward_crossing:
        table["v_prev"] = table["v"]
    table["I_const"] = unit_of(current_unit)[0]
    for k, syn in channels:
        if syn == "exp_current":
            table[f"I_c{k}"] = unit_of(current_unit)[0]
        elif syn != "delta":
            table[f"E_c{k}"] = "mV"
            for v in CHANNEL_VARS[syn]:
                table[f"{v}_c{k}"] = "nS"
    return table


def _current(channels: list[tuple[int, str]], base: str) -> str:
    terms = [base]
    for k, syn in channels:
        if syn == "exp_current":
            terms.append(f"I_c{k}")
        elif syn == "exp_conductance":
            terms.append(f"g_c{k}*(E_c{k} - v)")
        elif syn == "exp2_conductance":
            terms.append(f"(B_c{k} - A_c{k})*(E_c{k} - v)")
    return " + ".join(terms)


def _group(prog: Program, var: str, name: str, model: str, n: int, params: dict,
           state: dict, *, current: tuple[str, str], channels: list[tuple[int, str]],
           divergence: bool, extra: tuple[str, ...] = ()) -> None:
    """A NeuronGroup of ``n`` neurons of ``model``: declarations, parameters,
    initial state, channel decays. ``current`` = (base current expression in
    dimensionless form, the same in units form)."""
    m = _models.get(model)
    bm = MODELS[model]
    table = _unit_table(model, m.current_unit or "mV/ms", channels)
    lines = [bm.equations]
    lines += [f"{bm.rename.get(k, k)} : {'second' if k in bm.time_params else '1'}"
              for k in m.parameters]
    lines += ["I_const : 1", *extra]
    for k, syn in channels:
        lines += [f"{v}_c{k} : 1" for v in CHANNEL_VARS[syn]]
        if syn != "delta":
            lines += [f"q{v}_c{k} : 1 (shared, constant)" for v in CHANNEL_VARS[syn]]
        if syn in ("exp_conductance", "exp2_conductance"):
            lines.append(f"E_c{k} : 1 (shared, constant)")
        if syn == "exp2_conductance":
            lines.append(f"f_c{k} : 1 (shared, constant)")
    if bm.upward_crossing:
        lines.append("v_prev : 1")
    if divergence:
        lines.append("fail_t : second")
    eqs = "\n".join(lines)
    dimless, with_u = current
    cur = _current(channels, dimless)
    threshold, reset = bm.threshold, bm.reset or ""
    update = bm.update(prog.dt_ms) if bm.update is not None else None
    decays = [f"{v}_c{k} = {v}_c{k}*q{v}_c{k}" for k, syn in channels for v in CHANNEL_VARS[syn]]
    # divergence (NaN or |v| >= 1e30), checked every 64 steps as the engine does:
    # fail_t keeps the first time it is seen (negative while fine)
    diverge = ("fail_t = int(fail_t >= 0*second)*fail_t + int(fail_t < 0*second)*"
               "(int(not (abs(v) < 1e30))*(t + 1*second) - 1*second)")
    if prog.units:
        eqs = with_units(eqs, table, equations=True)
        cur = _current(channels, with_u)
        cur = re.sub(r"(?<![\w.])((?:I|g|A|B|E)_c\d+|I_const|v)(?![\w(])",
                     lambda mm: f"({mm.group(1)}/{table[mm.group(1)]})", cur)
        if bm.numeric_threshold:
            threshold = re.sub(r"(?<![\w.])(v|v_prev)(?![\w(])", r"(\1/mV)", threshold)
        update = with_units(update, table) if update else None
        diverge = diverge.replace("abs(v)", "abs(v/mV)")
    eqs = eqs.replace("{I}", cur)
    kw = [f"threshold={threshold!r}", f"reset={reset!r}", "method='euler'", "dt=dt",
          f"name={var!r}"]
    if bm.refractory:
        kw.insert(2, f"refractory={bm.refractory!r}")
    prog.emit(f"# {name}: {n} x {model}")
    prog.emit(f"{var} = b2.NeuronGroup({n}, '''\n{eqs}\n''',")
    prog.emit("    " + ", ".join(kw) + ")")
    prog.add(var)
    for k, p in m.parameters.items():
        unit = "time" if k in bm.time_params else p.unit
        prog.assign(var, bm.rename.get(k, k), f"{name}.{k}", params[k], unit)
    for sname, bname in bm.state.items():
        if bname is not None:
            prog.assign(var, bname, f"{name}.init.{sname}", state[sname],
                        bm.state_units[bname])
    if divergence:
        prog.emit(f"{var}.fail_t = -1*b2.second")
        prog.emit(f"{var}.run_regularly({diverge!r}, dt=64*dt, when='end', "
                  f"name={var + '_diverged'!r})")
    if bm.upward_crossing:
        prog.emit(f"{var}.run_regularly('v_prev = v', when='groups', order=-1, "
                  f"name={var + '_vprev'!r})")
    if update is not None:
        prog.emit(f"{var}.run_regularly('''\n{update.replace('{I}', cur)}\n''', "
                  f"when='groups', order=0, name={var + '_update'!r})")
    if decays:
        prog.emit(f"{var}.run_regularly({chr(10).join(decays)!r}, when='groups', order=1, "
                  f"name={var + '_decay'!r})")


def _header(prog: Program, dt_ms: float) -> None:
    prog.emit(f"dt = {_lit(dt_ms)}*b2.ms")
    prog.emit("namespace = {}")


def _finish(prog: Program) -> None:
    prog.emit(f"net = b2.Network({', '.join(prog.objects)})")


# --------------------------------------------------------------------------- cells


def render_cells(model: str, params: dict[str, np.ndarray], state: dict[str, np.ndarray],
                 current: np.ndarray, column: np.ndarray, *, dt_ms: float,
                 record_v_every: int = 0, units: bool = False,
                 divergence: bool = True) -> Program:
    """N unconnected neurons of ``model`` (one per candidate × sweep row), each
    with its own parameters and initial state ((N,) arrays by spikeopt name)
    and the current ``current[:, column[row]]`` ((T, n_columns) samples at
    ``dt_ms``, the model's current unit) through a TimedArray."""
    m = _models.get(model)
    prog = Program(dt_ms=float(dt_ms), units=units)
    _header(prog, dt_ms)
    n = int(column.size)
    u = prog.unit(m.current_unit or "mV/ms")
    ref = prog.array("I_ext", current)
    prog.emit(f"I_ext = b2.TimedArray({ref}{u}, dt=dt, name='I_ext')")
    prog.emit("namespace['I_ext'] = I_ext")
    prog.timed_arrays.append(("I_ext", "I_ext", u))
    cu = unit_of(m.current_unit or "mV/ms")[0]
    base = ("I_ext(t, col)", f"(I_ext(t, col)/{cu})" if cu != "1" else "I_ext(t, col)")
    _group(prog, "cell", "cell", model, n, params, state, current=base, channels=[],
           divergence=divergence, extra=("col : integer (constant)",))
    # the column of the current each row reads
    ref = prog.array("column", column, dtype=np.int64, structural=True)
    prog.emit(f"cell.col = {ref}")
    prog.emit("spikes = b2.SpikeMonitor(cell, record=True, name='spikes')")
    prog.add("spikes")
    prog.monitors["cell"] = "spikes"
    prog.groups["cell"] = "cell"
    if record_v_every:
        prog.emit(f"trace = b2.StateMonitor(cell, 'v', record=True, "
                  f"dt={int(record_v_every)}*dt, when='start', name='trace')")
        prog.add("trace")
    _finish(prog)
    return prog


# --------------------------------------------------------------------------- networks


def _link_code(prog: Program, k: int, link: Link, src: str, tgt: str,
               target_model: str) -> None:
    var = f"syn{k}_{_ident(link.name)}"
    m = _models.get(target_model)
    wu = _WEIGHT_UNIT.get(link.synapse, m.current_unit or "mV/ms")
    w = "w_syn*int(rand() < p_rel)" if link.release < 1.0 else "w_syn"
    if link.synapse == "delta":
        deliver = [f"v_post += {w}"]
    elif link.synapse == "exp_current":
        deliver = [f"I_c{k}_post += {w}"]
    elif link.synapse == "exp_conductance":
        deliver = [f"g_c{k}_post += {w}"]
    else:
        deliver = [f"A_c{k}_post += {w}*f_c{k}_post", f"B_c{k}_post += {w}*f_c{k}_post"]
    model = ["w_syn : 1"]
    table = {"w_syn": unit_of(wu)[0]}  # units of the declarations
    if link.release < 1.0:
        model.append("p_rel : 1 (shared, constant)")
        prog.random = True
    on_post = []
    if link.stdp is not None:
        model += ["tau_plus : 1 (shared, constant)", "tau_minus : 1 (shared, constant)",
                  "A_plus : 1 (shared, constant)", "A_minus : 1 (shared, constant)",
                  "w_min : 1 (shared, constant)", "w_max : 1 (shared, constant)",
                  "apre : 1 (event-driven)", "apost : 1 (event-driven)"]
        deliver += ["apre += A_plus", "w_syn = clip(w_syn + apost, w_min, w_max)"]
        on_post = ["apost += -A_minus", "w_syn = clip(w_syn + apre, w_min, w_max)"]
        table.update({x: table["w_syn"] for x in ("A_plus", "A_minus", "w_min", "w_max",
                                                  "apre", "apost")})
        table.update({"tau_plus": "ms", "tau_minus": "ms"})
    model_s, pre_s, post_s = "\n".join(model), "\n".join(deliver), "\n".join(on_post)
    # the statements are consistent in units as written (see B2Model.numeric_threshold)
    if prog.units:
        model_s = with_units(model_s, table, equations=True)
    if link.stdp is not None:  # the traces, in units written as the equations read
        per = "" if prog.units else "/ms"
        for x, tau in (("apre", "tau_plus"), ("apost", "tau_minus")):
            decl = next(ln for ln in model_s.splitlines() if ln.startswith(f"{x} :"))
            model_s = model_s.replace(decl, f"d{x}/dt = -{x}/{tau}{per} : "
                                      f"{decl.split(':')[1].split('(')[0].strip()} "
                                      "(event-driven)")
    kw = f", on_post={post_s!r}" if post_s else ""
    prog.emit(f"# {link.name}: {link.source} -> {link.target} ({link.synapse})")
    prog.emit(f"{var} = b2.Synapses({src}, {tgt}, model={model_s!r}, on_pre={pre_s!r}{kw}, "
              f"method='exact', dt=dt, name={var!r})")
    prog.add(var)
    prog.synapses[link.name] = var
    key = f"link.{link.name}"
    if link.pre is not None:
        n_syn = int(link.pre.size)
        if n_syn:
            ri = prog.array(f"{key}.i", link.pre, dtype=np.int64, structural=True)
            rj = prog.array(f"{key}.j", link.post, dtype=np.int64, structural=True)
            prog.emit(f"{var}.connect(i={ri}, j={rj})")
    else:
        prog.random = prog.random or link.rule not in ("all_to_all", "one_to_one", "from_list")
        o = link.rule_options
        cond = "i != j" if o.get("same") and not o.get("allow_self", True) else None
        if link.rule == "all_to_all":
            prog.emit(f"{var}.connect({'' if cond is None else f'condition={cond!r}'})")
        elif link.rule == "one_to_one":
            prog.emit(f"{var}.connect(j='i', skip_if_invalid=True)")
        elif link.rule == "fixed_probability":
            c = f"condition={cond!r}, " if cond else ""
            prog.emit(f"{var}.connect({c}p={_lit(o['p'])})")
        elif link.rule == "fixed_outdegree":
            skip = " if k != i" if cond else ""
            prog.emit(f"{var}.connect(j='k for k in sample(N_post, size={o['n']}){skip}')")
        elif link.rule == "fixed_indegree":
            skip = " if k != j" if cond else ""
            prog.emit(f"{var}.connect(i='k for k in sample(N_pre, size={o['n']}){skip}')")
        else:
            raise ValueError(f"{link.name}: no Brian2 rendering of connector {link.rule!r}")
    if link.pre is not None and link.pre.size == 0:
        pass  # no synapses: nothing to set
    else:
        if link.weight is not None:
            prog.assign(var, "w_syn", f"{key}.weight", link.weight, wu)
        else:
            prog.emit(f"{var}.w_syn = {_draw(link.weight_spec, wu, prog, link.clip_weight)}")
        if link.delay_ms is not None:
            # structural: a cpp_standalone binary takes no delays through run_args
            ref = prog.array(f"{key}.delay_ms", link.delay_ms, structural=True)
            prog.emit(f"{var}.delay = {ref}*b2.ms")
        else:
            prog.emit(f"{var}.delay = {_draw(link.delay_spec, 'time', prog, True)}")
    if link.release < 1.0:
        prog.emit(f"{var}.p_rel = {_lit(link.release)}")
    if link.stdp is not None:
        s = link.stdp
        for attr, key2, unit in (("tau_plus", "tau_plus_ms", "time"),
                                 ("tau_minus", "tau_minus_ms", "time"),
                                 ("A_plus", "A_plus", wu), ("A_minus", "A_minus", wu),
                                 ("w_min", "w_min", wu), ("w_max", "w_max", wu)):
            u = prog.unit(unit) if (unit != "time" or prog.units) else ""
            prog.emit(f"{var}.{attr} = {_lit(s[key2])}{u}")


def _draw(spec: tuple, unit: str, prog: Program, clip_zero: bool) -> str:
    """A Brian2 string expression drawing (kind, a, b) per synapse."""
    kind, a, b = spec
    prog.random = prog.random or kind != "const"
    if kind == "const":
        x = _lit(max(a, 0.0) if clip_zero else a)
    elif kind == "uniform":
        x = f"{_lit(a)} + {_lit(b - a)}*rand()"
    else:
        x = f"{_lit(a)} + {_lit(b)}*randn()"
        if clip_zero:
            x = f"clip({x}, 0, inf)"
    u = prog.unit(unit)
    return f"'({x}){u.replace('b2.', '')}'" if (kind != "const") else f"{x}{u}"


def render_candidate(cand: Candidate, *, dt_ms: float, units: bool = False,
                     divergence: bool = True) -> Program:
    """One network candidate (see :func:`._brian2_network.resolve`) as a Program."""
    prog = Program(dt_ms=float(dt_ms), units=units)
    _header(prog, dt_ms)
    pops = {p.name: p for p in cand.pops}
    channels: dict[str, list[tuple[int, str]]] = {p: [] for p in pops}
    for k, link in enumerate(cand.links):
        if link.synapse != "delta":
            channels[link.target].append((k, link.synapse))
    for q, pop in enumerate(cand.pops):
        var = f"pop{q}_{_ident(pop.name)}"
        prog.groups[pop.name] = var
        m = _models.get(pop.model)
        _group(prog, var, pop.name, pop.model, pop.n, pop.params, pop.state,
               current=("I_const", "I_const"), channels=channels[pop.name],
               divergence=divergence)
        prog.assign(var, "I_const", f"{pop.name}.current", pop.current,
                    m.current_unit or "mV/ms")
        for k, syn in channels[pop.name]:
            link = cand.links[k]
            if syn in ("exp_current", "exp_conductance"):
                prog.emit(f"{var}.q{CHANNEL_VARS[syn][0]}_c{k} = "
                          f"{_lit(math.exp(-dt_ms / link.tau1_ms))}  "
                          f"# exp(-dt/tau), tau = {link.tau1_ms:g} ms")
            elif syn == "exp2_conductance":
                prog.emit(f"{var}.qA_c{k} = {_lit(math.exp(-dt_ms / link.tau1_ms))}  "
                          f"# exp(-dt/tau_rise), tau_rise = {link.tau1_ms:g} ms")
                prog.emit(f"{var}.qB_c{k} = {_lit(math.exp(-dt_ms / link.tau2_ms))}  "
                          f"# exp(-dt/tau_decay), tau_decay = {link.tau2_ms:g} ms")
                prog.emit(f"{var}.f_c{k} = {_lit(link.factor)}  # peak normalisation")
            if syn in ("exp_conductance", "exp2_conductance"):
                prog.emit(f"{var}.E_c{k} = {_lit(link.E_rev_mV)}{prog.unit('mV')}")
    for s in cand.sources:
        var = f"src_{_ident(s.name)}"
        prog.groups[s.name] = var
        if s.type == "spikes":
            _check_unique(s)
            ri = prog.array(f"{s.name}.index", s.index, dtype=np.int64, structural=True)
            rt = prog.array(f"{s.name}.step", s.step, dtype=np.int64, structural=True)
            prog.emit(f"{var} = b2.SpikeGeneratorGroup({s.n}, {ri}, {rt}*dt, dt=dt, "
                      f"name={var!r})")
        else:
            if s.noise != 1.0:
                raise ValueError(f"inputs.{s.name}: Brian2 renders Poisson inputs (noise 1), "
                                 f"not NetStim's noise {s.noise}")
            prog.random = True
            cond = (f"rand() < {_lit(s.rate_hz)}*Hz*dt and t >= {_lit(s.start_ms)}*ms"
                    + (f" and t < {_lit(s.stop_ms)}*ms" if math.isfinite(s.stop_ms) else ""))
            prog.emit(f"{var} = b2.NeuronGroup({s.n}, '', threshold={cond!r}, dt=dt, "
                      f"name={var!r})  # Poisson at {s.rate_hz:g} Hz")
            prog.emit(f"mon_{var} = b2.SpikeMonitor({var}, name={'mon_' + var!r})")
            prog.add(f"mon_{var}")
            prog.monitors[s.name] = f"mon_{var}"
        prog.add(var)
    for k, link in enumerate(cand.links):
        tgt = pops[link.target]
        _link_code(prog, k, link, prog.groups[link.source], prog.groups[link.target],
                   tgt.model)
    for pop in cand.pops:  # every population: the rates count unrecorded ones too
        var = prog.groups[pop.name]
        prog.emit(f"spikes_{var} = b2.SpikeMonitor({var}, name={'spikes_' + var!r})")
        prog.add(f"spikes_{var}")
        prog.monitors[pop.name] = f"spikes_{var}"
    _finish(prog)
    return prog


def _check_unique(s) -> None:
    if s.index.size:
        pairs = s.index.astype(np.int64) * (int(s.step.max()) + 1) + s.step
        if np.unique(pairs).size != pairs.size:
            raise ValueError(f"inputs.{s.name}: a source has two spikes in one time step "
                             "(after rounding to the dt grid); Brian2's SpikeGeneratorGroup "
                             "takes one spike per source and step")
