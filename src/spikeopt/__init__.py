"""spikeopt: fit spiking neuron models and networks to data and goals.

The public surface is listed in ``__all__`` and pinned by
``tests/test_exported_members.py``.
"""

from . import hawkes, io, metrics, models, optimizers, stimuli
from ._version import __version__
from .errors import (
    ConfigError,
    InvalidParameterError,
    ShapeError,
    SimulationError,
    SpikeoptError,
    UnknownNameError,
)
from .fitting import fit
from .params import Parameter, ParameterSpace
from .run import Result, optimize, resume
from .simulation import SimResult, simulate
from .spikes import SpikeTrains
from .validation import ValidationReport, validate

__all__ = [
    "ConfigError",
    "InvalidParameterError",
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
    "fit",
    "hawkes",
    "io",
    "metrics",
    "models",
    "optimize",
    "optimizers",
    "resume",
    "simulate",
    "stimuli",
    "validate",
    "validation",
]
