"""Statistical validation: is a model's spiking the same as the data's?

NetworkUnit-style two-sample comparison of two sets of spike trains (model and
target), measure by measure (firing rate, ISI CV, LV, LvR, Fano factor,
pairwise correlations, PSTH, synchrony), with Student's and Welch's t,
Kolmogorov-Smirnov, Mann-Whitney U and Levene tests, Cohen's d / Hedges' g and
the Wasserstein distance, a multiple-comparison correction (Holm by default),
and a :class:`ValidationReport` with a table, Markdown/HTML and figures.
Entry point: :func:`validate`. See ``docs/validation.md``.
"""

from . import stats
from .core import DEFAULT_STATISTICS, DEFAULT_TESTS, validate
from .measures import MEASURES, Measure, compute_measure, golomb_synchrony
from .report import TABLE_COLUMNS, ValidationReport
from .stats import (
    TESTS,
    TwoSampleResult,
    adjust_pvalues,
    cohens_d,
    hedges_g,
    two_sample,
    wasserstein,
)

__all__ = [
    "DEFAULT_STATISTICS",
    "DEFAULT_TESTS",
    "MEASURES",
    "Measure",
    "TABLE_COLUMNS",
    "TESTS",
    "TwoSampleResult",
    "ValidationReport",
    "adjust_pvalues",
    "cohens_d",
    "compute_measure",
    "golomb_synchrony",
    "hedges_g",
    "stats",
    "two_sample",
    "validate",
    "wasserstein",
]
