"""Shared fixtures of the Hawkes tests: brute-force O(n^2) references and data paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
HIPPO = DATA / "rat_hippocampus_tetrode_16units" / "all_unit.mat"


def brute_log_likelihood(trains, mu, alpha, beta_m, T):
    """Direct double sum over spike pairs (times ms, mu Hz, beta (D, D) 1/ms)."""
    D = len(trains)
    ll = 0.0
    for i in range(D):
        for t in trains[i]:
            lam = mu[i] * 1e-3
            for j in range(D):
                s = trains[j][trains[j] < t]
                lam += alpha[i, j] * beta_m[i, j] * np.exp(-beta_m[i, j] * (t - s)).sum()
            ll += np.log(lam)
        ll -= mu[i] * 1e-3 * T
        for j in range(D):
            ll -= alpha[i, j] * (1 - np.exp(-beta_m[i, j] * (T - trains[j]))).sum()
    return ll


def brute_compensator(trains, mu, alpha, beta_m, i, t):
    """Lambda_i(t) by direct summation."""
    out = mu[i] * 1e-3 * t
    for j, tr in enumerate(trains):
        s = tr[tr < t]
        out += alpha[i, j] * (1 - np.exp(-beta_m[i, j] * (t - s))).sum()
    return out


@pytest.fixture(scope="session")
def sparse10():
    """A 10-D process with a known sparse alpha (18 non-zero entries) and > 20 000 events."""
    from spikeopt.hawkes import simulate, spectral_radius, stationary_rates

    rng = np.random.default_rng(3)
    D = 10
    alpha = np.zeros((D, D))
    idx = rng.choice(D * D, 18, replace=False)
    alpha.flat[idx] = rng.uniform(0.15, 0.35, idx.size)
    assert spectral_radius(alpha) < 0.8
    mu = rng.uniform(2.0, 6.0, D)
    beta = 0.05
    rate = stationary_rates(mu, alpha).sum()  # Hz
    T = 24_000 / rate * 1e3  # ms, for about 24 000 events
    st = simulate(mu, alpha, beta, T, rng=5)
    return st, mu, alpha, beta
