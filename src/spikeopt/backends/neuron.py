"""The NEURON backend: built-in ``hh`` cells, imported NEURON cells and HH networks.

``spikeopt.simulate(model, params, stimulus, backend="neuron")`` runs each
candidate in a worker process of its own NEURON (:mod:`.workers`; NEURON's
state is never pickled or shared between candidates, a crash is a failed
candidate with its reason). NEURON is imported only there, lazily.

What it runs
------------
* ``"hh"`` (spikeopt's model, same parameter names and units) as NEURON's
  ``hh`` mechanism in one section, and any :class:`NeuronCell` — a ``.hoc``
  template or a Python class, with its ``.mod`` files compiled once
  (``nrnivmodl``, cached by content) — under a current clamp (the stimulus in
  pA, played into an ``IClamp`` in nA on the simulation grid), one sweep after
  another, each from ``finitialize(v_init)``.
* Network descriptions whose populations are ``hh`` and whose synapses are
  ``exp2_conductance`` (NEURON's ``Exp2Syn``) or ``exp_conductance``
  (``ExpSyn``), with ``poisson`` (``NetStim`` with ``noise``) and ``spikes``
  inputs (see :mod:`._neuron_net`).

Numerics
--------
Fixed step ``dt`` (``cvode`` off), backward Euler (``secondorder=0``,
NEURON's and NetPyNE's default) or Crank–Nicolson (``secondorder=2``); NEURON's
``hh`` uses rate tables in 1 mV steps. The numba engine integrates the same
equations by forward Euler with exact rates, so spike times drift apart slowly:
at dt 0.025 ms and 100 pA into the default soma (66 Hz) NEURON's interspike
interval is 15.275 ms against spikeopt's 15.200 ms (0.5 %); with
``secondorder=2`` both give 15.200 ms. At dt 0.001 ms NEURON without tables
(``h.usetable_hh = 0``) gives 15.218 ms and spikeopt 15.215 ms: the difference
is the schemes', not the model's. Spike times are NEURON's (the end of the step
in which ``v`` reached the threshold); the numba engine stamps the start of
that step.

>>> NeuronBackend().supports("lif")
"NEURON runs the 'hh' model, NeuronCell cells and networks of 'hh' populations; got 'lif'"
"""

from __future__ import annotations

import difflib
import gc
import math
import os
from collections.abc import Mapping
from pathlib import Path

from .. import models as _models
from ..errors import ConfigError, InvalidParameterError
from ..models import Model
from ..network.spec import Network
from ._neuron_cells import (
    PERSISTENT,
    NeuronCell,
    build_cell,
    build_hh,
    run_sweeps,
    start_neuron,
)
from ._neuron_net import network_unsupported, simulate_network_neuron
from ._nrnivmodl import Mechanisms, compile_mechanisms
from .base import PerCandidate

__all__ = ["NeuronBackend", "NeuronCell", "cell_from_config", "compile_mechanisms",
           "Mechanisms"]


class NeuronBackend(PerCandidate):
    """Run candidates one by one in NEURON (see the module docstring).

    Parameters
    ----------
    secondorder : {0, 2}
        NEURON's ``secondorder``: 0 backward Euler (default, as NetPyNE), 2
        Crank–Nicolson.
    cache_dir : path, optional
        Where compiled ``.mod`` libraries are cached (default
        ``$SPIKEOPT_NRNIVMODL_CACHE`` or ``~/.cache/spikeopt/nrnivmodl``).

    :meth:`reset` deletes every section, point process, NetCon and vector of
    the previous candidate; loaded mechanism libraries, hoc templates and
    Python cell modules stay loaded (NEURON cannot unload them).
    """

    name = "neuron"
    batched = False

    def __init__(self, *, secondorder: int = 0, cache_dir: str | None = None):
        if secondorder not in (0, 2):
            raise InvalidParameterError(
                f"The 'secondorder' parameter of NeuronBackend must be 0 or 2. "
                f"Got {secondorder!r}.")
        self.secondorder = int(secondorder)
        self.cache_dir = cache_dir
        self._h = None
        self._keep: list = []

    @property
    def h(self):
        if self._h is None:
            self._h = start_neuron(self.secondorder)
        return self._h

    def supports(self, model) -> str | None:
        if isinstance(model, NeuronCell):
            return None
        if isinstance(model, str | Model):
            name = model if isinstance(model, str) else model.name
            if name == "hh":
                return None
            return ("NEURON runs the 'hh' model, NeuronCell cells and networks of 'hh' "
                    f"populations; got {name!r}")
        if isinstance(model, Network) or (isinstance(model, Mapping) and "populations" in model):
            return network_unsupported(Network.from_dict(model))
        return f"NEURON cannot run a {type(model).__name__}"

    def reset(self) -> None:
        if self._h is None:
            return
        h = self._h
        self._keep.clear()
        if any(sec.name() not in PERSISTENT for sec in h.allsec()):
            gc.collect()  # Python cells may hold their sections in reference cycles
            for sec in list(h.allsec()):
                if sec.name() not in PERSISTENT:  # a cell file's module-level sections stay
                    h.delete_section(sec=sec)
        h.celsius = 6.3  # NEURON's default; a cell file's own value is restored per cell
        h.secondorder = self.secondorder
        h.CVode().active(0)

    def describe(self, cell: NeuronCell) -> dict[str, tuple[float, str]]:
        """``{name: (value, unit)}`` of the cell's parameters (what
        :attr:`NeuronCell.parameters` runs in a worker)."""
        built = build_cell(self.h, cell, cache_dir=self.cache_dir)
        self._keep.append(built)
        return built.describe(self.h)

    def cell_candidate(self, model, params, stimulus, *, dt, t_stop, record_v, v_every,
                       initial):
        h = self.h
        params = dict(params)
        for k, v in (initial or {}).items():
            if k != "v":
                raise InvalidParameterError(
                    f"NEURON cells take only 'v' (mV) in 'initial'. Got {k!r}.")
            params["v_init"] = float(v)
        if isinstance(model, NeuronCell):
            built = build_cell(h, model, cache_dir=self.cache_dir)
            built.set(params, model.file)
        else:
            hh = _models.get(model)
            for k in params:
                hh.parameter(k)  # unknown names: error with the model's names
            built = build_hh(h, params, hh.defaults())
        self._keep.append(built)
        return run_sweeps(h, built, stimulus, dt=dt, t_stop=t_stop, record_v=record_v,
                          v_every=v_every)

    def network_candidate(self, network, params, *, t_stop, dt, seed, **options):
        res, keep = simulate_network_neuron(self.h, network, params, t_stop=t_stop, dt=dt,
                                            seed=seed, **options)
        self._keep.append(keep)
        return res


CELL_KEYS = {
    "file": "a .hoc or .py file (path, relative to the config's folder)",
    "template": "the hoc template or Python class name (text)",
    "mod_dir": "a folder of .mod files (path)",
    "args": "a list (positional) or a mapping (keywords)",
    "section": "text such as 'soma' or 'soma(0.5)'",
    "threshold_mv": "a number (mV)",
    "spike_source": "a point process name (text)",
    "v_source": "'<point process>.<variable>' (text)",
}


def cell_from_config(cfg: Mapping, *, base_dir: str | os.PathLike | None = None,
                     where: str = "model.neuron") -> NeuronCell:
    """A :class:`NeuronCell` from a config mapping (the ``model: {neuron: ...}``
    block), checked key by key.

    Relative ``file`` and ``mod_dir`` paths are taken from ``base_dir`` (the
    config file's folder). Errors are :class:`~spikeopt.ConfigError` naming the
    dotted key (``where``), what it expects and what came.

    >>> cell_from_config({"file": "hh.hoc", "templat": "HHCell"})
    Traceback (most recent call last):
    ...
    spikeopt.errors.ConfigError: config key 'model.neuron': unknown key(s) 'templat' (did you
    mean 'template'?); allowed: [...].
    """
    if not isinstance(cfg, Mapping):
        raise ConfigError(f"config key {where!r}: expected a mapping with the keys "
                          f"{sorted(CELL_KEYS)}. Got {cfg!r}.")
    unknown = sorted(set(cfg) - set(CELL_KEYS))
    if unknown:
        close = {k: difflib.get_close_matches(k, list(CELL_KEYS), n=1) for k in unknown}
        hint = "; ".join(f"{k!r} (did you mean {v[0]!r}?)" if v else repr(k)
                         for k, v in close.items())
        raise ConfigError(f"config key {where!r}: unknown key(s) {hint}; allowed: "
                          f"{sorted(CELL_KEYS)}.")
    if "file" not in cfg:
        raise ConfigError(f"config key '{where}.file': required ({CELL_KEYS['file']}). "
                          "Got nothing.")

    def bad(key, value):
        return ConfigError(f"config key '{where}.{key}': expected {CELL_KEYS[key]}. "
                           f"Got {value!r}.")

    base = Path(base_dir) if base_dir is not None else Path.cwd()
    kw: dict = {}
    for key in ("file", "mod_dir"):
        if key in cfg and cfg[key] is not None:
            if not isinstance(cfg[key], str | os.PathLike):
                raise bad(key, cfg[key])
            p = Path(cfg[key])
            p = p if p.is_absolute() else base / p
            if key == "file" and (p.suffix not in (".hoc", ".py") or not p.is_file()):
                raise ConfigError(f"config key '{where}.file': expected an existing .hoc or "
                                  f".py file. Got {str(cfg[key])!r} ({p} "
                                  f"{'does not exist' if not p.exists() else 'is not one'}).")
            if key == "mod_dir" and not p.is_dir():
                raise ConfigError(f"config key '{where}.mod_dir': expected a folder of .mod "
                                  f"files. Got {str(cfg[key])!r} ({p} is not a folder).")
            kw[key] = str(p)
    for key in ("template", "section", "spike_source", "v_source"):
        if cfg.get(key) is not None:
            if not isinstance(cfg[key], str):
                raise bad(key, cfg[key])
            kw[key] = cfg[key]
    if "args" in cfg and cfg["args"] is not None:
        if not isinstance(cfg["args"], Mapping | list | tuple):
            raise bad("args", cfg["args"])
        kw["args"] = cfg["args"]
    if "threshold_mv" in cfg:
        t = cfg["threshold_mv"]
        if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t):
            raise bad("threshold_mv", t)
        kw["threshold_mv"] = float(t)
    try:
        return NeuronCell(**kw)
    except InvalidParameterError as exc:
        raise ConfigError(f"config key {where!r}: {exc}") from None
