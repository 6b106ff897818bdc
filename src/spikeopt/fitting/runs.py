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
from .problems import get_problem, live_raster

__all__ = ["fit", "resume_fit", "finalize"]


def fit(config, *, progress: bool = True, overwrite: bool = False, report: bool = True,
        live: bool = False):
    """Run the fit described by ``config`` (a YAML path or a dict) and write its run
    folder; returns the :class:`spikeopt.Result`. ``progress`` shows a progress bar,
    ``live`` the live terminal view (:class:`spikeopt.run.LiveView`, with the best
    candidate's raster where the kind has one; a progress bar where the output is
    not a terminal). See docs/fit.md (cells) and
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
                        live=live, raster=live_raster(kind, cfg, built) if live else None)
    scores = finalize(cfg, result, report=report, built=built)
    return _kept(result, scores)


def _kept(result, scores: dict):
    """``result``, or with a kept refinement a copy holding the refined candidate."""
    ref = scores.get("refinement") if isinstance(scores, dict) else None
    if not ref or not ref.get("kept"):
        return result
    import dataclasses

    return dataclasses.replace(result, best_params=dict(ref["params_after"]),
                               best_loss=float(ref["best_loss"]))


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
    built = raster = None
    if live:
        kind = get_problem(cfg)
        built = kind.build(cfg)
        raster = live_raster(kind, cfg, built)
    result = _resume(run_dir, budget=None if budget is None else terminator(cfg["budget"]),
                     callbacks=watchers(desc="resume", progress=progress, live=live,
                                        raster=raster))
    scores = finalize(cfg, result, report=report, built=built)
    return _kept(result, scores)


def finalize(cfg: dict, result, *, report: bool = True, built=None) -> dict:
    """Write the run folder's outputs for ``result`` (any kind): the problem's
    outcome (best parameters, held-out scores, files) and the report. Returns the
    scores."""
    kind = get_problem(cfg)
    built = built if built is not None else kind.build(cfg)
    if cfg.get("refine"):
        result, outcome = _refine(cfg, result, built, kind)
    else:
        outcome = kind.outcome(cfg, result, built)
    if report:
        from .report import write_report

        out = Path(cfg["output"])
        sections = kind.sections(cfg, result, outcome, out)
        if "refinement" in outcome.scores:
            sections.append(_refinement_section(outcome.scores["refinement"]))
        write_report(cfg, result, out, title=kind.title(cfg), space_cfg=built.space.to_config(),
                     sections=sections)
    return outcome.scores


def _held_out(scores: dict) -> dict:
    return scores.get("test") or {k: v for k, v in scores.items() if k != "rows"}


def _refine(cfg: dict, result, built, kind):
    """Run the config's ``refine`` section; score the search's best and the refined
    candidate (the run folder's files end with the kept one); add ``refinement``
    (training losses, held-out scores before/after, ``kept``) to ``scores.json``."""
    import json

    from .refine import run_refinement

    refined, info = run_refinement(cfg, result, built, kind=kind.store_kind)
    kept = info["kept"]
    other = kind.outcome(cfg, result if kept else refined, built)
    outcome = kind.outcome(cfg, refined if kept else result, built)
    before, after = (other, outcome) if kept else (outcome, other)
    info.update(before=_held_out(before.scores), after=_held_out(after.scores))
    outcome.scores["refinement"] = info
    path = Path(cfg["output"]) / "scores.json"
    if path.exists():
        data = json.loads(path.read_text())
        data["refinement"] = info
        path.write_text(json.dumps(data, indent=2))
    return (refined if kept else result), outcome


def _refinement_section(info: dict):
    """The report's table of a refinement: training loss, held-out scores and
    parameters before and after, and whether it was kept."""
    from html import escape

    from .problems import Section

    def fmt(v):
        return f"{v:.4g}" if isinstance(v, int | float) else escape(str(v))

    rows = [("training loss (refinement's objective)", info["train_loss_before"],
             info["train_loss_after"])]
    if "search_loss_before" in info:
        rows.append(("training loss (search's objective)", info["search_loss_before"],
                     info["search_loss_after"]))
    for k in sorted(set(info.get("before", {})) & set(info.get("after", {}))):
        if isinstance(info["before"][k], int | float):
            rows.append((f"held-out {k}", info["before"][k], info["after"][k]))
    for k in info["params_before"]:
        rows.append((k, info["params_before"][k], info["params_after"][k]))
    body = "".join(f"<tr><td>{escape(n)}</td><td>{fmt(a)}</td><td>{fmt(b)}</td></tr>"
                   for n, a, b in rows)
    html = ("<table><tr><th></th><th>search's best</th><th>refined</th></tr>" + body
            + "</table>")
    verdict = "kept" if info["kept"] else "not kept"
    loss = info["loss"]
    if isinstance(loss, dict):
        opts = ", ".join(f"{k}={v}" for k, v in loss.items() if k != "metric")
        loss = f"{loss.get('metric', 'terms')}" + (f" ({opts})" if opts else "")
    else:
        loss = "the search's loss"
    return Section(
        "Refinement after evolution", html=html,
        caption=f"{info['method']} on {loss}, {info['evaluations']} evaluations: "
                f"{verdict} (kept only if the training loss falls; the held-out rows are "
                "reported, not used to decide).")
