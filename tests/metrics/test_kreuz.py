"""ISI-distance, SPIKE-distance and SPIKE-synchronization against PySpike."""

from __future__ import annotations

import warnings

import numpy as np
import pyspike as spk
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spikeopt import SpikeTrains
from spikeopt.errors import InvalidParameterError, ShapeError
from spikeopt.metrics import (
    isi_distance,
    isi_distance_matrix,
    spike_distance,
    spike_distance_matrix,
    spike_sync,
    spike_sync_matrix,
)

from .strategies import SETTINGS, T_STOP, trains

TOL = 1e-9


def ref(name, a, b, t_start=0.0, t_stop=T_STOP, **kw):
    sa = spk.SpikeTrain(a, [t_start, t_stop])
    sb = spk.SpikeTrain(b, [t_start, t_stop])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(spk, name)(sa, sb, **kw)


def _only_edges(x):
    return x.size > 0 and np.all((x == 0.0) | (x == T_STOP))


def _expected(name, a, b, **kw):
    """PySpike's value, except the documented deviation for empty vs edge-only trains."""
    if name != "spike_sync" and (a.size == 0) != (b.size == 0):
        if _only_edges(a if a.size else b):
            return 1.0
    return ref(name, a, b, **kw)


def assert_matches_pyspike(name, a, b, got):
    assert -1e-12 <= got <= 1.0 + 1e-12
    expected = _expected(name, a, b)
    if np.isnan(expected):  # PySpike divides 0 by 0 (e.g. one spike on t_stop in both)
        assert 0.0 <= got <= 1.0
        if np.array_equal(np.unique(a), np.unique(b)):
            assert got == (1.0 if name == "spike_sync" else 0.0)
    else:
        assert got == pytest.approx(expected, abs=TOL)


FUNCS = {"isi_distance": isi_distance, "spike_distance": spike_distance, "spike_sync": spike_sync}


@pytest.mark.parametrize("name", list(FUNCS))
@SETTINGS
@given(a=trains(), b=trains())
def test_random_trains_match_pyspike(name, a, b):
    assert_matches_pyspike(name, a, b, FUNCS[name](a, b, t_stop=T_STOP))


@SETTINGS
@given(a=trains(), b=trains(), max_tau=st.sampled_from([0.5, 2.0, 10.0, 80.0]))
def test_spike_sync_max_tau_matches_pyspike(a, b, max_tau):
    got = spike_sync(a, b, t_stop=T_STOP, max_tau=max_tau)
    assert got == pytest.approx(ref("spike_sync", a, b, max_tau=max_tau), abs=TOL)


@pytest.mark.parametrize("name", list(FUNCS))
def test_longer_poisson_trains_and_shifted_window_match_pyspike(name):
    rng = np.random.default_rng(5)
    for _ in range(20):
        a = np.sort(rng.uniform(200.0, 1200.0, rng.poisson(40)))
        b = np.sort(rng.uniform(200.0, 1200.0, rng.poisson(40)))
        got = FUNCS[name](a, b, t_start=200.0, t_stop=1200.0)
        assert got == pytest.approx(ref(name, a, b, 200.0, 1200.0), abs=TOL)


EDGE_CASES = {
    "both empty": ([], []),
    "empty vs interior spikes": ([], [20.0, 60.0]),
    "single vs single": ([30.0], [70.0]),
    "single vs many": ([50.0], [10.0, 20.0, 80.0]),
    "identical": ([10.0, 40.0, 41.0], [10.0, 40.0, 41.0]),
    "duplicates (PySpike #45)": ([10.0, 10.0, 40.0, 40.0, 70.0], [12.0, 40.0, 68.0]),
    "spikes on both edges": ([0.0, 50.0, 100.0], [0.0, 30.0, 100.0]),
    "single spike on start (PySpike #80)": ([0.0], [30.0, 60.0]),
    "single spike on stop": ([100.0], [30.0]),
    "same single spike on stop": ([100.0], [100.0]),
}


@pytest.mark.parametrize("name", list(FUNCS))
@pytest.mark.parametrize("case", list(EDGE_CASES))
def test_edge_cases_match_pyspike_and_are_finite(name, case):
    a, b = (np.asarray(x, dtype=float) for x in EDGE_CASES[case])
    got = FUNCS[name](a, b, t_stop=T_STOP)
    assert np.isfinite(got) and 0.0 <= got <= 1.0
    assert_matches_pyspike(name, a, b, got)


@pytest.mark.parametrize("edge_only", [[0.0], [100.0], [0.0, 100.0]])
def test_empty_train_is_never_a_perfect_fit(edge_only):
    target = np.asarray(edge_only)
    # PySpike calls these identical (distance 0); spikeopt does not
    assert ref("isi_distance", np.array([]), target) == 0.0
    assert isi_distance([], target, t_stop=T_STOP) == 1.0
    assert spike_distance([], target, t_stop=T_STOP) == 1.0
    assert spike_sync([], target, t_stop=T_STOP) == 0.0
    for f in (isi_distance, spike_distance):
        assert f([], [50.0], t_stop=T_STOP) > 0.0


@SETTINGS
@given(a=trains(), b=trains())
def test_symmetry_and_identity(a, b):
    for name, f in FUNCS.items():
        assert f(a, b, t_stop=T_STOP) == pytest.approx(f(b, a, t_stop=T_STOP), abs=1e-12)
        same = f(a, a, t_stop=T_STOP)
        assert same == (1.0 if name == "spike_sync" else 0.0)


def test_spikes_outside_the_window_are_ignored():
    a = np.array([5.0, 20.0, 50.0, 150.0])
    b = np.array([22.0, 48.0, 120.0])
    for f in FUNCS.values():
        assert f(a, b, t_start=10.0, t_stop=100.0) == f(
            [20.0, 50.0], [22.0, 48.0], t_start=10.0, t_stop=100.0
        )


def test_batched_and_matrix_forms_equal_pairwise():
    rng = np.random.default_rng(11)
    rows = [np.sort(rng.uniform(0, T_STOP, rng.integers(0, 12))) for _ in range(25)]
    cands = SpikeTrains.from_list(rows, t_stop=T_STOP)
    target = np.sort(rng.uniform(0, T_STOP, 8))
    mats = {
        "isi_distance": isi_distance_matrix,
        "spike_distance": spike_distance_matrix,
        "spike_sync": spike_sync_matrix,
    }
    for name, f in FUNCS.items():
        batched = f(cands, target)  # t_stop taken from the SpikeTrains
        assert batched.shape == (25,)
        loop = [f(r, target, t_stop=T_STOP) for r in rows]
        np.testing.assert_array_equal(batched, loop)
        paired = f(rows, rows[::-1], t_stop=T_STOP)
        np.testing.assert_array_equal(
            paired, [f(x, y, t_stop=T_STOP) for x, y in zip(rows, rows[::-1], strict=True)]
        )
        m = mats[name](cands)
        np.testing.assert_array_equal(m, m.T)
        np.testing.assert_array_equal(m[:, 3], f(cands, rows[3]))
        pyspike_trains = [spk.SpikeTrain(r, [0.0, T_STOP]) for r in rows[:8]]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref_m = getattr(spk, name + "_matrix")(pyspike_trains)
        np.testing.assert_allclose(m[:8, :8], ref_m, atol=TOL)


def test_errors():
    with pytest.raises(InvalidParameterError, match="'t_stop' parameter of isi_distance"):
        isi_distance([1.0], [2.0])
    with pytest.raises(InvalidParameterError, match="'max_tau' parameter of spike_sync"):
        spike_sync([1.0], [2.0], t_stop=10.0, max_tau=-1.0)
    with pytest.raises(ShapeError, match="'target' of spike_distance"):
        spike_distance([[1.0], [2.0], [3.0]], [[1.0], [2.0]], t_stop=10.0)
    with pytest.raises(ShapeError, match="'b' argument of isi_distance must be one"):
        isi_distance([1.0], [[1.0], [2.0]], t_stop=10.0)
