"""The fit configuration: a YAML file (or dict) checked against a schema that
names the bad key, the allowed values and what it received.

::

    data:
      path: recording.npz          # spikeopt's npz layout, or .nwb / .abf / .csv
      train_sweeps: [0, 1, 2]
      test_sweeps: [3]             # or train_sets / test_sets: stimulus ids (all repeats)
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

from collections.abc import Mapping
from pathlib import Path

from ..errors import ConfigError
from .schema import CONFIGS, err, parse

__all__ = ["load_config", "validate_config", "resolve_output"]


def resolve_output(cfg: dict, base: Path) -> None:
    """``output`` made absolute against the config's folder."""
    cfg["output"] = str((base / cfg["output"]).resolve())


def validate_config(cfg: Mapping, *, base_dir: Path | None = None) -> dict:
    """Check ``cfg`` against its kind's schema (:mod:`.schema`) and what depends on
    the rest of it; return a normalised copy (defaults filled in, paths made
    absolute against ``base_dir``). ``kind`` selects the kind: ``cell`` (default,
    this module), ``network`` (:mod:`.network_config`) or ``task`` (:mod:`.task_fit`)."""
    if not isinstance(cfg, Mapping):
        raise ConfigError(f"a fit config must be a mapping; got {type(cfg).__name__}")
    kind = cfg.get("kind", "cell")
    if kind not in CONFIGS:
        raise err("kind", f"allowed values are {list(CONFIGS)}; got {kind!r}")
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    cfg = parse(CONFIGS[kind], dict(cfg))
    resolve_output(cfg, base)
    if kind == "network":
        from .network_config import check_network_config

        return check_network_config(cfg, base)
    if kind == "task":
        from .task_fit import check_task_config

        return check_task_config(cfg, base)
    return _check_cell_config(cfg, base)


def _check_cell_config(cfg: dict, base: Path) -> dict:
    from ..objectives import Term
    from .cell_models import cell_model, resolve_paths

    data = cfg["data"]
    data["path"] = str((base / data["path"]).resolve())
    if "train_sets" in data or "test_sets" in data:
        from .cell import resolve_sets

        resolve_sets(data)
    overlap = set(data["train_sweeps"]) & set(data["test_sweeps"])
    if overlap:
        raise err("data.test_sweeps", f"sweeps {sorted(overlap)} are also training sweeps")
    cfg["model"] = resolve_paths(cfg["model"], base)
    model = cell_model(cfg["model"])
    if isinstance(cfg["model"], dict) and "neuron" in cfg["model"]:
        if cfg["backend"]["name"] not in ("numba", "neuron"):
            raise err("backend", f"a NEURON cell runs on the 'neuron' backend; got "
                                 f"{cfg['backend']['name']!r}")
        cfg["backend"]["name"] = "neuron"  # the only simulator that can run it
    for name in cfg["fixed"]:
        if name not in model.parameters:
            raise err(f"fixed.{name}", f"model {model.name!r} has no such parameter; "
                       f"allowed: {list(model.parameters)}")
    for name, spec in cfg["fit"].items():
        if name not in model.parameters:
            raise err(f"fit.{name}", f"model {model.name!r} has no such parameter; allowed: "
                       f"{list(model.parameters)}")
        if name in cfg["fixed"]:
            raise err(f"fit.{name}", "is also in 'fixed'; a parameter is either fitted or fixed")
        low, high = (spec if isinstance(spec, list) else (spec["low"], spec["high"]))
        if not low < high:
            raise err(f"fit.{name}", f"bounds must be [low, high] with low < high "
                       f"({model.parameters[name].unit}); got {[low, high]!r}")
    obj = cfg["objective"]
    terms = obj["terms"] if "terms" in obj else [obj]
    for i, t in enumerate(terms):
        try:
            Term.from_config(t)
        except ConfigError as exc:
            raise err(f"objective.terms.{i}" if "terms" in obj else "objective", str(exc)) \
                from None
    check_optimizer(cfg)
    return cfg


def check_optimizer(cfg: dict, space=None) -> None:
    """Build the configured optimizer once on the fitted space (``cfg["fit"]``
    unless given), so that unknown or bad optimizer options fail here, naming the
    key, not after the first generation."""
    from ..errors import InvalidParameterError, UnknownNameError
    from ..optimizers import make_optimizer
    from ..params import ParameterSpace

    opt = dict(cfg["optimizer"])
    try:
        space = space if space is not None else ParameterSpace(
            {k: v if isinstance(v, list) else {"low": v["low"], "high": v["high"]}
             for k, v in cfg["fit"].items()})
        make_optimizer(opt.pop("name"), space, seed=0, **opt)
    except TypeError as exc:
        raise err("optimizer", f"{exc}".replace("__init__()", cfg["optimizer"]["name"])) \
            from None
    except (InvalidParameterError, UnknownNameError, ConfigError) as exc:
        raise err("optimizer", str(exc)) from None


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
