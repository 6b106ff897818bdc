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

An input population may be an event-camera recording, one spike source per pixel
block and polarity (:func:`spikeopt.io.to_spike_trains`; docs/events.md)::

    inputs:
      retina: {type: events, file: data/moving_bar.aedat4, downsample: 4,
               polarity: split, stop_ms: 150.0, target: E,
               connector: {rule: all_to_all}, weight: 2.0, delay_ms: 1.0}

Its ``file`` is relative to the file that names it (the config, or the network's
YAML file); the recording becomes a ``type: spikes`` input when the network is
loaded. A target statistic needs no ``target``: ``objective: {terms: [{metric: mean_rate,
populations: [S, M], target_hz: 17.0}]}``. Errors name the dotted key, the
allowed values and what came.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from ..network import Network
from ..objectives import NetworkTerm
from .schema import err

__all__ = ["check_network_config", "load_network", "resolve_event_inputs", "EVENT_INPUT_KEYS"]

# an ``inputs.<name>: {type: events, ...}`` entry: reading and source options (the
# rest are the link keys of any input: target, connector, synapse, weight, ...)
EVENT_INPUT_KEYS = {"file": None, "format": None, "camera": "dvs128", "sensor_size": None,
                    "downsample": 1, "polarity": "split", "start_ms": 0.0, "stop_ms": None}
_LINK_KEYS = {"target", "connector", "synapse", "weight", "delay_ms", "release_probability",
              "plasticity"}


def load_network(spec, *, base: Path | None = None) -> Network:
    """The config's ``network``: a mapping or an (absolute) YAML path. Event-file
    inputs are read here (:func:`resolve_event_inputs`), their files relative to the
    YAML file's folder, or to ``base`` (default: the working folder) for a mapping."""
    if isinstance(spec, str | Path):
        import yaml

        path = Path(spec)
        with open(path) as f:
            spec, base = yaml.safe_load(f), path.resolve().parent
    if isinstance(spec, Network):
        return spec
    return Network.from_dict(resolve_event_inputs(spec, base or Path.cwd()))


def _event_files(spec, base: Path, where: str) -> None:
    """Make the ``file`` of every event input of a network mapping absolute (in place)
    and check that it exists."""
    for name, s in ((spec or {}).get("inputs") or {}).items():
        if isinstance(s, dict) and s.get("type") == "events" and isinstance(s.get("file"), str):
            s["file"] = str((base / s["file"]).resolve())
            if not Path(s["file"]).exists():
                raise err(f"{where}.inputs.{name}.file", f"file not found: {s['file']}")


def resolve_event_inputs(spec, base: Path) -> dict:
    """A copy of a network description whose ``type: events`` inputs are replaced by
    ``type: spikes`` inputs: the recording ``file`` (relative to ``base``) read with
    :func:`spikeopt.io.read_events` (``format``, ``camera``, ``sensor_size``) and
    turned into one train per source by :func:`spikeopt.io.to_spike_trains`
    (``downsample``, ``polarity``, ``start_ms``, ``stop_ms``); the link keys stay."""
    from ..io.events import read_events, to_spike_trains

    inputs = (spec or {}).get("inputs") if isinstance(spec, dict) else None
    if not inputs or not any(isinstance(s, dict) and s.get("type") == "events"
                             for s in inputs.values()):
        return spec
    out = dict(spec)
    out["inputs"] = dict(inputs)
    for name, s in inputs.items():
        if not (isinstance(s, dict) and s.get("type") == "events"):
            continue
        where = f"inputs.{name}"
        if not s.get("file"):
            raise ConfigError(f"{where}: missing key 'file' (an event recording: .aedat, "
                              f".aedat4, .dat, .raw, .bin or spikeopt's .npz).")
        unknown = sorted(set(s) - set(EVENT_INPUT_KEYS) - _LINK_KEYS - {"type"})
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {unknown}; allowed: "
                              f"{sorted({'type', *EVENT_INPUT_KEYS, *_LINK_KEYS})}.")
        opts = {k: s.get(k, d) for k, d in EVENT_INPUT_KEYS.items()}
        link = {k: v for k, v in s.items() if k in _LINK_KEYS}
        path = Path(opts["file"])
        path = path if path.is_absolute() else base / path
        try:
            stream = read_events(path, format=opts["format"], camera=opts["camera"],
                                 sensor_size=opts["sensor_size"])
            trains = to_spike_trains(stream, downsample=opts["downsample"],
                                     polarity=opts["polarity"], start_ms=opts["start_ms"],
                                     stop_ms=opts["stop_ms"])
        except FileNotFoundError as exc:
            raise ConfigError(f"{where}.file: {exc}") from None
        except (ValueError, ImportError) as exc:
            raise ConfigError(f"{where}: {exc}") from None
        out["inputs"][name] = {"type": "spikes", **link,
                               "times_ms": [tr.tolist() for tr in trains.to_list()]}
    return out


def check_network_config(cfg: dict, base: Path) -> dict:
    """What the schema (:class:`.schema.NetworkConfig`) cannot see: the dotted paths
    and populations against the network, the terms' options, the target files.
    ``cfg`` is the schema's output; paths are made absolute against ``base``."""
    from .config import check_optimizer

    if isinstance(cfg["network"], str):
        cfg["network"] = str((base / cfg["network"]).resolve())
        if not Path(cfg["network"]).exists():
            raise err("network", f"file not found: {cfg['network']}")
    else:
        _event_files(cfg["network"], base, "network")
    try:
        net = load_network(cfg["network"], base=base)
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
