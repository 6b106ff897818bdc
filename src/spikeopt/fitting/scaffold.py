"""``spikeopt init cell|network|task DIR``: a starter folder that runs as written.

Each kind gets a commented ``config.yaml`` (valid against the schema), a short
``README.md``, the config's JSON Schema (``config.schema.json``, named on the
config's first line for editors that complete YAML) and the small generated
data it needs: a recording of an AdEx cell with known parameters (``cell``), a
network description and its target raster (``network``); the ``task`` kind
needs none. The budgets are small so that ``spikeopt fit DIR/config.yaml`` ends
in well under a minute; raise them for real work.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ConfigError

__all__ = ["KINDS", "scaffold", "demo_recording", "ADEX_TRUTH"]

KINDS = ("cell", "network", "task")

# the hidden AdEx parameters of the demo recordings (examples/make_demo_recording.py too)
ADEX_TRUTH = {"C": 200.0, "g_L": 10.0, "a": 4.0, "b": 60.0, "tau_w": 120.0, "V_T": -50.0}
_NETWORK_SEED = 20261130


def demo_recording(path: Path, *, truth: dict | None = None, duration_ms: float = 2000.0,
                   n_sweeps: int = 4, data_dt_ms: float = 0.2, sim_dt_ms: float = 0.1,
                   rng: int = 2026) -> dict:
    """Write a recording of an AdEx cell with known parameters in spikeopt's npz
    layout (docs/io.md): ``n_sweeps`` sweeps of Ornstein–Uhlenbeck noise current
    (mean 300 pA, s.d. 150 pA, τ 3 ms) of ``duration_ms`` ms sampled every
    ``data_dt_ms`` ms, simulated at ``sim_dt_ms`` ms, with the spikes, the voltage
    (mV) and the hidden parameters (``truth_*`` keys). Returns the firing rates
    (Hz) per sweep and the truth."""
    from .. import stimuli
    from ..simulation import simulate

    truth = dict(ADEX_TRUTH if truth is None else truth)
    step = int(round(data_dt_ms / sim_dt_ms))
    cur = stimuli.ou_noise(300.0, 150.0, 3.0, duration=duration_ms, n_sweeps=n_sweeps,
                           dt=data_dt_ms, rng=rng)
    res = simulate("adex", truth, cur, dt=sim_dt_ms, record_v=True, v_every=step)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        dt_ms=np.float64(data_dt_ms),
        current_pA=cur.values.astype(np.float32),
        voltage_mV=res.v.astype(np.float32),
        spike_times_ms=res.spikes.times,
        spike_offsets=res.spikes.offsets,
        sweep_names=np.array([f"noise {i}" for i in range(n_sweeps)]),
        **{f"truth_{k}": np.float64(x) for k, x in truth.items()},
    )
    return {"rates_hz": res.spikes.counts() / (duration_ms / 1000.0), "truth": truth}


_CELL_CONFIG = """\
# yaml-language-server: $schema=config.schema.json
# A single-cell fit: an AdEx model fitted to data/recording.npz, a recording this
# folder generated from hidden parameters (a = 4 nS, b = 60 pA, tau_w = 120 ms,
# V_T = -50 mV; the file's truth_* keys). Run it with
#     spikeopt fit config.yaml          (add --live to watch it)
# Relative paths are relative to this file. Every key: docs/fit.md, `spikeopt schema`.
kind: cell
data:
  path: data/recording.npz     # spikeopt's npz layout, or .nwb / .abf / .csv (docs/io.md)
  train_sweeps: [0, 1]         # the sweeps the fit sees
  test_sweeps: [2]             # held out: scored after the fit, never seen by it
model: adex                    # spikeopt.models.available() lists the others
fixed: {C: 200.0, g_L: 10.0}   # set, not fitted (the model's units: pF, nS)
fit:                           # fitted, with bounds in the model's units
  a: [0.0, 10.0]               # nS
  b: [0.0, 200.0]              # pA
  tau_w: {low: 10.0, high: 300.0, log: true}   # ms, searched in log scale
  V_T: [-60.0, -40.0]          # mV
objective: {metric: gamma_factor, delta_ms: 2.0}   # or spike_distance, van_rossum, voltage...
optimizer: {name: cmaes, popsize: 16}   # ga | microbial | cmaes | de | nsga2 | random
budget: {evaluations: 3000}    # small for a first run; also generations, time_s, target_loss
simulation: {dt_ms: 0.1}       # the recording is sampled at 0.2 ms
seed: 1                        # everything random derives from it
output: run                    # the run folder: report.html, best_params.json, history.sqlite
"""

_NETWORK_CONFIG = """\
# yaml-language-server: $schema=config.schema.json
# A network fit: three synaptic weight bounds of a 160 E + 40 I LIF network
# (network.yaml) recovered from its raster (data/target_E.npz, data/target_I.npz),
# generated here at E->E 1.0, E->I 2.0 and I->E -6.0 mV. Run it with
#     spikeopt fit config.yaml          (add --live to watch it)
# Relative paths are relative to this file. Every key: docs/network_fit.md, `spikeopt schema`.
kind: network
network: network.yaml              # Network.from_dict's format (or the mapping inline)
target:
  spikes: {E: data/target_E.npz, I: data/target_I.npz}   # population -> spike file
fit:                               # dotted paths into the network description, bounds in mV
  projections.EE.weight.uniform.1: [0.0, 6.0]
  projections.EI.weight.uniform.1: [0.0, 6.0]
  projections.IE.weight.uniform.0: [-12.0, 0.0]
objective:
  terms:                           # compared as distributions: no neuron identity needed
    - {metric: rate_distribution, populations: [E, I]}
    - {metric: cv_distribution, populations: [E, I]}
simulation:
  t_stop_ms: 500.0                 # the target's length
  dt_ms: 0.1
  common_random_numbers: generation   # a generation's candidates share wiring and noise
optimizer: {name: cmaes, popsize: 12}
budget: {evaluations: 120}         # small for a first run
seed: 3
output: run
"""

_TASK_CONFIG = """\
# yaml-language-server: $schema=config.schema.json
# A task fit: a 1 -> 10 -> 2 spiking network whose weights are evolved to tell
# sine-rate from cosine-rate spike trains (spikeopt.tasks.sine_cosine), tested on
# fresh trials. Run it with
#     spikeopt fit config.yaml          (add --live to watch it)
# Every key: docs/tasks.md, `spikeopt schema`.
kind: task
task:
  name: sine_cosine
  steps: 100                 # time steps per trial
  train_per_class: 50        # training trials per class (the fit sees only these)
  test_per_class: 200        # held-out trials per class
network: {hidden: 10}        # hidden neurons
optimizer: {name: cmaes, popsize: 14}
budget: {evaluations: 1400}  # small for a first run
seed: 1
output: run
"""

_CONFIGS = {"cell": _CELL_CONFIG, "network": _NETWORK_CONFIG, "task": _TASK_CONFIG}

_README = """\
# spikeopt {kind} fit — starter

{what}

```bash
spikeopt fit config.yaml            # runs in well under a minute; --live to watch it
spikeopt report run                 # rewrite the report from the stored history
spikeopt resume run --budget N      # continue, or extend to N evaluations
```

Open `run/report.html` (one self-contained file) for the summary, the best
parameters with their near-optimal ranges, held-out scores and the figures.

## Files

{files}
- `config.yaml` — the fit, every key commented; edit bounds, objective, budget.
- `config.schema.json` — the configuration's JSON Schema (`spikeopt schema --kind {kind}`):
  editors that understand the config's first line (VS Code's YAML extension)
  complete and check keys as you type.

Docs: {docs}.
"""

_README_PARTS = {
    "cell": ("An AdEx model fitted to a generated recording whose hidden parameters are "
             "known (a = 4 nS, b = 60 pA, tau_w = 120 ms, V_T = -50 mV): the fit should "
             "find them.",
             "- `data/recording.npz` — 3 sweeps of 2 s under noise current (spikeopt's "
             "npz layout: current, voltage, spikes, `truth_*`). Replace it by your "
             "recording (`.nwb`, `.abf`, `.csv`, docs/io.md) and adjust `data`.",
             "docs/fit.md, docs/io.md"),
    "network": ("Three weight bounds of an E/I network recovered from its raster by rate and "
                "CV distributions (hidden: E→E 1.0, E→I 2.0, I→E −6.0 mV).",
                "- `network.yaml` — the network (`spikeopt.network.library.ei_delta()`).\n"
                "- `data/target_E.npz`, `data/target_I.npz` — its spikes for 500 ms at the "
                "hidden weights (`spikeopt.io.save_spikes` layout).",
                "docs/network_fit.md, docs/network.md"),
    "task": ("A small spiking network evolved to classify sine-rate from cosine-rate "
             "spike trains; the test accuracy is on trials the fit never saw.",
             "- no data: the task generates its seeded trials.",
             "docs/tasks.md"),
}


def _write_cell_data(folder: Path) -> None:
    demo_recording(folder / "data" / "recording.npz", duration_ms=2000.0, n_sweeps=3)


def _write_network_data(folder: Path) -> None:
    import yaml

    from ..io import save_spikes
    from ..network import library
    from ..simulation import simulate

    desc = library.ei_delta()
    (folder / "network.yaml").write_text(
        "# 160 E + 40 I LIF neurons, delta synapses (mV), uniform weights: "
        "spikeopt.network.library.ei_delta()\n" + yaml.safe_dump(desc, sort_keys=False))
    truth = simulate(desc, t_stop=500.0, dt=0.1, seed=_NETWORK_SEED)
    (folder / "data").mkdir(exist_ok=True)
    for pop in ("E", "I"):
        save_spikes(folder / "data" / f"target_{pop}.npz", truth.population(pop))


_DATA = {"cell": _write_cell_data, "network": _write_network_data, "task": lambda folder: None}


def scaffold(kind: str, folder, *, overwrite: bool = False) -> Path:
    """Write a starter ``kind`` fit into ``folder`` and return its ``config.yaml``.

    Parameters
    ----------
    kind : {"cell", "network", "task"}
    folder : path
        Created if needed; it must not already hold a ``config.yaml`` unless
        ``overwrite``.

    Examples
    --------
    >>> import tempfile
    >>> from spikeopt.fitting import load_config
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     load_config(scaffold("task", folder))["task"]["name"]
    'sine_cosine'
    """
    from .config import load_config
    from .schema import dumps_schema

    if kind not in KINDS:
        raise ConfigError(f"The 'kind' of spikeopt init must be one of {list(KINDS)}. "
                          f"Got {kind!r} instead.")
    folder = Path(folder)
    config = folder / "config.yaml"
    if config.exists() and not overwrite:
        raise FileExistsError(f"{config} exists; pass overwrite=True (--overwrite) to "
                              "replace the starter files.")
    folder.mkdir(parents=True, exist_ok=True)
    _DATA[kind](folder)
    config.write_text(_CONFIGS[kind])
    (folder / "config.schema.json").write_text(dumps_schema(kind) + "\n")
    what, files, docs = _README_PARTS[kind]
    (folder / "README.md").write_text(_README.format(kind=kind, what=what, files=files,
                                                     docs=docs))
    load_config(config)  # the starter is valid as written
    return config
