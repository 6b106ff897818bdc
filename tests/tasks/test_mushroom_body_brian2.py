"""The mushroom-body kernel against an independent Brian2 implementation.

``bench/mushroom_body.py``'s :func:`brian2_mushroom_body` writes the same model with
Brian2 objects (SpikeGeneratorGroup, NeuronGroup + run_regularly, Synapses with
on_pre / on_post, lastspike), float64, numpy target. Both get the same PN input
spikes, PN → KC connectivity and initial weights. Tolerance: spikeopt runs in float32
(GeNN's precision) and Brian2 in float64, with the same discrete scheme (25 Euler
sub-steps per step, events one step later). Rounding differences of 1e-7 relative
could move a threshold crossing by a step only if V crossed 0 mV within ~1e-5 mV of a
step boundary, so over these ~1,000 steps every KC and DN spike must be identical;
the weights, summed from the same events in float32 vs float64, agree to 1e-6
relative (float32 epsilon 1.2e-7 over ~100 additive updates).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from spikeopt.tasks.mushroom_body import GENES, MushroomBodyTask

pytest.importorskip("brian2", reason="Brian2 is the reference implementation")

BENCH = Path(__file__).resolve().parents[2] / "bench" / "mushroom_body.py"


def _brian2_reference():
    spec = importlib.util.spec_from_file_location("bench_mushroom_body", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.brian2_mushroom_body


def test_small_mushroom_body_matches_brian2():
    """4 training images (teacher, plasticity), then 2 with the teacher off and the
    weights frozen; 100 KCs, 20 ms images, 5 ms blanks (1,500 steps)."""
    brian2_mushroom_body = _brian2_reference()
    task = MushroomBodyTask(image_ms=20.0, blank_ms=5.0, record_dn=1000, seed=1)
    n = 100
    genes, reasons = task.decode_genes(
        {g: np.array([v]) for g, v in zip(GENES, [n, 15.0, 3e-4, 0.05, 2e-3, 1.3],
                                          strict=True)})
    assert reasons == [""]
    rows, teach, plastic = task.schedule("default")
    S = np.r_[0:4, len(task.train_order):len(task.train_order) + 2]
    sched = (rows[S], teach[S], plastic[S])
    assert sched[1].tolist() == sched[2].tolist() == [True] * 4 + [False] * 2
    out = task.simulate(genes, [np.random.SeedSequence(3)], sched)
    g1 = {k: float(v[0]) for k, v in genes.items() if k != "n_kc"}
    ref = brian2_mushroom_body(n, out["conn_ptr"][0], out["conn_idx"], out["pn_ptr"][0],
                               out["pn_idx"], out["w0"][0], g1, task.labels[sched[0]],
                               sched[1], sched[2], task.image_steps, task.blank_steps,
                               task.dt, target="numpy")
    assert out["status"][0] == 0
    kc = out["kc_count"][0][:n]
    assert kc.sum() > 60 and (kc > 1).sum() > 10  # KCs fire after the first transient
    assert np.array_equal(kc, ref["kc_count"])
    nd = out["rec_n"][0]
    assert nd > 10
    assert np.array_equal(out["rec_step"][0][:nd], ref["dn_steps"])
    assert np.array_equal(out["rec_id"][0][:nd], ref["dn_ids"])
    assert np.array_equal(out["dn_count"][0], ref["dn_count"])
    w, w_ref = out["w"][0][:, :n].astype(np.float64), ref["w"]
    w0 = out["w0"][0][:, :n].astype(np.float64)
    assert np.abs(w - w0).max() > 10 * np.abs(w0).max()  # plasticity did act
    assert np.allclose(w, w_ref, rtol=1e-6, atol=1e-6 * np.abs(w_ref).max())
