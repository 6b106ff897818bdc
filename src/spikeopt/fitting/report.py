"""The run folder's figures and the one ``report.html`` of every kind of fit: the
common sections (summary, best parameters, convergence, population, GIF,
degeneracy) around the kind's own (:class:`.problems.Section`)."""

from __future__ import annotations

import base64
import html
import json
import re
import warnings
from pathlib import Path

import numpy as np

from .._display import evenly_spaced
from ..plots import pyplot
from .problems import Section

__all__ = ["write_report", "cell_sections", "near_optimal", "degeneracy_figure",
           "convergence_figure", "population_figure", "population_animation", "table_html",
           "data_uri", "embed_images"]


def _save(fig, path: Path, *, tight: bool = True) -> str:
    """Write ``fig`` to ``path`` (PNG) and close it; ``tight=False`` for figures laid
    out by hand (tight_layout draws a large grid of axes once more just to measure it)."""
    if tight:
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
        if rec.voltage_mV is not None:  # wide and light below, so that the model stays visible
            ax.plot(t, rec.voltage_mV[i, :n], color="0.55", lw=2.2, alpha=0.8, label="data",
                    solid_capstyle="round")
        ax.plot(t, sim.v[i, :n], color="tab:red", lw=0.7, label="model")
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


def population_figure(history, space_cfg: dict, max_params: int = 16):
    """Each fitted parameter's values over generations (population), best marked; the
    first ``max_params`` parameters only (a task's weights can number hundreds)."""
    plt = pyplot()
    names = list(space_cfg)[:max_params]
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
    if len(space_cfg) > max_params:
        axes[0, 0].set_title(f"the first {max_params} of {len(space_cfg)} parameters",
                             fontsize=8)
    return fig


def population_animation(history, space_cfg: dict, path: Path, max_frames: int = 40) -> str:
    """Animated GIF: the population in the plane of the first two fitted parameters
    (or parameter vs loss with one), one frame per generation, colour = loss."""
    plt = pyplot()
    from matplotlib.animation import FuncAnimation, PillowWriter

    names = list(space_cfg)
    gens = np.unique(history["generation"].to_numpy())
    if gens.size > max_frames:
        gens = gens[evenly_spaced(gens.size, max_frames)]
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


def near_optimal(history, space_cfg: dict, *, fraction: float = 0.1, min_count: int = 10):
    """The near-optimal candidates of a run: the best ``fraction`` of its successful
    evaluations (at least ``min_count``), and per parameter their range against the
    bounds. A parameter whose near-optimal range spans little of its bounds is
    pinned down by the data; one that spans most of them is not."""
    import pandas as pd

    ok = history[(history["status"] == "ok") & np.isfinite(history["loss"].astype(float))]
    n = min(len(ok), max(min_count, int(np.ceil(fraction * len(ok)))))
    good = ok.nsmallest(n, "loss")
    rows = []
    for name, spec in space_cfg.items():
        x = good[name].to_numpy(float)
        lo, hi = float(spec["low"]), float(spec["high"])
        if spec.get("log") and lo > 0:
            span = (np.log(x.max()) - np.log(x.min())) / (np.log(hi) - np.log(lo))
        else:
            span = (x.max() - x.min()) / (hi - lo) if hi > lo else 0.0
        rows.append({"parameter": name, "unit": spec.get("unit", ""), "best": float(x[0]),
                     "near-optimal min": float(x.min()), "near-optimal max": float(x.max()),
                     "share of bounds": float(span),
                     "verdict": "pinned" if span < 0.2 else
                     ("loosely pinned" if span < 0.5 else "not identified")})
    return good, pd.DataFrame(rows)


def degeneracy_figure(good, space_cfg: dict, max_params: int = 6):
    """Pairwise scatter of near-optimal candidates (colour = loss) with histograms on
    the diagonal, in the bounds' frame: which combinations the data pin down."""
    plt = pyplot()
    names = list(space_cfg)[:max_params]
    k = len(names)
    fig, axes = plt.subplots(k, k, figsize=(1.9 * k + 1, 1.9 * k + 0.4), squeeze=False)
    loss = np.log10(np.clip(good["loss"].to_numpy(float), 1e-12, None))
    for i, yi in enumerate(names):
        for j, xj in enumerate(names):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            sx = space_cfg[xj]
            if i == j:
                ax.hist(good[xj], bins=15, range=(sx["low"], sx["high"]), color="tab:blue")
            else:
                ax.scatter(good[xj], good[yi], c=loss, cmap="viridis_r", s=6)
                ax.set_ylim(space_cfg[yi]["low"], space_cfg[yi]["high"])
            ax.set_xlim(sx["low"], sx["high"])
            ax.tick_params(labelsize=6)
            if i == k - 1:
                ax.set_xlabel(xj, fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(yi, fontsize=7)
    fig.suptitle(f"{len(good)} near-optimal candidates (colour: log10 loss)", fontsize=9)
    fig.subplots_adjust(left=0.6 / fig.get_figwidth(), right=0.98,
                        bottom=0.45 / fig.get_figheight(), top=1 - 0.4 / fig.get_figheight(),
                        wspace=0.3, hspace=0.3)
    return fig


def table_html(rows, cols: list[str] | None = None) -> str:
    """An HTML table from a list of dicts or a DataFrame (numbers to 4 digits)."""
    if hasattr(rows, "to_dict"):
        cols = cols or list(rows.columns)
        rows = rows.to_dict("records")
    return _table(list(rows), cols or (list(rows[0]) if rows else []))


def run_wall_time(out: Path) -> float | None:
    """The optimisation's wall time in s (the last checkpoint's), if stored."""
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{out / 'history.sqlite'}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT elapsed FROM checkpoints ORDER BY generation DESC "
                              "LIMIT 1").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return float(row[0]) if row else None


_MIME = {".png": "image/png", ".gif": "image/gif", ".jpg": "image/jpeg",
         ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
_SRC = re.compile(r"""(<img\b[^>]*?\bsrc=)(["'])([^"']*)\2""", re.IGNORECASE)


def data_uri(path: Path) -> str:
    """The file as a ``data:`` URI (base64), so that a page needs no other file."""
    mime = _MIME.get(path.suffix.lower())
    if mime is None:
        raise ValueError(f"Cannot embed {path.name!r}: expected one of {sorted(_MIME)}.")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def embed_images(page: str, folder: Path) -> str:
    """Every ``<img src>`` naming a file in ``folder`` replaced by its data URI: one
    self-contained HTML file, to mail or archive. The image files stay beside it."""
    missing = []

    def sub(m):
        src = m.group(3)
        if src.startswith("data:"):
            return m.group(0)
        path = folder / src
        if "://" in src or not path.is_file():
            missing.append(src)
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}{data_uri(path)}{m.group(2)}"

    page = _SRC.sub(sub, page)
    if missing:
        warnings.warn(f"report.html: could not embed {missing} (not files in {folder}).",
                      stacklevel=2)
    return page


_STYLE = """<style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:auto;padding:0 12px;color:#222}
table{border-collapse:collapse;margin:8px 0}
td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px;text-align:left}
.card{background:#f4f6fa;border:1px solid #dde3ec;border-radius:6px;padding:6px 14px}
.card table.summary th{background:none;border:none;vertical-align:top;width:7em;color:#555}
.card table.summary td{border:none;font-size:13px}
.card h3{font-size:14px;margin:10px 0 2px}
.caption,figcaption{color:#555;font-style:italic;font-size:13px}
figure{margin:6px 0 18px}
figure img{max-width:100%}
.fixed{font-size:12px;color:#555}
</style>"""


def _section_html(sec: Section) -> str:
    parts = [f"<h2>{html.escape(sec.title)}</h2>"]
    if sec.caption and not sec.figure:
        parts.append(f"<p class='caption'>{html.escape(sec.caption)}</p>")
    parts.append(sec.html)
    if sec.figure:
        cap = f"<figcaption>{html.escape(sec.caption)}</figcaption>" if sec.caption else ""
        parts.append(f"<figure><img src='{html.escape(sec.figure)}' "
                     f"alt='{html.escape(sec.title)}'>{cap}</figure>")
    return "".join(parts)


def write_report(cfg: dict, result, out: Path, *, title: str, space_cfg: dict,
                 sections: list) -> Path:
    """``report.html`` in ``out``, one self-contained file (every image embedded as a
    data URI; the image files are written too): the summary card (what was fitted,
    objective, optimizer and budget in words, evaluations and wall time, held-out
    scores, the best parameters with units and near-optimal ranges), then the
    kind's ``sections`` (:class:`.problems.Section`), then what every fit shares:
    convergence, the population over generations and its GIF, and the degeneracy
    view. Every figure has a one-line caption saying what to look for."""
    from .summary import summary_card

    history = result.history
    best = json.loads((out / "best_params.json").read_text())
    good, ranges = near_optimal(history, space_cfg)
    ranges.to_csv(out / "near_optimal.csv", index=False)
    common = [
        Section("Convergence", figure=_save(convergence_figure(history),
                                            out / "convergence.png"),
                caption="Best loss so far and each generation's median: a curve still "
                        "falling at the end means more budget would help."),
        Section("Population over generations",
                figure=_save(population_figure(history, space_cfg), out / "parameters.png"),
                caption="Every candidate's value per generation (red: the best); a "
                        "parameter whose cloud never narrows is not constrained."),
    ]
    if cfg.get("report", {}).get("gif", True):
        common.append(Section("Population converging",
                              figure=population_animation(history, space_cfg,
                                                          out / "population.gif"),
                              caption="One frame per generation in the plane of the "
                                      "first two parameters, colour = loss: the cloud "
                                      "should shrink onto one spot (or a ridge)."))
    if len(space_cfg) > 1 and len(good) >= 3:
        common.append(Section(
            "Degeneracy", html=table_html(ranges),
            figure=_save(degeneracy_figure(good, space_cfg), out / "degeneracy.png",
                         tight=False),
            caption=f"The best {len(good)} candidates: a narrow range (pinned) is set by the "
                    "data; a wide one or a ridge between two parameters is not."))
    else:
        common.append(Section("Near-optimal ranges", html=table_html(ranges),
                              caption="Each parameter's range over the best evaluations "
                                      "against its bounds."))
    card = summary_card(cfg, result, best, ranges, out, n_good=len(good),
                        wall_s=run_wall_time(out))
    body = "".join([f"<h1>{html.escape(title)}</h1>", card,
                    *(_section_html(sec) for sec in [*sections, *common])])
    page = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)}</title>{_STYLE}</head><body>{body}</body></html>")
    path = out / "report.html"
    path.write_text(embed_images(page, out), encoding="utf-8")
    return path


def cell_sections(cfg: dict, rec, sim, scores: dict, out: Path, *, target) -> list:
    """The single-cell report's own sections: scores per sweep, rasters of data vs
    model, voltage, and the held-out validation table."""
    names = list(getattr(rec, "sweep_names", None) or
                 [f"sweep {i}" for i in range(rec.n_sweeps)])
    train, test = cfg["data"]["train_sweeps"], cfg["data"]["test_sweeps"]
    summary = [{"set": part, **scores[part]} for part in ("train", "test") if part in scores]
    html_scores = (
        f"<p>data <code>{html.escape(cfg['data']['path'])}</code>; train sweeps {train}, "
        f"held-out sweeps {test}</p>"
        + _table(summary, ["set", "gamma", "normalized_gamma", "spike_distance",
                           "rate_error_Hz"])
        + _table(scores["rows"], ["sweep", "name", "set", "gamma", "spike_distance",
                                  "rate_model_Hz", "rate_data_Hz", "n_model", "n_data",
                                  "failed"]))
    secs = [Section(f"Scores (Γ with Δ = {scores['delta_ms']:g} ms)", html=html_scores,
                    caption="Γ = 1 is every spike within Δ; normalised Γ divides by the "
                            "repeats' own reliability.")]
    if "test_by_stimulus" in scores:
        rows = [{"stimulus": k, **{kk: vv for kk, vv in v.items() if kk != "repeats"},
                 "repeats": str(v["repeats"])} for k, v in scores["test_by_stimulus"].items()]
        secs.append(Section("Held-out stimuli with repeats", html=_table(
            rows, ["stimulus", "gamma", "reliability", "normalized_gamma", "repeats"]),
            caption="Γ: the model under the first repeat's current against each repeat "
                    "(mean). Reliability R is Γ between the recorded repeats themselves: "
                    "a model cannot predict the data better than they predict each other; "
                    "normalised Γ = Γ / R."))
    if test:
        secs.append(Section("Held-out sweeps", figure=_save(
            raster_figure(sim, target, test, names, "held-out sweeps"), out / "raster_test.png"),
            caption="Data (black) over model (red): missed and extra spikes stand out."))
    secs.append(Section("Training sweeps", figure=_save(
        raster_figure(sim, target, train, names, "training sweeps"), out / "raster_train.png"),
        caption="The sweeps the fit saw: they should match at least as well as the "
                "held-out ones."))
    secs.append(Section("Voltage", figure=_save(
        voltage_figure(sim, rec, (test or train)[:3], names), out / "voltage.png"),
        caption="Recorded (thick grey) and model (thin red) membrane potential, first "
                "second: where they coincide the red line runs inside the grey one."))
    if cfg["report"].get("validation", True):
        secs.append(Section("Validation (held-out sweeps)",
                            html=_validation(sim, target, test or train, out),
                            caption="Two-sample tests of rate, CV and LV between model and "
                                    "data: a rejected test or a large effect is a mismatch."))
    return secs


def _validation(sim, target, sweeps, out: Path) -> str:
    """Statistical comparison of model and data on the held-out sweeps."""
    try:
        from ..validation import validate

        rep = validate(sim.spikes.take(sweeps), target.take(sweeps), tests=("rate", "cv", "lv"),
                       t_stop=target.t_stop)
        rep.table.to_csv(out / "validation.csv", index=False)
        return rep.to_html()
    except Exception as exc:  # a report section must not lose the run's outputs
        return f"<p>not available: {html.escape(repr(exc))}</p>"
