"""fast_exp, the vectorisable exp of the AdEx kernel, against numpy's (libm)."""

from __future__ import annotations

import numpy as np
from numba import njit

from spikeopt.models._math import fast_exp


@njit
def _apply(x, out):
    for i in range(x.size):
        out[i] = fast_exp(x[i])


def test_within_one_ulp_of_libm_and_mostly_identical():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-700.0, 700.0, 200_000), rng.uniform(-30.0, 20.0, 200_000),
                        [0.0, 1.0, -1.0, 1e-300, -1e-300, np.log(2.0), 700.0, -700.0]])
    got = np.empty_like(x)
    _apply(x, got)
    ref = np.exp(x)
    ulps = np.abs(got - ref) / np.spacing(ref)
    assert ulps.max() <= 1.0
    assert np.mean(got == ref) > 0.85
    assert got[-8] == 1.0  # e^0


def test_clipped_to_finite_values_and_nan_stays_nan():
    x = np.array([800.0, -800.0, 709.0, -708.0, np.nan])
    got = np.empty_like(x)
    _apply(x, got)
    assert np.isfinite(got[:4]).all() and got[0] == got[2] and got[1] == got[3]
    assert got[0] > 8e307 and 0.0 < got[1] < 1e-307
    assert np.isnan(got[4])  # a diverged AdEx state is still flagged by the driver
