"""Self-checks of the Brian2 rendering of network descriptions (spikeopt.backends.brian2,
through tests/network/brian2_reference.py) against hand-computed expectations: PSP
shapes, delays, reset order, STDP pairs, connector order, every model firing. The
comparison with spikeopt's engine is the conformance suite (tests/backends/test_brian2.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("brian2", reason="Brian2 is the reference simulator (test extra)")

from spikeopt.network import NETWORK_MODELS  # noqa: E402

from .brian2_reference import MODELS, exp2_peak_factor, run_brian2  # noqa: E402

DT = 0.1
E_L, TAU_M, R = -70.0, 20.0, 100.0  # LIF defaults (mV, ms, MOhm)


def _lif(size=1, **kw):
    return {"model": "lif", "size": size, **kw}


def _input(times, target, synapse, weight, connector=None, delay_ms=0.0):
    return {"type": "spikes", "times_ms": times, "target": target,
            "connector": connector or {"rule": "one_to_one"}, "synapse": synapse,
            "weight": weight, "delay_ms": delay_ms}


def _step(t_ms, dt=DT):
    return int(round(t_ms / dt))


def test_delta_input_raises_v_by_w_at_the_arrival_step():
    w = 2.0
    spec = {
        "populations": {"P": _lif(2)},
        "inputs": {"stim": _input([[1.0]], "P", {"type": "delta"}, w,
                                  connector={"rule": "from_list", "pre": [0, 0], "post": [0, 1],
                                             "delay_ms": [0.0, 0.5]})},
    }
    r = run_brian2(spec, t_stop_ms=3.0, dt_ms=DT, record_state={"P": ["v"]})
    v = r["state"]["P"]["v"]  # sampled at the end of each step
    k0 = _step(1.0)
    assert np.all(v[:, :k0] == E_L)  # at rest until the spike
    assert v[0, k0] == pytest.approx(E_L + w, abs=1e-12)  # delay 0: the spike's own step
    assert np.all(v[1, :k0 + 5] == E_L)
    assert v[1, k0 + 5] == pytest.approx(E_L + w, abs=1e-12)  # 0.5 ms = 5 steps later
    # then the Euler decay from the new value
    assert v[0, k0 + 1] == pytest.approx(E_L + w - DT * w / TAU_M, abs=1e-12)
    assert r["spikes"]["P"][0].size == 0


def test_exp_current_psp_first_step_and_integral():
    w, tau = 100.0, 5.0  # pA, ms
    spec = {
        "populations": {"P": _lif(1)},
        "inputs": {"stim": _input([[2.0]], "P", {"type": "exp_current", "tau_ms": tau}, w)},
    }
    r = run_brian2(spec, t_stop_ms=400.0, dt_ms=DT, record_state={"P": ["v", "stim.I"]})
    v, current = r["state"]["P"]["v"][0], r["state"]["P"]["stim.I"][0]
    k0 = _step(2.0)
    q = math.exp(-DT / tau)
    assert np.all(current[:k0] == 0.0)
    assert current[k0] == w  # delivered after the decay of its step
    assert current[k0 + 1] == pytest.approx(w * q, rel=1e-14)
    # the current acts from the next step on, undecayed (held at its start-of-step value)
    assert v[k0] == E_L
    assert v[k0 + 1] == pytest.approx(E_L + DT * R * w * 1e-3 / TAU_M, abs=1e-12)
    # Euler: sum(v - E_L) = R*1e-3*sum(I) exactly; sum(I)*dt = w*dt/(1 - q) ~ w*tau
    psp_integral = np.sum(v - E_L) * DT
    assert psp_integral == pytest.approx(R * 1e-3 * w * DT / (1.0 - q), rel=1e-6)
    assert psp_integral == pytest.approx(R * 1e-3 * w * tau, rel=0.02)


def test_exp_conductance_current_is_g_times_driving_force():
    w, tau, e_rev = 3.0, 4.0, 0.0  # nS, ms, mV
    spec = {
        "populations": {"P": _lif(1)},
        "inputs": {"stim": _input([[1.0]], "P",
                                  {"type": "exp_conductance", "tau_ms": tau, "E_rev_mV": e_rev},
                                  w)},
    }
    r = run_brian2(spec, t_stop_ms=2.0, dt_ms=DT, record_state={"P": ["v", "stim.g"]})
    v, g = r["state"]["P"]["v"][0], r["state"]["P"]["stim.g"][0]
    k0 = _step(1.0)
    assert g[k0] == w and g[k0 + 1] == pytest.approx(w * math.exp(-DT / tau), rel=1e-14)
    i_syn = w * (e_rev - E_L)  # nS * mV = pA
    assert v[k0 + 1] == pytest.approx(E_L + DT * R * i_syn * 1e-3 / TAU_M, abs=1e-12)


def test_exp2_conductance_peaks_at_w_at_tp():
    dt, w, tr, td = 0.01, 2.5, 0.5, 3.0
    spec = {
        "populations": {"P": _lif(1)},
        "inputs": {"stim": _input([[1.0]], "P",
                                  {"type": "exp2_conductance", "tau_rise_ms": tr,
                                   "tau_decay_ms": td, "E_rev_mV": 0.0}, w)},
    }
    r = run_brian2(spec, t_stop_ms=8.0, dt_ms=dt, record_state={"P": ["stim.A", "stim.B"]})
    a, b = r["state"]["P"]["stim.A"][0], r["state"]["P"]["stim.B"][0]
    k0 = _step(1.0, dt)
    f = exp2_peak_factor(tr, td)
    assert a[k0] == b[k0] == w * f
    g = b - a
    tp = tr * td / (td - tr) * math.log(td / tr)
    kp = int(np.argmax(g))
    assert abs((kp - k0) * dt - tp) <= dt
    assert g[kp] == pytest.approx(w, rel=1e-4)
    # exact per-step decay of both
    assert a[k0 + 1] == pytest.approx(w * f * math.exp(-dt / tr), rel=1e-14)
    assert b[k0 + 1] == pytest.approx(w * f * math.exp(-dt / td), rel=1e-14)


def test_reset_overwrites_a_delta_input_in_the_spike_step():
    # kick (100 mV) at 1.0 ms -> spike at 1.1 ms; a 5 mV input arriving at 1.1 ms is
    # delivered before the reset of that step, so v ends the step at V_reset.
    spec = {
        "populations": {"P": _lif(1)},
        "inputs": {
            "kick": _input([[1.0]], "P", {"type": "delta"}, 100.0),
            "late": _input([[1.1]], "P", {"type": "delta"}, 5.0),
        },
    }
    r = run_brian2(spec, t_stop_ms=2.0, dt_ms=DT, record_state={"P": ["v"]})
    idx, t = r["spikes"]["P"]
    np.testing.assert_allclose(t, [1.1])
    assert r["state"]["P"]["v"][0, _step(1.1)] == -65.0  # V_reset


A_PLUS, A_MINUS, TAU_PLUS, TAU_MINUS = 0.01, 0.012, 20.0, 15.0


def _stdp_spec(t_pre, t_post, w0=0.5, delay=0.0, a_plus=A_PLUS):
    # pre neuron 0 and post neuron 0 are made to fire one step after their kick;
    # pre neuron 1 never fires. Synapses listed as (1 -> 0), (0 -> 0).
    kick = {"type": "delta"}
    return {
        "populations": {"pre": _lif(2), "post": _lif(1)},
        "projections": {
            "pp": {"pre": "pre", "post": "post",
                   "connector": {"rule": "from_list", "pre": [1, 0], "post": [0, 0]},
                   "synapse": {"type": "delta"}, "weight": w0, "delay_ms": delay,
                   "plasticity": {"type": "stdp", "tau_plus_ms": TAU_PLUS,
                                  "tau_minus_ms": TAU_MINUS, "A_plus": a_plus,
                                  "A_minus": A_MINUS, "w_min": 0.0, "w_max": 1.0}},
        },
        "inputs": {
            "kick_pre": _input([[t_pre]], "pre", kick, 100.0,
                               connector={"rule": "from_list", "pre": [0], "post": [0]}),
            "kick_post": _input([[t_post]], "post", kick, 100.0),
        },
    }


@pytest.mark.parametrize("lag", [5.0, -7.0, 0.0])
def test_stdp_one_pair(lag):
    w0 = 0.5
    r = run_brian2(_stdp_spec(10.0, 10.0 + lag, w0), t_stop_ms=30.0, dt_ms=DT,
                   record_weights=True)
    (_, t_pre), (_, t_post) = r["spikes"]["pre"], r["spikes"]["post"]
    assert t_pre.size == 1 and t_post.size == 1
    dt_pair = t_post[0] - t_pre[0]
    assert dt_pair == pytest.approx(lag, abs=1e-9)
    w = r["weights"]["pp"]
    assert w[0] == w0  # list order: the synapse from the silent pre neuron 1 is unchanged
    if lag > 0:
        expected = w0 + A_PLUS * math.exp(-dt_pair / TAU_PLUS)
    elif lag < 0:
        expected = w0 - A_MINUS * math.exp(dt_pair / TAU_MINUS)
    else:  # same step: the pre pathway runs before the post pathway -> potentiation
        expected = w0 + A_PLUS
    assert w[1] == pytest.approx(expected, rel=1e-12)
    t, traj = r["weight_trajectories"]["pp"]
    assert traj.shape == (2, t.size)
    assert traj[1, -1] == w[1] and traj[1, 0] == w0


def test_stdp_uses_the_delayed_arrival_and_clips():
    # pre spike at 10.1, arrival at 12.1 (delay 2 ms); post spike at 15.1 -> lag 3 ms
    r = run_brian2(_stdp_spec(10.0, 15.0, delay=2.0), t_stop_ms=20.0, dt_ms=DT)
    assert r["weights"]["pp"][1] == pytest.approx(0.5 + A_PLUS * math.exp(-3.0 / TAU_PLUS),
                                                  rel=1e-12)
    r = run_brian2(_stdp_spec(10.0, 15.0, w0=0.9, a_plus=0.5), t_stop_ms=20.0, dt_ms=DT)
    assert r["weights"]["pp"][1] == 1.0  # clipped at w_max


def test_connector_rules_and_list_order():
    spec = {
        "populations": {"A": _lif(2), "B": _lif(3)},
        "projections": {
            "ab": {"pre": "A", "post": "B", "connector": {"rule": "all_to_all"},
                   "synapse": {"type": "delta"}, "weight": 0.1,
                   "plasticity": {"type": "stdp", "tau_plus_ms": 20.0, "tau_minus_ms": 20.0,
                                  "A_plus": 0.0, "A_minus": 0.0}},
            "bb": {"pre": "B", "post": "B",
                   "connector": {"rule": "all_to_all", "allow_self": False},
                   "synapse": {"type": "delta"},
                   "weight": 0.2,
                   "plasticity": {"type": "stdp", "tau_plus_ms": 20.0, "tau_minus_ms": 20.0,
                                  "A_plus": 0.0, "A_minus": 0.0}},
            "aa": {"pre": "A", "post": "A",
                   "connector": {"rule": "from_list", "pre": [1, 0, 1], "post": [0, 1, 1],
                                 "weight": [0.3, 0.2, 0.1]},
                   "synapse": {"type": "delta"}, "weight": 9.0,
                   "plasticity": {"type": "stdp", "tau_plus_ms": 20.0, "tau_minus_ms": 20.0,
                                  "A_plus": 0.0, "A_minus": 0.0}},
        },
    }
    r = run_brian2(spec, t_stop_ms=1.0, dt_ms=DT)
    assert r["weights"]["ab"].shape == (6,)
    assert r["weights"]["bb"].shape == (6,)
    np.testing.assert_array_equal(r["weights"]["aa"], [0.3, 0.2, 0.1])


@pytest.mark.parametrize("model", sorted(set(MODELS) & set(NETWORK_MODELS)))
def test_every_model_builds_and_fires(model):
    currents = {"lif": 250.0, "izhikevich": 10.0, "izhikevich2007": 150.0, "adex": 800.0,
                "hh": 300.0, "traub_miles": 1000.0, "mat": 500.0}
    # traub_miles' 25 sub-steps are slow in Brian2's numpy target: few, coarse steps
    dt, t_stop = (0.1, 12.0) if model == "traub_miles" else (0.025, 60.0)
    pop = {"model": model, "size": 2, "current": [0.0, currents.get(model, 300.0)]}
    r = run_brian2({"populations": {"P": pop}}, t_stop_ms=t_stop, dt_ms=dt,
                   record_state={"P": ["v"]})
    idx, t = r["spikes"]["P"]
    assert np.any(idx == 1) and not np.any(idx == 0)
    if model == "hh":  # upward crossings of v_thresh = 10 mV, one spike each
        v = r["state"]["P"]["v"][1]
        crossings = np.flatnonzero((v[1:] >= 10.0) & (v[:-1] < 10.0)) + 1
        np.testing.assert_allclose(t, crossings * dt, atol=1e-9)
