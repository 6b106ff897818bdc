"""One conformance suite for every pairwise metric (STYLE.md, pattern 5).

Each metric must: give the same number in its one-pair, batched, paired and
matrix forms; be symmetric where it is symmetric; score identical trains as a
perfect fit; and never score an empty model train against a non-empty target
as a perfect fit.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from spikeopt import SpikeTrains
from spikeopt import metrics as m

from .strategies import SETTINGS, T_STOP, trains

# name: (function, matrix function, keyword arguments, perfect value, symmetric, lower is better)
METRICS = {
    "isi_distance": (m.isi_distance, m.isi_distance_matrix, {"t_stop": T_STOP}, 0.0, True, True),
    "spike_distance": (
        m.spike_distance, m.spike_distance_matrix, {"t_stop": T_STOP}, 0.0, True, True,
    ),
    "spike_sync": (m.spike_sync, m.spike_sync_matrix, {"t_stop": T_STOP}, 1.0, True, False),
    "van_rossum": (m.van_rossum, m.van_rossum_matrix, {"tau": 5.0}, 0.0, True, True),
    "victor_purpura": (m.victor_purpura, m.victor_purpura_matrix, {"q": 0.2}, 0.0, True, True),
    "gamma_factor": (
        m.gamma_factor, m.gamma_factor_matrix, {"t_stop": T_STOP, "delta": 1.0}, 1.0, False, False,
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def population():
    rng = np.random.default_rng(21)
    rows = [np.sort(rng.uniform(0, T_STOP, rng.integers(0, 12))) for _ in range(40)]
    rows[3] = np.array([])
    rows[7] = np.array([0.0, 50.0, T_STOP])  # spikes on the edges
    rows[9] = np.array([20.0, 20.0, 60.0])  # a duplicate
    return rows


@pytest.mark.parametrize("name", list(METRICS))
def test_all_call_forms_agree(name, population):
    f, fm, kw, _, symmetric, _ = METRICS[name]
    cands = SpikeTrains.from_list(population)
    target = population[5]
    pairs = np.array([f(x, target, **kw) for x in population])
    np.testing.assert_array_equal(f(cands, target, **kw), pairs)
    np.testing.assert_array_equal(f(population, [target], **kw), pairs)
    rev = population[::-1]
    np.testing.assert_array_equal(
        f(cands, SpikeTrains.from_list(rev), **kw),
        [f(x, y, **kw) for x, y in zip(population, rev, strict=True)],
    )
    mat = fm(cands, **kw)
    assert mat.shape == (40, 40)
    np.testing.assert_array_equal(mat[:, 5], pairs)  # column j: data / second train = j
    if symmetric:
        np.testing.assert_array_equal(mat, mat.T)
    assert f(cands[:0], target, **kw).shape == (0,)


@pytest.mark.parametrize("name", list(METRICS))
@SETTINGS
@given(a=trains(), b=trains())
def test_identity_symmetry_and_empty_model(name, a, b):
    f, _, kw, perfect, symmetric, lower_better = METRICS[name]
    assert f(a, a, **kw) == perfect
    ab = f(a, b, **kw)
    assert np.isfinite(ab)
    assert (ab >= perfect) if lower_better else (ab <= perfect + 1e-12)
    if symmetric:
        assert ab == pytest.approx(f(b, a, **kw), abs=1e-12)
    if b.size:
        assert f(np.array([]), b, **kw) != perfect
