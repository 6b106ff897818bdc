"""The mushroom-body task (GeNN_Autoparam, REFERENCE_PROBLEMS.md §2): glyphs, the
TraubMiles cell, the 241-point accounting, batching and failures.

The model against Brian2 is in test_mushroom_body_brian2.py, the microbial GA's
options in test_mushroom_body_microbial.py, a short faithful GA run in
test_mushroom_body_faithful.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spikeopt.errors import InvalidParameterError
from spikeopt.run import Losses
from spikeopt.tasks import _mb_kernel as K
from spikeopt.tasks import glyphs
from spikeopt.tasks.mushroom_body import (
    GENES,
    HAND_TUNED,
    MushroomBodyTask,
    first_two_from_record,
    first_two_points,
    linear_baseline,
    score_241,
    stratified_split,
    upstream_genes,
)

DATA = Path("/work/shared/data/genn_autoparam_glyphs/dataset.csv")
needs_data = pytest.mark.skipif(not DATA.is_file(), reason=f"the real glyph set {DATA} is "
                                "not on this machine (it is not shipped with spikeopt)")


def params_of(rows) -> dict:
    rows = np.atleast_2d(np.asarray(rows, dtype=float))
    return {g: rows[:, j] for j, g in enumerate(GENES)}


def seeds(n, base=0):
    return np.random.SeedSequence(base).spawn(n)


# -- glyphs ------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_generated_glyphs_have_the_classes_of_the_real_set(seed):
    images, labels, sets = glyphs.generate_glyphs(seed)
    assert images.shape == (80, 784) and images.min() >= 0 and images.max() <= 255
    assert np.array_equal(labels, np.array([0, 1, 3, 3, 0, 1, 2, 2] * 10))
    assert np.array_equal(sets, np.repeat(np.arange(4), 20))
    assert np.bincount(labels).tolist() == [20, 20, 20, 20]
    ink = (images > 0).sum(axis=1)
    frame = images[labels == 0]
    assert (frame == frame[0]).all() and set(ink[labels == 0]) == {203}
    border = np.ones((28, 28), bool)
    border[2:-2, 2:-2] = False
    assert not (frame[0].reshape(28, 28)[~border]).any()  # border only
    assert 8 <= ink[labels == 1].min() and ink[labels == 1].max() <= 21
    assert 40 <= ink[labels == 2].min() and ink[labels == 2].max() <= 216
    assert 44 <= ink[labels == 3].min() and ink[labels == 3].max() <= 394
    mean_ink = np.array([im[im > 0].mean() for im in images])
    assert mean_ink[labels == 3].min() > mean_ink[labels == 2].max()  # food bright, rubbish dim
    assert not np.array_equal(images, glyphs.generate_glyphs(seed + 10)[0])


@needs_data
def test_real_glyphs_load_with_the_row_rule():
    images, labels, sets = glyphs.load_glyphs(DATA)
    ink = (images > 0).sum(axis=1)
    assert set(ink[labels == 0]) == {203}
    assert ink[labels == 1].min() == 8 and ink[labels == 1].max() == 21
    p = glyphs.firing_probability(images)
    frame = images[0][images[0] > 0]
    assert int(frame.mean()) == 106  # upstream divides by the truncated mean ink
    assert p[0].max() == pytest.approx(255 / 106 / 235)  # ~100 Hz at 0.1 ms per step
    assert np.mean([p[i][images[i] > 0].mean() for i in range(80)]) == pytest.approx(
        1 / 235, rel=0.01)


def test_load_glyphs_says_what_is_wrong(tmp_path):
    with pytest.raises(InvalidParameterError, match="does not exist"):
        glyphs.load_glyphs(tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    np.savetxt(bad, np.zeros((3, 784)), delimiter=",")
    with pytest.raises(ValueError, match="80 rows x 784"):
        glyphs.load_glyphs(bad)


def test_stratified_split_holds_out_a_quarter_of_every_class_across_sets():
    images, labels, sets = glyphs.generate_glyphs(0)
    train, test = stratified_split(labels, sets, 0.25, 3)
    assert len(train) == 60 and len(test) == 20 and not set(train) & set(test)
    assert np.bincount(labels[test]).tolist() == [5, 5, 5, 5]
    for c in range(4):  # every set of every class gives at least one held-out row
        assert set(sets[test][labels[test] == c]) == {0, 1, 2, 3}
    again = stratified_split(labels, sets, 0.25, 3)
    other = stratified_split(labels, sets, 0.25, 4)
    assert np.array_equal(test, again[1]) and not np.array_equal(test, other[1])


# -- the cell ---------------------------------------------------------------------
def test_traub_miles_f_i_numbers_of_reference_problems():
    currents = np.array([0.05, 0.1, 1.0, 2.0])  # nA, 100 ms from rest
    counts, first = K.fi_counts(currents, 1000, 0.1)
    assert counts[0] == 0 and counts[1] > 0  # rheobase between 0.05 and 0.1 nA
    assert 17 <= counts[2] <= 19  # ~180 Hz at 1 nA
    assert first[2] * 0.1 == pytest.approx(3.75, abs=0.1)  # first spike ~3.8 ms from rest
    assert 25 <= counts[3] <= 27  # ~260 Hz at 2 nA
    lo, hi = 0.05, 0.1
    for _ in range(12):  # rheobase by bisection
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if K.fi_counts(np.array([mid]), 1000, 0.1)[0][0] == 0 else (lo, mid)
    assert 0.05 < hi < 0.1


def test_float32_cell_matches_spikeopts_float64_traub_miles():
    from spikeopt import simulate

    currents = np.array([0.08, 0.3, 1.0, 2.0])
    counts, first = K.fi_counts(currents, 1000, 0.1)
    res = simulate("traub_miles", {}, np.repeat(currents[:, None] * 1e3, 1000, axis=1), dt=0.1)
    assert res.spikes.counts().tolist() == counts.tolist()
    first64 = [t[0] for t in res.spikes.to_list()]  # ms
    assert np.allclose(first64, first * 0.1)


# -- the 241-point accounting -------------------------------------------------------
def test_score_241_on_a_hand_made_spike_record():
    labels = np.array([0, 1, 3, 3, 0, 1, 2, 2] * 10)
    spp, img = 500, 250
    steps, ids = [], []

    def spike(slot, k, d):
        steps.append(slot * spp + k)
        ids.append(d)

    spike(0, 5, 0), spike(0, 5, 2), spike(0, 7, 0)  # one step: index order -> [0, 2]: 1
    spike(1, 249, 1), spike(1, 250, 1)  # the 2nd spike is in the blank: 1
    spike(2, 300, 3), spike(2, 301, 3)  # blank only: 0
    spike(3, 10, 3), spike(3, 12, 3), spike(3, 13, 0)  # 2 (the 3rd is not read)
    spike(4, 0, 1), spike(4, 1, 0)  # wrong then right: 1
    # slot 5: silent: 0
    for s in range(6, 80):  # every later image: both right
        spike(s, 20, labels[s]), spike(s, 40, labels[s])
    first2 = first_two_from_record(steps, ids, 80, img, spp)
    assert first2[:5].tolist() == [[0, 2], [1, -1], [-1, -1], [3, 3], [1, 0]]
    pts = first_two_points(first2, labels)
    assert pts == 1 + 1 + 0 + 2 + 1 + 0 + 2 * 74
    ok = np.full(80, 1e-5)
    total, p160 = score_241(first2, labels, 1e-5, -60.0, ok, np.full(80, -60.0))
    assert p160 == pts and total == pts + 1.0 + 0.5 + 39.5 + 39.5 + 0.5
    wmean = ok.copy()
    wmean[10:20] = 0.0  # weights all clipped to 0 after images 11..20: -5
    vmean = np.full(80, -60.0)
    vmean[3] = np.nan  # -0.5
    vmean[79] = np.nan  # after the last image: never checked
    total2, _ = score_241(first2, labels, 0.0, -60.0, wmean, vmean)  # initial mean 0: -1
    assert total2 == total - 5.0 - 0.5 - 1.0
    perfect = np.repeat(labels[:, None], 2, axis=1)
    assert score_241(perfect, labels, 1e-5, -60.0, ok, ok)[0] == 241.0


def test_kernel_first_two_spikes_agree_with_its_spike_record():
    task = MushroomBodyTask(faithful=True, record_dn=4000, blank_ms=10.0)
    genes, _ = task.decode_genes(params_of([60, 26, 6e-5, 0.4, 0.0044, 1.0]))
    out = task.simulate(genes, seeds(1), task.schedule("faithful"))
    n = out["rec_n"][0]
    assert 0 < n <= 4000
    spp = task.image_steps + task.blank_steps
    ref = first_two_from_record(out["rec_step"][0][:n], out["rec_id"][0][:n], 80,
                                task.image_steps, spp)
    assert np.array_equal(out["first2"][0], ref)
    counts = np.zeros((80, 4), int)
    slot, k = np.divmod(out["rec_step"][0][:n], spp)
    np.add.at(counts, (slot[k < task.image_steps], out["rec_id"][0][:n][k < task.image_steps]), 1)
    assert np.array_equal(out["dn_count"][0], counts)


def test_faithful_loss_is_241_minus_fitness_and_integer_teacher_matters():
    task = MushroomBodyTask(faithful=True, blank_ms=10.0)
    rows = [[60, 26, 6e-5, 0.4, 0.0044, 1.0], [60, 26, 6e-5, 0.4, 0.0044, 0.994],
            [60, 26, 6e-5, 0.4, 0.0044, 0.996]]  # 0.994 -> 0.99 -> teacher 0; 0.996 -> 1
    L = task(params_of(rows), seeds=[np.random.SeedSequence(7)] * 3)
    assert isinstance(L, Losses) and L.reasons == ["", "", ""]
    fit = 241.0 - L.F
    assert fit[1] == 81.0  # no teacher, no DN spike: only the 81 sanity points
    assert fit[0] == fit[2] > 150.0  # teacher 1 nA either way
    assert np.all(2 * fit == np.round(2 * fit))


# -- batching, failures -------------------------------------------------------------
@pytest.mark.parametrize("faithful", [True, False])
def test_a_candidates_loss_does_not_depend_on_its_batch(faithful):
    task = MushroomBodyTask(faithful=faithful, blank_ms=5.0, image_ms=10.0)
    a = [40, 20.0, 1e-4, 0.3, 1e-3, 1.5]
    b = [90, 5.0, 1e-3, 0.5, 1e-2, 1.0]
    c = [3, 50.0, 1e-5, 0.9, 1e-4, 1.99]
    sa, sb, sc = seeds(3, base=11)
    alone = task(params_of([a]), seeds=[sa]).F[0]
    mixed = task(params_of([b, a, c]), seeds=[sb, sa, sc]).F
    assert mixed[1] == alone
    assert task(params_of([c, a]), seeds=[sc, sa]).F[1] == alone
    assert task(params_of([a]), seeds=[sb]).F[0] != alone  # the seed does matter


def test_broken_candidates_fail_with_a_reason_and_do_not_disturb_the_others():
    task = MushroomBodyTask(faithful=True, blank_ms=5.0, image_ms=10.0)
    good = [40, 20.0, 1e-4, 0.3, 1e-3, 1.5]
    rows = [good, [0, 20.0, 1e-4, 0.3, 1e-3, 1.5], [40, np.nan, 1e-4, 0.3, 1e-3, 1.5]]
    s = seeds(3, base=5)
    L = task(params_of(rows), seeds=s)
    assert L.reasons[0] == ""
    assert "n_kc = 0" in L.reasons[1] and "NaN" in L.reasons[2]
    assert np.all(np.isfinite(L.F))
    assert L.F[0] == task(params_of([good]), seeds=s[:1]).F[0]
    dflt = MushroomBodyTask(blank_ms=5.0, image_ms=10.0)
    L = dflt(params_of([good, [40, 20.0, 1e-4, 0.3, 1e-3, 1e7]]), seeds=seeds(2))
    assert L.reasons[0] == "" and "DN membrane potential became NaN" in L.reasons[1]
    with pytest.raises(InvalidParameterError, match="Missing \\['teacher_nA'\\]"):
        task({g: np.ones(1) for g in GENES[:-1]}, seeds=seeds(1))
    with pytest.raises(InvalidParameterError, match="unknown option"):
        MushroomBodyTask(n_pn=10)


def test_a_silent_mushroom_body_fails(tmp_path):
    blank = tmp_path / "blank.csv"
    np.savetxt(blank, np.zeros((80, 784)), delimiter=",")
    task = MushroomBodyTask(data=str(blank), blank_ms=5.0, image_ms=10.0)
    L = task(params_of([[40, 20.0, 1e-4, 0.3, 1e-3, 1.5]]), seeds=seeds(1))
    assert "silent" in L.reasons[0]


# -- spaces, prior, default mode --------------------------------------------------
def test_spaces_and_the_upstream_prior():
    faithful = MushroomBodyTask(faithful=True)
    dflt = MushroomBodyTask(max_kc=500)
    assert faithful.space.names == GENES == dflt.space.names
    assert faithful.space["n_kc"].low == 0 and faithful.space["n_kc"].high == 2199
    assert dflt.space["n_kc"].low == 1 and dflt.space["n_kc"].high == 500
    assert dflt.space["tau_ms"].unit == "ms" and dflt.space["teacher_nA"].unit == "nA"
    X = faithful.microbial_prior(np.random.default_rng(0), 4000)
    faithful.space.encode(params_of(X))  # within the faithful bounds
    assert np.array_equal(X[:, 0], np.round(X[:, 0])) and X[:, 0].max() <= 2199
    assert np.array_equal(X[:, 1], np.round(X[:, 1], 4))
    assert np.array_equal(X[:, 2], np.round(X[:, 2], 8))
    teacher = np.trunc(X[:, 5])
    assert np.mean(teacher == 0) == pytest.approx(0.75, abs=0.03)  # P(no teacher) ~ 3/4
    assert np.median(X[:, 2]) < 1e-5 and np.median(X[:, 1]) < 30  # skewed low
    Xd = dflt.microbial_prior(np.random.default_rng(0), 500)
    dflt.space.encode(params_of(Xd))
    assert np.array_equal(upstream_genes(5, 3), upstream_genes(5, 3))


def test_default_loss_is_finite_and_informative():
    teach = [150, 20.0, 2e-4, 0.2, 1e-3, 1.5]
    none = [150, 20.0, 2e-4, 0.2, 1e-3, 0.0]  # no teacher: the DNs never fire
    counts_only = MushroomBodyTask(blank_ms=5.0, max_kc=200, drive_unit=0.0)
    L0 = counts_only(params_of([teach, none]), seeds=seeds(2, base=3))
    assert L0.reasons == ["", ""] and L0.F[1] == pytest.approx(np.log(4.0))  # flat: chance
    task = MushroomBodyTask(blank_ms=5.0, max_kc=200)  # counts + KC -> DN drive
    L = task(params_of([teach, none]), seeds=seeds(2, base=3))
    assert L.reasons == ["", ""] and np.all(np.isfinite(L.F)) and np.all(L.F >= 0)
    assert L.F[1] != np.log(4.0) and abs(L.F[1] - np.log(4.0)) < 0.01  # silent, not flat
    assert L.F[0] != L.F[1]
    with pytest.raises(InvalidParameterError, match="drive_unit"):
        MushroomBodyTask(drive_unit=-1.0)


def test_outcome_reports_held_out_scores():
    task = MushroomBodyTask(blank_ms=5.0, max_kc=200, seed=2)
    rep = task.outcome(dict(HAND_TUNED, n_kc=120), seed=3)
    for k in ("train_accuracy", "test_accuracy", "chance_level", "confusion_matrix",
              "food_vs_rest_balanced_accuracy", "linear_baseline_test_accuracy", "n_kc"):
        assert k in rep
    assert rep["n_kc"] == 120 and rep["chance_level"] == 0.25 and rep["test_rows"] == 20
    cm = np.array(rep["confusion_matrix"])
    assert cm.shape == (4, 4) and cm.sum() <= 20 and cm.sum(axis=1).max() <= 5
    assert 0.0 <= rep["test_accuracy"] <= 1.0
    assert rep == task.outcome(dict(HAND_TUNED, n_kc=120), seed=3)  # seeded
    faithful = MushroomBodyTask(faithful=True, blank_ms=5.0).outcome(
        dict(HAND_TUNED, n_kc=60), seed=1)
    assert 81.0 <= faithful["fitness_241"] <= 241.0
    assert faithful["first_two_spike_points_160"] == faithful["fitness_241"] - 81.0
    assert "failed" in task.outcome(dict(HAND_TUNED, n_kc=0), seed=1)


def test_linear_baseline_separates_separable_counts():
    rng = np.random.default_rng(0)
    means = rng.uniform(0, 3, size=(4, 50))
    y = np.repeat(np.arange(4), 30)
    X = rng.poisson(means[y])
    acc = linear_baseline(X[::2], y[::2], X[1::2], y[1::2])
    assert acc > 0.9
