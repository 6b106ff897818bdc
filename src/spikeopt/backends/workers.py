"""Run one candidate per task in worker processes, surviving crashes and hangs.

Simulators such as NEST and NEURON keep global state: it is never pickled and
never shared between candidates. Each worker is a fresh interpreter (started
with ``python -m``, so a user's script is never re-imported) that
builds its own backend, resets it before every candidate and sends back a
picklable result. A worker that dies (segfault, ``os._exit``) or runs past
``timeout_s`` is killed and replaced; its candidate is reported as failed with
the reason (``"simulator crashed (exit code -11)"``, ``"timed out after 60 s"``)
and the other candidates go on (NetPyNE issue #797 hangs forever instead).
Idle workers stay alive for the next call with the same backend and options
(a fit's next generation) and end at interpreter exit (:func:`close_workers`).
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from ..errors import SimulationError

__all__ = ["Task", "Outcome", "call", "run_tasks", "close_workers"]


@dataclass(frozen=True)
class Task:
    """One candidate: ``method`` ("cell_candidate" | "network_candidate") of the
    backend called as ``method(*args, **kwargs)``."""

    method: str
    args: tuple
    kwargs: dict


@dataclass(frozen=True)
class Outcome:
    """The result of a task, or None and the reason it failed."""

    result: object
    reason: str = ""


def call(backend, task: Task) -> Outcome:
    """Run one task on ``backend`` here; an exception becomes a failed Outcome."""
    try:
        backend.reset()
        return Outcome(getattr(backend, task.method)(*task.args, **task.kwargs))
    except Exception as exc:  # a failed candidate, never a stopped run
        last = traceback.extract_tb(exc.__traceback__)[-1:]
        where = f" ({last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno})" if last else ""
        return Outcome(None, f"{type(exc).__name__}: {exc}{where}")


def serve(read_fd: int, write_fd: int) -> None:  # pragma: no cover - child process
    """The worker's loop: build the backend named in the first message, then
    answer tasks until None arrives."""
    from . import base

    rx, tx = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    name, options = rx.recv()
    try:
        backend = base.get(name, **options)
    except Exception as exc:  # e.g. the simulator is not installed: tell the parent
        tx.send(f"{type(exc).__name__}: {exc}")
        return
    tx.send("ready")
    while True:
        try:
            task = rx.recv()
        except EOFError:  # the parent is gone
            return
        if task is None:
            return
        tx.send(call(backend, task))


STARTUP_TIMEOUT_S = 300.0  # importing a simulator in a fresh interpreter (s)
_ENTRY = ("import sys; from spikeopt.backends.workers import serve; "
          "serve(int(sys.argv[1]), int(sys.argv[2]))")


class _Slot:
    """One worker: a fresh interpreter (``python -c``, see ``_ENTRY``)
    talking over two pipes of its own (the simulator may print to stdout)."""

    def __init__(self, name: str, options: dict):
        r1, w1 = os.pipe()  # parent -> child
        r2, w2 = os.pipe()  # child -> parent
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _ENTRY, str(r1), str(w2)],
            pass_fds=(r1, w2), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        os.close(r1)
        os.close(w2)
        self.tx = Connection(w1, readable=False)
        self.conn = Connection(r2, writable=False)
        self.tx.send((name, options))
        self.task: int | None = None
        self.started = 0.0

    def wait_ready(self, timeout_s: float = STARTUP_TIMEOUT_S) -> None:
        """Block until the worker has built its backend (its start-up is not
        counted against a candidate's time limit)."""
        msg = self.conn.recv() if self.conn.poll(timeout_s) else f"no answer in {timeout_s:g} s"
        if msg != "ready":
            self.kill()
            raise SimulationError(f"A simulator worker did not start: {msg}")

    def give(self, i: int, task: Task) -> None:
        self.task, self.started = i, time.monotonic()
        self.tx.send(task)

    def exit_code(self) -> int | None:
        try:
            return self.proc.wait(5)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.tx.close()
        self.conn.close()

    def close(self) -> None:
        if self.conn.closed:
            return
        try:
            self.tx.send(None)
        except (BrokenPipeError, OSError):
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.tx.close()
        self.conn.close()


def run_tasks(name: str, options: dict, tasks: Sequence[Task], *, workers: int,
              timeout_s: float | None) -> list[Outcome]:
    """Outcomes of ``tasks`` (in order) on backend ``name``.

    ``workers = 0`` runs them here, one after the other (no protection from
    crashes: for debugging and for backends that hold no global state).
    """
    if workers == 0:
        from . import base

        backend = base.get(name, **options)
        return [call(backend, t) for t in tasks]
    out: list[Outcome | None] = [None] * len(tasks)
    todo = list(range(len(tasks)))[::-1]
    key = (name, repr(sorted(options.items())))
    slots = _take(key, name, options, min(workers, len(tasks)))
    healthy = False
    try:
        for s in slots:
            if todo:
                i = todo.pop()
                s.give(i, tasks[i])
        while any(s.task is not None for s in slots):
            busy = [s for s in slots if s.task is not None]
            wait_s = None
            if timeout_s is not None:
                now = time.monotonic()
                wait_s = max(0.0, min(s.started + timeout_s - now for s in busy))
            ready = wait([s.conn for s in busy], wait_s)
            for k, s in enumerate(slots):
                if s.task is None:
                    continue
                i = s.task
                if s.conn in ready:
                    try:
                        out[i] = s.conn.recv()
                    except (EOFError, OSError):
                        out[i] = None  # died while sending: handled below
                    else:
                        s.task = None
                        if todo:
                            j = todo.pop()
                            s.give(j, tasks[j])
                        continue
                late = timeout_s is not None and time.monotonic() - s.started >= timeout_s
                if s.conn in ready or late:  # EOF: the worker died; or past its time
                    if s.conn in ready:
                        reason = f"simulator crashed (exit code {s.exit_code()})"
                    else:
                        reason = f"timed out after {timeout_s:g} s"
                    s.kill()
                    s.task = None
                    out[i] = Outcome(None, reason)
                    if todo:  # a fresh simulator for the rest
                        j = todo.pop()
                        slots[k] = _Slot(name, options)
                        slots[k].wait_ready()
                        slots[k].give(j, tasks[j])
        healthy = True
    finally:
        if healthy:  # idle, alive workers serve the next call (a fit's next generation)
            _IDLE.setdefault(key, []).extend(
                s for s in slots if s.task is None and s.proc.poll() is None)
        else:  # interrupted: nothing is left in an unknown state
            for s in slots:
                s.kill()
    return out  # type: ignore[return-value]


# idle workers by (backend, options): reused across calls, closed at exit
_IDLE: dict[tuple, list[_Slot]] = {}


def _take(key, name: str, options: dict, n: int) -> list[_Slot]:
    idle = [s for s in _IDLE.pop(key, []) if s.proc.poll() is None]
    slots, spare = idle[:n], idle[n:]
    if spare:
        _IDLE[key] = spare
    fresh = [_Slot(name, options) for _ in range(n - len(slots))]
    for s in fresh:
        s.wait_ready()
    return slots + fresh


def close_workers() -> None:
    """End every idle worker process (also done at interpreter exit)."""
    for slots in _IDLE.values():
        for s in slots:
            s.close()
    _IDLE.clear()


atexit.register(close_workers)
