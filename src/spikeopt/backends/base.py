"""The ``Simulator`` protocol and the backend registry.

A backend runs a model or a network description for P candidates and returns
the same result types as the numba engine: a :class:`~spikeopt.SimResult` for
single cells (P candidates × S sweeps, candidate-major rows) and a
:class:`~spikeopt.NetworkResult` for networks. Parameters arrive as
``{name: (P,) float array}`` in the model's documented units (ms, mV, pA, nS);
spike times leave as float64 ms.

Backends that cannot batch (NEST, NEURON) implement one candidate at a time
(:class:`PerCandidate`) and :mod:`.workers` runs those candidates in worker
processes, so simulator state is never shared between candidates and a crashed
or hung simulator becomes a failed candidate with a reason.

>>> from spikeopt import backends
>>> backends.available()
['brian2', 'fake', 'nest', 'neuron', 'numba']
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..errors import InvalidParameterError, UnknownNameError

__all__ = ["Simulator", "PerCandidate", "available", "get", "register", "int_seed", "BACKENDS"]


def int_seed(seed) -> int:
    """An int in [1, 2**31 - 1] (NEST's rng_seed range) from a candidate's seed:
    an int passes (checked), a SeedSequence gives its first word."""
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.generate_state(1)[0] % (2**31 - 2)) + 1
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool) \
            and 1 <= int(seed) <= 2**31 - 1:
        return int(seed)
    raise InvalidParameterError(
        f"A simulator seed must be an int in [1, 2**31 - 1] or a SeedSequence. Got {seed!r}.")


@runtime_checkable
class Simulator(Protocol):
    """What a backend provides.

    ``name`` is its registry name. ``batched`` is True when one call runs all
    P candidates in this process (numba, Brian2); False when each candidate
    needs a simulator of its own (NEST, NEURON: :class:`PerCandidate`).
    ``supports(model)`` returns None when the backend can run ``model`` (a
    model name, :class:`~spikeopt.models.Model`, :class:`~spikeopt.Network` or
    a backend-specific description), else a sentence saying why not.
    """

    name: str
    batched: bool

    def supports(self, model) -> str | None: ...

    def simulate_cells(self, model, params: Mapping[str, np.ndarray], stimulus, *,
                       dt: float, t_stop: float | None, record_v: bool, v_every: int,
                       initial: Mapping | None): ...

    def simulate_network(self, network, params: Mapping[str, np.ndarray], *, t_stop: float,
                         dt: float, seed, **options): ...


class PerCandidate:
    """Base of backends that run one candidate per simulator instance.

    Subclasses implement :meth:`cell_candidate` and/or :meth:`network_candidate`
    (one candidate: params hold scalars, the result has P = 1) and :meth:`reset`
    (clear the simulator between candidates inside one worker process).
    :func:`spikeopt.backends.simulate` runs them in worker processes
    (``workers``, ``timeout_s``) or, with ``workers=0``, in this process.
    """

    batched = False
    name = "per-candidate"

    def supports(self, model) -> str | None:  # pragma: no cover - overridden
        return None

    def reset(self) -> None:
        """Forget every object of the previous candidate (default: nothing to do)."""

    def cell_candidate(self, model, params: Mapping[str, float], stimulus, *, dt: float,
                       t_stop: float | None, record_v: bool, v_every: int,
                       initial: Mapping | None):
        raise InvalidParameterError(f"Backend {self.name!r} does not simulate single cells.")

    def network_candidate(self, network, params: Mapping[str, float], *, t_stop: float,
                          dt: float, seed, **options):
        raise InvalidParameterError(f"Backend {self.name!r} does not simulate networks.")


# name -> "module:attribute" (imported on first use: heavy simulators stay optional)
BACKENDS: dict[str, str] = {
    "numba": "spikeopt.backends.engine:NumbaBackend",
    "brian2": "spikeopt.backends.brian2:Brian2Backend",
    "nest": "spikeopt.backends.nest:NestBackend",
    "neuron": "spikeopt.backends.neuron:NeuronBackend",
    "fake": "spikeopt.backends.fake:FakeBackend",
}


def available() -> list[str]:
    """Registered backend names (their simulators may still need installing)."""
    return sorted(BACKENDS)


def register(name: str, target: str | type, *, overwrite: bool = False) -> None:
    """Add a backend: ``target`` is a class or a ``"module:Class"`` string."""
    if name in BACKENDS and not overwrite:
        raise InvalidParameterError(
            f"A backend named {name!r} is already registered; pass overwrite=True.")
    BACKENDS[name] = target


def get(backend: str | Any, **options) -> Simulator:
    """The backend of that name, built with ``options`` (an instance passes through).

    Raises ImportError with an install line when its simulator is missing.
    """
    if not isinstance(backend, str):
        if isinstance(backend, Simulator):
            return backend
        raise InvalidParameterError(
            f"The 'backend' parameter must be one of {available()} or a Simulator. "
            f"Got {backend!r}.")
    try:
        target = BACKENDS[backend]
    except KeyError:
        raise UnknownNameError(
            f"Unknown backend {backend!r}; available backends are {available()}.") from None
    if isinstance(target, str):
        module, _, attr = target.partition(":")
        target = getattr(importlib.import_module(module), attr)
    return target(**options)
