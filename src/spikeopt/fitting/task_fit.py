"""``kind: task`` fits: a network evolved to classify, scored on held-out trials, its
wiring read back with Hawkes processes.

::

    kind: task
    task: {name: sine_cosine, steps: 100, sine_cycles: 5.0, cosine_cycles: 7.5,
           train_per_class: 50, test_per_class: 200, faithful: false}
    network: {hidden: 10}
    optimizer: {name: cmaes, popsize: 14}
    budget: {evaluations: 3000}
    seed: 1
    output: runs/sine_cosine

The task (:mod:`spikeopt.tasks`) supplies the genes (``fit:`` may override their
bounds), the seeded trials and the batched evaluation. The run folder gets
``best_params.json``, ``scores.json`` (``train_accuracy`` and ``test_accuracy``
as fractions, the test's 95 % interval, the confusion matrix, precision and
recall, and the task's own scores) and, for a network that exposes its layers
and weights, example rasters and ``hawkes.json``: a Hawkes process fitted to
the best network's spike trains over the test trials and how well its
interaction matrix recovers the true weights, shown side by side in the
report.
"""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path

import numpy as np

from .._display import evenly_spaced
from ..params import Parameter, ParameterSpace
from ..run import register_objective_factory
from .problems import Built, Outcome, Section, register_problem
from .schema import err

__all__ = ["KIND", "TaskFit", "build_task", "check_task_config"]

KIND = "task"
HAWKES_TRIALS = 100  # test trials whose spikes the Hawkes fit reads


def build_task(cfg: dict):
    """The task object of a validated ``kind: task`` config."""
    from ..tasks import get_task

    spec = dict(cfg["task"])
    cls = get_task(spec.pop("name"))
    task = cls(**spec, **cfg.get("network", {}), seed=cfg["seed"])
    if cfg.get("fit"):
        params = dict(task.space.parameters)
        for name, b in cfg["fit"].items():
            low, high = b if isinstance(b, list) else (b["low"], b["high"])
            old = params[name]
            params[name] = Parameter(low, high, log=bool(not isinstance(b, list) and
                                                         b.get("log")),
                                     integer=old.integer, unit=old.unit)
        task.space = ParameterSpace(params)
    return task


def check_task_config(cfg: dict, base: Path) -> dict:
    """Build the task once: its options, the ``fit`` overrides and the optimizer
    options fail here with the key they came from."""
    from ..errors import ConfigError, InvalidParameterError, UnknownNameError
    from .config import check_optimizer

    if cfg["backend"]["name"] != "numba":
        raise err("backend", f"the task {cfg['task']['name']!r} runs its own compiled network "
                             f"on the numba engine; allowed: 'numba'. Got "
                             f"{cfg['backend']['name']!r}.")
    data = cfg["task"].get("data")
    if isinstance(data, str):  # a data file, relative to the config's folder
        cfg["task"]["data"] = str((base / data).resolve())
        if not Path(cfg["task"]["data"]).exists():
            raise err("task.data", f"file not found: {cfg['task']['data']}")
    _resolve_globs(cfg, base)
    try:
        task = build_task({**cfg, "fit": {}})
    except TypeError as exc:
        raise err("task", f"{exc}".replace("__init__()", cfg["task"]["name"])) from None
    except (InvalidParameterError, UnknownNameError, ConfigError, ValueError) as exc:
        raise err("task", str(exc)) from None
    for name in cfg.get("fit", {}):
        if name not in task.space.parameters:
            raise err(f"fit.{name}", f"the task {cfg['task']['name']!r} has no such gene; "
                                     f"allowed: {list(task.space.parameters)[:12]}...")
    check_optimizer(cfg, task.space)
    return cfg


def _resolve_globs(cfg: dict, base: Path) -> None:
    """The task's file globs (its class's ``glob_keys``: class name → glob or list of
    globs) made absolute against the config's folder, in place, so that ``resume``
    finds the files from anywhere."""
    from ..errors import UnknownNameError
    from ..tasks import get_task

    try:
        keys = getattr(get_task(cfg["task"]["name"]), "glob_keys", ())
    except UnknownNameError:
        return
    for key in keys:
        value = cfg["task"].get(key)
        if not isinstance(value, dict):
            continue  # absent, or wrong: the task says so, naming the key
        cfg["task"][key] = {c: [_absolute(q, base) for q in p] if isinstance(p, list)
                            else _absolute(p, base) for c, p in value.items()}


def _absolute(pattern, base: Path):
    """A glob made absolute against ``base`` (``~`` expanded); anything else as is."""
    if not isinstance(pattern, str):
        return pattern
    return os.path.abspath(base / os.path.expanduser(pattern))


class _Objective:
    """The task as the runner's objective: seeds passed on when the task takes them."""

    def __init__(self, task):
        self.task = task
        self.takes_seeds = bool(getattr(task, "takes_seeds", False))

    def __call__(self, params, **kw):
        return self.task(params, **kw)


class TaskFit:
    """``kind: task`` in the Problem protocol (:mod:`.problems`)."""

    name = KIND
    store_kind = KIND
    optimizer_defaults: dict = {}

    def title(self, cfg: dict) -> str:
        mode = "faithful" if cfg["task"].get("faithful") else "spikeopt"
        return f"spikeopt task fit: {cfg['task']['name']} ({mode} mode)"

    def build(self, cfg: dict) -> Built:
        task = build_task(cfg)
        defaults = task.optimizer_defaults() if hasattr(task, "optimizer_defaults") else {}
        return Built(_Objective(task), task.space, task, optimizer_defaults=defaults)

    def outcome(self, cfg: dict, result, built: Built | None = None) -> Outcome:
        task = (built or self.build(cfg)).context
        out = Path(cfg["output"])
        best = {k: float(v) for k, v in result.best_params.items()}
        (out / "best_params.json").write_text(json.dumps({
            "kind": KIND, "task": cfg["task"]["name"],
            "fitted": {k: {"value": v, "unit": task.space.parameters[k].unit}
                       for k, v in best.items()},
            "best_loss": float(result.best_loss), "evaluations": int(result.n_evaluations),
        }, indent=2))
        kw = {}
        if "seed" in inspect.signature(task.outcome).parameters:
            kw["seed"] = np.random.SeedSequence(cfg["seed"], spawn_key=(1, 10**9, 0))
        scores = _plain(task.outcome(best, **kw))
        n = scores.get("test_trials", scores.get("test_rows"))
        if "test_accuracy" in scores and "test_accuracy_ci95" not in scores and n:
            from ..tasks import wilson_interval

            k = int(round(scores["test_accuracy"] * n))
            scores["test_accuracy_ci95"] = list(wilson_interval(k, int(n)))
        data = {"task": task, "best": best}
        if cfg["report"].get("hawkes", True) and hasattr(task, "layers"):
            from ..tasks.wiring import hawkes_wiring

            h = hawkes_wiring(task.layers(best, task.test), task.weight_matrix(best),
                              task.unit_names(), max_trials=HAWKES_TRIALS)
            (out / "hawkes.json").write_text(json.dumps(_plain(h), indent=2))
            scores["hawkes_recovery"] = _plain(h["recovery"])
            data["hawkes"] = h
            if getattr(task, "faithful", False):
                data["legacy"] = _legacy_heatmaps(task, best)
                np.savez(out / "hawkes_legacy.npz", **data["legacy"])
        (out / "scores.json").write_text(json.dumps(scores, indent=2))
        return Outcome(scores, data)

    def raster_source(self, cfg: dict, built: Built, *, trials: int = 2, max_hidden: int = 8):
        """For the live view: ``params -> Raster``, the best candidate's hidden (up to
        ``max_hidden``, evenly spaced) and output neurons on the first held-out trial
        of each of the first ``trials`` classes, from the task's own recording
        (``layers``); rows ``"<class>: <unit>"``, grouped as hidden / output. A spike
        in step i lies at i·dt_ms (tasks without ``dt_ms``, sine_cosine: 1 ms per
        step). None for a task that does not record its layers (mushroom_body)."""
        from ..run import Raster
        from ..tasks import Trials

        task = built.context
        if getattr(task, "name", None) == "mushroom_body":
            return _mushroom_body_raster(cfg, task, trials)
        if not all(hasattr(task, a) for a in ("layers", "unit_names", "test")):
            return None
        test = task.test
        labels = np.asarray(test.labels)
        picks = [int(np.flatnonzero(labels == c)[0]) for c in sorted(set(labels.tolist()))]
        picks = picks[:max(int(trials), 1)]
        sub = Trials(test.inputs[picks], labels[picks], test.classes)
        dt = float(getattr(task, "dt_ms", 1.0))
        steps = int(test.inputs.shape[-1])
        names = task.unit_names()

        def raster(params: dict) -> Raster:
            layers = task.layers({k: float(v) for k, v in params.items()}, sub)
            first = layers[0].shape[1]  # the inputs are not drawn
            rows: list[tuple[int, int, str]] = []  # (layer, unit in layer, unit name)
            for li, L in enumerate(layers[1:], start=1):
                n = L.shape[1]
                out = li == len(layers) - 1
                idx = range(n) if out else evenly_spaced(n, max_hidden)
                rows += [(li, int(i), names[first + int(i)]) for i in idx]
                first += n
            lab, times, groups = [], [], []
            for k, tr in enumerate(picks):
                cls = test.classes[int(labels[tr])]
                for li, i, name in rows:
                    lab.append(f"{cls}: {name}")
                    times.append(np.flatnonzero(layers[li][k, i]) * dt)
                    groups.append("output" if li == len(layers) - 1 else "hidden")
            n_hidden = sum(L.shape[1] for L in layers[1:-1])
            shown = sum(1 for li, _, _ in rows if li < len(layers) - 1)
            note = (f"held-out trial(s) {', '.join(map(str, picks))}"
                    + (f"; hidden neurons: {shown} of {n_hidden} (evenly spaced)"
                       if n_hidden else "")
                    + ("" if hasattr(task, "dt_ms") else "; time axis: 1 ms = 1 step"))
            return Raster(lab, times, groups, t_stop=steps * dt, note=note)

        return raster

    def sections(self, cfg: dict, result, outcome: Outcome, out: Path) -> list:
        from .report import table_html

        s = outcome.scores
        rows = [{"score": k, "value": v} for k, v in s.items()
                if isinstance(v, int | float) and not isinstance(v, bool)]
        secs = [Section("Scores", html=table_html(rows, ["score", "value"]),
                        caption="Accuracies are fractions; the test trials were never used "
                                "in the fit.")]
        if "confusion_matrix" in s:
            classes = s.get("classes") or [str(i) for i in range(len(s["confusion_matrix"]))]
            cm = [{"true \\ predicted": classes[i], **{c: n for c, n in zip(classes, row,
                                                                                  strict=True)}}
                  for i, row in enumerate(s["confusion_matrix"])]
            secs.append(Section("Confusion matrix (test trials)",
                                html=table_html(cm, ["true \\ predicted", *classes])))
        task = outcome.data["task"]
        if hasattr(task, "layers"):
            secs.append(Section("Example test trials", figure=_trial_figure(
                task, outcome.data["best"], out / "trials.png"),
                caption="Input, hidden and output spikes of the best network on one trial "
                        "of each class; the class is the output with more spikes."))
        if "legacy" in outcome.data:
            secs.append(Section(
                "SNN-Hawkes's own alpha heatmaps (legacy, for comparison)",
                figure=_legacy_figure(outcome.data["legacy"], task.unit_names(),
                                      out / "hawkes_legacy.png"),
                caption="Upstream's sampler summed per group (15 examples each): it barely "
                        "moves from its initial 0.1 (15 × 0.1 = 1.5 everywhere); compare "
                        "with the correct fit below."))
        if "hawkes" in outcome.data:
            h = outcome.data["hawkes"]
            r = h["recovery"]
            text = ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                             for k, v in r.items() if v is not None)
            secs.append(Section("Wiring read by a Hawkes process", html=f"<p>{text}</p>",
                                figure=_hawkes_figure(task, outcome.data["best"], h,
                                                      out / "hawkes.png"),
                                caption="Left: the network's true weights [target, source]; "
                                        "right: the fitted Hawkes branching ratios. AUC: "
                                        "how well alpha separates excitatory synapses from "
                                        "the rest (0.5 = chance)."))
        return secs


def _mushroom_body_raster(cfg: dict, task, trials: int):
    """The mushroom body's live raster: its four DNs (the outputs) in the 50 ms slot of
    the first held-out glyph of each of the first ``trials`` classes, after the
    whole protocol of the report's outcome (training with the teacher, then the
    training and held-out glyphs with plasticity frozen), on draws from one fixed
    seed of the run's. One candidate's simulation per call (the kernel records DN
    spikes from the start, so the record is sized for every step)."""
    import copy

    from ..run import Raster
    from ..tasks._mb_kernel import N_DN
    from ..tasks.glyphs import CLASSES

    schedule = task.schedule("outcome")
    rows = np.asarray(schedule[0])
    spp = task.image_steps + task.blank_steps
    first_test = len(rows) - len(task.test_rows)
    labels = task.labels[rows[first_test:]]
    picks = [first_test + int(np.flatnonzero(labels == c)[0])
             for c in sorted(set(labels.tolist()))][:max(int(trials), 1)]
    mb = copy.copy(task)  # the same data and genes, a record long enough for every step
    mb.record_dn = len(rows) * spp * N_DN
    seed = np.random.SeedSequence(cfg["seed"], spawn_key=(1, 10**9, 1))
    names = [f"out {c}" for c in CLASSES]

    def raster(params: dict) -> Raster:
        genes, reasons = task.decode_genes({k: np.atleast_1d(v) for k, v in params.items()})
        if reasons[0]:
            raise ValueError(reasons[0])
        out = mb.simulate(genes, [seed], schedule)
        n = int(min(out["rec_n"][0], mb.record_dn))
        step, dn = out["rec_step"][0][:n], out["rec_id"][0][:n]
        lab, times, groups = [], [], []
        for s in picks:
            inside = (step >= s * spp) & (step < (s + 1) * spp)
            cls = CLASSES[int(task.labels[rows[s]])]
            for d in range(N_DN):
                lab.append(f"{cls}: {names[d]}")
                times.append((step[inside & (dn == d)] - s * spp) * task.dt)
                groups.append("output")
        return Raster(lab, times, groups, t_stop=spp * task.dt,
                      note=f"held-out glyph(s) {', '.join(str(s - first_test) for s in picks)}"
                           f" after training; image 0-{task.image_steps * task.dt:g} ms, "
                           f"then blank")

    return raster


def _legacy_heatmaps(task, best: dict) -> dict:
    """SNN-Hawkes's own heatmaps (:mod:`spikeopt.hawkes.legacy`): per test example its
    13 trains, 50 samples for the "correct" group and 1 for the "wrong" one (the
    field holds the true label: sine vs coin flip), alpha means summed per group."""
    from ..hawkes.legacy import legacy_mh

    layers = task.layers(best, task.test)
    trains = np.concatenate(layers, axis=1)  # (trials, 13, steps)
    sums = {}
    for label, name, n in ((1, "sine", 50), (0, "random", 1)):
        idx = np.flatnonzero(task.test.labels == label)
        sums[name] = sum(legacy_mh(trains[t], n_samples=n, rng=int(t))["alpha_mean"]
                         for t in idx)
    return sums


def _plain(x):
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    return x


def _trial_figure(task, best: dict, path: Path) -> str:
    from ..plots import pyplot

    plt = pyplot()
    labels = task.test.labels
    picks = [int(np.flatnonzero(labels == c)[0]) for c in sorted(set(labels.tolist()))]
    fig, axes = plt.subplots(1, len(picks), figsize=(5 * len(picks), 3.2), squeeze=False)
    layers = task.layers(best, task.test)
    names = task.unit_names()
    for ax, tr in zip(axes[0], picks, strict=True):
        y = 0
        for li, L in enumerate(layers):
            for n in range(L.shape[1]):
                steps = np.flatnonzero(L[tr, n])
                ax.vlines(steps, y + 0.1, y + 0.9, color=f"C{li}", lw=1.0)
                y += 1
        ax.set_yticks(np.arange(y) + 0.5, labels=names, fontsize=6)
        ax.set_xlabel("step")
        ax.set_title(f"a '{task.test.classes[labels[tr]]}' trial", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


def _legacy_figure(sums: dict, names: list, path: Path) -> str:
    from ..plots import pyplot

    plt = pyplot()
    fig, axes = plt.subplots(1, len(sums), figsize=(5 * len(sums), 4.4), squeeze=False)
    for ax, (group, M) in zip(axes[0], sums.items(), strict=True):
        im = ax.imshow(M, cmap="viridis")
        ax.set_xticks(range(len(names)), labels=names, rotation=90, fontsize=6)
        ax.set_yticks(range(len(names)), labels=names, fontsize=6)
        ax.set_title(f"legacy alpha, summed: {group}", fontsize=9)
        fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


def _hawkes_figure(task, best: dict, h: dict, path: Path) -> str:
    from ..plots import pyplot

    plt = pyplot()
    W = task.weight_matrix(best)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.4))
    lim = float(np.abs(W).max()) or 1.0
    for ax, M, title, kw in ((axes[0], W, "true weights", {"cmap": "RdBu_r", "vmin": -lim,
                                                             "vmax": lim}),
                             (axes[1], np.asarray(h["alpha"]), "Hawkes alpha",
                              {"cmap": "viridis"})):
        im = ax.imshow(M, **kw)
        ax.set_xticks(range(len(h["names"])), labels=h["names"], rotation=90, fontsize=6)
        ax.set_yticks(range(len(h["names"])), labels=h["names"], fontsize=6)
        ax.set_xlabel("source")
        ax.set_ylabel("target")
        ax.set_title(title, fontsize=9)
        fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


register_problem(TaskFit())
register_objective_factory(KIND, lambda cfg: _Objective(build_task(cfg)))
