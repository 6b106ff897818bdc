"""``spikeopt.fit(config)``: one entry point for every kind of problem.

The config's ``kind`` (``cell``, the default, or ``network``) selects the
schema, the problem and the run folder's outputs; :func:`resume_fit` and
:func:`finalize` read it back from the stored config.
"""

from __future__ import annotations

from . import cell, network_fit
from .config import load_config
from .engine import terminator

__all__ = ["fit", "resume_fit", "finalize"]


def fit(config, *, progress: bool = True, overwrite: bool = False, report: bool = True):
    """Run the fit described by ``config`` (a YAML path or a dict) and write its run
    folder; returns the :class:`spikeopt.Result`. See docs/fit.md (cells) and
    docs/network.md (networks)."""
    cfg = load_config(config)
    if cfg.get("kind") == network_fit.KIND:
        return network_fit.fit_network(cfg, progress=progress, overwrite=overwrite,
                                       report=report)
    return cell.fit(cfg, progress=progress, overwrite=overwrite, report=report)


def _stored_config(run_dir) -> dict:
    from ..run.store import RunStore

    store = RunStore.open(run_dir)
    try:
        return store.meta().get("config") or {}
    finally:
        store.close()


def resume_fit(run_dir, *, budget=None, progress: bool = True, report: bool = True):
    """Continue a stopped (or, with a larger ``budget`` in evaluations, finished) fit
    of any kind and rewrite its outputs."""
    cfg = _stored_config(run_dir)
    if cfg.get("kind") != network_fit.KIND:
        return cell.resume_fit(run_dir, budget=budget, progress=progress, report=report)
    from ..run import ProgressBar
    from ..run import resume as _resume

    if budget is not None:
        cfg["budget"] = {"evaluations": int(budget)}
    result = _resume(run_dir, budget=None if budget is None else terminator(cfg["budget"]),
                     callbacks=[ProgressBar(desc="resume")] if progress else [])
    network_fit.finalize_network(cfg, result, report=report)
    return result


def finalize(cfg: dict, result, *, report: bool = True):
    """Write the run folder's outputs for ``result`` (any kind)."""
    if cfg.get("kind") == network_fit.KIND:
        return network_fit.finalize_network(cfg, result, report=report)
    return cell.finalize(cfg, result, report=report)
