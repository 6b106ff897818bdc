"""The ``hh`` model (NEURON's hh mechanism in one cylindrical soma): Brian2
conformance, the resting potential, the f–I curve and the q10 temperature factor."""

from __future__ import annotations

import numpy as np
import pytest

from spikeopt import models, simulate, stimuli

DT = 0.025  # ms, NEURON's default and the recommended step
HH = models.get("hh")


def _steady_current(v, p):
    """Whole-cell ionic current (pA) with the gates at their steady state at v (mV)."""
    from spikeopt.models.hh import _rates_inf

    m, h, n = _rates_inf(v)
    area = np.pi * p["diam"] * p["L"]
    return (p["gnabar"] * m**3 * h * (v - p["ena"]) + p["gkbar"] * n**4 * (v - p["ek"])
            + p["gl"] * (v - p["el"])) * area * 10.0


def test_rest_with_neuron_defaults_stays_near_minus_65():
    p = HH.defaults()
    # the resting potential: the root of the steady-state current near -65 mV
    lo, hi = -70.0, -60.0
    assert _steady_current(lo, p) < 0.0 < _steady_current(hi, p)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _steady_current(mid, p) < 0.0 else (lo, mid)
    v_rest = 0.5 * (lo + hi)
    assert v_rest == pytest.approx(-64.974, abs=5e-3)  # NEURON's hh rests at -64.97 mV

    r = simulate("hh", {}, stimuli.step(0.0, duration=1000.0, dt=DT), dt=DT, record_v=True)
    v = r.v[0]
    assert r.spikes.counts()[0] == 0 and not r.failed.any()
    assert v[0] == -65.0
    assert v.min() >= -65.0 - 1e-9 and v.max() <= -64.9
    assert v[-1] == pytest.approx(v_rest, abs=1e-4)


def test_init_puts_the_gates_at_steady_state_for_v_init():
    st = HH.init({"v_init": np.array([-65.0, -70.0])})
    # hh.mod at -65 mV (NEURON prints these after finitialize(-65))
    np.testing.assert_allclose(st[1:, 0], [0.052932, 0.596121, 0.317677], atol=1e-6)
    assert st[0, 1] == -70.0 and st[1, 1] < st[1, 0]


def test_f_i_curve_of_the_default_soma():
    # area pi*18.8^2 = 1110 um^2, so 100 pA is 9.0 uA/cm^2: above the classic HH
    # threshold for repetitive firing (~6.3 uA/cm^2 at 6.3 C), ~67 Hz
    amps = [20.0, 50.0, 100.0, 200.0, 500.0]
    stim = stimuli.step(amps, duration=600.0, t_on=100.0, dt=DT)
    r = simulate("hh", {}, stim, dt=DT)
    counts = r.spikes.counts()
    assert counts[0] == 0  # 1.8 uA/cm^2: subthreshold
    assert counts[1] == 1  # 4.5 uA/cm^2: one onset spike, then a damped oscillation
    rates = counts[2:] / 0.5
    assert 60.0 <= rates[0] <= 75.0
    assert np.all(np.diff(rates) > 0)  # the rate grows with the current


def test_celsius_scales_every_rate_by_q10():
    # one Euler step from the same state at two temperatures: the gate increments
    # scale by 3**((celsius - 6.3)/10), the voltage increment does not change
    B = 4
    cel = np.array([6.3, 16.3, 26.3, 0.0])
    pr, _ = HH.resolve({"celsius": cel})
    st0 = np.array([[-55.0] * B, [0.1] * B, [0.5] * B, [0.4] * B])
    st = st0.copy()
    spk = np.zeros(B, dtype=np.bool_)
    HH.step(st, pr, np.full(B, 50.0), DT, spk)
    d = st - st0
    q10 = 3.0 ** ((cel - 6.3) / 10.0)
    np.testing.assert_allclose(d[1:] / d[1:, :1], np.broadcast_to(q10, (3, B)), rtol=1e-11)
    np.testing.assert_allclose(d[0], d[0, 0], rtol=1e-15)


def test_celsius_16_3_with_cm_over_3_is_the_6_3_cell_three_times_faster():
    # q10 = 3 at 16.3 C: with C/3 every derivative is 3x larger, so Euler at dt/3
    # retraces the 6.3 C trajectory step for step and spike times shrink by 3
    amp, T = 120.0, 300.0
    slow = simulate("hh", {}, stimuli.step(amp, duration=T, dt=DT), dt=DT)
    fast = simulate("hh", {"celsius": 16.3, "cm": 1.0 / 3.0},
                    stimuli.step(amp, duration=T / 3.0, dt=DT / 3.0), dt=DT / 3.0)
    a, b = slow.spikes[0], fast.spikes[0]
    assert a.size >= 15 and a.size == b.size
    np.testing.assert_allclose(b * 3.0, a, atol=1e-9)


def test_euler_blow_up_is_flagged():
    # a step far too large for the action potential: the row fails instead of
    # producing garbage spikes
    r = simulate("hh", {"celsius": 30.0}, stimuli.step(2000.0, duration=200.0, dt=0.5),
                 dt=0.5)
    assert r.failed[0]


# ---------------------------------------------------------------------------
# Brian2 conformance

N = 12
T_STOP = 300.0  # ms
RANGES = {"diam": (12.0, 30.0), "L": (12.0, 30.0), "cm": (0.8, 1.3),
          "gnabar": (0.08, 0.16), "gkbar": (0.025, 0.05), "gl": (0.0002, 0.0006),
          "el": (-60.0, -50.0), "celsius": (6.3, 16.0), "v_thresh": (-20.0, 20.0)}

EQS = """
dv/dt = (I_ext(t, i) - (gnabar*m**3*h*(v - ena) + gkbar*n**4*(v - ek)
         + gl*(v - el))*(area*10))/(c_m*area*0.01)/ms : 1
dm/dt = q10*(alpha_m*(1 - m) - beta_m*m)/ms : 1
dh/dt = q10*(alpha_h*(1 - h) - beta_h*h)/ms : 1
dn/dt = q10*(alpha_n*(1 - n) - beta_n*n)/ms : 1
alpha_m = 0.1*vtrap(-(v + 40), 10) : 1
beta_m = 4*exp(-(v + 65)/18) : 1
alpha_h = 0.07*exp(-(v + 65)/20) : 1
beta_h = 1/(exp(-(v + 35)/10) + 1) : 1
alpha_n = 0.01*vtrap(-(v + 55), 10) : 1
beta_n = 0.125*exp(-(v + 65)/80) : 1
area = pi*diam*L : 1
q10 = 3**((celsius - 6.3)/10) : 1
v_prev : 1
diam : 1
L : 1
c_m : 1
gnabar : 1
gkbar : 1
gl : 1
el : 1
ena : 1
ek : 1
celsius : 1
v_thresh : 1
v_init : 1
"""


def _brian2_spikes(b2, params, current):
    def _vtrap(x, y):  # hh.mod's vtrap, elementwise
        r = x / y
        with np.errstate(invalid="ignore", divide="ignore"):
            big = x / (np.exp(r) - 1.0)
        return np.where(np.abs(r) < 1e-6, y * (1.0 - r / 2.0), big)

    vtrap = b2.Function(_vtrap, arg_units=[1, 1], return_unit=1)
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    I_ext = b2.TimedArray(current.T.copy(), dt=DT * b2.ms)
    g = b2.NeuronGroup(N, EQS, threshold="v >= v_thresh and v_prev < v_thresh",
                       method="euler", dt=DT * b2.ms)
    g.run_regularly("v_prev = v", when="start")  # v before this step's update
    full = {k: np.broadcast_to(np.asarray(params.get(k, p.default), float), (N,))
            for k, p in HH.parameters.items()}
    for k, v in full.items():
        setattr(g, "c_m" if k == "cm" else k, v)  # 'cm' is a unit name in Brian2
    st0 = HH.init({k: np.array(v) for k, v in full.items()})
    g.v, g.m, g.h, g.n = st0
    mon = b2.SpikeMonitor(g)
    net = b2.Network(g, mon)
    net.run(T_STOP * b2.ms, namespace={"I_ext": I_ext, "vtrap": vtrap})
    trains = mon.spike_trains()
    return [np.asarray(trains[i] / b2.ms) for i in range(N)]


def test_same_spikes_as_brian2():
    b2 = pytest.importorskip("brian2", reason="Brian2 is the reference simulator (test extra)")
    rng = np.random.default_rng(2024)
    params = {k: rng.uniform(lo, hi, N) for k, (lo, hi) in RANGES.items()}
    area = np.pi * params["diam"] * params["L"]
    # ~5-14 uA/cm^2 of mean current (every cell fires), fluctuating around it
    mean = 1e-2 * area * rng.uniform(5.0, 14.0, N)
    stim = stimuli.ou_noise(1.0, 0.5, 5.0, duration=T_STOP, n_sweeps=N, dt=DT, rng=11)
    cur = stim.values * mean[:, None]
    ours = simulate("hh", params, stimuli.from_array(cur, dt=DT, per_candidate=True), dt=DT)
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
