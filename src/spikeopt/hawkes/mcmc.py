"""Bayesian Hawkes fit: NUTS on the exact log-likelihood, two samplers.

``sampler="numba"`` (the default) is Stan's NUTS compiled with numba
(:mod:`spikeopt.hawkes.nuts`) calling the compiled likelihood and its analytic
gradient directly: no JAX, nothing beyond the core dependencies.
``sampler="numpyro"`` is numpyro's NUTS with the same model; it needs the optional
extra ``mcmc`` (``pip install 'spikeopt[mcmc]'``: numpyro, jax). JAX is imported
only on that path, and 64-bit floats are switched on in JAX then
(``jax_enable_x64``) so that the likelihood matches the compiled one.

numpyro's likelihood is the compiled kernel (``backend="numba"``, through
``jax.pure_callback``) or the same recursion written in JAX (``backend="jax"``),
evaluated in chunks of L events: dense L x L sums inside a chunk and a carried
decayed state between chunks (``jax.lax.scan``), O(N L D) work with few, large
operations (fast to compile and to differentiate). Events sharing a time stamp
do not excite each other, exactly as in the compiled kernel.

Priors (units as everywhere: mu in Hz, beta in 1/ms), identical for both samplers:
``mu_i ~ HalfNormal(10 x the largest observed rate)``,
``alpha_ij ~ Exponential(1)`` (mean 1, mildly favouring small effects),
``log beta ~ Uniform(log beta_lo, log beta_hi)`` on the decay bounds; sampled in
numpyro's unconstrained coordinates (log mu, log alpha, logit of the scaled log beta).
"""

from __future__ import annotations

import math
import time

import numpy as np

from .._rng import check_rng
from ..errors import InvalidParameterError
from . import nuts
from ._logdensity import hawkes_constrain, hawkes_target, hawkes_unconstrain, log_density
from .estimate import HawkesEstimate
from .likelihood import (
    HawkesEvents,
    expand_beta,
    loglik_arrays,
    prepare_events,
    reduce_beta_grad,
)
from .nuts import effective_sample_size, split_rhat
from .simulate import spectral_radius

__all__ = ["fit_mcmc", "jax_log_likelihood"]

_INSTALL_HINT = (
    "method='mcmc' needs numpyro and jax: pip install 'spikeopt[mcmc]' "
    "(or pip install numpyro jax)."
)


def _import_jax():
    try:
        import jax
        import numpyro
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(_INSTALL_HINT) from exc
    jax.config.update("jax_enable_x64", True)
    return jax, numpyro


def _event_arrays(ev: HawkesEvents, pad_to: int | None = None, chunk: int = 32) -> dict:
    """Numpy arrays for the JAX likelihood, in chunks of ``chunk`` events.

    Padding (to ``pad_to`` events, then to a multiple of ``chunk``) adds weight-0
    events at t_stop that neither excite nor count.
    """
    D = ev.n_dim
    n = ev.times.size
    size = n if pad_to is None else int(pad_to)
    if size < n:
        raise InvalidParameterError(f"pad_to={pad_to} is smaller than the {n} events.")
    size = max(chunk, -(-size // chunk) * chunk)
    t = np.full(size, ev.t_stop)
    mark = np.zeros(size, dtype=np.int64)
    weight = np.zeros(size)
    t[:n] = ev.times
    mark[:n] = ev.marks
    weight[:n] = 1.0
    onehot = np.zeros((size, D))
    onehot[np.arange(n), ev.marks] = 1.0
    return {"t": t.reshape(-1, chunk), "mark": mark, "weight": weight,
            "x": onehot.reshape(-1, chunk, D), "T": np.float64(ev.t_stop)}


def _loglik_fn(jnp, lax, D: int, pair: bool):
    """Build ``ll(mu_hz, alpha, beta_rows, data)``; beta_rows is (D, D) if pair else (1, D).

    The events are cut into chunks of L: within a chunk the excitation is a dense
    L x L sum (strictly earlier events only), across chunks a carried state
    ``S_ref`` (decayed sums up to the previous chunk's last time ``t_ref``, minus
    the events exactly at ``t_ref`` for ties) propagates in a ``lax.scan``.
    """

    def step(beta_rows, carry, chunk):
        S_ref, x_tie, t_ref = carry
        t, x = chunk  # (L,), (L, D)
        delta = t[:, None] - t[None, :]  # (L, L): t_a - t_b
        earlier = delta > 0
        safe = jnp.where(earlier, delta, 0.0)
        K = jnp.where(earlier[:, :, None, None],
                      jnp.exp(-beta_rows[None, None] * safe[:, :, None, None]), 0.0)
        R = jnp.einsum("abrj,bj->arj", K, x)  # (L, R, D)
        d_in = t - t_ref
        tie = (d_in == 0)[:, None, None]
        R = R + jnp.exp(-beta_rows[None] * d_in[:, None, None]) * S_ref[None]
        R = R - jnp.where(tie, x_tie[None, None, :], 0.0)
        t_last = t[-1]
        S_new = jnp.exp(-beta_rows * (t_last - t_ref)) * S_ref + jnp.einsum(
            "brj,bj->rj", jnp.exp(-beta_rows[None] * (t_last - t)[:, None, None]), x)
        x_tie_new = jnp.sum(jnp.where((t == t_last)[:, None], x, 0.0), axis=0)
        return (S_new, x_tie_new, t_last), R

    def ll(mu_hz, alpha, beta_rows, data):
        n_rows = beta_rows.shape[0]
        init = (jnp.zeros((n_rows, D)), jnp.zeros(D), jnp.asarray(0.0))
        _, R = lax.scan(lambda c, ch: step(beta_rows, c, ch), init, (data["t"], data["x"]))
        R = R.reshape(-1, n_rows, D)
        m = data["mark"]
        row = m if pair else jnp.zeros_like(m)
        Rm = R[jnp.arange(m.size), row, :]  # (N, D)
        B = beta_rows[row, :]
        lam = mu_hz[m] * 1e-3 + jnp.sum(alpha[m, :] * B * Rm, axis=1)
        w = data["weight"]
        log_term = jnp.sum(w * jnp.log(jnp.where(w > 0, lam, 1.0)))
        rest = data["T"] - data["t"].reshape(-1)
        if pair:
            E = 1.0 - jnp.exp(-beta_rows[:, m].T * rest[:, None])  # (N, D targets)
            comp_alpha = jnp.sum(w[:, None] * alpha[:, m].T * E)
        else:
            E = 1.0 - jnp.exp(-beta_rows[0, m] * rest)
            comp_alpha = jnp.sum(w * jnp.sum(alpha, axis=0)[m] * E)
        return log_term - jnp.sum(mu_hz) * 1e-3 * data["T"] - comp_alpha

    return ll


def _numba_loglik_fn(jax, ev: HawkesEvents, beta_dims: tuple):
    """``ll(mu_hz, alpha, beta)`` as a JAX function whose value and gradient come
    from the compiled kernel (``jax.pure_callback`` + ``custom_vjp``)."""
    jnp = jax.numpy
    D = ev.n_dim
    f64 = jnp.float64
    shapes = (jax.ShapeDtypeStruct((), f64), jax.ShapeDtypeStruct((D,), f64),
              jax.ShapeDtypeStruct((D, D), f64), jax.ShapeDtypeStruct(beta_dims, f64))

    def host(mu, alpha, beta):
        beta = np.asarray(beta, dtype=np.float64)
        ll, gm, ga, gb = loglik_arrays(ev, np.asarray(mu, dtype=np.float64) * 1e-3,
                                       np.ascontiguousarray(alpha, dtype=np.float64),
                                       expand_beta(beta, D), True)
        gbr = np.asarray(reduce_beta_grad(gb, beta), dtype=np.float64).reshape(beta_dims)
        return (np.float64(ll), gm * 1e-3, ga, gbr)

    def call(mu, alpha, beta):
        return jax.pure_callback(host, shapes, mu, alpha, beta)

    @jax.custom_vjp
    def ll(mu, alpha, beta):
        return call(mu, alpha, beta)[0]

    def fwd(mu, alpha, beta):
        val, gm, ga, gb = call(mu, alpha, beta)
        return val, (gm, ga, gb)

    def bwd(res, g):
        gm, ga, gb = res
        return g * gm, g * ga, g * gb

    ll.defvjp(fwd, bwd)
    return ll


def _beta_rows(jnp, beta, D, shape):
    if shape == "shared":
        return jnp.full((1, D), beta)
    if shape == "source":
        return beta[None, :]
    return beta


def _curvature_mass(jax, model, data, init):
    """A diagonal inverse mass matrix for NUTS from the posterior's curvature at the
    (jittered) MLE: ``1 / H_ii``, the conditional variances, with ``H_ii`` the
    second derivatives of the potential in the unconstrained coordinates by
    central differences of its gradient (2 n gradients); 1 (NUTS' identity) where
    the curvature is not positive. NUTS then starts warm-up with steps scaled to
    the posterior instead of the identity; its mass-matrix adaptation continues
    from there."""
    from jax.flatten_util import ravel_pytree
    from numpyro.infer.util import potential_energy

    u0, unravel = ravel_pytree(init)
    grad = jax.jit(jax.grad(lambda u: potential_energy(model, (data,), {}, unravel(u))))
    u0 = np.asarray(u0, dtype=np.float64)
    n = u0.size
    diag = np.empty(n)
    for i in range(n):
        h = 1e-4 * max(1.0, abs(u0[i]))
        e = np.zeros(n)
        e[i] = h
        diag[i] = (float(grad(u0 + e)[i]) - float(grad(u0 - e)[i])) / (2 * h)
    ok = np.isfinite(diag) & (diag > 0)
    var = np.where(ok, 1.0 / np.where(ok, diag, 1.0), 1.0)
    return jax.numpy.asarray(var)


def jax_log_likelihood(spikes, mu, alpha, beta, *, t_stop: float | None = None) -> float:
    """The exact log-likelihood evaluated with the JAX code that NUTS uses
    (for checking it against :func:`spikeopt.hawkes.log_likelihood`)."""
    jax, _ = _import_jax()
    jnp = jax.numpy
    ev = prepare_events(spikes, t_stop)
    D = ev.n_dim
    shape = ("shared", "source", "pair")[min(np.ndim(beta), 2)]
    fn = _loglik_fn(jnp, jax.lax, D, shape == "pair")
    data = {k: jnp.asarray(v) for k, v in _event_arrays(ev).items()}
    rows = _beta_rows(jnp, jnp.asarray(beta, dtype=jnp.float64), D, shape)
    return float(fn(jnp.asarray(mu, dtype=jnp.float64), jnp.asarray(alpha, dtype=jnp.float64),
                    rows, data))


def _numba_curvature_mass(target, q0: np.ndarray) -> np.ndarray:
    """:func:`_curvature_mass` for the numba sampler: ``1 / H_ii`` from central
    differences of the compiled gradient (2 n gradients), 1 where not positive."""
    n = q0.size
    g = np.empty(n)
    diag = np.empty(n)
    for i in range(n):
        h = 1e-4 * max(1.0, abs(q0[i]))
        q = q0.copy()
        q[i] = q0[i] + h
        log_density(target, q, g)
        up = g[i]
        q[i] = q0[i] - h
        log_density(target, q, g)
        diag[i] = -(up - g[i]) / (2 * h)
    ok = np.isfinite(diag) & (diag > 0)
    return np.where(ok, 1.0 / np.where(ok, diag, 1.0), 1.0)


def _starts(mle, gen, num_chains: int, lo: float, hi: float) -> list[dict]:
    """Every chain's start: the MLE jittered by ~10 % (log-normal), decays kept
    inside the prior's support."""
    out = []
    for _ in range(num_chains):
        jit = lambda x: np.asarray(x) * np.exp(0.1 * gen.standard_normal(np.shape(x)))  # noqa: E731
        lb = np.clip(np.log(jit(mle.beta)), math.log(lo) + 1e-3, math.log(hi) - 1e-3)
        out.append({"mu": np.maximum(jit(mle.mu), 1e-3),
                    "alpha": np.maximum(jit(mle.alpha), 1e-3), "log_beta": lb})
    return out


def _run_numba(ev, starts, gen, *, beta_shape, rate_scale, bounds, num_warmup, num_samples,
               mass_init, chain_method, max_tree_depth):
    """NUTS compiled with numba (:mod:`.nuts`): draws by chain and sampler facts."""
    D = ev.n_dim
    target = hawkes_target(ev, beta_shape, rate_scale, bounds)
    init = np.stack([hawkes_unconstrain(s["mu"], s["alpha"], s["log_beta"], bounds)
                     for s in starts])
    inv_mass = _numba_curvature_mass(target, init[0]) if mass_init == "curvature" else None
    res = nuts.sample(target, init, rng=gen, num_warmup=num_warmup, num_samples=num_samples,
                      inv_mass=inv_mass, max_depth=max_tree_depth, chain_method=chain_method)
    mu, alpha, beta = hawkes_constrain(res.draws, D, beta_shape, bounds)
    n_curv = 2 * init.shape[1] if mass_init == "curvature" else 0
    facts = {"divergences": res.divergences, "n_leapfrog": res.n_leapfrog,
             "n_evaluations": res.n_leapfrog + n_curv,
             "accept_stat": float(res.accept_stat.mean()),
             "step_size": [float(x) for x in res.step_size],
             "mean_tree_depth": float(res.tree_depth.mean()), "chain_method": chain_method}
    return {"mu": mu, "alpha": alpha, "beta": beta}, facts


def _run_numpyro(ev, starts, gen, *, beta_shape, rate_scale, bounds, num_warmup, num_samples,
                 num_chains, backend, pad_to, mass_init, dense_mass, progress_bar):
    """numpyro's NUTS with the compiled likelihood (``pure_callback``) or the JAX one."""
    jax, numpyro = _import_jax()
    jnp = jax.numpy
    import numpyro.distributions as dist
    from numpyro.infer import MCMC, NUTS
    from numpyro.infer.util import unconstrain_fn

    D = ev.n_dim
    lo, hi = bounds
    beta_dims = {"shared": (), "source": (D,), "pair": (D, D)}[beta_shape]
    if backend == "numba":
        data = None
        nb_ll = _numba_loglik_fn(jax, ev, beta_dims)

        def ll_fn(mu, alpha, beta, data):
            return nb_ll(mu, alpha, beta)
    else:
        data = {k: jnp.asarray(v) for k, v in _event_arrays(ev, pad_to).items()}
        jax_ll = _loglik_fn(jnp, jax.lax, D, beta_shape == "pair")

        def ll_fn(mu, alpha, beta, data):
            return jax_ll(mu, alpha, _beta_rows(jnp, beta, D, beta_shape), data)

    def model(data):
        mu = numpyro.sample("mu", dist.HalfNormal(rate_scale).expand([D]).to_event(1))
        alpha = numpyro.sample("alpha", dist.Exponential(1.0).expand([D, D]).to_event(2))
        log_beta = numpyro.sample(
            "log_beta",
            dist.Uniform(math.log(lo), math.log(hi)).expand(list(beta_dims)).to_event(
                len(beta_dims)),
        )
        beta = jnp.exp(log_beta)
        numpyro.factor("loglik", ll_fn(mu, alpha, beta, data))

    inits = [unconstrain_fn(model, (data,), {}, {k: jnp.asarray(v) for k, v in s.items()})
             for s in starts]
    init_params = (inits[0] if num_chains == 1 else
                   jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *inits))
    inv_mass = _curvature_mass(jax, model, data, inits[0]) if mass_init == "curvature" else None
    if inv_mass is not None and dense_mass:
        inv_mass = jnp.diag(inv_mass)
    kernel = NUTS(model, inverse_mass_matrix=inv_mass, dense_mass=bool(dense_mass))
    mcmc = MCMC(kernel, num_warmup=num_warmup, num_samples=num_samples, num_chains=num_chains,
                chain_method="sequential", progress_bar=progress_bar)
    key = jax.random.PRNGKey(int(gen.integers(2**31)))
    mcmc.run(key, data, init_params=init_params, extra_fields=("num_steps", "accept_prob"))
    by_chain = {k: np.asarray(v) for k, v in mcmc.get_samples(group_by_chain=True).items()}
    by_chain["beta"] = np.exp(by_chain.pop("log_beta"))
    extra = mcmc.get_extra_fields()
    facts = {"divergences": int(np.asarray(extra["diverging"]).sum()),
             "n_leapfrog_sampling": int(np.asarray(extra["num_steps"]).sum()),
             "accept_stat": float(np.asarray(extra["accept_prob"]).mean())}
    return by_chain, facts


def fit_mcmc(
    spikes,
    *,
    rng=0,
    beta_shape: str = "shared",
    t_stop: float | None = None,
    num_warmup: int = 500,
    num_samples: int = 1000,
    num_chains: int = 2,
    ci_level: float = 0.95,
    min_effect: float = 0.01,
    beta_bounds: tuple[float, float] = (1e-3, 10.0),
    sampler: str | None = None,
    backend: str = "numba",
    pad_to: int | None = None,
    progress_bar: bool = False,
    names=None,
    mass_init: str = "curvature",
    dense_mass: bool = False,
    chain_method: str = "threads",
    max_tree_depth: int = 10,
) -> HawkesEstimate:
    """Posterior over (mu, alpha, beta) by NUTS, started near the MLE.

    Parameters
    ----------
    spikes : SpikeTrains or list of arrays
        D trains, times in ms.
    rng : int or numpy.random.Generator
        Seed of the chains' starting jitter and of the sampler's streams.
    beta_shape : {"shared", "source", "pair"}
        One decay (1/ms), one per source train, or one per pair.
    num_warmup, num_samples, num_chains : int
        NUTS settings (warm-up steps are discarded; draws per chain).
    ci_level : float
        Mass of the equal-tailed credible intervals in ``ci``.
    min_effect : float
        ``alpha[i, j]`` is ``significant`` when the lower end of its credible interval
        exceeds this branching ratio (alpha is non-negative, so an interval never
        contains 0 exactly; this states how close to 0 counts as "no effect").
    beta_bounds : (float, float)
        Support of the log-uniform prior on the decays (1/ms).
    sampler : {"numba", "numpyro"}, optional
        ``"numba"``: Stan's NUTS compiled with numba around the compiled likelihood
        (:mod:`spikeopt.hawkes.nuts`; no JAX needed); ``"numpyro"``: numpyro's NUTS
        (the ``mcmc`` extra). Default: ``"numba"``, or ``"numpyro"`` when an option
        only numpyro has is set (``backend="jax"``, ``pad_to``, ``dense_mass=True``).
        Both sample the same posterior (same priors, transforms and starts).
    backend : {"numba", "jax"}
        (numpyro) where the exact log-likelihood runs: ``"numba"`` calls the compiled
        kernel and its analytic gradient from JAX (``pure_callback``);
        ``"jax"`` uses the pure-JAX implementation (autodiff gradient; slower to
        compile and run on CPU, but traceable end to end, e.g. on a GPU).
    pad_to : int, optional
        (numpyro, ``backend="jax"``) pad the event arrays to this length (weight-0
        events) so that fits of data sets of similar size reuse one compiled sampler.
    mass_init : {"curvature", "identity"}
        The initial (diagonal) inverse mass matrix: from the posterior's curvature
        at the starting point (``"curvature"``: 2 n extra gradients; warm-up then
        starts with steps scaled to the posterior) or the identity. Warm-up adapts
        it either way.
    dense_mass : bool
        (numpyro) adapt a dense mass matrix (posterior correlations, e.g. between a
        baseline and the excitations into that train) instead of a diagonal one.
    chain_method : {"threads", "sequential"}
        (numba) one thread per chain or one chain after the other (the same
        draws); numpyro runs them one after the other.
    max_tree_depth : int
        (numba) at most 2^max_tree_depth - 1 leapfrog steps per iteration (10,
        numpyro's and Stan's default).

    Returns
    -------
    HawkesEstimate
        Posterior means in ``mu``/``alpha``/``beta``, draws in ``samples``,
        ``ci``, ``rhat`` and ``ess`` per parameter.
    """
    t0 = time.perf_counter()
    if beta_shape not in ("shared", "source", "pair"):
        raise InvalidParameterError(
            f"beta_shape must be 'shared', 'source' or 'pair'. Got {beta_shape!r}."
        )
    if not 0 < ci_level < 1:
        raise InvalidParameterError(f"ci_level must be in (0, 1). Got {ci_level!r}.")
    lo, hi = (float(x) for x in beta_bounds)
    if not 0 < lo < hi < math.inf:
        raise InvalidParameterError(f"beta_bounds must be 0 < low < high. Got {beta_bounds!r}.")
    if backend not in ("numba", "jax"):
        raise InvalidParameterError(f"backend must be 'numba' or 'jax'. Got {backend!r}.")
    if mass_init not in ("curvature", "identity"):
        raise InvalidParameterError(
            f"mass_init must be 'curvature' or 'identity'. Got {mass_init!r}.")
    numpyro_only = backend == "jax" or pad_to is not None or bool(dense_mass)
    if sampler is None:
        sampler = "numpyro" if numpyro_only else "numba"
    if sampler not in ("numba", "numpyro"):
        raise InvalidParameterError(f"sampler must be 'numba' or 'numpyro'. Got {sampler!r}.")
    if sampler == "numba" and numpyro_only:
        raise InvalidParameterError(
            "backend='jax', pad_to and dense_mass=True are options of sampler='numpyro'; "
            f"got them with sampler='numba' (backend={backend!r}, pad_to={pad_to!r}, "
            f"dense_mass={dense_mass!r}).")
    gen = check_rng(rng)

    from .mle import fit_mle

    ev = prepare_events(spikes, t_stop)
    D = ev.n_dim
    rate_scale = 10.0 * max(float(ev.counts.max()) / ev.t_stop * 1e3, 1e-3)
    # start every chain near the maximum-likelihood point (jittered)
    mle = fit_mle(ev, beta_shape=beta_shape, test=False, bounds={"beta": (lo, hi)},
                  n_starts=1, n_grid=8)
    starts = _starts(mle, gen, num_chains, lo, hi)
    common = {"beta_shape": beta_shape, "rate_scale": rate_scale, "bounds": (lo, hi),
              "num_warmup": num_warmup, "num_samples": num_samples, "mass_init": mass_init}
    if sampler == "numba":
        by_chain, facts = _run_numba(ev, starts, gen, chain_method=chain_method,
                                     max_tree_depth=max_tree_depth, **common)
    else:
        by_chain, facts = _run_numpyro(ev, starts, gen, num_chains=num_chains, backend=backend,
                                       pad_to=pad_to, dense_mass=dense_mass,
                                       progress_bar=progress_bar, **common)
    samples = {k: v.reshape((-1,) + v.shape[2:]) for k, v in by_chain.items()}
    q = (1 - ci_level) / 2
    ci = {k: (np.quantile(v, q, axis=0), np.quantile(v, 1 - q, axis=0)) for k, v in
          samples.items()}
    rhat = ({k: split_rhat(v) for k, v in by_chain.items()} if num_samples >= 4 else
            {k: np.full(v.shape[2:], np.nan) for k, v in by_chain.items()})
    ess = ({k: effective_sample_size(v) for k, v in by_chain.items()} if num_samples >= 2 else
           {k: np.full(v.shape[2:], np.nan) for k, v in by_chain.items()})
    mu = samples["mu"].mean(axis=0)
    alpha = samples["alpha"].mean(axis=0)
    beta_mean = samples["beta"].mean(axis=0)
    beta_out = float(beta_mean) if beta_shape == "shared" else beta_mean
    ll = float(loglik_arrays(ev, mu * 1e-3, alpha, expand_beta(beta_out, D), False)[0])
    info = {
        "beta_shape": beta_shape, "sampler": sampler, "backend": backend, "mass_init": mass_init,
        "dense_mass": bool(dense_mass),
        "num_warmup": num_warmup, "num_samples": num_samples, "num_chains": num_chains,
        "ci_level": ci_level, "min_effect": min_effect,
        **facts,
        "max_rhat": float(max(np.nanmax(v) for v in rhat.values())),
        "min_ess": float(min(np.nanmin(v) for v in ess.values())),
        "priors": {"mu": f"HalfNormal({rate_scale:.4g} Hz)", "alpha": "Exponential(1)",
                   "beta": f"log-uniform({lo:g}, {hi:g}) 1/ms"},
        "mle_log_likelihood": mle.log_likelihood,
        "fit_seconds": time.perf_counter() - t0,
    }
    return HawkesEstimate(
        mu=mu, alpha=alpha, beta=beta_out, log_likelihood=ll, method="mcmc", n_events=len(ev),
        t_stop_ms=ev.t_stop, spectral_radius=spectral_radius(alpha),
        significant=ci["alpha"][0] > min_effect, ci=ci, samples=samples, rhat=rhat, ess=ess,
        names=list(names) if names is not None else [str(i) for i in range(D)], info=info,
    )
