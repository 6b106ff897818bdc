"""Benchmark: the same fits on every backend, with the same budget.

1. A single-cell fit: the demo recording (``examples/demo_adex.yaml``: AdEx, 4
   parameters, Γ with Δ = 2 ms), ``--cell-evals`` evaluations.
2. NetPyNE's tut2 network tuned to 17 Hz (``examples/netpyne_tut2_17hz.yaml``:
   40 HH cells, Exp2Syn, NetStim noise, 1 s at 0.025 ms), ``--net-evals``
   evaluations.

Per backend and fit: wall time of the search, evaluations per second, the best
loss, and the held-out score the run writes (Γ on the test sweep; the rate on
5 fresh seeds). A backend that cannot run a fit prints its reason.

    .venv/bin/python bench/backends_fit.py [--backends numba,brian2,nest,neuron]
        [--cell-evals 64] [--net-evals 20] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import yaml

import spikeopt
from spikeopt.errors import SpikeoptError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _fit(example: str, backend: str, evals: int, popsize: int, out: Path) -> dict:
    cfg = yaml.safe_load((EXAMPLES / example).read_text())
    cfg["backend"] = {"name": backend, "workers": 2, "timeout_s": 600}
    cfg["budget"] = {"evaluations": evals}
    cfg["optimizer"] = {**cfg.get("optimizer", {}), "popsize": popsize}
    cfg["output"] = str(out)
    if "data" in cfg:  # paths as the example's folder sees them
        cfg["data"]["path"] = str(EXAMPLES / cfg["data"]["path"])
    if isinstance(cfg.get("network"), str):
        cfg["network"] = str(EXAMPLES / cfg["network"])
    cfg.setdefault("report", {})
    if cfg.get("kind", "cell") == "cell":
        cfg["report"] = {"gif": False, "validation": False}
    t0 = time.perf_counter()
    try:
        res = spikeopt.fit(cfg, overwrite=True, progress=False)
    except (SpikeoptError, ImportError, ValueError) as exc:
        return {"backend": backend, "error": f"{type(exc).__name__}: {exc}"[:300]}
    wall = time.perf_counter() - t0
    scores = json.loads((out / "scores.json").read_text()) if (out / "scores.json").exists() \
        else {}
    failed = int((res.history["status"] != "ok").sum()) if "status" in res.history else 0
    return {"backend": backend, "wall_s": wall, "evaluations": int(res.n_evaluations),
            "evals_per_s": res.n_evaluations / wall, "best_loss": float(res.best_loss),
            "failed": failed, "best_params": {k: float(v) for k, v in res.best_params.items()},
            "scores": scores}


def _held_out(row: dict) -> str:
    s = row.get("scores", {})
    if "test" in s and isinstance(s["test"], dict):
        g = s["test"].get("gamma") or s["test"].get("gamma_factor")
        if g is not None:
            return f"test Γ {g:.3f}"
    terms = s.get("terms", {})
    for name, t in terms.items():
        if "mean_rate" in name and "rate_hz" in t:
            return f"fresh-seed rate {t['rate_hz']:.2f} Hz"
        if "mean" in t:
            return f"{name} {t['mean']:.3g}"
    return "-"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", default="numba,brian2,nest,neuron")
    ap.add_argument("--cell-evals", type=int, default=64)
    ap.add_argument("--net-evals", type=int, default=20)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    print(f"# {time.strftime('%Y-%m-%d')} · {platform.processor() or platform.machine()} · "
          f"{os.cpu_count()} CPUs · spikeopt {spikeopt.__version__}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for example, evals, pop in (("demo_adex.yaml", a.cell_evals, 16),
                                    ("netpyne_tut2_17hz.yaml", a.net_evals, 10)):
            print(f"\n## {example}: {evals} evaluations, population {pop}")
            print(f"{'backend':8} {'wall s':>8} {'evals/s':>8} {'best loss':>10} "
                  f"{'failed':>6}  held out")
            for b in a.backends.split(","):
                row = _fit(example, b, evals, pop, Path(tmp) / f"{example}-{b}")
                row["fit"] = example
                rows.append(row)
                if "error" in row:
                    print(f"{b:8} cannot run it: {row['error']}")
                    continue
                print(f"{b:8} {row['wall_s']:8.2f} {row['evals_per_s']:8.2f} "
                      f"{row['best_loss']:10.4g} {row['failed']:6d}  {_held_out(row)}")
    if a.json:
        a.json.write_text(json.dumps(rows, indent=2, default=str))


if __name__ == "__main__":
    main()
