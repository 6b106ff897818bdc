"""SNN-Hawkes-Process's Hawkes "likelihood" and Metropolis–Hastings sampler, as
shipped — a labelled legacy baseline (../shared REFERENCE_PROBLEMS.md §3b), kept
so that its alpha heatmaps can be reproduced and set beside a correct fit
(:func:`spikeopt.hawkes.fit`). Do not use it to estimate anything.

What it computes, defects included (numbers as in the reference):

1. the D binary trains of length L are concatenated; the event "times" are the
   indices of their spikes in the concatenation (neuron k's step t is ``k·L + t``);
2. neuron i's events are the slice ``[i·L, (i + 1)·L)`` of the global event list
   (the train length, not i's spike count);
3. for each (i, j) the sum runs over *all* events, whatever their neuron;
4. one scalar ``Λ_i = μ_i + Σ_j α_ij Σ_{s} Σ_{t in slice i, t > s} exp(−β_ij (t − s))``
   per neuron and ``LL = Σ_i log Λ_i − Λ_i`` (no compensator, no per-event log);
5. the sampler updates μ, then α, then β as whole arrays with Gaussian steps
   (σ 0.01, no positivity), but evaluates the "proposed" likelihood at the
   parameters already installed, so the first move is accepted with
   probability exp(0) = 1 and each later decision uses the change of the
   previous, already applied move; nothing is undone.

The sums of 4 are computed by a recursion over the sorted events (O(events)
per pair instead of upstream's triple loop); the result is the same number.
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["legacy_log_likelihood", "legacy_mh"]


@nb.njit(cache=True)
def _loglik(events, D, L, mu, alpha, beta):
    E = events.shape[0]
    ll = 0.0
    for i in range(D):
        lo, hi = min(i * L, E), min((i + 1) * L, E)
        lam = mu[i]
        for j in range(D):
            b = beta[i, j]
            g = 0.0  # Σ_{m < k} exp(-b (a_k - a_m)), by recursion
            acc = 0.0
            for k in range(hi):
                if k > 0:
                    g = np.exp(-b * (events[k] - events[k - 1])) * (g + 1.0)
                if k >= lo:
                    acc += g
            lam += alpha[i, j] * acc
        ll += np.log(lam) - lam if lam > 0 else np.nan
    return ll


def _events(trains: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.asarray(trains).reshape(-1)).astype(np.float64)


def legacy_log_likelihood(trains, mu, alpha, beta) -> float:
    """Upstream's ``HawkesProcessModel.forward`` for D binary trains (D, L)."""
    trains = np.asarray(trains)
    D, L = trains.shape
    return float(_loglik(_events(trains), D, L, np.asarray(mu, float),
                         np.asarray(alpha, float), np.asarray(beta, float)))


def legacy_mh(trains, *, n_samples: int = 50, proposal_std: float = 0.01,
              prior: float = 0.1, rng=None) -> dict:
    """Upstream's ``sample_parameters``: ``n_samples`` (μ, α, β) samples from the
    initial value ``prior`` everywhere; returns the samples and their means (what
    upstream saves)."""
    from .._rng import check_rng

    rng = check_rng(rng)
    trains = np.asarray(trains)
    D, L = trains.shape
    ev = _events(trains)
    cur = [np.full(D, prior), np.full((D, D), prior), np.full((D, D), prior)]

    def ll(p):
        return _loglik(ev, D, L, p[0], p[1], p[2])

    ll_cur = ll(cur)
    samples = []
    for _ in range(int(n_samples)):
        new = []
        for value in cur:  # μ, α, β: the "proposed" likelihood is at the installed values
            proposed = value + rng.standard_normal(value.shape) * proposal_std
            ll_prop = ll(cur)
            with np.errstate(over="ignore", invalid="ignore"):
                accept = rng.random() < np.exp(ll_prop - ll_cur)
            if accept:
                new.append(proposed)
                ll_cur = ll_prop
            else:
                new.append(value)
        cur = new
        samples.append([c.copy() for c in cur])
    mu = np.array([s[0] for s in samples])
    alpha = np.array([s[1] for s in samples])
    beta = np.array([s[2] for s in samples])
    return {"mu": mu, "alpha": alpha, "beta": beta, "alpha_mean": alpha.mean(axis=0),
            "beta_mean": beta.mean(axis=0)}
