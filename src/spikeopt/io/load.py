"""``load_recording``: one entry point that picks the reader by file suffix."""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidParameterError
from .npz import load_npz_recording
from .recording import Recording

__all__ = ["load_recording", "TEXT_SUFFIXES"]

TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".asc", ".dat", ".voltage")


def load_recording(path, **options) -> Recording:
    """Read a recording, choosing the reader by suffix.

    ======================================  ==========================================
    suffix                                  reader (its keyword options)
    ======================================  ==========================================
    ``.npz``                                :func:`load_npz_recording`
    ``.nwb``                                :func:`load_nwb_recording` (pynwb)
    ``.csv .tsv .txt .asc .dat .voltage``   :func:`load_text_recording`
    a list of text files                    :func:`load_text_recording` (one sweep each)
    other suffixes Neo knows (``.abf``...)  :func:`load_neo_recording` (neo)
    ======================================  ==========================================

    ``options`` go to that reader; an option it does not take raises TypeError.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> p = Path(tempfile.mkdtemp()) / "rec.npz"
    >>> _ = Recording.from_arrays(current_pA=np.ones((3, 500)), dt_ms=0.1).to_npz(p)
    >>> load_recording(p)
    Recording(n_sweeps=3, n_samples=500, dt_ms=0.1, duration_ms=50, voltage=no)
    """
    if isinstance(path, list | tuple):
        from .text import load_text_recording

        return load_text_recording(path, **options)
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return load_npz_recording(path, **options)
    if suffix == ".nwb":
        from .nwb import load_nwb_recording

        return load_nwb_recording(path, **options)
    if suffix in TEXT_SUFFIXES:
        from .text import load_text_recording

        return load_text_recording(path, **options)
    if suffix:
        from .neo_io import load_neo_recording

        return load_neo_recording(path, **options)
    raise InvalidParameterError(
        f"{path}: no suffix, cannot choose a reader; expected .npz, .nwb, a text file "
        f"({', '.join(TEXT_SUFFIXES)}) or a format Neo reads (.abf ...).")
