"""The ``mat`` model (Kobayashi et al. 2009): the membrane is a non-resetting leaky
integrator, the threshold jumps by alpha1 + alpha2 at a spike and decays with tau1
and tau2, the absolute refractory period, the Fig. 5B presets, batch invariance."""

from __future__ import annotations

import numpy as np
import pytest

from spikeopt import models, simulate, stimuli

MAT = models.get("mat")
DT = 0.1


def _state(**values):
    """(n_state, 1) state and (n_par, 1) parameters of one MAT neuron (defaults)."""
    pr, _ = MAT.resolve({})
    st = MAT.init({k: np.array([v]) for k, v in MAT.defaults().items()})
    for k, v in values.items():
        st[MAT.state.index(k)] = v
    return st, pr


def _n_ref(t_ref):
    """Refractory steps after a spike (Brian2's ``int((t_ref + 1e-3*dt)/dt)``)."""
    return int(np.floor((t_ref + 1e-3 * DT) / DT))


def _step(st, pr, current=0.0):
    spk = np.zeros(1, dtype=np.bool_)
    MAT.step(st, pr, np.array([current]), DT, spk)
    return bool(spk[0])


def test_v_is_a_leaky_integrator_never_reset():
    p = MAT.defaults()
    amp = 900.0  # pA: R*I = 45 mV above E_L, far above omega: many spikes
    r = simulate("mat", {}, stimuli.step(amp, duration=200.0), dt=DT, record_v=True)
    assert r.spikes.counts()[0] >= 10
    k = np.arange(r.v.shape[1])
    drive = p["R"] * amp * 1e-3
    # forward Euler's exact solution of tau_m dv/dt = E_L - v + R*I, spikes or not
    euler = p["E_L"] + drive * (1.0 - (1.0 - DT / p["tau_m"]) ** k)
    np.testing.assert_allclose(r.v[0], euler, rtol=0, atol=1e-9)
    # ... within O(dt) of the continuous solution
    exact = p["E_L"] + drive * (1.0 - np.exp(-k * DT / p["tau_m"]))
    assert np.max(np.abs(r.v[0] - exact)) < 0.5


def test_threshold_jumps_by_alpha_and_decays_exactly():
    p = MAT.defaults()
    st, pr = _state(v=85.0)  # at rest under 3 nA (R*I = 150 mV): far above omega + H
    assert _step(st, pr, 3000.0)
    assert st[1, 0] == p["alpha1"] and st[2, 0] == p["alpha2"]  # from 0: alpha1, alpha2
    n_ref = _n_ref(p["t_ref"])
    for k in range(1, 60):
        spiked = _step(st, pr, 3000.0)  # only refractoriness stops it
        assert spiked == (k == n_ref) or k > n_ref
        if spiked:
            break
        np.testing.assert_allclose(st[1:3, 0], [p["alpha1"] * np.exp(-k * DT / p["tau1"]),
                                                p["alpha2"] * np.exp(-k * DT / p["tau2"])],
                                   rtol=1e-13)
    # the second spike adds alpha_j to what is left of the first
    np.testing.assert_allclose(
        st[1:3, 0], [p["alpha1"] * (1.0 + np.exp(-n_ref * DT / p["tau1"])),
                     p["alpha2"] * (1.0 + np.exp(-n_ref * DT / p["tau2"]))], rtol=1e-13)


def test_refractory_period_blocks_spikes_not_integration():
    st, pr = _state(v=0.0)
    assert _step(st, pr)
    v_after = st[0, 0]
    assert v_after != -65.0 and v_after < 0.0  # v kept integrating (towards E_L), not reset
    assert not _step(st, pr)


def test_fig5b_presets():
    def isi(pattern):
        p = models.get_preset("mat", pattern)
        amp = p.pop("current_pA")
        r = simulate("mat", p, stimuli.step(amp, duration=700.0, t_on=100.0, t_off=600.0),
                     dt=DT)
        s = r.spikes[0]
        assert s.min() >= 100.0 and s.max() < 605.0  # only during the step
        return np.diff(s)

    rs, ib, fs, ch = (isi(p) for p in ("regular_spiking", "intrinsic_bursting",
                                       "fast_spiking", "chattering"))
    assert rs[-1] > 2.0 * rs[0] and rs.min() > 10.0  # adapting, no burst
    assert ib[:3].max() < 10.0 and ib[-5:].min() > 20.0  # fast onset, then regular
    assert fs.size > 4 * rs.size  # fast spiking
    assert (ch <= 2.0 + 1e-9).sum() > ch.size / 2 and (ch > 40.0).sum() >= 4  # bursts, pauses
    with pytest.raises(KeyError, match="regular_spiking"):
        models.get_preset("mat", "nope")


def test_batch_invariance():
    rng = np.random.default_rng(1)
    P = 64
    params = {"alpha1": rng.uniform(5.0, 40.0, P), "alpha2": rng.uniform(0.0, 3.0, P),
              "omega": rng.uniform(-55.0, -45.0, P)}
    stim = stimuli.ou_noise(500.0, 200.0, 5.0, duration=300.0, dt=DT, rng=4)
    batch = simulate("mat", params, stim, dt=DT)
    assert batch.spikes.counts().sum() > 200
    for i in (0, 31, 63):
        one = simulate("mat", {k: v[i] for k, v in params.items()}, stim, dt=DT)
        np.testing.assert_array_equal(one.spikes[0], batch.spikes[i])


def test_networks_reject_the_single_cell_models_naming_the_network_models():
    """adex_threshold runs as single cells only; mat and glif1-5 are network models
    too (tests/network/test_glif_mat.py)."""
    spec = {"populations": {"N": {"model": "adex_threshold", "size": 2}}}
    with pytest.raises(KeyError, match=r"populations\.N\.model: unknown model .*'adex'"):
        simulate(spec, t_stop=10.0)
