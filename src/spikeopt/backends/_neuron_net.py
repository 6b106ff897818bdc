"""A network description built and run in NEURON (one candidate per call).

Plain NEURON, not NetPyNE: NetPyNE would draw its own wiring from its own
seeds, so the two engines could only be compared in distribution; here NEURON
gets exactly what spikeopt draws for the candidate's seed — every neuron's
parameters and initial state (:func:`~spikeopt.network.tables.build_tables`)
and every synapse with its weight and delay (the numba engine's connectivity,
:meth:`~spikeopt.NetworkResult.connectivity`) — and only the integration and
the Poisson noise differ. It also avoids NetPyNE's import time (seconds per
worker) and its dependencies.

Mapping
-------
* ``hh`` neuron: one section (``diam``, ``L``, ``cm``), ``hh`` (``gnabar``,
  ``gkbar``, ``gl``, ``el``), ``ena``/``ek``; ``v``, ``m``, ``h``, ``n`` set to
  spikeopt's initial state after ``finitialize``; a constant ``current`` (pA)
  is an ``IClamp`` (nA). ``celsius`` is global in NEURON: one value for all.
* ``exp2_conductance`` → one ``Exp2Syn`` (τ1, τ2, e) per link and target neuron,
  ``exp_conductance`` → ``ExpSyn``; NetCon weights in µS = spikeopt's nS × 1e-3
  (both normalise the peak conductance to the weight); delays as spikeopt
  rounds them (whole steps).
* ``poisson`` input source → a ``NetStim`` (``interval`` 1000/rate ms,
  ``noise``, ``start``; stopped at ``stop_ms`` by a negative event) with its own
  Random123 stream from the candidate's input seed: the same process as the
  numba engine's, other draws. ``spikes`` inputs → events of NetCons without a
  source.
* Spikes: upward crossings of each neuron's ``v_thresh`` (NetCon threshold),
  at the end of the step (NEURON's convention). ``max_rate_hz`` and
  ``silence_ms`` are applied after the run, as the numba engine would have
  stopped (rates and spikes cut at the stop).
"""

from __future__ import annotations

import numpy as np

from .. import models as _models
from ..errors import InvalidParameterError, UnknownNameError
from ..network.spec import Network
from ..network.tables import build_tables
from ..simulation.network import simulate_network
from ..spikes import SpikeTrains
from ._neuron_cells import ADVANCE, as_array
from .results import early_stop, network_result

__all__ = ["network_unsupported", "simulate_network_neuron"]

_SYNAPSES = {"exp2_conductance": "Exp2Syn", "exp_conductance": "ExpSyn"}
_OPTIONS = {"frozen", "record", "rate_bin_ms", "max_rate_hz", "rate_window_ms", "silence_ms",
            "spike_capacity_hz"}


def network_unsupported(net: Network) -> str | None:
    """None when NEURON can run ``net``, else why not."""
    for pop in net.populations.values():
        if pop.model != "hh" or pop.update != "standard":
            return (f"population {pop.name!r} is {pop.model!r} ({pop.update}); the NEURON "
                    "backend runs 'hh' populations")
    for name, _src, _tgt, link in net.links():
        if link.synapse not in _SYNAPSES:
            return (f"{name!r} uses a {link.synapse!r} synapse; the NEURON backend runs "
                    f"{sorted(_SYNAPSES)}")
        if link.plasticity is not None:
            return f"{name!r} is plastic; the NEURON backend runs static synapses"
        if net.leaves.get(link.release, 1.0) != 1.0:
            return f"{name!r} has release_probability < 1; the NEURON backend needs 1"
    return None


def _neuron_params(tb, q: int, names: list) -> dict[str, np.ndarray]:
    """Population q's per-neuron parameters {name: (N,)} as spikeopt drew them."""
    N = int(tb.src_n[0, q])
    pr = tb.par[tb.pr_off[0, q]:tb.pr_off[0, q] + len(names) * N].reshape(len(names), N)
    return {k: pr[i] for i, k in enumerate(names)}


def _hh_neurons(h, tb, q: int, p: dict, keep: list) -> list:
    """Population q's sections with spikeopt's parameters ``p`` (see
    :func:`_neuron_params`); returns them."""
    N = int(tb.src_n[0, q])
    iext = tb.iext[tb.nrn_off[0, q]:tb.nrn_off[0, q] + N]
    secs = []
    for j in range(N):
        sec = h.Section(name=f"{tb.pop_names[q]}[{j}]")
        sec.nseg = 1
        sec.insert("hh")
        sec.L = p["L"][j]
        seg = sec(0.5)
        seg.diam, seg.cm = p["diam"][j], p["cm"][j]
        seg.hh.gnabar, seg.hh.gkbar = p["gnabar"][j], p["gkbar"][j]
        seg.hh.gl, seg.hh.el = p["gl"][j], p["el"][j]
        seg.ena, seg.ek = p["ena"][j], p["ek"][j]
        if iext[j] != 0.0:
            clamp = h.IClamp(seg)
            clamp.delay, clamp.dur, clamp.amp = 0.0, 1e9, iext[j] * 1e-3  # pA -> nA
            keep.append(clamp)
        secs.append(sec)
    keep.extend(secs)
    return secs


def _check_options(options: dict) -> None:
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise InvalidParameterError(
            f"The NEURON backend does not take {unknown} for networks; it takes "
            f"{sorted(_OPTIONS)}.")


def _sources(h, tb, keep: list, after_init: list):
    """Each input's sources: NetStims (None where the rate is 0) or given spike
    times (ms) per source; and the Vectors recording the NetStims' spikes."""
    n_pop = tb.n_pop
    sources, rec = {}, []
    for i, name in enumerate(tb.input_names):
        n = int(tb.src_n[0, n_pop + i])
        tv, iv = h.Vector(), h.Vector()
        rec.append((tv, iv))
        if tb.inp_kind[i] != 0:
            lo, hi = tb.ev_off[i], tb.ev_off[i + 1]
            sources[name] = [tb.ev_time[lo:hi][tb.ev_idx[lo:hi] == j] for j in range(n)]
            continue
        rate, noise, start, stop = tb.inp_par[0, i]
        word = int(tb.inp_seeds[0, i])
        out = []
        for j in range(n):
            if rate <= 0.0:
                out.append(None)
                continue
            ns = h.NetStim()
            ns.interval, ns.number, ns.start, ns.noise = 1000.0 / rate, 1e9, start, noise
            ns.noiseFromRandom123((word >> 32) & 0xFFFFFFFF, word & 0xFFFFFFFF, j)
            nc = h.NetCon(ns, None)
            nc.record(tv, iv, j)
            keep.extend([ns, nc])
            if np.isfinite(stop):
                off = h.NetCon(None, ns)
                off.weight[0] = -1.0  # NetStim: a negative event stops it for good
                keep.append(off)
                after_init.append((off, float(stop)))
            out.append(ns)
        sources[name] = out
    return sources, rec


def _synapses(h, tb, net, wiring, cells, vth, sources, keep: list, after_init: list) -> list:
    """One Exp2Syn/ExpSyn per link and target neuron, one NetCon per synapse of
    spikeopt's wiring; returns (source index, pre indices) per link."""
    n_pop = tb.n_pop
    syn_type = {name: lk.synapse for name, _s, _t, lk in net.links()}
    degree = []
    for l, name in enumerate(tb.link_names):
        src, tgt = int(tb.link_src[l]), int(tb.link_tgt[l])
        tau1, tau2, e_rev, _ = tb.chan_par[0, tb.link_chan[l]]
        conn = wiring.connectivity(name, 0)
        syns: dict[int, object] = {}
        for post in np.unique(conn["post"]):
            syn = getattr(h, _SYNAPSES[syn_type[name]])(cells[tgt][int(post)](0.5))
            if syn_type[name] == "exp2_conductance":
                syn.tau1, syn.tau2 = tau1, tau2
            else:
                syn.tau = tau1
            syn.e = e_rev
            syns[int(post)] = syn
            keep.append(syn)
        for pre, post, w, d in zip(conn["pre"], conn["post"], conn["weight"], conn["delay_ms"],
                                   strict=True):
            syn = syns[int(post)]
            if src < n_pop:
                sec = cells[src][int(pre)]
                nc = h.NetCon(sec(0.5)._ref_v, syn, sec=sec)
                nc.threshold = float(vth[src][int(pre)])
            else:
                source = sources[tb.input_names[src - n_pop]][int(pre)]
                if source is None:  # a NetStim of rate 0
                    continue
                if isinstance(source, np.ndarray):  # given spike times: events at arrival
                    nc = h.NetCon(None, syn)
                    after_init.extend((nc, float(t) + float(d)) for t in source)
                else:
                    nc = h.NetCon(source, syn)
            nc.delay = float(d)
            nc.weight[0] = float(w) * 1e-3  # nS -> uS
            keep.append(nc)
        degree.append((src, conn["pre"]))
    return degree


def simulate_network_neuron(h, network, params, *, t_stop: float, dt: float, seed,
                            frozen=None, record=None, rate_bin_ms: float | None = 1.0,
                            max_rate_hz: float | None = None, rate_window_ms: float = 50.0,
                            silence_ms: float | None = None, spike_capacity_hz=None,
                            **options):
    """One candidate network (P = 1) in NEURON; returns (NetworkResult, objects to keep
    until the next reset). ``seed`` is the candidate's seed (an int or a
    ``SeedSequence``): the neurons and synapses are those of the numba engine's
    candidate p for ``seed=[..., seed, ...]`` (``spikeopt.simulate(net, params,
    seed=[s0, s1, ...], backend="neuron")`` gives candidate p the wiring that
    ``backend="numba"`` gives its candidate p).
    ``spike_capacity_hz`` is accepted and ignored (NEURON's vectors grow)."""
    _check_options(options)
    net = Network.from_dict(network)
    why = network_unsupported(net)
    if why:
        raise InvalidParameterError(f"The NEURON backend cannot run this network: {why}.")
    n_steps = int(round(float(t_stop) / dt))
    t_end = n_steps * dt
    # as the numba engine takes candidate p of seed=[..., seed, ...] (an int or a SeedSequence)
    seeds = [seed if isinstance(seed, np.random.SeedSequence) else int(seed)]
    tb = build_tables(net, params, seed=seeds, frozen=frozen)
    wiring = simulate_network(net, params, t_stop=dt, dt=dt, seed=seeds, frozen=frozen,
                              rate_bin_ms=None)  # the numba engine's synapses for this seed
    names = list(_models.get("hh").parameters)
    pars = [_neuron_params(tb, q, names) for q in range(tb.n_pop)]
    celsius = np.unique(np.concatenate([p["celsius"] for p in pars] or [[6.3]]))
    if celsius.size > 1:
        raise InvalidParameterError(
            f"NEURON has one temperature: every hh neuron needs the same 'celsius'. "
            f"Got {celsius.tolist()} degC.")
    keep: list = []
    after_init: list = []  # (NetCon, time): events sent after finitialize
    cells = [_hh_neurons(h, tb, q, pars[q], keep) for q in range(tb.n_pop)]
    vth = [p["v_thresh"] for p in pars]
    rec = [(h.Vector(), h.Vector()) for _ in cells]
    for q, secs in enumerate(cells):
        for j, sec in enumerate(secs):
            nc = h.NetCon(sec(0.5)._ref_v, None, sec=sec)
            nc.threshold = float(vth[q][j])
            nc.record(rec[q][0], rec[q][1], j)
            keep.append(nc)
    sources, in_rec = _sources(h, tb, keep, after_init)
    degree = _synapses(h, tb, net, wiring, cells, vth, sources, keep, after_init)
    # run from spikeopt's initial state
    h.dt = dt
    h.celsius = float(celsius[0]) if celsius.size else 6.3
    states = [tb.state[tb.st_off[0, q]:tb.st_off[0, q] + 4 * len(secs)].reshape(4, len(secs))
              for q, secs in enumerate(cells)]
    for secs, st in zip(cells, states, strict=True):
        for j, sec in enumerate(secs):
            sec.v = st[0, j]
    h.finitialize()  # keeps those v
    for secs, st in zip(cells, states, strict=True):
        for j, sec in enumerate(secs):
            seg = sec(0.5)
            seg.v, seg.hh.m, seg.hh.h, seg.hh.n = st[0, j], st[1, j], st[2, j], st[3, j]
    for nc, t in after_init:  # given spikes (at their arrival) and NetStim stops
        if t < t_end:
            nc.event(t)
    getattr(h, ADVANCE)(n_steps)
    trains = {name: _trains(*rec[q], int(tb.src_n[0, q]), t_end, dt)
              for q, name in enumerate(tb.pop_names)}
    n_events = _events(degree, trains, tb, in_rec, t_end)
    record = tuple(tb.pop_names if record is None else record)
    for r in record:
        if r not in tb.pop_names:
            raise UnknownNameError(f"record: unknown population {r!r}; allowed: "
                                   f"{tb.pop_names}.")
    res = network_result(trains, t_stop=t_end, dt=dt, rate_bin_ms=rate_bin_ms,
                         n_events=n_events, recorded=[n for n in tb.pop_names if n in record])
    _early_stop(res, trains, dt, n_steps, max_rate_hz, rate_window_ms, silence_ms)
    return res, keep


def _trains(tv, iv, n: int, t_end: float, dt: float) -> SpikeTrains:
    t = np.round(as_array(tv), 9)
    ids = as_array(iv).astype(np.int64)
    ok = t < t_end - 0.5 * dt
    t, ids = t[ok], ids[ok]
    return SpikeTrains.from_list([np.sort(t[ids == j]) for j in range(n)], t_stop=t_end)


def _events(degree, trains, tb, in_rec, t_end: float) -> int:
    """Synaptic events, as the numba engine counts them: each spike (before the
    end) times the synapses of its source."""
    n_pop = tb.n_pop
    total = 0
    for src, pre in degree:
        if src < n_pop:
            counts = trains[tb.pop_names[src]].counts()
        else:
            i = src - n_pop
            n = int(tb.src_n[0, src])
            if tb.inp_kind[i] != 0:
                ids = tb.ev_idx[tb.ev_off[i]:tb.ev_off[i + 1]]
            else:
                ids = as_array(in_rec[i][1]).astype(np.int64)[as_array(in_rec[i][0]) < t_end]
            counts = np.bincount(ids, minlength=n)
        total += int(counts[np.asarray(pre, dtype=np.int64)].sum())
    return total


def _early_stop(res, trains, dt, n_steps, max_rate_hz, rate_window_ms, silence_ms) -> None:
    """Mark the candidate failed where the numba engine would have stopped it
    (``runaway``: the network's mean rate over a window above ``max_rate_hz``;
    ``silent``: no spike for ``silence_ms``) and cut its spikes and rates there."""
    if max_rate_hz is None and silence_ms is None:
        return
    steps = np.concatenate([np.round(tr.times / dt).astype(np.int64) - 1
                            for tr in trains.values()] or [np.zeros(0, np.int64)])
    per_step = np.bincount(np.clip(steps, 0, n_steps - 1), minlength=n_steps)
    why, stop = early_stop(per_step, sum(len(tr) for tr in trains.values()), dt,
                           max_rate_hz=max_rate_hz, rate_window_ms=rate_window_ms,
                           silence_ms=silence_ms)
    if not why:
        return
    res.failed[0] = True
    res.reasons[0] = why
    res.fail_time[0] = stop * dt
    t_cut = (stop + 1) * dt + 1e-9  # NEURON stamps a spike of step k at (k + 1) dt
    if res.rate_counts is not None:
        every = max(1, int(round(res.rate_bin_ms / dt)))
        res.rate_counts[0, :, (stop + 1) // every + 1:] = 0
    res.spikes = SpikeTrains.from_list(
        [res.spikes[r][res.spikes[r] <= t_cut] for r in range(len(res.spikes))],
        t_stop=res.spikes.t_stop)
