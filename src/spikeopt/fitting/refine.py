"""The config's ``refine`` section: a local search after the evolutionary one.

The refinement runs in ``<output>/refine/`` (its own run store, so
``spikeopt.run.resume`` continues it exactly) from the ``top`` best distinct
candidates of the search. Its objective is the search's, or for cells the
``loss`` given (e.g. van Rossum, smoother than Γ). The refined candidate is
**kept** only if it lowers the refinement's training loss (with a separate
``loss``, the search's training loss before/after is reported too, not used:
a smoother loss may trade some training Γ for a better prediction); the
held-out scores before and after are reported (``scores.json``,
``refinement``) but never used for the decision.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from .._rng import candidate_sequence
from ..errors import ConfigError
from ..run.evaluate import takes_seeds
from ..run.refinement import refine

__all__ = ["top_candidates", "run_refinement"]


def top_candidates(result, names: list[str], k: int) -> dict[str, np.ndarray]:
    """The ``k`` best distinct successful candidates of a run, best first."""
    h = result.history
    ok = h[h["status"] == "ok"].sort_values(["loss", "generation", "idx"], kind="stable")
    ok = ok.drop_duplicates(subset=names)
    top = ok.head(int(k))
    return {n: top[n].to_numpy(np.float64) for n in names}


def _objective(cfg: dict, built, loss):
    if loss is None:
        return built.objective, cfg
    if cfg.get("kind", "cell") != "cell":
        raise ConfigError("config key 'refine.loss': a separate refinement loss is supported "
                          "for kind: cell only; leave it out to refine on the search's loss")
    from .cell import build_objective

    rcfg = {**{k: v for k, v in cfg.items() if k != "refine"}, "objective": dict(loss)}
    return build_objective(rcfg, built.context), rcfg


def _training_losses(objective, params: dict, seed: int) -> np.ndarray:
    """(P,) summed training losses of ``params`` (dict of (P,) arrays)."""
    P = len(next(iter(params.values())))
    if takes_seeds(objective):
        F = objective(params, seeds=[candidate_sequence(seed, 0, i) for i in range(P)])
    else:
        F = objective(params)
    F = np.asarray(F, dtype=np.float64)
    return F.reshape(P, -1).sum(axis=1)


def run_refinement(cfg: dict, result, built, *, kind: str):
    """Refine ``result``'s best candidates as ``cfg["refine"]`` says. Returns
    ``(result to report, info)``: the search's result, or a copy whose best
    parameters are the refined ones when they are kept; ``info`` has the training
    losses before/after and ``kept``."""
    spec = cfg["refine"]
    names = list(built.space.names)
    objective, rcfg = _objective(cfg, built, spec.get("loss"))
    starts = top_candidates(result, names, spec.get("top", 4))
    ref = refine(objective, built.space, starts, method=spec.get("method", "cmaes"),
                 evaluations=int(spec.get("evaluations", 200)),
                 step=float(spec.get("step", 0.05)), seed=int(cfg["seed"]),
                 run_dir=Path(cfg["output"]) / "refine", config=rcfg, kind=kind,
                 overwrite=True)
    before = {k: float(v) for k, v in result.best_params.items()}
    after = {k: float(v) for k, v in ref.best_params.items()}
    info = {"method": spec.get("method", "cmaes"), "evaluations": ref.result.n_evaluations,
            "loss": spec.get("loss") or "search",
            "train_loss_before": float(ref.start_loss), "train_loss_after": float(ref.best_loss),
            "params_before": before, "params_after": after}
    kept = ref.improved and after != before
    search_loss_after = float(ref.best_loss) if kept else float(result.best_loss)
    if spec.get("loss") is not None and after != before:  # reported, not a veto
        both = {n: np.array([before[n], after[n]]) for n in names}
        f = _training_losses(built.objective, both, int(cfg["seed"]))
        info["search_loss_before"], info["search_loss_after"] = float(f[0]), float(f[1])
        search_loss_after = float(f[1]) if kept else float(result.best_loss)
    info["kept"] = bool(kept)
    info["best_loss"] = search_loss_after  # the search's loss of what is reported
    refined = dataclasses.replace(result, best_params=after, best_loss=search_loss_after)
    return refined, info
