"""``spikeopt simulate``: a population of one model under a step current.

Parameters are given as ``NAME=VALUE`` (shared) or ``NAME=LOW:HIGH`` (spread
linearly over the population), in the model's units. Writes ``spikes.npz``
(spikeopt's spike-file layout), ``params.json`` and ``raster.png`` to ``--out``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np


def add_arguments(p) -> None:
    p.add_argument("--model", default="izhikevich", help="model name (default: izhikevich)")
    p.add_argument("--population", type=int, default=100, help="number of candidates P")
    p.add_argument("--param", action="append", default=[], metavar="NAME=V|LO:HI",
                   help="a parameter value, or a range spread over the population")
    p.add_argument("--preset", default=None, help="start from a named firing-pattern preset")
    p.add_argument("--amplitude", type=float, default=10.0,
                   help="step amplitude in the model's current unit (default 10)")
    p.add_argument("--t-on", type=float, default=50.0, help="step onset (ms)")
    p.add_argument("--duration", type=float, default=1000.0, help="duration (ms)")
    p.add_argument("--dt", type=float, default=0.1, help="time step (ms)")
    p.add_argument("--out", default="out", help="output folder (default: out)")


def _parse_params(items, P: int) -> dict:
    out = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"--param must look like NAME=VALUE or NAME=LOW:HIGH; got {item!r}")
        name, value = item.split("=", 1)
        if ":" in value:
            lo, hi = (float(x) for x in value.split(":", 1))
            out[name] = np.linspace(lo, hi, P)
        else:
            out[name] = float(value)
    return out


def run(args) -> int:
    from .. import models, simulate, stimuli
    from ..io import save_spikes
    from ..plots import pyplot, raster

    P = int(args.population)
    if P < 1:
        raise ValueError(f"--population must be >= 1; got {P}")
    params = models.get_preset(args.model, args.preset) if args.preset else {}
    params.pop("current_pA", None)
    params.update(_parse_params(args.param, P))
    model = models.get(args.model)
    params = params or {model.parameter_names[0]: model.defaults()[model.parameter_names[0]]}
    params = {k: np.broadcast_to(np.asarray(v, dtype=float), (P,)) for k, v in params.items()}
    stim = stimuli.step(args.amplitude, duration=args.duration, t_on=args.t_on, dt=args.dt)
    t0 = time.perf_counter()
    res = simulate(model, params, stim, dt=args.dt)
    elapsed = time.perf_counter() - t0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    save_spikes(out / "spikes.npz", res.spikes)
    (out / "params.json").write_text(json.dumps(
        {k: np.asarray(v).tolist() for k, v in params.items()} | {"model": args.model}, indent=1))
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 5))
    raster(res.spikes, ax=ax, title=f"{args.model}: {P} candidates, step {args.amplitude:g} "
           f"from {args.t_on:g} ms")
    fig.tight_layout()
    fig.savefig(out / "raster.png", dpi=120)
    plt.close(fig)
    rate = res.spikes.counts().mean() / (res.t_stop / 1000.0)
    print(f"simulated {P} x {args.model} for {res.t_stop:g} ms in {elapsed * 1e3:.1f} ms "
          "(incl. JIT compilation on first use) "
          f"(mean rate {rate:.1f} Hz, {int(res.failed.sum())} failed)")
    print(f"wrote {out / 'spikes.npz'}, {out / 'params.json'} and {out / 'raster.png'}")
    return 0
