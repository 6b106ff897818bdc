"""Cached drivers of the built-in models.

numba cannot cache a function that receives another jitted function as an
argument, and compiling the driver costs seconds per model and process. Each
built-in model therefore gets two one-line wrappers here (parallel over
blocks, and serial) that call the inlined driver with the model's step as a
global; numba caches them in ``__pycache__``. ``args`` is the driver's
argument tuple (see ``_engine._drive``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from numba import njit

from ..models.adex import _step as _adex
from ..models.izhikevich import _step2003, _step2007
from ..models.lif import _step as _lif
from ._engine import drive_inline

__all__ = ["DRIVERS"]


def _drop_stale_cache() -> None:
    """numba keys a cached function on its own file only, but these wrappers inline
    the driver and the model steps from other files: drop their cache entries when
    any of those sources changed (a stale entry would run the old code)."""
    here = Path(__file__).resolve()
    models = here.parents[1] / "models"
    sources = [here, here.with_name("_engine.py"), models / "adex.py",
               models / "izhikevich.py", models / "lif.py", models / "_math.py"]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()
    cache = here.parent / "__pycache__"
    stamp = cache / "_drivers.sources.sha256"
    try:
        if stamp.exists() and stamp.read_text() == digest:
            return
        for f in cache.glob("_drivers.*.nb[ic]"):
            f.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        stamp.write_text(digest)
    except OSError:  # a read-only install: numba then caches elsewhere or not at all
        pass


_drop_stale_cache()


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


# step function -> (parallel driver, serial driver)
DRIVERS = {
    _step2003: (_izh_p, _izh_s),
    _step2007: (_izh07_p, _izh07_s),
    _adex: (_adex_p, _adex_s),
    _lif: (_lif_p, _lif_s),
}
