"""Pure scoring: loss terms that compare simulated spikes with targets.

* :mod:`.cell` — single-cell terms (:class:`Term`) against recorded sweeps.
* :mod:`.network` — network terms (:class:`NetworkTerm`): target statistics and
  neuron-identity-free distribution distances per population.

Nothing here simulates: a problem simulates its candidates and hands the
results to these terms.
"""

from .cell import FEATURES, METRICS, Term
from .network import NETWORK_METRICS, NetworkTarget, NetworkTerm, population_samples

__all__ = ["Term", "METRICS", "FEATURES", "NetworkTerm", "NetworkTarget", "NETWORK_METRICS",
           "population_samples"]
