"""A simulator-free backend for tests of the backend plumbing.

It fires regular spikes and can be told to misbehave, per candidate:

- ``rate_hz``: regular firing rate (Hz; default 10), first spike at ``1000/rate_hz`` ms;
- ``error``: > 0 raises ``RuntimeError`` (an exception inside the simulator);
- ``crash``: > 0 ends the worker process at once with that exit code (a segfault-like
  death that no ``except`` can catch);
- ``hang_s``: sleeps that many seconds (a hung simulator, for timeouts).

For networks every neuron of every population fires at ``rate_hz``, neuron i
shifted by ``i * dt``.
"""

from __future__ import annotations

import os
import time

import numpy as np

from ..network.spec import Network
from ..spikes import SpikeTrains
from .base import PerCandidate
from .results import cell_result, network_result

__all__ = ["FakeBackend"]


def _misbehave(params) -> None:
    if float(params.get("hang_s", 0.0)) > 0:
        time.sleep(float(params["hang_s"]))
    if float(params.get("crash", 0.0)) > 0:
        os._exit(int(params["crash"]))
    if float(params.get("error", 0.0)) > 0:
        raise RuntimeError("the fake simulator was told to fail")


def _regular(rate_hz: float, t_stop: float, shift: float = 0.0) -> np.ndarray:
    period = 1000.0 / rate_hz
    return np.arange(period + shift, t_stop, period)


class FakeBackend(PerCandidate):
    """See the module docstring. ``resets`` counts :meth:`reset` calls (per process)."""

    name = "fake"

    def __init__(self):
        self.resets = 0

    def supports(self, model) -> str | None:
        return None

    def reset(self) -> None:
        self.resets += 1

    def cell_candidate(self, model, params, stimulus, *, dt, t_stop, record_v, v_every,
                       initial):
        _misbehave(params)
        t_stop = float(t_stop if t_stop is not None else stimulus.duration)
        n_sweeps = stimulus.n_sweeps if stimulus is not None else 1
        train = _regular(float(params.get("rate_hz", 10.0)), t_stop)
        v = np.zeros((n_sweeps, int(round(t_stop / dt)) // v_every)) if record_v else None
        return cell_result([train] * n_sweeps, t_stop=t_stop, dt=dt, v=v, v_dt=dt * v_every)

    def network_candidate(self, network, params, *, t_stop, dt, seed, **options):
        _misbehave(params)
        net = Network.from_dict(network)
        rate = float(params.get("rate_hz", 10.0))
        pops = {}
        for name, pop in net.populations.items():
            n = int(params.get(pop.size, net.leaves[pop.size]))
            pops[name] = SpikeTrains.from_list(
                [_regular(rate, t_stop, i * dt) for i in range(n)], t_stop=t_stop)
        return network_result(pops, t_stop=t_stop, dt=dt,
                              rate_bin_ms=options.get("rate_bin_ms", 1.0))
