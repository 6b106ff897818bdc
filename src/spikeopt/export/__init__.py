"""Export fitted cells and networks as runnable scripts or files for other
simulators (:mod:`.nest`: PyNEST; :mod:`.brian2`: Brian2; :mod:`.neuroml`: NeuroML)."""

from collections.abc import Mapping

import numpy as np

from ..errors import InvalidParameterError

__all__ = ["one_candidate", "one_input"]


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


def one_input(model_or_network, stimulus, *, t_stop, dt: float, where: str):
    """``(is_network, stimulus)`` for an export of one candidate: a network takes no
    stimulus and needs ``t_stop`` (ms); a cell needs a stimulus (a Stimulus or
    current samples at ``dt``), made a Stimulus with one candidate's rows."""
    from ..network.spec import Network
    from ..stimuli import Stimulus

    if isinstance(model_or_network, Network) or (
            isinstance(model_or_network, Mapping) and "populations" in model_or_network):
        if stimulus is not None:
            raise InvalidParameterError("A network takes its inputs from its description; "
                                        "pass no stimulus.")
        if t_stop is None:
            raise InvalidParameterError(f"{where}(network, ...) needs t_stop (ms).")
        return True, None
    if stimulus is None:
        raise InvalidParameterError(f"{where}(model, ...) needs a stimulus (a Stimulus "
                                    "or current array sampled at dt).")
    if not isinstance(stimulus, Stimulus):
        stimulus = Stimulus(np.asarray(stimulus, dtype=np.float64), dt)
    if stimulus.per_candidate:
        if stimulus.values.shape[0] != 1:
            raise InvalidParameterError(
                f"{where} writes one candidate: a per-candidate stimulus must have one row. "
                f"Got {stimulus.values.shape[0]}.")
        stimulus = Stimulus(stimulus.values[0], stimulus.dt)
    return False, stimulus

