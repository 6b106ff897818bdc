from __future__ import annotations

import numpy as np
import pytest

from spikeopt import simulate, stimuli
from spikeopt.errors import ConfigError
from spikeopt.fitting.cell_objective import CellObjective
from spikeopt.objectives import Term

TRUTH = {"a": 4.0, "b": 60.0, "tau_w": 120.0, "V_T": -50.0}
FIXED = {"C": 200.0, "g_L": 10.0}


@pytest.fixture(scope="module")
def recording():
    cur = stimuli.ou_noise(300.0, 150.0, 3.0, duration=1000.0, n_sweeps=2, dt=0.1, rng=5)
    res = simulate("adex", {**FIXED, **TRUTH}, cur, record_v=True)
    return cur.values, res.spikes, res.v


def _cands(*rows):
    return {k: np.array([r[k] for r in rows]) for k in TRUTH}


@pytest.mark.parametrize("term", [
    {"metric": "gamma_factor", "delta_ms": 2.0},
    {"metric": "spike_distance"},
    {"metric": "van_rossum", "tau_ms": 5.0},
    {"metric": "features", "features": ["rate", "latency", "isi_cv", "adaptation"]},
    {"metric": "voltage"},
])
def test_truth_scores_zero_and_worse_candidates_score_higher(recording, term):
    cur, spikes, v = recording
    obj = CellObjective("adex", cur, spikes, 0.1, [term], fixed=FIXED, voltage_mV=v)
    off = dict(TRUTH, b=120.0, V_T=-46.0)
    far = dict(TRUTH, a=0.5, b=10.0, V_T=-42.0)
    L = obj(_cands(TRUTH, off, far))
    assert L.shape == (3,)
    assert L[0] == pytest.approx(0.0, abs=1e-12)
    assert L[1] > 0.01 and L[2] > 0.01


def test_gamma_loss_is_one_minus_gamma_plus_tiebreak(recording):
    from spikeopt import metrics

    cur, spikes, _ = recording
    off = dict(TRUTH, b=90.0)
    obj = CellObjective("adex", cur, spikes, 0.1, [{"metric": "gamma_factor", "tiebreak": 0.0}],
                        fixed=FIXED)
    L = obj(_cands(off))
    sim = simulate("adex", {**FIXED, **off}, stimuli.from_array(cur, dt=0.1))
    g = metrics.gamma_factor(sim.spikes, spikes, delta=2.0, t_stop=1000.0)
    assert L[0] == pytest.approx(1.0 - g.mean(), abs=1e-12)


def test_multi_objective_columns_and_weights(recording):
    cur, spikes, _ = recording
    terms = [{"metric": "gamma_factor", "weight": 2.0}, {"metric": "spike_distance"}]
    multi = CellObjective("adex", cur, spikes, 0.1, terms, fixed=FIXED, multi_objective=True)
    single = CellObjective("adex", cur, spikes, 0.1, terms, fixed=FIXED)
    c = _cands(dict(TRUTH, b=100.0), dict(TRUTH, a=1.0))
    M = multi(c)
    assert M.shape == (2, 2) and multi.n_objectives == 2
    np.testing.assert_allclose(single(c), M.sum(axis=1))


def test_diverging_candidate_gets_nan_for_the_penalty(recording):
    cur, spikes, _ = recording
    obj = CellObjective("izhikevich", cur / 30.0, spikes, 0.1, ["gamma_factor"])
    L = obj({"a": np.array([-50.0, 0.02])})
    assert np.isnan(L[0]) and np.isfinite(L[1])


@pytest.mark.parametrize(("spec", "pattern"), [
    ({"metric": "gamma"}, "Unknown objective metric 'gamma'.*gamma_factor"),
    ({"metric": "gamma_factor", "delta": 2}, "Unknown option.*'delta'.*delta_ms"),
    ({"metric": "features", "features": ["rate", "speed"]}, "Unknown feature.*'speed'"),
    ({"delta_ms": 2}, "needs a 'metric'"),
])
def test_term_errors_name_the_key_and_the_allowed_values(spec, pattern):
    with pytest.raises(ConfigError, match=pattern):
        Term.from_config(spec)


def test_voltage_term_needs_voltage(recording):
    cur, spikes, _ = recording
    with pytest.raises(ConfigError, match="voltage_mV"):
        CellObjective("adex", cur, spikes, 0.1, ["voltage"])


def test_voltage_term_is_the_masked_rms_over_the_data_sd(recording):
    """The one-pass kernel against the formula written out in numpy."""
    cur, spikes, v = recording
    obj = CellObjective("adex", cur, spikes, 0.1, [{"metric": "voltage", "clip_mV": -35.0}],
                        fixed=FIXED, voltage_mV=v)
    cands = _cands(dict(TRUTH, b=120.0, V_T=-46.0), dict(TRUTH, a=0.5, tau_w=60.0))
    L = obj(cands)
    res = obj.simulate(cands, record_v=True)
    mask, scale, data = obj.voltage_reference(-35.0)
    m = np.minimum(res.v[:, : data.shape[1]], -35.0).reshape(2, 2, -1)
    want = (np.sqrt(((m - data[None]) ** 2 * mask[None]).sum(axis=2) / mask.sum(axis=1))
            / scale[None]).mean(axis=1)
    np.testing.assert_allclose(L, want, rtol=1e-12)
    assert mask.sum() < mask.size  # samples around the recorded spikes are left out


def test_current_of_sweep_scores_one_simulation_against_every_repeat(recording):
    """Two 'repeats' of sweep 0's stimulus: simulating it once and scoring it against
    both gives the losses of simulating it twice; the spikes of sweep 1 are scored
    against a model run under sweep 0's current."""
    cur, spikes, v = recording
    target = spikes.take([0, 0, 1])
    volt = v[[0, 0, 1]]
    terms = [{"metric": "gamma_factor"}, {"metric": "voltage"}]
    cands = _cands(TRUTH, dict(TRUTH, b=120.0))
    full = CellObjective("adex", cur[[0, 0, 0]], target, 0.1, terms, fixed=FIXED,
                         voltage_mV=volt, multi_objective=True)
    once = CellObjective("adex", cur[:1], target, 0.1, terms, fixed=FIXED, voltage_mV=volt,
                         multi_objective=True, current_of_sweep=[0, 0, 0])
    np.testing.assert_array_equal(once(cands), full(cands))
    assert once.simulate(cands).n_sweeps == 1  # one simulation per candidate, not three
    with pytest.raises(Exception, match="'current_of_sweep'.*3 integer row indices.*1 rows"):
        CellObjective("adex", cur[:1], target, 0.1, terms, fixed=FIXED, voltage_mV=volt,
                      current_of_sweep=[0, 1, 0])
