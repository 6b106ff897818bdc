"""Config checks shared by every kind of fit: key sets, the error message form
(the dotted key, the allowed values, what came), and the common keys
(optimizer, budget, executor, seed, output)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..errors import ConfigError

__all__ = ["err", "check_keys", "check_common", "OPTIMIZERS", "EXECUTORS",
           "BUDGET_KEYS", "EXECUTOR_KEYS"]

BUDGET_KEYS = {"evaluations", "generations", "target_loss", "stagnation", "time_s"}
EXECUTORS = ("serial", "processes", "dask")
EXECUTOR_KEYS = {"name", "workers", "address"}
OPTIMIZERS = ("ga", "microbial", "cmaes", "de", "nsga2", "random")


def err(where: str, msg: str) -> ConfigError:
    return ConfigError(f"config key {where!r}: {msg}")


def check_keys(where: str, d, allowed: set, required: set = frozenset()):
    if not isinstance(d, Mapping):
        raise err(where, f"must be a mapping with keys from {sorted(allowed)}; got {d!r}")
    unknown = set(d) - allowed
    if unknown:
        raise err(where, f"unknown key(s) {sorted(unknown)}; allowed keys are {sorted(allowed)}")
    missing = set(required) - set(d)
    if missing:
        raise err(where, f"missing required key(s) {sorted(missing)}")


def check_common(cfg: dict, base: Path) -> None:
    """The keys every kind shares: optimizer, budget, executor, seed and output
    (made absolute against ``base``)."""
    opt = cfg["optimizer"]
    if isinstance(opt, str):
        opt = cfg["optimizer"] = {"name": opt}
    if not isinstance(opt, Mapping) or opt.get("name") not in OPTIMIZERS:
        raise err("optimizer.name", f"allowed values are {list(OPTIMIZERS)}; got "
                   f"{opt.get('name') if isinstance(opt, Mapping) else opt!r}")

    budget = cfg["budget"]
    if isinstance(budget, int) and not isinstance(budget, bool):
        budget = cfg["budget"] = {"evaluations": budget}
    check_keys("budget", budget, BUDGET_KEYS)
    if not budget:
        raise err("budget", f"needs at least one of {sorted(BUDGET_KEYS)}")
    for k, v in budget.items():
        if isinstance(v, bool) or not isinstance(v, int | float) or (k != "target_loss" and v <= 0):
            raise err(f"budget.{k}", f"must be a positive number; got {v!r}")

    ex = cfg["executor"]
    if isinstance(ex, str):
        ex = cfg["executor"] = {"name": ex}
    check_keys("executor", ex, EXECUTOR_KEYS, {"name"})
    if ex["name"] not in EXECUTORS:
        raise err("executor.name", f"allowed values are {list(EXECUTORS)}; got {ex['name']!r}")

    seed = cfg["seed"]
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise err("seed", f"must be an integer; got {seed!r}")
    if not isinstance(cfg["output"], str):
        raise err("output", f"must be a folder path string; got {cfg['output']!r}")
    cfg["output"] = str((base / cfg["output"]).resolve())
