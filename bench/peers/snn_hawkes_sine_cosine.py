"""Peer benchmark: SNN-Hawkes-Process's sine-vs-cosine SNN classifier (REFERENCE_PROBLEMS.md §3a).

Runs **inside** ``bench/peers/.venv-snn-hawkes`` (torch CPU + pycma + numpy); never imports
spikeopt.

    bench/peers/.venv-snn-hawkes/bin/python bench/peers/snn_hawkes_sine_cosine.py \
        --seed 1 --json out.json [--test-cosine]

What it reproduces (upstream matthiasboeker/SNN-Hawkes-Process @ 0446a07, ``train_snn.py`` +
``spiking_network.py``): a 1 -> 10 -> 2 dense LIF network on 100 discrete steps, evaluated with
torch tensors step by step (per-step ``matmul``, boolean-mask spike/reset, the unused refractory
``blocker`` bookkeeping included, one example at a time), trained by pycma's
``CMAEvolutionStrategy`` ask/tell (x0 ~ U(0, 1)^30, sigma0 0.5, default popsize 14, maxiter 15,
tolfun 5e-4, unbounded) on the loss sum_examples BCE(argmax-predicted label, target)
= 100 x misclassified, over 50 sine + 50 cosine trains drawn once per run. Test: upstream's
15 sine + 15 coin-flip trains; with ``--test-cosine`` also 200 fresh sine + 200 fresh cosine.

Deviations (all outside the timed search or not changing its arithmetic): every generator is seeded
from --seed (upstream is unseeded); pycma's log goes to a temporary folder instead of
./outcmaes; no matplotlib / sklearn (metrics computed here, in both argument orders); results
go to --json instead of spike_trains/results_1.json (the test spike trains are not stored).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import warnings

t_import0 = time.perf_counter()
# pycma warns that matplotlib is missing (only its plotting needs it)
warnings.filterwarnings("ignore", message="Could not import matplotlib")
import cma  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

IMPORT_S = time.perf_counter() - t_import0

UPSTREAM = "matthiasboeker/SNN-Hawkes-Process@0446a0730ce0f013e4a7ec51c78af84cc9ef2d56"

TIME = 100
INPUT_SIZE = 1
HIDDEN_SIZE = 10
OUTPUT_SIZE = 2
LEAKAGE = 0.25
THRESHOLD = 1
N_WEIGHTS = INPUT_SIZE * HIDDEN_SIZE + HIDDEN_SIZE * OUTPUT_SIZE  # 30

# Offsets that keep the seeded streams apart (numpy's x0 and pycma's sampling would otherwise
# start from the same state: pycma calls np.random.seed(opts["seed"]) itself).
CMA_SEED_OFFSET = 10_000
FRESH_TEST_SEED_OFFSET = 20_000


# ---------------------------------------------------------------------------------------------
# The network, as spiking_network.py computes it
# ---------------------------------------------------------------------------------------------
class LIF(nn.Module):
    """One LIF layer over the whole window; state kept in a (neurons, time) tensor as upstream.

    Step 0: V = x_0 W - leak (no spike check, no floor). Step i >= 1: V = V_prev + x_i W - leak;
    V >= threshold -> spike, V = 0; V <= 0 -> V = 0. The refractory ``blocker`` (resting time 10)
    is updated as upstream does but never read, so there is no refractoriness.
    """

    def __init__(self, time_steps: int, n_neurons: int, leakage: float, threshold: float):
        super().__init__()
        self.resting_potential = 0
        self.resting_time = 10
        self.membrane_potential = nn.Parameter(
            torch.zeros(n_neurons, time_steps, dtype=torch.float32), requires_grad=False
        )
        self.spikes = torch.zeros(n_neurons, time_steps, dtype=torch.float32)
        self.leakage_factor = leakage
        self.threshold = threshold

    def forward(self, input_signal: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        v = self.membrane_potential
        blocker = torch.zeros_like(v)
        self.spikes.zero_()
        for i in range(input_signal.size(1)):
            drive = torch.matmul(input_signal[:, i, None].T, weights).squeeze()
            if i == 0:
                v[:, i] = drive - self.leakage_factor
            else:
                v[:, i] = v[:, i - 1] + drive - self.leakage_factor
                blocker -= 1
                spike = v[:, i] >= self.threshold
                reset = v[:, i] <= self.resting_potential
                self.spikes[spike, i] = 1
                v[spike, i] = 0
                v[reset, i] = self.resting_potential
                blocker[spike] = self.resting_time
        return self.spikes


class NeuralNetwork(nn.Module):
    def __init__(self, time_steps, hidden_size, output_size, leakage, threshold):
        super().__init__()
        self.layer1 = LIF(time_steps, hidden_size, leakage, threshold)
        self.layer2 = LIF(time_steps, output_size, leakage, threshold)

    def forward(self, input_signal, weights):
        spikes1 = self.layer1(input_signal, weights=weights[0])
        return self.layer2(spikes1, weights=weights[1])


def unflatten(w: np.ndarray) -> list[torch.Tensor]:
    n1 = INPUT_SIZE * HIDDEN_SIZE
    return [
        torch.tensor(w[:n1].reshape(INPUT_SIZE, HIDDEN_SIZE), dtype=torch.float32),
        torch.tensor(w[n1:].reshape(HIDDEN_SIZE, OUTPUT_SIZE), dtype=torch.float32),
    ]


def predict(net: NeuralNetwork, x: torch.Tensor, weights: list[torch.Tensor]) -> torch.Tensor:
    """argmax of the two output spike counts; torch.argmax returns the first maximum, so ties
    (silence included) go to class 0."""
    return torch.argmax(torch.sum(net(x, weights), dim=1))


def fitness(w: np.ndarray, training_data, net: NeuralNetwork) -> torch.Tensor:
    """train_snn.fitness: sum of BCE(predicted label, target); log clamped at -100 by torch,
    so each misclassified example costs exactly 100."""
    weights = unflatten(w)
    loss = 0
    for x, target in training_data:
        predicted_label = predict(net, x, weights)
        loss += nn.functional.binary_cross_entropy(predicted_label.float(), target)
    return loss


# ---------------------------------------------------------------------------------------------
# Data, as train_snn.py draws it (same calls, same order, from torch's global generator)
# ---------------------------------------------------------------------------------------------
def curves():
    t = torch.linspace(0, 1, TIME)
    sine_curve = 0.5 * (1 + torch.sin(10 * 3.1416 * t))  # upstream's 3.1416, not math.pi
    cos_curve = 0.5 * (1 + torch.cos(15 * 3.1416 * t))
    return sine_curve, cos_curve


def upstream_data():
    sine_curve, cos_curve = curves()
    train_sine = [
        (torch.bernoulli(sine_curve).unsqueeze(0), torch.tensor(1).float()) for _ in range(50)
    ]
    train_cos = [
        (torch.bernoulli(cos_curve).unsqueeze(0), torch.tensor(0).float()) for _ in range(50)
    ]
    training = train_sine + train_cos
    test_sine = [
        (torch.bernoulli(sine_curve).unsqueeze(0), torch.tensor(1).float()) for _ in range(15)
    ]
    test_rndm = [
        (torch.empty(1, TIME).uniform_(0, 1).round(), torch.tensor(0).float()) for _ in range(15)
    ]
    testing = test_sine + test_rndm
    # upstream draws an unused initial weight pair here; kept so the torch stream matches
    _ = [
        torch.empty(INPUT_SIZE, HIDDEN_SIZE).uniform_(0, 1),
        torch.empty(HIDDEN_SIZE, OUTPUT_SIZE).uniform_(0, 1),
    ]
    return training, testing


def fresh_cosine_test(seed: int, n_per_class: int):
    g = torch.Generator().manual_seed(seed)
    sine_curve, cos_curve = curves()
    sine = [
        (torch.bernoulli(sine_curve, generator=g).unsqueeze(0), torch.tensor(1).float())
        for _ in range(n_per_class)
    ]
    cos = [
        (torch.bernoulli(cos_curve, generator=g).unsqueeze(0), torch.tensor(0).float())
        for _ in range(n_per_class)
    ]
    return sine + cos


# ---------------------------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------------------------
def binary_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    y_true = y_true.astype(int)
    y_pred = y_pred.astype(int)
    tp = int(np.sum((y_true == 1) & (y_pred == 1)))
    fp = int(np.sum((y_true == 0) & (y_pred == 1)))
    fn = int(np.sum((y_true == 1) & (y_pred == 0)))
    tn = int(np.sum((y_true == 0) & (y_pred == 0)))

    def div(a, b):
        return a / b if b else 0.0  # sklearn's zero_division default warns and returns 0

    precision = div(tp, tp + fp)
    recall = div(tp, tp + fn)
    f1 = div(2 * tp, 2 * tp + fp + fn)
    return {
        "n": int(y_true.size),
        "correct": tp + tn,
        "accuracy": (tp + tn) / y_true.size,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        # upstream calls sklearn as f(predictions, labels): precision and recall swap
        "upstream_reported": {
            "ACC": (tp + tn) / y_true.size,
            "F1": f1,
            "Recall": precision,
            "Precision": recall,
        },
    }


def evaluate(net, data, weights):
    preds, labels, silent, ties = [], [], 0, 0
    for x, label in data:
        counts = torch.sum(net(x, weights), dim=1)
        preds.append(int(torch.argmax(counts)))
        labels.append(int(label))
        silent += int(counts.sum() == 0)
        ties += int(counts[0] == counts[1])
    out = binary_metrics(np.array(labels), np.array(preds))
    out["silent_outputs"] = silent
    out["tied_outputs"] = ties  # silence included; both go to class 0
    return out


# ---------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--json", required=True, help="output JSON path")
    ap.add_argument(
        "--test-cosine",
        action="store_true",
        help="also test on fresh sine vs cosine trains (200 per class)",
    )
    ap.add_argument("--n-test-cosine", type=int, default=200, help="per class (with --test-cosine)")
    ap.add_argument("--maxiter", type=int, default=15, help="upstream: 15 (smoke tests only)")
    ap.add_argument("--quiet", action="store_true", help="suppress pycma's es.disp() lines")
    args = ap.parse_args(argv)

    seed = args.seed
    torch.manual_seed(seed)
    np.random.seed(seed)  # noqa: NPY002 (upstream draws x0 from numpy's global generator)

    t0 = time.perf_counter()
    training, testing = upstream_data()
    net = NeuralNetwork(TIME, HIDDEN_SIZE, OUTPUT_SIZE, LEAKAGE, THRESHOLD)
    data_s = time.perf_counter() - t0

    initial_mean = np.random.rand(N_WEIGHTS)  # noqa: NPY002
    initial_std = 0.5
    logdir = tempfile.TemporaryDirectory(prefix="snn_hawkes_cmaes_")
    options = {
        "maxiter": args.maxiter,
        "tolfun": 5e-4,
        # not upstream's (unseeded, ./outcmaes/); neither changes what CMA-ES computes
        "seed": seed + CMA_SEED_OFFSET,
        "verb_filenameprefix": logdir.name + "/outcmaes/",
    }
    if args.quiet:
        options["verb_disp"] = 0

    generations = []
    eval_s = 0.0
    load_before = os.getloadavg()
    c_start = time.process_time()
    t_start = time.perf_counter()
    es = cma.CMAEvolutionStrategy(initial_mean, initial_std, options)
    while not es.stop():
        solutions = es.ask()
        te = time.perf_counter()
        fitness_values = [fitness(s, training, net) for s in solutions]
        fitness_values = [value.item() for value in fitness_values]
        eval_s += time.perf_counter() - te
        es.tell(solutions, fitness_values)
        es.logger.add()
        es.disp()
        generations.append(
            {
                "iteration": es.countiter,
                "evaluations": es.countevals,
                "best_loss": min(fitness_values),
                "median_loss": float(np.median(fitness_values)),
                "best_so_far": es.result.fbest,
                "sigma": float(es.sigma),
                "t_s": time.perf_counter() - t_start,
            }
        )
    wall_s = time.perf_counter() - t_start
    cpu_s = time.process_time() - c_start
    load_after = os.getloadavg()
    stop = {k: (v if isinstance(v, (int, float, str)) else str(v)) for k, v in es.stop().items()}

    best = np.asarray(es.result.xbest)
    best_weights = unflatten(best)
    train_loss_recomputed = float(fitness(best, training, net).item())
    train_metrics = evaluate(net, training, best_weights)
    test_metrics = evaluate(net, testing, best_weights)

    out = {
        "problem": "SNN-Hawkes-Process sine vs cosine (REFERENCE_PROBLEMS.md 3a), faithful",
        "upstream": UPSTREAM,
        "seed": seed,
        "seeds": {
            "torch_data": seed,
            "numpy_x0": seed,
            "cma": seed + CMA_SEED_OFFSET,
            "fresh_cosine_test": seed + FRESH_TEST_SEED_OFFSET if args.test_cosine else None,
        },
        "wall_s": wall_s,
        "wall_s_what": "CMAEvolutionStrategy construction + ask/evaluate/tell/logger/disp loop",
        "cpu_s": cpu_s,
        "cpu_s_what": "process CPU time (all threads) over the same span as wall_s",
        "loadavg_1min_before_after": [load_before[0], load_after[0]],
        "eval_s": eval_s,
        "cma_overhead_s": wall_s - eval_s,
        "mean_eval_s": eval_s / max(es.countevals, 1),
        "import_s": IMPORT_S,
        "data_setup_s": data_s,
        "evaluations": int(es.countevals),
        "iterations": int(es.countiter),
        "popsize": int(es.popsize),
        "stop": stop,
        "train_loss": float(es.result.fbest),
        "train_misclassified": int(round(es.result.fbest / 100.0)),
        "train_loss_recomputed": train_loss_recomputed,
        "train_accuracy": train_metrics["accuracy"],
        "train": train_metrics,
        "test_upstream_accuracy": test_metrics["accuracy"],
        "test_upstream": test_metrics,
        "test_upstream_what": "15 sine (label 1) + 15 coin-flip (label 0), upstream's test set",
        "per_generation": generations,
        "best_loss_per_generation": [g["best_loss"] for g in generations],
        "x0": initial_mean.tolist(),
        "xbest": best.tolist(),
        "options": {
            "sigma0": initial_std,
            **{k: v for k, v in options.items() if k != "verb_filenameprefix"},
        },
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "numpy": np.__version__,
            "cma": cma.__version__,
            "torch_threads": torch.get_num_threads(),
            "machine": platform.machine(),
        },
    }
    if args.test_cosine:
        fresh = fresh_cosine_test(seed + FRESH_TEST_SEED_OFFSET, args.n_test_cosine)
        tc = evaluate(net, fresh, best_weights)
        out["test_cosine_accuracy"] = tc["accuracy"]
        out["test_cosine"] = tc
        out["test_cosine_what"] = (
            f"{args.n_test_cosine} fresh sine (1) + {args.n_test_cosine} fresh cosine (0)"
        )
    logdir.cleanup()

    with open(args.json, "w") as f:
        json.dump(out, f, indent=1)
    msg = (
        f"seed {seed}: {out['evaluations']} evals in {wall_s:.2f} s; train misclassified "
        f"{out['train_misclassified']}/100; test (sine vs coin-flip) acc "
        f"{test_metrics['accuracy']:.3f}"
    )
    if args.test_cosine:
        msg += f"; test (sine vs cosine) acc {out['test_cosine_accuracy']:.3f}"
    print(msg, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
