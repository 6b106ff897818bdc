"""Display helpers with no domain in them (the run layer's live view uses them too)."""

from __future__ import annotations

import numpy as np

__all__ = ["evenly_spaced"]


def evenly_spaced(n: int, k: int) -> np.ndarray:
    """At most ``k`` indices into ``range(n)``, evenly spaced, the first and the last
    included: which rows, frames or points a figure draws of ``n``.

    >>> evenly_spaced(10, 4).tolist(), evenly_spaced(3, 8).tolist(), evenly_spaced(0, 5).size
    ([0, 3, 6, 9], [0, 1, 2], 0)
    """
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.linspace(0, n - 1, min(k, n)).round().astype(np.int64))
