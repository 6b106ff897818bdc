"""The default backend: spikeopt's own batched numba engine."""

from __future__ import annotations

from ..network.spec import Network
from ..simulation import simulate as _simulate

__all__ = ["NumbaBackend"]


class NumbaBackend:
    """All P candidates in one compiled call (:func:`spikeopt.simulation.simulate`).

    ``dtype`` (``"float64"`` or ``"float32"``) sets the single-cell state precision.
    """

    name = "numba"
    batched = True

    def __init__(self, dtype: str = "float64"):
        self.dtype = dtype

    def supports(self, model) -> str | None:
        if isinstance(model, str | Network) or hasattr(model, "step") or (
                isinstance(model, dict) and "populations" in model):
            return None
        return (f"the numba engine runs spikeopt models and network descriptions, not "
                f"{type(model).__name__}; use the backend that defines it")

    def simulate_cells(self, model, params, stimulus, *, dt, t_stop, record_v, v_every,
                       initial):
        return _simulate(model, params, stimulus, dt=dt, t_stop=t_stop, record_v=record_v,
                         v_every=v_every, initial=initial, dtype=self.dtype)

    def simulate_network(self, network, params, *, t_stop, dt, seed, **options):
        return _simulate(network, params, t_stop=t_stop, dt=dt, seed=seed, **options)
