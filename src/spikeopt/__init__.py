"""spikeopt: fit spiking neuron models and networks to data and goals.

The public surface is listed in ``__all__`` and pinned by
``tests/test_exported_members.py``.
"""

__version__ = "0.1.0"

from . import io, models, stimuli  # noqa: E402
from . import metrics  # noqa: E402
from .errors import (  # noqa: E402
    ConfigError,
    InvalidParameterError,
    ShapeError,
    SimulationError,
    SpikeoptError,
    UnknownNameError,
)
from . import optimizers  # noqa: E402
from .params import Parameter, ParameterSpace  # noqa: E402
from .run import Result, optimize, resume  # noqa: E402
from .simulate import SimResult, simulate  # noqa: E402  (the function shadows the subpackage)
from .spikes import SpikeTrains  # noqa: E402
from .validation import ValidationReport, validate  # noqa: E402

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
