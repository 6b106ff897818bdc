"""``validate()``: compare a model's spike trains with a target's, measure by
measure, with two-sample tests and a multiple-comparison correction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import InvalidParameterError, UnknownNameError
from ..spikes import SpikeTrains, as_spike_trains
from . import stats as st
from .measures import MEASURES, compute_measure
from .report import ValidationReport

__all__ = ["validate", "DEFAULT_TESTS", "DEFAULT_STATISTICS"]

DEFAULT_TESTS = ("rate", "cv", "lv", "corr")
DEFAULT_STATISTICS = ("student_t", "welch_t", "ks", "mannwhitney", "levene")


def validate(
    model_spikes,
    target_spikes,
    tests: Sequence[str] = DEFAULT_TESTS,
    *,
    alpha: float = 0.05,
    t_start: float | tuple[float, float] = 0.0,
    t_stop: float | tuple[float, float] | None = None,
    statistics: Sequence[str] = DEFAULT_STATISTICS,
    correction: str = "holm",
    options: Mapping[str, Mapping[str, object]] | None = None,
) -> ValidationReport:
    """Is the model's spiking statistically the same as the target's?

    Each measure in ``tests`` turns each set of spike trains into a sample (one
    value per neuron/sweep, per pair of neurons, or per time bin); every
    statistic in ``statistics`` compares the two samples; the p values of all
    measure × statistic rows form one family, corrected with ``correction``;
    a row passes when its adjusted p value is >= ``alpha``, and a measure
    passes when all its rows do.

    Parameters
    ----------
    model_spikes, target_spikes : SpikeTrains or list of arrays
        Spike times in ms, one train per neuron (or sweep).
    tests : sequence of str
        Measures (keys of :data:`spikeopt.validation.MEASURES`): ``"rate"``
        (Hz), ``"cv"``, ``"lv"``, ``"lvr"``, ``"fano"``, ``"corr"`` (pairwise
        binned correlation coefficients), ``"psth"`` (population rate per bin,
        Hz), ``"synchrony"``.
    alpha : float
        Significance level in (0, 1).
    t_start, t_stop : float or (float, float), optional
        Observation window in ms, for both sets or as (model, target). Spikes
        outside are ignored. When ``t_stop`` is None it is inferred for each set
        (its ``SpikeTrains.t_stop`` if set, else its last spike time) and the
        report says so.
    statistics : sequence of str
        Two-sample tests (keys of :data:`spikeopt.validation.stats.TESTS`).
    correction : {"holm", "bonferroni", "bh", "none"}
        Multiple-comparison correction across the whole table (Holm by default).
    options : dict, optional
        Per-measure keyword options, e.g. ``{"corr": {"bin_size": 10.0}}``.

    Returns
    -------
    ValidationReport

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> def poisson(n, rate_hz, t_ms):
    ...     return [np.sort(rng.uniform(0, t_ms, rng.poisson(rate_hz * t_ms / 1e3)))
    ...             for _ in range(n)]
    >>> rep = validate(poisson(40, 5.0, 20_000.0), poisson(40, 5.0, 20_000.0),
    ...                tests=("rate", "cv"), t_stop=20_000.0)
    >>> rep.verdicts
    {'rate': 'pass', 'cv': 'pass'}
    """
    import pandas as pd

    alpha = float(alpha)
    if not 0.0 < alpha < 1.0:
        raise InvalidParameterError(
            f"The 'alpha' parameter of validate must be in (0, 1). Got {alpha!r} instead."
        )
    if isinstance(tests, str):
        tests = (tests,)
    if isinstance(statistics, str):
        statistics = (statistics,)
    tests = tuple(dict.fromkeys(tests))
    statistics = tuple(dict.fromkeys(statistics))
    if not tests:
        raise InvalidParameterError("validate needs at least one measure in 'tests'.")
    for m in tests:
        if m not in MEASURES:
            raise UnknownNameError(
                f"Unknown validation measure {m!r}; expected one of {sorted(MEASURES)}."
            )
    for s in statistics:
        if s not in st.TESTS:
            raise UnknownNameError(
                f"Unknown two-sample test {s!r}; expected one of {sorted(st.TESTS)}."
            )
    if correction not in st.CORRECTIONS:
        raise UnknownNameError(
            f"Unknown multiple-comparison correction {correction!r}; "
            f"expected one of {st.CORRECTIONS}."
        )
    options = dict(options or {})
    for k in options:
        if k not in tests:
            raise InvalidParameterError(
                f"options were given for measure {k!r}, which is not in tests={tests}."
            )

    model = as_spike_trains(model_spikes, name="model_spikes")
    target = as_spike_trains(target_spikes, name="target_spikes")
    (m0, t0), (m1, t1) = _pairs(t_start, "t_start"), _pairs(t_stop, "t_stop")
    m1, how_m = _infer_stop(model, m0, m1, "model_spikes")
    t1, how_t = _infer_stop(target, t0, t1, "target_spikes")
    model_w = model.restrict(m0, m1)
    target_w = target.restrict(t0, t1)

    samples: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    rows: list[dict] = []
    results: list[tuple[str, st.TwoSampleResult | None]] = []
    notes: list[str] = []
    for m in tests:
        meas = MEASURES[m]
        opts = dict(options.get(m, {}))
        a = compute_measure(m, model_w, m0, m1, **opts)
        b = compute_measure(m, target_w, t0, t1, **opts)
        samples[m] = (a, b)
        fa, fb = st.finite(a), st.finite(b)
        if a.size - fa.size or b.size - fb.size:
            notes.append(
                f"{m}: {a.size - fa.size} model and {b.size - fb.size} target values "
                "undefined (e.g. too few spikes) and left out"
            )
        g = d = w = np.nan
        if fa.size >= 2 and fb.size >= 2:
            with np.errstate(all="ignore"):
                d = st.cohens_d(fa, fb)
                g = st.hedges_g(fa, fb)
        if fa.size and fb.size:
            w = st.wasserstein(fa, fb)
        for s in statistics:
            try:
                with np.errstate(all="ignore"):
                    res = st.two_sample(fa, fb, s)
            except InvalidParameterError:
                res = None
            results.append((m, res))
            rows.append(
                {
                    "measure": m,
                    "test": s,
                    "statistic": np.nan if res is None else res.statistic,
                    "p value": np.nan if res is None else res.pvalue,
                    "effect size": g,
                    "n_model": int(fa.size),
                    "n_target": int(fb.size),
                    "cohen_d": d,
                    "wasserstein": w,
                    "mean_model": float(fa.mean()) if fa.size else np.nan,
                    "mean_target": float(fb.mean()) if fb.size else np.nan,
                    "unit": meas.unit,
                }
            )
    table = pd.DataFrame(rows)
    padj = st.adjust_pvalues(table["p value"].to_numpy(), correction)
    verdict = np.where(np.isnan(padj), "n/a", np.where(padj < alpha, "fail", "pass"))
    cols = ["measure", "test", "statistic", "p value", "effect size", "n_model", "n_target"]
    table = table[cols + ["cohen_d", "wasserstein", "mean_model", "mean_target", "unit"]]
    table.insert(7, "verdict", verdict)
    table.insert(8, "p adjusted", padj)
    return ValidationReport(
        table=table,
        samples=samples,
        results=results,
        alpha=alpha,
        correction=correction,
        window_model=(m0, m1),
        window_target=(t0, t1),
        window_inferred=(how_m, how_t),
        model=model_w,
        target=target_w,
        units={m: MEASURES[m].unit for m in tests},
        labels={m: MEASURES[m].label for m in tests},
        notes=notes,
    )


def _pairs(x, name: str) -> tuple:
    if x is None:
        return (None, None)
    if isinstance(x, tuple | list):
        if len(x) != 2:
            raise InvalidParameterError(
                f"The {name!r} parameter of validate must be a number or a (model, target) "
                f"pair in ms. Got {x!r} instead."
            )
        return tuple(None if v is None else float(v) for v in x)
    return (float(x), float(x))


def _infer_stop(sp: SpikeTrains, start: float, stop, name: str) -> tuple[float, str | None]:
    how = None
    if stop is None:
        if sp.t_stop is not None:
            stop, how = sp.t_stop, "the spike container's t_stop"
        elif sp.times.size:
            stop, how = float(np.nextafter(sp.times.max(), np.inf)), "the last spike"
        else:
            raise InvalidParameterError(
                f"{name} has no spikes and no t_stop: give t_stop (ms) to validate."
            )
    if not stop > start:
        raise InvalidParameterError(
            f"The observation window of {name} must have t_stop > t_start. "
            f"Got t_start={start!r} ms, t_stop={stop!r} ms."
        )
    return float(stop), how
