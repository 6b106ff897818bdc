"""Vectorisable elementary functions for the model kernels.

numba calls libm's scalar ``exp``, which stops LLVM from vectorising a loop
(llvmlite from PyPI has no SVML). :func:`fast_exp` is branch-free and
vectorises: Cody–Waite range reduction x = k ln2 + r (|r| <= ln2/2), a
degree-13 Taylor polynomial for e^r (truncation error < 5e-18) and 2^k built
from its IEEE-754 bits. Measured against libm over [-700, 700] and [-30, 20]:
at most 1 ulp apart, identical for ~90 % of arguments, ~8× faster in a loop.
Arguments are clipped to [-708, 709], so the result is finite (e^709 ≈ 8e307
where libm gives inf beyond 709.78).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

__all__ = ["fast_exp"]

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # fdlibm's split of ln 2: k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10


@intrinsic
def _f64_from_bits(typingctx, x):
    """Reinterpret an int64 as a float64 (an LLVM bitcast; vectorises)."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return sig, codegen


@njit(inline="always", cache=True)
def fast_exp(x):
    """e**x for a float64 ``x`` (see the module docstring for accuracy)."""
    x = 709.0 if x > 709.0 else x
    x = -708.0 if x < -708.0 else x
    k = np.floor(x * _LOG2E + 0.5)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    p = 1.0 / 6227020800.0  # 1/13!
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    return p * _f64_from_bits((np.int64(k) + 1023) << 52)
