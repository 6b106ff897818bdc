"""spikeopt: fit spiking neuron models and networks to data and goals.

The public surface is listed in ``__all__`` and pinned by
``tests/test_exported_members.py``.
"""

from . import backends, hawkes, io, metrics, models, network, optimizers, stimuli
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
from .fitting import fit
from .network import Network
from .params import Parameter, ParameterSpace
from .run import Result, optimize, resume
from .simulation import NetworkResult, SimResult
from .spikes import SpikeTrains
from .validation import ValidationReport, validate

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
