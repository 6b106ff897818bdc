"""spikeopt: fit spiking neuron models and networks to data and goals.

The public surface is listed in ``__all__`` and pinned by
``tests/test_exported_members.py``. The heavy parts (fitting, validation,
Hawkes, file readers, the run engine) load on first use, so that a worker
process that only simulates starts quickly.
"""

from __future__ import annotations

import importlib

from . import backends, metrics, models, network, optimizers, stimuli
from ._version import __version__
from .backends import simulate
from .errors import (
    ConfigError,
    InvalidParameterError,
    ShapeError,
    SimulationError,
    SpikeoptError,
    UnknownNameError,
)
from .network import Network
from .params import Parameter, ParameterSpace
from .simulation import NetworkResult, SimResult
from .spikes import SpikeTrains

# name -> (module, attribute or None for the module itself), imported on first use
_LAZY = {
    "fit": (".fitting", "fit"),
    "Result": (".run", "Result"),
    "optimize": (".run", "optimize"),
    "resume": (".run", "resume"),
    "ValidationReport": (".validation", "ValidationReport"),
    "validate": (".validation", "validate"),
    "validation": (".validation", None),
    "hawkes": (".hawkes", None),
    "io": (".io", None),
}


def __getattr__(name: str):
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'spikeopt' has no attribute {name!r}") from None
    mod = importlib.import_module(module, __name__)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "ConfigError",
    "InvalidParameterError",
    "Network",
    "NetworkResult",
    "Parameter",
    "ParameterSpace",
    "Result",
    "ShapeError",
    "SimResult",
    "SimulationError",
    "SpikeTrains",
    "SpikeoptError",
    "UnknownNameError",
    "ValidationReport",
    "__version__",
    "backends",
    "fit",
    "hawkes",
    "io",
    "metrics",
    "models",
    "network",
    "optimize",
    "optimizers",
    "resume",
    "simulate",
    "stimuli",
    "validate",
    "validation",
]
