"""Compile a folder of NMODL ``.mod`` files once, cached by their content.

:func:`compile_mechanisms` runs NEURON's ``nrnivmodl`` in a cache folder named
by a SHA-256 hash of the ``.mod`` and ``.inc`` files (names and bytes) and the
NEURON version, so the same mechanisms are compiled once per machine and
version, whichever folder they come from; editing a file gives a new key. A
file lock makes concurrent worker processes wait for one compilation instead of
racing. :func:`load_mechanisms` loads a compiled library into this process
once (NEURON cannot unload a library, and loading two libraries that define
the same mechanism is an error).

The cache lives in ``$SPIKEOPT_NRNIVMODL_CACHE`` if set, else
``$XDG_CACHE_HOME/spikeopt/nrnivmodl`` (``~/.cache/spikeopt/nrnivmodl``).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidParameterError, SimulationError

__all__ = ["Mechanisms", "compile_mechanisms", "load_mechanisms", "cache_root"]

_DONE = "COMPILED"  # marker written after a successful nrnivmodl
_loaded: dict[str, Path] = {}  # content key -> library folder loaded in this process


@dataclass(frozen=True)
class Mechanisms:
    """A compiled mechanism library: ``path`` (the folder ``nrnivmodl`` ran in,
    what ``neuron.load_mechanisms`` takes), its content ``key``, and whether this
    call ``compiled`` it (False: a cache hit)."""

    path: Path
    key: str
    compiled: bool


def cache_root(cache_dir: str | os.PathLike | None = None) -> Path:
    """The cache folder: ``cache_dir``, ``$SPIKEOPT_NRNIVMODL_CACHE`` or
    ``$XDG_CACHE_HOME/spikeopt/nrnivmodl``."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get("SPIKEOPT_NRNIVMODL_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "spikeopt" / "nrnivmodl"


def _sources(mod_dir: Path) -> list[Path]:
    if not mod_dir.is_dir():
        raise InvalidParameterError(
            f"The 'mod_dir' of a NEURON cell must be a folder of .mod files. Got {str(mod_dir)!r}, "
            "which is not a folder.")
    mods = sorted(p for p in mod_dir.iterdir() if p.suffix == ".mod" and p.is_file())
    if not mods:
        raise InvalidParameterError(
            f"The 'mod_dir' of a NEURON cell must hold .mod files. Got {str(mod_dir)!r}, which "
            "has none.")
    incs = sorted(p for p in mod_dir.iterdir() if p.suffix == ".inc" and p.is_file())
    return mods + incs


def content_key(mod_dir: str | os.PathLike, neuron_version: str) -> str:
    """SHA-256 (first 20 hex digits) of the files' names and bytes, NEURON's
    version, the platform and the Python version."""
    h = hashlib.sha256()
    h.update(f"neuron {neuron_version}; {sys.platform}; {platform.machine()}; "
             f"py{sys.version_info[0]}.{sys.version_info[1]}\n".encode())
    for p in _sources(Path(mod_dir)):
        h.update(p.name.encode() + b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()[:20]


def neuron_version() -> str:
    """NEURON's version from its package metadata (NEURON itself is not started)."""
    from importlib import metadata

    for dist in ("neuron", "neuron-nightly", "NEURON"):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    import neuron  # a source build without metadata

    return str(neuron.__version__)


def _nrnivmodl() -> str:
    """The nrnivmodl next to this interpreter (a venv's bin), else on PATH."""
    here = Path(sys.executable).parent / "nrnivmodl"
    if here.exists():
        return str(here)
    found = shutil.which("nrnivmodl")
    if found is None:
        raise SimulationError(
            "nrnivmodl was not found next to the Python interpreter or on PATH: install "
            "NEURON (pip install 'spikeopt[neuron]') and a C compiler.")
    return found


def compile_mechanisms(mod_dir: str | os.PathLike, *, cache_dir: str | os.PathLike | None = None,
                       timeout_s: float = 600.0) -> Mechanisms:
    """Compile the ``.mod`` files of ``mod_dir`` with ``nrnivmodl`` (once per content).

    The files (and any ``.inc`` files next to them) are copied into
    ``<cache>/<key>/mod`` and compiled there; a second call with the same
    contents returns at once with ``compiled=False``. Raises
    :class:`~spikeopt.SimulationError` with the end of nrnivmodl's output when
    the compilation fails.
    """
    src = Path(mod_dir).resolve()
    key = content_key(src, neuron_version())
    root = cache_root(cache_dir)
    root.mkdir(parents=True, exist_ok=True)
    dest = root / key
    if (dest / _DONE).exists():
        return Mechanisms(dest, key, False)
    with open(root / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # other workers wait here for one compilation
        try:
            if (dest / _DONE).exists():
                return Mechanisms(dest, key, False)
            if dest.exists():  # an interrupted compilation: start again
                shutil.rmtree(dest)
            (dest / "mod").mkdir(parents=True)
            for p in _sources(src):
                shutil.copy2(p, dest / "mod" / p.name)
            try:
                out = subprocess.run([_nrnivmodl(), "mod"], cwd=dest, capture_output=True,
                                     text=True, timeout=timeout_s)
            except subprocess.TimeoutExpired:
                raise SimulationError(f"nrnivmodl on {src} ran past {timeout_s:g} s.") from None
            (dest / "nrnivmodl.log").write_text(out.stdout + out.stderr)
            if out.returncode != 0:
                tail = (out.stdout + out.stderr).strip()[-2000:]
                raise SimulationError(
                    f"nrnivmodl failed on the .mod files of {src} (exit code "
                    f"{out.returncode}):\n{tail}")
            (dest / _DONE).write_text(key)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return Mechanisms(dest, key, True)


def load_mechanisms(mech: Mechanisms) -> None:
    """Load a compiled library into this process's NEURON, once per content key."""
    if mech.key in _loaded:
        return
    import neuron

    if not neuron.load_mechanisms(str(mech.path), warn_if_already_loaded=False):
        raise SimulationError(f"NEURON found no compiled mechanisms in {mech.path}.")
    _loaded[mech.key] = mech.path
