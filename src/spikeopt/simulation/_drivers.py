"""Cached drivers of the built-in models.

numba cannot cache a function that receives another jitted function as an
argument, and compiling the driver costs seconds per model and process. Each
built-in model therefore gets two one-line wrappers here (parallel over
blocks, and serial) that call the inlined driver with the model's step as a
global; numba caches them in ``__pycache__``. ``args`` is the driver's
argument tuple (see ``_engine._drive``).
"""

from __future__ import annotations

from pathlib import Path

from numba import njit

from .._numba_cache import MODEL_SOURCES, drop_stale_cache
from ..models.adex import _step as _adex
from ..models.adex_threshold import _step as _adex_th
from ..models.glif import _step1 as _glif1
from ..models.glif import _step2 as _glif2
from ..models.glif import _step3 as _glif3
from ..models.glif import _step4 as _glif4
from ..models.glif import _step5 as _glif5
from ..models.hh import _step as _hh
from ..models.izhikevich import _step2003, _step2007
from ..models.lif import _step as _lif
from ..models.mat import _step as _mat
from ..models.traub_miles import _step as _tm
from ._engine import drive_inline

__all__ = ["DRIVERS", "register_driver"]


# numba cannot see that these wrappers inline the driver and the model steps
drop_stale_cache(__file__, [Path(__file__).with_name("_engine.py"), *MODEL_SOURCES])


@njit(parallel=True, cache=True)
def _izh_p(args):
    drive_inline(_step2003, args)


@njit(cache=True)
def _izh_s(args):
    drive_inline(_step2003, args)


@njit(parallel=True, cache=True)
def _izh07_p(args):
    drive_inline(_step2007, args)


@njit(cache=True)
def _izh07_s(args):
    drive_inline(_step2007, args)


@njit(parallel=True, cache=True)
def _adex_p(args):
    drive_inline(_adex, args)


@njit(cache=True)
def _adex_s(args):
    drive_inline(_adex, args)


@njit(parallel=True, cache=True)
def _lif_p(args):
    drive_inline(_lif, args)


@njit(cache=True)
def _lif_s(args):
    drive_inline(_lif, args)


@njit(parallel=True, cache=True)
def _hh_p(args):
    drive_inline(_hh, args)


@njit(cache=True)
def _hh_s(args):
    drive_inline(_hh, args)


@njit(parallel=True, cache=True)
def _tm_p(args):
    drive_inline(_tm, args)


@njit(cache=True)
def _tm_s(args):
    drive_inline(_tm, args)


@njit(parallel=True, cache=True)
def _mat_p(args):
    drive_inline(_mat, args)


@njit(cache=True)
def _mat_s(args):
    drive_inline(_mat, args)


@njit(parallel=True, cache=True)
def _glif1_p(args):
    drive_inline(_glif1, args)


@njit(cache=True)
def _glif1_s(args):
    drive_inline(_glif1, args)


@njit(parallel=True, cache=True)
def _glif2_p(args):
    drive_inline(_glif2, args)


@njit(cache=True)
def _glif2_s(args):
    drive_inline(_glif2, args)


@njit(parallel=True, cache=True)
def _glif3_p(args):
    drive_inline(_glif3, args)


@njit(cache=True)
def _glif3_s(args):
    drive_inline(_glif3, args)


@njit(parallel=True, cache=True)
def _glif4_p(args):
    drive_inline(_glif4, args)


@njit(cache=True)
def _glif4_s(args):
    drive_inline(_glif4, args)


@njit(parallel=True, cache=True)
def _glif5_p(args):
    drive_inline(_glif5, args)


@njit(cache=True)
def _glif5_s(args):
    drive_inline(_glif5, args)


@njit(parallel=True, cache=True)
def _adex_th_p(args):
    drive_inline(_adex_th, args)


@njit(cache=True)
def _adex_th_s(args):
    drive_inline(_adex_th, args)


# step function -> (parallel driver, serial driver)
DRIVERS = {
    _step2003: (_izh_p, _izh_s),
    _step2007: (_izh07_p, _izh07_s),
    _adex: (_adex_p, _adex_s),
    _lif: (_lif_p, _lif_s),
    _hh: (_hh_p, _hh_s),
    _tm: (_tm_p, _tm_s),
    _mat: (_mat_p, _mat_s),
    _glif1: (_glif1_p, _glif1_s),
    _glif2: (_glif2_p, _glif2_s),
    _glif3: (_glif3_p, _glif3_s),
    _glif4: (_glif4_p, _glif4_s),
    _glif5: (_glif5_p, _glif5_s),
    _adex_th: (_adex_th_p, _adex_th_s),
}


def register_driver(step, parallel, serial) -> None:
    """Use ``parallel`` / ``serial`` (wrappers like those above) to simulate ``step``:
    the hook for models compiled at run time (:mod:`spikeopt.models.equations`)."""
    DRIVERS[step] = (parallel, serial)
