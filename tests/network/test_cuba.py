"""The CUBA benchmark network (Brette et al. 2007, benchmark 2; 4000 LIF, 80/20,
2 % connectivity, exponential current synapses) reproduces the activity the
reference simulators give for the same network: Brian2 2.9 (runtime) 5.75 Hz
with a mean ISI CV of 0.53, NEST 3.10 (iaf_psc_exp) 5.64 Hz / 0.52, measured in
bench/network.py (bench/peers/README.md) — low-rate, irregular, asynchronous
firing."""

from __future__ import annotations

import numpy as np

import spikeopt
from spikeopt import metrics
from spikeopt.network import library

REF_RATE_HZ, REF_CV = 5.7, 0.53


def test_cuba_rates_and_irregularity():
    net = spikeopt.Network.from_dict(library.cuba())
    res = spikeopt.simulate(net, {"populations.E.size": [3200] * 3}, t_stop=1000.0, dt=0.1,
                            seed=2007)
    rates, cvs = [], []
    for p in range(3):
        sp = res.candidate(p)
        assert len(sp) == 4000
        counts = sp.counts()
        rates.append(counts.mean())  # 1 s: spikes = Hz
        cv = metrics.isi_cv(sp)
        cvs.append(np.nanmean(cv[counts >= 3]))
        # asynchronous: the population rate in 5 ms bins fluctuates little around its mean
        binned = np.histogram(sp.times, bins=200, range=(100.0, 1000.0))[0]
        assert binned.std() / binned.mean() < 0.5
    assert not res.failed.any()
    assert abs(np.mean(rates) - REF_RATE_HZ) < 0.15 * REF_RATE_HZ, rates
    assert abs(np.mean(cvs) - REF_CV) < 0.05, cvs
    # each candidate has its own wiring and initial state, hence its own spikes
    assert res.candidate(0) != res.candidate(1)
    # E and I rates are close (the same cells and inputs)
    e, i = res.mean_rate("E").mean(), res.mean_rate("I").mean()
    assert abs(e - i) < 0.25 * e
