"""Kill a real run with SIGKILL at several points and resume it: the final
result must equal the uninterrupted run's."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from spikeopt.run import RunStore, optimize, resume

from .conftest import comparable
from .objectives import sphere

TESTS = str(Path(__file__).resolve().parents[1])
SPACE = {"x": (-1.0, 1.0), "y": (-1.0, 1.0), "z": (-1.0, 1.0)}
OPTIONS = {"ga": {"popsize": 10}, "cmaes": {"popsize": 10}, "nsga2": {"popsize": 10}}
BUDGET = 400  # 40 generations of 10


SCRIPT = textwrap.dedent("""
    import sys
    from spikeopt.run import optimize, resume
    from run.objectives import SlowSphere
    mode, run_dir, name = sys.argv[1], sys.argv[2], sys.argv[3]
    opts = {{"popsize": 10}}
    if mode == "start":
        optimize(SlowSphere({sleep}), {space!r}, optimizer=name, budget={budget}, seed=21,
                 run_dir=run_dir, optimizer_options=opts)
    else:
        resume(run_dir, SlowSphere({sleep}))
""")


def checkpoints(run_dir) -> int:
    file = Path(run_dir) / "history.sqlite"
    if not file.exists():
        return 0
    try:
        with sqlite3.connect(file, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM checkpoints").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not there yet
        return 0


def run_and_kill(script, mode, run_dir, name, at_generation, *, timeout=60.0):
    env = {**os.environ, "PYTHONPATH": TESTS + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, str(script), mode, str(run_dir), name], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t0 = time.monotonic()
    try:
        while checkpoints(run_dir) < at_generation:
            if proc.poll() is not None:
                raise AssertionError(f"run ended before the kill: {proc.stderr.read().decode()}")
            if time.monotonic() - t0 > timeout:
                raise AssertionError("run too slow to reach the kill point")
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("name", ["ga", "cmaes", "nsga2"])
def test_sigkill_at_any_point_then_resume_gives_the_uninterrupted_result(tmp_path, name):
    reference = optimize(sphere, SPACE, optimizer=name, budget=BUDGET, seed=21,
                         optimizer_options=OPTIONS[name])
    script = tmp_path / "job.py"
    script.write_text(SCRIPT.format(sleep=0.01, space=SPACE, budget=BUDGET))
    run_dir = tmp_path / "run"
    run_and_kill(script, "start", run_dir, name, at_generation=3)
    done = checkpoints(run_dir)
    run_and_kill(script, "resume", run_dir, name, at_generation=done + 12)
    # whole generations only: every stored evaluation belongs to a checkpoint
    store = RunStore.open(run_dir)
    n_eval = store.conn.execute("SELECT COUNT(*) FROM evaluations").fetchone()[0]
    last = store.latest_checkpoint()
    store.close()
    assert n_eval == last["evaluations"] == 10 * (last["generation"] + 1)
    assert 15 <= last["generation"] + 1 < 40
    final = resume(run_dir, sphere)
    pd.testing.assert_frame_equal(comparable(final.history), comparable(reference.history))
    assert final.best_params == reference.best_params
    assert final.best_loss == reference.best_loss
