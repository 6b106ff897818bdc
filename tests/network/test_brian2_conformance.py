"""Conformance: spikeopt's network kernel gives the same spikes as Brian2 (same
equations, Euler, dt, identical explicit connectivity, delays and input spikes)
for small networks of every synapse type and model, and the same STDP weights.

The Brian2 side is ``brian2_reference.run_brian2`` (numpy target), which
implements the documented schedule independently: Euler update, exact decay of
synaptic variables, threshold, delivery, reset.
"""

from __future__ import annotations

import numpy as np
import pytest

from spikeopt import simulate

pytest.importorskip("brian2", reason="Brian2 is the reference simulator (test extra)")

from .brian2_reference import run_brian2  # noqa: E402


def _random_list(rng, n_pre, n_post, p, w, d_max, dt, allow_self=True):
    pre, post = np.nonzero(rng.random((n_pre, n_post)) < p)
    if not allow_self:
        keep = pre != post
        pre, post = pre[keep], post[keep]
    n = pre.size
    lo, hi = w
    return {"rule": "from_list", "pre": pre.tolist(), "post": post.tolist(),
            "weight": rng.uniform(lo, hi, n).round(4).tolist(),
            "delay_ms": (rng.integers(0, int(round(d_max / dt)) + 1, n) * dt).tolist()}


def _input_spikes(rng, n_src, rate_hz, t_stop, dt):
    n_steps = int(round(t_stop / dt))
    trains = []
    for _ in range(n_src):
        k = np.flatnonzero(rng.random(n_steps) < rate_hz * dt * 1e-3)
        trains.append((k * dt).round(6).tolist())
    return trains


def _compare(spec, t_stop, dt, min_spikes=20):
    ref = run_brian2(spec, t_stop_ms=t_stop, dt_ms=dt)
    ours = simulate(spec, t_stop=t_stop, dt=dt, seed=0)
    total = 0
    for pop, (idx, t) in ref["spikes"].items():
        trains = ours.population(pop)
        for i in range(len(trains)):
            a, b = trains[i], np.sort(t[idx == i])
            assert a.size == b.size, (f"{pop}[{i}]: {a.size} spikes vs Brian2's {b.size}\n"
                                      f"ours {a[:10]}\nbrian2 {b[:10]}")
            if a.size:
                assert np.max(np.abs(a - b)) <= dt + 1e-9, f"{pop}[{i}]"
            total += a.size
    assert total >= min_spikes, f"the test network should fire ({total} spikes)"
    return ours, ref


SYN = {
    "delta": ({"type": "delta"}, (0.5, 3.0), (-4.0, -1.0)),
    "exp_current": ({"type": "exp_current", "tau_ms": 5.0}, (50.0, 200.0), (-300.0, -100.0)),
    "exp_conductance": ({"type": "exp_conductance", "tau_ms": 3.0, "E_rev_mV": 0.0},
                        (1.0, 6.0), None),
    "exp2_conductance": ({"type": "exp2_conductance", "tau_rise_ms": 0.5,
                          "tau_decay_ms": 5.0, "E_rev_mV": 0.0}, (1.0, 6.0), None),
}
INHIB = {"exp_conductance": {"type": "exp_conductance", "tau_ms": 8.0, "E_rev_mV": -80.0},
         "exp2_conductance": {"type": "exp2_conductance", "tau_rise_ms": 1.0,
                              "tau_decay_ms": 10.0, "E_rev_mV": -80.0}}


@pytest.mark.parametrize("synapse", sorted(SYN))
def test_lif_network_every_synapse_type(synapse):
    """E (10) + I (4) LIF network under input spikes, random explicit wiring with
    delays 0–2 ms: every neuron's spikes as in Brian2."""
    rng = np.random.default_rng(["delta", "exp_current", "exp_conductance",
                                 "exp2_conductance"].index(synapse) + 11)
    dt, t_stop = 0.1, 300.0
    exc, w_e, w_i = SYN[synapse]
    inh = INHIB.get(synapse, exc)
    if w_i is None:
        w_i = (2.0, 8.0)
    if synapse == "delta":
        w_in = (4.0, 8.0)
    elif synapse == "exp_current":
        w_in = (200.0, 400.0)
    else:
        w_in = (5.0, 12.0)
    lif = {"tau_m": 20.0, "R": 100.0, "E_L": -65.0, "V_th": -50.0, "V_reset": -65.0,
           "t_ref": 2.0}
    spec = {
        "populations": {
            "E": {"model": "lif", "size": 10, "params": lif, "current": 100.0},
            "I": {"model": "lif", "size": 4, "params": {**lif, "t_ref": 1.0}},
        },
        "projections": {
            "EE": {"pre": "E", "post": "E", "synapse": exc,
                   "connector": _random_list(rng, 10, 10, 0.3, w_e, 2.0, dt, False)},
            "EI": {"pre": "E", "post": "I", "synapse": exc,
                   "connector": _random_list(rng, 10, 4, 0.5, w_e, 2.0, dt)},
            "IE": {"pre": "I", "post": "E", "synapse": inh,
                   "connector": _random_list(rng, 4, 10, 0.5, w_i, 1.0, dt)},
        },
        "inputs": {
            "stim": {"type": "spikes", "times_ms": _input_spikes(rng, 6, 40.0, t_stop, dt),
                     "target": "E", "synapse": exc,
                     "connector": _random_list(rng, 6, 10, 0.5, w_in, 1.0, dt)},
        },
    }
    _compare(spec, t_stop, dt)


@pytest.mark.parametrize("model", ["izhikevich", "izhikevich2007", "adex"])
def test_models_in_a_network(model):
    """A small recurrent network of each reduced model with delta / current /
    conductance projections and input spikes."""
    rng = np.random.default_rng({"izhikevich": 3, "izhikevich2007": 4, "adex": 5}[model])
    dt, t_stop = 0.1, 250.0
    current = {"izhikevich": 4.0, "izhikevich2007": 40.0, "adex": 300.0}[model]
    w_exc = {"izhikevich": (5.0, 10.0), "izhikevich2007": (200.0, 400.0),
             "adex": (300.0, 600.0)}[model]
    spec = {
        "populations": {"N": {"model": model, "size": 8, "current": current}},
        "projections": {
            "exc": {"pre": "N", "post": "N", "synapse": {"type": "exp_current", "tau_ms": 4.0},
                    "connector": _random_list(rng, 8, 8, 0.3, w_exc, 1.5, dt, False)},
            "inh": {"pre": "N", "post": "N",
                    "synapse": {"type": "exp_conductance", "tau_ms": 6.0, "E_rev_mV": -80.0},
                    "connector": _random_list(rng, 8, 8, 0.2, (1.0, 3.0), 1.0, dt, False)},
        },
        "inputs": {
            "kick": {"type": "spikes", "times_ms": _input_spikes(rng, 4, 50.0, t_stop, dt),
                     "target": "N", "synapse": {"type": "delta"},
                     "connector": _random_list(rng, 4, 8, 0.5, (5.0, 15.0), 0.5, dt)},
        },
    }
    _compare(spec, t_stop, dt)


def test_hh_network_with_exp2_synapses():
    """NetPyNE-style single-compartment HH cells with Exp2Syn excitation at 0.025 ms."""
    rng = np.random.default_rng(21)
    dt, t_stop = 0.025, 150.0
    hh = {"gl": 0.003, "el": -70.0, "diam": 19.0, "L": 18.8}
    spec = {
        "populations": {"S": {"model": "hh", "size": 5, "params": hh},
                        "M": {"model": "hh", "size": 5, "params": hh}},
        "projections": {
            "SM": {"pre": "S", "post": "M",
                   "synapse": {"type": "exp2_conductance", "tau_rise_ms": 0.1,
                               "tau_decay_ms": 5.0, "E_rev_mV": 0.0},
                   "connector": _random_list(rng, 5, 5, 0.6, (5.0, 10.0), 5.0, dt)},
        },
        "inputs": {
            "bg": {"type": "spikes", "times_ms": _input_spikes(rng, 10, 30.0, t_stop, dt),
                   "target": "S", "synapse": {"type": "exp2_conductance", "tau_rise_ms": 0.1,
                                              "tau_decay_ms": 5.0, "E_rev_mV": 0.0},
                   "connector": _random_list(rng, 10, 5, 0.5, (8.0, 15.0), 2.0, dt)},
        },
    }
    _compare(spec, t_stop, dt, min_spikes=10)


@pytest.mark.parametrize("synapse", ["delta", "exp_current"])
def test_stdp_weight_trajectories(synapse):
    """Pair STDP on an input projection and a recurrent one: the same spikes and
    the same final weights as Brian2's standard STDP synapse."""
    rng = np.random.default_rng(31)
    dt, t_stop = 0.1, 400.0
    syn = {"type": "delta"} if synapse == "delta" else {"type": "exp_current", "tau_ms": 5.0}
    scale = 1.0 if synapse == "delta" else 80.0
    stdp = {"type": "stdp", "tau_plus_ms": 16.8, "tau_minus_ms": 33.7, "A_plus": 0.3 * scale,
            "A_minus": 0.35 * scale, "w_min": 0.0, "w_max": 8.0 * scale}
    lif = {"tau_m": 15.0, "R": 100.0, "E_L": -65.0, "V_th": -55.0, "V_reset": -65.0,
           "t_ref": 2.0}
    conn_in = _random_list(rng, 12, 6, 0.6, (3.0 * scale, 6.0 * scale), 0.0, dt)
    conn_in.pop("delay_ms")
    conn_rec = _random_list(rng, 6, 6, 0.4, (1.0 * scale, 4.0 * scale), 0.0, dt, False)
    conn_rec.pop("delay_ms")
    spec = {
        "populations": {"E": {"model": "lif", "size": 6, "params": lif, "current": 60.0}},
        "projections": {"rec": {"pre": "E", "post": "E", "synapse": syn,
                                "connector": conn_rec, "delay_ms": 1.0, "plasticity": stdp}},
        "inputs": {"x": {"type": "spikes", "times_ms": _input_spikes(rng, 12, 30.0, t_stop, dt),
                         "target": "E", "synapse": syn, "connector": conn_in,
                         "delay_ms": 0.5, "plasticity": stdp}},
    }
    ours, ref = _compare(spec, t_stop, dt)
    traj = run_brian2(spec, t_stop_ms=t_stop, dt_ms=dt, record_weights=True)
    for link, conn in (("x", conn_in), ("rec", conn_rec)):
        pre = np.asarray(conn["pre"])
        order = np.argsort(pre, kind="stable")  # our CSR keeps list order within a row
        w_ref = np.asarray(ref["weights"][link])[order]
        w_ours = ours.connectivity(link)["weight"]
        w0 = np.asarray(conn["weight"])[order]
        assert np.abs(w_ours - w0).max() > 0.1 * scale, "the weights should move"
        np.testing.assert_allclose(w_ours, w_ref, rtol=1e-9, atol=1e-9 * scale)
        # the trajectory: the weights after 50, 150 and 250 ms (Brian2 samples the end of
        # each step, i.e. the state a run of that length ends in)
        t_ref, w_t = traj["weight_trajectories"][link]
        for t in (50.0, 150.0, 250.0):
            k = int(round(t / dt)) - 1
            assert abs(t_ref[k] - (t - dt)) < 1e-6
            part = simulate(spec, t_stop=t, dt=dt, seed=0).connectivity(link)["weight"]
            np.testing.assert_allclose(part, w_t[:, k][order], rtol=1e-9, atol=1e-9 * scale)


def test_random_connectors_exported_to_brian2():
    """A network wired by the random connectors (and with per-neuron parameters and
    delays drawn from distributions) runs the same in Brian2 once its drawn wiring,
    weights, delays, parameters and initial state are written out explicitly."""
    dt, t_stop = 0.1, 200.0
    lif = {"tau_m": {"uniform": [15.0, 25.0]}, "R": 100.0, "E_L": -65.0, "V_th": -50.0,
           "V_reset": -65.0, "t_ref": 2.0}
    spec = {
        "populations": {
            "E": {"model": "lif", "size": 30, "params": lif, "current": {"uniform": [140.0, 170.0]},
                  "init": {"v": {"uniform": [-65.0, -55.0]}}},
            "I": {"model": "lif", "size": 10, "params": lif, "current": 100.0},
        },
        "projections": {
            "EE": {"pre": "E", "post": "E", "connector": {"rule": "fixed_indegree", "n": 5,
                                                           "allow_self": False},
                   "synapse": {"type": "exp_current", "tau_ms": 5.0},
                   "weight": {"uniform": [50.0, 150.0]}, "delay_ms": {"uniform": [0.5, 3.0]}},
            "EI": {"pre": "E", "post": "I", "connector": {"rule": "fixed_probability", "p": 0.3},
                   "synapse": {"type": "exp_current", "tau_ms": 5.0}, "weight": 120.0,
                   "delay_ms": 1.0},
            "IE": {"pre": "I", "post": "E", "connector": {"rule": "fixed_outdegree", "n": 8},
                   "synapse": {"type": "exp_conductance", "tau_ms": 8.0, "E_rev_mV": -80.0},
                   "weight": {"normal": [4.0, 1.0]}, "delay_ms": 0.5},
        },
    }
    ours = simulate(spec, t_stop=t_stop, dt=dt, seed=5, record_state={"E.v": None, "I.v": None})
    explicit = {"populations": {}, "projections": {}}
    for name, pop in spec["populations"].items():
        # the drawn per-neuron values: tau_m from the result's tables, v0 from the trace
        tb = ours._tables
        q = tb.pop_names.index(name)
        n = pop["size"]
        par = tb.par[tb.pr_off[0, q]:tb.pr_off[0, q] + 6 * n].reshape(6, n)
        cur = tb.iext[tb.nrn_off[0, q]:tb.nrn_off[0, q] + n]
        explicit["populations"][name] = {
            "model": "lif", "size": n,
            "params": {k: par[i].tolist() for i, k in enumerate(
                ["tau_m", "R", "E_L", "V_th", "V_reset", "t_ref"])},
            "current": cur.tolist(), "init": {"v": ours.state(f"{name}.v")[:, 0].tolist()}}
    for name, proj in spec["projections"].items():
        c = ours.connectivity(name)
        explicit["projections"][name] = {
            "pre": proj["pre"], "post": proj["post"], "synapse": proj["synapse"],
            "connector": {"rule": "from_list", "pre": c["pre"].tolist(),
                          "post": c["post"].tolist(), "weight": c["weight"].tolist(),
                          "delay_ms": c["delay_ms"].tolist()}}
    _, ref = _compare(explicit, t_stop, dt)
    for pop, (idx, t) in ref["spikes"].items():  # and the same as the random-wired run
        trains = ours.population(pop)
        for i in range(len(trains)):
            np.testing.assert_allclose(trains[i], np.sort(t[idx == i]), atol=dt + 1e-9)
