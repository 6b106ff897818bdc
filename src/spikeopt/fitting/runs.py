"""``spikeopt.fit(config)``: one entry point for every kind of problem.

The config's ``kind`` (``cell``, the default, or ``network``) selects the
problem (:data:`.problems.PROBLEMS`); one runner, one store and one report
serve them all, and :func:`resume_fit` and :func:`finalize` rebuild the problem
from the stored config.
"""

from __future__ import annotations

from pathlib import Path

from .cell_models import model_label
from .config import load_config
from .engine import run_config, terminator, watchers
from .problems import get_problem

__all__ = ["fit", "resume_fit", "finalize"]


def fit(config, *, progress: bool = True, overwrite: bool = False, report: bool = True,
        live: bool = False):
    """Run the fit described by ``config`` (a YAML path or a dict) and write its run
    folder; returns the :class:`spikeopt.Result`. ``progress`` shows a progress bar,
    ``live`` the live terminal view (:class:`spikeopt.run.LiveView`; a progress
    bar where the output is not a terminal). See docs/fit.md (cells) and
    docs/network.md (networks)."""
    cfg = load_config(config)
    kind = get_problem(cfg)
    built = kind.build(cfg)
    desc = f"fit {model_label(cfg['model'])}" if cfg["kind"] == "cell" else f"fit {cfg['kind']}"
    defaults = {**kind.optimizer_defaults}
    for name, opts in (built.optimizer_defaults or {}).items():
        defaults[name] = {**defaults.get(name, {}), **opts}
    result = run_config(cfg, built.objective, built.space, kind=kind.store_kind, desc=desc,
                        progress=progress, overwrite=overwrite, optimizer_defaults=defaults,
                        live=live)
    finalize(cfg, result, report=report, built=built)
    return result


def _stored_config(run_dir) -> dict:
    from ..run.store import RunStore

    store = RunStore.open(run_dir)
    try:
        return store.meta().get("config") or {}
    finally:
        store.close()


def resume_fit(run_dir, *, budget=None, progress: bool = True, report: bool = True,
               live: bool = False):
    """Continue a stopped (or, with a larger ``budget`` in evaluations, finished) fit
    of any kind and rewrite its outputs (``progress`` and ``live`` as in :func:`fit`)."""
    from ..run import resume as _resume

    cfg = _stored_config(run_dir)
    if budget is not None:
        cfg["budget"] = {"evaluations": int(budget)}
    result = _resume(run_dir, budget=None if budget is None else terminator(cfg["budget"]),
                     callbacks=watchers(desc="resume", progress=progress, live=live))
    finalize(cfg, result, report=report)
    return result


def finalize(cfg: dict, result, *, report: bool = True, built=None) -> dict:
    """Write the run folder's outputs for ``result`` (any kind): the problem's
    outcome (best parameters, held-out scores, files) and the report. Returns the
    scores."""
    kind = get_problem(cfg)
    built = built if built is not None else kind.build(cfg)
    outcome = kind.outcome(cfg, result, built)
    if report:
        from .report import write_report

        out = Path(cfg["output"])
        write_report(cfg, result, out, title=kind.title(cfg), space_cfg=built.space.to_config(),
                     sections=kind.sections(cfg, result, outcome, out))
    return outcome.scores
