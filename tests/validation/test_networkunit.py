"""Optional cross-check against NetworkUnit's own score classes.

NetworkUnit (with sciunit) pulls ~800 MB of dependencies and is not part of the
test environment; this module skips unless it is importable. To run it, in a
separate virtual environment: ``pip install -e '.[test]' networkunit`` and
``pytest tests/validation/test_networkunit.py`` (see docs/validation.md).
"""

from __future__ import annotations

import numpy as np
import pytest

from spikeopt.validation import stats as st

scores = pytest.importorskip(
    "networkunit.scores", reason="networkunit is not installed (optional cross-check)"
)


@pytest.fixture
def samples():
    rng = np.random.default_rng(7)
    return rng.normal(1.0, 1.0, 200), rng.normal(1.2, 1.5, 200)


@pytest.mark.parametrize(
    ("score_name", "ours", "kwargs"),
    [
        ("students_t", st.student_t, {}),
        ("students_t", st.welch_t, {"equal_var": False}),
        ("ks_distance", st.ks, {}),
    ],
)
def test_same_statistic_and_p_as_networkunit(samples, score_name, ours, kwargs):
    a, b = samples
    score = getattr(scores, score_name).compute(a, b, **kwargs)
    res = ours(a, b)
    assert float(score.score) == pytest.approx(res.statistic, rel=1e-12)
    assert float(score.pvalue) == pytest.approx(res.pvalue, rel=1e-12)


def test_levene_p_as_networkunit(samples):
    a, b = samples
    # NetworkUnit's levene_score is the p value itself
    assert float(scores.levene_score.compute(a, b).score) == pytest.approx(
        st.levene(a, b).pvalue, rel=1e-12
    )


def test_mann_whitney_as_networkunit(samples):
    a, b = samples
    try:
        score = scores.mwu_statistic.compute(a, b)
    except (TypeError, ValueError) as exc:  # it passes alternative=None, gone from scipy
        pytest.skip(f"NetworkUnit's mwu_statistic does not run with this scipy: {exc}")
    res = st.mann_whitney(a, b)
    # NetworkUnit reports U = min(U1, U2) and twice the one-sided p value
    assert float(score.score) == pytest.approx(min(res.statistic, a.size * b.size - res.statistic))
    assert float(score.pvalue) == pytest.approx(res.pvalue, rel=1e-6)


def test_effect_size_differs_only_by_documented_ddof(samples):
    a, b = samples
    score = scores.effect_size.compute(a, b)
    n1, n2 = a.size, b.size
    pooled0 = np.sqrt(((n1 - 1) * a.var() + (n2 - 1) * b.var()) / (n1 + n2 - 2))
    assert float(score.score) == pytest.approx(abs(a.mean() - b.mean()) / pooled0, rel=1e-9)
    assert abs(st.cohens_d(a, b)) == pytest.approx(float(score.score), rel=0.01)
