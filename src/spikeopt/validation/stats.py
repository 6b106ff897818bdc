"""Two-sample statistics for validation: tests, effect sizes, distances and
multiple-comparison correction.

Every test drops non-finite values (a CV of a train with fewer than three
spikes is NaN, say) and then calls :mod:`scipy.stats` with its defaults, so the
numbers are identical to ``scipy.stats`` on the same finite samples:

============  =========================  ==========================================
key           name                       scipy call
============  =========================  ==========================================
student_t     Student's t-test           ``ttest_ind(a, b)`` (equal variances)
welch_t       Welch's t-test             ``ttest_ind(a, b, equal_var=False)``
ks            Kolmogorov-Smirnov test    ``ks_2samp(a, b)`` (exact or asymptotic: auto)
mannwhitney   Mann-Whitney U test        ``mannwhitneyu(a, b)`` (two-sided, auto method)
levene        Levene's test              ``levene(a, b)`` (``center="median"``)
============  =========================  ==========================================

Effect sizes are signed (``a`` minus ``b``): Cohen's d with the pooled
standard deviation of ``ddof=1`` variances, and Hedges' g, Cohen's d times the
exact small-sample correction ``J(df) = Γ(df/2) / (sqrt(df/2) Γ((df-1)/2))``,
``df = n_a + n_b - 2``. (NetworkUnit's ``effect_size`` score pools ``ddof=0``
standard deviations and reports ``|d|``; ours is the textbook definition.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError, UnknownNameError

__all__ = [
    "TESTS",
    "CORRECTIONS",
    "TwoSampleResult",
    "two_sample",
    "student_t",
    "welch_t",
    "ks",
    "mann_whitney",
    "levene",
    "cohens_d",
    "hedges_g",
    "wasserstein",
    "adjust_pvalues",
    "finite",
]

# key -> (printed name, symbol of the statistic)
TESTS: dict[str, tuple[str, str]] = {
    "student_t": ("Student's t-test", "t"),
    "welch_t": ("Welch's t-test", "t"),
    "ks": ("Kolmogorov-Smirnov test", "D"),
    "mannwhitney": ("Mann-Whitney U test", "U"),
    "levene": ("Levene's test", "W"),
}

CORRECTIONS = ("holm", "bonferroni", "bh", "none")


@dataclass(frozen=True)
class TwoSampleResult:
    """The outcome of one two-sample test.

    ``n1``/``n2`` are the sizes of the finite samples actually tested;
    ``dropped`` counts the non-finite values removed from both.
    """

    test: str
    statistic: float
    pvalue: float
    n1: int
    n2: int
    dropped: int = 0

    @property
    def name(self) -> str:
        return TESTS[self.test][0]

    @property
    def symbol(self) -> str:
        return TESTS[self.test][1]

    def __str__(self) -> str:
        return (
            f"{self.name}  datasize: {self.n1} {self.n2}  "
            f"{self.symbol} = {self.statistic:.3f}  p value = {_fmt_p(self.pvalue)}"
        )


def _fmt_p(p: float) -> str:
    return "nan" if p != p else f"{p:.3g}"


def finite(x, *, name: str = "sample") -> np.ndarray:
    """``x`` as a 1-D float64 array without NaN/inf values."""
    a = np.asarray(x, dtype=np.float64).reshape(-1)
    return a[np.isfinite(a)]


def _scipy_stats():
    # imported on first use: scipy.stats takes seconds to import
    from scipy import stats

    return stats


def _pair(a, b, *, where: str, min_n: int = 1) -> tuple[np.ndarray, np.ndarray, int]:
    a0 = np.asarray(a, dtype=np.float64).reshape(-1)
    b0 = np.asarray(b, dtype=np.float64).reshape(-1)
    fa, fb = finite(a0), finite(b0)
    dropped = a0.size - fa.size + b0.size - fb.size
    for label, s in (("first", fa), ("second", fb)):
        if s.size < min_n:
            raise InvalidParameterError(
                f"{where} needs at least {min_n} finite value(s) in the {label} sample. "
                f"Got {s.size}."
            )
    return fa, fb, dropped


def _result(test, res, fa, fb, dropped) -> TwoSampleResult:
    return TwoSampleResult(
        test, float(res.statistic), float(res.pvalue), int(fa.size), int(fb.size), dropped
    )


def student_t(a, b) -> TwoSampleResult:
    """Student's two-sample t-test (equal variances), as ``scipy.stats.ttest_ind``.

    Examples
    --------
    >>> r = student_t([1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 5.0])
    >>> print(r)
    Student's t-test  datasize: 4 4  t = -1.095  p value = 0.315
    """
    fa, fb, dropped = _pair(a, b, where="student_t", min_n=2)
    return _result("student_t", _scipy_stats().ttest_ind(fa, fb), fa, fb, dropped)


def welch_t(a, b) -> TwoSampleResult:
    """Welch's t-test (unequal variances), as ``ttest_ind(a, b, equal_var=False)``."""
    fa, fb, dropped = _pair(a, b, where="welch_t", min_n=2)
    return _result("welch_t", _scipy_stats().ttest_ind(fa, fb, equal_var=False), fa, fb, dropped)


def ks(a, b) -> TwoSampleResult:
    """Two-sample Kolmogorov-Smirnov test, as ``scipy.stats.ks_2samp``."""
    fa, fb, dropped = _pair(a, b, where="ks")
    return _result("ks", _scipy_stats().ks_2samp(fa, fb), fa, fb, dropped)


def mann_whitney(a, b) -> TwoSampleResult:
    """Two-sided Mann-Whitney U test, as ``scipy.stats.mannwhitneyu``.

    The statistic is U of the first sample.
    """
    fa, fb, dropped = _pair(a, b, where="mann_whitney")
    return _result("mannwhitney", _scipy_stats().mannwhitneyu(fa, fb), fa, fb, dropped)


def levene(a, b, *, center: str = "median") -> TwoSampleResult:
    """Levene's test of equal variances (Brown-Forsythe with the default
    ``center="median"``), as ``scipy.stats.levene``."""
    fa, fb, dropped = _pair(a, b, where="levene", min_n=2)
    return _result("levene", _scipy_stats().levene(fa, fb, center=center), fa, fb, dropped)


_FUNCS = {
    "student_t": student_t,
    "welch_t": welch_t,
    "ks": ks,
    "mannwhitney": mann_whitney,
    "levene": levene,
}


def two_sample(a, b, test: str = "student_t") -> TwoSampleResult:
    """Run the two-sample test named ``test`` (a key of :data:`TESTS`)."""
    try:
        fn = _FUNCS[test]
    except KeyError:
        raise UnknownNameError(
            f"Unknown two-sample test {test!r}; expected one of {sorted(_FUNCS)}."
        ) from None
    return fn(a, b)


# -- effect sizes and distances -------------------------------------------------
def _pooled_sd(fa: np.ndarray, fb: np.ndarray) -> float:
    n1, n2 = fa.size, fb.size
    v = ((n1 - 1) * fa.var(ddof=1) + (n2 - 1) * fb.var(ddof=1)) / (n1 + n2 - 2)
    return float(np.sqrt(v))


def cohens_d(a, b) -> float:
    """Cohen's d = (mean(a) - mean(b)) / pooled SD (``ddof=1`` variances).

    Non-finite values are dropped. Identical samples with zero spread give
    ``nan`` (0 / 0); a mean difference with zero spread gives ``±inf``.

    Examples
    --------
    >>> round(cohens_d([1.0, 2.0, 3.0], [2.0, 3.0, 4.0]), 6)
    -1.0
    """
    fa, fb, _ = _pair(a, b, where="cohens_d", min_n=2)
    diff = float(fa.mean() - fb.mean())
    sd = _pooled_sd(fa, fb)
    if sd == 0.0:
        return float("nan") if diff == 0.0 else float(np.copysign(np.inf, diff))
    return diff / sd


def hedges_correction(df: int) -> float:
    """Exact small-sample bias factor ``J(df)`` of Hedges' g (→ 1 as df grows)."""
    if df < 2:
        raise InvalidParameterError(f"Hedges' correction needs df >= 2. Got {df}.")
    return math.exp(math.lgamma(df / 2) - math.lgamma((df - 1) / 2)) / math.sqrt(df / 2)


def hedges_g(a, b) -> float:
    """Hedges' g: Cohen's d times the exact correction ``J(n_a + n_b - 2)``."""
    fa, fb, _ = _pair(a, b, where="hedges_g", min_n=2)
    return cohens_d(fa, fb) * hedges_correction(fa.size + fb.size - 2)


def wasserstein(a, b) -> float:
    """First Wasserstein (earth mover's) distance between the two empirical
    distributions, as ``scipy.stats.wasserstein_distance``, in the unit of the
    samples."""
    fa, fb, _ = _pair(a, b, where="wasserstein")
    return float(_scipy_stats().wasserstein_distance(fa, fb))


# -- multiple comparisons -------------------------------------------------------
def adjust_pvalues(pvalues, method: str = "holm") -> np.ndarray:
    """Adjust a family of p-values for multiple comparisons.

    Parameters
    ----------
    pvalues : array_like, shape (m,)
        NaN entries (tests that could not run) stay NaN and are not counted.
    method : {"holm", "bonferroni", "bh", "none"}
        Holm's step-down (controls the family-wise error rate, uniformly more
        powerful than Bonferroni; the default), Bonferroni, Benjamini-Hochberg
        (controls the false discovery rate), or no correction.

    Returns
    -------
    numpy.ndarray, shape (m,)
        Adjusted p-values, clipped to 1; reject a hypothesis when its adjusted
        p-value is below alpha.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03], "holm").round(4).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(pvalues, dtype=np.float64).reshape(-1)
    if method not in CORRECTIONS:
        raise UnknownNameError(
            f"Unknown multiple-comparison correction {method!r}; expected one of {CORRECTIONS}."
        )
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    q = p[ok]
    m = q.size
    if m == 0:
        return out
    if method == "none":
        adj = q.copy()
    elif method == "bonferroni":
        adj = np.minimum(q * m, 1.0)
    elif method == "holm":
        order = np.argsort(q, kind="stable")
        stepped = np.maximum.accumulate((m - np.arange(m)) * q[order])
        adj = np.empty(m)
        adj[order] = np.minimum(stepped, 1.0)
    else:  # Benjamini-Hochberg step-up
        order = np.argsort(q, kind="stable")
        scaled = q[order] * m / np.arange(1, m + 1)
        stepped = np.minimum.accumulate(scaled[::-1])[::-1]
        adj = np.empty(m)
        adj[order] = np.minimum(stepped, 1.0)
    out[ok] = adj
    return out
