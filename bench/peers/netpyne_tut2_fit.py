"""NetPyNE's own ``tut_optimization`` (tut2 network, inspyred GA, NEURON), as a peer.

Runs INSIDE the peer venv ``bench/peers/.venv-netpyne`` (NEURON 9, NetPyNE,
inspyred; ``bench/peers/setup_netpyne_venv.sh``); it never imports spikeopt.

    bench/peers/.venv-netpyne/bin/python bench/peers/netpyne_tut2_fit.py \
        --seed 1 --max-evaluations 50 --json OUT.json

Faithful to ``doc/source/code/tut2.py`` (code version) and
``doc/source/code/tut_optimization.py`` of NetPyNE (REFERENCE_PROBLEMS.md §4):
genes [S->M probability, weight, delay] in [0.01, 0.5] x [0.001, 0.1] x [1, 20];
each evaluation builds and simulates the whole tut2 network in-process with
``sim.createSimulate``; fitness = |17 - rate|, rate = all spikes / 40 cells / 1 s;
inspyred GA with the tutorial's settings. Only what costs time without changing
the result is off: no voltage traces, no saving, no plots, no observers.

Output (JSON): ``wall_s`` (the GA, from the first to the last evaluation,
NetPyNE's first-network set-up included; imports apart in ``import_s``),
``evaluations``, ``per_eval`` (genes, rate_hz, S/M rates, fitness, ``eval_s``, ``neuron_run_s``,
``t_s`` = seconds since the GA started, at the end of that evaluation),
``best``, ``evals_to_1hz`` / ``time_to_1hz_s`` (first evaluation with
fitness <= 1 Hz), ``median_eval_s``, ``reference`` (rates at tut2's own
defaults, after the GA) and ``versions``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import time
from random import Random

T_START = time.perf_counter()

import inspyred  # noqa: E402
import netpyne  # noqa: E402
import neuron  # noqa: E402
from inspyred import ec  # noqa: E402
from netpyne import sim, specs  # noqa: E402

IMPORT_S = time.perf_counter() - T_START

TARGET_HZ = 17.0
LOWER = [0.01, 0.001, 1.0]  # S->M probability, weight, delay (ms)
UPPER = [0.5, 0.1, 20.0]
N_CELLS = 40


def tut2(probability=None, weight=0.01, delay=5.0):
    """tut2.py's netParams and simConfig; ``probability`` None keeps its divergence-12 rule."""
    net = specs.NetParams()
    net.cellParams["PYR"] = {"secs": {"soma": {
        "geom": {"diam": "19 + uniform(-0.5, 0.5)", "L": 18.8, "Ra": 123.0},
        "mechs": {"hh": {"gnabar": "0.12 + 0.001*ynorm", "gkbar": 0.036, "gl": 0.003, "el": -70}},
    }}}
    net.popParams["S"] = {"cellType": "PYR", "numCells": 20}
    net.popParams["M"] = {"cellType": "PYR", "numCells": 20}
    net.synMechParams["exc"] = {"mod": "Exp2Syn", "tau1": 0.1, "tau2": 5.0, "e": 0}
    net.stimSourceParams["bkg"] = {"type": "NetStim", "rate": 10, "noise": 0.5}
    net.stimTargetParams["bkg->PYR"] = {"source": "bkg", "conds": {"cellType": "PYR"},
                                        "weight": 0.01, "delay": 5, "synMech": "exc"}
    # tut2.py holds divergence 12; tut_optimization adds 'probability', which
    # NetPyNE's connection dispatcher checks first, so the gene is what wires.
    net.connParams["S->M"] = {"preConds": {"pop": "S"}, "postConds": {"pop": "M"},
                              "divergence": 12, "weight": weight, "delay": delay, "synMech": "exc"}
    if probability is not None:
        net.connParams["S->M"]["probability"] = probability

    cfg = specs.SimConfig()  # default seeds {conn, stim, loc, cell: 1}, celsius 6.3, v_init -65
    cfg.duration = 1 * 1e3
    cfg.dt = 0.025
    cfg.verbose = False
    cfg.recordTraces = {}  # tut2 records V_soma; off (spikes only)
    cfg.recordStep = 0.1
    cfg.saveJson = False
    cfg.savePickle = False
    cfg.analysis = {}  # tut2 plots raster, traces, 2D net; off
    return net, cfg


def run_tut2(probability=None, weight=0.01, delay=5.0):
    """Create + simulate tut2 (NetPyNE's chatter swallowed); rates in Hz."""
    net, cfg = tut2(probability, weight, delay)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        sim.createSimulate(netParams=net, simConfig=cfg)
    spk = [int(g) for g in sim.simData["spkid"]]
    duration = cfg.duration / 1000.0
    out = {"rate_hz": len(sim.simData["spkt"]) / len(sim.net.cells) / duration,
           "neuron_run_s": sim.timingData["runTime"]}  # NetPyNE's timing of the NEURON run
    for pop in ("S", "M"):
        gids = set(sim.net.allPops[pop]["cellGids"])
        out[f"rate_{pop}_hz"] = sum(g in gids for g in spk) / len(gids) / duration
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-evaluations", type=int, default=50)
    ap.add_argument("--json", default=None)
    opt = ap.parse_args()

    per_eval = []
    t_ga = [None]

    def generate(random, args):  # tut_optimization.generate_netparams
        return [random.uniform(LOWER[i], UPPER[i]) for i in range(args["num_inputs"])]

    def evaluate(candidates, args):  # tut_optimization.evaluate_netparams
        fits = []
        for cand in candidates:
            t0 = time.perf_counter()
            r = run_tut2(*cand)
            fit = abs(TARGET_HZ - r["rate_hz"])
            t1 = time.perf_counter()
            per_eval.append({"genes": list(cand), **r, "fitness": fit,
                             "eval_s": t1 - t0, "t_s": t1 - t_ga[0]})
            fits.append(fit)
        return fits

    rand = Random()
    rand.seed(opt.seed)
    ga = ec.EvolutionaryComputation(rand)
    ga.selector = ec.selectors.tournament_selection
    ga.variator = [ec.variators.uniform_crossover, ec.variators.gaussian_mutation]
    ga.replacer = ec.replacers.generational_replacement
    ga.terminator = ec.terminators.evaluation_termination
    # tut_optimization's observers (stats, plot, best) only print/plot; left out.

    t_ga[0] = time.perf_counter()
    ga.evolve(generator=generate, evaluator=evaluate, pop_size=10, maximize=False,
              bounder=ec.Bounder(LOWER, UPPER), max_evaluations=opt.max_evaluations,
              num_selected=10, mutation_rate=0.2, num_inputs=3, num_elites=1,
              # inspyred's defaults, spelled out:
              tournament_size=2, crossover_rate=1.0, ux_bias=0.5,
              gaussian_mean=0.0, gaussian_stdev=1.0)
    wall = time.perf_counter() - t_ga[0]

    ibest = min(range(len(per_eval)), key=lambda i: per_eval[i]["fitness"])
    hit = next((i for i, e in enumerate(per_eval) if e["fitness"] <= 1.0), None)
    reference = {
        "tut2_divergence12": run_tut2(None, 0.01, 5.0),  # tut2.py as shipped
        "p0.5_w0.01_d5": run_tut2(0.5, 0.01, 5.0),  # tutorial text's rule
    }
    t0 = time.perf_counter()
    run_tut2(0.5, 0.01, 5.0)
    reference["single_eval_s_warm"] = time.perf_counter() - t0

    out = {
        "peer": "netpyne tut_optimization (tut2 + inspyred GA)",
        "seed": opt.seed,
        "wall_s": wall,
        "import_s": IMPORT_S,
        "evaluations": len(per_eval),
        "median_eval_s": statistics.median(e["eval_s"] for e in per_eval),
        "median_neuron_run_s": statistics.median(e["neuron_run_s"] for e in per_eval),
        "per_eval": per_eval,
        "best": {"evaluation": ibest + 1, **per_eval[ibest]},
        "evals_to_1hz": None if hit is None else hit + 1,
        "time_to_1hz_s": None if hit is None else per_eval[hit]["t_s"],
        "reference": reference,
        "versions": {"neuron": neuron.__version__, "netpyne": netpyne.__version__,
                     "inspyred": inspyred.__version__},
    }
    b = out["best"]
    print(f"netpyne tut2 GA seed {opt.seed}: {out['evaluations']} evals in {wall:.1f} s "
          f"(median {out['median_eval_s']:.2f} s/eval, NEURON run "
          f"{out['median_neuron_run_s']:.2f}, import {IMPORT_S:.1f} s); "
          f"best |17-r| = {b['fitness']:.3f} Hz at eval {b['evaluation']} "
          f"(p {b['genes'][0]:.3f}, w {b['genes'][1]:.4f}, d {b['genes'][2]:.2f}); "
          f"<=1 Hz at eval {out['evals_to_1hz']} ({out['time_to_1hz_s']} s)")
    for k in ("tut2_divergence12", "p0.5_w0.01_d5"):
        r = reference[k]
        print(f"  {k}: {r['rate_hz']:.2f} Hz (S {r['rate_S_hz']:.2f}, M {r['rate_M_hz']:.2f})")
    print(f"  single evaluation (warm): {reference['single_eval_s_warm']:.2f} s; "
          f"versions {out['versions']}")
    if opt.json:
        with open(opt.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
