"""The single-cell problem's objective: simulate, then score with the terms.

A :class:`CellObjective` is a picklable callable ``objective(params) -> losses``
for :func:`spikeopt.optimize`: it simulates all P candidates under all S
training sweeps in one call and scores them against the recorded spikes (and
voltage) with one or several :class:`~spikeopt.objectives.Term` s. Lower is
better. A candidate whose simulation diverges gets NaN, which the runner turns
into its penalty and records as the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from ..backends import simulate
from ..errors import ConfigError, InvalidParameterError
from ..objectives import Term
from ..run import Losses
from ..spikes import SpikeTrains
from ..stimuli import Stimulus
from .cell_models import cell_model

__all__ = ["CellObjective"]


class CellObjective:
    """Score P candidates of ``model`` against S recorded training sweeps.

    Parameters
    ----------
    model : str, Model, or a config's model mapping (equations or a NEURON cell)
    current_pA : array (S, T)
        Injected current of each training sweep, sampled every ``data_dt_ms``.
    target : SpikeTrains
        Recorded spike times (ms), one row per sweep.
    data_dt_ms : float
        Sampling interval of the recording.
    terms : sequence of Term (or configs)
    fixed : dict, optional
        Parameter values set but not fitted (model units).
    sim_dt_ms : float, optional
        Simulation step (default: the data's dt). Must divide ``data_dt_ms``
        when the voltage term is used.
    voltage_mV : array (S, T), optional
        Recorded voltage (needed by the ``voltage`` term).
    multi_objective : bool
        Return (P, M) with one column per term instead of their weighted sum.
    backend : str or mapping, optional
        The simulator (see :func:`spikeopt.simulate`): ``"numba"`` (default) or a
        config's ``{name, workers, timeout_s, options}``.
    current_of_sweep : array of int (S,), optional
        The row of ``current_pA`` that drives each target sweep. With repeated
        stimuli, one simulation per stimulus (under, say, its first repeat's
        current) is scored against every recorded repeat — the QSNMC challenge's
        own rule, at a fraction of the simulations. Default: row ``s`` drives sweep
        ``s`` (``current_pA`` has one row per sweep).
    """

    def __init__(self, model, current_pA, target: SpikeTrains, data_dt_ms: float, terms,
                 *, fixed=None, sim_dt_ms: float | None = None, voltage_mV=None,
                 multi_objective: bool = False, backend="numba", current_of_sweep=None):
        self.model_spec = model
        self.model = cell_model(model)
        self.backend = backend
        self.current = np.atleast_2d(np.asarray(current_pA, dtype=np.float64))
        self.data_dt = float(data_dt_ms)
        self.sim_dt = float(sim_dt_ms or data_dt_ms)
        self.target = target
        self.current_of_sweep = None
        if current_of_sweep is not None:
            rows = np.asarray(current_of_sweep)
            n = self.current.shape[0]
            if (rows.shape != (len(target),) or rows.dtype.kind not in "iu"
                    or rows.min(initial=0) < 0 or rows.max(initial=0) >= n):
                raise InvalidParameterError(
                    f"The 'current_of_sweep' parameter of CellObjective must be {len(target)} "
                    f"integer row indices into current_pA's {n} rows. Got {rows!r} instead.")
            self.current_of_sweep = rows.astype(np.int64)
        elif len(target) != self.current.shape[0]:
            raise InvalidParameterError(
                f"target has {len(target)} sweeps but current_pA has {self.current.shape[0]}."
            )
        self.terms = [t if isinstance(t, Term) else Term.from_config(t) for t in terms]
        if not self.terms:
            raise ConfigError("The objective needs at least one term.")
        self.fixed = dict(fixed or {})
        for name in self.fixed:
            self.model.parameter(name)  # raises with the list of valid names
        self.voltage = None if voltage_mV is None else np.atleast_2d(np.asarray(voltage_mV))
        self.needs_v = any(t.needs_voltage for t in self.terms)
        if self.needs_v and self.voltage is None:
            raise ConfigError("The 'voltage' objective needs recorded voltage (voltage_mV).")
        ratio = self.data_dt / self.sim_dt
        self.v_step = int(round(ratio))
        if self.needs_v and abs(ratio - self.v_step) > 1e-9:
            raise ConfigError(
                f"sim_dt_ms ({self.sim_dt}) must divide the data dt ({self.data_dt}) for the "
                "voltage term."
            )
        self.multi = bool(multi_objective)
        self.stimulus = Stimulus(self.current, self.data_dt)
        self._tiled: SpikeTrains | None = None
        self._vref: dict = {}
        self.t_stop = self.stimulus.duration
        if target.t_stop is None:
            self.target = SpikeTrains(target.times, target.offsets, t_stop=self.t_stop)

    def __getstate__(self):  # a generated or imported model is rebuilt from its spec
        state = dict(self.__dict__)
        if isinstance(self.model_spec, Mapping):
            state["model"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if self.model is None:
            self.model = cell_model(self.model_spec)

    def tiled_target(self, P: int) -> SpikeTrains:
        """The S target sweeps repeated for P candidates (candidate-major rows)."""
        S = len(self.target)
        if self._tiled is None or len(self._tiled) != P * S:
            self._tiled = self.target.take(np.tile(np.arange(S), P))
        return self._tiled

    def voltage_reference(self, clip_mV: float):
        """(mask (S, T), scale (S,), clipped data (S, T)) for the voltage term: the
        samples outside [-2, +10] ms around recorded spikes, data clipped at ``clip_mV``,
        and the s.d. (mV) of each sweep's kept samples."""
        key = float(clip_mV)
        if key not in self._vref:
            S, T = self.voltage.shape
            mask = np.ones((S, T), dtype=bool)
            for s in range(S):
                t = self.target[s]
                lo = np.clip(np.floor((t - 2.0) / self.data_dt).astype(np.int64), 0, T)
                hi = np.clip(np.floor((t + 10.0) / self.data_dt).astype(np.int64) + 1, 0, T)
                cover = np.zeros(T + 1, dtype=np.int64)
                np.add.at(cover, lo, 1)
                np.add.at(cover, hi, -1)
                mask[s] = np.cumsum(cover[:T]) == 0
                if not mask[s].any():  # a sweep that is all spikes: use every sample
                    mask[s] = True
            data = np.minimum(self.voltage, key)
            scale = np.array([max(float(data[s][mask[s]].std()), 1e-3) for s in range(S)])
            self._vref[key] = (mask, scale, data)
        return self._vref[key]

    @property
    def n_objectives(self) -> int:
        return len(self.terms) if self.multi else 1

    def simulate(self, params: Mapping[str, np.ndarray], stimulus: Stimulus | None = None,
                 record_v: bool = False):
        """Simulate the candidates (fixed values added) under the training sweeps or
        ``stimulus``."""
        P = len(np.atleast_1d(next(iter(params.values())))) if params else 1
        full = {k: np.full(P, float(v)) for k, v in self.fixed.items()}
        full.update({k: np.asarray(v, dtype=np.float64) for k, v in params.items()})
        return simulate(self.model, full, stimulus or self.stimulus, dt=self.sim_dt,
                        record_v=record_v, v_every=self.v_step, backend=self.backend)

    def expand(self, res):
        """The SimResult of the current rows as one row per target sweep (its
        stimulus's row where ``current_of_sweep`` is set; ``res`` otherwise). The
        voltage is not copied: ``v_rows`` (P·S,) gives each target row's row of ``v``."""
        if self.current_of_sweep is None:
            return res
        P, S = res.n_candidates, len(self.current_of_sweep)
        rows = (np.arange(P)[:, None] * res.n_sweeps + self.current_of_sweep[None, :]).ravel()
        return replace(res, spikes=res.spikes.take(rows), failed=res.failed[rows],
                       fail_time=res.fail_time[rows], n_sweeps=S, v_rows=rows)

    def __call__(self, params: Mapping[str, np.ndarray]) -> np.ndarray:
        res = self.expand(self.simulate(params, record_v=self.needs_v))
        cols = [t.evaluate(res, self) for t in self.terms]
        L = np.stack(cols, axis=1)
        L[res.failed_candidates] = np.nan  # the runner records these as failed
        L = L if self.multi else L.sum(axis=1)
        if res.reasons is not None and any(res.reasons):  # a crash, timeout or error
            return Losses(L, [f"simulation: {r}" if r else "" for r in res.reasons])
        return L
