"""No-U-turn sampler compiled with numba around the compiled Hawkes likelihood.

Stan's algorithm (Betancourt 2017, "A conceptual introduction to Hamiltonian
Monte Carlo", appendix A; Stan's ``base_nuts``): multinomial sampling of the
trajectory, recursive tree doubling up to ``max_depth`` (10), the generalized
no-U-turn criterion checked across the whole tree and across the two merged
subtrees, a divergence when the energy error exceeds 1000. Warm-up as Stan's:
dual-averaging step size (Hoffman & Gelman 2014: target acceptance 0.8,
gamma 0.05, t0 10, kappa 0.75, mu = log(10 eps)), the initial step-size
heuristic after each metric update, and a diagonal inverse metric from the
regularized Welford variance of doubling windows (initial buffer 75, first
window 25, terminal buffer 50).

The trajectory (leapfrog, tree, multinomial choices) runs in one compiled,
GIL-free call per iteration that evaluates the target's log density directly
(no JAX, no callbacks); adaptation is a few numpy operations per iteration.
Targets are the tuples of :mod:`spikeopt.hawkes._logdensity`.

>>> import numpy as np
>>> from spikeopt.hawkes import nuts
>>> target = nuts.gaussian_target([1.0, -2.0], [[1.0, 0.5], [0.5, 2.0]])
>>> res = nuts.sample(target, np.zeros((2, 2)), rng=0, num_warmup=200, num_samples=500)
>>> res.draws.shape, res.divergences
((2, 500, 2), 0)
>>> bool(np.allclose(res.draws.mean(axis=(0, 1)), [1.0, -2.0], atol=0.3))
True
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numba as nb
import numpy as np

from .._numba_cache import drop_stale_cache
from .._rng import check_rng
from ..errors import InvalidParameterError
from ._logdensity import gaussian_target, log_density

__all__ = ["NutsResult", "effective_sample_size", "gaussian_target", "sample", "split_rhat"]

# the compiled trajectory inlines the log densities and the likelihood kernels
_HERE = Path(__file__).resolve().parent
drop_stale_cache(__file__, [_HERE / "_logdensity.py", _HERE / "likelihood.py"])

MAX_DELTA_H = 1000.0


# ----------------------------------------------------------------------------- trajectory
# A phase-space point is one array z = [q (n), p (n), grad log p (n), log p].

@nb.njit(cache=True, nogil=True)
def _leapfrog(target, z, eps, inv_mass):
    """One leapfrog step of ``eps`` (negative: backwards), in place; returns H."""
    n = inv_mass.size
    for i in range(n):
        z[n + i] += 0.5 * eps * z[2 * n + i]
        z[i] += eps * inv_mass[i] * z[n + i]
    z[3 * n] = log_density(target, z[:n], z[2 * n:3 * n])
    kin = 0.0
    for i in range(n):
        z[n + i] += 0.5 * eps * z[2 * n + i]
        kin += inv_mass[i] * z[n + i] ** 2
    h = 0.5 * kin - z[3 * n]
    return np.inf if math.isnan(h) else h


@nb.njit(cache=True, nogil=True)
def _draw_momentum(z, inv_mass, rng):
    """Fresh momentum ``p ~ N(0, M)`` into ``z``; returns H."""
    n = inv_mass.size
    kin = 0.0
    for i in range(n):
        p = rng.standard_normal() / math.sqrt(inv_mass[i])
        z[n + i] = p
        kin += inv_mass[i] * p * p
    return 0.5 * kin - z[3 * n]


@nb.njit(cache=True, nogil=True)
def _logaddexp(a, b):
    if a == -np.inf:
        return b
    if b == -np.inf:
        return a
    m = max(a, b)
    return m + math.log(math.exp(a - m) + math.exp(b - m))


@nb.njit(cache=True, nogil=True)
def _no_uturn(p_sharp_minus, p_sharp_plus, rho):
    """Stan's criterion: both ends' velocities still point along the summed momentum."""
    return np.dot(p_sharp_plus, rho) > 0.0 and np.dot(p_sharp_minus, rho) > 0.0


@nb.njit(cache=True, nogil=True)
def _build_tree(depth, z, z_prop, p_sharp_beg, p_sharp_end, rho, p_beg, p_end, lsw,
                H0, eps, inv_mass, target, rng, stats):
    """Stan's ``build_tree``: 2^depth leapfrog steps from ``z`` (moved in place).

    Fills the subtree's proposal ``z_prop``, its end momenta and velocities, adds
    its summed momentum to ``rho`` and its log weight to ``lsw[0]``. ``stats`` =
    [leapfrog steps, summed acceptance probabilities, divergent]. Returns whether
    the subtree is valid (no divergence, no U-turn inside).
    """
    n = inv_mass.size
    if depth == 0:
        h = _leapfrog(target, z, eps, inv_mass)
        stats[0] += 1.0
        if h - H0 > MAX_DELTA_H:
            stats[2] = 1.0
        lsw[0] = _logaddexp(lsw[0], H0 - h)
        stats[1] += 1.0 if H0 - h > 0.0 else math.exp(H0 - h)
        z_prop[:] = z
        for i in range(n):
            p = z[n + i]
            p_sharp_beg[i] = inv_mass[i] * p
            p_sharp_end[i] = inv_mass[i] * p
            rho[i] += p
            p_beg[i] = p
            p_end[i] = p
        return stats[2] == 0.0
    # the initial subtree
    lsw_init = np.full(1, -np.inf)
    p_init_end = np.zeros(n)
    p_sharp_init_end = np.zeros(n)
    rho_init = np.zeros(n)
    if not _build_tree(depth - 1, z, z_prop, p_sharp_beg, p_sharp_init_end, rho_init, p_beg,
                       p_init_end, lsw_init, H0, eps, inv_mass, target, rng, stats):
        return False
    # the final subtree
    z_final = np.empty_like(z)
    lsw_final = np.full(1, -np.inf)
    p_final_beg = np.zeros(n)
    p_sharp_final_beg = np.zeros(n)
    rho_final = np.zeros(n)
    if not _build_tree(depth - 1, z, z_final, p_sharp_final_beg, p_sharp_end, rho_final,
                       p_final_beg, p_end, lsw_final, H0, eps, inv_mass, target, rng, stats):
        return False
    # multinomial choice between the two halves (uniform within the subtree)
    lsw_sub = _logaddexp(lsw_init[0], lsw_final[0])
    lsw[0] = _logaddexp(lsw[0], lsw_sub)
    if lsw_final[0] > lsw_sub or rng.random() < math.exp(lsw_final[0] - lsw_sub):
        z_prop[:] = z_final
    rho_sub = rho_init + rho_final
    rho += rho_sub
    # no U-turn across the merged subtree, and across each half extended by one point
    persist = _no_uturn(p_sharp_beg, p_sharp_end, rho_sub)
    persist &= _no_uturn(p_sharp_beg, p_sharp_final_beg, rho_init + p_final_beg)
    persist &= _no_uturn(p_sharp_init_end, p_sharp_end, rho_final + p_init_end)
    return persist


@nb.njit(cache=True, nogil=True)
def _transition(z0, eps, inv_mass, max_depth, target, rng, out):
    """One NUTS iteration from ``z0`` (its momentum is redrawn); the draw goes to
    ``out``. Returns (acceptance statistic, leapfrog steps, divergent, depth)."""
    n = inv_mass.size
    z = z0.copy()
    H0 = _draw_momentum(z, inv_mass, rng)
    z_fwd = z.copy()
    z_bck = z.copy()
    z_sample = z.copy()
    z_prop = z.copy()
    p = z[n:2 * n].copy()
    p_sharp = inv_mass * p
    p_fwd_fwd, p_fwd_bck, p_bck_fwd, p_bck_bck = p.copy(), p.copy(), p.copy(), p.copy()
    ps_fwd_fwd, ps_fwd_bck = p_sharp.copy(), p_sharp.copy()
    ps_bck_fwd, ps_bck_bck = p_sharp.copy(), p_sharp.copy()
    rho = p.copy()
    lsw = 0.0
    stats = np.zeros(3)
    lsw_sub = np.empty(1)
    depth = 0
    while depth < max_depth:
        rho_fwd = np.zeros(n)
        rho_bck = np.zeros(n)
        lsw_sub[0] = -np.inf
        if rng.random() > 0.5:
            rho_bck[:] = rho
            p_bck_fwd[:] = p_fwd_bck
            ps_bck_fwd[:] = ps_fwd_bck
            valid = _build_tree(depth, z_fwd, z_prop, ps_fwd_bck, ps_fwd_fwd, rho_fwd, p_fwd_bck,
                                p_fwd_fwd, lsw_sub, H0, eps, inv_mass, target, rng, stats)
        else:
            rho_fwd[:] = rho
            p_fwd_bck[:] = p_bck_fwd
            ps_fwd_bck[:] = ps_bck_fwd
            valid = _build_tree(depth, z_bck, z_prop, ps_bck_fwd, ps_bck_bck, rho_bck, p_bck_fwd,
                                p_bck_bck, lsw_sub, H0, -eps, inv_mass, target, rng, stats)
        if not valid:
            break
        depth += 1
        # biased progressive sampling: favour the new subtree
        if lsw_sub[0] > lsw or rng.random() < math.exp(lsw_sub[0] - lsw):
            z_sample[:] = z_prop
        lsw = _logaddexp(lsw, lsw_sub[0])
        rho = rho_bck + rho_fwd
        persist = _no_uturn(ps_bck_bck, ps_fwd_fwd, rho)
        persist &= _no_uturn(ps_bck_bck, ps_fwd_bck, rho_bck + p_fwd_bck)
        persist &= _no_uturn(ps_bck_fwd, ps_fwd_fwd, rho_fwd + p_bck_fwd)
        if not persist:
            break
    out[:] = z_sample
    return stats[1] / max(stats[0], 1.0), int(stats[0]), stats[2] > 0.0, depth


@nb.njit(cache=True, nogil=True)
def _init_step_size(z0, eps, inv_mass, target, rng):
    """Stan's heuristic: double or halve ``eps`` until one leapfrog step's acceptance
    probability crosses 0.8. Returns (eps, leapfrog steps)."""
    z = z0.copy()
    H0 = _draw_momentum(z, inv_mass, rng)
    h = _leapfrog(target, z, eps, inv_mass)
    steps = 1
    direction = 1 if H0 - h > math.log(0.8) else -1
    while True:
        z[:] = z0
        H0 = _draw_momentum(z, inv_mass, rng)
        h = _leapfrog(target, z, eps, inv_mass)
        steps += 1
        dH = H0 - h
        if direction == 1 and not dH > math.log(0.8):
            break
        if direction == -1 and not dH < math.log(0.8):
            break
        eps = 2.0 * eps if direction == 1 else 0.5 * eps
        if eps > 1e7 or eps == 0.0 or steps > 200:
            break
    return eps, steps


def _start(target, q) -> np.ndarray:
    """The phase-space point at ``q`` (momentum 0). Plain Python: every compiled entry
    point links its own copy of the likelihood kernels, so fewer entries compile faster."""
    n = q.size
    z = np.zeros(3 * n + 1)
    z[:n] = q
    z[3 * n] = log_density(target, z[:n], z[2 * n:3 * n])
    return z


# ----------------------------------------------------------------------------- adaptation

class _DualAveraging:
    """Hoffman & Gelman (2014) step-size adaptation with Stan's constants."""

    def __init__(self, eps: float, delta: float = 0.8, gamma: float = 0.05, t0: float = 10.0,
                 kappa: float = 0.75):
        self.delta, self.gamma, self.t0, self.kappa = delta, gamma, t0, kappa
        self.restart(eps)

    def restart(self, eps: float) -> None:
        self.mu = math.log(10.0 * eps)
        self.counter = 0
        self.s_bar = 0.0
        self.x_bar = 0.0

    def update(self, accept_stat: float) -> float:
        self.counter += 1
        eta = 1.0 / (self.counter + self.t0)
        self.s_bar = (1 - eta) * self.s_bar + eta * (self.delta - min(1.0, accept_stat))
        x = self.mu - self.s_bar * math.sqrt(self.counter) / self.gamma
        x_eta = self.counter ** -self.kappa
        self.x_bar = (1 - x_eta) * self.x_bar + x_eta * x
        return math.exp(x)

    def final(self) -> float:
        return math.exp(self.x_bar)


class _Windows:
    """Stan's windowed metric adaptation: which warm-up iterations feed the variance
    estimate and after which the metric is updated."""

    def __init__(self, num_warmup: int, init_buffer: int = 75, term_buffer: int = 50,
                 base_window: int = 25):
        self.num_warmup = num_warmup
        if init_buffer + base_window + term_buffer > num_warmup:
            init_buffer = int(0.15 * num_warmup)
            term_buffer = int(0.1 * num_warmup)
            base_window = num_warmup - (init_buffer + term_buffer)
        self.init_buffer, self.term_buffer = init_buffer, term_buffer
        self.counter = 0
        self.size = base_window
        self.next_end = init_buffer + base_window - 1
        self.active = num_warmup >= 20

    def step(self) -> tuple[bool, bool]:
        """(collect this iteration's position, update the metric after it)."""
        c, W = self.counter, self.num_warmup
        collect = self.active and self.init_buffer <= c < W - self.term_buffer
        end = self.active and c == self.next_end
        if end and self.next_end != W - self.term_buffer - 1:
            self.size *= 2
            self.next_end = c + self.size
            if self.next_end + 2 * self.size >= W - self.term_buffer:
                self.next_end = W - self.term_buffer - 1
        self.counter += 1
        return collect, end


def _regularized(draws: list) -> np.ndarray:
    """Stan's regularized sample variance: shrunk towards 1e-3 with weight 5 / (n + 5)."""
    x = np.asarray(draws)
    n = x.shape[0]
    var = x.var(axis=0, ddof=1)
    return (n / (n + 5.0)) * var + 1e-3 * (5.0 / (n + 5.0))


# ----------------------------------------------------------------------------- driver

@dataclass(frozen=True)
class NutsResult:
    """Draws ``(chains, num_samples, n)`` in the target's coordinates and, per chain
    and draw, the acceptance statistic, leapfrog steps, divergence flag and tree
    depth; ``step_size`` and ``inv_mass`` per chain after warm-up; ``n_leapfrog``
    counts every log-density evaluation (warm-up, heuristic and sampling)."""

    draws: np.ndarray
    accept_stat: np.ndarray
    n_steps: np.ndarray
    diverging: np.ndarray
    tree_depth: np.ndarray
    step_size: np.ndarray
    inv_mass: np.ndarray
    n_leapfrog: int
    warmup_accept_stat: np.ndarray

    @property
    def divergences(self) -> int:
        return int(self.diverging.sum())


def _chain(target, q0, inv_mass0, num_warmup, num_samples, max_depth, seed):
    rng = np.random.default_rng(seed)
    inv_mass = np.ascontiguousarray(inv_mass0, dtype=np.float64).copy()
    z = _start(target, np.ascontiguousarray(q0, dtype=np.float64))
    if not math.isfinite(z[-1]):
        raise InvalidParameterError("The starting point has a log density of -inf or nan.")
    out = np.empty_like(z)
    n = q0.size
    eps, total = _init_step_size(z, 1.0, inv_mass, target, rng)
    total += 1  # the start
    da = _DualAveraging(eps)
    windows = _Windows(num_warmup)
    window: list = []
    warm_acc = np.empty(num_warmup)
    for it in range(num_warmup):
        acc, steps, _, _ = _transition(z, eps, inv_mass, max_depth, target, rng, out)
        z, out = out, z
        total += steps
        warm_acc[it] = acc
        eps = da.update(acc)
        collect, update = windows.step()
        if collect:
            window.append(z[:n].copy())
        if update:
            inv_mass = _regularized(window)
            window = []
            eps, steps = _init_step_size(z, eps, inv_mass, target, rng)
            total += steps
            da.restart(eps)
    if num_warmup > 0:
        eps = da.final()
    draws = np.empty((num_samples, n))
    acc_s = np.empty(num_samples)
    steps_s = np.empty(num_samples, dtype=np.int64)
    div = np.zeros(num_samples, dtype=bool)
    depth = np.empty(num_samples, dtype=np.int64)
    for it in range(num_samples):
        acc_s[it], steps_s[it], div[it], depth[it] = _transition(z, eps, inv_mass, max_depth,
                                                                 target, rng, out)
        z, out = out, z
        draws[it] = z[:n]
    total += int(steps_s.sum())
    return draws, acc_s, steps_s, div, depth, eps, inv_mass, total, warm_acc


def sample(target, init, *, rng, num_warmup: int = 500, num_samples: int = 1000,
           inv_mass=None, max_depth: int = 10, chain_method: str = "threads") -> NutsResult:
    """Draw from ``target`` with NUTS, one chain per row of ``init``.

    Parameters
    ----------
    target : tuple
        A target of :mod:`spikeopt.hawkes._logdensity` (e.g. :func:`gaussian_target`).
    init : array_like, shape (chains, n)
        Starting points in the target's (unconstrained) coordinates.
    rng : int or numpy.random.Generator
        One seed; each chain gets its own stream (``SeedSequence.spawn``).
    num_warmup, num_samples : int
        Adaptation iterations (discarded) and draws per chain.
    inv_mass : array_like, shape (n,), optional
        Initial diagonal inverse metric (default: ones); warm-up adapts it.
    max_depth : int
        Largest tree depth (at most 2^max_depth - 1 leapfrog steps per iteration).
    chain_method : {"threads", "sequential"}
        Each chain in its own thread (the compiled trajectory releases the GIL), or
        one after the other; the draws are identical either way.

    Returns
    -------
    NutsResult
    """
    init = np.atleast_2d(np.asarray(init, dtype=np.float64))
    C, n = init.shape
    if num_samples < 1 or num_warmup < 0:
        raise InvalidParameterError(
            f"num_samples must be >= 1 and num_warmup >= 0. Got {num_samples}, {num_warmup}.")
    if not 1 <= max_depth <= 30:
        raise InvalidParameterError(f"max_depth must be in [1, 30]. Got {max_depth!r}.")
    if chain_method not in ("sequential", "threads"):
        raise InvalidParameterError(
            f"chain_method must be 'sequential' or 'threads'. Got {chain_method!r}.")
    im = np.ones(n) if inv_mass is None else np.asarray(inv_mass, dtype=np.float64)
    if im.shape != (n,) or not np.all(np.isfinite(im) & (im > 0)):
        raise InvalidParameterError(
            f"inv_mass must be {n} finite values > 0. Got {inv_mass!r}.")
    gen = check_rng(rng)
    seeds = np.random.SeedSequence(int(gen.integers(2**63))).spawn(C)
    args = [(target, init[c], im, int(num_warmup), int(num_samples), int(max_depth), seeds[c])
            for c in range(C)]
    if chain_method == "threads" and C > 1:
        with ThreadPoolExecutor(max_workers=C) as pool:
            runs = list(pool.map(lambda a: _chain(*a), args))
    else:
        runs = [_chain(*a) for a in args]
    stack = [np.stack([r[k] for r in runs]) for k in range(5)]
    return NutsResult(
        draws=stack[0], accept_stat=stack[1], n_steps=stack[2], diverging=stack[3],
        tree_depth=stack[4], step_size=np.array([r[5] for r in runs]),
        inv_mass=np.stack([r[6] for r in runs]), n_leapfrog=int(sum(r[7] for r in runs)),
        warmup_accept_stat=np.stack([r[8] for r in runs]),
    )


# ----------------------------------------------------------------------------- diagnostics

def _chain_variances(x: np.ndarray):
    C, N = x.shape[:2]
    var_within = x.var(axis=1, ddof=1).mean(axis=0)
    var_est = var_within * (N - 1) / N
    if C > 1:
        var_est = var_est + x.mean(axis=1).var(axis=0, ddof=1)
    else:
        var_within = var_est
    return var_within, var_est


def split_rhat(x) -> np.ndarray:
    """Split R-hat of draws ``x (chains, draws, ...)`` (Gelman et al. 2013; as numpyro's
    ``split_gelman_rubin``)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2 or x.shape[1] < 4:
        raise InvalidParameterError(f"split_rhat needs (chains, >= 4 draws, ...). Got {x.shape}.")
    h = x.shape[1] // 2
    var_within, var_est = _chain_variances(np.concatenate([x[:, :h], x[:, -h:]], axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(var_est / var_within)


def effective_sample_size(x) -> np.ndarray:
    """Effective sample size of draws ``x (chains, draws, ...)``: Stan's estimator with
    Geyer's initial monotone sequence (as numpyro's ``effective_sample_size``)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2 or x.shape[1] < 2:
        raise InvalidParameterError(f"effective_sample_size needs (chains, >= 2 draws, ...). "
                                    f"Got {x.shape}.")
    N = x.shape[1]
    M = 2 * _next_fast_len(N)
    xs = np.swapaxes(x, 1, -1)
    freq = np.fft.rfft(xs - xs.mean(axis=-1, keepdims=True), n=M, axis=-1)
    acov = np.swapaxes(np.fft.irfft(freq * np.conjugate(freq), n=M, axis=-1)[..., :N] / N, 1, -1)
    var_within, var_est = _chain_variances(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = 1.0 - (var_within - acov.mean(axis=0)) / var_est
    rho[0] = 1.0
    pairs = rho[:-1:2] + rho[1::2]
    pairs = np.concatenate([pairs[:1], np.minimum.accumulate(np.clip(pairs[1:], 0, None),
                                                             axis=0)], axis=0)
    tau = -1.0 + 2.0 * pairs.sum(axis=0)
    return np.prod(x.shape[:2]) / tau


def _next_fast_len(n: int) -> int:
    if n <= 2:
        return n
    while True:
        m = n
        for f in (2, 3, 5):
            while m % f == 0:
                m //= f
        if m == 1:
            return n
        n += 1
