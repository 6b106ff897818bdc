"""The Brian2 backend: spikeopt's models and network descriptions run in Brian2.

``spikeopt.simulate(model, params, stimulus, backend="brian2")`` renders the
model's equations in Brian2 (:mod:`._brian2_models`, :mod:`._brian2_render`)
with spikeopt's numerical conventions — forward Euler (``method="euler"``) at
the same dt, Brian2's schedule (update, threshold, synapses, reset), delays
rounded as spikeopt rounds them — and returns the same result types as the
numba engine. Deterministic simulations give the same spikes (the conformance
suite :mod:`spikeopt.testing.backends` checks it).

Single cells: the P candidates × S sweeps are one NeuronGroup with a
parameter set per neuron and the current through a TimedArray.

Networks: one Brian2 network per candidate. ``wiring="spikeopt"`` (default)
takes the wiring, weights, delays, neuron parameters and initial states that
spikeopt's own builder draws for that candidate and seed, so results are
comparable spike for spike where the dynamics are deterministic;
``wiring="brian2"`` lets Brian2 draw the random connectors, weights and delays
(``connect(p=...)``, ``rand()``; fixed in/out-degrees with ``sample()``, so
without multapses): independent statistics. Poisson inputs are
Brian2's in both (statistical agreement only), seeded from the candidate's seed.

Targets: ``"runtime"`` (Brian2's default code generation), ``"numpy"``,
``"cython"`` or ``"cpp_standalone"``. A standalone build is reused for the
next candidates (and calls) as long as the code, the sizes and the
connectivity (delays included) stay the same: the changed parameters, initial
states, currents and weights go to the compiled binary through ``run_args``
(Brian2 >= 2.6); otherwise it is rebuilt (``builds`` and ``reuses`` count both).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .. import models as _models
from .._imports import optional_import
from .._rng import candidate_sequence
from ..errors import ConfigError, InvalidParameterError, UnknownNameError
from ..network.spec import Network
from ..simulation import SimResult
from ..spikes import SpikeTrains
from ..stimuli import Stimulus
from ._brian2_models import MODELS, B2Model, exp2_peak_factor
from ._brian2_network import WIRINGS, resolve
from ._brian2_render import Program, render_candidate, render_cells
from .results import early_stop, join_networks, network_result

__all__ = ["Brian2Backend", "cell_program", "network_programs", "TARGETS", "WIRINGS", "MODELS",
           "B2Model", "exp2_peak_factor"]

TARGETS = ("runtime", "numpy", "cython", "cpp_standalone")
_NETWORK_OPTIONS = ("seed", "generation", "frozen", "record", "rate_bin_ms", "max_rate_hz",
                    "rate_window_ms", "silence_ms", "spike_capacity_hz")


def _brian2():
    return optional_import("brian2", extra="brian2",
                           purpose="Simulating with backend='brian2' or exporting to Brian2")


# --------------------------------------------------------------------------- programs


@dataclass
class CellSetup:
    """A rendered cell batch: P candidates × S sweeps, ``n_steps`` of ``dt`` ms."""

    program: Program
    P: int
    S: int
    n_steps: int
    dt: float


def _model_name(model) -> str:
    m = _models.get(model)
    if m.name not in MODELS or _models.get(m.name) is not m:
        raise InvalidParameterError(
            f"The Brian2 backend renders the built-in models {sorted(MODELS)}. "
            f"Got model {m.name!r}.")
    return m.name


def cell_program(model, params, stimulus, *, dt: float, t_stop: float | None = None,
                 initial: Mapping | None = None, record_v_every: int = 0,
                 units: bool = False, divergence: bool = True) -> CellSetup:
    """Render P candidates × S sweeps of a built-in ``model`` as one Brian2 group.

    ``params`` ({name: scalar or (P,)}, the model's units), ``stimulus`` (a
    Stimulus or an array sampled at ``dt``), ``dt``/``t_stop`` (ms) and
    ``initial`` ({state name: scalar or (P,)}) as in :func:`spikeopt.simulate`.
    """
    name = _model_name(model)
    m = _models.get(name)
    stim = stimulus if isinstance(stimulus, Stimulus) else Stimulus(
        np.asarray(stimulus, dtype=np.float64), dt)
    pr, P = m.resolve(params or {}, n=None)
    if stim.per_candidate and P == 1 and stim.values.shape[0] != 1:
        P = stim.values.shape[0]
        pr = np.repeat(pr, P, axis=1)
    S = stim.n_sweeps
    n_steps = int(round((stim.duration if t_stop is None else float(t_stop)) / dt))
    if n_steps < 1:
        raise InvalidParameterError(f"Nothing to simulate: t_stop / dt gives {n_steps} steps.")
    idx = np.arange(n_steps) if stim.dt == dt else \
        np.floor(np.arange(n_steps) * (dt / stim.dt) + 1e-9).astype(np.int64)
    if idx[-1] >= stim.n_samples:
        raise InvalidParameterError(
            f"The simulation ({n_steps * dt:g} ms) is longer than the stimulus "
            f"({stim.duration:g} ms); pass a shorter t_stop or a longer stimulus.")
    vals = stim.values[..., idx]
    rows = np.arange(P * S)
    if stim.per_candidate:
        if vals.shape[0] != P:
            raise InvalidParameterError(
                f"A per-candidate stimulus must have P = {P} rows. Got {vals.shape[0]}.")
        mat, col = vals.reshape(P * S, n_steps), rows
    else:
        mat = np.atleast_2d(vals)
        col = rows % S if vals.ndim == 2 else np.zeros(P * S, dtype=np.int64)
    cand = np.repeat(np.arange(P), S)
    named = {k: pr[i, cand] for i, k in enumerate(m.parameters)}
    state0 = np.asarray(m.init(named), dtype=np.float64)
    for k, value in (initial or {}).items():
        if k not in m.state:
            raise UnknownNameError(f"Unknown state variable {k!r} in 'initial'; model "
                                   f"{name!r} has {list(m.state)}.")
        v0 = np.asarray(value, dtype=np.float64)
        state0[m.state.index(k)] = v0[cand] if v0.ndim == 1 else v0
    state = {k: state0[i] for i, k in enumerate(m.state)}
    for k, b in MODELS[name].state.items():
        if b is None and np.any(state[k] != 0):
            raise InvalidParameterError(f"The Brian2 backend starts {name!r} with {k} = 0. "
                                        f"Got initial {k} = {np.unique(state[k]).tolist()}.")
    prog = render_cells(name, named, state, mat.T, col, dt_ms=dt, record_v_every=record_v_every,
                        units=units, divergence=divergence)
    return CellSetup(prog, P, S, n_steps, float(dt))


def network_programs(network, params=None, *, dt: float, seed=0, generation: int = 0,
                     frozen: bool | None = None, wiring: str = "spikeopt",
                     units: bool = False, divergence: bool = True) -> list[Program]:
    """One Program per candidate network (see the module docstring for ``wiring``)."""
    if wiring not in WIRINGS:
        raise InvalidParameterError(
            f"The 'wiring' option must be one of {list(WIRINGS)}. Got {wiring!r}.")
    why = _network_support(network)
    if why:
        raise InvalidParameterError(f"The Brian2 backend cannot run this network: {why}.")
    cands = resolve(network, params, seed=seed, generation=generation, frozen=frozen, dt=dt,
                    wiring=wiring)
    try:
        return [render_candidate(c, dt_ms=dt, units=units, divergence=divergence)
                for c in cands]
    except ValueError as exc:
        raise InvalidParameterError(str(exc)) from None


def _network_support(network) -> str | None:
    try:
        net = Network.from_dict(network)
    except (ConfigError, UnknownNameError) as exc:
        return f"the description is invalid ({exc})"
    for pop in net.populations.values():
        if pop.update != "standard":
            return (f"population {pop.name!r} uses update {pop.update!r} (SpikingNeuralNetworks"
                    ".jl's Float32 step), which has no Brian2 rendering")
    for inp in net.inputs.values():
        if inp.type == "poisson" and net.leaves[inp.options["noise"]] != 1.0:
            return (f"input {inp.name!r} is a NetStim with noise "
                    f"{net.leaves[inp.options['noise']]} (Brian2 renders Poisson inputs, "
                    "noise 1)")
    return None


def _candidate_seed(seed, generation: int, p: int) -> int:
    """A 32-bit Brian2 seed for candidate p (its SeedSequence, as the engine's)."""
    if isinstance(seed, list | tuple | np.ndarray):
        s = seed[p]
        ss = s if isinstance(s, np.random.SeedSequence) else np.random.SeedSequence(int(s))
    else:
        ss = candidate_sequence(int(seed), generation, p)
    return int(np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, 2))
               .generate_state(1)[0])


# --------------------------------------------------------------------------- running


@dataclass
class _Build:
    key: str
    ns: dict
    device: object


# Brian2 has one cpp_standalone device per process: the build it holds now (a new
# build, by any backend instance, re-initialises the device and ends the old one)
_CURRENT_BUILD: list[_Build | None] = [None]


class _Runner:
    """Executes Programs on one target; keeps the last cpp_standalone build."""

    def __init__(self, target: str, build_dir: str | None):
        self.target = target
        self.build_dir = build_dir
        self.builds = 0
        self.reuses = 0
        self._build: _Build | None = None
        self._tmp = None

    @contextmanager
    def _scope(self, b2, seed):
        old = b2.prefs.codegen.target
        if self.target in ("numpy", "cython"):
            b2.prefs.codegen.target = self.target
        rng = np.random.get_state()  # noqa: NPY002 (Brian2 draws from numpy's global one)
        try:
            if seed is not None:
                b2.seed(int(seed))
            yield
        finally:
            b2.prefs.codegen.target = old
            np.random.set_state(rng)  # noqa: NPY002 (leave it as it was)

    def run(self, prog: Program, t_stop_ms: float, *, seed: int | None = None) -> dict:
        b2 = _brian2()
        seed = seed if prog.random else None
        if self.target == "cpp_standalone":
            return self._standalone(b2, prog, t_stop_ms, seed)
        ns = {"b2": b2, "np": np, "data": prog.data}
        with self._scope(b2, seed):
            exec(compile(prog.source, "<spikeopt brian2 program>", "exec"), ns)
            ns["net"].run(t_stop_ms * b2.ms, namespace=ns["namespace"])
        return ns

    def _standalone(self, b2, prog: Program, t_stop_ms: float, seed) -> dict:
        key = f"{prog.key()}|{t_stop_ms!r}|{seed}"
        build = self._build
        if build is not None and build.key == key and _CURRENT_BUILD[0] is build:
            args = {}
            for obj, attr, dkey, unit in prog.settable:
                value = prog.data[dkey]
                args[getattr(build.ns[obj], attr)] = value * eval(unit[1:], {"b2": b2}) \
                    if unit else value
            for var, dkey, unit in prog.timed_arrays:
                value = prog.data[dkey]
                args[build.ns[var]] = value * eval(unit[1:], {"b2": b2}) if unit else value
            build.device.run(run_args=args, with_output=False)
            self.reuses += 1
            return build.ns
        if self.build_dir is None and self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="spikeopt-brian2-")
        directory = self.build_dir or self._tmp.name
        previous = b2.get_device()
        b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
        device = b2.get_device()
        device.reinit()
        device.activate(directory=directory, build_on_run=False)
        ns = {"b2": b2, "np": np, "data": prog.data}
        try:
            with self._scope(b2, seed):
                exec(compile(prog.source, "<spikeopt brian2 program>", "exec"), ns)
                ns["net"].run(t_stop_ms * b2.ms, namespace=ns["namespace"])
                device.build(directory=directory, run=True, with_output=False)
        finally:
            b2.set_device(previous)
        self.builds += 1
        self._build = _CURRENT_BUILD[0] = _Build(key, ns, device)
        return ns


def _trains(mon, n: int, dt: float, t_stop: float, stop_step: int | None = None):
    """A SpikeMonitor's spikes as n trains (ms, on spikeopt's grid k*dt)."""
    i = np.asarray(mon.i[:], dtype=np.int64)
    steps = np.round(np.asarray(mon.t_[:], dtype=np.float64) / (dt * 1e-3)).astype(np.int64)
    if stop_step is not None:
        keep = steps <= stop_step
        i, steps = i[keep], steps[keep]
    order = np.lexsort((steps, i))
    counts = np.bincount(i, minlength=n)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return SpikeTrains(steps[order] * dt, offsets, t_stop=t_stop, validate=False), i, steps


def _early_stop(steps: np.ndarray, n_neurons: int, n_steps: int, dt: float, max_rate_hz,
                rate_window_ms: float, silence_ms) -> tuple[str, int]:
    """The engine's runaway / silence stops, found after the run: (reason, step)."""
    return early_stop(np.bincount(steps, minlength=n_steps)[:n_steps], n_neurons, dt,
                      max_rate_hz=max_rate_hz, rate_window_ms=rate_window_ms,
                      silence_ms=silence_ms)


# --------------------------------------------------------------------------- backend


class Brian2Backend:
    """spikeopt's models and networks in Brian2 (see the module docstring).

    Parameters
    ----------
    target : {"runtime", "numpy", "cython", "cpp_standalone"}
        Brian2's code generation: ``"runtime"`` leaves Brian2's preference
        (cython where it compiles, else numpy); ``"cpp_standalone"`` compiles
        one binary per network structure and reuses it across candidates.
    build_dir : str, optional
        Folder of the cpp_standalone project (default: a temporary folder).
    wiring : {"spikeopt", "brian2"}
        Networks: spikeopt's own draws of the wiring, weights and delays
        (default; same spikes as the numba engine where the dynamics are
        deterministic) or Brian2's (``connect(p=...)``, ``rand()``: statistics).
    """

    name = "brian2"
    batched = True

    def __init__(self, target: str = "runtime", build_dir: str | None = None,
                 wiring: str = "spikeopt"):
        if target not in TARGETS:
            raise InvalidParameterError(
                f"The 'target' parameter of Brian2Backend must be one of {list(TARGETS)}. "
                f"Got {target!r}.")
        if wiring not in WIRINGS:
            raise InvalidParameterError(
                f"The 'wiring' parameter of Brian2Backend must be one of {list(WIRINGS)}. "
                f"Got {wiring!r}.")
        self.target = target
        self.wiring = wiring
        self._runner = _Runner(target, build_dir)

    @property
    def builds(self) -> int:
        """cpp_standalone builds made (compilations)."""
        return self._runner.builds

    @property
    def reuses(self) -> int:
        """cpp_standalone runs that reused an earlier build through run_args."""
        return self._runner.reuses

    def supports(self, model) -> str | None:
        if isinstance(model, Network) or (isinstance(model, Mapping) and "populations" in model):
            return _network_support(model)
        try:
            _model_name(model)
        except (InvalidParameterError, UnknownNameError) as exc:
            return (f"the Brian2 backend renders spikeopt's built-in models and network "
                    f"descriptions ({exc})")
        return None

    def simulate_cells(self, model, params, stimulus, *, dt, t_stop, record_v, v_every,
                       initial) -> SimResult:
        setup = cell_program(model, params, stimulus, dt=dt, t_stop=t_stop, initial=initial,
                             record_v_every=int(v_every) if record_v else 0)
        t_ms = setup.n_steps * dt
        ns = self._runner.run(setup.program, t_ms)
        N = setup.P * setup.S
        fail_t = np.asarray(ns["cell"].fail_t_[:], dtype=np.float64)
        failed = fail_t >= 0
        fail_time = np.where(failed, np.round(fail_t / (dt * 1e-3)) * dt, np.nan)
        spikes, _, _ = _trains(ns["spikes"], N, dt, t_ms)
        if failed.any():  # the engine records no spike from the failing step on
            trains = [spikes[r][spikes[r] < fail_time[r]] if failed[r] else spikes[r]
                      for r in range(N)]
            spikes = SpikeTrains.from_list(trains, t_stop=t_ms)
        v = None
        if record_v:
            v = np.asarray(ns["trace"].v[:], dtype=np.float64)
        return SimResult(spikes, v, dt * (int(v_every) if record_v else 1), failed, fail_time,
                         setup.P, setup.S, t_ms)

    def simulate_network(self, network, params, *, t_stop, dt, seed, **options):
        unknown = sorted(set(options) - set(_NETWORK_OPTIONS))
        if unknown:
            raise InvalidParameterError(
                f"Unknown option(s) {unknown} of the Brian2 backend's network simulation; "
                f"allowed: {sorted(_NETWORK_OPTIONS)} (record_state is the numba engine's).")
        generation = int(options.get("generation", 0))
        progs = network_programs(network, params, dt=dt, seed=seed, generation=generation,
                                 frozen=options.get("frozen"),
                                 wiring=self.wiring)
        net = Network.from_dict(network)
        names = list(net.populations)
        record = tuple(options.get("record") or names)
        for r in record:
            if r not in names:
                raise UnknownNameError(f"record: unknown population {r!r}; allowed: {names}.")
        rate_bin_ms = options.get("rate_bin_ms", 1.0)
        n_steps = int(round(float(t_stop) / dt))
        t_ms = n_steps * dt
        frozen = net.frozen if options.get("frozen") is None else bool(options["frozen"])
        parts, reasons = [], []
        for p, prog in enumerate(progs):
            ns = self._runner.run(prog, t_ms, seed=_candidate_seed(seed, generation,
                                                                   0 if frozen else p))
            parts.append(self._network_part(ns, prog, names, record, n_steps, dt, rate_bin_ms,
                                            options))
            reasons.append(str(parts[-1].reasons[0]))
        return join_networks(parts, reasons, names=names, t_stop=t_ms, dt=dt,
                             rate_bin_ms=rate_bin_ms)

    @staticmethod
    def _network_part(ns, prog: Program, names, record, n_steps, dt, rate_bin_ms, options):
        t_ms = n_steps * dt
        sizes = {n: len(ns[prog.groups[n]]) for n in names}
        fail_steps = [np.round(ns[prog.groups[n]].fail_t_[:] / (dt * 1e-3))
                      for n in names if sizes[n]]
        fail_steps = [f[f >= 0] for f in fail_steps]
        diverged = min((int(f.min()) for f in fail_steps if f.size), default=-1)
        every = [np.round(np.asarray(ns[prog.monitors[n]].t_[:]) / (dt * 1e-3)).astype(np.int64)
                 for n in names]
        steps = np.concatenate(every) if every else np.zeros(0, np.int64)
        if diverged >= 0:
            steps = steps[steps < diverged]
        reason, stop = _early_stop(steps, sum(sizes.values()), n_steps, dt,
                                   options.get("max_rate_hz"),
                                   float(options.get("rate_window_ms", 50.0)),
                                   options.get("silence_ms"))
        if diverged >= 0 and (stop < 0 or diverged <= stop):
            reason, stop, last = "diverged", diverged, diverged - 1
        else:
            last = stop if stop >= 0 else None
        pops, emitted = {}, {}
        for n in names:
            pops[n], i, _ = _trains(ns[prog.monitors[n]], sizes[n], dt, t_ms, last)
            emitted[n] = i
        n_events = 0
        source_of = {var: name for name, var in prog.groups.items()}
        for var in prog.synapses.values():
            syn = ns[var]
            src = source_of[syn.source.name]
            if src not in emitted:
                if src in prog.monitors:
                    emitted[src] = _trains(ns[prog.monitors[src]], len(syn.source), dt, t_ms,
                                           last)[1]
                else:  # given spikes
                    idx = prog.data[f"{src}.index"]
                    st = prog.data[f"{src}.step"]
                    lim = n_steps - 1 if last is None else last
                    emitted[src] = idx[st <= lim]
            out_degree = np.bincount(np.asarray(syn.i[:], dtype=np.int64),
                                     minlength=len(syn.source))
            n_events += int(out_degree[emitted[src]].sum())
        part = network_result(pops, t_stop=t_ms, dt=dt, rate_bin_ms=rate_bin_ms,
                              n_events=n_events, recorded=record)
        if reason:
            part.failed[0] = True
            part.reasons[0] = reason
            part.fail_time[0] = stop * dt
        return part
