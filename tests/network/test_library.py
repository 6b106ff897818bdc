"""The reference networks of spikeopt.network.library build and behave as described."""

from __future__ import annotations

import numpy as np

import spikeopt
from spikeopt.network import library


def test_netpyne_tut2_rates():
    """NetPyNE tut2: S cells follow their 10 Hz NetStim (each input spike through the
    10 nS Exp2Syn makes one spike), M cells fire more as the S→M probability grows."""
    net = spikeopt.Network.from_dict(library.netpyne_tut2())
    assert net.sizes == {"S": 20, "M": 20}
    res = spikeopt.simulate(net, {"projections.SM.connector.p": [0.01, 0.25, 0.5]},
                            t_stop=1000.0, dt=0.025, seed=1)
    assert not res.failed.any()
    s, m = res.mean_rate("S"), res.mean_rate("M")
    assert np.all((s > 7.0) & (s < 13.0)), s
    assert m[0] < m[1] < m[2], m
    text = spikeopt.Network.from_dict(library.netpyne_tut2(faithful=False))
    assert text.leaves["populations.S.params.diam"] == 18.8


def test_spikenetopt_genes_are_leaves():
    net = spikeopt.Network.from_dict(library.spikenetopt())
    for path in ("projections.EE.weight.uniform.1", "projections.EE.connector.p",
                 "projections.EI.weight.uniform.1", "projections.EI.connector.p"):
        net.check_path(path)
    assert net.leaves["projections.IE.weight.uniform.0"] == -1.0
