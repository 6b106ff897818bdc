"""Keep numba's on-disk cache honest for functions that inline code from other files.

numba keys a cached function on its own source file only. A kernel that
inlines model steps or generator functions from other files would otherwise
load a stale compiled version after those files changed. Call
:func:`drop_stale_cache` at import time of such a module, naming the files it
inlines: when their digest changed, the module's cache entries are removed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["drop_stale_cache", "MODEL_SOURCES"]

_PKG = Path(__file__).resolve().parent
MODEL_SOURCES = tuple(_PKG / "models" / f for f in (
    "adex.py", "hh.py", "izhikevich.py", "lif.py", "traub_miles.py", "mat.py", "glif.py",
    "adex_threshold.py", "_math.py"))


def drop_stale_cache(module_file: str, sources) -> None:
    """Drop ``module_file``'s numba cache entries if it or any of ``sources`` changed."""
    here = Path(module_file).resolve()
    files = [here, *(Path(s) for s in sources)]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()
    cache = here.parent / "__pycache__"
    stamp = cache / f"{here.stem}.sources.sha256"
    try:
        if stamp.exists() and stamp.read_text() == digest:
            return
        for f in cache.glob(f"{here.stem}.*.nb[ic]"):
            f.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        stamp.write_text(digest)
    except OSError:  # a read-only install: numba then caches elsewhere or not at all
        pass
