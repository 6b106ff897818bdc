"""SNN-Hawkes's legacy likelihood and sampler, against a literal transcription of its
torch code, and the behaviour the reference describes (a random walk from 0.1)."""

from __future__ import annotations

import numpy as np

from spikeopt.hawkes.legacy import legacy_log_likelihood, legacy_mh


def upstream_forward(trains, mu, alpha, beta):
    """HawkesProcessModel.forward, loop for loop (numpy instead of torch)."""
    all_ts = np.flatnonzero(np.concatenate(list(trains))).astype(float)
    D, L = trains.shape
    ll, offset = 0.0, 0
    for i in range(D):
        own = all_ts[offset:offset + L]
        offset += L
        lam = mu[i]
        for j in range(D):
            for t_j in all_ts:
                diff = own - t_j
                diff = diff[diff > 0]
                lam = lam + np.sum(alpha[i, j] * np.exp(-beta[i, j] * diff))
        ll += np.log1p(lam - 1) - lam
    return ll


def test_the_likelihood_equals_upstreams_loops():
    rng = np.random.default_rng(3)
    trains = (rng.random((4, 20)) < 0.3).astype(np.uint8)
    mu = rng.uniform(0.05, 0.2, 4)
    alpha = rng.uniform(0.0, 0.2, (4, 4))
    beta = rng.uniform(0.05, 0.5, (4, 4))
    assert legacy_log_likelihood(trains, mu, alpha, beta) == \
        __import__("pytest").approx(upstream_forward(trains, mu, alpha, beta), rel=1e-12)


def test_the_sampler_is_a_random_walk_from_its_initial_values():
    rng = np.random.default_rng(0)
    trains = (rng.random((13, 100)) < 0.2).astype(np.uint8)
    out = legacy_mh(trains, n_samples=50, rng=1)
    assert out["alpha"].shape == (50, 13, 13)
    # every first move is accepted (exp(0) = 1): sample 0 differs from 0.1 everywhere
    assert np.all(out["alpha"][0] != 0.1)
    # the README heatmap: 15 summed means ≈ 15 × 0.1 (1.40–1.62)
    assert abs(out["alpha_mean"].mean() - 0.1) < 0.02
    assert out["alpha_mean"].std() < 0.05
