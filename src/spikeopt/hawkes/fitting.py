"""The :func:`fit` entry point: dispatch to maximum likelihood or MCMC.

It sits above :mod:`.mle` and :mod:`.mcmc` (which build :class:`HawkesEstimate`
records), so no module of the package imports one that imports it back.
"""

from __future__ import annotations

from ..errors import InvalidParameterError
from .estimate import HawkesEstimate
from .mcmc import fit_mcmc
from .mle import fit_mle

__all__ = ["fit"]


def fit(spikes, method: str = "mle", **options) -> HawkesEstimate:
    """Fit a multivariate exponential-kernel Hawkes process to spike trains.

    Parameters
    ----------
    spikes : SpikeTrains or list of arrays
        D trains, spike times in ms, observed on ``[0, t_stop]``.
    method : {"mle", "mcmc"}
        ``"mle"``: maximum likelihood (:func:`spikeopt.hawkes.mle.fit_mle`);
        ``"mcmc"``: NUTS posterior (:func:`spikeopt.hawkes.mcmc.fit_mcmc`; compiled with
        numba, or numpyro's with ``sampler="numpyro"``, which needs the ``mcmc`` extra:
        ``pip install 'spikeopt[mcmc]'``).
    **options
        Passed to the chosen method (keyword-only; unknown keys are refused).

    Returns
    -------
    HawkesEstimate
    """
    if method == "mle":
        return fit_mle(spikes, **options)
    if method == "mcmc":
        return fit_mcmc(spikes, **options)
    raise InvalidParameterError(f"method must be 'mle' or 'mcmc'. Got {method!r} instead.")
