"""The run store: one SQLite file (WAL mode) in the run directory.

Tables
------
``meta(key, value)``            JSON values: the space, the seed, the caller's
                                config and ``kind``, run options.
``blobs(key, value)``           pickles: the optimizer as built (before its
                                first ask) and the terminator.
``evaluations(generation, idx, params, losses, loss, status, reason, eval_time)``
                                every candidate ever evaluated; ``losses`` is
                                the JSON list the optimizer was told (failures
                                hold the penalty), ``loss`` its sum.
``checkpoints(generation, state, evaluations, best_loss, elapsed, saved_at)``
                                the optimizer's ``state_dict()`` (pickled)
                                after each generation.

A generation's evaluations and its checkpoint are written in one
transaction, so a run killed at any point holds whole generations only.
Pickles are only loaded from run directories you trust.
"""

from __future__ import annotations

import json
import pickle
import sqlite3
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError

__all__ = ["RunStore", "STORE_NAME"]

STORE_NAME = "history.sqlite"
FORMAT = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blobs (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS evaluations (
    generation INTEGER NOT NULL, idx INTEGER NOT NULL, params TEXT NOT NULL,
    losses TEXT NOT NULL, loss REAL NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL,
    eval_time REAL NOT NULL, PRIMARY KEY (generation, idx));
CREATE TABLE IF NOT EXISTS checkpoints (
    generation INTEGER PRIMARY KEY, state BLOB NOT NULL, evaluations INTEGER NOT NULL,
    best_loss REAL NOT NULL, elapsed REAL NOT NULL, saved_at REAL NOT NULL);
"""


def _plain(v):
    if isinstance(v, np.generic):
        return v.item()
    return v


class RunStore:
    """SQLite store of one run; ``path=None`` keeps it in memory."""

    def __init__(self, conn: sqlite3.Connection, run_dir: Path | None):
        self.conn = conn
        self.run_dir = run_dir
        self._lock = None

    def lock(self) -> None:
        """Claim the run directory for this process (an exclusive ``flock`` on
        ``run.lock``, released on :meth:`close` or when the process dies, even
        by SIGKILL). Raises if another process is running this run."""
        if self.run_dir is not None and self._lock is None:
            self._lock = _flock(self.run_dir)

    # -- opening -------------------------------------------------------------
    @staticmethod
    def _connect(file) -> sqlite3.Connection:
        conn = sqlite3.connect(str(file), isolation_level=None, timeout=30.0)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives a killed process
        return conn

    @classmethod
    def create(cls, run_dir, *, overwrite: bool = False) -> RunStore:
        if run_dir is None:
            conn = sqlite3.connect(":memory:", isolation_level=None)
            conn.executescript(_SCHEMA)
            return cls(conn, None)
        run_dir = Path(run_dir)
        file = run_dir / STORE_NAME
        run_dir.mkdir(parents=True, exist_ok=True)
        lock = _flock(run_dir)
        if file.exists():
            if not overwrite:
                if lock is not None:
                    lock.close()
                raise ConfigError(
                    f"{run_dir} already holds a run; continue it with spikeopt.resume("
                    f"{str(run_dir)!r}, ...) or pass overwrite=True to start afresh."
                )
            for suffix in ("", "-wal", "-shm"):
                p = Path(str(file) + suffix)
                if p.exists():
                    p.unlink()
        conn = cls._connect(file)
        conn.executescript(_SCHEMA)
        store = cls(conn, run_dir)
        store._lock = lock
        return store

    @classmethod
    def open(cls, run_dir) -> RunStore:
        run_dir = Path(run_dir)
        file = run_dir / STORE_NAME
        if not file.exists():
            raise ConfigError(f"No run store found: {file} does not exist.")
        store = cls(cls._connect(file), run_dir)
        try:
            fmt = store.get_meta("format")
        except sqlite3.OperationalError:
            fmt = None
        if fmt is None:
            store.close()
            raise ConfigError(
                f"{file} holds no run description (the run was stopped while it was being "
                "created); start it again with overwrite=True."
            )
        if fmt != FORMAT:
            raise ConfigError(f"{file} has store format {fmt!r}; this spikeopt reads {FORMAT}.")
        return store

    def close(self) -> None:
        self.conn.close()
        if self._lock is not None:
            self._lock.close()  # releases the flock
            self._lock = None

    # -- meta and blobs -----------------------------------------------------
    def write_meta(self, meta: dict, blobs: dict) -> None:
        """Write the run's description in one transaction."""
        with self._transaction():
            self.conn.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [(k, json.dumps(v)) for k, v in {"format": FORMAT, **meta}.items()],
            )
            self.conn.executemany(
                "INSERT OR REPLACE INTO blobs VALUES (?, ?)",
                [(k, pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)) for k, v in blobs.items()],
            )

    def get_meta(self, key: str, default=None):
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def meta(self) -> dict:
        return {k: json.loads(v) for k, v in self.conn.execute("SELECT key, value FROM meta")}

    def get_blob(self, key: str):
        row = self.conn.execute("SELECT value FROM blobs WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise ConfigError(f"The run store has no {key!r} entry.")
        return pickle.loads(row[0])

    # -- generations ----------------------------------------------------------
    def _transaction(self):
        conn = self.conn

        class _Tx:
            def __enter__(self):
                conn.execute("BEGIN IMMEDIATE")

            def __exit__(self, exc_type, exc, tb):
                conn.execute("ROLLBACK" if exc_type else "COMMIT")

        return _Tx()

    def write_generation(self, generation: int, params: dict, F: np.ndarray, status, reason,
                         eval_time, *, state, evaluations: int, best_loss: float,
                         elapsed: float) -> None:
        """Append one generation's evaluations and the optimizer state, atomically."""
        names = list(params)
        cols = [np.asarray(params[n]).tolist() for n in names]
        rows = [
            (generation, i, json.dumps({n: _plain(c[i]) for n, c in zip(names, cols, strict=True)}),
             json.dumps(F[i].tolist()), float(F[i].sum()), status[i], reason[i],
             float(eval_time[i]))
            for i in range(F.shape[0])
        ]
        blob = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        with self._transaction():
            self.conn.executemany(
                "INSERT INTO evaluations VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
            self.conn.execute(
                "INSERT INTO checkpoints VALUES (?, ?, ?, ?, ?, ?)",
                (generation, blob, int(evaluations), float(best_loss), float(elapsed),
                 time.time()),
            )

    def latest_checkpoint(self) -> dict | None:
        row = self.conn.execute(
            "SELECT generation, state, evaluations, best_loss, elapsed FROM checkpoints "
            "ORDER BY generation DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        g, blob, n, best, el = row
        return {"generation": g, "state": pickle.loads(blob), "evaluations": n,
                "best_loss": best, "elapsed": el}

    def best_history(self) -> list[float]:
        return [r[0] for r in self.conn.execute(
            "SELECT best_loss FROM checkpoints ORDER BY generation")]

    def n_checkpoints(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM checkpoints").fetchone()[0]

    # -- reading --------------------------------------------------------------
    def history(self) -> pd.DataFrame:
        """Every evaluation as a DataFrame: generation, idx, one column per
        parameter, ``loss``, ``f0..f{M-1}`` when there are several
        objectives, status, reason, eval_time (s)."""
        rows = self.conn.execute(
            "SELECT generation, idx, params, losses, loss, status, reason, eval_time "
            "FROM evaluations ORDER BY generation, idx"
        ).fetchall()
        names = list(self.get_meta("space", {}))
        if not rows:
            return pd.DataFrame(columns=["generation", "idx", *names, "loss", "status", "reason",
                                         "eval_time"])
        params = [json.loads(r[2]) for r in rows]
        losses = np.array([json.loads(r[3]) for r in rows], dtype=np.float64)
        data = {"generation": [r[0] for r in rows], "idx": [r[1] for r in rows]}
        for n in names:
            data[n] = [p[n] for p in params]
        data["loss"] = [r[4] for r in rows]
        if losses.ndim == 2 and losses.shape[1] > 1:
            for m in range(losses.shape[1]):
                data[f"f{m}"] = losses[:, m]
        data["status"] = [r[5] for r in rows]
        data["reason"] = [r[6] for r in rows]
        data["eval_time"] = [r[7] for r in rows]
        return pd.DataFrame(data)


def _flock(run_dir: Path):
    """An exclusive, non-blocking ``flock`` on ``run_dir/run.lock`` (None where
    ``fcntl`` does not exist); the open file holds the lock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock
        return None
    fh = open(run_dir / "run.lock", "a+")  # noqa: SIM115 - held until the store closes
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise ConfigError(
            f"Another process is running the run in {run_dir}; wait for it to stop (or stop "
            "it) first."
        ) from None
    return fh

