"""Fitting single-cell models to recordings from a config file:
``spikeopt.fit(config)`` / ``spikeopt fit CONFIG.yaml``."""

from .cell import KIND, build_objective, build_space, finalize, fit, load_data, resume_fit
from .config import load_config, validate_config

__all__ = ["KIND", "build_objective", "build_space", "finalize", "fit", "load_config",
           "load_data", "resume_fit", "validate_config"]
