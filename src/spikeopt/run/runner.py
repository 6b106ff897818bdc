"""The runner: ask → evaluate (in chunks, on an executor) → tell → store, per generation."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._rng import candidate_sequence
from ..errors import InvalidParameterError
from ..optimizers.terminators import RunStatus
from .evaluate import OK, Chunk, evaluate_chunk, takes_seeds
from .executors import Lost
from .result import Result

__all__ = ["Runner", "GenerationInfo"]

EVENTS = ("start", "generation", "end", "abort")


def _scalar(x):
    return x.item() if hasattr(x, "item") else x


@dataclass
class GenerationInfo:
    """What ``generation`` hooks receive after each generation is stored."""

    generation: int
    params: dict
    losses: np.ndarray
    status: list
    evaluations: int
    best_loss: float
    best_params: dict | None
    new_best: bool
    elapsed: float
    generation_seconds: float
    progress: float

    @property
    def n_failed(self) -> int:
        return sum(s != OK for s in self.status)

    @property
    def evals_per_second(self) -> float:
        n = self.losses.shape[0]
        return n / self.generation_seconds if self.generation_seconds > 0 else math.inf


class Runner:
    """Drives one optimizer over one objective until the terminator says stop.

    Callbacks attach themselves with :meth:`add_hook` (events ``"start"``,
    ``"generation"``, ``"end"``, and ``"abort"`` with the exception when the run
    stops on an error or an interrupt, so that a display can restore the
    terminal); the optimizer never sees them.
    """

    def __init__(self, objective, optimizer, terminator, store, executor, *, penalty: float,
                 time_limit: float | None = None, chunk_size: int | None = None,
                 seed: int | None = None):
        if not (isinstance(penalty, int | float) and math.isfinite(penalty)):
            raise InvalidParameterError(
                f"The 'penalty' parameter must be a finite number. Got {penalty!r} instead."
            )
        if time_limit is not None and not float(time_limit) > 0:
            raise InvalidParameterError(
                f"The 'time_limit' parameter must be > 0 seconds or None. Got {time_limit!r}."
            )
        if chunk_size is not None and int(chunk_size) < 1:
            raise InvalidParameterError(
                f"The 'chunk_size' parameter must be >= 1 or None. Got {chunk_size!r} instead."
            )
        self.objective = objective
        self.optimizer = optimizer
        self.terminator = terminator
        self.store = store
        self.executor = executor
        self.space = optimizer.space
        self.penalty = float(penalty)
        self.time_limit = None if time_limit is None else float(time_limit)
        self.chunk_size = None if chunk_size is None else int(chunk_size)
        self.hooks: dict[str, list[Callable]] = {e: [] for e in EVENTS}
        self.status = RunStatus()
        self.best_params: dict | None = None
        self.n_objectives: int | None = store.get_meta("n_objectives")
        # candidate i of generation g draws from SeedSequence(seed, spawn_key=(1, g, i))
        self.seed = seed
        if takes_seeds(objective) and seed is None:
            raise InvalidParameterError(
                "This objective takes per-candidate seeds; give the run a 'seed' (an int).")

    def add_hook(self, event: str, fn: Callable) -> None:
        if event not in self.hooks:
            raise InvalidParameterError(f"Unknown runner event {event!r}; use one of {EVENTS}.")
        self.hooks[event].append(fn)

    def _fire(self, event: str, arg) -> None:
        for fn in self.hooks[event]:
            fn(arg)

    # -- restore -------------------------------------------------------------
    def _restore(self) -> None:
        ck = self.store.latest_checkpoint()
        if ck is None:
            return
        self.optimizer.load_state_dict(ck["state"])
        hist = self.store.best_history()
        self.status = RunStatus(evaluations=ck["evaluations"], generations=ck["generation"] + 1,
                                best_loss=ck["best_loss"], elapsed=ck["elapsed"],
                                best_history=hist)
        row = self.store.conn.execute(
            "SELECT params FROM evaluations WHERE status = 'ok' ORDER BY loss, generation, idx "
            "LIMIT 1").fetchone()
        self.best_params = None if row is None else json.loads(row[0])

    def _stop_reason(self) -> str | None:
        if self.terminator.done(self.status):
            return f"terminator: {self.terminator.reason(self.status)}"
        return getattr(self.optimizer, "stop_reason", None)

    # -- evaluation ------------------------------------------------------------
    def _evaluate(self, params: dict, P: int, generation: int):
        size = self.chunk_size or max(1, math.ceil(P / max(1, self.executor.n_workers)))
        bounds = [(a, min(a + size, P)) for a in range(0, P, size)]
        seeds = None
        if takes_seeds(self.objective):
            seeds = [candidate_sequence(self.seed, generation, i) for i in range(P)]
        chunks = [Chunk(self.objective, {k: v[a:b] for k, v in params.items()}, b - a,
                        self.time_limit, None if seeds is None else seeds[a:b])
                  for a, b in bounds]
        hard = None
        if self.time_limit is not None:
            waves = math.ceil(len(chunks) / max(1, self.executor.n_workers))
            hard = 2.0 * self.time_limit * size * waves + 10.0
        results = self.executor.map(evaluate_chunk, chunks, timeout=hard)
        M = self.n_objectives
        if M is None:
            widths = [r.F.shape[1] for r in results if not isinstance(r, Lost) and r.F.shape[1]]
            M = widths[0] if widths else None
        F = np.full((P, M or 1), np.nan)
        status, reason, times = [None] * P, [None] * P, np.zeros(P)
        for (a, b), r in zip(bounds, results, strict=True):
            if isinstance(r, Lost):
                status[a:b], reason[a:b] = [r.status] * (b - a), [r.reason] * (b - a)
                continue
            status[a:b], reason[a:b] = r.status, r.reason
            times[a:b] = r.seconds / (b - a)
            if r.F.shape[1] == (M or 1):
                F[a:b] = r.F
            else:
                for i in range(a, b):
                    if status[i] == OK:
                        status[i] = "error"
                        reason[i] = (f"objective returned {r.F.shape[1]} objectives, not "
                                     f"{M or 1}")
        if self.n_objectives is None:
            # fixed once known; a first generation that failed entirely fixes it at 1
            # (optimize(n_objectives=M) avoids that guess)
            self.n_objectives = M or 1
            self.store.write_meta({"n_objectives": self.n_objectives}, {})
        bad = np.array([s != OK for s in status])
        F[bad] = self.penalty
        return F, status, reason, times

    # -- the loop ------------------------------------------------------------
    def run(self) -> Result:
        self.store.lock()
        self._restore()
        self._fire("start", self)
        try:
            reason = self._loop()
        except BaseException as exc:  # an error or Ctrl-C: let displays clean up, re-raise
            self._fire("abort", exc)
            raise
        result = Result.from_history(self.store.history(), list(self.space.names),
                                     stop_reason=reason, run_dir=self.store.run_dir)
        self._fire("end", result)
        return result

    def _loop(self) -> str:
        """Generations until a stop reason; returns it."""
        reason = self._stop_reason()
        while reason is None:
            t0 = time.perf_counter()
            X = self.optimizer.ask()
            params = self.space.decode(X)
            g = self.status.generations
            F, status, why, times = self._evaluate(params, X.shape[0], g)
            self.optimizer.tell(X, F)
            loss = F.sum(axis=1)
            ok = np.array([s == OK for s in status])
            new_best = False
            if ok.any():
                i = int(np.flatnonzero(ok)[np.argmin(loss[ok])])
                if loss[i] < self.status.best_loss:
                    new_best = True
                    self.status.best_loss = float(loss[i])
                    self.best_params = {k: _scalar(np.asarray(v)[i]) for k, v in params.items()}
            self.status.evaluations += X.shape[0]
            self.status.generations = g + 1
            self.status.best_history.append(self.status.best_loss)
            dt = time.perf_counter() - t0
            self.status.elapsed += dt
            self.store.write_generation(
                g, params, F, status, why, times, state=self.optimizer.state_dict(),
                evaluations=self.status.evaluations, best_loss=self.status.best_loss,
                elapsed=self.status.elapsed,
            )
            self._fire("generation", GenerationInfo(
                generation=g, params=params, losses=F, status=status,
                evaluations=self.status.evaluations, best_loss=self.status.best_loss,
                best_params=self.best_params, new_best=new_best, elapsed=self.status.elapsed,
                generation_seconds=dt, progress=self.terminator.progress(self.status),
            ))
            reason = self._stop_reason()
        return reason
