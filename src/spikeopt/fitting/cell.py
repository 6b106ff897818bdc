"""``kind: cell``: config → recording → objective and space; the best candidate
scored on every sweep (held-out ones included) for the run folder and report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .. import metrics
from ..objectives import Term
from ..params import Parameter, ParameterSpace
from ..run import register_objective_factory
from ..spikes import SpikeTrains
from ..stimuli import Stimulus
from .cell_models import cell_model, model_label
from .cell_objective import CellObjective
from .problems import Built, Outcome, register_problem

__all__ = ["CellProblem", "build_objective", "build_space", "load_data", "KIND"]

KIND = "cell_fit"


def load_data(cfg: dict):
    """The recording named by ``cfg["data"]`` (all sweeps)."""
    from ..io import load_recording

    rec = load_recording(cfg["data"]["path"], **cfg["data"].get("options", {}))
    if rec.spikes is None:
        from ..errors import ConfigError

        raise ConfigError(f"config key 'data.path': {cfg['data']['path']} has neither spike "
                          "times nor voltage to detect them from; a fit needs spikes")
    n = rec.n_sweeps
    for key in ("train_sweeps", "test_sweeps"):
        bad = [i for i in cfg["data"].get(key, []) if i >= n]
        if bad:
            from ..errors import ConfigError

            raise ConfigError(f"config key 'data.{key}': sweeps {bad} do not exist; the "
                              f"recording {cfg['data']['path']} has {n} sweeps (0..{n - 1})")
    return rec


def resolve_sets(data: dict) -> None:
    """``data.train_sets`` / ``data.test_sets`` (stimulus ids) → the sweeps of all
    their repeats, written into ``train_sweeps`` / ``test_sweeps`` (which, if also
    given, must be exactly those sweeps)."""
    from ..errors import ConfigError
    from ..io import load_recording
    from .schema import err

    try:
        rec = load_recording(data["path"], **data.get("options", {}))
    except ConfigError:
        raise
    except (OSError, ValueError) as exc:
        raise err("data.path", f"cannot read the recording to find the sweeps of "
                               f"'train_sets'/'test_sets': {exc}") from None
    ids = np.asarray(rec.stimulus_id)
    for part in ("train", "test"):
        sets = data.get(f"{part}_sets")
        if sets is None:
            continue
        missing = [s for s in sets if s not in set(ids.tolist())]
        if missing:
            raise err(f"data.{part}_sets", f"stimulus ids {missing} are not in the recording "
                                           f"{data['path']}; it has {sorted(set(ids.tolist()))}")
        sweeps = [int(i) for i in np.flatnonzero(np.isin(ids, sets))]
        given = data.get(f"{part}_sweeps") or []
        if given and sorted(given) != sweeps:
            raise err(f"data.{part}_sweeps", f"the sweeps of {part}_sets {sets} are {sweeps}; "
                                             f"got {sorted(given)}: give one or the other")
        data[f"{part}_sweeps"] = sweeps


def _terms(cfg: dict) -> tuple[list[Term], bool]:
    obj = cfg["objective"]
    if "terms" in obj:
        return [Term.from_config(t) for t in obj["terms"]], bool(obj.get("multi_objective"))
    return [Term.from_config(obj)], False


def build_objective(cfg: dict, rec=None) -> CellObjective:
    """The CellObjective of a validated config over its training sweeps."""
    rec = rec if rec is not None else load_data(cfg)
    sweeps = cfg["data"]["train_sweeps"]
    train = rec.select(sweeps)
    terms, multi = _terms(cfg)
    current, rows = np.atleast_2d(train.current_pA), None
    if cfg["data"].get("train_current", "per_sweep") == "first_repeat":
        current, rows = _first_repeat_currents(current, rec, sweeps)
    return CellObjective(cfg["model"], current, train.spikes, train.dt_ms, terms,
                         fixed=cfg["fixed"], sim_dt_ms=cfg["simulation"].get("dt_ms"),
                         voltage_mV=train.voltage_mV if any(t.needs_voltage for t in terms)
                         else None, multi_objective=multi, backend=cfg["backend"],
                         current_of_sweep=rows)


def _first_repeat_currents(current, rec, sweeps):
    """``data.train_current: first_repeat``: the current of each training stimulus's
    first repeat (one row per stimulus) and, per training sweep, its stimulus's row —
    one simulation per stimulus, scored against every repeat, as the held-out
    stimuli are scored."""
    sid = np.asarray(rec.stimulus_id)[np.asarray(sweeps)]  # sweeps without repeats: own ids
    _, first, rows = np.unique(sid, return_index=True, return_inverse=True)
    return current[first], rows.astype(np.int64)


def build_space(cfg: dict) -> ParameterSpace:
    model = cell_model(cfg["model"])
    spec = {}
    for name, b in cfg["fit"].items():
        unit = model.parameters[name].unit
        if isinstance(b, dict):
            spec[name] = Parameter(b["low"], b["high"], log=bool(b.get("log", False)), unit=unit)
        else:
            spec[name] = Parameter(b[0], b[1], unit=unit)
    return ParameterSpace(spec)


register_objective_factory(KIND, build_objective)


class CellProblem:
    """``kind: cell`` in the Problem protocol (:mod:`.problems`): a model fitted to
    recorded sweeps.

    The run folder gets ``best_params.json`` (values with units, fitted and fixed),
    ``scores.csv`` / ``scores.json`` (Γ, normalised Γ where repeats exist,
    SPIKE-distance and rate error per sweep, train and held-out),
    ``best_spikes.npz`` / ``target_spikes.npz`` (held-out sweeps) and the report's
    figures.
    """

    name = "cell"
    store_kind = KIND
    optimizer_defaults = {"cmaes": {"restarts": 1000}}  # CMA-ES restarts (IPOP) until the budget

    def title(self, cfg: dict) -> str:
        return f"spikeopt fit: {model_label(cfg['model'])}"

    def build(self, cfg: dict) -> Built:
        rec = load_data(cfg)
        return Built(build_objective(cfg, rec), build_space(cfg), rec)

    def outcome(self, cfg: dict, result, built: Built | None = None) -> Outcome:
        """Score the best parameters on every sweep; write the run folder's files."""
        rec = built.context if built is not None else load_data(cfg)
        out = Path(cfg["output"])
        model = cell_model(cfg["model"])
        best = {k: float(v) for k, v in result.best_params.items()}
        params = {**{k: float(v) for k, v in cfg["fixed"].items()}, **best}
        (out / "best_params.json").write_text(json.dumps({
            "model": model.name,
            "fitted": {k: {"value": v, "unit": model.parameters[k].unit}
                       for k, v in best.items()},
            "fixed": {k: {"value": float(v), "unit": model.parameters[k].unit}
                      for k, v in cfg["fixed"].items()},
            "best_loss": float(result.best_loss),
            "evaluations": int(result.n_evaluations),
        }, indent=2))
        sim = simulate_best(cfg, params, rec)
        scores = score_sweeps(cfg, sim, rec)
        import pandas as pd

        from ..io import save_spikes

        pd.DataFrame(scores["rows"]).to_csv(out / "scores.csv", index=False)
        (out / "scores.json").write_text(json.dumps(
            {k: v for k, v in scores.items() if k != "rows"}, indent=2))
        test = cfg["data"]["test_sweeps"] or cfg["data"]["train_sweeps"]
        save_spikes(out / "best_spikes.npz", sim.spikes.take(test))
        save_spikes(out / "target_spikes.npz", _target(rec).take(test))
        return Outcome(scores, {"rec": rec, "sim": sim})

    def raster_source(self, cfg: dict, built: Built, *, max_sweeps: int = 6):
        """For the live view: ``params -> Raster``, the data against the model on the
        first ``max_sweeps`` training sweeps, simulated as the report does
        (:func:`simulate_best`); ``params`` are the fitted ones (ms, mV, nS, pA)."""
        from ..run import Raster

        train = [int(i) for i in cfg["data"]["train_sweeps"]]
        shown = train[:max_sweeps]
        sub = built.context.select(shown)
        target = _target(sub)
        fixed = {k: float(v) for k, v in cfg["fixed"].items()}
        labels = [f"sweep {i} {g}" for i in shown for g in ("data", "model")]
        note = f"{len(shown)} of {len(train)} training sweeps" if len(shown) < len(train) else ""

        def raster(params: dict) -> Raster:
            sim = simulate_best(cfg, {**fixed, **{k: float(v) for k, v in params.items()}}, sub)
            times = [t for k in range(len(shown)) for t in (target[k], sim.spikes[k])]
            return Raster(labels, times, ["data", "model"] * len(shown),
                          t_stop=float(target.t_stop), note=note)

        return raster

    def sections(self, cfg: dict, result, outcome: Outcome, out: Path) -> list:
        from .report import cell_sections

        rec = outcome.data["rec"]
        return cell_sections(cfg, rec, outcome.data["sim"], outcome.scores, out,
                             target=_target(rec))


register_problem(CellProblem())


def _target(rec) -> SpikeTrains:
    s = rec.spikes
    return s if s.t_stop is not None else SpikeTrains(s.times, s.offsets,
                                                       t_stop=rec.duration_ms)


def simulate_best(cfg: dict, params: dict, rec):
    """The best model under every sweep of the recording, with its voltage."""
    from ..backends import simulate

    dt = cfg["simulation"].get("dt_ms") or rec.dt_ms
    step = max(int(round(rec.dt_ms / dt)), 1)
    stim = Stimulus(np.atleast_2d(rec.current_pA), rec.dt_ms)
    return simulate(cell_model(cfg["model"]), params, stim, dt=dt, record_v=True, v_every=step,
                    backend=cfg.get("backend", "numba"))


def _delta(cfg: dict) -> float:
    terms, _ = _terms(cfg)
    for t in terms:
        if t.metric == "gamma_factor":
            return float(t.options.get("delta_ms", 2.0))
    return 2.0


def score_sweeps(cfg: dict, sim, rec) -> dict:
    """Γ, SPIKE-distance and rate error of every sweep; normalised Γ for held-out
    stimuli recorded several times (repeats share a stimulus id)."""
    target = _target(rec)
    t_stop = target.t_stop
    delta = _delta(cfg)
    gam = metrics.gamma_factor(sim.spikes, target, delta=delta, t_stop=t_stop)
    sd = metrics.spike_distance(sim.spikes, target, t_stop=t_stop)
    rate_m = metrics.firing_rate(sim.spikes, t_stop=t_stop)
    rate_d = metrics.firing_rate(target, t_stop=t_stop)
    train, test = set(cfg["data"]["train_sweeps"]), set(cfg["data"]["test_sweeps"])
    names = list(getattr(rec, "sweep_names", None) or [f"sweep {i}" for i in range(len(target))])
    ids = getattr(rec, "stimulus_id", None)
    rows = []
    for i in range(len(target)):
        rows.append({
            "sweep": i, "name": str(names[i]),
            "set": "train" if i in train else "test" if i in test else "unused",
            "gamma": float(gam[i]), "spike_distance": float(sd[i]),
            "rate_model_Hz": float(rate_m[i]), "rate_data_Hz": float(rate_d[i]),
            "rate_error_Hz": float(rate_m[i] - rate_d[i]),
            "n_model": int(sim.spikes.counts()[i]), "n_data": int(target.counts()[i]),
            "failed": bool(sim.failed[i]),
        })
    out = {"delta_ms": delta, "rows": rows}
    for part, idx in (("train", sorted(train)), ("test", sorted(test))):
        if idx:
            out[part] = {
                "gamma": float(np.mean(gam[idx])),
                "spike_distance": float(np.mean(sd[idx])),
                "rate_error_Hz": float(np.mean(np.abs(rate_m[idx] - rate_d[idx]))),
            }
    if ids is not None and test:
        by = _by_stimulus(sim, target, np.asarray(ids), sorted(test), delta, t_stop)
        if by:
            vals = list(by.values())
            out["test"].update({
                "gamma_repeats": float(np.mean([v["gamma"] for v in vals])),
                "reliability": float(np.mean([v["reliability"] for v in vals])),
                "normalized_gamma": float(np.mean([v["normalized_gamma"] for v in vals])),
            })
            out["test_by_stimulus"] = by
    return out


def _by_stimulus(sim, target, ids: np.ndarray, test: list[int], delta: float,
                 t_stop: float) -> dict:
    """Per held-out stimulus with >= 2 repeats: the model under the first repeat's
    current (one prediction per input, as the QSNMC 2007 challenge scored it), its
    mean Γ against every recorded repeat, the repeats' reliability R (mean Γ
    between them) and Γ/R."""
    by = {}
    for sid in sorted({int(ids[i]) for i in test}):
        reps = [i for i in test if ids[i] == sid]
        if len(reps) < 2:
            continue
        model = sim.spikes.take([reps[0]] * len(reps))
        g = float(np.mean(metrics.gamma_factor(model, target.take(reps), delta=delta,
                                               t_stop=t_stop)))
        r = metrics.gamma_reliability(target.take(reps), delta=delta, t_stop=t_stop)
        by[str(sid)] = {"gamma": g, "reliability": float(r),
                        "normalized_gamma": g / r if r > 0 else float("nan"),
                        "repeats": reps, "model_current": "first repeat"}
    return by
