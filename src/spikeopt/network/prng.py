"""A small counter-based generator for compiled code: SplitMix64.

numba's ``np.random`` keeps one hidden state per thread, so draws inside a
``prange`` depend on scheduling. spikeopt's kernels instead carry one explicit
64-bit state per stream (a candidate's connectivity of one projection, the
noise of one input...), seeded from the candidate's ``SeedSequence``: the same
seed gives the same draws whatever the thread count or chunking.

SplitMix64 (Steele, Lea & Flood 2014; the seeding generator of xoshiro) passes
BigCrush as a sequence; ``uniform`` keeps the top 53 bits.

>>> import numpy as np
>>> s = np.array([42], dtype=np.uint64)
>>> u = [uniform(s) for _ in range(3)]
>>> all(0.0 <= x < 1.0 for x in u), bool(s[0] != 42)
(True, True)
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["next_u64", "uniform", "exponential", "normal", "below"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(inline="always", cache=True)
def next_u64(state):
    """Advance ``state`` (a uint64 array, element 0) and return 64 random bits."""
    z = state[0] + _GOLDEN
    state[0] = z
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(inline="always", cache=True)
def uniform(state):
    """A float64 in [0, 1)."""
    return float(next_u64(state) >> _S11) * _INV53


@njit(inline="always", cache=True)
def exponential(state):
    """Exp(1): ``-log(1 - U)``."""
    return -math.log(1.0 - uniform(state))


@njit(inline="always", cache=True)
def normal(state):
    """N(0, 1) by Box–Muller (one of the pair; simple and branch-free)."""
    u1 = 1.0 - uniform(state)
    u2 = uniform(state)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@njit(inline="always", cache=True)
def below(state, n):
    """An integer in [0, n) (n >= 1), by multiply-shift of 53 random bits."""
    return int(uniform(state) * n)
