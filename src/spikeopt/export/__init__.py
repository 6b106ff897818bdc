"""Export fitted cells and networks as runnable scripts or files for other
simulators (:mod:`.nest`: PyNEST; :mod:`.brian2`: Brian2; :mod:`.neuroml`: NeuroML)."""

from collections.abc import Mapping

import numpy as np

from ..errors import InvalidParameterError

__all__ = ["one_candidate"]


def one_candidate(params: Mapping | None, where: str) -> dict[str, float]:
    """``params`` with every value a scalar: an export writes one cell or network
    (``where`` names the exporter in the error)."""
    out = {}
    for k, v in (params or {}).items():
        a = np.asarray(v, dtype=np.float64)
        if a.size != 1:
            raise InvalidParameterError(f"{where} writes one candidate: parameter {k!r} must "
                                        f"be a scalar. Got shape {a.shape}.")
        out[k] = float(a.ravel()[0])
    return out

