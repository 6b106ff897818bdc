"""``kind: network`` fits from a config: build the problem, run it, write the run folder.

The run folder gets ``config.yaml``, ``history.sqlite``, ``best_params.json``
(each fitted path under ``fitted`` with its value and unit), ``scores.json``
(the best candidate re-scored on ``validation_seeds`` fresh seeds never used in
the fit, with the target's values, and the validation verdicts),
``best_<population>.npz`` spike files of one fresh network, ``raster.png``
(target vs fitted) and, against target spikes, ``validation/<population>/``:
spikeopt.validate's rate / CV / LV tables (Student, Welch, KS, Mann–Whitney,
Levene, Holm-corrected, with effect sizes), histograms and rasters; and the
report's network sections: rasters, mean rates, each loss term on fresh seeds
beside its noise floor (the same term between fresh networks at the fitted
parameters: what a perfect model would still score), the validation tables
with their histograms.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .._display import evenly_spaced
from ..io import load_spikes, save_spikes
from ..objectives import NetworkTarget
from ..run import register_objective_factory
from .network import NetworkProblem, leaf_unit
from .network_config import load_network
from .problems import Built, Outcome, Section, register_problem

__all__ = ["KIND", "NetworkFit", "build_network_problem"]

KIND = "network"
VALIDATION_SEEDS = 5
_VALIDATION_GENERATION = 10**9  # spawn keys (1, 10**9, i): never reached by a fit


def build_network_problem(cfg: dict) -> NetworkProblem:
    """The :class:`NetworkProblem` of a validated config."""
    sim = dict(cfg["simulation"])
    t_stop = float(sim.pop("t_stop_ms"))
    dt = float(sim.pop("dt_ms", 0.1))
    n_seeds = int(sim.pop("n_seeds", 1))
    crn = sim.pop("common_random_numbers", False)
    target = None
    if cfg.get("target"):
        target = NetworkTarget({p: load_spikes(f) for p, f in cfg["target"]["spikes"].items()},
                               t_stop)
    return NetworkProblem(load_network(cfg["network"]), cfg["fit"], cfg["objective"]["terms"],
                          target=target, t_stop_ms=t_stop, dt_ms=dt, n_seeds=n_seeds,
                          common_random_numbers=crn,
                          multi_objective=bool(cfg["objective"].get("multi_objective", False)),
                          simulation=sim, backend=cfg["backend"])


register_objective_factory(KIND, build_network_problem)


class NetworkFit:
    """``kind: network`` in the Problem protocol (:mod:`.problems`)."""

    name = KIND
    store_kind = KIND
    optimizer_defaults: dict = {}

    def title(self, cfg: dict) -> str:
        net = cfg["network"]
        return f"spikeopt network fit: {Path(net).name if isinstance(net, str) else 'inline'}"

    def build(self, cfg: dict) -> Built:
        problem = build_network_problem(cfg)
        return Built(problem, problem.space, problem)

    def outcome(self, cfg: dict, result, built: Built | None = None) -> Outcome:
        problem = built.context if built is not None else build_network_problem(cfg)
        return _outcome(cfg, result, problem)

    def sections(self, cfg: dict, result, outcome: Outcome, out: Path) -> list:
        return _sections(cfg, outcome, out)

    def raster_source(self, cfg: dict, built: Built, *, max_rows: int = 24):
        """For the live view: ``params -> Raster``, one network of the candidate (the
        first validation seed: the network the report's raster shows), up to 20
        evenly spaced neurons per population, ``max_rows`` in all."""
        from ..run import Raster

        problem = built.context
        one = NetworkProblem(problem.network, cfg["fit"], problem.terms, target=problem.target,
                             t_stop_ms=problem.t_stop, dt_ms=problem.dt,
                             simulation=problem.simulation, backend=problem.backend)
        seeds = [np.random.SeedSequence(cfg["seed"], spawn_key=(1, _VALIDATION_GENERATION, 0))]
        pops = one.populations
        per = max(2, min(20, max_rows // max(len(pops), 1)))

        def raster(params: dict) -> Raster:
            res = one.simulate({k: [float(v)] for k, v in params.items()}, seeds)
            labels, times, groups, shown = [], [], [], []
            for p in pops:
                sp = res.population(p, 0)
                idx = evenly_spaced(len(sp), per)
                labels += [f"{p} {i}" for i in idx]
                times += [sp[int(i)] for i in idx]
                groups += [p] * idx.size
                shown.append(f"{p} {idx.size} of {len(sp)}")
            return Raster(labels, times, groups, t_stop=one.t_stop,
                          note="neurons shown: " + ", ".join(shown) + " (evenly spaced ids)")

        return raster


register_problem(NetworkFit())


def _outcome(cfg: dict, result, problem: NetworkProblem) -> Outcome:
    """Re-score the best candidate on fresh seeds and write the run folder's files."""
    out = Path(cfg["output"])
    best = {k: float(v) for k, v in result.best_params.items()}
    net = problem.network
    (out / "best_params.json").write_text(json.dumps({
        "kind": KIND,
        "fitted": {k: {"value": v, "unit": problem.space.parameters[k].unit or leaf_unit(net, k)}
                   for k, v in best.items()},
        "best_loss": float(result.best_loss),
        "evaluations": int(result.n_evaluations),
    }, indent=2))
    K = VALIDATION_SEEDS
    params = {k: np.full(K, v) for k, v in best.items()}
    seeds = [np.random.SeedSequence(cfg["seed"], spawn_key=(1, _VALIDATION_GENERATION, i))
             for i in range(K)]
    one = NetworkProblem(net, cfg["fit"], problem.terms, target=problem.target,
                         t_stop_ms=problem.t_stop, dt_ms=problem.dt, multi_objective=True,
                         simulation=problem.simulation, backend=problem.backend)
    losses = one(params, seeds=seeds).F
    res = one.simulate(params, seeds)
    scores = {"validation_seeds": K, "terms": {}}
    floors = _noise_floor(one, res, K)
    for j, t in enumerate(one.terms):
        scores["terms"][f"{t.metric}:{','.join(t.populations)}"] = {
            "mean": float(np.nanmean(losses[:, j])), "sd": float(np.nanstd(losses[:, j])),
            **floors[j]}
    scores["mean_rate_hz"] = {p: {"fitted_mean": float(res.mean_rate(p).mean()),
                                  "fitted_sd": float(res.mean_rate(p).std())}
                              for p in one.populations}
    if problem.target is not None:
        for p, sp in problem.target.spikes.items():
            if p in scores["mean_rate_hz"]:
                scores["mean_rate_hz"][p]["target"] = float(sp.counts().mean()
                                                            / (problem.t_stop * 1e-3))
    scores["failed"] = int(res.failed.sum())
    reports = {}
    if problem.target is not None:  # fitted (a fresh network) against the target, per population
        from ..validation import validate

        scores["validation"] = {}
        for p, sp in problem.target.spikes.items():
            if p not in one.populations:
                continue
            rep = reports[p] = validate(res.population(p, 0), sp, tests=("rate", "cv", "lv"),
                                        t_stop=problem.t_stop)
            # the same tests between two fresh networks of the fitted model: how often
            # wiring and noise alone fail them (quenched per-neuron variability)
            same = validate(res.population(p, 1), res.population(p, 0),
                            tests=("rate", "cv", "lv"), t_stop=problem.t_stop)
            scores["validation"][p] = {"passed": bool(rep.passed),
                                       "summary": json.loads(rep.summary().to_json(
                                           orient="records")),
                                       "same_model_passed": bool(same.passed),
                                       "same_model_summary": json.loads(same.summary().to_json(
                                           orient="records"))}
    (out / "scores.json").write_text(json.dumps(scores, indent=2))
    for p in one.populations:
        save_spikes(out / f"best_{p}.npz", res.population(p, 0))
    return Outcome(scores, {"problem": problem, "res": res, "validation": reports})


def _noise_floor(one: NetworkProblem, res, K: int) -> list[dict]:
    """Per term, what fresh networks at the fitted parameters score against each
    other: fresh network 0 as the target of networks 1..K-1 (terms that compare
    with target spikes only). A loss near its floor is as good as the network's own
    seed-to-seed variability allows."""
    from ..objectives import NetworkTarget

    pseudo = NetworkTarget({p: res.population(p, 0) for p in one.populations}, one.t_stop)
    out = []
    for t in one.terms:
        if not t.needs_target_spikes or K < 2:
            out.append({})
            continue
        f = t.evaluate(res, pseudo)[1:]  # network 0 against itself is left out
        out.append({"noise_floor_mean": float(np.nanmean(f)),
                    "noise_floor_sd": float(np.nanstd(f))})
    return out


def _sections(cfg: dict, outcome: Outcome, out: Path) -> list:
    from .report import table_html

    problem, res = outcome.data["problem"], outcome.data["res"]
    scores = outcome.scores
    secs = [Section("Target and fitted rasters", figure=_raster(problem, res, out / "raster.png"),
                    caption="Top: the target; bottom: the fitted network on a seed never "
                            "used in the fit.")]
    rows = [{"population": p, **v} for p, v in scores["mean_rate_hz"].items()]
    secs.append(Section("Mean rates (Hz)", html=table_html(
        rows, ["population", "target", "fitted_mean", "fitted_sd"]),
        caption=f"Fitted: mean and s.d. over {scores['validation_seeds']} fresh seeds."))
    rows = [{"term": k, **v} for k, v in scores["terms"].items()]
    secs.append(Section("Loss terms on fresh seeds", html=table_html(
        rows, ["term", "mean", "sd", "noise_floor_mean", "noise_floor_sd"]),
        caption="The noise floor is the term between fresh networks at the fitted "
                "parameters: a loss near it is as close as seed-to-seed variability allows."))
    for p, rep in outcome.data["validation"].items():
        paths = rep.save(out / "validation" / p, figures=True)
        figs = "".join(f"<img src='validation/{p}/{paths[k].name}' style='max-width:49%'>"
                       for k in paths if k.startswith("measure_"))
        v = scores["validation"][p]
        note = (f"<p>The same tests between two fresh networks of the fitted model: "
                f"{'pass' if v['same_model_passed'] else 'FAIL'} — "
                + ("wiring and noise alone already fail per-neuron tests here, so judge a "
                   "failure above against the loss terms' noise floor." if not
                   v["same_model_passed"] else "the tests can tell networks apart only "
                   "beyond seed-to-seed variability.") + "</p>")
        secs.append(Section(f"Validation: population {p}", html=rep.to_html() + note + figs,
                            caption="Fitted (fresh seed) against target, per neuron: a "
                                    "rejected test or a large effect size is a mismatch."))
    return secs


def _raster(problem: NetworkProblem, res, path: Path) -> str:
    from ..plots import pyplot

    plt = pyplot()
    pops = problem.populations
    rows = 2 if problem.target is not None else 1
    fig, axes = plt.subplots(rows, 1, figsize=(8, 2.2 * rows + 0.6), squeeze=False, sharex=True)
    sources = [("fitted (fresh seed)", lambda p: res.population(p, 0))]
    if problem.target is not None:
        sources.insert(0, ("target", lambda p: problem.target.spikes[p]))
    for ax, (title, get) in zip(axes[:, 0], sources, strict=True):
        y0 = 0
        for k, p in enumerate(pops):
            sp = get(p)
            n = len(sp)
            idx = np.repeat(np.arange(n), sp.counts()) + y0
            ax.plot(sp.times, idx, "|", ms=2, color=f"C{k}", label=p)
            y0 += n
        ax.set_title(title, fontsize=9)
        ax.set_ylabel("neuron")
    axes[-1, 0].set_xlabel("time (ms)")
    axes[0, 0].legend(loc="upper right", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name
