"""Compiled log densities (value and gradient) that the numba NUTS sampler draws from.

A target is one flat tuple ``(kind, times, marks, pars, mat)`` of fixed types
(int, float array, int array, float array, 2-D float array), so one compiled
sampler serves every target and stays in numba's on-disk cache (a sampler that
took the density as a function argument would be recompiled in every process).

* ``GAUSSIAN``: ``log p(q) = -(q - m)' P (q - m) / 2`` with ``pars = m`` and
  ``mat = P`` (the precision); for testing the sampler on known moments.
* ``HAWKES``: the posterior of :func:`spikeopt.hawkes.mcmc.fit_mcmc` in the
  unconstrained coordinates numpyro uses, with the same priors and Jacobians:
  ``q = [log mu (D), log alpha (D*D, row-major), u (1, D or D*D)]`` with
  ``log beta = a + (b - a) sigmoid(u)`` on ``(a, b) = log beta_bounds``;
  ``mu ~ HalfNormal(s)`` (Hz), ``alpha ~ Exponential(1)``, ``log beta ~ Uniform(a, b)``.
  ``times``/``marks`` are the merged events (ms), ``pars = [T (ms), s (Hz), a, b,
  D, shape]`` with shape 0 (shared decay), 1 (per source) or 2 (per pair).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .likelihood import HawkesEvents, _loglik_kernel, _loglik_kernel_col

__all__ = ["GAUSSIAN", "HAWKES", "BETA_SHAPES", "gaussian_target", "hawkes_target",
           "hawkes_unconstrain", "hawkes_constrain", "log_density"]

GAUSSIAN = 0
HAWKES = 1
BETA_SHAPES = ("shared", "source", "pair")
_LOG_HALF_NORMAL = math.log(2.0) - 0.5 * math.log(2.0 * math.pi)


def gaussian_target(mean, cov) -> tuple:
    """The target tuple of a Gaussian with mean ``mean`` (n,) and covariance ``cov`` (n, n)."""
    m = np.ascontiguousarray(mean, dtype=np.float64).ravel()
    prec = np.ascontiguousarray(np.linalg.inv(np.asarray(cov, dtype=np.float64)))
    return (GAUSSIAN, np.zeros(0), np.zeros(0, dtype=np.int64), m, prec)


def n_beta(beta_shape: str, D: int) -> int:
    """Number of decay parameters for a ``beta_shape``."""
    return {"shared": 1, "source": D, "pair": D * D}[beta_shape]


def hawkes_target(ev: HawkesEvents, beta_shape: str, rate_scale: float,
                  beta_bounds: tuple[float, float]) -> tuple:
    """The target tuple of the Hawkes posterior (``rate_scale`` in Hz, bounds in 1/ms)."""
    lo, hi = beta_bounds
    pars = np.array([ev.t_stop, rate_scale, math.log(lo), math.log(hi), ev.n_dim,
                     BETA_SHAPES.index(beta_shape)], dtype=np.float64)
    return (HAWKES, ev.times, ev.marks, pars, np.zeros((0, 0)))


def hawkes_unconstrain(mu, alpha, log_beta, beta_bounds) -> np.ndarray:
    """``q`` of the HAWKES target from (mu Hz, alpha, log beta) (numpyro's transforms)."""
    a, b = (math.log(x) for x in beta_bounds)
    s = (np.ravel(log_beta) - a) / (b - a)
    return np.concatenate([np.log(np.ravel(mu)), np.log(np.ravel(alpha)), np.log(s / (1 - s))])


def hawkes_constrain(q: np.ndarray, D: int, beta_shape: str, beta_bounds):
    """``(mu (..., D) Hz, alpha (..., D, D), beta (..., beta dims) 1/ms)`` from draws
    ``q (..., n)`` of the HAWKES target."""
    a, b = (math.log(x) for x in beta_bounds)
    lead = q.shape[:-1]
    mu = np.exp(q[..., :D])
    alpha = np.exp(q[..., D:D + D * D]).reshape(lead + (D, D))
    u = q[..., D + D * D:]
    log_beta = a + (b - a) / (1.0 + np.exp(-u))
    dims = {"shared": (), "source": (D,), "pair": (D, D)}[beta_shape]
    return mu, alpha, np.exp(log_beta).reshape(lead + dims)


@nb.njit(cache=True, nogil=True)
def _gaussian(mean, prec, q, grad):
    n = q.size
    lp = 0.0
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc += prec[i, j] * (q[j] - mean[j])
        grad[i] = -acc
        lp -= 0.5 * (q[i] - mean[i]) * acc
    return lp


@nb.njit(cache=True, nogil=True)
def _hawkes(times, marks, pars, q, grad):
    T = pars[0]
    scale = pars[1]
    a = pars[2]
    b = pars[3]
    D = int(pars[4])
    shape = int(pars[5])
    DD = D * D
    nb_ = q.size - D - DD
    mu_ms = np.empty(D)
    lp = 0.0
    for i in range(D):
        m = math.exp(q[i])
        mu_ms[i] = m * 1e-3
        lp += _LOG_HALF_NORMAL - math.log(scale) - 0.5 * (m / scale) ** 2 + q[i]
    alpha = np.empty((D, D))
    for i in range(D):
        for j in range(D):
            x = math.exp(q[D + i * D + j])
            alpha[i, j] = x
            lp += -x + q[D + i * D + j]
    sig = np.empty(nb_)
    beta_p = np.empty(nb_)
    for k in range(nb_):
        u = q[D + DD + k]
        s = 1.0 / (1.0 + math.exp(-u)) if u >= 0 else math.exp(u) / (1.0 + math.exp(u))
        sig[k] = s
        beta_p[k] = math.exp(a + (b - a) * s)
        # Uniform(a, b) density -log(b - a) + Jacobian log(b - a) + log s + log(1 - s)
        lp -= abs(u) + 2.0 * math.log1p(math.exp(-abs(u)))
    if shape == 2:
        ll, gm, ga, gb = _loglik_kernel(times, marks, T, mu_ms, alpha,
                                        beta_p.reshape((D, D)), True)
    else:
        bcol = np.empty(D)
        for j in range(D):
            bcol[j] = beta_p[0] if shape == 0 else beta_p[j]
        ll, gm, ga, gb = _loglik_kernel_col(times, marks, T, mu_ms, alpha, bcol, True)
    if not math.isfinite(ll):
        return -np.inf
    lp += ll
    for i in range(D):
        m = mu_ms[i] * 1e3
        grad[i] = m * (gm[i] * 1e-3 - m / scale**2) + 1.0
    for i in range(D):
        for j in range(D):
            grad[D + i * D + j] = alpha[i, j] * (ga[i, j] - 1.0) + 1.0
    for k in range(nb_):
        grad[D + DD + k] = 1.0 - 2.0 * sig[k]
    for i in range(D):
        for j in range(D):
            k = 0 if shape == 0 else (j if shape == 1 else i * D + j)
            s = sig[k]
            grad[D + DD + k] += beta_p[k] * gb[i, j] * (b - a) * s * (1.0 - s)
    return lp


@nb.njit(cache=True, nogil=True)
def log_density(target, q, grad):
    """``log p(q)`` of ``target`` at ``q``; its gradient is written into ``grad``.
    (HAWKES: normalised priors, so equal to minus numpyro's potential energy.)"""
    kind, times, marks, pars, mat = target
    if kind == GAUSSIAN:
        return _gaussian(pars, mat, q, grad)
    return _hawkes(times, marks, pars, q, grad)
