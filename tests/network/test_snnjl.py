"""``update: snnjl``: SpikingNeuralNetworks.jl's Izhikevich step in networks, against a
plain-numpy loop that follows SNN.jl 0.1 literally (``src/main.jl`` ``sim!``,
``src/neuron/iz.jl`` ``integrate!``, ``src/synapse/spiking_synapse.jl`` ``forward!``)."""

from __future__ import annotations

import numpy as np
import pytest

import spikeopt
from spikeopt.errors import ConfigError
from spikeopt.network import Network, library

F32 = np.float32
E_CUR = [11.5, 9.0, 14.0, 7.0, 12.5]
I_CUR = [6.0, 4.0]
ORDER = ("EE", "EI", "IE", "II")  # SpikeNetOpt's C = [EE, EI, IE, II]


def tiny(update="snnjl", delay_ms=0.0) -> dict:
    """5 E (RS) + 2 I (FS) with strong delta synapses, so that kicks decide spike steps."""

    def link(pre, post, lo, hi, p):
        return {
            "pre": pre,
            "post": post,
            "synapse": {"type": "delta"},
            "weight": {"uniform": [lo, hi]},
            "delay_ms": delay_ms,
            "connector": {"rule": "fixed_probability", "p": p},
        }

    return {
        "populations": {
            "E": {
                "model": "izhikevich",
                "size": 5,
                "current": E_CUR,
                "update": update,
                "params": {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0},
            },
            "I": {
                "model": "izhikevich",
                "size": 2,
                "current": I_CUR,
                "update": update,
                "params": {"a": 0.1, "b": 0.2, "c": -65.0, "d": 2.0},
            },
        },
        "projections": {
            "EE": link("E", "E", 0.0, 6.0, 0.6),
            "EI": link("E", "I", 0.0, 8.0, 0.8),
            "IE": link("I", "E", -9.0, 0.0, 0.7),
            "II": link("I", "I", -4.0, 0.0, 0.5),
        },
    }


class IZ:
    """SNN.jl's IZ: Float32 state, v = -65, u = b·v."""

    def __init__(self, a, b, c, d, current):
        self.a, self.b, self.c, self.d = F32(a), F32(b), F32(c), F32(d)
        n = len(current)
        self.v = np.full(n, F32(-65.0), dtype=F32)
        self.u = self.b * self.v
        self.I = np.asarray(current, dtype=F32)
        self.fire = np.zeros(n, dtype=bool)

    def integrate(self, dt):
        v, u, I = self.v, self.u, self.I
        h = F32(0.5) * F32(dt)
        for i in range(v.size):  # Julia's v^2 is v*v (numpy's float32 scalar ** 2 is not)
            v[i] += h * (F32(0.04) * (v[i] * v[i]) + F32(5.0) * v[i] + F32(140.0) - u[i] + I[i])
            v[i] += h * (F32(0.04) * (v[i] * v[i]) + F32(5.0) * v[i] + F32(140.0) - u[i] + I[i])
            u[i] += F32(dt) * (self.a * (self.b * v[i] - u[i]))
        for i in range(v.size):
            self.fire[i] = v[i] > F32(30.0)
            v[i] = self.c if self.fire[i] else v[i]
            u[i] += self.d if self.fire[i] else F32(0.0)


def snnjl_reference(res, n_steps, candidate=0, dt=1.0):
    """Spike steps (0-based) per population, with the wiring of ``candidate`` in ``res``."""
    P = {"E": IZ(0.02, 0.2, -65.0, 8.0, E_CUR), "I": IZ(0.1, 0.2, -65.0, 2.0, I_CUR)}
    C = []
    for name in ORDER:
        c = res.connectivity(name, candidate)
        pre, post = name[0], name[1]
        order = np.lexsort((c["post"], c["pre"]))  # CSC: by presynaptic column, rows ascending
        C.append(
            (P[pre], P[post], c["pre"][order], c["post"][order], c["weight"][order].astype(F32))
        )
    steps = {"E": [], "I": []}
    for t in range(n_steps):
        for name, p in P.items():  # sim!: every population integrates ...
            p.integrate(dt)
            steps[name] += [(t, j) for j in np.flatnonzero(p.fire)]
        for pre, post, J, Ipost, W in C:  # ... then every connection forward!s
            for s in range(J.size):
                if pre.fire[J[s]]:
                    post.v[Ipost[s]] += W[s]
    return steps


def kernel_steps(res, candidate=0, dt=1.0):
    out = {}
    for name in ("E", "I"):
        sp = res.population(name, candidate)
        out[name] = sorted((int(round(t / dt)), j) for j in range(len(sp)) for t in sp[j])
    return out


N_STEPS, CANDIDATES = 1000, 3


@pytest.fixture(scope="module")
def tiny_run():
    """Three candidate networks (own wiring each) for 1000 steps of 1 ms."""
    res = spikeopt.simulate(
        Network.from_dict(tiny()),
        {"projections.EE.connector.p": [0.6] * CANDIDATES},
        t_stop=float(N_STEPS),
        dt=1.0,
        seed=5,
    )
    return res, [snnjl_reference(res, N_STEPS, p) for p in range(CANDIDATES)]


def test_snnjl_update_gives_snnjl_spike_steps(tiny_run):
    res, refs = tiny_run
    for p, ref in enumerate(refs):
        got = kernel_steps(res, p)
        assert len(ref["E"]) > 100 and len(ref["I"]) > 50
        assert got["E"] == sorted(ref["E"]), p
        assert got["I"] == sorted(ref["I"]), p


def test_the_comparison_sees_the_step_and_the_timing(tiny_run):
    """A one-step delay, or the standard Euler step, gives other spike steps."""
    _, refs = tiny_run
    for spec in (tiny(delay_ms=1.0), tiny(update="standard")):
        res = spikeopt.simulate(
            Network.from_dict(spec),
            {"projections.EE.connector.p": [0.6] * CANDIDATES},
            t_stop=float(N_STEPS),
            dt=1.0,
            seed=5,
        )
        assert kernel_steps(res)["E"] != sorted(refs[0]["E"])


def test_kicks_reach_neurons_reset_in_the_same_step():
    """SNN.jl adds a kick to v after the reset (v = c + w); the standard schedule drops it."""
    spec = {
        "populations": {
            "A": {"model": "izhikevich", "size": 1, "update": "snnjl", "current": 20.0}
        },
        "projections": {
            "AA": {
                "pre": "A",
                "post": "A",
                "synapse": {"type": "delta"},
                "weight": 7.0,
                "connector": {"rule": "all_to_all"},
            }
        },
    }
    res = spikeopt.simulate(spec, t_stop=60.0, dt=1.0, seed=0, record_state={"A.v": [0]})
    v = res.state("A.v")[0]  # values at the start of each step
    first = int(round(res.population("A")[0][0]))
    assert v[first + 1] == pytest.approx(-65.0 + 7.0)
    spec["populations"]["A"]["update"] = "standard"
    res = spikeopt.simulate(spec, t_stop=60.0, dt=1.0, seed=0, record_state={"A.v": [0]})
    first = int(round(res.population("A")[0][0]))
    assert res.state("A.v")[0][first + 1] == -65.0


def test_update_is_checked_per_model():
    spec = tiny()
    spec["populations"]["E"]["update"] = "rk4"
    with pytest.raises(
        ConfigError,
        match=r"populations\.E\.update: unknown update 'rk4' for "
        r"model 'izhikevich'; allowed: \['standard', 'snnjl'\]",
    ):
        Network.from_dict(spec)
    with pytest.raises(ConfigError, match=r"allowed: \['standard'\]"):
        Network.from_dict({"populations": {"L": {"model": "lif", "size": 2, "update": "snnjl"}}})
    net = Network.from_dict(tiny())
    assert net.populations["E"].update == "snnjl"
    assert Network.from_dict(net.to_dict()).populations["I"].update == "snnjl"
    assert Network.from_dict(tiny(update="standard")).populations["E"].update == "standard"


def test_spikenetopt_faithful_and_default_descriptions():
    faithful = Network.from_dict(library.spikenetopt(faithful=True))
    assert {p.update for p in faithful.populations.values()} == {"snnjl"}
    assert faithful.leaves["projections.EE.delay_ms"] == 0.0
    default = Network.from_dict(library.spikenetopt())
    assert {p.update for p in default.populations.values()} == {"standard"}
    assert default.leaves["projections.EE.delay_ms"] == 0.1
    assert library.spikenetopt(faithful=True, delay_ms=2.0)["projections"]["EI"]["delay_ms"] == 2.0
