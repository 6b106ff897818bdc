"""Exact log-likelihood of a multivariate Hawkes process with exponential kernels.

Model (times in ms, ``mu`` in Hz)::

    lambda_i(t) = mu_i / 1000 + sum_j alpha[i, j] * beta[i, j]
                                   * sum_{t_k^j < t} exp(-beta[i, j] * (t - t_k^j))

``alpha[i, j]`` is the branching ratio from source ``j`` to target ``i`` (the
expected number of spikes of ``i`` caused by one spike of ``j``: the kernel
integrates to ``alpha``), ``beta[i, j]`` the decay rate in 1/ms. The
log-likelihood on the window ``[0, T]`` is::

    sum_i sum_{t in N_i} log lambda_i(t)
      - sum_i mu_i T / 1000
      - sum_{i, j} alpha[i, j] sum_{t_k^j} (1 - exp(-beta[i, j] (T - t_k^j)))

(the last two lines are the compensator, integrated exactly). The compiled
kernel walks the merged events once with the recursion
``S(t') = S(t) exp(-beta (t' - t)) + 1``: O(total spikes x D). Events at the same
time never excite each other (the sum runs over ``t_k < t``).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..errors import InvalidParameterError, ShapeError
from ..spikes import SpikeTrains, as_spike_trains

__all__ = [
    "HawkesEvents",
    "check_params",
    "expand_beta",
    "log_likelihood",
    "log_likelihood_and_grad",
    "prepare_events",
]


class HawkesEvents:
    """All spikes merged in time order: ``times`` (ms), ``marks`` (train index).

    Built once by :func:`prepare_events` and reused by every likelihood
    evaluation; ``t_stop`` (ms) closes the observation window ``[0, t_stop]``.
    """

    __slots__ = ("times", "marks", "t_stop", "n_dim", "counts")

    def __init__(self, times, marks, t_stop: float, n_dim: int):
        self.times = np.ascontiguousarray(times, dtype=np.float64)
        self.marks = np.ascontiguousarray(marks, dtype=np.int64)
        self.t_stop = float(t_stop)
        self.n_dim = int(n_dim)
        self.counts = np.bincount(self.marks, minlength=self.n_dim).astype(np.int64)

    def __len__(self) -> int:
        return self.times.size

    def __repr__(self) -> str:
        return f"HawkesEvents(D={self.n_dim}, events={len(self)}, t_stop={self.t_stop:g} ms)"


def prepare_events(spikes, t_stop: float | None = None) -> HawkesEvents:
    """Merge spike trains (SpikeTrains or list of arrays, ms) into one event stream.

    ``t_stop`` (ms) defaults to ``spikes.t_stop`` and then to the last spike time.
    """
    if isinstance(spikes, HawkesEvents):
        if t_stop is not None and float(t_stop) != spikes.t_stop:
            return HawkesEvents(spikes.times, spikes.marks, _check_stop(spikes.times, t_stop),
                                spikes.n_dim)
        return spikes
    st: SpikeTrains = as_spike_trains(spikes)
    if len(st) == 0:
        raise ShapeError("A Hawkes process needs at least one spike train; got 0 trains.")
    marks = st.train_index()
    order = np.argsort(st.times, kind="stable")
    times = st.times[order]
    if t_stop is None:
        t_stop = st.t_stop if st.t_stop is not None else (float(times[-1]) if times.size else 0.0)
    return HawkesEvents(times, marks[order], _check_stop(times, t_stop), len(st))


def _check_stop(times: np.ndarray, t_stop) -> float:
    T = float(t_stop)
    if not (T > 0 and math.isfinite(T)):
        raise InvalidParameterError(f"t_stop must be a finite time > 0 ms. Got {t_stop!r}.")
    if times.size and times[-1] > T:
        raise InvalidParameterError(
            f"All spikes must lie in the window [0, t_stop]; the last spike is at "
            f"{times[-1]!r} ms but t_stop={T!r} ms."
        )
    return T


def expand_beta(beta, n_dim: int) -> np.ndarray:
    """Decay(s) in 1/ms as a (D, D) matrix: scalar = shared, (D,) = per source
    (``beta[j]`` for every target of source ``j``), (D, D) = per pair."""
    b = np.asarray(beta, dtype=np.float64)
    if b.ndim == 0:
        out = np.full((n_dim, n_dim), float(b))
    elif b.shape == (n_dim,):
        out = np.repeat(b[None, :], n_dim, axis=0)
    elif b.shape == (n_dim, n_dim):
        out = b.copy()
    else:
        raise ShapeError(
            f"beta must be a scalar, shape ({n_dim},) (per source) or ({n_dim}, {n_dim}) "
            f"(per pair), in 1/ms. Got shape {b.shape}."
        )
    return np.ascontiguousarray(out)


def beta_kind(beta) -> str:
    """'shared', 'source' or 'pair' from the shape of ``beta``."""
    nd = np.ndim(beta)
    return ("shared", "source", "pair")[nd] if nd <= 2 else "pair"


def check_params(mu, alpha, beta, *, where: str, n_dim: int | None = None):
    """Validate and convert (mu Hz, alpha, beta 1/ms) → (mu (D,), alpha (D, D), beta (D, D))."""
    mu = np.atleast_1d(np.asarray(mu, dtype=np.float64))
    if mu.ndim != 1:
        raise ShapeError(f"mu of {where} must be a 1-D array of rates in Hz. Got shape {mu.shape}.")
    D = mu.size if n_dim is None else int(n_dim)
    if mu.size != D:
        raise ShapeError(f"mu of {where} must have {D} rates (one per train). Got {mu.size}.")
    alpha = np.asarray(alpha, dtype=np.float64)
    if alpha.ndim == 0 and D == 1:
        alpha = alpha.reshape(1, 1)
    if alpha.shape != (D, D):
        raise ShapeError(
            f"alpha of {where} must have shape ({D}, {D}) (alpha[i, j]: source j -> target i). "
            f"Got shape {alpha.shape}."
        )
    beta_m = expand_beta(beta, D)
    for name, arr, strict in (("mu", mu, False), ("alpha", alpha, False), ("beta", beta_m, True)):
        if not np.all(np.isfinite(arr)):
            raise InvalidParameterError(f"{name} of {where} must be finite. Got {arr!r}.")
        bad = arr <= 0 if strict else arr < 0
        if np.any(bad):
            rel = "> 0" if strict else ">= 0"
            raise InvalidParameterError(
                f"{name} of {where} must be {rel} everywhere. Got {arr[bad].ravel()[0]!r}."
            )
    return np.ascontiguousarray(mu), np.ascontiguousarray(alpha), beta_m


@nb.njit(cache=True, nogil=True)
def _tie_end(times, k):
    n = times.size
    k1 = k + 1
    while k1 < n and times[k1] == times[k]:
        k1 += 1
    return k1


def column_decays(beta_m: np.ndarray) -> np.ndarray | None:
    """The per-source decays if every column of ``beta_m`` is constant (shared or
    per-source decays), else None."""
    return np.ascontiguousarray(beta_m[0]) if np.all(beta_m == beta_m[0]) else None


def loglik_arrays(ev: HawkesEvents, mu_ms, alpha, beta_m, want_grad: bool):
    """``(ll, g_mu (per ms), g_alpha, g_beta (D, D))`` from the compiled kernels:
    the O(D)-per-event global-state kernel when decays depend on the source only,
    the per-pair kernel otherwise."""
    bcol = column_decays(beta_m)
    if bcol is not None:
        return _loglik_kernel_col(ev.times, ev.marks, ev.t_stop, mu_ms, alpha, bcol, want_grad)
    return _loglik_kernel(ev.times, ev.marks, ev.t_stop, mu_ms, alpha, beta_m, want_grad)


@nb.njit(cache=True, nogil=True, inline="always")
def _decay_sources(S, Q, bcol, d, with_q):
    """Advance the per-source sums by ``d`` ms: ``S *= exp(-bcol d)`` and, with
    ``with_q``, ``Q = (Q + d S) exp(-bcol d)``; one exp per run of equal decays."""
    ex = 1.0
    for j in range(S.size):
        if j == 0 or bcol[j] != bcol[j - 1]:
            ex = math.exp(-bcol[j] * d)
        if with_q:
            Q[j] = (Q[j] + d * S[j]) * ex
        S[j] *= ex


@nb.njit(cache=True, nogil=True)
def _loglik_kernel_col(times, marks, T, mu_ms, alpha, bcol, want_grad):
    """As :func:`_loglik_kernel` for decays ``bcol[j]`` per source (or shared).

    One state per source, ``S[j] = sum_k exp(-bcol[j] (t - t_k^j))``, is decayed
    to every new time stamp (D multiplications, one exp per distinct decay), so
    intensities cost no exponentials: O(N D) multiply-adds and O(N) exps when shared.
    """
    D = mu_ms.size
    n = times.size
    S = np.zeros(D)
    Q = np.zeros(D)  # sum_k (t - t_k^j) exp(-bcol[j] (t - t_k^j)), for d/dbeta
    E = np.zeros(D)  # compensator integrals per source
    F = np.zeros(D)  # and their beta-derivatives (up to sign and alpha)
    g_mu = np.zeros(D)
    g_alpha = np.zeros((D, D))
    g_beta = np.zeros((D, D))
    ll = 0.0
    tprev = 0.0
    k = 0
    while k < n:
        k1 = _tie_end(times, k)
        t = times[k]
        d = t - tprev
        if d > 0.0:
            _decay_sources(S, Q, bcol, d, want_grad)
        tprev = t
        for e in range(k, k1):
            i = marks[e]
            lam = mu_ms[i]
            for j in range(D):
                lam += alpha[i, j] * bcol[j] * S[j]
            if not lam > 0.0:
                return -np.inf, g_mu, g_alpha, g_beta
            ll += math.log(lam)
            if want_grad:
                inv = 1.0 / lam
                g_mu[i] += inv
                for j in range(D):
                    g_alpha[i, j] += bcol[j] * S[j] * inv
                    g_beta[i, j] += alpha[i, j] * (S[j] - bcol[j] * Q[j]) * inv
        for e in range(k, k1):
            j = marks[e]
            S[j] += 1.0
            rest = T - t
            er = math.exp(-bcol[j] * rest)
            E[j] += 1.0 - er
            F[j] += rest * er
        k = k1
    # compensator: sum_ij alpha_ij E_j with E_j = sum_k (1 - exp(-bcol_j (T - t_k^j)))
    for i in range(D):
        ll -= mu_ms[i] * T
        g_mu[i] -= T
        for j in range(D):
            ll -= alpha[i, j] * E[j]
            if want_grad:
                g_alpha[i, j] -= E[j]
                g_beta[i, j] -= alpha[i, j] * F[j]
    return ll, g_mu, g_alpha, g_beta


@nb.njit(cache=True, nogil=True)
def _loglik_kernel(times, marks, T, mu_ms, alpha, beta, want_grad):
    """Log-likelihood and (optionally) its gradient w.r.t. mu (per ms), alpha, beta (D, D)."""
    D = mu_ms.size
    n = times.size
    S = np.zeros((D, D))  # S[i, j] = sum_k exp(-beta_ij (tlast_j - t_k^j)), incl. tlast_j
    Q = np.zeros((D, D))  # Q[i, j] = sum_k (tlast_j - t_k^j) exp(...), for d/dbeta
    tlast = np.zeros(D)
    g_mu = np.zeros(D)
    g_alpha = np.zeros((D, D))
    g_beta = np.zeros((D, D))
    s_now = np.zeros(D)
    q_now = np.zeros(D)
    ll = 0.0
    k = 0
    while k < n:
        k1 = _tie_end(times, k)
        # 1) intensities at the events of this time stamp (strictly earlier spikes only)
        for e in range(k, k1):
            i = marks[e]
            t = times[e]
            lam = mu_ms[i]
            for j in range(D):
                if S[i, j] != 0.0:
                    d = t - tlast[j]
                    ex = math.exp(-beta[i, j] * d)
                    s = S[i, j] * ex
                    s_now[j] = s
                    lam += alpha[i, j] * beta[i, j] * s
                    if want_grad:
                        q_now[j] = (Q[i, j] + d * S[i, j]) * ex
                else:
                    s_now[j] = 0.0
                    q_now[j] = 0.0
            if not lam > 0.0:
                return -np.inf, g_mu, g_alpha, g_beta
            ll += math.log(lam)
            if want_grad:
                inv = 1.0 / lam
                g_mu[i] += inv
                for j in range(D):
                    g_alpha[i, j] += beta[i, j] * s_now[j] * inv
                    g_beta[i, j] += alpha[i, j] * (s_now[j] - beta[i, j] * q_now[j]) * inv
        # 2) these events become sources; 3) their compensator terms
        for e in range(k, k1):
            j = marks[e]
            t = times[e]
            d = t - tlast[j]
            rest = T - t
            for i in range(D):
                b = beta[i, j]
                ex = math.exp(-b * d)
                if want_grad:
                    Q[i, j] = (Q[i, j] + d * S[i, j]) * ex
                S[i, j] = S[i, j] * ex + 1.0
                er = math.exp(-b * rest)
                ll -= alpha[i, j] * (1.0 - er)
                if want_grad:
                    g_alpha[i, j] -= 1.0 - er
                    g_beta[i, j] -= alpha[i, j] * rest * er
            tlast[j] = t
        k = k1
    for i in range(D):
        ll -= mu_ms[i] * T
        g_mu[i] -= T
    return ll, g_mu, g_alpha, g_beta


def log_likelihood(spikes, mu, alpha, beta, *, t_stop: float | None = None) -> float:
    """Exact log-likelihood of spike trains under a Hawkes process with exponential kernels.

    Parameters
    ----------
    spikes : SpikeTrains, list of arrays (ms) or HawkesEvents
        D trains observed on ``[0, t_stop]``.
    mu : array_like, shape (D,)
        Baseline rates in Hz.
    alpha : array_like, shape (D, D)
        Branching ratios; ``alpha[i, j]`` is the effect of source ``j`` on target ``i``.
    beta : float or array_like, shape (D,) or (D, D)
        Decay rates in 1/ms: shared, per source or per pair.
    t_stop : float, optional
        End of the window in ms (default ``spikes.t_stop``, else the last spike).

    Returns
    -------
    float
        The log-likelihood (times in ms, so intensities are in events/ms).

    Examples
    --------
    A Poisson process (alpha = 0) with 2 spikes in 1 s at 2 Hz:

    >>> import math
    >>> ll = log_likelihood([[100.0, 600.0]], [2.0], [[0.0]], 0.1, t_stop=1000.0)
    >>> bool(abs(ll - (2 * math.log(0.002) - 2.0)) < 1e-12)
    True
    """
    return log_likelihood_and_grad(spikes, mu, alpha, beta, t_stop=t_stop, grad=False)[0]


def log_likelihood_and_grad(spikes, mu, alpha, beta, *, t_stop: float | None = None,
                            grad: bool = True):
    """Log-likelihood and its analytic gradient.

    Returns ``(ll, {"mu": (D,) per Hz, "alpha": (D, D), "beta": same shape as beta})``;
    the gradient with respect to a shared or per-source ``beta`` sums the per-pair terms.
    """
    ev = prepare_events(spikes, t_stop)
    mu_hz, a, b = check_params(mu, alpha, beta, where="log_likelihood", n_dim=ev.n_dim)
    ll, gm, ga, gb = loglik_arrays(ev, mu_hz * 1e-3, a, b, grad)
    if not grad:
        return float(ll), None
    return float(ll), {"mu": gm * 1e-3, "alpha": ga, "beta": reduce_beta_grad(gb, beta)}


def reduce_beta_grad(g_pair: np.ndarray, beta) -> np.ndarray | float:
    """Sum a per-pair beta gradient down to the shape of ``beta``."""
    kind = beta_kind(beta)
    if kind == "shared":
        return float(g_pair.sum())
    if kind == "source":
        return g_pair.sum(axis=0)
    return g_pair


def design_arrays(ev: HawkesEvents, beta_m: np.ndarray):
    """``(G, C)`` of :func:`_design_kernel`, with the per-source fast path."""
    bcol = column_decays(beta_m)
    if bcol is not None:
        return _design_kernel_col(ev.times, ev.marks, ev.t_stop, bcol)
    return _design_kernel(ev.times, ev.marks, ev.t_stop, beta_m)


@nb.njit(cache=True, nogil=True)
def _design_kernel_col(times, marks, T, bcol):
    """:func:`_design_kernel` for per-source (or shared) decays, O(D) per event."""
    D = bcol.size
    n = times.size
    G = np.zeros((n, D))
    C = np.zeros((D, D))
    S = np.zeros(D)
    tprev = 0.0
    k = 0
    while k < n:
        k1 = _tie_end(times, k)
        t = times[k]
        d = t - tprev
        if d > 0.0:
            _decay_sources(S, S, bcol, d, False)
        tprev = t
        for e in range(k, k1):
            for j in range(D):
                G[e, j] = bcol[j] * S[j]
        for e in range(k, k1):
            j = marks[e]
            S[j] += 1.0
            c = 1.0 - math.exp(-bcol[j] * (T - t))
            for i in range(D):
                C[i, j] += c
        k = k1
    return G, C


@nb.njit(cache=True, nogil=True)
def _design_kernel(times, marks, T, beta):
    """For fixed beta: per event n (target i = marks[n]) the row
    ``G[n, j] = beta_ij * sum_{t_k^j < t_n} exp(-beta_ij (t_n - t_k^j))`` and the
    compensator integrals ``C[i, j] = sum_k (1 - exp(-beta_ij (T - t_k^j)))``."""
    D = beta.shape[0]
    n = times.size
    G = np.zeros((n, D))
    C = np.zeros((D, D))
    S = np.zeros((D, D))
    tlast = np.zeros(D)
    k = 0
    while k < n:
        k1 = _tie_end(times, k)
        for e in range(k, k1):
            i = marks[e]
            t = times[e]
            for j in range(D):
                if S[i, j] != 0.0:
                    G[e, j] = beta[i, j] * S[i, j] * math.exp(-beta[i, j] * (t - tlast[j]))
        for e in range(k, k1):
            j = marks[e]
            t = times[e]
            d = t - tlast[j]
            for i in range(D):
                S[i, j] = S[i, j] * math.exp(-beta[i, j] * d) + 1.0
                C[i, j] += 1.0 - math.exp(-beta[i, j] * (T - t))
            tlast[j] = t
        k = k1
    return G, C


@nb.njit(cache=True, nogil=True)
def _compensator_kernel(times, marks, mu_ms, alpha, beta):
    """Compensator ``Lambda_i(t)`` of each event's own dimension at the event time."""
    D = mu_ms.size
    n = times.size
    out = np.zeros(n)
    S = np.zeros((D, D))
    cnt = np.zeros(D)
    tlast = np.zeros(D)
    k = 0
    while k < n:
        k1 = _tie_end(times, k)
        for e in range(k, k1):
            i = marks[e]
            t = times[e]
            lam_int = mu_ms[i] * t
            for j in range(D):
                if cnt[j] > 0:
                    s = S[i, j] * math.exp(-beta[i, j] * (t - tlast[j]))
                    lam_int += alpha[i, j] * (cnt[j] - s)
            out[e] = lam_int
        for e in range(k, k1):
            j = marks[e]
            t = times[e]
            d = t - tlast[j]
            for i in range(D):
                S[i, j] = S[i, j] * math.exp(-beta[i, j] * d) + 1.0
            cnt[j] += 1.0
            tlast[j] = t
        k = k1
    return out


def compensator_at_events(ev: HawkesEvents, mu, alpha, beta) -> np.ndarray:
    """``Lambda_{m_n}(t_n)`` for every merged event n (its own dimension)."""
    mu_hz, a, b = check_params(mu, alpha, beta, where="compensator", n_dim=ev.n_dim)
    return _compensator_kernel(ev.times, ev.marks, mu_hz * 1e-3, a, b)


def compensator_total(ev: HawkesEvents, mu, alpha, beta) -> np.ndarray:
    """``Lambda_i(t_stop)`` for each dimension, shape (D,)."""
    mu_hz, a, b = check_params(mu, alpha, beta, where="compensator", n_dim=ev.n_dim)
    rest = ev.t_stop - ev.times
    out = mu_hz * 1e-3 * ev.t_stop
    for j in range(ev.n_dim):
        r = rest[ev.marks == j]
        out = out + a[:, j] * (1.0 - np.exp(-b[:, j][:, None] * r[None, :])).sum(axis=1)
    return out
