"""validate(): measures, table, verdicts, window, report forms and figures."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

import spikeopt
from spikeopt import SpikeTrains, metrics
from spikeopt.errors import InvalidParameterError, UnknownNameError
from spikeopt.validation import (
    DEFAULT_STATISTICS,
    MEASURES,
    TABLE_COLUMNS,
    compute_measure,
    golomb_synchrony,
    validate,
)
from spikeopt.validation import stats as st

from .conftest import gamma_trains, poisson_trains, scipy_reference

T = 20_000.0  # ms


def test_same_process_passes_different_regularity_fails(rng):
    model = poisson_trains(rng, 60, rng.uniform(4, 8, 60), T)
    same = poisson_trains(rng, 50, rng.uniform(4, 8, 50), T)
    regular = gamma_trains(rng, 50, 6.0, 8.0, T)  # CV ≈ 0.35, LV ≈ 0.3
    rep = validate(model, same, tests=("rate", "cv", "lv"))
    assert rep.verdicts == {"rate": "pass", "cv": "pass", "lv": "pass"}
    assert rep.passed
    rep = validate(model, regular, tests=("rate", "cv", "lv"))
    assert rep.verdicts["cv"] == "fail" and rep.verdicts["lv"] == "fail"
    assert not rep.passed
    cv_g = rep.table.loc[rep.table["measure"] == "cv", "effect size"].iloc[0]
    assert cv_g > 2  # Poisson CV 1 vs gamma CV ~0.35: a huge positive effect


def test_table_rows_equal_scipy_on_the_metrics_samples(rng):
    a = poisson_trains(rng, 30, 5.0, T)
    b = gamma_trains(rng, 25, 5.0, 2.0, T)
    tests = ("rate", "cv", "lv", "lvr", "fano", "corr")
    rep = validate(a, b, tests=tests, t_stop=T)
    assert list(rep.table.columns[: len(TABLE_COLUMNS)]) == list(TABLE_COLUMNS)
    assert len(rep.table) == len(tests) * len(DEFAULT_STATISTICS)
    direct = {
        "rate": metrics.firing_rate,
        "cv": metrics.isi_cv,
        "lv": metrics.lv,
    }
    for m, fn in direct.items():
        np.testing.assert_array_equal(rep.samples[m][0], fn(a, t_stop=T))
        np.testing.assert_array_equal(rep.samples[m][1], fn(b, t_stop=T))
    c = metrics.correlation_coefficient(a, bin_size=5.0, t_stop=T)
    np.testing.assert_array_equal(rep.samples["corr"][0], c[np.triu_indices(30, 1)])
    for _, row in rep.table.iterrows():
        x, y = (v[np.isfinite(v)] for v in rep.samples[row["measure"]])
        ref = scipy_reference(row["test"], x, y)
        assert row["statistic"] == float(ref.statistic)
        assert row["p value"] == float(ref.pvalue)
        assert (row["n_model"], row["n_target"]) == (x.size, y.size)
        assert row["effect size"] == pytest.approx(st.hedges_g(x, y), rel=1e-12)
        assert row["wasserstein"] == sps.wasserstein_distance(x, y)
    padj = st.adjust_pvalues(rep.table["p value"], "holm")
    np.testing.assert_array_equal(rep.table["p adjusted"], padj)
    expected = np.where(padj < 0.05, "fail", "pass")
    assert rep.table["verdict"].tolist() == expected.tolist()


def test_correction_changes_verdicts_as_documented(rng):
    a = poisson_trains(rng, 40, 5.0, T)
    b = poisson_trains(rng, 40, 5.6, T)  # a small rate difference
    raw = validate(a, b, tests=("rate",), correction="none", alpha=0.05)
    holm = validate(a, b, tests=("rate",), correction="holm", alpha=0.05)
    assert np.all(holm.table["p adjusted"] >= raw.table["p adjusted"])
    np.testing.assert_array_equal(raw.table["p adjusted"], raw.table["p value"])


def test_lists_of_arrays_and_window(rng):
    a = poisson_trains(rng, 10, 10.0, 5000.0)
    b = poisson_trains(rng, 10, 10.0, 5000.0)
    rep = validate(a.to_list(), b.to_list(), tests=("rate",))
    # lists carry no t_stop: inferred from each set's last spike, and reported
    assert rep.window_inferred == ("the last spike", "the last spike")
    assert rep.window_model[1] == pytest.approx(a.times.max())
    assert "t_stop inferred from the last spike" in str(rep)
    rep = validate(a, b, tests=("rate",))
    assert rep.window_inferred[0] == "the spike container's t_stop"
    assert rep.window_model == (0.0, 5000.0)
    rep = validate(a, b, tests=("rate",), t_start=1000.0, t_stop=(3000.0, 5000.0))
    assert rep.window_inferred == (None, None)
    assert rep.window_target == (1000.0, 5000.0)
    expected = metrics.firing_rate(a, t_start=1000.0, t_stop=3000.0 - 1e-9)
    np.testing.assert_allclose(rep.samples["rate"][0], expected * 1999.999999999 / 2000.0)


def test_bad_arguments_are_reported(rng):
    a = poisson_trains(rng, 5, 10.0, 2000.0)
    with pytest.raises(InvalidParameterError, match="'alpha'.*Got 1.5"):
        validate(a, a, alpha=1.5)
    with pytest.raises(UnknownNameError, match="Unknown validation measure 'isi'"):
        validate(a, a, tests=("isi",))
    with pytest.raises(UnknownNameError, match="two-sample test"):
        validate(a, a, statistics=("chi2",))
    with pytest.raises(InvalidParameterError, match="not in tests"):
        validate(a, a, tests=("rate",), options={"corr": {"bin_size": 2.0}})
    with pytest.raises(InvalidParameterError, match="allowed: \\['bin_size', 'binary'\\]"):
        validate(a, a, tests=("corr",), options={"corr": {"tau": 2.0}})
    with pytest.raises(InvalidParameterError, match="t_stop > t_start"):
        validate(a, a, t_start=3000.0, t_stop=2000.0)


def test_undefined_values_are_left_out_and_noted(rng):
    a = poisson_trains(rng, 20, 5.0, T)
    b = SpikeTrains.concatenate([poisson_trains(rng, 20, 5.0, T), SpikeTrains.empty(3)])
    rep = validate(a, b, tests=("cv",), t_stop=T)
    assert rep.table["n_target"].iloc[0] == 20
    assert any("3 target values undefined" in n for n in rep.notes)


def test_too_few_values_gives_na_not_an_error():
    a = SpikeTrains.from_list([[1.0, 2.0, 5.0]], t_stop=10.0)  # one CV value per set
    rep = validate(a, a, tests=("cv",))
    v = dict(zip(rep.table["test"], rep.table["verdict"], strict=True))
    assert v == {
        "student_t": "n/a",
        "welch_t": "n/a",
        "levene": "n/a",
        "ks": "pass",
        "mannwhitney": "pass",
    }
    assert rep.table.loc[rep.table["verdict"] == "n/a", "p value"].isna().all()
    assert rep.verdicts == {"cv": "pass"}
    silent = SpikeTrains.empty(2, t_stop=10.0)
    assert validate(silent, silent, tests=("cv",)).verdicts == {"cv": "n/a"}


def test_golomb_synchrony_by_hand():
    same = [[1.0, 11.0, 31.0]] * 4
    assert golomb_synchrony(same, t_stop=40.0, bin_size=10.0).tolist() == [1.0]
    # two trains in anti-phase: population count constant -> χ = 0
    anti = [[1.0, 21.0], [11.0, 31.0]]
    assert golomb_synchrony(anti, t_stop=40.0, bin_size=10.0).tolist() == [0.0]
    # one train fires, the other is silent: Var(mean) = Var/4, mean Var = Var/2 -> χ = sqrt(1/2)
    half = [[1.0, 21.0], []]
    np.testing.assert_allclose(golomb_synchrony(half, t_stop=40.0, bin_size=10.0), [0.5**0.5])
    seg = golomb_synchrony(same, t_stop=40.0, bin_size=10.0, segment=20.0)
    assert seg.shape == (2,)
    with pytest.raises(InvalidParameterError, match="at least 2 bins"):
        golomb_synchrony(same, t_stop=40.0, bin_size=10.0, segment=15.0)


def test_population_measures(rng):
    a = poisson_trains(rng, 20, 5.0, 4000.0)
    rate, _ = metrics.psth(a, bin_size=10.0, t_stop=4000.0)
    np.testing.assert_array_equal(compute_measure("psth", a, 0.0, 4000.0), rate)
    sync = compute_measure("synchrony", a, 0.0, 4000.0)
    assert sync.shape == (4,)
    # independent trains: χ ≈ 1/sqrt(n)
    assert np.nanmean(sync) == pytest.approx(20**-0.5, rel=0.5)
    assert set(MEASURES) >= {"rate", "cv", "lv", "lvr", "fano", "corr", "psth", "synchrony"}


def test_report_forms_and_files(rng, tmp_path):
    a = poisson_trains(rng, 12, 8.0, 5000.0)
    b = gamma_trains(rng, 12, 8.0, 4.0, 5000.0)
    rep = spikeopt.validate(a, b, tests=("rate", "cv", "lv", "corr"))
    assert isinstance(rep, spikeopt.ValidationReport)
    md = rep.to_markdown()
    table_lines = [ln for ln in md.splitlines() if ln.startswith("|")]
    assert len(table_lines) == 2 + len(rep.table)
    assert table_lines[0].startswith("| measure | test | statistic | p value | effect size |")
    assert "Student's t-test" in md and "window 0-5000 ms" in md
    html = rep.to_html()
    assert html.count("<tr") == 1 + len(rep.table) and "<td>Welch's t-test</td>" in html
    text = str(rep)
    assert "Student's t-test  datasize: 12 12  t = " in text
    assert text.rstrip().endswith("overall: PASS" if rep.passed else "overall: FAIL")
    summ = rep.summary()
    assert summ["verdict"].tolist() == list(rep.verdicts.values())
    paths = rep.save(tmp_path)
    for key in ("table", "markdown", "html", "text", "raster", "lv_vs_rate", "measure_cv"):
        assert paths[key].is_file() and paths[key].stat().st_size > 0
    assert paths["raster"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    back = __import__("pandas").read_csv(paths["table"])
    assert back["verdict"].tolist() == rep.table["verdict"].tolist()


def test_figures_show_the_samples(rng):
    a = poisson_trains(rng, 12, 8.0, 5000.0)
    rep = validate(a, a, tests=("rate", "lv"))
    figs = rep.figures()
    assert set(figs) == {"measure_rate", "measure_lv", "raster", "lv_vs_rate"}
    ax = figs["lv_vs_rate"].axes[0]
    offsets = [c.get_offsets() for c in ax.collections]
    lv = rep.samples["lv"][0]
    ok = np.isfinite(lv)
    np.testing.assert_allclose(offsets[0][:, 1], lv[ok])
    np.testing.assert_allclose(offsets[0][:, 0], rep.samples["rate"][0][ok])
