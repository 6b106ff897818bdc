"""Batched network simulation (``spikeopt.simulate(net, params, ...)``): the
issue's example, result layout, seeding, per-candidate sizes, inputs (Poisson
rate, NetStim regularity, release probability), early stops, recording and the
spike-buffer overflow path. Spike-level agreement with Brian2 is in
tests/backends/test_brian2.py (the conformance suite of spikeopt.testing)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import spikeopt
from spikeopt.errors import InvalidParameterError, UnknownNameError

from .examples import EXAMPLE, EXAMPLE_PARAMS


@pytest.fixture(scope="module")
def example_result():
    net = spikeopt.network.Network.from_dict(copy.deepcopy(EXAMPLE))
    return spikeopt.simulate(net, EXAMPLE_PARAMS, t_stop=1000.0, dt=0.1, seed=1)


def small_net(n_e=40, n_i=10, current=(8.0, 14.0)) -> dict:
    """E (tonic Izhikevich, heterogeneous current) -> I, I -| E, E -> E."""
    return {
        "populations": {
            "E": {"model": "izhikevich", "size": n_e, "current": {"uniform": list(current)}},
            "I": {"model": "izhikevich", "size": n_i,
                  "params": {"a": 0.1, "b": 0.2, "c": -65.0, "d": 2.0}},
        },
        "projections": {
            "EE": {"pre": "E", "post": "E", "connector": {"rule": "fixed_probability", "p": 0.2},
                   "weight": {"uniform": [0.0, 1.0]}, "delay_ms": {"uniform": [0.5, 2.0]}},
            "EI": {"pre": "E", "post": "I", "connector": {"rule": "fixed_indegree", "n": 8},
                   "weight": 3.0, "delay_ms": 1.0},
            "IE": {"pre": "I", "post": "E", "connector": {"rule": "all_to_all"},
                   "weight": -0.5, "delay_ms": 0.5},
        },
    }


def candidate_trains(res, c):
    return res.candidate(c).to_list()


def same_trains(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


# ------------------------------------------------------------------ the example
def test_issue_example(example_result):
    res = example_result
    assert res.n_candidates == 3
    assert len(res.population("E", candidate=2)) == 200
    assert len(res.population("I", candidate=2)) == 50
    assert len(res.spikes) == 3 * 250
    assert not res.failed.any() and list(res.reasons) == ["", "", ""]
    assert np.isnan(res.fail_time).all()
    assert res.t_stop == 1000.0 and res.dt == 0.1
    np.testing.assert_array_equal(res.sizes["E"], [200] * 3)
    # rows: candidate-major, populations in declared order
    for c in range(3):
        assert res.population("E", c) == res.spikes[c * 250:c * 250 + 200]
        assert res.population("I", c) == res.spikes[c * 250 + 200:(c + 1) * 250]
        assert res.candidate(c) == res.spikes[c * 250:(c + 1) * 250]
    # driven E fires, I (no input) stays at rest
    assert (res.mean_rate("E") > 5.0).all()
    np.testing.assert_array_equal(res.mean_rate("I"), 0.0)
    t = res.spikes.times
    assert t.min() >= 0.0 and t.max() < 1000.0
    np.testing.assert_allclose(t / 0.1, np.round(t / 0.1), atol=1e-6)  # on the step grid
    assert (res.n_events > 0).all()


def test_issue_example_parameters_reach_each_candidate(example_result):
    res = example_result
    n = 200 * 200
    for c, (w_hi, p) in enumerate(zip([0.2, 0.5, 0.9], [0.8, 0.5, 0.3], strict=True)):
        ee = res.connectivity("EE", c)
        assert abs(ee["pre"].size - n * p) < 5 * np.sqrt(n * p * (1 - p))
        assert 0.0 <= ee["weight"].min() and ee["weight"].max() <= w_hi
        assert ee["weight"].max() > 0.99 * w_hi
        np.testing.assert_allclose(ee["delay_ms"], 0.1)
        assert res.connectivity("bg", c)["pre"].size == 200


def test_issue_example_with_a_dict_and_the_top_level_network():
    res = spikeopt.simulate(copy.deepcopy(EXAMPLE), EXAMPLE_PARAMS, t_stop=50.0, dt=0.1,
                            seed=1)
    net = spikeopt.Network.from_dict(copy.deepcopy(EXAMPLE))
    res2 = spikeopt.simulate(net, EXAMPLE_PARAMS, t_stop=50.0, dt=0.1, seed=1)
    assert res.spikes == res2.spikes


def test_a_network_takes_no_stimulus():
    with pytest.raises(InvalidParameterError, match="stimulus"):
        spikeopt.simulate(small_net(), None, np.zeros(10), t_stop=1.0, seed=0)


# ---------------------------------------------------------------------- seeds
def test_same_seed_same_spikes_other_seed_other_spikes():
    params = {"projections.EE.weight.uniform.1": [1.0, 2.0]}
    a = spikeopt.simulate(small_net(), params, t_stop=200.0, seed=3)
    b = spikeopt.simulate(small_net(), params, t_stop=200.0, seed=3)
    c = spikeopt.simulate(small_net(), params, t_stop=200.0, seed=4)
    assert a.spikes == b.spikes
    np.testing.assert_array_equal(a.n_events, b.n_events)
    assert a.spikes.times.size > 100
    for k in range(2):
        assert not same_trains(candidate_trains(a, k), candidate_trains(c, k))
    # candidates of one batch differ (own wiring, own neuron draws)
    d = spikeopt.simulate(small_net(), {"projections.EE.weight.uniform.1": [1.0, 1.0]},
                          t_stop=200.0, seed=3)
    assert not same_trains(candidate_trains(d, 0), candidate_trains(d, 1))


def test_the_example_is_reproducible(example_result):
    again = spikeopt.simulate(copy.deepcopy(EXAMPLE), EXAMPLE_PARAMS, t_stop=1000.0, dt=0.1,
                              seed=1)
    assert again.spikes == example_result.spikes


def test_candidate_does_not_depend_on_the_batch_size():
    params = {"projections.EE.weight.uniform.1": [1.0, 2.0, 0.5, 3.0]}
    four = spikeopt.simulate(small_net(), params, t_stop=200.0, seed=9)
    two = spikeopt.simulate(small_net(), {k: v[:2] for k, v in params.items()}, t_stop=200.0,
                            seed=9)
    for c in range(2):
        assert same_trains(candidate_trains(four, c), candidate_trains(two, c))


# ------------------------------------------------------------ per-candidate sizes
def test_population_sizes_as_a_parameter():
    sizes = [10, 20, 30]
    res = spikeopt.simulate(small_net(n_i=5), {"populations.E.size": sizes}, t_stop=300.0,
                            seed=0)
    np.testing.assert_array_equal(res.sizes["E"], sizes)
    np.testing.assert_array_equal(res.sizes["I"], [5, 5, 5])
    assert len(res.spikes) == sum(sizes) + 3 * 5
    row = 0
    for c, n in enumerate(sizes):
        e, i = res.population("E", c), res.population("I", c)
        assert len(e) == n and len(i) == 5
        assert res.spikes[row:row + n] == e
        assert res.spikes[row + n:row + n + 5] == i
        row += n + 5
        # every E neuron is driven (tonic): a wrong row split would show empty E trains
        assert (e.counts() > 0).all()
        assert res.connectivity("EI", c)["pre"].max() < n
        assert res.connectivity("IE", c)["post"].size == 5 * n
    with pytest.raises(InvalidParameterError, match="candidate"):
        res.population("E", 3)


# ---------------------------------------------------------------------- inputs
def probe_net(rate_hz, *, size=100, noise=1.0, start_ms=0.0, stop_ms=None, weight=0.0,
              model="izhikevich", release=1.0):
    inp = {"type": "poisson", "size": size, "rate_hz": rate_hz, "noise": noise,
           "start_ms": start_ms, "target": "E", "connector": {"rule": "one_to_one"},
           "weight": weight, "delay_ms": 0.0, "release_probability": release}
    if stop_ms is not None:
        inp["stop_ms"] = stop_ms
    pop = {"model": model, "size": size}
    if model == "lif":
        pop["params"] = {"t_ref": 0.0}
    return {"populations": {"E": pop}, "inputs": {"bg": inp}}


def test_poisson_input_rate():
    """One synapse per source: n_events counts the input spikes (mean rate_hz)."""
    rates = [20.0, 50.0, 200.0]
    size, t_stop = 100, 1000.0
    res = spikeopt.simulate(probe_net(10.0, size=size), {"inputs.bg.rate_hz": rates},
                            t_stop=t_stop, seed=0)
    assert res.spikes.times.size == 0  # weight 0: the targets stay at rest
    for c, r in enumerate(rates):
        mu = size * r * t_stop * 1e-3
        assert abs(res.n_events[c] - mu) < 5 * np.sqrt(mu), (r, res.n_events[c])


def test_poisson_input_start_and_stop():
    size, rate = 200, 100.0
    res = spikeopt.simulate(probe_net(rate, size=size, start_ms=100.0, stop_ms=300.0),
                            t_stop=500.0, seed=1)
    mu = size * rate * 0.2
    assert abs(res.n_events[0] - mu) < 5 * np.sqrt(mu)
    # the timing, read out through LIF neurons that fire once per delivered input
    res = spikeopt.simulate(probe_net(rate, size=size, start_ms=100.0, stop_ms=300.0,
                                      weight=100.0, model="lif"), t_stop=500.0, seed=1)
    t = res.spikes.times
    assert t.size > 0.9 * mu
    assert t.min() >= 100.0 and t.max() <= 300.0 + 0.1 + 1e-9


def test_zero_rate_input_is_silent():
    res = spikeopt.simulate(probe_net(10.0), {"inputs.bg.rate_hz": [0.0, 10.0]},
                            t_stop=100.0, seed=0)
    assert res.n_events[0] == 0 and res.n_events[1] > 0


@pytest.mark.parametrize("rate, start", [(30.0, 5.0), (100.0, 0.0), (7.0, 12.3)])
def test_netstim_without_noise_is_regular(rate, start):
    size, t_stop, dt = 20, 500.0, 0.1
    res = spikeopt.simulate(probe_net(rate, size=size, noise=0.0, start_ms=start), t_stop=t_stop,
                            dt=dt, seed=0)
    per_source, rest = divmod(int(res.n_events[0]), size)
    assert rest == 0  # every source fires the same train
    expected = int(np.floor((t_stop - start) * rate / 1000.0))
    assert expected - 1 <= per_source <= expected + 1
    # through LIF neurons (t_ref 0, one spike per input, one step later): regular trains
    res = spikeopt.simulate(probe_net(rate, size=size, noise=0.0, start_ms=start, weight=100.0,
                                      model="lif"), t_stop=t_stop, dt=dt, seed=0)
    trains = res.population("E").to_list()
    for tr in trains:
        np.testing.assert_array_equal(tr, trains[0])
    tr = trains[0]
    assert tr.size in (per_source, per_source - 1)  # the last input may fall in the last step
    k = np.round(tr / dt)
    ideal = np.round((start + np.arange(tr.size) * 1000.0 / rate) / dt) + 1
    assert np.abs(k - ideal).max() <= 1


def test_noise_between_0_and_1_keeps_the_rate():
    size, rate, t_stop = 100, 50.0, 1000.0
    res = spikeopt.simulate(probe_net(rate, size=size, noise=0.5), t_stop=t_stop, seed=2)
    mu = size * rate
    # NetStim with noise 0.5: intervals 0.5·mean + 0.5·Exp(mean) -> variance below Poisson
    assert abs(res.n_events[0] - mu) < 5 * np.sqrt(mu)


def test_release_probability_halves_the_delivered_input():
    """LIF neurons with t_ref 0 under strong delta inputs fire once per delivered
    input; n_events counts the inputs sent."""
    res = spikeopt.simulate(probe_net(40.0, size=200, weight=100.0, model="lif"),
                            {"inputs.bg.release_probability": [1.0, 0.5, 0.0]},
                            t_stop=500.0, seed=0)
    out = np.array([res.candidate(c).times.size for c in range(3)])
    sent = res.n_events
    # all sent inputs arrive (a few share a step, the last step's fire after the end)
    assert 0.99 * sent[0] <= out[0] <= sent[0]
    n = sent[1]
    assert abs(out[1] - 0.5 * n) < 5 * np.sqrt(n * 0.25) + 0.01 * n
    assert out[2] == 0 and sent[2] > 0


def test_release_probability_of_a_projection():
    spec = probe_net(40.0, size=100, weight=100.0, model="lif")
    spec["populations"]["F"] = {"model": "lif", "size": 100, "params": {"t_ref": 0.0}}
    spec["projections"] = {"EF": {"pre": "E", "post": "F", "connector": {"rule": "one_to_one"},
                                  "weight": 100.0, "delay_ms": 0.5,
                                  "release_probability": 0.3}}
    res = spikeopt.simulate(spec, t_stop=500.0, seed=4)
    n_e = res.population("E").times.size
    n_f = res.population("F").times.size
    assert abs(n_f - 0.3 * n_e) < 5 * np.sqrt(n_e * 0.21) + 0.01 * n_e


# ---------------------------------------------------------------- early stops
def runaway_net():
    spec = small_net(n_e=40, n_i=10)
    spec["projections"]["EE"]["weight"] = 0.5
    return spec


def test_runaway_candidate_stops_and_leaves_the_others_untouched():
    seeds = [np.random.SeedSequence(21, spawn_key=(1, 0, i)) for i in range(3)]
    kw = dict(t_stop=500.0, dt=0.1, max_rate_hz=150.0, rate_window_ms=50.0)
    res = spikeopt.simulate(runaway_net(), {"projections.EE.weight": [0.5, 40.0, 1.0]},
                            seed=seeds, **kw)
    assert list(res.reasons) == ["", "runaway", ""]
    assert list(res.failed) == [False, True, False]
    ft = res.fail_time
    assert np.isnan(ft[[0, 2]]).all()
    assert 0.0 < ft[1] < 500.0
    assert abs(ft[1] / 50.0 + 0.002 - round(ft[1] / 50.0 + 0.002)) < 0.01  # end of a window
    assert res.candidate(1).times.max() <= ft[1] + 1e-9
    assert res.candidate(1).times.size / 50 / (ft[1] * 1e-3) > 150.0
    # the same batch without the runaway candidate
    ref = spikeopt.simulate(runaway_net(), {"projections.EE.weight": [0.5, 1.0]},
                            seed=[seeds[0], seeds[2]], **kw)
    assert not ref.failed.any()
    for c, r in ((0, 0), (2, 1)):
        assert same_trains(candidate_trains(res, c), candidate_trains(ref, r))
        assert res.n_events[c] == ref.n_events[r]
        np.testing.assert_array_equal(res.rate_counts[c], ref.rate_counts[r])
    # and without the early stop, the other candidates are the same again
    free = spikeopt.simulate(runaway_net(), {"projections.EE.weight": [0.5, 40.0, 1.0]},
                             seed=seeds, t_stop=500.0, dt=0.1)
    assert not free.failed.any()
    for c in (0, 2):
        assert same_trains(candidate_trains(res, c), candidate_trains(free, c))


def test_silent_candidate():
    spec = small_net()
    spec["populations"]["E"]["current"] = 10.0
    res = spikeopt.simulate(spec, {"populations.E.current": [10.0, 0.0, 12.0]}, t_stop=300.0,
                            seed=0, silence_ms=80.0)
    assert list(res.reasons) == ["", "silent", ""]
    assert res.fail_time[1] == pytest.approx(80.0)
    assert np.isnan(res.fail_time[[0, 2]]).all()
    assert res.candidate(1).times.size == 0
    ref = spikeopt.simulate(spec, {"populations.E.current": [10.0, 0.0, 12.0]}, t_stop=300.0,
                            seed=0)
    assert not ref.failed.any()
    for c in (0, 2):
        assert same_trains(candidate_trains(res, c), candidate_trains(ref, c))


def test_silence_after_activity():
    """Input stops at 100 ms: the candidate falls silent silence_ms after its last spike."""
    spec = probe_net(50.0, size=50, weight=100.0, model="lif", stop_ms=100.0)
    res = spikeopt.simulate(spec, t_stop=400.0, seed=0, silence_ms=30.0)
    assert list(res.reasons) == ["silent"]
    last = res.spikes.times.max()
    assert 99.0 < last <= 100.2
    assert res.fail_time[0] == pytest.approx(last + 30.0, abs=0.11)


@pytest.mark.parametrize("model, path, values", [
    ("izhikevich", "populations.E.params.a", [0.02, -10.0]),
    ("adex", "populations.E.params.Delta_T", [2.0, -2.0]),
    ("izhikevich", "populations.E.init.v", [-65.0, np.nan]),
])
def test_diverging_candidate(model, path, values):
    name = path.rsplit(".", 1)[-1]
    where = "init" if ".init." in path else "params"
    current = 10.0 if model == "izhikevich" else 800.0
    spec = {"populations": {"E": {"model": model, "size": 20, where: {name: values[0]},
                                  "current": current}}}
    if np.isnan(values[1]):
        with pytest.raises(InvalidParameterError, match="finite"):
            spikeopt.simulate(spec, {path: values}, t_stop=100.0, seed=0)
        return
    res = spikeopt.simulate(spec, {path: values}, t_stop=200.0, seed=0)
    assert list(res.reasons) == ["", "diverged"]
    assert list(res.failed) == [False, True]
    assert np.isnan(res.fail_time[0]) and 0.0 < res.fail_time[1] < 200.0
    assert res.candidate(0).times.size > 0
    assert np.isfinite(res.spikes.times).all()
    if res.candidate(1).times.size:
        assert res.candidate(1).times.max() <= res.fail_time[1]


def test_diverged_candidate_does_not_disturb_the_others():
    spec = small_net()
    spec["populations"]["E"]["params"] = {"a": 0.02}
    values = [0.02, -10.0, 0.02]
    res = spikeopt.simulate(spec, {"populations.E.params.a": values}, t_stop=200.0, seed=5)
    ref = spikeopt.simulate(spec, {"populations.E.params.a": values[:1]}, t_stop=200.0,
                            seed=5)
    assert list(res.reasons) == ["", "diverged", ""]
    assert same_trains(candidate_trains(res, 0), candidate_trains(ref, 0))


# ------------------------------------------------------------------- recording
def test_record_only_some_populations():
    params = {"projections.EE.weight.uniform.1": [1.0, 2.0]}
    full = spikeopt.simulate(small_net(), params, t_stop=200.0, seed=0)
    only_e = spikeopt.simulate(small_net(), params, t_stop=200.0, seed=0, record=["E"])
    assert only_e.recorded == ("E",)
    assert len(only_e.spikes) == 2 * 40
    for c in range(2):
        assert only_e.population("E", c) == full.population("E", c)
        assert only_e.candidate(c) == full.population("E", c)
    with pytest.raises(UnknownNameError, match="'I'.*recorded"):
        only_e.population("I")
    # population rates are kept for every population
    np.testing.assert_array_equal(only_e.rates("I"), full.rates("I"))
    assert full.population("I").times.size > 0
    with pytest.raises(UnknownNameError, match="'X'"):
        spikeopt.simulate(small_net(), t_stop=10.0, seed=0, record=["X"])
    only_i = spikeopt.simulate(small_net(), params, t_stop=200.0, seed=0, record=["I"])
    assert len(only_i.spikes) == 2 * 10
    assert only_i.population("I", 1) == full.population("I", 1)


def test_record_state():
    spec = small_net()
    t_stop, dt = 100.0, 0.1
    res = spikeopt.simulate(spec, {"projections.EE.weight.uniform.1": [1.0, 2.0]},
                            t_stop=t_stop, dt=dt, seed=0, record_state={"E.v": [0, 1]},
                            state_every=10)
    v = res.state("E.v", 1)
    assert v.shape == (2, 100)
    assert res.probe_dt_ms == pytest.approx(1.0)
    np.testing.assert_array_equal(v[:, 0], -65.0)  # Izhikevich starts at v = c
    assert np.isfinite(v).all() and v.max() <= 30.0 + 1e-9
    with pytest.raises(UnknownNameError, match="E.u"):
        res.state("E.u")
    # every step: v is reset to c in the step after each spike
    res = spikeopt.simulate(spec, None, t_stop=t_stop, dt=dt, seed=0,
                            record_state={"E.v": [3], "E.u": [3], "I.v": None})
    v, u = res.state("E.v")[0], res.state("E.u")[0]
    assert v.shape == (1000,) and u.shape == (1000,)
    assert res.state("I.v").shape == (10, 1000)
    spikes = res.population("E")[3]
    assert spikes.size >= 2
    k = np.round(spikes / dt).astype(int)
    np.testing.assert_array_equal(v[k[k + 1 < v.size] + 1], -65.0)
    # u jumps by d = 8 at each spike (on top of its slow change)
    jumps = u[k[k + 1 < u.size] + 1] - u[k[k + 1 < u.size]]
    np.testing.assert_allclose(jumps, 8.0, atol=0.5)


def test_record_state_with_sizes_per_candidate():
    res = spikeopt.simulate(small_net(), {"populations.E.size": [9, 12]}, t_stop=10.0, seed=0,
                            record_state={"E.v": [0, 10]})
    a, b = res.state("E.v", 0), res.state("E.v", 1)
    assert a.shape == b.shape == (2, 100)
    assert np.isfinite(a[0]).all() and np.isnan(a[1]).all()  # candidate 0 has no neuron 10
    assert np.isfinite(b).all()


def test_record_state_errors():
    with pytest.raises(UnknownNameError, match="'X'"):
        spikeopt.simulate(small_net(), t_stop=1.0, seed=0, record_state={"X.v": [0]})
    with pytest.raises(UnknownNameError, match="'w'.*'v'"):
        spikeopt.simulate(small_net(), t_stop=1.0, seed=0, record_state={"E.w": [0]})
    with pytest.raises(InvalidParameterError, match="population.variable"):
        spikeopt.simulate(small_net(), t_stop=1.0, seed=0, record_state={"v": [0]})


def test_rates_sum_to_the_spike_count():
    params = {"projections.EE.weight.uniform.1": [0.5, 2.0, 4.0]}
    res = spikeopt.simulate(small_net(), params, t_stop=300.0, seed=0, rate_bin_ms=5.0)
    assert res.rate_bin_ms == pytest.approx(5.0)
    for name, n in (("E", 40), ("I", 10)):
        r = res.rates(name)
        assert r.shape == (3, 60)
        for c in range(3):
            count = res.population(name, c).times.size
            assert r[c].sum() * n * 5e-3 == pytest.approx(count)
            assert res.mean_rate(name)[c] == pytest.approx(count / n / 0.3)
            # bin by bin
            hist = np.bincount((res.population(name, c).times / 5.0 + 1e-9).astype(int),
                               minlength=60)
            np.testing.assert_allclose(r[c] * n * 5e-3, hist)
    assert res.population("E").times.size > 0 and res.population("I").times.size > 0
    with pytest.raises(UnknownNameError, match="'X'"):
        res.rates("X")
    none = spikeopt.simulate(small_net(), t_stop=10.0, seed=0, rate_bin_ms=None)
    with pytest.raises(InvalidParameterError, match="rate"):
        none.rates("E")


# --------------------------------------------------------- spike-buffer overflow
def plastic_net():
    spec = small_net()
    spec["projections"]["EE"]["plasticity"] = {"type": "stdp", "A_plus": 0.05,
                                               "w_max": 2.0}
    spec["projections"]["EE"]["delay_ms"] = 1.0
    return spec


@pytest.mark.parametrize("spec", [small_net, plastic_net])
def test_spike_buffer_overflow_gives_the_same_result(spec):
    """With room for ~1 Hz per neuron, the firing candidates overflow and are run
    again; the silent candidate (no current) is not."""
    params = {"populations.E.current.uniform.0": [8.0, 0.0, 12.0],
              "populations.E.current.uniform.1": [14.0, 0.0, 20.0]}
    kw = dict(t_stop=400.0, dt=0.1, seed=0)
    normal = spikeopt.simulate(spec(), params, **kw)
    tight = spikeopt.simulate(spec(), params, spike_capacity_hz=1.0, **kw)
    n = normal.spikes.counts().reshape(3, -1).sum(axis=1)
    assert n[0] > 256 and n[2] > 256 and n[1] == 0  # the buffer (>= 256) overflows
    assert tight.spikes == normal.spikes
    np.testing.assert_array_equal(tight.n_events, normal.n_events)
    np.testing.assert_array_equal(tight.rate_counts, normal.rate_counts)
    for c in range(3):
        a, b = tight.connectivity("EE", c), normal.connectivity("EE", c)
        np.testing.assert_array_equal(a["weight"], b["weight"])  # plasticity included
    if spec is plastic_net:
        w0 = spikeopt.simulate(spec(), params, t_stop=0.1, dt=0.1, seed=0)
        assert not np.array_equal(normal.connectivity("EE", 0)["weight"],
                                  w0.connectivity("EE", 0)["weight"])


def test_overflow_with_early_stops():
    seeds = [np.random.SeedSequence(21, spawn_key=(1, 0, i)) for i in range(3)]
    kw = dict(t_stop=300.0, dt=0.1, max_rate_hz=150.0, seed=seeds)
    params = {"projections.EE.weight": [0.5, 40.0, 1.0]}
    normal = spikeopt.simulate(runaway_net(), params, **kw)
    tight = spikeopt.simulate(runaway_net(), params, spike_capacity_hz=0.5, **kw)
    assert list(tight.reasons) == list(normal.reasons) == ["", "runaway", ""]
    np.testing.assert_array_equal(tight.fail_time, normal.fail_time)
    assert tight.spikes == normal.spikes


# ---------------------------------------------- result API errors
def test_mean_rate_without_rate_recording():
    res = spikeopt.simulate(small_net(), t_stop=10.0, seed=0, rate_bin_ms=None)
    with pytest.raises(InvalidParameterError, match="rate"):
        res.mean_rate("E")


def test_mean_rate_of_unknown_population():
    res = spikeopt.simulate(small_net(), t_stop=10.0, seed=0)
    with pytest.raises(UnknownNameError, match="'X'"):
        res.mean_rate("X")


def test_state_every_zero_is_refused():
    with pytest.raises(InvalidParameterError, match="state_every"):
        spikeopt.simulate(small_net(), t_stop=10.0, seed=0, record_state={"E.v": [0]},
                          state_every=0)


def test_candidate_out_of_range_is_refused():
    res = spikeopt.simulate(small_net(), t_stop=10.0, seed=0, record_state={"E.v": [0]})
    for call in (lambda: res.state("E.v", 5), lambda: res.connectivity("EE", 5)):
        with pytest.raises(InvalidParameterError, match="candidate"):
            call()
