"""The fit configuration: a YAML file (or dict) checked against a schema that
names the bad key, the allowed values and what it received.

::

    data:
      path: recording.npz          # spikeopt's npz layout, or .nwb / .abf / .csv
      train_sweeps: [0, 1, 2]
      test_sweeps: [3]
    model: adex
    fixed: {C: 200.0, g_L: 10.0}   # set, not fitted (model units)
    fit:                           # fitted, with bounds in the model's units
      a: [0.0, 10.0]
      tau_w: {low: 10.0, high: 300.0, log: true}
    objective: {metric: gamma_factor, delta_ms: 2.0}
    optimizer: {name: cmaes, popsize: 32}
    budget: {evaluations: 4000}
    seed: 1
    output: runs/demo

Optional keys: ``data.options`` (passed to the loader), ``simulation.dt_ms``,
``executor`` (``serial`` | ``processes`` | ``dask`` or ``{name, workers, address}``),
``objective.terms`` (a list of terms with weights) and
``objective.multi_objective``, ``budget`` keys ``generations``, ``target_loss``,
``stagnation``, ``time_s``, ``report`` (``{gif: true, validation: true}``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path

from ..errors import ConfigError
from .checks import (
    check_common,
    check_keys,
    err,
)

__all__ = ["load_config", "validate_config", "TOP_KEYS"]

# key -> (required, allowed sub-keys or None for free-form)
TOP_KEYS = {
    "data": True, "model": True, "fit": True, "fixed": False, "objective": False,
    "optimizer": False, "budget": False, "seed": True, "output": True, "executor": False,
    "simulation": False, "report": False, "name": False, "kind": False,
}
KINDS = ("cell", "network")
DATA_KEYS = {"path", "train_sweeps", "test_sweeps", "options"}
SIMULATION_KEYS = {"dt_ms"}
REPORT_KEYS = {"gif", "validation"}

DEFAULTS = {
    "objective": {"metric": "gamma_factor", "delta_ms": 2.0},
    "optimizer": {"name": "cmaes", "popsize": 32},
    "budget": {"evaluations": 4000},
    "executor": "serial",
    "fixed": {},
    "simulation": {},
    "report": {"gif": True, "validation": True},
}


def _int_list(where: str, v) -> list[int]:
    if not isinstance(v, list) or not v or not all(isinstance(x, int) and x >= 0 for x in v):
        raise err(where, f"must be a non-empty list of sweep indices (ints >= 0); got {v!r}")
    return v


def validate_config(cfg: Mapping, *, base_dir: Path | None = None) -> dict:
    """Check ``cfg`` and return a normalised deep copy (defaults filled in,
    ``data.path`` and ``output`` made absolute against ``base_dir``). ``kind``
    selects the schema: ``cell`` (default, this module) or ``network``
    (:mod:`.network_config`)."""
    from .. import models
    from ..objectives import Term

    if not isinstance(cfg, Mapping):
        raise ConfigError(f"a fit config must be a mapping; got {type(cfg).__name__}")
    kind = cfg.get("kind", "cell")
    if kind not in KINDS:
        raise err("kind", f"allowed values are {list(KINDS)}; got {kind!r}")
    if kind == "network":
        from .network_config import validate_network_config

        return validate_network_config(cfg, base_dir=base_dir)
    cfg = copy.deepcopy(dict(cfg))
    cfg["kind"] = "cell"
    check_keys("<top>", cfg, set(TOP_KEYS), {k for k, r in TOP_KEYS.items() if r})
    for k, v in DEFAULTS.items():
        cfg.setdefault(k, copy.deepcopy(v))
    base = Path(base_dir) if base_dir is not None else Path.cwd()

    data = cfg["data"]
    check_keys("data", data, DATA_KEYS, {"path", "train_sweeps"})
    if not isinstance(data["path"], str):
        raise err("data.path", f"must be a file path string; got {data['path']!r}")
    data["path"] = str((base / data["path"]).resolve())
    _int_list("data.train_sweeps", data["train_sweeps"])
    data.setdefault("test_sweeps", [])
    if data["test_sweeps"]:
        _int_list("data.test_sweeps", data["test_sweeps"])
    overlap = set(data["train_sweeps"]) & set(data["test_sweeps"])
    if overlap:
        raise err("data.test_sweeps", f"sweeps {sorted(overlap)} are also training sweeps")
    data.setdefault("options", {})

    try:
        model = models.get(cfg["model"])
    except KeyError as exc:
        raise err("model", str(exc)) from None

    fixed = cfg["fixed"]
    if not isinstance(fixed, Mapping):
        raise err("fixed", f"must map parameter names to numbers; got {fixed!r}")
    for name, v in fixed.items():
        if name not in model.parameters:
            raise err(f"fixed.{name}", f"model {model.name!r} has no such parameter; "
                       f"allowed: {list(model.parameters)}")
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise err(f"fixed.{name}", f"must be a number in {model.parameters[name].unit}; "
                       f"got {v!r}")

    fit = cfg["fit"]
    if not isinstance(fit, Mapping) or not fit:
        raise err("fit", "must map at least one parameter name to [low, high] bounds")
    for name, spec in fit.items():
        if name not in model.parameters:
            raise err(f"fit.{name}", f"model {model.name!r} has no such parameter; allowed: "
                       f"{list(model.parameters)}")
        if name in fixed:
            raise err(f"fit.{name}", "is also in 'fixed'; a parameter is either fitted or fixed")
        if isinstance(spec, list):
            ok = len(spec) == 2 and all(isinstance(x, int | float) for x in spec) \
                and spec[0] < spec[1]
            if not ok:
                raise err(f"fit.{name}", f"bounds must be [low, high] with low < high "
                           f"({model.parameters[name].unit}); got {spec!r}")
        elif isinstance(spec, Mapping):
            check_keys(f"fit.{name}", spec, {"low", "high", "log", "unit"}, {"low", "high"})
        else:
            raise err(f"fit.{name}", f"must be [low, high] or {{low, high, log}}; got {spec!r}")

    obj = cfg["objective"]
    if not isinstance(obj, Mapping):
        raise err("objective", f"must be a mapping such as {{metric: gamma_factor}}; got {obj!r}")
    if "terms" in obj:
        check_keys("objective", obj, {"terms", "multi_objective"}, {"terms"})
        terms = obj["terms"]
        if not isinstance(terms, list) or not terms:
            raise err("objective.terms", f"must be a non-empty list of terms; got {terms!r}")
    else:
        terms = [obj]
    for i, t in enumerate(terms):
        try:
            Term.from_config(t)
        except ConfigError as exc:
            raise err(f"objective.terms[{i}]" if "terms" in obj else "objective", str(exc)) \
                from None

    check_common(cfg, base)
    check_keys("simulation", cfg["simulation"], SIMULATION_KEYS)
    dt = cfg["simulation"].get("dt_ms")
    if dt is not None and (isinstance(dt, bool) or not isinstance(dt, int | float) or dt <= 0):
        raise err("simulation.dt_ms", f"must be a positive number of ms; got {dt!r}")
    check_keys("report", cfg["report"], REPORT_KEYS)

    return cfg


def load_config(config, *, base_dir=None) -> dict:
    """A path to a YAML/JSON file, or a dict → a validated config. Relative paths
    in a file are taken relative to the file's folder."""
    if isinstance(config, str | Path):
        path = Path(config)
        if not path.exists():
            raise FileNotFoundError(f"config file not found: {path}")
        import yaml

        try:
            raw = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from None
        return validate_config(raw, base_dir=base_dir or path.resolve().parent)
    return validate_config(config, base_dir=base_dir)
