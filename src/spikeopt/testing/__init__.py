"""Importable conformance suites, for spikeopt's own tests and for new backends.

:mod:`spikeopt.testing.backends`: the cases every simulator backend runs and
the checks (same spikes as the numba engine; same statistics). Uses the
public API only (``spikeopt.backends.simulate``, ``spikeopt.stimuli``).
"""

from . import backends

__all__ = ["backends"]
