"""A fitted cell or network as a NeuroML 2 document and a LEMS simulation.

:func:`neuroml_document` maps a built-in model with one set of parameters (and
its injected current) — or a network description with the wiring spikeopt
draws for ``seed`` — to a :class:`neuroml.NeuroMLDocument` (libNeuroML);
:func:`write_neuroml` writes it as ``<name>.net.nml``, checks it against the
NeuroML 2 schema and writes ``LEMS_<name>.xml``, a simulation for jNeuroML that
saves the spike times of every population; :func:`run_jneuroml` runs that file
(pyNeuroML's bundled jNeuroML, needs Java) and :func:`read_spikes` reads the
saved spikes back in ms.

========================  ==============================================
spikeopt                  NeuroML 2
========================  ==============================================
``lif``                   ``iafRefCell`` (C = 1000·tau_m/R pF, g = 1000/R nS)
``izhikevich2007``        ``izhikevich2007Cell`` (v0 = v_r)
``adex``                  ``adExIaFCell`` (refract = 0 ms)
``izhikevich`` (2003)     ``izhikevichCell`` (dimensionless a, b, c, d; thresh 30 mV)
``hh``                    ``cell``: one cylinder, ``ionChannelHH`` Na/K/leak, q10 = 3
step or sampled current   ``pulseGenerator`` / ``compoundInput`` of pulses (DL for izhikevich)
``exp_conductance``       ``expOneSynapse`` (gbase 1 nS, weight = w in nS)
``exp2_conductance``      ``expTwoSynapse`` (gbase 1 nS, weight = w in nS)
``exp_current``           ``expCurrSynapse`` (PyNN, weight = w/1000 in nA)
connectivity              explicit ``connectionWD`` (spikeopt's drawn wiring)
``spikes`` input          one ``spikeArray`` population per source
``poisson`` input         ``spikeGeneratorPoisson`` (its own draws: statistics only)
========================  ==============================================

Event times sit half a step off spikeopt's grid, on the side that makes a
simulator stepping at the same ``dt`` act at spikeopt's step whatever the
rounding of its accumulated time: current edges and input spikes at
``(k - 1/2)·dt``, synaptic delays ``(d + 1/2)·dt`` (a spike of step k acts on
step k + d + 1, Brian2's schedule; jLEMS would otherwise deliver an undelayed
spike in the same step or the next depending on the order of populations).
Not covered (a :class:`NeuroMLNotCoveredError` names the item): ``delta``
synapses, synapses onto ``izhikevich`` (2003) cells, ``release_probability``
< 1, plasticity, ``update: snnjl``, ``traub_miles``, per-neuron parameters
drawn from distributions, initial states NeuroML cannot start from, Poisson
inputs with ``noise`` < 1 or a start/stop window.

>>> from spikeopt import stimuli
>>> doc = neuroml_document("adex", {"a": 2.0}, stimulus=stimuli.step(500.0, duration=100.0,
...                        t_on=10.0), dt_ms=0.1, t_stop_ms=100.0)
>>> cell = doc.ad_ex_ia_f_cells[0]
>>> cell.C, cell.a, cell.refract
('281.0pF', '2.0nS', '0.0ms')
>>> pulse = doc.pulse_generators[0]
>>> pulse.delay, pulse.amplitude
('9.95ms', '500.0pA')
"""

from __future__ import annotations

import contextlib
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import models as _models
from .._imports import optional_import
from ..errors import InvalidParameterError, SimulationError, check_positive
from ..network.spec import Network
from ..network.tables import build_tables
from ..simulation import simulate
from ..spikes import SpikeTrains
from ..stimuli import Stimulus
from . import one_candidate

__all__ = ["neuroml_document", "write_neuroml", "run_jneuroml", "read_spikes", "NeuroMLFiles",
           "NeuroMLNotCoveredError"]

_ID = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_CORE_TYPES = ("Cells.xml", "Networks.xml", "Simulation.xml", "PyNN.xml")


class NeuroMLNotCoveredError(InvalidParameterError):
    """A part of the model or network that NeuroML 2's core types cannot express."""


@dataclass(frozen=True)
class NeuroMLFiles:
    """What :func:`write_neuroml` wrote.

    Attributes
    ----------
    nml, lems : Path
        The NeuroML document (``<name>.net.nml``) and the LEMS simulation
        (``LEMS_<name>.xml``) that includes it.
    spikes : dict of str -> Path
        Per population, the file the LEMS simulation saves its spikes to
        (``ID_TIME``: neuron index, time in s).
    sizes : dict of str -> int
        Population sizes.
    dt_ms, t_stop_ms : float
        Step and duration of the LEMS simulation (ms).
    """

    nml: Path
    lems: Path
    spikes: dict
    sizes: dict
    dt_ms: float
    t_stop_ms: float


def _nml():
    return optional_import("neuroml", extra="neuroml", purpose="NeuroML export",
                           package="libNeuroML")


def _q(x: float, unit: str = "") -> str:
    """A NeuroML quantity string: ``_q(281.0, "pF") == "281.0pF"`` (no '+' in exponents)."""
    x = float(x)
    if not math.isfinite(x):
        raise InvalidParameterError(f"NeuroML export: values must be finite. Got {x!r} {unit}.")
    return repr(x).replace("e+", "e") + unit


def _ms(x: float) -> str:
    """A time in ms, to 12 significant digits ((k - 1/2)·dt without float noise)."""
    return _q(float(f"{float(x):.12g}"), "ms")


def _check_id(kind: str, name: str) -> str:
    if not _ID.match(str(name)):
        raise InvalidParameterError(
            f"NeuroML export: the {kind} name must be a NeuroML id (letters, digits and '_', "
            f"not starting with a digit). Got {name!r}.")
    return str(name)


def _uncovered(what: str, detail: str) -> NeuroMLNotCoveredError:
    return NeuroMLNotCoveredError(f"NeuroML export does not cover {what}: {detail}")


# -- cells -------------------------------------------------------------------------------

def _cell(doc, model: str, p: Mapping[str, float], cid: str, v0: float | None = None):
    """Add the cell component of ``model`` with parameters ``p`` (model units) to ``doc``.

    Returns the state NeuroML starts it from (spikeopt's state order) and whether its
    inputs are dimensionless (``izhikevich``)."""
    nml = _nml()
    if model == "lif":
        doc.iaf_ref_cells.append(nml.IafRefCell(
            id=cid, C=_q(1000.0 * p["tau_m"] / p["R"], "pF"),
            leak_conductance=_q(1000.0 / p["R"], "nS"), leak_reversal=_q(p["E_L"], "mV"),
            thresh=_q(p["V_th"], "mV"), reset=_q(p["V_reset"], "mV"),
            refract=_q(p["t_ref"], "ms")))
        return np.array([p["E_L"], 0.0]), False
    if model == "adex":
        doc.ad_ex_ia_f_cells.append(nml.AdExIaFCell(
            id=cid, C=_q(p["C"], "pF"), g_l=_q(p["g_L"], "nS"), EL=_q(p["E_L"], "mV"),
            VT=_q(p["V_T"], "mV"), del_t=_q(p["Delta_T"], "mV"), reset=_q(p["V_reset"], "mV"),
            thresh=_q(p["V_peak"], "mV"), refract=_q(0.0, "ms"), a=_q(p["a"], "nS"),
            tauw=_q(p["tau_w"], "ms"), b=_q(p["b"], "pA")))
        return np.array([p["E_L"], 0.0]), False
    if model == "izhikevich2007":
        v0 = p["v_r"] if v0 is None else v0
        doc.izhikevich2007_cells.append(nml.Izhikevich2007Cell(
            id=cid, C=_q(p["C"], "pF"), v0=_q(v0, "mV"), k=_q(p["k"], "nS_per_mV"),
            vr=_q(p["v_r"], "mV"), vt=_q(p["v_t"], "mV"), vpeak=_q(p["v_peak"], "mV"),
            a=_q(p["a"], "per_ms"), b=_q(p["b"], "nS"), c=_q(p["c"], "mV"),
            d=_q(p["d"], "pA")))
        return np.array([v0, 0.0]), False
    if model == "izhikevich":
        v0 = -65.0 if v0 is None else v0
        doc.izhikevich_cells.append(nml.IzhikevichCell(
            id=cid, v0=_q(v0, "mV"), thresh=_q(30.0, "mV"), a=_q(p["a"]), b=_q(p["b"]),
            c=_q(p["c"]), d=_q(p["d"])))
        return np.array([v0, p["b"] * v0]), True
    if model == "hh":
        return _hh_cell(doc, p, cid, p["v_init"] if v0 is None else v0), False
    raise _uncovered(f"model {model!r}", "NeuroML export maps lif, izhikevich, "
                     "izhikevich2007, adex and hh.")


def _hh_cell(doc, p: Mapping[str, float], cid: str, v0: float) -> np.ndarray:
    """NEURON's hh in one cylinder (diam × L µm, no end caps) with NeuroML HH channels."""
    nml = _nml()

    def rate(kind, r, mid, scale):
        return nml.HHRate(type=kind, rate=_q(r, "per_ms"), midpoint=_q(mid, "mV"),
                          scale=_q(scale, "mV"))

    q10 = nml.Q10Settings(type="q10ExpTemp", q10_factor="3", experimental_temp="6.3degC")

    def gate(gid, n, fwd, rev):
        return nml.GateHHRates(id=gid, instances=n, forward_rate=fwd, reverse_rate=rev,
                               q10_settings=q10)

    na = nml.IonChannelHH(id=f"{cid}_na", conductance="10pS", species="na", gate_hh_rates=[
        gate("m", 3, rate("HHExpLinearRate", 1.0, -40.0, 10.0),
             rate("HHExpRate", 4.0, -65.0, -18.0)),
        gate("h", 1, rate("HHExpRate", 0.07, -65.0, -20.0),
             rate("HHSigmoidRate", 1.0, -35.0, 10.0))])
    k = nml.IonChannelHH(id=f"{cid}_k", conductance="10pS", species="k", gate_hh_rates=[
        gate("n", 4, rate("HHExpLinearRate", 0.1, -55.0, 10.0),
             rate("HHExpRate", 0.125, -65.0, -80.0))])
    leak = nml.IonChannelHH(id=f"{cid}_leak", conductance="10pS", type="ionChannelPassive")
    doc.ion_channel_hhs.extend([na, k, leak])
    d, length = p["diam"], p["L"]
    seg = nml.Segment(id=0, name="soma",
                      proximal=nml.Point3DWithDiam(x=0.0, y=0.0, z=0.0, diameter=d),
                      distal=nml.Point3DWithDiam(x=0.0, y=length, z=0.0, diameter=d))
    morph = nml.Morphology(id=f"{cid}_morphology", segments=[seg],
                           segment_groups=[nml.SegmentGroup(id="all",
                                                            members=[nml.Member(segments=0)])])
    dens = [nml.ChannelDensity(id=f"{ch.id}_dens", ion_channel=ch.id, ion=ion,
                               cond_density=_q(g, "S_per_cm2"), erev=_q(e, "mV"))
            for ch, ion, g, e in ((na, "na", p["gnabar"], p["ena"]),
                                  (k, "k", p["gkbar"], p["ek"]),
                                  (leak, "non_specific", p["gl"], p["el"]))]
    membrane = nml.MembraneProperties(
        channel_densities=dens, spike_threshes=[nml.SpikeThresh(value=_q(p["v_thresh"], "mV"))],
        specific_capacitances=[nml.SpecificCapacitance(value=_q(p["cm"], "uF_per_cm2"))],
        init_memb_potentials=[nml.InitMembPotential(value=_q(v0, "mV"))])
    intra = nml.IntracellularProperties(resistivities=[nml.Resistivity(value="100.0ohm_cm")])
    doc.cells.append(nml.Cell(id=cid, morphology=morph, biophysical_properties=nml.
                              BiophysicalProperties(id=f"{cid}_biophys",
                                                    membrane_properties=membrane,
                                                    intracellular_properties=intra)))
    return np.asarray(_models.get("hh").init({"v_init": np.array([v0])}))[:, 0]


# -- currents ----------------------------------------------------------------------------

def _add_current(doc, values: np.ndarray, dt: float, cid: str, dimensionless: bool,
                 unit: str, max_pulses: int) -> str | None:
    """Add the piecewise-constant current ``values`` (one per step) as pulses; its id."""
    nml = _nml()
    change = np.flatnonzero(np.diff(values)) + 1
    starts, ends = np.r_[0, change], np.r_[change, values.size]
    segs = [(s, e, float(values[s])) for s, e in zip(starts, ends, strict=True)
            if values[s] != 0.0]
    if not segs:
        return None
    if len(segs) > max_pulses:
        raise _uncovered(
            f"a current of {len(segs)} constant pieces",
            f"it would need {len(segs)} pulse generators (max_pulses={max_pulses}); NeuroML "
            "has no sampled-current input. Raise max_pulses or smooth the current.")
    kind = nml.PulseGeneratorDL if dimensionless else nml.PulseGenerator
    pulses = [kind(id=f"{cid}_{i}" if len(segs) > 1 else cid, delay=_ms((s - 0.5) * dt),
                   duration=_ms((e - s) * dt), amplitude=_q(a, unit))
              for i, (s, e, a) in enumerate(segs)]
    if len(pulses) == 1:
        (doc.pulse_generator_dls if dimensionless else doc.pulse_generators).append(pulses[0])
    elif dimensionless:
        doc.compound_input_dls.append(nml.CompoundInputDL(id=cid, pulse_generator_dls=pulses))
    else:
        doc.compound_inputs.append(nml.CompoundInput(id=cid, pulse_generators=pulses))
    return cid


def _step_values(stimulus, dt: float, n_steps: int) -> np.ndarray:
    stim = stimulus if isinstance(stimulus, Stimulus) else Stimulus(np.asarray(stimulus), dt)
    vals = stim.values
    if vals.ndim > 1:
        if vals.size != vals.shape[-1]:
            raise InvalidParameterError(
                "NeuroML export writes one cell under one current: the stimulus must have "
                f"one sweep. Got values of shape {vals.shape}.")
        vals = vals.reshape(-1)
    idx = np.floor(np.arange(n_steps) * (dt / stim.dt) + 1e-9).astype(np.int64)
    if idx[-1] >= vals.size:
        raise InvalidParameterError(
            f"NeuroML export: t_stop_ms = {n_steps * dt:g} ms is longer than the stimulus "
            f"({stim.duration:g} ms).")
    return vals[idx]


# -- documents ---------------------------------------------------------------------------

def _network_element(doc, net_id: str, celsius: float | None):
    nml = _nml()
    net = (nml.Network(id=net_id) if celsius is None else
           nml.Network(id=net_id, type="networkWithTemperature",
                       temperature=_q(celsius, "degC")))
    doc.networks.append(net)
    return net


def _build_cell(model, params, stimulus, dt: float, n_steps: int, name: str,
                max_pulses: int):
    nml = _nml()
    m = _models.get(model)
    one = one_candidate(params, "NeuroML export (a cell)")
    pr, _ = m.resolve({k: np.array([v]) for k, v in one.items()}, n=1)
    p = {k: float(pr[i, 0]) for i, k in enumerate(m.parameters)}
    doc = nml.NeuroMLDocument(id=name)
    _, dimensionless = _cell(doc, m.name, p, f"{name}_cell")
    net = _network_element(doc, f"{name}_network", p["celsius"] if m.name == "hh" else None)
    net.populations.append(nml.Population(id="cell", component=f"{name}_cell", size=1))
    if stimulus is not None:
        sid = _add_current(doc, _step_values(stimulus, dt, n_steps), dt, f"{name}_stimulus",
                           dimensionless, "" if dimensionless else "pA", max_pulses)
        if sid is not None:
            net.explicit_inputs.append(nml.ExplicitInput(target="cell[0]", input=sid))
    return doc, net.id, {"cell": 1}


def _input_steps(times: np.ndarray, dt: float) -> np.ndarray:
    """The step at which spikeopt's kernel fires a given input spike: the first k with
    t < (k + 1/2)·dt."""
    k = np.floor(times / dt + 0.5)
    k = np.where(times < (k + 0.5) * dt, k, k + 1)
    k = np.where((k > 0) & (times < (k - 0.5) * dt), k - 1, k)
    return k.astype(np.int64)


def _populations(doc, net, network: Network, tb, dt: float, n_steps: int) -> dict:
    """Add the cells, populations and constant currents; {population: (model, dl)}."""
    nml = _nml()
    kinds = {}
    for q, (pname, pop) in enumerate(network.populations.items()):
        _check_id("population", pname)
        where = f"populations.{pname}"
        if pop.update != "standard":
            raise _uncovered(f"{where}.update = {pop.update!r}",
                             "only the model's own step ('standard') has a NeuroML cell.")
        m = _models.get(pop.model)
        n = int(tb.src_n[0, q])
        par = tb.par[tb.pr_off[0, q]:tb.pr_off[0, q] + len(m.parameters) * n]
        par = par.reshape(len(m.parameters), n)
        st = tb.state[tb.st_off[0, q]:tb.st_off[0, q] + len(m.state) * n].reshape(len(m.state), n)
        for i, k in enumerate(m.parameters):
            if n and np.any(par[i] != par[i, 0]):
                raise _uncovered(f"per-neuron values of {where}.params.{k}",
                                 "a NeuroML population has one cell type; give one number "
                                 f"(got values from {par[i].min():g} to {par[i].max():g}).")
        p = ({k: float(par[i, 0]) for i, k in enumerate(m.parameters)} if n
             else m.defaults())
        v0 = float(st[0, 0]) if n and pop.model in ("izhikevich", "izhikevich2007", "hh") else None
        start, dl = _cell(doc, pop.model, p, f"{pname}_cell", v0)
        if n:
            bad = [s for j, s in enumerate(m.state) if not np.allclose(st[j], start[j],
                                                                       rtol=1e-12, atol=1e-12)]
            if bad:
                j = m.state.index(bad[0])
                raise _uncovered(
                    f"the initial {bad[0]!r} of {where}",
                    f"NeuroML's {pop.model} cell starts from {bad[0]} = {start[j]:g}; "
                    f"spikeopt's values are {np.unique(st[j])[:5].tolist()}.")
        net.populations.append(nml.Population(id=pname, component=f"{pname}_cell", size=n))
        kinds[pname] = (pop.model, dl)
        cur = tb.iext[tb.nrn_off[0, q]:tb.nrn_off[0, q + 1]]
        for j, c in enumerate(np.unique(cur[cur != 0.0])):
            cid = _add_current(doc, np.full(n_steps, c), dt, f"{pname}_current_{j}", dl,
                               "" if dl else "pA", 1)
            net.input_lists.append(nml.InputList(
                id=f"{pname}_input_{j}", populations=pname, component=cid,
                input=[nml.Input(id=x, target=f"../{pname}[{i}]", destination="synapses")
                       for x, i in enumerate(np.flatnonzero(cur == c))]))
    return kinds


def _sources(doc, net, network: Network, tb, dt: float, t_stop: float) -> dict:
    """Add the input populations; {input: function neuron index -> (population, index)}."""
    nml = _nml()
    out = {}
    for i, (iname, inp) in enumerate(network.inputs.items()):
        _check_id("input", iname)
        n = int(tb.src_n[0, tb.n_pop + i])
        if inp.type == "poisson":
            rate, noise, start, stop = (float(x) for x in tb.inp_par[0, i])
            if noise != 1.0 or start != 0.0 or stop < t_stop:
                raise _uncovered(
                    f"inputs.{iname} (poisson with noise = {noise:g}, start_ms = {start:g}, "
                    f"stop_ms = {stop:g})", "NeuroML's spikeGeneratorPoisson is a Poisson "
                    "process over the whole run: noise = 1, start_ms = 0, stop_ms >= t_stop_ms.")
            doc.spike_generator_poissons.append(nml.SpikeGeneratorPoisson(
                id=f"{iname}_source", average_rate=_q(rate, "Hz")))
            net.populations.append(nml.Population(id=iname, component=f"{iname}_source",
                                                  size=n))
            out[iname] = lambda j, iname=iname: (iname, j)
            continue
        for s, times in enumerate(inp.times_ms):
            ks = _input_steps(np.asarray(times, dtype=np.float64), dt)
            doc.spike_arrays.append(nml.SpikeArray(id=f"{iname}_{s}_times", spikes=[
                nml.Spike(id=x, time=_ms((k - 0.5) * dt)) for x, k in enumerate(ks)]))
            net.populations.append(nml.Population(id=f"{iname}_{s}",
                                                  component=f"{iname}_{s}_times", size=1))
        out[iname] = lambda j, iname=iname: (f"{iname}_{j}", 0)
    return out


def _synapse(doc, lname: str, where: str, link, chan: np.ndarray) -> tuple[str, float]:
    """Add the synapse of a link; its id and the factor from spikeopt's weight to NeuroML's."""
    nml = _nml()
    sid = f"{lname}_syn"
    if link.synapse == "exp_conductance":
        doc.exp_one_synapses.append(nml.ExpOneSynapse(
            id=sid, gbase="1.0nS", erev=_q(chan[2], "mV"), tau_decay=_q(chan[0], "ms")))
        return sid, 1.0
    if link.synapse == "exp2_conductance":
        doc.exp_two_synapses.append(nml.ExpTwoSynapse(
            id=sid, gbase="1.0nS", erev=_q(chan[2], "mV"), tau_rise=_q(chan[0], "ms"),
            tau_decay=_q(chan[1], "ms")))
        return sid, 1.0
    if link.synapse == "exp_current":
        doc.exp_curr_synapses.append(nml.ExpCurrSynapse(id=sid, tau_syn=_q(chan[0])))
        return sid, 1e-3  # pA -> nA
    raise _uncovered(f"{where}.synapse type {link.synapse!r}",
                     "NeuroML 2 has no voltage-jump synapse for these cells; use exp_current "
                     "(pA), exp_conductance or exp2_conductance (nS).")


def _build_network(network, params, dt: float, n_steps: int, seed, name: str):
    nml = _nml()
    network = Network.from_dict(network)
    params = one_candidate(params, "NeuroML export (a network)")
    tb = build_tables(network, params, seed=seed)
    doc = nml.NeuroMLDocument(id=name)
    i_celsius = list(_models.get("hh").parameters).index("celsius")
    temps = {float(tb.par[tb.pr_off[0, q] + i_celsius * tb.src_n[0, q]])
             for q, p in enumerate(network.populations.values())
             if p.model == "hh" and tb.src_n[0, q]}
    if len(temps) > 1:
        raise _uncovered("hh populations at different celsius",
                         f"a NeuroML network has one temperature. Got {sorted(temps)}.")
    celsius = temps.pop() if temps else None
    net = _network_element(doc, f"{name}_network", celsius)
    kinds = _populations(doc, net, network, tb, dt, n_steps)
    sources = _sources(doc, net, network, tb, dt, n_steps * dt)
    links = network.links()
    res = simulate(network, params, t_stop=dt, dt=dt, seed=seed) if links else None
    for l, (lname, src, tgt, link) in enumerate(links):
        where = f"projections.{lname}" if lname in network.projections else f"inputs.{lname}"
        _check_id("projection", lname)
        if kinds[tgt][1]:
            raise _uncovered(f"{where} onto izhikevich (2003) population {tgt!r}",
                             "NeuroML's izhikevichCell takes dimensionless currents and no "
                             "NeuroML synapse makes them.")
        if float(tb.release[0, l]) < 1.0:
            raise _uncovered(f"{where}.release_probability = {float(tb.release[0, l]):g}",
                             "NeuroML 2 synapses transmit every spike (1.0).")
        if link.plasticity is not None:
            raise _uncovered(f"{where}.plasticity", "NeuroML 2's core synapses are static.")
        sid, factor = _synapse(doc, lname, where, link, tb.chan_par[0, tb.link_chan[l]])
        conn = res.connectivity(lname, 0)
        pre_of = sources.get(src, lambda j, src=src: (src, j))
        groups: dict[str, list] = {}
        for i, j, w, d in zip(conn["pre"], conn["post"], conn["weight"], conn["delay_ms"],
                              strict=True):
            pop, idx = pre_of(int(i))
            group = groups.setdefault(pop, [])
            group.append(nml.ConnectionWD(
                id=len(group), pre_cell_id=f"../{pop}[{idx}]", post_cell_id=f"../{tgt}[{int(j)}]",
                weight=float(w) * factor, delay=_ms(d + 0.5 * dt)))
        taken = {p.id for p in net.populations} | {p.id for p in net.projections}
        for pop, conns in groups.items():
            pid = lname if len(groups) == 1 else f"{lname}_{pop}"
            while pid in taken:  # "../bg[0]" must name the population, not the projection
                pid += "_projection"
            net.projections.append(nml.Projection(
                id=pid, presynaptic_population=pop, postsynaptic_population=tgt, synapse=sid,
                connection_wds=conns))
    return doc, net.id, {p: int(tb.src_n[0, q]) for q, p in enumerate(network.populations)}


def _build(model_or_network, params, stimulus, dt_ms, t_stop_ms, seed, name, max_pulses):
    dt = check_positive("dt_ms", dt_ms, where="the NeuroML export (ms)")
    n_steps = max(1, int(round(check_positive("t_stop_ms", t_stop_ms,
                                              where="the NeuroML export (ms)") / dt)))
    is_net = isinstance(model_or_network, Network) or (
        isinstance(model_or_network, Mapping) and "populations" in model_or_network)
    if is_net:
        if stimulus is not None:
            raise InvalidParameterError(
                "A network takes its inputs from its description ('inputs', 'current'); pass "
                "no stimulus.")
        name = _check_id("document", name or "network")
        built = _build_network(model_or_network, params, dt, n_steps, seed, name)
    else:
        name = _check_id("document", name or _models.get(model_or_network).name)
        built = _build_cell(model_or_network, params, stimulus, dt, n_steps, name, max_pulses)
    return (*built, dt, n_steps)


def neuroml_document(model_or_network, params: Mapping | None = None, *, stimulus=None,
                     dt_ms: float, t_stop_ms: float, seed=0, name: str | None = None,
                     max_pulses: int = 2000):
    """A built-in cell or a network description as a :class:`neuroml.NeuroMLDocument`.

    Parameters
    ----------
    model_or_network : str, Model, Network or dict
        ``"lif"``, ``"izhikevich"``, ``"izhikevich2007"``, ``"adex"``, ``"hh"``, or a
        network (see docs/network.md).
    params : dict of str -> float
        One value per parameter (model units: ms, mV, pA, nS, pF...), or for a network
        one value per dotted path; missing ones take the defaults.
    stimulus : Stimulus or (T,) array, optional
        The cell's injected current (model unit; arrays are sampled at ``dt_ms``),
        written as pulse generators, one per constant piece at the simulation step.
    dt_ms, t_stop_ms : float
        Simulation step and duration (ms): the step fixes the grid of current edges
        and input spikes, and the rounding of delays.
    seed : int
        A network's seed, as in :func:`spikeopt.simulate`: the exported wiring and
        per-neuron values are those of candidate 0 of that seed.
    name : str, optional
        Document id (default: the model name, or ``"network"``).
    max_pulses : int
        Most pulse generators a current may become (a noisy current has one per step).

    Returns
    -------
    neuroml.NeuroMLDocument
        Cells, inputs and a network (id ``<name>_network``) whose populations are
        ``cell`` (a single cell) or the description's populations.

    Raises
    ------
    NeuroMLNotCoveredError
        For a part NeuroML 2 cannot express (see the module docstring).
    """
    return _build(model_or_network, params, stimulus, dt_ms, t_stop_ms, seed, name,
                  max_pulses)[0]


def _lems_xml(name: str, nml_file: str, net_id: str, sizes: dict, dt: float, t_stop: float,
              seed) -> str:
    outs = []
    for pop, n in sizes.items():
        sel = "".join(f'\n            <EventSelection id="{i}" select="{pop}[{i}]" '
                      'eventPort="spike"/>' for i in range(n))
        outs.append(f'        <EventOutputFile id="spikes_{pop}" fileName="{name}.{pop}.spikes" '
                    f'format="ID_TIME">{sel}\n        </EventOutputFile>')
    includes = "\n".join(f'    <Include file="{f}"/>' for f in (*_CORE_TYPES, nml_file))
    seed_attr = f' seed="{int(seed)}"' if isinstance(seed, int | np.integer) else ""
    return (f'<Lems>\n    <!-- written by spikeopt: run with  jnml LEMS_{name}.xml -nogui -->\n'
            f'    <Target component="sim_{name}"/>\n{includes}\n'
            f'    <Simulation id="sim_{name}" length="{_ms(t_stop)}" step="{_ms(dt)}" '
            f'target="{net_id}"{seed_attr}>\n' + "\n".join(outs) + "\n    </Simulation>\n</Lems>\n")


def write_neuroml(path, model_or_network, params: Mapping | None = None, *, stimulus=None,
                  dt_ms: float, t_stop_ms: float, seed=0, name: str | None = None,
                  max_pulses: int = 2000, validate: bool = True) -> NeuroMLFiles:
    """Write ``<name>.net.nml`` and ``LEMS_<name>.xml`` into the folder ``path``.

    Arguments as :func:`neuroml_document`. The document is checked against the NeuroML
    2 schema (libNeuroML's ``validate_neuroml2``) unless ``validate=False``. The LEMS
    file simulates ``t_stop_ms`` at ``dt_ms`` and saves every population's spikes to
    ``<name>.<population>.spikes``; run it with ``jnml LEMS_<name>.xml -nogui`` or
    :func:`run_jneuroml`.
    """
    doc, net_id, sizes, dt, n_steps = _build(model_or_network, params, stimulus, dt_ms,
                                             t_stop_ms, seed, name, max_pulses)
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    nml_path = folder / f"{doc.id}.net.nml"
    optional_import("neuroml.writers", extra="neuroml", purpose="NeuroML export",
                    package="libNeuroML").NeuroMLWriter.write(doc, str(nml_path))
    if validate:
        utils = optional_import("neuroml.utils", extra="neuroml", purpose="NeuroML export",
                                package="libNeuroML")
        with contextlib.redirect_stdout(io.StringIO()):
            utils.validate_neuroml2(str(nml_path))
    t_stop = n_steps * dt
    lems_path = folder / f"LEMS_{doc.id}.xml"
    lems_path.write_text(_lems_xml(doc.id, nml_path.name, net_id, sizes, dt, t_stop, seed))
    return NeuroMLFiles(nml_path, lems_path,
                        {p: folder / f"{doc.id}.{p}.spikes" for p in sizes}, dict(sizes), dt,
                        t_stop)


def read_spikes(files: NeuroMLFiles) -> dict[str, SpikeTrains]:
    """The spikes a run of ``files.lems`` saved: per population, one train per neuron (ms)."""
    out = {}
    for pop, f in files.spikes.items():
        if not f.exists():
            raise FileNotFoundError(f"No spike file {f} for population {pop!r}: run "
                                    f"{files.lems.name} first (jnml {files.lems.name} -nogui).")
        text = f.read_text().strip()
        data = (np.array([line.split() for line in text.splitlines()], dtype=np.float64)
                if text else np.zeros((0, 2)))
        ids = data[:, 0].astype(np.int64)
        times = np.round(data[:, 1] * 1e3, 9)  # s -> ms, without the float noise of the file
        out[pop] = SpikeTrains.from_list([np.sort(times[ids == i])
                                          for i in range(files.sizes[pop])],
                                         t_stop=files.t_stop_ms)
    return out


def run_jneuroml(files: NeuroMLFiles, *, max_memory: str = "1G") -> dict[str, SpikeTrains]:
    """Run ``files.lems`` with pyNeuroML's bundled jNeuroML (needs ``java``) and read the
    spikes (ms) per population."""
    pynml = optional_import("pyneuroml.pynml", extra="neuroml", purpose="Running NeuroML",
                            package="pyNeuroML")
    for f in files.spikes.values():  # never read the spikes of an earlier run
        f.unlink(missing_ok=True)
    ok = pynml.run_lems_with_jneuroml(files.lems.name, nogui=True, load_saved_data=False,
                                      exec_in_dir=str(files.lems.parent), max_memory=max_memory,
                                      verbose=False, exit_on_fail=False)
    if not ok:
        raise SimulationError(f"jNeuroML failed to run {files.lems} (see the log above).")
    return read_spikes(files)
