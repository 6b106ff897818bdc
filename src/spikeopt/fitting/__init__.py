"""Fitting from a config file: ``spikeopt.fit(config)`` / ``spikeopt fit CONFIG.yaml``,
for single cells (``kind: cell``, the default) and networks (``kind: network``)."""

from .cell import KIND, build_objective, build_space, load_data
from .config import load_config, validate_config
from .network import NetworkProblem
from .network_fit import build_network_problem
from .runs import finalize, fit, resume_fit

__all__ = ["KIND", "NetworkProblem", "build_network_problem", "build_objective", "build_space",
           "finalize", "fit", "load_config", "load_data", "resume_fit", "validate_config"]
