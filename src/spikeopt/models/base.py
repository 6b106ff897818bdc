"""The :class:`Model` record: a parameter spec plus a pure numba step function.

A step function advances a *block* of ``B`` neurons by one time step,
branch-free so that the loop over the block vectorises::

    ev = step(state, params, current, dt, spiked)   # state (n_state, B), params (n_par, B),
                                                     # current (B,), dt (ms), spiked (B,) out

It updates ``state`` in place (forward Euler over ``dt``), applies the reset of
the neurons that crossed threshold, flags them in ``spiked`` and returns True
when any neuron of the block spiked or its membrane potential became NaN (the
driver then records spikes and failures; otherwise it skips the block). ``state[0]`` is
the membrane potential in mV. The driver in :mod:`spikeopt.simulation` loops over
time inside each block and over blocks in parallel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ..errors import InvalidParameterError, UnknownNameError
from ..params import Parameter, ParameterSpace

__all__ = ["Model"]


@dataclass(frozen=True)
class Model:
    """A single-compartment spiking model.

    Attributes
    ----------
    name : str
        Registry name (``"izhikevich"``...).
    parameters : dict of str -> Parameter
        Each with unit, default and plausible bounds (used when a fit gives no bounds).
    state : tuple of str
        State variable names; ``state[0]`` is the membrane potential (mV).
    step : numba dispatcher
        The block step function described in the module docstring.
    init : callable
        ``init(params: dict of (N,) float arrays) -> (n_state, N) array``: initial state.
    current_unit : str
        Unit of the injected current this model expects ("pA", or "" for Izhikevich 2003).
    equations : str
        The equations, as documentation and for reference backends.
    aliases : callable, optional
        ``aliases(params: dict) -> dict`` turning alternative parameterisations
        (e.g. C and g_L for LIF) into the model's own parameters.
    """

    name: str
    parameters: Mapping[str, Parameter]
    state: tuple[str, ...]
    step: Callable
    init: Callable
    current_unit: str
    equations: str
    aliases: Callable | None = None
    doc: str = field(default="", compare=False)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(self.parameters)

    def defaults(self) -> dict[str, float]:
        """Default value of every parameter (in its unit)."""
        return {n: p.default for n, p in self.parameters.items()}

    def space(self, names=None, **bounds) -> ParameterSpace:
        """A ParameterSpace over ``names`` (default: all) with the model's plausible
        bounds and units; ``bounds`` overrides them, e.g. ``space(["a"], a=(0.01, 0.05))``."""
        names = list(names) if names is not None else list(self.parameters)
        spec = {}
        for n in list(names) + [b for b in bounds if b not in names]:
            p = self.parameter(n)
            lo, hi = bounds.get(n, (p.low, p.high))
            spec[n] = Parameter(lo, hi, unit=p.unit, default=p.default)
        return ParameterSpace(spec)

    def parameter(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise UnknownNameError(
                f"Model {self.name!r} has no parameter {name!r}; its parameters are "
                f"{list(self.parameters)}."
            ) from None

    def resolve(self, params: Mapping[str, object], n: int | None = None) -> tuple[np.ndarray, int]:
        """Named values (scalars or (P,) arrays; missing ones take defaults) →
        a (n_par, P) float64 matrix in the order of :attr:`parameters`, and P."""
        params = dict(params)
        if self.aliases is not None:
            params = self.aliases(params)
        unknown = [k for k in params if k not in self.parameters]
        if unknown:
            raise UnknownNameError(
                f"Model {self.name!r} has no parameter(s) {unknown}; its parameters are "
                f"{list(self.parameters)}."
            )
        arrays = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
        sizes = {}
        for k, a in arrays.items():
            if a.ndim > 1:
                raise InvalidParameterError(
                    f"Parameter {k!r} of model {self.name!r} must be a scalar or a 1-D (P,) "
                    f"array. Got shape {a.shape}."
                )
            if a.ndim == 1:
                sizes[k] = a.size
        lengths = set(sizes.values())
        if len(lengths) > 1:
            raise InvalidParameterError(
                f"Parameters of model {self.name!r} must share one length P. Got {sizes}."
            )
        P = lengths.pop() if lengths else (1 if n is None else n)
        if n is not None and P != n:
            raise InvalidParameterError(f"Expected {n} candidates, parameters give {P}.")
        out = np.empty((len(self.parameters), P))
        for i, (k, p) in enumerate(self.parameters.items()):
            out[i] = arrays[k] if k in arrays else p.default
        finite = np.isfinite(out)
        if not finite.all():  # one check for the whole matrix; name the first bad one
            i, j = np.argwhere(~finite)[0]
            k = self.parameter_names[i]
            raise InvalidParameterError(
                f"Parameter {k!r} of model {self.name!r} must be finite "
                f"({self.parameters[k].unit or '1'}). Got {out[i, j]!r} instead."
            )
        return out, P
