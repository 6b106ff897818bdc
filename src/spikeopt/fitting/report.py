"""The run folder's figures and ``report.html`` for a single-cell fit."""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

from ..plots import pyplot

__all__ = ["write_report", "convergence_figure", "population_figure", "population_animation"]


def _save(fig, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    pyplot().close(fig)
    return path.name


def raster_figure(sim, target, sweeps, names, title: str):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(10, 0.9 + 0.55 * len(sweeps)))
    for row, i in enumerate(sweeps):
        y = 2 * row
        ax.vlines(target[i], y + 0.55, y + 0.95, color="k", lw=0.8)
        ax.vlines(sim.spikes[i], y + 0.05, y + 0.45, color="tab:red", lw=0.8)
    ax.set_yticks([2 * r + 0.5 for r in range(len(sweeps))],
                  labels=[str(names[i]) for i in sweeps], fontsize=7)
    ax.set_xlim(0, target.t_stop)
    ax.set_xlabel("time (ms)")
    ax.set_title(f"{title}: data (black, top) vs model (red, bottom)")
    return fig


def voltage_figure(sim, rec, sweeps, names, window_ms: float = 1000.0):
    plt = pyplot()
    fig, axes = plt.subplots(len(sweeps), 1, figsize=(10, 2.2 * len(sweeps)), squeeze=False)
    dt = rec.dt_ms
    n = int(min(window_ms, rec.duration_ms) / dt)
    t = np.arange(n) * dt
    for ax, i in zip(axes[:, 0], sweeps, strict=True):
        if rec.voltage_mV is not None:
            ax.plot(t, rec.voltage_mV[i, :n], color="k", lw=0.6, label="data")
        ax.plot(t, sim.v[i, :n], color="tab:red", lw=0.6, label="model")
        ax.set_ylabel("V (mV)")
        ax.set_title(str(names[i]), fontsize=8)
        ax.legend(fontsize=7, loc="upper right")
    axes[-1, 0].set_xlabel("time (ms)")
    return fig


def convergence_figure(history):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ok = history["status"] == "ok"
    loss = np.where(ok, history["loss"].to_numpy(float), np.inf)
    ax.plot(np.arange(1, len(loss) + 1), np.minimum.accumulate(loss), color="tab:blue",
            label="best so far")
    gen = history[ok].groupby("generation")["loss"]
    ends = history.groupby("generation").size().cumsum()
    ax.plot(ends.loc[gen.median().index], gen.median().to_numpy(), color="tab:gray", lw=0.8,
            label="generation median")
    ax.set_yscale("log")
    ax.set_xlabel("evaluations")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8)
    ax.set_title("convergence")
    return fig


def population_figure(history, space_cfg: dict):
    """Each fitted parameter's values over generations (population), best marked."""
    plt = pyplot()
    names = list(space_cfg)
    fig, axes = plt.subplots(len(names), 1, figsize=(7, 1.7 * len(names)), squeeze=False,
                             sharex=True)
    ok = history[history["status"] == "ok"]
    best = ok.loc[ok["loss"].idxmin()] if len(ok) else None
    for ax, n in zip(axes[:, 0], names, strict=True):
        ax.scatter(history["generation"], history[n], s=2, alpha=0.3, c="tab:blue")
        if best is not None:
            ax.axhline(best[n], color="tab:red", lw=0.8)
        spec = space_cfg[n]
        ax.set_ylim(spec["low"], spec["high"])
        if spec.get("log"):
            ax.set_yscale("log")
        ax.set_ylabel(f"{n} ({spec.get('unit', '')})", fontsize=8)
    axes[-1, 0].set_xlabel("generation")
    return fig


def population_animation(history, space_cfg: dict, path: Path, max_frames: int = 40) -> str:
    """Animated GIF: the population in the plane of the first two fitted parameters
    (or parameter vs loss with one), one frame per generation, colour = loss."""
    plt = pyplot()
    from matplotlib.animation import FuncAnimation, PillowWriter

    names = list(space_cfg)
    gens = np.unique(history["generation"].to_numpy())
    if gens.size > max_frames:
        gens = gens[np.unique(np.linspace(0, gens.size - 1, max_frames).round().astype(int))]
    loss = history["loss"].to_numpy(float)
    finite = loss[np.isfinite(loss)]
    lo, hi = (np.log10(max(finite.min(), 1e-12)), np.log10(max(finite.max(), 1e-12))) \
        if finite.size else (0, 1)
    x = names[0]
    y = names[1] if len(names) > 1 else "loss"
    fig, ax = plt.subplots(figsize=(5, 4.2))
    sc = ax.scatter([], [], c=[], cmap="viridis_r", vmin=lo, vmax=hi, s=14)
    fig.colorbar(sc, ax=ax, label="log10 loss")
    ax.set_xlim(space_cfg[x]["low"], space_cfg[x]["high"])
    if y == "loss":
        ax.set_ylim(max(finite.min(), 1e-12) if finite.size else 1e-3, finite.max() if
                    finite.size else 1)
        ax.set_yscale("log")
    else:
        ax.set_ylim(space_cfg[y]["low"], space_cfg[y]["high"])
    ax.set_xlabel(x)
    ax.set_ylabel(y)

    def frame(k):
        g = gens[k]
        rows = history[history["generation"] == g]
        xs = rows[x].to_numpy(float)
        ys = rows[y].to_numpy(float)
        ls = np.log10(np.clip(rows["loss"].to_numpy(float), 1e-12, None))
        sc.set_offsets(np.column_stack([xs, ys]))
        sc.set_array(ls)
        ax.set_title(f"generation {g}")
        return (sc,)

    anim = FuncAnimation(fig, frame, frames=len(gens), blit=False)
    anim.save(path, writer=PillowWriter(fps=4))
    plt.close(fig)
    return path.name


def _table(rows: list[dict], cols: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = []
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c, "")
            cells.append(f"<td>{v:.4g}</td>" if isinstance(v, float) else
                         f"<td>{html.escape(str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def write_report(cfg: dict, result, rec, sim, scores: dict, out: Path, *, target,
                 space_cfg: dict) -> Path:
    """Figures (PNG, GIF) and report.html in ``out``; ``target`` is the recorded
    SpikeTrains (ms) and ``space_cfg`` the fitted space's ``to_config()``."""
    history = result.history
    names = list(getattr(rec, "sweep_names", None) or
                 [f"sweep {i}" for i in range(rec.n_sweeps)])
    train, test = cfg["data"]["train_sweeps"], cfg["data"]["test_sweeps"]
    figs = {}
    figs["raster_train"] = _save(raster_figure(sim, target, train, names, "training sweeps"),
                                 out / "raster_train.png")
    if test:
        figs["raster_test"] = _save(raster_figure(sim, target, test, names, "held-out sweeps"),
                                    out / "raster_test.png")
    shown = (test or train)[:3]
    figs["voltage"] = _save(voltage_figure(sim, rec, shown, names), out / "voltage.png")
    figs["convergence"] = _save(convergence_figure(history), out / "convergence.png")
    figs["parameters"] = _save(population_figure(history, space_cfg), out / "parameters.png")
    if cfg["report"].get("gif", True):
        figs["animation"] = population_animation(history, space_cfg, out / "population.gif")
    validation_html = ""
    if cfg["report"].get("validation", True):
        validation_html = _validation(sim, target, test or train, out)
    best = json.loads((out / "best_params.json").read_text())
    prow = [{"parameter": k, "value": v["value"], "unit": v["unit"], "status": "fitted"}
            for k, v in best["fitted"].items()]
    prow += [{"parameter": k, "value": v["value"], "unit": v["unit"], "status": "fixed"}
             for k, v in best["fixed"].items()]
    summary = []
    for part in ("train", "test"):
        if part in scores:
            summary.append({"set": part, **scores[part]})
    sections = [
        f"<h1>spikeopt fit: {html.escape(cfg['model'])}</h1>",
        f"<p>data: <code>{html.escape(cfg['data']['path'])}</code>; train sweeps {train}, "
        f"held-out sweeps {test}; objective <code>{html.escape(json.dumps(cfg['objective']))}"
        f"</code>; optimizer <code>{html.escape(json.dumps(cfg['optimizer']))}</code>; "
        f"{result.n_evaluations} evaluations in {result.n_generations} generations "
        f"(stop: {html.escape(str(result.stop_reason))}); seed {cfg['seed']}.</p>",
        "<h2>Best parameters</h2>", _table(prow, ["parameter", "value", "unit", "status"]),
        f"<p>best training loss {result.best_loss:.5g}</p>",
        f"<h2>Scores (Γ with Δ = {scores['delta_ms']:g} ms)</h2>",
        _table(summary, ["set", "gamma", "normalized_gamma", "spike_distance",
                         "rate_error_Hz"]),
        _table(scores["rows"], ["sweep", "name", "set", "gamma", "spike_distance",
                                "rate_model_Hz", "rate_data_Hz", "n_model", "n_data",
                                "failed"]),
    ]
    if "test_by_stimulus" in scores:
        rows = [{"stimulus": k, **{kk: vv for kk, vv in v.items() if kk != "repeats"},
                 "repeats": str(v["repeats"])} for k, v in scores["test_by_stimulus"].items()]
        sections += ["<h3>Held-out stimuli with repeats</h3>",
                     _table(rows, ["stimulus", "normalized_gamma", "reliability", "repeats"])]
    for key, title in (("raster_test", "Held-out sweeps"), ("raster_train", "Training sweeps"),
                       ("voltage", "Voltage"), ("convergence", "Convergence"),
                       ("parameters", "Population over generations"),
                       ("animation", "Population converging")):
        if key in figs:
            sections.append(f"<h2>{title}</h2><img src='{figs[key]}' style='max-width:100%'>")
    if validation_html:
        sections.append(validation_html)
    style = ("<style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
             "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;"
             "padding:2px 6px;font-size:12px}</style>")
    path = out / "report.html"
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>spikeopt fit"
                    f"</title>{style}</head><body>{''.join(sections)}</body></html>")
    return path


def _validation(sim, target, sweeps, out: Path) -> str:
    """Statistical comparison of model and data on the held-out sweeps."""
    try:
        from ..validation import validate

        rep = validate(sim.spikes.take(sweeps), target.take(sweeps), tests=("rate", "cv", "lv"),
                       t_stop=target.t_stop)
        rep.table.to_csv(out / "validation.csv", index=False)
        return "<h2>Validation (held-out sweeps)</h2>" + rep.to_html()
    except Exception as exc:  # a report section must not lose the run's outputs
        return f"<h2>Validation</h2><p>not available: {html.escape(repr(exc))}</p>"
