"""Evaluating one chunk of a population with failure isolation.

:func:`evaluate_chunk` runs in a worker (or in the main process for the
serial executor). It never raises for a bad candidate: exceptions, timeouts,
wrong shapes, NaN and inf become per-candidate statuses and reasons, and the
runner replaces those losses by its finite penalty.
"""

from __future__ import annotations

import inspect
import signal
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

__all__ = ["Chunk", "ChunkResult", "Losses", "evaluate_chunk", "failed_chunk", "takes_seeds"]

OK = "ok"


@dataclass
class Chunk:
    """What a worker needs: the objective, the candidates (dict of (n,)
    arrays), the per-candidate time limit in seconds (None: no limit) and,
    for objectives that take them, the candidates' seeds (one
    ``SeedSequence`` each, see :func:`takes_seeds`)."""

    objective: object
    params: dict
    n: int
    time_limit: float | None = None
    seeds: list | None = None


def takes_seeds(objective) -> bool:
    """True if ``objective`` is called as ``objective(params, seeds=...)``: it says
    so with a true ``takes_seeds`` attribute (a Problem) or has a ``seeds``
    keyword parameter."""
    flag = getattr(objective, "takes_seeds", None)
    if flag is not None:
        return bool(flag)
    try:
        return "seeds" in inspect.signature(objective).parameters
    except (TypeError, ValueError):
        return False


@dataclass
class ChunkResult:
    """Losses (n, M) with NaN rows where a candidate failed, a status and a
    reason per candidate, and the wall time of the chunk in seconds."""

    F: np.ndarray
    status: list
    reason: list
    seconds: float


@dataclass
class Losses:
    """What an objective may return instead of a bare array: the (n,) or (n, M)
    losses and, per candidate, why it failed (an empty string where it did not).
    A row whose reason is not empty is recorded as failed with that reason
    (e.g. a network that ran away), whatever its losses."""

    F: np.ndarray
    reasons: list


class EvaluationTimeout(Exception):
    """Raised inside a worker when a candidate exceeds its time limit."""


def failed_chunk(n: int, status: str, reason: str, seconds: float = 0.0) -> ChunkResult:
    return ChunkResult(np.full((n, 0), np.nan), [status] * n, [reason] * n, seconds)


@contextmanager
def _alarm(seconds: float | None):
    """Raise :class:`EvaluationTimeout` after ``seconds`` (main thread only:
    SIGALRM interrupts Python code; compiled code is interrupted when it
    returns to Python, so executors add a hard limit of their own)."""
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def _raise(signum, frame):
        raise EvaluationTimeout(f"exceeded the time limit of {seconds:g} s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, old)


def _reason(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    where = f" at {tb[-1].filename}:{tb[-1].lineno}" if tb else ""
    return f"{type(exc).__name__}: {exc}{where}"[:500]


def _call(objective, params: dict, n: int, limit: float | None, seeds):
    with _alarm(None if limit is None else limit * n):
        out = objective(params) if seeds is None else objective(params, seeds=seeds)
    reasons = None
    if isinstance(out, Losses):
        out, reasons = out.F, list(out.reasons)
        if len(reasons) != n:
            raise ValueError(f"objective returned {len(reasons)} reasons for {n} candidates")
    F = np.asarray(out, dtype=np.float64)
    if F.ndim == 1:
        F = F[:, None]
    if F.ndim != 2 or F.shape[0] != n:
        raise ValueError(f"objective must return shape ({n},) or ({n}, M); got {np.shape(out)}")
    return F, reasons


def evaluate_chunk(chunk: Chunk) -> ChunkResult:
    """Evaluate a chunk in one objective call; if that call fails (exception,
    timeout, bad shape) and the chunk holds several candidates, evaluate them
    one by one so that only the faulty ones are penalised."""
    t0 = time.perf_counter()
    n = chunk.n
    try:
        F, given = _call(chunk.objective, chunk.params, n, chunk.time_limit, chunk.seeds)
        status, reason = [OK] * n, [""] * n
    except Exception as exc:  # isolate any failure of user code
        if n == 1:
            kind = "timeout" if isinstance(exc, EvaluationTimeout) else "error"
            return ChunkResult(np.full((1, 0), np.nan), [kind], [_reason(exc)],
                               time.perf_counter() - t0)
        parts = [
            evaluate_chunk(Chunk(chunk.objective, {k: v[i : i + 1] for k, v in
                                                   chunk.params.items()}, 1, chunk.time_limit,
                                 None if chunk.seeds is None else chunk.seeds[i:i + 1]))
            for i in range(n)
        ]
        M = max(p.F.shape[1] for p in parts)
        F = np.full((n, M), np.nan)
        status, reason = [], []
        for i, p in enumerate(parts):
            if p.F.shape[1] == M:
                F[i] = p.F[0]
            elif p.status[0] == OK:  # a candidate with a different number of objectives
                p.status[0], p.reason[0] = "error", f"returned {p.F.shape[1]} objectives, not {M}"
            status.append(p.status[0])
            reason.append(p.reason[0])
        return ChunkResult(F, status, reason, time.perf_counter() - t0)
    for i in range(n):
        row = F[i]
        if given is not None and given[i]:
            status[i], reason[i] = "failed", str(given[i])[:500]
        elif np.any(np.isnan(row)):
            status[i], reason[i] = "nan", "objective returned NaN"
        elif not np.all(np.isfinite(row)):
            status[i], reason[i] = "inf", "objective returned inf"
    return ChunkResult(F, status, reason, time.perf_counter() - t0)

