"""The ``kind: network`` fit configuration, checked key by key.

::

    kind: network
    network: networks/ei.yaml          # a file in Network.from_dict's format, or the mapping
    target:
      spikes: {E: target_E.npz, I: target_I.npz}   # spikeopt's spike files (io.save_spikes)
    fit:                               # dotted paths into the description, with bounds
      projections.EE.weight.uniform.1: [0.0, 6.0]
    objective:
      terms:
        - {metric: rate_distribution, populations: [E, I]}
    simulation: {t_stop_ms: 1000.0, dt_ms: 0.1, n_seeds: 1, common_random_numbers: false}
    optimizer: {name: cmaes, popsize: 16}
    budget: {evaluations: 800}
    seed: 3
    output: runs/ei

A target statistic needs no ``target``: ``objective: {terms: [{metric: mean_rate,
populations: [S, M], target_hz: 17.0}]}``. Errors name the dotted key, the
allowed values and what came.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path

from ..errors import ConfigError
from ..network import Network
from ..objectives import NetworkTerm
from .checks import check_common, check_keys, err

__all__ = ["validate_network_config", "load_network"]

TOP = {"kind", "network", "target", "fit", "objective", "simulation", "optimizer", "budget",
       "seed", "output", "executor", "name", "report"}
REQUIRED = {"network", "fit", "objective", "simulation", "seed", "output"}
SIMULATION = {"t_stop_ms", "dt_ms", "n_seeds", "common_random_numbers", "max_rate_hz",
              "silence_ms", "rate_window_ms"}
DEFAULTS = {"optimizer": {"name": "cmaes", "popsize": 16}, "budget": {"evaluations": 800},
            "executor": "serial", "report": {}}


def load_network(spec) -> Network:
    """The config's ``network``: a mapping or an (absolute) YAML path."""
    return Network.from_yaml(spec) if isinstance(spec, str) else Network.from_dict(spec)


def validate_network_config(cfg: Mapping, *, base_dir: Path | None = None) -> dict:
    """Check a ``kind: network`` config; return a normalised deep copy (defaults
    filled in, paths made absolute against ``base_dir``)."""
    cfg = copy.deepcopy(dict(cfg))
    check_keys("<top>", cfg, TOP, REQUIRED)
    for k, v in DEFAULTS.items():
        cfg.setdefault(k, copy.deepcopy(v))
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    if isinstance(cfg["network"], str):
        cfg["network"] = str((base / cfg["network"]).resolve())
        if not Path(cfg["network"]).exists():
            raise err("network", f"file not found: {cfg['network']}")
    try:
        net = load_network(cfg["network"])
    except ConfigError as exc:
        raise err("network", str(exc)) from None
    fit = cfg["fit"]
    if not isinstance(fit, Mapping) or not fit:
        raise err("fit", "must map dotted paths of the network to bounds [low, high]")
    for path, bounds in fit.items():
        try:
            net.check_path(path)
        except KeyError as exc:
            raise err(f"fit.{path}", str(exc)) from None
        if isinstance(bounds, list | tuple):
            if len(bounds) != 2 or not all(isinstance(b, int | float) for b in bounds) \
                    or bounds[0] > bounds[1]:
                raise err(f"fit.{path}", f"bounds must be [low, high] numbers; got {bounds!r}")
        elif not isinstance(bounds, Mapping):
            raise err(f"fit.{path}", f"must be [low, high] or a parameter spec; got {bounds!r}")
    obj = cfg["objective"]
    check_keys("objective", obj, {"terms", "multi_objective"}, {"terms"})
    if not isinstance(obj["terms"], list) or not obj["terms"]:
        raise err("objective.terms", "must be a non-empty list of terms")
    needs_target = False
    for i, t in enumerate(obj["terms"]):
        try:
            term = NetworkTerm.from_config(t)
        except ConfigError as exc:
            raise err(f"objective.terms.{i}", str(exc)) from None
        bad = [p for p in term.populations if p not in net.populations]
        if bad:
            raise err(f"objective.terms.{i}.populations",
                       f"unknown population(s) {bad}; allowed: {list(net.populations)}")
        needs_target |= term.needs_target_spikes
    target = cfg.get("target")
    if target is None and needs_target:
        raise err("target", "these terms compare with target spikes: give target.spikes")
    if target is not None:
        check_keys("target", target, {"spikes"}, {"spikes"})
        spikes = target["spikes"]
        if not isinstance(spikes, Mapping) or not spikes:
            raise err("target.spikes", "must map population names to spike files")
        for pop, path in spikes.items():
            if pop not in net.populations:
                raise err(f"target.spikes.{pop}", f"unknown population; allowed: "
                                                   f"{list(net.populations)}")
            spikes[pop] = str((base / path).resolve())
            if not Path(spikes[pop]).exists():
                raise err(f"target.spikes.{pop}", f"file not found: {spikes[pop]}")
    sim = cfg["simulation"]
    check_keys("simulation", sim, SIMULATION, {"t_stop_ms"})
    for k in ("t_stop_ms", "dt_ms"):
        if k in sim and not (isinstance(sim[k], int | float) and sim[k] > 0):
            raise err(f"simulation.{k}", f"must be a number > 0 ms; got {sim[k]!r}")
    sim.setdefault("dt_ms", 0.1)
    if not (isinstance(sim.setdefault("n_seeds", 1), int) and sim["n_seeds"] >= 1):
        raise err("simulation.n_seeds", f"must be an int >= 1; got {sim['n_seeds']!r}")
    check_common(cfg, base)
    return cfg
