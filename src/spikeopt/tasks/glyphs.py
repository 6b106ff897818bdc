"""The 80-glyph data set of GeNN_Autoparam's mushroom-body task, and a generated stand-in.

GeNN_Autoparam (github.com/Equosile/GeNN_Autoparam) classifies 80 greyscale 28×28
images (784 floats, 0–255, ink high) into 4 classes. The rows come from 4 file sets ×
20 samples in file order; the label follows the row index, not the set::

    label = [0, 1, 3, 3, 0, 1, 2, 2][row % 8]        set = row // 20

    0 dullness     one identical border-only frame (nothing found)
    1 unknownness  a small blob, 8–21 ink pixels
    2 rubbish      dim outline shapes, 40–216 ink pixels
    3 food         bright filled shapes, 44–394 ink pixels (the mission object)

:func:`load_glyphs` reads the upstream ``dataset.csv`` (not shipped with spikeopt: its
licence statements conflict, see ``docs/tasks_mushroom_body.md``).
:func:`generate_glyphs` draws a procedural set with the same row layout, label rule
and class statistics, so that examples run on a fresh clone.

The network sees an image through :func:`firing_probability`: upstream divides each
image by the integer-truncated mean of its non-zero pixels, then by 235, giving the
per-step (0.1 ms) spike probability of each of the 784 Poisson input neurons.

>>> images, labels, sets = generate_glyphs(0)
>>> images.shape, labels[:8].tolist(), sets[[0, 20, 79]].tolist()
((80, 784), [0, 1, 3, 3, 0, 1, 2, 2], [0, 1, 3])
>>> bool((images[labels == 0] == images[0]).all())    # one identical frame
True
>>> p = firing_probability(images[:1])
>>> round(float(p[0][images[0] > 0].mean()) * 235, 1)  # the average ink pixel: 1/235
1.0
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._rng import check_rng
from ..errors import InvalidParameterError, ShapeError

__all__ = [
    "CLASSES",
    "LABEL_ROTATION",
    "N_ROWS",
    "SIDE",
    "firing_probability",
    "generate_glyphs",
    "labels_of_rows",
    "load_glyphs",
]

CLASSES = ("dullness", "unknownness", "rubbish", "food")
LABEL_ROTATION = (0, 1, 3, 3, 0, 1, 2, 2)
SIDE = 28
N_ROWS = 80
ROWS_PER_SET = 20
IMAGE_MODULUS = 235.0  # upstream's "image_modulus"


def labels_of_rows(n: int = N_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """(labels, sets) of rows 0..n-1: ``LABEL_ROTATION[row % 8]`` and ``row // 20``."""
    rows = np.arange(int(n))
    return np.asarray(LABEL_ROTATION)[rows % 8], rows // ROWS_PER_SET


def load_glyphs(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read upstream's ``dataset.csv``: 80 rows × 784 comma-separated floats.

    Returns ``(images (80, 784) float64 0..255, labels (80,), sets (80,))``.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidParameterError(
            f"The glyph data set must be a CSV file of 80 rows x 784 floats. Got {str(path)!r}, "
            "which does not exist."
        )
    images = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
    if images.shape != (N_ROWS, SIDE * SIDE):
        raise ShapeError(
            f"The glyph data set {str(path)!r} must hold {N_ROWS} rows x {SIDE * SIDE} values. "
            f"Got shape {images.shape}."
        )
    if not np.all(np.isfinite(images)) or images.min() < 0 or images.max() > 255:
        raise InvalidParameterError(
            f"The glyph data set {str(path)!r} must hold finite values within [0, 255]."
        )
    labels, sets = labels_of_rows(N_ROWS)
    return images, labels, sets


def firing_probability(images: np.ndarray) -> np.ndarray:
    """Upstream's input encoding: each image divided by the integer-truncated mean of its
    non-zero pixels, then by 235 → per-step spike probability of each input neuron
    (an all-zero image stays zero). Shape (n, 784) → (n, 784), float64."""
    x = np.asarray(images, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != SIDE * SIDE:
        raise ShapeError(f"images must have shape (n, {SIDE * SIDE}). Got {x.shape}.")
    out = np.zeros_like(x)
    for i, row in enumerate(x):
        ink = row > 0
        if ink.any():
            out[i] = row / int(row[ink].sum() / ink.sum())
    return out / IMAGE_MODULUS


# -- the generated stand-in ------------------------------------------------------
def _frame(rng: np.random.Generator) -> np.ndarray:
    """A border-only frame of 203 ink pixels: two rows/columns deep, a few gaps, half
    of the pixels bright and half faint (the real frame's mean ink is ~107)."""
    img = np.zeros((SIDE, SIDE))
    ring = np.zeros((SIDE, SIDE), dtype=bool)
    ring[:2, :] = ring[-2:, :] = ring[:, :2] = ring[:, -2:] = True  # 208 pixels
    coords = np.argwhere(ring)
    inner = (coords.min(axis=1) == 1) | (coords.max(axis=1) == SIDE - 2)
    gaps = rng.choice(np.flatnonzero(inner), size=5, replace=False)
    keep = np.ones(len(coords), dtype=bool)
    keep[gaps] = False
    for (r, c), k in zip(coords, keep, strict=True):
        if k:
            img[r, c] = rng.uniform(1, 20) if rng.random() < 0.5 else rng.uniform(160, 255)
    return np.round(img)


def _blob(rng: np.random.Generator) -> np.ndarray:
    img = np.zeros((SIDE, SIDE))
    n = int(rng.integers(8, 22))
    r, c = rng.integers(6, SIDE - 6, size=2)
    pix = {(int(r), int(c))}
    while len(pix) < n:  # grow a connected blob
        pr, pc = list(pix)[int(rng.integers(len(pix)))]
        dr, dc = ((0, 1), (1, 0), (0, -1), (-1, 0))[int(rng.integers(4))]
        pix.add((int(np.clip(pr + dr, 3, SIDE - 4)), int(np.clip(pc + dc, 3, SIDE - 4))))
    for pr, pc in pix:
        img[pr, pc] = rng.uniform(30, 255)
    return np.round(img)


def _shape_mask(rng: np.random.Generator, filled: bool, lo: int, hi: int) -> np.ndarray:
    """An ellipse, rectangle or triangle (filled, or an outline 1–3 pixels thick) with
    ``lo..hi`` pixels."""
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    for _ in range(1000):
        kind = int(rng.integers(3))
        cy, cx = rng.uniform(8, SIDE - 8, size=2)
        ry, rx = rng.uniform(2.5, 12.0, size=2)
        if kind == 0:
            inside = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1.0
        elif kind == 1:
            inside = (np.abs(yy - cy) <= ry * 0.8) & (np.abs(xx - cx) <= rx * 0.8)
        else:
            t = (yy - (cy - ry)) / (2 * ry)  # 0 at the apex, 1 at the base
            inside = (t >= 0) & (t <= 1) & (np.abs(xx - cx) <= t * rx)
        inside &= (yy >= 3) & (yy < SIDE - 3) & (xx >= 3) & (xx < SIDE - 3)
        if not filled:
            core = inside.copy()
            for _ in range(int(rng.integers(1, 4))):  # peel 1-3 pixel layers
                core[1:-1, 1:-1] = (core[1:-1, 1:-1] & core[:-2, 1:-1] & core[2:, 1:-1]
                                    & core[1:-1, :-2] & core[1:-1, 2:])
            inside = inside & ~core
        if lo <= inside.sum() <= hi:
            return inside
    raise RuntimeError("could not draw a glyph shape")  # pragma: no cover


def _outline(rng: np.random.Generator) -> np.ndarray:
    mask = _shape_mask(rng, False, 40, 216)
    level = rng.uniform(30, 120)  # dim, varied ink
    img = np.where(mask, np.clip(rng.normal(level, 0.4 * level, mask.shape), 5, 255), 0.0)
    return np.round(img)


def _filled(rng: np.random.Generator) -> np.ndarray:
    mask = _shape_mask(rng, True, 44, 394)
    if rng.random() < 0.5:  # an apple's stem
        r, c = np.argwhere(mask).min(axis=0)
        c = int(np.argwhere(mask[r]).mean())
        mask[max(r - 2, 1):r, c] = True
    img = np.where(mask, rng.uniform(170, 255, mask.shape), 0.0)
    return np.round(img)


def generate_glyphs(seed) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A procedural stand-in for the 80-glyph set: same row layout and label rule.

    Parameters
    ----------
    seed : int, Generator or SeedSequence
        Everything is drawn from it.

    Returns
    -------
    images : (80, 784) float64, integer values in 0..255 (ink high)
    labels : (80,) int, ``LABEL_ROTATION[row % 8]``
    sets : (80,) int, ``row // 20`` (4 sets of 20 rows)
    """
    rng = check_rng(seed)
    labels, sets = labels_of_rows(N_ROWS)
    frame = _frame(rng)
    makers = {1: _blob, 2: _outline, 3: _filled}
    images = np.empty((N_ROWS, SIDE * SIDE))
    for row, lab in enumerate(labels):
        images[row] = (frame if lab == 0 else makers[int(lab)](rng)).ravel()
    return images, labels, sets
