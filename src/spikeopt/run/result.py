"""The outcome of a run, read back from its store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["Result", "pareto_mask"]


def pareto_mask(F: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``F`` (N, M), lower is better;
    of duplicate rows only the first is kept."""
    F = np.asarray(F, dtype=np.float64)
    order = np.lexsort(F.T[::-1])  # by f0, then f1, ...
    keep = np.zeros(len(F), dtype=bool)
    front: list[np.ndarray] = []
    for i in order:
        f = F[i]
        if front:
            Q = np.asarray(front)
            if np.any(np.all(Q <= f, axis=1)):  # dominated by or equal to a kept point
                continue
        front.append(f)
        keep[i] = True
    return keep


@dataclass
class Result:
    """What :func:`spikeopt.optimize` returns.

    Attributes
    ----------
    best_params : dict
        The best candidate's parameter values (plain Python scalars, in the
        parameters' units).
    best_loss : float
        Its loss (the sum over objectives when there are several).
    best_losses : ndarray (M,)
        Its loss per objective.
    history : DataFrame
        Every evaluation (see :meth:`RunStore.history`).
    pareto_front : DataFrame or None
        The non-dominated successful evaluations when M > 1.
    n_evaluations, n_generations : int
    stop_reason : str
    run_dir : Path or None
    """

    best_params: dict
    best_loss: float
    best_losses: np.ndarray
    history: pd.DataFrame
    pareto_front: pd.DataFrame | None
    n_evaluations: int
    n_generations: int
    stop_reason: str
    run_dir: Path | None = None

    @classmethod
    def from_history(cls, history: pd.DataFrame, names: list[str], *, stop_reason: str,
                     run_dir=None) -> Result:
        if len(history) == 0:
            return cls({}, float("inf"), np.empty(0), history, None, 0, 0, stop_reason, run_dir)
        ok = history[history["status"] == "ok"]
        pool = ok if len(ok) else history
        best = pool.loc[pool["loss"].idxmin()]
        fcols = [c for c in history.columns if c.startswith("f") and c[1:].isdigit()]
        losses = best[fcols].to_numpy(np.float64) if fcols else np.array([best["loss"]])
        front = None
        if fcols and len(ok):
            front = ok[pareto_mask(ok[fcols].to_numpy(np.float64))].reset_index(drop=True)
        params = {n: (v.item() if hasattr(v, "item") else v) for n, v in best[names].items()}
        return cls(
            best_params=params,
            best_loss=float(best["loss"]),
            best_losses=losses,
            history=history,
            pareto_front=front,
            n_evaluations=len(history),
            n_generations=int(history["generation"].max()) + 1,
            stop_reason=stop_reason,
            run_dir=None if run_dir is None else Path(run_dir),
        )

    def __repr__(self) -> str:
        front = "" if self.pareto_front is None else f", pareto_front={len(self.pareto_front)}"
        return (
            f"Result(best_loss={self.best_loss:.6g}, best_params={self.best_params}, "
            f"n_evaluations={self.n_evaluations}, n_generations={self.n_generations}{front}, "
            f"stop_reason={self.stop_reason!r})"
        )
