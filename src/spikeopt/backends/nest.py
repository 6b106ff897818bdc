"""The NEST backend: spikeopt's models and network descriptions in NEST 3.

``spikeopt.simulate(model_or_network, params, ..., backend="nest")`` runs each
candidate in its own NEST kernel (a worker process per candidate slot, see
:mod:`.workers`), builds it from a *plan* (the PyNEST calls as data, shared
with :func:`spikeopt.export.nest.pynest_script`) and returns the numba
engine's result types. Mapping of models, parameters (with units) and synapses:
:mod:`._nest_map`; timing conventions (spike stamps one ``dt`` later than
spikeopt's, current delivery, delays, inputs): :mod:`._nest_build`;
docs/backends.md, section "NEST".

Options of a network simulation: ``record``, ``rate_bin_ms`` as the engine's;
``max_rate_hz``, ``rate_window_ms`` and ``silence_ms`` are applied after the
run (NEST simulates the whole ``t_stop``; spikes after the stop are dropped and
the candidate marked ``"runaway"`` / ``"silent"``, as the engine would have
stopped it); ``spike_capacity_hz`` is ignored (NEST's recorders grow);
``record_state`` is not supported. ``n_events`` is not counted (0).

Install: ``pip install 'spikeopt[nest]'``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

import numpy as np

from .._imports import optional_import
from ..errors import InvalidParameterError
from ..network.spec import Network
from ..spikes import SpikeTrains
from ._nest_build import cell_plan, network_plan, network_reason
from ._nest_map import model_reason
from ._nest_plan import Plan, render_program, run_program, trains_from_events
from .base import PerCandidate, int_seed
from .results import cell_result, early_stop, network_result

__all__ = ["NestBackend", "Plan", "cell_plan", "network_plan", "render_program",
           "trains_from_events", "load_nest", "quiet"]

_IGNORED = {"spike_capacity_hz", "frozen"}
_EARLY = {"max_rate_hz", "rate_window_ms", "silence_ms"}


def quiet(nest) -> None:
    """Only NEST's errors on the console."""
    if hasattr(nest, "VerbosityLevel"):  # NEST >= 3.10
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:  # pragma: no cover - older NEST
        nest.set_verbosity("M_ERROR")


def _openmp_first() -> None:
    """Keep NEST and numba's OpenMP threading layer from crashing each other.

    NEST's wheel bundles its own libgomp; numba's ``omp`` layer loads the
    system's. When NEST's copy is loaded first, NEST segfaults (in
    ``ResetKernel``) once numba has started its threads. Starting numba's
    threads before NEST is imported is safe, so that is done here; if NEST was
    imported already and numba's threads have not started, numba is switched to
    its OpenMP-free ``workqueue`` layer instead.
    """
    import numba

    if "nest" not in sys.modules:
        numba.get_num_threads()  # starts numba's threading layer (and loads its libgomp)
        return
    from numba.np.ufunc import parallel

    if not getattr(parallel, "_is_initialized", True) and \
            str(numba.config.THREADING_LAYER).lower() == "default":
        numba.config.THREADING_LAYER = "workqueue"


def load_nest():
    """``import nest`` without its banner, quiet, or ImportError with the install line."""
    os.environ.setdefault("PYNEST_QUIET", "1")
    _openmp_first()
    nest = optional_import("nest", extra="nest", package="nest-simulator",
                           purpose="Simulating with backend='nest'")
    quiet(nest)
    return nest


class NestBackend(PerCandidate):
    """Run candidates in NEST (one kernel per candidate, reset in between).

    Parameters
    ----------
    threads : int
        NEST's ``local_num_threads`` per candidate (results depend on it, as in NEST).
    resolution_ms : float, optional
        NEST's integration step (ms); default the simulation's ``dt``, which must
        be a whole number of steps.
    """

    name = "nest"

    def __init__(self, threads: int = 1, resolution_ms: float | None = None):
        if int(threads) < 1:
            raise InvalidParameterError(f"The 'threads' parameter of NestBackend must be >= 1. "
                                        f"Got {threads!r}.")
        self.threads = int(threads)
        self.resolution_ms = resolution_ms
        self._nest = None

    @property
    def nest(self):
        if self._nest is None:
            self._nest = load_nest()
        return self._nest

    def supports(self, model) -> str | None:
        if isinstance(model, Network) or (isinstance(model, Mapping) and "populations" in model):
            return network_reason(Network.from_dict(model))
        name = getattr(model, "name", model)
        if not isinstance(name, str):
            return f"the NEST backend runs spikeopt models and networks, not {type(model).__name__}"
        return model_reason(name)

    def reset(self) -> None:
        nest = self.nest
        nest.ResetKernel()
        quiet(nest)

    def run(self, plan: Plan) -> dict:
        """Execute a plan on a fresh kernel (call :meth:`reset` first); return its
        spike times per recorded population as ``{name: list of (ms) arrays}``
        and, for cells with a multimeter, ``"v"``: (n, 1 + samples) mV."""
        ns = run_program(self.nest, plan.program)
        out = {}
        for name, rec in plan.recorders.items():
            nodes, n = ns[plan.populations[name][0]], plan.populations[name][1]
            ev = ns[rec].get("events")
            first = nodes[0].global_id if n else 0
            out[name] = trains_from_events(np.asarray(ev["senders"]) - first, ev["times"], n)
        if plan.multimeter is not None:
            nodes, n = ns["cell"], plan.populations["cell"][1]
            ev = ns[plan.multimeter].get("events")
            out["v"] = _traces(np.asarray(ev["senders"]) - nodes[0].global_id,
                               np.asarray(ev["times"]), np.asarray(ev["V_m"]), plan.v0)
        return out

    def cell_candidate(self, model, params, stimulus, *, dt, t_stop, record_v, v_every,
                       initial):
        plan = cell_plan(model, params, stimulus, dt=dt, t_stop=t_stop, record_v=record_v,
                         v_every=v_every, initial=initial, threads=self.threads,
                         resolution_ms=self.resolution_ms)
        out = self.run(plan)
        v = None
        if record_v:
            n_rec = -(-int(round(plan.t_stop / dt)) // int(v_every))
            v = out["v"][:, :n_rec]
        return cell_result(out["cell"], t_stop=plan.t_stop, dt=dt, v=v, v_dt=dt * v_every)

    def network_candidate(self, network, params, *, t_stop, dt, seed, **options):
        unknown = set(options) - _IGNORED - _EARLY - {"record", "rate_bin_ms"}
        if unknown:
            raise InvalidParameterError(
                f"Unknown or unsupported keyword(s) {sorted(unknown)} for a network on the NEST "
                f"backend; it takes record, rate_bin_ms, max_rate_hz, rate_window_ms, "
                f"silence_ms.")
        net = Network.from_dict(network)
        names = list(net.populations)
        record = names if options.get("record") is None else list(options["record"])
        for r in record:
            if r not in names:
                raise InvalidParameterError(f"record: unknown population {r!r}; allowed: {names}.")
        plan = network_plan(net, params, dt=dt, t_stop=t_stop, seed=int_seed(seed),
                            threads=self.threads, resolution_ms=self.resolution_ms)
        trains = self.run(plan)
        fail, fail_step = _early_stop(trains, dt, int(round(plan.t_stop / dt)), options)
        if fail:
            t_cut = (fail_step + 1) * dt  # NEST stamps step k's spikes at t_{k+1}
            trains = {n: [t[t <= t_cut + 1e-9] for t in tr] for n, tr in trains.items()}
        pops = {n: SpikeTrains.from_list(trains[n], t_stop=plan.t_stop) for n in names}
        res = network_result(pops, t_stop=plan.t_stop, dt=dt,
                             rate_bin_ms=options.get("rate_bin_ms", 1.0),
                             recorded=tuple(n for n in names if n in record))
        if fail:
            res.failed[0] = True
            res.reasons[0] = fail
            res.fail_time[0] = fail_step * dt
        return res


def _traces(senders, times, values, v0: np.ndarray) -> np.ndarray:
    """(n, 1 + samples) membrane potential: the initial V, then NEST's samples."""
    n = v0.size
    order = np.lexsort((times, senders))
    senders, values = senders[order], values[order]
    per = np.bincount(senders, minlength=n)
    k = int(per.min()) if n else 0
    out = np.empty((n, 1 + k))
    out[:, 0] = v0
    for i in range(n):
        out[i, 1:] = values[senders == i][:k]
    return out


def _early_stop(trains: dict, dt: float, n_steps: int, options: Mapping) -> tuple[str, int]:
    """The engine's early stops, judged after the run: ("runaway" | "silent" | "", step)."""
    max_rate = options.get("max_rate_hz")
    silence_ms = options.get("silence_ms")
    if max_rate is None and silence_ms is None:
        return "", -1
    steps = [np.floor(t / dt + 0.5).astype(np.int64) - 1 for tr in trains.values() for t in tr]
    fired = np.bincount(np.clip(np.concatenate(steps) if steps else np.empty(0, np.int64), 0,
                                n_steps - 1), minlength=n_steps)
    return early_stop(fired, sum(len(tr) for tr in trains.values()), dt, max_rate_hz=max_rate,
                      rate_window_ms=float(options.get("rate_window_ms", 50.0)),
                      silence_ms=silence_ms)
