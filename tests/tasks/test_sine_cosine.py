"""The sine/cosine task: the network against a literal transcription of SNN-Hawkes's
torch layer, the data and losses of both modes, and a fit from a config."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import special, stats

import spikeopt
from spikeopt.tasks import SineCosineTask, accuracy, confusion_matrix, count_loss, predict
from spikeopt.tasks.base import wilson_interval
from spikeopt.tasks.sine_cosine import encode, record_network, run_network
from spikeopt.tasks.wiring import layered_times, wiring_recovery

LEAK, THRESHOLD = np.float32(0.25), np.float32(1.0)


def reference_layer(x, W, leak=LEAK, thr=THRESHOLD):
    """SNN-Hawkes's LIF.forward for one layer, step by step in float32: x (n_in, T),
    W (n_in, n_out) → spikes (n_out, T)."""
    n_out, T = W.shape[1], x.shape[1]
    V = np.zeros((n_out, T), dtype=np.float32)
    S = np.zeros((n_out, T), dtype=np.float32)
    for i in range(T):
        drive = (x[:, i][None, :].astype(np.float32) @ W).ravel()
        if i == 0:
            V[:, i] = drive - leak
            continue
        V[:, i] = V[:, i - 1] + drive - leak
        spike, rest = V[:, i] >= thr, V[:, i] <= 0
        S[spike, i] = 1
        V[spike, i] = 0
        V[rest, i] = 0
    return S


def test_network_matches_the_upstream_layers_spike_for_spike():
    rng = np.random.default_rng(0)
    X = (rng.random((6, 100)) < 0.5).astype(np.uint8)
    W1 = rng.uniform(-0.5, 1.5, (3, 10)).astype(np.float32)
    W2 = rng.uniform(-1.0, 1.0, (3, 10, 2)).astype(np.float32)
    counts = run_network(W1, W2, X)
    for p in range(3):
        hid, out = record_network(W1[p], W2[p], X)
        for tr in range(6):
            h = reference_layer(X[tr][None, :], W1[p][None, :])
            o = reference_layer(h, W2[p])
            np.testing.assert_array_equal(hid[tr], h)
            np.testing.assert_array_equal(out[tr], o)
            np.testing.assert_array_equal(counts[p, tr], o.sum(axis=1))
    # a candidate alone gives what it gives in the batch
    np.testing.assert_array_equal(run_network(W1[1:2], W2[1:2], X)[0], counts[1])


def test_data_of_both_modes():
    t = np.linspace(0, 1, 100)
    np.testing.assert_allclose(encode(100, 5.0, "sine", pi=3.1416),
                               0.5 * (1 + np.sin(10 * 3.1416 * t)))
    faithful = SineCosineTask(faithful=True, seed=4)
    assert len(faithful.train) == 100 and len(faithful.test) == 30
    sines, flips = faithful.test.inputs[:15], faithful.test.inputs[15:]
    assert faithful.test.labels.tolist() == [1] * 15 + [0] * 15
    # the coin-flip trains have no rhythm: their rate does not follow the cosine
    assert abs(flips.mean() - 0.5) < 0.05 and sines.shape == (15, 100)
    assert faithful.space.upper[0] == 50.0 and faithful.x0["w_in.0"] < 1.0
    default = SineCosineTask(seed=4, test_per_class=30)
    assert default.test.labels.tolist() == [1] * 30 + [0] * 30
    again = SineCosineTask(seed=4, test_per_class=30)
    np.testing.assert_array_equal(default.test.inputs, again.test.inputs)
    assert not np.array_equal(default.test.inputs, SineCosineTask(seed=5).test.inputs[:60])
    # fresh cosines follow the cosine's rate
    rate = default.test.inputs[30:].mean(axis=0)
    assert stats.pearsonr(rate, default.p_cosine).statistic > 0.8


def test_losses_and_readouts():
    counts = np.array([[[2, 7], [4, 4], [0, 0], [9, 1]]])
    labels = np.array([1, 1, 0, 0])
    assert predict(counts).tolist() == [[1, 0, 0, 0]]  # ties and silence → class 0
    assert accuracy(counts, labels).tolist() == [0.75]
    assert confusion_matrix(counts[0], labels, 2).tolist() == [[2, 0], [1, 1]]
    ce = count_loss(counts, labels, "cross_entropy", temperature=2.0)
    ref = -np.mean(special.log_softmax(counts[0] / 2.0, axis=1)[np.arange(4), labels])
    assert ce[0] == pytest.approx(ref)
    em = count_loss(counts, labels, "error_margin")
    assert em[0] == pytest.approx(0.25 + 0.05 * count_loss(counts, labels, "margin")[0])
    lo, hi = wilson_interval(8, 10)
    assert (round(lo, 3), round(hi, 3)) == (0.490, 0.943)
    task = SineCosineTask(faithful=True, seed=1)
    params = {k: np.array([task.x0[k], 0.0]) for k in task.names}
    loss = task(params)
    wrong = (predict(task.counts(params, task.train)) != task.train.labels).sum(axis=1)
    np.testing.assert_array_equal(loss, 100.0 * wrong)
    assert loss[1] == 100.0 * 50  # a silent network says "cosine" to every sine


def test_wiring_recovery_and_layered_times():
    W = np.array([[0, 0, 0], [2.0, 0, 0], [0, -1.0, 0]])
    alpha = np.array([[0, 0.1, 0.0], [0.9, 0, 0.2], [0.05, 0.0, 0]])
    r = wiring_recovery(alpha, W)
    assert r["n_excitatory"] == 1 and r["auc_excitatory"] == 1.0
    spikes = np.zeros((2, 1, 5), dtype=np.uint8)
    spikes[1, 0, 3] = 1
    trains, t_stop = layered_times([spikes, spikes], gap=5, shift=0.25)
    assert trains[0].tolist() == [13.0] and trains[1].tolist() == [13.25] and t_stop == 20.0


def test_a_task_fit_from_its_config(tmp_path):
    cfg = {"kind": "task", "task": {"name": "sine_cosine", "train_per_class": 20,
                                    "test_per_class": 30},
           "network": {"hidden": 4}, "optimizer": {"name": "cmaes", "popsize": 10},
           "budget": {"evaluations": 100}, "seed": 2, "output": str(tmp_path / "run")}
    res = spikeopt.fit(cfg, progress=False)
    scores = json.loads((tmp_path / "run" / "scores.json").read_text())
    assert 0.0 <= scores["train_accuracy"] <= 1.0 and scores["test_trials"] == 60
    assert sum(map(sum, scores["confusion_matrix"])) == 60
    assert "auc_excitatory" in scores["hawkes_recovery"]
    page = (tmp_path / "run" / "report.html").read_text()
    assert "Wiring read by a Hawkes process" in page and "Confusion matrix" in page
    more = spikeopt.fitting.resume_fit(tmp_path / "run", budget=140, progress=False,
                                       report=False)
    assert more.n_evaluations >= 140
    np.testing.assert_array_equal(more.history["loss"].to_numpy()[:res.n_evaluations],
                                  res.history["loss"].to_numpy())
    with pytest.raises(spikeopt.errors.ConfigError, match="'task'.*hiden"):
        spikeopt.fit({**cfg, "network": {"hiden": 4}}, progress=False)
