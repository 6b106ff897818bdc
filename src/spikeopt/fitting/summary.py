"""The report's summary card, and the config's objective, optimizer and budget as
sentences for people (not JSON): what was fitted, the best parameters with units
and their near-optimal ranges, held-out scores beside the data's own
reliability, wall time and evaluations."""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

from .cell_models import model_label

__all__ = ["describe_objective", "describe_optimizer", "describe_budget", "describe_target",
           "describe_stop", "summary_card"]

_METRICS = {
    # single cells
    "gamma_factor": "coincidence factor Γ (1 − Γ, plus a SPIKE-distance tie-breaker)",
    "spike_distance": "SPIKE-distance",
    "van_rossum": "van Rossum distance",
    "features": "firing features (relative errors)",
    "voltage": "subthreshold voltage error",
    # networks
    "mean_rate": "mean firing rate",
    "cv": "mean CV of inter-spike intervals",
    "lv": "mean local variation LV",
    "fano": "mean Fano factor",
    "synchrony": "synchrony (mean pairwise correlation)",
    "rate_distribution": "distribution of firing rates",
    "cv_distribution": "distribution of CVs",
    "lv_distribution": "distribution of LVs",
    "correlation_distribution": "distribution of pairwise correlations",
}

_OPTIMIZERS = {"ga": "genetic algorithm", "microbial": "microbial genetic algorithm",
               "cmaes": "CMA-ES", "de": "differential evolution", "nsga2": "NSGA-II",
               "random": "random search"}

_UNITS = (("_ms", "ms"), ("_hz", "Hz"), ("_mv", "mV"), ("_pa", "pA"), ("_ns", "nS"), ("_s", "s"))


def _option(key: str, value) -> str:
    """``delta_ms: 2.0`` → ``delta 2 ms``; ``popsize: 32`` → ``population 32``."""
    if key == "popsize":
        return f"population {value}"
    name, unit = key, ""
    for suffix, u in _UNITS:
        if key.lower().endswith(suffix):
            name, unit = key[: -len(suffix)], u
            break
    name = name.replace("_", " ")
    if isinstance(value, dict):
        inner = dict(value)
        head = inner.pop("name", "")
        rest = ", ".join(_option(k, v) for k, v in inner.items())
        text = " ".join(x for x in (str(head), f"({rest})" if rest else "") if x)
        return f"{name} {text}"
    if isinstance(value, bool):
        return name if value else f"not {name}"
    if isinstance(value, float):
        value = f"{value:g}"
    elif isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    return f"{name} {value}{' ' + unit if unit else ''}"


def _term(term: dict) -> str:
    t = dict(term)
    metric = t.pop("metric")
    weight = t.pop("weight", 1.0)
    pops = t.pop("populations", None)
    text = _METRICS.get(metric, metric.replace("_", " "))
    if pops:
        text += " of " + (pops if isinstance(pops, str) else ", ".join(pops))
    if t:
        text += " (" + ", ".join(_option(k, v) for k, v in t.items()) + ")"
    return text if weight == 1.0 else f"{weight:g} × {text}"


def describe_objective(cfg: dict) -> str:
    """The objective as a sentence.

    >>> describe_objective({"objective": {"metric": "gamma_factor", "delta_ms": 2.0}})
    'coincidence factor Γ (1 − Γ, plus a SPIKE-distance tie-breaker) (delta 2 ms)'
    >>> describe_objective({"objective": {"terms": [
    ...     {"metric": "mean_rate", "populations": ["E"], "target_hz": 5.0},
    ...     {"metric": "fano", "populations": "E", "weight": 0.5}], "multi_objective": True}})
    'one objective per term: mean firing rate of E (target 5 Hz); 0.5 × mean Fano factor of E'
    """
    if cfg.get("kind") == "task":
        task = dict(cfg["task"])
        name = task.pop("name")
        loss = task.pop("loss", None)
        opts = ", ".join(_option(k, v) for k, v in task.items())
        what = f"{loss.replace('_', ' ')} loss" if loss else "the task's loss"
        return f"{what} of the output spike counts on the {name} task's training trials" + \
            (f" ({opts})" if opts else "")
    obj = dict(cfg.get("objective") or {})
    terms = obj.get("terms")
    if terms is None:
        obj.pop("multi_objective", None)
        return _term(obj)
    sep = "; " if obj.get("multi_objective") else " + "
    lead = "one objective per term: " if obj.get("multi_objective") else ""
    return lead + sep.join(_term(t) for t in terms)


def describe_optimizer(cfg: dict) -> str:
    """``{name: cmaes, popsize: 32}`` → ``CMA-ES, population 32``."""
    opt = dict(cfg["optimizer"])
    name = opt.pop("name")
    text = _OPTIMIZERS.get(name, name)
    return text + (", " + ", ".join(_option(k, v) for k, v in opt.items()) if opt else "")


def describe_budget(cfg: dict) -> str:
    """``{evaluations: 4000, stagnation: 20}`` → ``4000 evaluations or 20 generations
    without improvement``."""
    b = cfg["budget"]
    parts = []
    if "evaluations" in b:
        parts.append(f"{b['evaluations']} evaluations")
    if "generations" in b:
        parts.append(f"{b['generations']} generations")
    if "time_s" in b:
        parts.append(f"{b['time_s']:g} s")
    if "stagnation" in b:
        parts.append(f"{b['stagnation']} generations without improvement")
    parts.append(f"loss ≤ {b.get('target_loss', 0.0):g}")
    return ", or ".join(parts) + " (whichever comes first)"


_STOPS = {
    "MaxEvaluations": (r"n=(\d+)", "the budget of {} evaluations"),
    "MaxGenerations": (r"n=(\d+)", "the budget of {} generations"),
    "WallTime": (r"seconds=([\d.e+-]+)", "the wall-time budget of {} s"),
    "TargetLoss": (r"target=([-\d.e+inf]+)", "reaching the target loss {}"),
    "Stagnation": (r"patience=(\d+)", "{} generations without improvement"),
}


def describe_stop(reason) -> str:
    """The run's stop reason in words.

    >>> describe_stop("terminator: MaxEvaluations(n=3000)")
    'the budget of 3000 evaluations'
    >>> describe_stop("cma: tolfun")
    'the optimizer (cma: tolfun)'
    """
    reason = str(reason)
    if reason.startswith("terminator: "):
        rest = reason.removeprefix("terminator: ")
        name = rest.split("(", 1)[0]
        if name in _STOPS:
            pattern, text = _STOPS[name]
            m = re.search(pattern, rest)
            if m:
                return text.format(m.group(1))
        return rest
    if reason in ("report", "", "None"):
        return "a reason not stored (this report was rewritten from the run's history)"
    return f"the optimizer ({reason})"


def describe_target(cfg: dict) -> str:
    """What was fitted to what."""
    kind = cfg.get("kind", "cell")
    if kind == "cell":
        d = cfg["data"]
        test = f", held-out sweeps {d['test_sweeps']}" if d.get("test_sweeps") else ""
        return (f"the <b>{html.escape(model_label(cfg['model']))}</b> model to the recording "
                f"<code>{html.escape(Path(d['path']).name)}</code> (training sweeps "
                f"{d['train_sweeps']}{test})")
    if kind == "network":
        net = cfg["network"]
        net = Path(net).name if isinstance(net, str) else "an inline network description"
        tgt = cfg.get("target")
        to = (f"target spikes of {', '.join(sorted(tgt['spikes']))}" if tgt else
              "target statistics")
        return f"numbers of the network <code>{html.escape(net)}</code> to {html.escape(to)}"
    return (f"the weights of a spiking network to the <b>{html.escape(cfg['task']['name'])}"
            "</b> task")


def _num(x, digits: int = 4) -> str:
    return f"{x:.{digits}g}" if isinstance(x, int | float) and math.isfinite(x) else str(x)


def _held_out(cfg: dict, scores: dict) -> list[str]:
    """Lines on the held-out scores, each beside what the data allow."""
    lines = []
    test = scores.get("test")
    if isinstance(test, dict) and "gamma" in test:
        line = (f"held-out sweeps: Γ <b>{test['gamma']:.3f}</b>, SPIKE-distance "
                f"{test['spike_distance']:.3f}, |rate error| {test['rate_error_Hz']:.2f} Hz")
        if "normalized_gamma" in test:
            by = scores.get("test_by_stimulus", {})
            rel = [v["reliability"] for v in by.values()]
            span = f" {min(rel):.3f}–{max(rel):.3f}" if rel else ""
            line += (f"; normalised Γ <b>{test['normalized_gamma']:.3f}</b> (Γ over the "
                     f"repeats' own reliability{span}; 1 = as good as the data predict "
                     "themselves)")
            if by and all("gamma" in v for v in by.values()):
                line += "; per stimulus " + ", ".join(
                    f"{html.escape(k)}: Γ {v['gamma']:.3f} / R {v['reliability']:.3f} = "
                    f"<b>{v['normalized_gamma']:.3f}</b>" for k, v in by.items())
        else:
            line += " (no repeated stimuli: the data's own reliability is unknown)"
        lines.append(line)
    if "terms" in scores:
        n = scores.get("validation_seeds", "?")
        parts = []
        for name, t in scores["terms"].items():
            floor = t.get("noise_floor_mean")
            part = f"{html.escape(name)} {_num(t['mean'], 3)} ± {_num(t['sd'], 2)}"
            if floor is not None:
                part += f" (noise floor {_num(floor, 3)})"
            parts.append(part)
        lines.append(f"on {n} fresh seeds never used in the fit: " + "; ".join(parts)
                     + " — the noise floor is what two networks at the fitted parameters "
                       "score against each other")
    if "test_accuracy" in scores:
        lo, hi = scores.get("test_accuracy_ci95", (float("nan"), float("nan")))
        k = len(scores.get("classes") or scores.get("confusion_matrix") or []) or 2
        lines.append(f"held-out trials: accuracy <b>{scores['test_accuracy']:.3f}</b> "
                     f"(95 % CI {lo:.3f}–{hi:.3f}, {scores.get('test_trials', '?')} trials; "
                     f"chance {1 / k:.2f}); training accuracy {scores['train_accuracy']:.3f}")
    return lines


def _params_table(best: dict, ranges, *, max_rows: int = 12) -> str:
    """Best value with its unit, the near-optimal range and what it tells (the first
    ``max_rows`` parameters; all of them are in the degeneracy section)."""
    rng = {r["parameter"]: r for r in ranges.to_dict("records")} if ranges is not None else {}
    rows = []
    fitted = list(best["fitted"].items())
    for name, v in fitted[:max_rows]:
        r = rng.get(name)
        span = (f"{_num(r['near-optimal min'])} – {_num(r['near-optimal max'])}"
                if r else "")
        verdict = r["verdict"] if r else ""
        rows.append(f"<tr><td>{html.escape(name)}</td><td>{_num(v['value'])}</td>"
                    f"<td>{html.escape(v.get('unit') or '')}</td><td>{span}</td>"
                    f"<td>{html.escape(verdict)}</td></tr>")
    fixed = best.get("fixed") or {}
    note = ""
    if len(fitted) > max_rows:
        note += (f"<p class='fixed'>… and {len(fitted) - max_rows} more: every parameter is "
                 "in the near-optimal table below, best_params.json and near_optimal.csv</p>")
    if fixed:
        note += ("<p class='fixed'>fixed: " + ", ".join(
            f"{html.escape(k)} = {_num(v['value'])} {html.escape(v.get('unit') or '')}".rstrip()
            for k, v in fixed.items()) + "</p>")
    return ("<table class='params'><tr><th>parameter</th><th>best</th><th>unit</th>"
            "<th>near-optimal range</th><th>pinned by the data?</th></tr>"
            + "".join(rows) + "</table>" + note)


def summary_card(cfg: dict, result, best: dict, ranges, out: Path, *, n_good: int,
                 wall_s: float | None) -> str:
    """The card that opens the report."""
    scores_path = out / "scores.json"
    scores = json.loads(scores_path.read_text()) if scores_path.exists() else {}
    failed = int((result.history["status"] != "ok").sum())
    run = (f"<b>{result.n_evaluations}</b> evaluations in {result.n_generations} generations"
           + (f", <b>{wall_s:.1f} s</b> of optimisation "
              f"({result.n_evaluations / wall_s:.0f} evaluations/s)" if wall_s else "")
           + f"; {failed} failed; stopped by {html.escape(describe_stop(result.stop_reason))}")
    items = [
        ("fitted", describe_target(cfg)),
        ("objective", html.escape(describe_objective(cfg))),
        ("optimizer", html.escape(describe_optimizer(cfg)) + f"; seed {cfg['seed']}"),
        ("budget", html.escape(describe_budget(cfg))),
        ("run", run),
        ("best loss", f"<b>{result.best_loss:.5g}</b>"),
        *[("held out", line) for line in _held_out(cfg, scores)],
    ]
    rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in items)
    return (f"<div class='card'><table class='summary'>{rows}</table>"
            f"<h3>Best parameters (near-optimal: the best {n_good} evaluations)</h3>"
            f"{_params_table(best, ranges)}</div>")
