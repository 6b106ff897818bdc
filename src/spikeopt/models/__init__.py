"""Neuron models: parameter specs (units, defaults, plausible bounds) and numba
step kernels, in a registry by name.

>>> from spikeopt import models
>>> models.available()
['adex', 'adex_threshold', 'glif1', 'glif2', 'glif3', 'glif4', 'glif5', 'hh', 'izhikevich',
 'izhikevich2007', 'lif', 'mat', 'traub_miles']
>>> models.get("adex").parameter("tau_w").unit
'ms'
"""

from __future__ import annotations

from ..errors import InvalidParameterError, UnknownNameError
from .adex import ADEX
from .adex_threshold import ADEX_THRESHOLD
from .base import Model
from .equations import from_equations
from .glif import GLIF1, GLIF2, GLIF3, GLIF4, GLIF5
from .hh import HH
from .izhikevich import IZHIKEVICH, IZHIKEVICH2007
from .lif import LIF
from .mat import MAT
from .presets import PRESETS, get_preset
from .traub_miles import TRAUB_MILES

__all__ = ["Model", "available", "get", "register", "get_preset", "PRESETS", "from_equations"]

_REGISTRY: dict[str, Model] = {
    m.name: m for m in (LIF, IZHIKEVICH, IZHIKEVICH2007, ADEX, HH, TRAUB_MILES, MAT, GLIF1,
                        GLIF2, GLIF3, GLIF4, GLIF5, ADEX_THRESHOLD)
}


def available() -> list[str]:
    """Names of the registered models."""
    return sorted(_REGISTRY)


def get(model: str | Model) -> Model:
    """The model of that name (a :class:`Model` passes through)."""
    if isinstance(model, Model):
        return model
    try:
        return _REGISTRY[model]
    except (KeyError, TypeError):
        raise UnknownNameError(
            f"Unknown model {model!r}; available models are {available()} "
            "(or pass a spikeopt.models.Model)."
        ) from None


def register(model: Model, *, overwrite: bool = False) -> Model:
    """Add a user-defined model to the registry."""
    if not isinstance(model, Model):
        raise InvalidParameterError(f"register() needs a Model. Got {type(model).__name__}.")
    if model.name in _REGISTRY and not overwrite:
        raise InvalidParameterError(
            f"A model named {model.name!r} is already registered; pass overwrite=True."
        )
    _REGISTRY[model.name] = model
    return model
