"""Maximum-likelihood fit of an exponential-kernel Hawkes process.

For fixed decays the log-likelihood is concave in (mu, alpha) and separates
into one small problem per target train (D + 1 unknowns), solved exactly with
bounded L-BFGS-B on a precomputed design (:func:`design_arrays`). The decay is
found by profiling: a log-spaced grid over its bounds, then a bounded scalar
search around the best ``n_starts`` grid minima (the multiple starts). Per-source
or per-pair decays are then refined jointly with all other parameters using the
compiled likelihood and its analytic gradient.

Significance of each ``alpha[i, j]`` comes from a likelihood-ratio test against
the fit with that entry fixed at 0 (same decays); the statistic's null law on the
boundary is the 50:50 mixture of chi2(0) and chi2(1), and the p-values are
corrected for the D^2 tests (Benjamini–Hochberg by default).
"""

from __future__ import annotations

import functools
import math
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from ..errors import InvalidParameterError
from .estimate import HawkesEstimate
from .likelihood import (
    HawkesEvents,
    design_arrays,
    expand_beta,
    loglik_arrays,
    prepare_events,
)
from .simulate import spectral_radius

__all__ = ["adjust_pvalues", "fit_mle", "lrt_pvalues"]

DEFAULT_BOUNDS = {"mu": (1e-6, 1e4), "alpha": (0.0, 10.0), "beta": (1e-3, 10.0)}
_BETA_SHAPES = ("shared", "source", "pair")
_CORRECTIONS = ("bh", "holm", "bonferroni", "none")


def _check_bounds(bounds) -> dict:
    out = dict(DEFAULT_BOUNDS)
    if bounds is None:
        return out
    unknown = set(bounds) - set(DEFAULT_BOUNDS)
    if unknown:
        raise InvalidParameterError(
            f"Unknown bounds key(s) {sorted(unknown)}; allowed: 'mu' (Hz), 'alpha', 'beta' (1/ms)."
        )
    for k, v in bounds.items():
        lo, hi = (float(x) for x in v)
        if not (0 <= lo < hi) or not math.isfinite(hi) or (k != "alpha" and lo <= 0):
            raise InvalidParameterError(
                f"bounds[{k!r}] must be (low, high) with 0 <= low < high < inf "
                f"(low > 0 for mu and beta). Got {v!r}."
            )
        out[k] = (lo, hi)
    return out


def _one_blas_thread(func):
    """Run ``func`` with BLAS limited to one thread: the many small L-BFGS-B
    problems make tiny LAPACK calls, which threaded BLAS on a busy machine turns
    into milliseconds each."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------
# per-target concave problems for fixed decays
class _Design:
    """Design rows of each target for one fixed decay matrix."""

    def __init__(self, ev: HawkesEvents, beta_m: np.ndarray):
        G, C = design_arrays(ev, beta_m)
        self.rows = [np.ascontiguousarray(G[ev.marks == i]) for i in range(ev.n_dim)]
        self.C = C
        self.T = ev.t_stop
        self.beta_m = beta_m


def _target_nll(x, G, c, T):
    """Negative log-likelihood of one target; x = (mu in Hz, alpha row)."""
    lam = x[0] * 1e-3 + G @ x[1:]
    if np.any(lam <= 0):
        return np.inf, np.full_like(x, np.nan)
    inv = 1.0 / lam
    f = -np.log(lam).sum() + x[0] * 1e-3 * T + c @ x[1:]
    g = np.empty_like(x)
    g[0] = (T - inv.sum()) * 1e-3
    g[1:] = c - G.T @ inv
    return f, g


def _solve_target(G, c, T, x0, bnds, tight=True):
    from scipy import optimize  # lazy (here and below): keeps ``import spikeopt`` fast

    scale = max(G.shape[0], 1)

    def fun(x):
        f, g = _target_nll(x, G, c, T)
        return f / scale, g / scale

    x0 = np.clip(x0, [b[0] for b in bnds], [b[1] for b in bnds])
    # the profile search over the decay needs ~1e-10 relative; final fits and tests 1e-13
    tol = {"ftol": 1e-13, "gtol": 1e-9} if tight else {"ftol": 1e-10, "gtol": 1e-7}
    res = optimize.minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=bnds,
                            options={"maxiter": 5000, **tol})
    return res.x, float(res.fun) * scale, _projected_gradient_ok(res.x, res.jac, bnds)


def _projected_gradient_ok(x, g, bnds, tol=1e-5) -> bool:
    """KKT check: the gradient (of the per-event objective) vanishes except where a
    bound is active and the gradient pushes against it."""
    lo = np.array([b[0] for b in bnds])
    hi = np.array([b[1] for b in bnds])
    pg = np.where((x <= lo) & (g > 0), 0.0, g)
    pg = np.where((x >= hi) & (pg < 0), 0.0, pg)
    return bool(np.all(np.isfinite(pg)) and np.max(np.abs(pg), initial=0.0) < tol)


def _solve_all(design: _Design, X0: np.ndarray, bounds: dict, tight: bool = True):
    """Solve every target; X0/X rows are (mu_i in Hz, alpha[i, :])."""
    D = X0.shape[0]
    bnds = [bounds["mu"]] + [bounds["alpha"]] * D
    X = np.empty_like(X0)
    nll = np.empty(D)
    ok = True
    for i in range(D):
        X[i], nll[i], s = _solve_target(design.rows[i], design.C[i], design.T, X0[i], bnds,
                                        tight)
        ok &= s
    return X, nll, ok


# --------------------------------------------------------------------------
def _initial(ev: HawkesEvents, bounds: dict) -> np.ndarray:
    D = ev.n_dim
    rates = ev.counts / ev.t_stop * 1e3
    X0 = np.empty((D, D + 1))
    X0[:, 0] = np.maximum(0.5 * rates, 2 * bounds["mu"][0])
    X0[:, 1:] = min(0.5 / D, bounds["alpha"][1])
    return X0


def _profile_shared(ev, bounds, n_starts, n_grid):
    """Profile the log-likelihood over one shared decay; returns (beta, X, nll, starts)."""
    from scipy import optimize

    lo, hi = np.log(bounds["beta"][0]), np.log(bounds["beta"][1])
    grid = np.linspace(lo, hi, n_grid)
    X0 = _initial(ev, bounds)
    cache: dict[float, tuple] = {}

    def prof(logb, Xs):
        key = float(logb)
        if key not in cache:
            X, nll, ok = _solve_all(_Design(ev, expand_beta(math.exp(key), ev.n_dim)), Xs,
                                    bounds, tight=False)
            cache[key] = (float(nll.sum()), X, ok)
        return cache[key]

    vals = []
    Xs = X0
    for g in grid:
        v, Xs, _ = prof(g, Xs)
        vals.append(v)
    vals = np.asarray(vals)
    # local minima of the grid, best first
    is_min = np.ones(n_grid, dtype=bool)
    is_min[1:] &= vals[1:] <= vals[:-1]
    is_min[:-1] &= vals[:-1] <= vals[1:]
    ranked = np.argsort(vals)
    cand = [int(k) for k in ranked if is_min[k]]
    cand += [int(k) for k in ranked if not is_min[k]]
    cand = cand[: max(1, n_starts)]
    starts = []
    for k in cand:
        a, b = grid[max(k - 1, 0)], grid[min(k + 1, n_grid - 1)]
        Xk = cache[float(grid[k])][1]
        res = optimize.minimize_scalar(lambda lb, Xk=Xk: prof(lb, Xk)[0], bounds=(a, b),
                                       method="bounded", options={"xatol": 1e-3})
        starts.append((float(res.x), prof(res.x, Xk)[0]))
    best = min(starts, key=lambda s: s[1])
    # the grid point may still be best (bounded search never probes its ends)
    keys = sorted(cache, key=lambda k: cache[k][0])
    if cache[keys[0]][0] < best[1]:
        best = (keys[0], cache[keys[0]][0])
    nll, X, ok = cache[best[0]]
    return math.exp(best[0]), X, nll, [-s[1] for s in starts], ok


def _joint_refine(ev, X, beta_m, beta_shape, bounds):
    """L-BFGS-B over (mu, alpha, log beta) with the compiled likelihood and gradient."""
    from scipy import optimize

    D = ev.n_dim
    nb_ = D if beta_shape == "source" else D * D
    b0 = beta_m[0] if beta_shape == "source" else beta_m.ravel()
    x0 = np.concatenate([X[:, 0], X[:, 1:].ravel(), np.log(b0)])
    n = max(len(ev), 1)

    def unpack(x):
        mu = x[:D]
        a = x[D:D + D * D].reshape(D, D)
        lb = np.exp(x[D + D * D:])
        return mu, a, lb

    def fun(x):
        mu, a, lb = unpack(x)
        bm = expand_beta(lb, D) if beta_shape == "source" else lb.reshape(D, D)
        ll, gm, ga, gb = loglik_arrays(ev, mu * 1e-3, a, bm, True)
        if not np.isfinite(ll):
            return np.inf, np.zeros_like(x)
        gbr = gb.sum(axis=0) if beta_shape == "source" else gb.ravel()
        g = np.concatenate([gm * 1e-3, ga.ravel(), gbr * lb])
        return -ll / n, -g / n

    lbb = [math.log(bounds["beta"][0]), math.log(bounds["beta"][1])]
    bnds = [bounds["mu"]] * D + [bounds["alpha"]] * (D * D) + [lbb] * nb_
    res = optimize.minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=bnds,
                            options={"maxiter": 20000, "ftol": 1e-14, "gtol": 1e-9})
    _, _, lb = unpack(res.x)
    return (lb if beta_shape == "source" else lb.reshape(D, D)), res


# --------------------------------------------------------------------------
def adjust_pvalues(p, method: str = "bh") -> np.ndarray:
    """Multiple-testing adjusted p-values (same shape): Benjamini–Hochberg
    ("bh"), Holm, Bonferroni or "none"."""
    if method not in _CORRECTIONS:
        raise InvalidParameterError(f"correction must be one of {_CORRECTIONS}. Got {method!r}.")
    p = np.asarray(p, dtype=np.float64)
    flat = p.ravel()
    m = flat.size
    if method == "none" or m == 0:
        return p.copy()
    if method == "bonferroni":
        return np.minimum(p * m, 1.0)
    order = np.argsort(flat)
    ps = flat[order]
    if method == "holm":
        adj = np.maximum.accumulate(np.minimum((m - np.arange(m)) * ps, 1.0))
    else:
        adj = np.minimum.accumulate(m / np.arange(m, 0, -1) * ps[::-1])[::-1]
        adj = np.minimum(adj, 1.0)
    out = np.empty(m)
    out[order] = adj
    return out.reshape(p.shape)


@_one_blas_thread
def lrt_pvalues(spikes, mu, alpha, beta, *, t_stop=None, bounds=None) -> np.ndarray:
    """Likelihood-ratio p-value of every ``alpha[i, j]`` (H0: ``alpha[i, j] = 0``).

    The decays stay at ``beta``; ``(mu, alpha)`` should be the MLE for them (each
    target is re-solved here anyway). Returns a (D, D) array (uncorrected).
    """
    ev = prepare_events(spikes, t_stop)
    bounds = _check_bounds(bounds)
    D = ev.n_dim
    design = _Design(ev, expand_beta(beta, D))
    X0 = np.column_stack([np.asarray(mu, dtype=np.float64), np.asarray(alpha, dtype=np.float64)])
    X, nll, _ = _solve_all(design, X0, bounds)
    return _lrt(design, X, nll, bounds)


def _lrt(design: _Design, X, nll, bounds) -> np.ndarray:
    from scipy import stats

    D = X.shape[0]
    p = np.ones((D, D))
    base = [bounds["mu"]] + [bounds["alpha"]] * D
    for i in range(D):
        for j in range(D):
            if X[i, 1 + j] <= 1e-12:
                continue
            bnds = list(base)
            bnds[1 + j] = (0.0, 0.0)
            x0 = X[i].copy()
            x0[1 + j] = 0.0
            _, nll0, _ = _solve_target(design.rows[i], design.C[i], design.T, x0, bnds)
            stat = max(2.0 * (nll0 - nll[i]), 0.0)
            p[i, j] = 0.5 * stats.chi2.sf(stat, 1) if stat > 0 else 1.0
    return p


@_one_blas_thread
def fit_mle(
    spikes,
    *,
    beta=None,
    beta_shape: str = "shared",
    t_stop: float | None = None,
    bounds: dict | None = None,
    n_starts: int = 3,
    n_grid: int = 10,
    test: bool = True,
    level: float = 0.05,
    correction: str = "bh",
    names=None,
) -> HawkesEstimate:
    """Maximum-likelihood Hawkes fit (see the module docstring for the method).

    Parameters
    ----------
    spikes : SpikeTrains or list of arrays
        D trains, times in ms.
    beta : float or array, optional
        Fixed decay(s) in 1/ms (scalar, (D,) or (D, D)); ``None`` fits them.
    beta_shape : {"shared", "source", "pair"}
        Which decays to fit when ``beta`` is None: one shared, one per source
        train, or one per (target, source) pair.
    t_stop : float, optional
        End of the observation window in ms (default ``spikes.t_stop`` or the last spike).
    bounds : dict, optional
        ``{"mu": (lo, hi) Hz, "alpha": (lo, hi), "beta": (lo, hi) 1/ms}``;
        defaults ``mu (1e-6, 1e4)``, ``alpha (0, 10)``, ``beta (1e-3, 10)``.
    n_starts : int
        Number of local searches over the decay, started from the best grid points.
    n_grid : int
        Points of the log-spaced decay grid.
    test : bool
        Run the likelihood-ratio test of every ``alpha[i, j]``.
    level, correction : float, str
        Significance level and multiple-testing correction ("bh", "holm",
        "bonferroni", "none") for ``significant``.
    names : list of str, optional
        Train names kept in the estimate.

    Examples
    --------
    >>> from spikeopt.hawkes import simulate
    >>> st = simulate([10.0, 10.0], [[0.0, 0.5], [0.0, 0.0]], 0.05, 200_000.0, rng=0)
    >>> est = fit_mle(st, n_starts=1, n_grid=6)
    >>> bool(0.3 < est.alpha[0, 1] < 0.7), bool(est.significant[0, 1])
    (True, True)
    """
    t0 = time.perf_counter()
    ev = prepare_events(spikes, t_stop)
    D = ev.n_dim
    bounds = _check_bounds(bounds)
    if beta_shape not in _BETA_SHAPES:
        raise InvalidParameterError(
            f"beta_shape must be one of {_BETA_SHAPES}. Got {beta_shape!r}."
        )
    if correction not in _CORRECTIONS:
        raise InvalidParameterError(
            f"correction must be one of {_CORRECTIONS}. Got {correction!r}."
        )
    if not 0 < level < 1:
        raise InvalidParameterError(f"level must be in (0, 1). Got {level!r}.")
    if int(n_starts) < 1 or int(n_grid) < 3:
        raise InvalidParameterError(
            f"n_starts must be >= 1 and n_grid >= 3. Got {n_starts!r}, {n_grid!r}."
        )
    info: dict = {"beta_shape": beta_shape if beta is None else "fixed", "bounds": bounds}
    if beta is not None:
        beta_m = expand_beta(beta, D)
        if np.any(beta_m <= 0):
            raise InvalidParameterError(f"beta must be > 0 (1/ms). Got {beta!r}.")
        design = _Design(ev, beta_m)
        X, nll, ok = _solve_all(design, _initial(ev, bounds), bounds)
        beta_out = beta if np.ndim(beta) == 0 else np.asarray(beta, dtype=np.float64)
        beta_out = float(beta_out) if np.ndim(beta) == 0 else beta_out
        starts = [-float(nll.sum())]
    else:
        b, X, nll_tot, starts, ok = _profile_shared(ev, bounds, int(n_starts), int(n_grid))
        beta_out = b
        beta_m = expand_beta(b, D)
        if beta_shape != "shared":
            beta_out, res = _joint_refine(ev, X, beta_m, beta_shape, bounds)
            info["joint"] = {"success": bool(res.success), "message": str(res.message),
                             "iterations": int(res.nit)}
            beta_m = expand_beta(beta_out, D)
        design = _Design(ev, beta_m)
        X, nll, ok = _solve_all(design, X, bounds)
    mu, alpha = X[:, 0].copy(), X[:, 1:].copy()
    ll = float(loglik_arrays(ev, mu * 1e-3, alpha, beta_m, False)[0])
    rho = spectral_radius(alpha)
    if rho >= 1:
        warnings.warn(
            f"The fitted alpha has spectral radius {rho:.3g} >= 1 (non-stationary fit).",
            RuntimeWarning,
            stacklevel=2,
        )
    info["converged"] = bool(ok)
    pvalues = significant = None
    if test:
        pvalues = _lrt(design, X, nll, bounds)
        significant = adjust_pvalues(pvalues, correction) < level
        info["test"] = {"kind": "likelihood ratio (chi2 mixture)", "level": level,
                        "correction": correction}
    info["fit_seconds"] = time.perf_counter() - t0
    return HawkesEstimate(
        mu=mu, alpha=alpha, beta=beta_out, log_likelihood=ll, method="mle", n_events=len(ev),
        t_stop_ms=ev.t_stop, spectral_radius=rho, significant=significant, pvalues=pvalues,
        starts=starts, names=list(names) if names is not None else [str(i) for i in range(D)],
        info=info,
    )
