"""Sine vs cosine (SNN-Hawkes-Process's classifier, ../shared REFERENCE_PROBLEMS.md §3a).

One input channel drives ``hidden`` discrete-time integrate-and-fire neurons,
which drive 2 output neurons (dense, no biases; 2·hidden + hidden genes: the
weights). A trial is ``steps`` steps of Bernoulli spikes with probability
``0.5 (1 + sin(2π·sine_cycles·t))`` (class 1, "sine") or ``0.5 (1 +
cos(2π·cosine_cycles·t))`` (class 0, "cosine"), t evenly spaced on [0, 1].
Each neuron follows SNN-Hawkes's rule (weights and potentials in units of the
threshold, float32 as its torch code):

* step 0: ``V = input·W − leak`` (no spike check, no floor);
* step i ≥ 1: ``V += input·W − leak``; ``V ≥ threshold`` → spike and ``V = 0``;
  ``V ≤ 0`` → ``V = 0``.

A layer's input at step i is the previous layer's spikes at step i (no delay).
The predicted class is the output with more spikes, ties and silence to class 0.

``faithful: true`` is SNN-Hawkes as shipped: π written 3.1416, 50 + 50 training
trains, a test set of 15 sines and 15 **coin-flip** trains (labelled 0), loss =
100 × misclassified training trains (BCE of the argmax label, log clamped at
−100: flat for CMA-ES), CMA-ES from x0 ~ U(0, 1)³⁰ with σ0 = 0.5, population
14, 15 iterations, tolfun 5e-4, unbounded (here: bounds ±50 that σ0 never
reaches). The default keeps the network and encoding but scores a smooth loss
of the output counts (``cross_entropy`` or ``margin``, :mod:`.base`), tests on
fresh sines and cosines (``test_per_class`` each), reports accuracy with its
95 % interval, and the coin-flip trains separately as out-of-distribution.

Data are drawn once per run from the run's seed (``SeedSequence(seed,
spawn_key=(3, k))``: k = 0 training, 1 test, 2 coin-flip, 3 the initial mean),
so the same config gives the same trains.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ..errors import InvalidParameterError
from ..params import Parameter, ParameterSpace
from .base import Trials, accuracy, confusion_matrix, count_loss, predict, wilson_interval

__all__ = ["SineCosineTask", "encode", "run_network", "record_network"]

CLASSES = ("cosine", "sine")
PI_UPSTREAM = 3.1416  # SNN-Hawkes writes 10 * 3.1416 * t


def encode(steps: int, cycles: float, kind: str, *, pi: float = np.pi) -> np.ndarray:
    """The spike probability per step of a sine (``kind="sine"``) or cosine train."""
    t = np.linspace(0.0, 1.0, int(steps))
    f = np.sin if kind == "sine" else np.cos
    return 0.5 * (1.0 + f(2.0 * pi * cycles * t))


def _bernoulli(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    return (rng.random((int(n), p.shape[0])) < p).astype(np.uint8)


@nb.njit(cache=True, inline="always")
def _layer_step(V, drive, leak, thr, first, out):
    for k in range(V.shape[0]):
        v = V[k] + drive[k] - leak if not first else drive[k] - leak
        out[k] = 0
        if not first:
            if v >= thr:
                out[k] = 1
                v = np.float32(0.0)
            elif v <= 0:
                v = np.float32(0.0)
        V[k] = v


@nb.njit(cache=True, inline="always")
def _trial(w1, w2, x, leak, thr, hid, out):
    """One trial of one network: input x (steps,), w1 (H,), w2 (H, C); the hidden
    (H, steps) and output (C, steps) spikes written into ``hid`` and ``out``."""
    H, C = w1.shape[0], w2.shape[1]
    Vh = np.zeros(H, dtype=np.float32)
    Vo = np.zeros(C, dtype=np.float32)
    sh = np.zeros(H, dtype=np.uint8)
    so = np.zeros(C, dtype=np.uint8)
    dh = np.zeros(H, dtype=np.float32)
    do = np.zeros(C, dtype=np.float32)
    for i in range(x.shape[0]):
        xi = np.float32(x[i])
        for k in range(H):
            dh[k] = xi * w1[k]
        _layer_step(Vh, dh, leak, thr, i == 0, sh)
        for c in range(C):
            acc = np.float32(0.0)
            for k in range(H):
                acc += np.float32(sh[k]) * w2[k, c]
            do[c] = acc
        _layer_step(Vo, do, leak, thr, i == 0, so)
        hid[:, i] = sh
        out[:, i] = so


@nb.njit(cache=True, parallel=True)
def _counts(W1, W2, X, leak, thr):
    P, H = W1.shape
    C = W2.shape[2]
    T, S = X.shape
    counts = np.zeros((P, T, C), dtype=np.int32)
    for job in nb.prange(P * T):
        p, tr = job // T, job % T
        hid = np.empty((H, S), dtype=np.uint8)
        out = np.empty((C, S), dtype=np.uint8)
        _trial(W1[p], W2[p], X[tr], leak, thr, hid, out)
        for c in range(C):
            counts[p, tr, c] = out[c].sum()
    return counts


@nb.njit(cache=True)
def _record(W1, W2, X, leak, thr):
    T, S = X.shape
    hid = np.zeros((T, W1.shape[0], S), dtype=np.uint8)
    out = np.zeros((T, W2.shape[1], S), dtype=np.uint8)
    for tr in range(T):
        _trial(W1, W2, X[tr], leak, thr, hid[tr], out[tr])
    return hid, out


def run_network(W1: np.ndarray, W2: np.ndarray, X: np.ndarray, *, leak: float = 0.25,
                threshold: float = 1.0) -> np.ndarray:
    """Output spike counts (P, trials, 2) of P networks (W1 (P, H), W2 (P, H, 2)) on
    the input trains X (trials, steps), all in one compiled call."""
    W1 = np.ascontiguousarray(W1, dtype=np.float32)
    W2 = np.ascontiguousarray(W2, dtype=np.float32)
    return _counts(W1, W2, np.ascontiguousarray(X, dtype=np.uint8), np.float32(leak),
                   np.float32(threshold))


def record_network(W1, W2, X, *, leak: float = 0.25, threshold: float = 1.0):
    """Hidden (trials, H, steps) and output (trials, 2, steps) spikes of one network."""
    return _record(np.ascontiguousarray(W1, dtype=np.float32),
                   np.ascontiguousarray(W2, dtype=np.float32),
                   np.ascontiguousarray(X, dtype=np.uint8), np.float32(leak),
                   np.float32(threshold))


class SineCosineTask:
    """The sine-vs-cosine task and its network (see the module docstring).

    Parameters
    ----------
    steps : int
        Steps per trial.
    sine_cycles, cosine_cycles : float
        Cycles of each class's rate over a trial (5 and 7.5 upstream).
    train_per_class, test_per_class : int
        Training trains per class (fixed for the run) and held-out ones.
    hidden : int
        Hidden neurons.
    faithful : bool
        SNN-Hawkes as shipped (see the module docstring).
    loss : {"cross_entropy", "margin", "error_margin"}
        The loss of the default mode (:mod:`.base`); ``temperature`` / ``margin``
        its option (spikes).
    weight_bound : float
        Genes in [-bound, bound] (default 4; 50 in faithful mode).
    seed : int
        The run's seed, from which the trains are drawn.
    """

    name = "sine_cosine"

    def __init__(self, *, steps: int = 100, sine_cycles: float = 5.0,
                 cosine_cycles: float = 7.5, train_per_class: int = 50,
                 test_per_class: int = 200, hidden: int = 10, faithful: bool = False,
                 loss: str = "cross_entropy", temperature: float = 2.0, margin: float = 5.0,
                 weight_bound: float | None = None, leak: float = 0.25,
                 threshold: float = 1.0, seed: int = 0):
        for name, v in (("steps", steps), ("train_per_class", train_per_class),
                        ("test_per_class", test_per_class), ("hidden", hidden)):
            if int(v) < 1:
                raise InvalidParameterError(f"task.{name} must be an integer >= 1. Got {v!r}.")
        self.steps, self.hidden, self.faithful = int(steps), int(hidden), bool(faithful)
        self.leak, self.threshold = float(leak), float(threshold)
        self.loss_kind = loss
        self.loss_options = {"temperature": temperature} if loss == "cross_entropy" else \
            {"margin": margin}
        count_loss(np.zeros((1, 1, 2)), np.zeros(1, dtype=int), loss, **self.loss_options)
        self.seed = int(seed)
        pi = PI_UPSTREAM if self.faithful else np.pi
        self.p_sine = encode(self.steps, float(sine_cycles), "sine", pi=pi)
        self.p_cosine = encode(self.steps, float(cosine_cycles), "cosine", pi=pi)
        rng = [np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(3, k)))
               for k in range(4)]
        n_test = 15 if self.faithful else int(test_per_class)
        self.train = self._trials(rng[0], int(train_per_class), int(train_per_class))
        if self.faithful:  # 15 sines and 15 coin-flip trains labelled 0
            self.test = self._with_coin_flips(rng[1], n_test)
        else:
            self.test = self._trials(rng[1], n_test, n_test)
        self.coin_flips = Trials(_bernoulli(rng[2], np.full(self.steps, 0.5), n_test),
                                 np.zeros(n_test, dtype=np.int64), CLASSES)
        bound = float(weight_bound if weight_bound is not None else
                      (50.0 if self.faithful else 4.0))
        H = self.hidden
        self.names = [f"w_in.{k}" for k in range(H)] + [f"w_out.{k}.{c}" for k in range(H)
                                                        for c in range(2)]
        self.space = ParameterSpace({n: Parameter(-bound, bound, unit="threshold")
                                     for n in self.names})
        self.x0 = dict(zip(self.names, rng[3].random(len(self.names)), strict=True))
        self.objective_names = ("loss",)

    def _trials(self, rng, n_sine: int, n_cosine: int) -> Trials:
        X = np.concatenate([_bernoulli(rng, self.p_sine, n_sine),
                            _bernoulli(rng, self.p_cosine, n_cosine)])
        y = np.concatenate([np.ones(n_sine, dtype=np.int64), np.zeros(n_cosine, np.int64)])
        return Trials(X, y, CLASSES)

    def _with_coin_flips(self, rng, n: int) -> Trials:
        sine = _bernoulli(rng, self.p_sine, n)
        coin = (rng.random((n, self.steps)).round()).astype(np.uint8)
        y = np.concatenate([np.ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64)])
        return Trials(np.concatenate([sine, coin]), y, CLASSES)

    # -- the weights ---------------------------------------------------------------
    def weights(self, params) -> tuple[np.ndarray, np.ndarray]:
        """W1 (P, H) input→hidden and W2 (P, H, 2) hidden→output from the genes."""
        H = self.hidden
        W1 = np.stack([np.asarray(params[f"w_in.{k}"], dtype=np.float64) for k in range(H)],
                      axis=-1)
        W2 = np.stack([np.stack([np.asarray(params[f"w_out.{k}.{c}"], dtype=np.float64)
                                 for c in range(2)], axis=-1) for k in range(H)], axis=-2)
        return np.atleast_2d(W1), W2.reshape(W1.reshape(-1, H).shape[0], H, 2)

    def counts(self, params, trials: Trials) -> np.ndarray:
        W1, W2 = self.weights(params)
        return run_network(W1, W2, trials.inputs, leak=self.leak, threshold=self.threshold)

    # -- the objective -------------------------------------------------------------
    def __call__(self, params) -> np.ndarray:
        """(P,) losses on the training trains."""
        c = self.counts(params, self.train)
        if self.faithful:
            return 100.0 * (predict(c) != self.train.labels).sum(axis=-1).astype(np.float64)
        return count_loss(c, self.train.labels, self.loss_kind, **self.loss_options)

    def optimizer_defaults(self) -> dict:
        """CMA-ES from x0 ~ U(0, 1)³⁰ (drawn from the run's seed); faithful: σ0 = 0.5 in
        weight units (0.5 / 100 of the ±50 box), tolfun 5e-4, no restarts; default:
        IPOP restarts until the budget is spent."""
        if not self.faithful:  # a converged search restarts (IPOP) until the budget is spent
            return {"cmaes": {"x0": self.x0, "restarts": 1000}}
        span = self.space.upper[0] - self.space.lower[0]
        return {"cmaes": {"x0": self.x0, "sigma0": 0.5 / span, "options": {"tolfun": 5e-4}}}

    # -- held-out scores -----------------------------------------------------------
    def outcome(self, params: dict, *, seed=None) -> dict:
        """Accuracy on the training and test trains (fractions, with the test's 95 %
        Wilson interval), the confusion matrix and precision / recall of "sine"
        (computed as (y_true, y_pred)), and the coin-flip trains' share classified
        as cosine (out of distribution in the default mode)."""
        one = {k: np.atleast_1d(v) for k, v in params.items()}
        out = {"train_accuracy": float(accuracy(self.counts(one, self.train),
                                                self.train.labels)[0])}
        c = self.counts(one, self.test)[0]
        y = self.test.labels
        pred = predict(c)
        k = int((pred == y).sum())
        cm = confusion_matrix(c, y, 2)
        tp, fp, fn = cm[1, 1], cm[0, 1], cm[1, 0]
        out.update({
            "test_accuracy": k / len(y), "test_accuracy_ci95": wilson_interval(k, len(y)),
            "test_trials": int(len(y)),
            "test_set": "15 sines + 15 coin-flip trains (upstream)" if self.faithful else
                        "fresh sines and cosines",
            "confusion_matrix": cm.tolist(), "classes": list(CLASSES),
            "precision_sine": float(tp / (tp + fp)) if tp + fp else 0.0,
            "recall_sine": float(tp / (tp + fn)) if tp + fn else 0.0,
        })
        flips = self.counts(one, self.coin_flips)[0]
        out["coin_flip_as_cosine"] = float((predict(flips) == 0).mean())
        return out

    # -- the wiring, for Hawkes ----------------------------------------------------
    def unit_names(self) -> list[str]:
        return ["input"] + [f"hidden {k}" for k in range(self.hidden)] + ["out cosine",
                                                                          "out sine"]

    def weight_matrix(self, params: dict) -> np.ndarray:
        """The true (D, D) weights [target, source] over input, hidden and output units."""
        W1, W2 = self.weights({k: np.atleast_1d(v) for k, v in params.items()})
        H = self.hidden
        W = np.zeros((1 + H + 2, 1 + H + 2))
        W[1:1 + H, 0] = W1[0]
        W[1 + H:, 1:1 + H] = W2[0].T
        return W

    def layers(self, params: dict, trials: Trials) -> list[np.ndarray]:
        """Input (trials, 1, steps), hidden and output spikes of the network ``params``."""
        W1, W2 = self.weights({k: np.atleast_1d(v) for k, v in params.items()})
        hid, out = record_network(W1[0], W2[0], trials.inputs, leak=self.leak,
                                  threshold=self.threshold)
        return [trials.inputs[:, None, :].astype(np.uint8), hid, out]
