"""Pins the public surface of spikeopt.validation."""

import spikeopt
import spikeopt.validation as v

PUBLIC = {
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
}


def test_validation_surface():
    assert set(v.__all__) == PUBLIC
    for name in v.__all__:
        assert hasattr(v, name), name


def test_top_level_entry_points():
    assert {"validate", "ValidationReport", "validation"} <= set(spikeopt.__all__)
    assert spikeopt.validate is v.validate
    assert spikeopt.ValidationReport is v.ValidationReport
