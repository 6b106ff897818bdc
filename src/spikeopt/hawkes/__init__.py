"""Multivariate Hawkes processes with exponential kernels: simulation, exact
likelihood, maximum likelihood and MCMC posterior, goodness of fit and figures.

Units: spike times in ms, baseline rates ``mu`` in Hz, branching ratios
``alpha[i, j]`` (effect of source train ``j`` on target ``i``; dimensionless),
decays ``beta`` in 1/ms (one shared, one per source, or one per pair).

>>> from spikeopt import hawkes
>>> st = hawkes.simulate([5.0, 5.0], [[0.0, 0.4], [0.0, 0.0]], 0.05, 100_000.0, rng=0)
>>> est = hawkes.fit(st, n_starts=1, n_grid=6)
>>> est.alpha.shape, est.method
((2, 2), 'mle')

The MCMC path (``fit(..., method="mcmc")``) runs NUTS compiled with numba
(:mod:`spikeopt.hawkes.nuts`); ``sampler="numpyro"`` needs the ``mcmc`` extra
(numpyro, jax), imported only when used; figures need matplotlib
(:mod:`spikeopt.hawkes.plots`).
"""

from .diagnostics import RescalingResult, rescaled_intervals, time_rescaling
from .estimate import HawkesEstimate
from .fitting import fit
from .likelihood import log_likelihood, log_likelihood_and_grad, prepare_events
from .mle import adjust_pvalues, fit_mle, lrt_pvalues
from .simulate import simulate, spectral_radius, stationary_rates

__all__ = [
    "HawkesEstimate",
    "RescalingResult",
    "adjust_pvalues",
    "fit",
    "fit_mle",
    "log_likelihood",
    "log_likelihood_and_grad",
    "lrt_pvalues",
    "prepare_events",
    "rescaled_intervals",
    "simulate",
    "spectral_radius",
    "stationary_rates",
    "time_rescaling",
]
