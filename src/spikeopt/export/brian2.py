"""A fitted cell or network as a runnable Brian2 script.

:func:`brian2_script` writes the very program the Brian2 backend runs
(:mod:`spikeopt.backends.brian2`): the same NeuronGroups, Synapses and
schedule, with spikeopt's per-neuron values, wiring, weights and delays for
``seed`` written out as numbers, and — with ``units=True`` (default) — every
quantity in Brian2 units (mV, ms, pA, nS, pF...). The script imports only
``brian2`` and ``numpy`` (and ``os``/``sys``), runs with ``python script.py
[out.npz]`` and saves the spike times (ms) of every population as
``<name>_senders`` (0-based neuron index) and ``<name>_times`` (a cell batch:
population ``cell``, one neuron per sweep); with ``record_v`` also ``v``
(mV, one row per neuron) and ``v_times``. :func:`write_brian2` writes it to a
file, with large arrays in an ``.npz`` beside it.

>>> from spikeopt import stimuli
>>> src = brian2_script("adex", {"a": 2.0, "b": 60.0}, stimulus=stimuli.step(500.0, duration=50.0),
...                     dt=0.1, t_stop=50.0)
>>> "b2.NeuronGroup(1" in src and "*b2.pF" in src and "np.savez" in src
True
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .._version import __version__
from ..backends.brian2 import cell_program, network_programs
from ..errors import InvalidParameterError
from ..network.spec import Network
from ..stimuli import Stimulus
from . import one_candidate, one_input

__all__ = ["brian2_script", "write_brian2"]

_EMBED_LIMIT = 20_000  # numbers written into the script; more go to an .npz beside it

_HEADER = '''"""Brian2 script written by spikeopt {version}: {what}.

Run: python {{this file}} [out.npz]   (default {out})
Saves spike times (ms): <population>_senders (0-based neuron index) and
<population>_times{vnote}.

Numerics are spikeopt's: forward Euler (method='euler') at dt = {dt:g} ms; in
each step the update (at order -1 v_prev, 0 the neurons, 1 the exact decay
x = x*exp(-dt/tau) of the synaptic channels), then thresholds, synaptic
delivery (delays in whole steps) and resets (Brian2's default schedule).
{wiring}"""

import os
import sys

import brian2 as b2
import numpy as np

b2.prefs.codegen.target = "numpy"  # "cython" runs faster after a first compilation
'''


def _literal(a: np.ndarray) -> str:
    """An exact numpy literal (repr round-trips every float64)."""
    flat = ", ".join(repr(x.item()) for x in a.ravel())
    dtype = "np.int64" if a.dtype.kind in "iu" else "np.float64"
    shape = f".reshape({a.shape!r})" if a.ndim != 1 else ""
    return f"np.array([{flat}], dtype={dtype}){shape}"


def _data_block(data: Mapping[str, np.ndarray], data_file: str | None) -> str:
    if data_file is not None:
        return ("data = dict(np.load(os.path.join(os.path.dirname(os.path.abspath(__file__)), "
                f"{data_file!r})))\n")
    lines = ["data = {"]
    lines += [f"    {k!r}: {_literal(np.asarray(v))}," for k, v in data.items()]
    return "\n".join(lines) + "\n}\n"


def _footer(monitors: Mapping[str, str], trace: bool, t_stop: float, out: str) -> str:
    pairs = ", ".join(f"{name!r}: {var}" for name, var in monitors.items())
    lines = ["", f"net.run({t_stop!r}*b2.ms, namespace=namespace)", "",
             "# spike times (ms) per population", "out = {}",
             f"for name, mon in {{{pairs}}}.items():",
             "    out[name + '_senders'] = np.asarray(mon.i[:])",
             "    out[name + '_times'] = np.asarray(mon.t[:]/b2.ms)"]
    if trace:
        lines += ["out['v'] = np.asarray(trace.v[:]/b2.mV)",
                  "out['v_times'] = np.asarray(trace.t[:]/b2.ms)"]
    lines += [f"path = sys.argv[1] if len(sys.argv) > 1 else {out!r}",
              "np.savez(path, **out)",
              "print('spikes:', {k[:-6]: v.size for k, v in out.items() if k.endswith('_times')"
              " and k != 'v_times'}, '->', path)"]
    return "\n".join(lines) + "\n"


def _program(model_or_network, params, *, stimulus, dt, t_stop, seed, record_v, v_every,
             initial, wiring, units):
    p = one_candidate(params, "brian2_script")
    is_net, stimulus = one_input(model_or_network, stimulus, t_stop=t_stop, dt=dt,
                                 where="brian2_script")
    if is_net:
        prog = network_programs(model_or_network, p or None, dt=dt, seed=seed, wiring=wiring,
                                units=units, divergence=False)[0]
        t_ms = int(round(float(t_stop) / dt)) * dt
        net = Network.from_dict(model_or_network)
        what = f"network {net!r}, seed {seed}, t_stop = {t_ms:g} ms"
        return prog, t_ms, what, False
    setup = cell_program(model_or_network, p, stimulus, dt=dt, t_stop=t_stop, initial=initial,
                         record_v_every=int(v_every) if record_v else 0, units=units,
                         divergence=False)
    name = getattr(model_or_network, "name", model_or_network)
    what = (f"model {name!r} with {p or 'default parameters'}, {setup.S} sweep(s), "
            f"t_stop = {setup.n_steps * dt:g} ms")
    return setup.program, setup.n_steps * dt, what, bool(record_v)


def brian2_script(model_or_network, params: Mapping | None = None, *,
                  stimulus: Stimulus | np.ndarray | None = None, dt: float = 0.1,
                  t_stop: float | None = None, seed: int = 0, wiring: str = "spikeopt",
                  units: bool = True, record_v: bool = False, v_every: int = 1,
                  initial: Mapping | None = None, out: str = "brian2_spikes.npz",
                  data_file: str | None = None) -> str:
    """The source of a Brian2 script that simulates one cell (batch of sweeps) or network.

    Parameters
    ----------
    model_or_network : str, Model, Network or dict
        A built-in spikeopt model (needs ``stimulus``) or a network description.
    params : dict of str -> float
        One candidate's values: model parameters in the model's units, or
        dotted paths of the network description.
    stimulus : Stimulus or array, optional
        The injected current of a cell in the model's unit (one neuron per sweep).
    dt, t_stop : float
        Step and duration (ms); cells default to the stimulus duration.
    seed : int
        Networks: spikeopt's seed for the drawn values and wiring (candidate 0
        of that seed, as :func:`spikeopt.simulate` draws it) and the seed of
        Brian2's own draws (Poisson inputs; ``wiring="brian2"``).
    wiring : {"spikeopt", "brian2"}
        Write spikeopt's wiring, weights and delays out as numbers (same spikes
        as spikeopt where deterministic), or let Brian2 draw random connectors
        (``connect(p=...)``; the same statistics).
    units : bool
        Brian2 quantities (default) or dimensionless numbers in spikeopt's units.
    record_v, v_every, initial
        As :func:`spikeopt.simulate` for cells.
    out : str
        Default output path of the script.
    data_file : str, optional
        Read the arrays from this ``.npz`` (beside the script) instead of
        writing them into it (:func:`write_brian2` sets it for large data).
    """
    rendered = _program(model_or_network, params, stimulus=stimulus, dt=dt, t_stop=t_stop,
                        seed=seed, record_v=record_v, v_every=v_every, initial=initial,
                        wiring=wiring, units=units)
    is_net = isinstance(model_or_network, Mapping | Network)
    return _compose(rendered, dt=dt, seed=seed, out=out, data_file=data_file,
                    wiring=wiring if is_net else None)


def _compose(rendered, *, dt: float, seed: int, out: str, data_file: str | None,
             wiring: str | None) -> str:
    prog, t_ms, what, trace = rendered
    wnote = {None: "",
             "spikeopt": "Wiring, weights, delays and per-neuron values: spikeopt's draws for "
                         f"seed {seed}.\n",
             "brian2": "Random connectors, weights and delays: Brian2's own draws.\n"}[wiring]
    head = _HEADER.format(version=__version__, what=what, out=out, dt=dt, wiring=wnote,
                          vnote="; v (mV) and v_times" if trace else "")
    seeding = f"b2.seed({int(seed)})  # Brian2's own random draws\n"
    return (head + "\n" + _data_block(prog.data, data_file) + seeding + prog.source
            + _footer(prog.monitors, trace, t_ms, out))


def write_brian2(path: str | os.PathLike, model_or_network, params: Mapping | None = None,
                 **options) -> Path:
    """Write :func:`brian2_script` to ``path``; arrays of more than 20 000 numbers in
    all go to ``<stem>_data.npz`` beside it. Returns the script's path."""
    path = Path(path)
    opts = dict(options)
    out, data_file = opts.pop("out", "brian2_spikes.npz"), opts.pop("data_file", None)
    seed, wiring = opts.get("seed", 0), opts.get("wiring", "spikeopt")
    kw = {"stimulus": None, "dt": 0.1, "t_stop": None, "seed": 0, "record_v": False,
          "v_every": 1, "initial": None, "wiring": "spikeopt", "units": True}
    unknown = sorted(set(opts) - set(kw))
    if unknown:
        raise InvalidParameterError(f"Unknown option(s) {unknown} of write_brian2; allowed: "
                                    f"{sorted([*kw, 'out', 'data_file'])}.")
    kw.update(opts)
    rendered = _program(model_or_network, params, **kw)
    if data_file is None and sum(np.size(v) for v in rendered[0].data.values()) > _EMBED_LIMIT:
        data_path = path.with_name(path.stem + "_data.npz")
        np.savez(data_path, **rendered[0].data)
        data_file = data_path.name
    is_net = isinstance(model_or_network, Mapping | Network)
    path.write_text(_compose(rendered, dt=kw["dt"], seed=seed, out=out, data_file=data_file,
                             wiring=wiring if is_net else None))
    return path
