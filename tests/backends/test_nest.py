"""The NEST backend against spikeopt's numba engine (NEST 3.10, dt = 0.1 ms).

NEST stamps a spike at the end of the step in which V crossed threshold,
spikeopt at its start: for the same trajectory NEST's times are one dt later.
Tolerances, with what was measured when they were set:

- izhikevich: NEST's ``consistent_integration`` step *is* spikeopt's forward
  Euler step, and current and synaptic delivery are exact on the grid, so
  cells and delta networks spike at spikeopt's times + dt (1e-9 ms).
- lif (NEST exact, spikeopt Euler): first spike 0.1-0.3 ms later, counts within
  1 over 500 ms (step and OU currents, tau_m 10-30 ms); tolerance 3 dt and ±1.
- adex (NEST RKF45, spikeopt Euler): first spike 0.1-0.2 ms *earlier* despite
  the stamp, counts within 1 (Naud et al. presets, 500 ms); tolerance 0.35 ms, ±1.
- glif1-glif5, mat (dt 0.01): see test_glif_and_mat_step_and_noise_agree.
- hh (dt 0.01) and traub_miles: equal counts, first spike 0.16-0.2 ms later
  (NEST detects the peak, spikeopt the upward crossing); tolerance 0.3 ms.
- CUBA (800 LIF, p = 0.02, exp_current, 500 ms, 8 seeds each): mean E rates
  11.38 ± 0.43 Hz (numba) vs 11.75 ± 0.36 Hz (NEST), ISI CV 0.224 ± 0.011 vs
  0.228 ± 0.005; the means must agree within 3 standard errors of their
  difference (0.60 Hz; 0.013 for the CV).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import spikeopt
from spikeopt import models, stimuli
from spikeopt.backends.nest import NestBackend, network_plan
from spikeopt.errors import InvalidParameterError, SimulationError
from spikeopt.network import library
from spikeopt.testing import backends as conformance

# NEST is imported by the backend (after numba's threads start: see
# spikeopt.backends.nest._openmp_first), never here at collection time
pytestmark = pytest.mark.skipif(importlib.util.find_spec("nest") is None,
                                reason="NEST is not installed: pip install 'spikeopt[nest]'")

DT = 0.1


@pytest.fixture(scope="module")
def nest_backend():
    return NestBackend()


def _both(model, params, stim, backend, dt=DT):
    ref = spikeopt.simulate(model, params, stim, dt=dt)
    backend.reset()
    res = backend.cell_candidate(model, params, stim, dt=dt, t_stop=None, record_v=False,
                                 v_every=1, initial=None)
    return ref, res


def _compare(ref, res, *, first_lo, first_hi, counts=1):
    for s in range(ref.n_sweeps):
        a, b = ref.spikes[s:s + 1].times, res.spikes[s:s + 1].times
        assert abs(a.size - b.size) <= counts, (s, a.size, b.size)
        assert a.size and b.size
        assert first_lo - 1e-9 <= b[0] - a[0] <= first_hi + 1e-9, (s, a[0], b[0])


# -- single cells ----------------------------------------------------------------------
@pytest.mark.parametrize("tau_m, R", [(10.0, 100.0), (20.0, 100.0), (30.0, 200.0)])
def test_lif_step_and_noise_agree_within_euler_error(nest_backend, tau_m, R):
    step = stimuli.stack([stimuli.step(a, duration=500.0, t_on=10.0) for a in (220.0, 500.0)])
    noise = stimuli.ou_noise(250.0, 80.0, 5.0, duration=500.0, rng=1, n_sweeps=2)
    for stim in (step, noise):
        ref, res = _both("lif", {"tau_m": tau_m, "R": R}, stim, nest_backend)
        _compare(ref, res, first_lo=0.0, first_hi=3 * DT)


@pytest.mark.parametrize("preset", ["regular_spiking", "chattering", "fast_spiking"])
def test_izhikevich_is_spikeopts_euler_step_one_dt_later(nest_backend, preset):
    rng = np.random.default_rng(4)
    noisy = stimuli.from_array(8.0 + 5.0 * rng.standard_normal((2, 3000)), dt=DT)
    stim = stimuli.stack([stimuli.step(10.0, duration=300.0, t_on=10.0)])
    for s in (stim, noisy):
        ref, res = _both("izhikevich", models.get_preset("izhikevich", preset), s, nest_backend)
        assert ref.spikes.counts().tolist() == res.spikes.counts().tolist()
        np.testing.assert_allclose(res.spikes.times, ref.spikes.times + DT, atol=1e-9)


def test_membrane_potential_matches_sample_for_sample(nest_backend):
    stim = stimuli.step(10.0, duration=100.0, t_on=0.0)  # nonzero from t = 0: I_e phase
    p = models.get_preset("izhikevich", "regular_spiking")
    ref = spikeopt.simulate("izhikevich", p, stim, dt=DT, record_v=True, v_every=5)
    nest_backend.reset()
    res = nest_backend.cell_candidate("izhikevich", p, stim, dt=DT, t_stop=None, record_v=True,
                                      v_every=5, initial=None)
    assert res.v.shape == ref.v.shape and res.v_dt == ref.v_dt
    np.testing.assert_allclose(res.v, ref.v, atol=1e-9)


@pytest.mark.parametrize("preset", ["tonic", "adapting", "bursting", "irregular",
                                    "delayed_accelerating"])
def test_adex_counts_and_first_spike(nest_backend, preset):
    p = dict(models.get_preset("adex", preset))
    stim = stimuli.step(p.pop("current_pA"), duration=500.0, t_on=10.0)
    ref, res = _both("adex", p, stim, nest_backend)
    _compare(ref, res, first_lo=-0.35, first_hi=0.1)


def test_hodgkin_huxley_and_traub_miles(nest_backend):
    for model, amps in (("hh", (100.0, 200.0)), ("traub_miles", (200.0, 400.0))):
        stim = stimuli.stack([stimuli.step(a, duration=200.0, t_on=10.0, dt=0.01)
                              for a in amps])
        ref, res = _both(model, {}, stim, nest_backend, dt=0.01)
        _compare(ref, res, first_lo=0.0, first_hi=0.3, counts=0)


# GLIF1-5 (glif_psc, exact propagators) and MAT (mat2_psc_exp, exact) at dt = 0.01 ms:
# equal counts over 1000 ms (step and OU currents), first spike 0.01-0.03 ms later
# (the stamp, one dt, plus spikeopt's Euler error); tolerance 0.05 ms, counts ±1.
_GLIF_MAT = [("glif1", (200.0, 400.0), (300.0, 100.0)), ("glif2", (200.0, 400.0), (300.0, 100.0)),
             ("glif3", (300.0, 500.0), (400.0, 120.0)), ("glif4", (300.0, 500.0), (400.0, 120.0)),
             ("glif5", (300.0, 500.0), (400.0, 120.0)), ("mat", (300.0, 600.0), (500.0, 250.0))]


@pytest.mark.parametrize("model, amps, ou", _GLIF_MAT, ids=[m[0] for m in _GLIF_MAT])
def test_glif_and_mat_step_and_noise_agree(nest_backend, model, amps, ou):
    step = stimuli.stack([stimuli.step(a, duration=300.0, t_on=10.0, dt=0.01) for a in amps])
    noise = stimuli.ou_noise(*ou, 5.0, duration=300.0, rng=1, n_sweeps=2, dt=0.01)
    for stim in (step, noise):
        ref, res = _both(model, {}, stim, nest_backend, dt=0.01)
        for s in range(stim.n_sweeps):
            a, b = ref.spikes[s:s + 1].times, res.spikes[s:s + 1].times
            assert abs(a.size - b.size) <= 1, (s, a.size, b.size)
            if a.size or b.size:
                assert a.size and b.size and 0.0 <= b[0] - a[0] <= 0.05 + 1e-9, (s, a, b)
        assert sum(ref.spikes[s:s + 1].times.size for s in range(stim.n_sweeps)) > 0


def test_glif1_isi_is_the_lif_formula(nest_backend):
    """Reset to V_reset = E_L: ISI = t_ref + tau ln(I R / (I R - (theta_inf - E_L)))."""
    C, g, E_L, theta, t_ref, amp = 58.72, 9.43, -78.85, -51.68, 3.75, 400.0
    isi = t_ref + C / g * np.log((amp / g) / (amp / g - (theta - E_L)))  # 10.121 ms
    ref, res = _both("glif1", {}, stimuli.step(amp, duration=200.0, t_on=10.0, dt=0.01),
                     nest_backend, dt=0.01)
    # NEST: the passage rounded up to the grid plus t_ref / dt whole frozen steps (10.13);
    # spikeopt: Brian2's refractory rule freezes one step fewer (10.11)
    assert np.allclose(np.diff(res.spikes.times), isi, atol=0.011)
    assert np.allclose(np.diff(ref.spikes.times), isi, atol=0.011)
    assert res.spikes.times[0] == pytest.approx(10.0 + isi - t_ref, abs=0.021)


def test_glif_and_mat_parameters_in_nest_units():
    from spikeopt.backends._nest_map import nest_neuron

    p = {k: np.array([v, v]) for k, v in models.get("glif5").defaults().items()}
    p["A2"] = np.array([-100.0, -50.0])
    name, params = nest_neuron("glif5", p, None, "glif5")
    assert name == "glif_psc" and params["adapting_threshold"] is True
    assert params["g"][0] == 9.43 and params["V_th"][0] == -51.68
    assert params["asc_amps"].tolist() == [[-9.18, -100.0], [-9.18, -50.0]]
    assert params["asc_decay"][0].tolist() == [0.003, 0.1]
    assert params["th_voltage_index"][0] == 0.005 and params["voltage_reset_add"][0] == 18.51
    name, params = nest_neuron("mat", {k: np.array([v]) for k, v in
                                       models.get("mat").defaults().items()}, None, "mat")
    assert name == "mat2_psc_exp" and params["C_m"][0] == pytest.approx(100.0)  # 5 ms / 50 MOhm
    assert (params["omega"][0], params["alpha_1"][0], params["tau_2"][0]) == (-45.0, 30.0, 200.0)


def test_glif_array_parameters_and_refractory_time(nest_backend):
    """(n, 2) asc arrays go to NEST as one dict per neuron; t_ref must be > 0."""
    from spikeopt.backends._nest_build import _create_params

    rows = _create_params({"asc_amps": np.array([[1.0, 2.0], [3.0, 4.0]]),
                           "g": np.array([9.0, 9.0])}, 2)
    assert rows == [{"g": 9.0, "asc_amps": [1.0, 2.0]}, {"g": 9.0, "asc_amps": [3.0, 4.0]}]
    stim = stimuli.stack([stimuli.step(a, duration=100.0, t_on=10.0, dt=0.01)
                          for a in (300.0, 500.0)])
    ref, res = _both("glif3", {"A2": -50.0, "r1": 0.5}, stim, nest_backend, dt=0.01)
    assert [t.size for t in res.spikes.to_list()] == [t.size for t in ref.spikes.to_list()]
    # refractory-bound MAT: NEST freezes t_ref / h whole steps after the spike step
    ref, res = _both("mat", {"alpha1": 0.0, "alpha2": 0.0, "t_ref": 2.0},
                     stimuli.step(1000.0, duration=30.0, t_on=10.0, dt=0.01), nest_backend,
                     dt=0.01)
    assert np.allclose(np.diff(ref.spikes.times), 2.0)
    assert np.allclose(np.diff(res.spikes.times), 2.01)
    with pytest.raises(InvalidParameterError, match="refractory time must be > 0"):
        nest_backend.cell_candidate("mat", {"t_ref": 0.0}, stimuli.step(1.0, duration=1.0),
                                    dt=0.1, t_stop=None, record_v=False, v_every=1,
                                    initial=None)


# -- networks --------------------------------------------------------------------------
def _izhikevich_net() -> dict:
    delta = {"type": "delta"}
    return {
        "populations": {"A": {"model": "izhikevich", "size": 4, "current": [5.0, 6.0, 7.0, 0.0]},
                        "B": {"model": "izhikevich", "size": 3, "params": {"a": 0.1, "d": 2.0}}},
        "projections": {
            "AB": {"pre": "A", "post": "B", "synapse": delta, "weight": 25.0, "delay_ms": 1.3,
                   "connector": {"rule": "from_list", "pre": [0, 1, 2, 2],
                                 "post": [0, 1, 2, 0]}},
            "BA": {"pre": "B", "post": "A", "synapse": delta, "weight": -3.0, "delay_ms": 0.5,
                   "connector": {"rule": "all_to_all"}}},
        "inputs": {"s": {"type": "spikes", "times_ms": [[10.0, 10.2, 50.0, 50.05, 80.0], [20.0]],
                         "target": "A", "synapse": delta, "weight": 12.0, "delay_ms": 0.2,
                         "connector": {"rule": "from_list", "pre": [0, 0, 1],
                                       "post": [3, 3, 2]}}},
    }


def test_izhikevich_delta_network_spikes_exactly_one_dt_later(nest_backend):
    net = _izhikevich_net()
    ref = spikeopt.simulate(net, {}, t_stop=200.0, dt=DT, seed=1)
    nest_backend.reset()
    res = nest_backend.network_candidate(net, {}, t_stop=200.0, dt=DT, seed=1)
    for pop in ("A", "B"):
        a, b = ref.population(pop), res.population(pop)
        assert a.counts().tolist() == b.counts().tolist()
        assert a.counts().sum() > 8
        np.testing.assert_allclose(b.times, a.times + DT, atol=1e-9)


def _cv(trains) -> float:
    cvs = []
    for i in range(len(trains)):
        isi = np.diff(trains[i:i + 1].times)
        if isi.size >= 2:
            cvs.append(isi.std() / isi.mean())
    return float(np.mean(cvs))


def test_cuba_rates_and_cv_agree_statistically(nest_backend):
    net, seeds, t_stop = library.cuba(n=800, p=0.02, delay_ms=0.1), list(range(1, 9)), 500.0
    ref = spikeopt.simulate(net, {}, t_stop=t_stop, dt=DT, seed=seeds)
    rate_a = ref.mean_rate("E")
    cv_a = np.array([_cv(ref.population("E", i)) for i in range(len(seeds))])
    rate_b, cv_b = [], []
    for s in seeds:
        nest_backend.reset()
        res = nest_backend.network_candidate(net, {}, t_stop=t_stop, dt=DT, seed=s)
        rate_b.append(res.mean_rate("E")[0])
        cv_b.append(_cv(res.population("E")))
    for a, b in ((rate_a, np.array(rate_b)), (cv_a, np.array(cv_b))):
        se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert abs(a.mean() - b.mean()) <= 3 * se, (a.mean(), b.mean(), se)
    assert 8.0 < np.mean(rate_b) < 16.0


# -- plumbing through spikeopt.simulate ------------------------------------------------
def test_simulate_runs_candidates_in_workers_and_reports_nest_errors():
    res = spikeopt.simulate("lif", {"tau_m": [10.0, 20.0, 20.0], "R": [100.0, 100.0, -100.0]},
                            stimuli.step(300.0, duration=200.0), backend="nest", workers=2,
                            dt=DT)
    counts = res.spikes.counts().tolist()
    assert counts[0] > counts[1] > 0 and counts[2] == 0  # faster membrane fires more
    assert res.reasons[:2].tolist() == ["", ""]
    assert res.failed_candidates.tolist() == [False, False, True]
    assert "Capacitance must be > 0" in res.reasons[2] and "iaf_psc_delta" in res.reasons[2]


def test_simulate_network_candidates_and_a_failing_one():
    net = library.cuba(n=200, p=0.1, delay_ms=0.1)
    res = spikeopt.simulate(net, {"projections.IE.weight": [-9.0, -1.0, -9.0],
                                  "populations.E.params.R": [1000.0, 1000.0, -5.0]},
                            t_stop=200.0, dt=DT, seed=3, backend="nest", workers=0)
    rates = res.mean_rate("E")
    assert rates[1] > rates[0] > 0  # weaker inhibition, more firing
    assert res.reasons[:2].tolist() == ["", ""] and res.failed.tolist() == [False, False, True]
    assert "population 'E' (iaf_psc_exp)" in res.reasons[2]
    assert "Capacitance must be" in res.reasons[2]


def test_early_stops_are_applied_after_the_run(nest_backend):
    net = library.cuba(n=200, p=0.1, delay_ms=0.1)
    nest_backend.reset()
    res = nest_backend.network_candidate(net, {}, t_stop=200.0, dt=DT, seed=3, max_rate_hz=1.0)
    assert res.reasons.tolist() == ["runaway"] and res.fail_time[0] == pytest.approx(49.9)
    assert res.spikes.times.max() <= 50.0 + 1e-9
    quiet = library.cuba(n=50, p=0.1, delay_ms=0.1)
    quiet["populations"]["E"]["params"]["E_L"] = -70.0
    quiet["populations"]["I"]["params"] = {**quiet["populations"]["I"]["params"], "E_L": -70.0}
    nest_backend.reset()
    res = nest_backend.network_candidate(quiet, {}, t_stop=100.0, dt=DT, seed=3, silence_ms=20.0)
    assert res.reasons.tolist() == ["silent"] and res.fail_time[0] == pytest.approx(20.0)


# -- what is not mapped ----------------------------------------------------------------
def test_unsupported_models_and_networks_say_why(nest_backend):
    assert "2003 form" in nest_backend.supports("izhikevich2007")
    assert nest_backend.supports("lif") is None
    with pytest.raises(InvalidParameterError, match="cannot run this model.*NESTML"):
        spikeopt.simulate("izhikevich2007", {}, stimuli.step(1.0, duration=10.0),
                          backend="nest", workers=0)
    with pytest.raises(InvalidParameterError, match="celsius' must be 6.3"):
        nest_backend.cell_candidate("hh", {"celsius": 20.0}, stimuli.step(1.0, duration=1.0),
                                    dt=0.01, t_stop=None, record_v=False, v_every=1,
                                    initial=None)
    assert "snnjl" in nest_backend.supports(library.spikenetopt(faithful=True))
    stdp = library.cuba(n=50)
    stdp["projections"]["EE"]["plasticity"] = {"type": "stdp"}
    assert "STDP is not mapped" in nest_backend.supports(stdp)
    taus = library.cuba(n=50)
    taus["projections"]["EE2"] = {**taus["projections"]["EE"],
                                  "synapse": {"type": "exp_current", "tau_ms": 3.0}}
    why = nest_backend.supports(taus)
    assert "one time constant for weights > 0 (tau_syn_ex)" in why and "'EE2': 3.0" in why
    mixed = library.cuba(n=50)
    mixed["projections"]["EE"]["synapse"] = {"type": "delta"}
    assert "synapses of types ['delta', 'exp_current']" in nest_backend.supports(mixed)
    izh = {"populations": {"E": {"model": "izhikevich", "size": 5}},
           "projections": {"EE": {"pre": "E", "post": "E", "connector": {"rule": "all_to_all"},
                                  "synapse": {"type": "exp_current", "tau_ms": 5.0},
                                  "weight": 1.0}}}
    assert "takes synapses of type ['delta']" in nest_backend.supports(izh)


def test_conductance_channels_follow_reversal_potentials():
    net = {"populations": {"E": {"model": "lif", "size": 4}},
           "projections": {
               "inh": {"pre": "E", "post": "E", "connector": {"rule": "all_to_all"},
                       "synapse": {"type": "exp_conductance", "tau_ms": 10.0, "E_rev_mV": -80.0},
                       "weight": {"normal": [2.0, 1.0]}},
               "exc": {"pre": "E", "post": "E", "connector": {"rule": "all_to_all"},
                       "synapse": {"type": "exp_conductance", "tau_ms": 5.0, "E_rev_mV": 0.0},
                       "weight": 1.5}}}
    plan = network_plan(net, {}, dt=DT, t_stop=10.0, seed=1)
    create = next(s for s in plan.program if getattr(s, "target", None) == "pop_E")
    assert create.call.args[0] == "iaf_cond_exp"
    params = create.call.kwargs["params"]
    assert (params["E_ex"], params["tau_syn_ex"], params["E_in"], params["tau_syn_in"]) == (
        0.0, 5.0, -80.0, 10.0)
    assert params["g_L"] == pytest.approx(10.0) and params["C_m"] == pytest.approx(200.0)
    conns = [s.call for s in plan.program if getattr(s, "call", None) is not None
             and s.call.fn == "nest.Connect" and s.call.args[1].name == "pop_E"]
    inh_w, exc_w = conns[0].args[3]["weight"], conns[1].args[3]["weight"]
    assert exc_w == 1.5  # w >= 0 on the excitatory channel
    assert inh_w.fn == "nest.math.min" and inh_w.args[0].kwargs == {"mean": -2.0, "std": 1.0}


def test_seeded_runs_repeat_and_resolution_must_divide_dt(nest_backend):
    net = library.cuba(n=100, p=0.1, delay_ms=0.1)
    runs = []
    for _ in range(2):
        nest_backend.reset()
        runs.append(nest_backend.network_candidate(net, {}, t_stop=50.0, dt=DT, seed=9))
    assert np.array_equal(runs[0].spikes.times, runs[1].spikes.times)
    nest_backend.reset()
    part = nest_backend.network_candidate(net, {}, t_stop=50.0, dt=DT, seed=9, record=["E"])
    assert part.recorded == ("E",)
    assert np.array_equal(part.spikes.times, runs[0].population("E").times)
    assert part.mean_rate("I")[0] == runs[0].mean_rate("I")[0] > 0  # unrecorded still counts
    with pytest.raises(InvalidParameterError, match="must be > 0 and divide dt"):
        NestBackend(resolution_ms=0.03).cell_candidate(
            "lif", {}, stimuli.step(1.0, duration=1.0), dt=0.1, t_stop=None, record_v=False,
            v_every=1, initial=None)
    assert issubclass(SimulationError, RuntimeError)


# The conformance suite (spikeopt.testing.backends), statistics: every case NEST can
# run, in this process. One known difference is marked: on the small conductance
# network, NEST's exact integration gives the I population an ISI CV of 0.52
# against the engine's 0.42 (its rates agree): asserted as such, so a change shows.
_NEST_KNOWN = {"net-lif-exp_conductance": r"I has ISI CV 0\.5\d* on 'nest', 0\.41\d* on"}


@pytest.mark.parametrize("case", conformance.cases(), ids=str)
def test_conformance_statistics(case):
    why = conformance.unsupported("nest", case)
    if why:
        pytest.skip(f"NEST cannot run it: {why}")
    if str(case) in _NEST_KNOWN:
        with pytest.raises(AssertionError, match=_NEST_KNOWN[str(case)]):
            conformance.check_statistics("nest", case, simulate_options={"workers": 0})
        return
    conformance.check_statistics("nest", case, simulate_options={"workers": 0})
