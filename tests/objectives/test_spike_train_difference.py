"""``spike_distance`` with ``variant: spike_train_difference``: SpikeNetOpt.jl's shipped
network loss, against a literal port of its Julia code (``get_trains``,
``spike_train_difference``, SpikeSynchrony.jl's ``SPIKE_distance_profile`` and
``trapezoid_integral``) and against PySpike."""

from __future__ import annotations

import numpy as np
import pytest

import spikeopt
from spikeopt import SpikeTrains
from spikeopt.errors import ConfigError
from spikeopt.network import library
from spikeopt.objectives import NetworkTarget, NetworkTerm
from spikeopt.objectives.network import spike_train_difference


# -- a literal port of the Julia code (1-based loops written 0-based) ------------------------
def minimum_dt(t, y, i):
    dleft = dright = np.inf
    for j in range(i, -1, -1):
        z = abs(t - y[j])
        if z > dleft:
            break
        dleft = z
    for j in range(i + 1, len(y)):
        z = abs(t - y[j])
        if z > dright:
            break
        dright = z
    return min(dright, dleft)


def compute_s(t, y1, y2, i1, i2):
    tp1, tp2, tf1, tf2 = y1[i1], y2[i2], y1[i1 + 1], y2[i2 + 1]
    isi1, isi2 = tf1 - tp1, tf2 - tp2
    xp1, xp2, xf1, xf2 = t - tp1, t - tp2, tf1 - t, tf2 - t
    dp1, df1 = minimum_dt(tp1, y2, i2), minimum_dt(tf1, y2, i2)
    dp2, df2 = minimum_dt(tp2, y1, i1), minimum_dt(tf2, y1, i1)
    s1 = (dp1 * xf1 + df1 * xp1) / isi1
    s2 = (dp2 * xf2 + df2 * xp2) / isi2
    return 2 * (s1 * isi2 + s2 * isi1) / (isi1 + isi2) ** 2


def spike_distance_profile(y1, y2, t0, tf):
    y1, y2 = list(y1), list(y2)
    if y1[0] != t0:
        y1.insert(0, t0)
    if y2[0] != t0:
        y2.insert(0, t0)
    if y1[-1] != tf:
        y1.append(tf)
    if y2[-1] != tf:
        y2.append(tf)
    tvec, idx = [], []
    i1 = i2 = 0
    while i1 < len(y1) and i2 < len(y2):
        v1, v2 = y1[i1], y2[i2]
        if v1 == v2:
            tvec.append(v1), idx.append(3)
            i1, i2 = i1 + 1, i2 + 1
        elif v1 < v2:
            tvec.append(v1), idx.append(1)
            i1 += 1
        else:
            tvec.append(v2), idx.append(2)
            i2 += 1
    s_minus, s_plus = np.zeros(len(tvec)), np.zeros(len(tvec))
    i1 = i2 = 0
    for k in range(1, len(tvec) - 1):
        t = tvec[k]
        s_minus[k] = compute_s(t, y1, y2, i1, i2)
        if idx[k] == 3:
            i1, i2 = i1 + 1, i2 + 1
        elif idx[k] == 1:
            i1 += 1
        else:
            i2 += 1
        s_plus[k] = compute_s(t, y1, y2, i1, i2)
    t = np.sort(np.concatenate([tvec, tvec]))
    s = np.zeros(t.size)
    s[0::2], s[1::2] = s_minus, s_plus
    return t, s


def trapezoid_integral(t, s):
    return 0.5 * sum((s[i] + s[i - 1]) * (t[i] - t[i - 1]) for i in range(1, len(t)))


def get_trains(spikes: SpikeTrains, dt: float):
    """SNN.jl's fire record → one list of step numbers (from 1) per neuron up to the highest
    neuron that fired; an empty population crashes upstream (here: returns [])."""
    y = [j for j in range(len(spikes)) if spikes.counts()[j] > 0]
    if not y:
        return []
    return [[round(t / dt) + 1.0 for t in spikes[j]] for j in range(max(y) + 1)]


def julia_spike_train_difference(ground, found):
    if len(found) == 0:
        return float(len(ground))
    d = np.zeros(min(len(ground), len(found)))
    for i in range(d.size):
        if ground[i] and found[i]:
            maxt = max(max(ground[i]), max(found[i]))
            if max(ground[i]) > 0 and max(found[i]) > 0:
                t, s = spike_distance_profile(
                    sorted(set(ground[i])), sorted(set(found[i])), 0.0, maxt
                )
                d[i] = trapezoid_integral(t, s) / (t[-1] - t[0])
    return float(d.sum())


# -- tests -------------------------------------------------------------------------------
def steps(rng, n, size, t_stop=300, silent=0.2, dt=1.0):
    """Trains on the step grid (ms), some silent, some with repeated steps."""
    out = []
    for _ in range(n):
        k = 0 if rng.random() < silent else rng.integers(1, size)
        out.append(np.sort(rng.integers(0, t_stop, k)) * dt)
    return SpikeTrains.from_list(out, t_stop=t_stop * dt)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("dt", [1.0, 0.5])
def test_equals_the_julia_code(seed, dt):
    rng = np.random.default_rng(seed)
    truth = steps(rng, int(rng.integers(1, 30)), 15, dt=dt)
    cand = steps(rng, int(rng.integers(1, 30)), 15, dt=dt)
    want = julia_spike_train_difference(get_trains(truth, dt), get_trains(cand, dt))
    assert spike_train_difference(truth, cand, dt=dt) == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_each_pair_is_pyspike_with_spikes_added_at_0_and_the_end():
    """SpikeSynchrony.jl's auxiliary spikes are ordinary spikes of both trains: its value is
    PySpike's SPIKE-distance of the trains with spikes at 0 and T (where PySpike's own edge
    correction does not apply), and not PySpike's value of the plain trains."""
    spk = pytest.importorskip("pyspike")
    rng = np.random.default_rng(11)
    for _ in range(20):
        a = np.unique(rng.integers(0, 400, rng.integers(1, 25))).astype(float)
        b = np.unique(rng.integers(0, 400, rng.integers(1, 25))).astype(float)
        got = spike_train_difference(SpikeTrains.from_list([a]), SpikeTrains.from_list([b]), dt=1.0)
        a1, b1 = a + 1.0, b + 1.0  # step numbers from 1
        end = max(a1[-1], b1[-1])
        want = spk.spike_distance(
            spk.SpikeTrain(np.unique(np.r_[0.0, a1, end]), [0.0, end]),
            spk.SpikeTrain(np.unique(np.r_[0.0, b1, end]), [0.0, end]),
        )
        assert got == pytest.approx(want, abs=1e-12)
    plain = spk.spike_distance(
        spk.SpikeTrain([2.0, 9.0], [0.0, 9.0]), spk.SpikeTrain([5.0, 9.0], [0.0, 9.0])
    )
    ours = spike_train_difference(
        SpikeTrains.from_list([[1.0, 8.0]]), SpikeTrains.from_list([[4.0, 8.0]]), dt=1.0
    )
    assert abs(ours - plain) > 0.01


def test_truncation_silence_and_the_all_silent_candidate():
    truth = SpikeTrains.from_list([[3.0, 9.0], [4.0], [], [7.0], [], []], t_stop=20.0)
    # neurons above the candidate's highest firing one drop out, whatever the truth did there
    short = SpikeTrains.from_list([[3.0, 9.0], [], [5.0], [], [], []], t_stop=20.0)
    assert spike_train_difference(truth, short, dt=1.0) == 0.0  # silent-either pairs score 0
    longer = SpikeTrains.from_list([[3.0, 9.0], [], [], [], [], [2.0]], t_stop=20.0)
    assert spike_train_difference(truth, longer, dt=1.0) == 0.0  # neuron 5: beyond the truth's
    moved = SpikeTrains.from_list([[3.0, 9.0], [4.0], [], [12.0]], t_stop=20.0)
    d3 = spike_train_difference(
        SpikeTrains.from_list([[7.0]]), SpikeTrains.from_list([[12.0]]), dt=1.0
    )
    assert d3 > 0 and spike_train_difference(truth, moved, dt=1.0) == pytest.approx(d3)
    silent = SpikeTrains.from_list([[]] * 6, t_stop=20.0)
    assert spike_train_difference(truth, silent, dt=1.0) == 4.0  # the truth list's length
    assert spike_train_difference(silent, truth, dt=1.0) == 0.0


class Stack:
    def __init__(self, trains, dt=1.0, t_stop=300.0):
        self.trains, self.dt, self.t_stop, self.n_candidates = trains, dt, t_stop, len(trains)

    def population(self, name, candidate):
        return self.trains[candidate]


def test_the_term_option_notes_and_errors():
    rng = np.random.default_rng(3)
    truth = steps(rng, 20, 12, silent=0.0)
    cands = [steps(rng, 20, 12), SpikeTrains.empty(20, t_stop=300.0), truth]
    term = NetworkTerm.from_config(
        {"metric": "spike_distance", "populations": ["E"], "variant": "spike_train_difference"}
    )
    target = NetworkTarget({"E": truth}, 300.0)
    loss = term.evaluate(Stack(cands), target)
    assert loss[0] == pytest.approx(
        julia_spike_train_difference(get_trains(truth, 1.0), get_trains(cands[0], 1.0))
    )
    assert loss[1:].tolist() == [20.0, 0.0]
    assert term.notes(Stack(cands), target) == ["", "E: all silent, would crash upstream", ""]
    assert NetworkTerm("spike_distance", ("E",)).notes(Stack(cands), target) == [""] * 3
    with pytest.raises(
        ConfigError,
        match=r"'variant' of metric 'spike_distance' must be one "
        r"of \['standard', 'spike_train_difference'\]. "
        r"Got 'raster'",
    ):
        NetworkTerm("spike_distance", ("E",), options={"variant": "raster"})
    with pytest.raises(ConfigError, match=r"drop option\(s\) \['reduce', 'silent'\]"):
        NetworkTerm(
            "spike_distance",
            ("E",),
            options={"variant": "spike_train_difference", "silent": "perfect", "reduce": "sum"},
        )
    with pytest.raises(ConfigError, match="applies to metric 'spike_distance' only"):
        NetworkTerm(
            "mean_rate", ("E",), options={"variant": "spike_train_difference", "target_hz": 5.0}
        )

    no_dt = Stack(cands)
    del no_dt.dt
    with pytest.raises(ConfigError, match="needs a 'dt'"):
        term.evaluate(no_dt, target)


def test_faithful_network_end_to_end():
    """Truth and candidates of the faithful SpikeNetOpt network (200 ms at 1 ms): the term
    equals the Julia code on the simulated step indices."""
    net = spikeopt.Network.from_dict(library.spikenetopt(faithful=True))
    truth = spikeopt.simulate(net, t_stop=200.0, dt=1.0, seed=1)
    res = spikeopt.simulate(
        net, {"projections.EE.weight.uniform.1": [0.5, 0.1, 1.0]}, t_stop=200.0, dt=1.0, seed=2
    )
    target = NetworkTarget({"E": truth.population("E")}, 200.0)
    term = NetworkTerm("spike_distance", ("E",), options={"variant": "spike_train_difference"})
    loss = term.evaluate(res, target)
    ground = get_trains(truth.population("E"), 1.0)
    assert len(ground) == 200
    for p in range(3):
        want = julia_spike_train_difference(ground, get_trains(res.population("E", p), 1.0))
        assert loss[p] == pytest.approx(want, rel=1e-12)
    assert np.all(loss > 0)  # independently drawn wiring: never a perfect match
