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

from pathlib import Path

from ..errors import ConfigError
from ..network import Network
from ..objectives import NetworkTerm
from .schema import err

__all__ = ["check_network_config", "load_network"]


def load_network(spec) -> Network:
    """The config's ``network``: a mapping or an (absolute) YAML path."""
    return Network.from_yaml(spec) if isinstance(spec, str) else Network.from_dict(spec)


def check_network_config(cfg: dict, base: Path) -> dict:
    """What the schema (:class:`.schema.NetworkConfig`) cannot see: the dotted paths
    and populations against the network, the terms' options, the target files.
    ``cfg`` is the schema's output; paths are made absolute against ``base``."""
    from .config import check_optimizer

    if isinstance(cfg["network"], str):
        cfg["network"] = str((base / cfg["network"]).resolve())
        if not Path(cfg["network"]).exists():
            raise err("network", f"file not found: {cfg['network']}")
    try:
        net = load_network(cfg["network"])
    except ConfigError as exc:
        raise err("network", str(exc)) from None
    for path, b in cfg["fit"].items():
        try:
            net.check_path(path)
        except KeyError as exc:
            raise err(f"fit.{path}", str(exc)) from None
        low, high = b if isinstance(b, list) else (b["low"], b["high"])
        if low > high:
            raise err(f"fit.{path}", f"bounds must be [low, high] with low <= high; "
                                     f"got {[low, high]!r}")
    needs_target = False
    for i, t in enumerate(cfg["objective"]["terms"]):
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
    for pop, path in (target or {}).get("spikes", {}).items():
        if pop not in net.populations:
            raise err(f"target.spikes.{pop}", f"unknown population; allowed: "
                                               f"{list(net.populations)}")
        target["spikes"][pop] = str((base / path).resolve())
        if not Path(target["spikes"][pop]).exists():
            raise err(f"target.spikes.{pop}", f"file not found: {target['spikes'][pop]}")
    check_optimizer(cfg)
    return cfg
