"""A fitted cell or network as a runnable PyNEST script.

:func:`pynest_script` writes the very plan the NEST backend runs
(:mod:`spikeopt.backends.nest`): the same ``nest.Create`` / ``nest.Connect``
calls in the same order, the same per-neuron values (drawn with numpy from
``seed`` and written out as numbers) and NEST's own random draws from
``rng_seed = seed``. The script imports only ``nest`` and ``numpy`` (and
``os``/``sys``), runs with ``python script.py [out.npz]`` and saves the spike
times (ms) of every population as ``<name>_senders`` (0-based neuron
index) and ``<name>_times``; a cell script with ``record_v`` also saves
``v_senders``, ``v_times`` and ``v`` (mV). Running it gives the backend's
spikes exactly (same NEST version and thread count).

>>> from spikeopt import stimuli
>>> src = pynest_script("lif", {"tau_m": 10.0}, stimulus=stimuli.step(300.0, duration=50.0),
...                     dt=0.1, t_stop=50.0, seed=3)
>>> "nest.Create('iaf_psc_delta', 1" in src and "np.savez" in src
True
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .._version import __version__
from ..backends.nest import Plan, cell_plan, network_plan, render_program
from ..network.spec import Network
from ..stimuli import Stimulus
from . import one_candidate, one_input

__all__ = ["pynest_script"]

_HEADER = '''"""PyNEST script written by spikeopt {version}: {what}.

Run: python {{this file}} [out.npz]   (default {out})
Saves spike times (ms): <population>_senders (0-based neuron index) and
<population>_times{vnote}. NEST stamps a spike at the end of the step in which
V crossed threshold (spikeopt and Brian2: at its start), so the times are one
dt = {dt:g} ms after spikeopt's for the same trajectory.
"""

import os
import sys

os.environ.setdefault("PYNEST_QUIET", "1")

import nest  # noqa: E402
import numpy as np  # noqa: E402

if hasattr(nest, "VerbosityLevel"):  # NEST >= 3.10
    nest.verbosity = nest.VerbosityLevel.ERROR
'''


def _footer(plan: Plan, out: str) -> str:
    pairs = ", ".join(f"{name!r}: ({plan.populations[name][0]}, {rec})"
                      for name, rec in plan.recorders.items())
    lines = ["", "# spike times (ms) per recorded population",
             "out = {}",
             f"for name, (nodes, rec) in {{{pairs}}}.items():",
             "    ev = rec.get('events')",
             "    out[name + '_senders'] = np.asarray(ev['senders']) - nodes[0].global_id",
             "    out[name + '_times'] = np.asarray(ev['times'])"]
    if plan.multimeter is not None:
        lines += [f"ev = {plan.multimeter}.get('events')",
                  "out['v_senders'] = np.asarray(ev['senders']) - cell[0].global_id",
                  "out['v_times'] = np.asarray(ev['times'])",
                  "out['v'] = np.asarray(ev['V_m'])"]
    lines += [f"path = sys.argv[1] if len(sys.argv) > 1 else {out!r}",
              "np.savez(path, **out)",
              "print('spikes:', {k[:-6]: v.size for k, v in out.items() if k.endswith('_times')}, "
              "'->', path)"]
    return "\n".join(lines) + "\n"


def pynest_script(model_or_network, params: Mapping | None = None, *,
                  stimulus: Stimulus | np.ndarray | None = None, dt: float = 0.1,
                  t_stop: float | None = None, seed: int = 1, threads: int = 1,
                  record_v: bool = False, v_every: int = 1, initial: Mapping | None = None,
                  out: str = "nest_spikes.npz") -> str:
    """The source of a PyNEST script that simulates one cell or network.

    Parameters
    ----------
    model_or_network : str, Model, Network or dict
        A spikeopt model (needs ``stimulus``) or a network description.
    params : dict of str -> float
        One candidate's values: model parameters in the model's units, or
        dotted paths of the network description.
    stimulus : Stimulus or array, optional
        The injected current of a cell (model's unit; one NEST neuron per sweep).
    dt : float
        spikeopt's step and NEST's resolution (ms).
    t_stop : float
        Duration (ms); cells default to the stimulus duration.
    seed : int
        NEST's ``rng_seed`` (1 ... 2**31 - 1) and the numpy seed of per-neuron values.
    threads : int
        NEST's ``local_num_threads``.
    record_v, v_every, initial
        As :func:`spikeopt.simulate` for cells.
    out : str
        Default output path of the script.

    Returns
    -------
    str
        The script.
    """
    p = one_candidate(params, "pynest_script")
    is_net, stimulus = one_input(model_or_network, stimulus, t_stop=t_stop, dt=dt,
                                 where="pynest_script")
    if is_net:
        plan = network_plan(model_or_network, p, dt=dt, t_stop=t_stop, seed=seed,
                            threads=threads)
        net = Network.from_dict(model_or_network)
        what = f"network {net!r}, t_stop = {plan.t_stop:g} ms, seed {seed}"
    else:
        plan = cell_plan(model_or_network, p, stimulus, dt=dt, t_stop=t_stop,
                         record_v=record_v, v_every=v_every, initial=initial, seed=seed,
                         threads=threads)
        name = getattr(model_or_network, "name", model_or_network)
        what = (f"model {name!r} with {p or 'default parameters'}, "
                f"{stimulus.n_sweeps} sweep(s), t_stop = {plan.t_stop:g} ms")
    head = _HEADER.format(version=__version__, what=what, out=out, dt=dt,
                          vnote="; v_senders, v_times, v (mV)" if plan.multimeter else "")
    return head + "\n" + render_program(plan.program) + _footer(plan, out)
