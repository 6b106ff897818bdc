"""Write the network examples' descriptions and ground truths (run from anywhere):

* ``networks/ei.yaml`` — :func:`spikeopt.network.library.ei_delta` (160 E + 40 I
  LIF, delta synapses with uniform weights) and ``data/ei_target_{E,I}.npz``, its
  raster at the hidden weight bounds (E→E 1.0, E→I 2.0, I→E -6.0 mV; 1 s, seed
  20261130): the target of ``ei_recovery.yaml``;
* ``networks/netpyne_tut2.yaml`` — NetPyNE's tut2 network, code version
  (:func:`~spikeopt.network.library.netpyne_tut2`): the network of
  ``netpyne_tut2_17hz.yaml`` and ``netpyne_tut2_faithful.yaml``;
* ``networks/spikenetopt_faithful.yaml`` and ``data/spikenetopt_faithful_truth_E.npz`` —
  SpikeNetOpt.jl's network as SNN.jl runs it (half-step Izhikevich at 1 ms, no
  delay) and one random instance at its true genes (0.5, 0.8, 0.5, 0.8), E only as
  upstream records it: ``spikenetopt_faithful.yaml``;
* ``networks/spikenetopt.yaml`` and ``data/spikenetopt_truth_{E,I}.npz`` — the same
  network with the standard Izhikevich step at 0.1 ms and a 0.1 ms delay, both
  populations recorded: ``spikenetopt_fixed.yaml``.

The files are small and committed; this script shows how they were made and
rewrites them identically.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

import spikeopt
from spikeopt.network import library

TRUTH_SEED = 20261130
T_STOP_MS = 1000.0


def main(argv=None) -> None:
    here = Path(__file__).resolve().parent
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=here, help="examples folder to write into")
    out = p.parse_args(argv).out
    (out / "networks").mkdir(parents=True, exist_ok=True)
    (out / "data").mkdir(parents=True, exist_ok=True)
    ei = library.ei_delta()
    (out / "networks" / "ei.yaml").write_text(
        "# 160 E + 40 I LIF neurons, delta synapses (mV), uniform weights: "
        "spikeopt.network.library.ei_delta()\n" + yaml.safe_dump(ei, sort_keys=False))
    truth = spikeopt.simulate(ei, t_stop=T_STOP_MS, dt=0.1, seed=TRUTH_SEED)
    for pop in ("E", "I"):
        spikeopt.io.save_spikes(out / "data" / f"ei_target_{pop}.npz", truth.population(pop))
    (out / "networks" / "netpyne_tut2.yaml").write_text(
        "# NetPyNE tut2 (code version): spikeopt.network.library.netpyne_tut2()\n"
        + yaml.safe_dump(library.netpyne_tut2(), sort_keys=False))
    for name, faithful, dt, pops in (("spikenetopt_faithful", True, 1.0, ("E",)),
                                     ("spikenetopt", False, 0.1, ("E", "I"))):
        desc = library.spikenetopt(faithful=faithful)
        (out / "networks" / f"{name}.yaml").write_text(
            f"# SpikeNetOpt.jl's network: spikeopt.network.library.spikenetopt("
            f"faithful={faithful})\n" + yaml.safe_dump(desc, sort_keys=False))
        res = spikeopt.simulate(desc, t_stop=T_STOP_MS, dt=dt, seed=TRUTH_SEED, record=pops)
        stem = "spikenetopt_faithful_truth" if faithful else "spikenetopt_truth"
        for pop in pops:
            spikeopt.io.save_spikes(out / "data" / f"{stem}_{pop}.npz", res.population(pop))
    print(f"wrote {out / 'networks'} and {out / 'data'}; E {truth.mean_rate('E')[0]:.1f} Hz, "
          f"I {truth.mean_rate('I')[0]:.1f} Hz")


if __name__ == "__main__":
    main()
