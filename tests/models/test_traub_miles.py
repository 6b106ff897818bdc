"""The ``traub_miles`` model (GeNN 4's TraubMiles): Brian2 conformance of the
25 Euler sub-steps, GeNN's spike rule, the f–I curve and the pA → nA boundary."""

from __future__ import annotations

import numpy as np
import pytest

from spikeopt import models, simulate, stimuli

DT = 0.1  # ms, as in GeNN's mushroom-body example
TM = models.get("traub_miles")


def _rates(V):
    x, y, z = -52.0 - V, V + 25.0, -50.0 - V
    am = 0.32 * x / np.expm1(x / 4.0)
    bm = 0.28 * y / np.expm1(y / 5.0)
    ah = 0.128 * np.exp((-48.0 - V) / 18.0)
    bh = 4.0 / (np.exp((-25.0 - V) / 5.0) + 1.0)
    an = 0.032 * z / np.expm1(z / 5.0)
    bn = 0.5 * np.exp((-55.0 - V) / 40.0)
    return am / (am + bm), ah / (ah + bh), an / (an + bn)


def test_rest_without_input():
    p = TM.defaults()

    def i_ss(V):  # steady-state membrane current (nA)
        m, h, n = _rates(V)
        return (m**3 * h * p["gNa"] * (V - p["ENa"]) + n**4 * p["gK"] * (V - p["EK"])
                + p["gl"] * (V - p["El"]))

    lo, hi = -70.0, -60.0
    assert i_ss(lo) < 0.0 < i_ss(hi)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if i_ss(mid) < 0.0 else (lo, mid)
    v_rest = 0.5 * (lo + hi)
    r = simulate("traub_miles", {}, stimuli.step(0.0, duration=1000.0), dt=DT, record_v=True)
    assert r.spikes.counts()[0] == 0 and not r.failed.any()
    assert r.v[0, 0] == -60.0
    assert r.v[0, -1] == pytest.approx(v_rest, abs=1e-3)  # -63.30 mV


def test_one_nanoampere_from_genn_initial_values():
    # 1 nA = 1000 pA: first spike in the step that starts at 3.7 ms (V crosses
    # 0 mV between 3.7 and 3.8 ms), then tonic firing at ~180 Hz
    r = simulate("traub_miles", {}, stimuli.step(1000.0, duration=1000.0), dt=DT,
                 record_v=True)
    s = r.spikes[0]
    assert s[0] == pytest.approx(3.7)
    k = int(round(s[0] / DT))
    assert r.v[0, k] < 0.0 <= r.v[0, k + 1]
    assert s.size == 180
    assert 1000.0 / np.diff(s[5:]).mean() == pytest.approx(180.3, abs=0.5)


def test_rheobase_between_50_and_100_pA():
    # 100 ms steps: no spike at 0.05 nA, firing at 0.06 nA and above
    amps = [40.0, 50.0, 60.0, 80.0, 100.0]
    r = simulate("traub_miles", {}, stimuli.step(amps, duration=100.0), dt=DT)
    np.testing.assert_array_equal(r.spikes.counts(), [0, 0, 1, 2, 3])


def test_current_is_taken_in_pA():
    # the same cell, once in spikeopt's pA and once with the GeNN equation in nA
    # (a one-neuron Euler loop written out here): same trajectory
    I_nA = 0.3
    r = simulate("traub_miles", {}, stimuli.step(I_nA * 1000.0, duration=30.0), dt=DT,
                 record_v=True)
    p = TM.defaults()
    V, m, h, n = -60.0, 0.0529324, 0.3176767, 0.5961207
    vs = []
    for _ in range(300):
        vs.append(V)
        for _ in range(25):
            am, bm = 0.32 * (-52 - V) / np.expm1((-52 - V) / 4), 0.28 * (V + 25) / np.expm1(
                (V + 25) / 5)
            ah, bh = 0.128 * np.exp((-48 - V) / 18), 4 / (np.exp((-25 - V) / 5) + 1)
            an, bn = 0.032 * (-50 - V) / np.expm1((-50 - V) / 5), 0.5 * np.exp((-55 - V) / 40)
            Imem = -(m**3 * h * p["gNa"] * (V - p["ENa"]) + n**4 * p["gK"] * (V - p["EK"])
                     + p["gl"] * (V - p["El"]) - I_nA)
            m, h, n = (m + (am * (1 - m) - bm * m) * DT / 25, h + (ah * (1 - h) - bh * h) * DT / 25,
                       n + (an * (1 - n) - bn * n) * DT / 25)
            V = V + Imem / p["C"] * DT / 25
    np.testing.assert_allclose(r.v[0], vs, atol=1e-6)


def test_singular_points_use_the_limits():
    # at V = -52, -25 and -50 mV GeNN replaces 0/0 by the limit: the step stays finite
    B = 3
    pr, _ = TM.resolve({}, n=B)
    st = np.array([[-52.0, -25.0, -50.0], [0.1] * B, [0.5] * B, [0.4] * B])
    spk = np.zeros(B, dtype=np.bool_)
    TM.step(st, pr, np.zeros(B), 0.1, spk)
    assert np.isfinite(st).all()


def test_divergence_is_flagged():
    # 25 sub-steps of 0.4 ms are far too coarse for the spike: the row fails
    r = simulate("traub_miles", {}, stimuli.step(1000.0, duration=200.0, dt=10.0), dt=10.0)
    assert r.failed[0]


# ---------------------------------------------------------------------------
# Brian2 conformance: GeNN's step is 25 Euler sub-steps of dt/25, so Brian2 runs
# method="euler" at dt/25 with the current held over each full step, and the
# spikes are GeNN's: V < 0 at the start of a full step and V >= 0 at its end.

N = 8
T_STOP = 200.0  # ms
RANGES = {"gNa": (5.0, 10.0), "gK": (1.0, 2.0), "gl": (0.015, 0.04), "El": (-66.0, -60.0),
          "C": (0.1, 0.2), "EK": (-100.0, -90.0)}

EQS = """
dV/dt = -(m**3*h*gNa*(V - ENa) + n**4*gK*(V - EK) + gl*(V - El) - I_ext(t, i)*1e-3)/C/ms : 1
dm/dt = (0.32*(-52 - V)/(exp((-52 - V)/4) - 1)*(1 - m)
         - 0.28*(V + 25)/(exp((V + 25)/5) - 1)*m)/ms : 1
dh/dt = (0.128*exp((-48 - V)/18)*(1 - h) - 4/(exp((-25 - V)/5) + 1)*h)/ms : 1
dn/dt = (0.032*(-50 - V)/(exp((-50 - V)/5) - 1)*(1 - n) - 0.5*exp((-55 - V)/40)*n)/ms : 1
gNa : 1
ENa : 1
gK : 1
EK : 1
gl : 1
El : 1
C : 1
"""


def _brian2_spikes(b2, params, current):
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    sub = DT / 25.0
    # the current of full step k for all its 25 sub-steps
    I_ext = b2.TimedArray(np.repeat(current.T, 25, axis=0), dt=sub * b2.ms)
    g = b2.NeuronGroup(N, EQS, method="euler", dt=sub * b2.ms)
    full = {k: np.broadcast_to(np.asarray(params.get(k, p.default), float), (N,))
            for k, p in TM.parameters.items()}
    for k, v in full.items():
        setattr(g, k, v)
    g.V, g.m, g.h, g.n = TM.init({k: np.array(v) for k, v in full.items()})
    mon = b2.StateMonitor(g, "V", record=True, dt=DT * b2.ms)  # V at t = k*DT
    net = b2.Network(g, mon)
    n_steps = int(round(T_STOP / DT))
    net.run((T_STOP + DT) * b2.ms, namespace={"I_ext": I_ext})
    V = np.asarray(mon.V)[:, : n_steps + 1]  # V before full step k, k = 0..n_steps
    assert V.shape[1] == n_steps + 1
    up = (V[:, :-1] < 0.0) & (V[:, 1:] >= 0.0)
    return [np.flatnonzero(row) * DT for row in up]


def test_same_spikes_as_brian2_at_dt_over_25():
    b2 = pytest.importorskip("brian2", reason="Brian2 is the reference simulator (test extra)")
    rng = np.random.default_rng(99)
    params = {k: rng.uniform(lo, hi, N) for k, (lo, hi) in RANGES.items()}
    stim = stimuli.ou_noise(200.0, 150.0, 5.0, duration=T_STOP + DT, n_sweeps=N, dt=DT, rng=5)
    cur = stim.values
    ours = simulate("traub_miles", params, stimuli.from_array(cur, dt=DT, per_candidate=True),
                    dt=DT, t_stop=T_STOP)
    assert not ours.failed.any()
    ref = _brian2_spikes(b2, params, cur)
    total, worst = 0, 0.0
    for i in range(N):
        a, b = ours.spikes[i], ref[i]
        assert a.size == b.size, f"neuron {i}: {a.size} spikes vs Brian2's {b.size}"
        if a.size:
            worst = max(worst, float(np.max(np.abs(a - b))))
        total += a.size
    assert worst <= DT + 1e-9
    assert total > 5 * N, f"the test current should make the neurons fire ({total})"
