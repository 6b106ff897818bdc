"""Timing helper shared by spikeopt's benchmarks and the peer workers that run in
their own venvs (standard library only)."""

from __future__ import annotations

import statistics
import time


def median_rate(fn, min_time: float = 0.5, repeats: int = 3) -> float:
    """Calls of ``fn`` per second: the median over ``repeats`` rounds of at least
    ``min_time`` seconds each."""
    rates = []
    for _ in range(repeats):
        n, t0 = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            dt = time.perf_counter() - t0
            if dt >= min_time:
                break
        rates.append(n / dt)
    return float(statistics.median(rates))
