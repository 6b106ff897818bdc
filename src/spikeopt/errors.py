"""One hierarchy of spikeopt exceptions; each also subclasses the builtin a user
would catch (``ValueError``, ``KeyError``...), so ``except ValueError`` keeps working."""

from __future__ import annotations

__all__ = [
    "SpikeoptError",
    "InvalidParameterError",
    "UnknownNameError",
    "ShapeError",
    "SimulationError",
    "ConfigError",
    "check_positive",
    "check_finite",
]


class SpikeoptError(Exception):
    """Base class of every error raised by spikeopt."""


class InvalidParameterError(SpikeoptError, ValueError):
    """A value is outside what a parameter accepts."""


class UnknownNameError(SpikeoptError, KeyError):
    """A name (model, parameter, optimizer, metric...) is not known."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class ShapeError(SpikeoptError, ValueError):
    """An array has the wrong shape."""


class SimulationError(SpikeoptError, RuntimeError):
    """A simulation could not be run."""


class ConfigError(SpikeoptError, ValueError):
    """A configuration file or dict is invalid."""


def check_positive(name: str, value: float, *, where: str, strict: bool = True) -> float:
    """Return ``float(value)`` or raise naming ``name``, the expectation and the value."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"The {name!r} parameter of {where} must be a number. Got {value!r} instead."
        ) from None
    ok = v > 0 if strict else v >= 0
    if not ok or v != v or v == float("inf"):
        rel = "> 0" if strict else ">= 0"
        raise InvalidParameterError(
            f"The {name!r} parameter of {where} must be finite and {rel}. Got {value!r} instead."
        )
    return v


def check_finite(name: str, value: float, *, where: str) -> float:
    """Return ``float(value)`` or raise if it is not a finite number."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"The {name!r} parameter of {where} must be a number. Got {value!r} instead."
        ) from None
    if v != v or v in (float("inf"), float("-inf")):
        raise InvalidParameterError(
            f"The {name!r} parameter of {where} must be finite. Got {value!r} instead."
        )
    return v
