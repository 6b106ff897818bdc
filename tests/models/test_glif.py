"""GLIF1–5 (Teeter et al. 2018): GLIF1 is spikeopt's LIF, the reset rules, the
after-spike currents and the voltage-dependent threshold on hand-computed steps,
each switch reducing to the simpler model when turned off, batch invariance."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spikeopt import models, simulate, stimuli

DT = 0.1
STIM = stimuli.ou_noise(250.0, 120.0, 5.0, duration=300.0, n_sweeps=3, dt=DT, rng=5)


def _one(name, **state):
    """One neuron of ``name`` with default parameters: (model, state, params)."""
    m = models.get(name)
    pr, _ = m.resolve({})
    st = m.init({k: np.array([v]) for k, v in m.defaults().items()})
    for k, v in state.items():
        st[m.state.index(k)] = v
    return m, st, pr


def _n_ref(t_ref):
    """Refractory steps after a spike (Brian2's ``int((t_ref + 1e-3*dt)/dt)``)."""
    return int(np.floor((t_ref + 1e-3 * DT) / DT))


def _step(m, st, pr, current=0.0) -> bool:
    spk = np.zeros(1, dtype=np.bool_)
    m.step(st, pr, np.array([current]), DT, spk)
    return bool(spk[0])


def _same_spikes(a, b):
    assert a.n_candidates == b.n_candidates
    for i in range(len(a.spikes)):
        np.testing.assert_allclose(a.spikes[i], b.spikes[i], rtol=0, atol=1e-9)


def test_parameters_units_and_names():
    assert [models.get(f"glif{n}").parameter_names[:5] for n in (1, 5)] == [
        ("C", "g_L", "E_L", "theta_inf", "t_ref")] * 2
    g5 = models.get("glif5")
    assert g5.state == ("V", "refractory_steps", "theta_s", "I1", "I2", "theta_v")
    assert {n: g5.parameter(n).unit for n in ("C", "g_L", "A1", "k1", "b_s", "a_v")} == {
        "C": "pF", "g_L": "nS", "A1": "pA", "k1": "1/ms", "b_s": "1/ms", "a_v": "1/ms"}
    assert "V_reset" in models.get("glif3").parameters
    assert "V_reset" not in models.get("glif4").parameters


def test_glif1_is_lif():
    C, g, EL, th, Vr = 200.0, 10.0, -70.0, -50.0, -72.0
    glif = simulate("glif1", {"C": C, "g_L": g, "E_L": EL, "theta_inf": th, "V_reset": Vr,
                              "t_ref": 2.0}, STIM, dt=DT, record_v=True)
    lif = simulate("lif", {"tau_m": C / g, "R": 1000.0 / g, "E_L": EL, "V_th": th,
                           "V_reset": Vr, "t_ref": 2.0}, STIM, dt=DT, record_v=True)
    assert glif.spikes.counts().sum() > 20
    _same_spikes(glif, lif)
    np.testing.assert_allclose(glif.v, lif.v, rtol=0, atol=1e-9)


def test_glif2_reset_rule_and_spike_threshold():
    m, st, pr = _one("glif2", V=-40.0)  # above theta_inf = -51.68: spikes in the first step
    p = m.defaults()
    assert _step(m, st, pr, 100.0)
    # V from the potential before the step; theta_s decayed over t_ref, then + delta
    assert st[0, 0] == pytest.approx(p["E_L"] + p["f_v"] * (-40.0 - p["E_L"]) + p["delta_V"])
    assert st[2, 0] == pytest.approx(p["delta_theta_s"])
    v_reset, th_s = st[0, 0], st[2, 0]
    n_ref = _n_ref(p["t_ref"])
    for _ in range(n_ref - 1):  # frozen while refractory
        assert not _step(m, st, pr, 5000.0)
        assert (st[0, 0], st[2, 0]) == (v_reset, th_s)
    _step(m, st, pr, 0.0)  # then forward Euler again
    assert st[2, 0] == pytest.approx(th_s * (1.0 - DT * p["b_s"]))
    assert st[0, 0] == pytest.approx(v_reset - DT * p["g_L"] * (v_reset - p["E_L"]) / p["C"])
    # a second spike: theta_s decays through t_ref before the jump
    st[0, 0] = -20.0
    before = st[2, 0]
    assert _step(m, st, pr)
    expected = before * (1.0 - DT * p["b_s"]) * math.exp(-p["b_s"] * p["t_ref"])
    assert st[2, 0] == pytest.approx(expected + p["delta_theta_s"])


def test_glif3_after_spike_currents():
    m, st, pr = _one("glif3", V=-40.0, I1=10.0, I2=-30.0)
    p = m.defaults()
    v0 = -40.0
    v1 = v0 + DT * (50.0 + 10.0 - 30.0 - p["g_L"] * (v0 - p["E_L"])) / p["C"]
    assert v1 > p["theta_inf"]
    assert _step(m, st, pr, 50.0)
    assert st[0, 0] == p["V_reset"]
    for j, (i0, A, k, r) in enumerate([(10.0, p["A1"], p["k1"], p["r1"]),
                                       (-30.0, p["A2"], p["k2"], p["r2"])]):
        after = A + r * i0 * (1.0 - DT * k) * math.exp(-k * p["t_ref"])
        assert st[2 + j, 0] == pytest.approx(after, rel=1e-12)
    held = st.copy()
    for _ in range(_n_ref(p["t_ref"]) - 1):
        _step(m, st, pr, 1e4)
    np.testing.assert_array_equal(st[[0, 2, 3]], held[[0, 2, 3]])
    _step(m, st, pr, 0.0)
    np.testing.assert_allclose(st[2:4, 0], held[2:4, 0] * (1.0 - DT * np.array([p["k1"],
                                                                                p["k2"]])))


def test_glif5_voltage_threshold_one_step():
    m, st, pr = _one("glif5", V=-60.0, theta_v=1.0)
    p = m.defaults()
    assert not _step(m, st, pr)
    expected = 1.0 + DT * (p["a_v"] * (-60.0 - p["E_L"]) - p["b_v"] * 1.0)
    assert st[5, 0] == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize(("simple", "full", "off"), [
    ("glif1", "glif3", {"A1": 0.0, "A2": 0.0}),
    ("glif2", "glif4", {"A1": 0.0, "A2": 0.0}),
    ("glif4", "glif5", {"a_v": 0.0}),
])
def test_a_switched_off_mechanism_is_the_simpler_model(simple, full, off):
    params = {"g_L": 8.0, "t_ref": 2.0}
    a = simulate(simple, params, STIM, dt=DT)
    b = simulate(full, {**params, **off}, STIM, dt=DT)
    assert a.spikes.counts().sum() > 20
    _same_spikes(a, b)


def test_batch_invariance():
    rng = np.random.default_rng(2)
    P = 64
    params = {"g_L": rng.uniform(6.0, 12.0, P), "A2": rng.uniform(-150.0, -20.0, P),
              "a_v": rng.uniform(0.0, 0.01, P), "delta_theta_s": rng.uniform(0.0, 3.0, P)}
    stim = stimuli.ou_noise(400.0, 150.0, 5.0, duration=300.0, dt=DT, rng=4)
    batch = simulate("glif5", params, stim, dt=DT)
    assert batch.spikes.counts().sum() > 300
    for i in (0, 40, 63):
        one = simulate("glif5", {k: v[i] for k, v in params.items()}, stim, dt=DT)
        np.testing.assert_array_equal(one.spikes[0], batch.spikes[i])
