"""Running a validated config through the run engine, the same for every kind:
the optimizer and budget from the config, the executor, the copy of the config
in the run folder."""

from __future__ import annotations

from pathlib import Path

from ..optimizers import MaxEvaluations, MaxGenerations, Stagnation, TargetLoss, WallTime
from ..run import LiveView, ProgressBar, optimize

__all__ = ["terminator", "executor_spec", "write_config", "run_config", "watchers"]


def terminator(budget: dict):
    """The config's budget as terminators; without a ``target_loss`` a perfect fit
    (loss 0: every loss term is >= 0) ends the run."""
    parts = []
    if "evaluations" in budget:
        parts.append(MaxEvaluations(int(budget["evaluations"])))
    if "generations" in budget:
        parts.append(MaxGenerations(int(budget["generations"])))
    parts.append(TargetLoss(float(budget.get("target_loss", 0.0))))
    if "stagnation" in budget:
        parts.append(Stagnation(int(budget["stagnation"])))
    if "time_s" in budget:
        parts.append(WallTime(float(budget["time_s"])))
    term = parts[0]
    for p in parts[1:]:
        term = term | p
    return term


def executor_spec(spec: dict) -> dict:
    """The config's executor (``workers``) as the run engine's dict (``n_workers``), so
    that a resumed run rebuilds the same executor."""
    out = {"name": spec["name"]}
    if spec.get("workers") and spec["name"] != "serial":
        out["n_workers"] = int(spec["workers"])
    if spec.get("address") and spec["name"] == "dask":
        out["address"] = spec["address"]
    return out


def write_config(cfg: dict, out: Path) -> None:
    import yaml

    (out / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))


def watchers(*, desc: str, progress: bool, live: bool, raster=None) -> list:
    """The callbacks that show a run: the live view (which is a plain progress bar
    where the output is not a terminal; ``raster``: its source of the best
    candidate's spikes), the progress bar, or nothing."""
    if live:
        return [LiveView(desc=desc, raster=raster)]
    return [ProgressBar(desc=desc)] if progress else []


def run_config(cfg: dict, objective, space, *, kind: str, desc: str, progress: bool,
               overwrite: bool, optimizer_defaults: dict | None = None, live: bool = False,
               raster=None):
    """Optimize ``objective`` over ``space`` as ``cfg`` says; writes ``config.yaml`` and
    the run store in ``cfg["output"]``. ``optimizer_defaults`` maps an optimizer
    name to options used unless the config sets them; ``live`` shows the run in
    the terminal (:class:`~spikeopt.run.LiveView`, with ``raster`` as its source of
    the best candidate's spikes) instead of a progress bar."""
    out = Path(cfg["output"])
    out.mkdir(parents=True, exist_ok=True)
    write_config(cfg, out)
    opt = dict(cfg["optimizer"])
    name = opt.pop("name")
    for k, v in (optimizer_defaults or {}).get(name, {}).items():
        opt.setdefault(k, v)
    callbacks = watchers(desc=desc, progress=progress, live=live, raster=raster)
    return optimize(objective, space, optimizer=name, optimizer_options=opt,
                    budget=terminator(cfg["budget"]), seed=cfg["seed"],
                    executor=executor_spec(cfg["executor"]), run_dir=out, callbacks=callbacks,
                    config=cfg, kind=kind, overwrite=overwrite)
