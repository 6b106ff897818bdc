"""Exact simulation of a multivariate exponential-kernel Hawkes process (Ogata thinning)."""

from __future__ import annotations

import math
import warnings

import numba as nb
import numpy as np

from .._rng import check_rng
from ..errors import SimulationError, check_positive
from ..spikes import SpikeTrains
from .likelihood import check_params

__all__ = ["simulate", "spectral_radius", "stationary_rates"]


def spectral_radius(alpha) -> float:
    """Largest absolute eigenvalue of the branching matrix; < 1 means stationary."""
    a = np.asarray(alpha, dtype=np.float64)
    return float(np.max(np.abs(np.linalg.eigvals(a)))) if a.size else 0.0


def stationary_rates(mu, alpha) -> np.ndarray:
    """Mean rates in Hz of a stationary process: ``(I - alpha)^-1 mu``."""
    mu = np.asarray(mu, dtype=np.float64)
    a = np.asarray(alpha, dtype=np.float64)
    if spectral_radius(a) >= 1:
        raise SimulationError(
            f"alpha has spectral radius {spectral_radius(a):.3g} >= 1: the process is not "
            "stationary and has no mean rates."
        )
    return np.linalg.solve(np.eye(mu.size) - a, mu)


@nb.njit(cache=True, nogil=True)
def _thinning(state_t, S, mu_ms, ab, beta, T, u, out_t, out_m, n_out):
    """Run Ogata's thinning from ``state_t[0]`` with the decaying sums ``S`` (in place).

    ``ab = alpha * beta``; ``u`` holds uniforms, two per candidate point. Returns
    (events written, uniforms used, finished). ``S[i, j]`` is the sum of
    ``exp(-beta_ij (t - t_k^j))`` over accepted events of j up to and including t.
    """
    D = mu_ms.size
    t = state_t[0]
    used = 0
    cap = out_t.size
    while used + 2 <= u.size:
        if n_out >= cap:
            break
        # intensity just after t bounds the intensity until the next event (kernels decay)
        M = 0.0
        for i in range(D):
            M += mu_ms[i]
            for j in range(D):
                M += ab[i, j] * S[i, j]
        if M <= 0.0:
            state_t[0] = T
            return n_out, used, True
        t_new = t - math.log(1.0 - u[used]) / M
        if t_new > T:
            state_t[0] = T
            return n_out, used + 1, True
        w = t_new - t
        t = t_new
        for i in range(D):
            for j in range(D):
                if S[i, j] != 0.0:
                    S[i, j] *= math.exp(-beta[i, j] * w)
        x = u[used + 1] * M
        used += 2
        acc = 0.0
        pick = -1
        for i in range(D):
            lam = mu_ms[i]
            for j in range(D):
                lam += ab[i, j] * S[i, j]
            acc += lam
            if x < acc:
                pick = i
                break
        if pick >= 0:
            out_t[n_out] = t
            out_m[n_out] = pick
            n_out += 1
            for i in range(D):
                S[i, pick] += 1.0
    state_t[0] = t
    return n_out, used, False


def simulate(
    mu, alpha, beta, t_stop_ms: float, rng, *, max_events: int = 20_000_000
) -> SpikeTrains:
    """Simulate a Hawkes process with exponential kernels exactly, by Ogata thinning.

    Parameters
    ----------
    mu : array_like, shape (D,)
        Baseline rates in Hz.
    alpha : array_like, shape (D, D)
        Branching ratios, ``alpha[i, j]`` = expected spikes of ``i`` caused by one of ``j``.
    beta : float or array_like, shape (D,) or (D, D)
        Decay rates in 1/ms (shared, per source or per pair).
    t_stop_ms : float
        Length of the simulated window ``[0, t_stop_ms]`` in ms.
    rng : int or numpy.random.Generator
        Seed; all randomness is drawn from it.
    max_events : int
        Raise :class:`~spikeopt.errors.SimulationError` past this many events
        (guards against explosive, non-stationary ``alpha``).

    Returns
    -------
    SpikeTrains
        D trains, times in ms, ``t_stop = t_stop_ms``.

    Examples
    --------
    >>> st = simulate([5.0, 5.0], [[0.0, 0.3], [0.3, 0.0]], 0.05, 10_000.0, rng=1)
    >>> len(st), st.t_stop
    (2, 10000.0)
    """
    T = check_positive("t_stop_ms", t_stop_ms, where="hawkes.simulate")
    mu_hz, a, b = check_params(mu, alpha, beta, where="hawkes.simulate")
    gen = check_rng(rng)
    D = mu_hz.size
    rho = spectral_radius(a)
    if rho >= 1:
        warnings.warn(
            f"alpha has spectral radius {rho:.3g} >= 1: the process is explosive; the "
            f"simulation stops with an error after max_events={max_events}.",
            RuntimeWarning,
            stacklevel=2,
        )
        expected = float(max_events)
    else:
        expected = float(stationary_rates(mu_hz, a).sum()) * T * 1e-3
    chunk_events = int(min(max_events, max(1024, 1.2 * expected + 10 * math.sqrt(expected + 1))))
    out_t = np.empty(chunk_events)
    out_m = np.empty(chunk_events, dtype=np.int64)
    state_t = np.zeros(1)
    S = np.zeros((D, D))
    mu_ms = mu_hz * 1e-3
    ab = a * b
    n_out = 0
    finished = False
    n_u = max(4096, 4 * chunk_events)
    while not finished:
        u = gen.random(n_u)
        n_out, _used, finished = _thinning(state_t, S, mu_ms, ab, b, T, u, out_t, out_m, n_out)
        if not finished and n_out >= out_t.size:
            if out_t.size >= max_events:
                raise SimulationError(
                    f"Hawkes simulation exceeded max_events={max_events} before t={T:g} ms "
                    f"(reached t={state_t[0]:g} ms); alpha's spectral radius is {rho:.3g}."
                )
            grow = min(max_events, 2 * out_t.size)
            out_t = np.concatenate([out_t, np.empty(grow - out_t.size)])
            out_m = np.concatenate([out_m, np.empty(grow - out_m.size, dtype=np.int64)])
    times, marks = out_t[:n_out], out_m[:n_out]
    order = np.argsort(marks, kind="stable")
    counts = np.bincount(marks, minlength=D)
    offsets = np.zeros(D + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return SpikeTrains(times[order], offsets, t_stop=T, validate=False)
