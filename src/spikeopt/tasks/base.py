"""What every task shares: trials, spike-count readouts, accuracy and the smooth
losses that evolution needs.

A task scores a network by what it computes. Its trials are inputs with labels;
the network's output neurons are read out by their spike counts in each trial,
class ``argmax`` of the counts (ties and silence to the lowest class index, as
``torch.argmax`` does). Accuracy is piecewise constant in the parameters — an
optimizer sees plateaus — so evolution uses a smooth loss of the counts:

``cross_entropy``
    mean over trials of ``-log softmax(counts / temperature)[label]``: how far
    the right output is from winning, in units of ``temperature`` spikes;
``margin``
    mean over trials of ``softplus(margin - (c_label - max_other c))`` /
    ``margin``: the right output must lead by ``margin`` spikes;
``error_margin``
    the misclassified fraction plus ``weight`` (0.05) × the margin loss: the
    accuracy itself, with a smooth tie-breaker that orders its plateaus.

>>> import numpy as np
>>> counts = np.array([[[3, 9], [8, 2]]])     # (P=1, trials=2, classes=2)
>>> predict(counts).tolist(), accuracy(counts, np.array([1, 0])).tolist()
([[1, 0]], [1.0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError

__all__ = ["Trials", "predict", "accuracy", "confusion_matrix", "count_loss", "LOSSES",
           "wilson_interval"]


@dataclass(frozen=True)
class Trials:
    """``inputs`` (trials, ...) with integer ``labels`` (trials,) and the class names."""

    inputs: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.labels.shape[0])


def predict(counts: np.ndarray) -> np.ndarray:
    """(..., trials, classes) spike counts → (..., trials) predicted class: the argmax,
    ties to the lowest index."""
    return np.argmax(np.asarray(counts), axis=-1)


def accuracy(counts: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(..., trials, classes) counts and (trials,) labels → (...) fraction correct."""
    return (predict(counts) == np.asarray(labels)).mean(axis=-1)


def confusion_matrix(counts: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """(trials, classes) counts → (n_classes, n_classes) matrix, rows = true class,
    columns = predicted class."""
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (np.asarray(labels), predict(counts)), 1)
    return m


def _cross_entropy(counts, labels, temperature: float = 2.0):
    z = np.asarray(counts, dtype=np.float64) / float(temperature)
    z = z - z.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(logp, np.asarray(labels)[..., None] * np.ones(
        logp.shape[:-1] + (1,), dtype=np.int64), axis=-1)[..., 0]
    return -picked.mean(axis=-1)


def _margin(counts, labels, margin: float = 5.0):
    c = np.asarray(counts, dtype=np.float64)
    lab = np.broadcast_to(np.asarray(labels), c.shape[:-1])
    right = np.take_along_axis(c, lab[..., None], axis=-1)[..., 0]
    others = np.where(np.arange(c.shape[-1]) == lab[..., None], -np.inf, c).max(axis=-1)
    return (np.logaddexp(0.0, float(margin) - (right - others)) / float(margin)).mean(axis=-1)


def _error_margin(counts, labels, margin: float = 5.0, weight: float = 0.05):
    err = (predict(counts) != np.asarray(labels)).mean(axis=-1)
    return err + float(weight) * _margin(counts, labels, margin)


LOSSES = {"cross_entropy": _cross_entropy, "margin": _margin, "error_margin": _error_margin}


def count_loss(counts: np.ndarray, labels: np.ndarray, kind: str = "cross_entropy",
               **options) -> np.ndarray:
    """A smooth loss (see the module docstring) of (..., trials, classes) counts."""
    if kind not in LOSSES:
        raise InvalidParameterError(f"loss must be one of {sorted(LOSSES)}. Got {kind!r}.")
    return LOSSES[kind](counts, labels, **options)


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion k/n (95 % for z = 1.96)."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (float(c - h), float(c + h))
