"""brian2modelfitting as a peer of spikeopt's fit, run in a venv of its own.

Importable from spikeopt's venv (standard library only): the peer stack
(brian2modelfitting 0.4, numpy < 1.24, ...) lives in ``.venv-b2mf`` and
``b2mf_fit.py`` runs there as a subprocess.

    from bench.peers.b2mf import run_b2mf      # or: sys.path.insert(0, "bench/peers")
    out = run_b2mf({
        "data": "recording.npz",               # spikeopt's npz layout
        "train_sweeps": [0, 1, 2], "test_sweeps": [3],
        "model": "adex",
        "fixed": {"C": 200.0, "g_L": 10.0},
        "fit": {"a": [0, 10], "b": [0, 200], "tau_w": [10, 300], "V_T": [-60, -40]},
        "n_samples": 32, "evaluations": 4000,   # or "n_rounds": 125
        "optimizer": "CMA", "delta_ms": 2.0, "seed": 1, "method": "euler",
    })
    out["test_spike_times_ms"]   # one list per test sweep, to score with spikeopt

See README.md beside this file for every job and output key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["DEFAULT_VENV", "ensure_venv", "job_from_config", "run_b2mf", "venv_python"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEFAULT_VENV = ROOT / ".venv-b2mf"
SETUP = HERE / "setup_b2mf_venv.sh"
WORKER = HERE / "b2mf_fit.py"

_CHECK = ("import warnings; warnings.filterwarnings('ignore'); "
          "import brian2modelfitting, nevergrad, brian2; "
          "from Cython.Utils import get_cython_cache_dir")  # Brian2 2.6 needs Cython < 3.1


def venv_python(venv: str | os.PathLike | None = None) -> Path:
    """The interpreter of the peer venv (it may not exist yet)."""
    return Path(venv or DEFAULT_VENV) / "bin" / "python"


def ensure_venv(venv: str | os.PathLike | None = None, *, quiet: bool = True) -> Path:
    """Create the peer venv with ``setup_b2mf_venv.sh`` unless it already imports.

    Returns its python. Raises RuntimeError if the set-up fails.
    """
    venv = Path(venv or DEFAULT_VENV)
    py = venv_python(venv)
    if py.exists():
        ok = subprocess.run([str(py), "-c", _CHECK], capture_output=True)
        if ok.returncode == 0:
            return py
    if Path(venv).resolve() == (ROOT / ".venv").resolve():
        raise RuntimeError("refusing to install brian2modelfitting into spikeopt's own venv")
    if not quiet:
        print(f"setting up {venv} (brian2modelfitting 0.4 and its old stack) ...",
              file=sys.stderr)
    res = subprocess.run(["bash", str(SETUP), str(venv)], capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"setting up {venv} failed:\n{res.stdout[-2000:]}\n"
                           f"{res.stderr[-4000:]}")
    return py


def job_from_config(config: dict, base_dir: str | os.PathLike | None = None,
                    **overrides) -> dict:
    """A b2mf job from a spikeopt fit config dict (the issue-5 YAML, already loaded).

    Uses data.path / train_sweeps / test_sweeps, model, fixed, fit,
    objective.delta_ms, optimizer.popsize, budget.evaluations and seed; the
    peer always runs nevergrad's CMA with forward Euler at the data's dt.
    A relative data.path is taken from ``base_dir`` (e.g. the config's folder)
    when given. ``overrides`` replace job keys.
    """
    data = config["data"]
    path = Path(data["path"])
    if base_dir is not None and not path.is_absolute():
        path = Path(base_dir) / path
    job = {
        "data": str(path),
        "train_sweeps": list(data["train_sweeps"]),
        "test_sweeps": list(data.get("test_sweeps", [])),
        "model": config.get("model", "adex"),
        "fixed": dict(config.get("fixed") or {}),
        "fit": {k: [float(v[0]), float(v[1])] for k, v in config["fit"].items()},
        "n_samples": int((config.get("optimizer") or {}).get("popsize", 32)),
        "evaluations": int((config.get("budget") or {}).get("evaluations", 4000)),
        "optimizer": "CMA",
        "delta_ms": float((config.get("objective") or {}).get("delta_ms", 2.0)),
        "seed": int(config.get("seed", 0)),
        "method": "euler",
    }
    job.update(overrides)
    return job


def run_b2mf(job: dict, *, venv: str | os.PathLike | None = None,
             workdir: str | os.PathLike | None = None,
             timeout: float | None = None) -> dict:
    """Run one brian2modelfitting SpikeFitter job in the peer venv; return its output.

    ``job`` keys (see README.md): data, train_sweeps, test_sweeps, model, fixed,
    fit, n_samples, n_rounds or evaluations, optimizer, delta_ms, seed, method,
    and optional codegen_target ("cython"), fresh_cache (True),
    rate_correction (True). The result is the worker's JSON plus
    ``subprocess_wall_s`` (the whole child process, interpreter start included)
    and ``job``. Raises RuntimeError with the child's stderr if it fails.
    """
    job = dict(job)
    job["data"] = str(Path(job["data"]).resolve())
    py = ensure_venv(venv)
    with tempfile.TemporaryDirectory(prefix="b2mf-job-", dir=workdir) as tmp:
        job_path = Path(tmp) / "job.json"
        out_path = Path(tmp) / "out.json"
        job_path.write_text(json.dumps(job, indent=1))
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)  # nothing of spikeopt's venv leaks into the peer
        env.setdefault("PYTHONHASHSEED", "0")
        t0 = time.perf_counter()
        res = subprocess.run([str(py), str(WORKER), str(job_path), str(out_path)],
                             capture_output=True, text=True, timeout=timeout, env=env,
                             cwd=tmp)
        wall = time.perf_counter() - t0
        if res.returncode != 0 or not out_path.exists():
            raise RuntimeError(f"b2mf_fit.py failed (exit {res.returncode}):\n"
                               f"{res.stderr[-4000:]}")
        out = json.loads(out_path.read_text())
    out["subprocess_wall_s"] = wall
    out["job"] = job
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python bench/peers/b2mf.py JOB.json  (prints the output JSON)")
    print(json.dumps(run_b2mf(json.loads(Path(sys.argv[1]).read_text())), indent=1))
