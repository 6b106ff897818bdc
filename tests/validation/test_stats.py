"""Two-sample statistics: identical to scipy.stats and to the textbook formulas."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from scipy import stats as sps

from spikeopt.errors import InvalidParameterError, UnknownNameError
from spikeopt.validation import stats as st

from .conftest import scipy_reference


@pytest.fixture
def samples(rng):
    a = rng.normal(1.0, 1.0, 200)
    b = rng.normal(1.3, 2.0, 150)
    a[[3, 17]] = np.nan  # undefined values are dropped, as NetworkUnit does
    b[5] = np.inf
    return a, b


def test_tests_equal_scipy_on_finite_samples(samples):
    a, b = samples
    fa, fb = a[np.isfinite(a)], b[np.isfinite(b)]
    assert set(st.TESTS) == {"student_t", "welch_t", "ks", "mannwhitney", "levene"}
    for key in st.TESTS:
        ref = scipy_reference(key, fa, fb)
        res = st.two_sample(a, b, key)
        assert res.statistic == float(ref.statistic), key
        assert res.pvalue == float(ref.pvalue), key
        assert (res.n1, res.n2, res.dropped) == (198, 149, 3)


def test_t_statistics_match_hand_formulas(samples):
    a, b = samples
    fa, fb = a[np.isfinite(a)], b[np.isfinite(b)]
    n1, n2 = fa.size, fb.size
    v1, v2 = fa.var(ddof=1), fb.var(ddof=1)
    sp2 = ((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2)
    t_student = (fa.mean() - fb.mean()) / math.sqrt(sp2 * (1 / n1 + 1 / n2))
    t_welch = (fa.mean() - fb.mean()) / math.sqrt(v1 / n1 + v2 / n2)
    assert st.student_t(a, b).statistic == pytest.approx(t_student, rel=1e-12)
    assert st.welch_t(a, b).statistic == pytest.approx(t_welch, rel=1e-12)
    p = 2 * sps.t.sf(abs(t_student), n1 + n2 - 2)
    assert st.student_t(a, b).pvalue == pytest.approx(p, rel=1e-10)


def test_ks_and_mwu_statistics_match_hand_formulas(samples):
    a, b = samples
    fa, fb = a[np.isfinite(a)], b[np.isfinite(b)]
    grid = np.concatenate([fa, fb])
    ecdf_a = np.searchsorted(np.sort(fa), grid, side="right") / fa.size
    ecdf_b = np.searchsorted(np.sort(fb), grid, side="right") / fb.size
    assert st.ks(a, b).statistic == pytest.approx(np.abs(ecdf_a - ecdf_b).max(), abs=1e-15)
    ranks = sps.rankdata(grid)
    u1 = ranks[: fa.size].sum() - fa.size * (fa.size + 1) / 2
    assert st.mann_whitney(a, b).statistic == u1


def test_levene_matches_brown_forsythe_formula(samples):
    a, b = samples
    groups = [x[np.isfinite(x)] for x in samples]
    z = [np.abs(g - np.median(g)) for g in groups]
    n = np.array([g.size for g in groups])
    zbar = np.array([zi.mean() for zi in z])
    zall = np.concatenate(z).mean()
    num = (n.sum() - 2) * (n * (zbar - zall) ** 2).sum()
    den = (2 - 1) * sum(((zi - zb) ** 2).sum() for zi, zb in zip(z, zbar, strict=True))
    assert st.levene(a, b).statistic == pytest.approx(num / den, rel=1e-12)


def test_printed_form_mirrors_networkunit(rng):
    a, b = rng.normal(size=200), rng.normal(size=200)
    text = str(st.student_t(a, b))
    m = re.fullmatch(
        r"Student's t-test  datasize: 200 200  t = (-?\d+\.\d{3})  p value = (\S+)", text
    )
    assert m, text
    ref = sps.ttest_ind(a, b)
    assert float(m.group(1)) == pytest.approx(ref.statistic, abs=5e-4)
    assert float(m.group(2)) == pytest.approx(ref.pvalue, rel=5e-3)
    assert str(st.ks(a, b)).startswith("Kolmogorov-Smirnov test  datasize: 200 200  D = ")
    assert " U = " in str(st.mann_whitney(a, b))
    assert " W = " in str(st.levene(a, b))


def test_effect_sizes_match_formulas(samples):
    a, b = samples
    fa, fb = a[np.isfinite(a)], b[np.isfinite(b)]
    n1, n2 = fa.size, fb.size
    sp = math.sqrt(((n1 - 1) * fa.var(ddof=1) + (n2 - 1) * fb.var(ddof=1)) / (n1 + n2 - 2))
    d = (fa.mean() - fb.mean()) / sp
    assert st.cohens_d(a, b) == pytest.approx(d, rel=1e-12)
    assert st.cohens_d(b, a) == pytest.approx(-d, rel=1e-12)
    df = n1 + n2 - 2
    assert st.hedges_g(a, b) == pytest.approx(d * (1 - 3 / (4 * df - 1)), rel=1e-6)
    assert st.wasserstein(a, b) == sps.wasserstein_distance(fa, fb)


def test_hedges_correction_exact_values():
    # J(df) = Γ(df/2) / (sqrt(df/2) Γ((df-1)/2)); J(2) = Γ(1) / Γ(1/2) = 1/sqrt(π)
    assert st.hedges_correction(2) == pytest.approx(1.0 / math.sqrt(math.pi), rel=1e-12)
    assert st.hedges_correction(10) == pytest.approx(
        24.0 / (math.sqrt(5.0) * math.gamma(4.5)), rel=1e-12
    )
    assert st.hedges_correction(10_000) == pytest.approx(1.0, abs=1e-4)


def test_zero_spread_effect_sizes():
    assert math.isnan(st.cohens_d([1.0, 1.0], [1.0, 1.0]))
    assert st.cohens_d([2.0, 2.0], [1.0, 1.0]) == math.inf


def test_errors_name_the_problem():
    with pytest.raises(UnknownNameError, match="Unknown two-sample test 'z'"):
        st.two_sample([1.0, 2.0], [1.0, 2.0], "z")
    with pytest.raises(InvalidParameterError, match="at least 2 finite"):
        st.student_t([1.0, np.nan], [1.0, 2.0, 3.0])
    with pytest.raises(UnknownNameError, match="correction"):
        st.adjust_pvalues([0.1], "sidak")


def test_holm_by_hand():
    p = [0.01, 0.04, 0.03, 0.005]
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1 -> max(0.06, 0.04)=0.06
    assert st.adjust_pvalues(p, "holm").tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert st.adjust_pvalues(p, "bonferroni").tolist() == pytest.approx([0.04, 0.16, 0.12, 0.02])
    assert st.adjust_pvalues(p, "none").tolist() == p


def test_nan_pvalues_are_not_counted():
    out = st.adjust_pvalues([0.01, np.nan, 0.02], "holm")
    assert np.isnan(out[1])
    assert out[[0, 2]].tolist() == pytest.approx([0.02, 0.02])
    assert np.isnan(st.adjust_pvalues([np.nan], "bh")).all()


@settings(max_examples=60, deadline=None)
@given(hst.lists(hst.floats(0.0, 1.0), min_size=1, max_size=30))
def test_corrections_are_ordered_and_bh_matches_scipy(ps):
    p = np.array(ps)
    holm = st.adjust_pvalues(p, "holm")
    bonf = st.adjust_pvalues(p, "bonferroni")
    bh = st.adjust_pvalues(p, "bh")
    assert np.all(p <= holm + 1e-15) and np.all(holm <= bonf + 1e-15)
    assert np.all(bh <= holm + 1e-12)
    np.testing.assert_allclose(bh, sps.false_discovery_control(p, method="bh"), rtol=1e-12)
    # rejecting at alpha with Holm's adjusted p equals Holm's step-down procedure
    order = np.argsort(p, kind="stable")
    reject = np.zeros(p.size, bool)
    for k, i in enumerate(order):
        if p[i] >= 0.05 / (p.size - k):
            break
        reject[i] = True
    assert np.array_equal(reject, holm < 0.05)
