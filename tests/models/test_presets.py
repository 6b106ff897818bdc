"""The named presets reproduce their firing patterns (counts and ISI signatures)."""

from __future__ import annotations

import numpy as np
import pytest

from spikeopt import models, simulate, stimuli


def _isi(model, pattern, amplitude, duration=500.0):
    p = models.get_preset(model, pattern)
    amplitude = p.pop("current_pA", amplitude)
    r = simulate(model, p, stimuli.step(amplitude, duration=duration, t_on=50.0))
    assert not r.failed.any()
    return r.spikes[0], np.diff(r.spikes[0])


def test_izhikevich2003_patterns():
    rs_t, rs = _isi("izhikevich", "regular_spiking", 10.0)
    _, ib = _isi("izhikevich", "intrinsically_bursting", 10.0)
    ch_t, ch = _isi("izhikevich", "chattering", 10.0)
    _, fs = _isi("izhikevich", "fast_spiking", 10.0)
    _, lts = _isi("izhikevich", "low_threshold_spiking", 10.0)
    # regular spiking: tonic, adapting, no burst
    assert rs.min() > 10.0 and rs[-1] > 2 * rs[0]
    # intrinsically bursting: an initial burst, then tonic single spikes
    assert ib[:2].max() < 5.0 and ib[2:].min() > 20.0
    # chattering: repeated bursts (short ISIs also late in the step) separated by pauses
    short = ch < 10.0
    assert short.mean() > 0.6 and (ch > 30.0).sum() >= 4
    assert np.any(short[len(ch) // 2 :])
    # fast spiking: much higher rate than RS, little adaptation at steady state
    assert fs.size > 4 * rs.size and np.std(fs[5:]) / np.mean(fs[5:]) < 0.05
    # low-threshold spiking: high rate with strong adaptation of the ISI
    assert lts.size > 2 * rs.size and lts[-1] > 3 * lts[0]


def test_adex_patterns_naud2008():
    _, tonic = _isi("adex", "tonic", None)
    _, adapt = _isi("adex", "adapting", None)
    _, burst = _isi("adex", "bursting", None)
    t_tr, _ = _isi("adex", "transient", None)
    _, delayed = _isi("adex", "delayed_accelerating", None)
    assert np.std(tonic[3:]) / np.mean(tonic[3:]) < 0.05
    assert adapt[-1] > 5 * adapt[0]
    # regular bursting: alternation of short and long ISIs
    assert (burst < 10.0).sum() >= 3 and (burst > 100.0).sum() >= 3
    assert t_tr.size <= 2  # transient spiking: only at onset
    assert delayed[-1] < 0.8 * delayed[0]  # accelerating


def test_unknown_preset_names_the_choices():
    with pytest.raises(KeyError, match="regular_spiking"):
        models.get_preset("izhikevich", "nope")
    with pytest.raises(KeyError, match="available models|models with presets"):
        models.get_preset("hh", "x")
