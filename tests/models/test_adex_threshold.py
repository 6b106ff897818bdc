"""``adex_threshold``: with delta_V_T = 0 it is the AdEx number for number; the
threshold jumps at a spike and relaxes to V_T with tau_T; batch invariance."""

from __future__ import annotations

import numpy as np
import pytest

from spikeopt import models, simulate, stimuli

DT = 0.1
M = models.get("adex_threshold")
STIM = stimuli.ou_noise(500.0, 150.0, 5.0, duration=300.0, n_sweeps=2, dt=DT, rng=6)
# Naud et al. (2008) "tonic" cell (pF, nS, mV, ms): fires at a few hundred pA
BASE = {"C": 200.0, "g_L": 10.0, "E_L": -70.0, "V_T": -50.0, "Delta_T": 2.0,
        "V_reset": -58.0, "V_peak": 0.0, "a": 2.0, "tau_w": 30.0}


def test_without_threshold_jumps_it_is_the_adex():
    adex = simulate("adex", {**BASE, "b": [0.0, 60.0]}, STIM, dt=DT, record_v=True)
    ours = simulate("adex_threshold", {**BASE, "b": [0.0, 60.0], "delta_V_T": 0.0}, STIM, dt=DT,
                    record_v=True)
    assert adex.spikes.counts().sum() > 20
    np.testing.assert_array_equal(ours.v, adex.v)
    for i in range(len(adex.spikes)):
        np.testing.assert_array_equal(ours.spikes[i], adex.spikes[i])


def test_threshold_jumps_and_relaxes():
    p = M.defaults()
    pr, _ = M.resolve({})
    st = M.init({k: np.array([v]) for k, v in p.items()})
    assert st[2, 0] == p["V_T"]
    st[0, 0] = p["V_peak"] - 0.01
    spk = np.zeros(1, dtype=np.bool_)
    M.step(st, pr, np.array([0.0]), DT, spk)
    assert spk[0] and st[0, 0] == p["V_reset"]
    assert st[2, 0] == pytest.approx(p["V_T"] + p["delta_V_T"])
    theta = st[2, 0]
    M.step(st, pr, np.array([0.0]), DT, spk)
    assert st[2, 0] == pytest.approx(theta + DT * (p["V_T"] - theta) / p["tau_T"])


def test_threshold_adaptation_lowers_the_rate():
    step = stimuli.step(500.0, duration=500.0, t_on=50.0)
    n = simulate("adex_threshold", {**BASE, "b": 0.0, "delta_V_T": [0.0, 5.0]}, step,
                 dt=DT).spikes.counts()
    assert n[0] > 1.3 * n[1] > 0


def test_batch_invariance():
    rng = np.random.default_rng(3)
    P = 64
    params = {"delta_V_T": rng.uniform(0.0, 5.0, P), "tau_T": rng.uniform(10.0, 100.0, P),
              "b": rng.uniform(0.0, 80.0, P)}
    stim = stimuli.ou_noise(600.0, 150.0, 5.0, duration=300.0, dt=DT, rng=4)
    batch = simulate("adex_threshold", {**BASE, **params}, stim, dt=DT)
    assert batch.spikes.counts().sum() > 200
    for i in (0, 20, 63):
        one = simulate("adex_threshold", {**BASE, **{k: v[i] for k, v in params.items()}},
                       stim, dt=DT)
        np.testing.assert_array_equal(one.spikes[0], batch.spikes[i])
