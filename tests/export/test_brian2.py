"""Round trips of spikeopt.export.brian2: write Brian2 scripts (real units), run them
in one fresh interpreter, and get spikeopt's spikes (a fitted AdEx cell; a network
with explicit wiring) or its statistics (a Poisson-driven network wired by Brian2)."""

from __future__ import annotations

import ast
import doctest
import subprocess
import sys

import numpy as np
import pytest

from spikeopt import simulate, stimuli
from spikeopt.errors import InvalidParameterError
from spikeopt.export import brian2 as export_brian2
from spikeopt.export.brian2 import brian2_script, write_brian2
from spikeopt.testing import backends as conformance

pytest.importorskip("brian2", reason="the exported scripts run in Brian2 (test extra)")

DT = 0.1
T_CUBA = 300.0  # ms: shorter than the suite's case, the same tolerances
# a fitted AdEx cell (adapting; parameters in pF, nS, mV, ms, pA)
ADEX = {"C": 200.0, "g_L": 10.0, "E_L": -70.0, "V_T": -50.0, "Delta_T": 2.0,
        "V_reset": -58.0, "V_peak": 0.0, "a": 2.0, "tau_w": 120.0, "b": 60.0}
_RUN_ALL = """import runpy, sys
for script in sys.argv[1:]:
    sys.argv = [script]
    runpy.run_path(script, run_name="__main__")
"""


def _trains(z, name: str, n: int) -> list[np.ndarray]:
    return [np.sort(z[f"{name}_times"][z[f"{name}_senders"] == i]) for i in range(n)]


def _same(ours, theirs) -> None:
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert a.size == b.size and np.allclose(a, b, rtol=0, atol=1e-6), (a[:5], b[:5])


def test_scripts_reproduce_spikeopt(tmp_path):
    stim = stimuli.ou_noise(500.0, 150.0, 5.0, duration=400.0, n_sweeps=6, dt=DT, rng=3)
    net = next(c for c in conformance.CASES if c.name == "net-lif-exp2_conductance")
    cuba = next(c for c in conformance.CASES if c.name == "net-cuba-poisson")
    scripts = [
        write_brian2(tmp_path / "cell.py", "adex", ADEX, stimulus=stim, dt=DT,
                     out=str(tmp_path / "cell.npz")),
        write_brian2(tmp_path / "net.py", net.model, dt=DT, t_stop=net.t_stop, seed=net.seed,
                     out=str(tmp_path / "net.npz")),
        write_brian2(tmp_path / "cuba.py", cuba.model, dt=DT, t_stop=T_CUBA, seed=3,
                     wiring="brian2", out=str(tmp_path / "cuba.npz")),
    ]
    assert (tmp_path / "cell_data.npz").exists()  # 24 000 current samples: beside the script
    proc = subprocess.run([sys.executable, "-c", _RUN_ALL, *map(str, scripts)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]

    ours = simulate("adex", ADEX, stim, dt=DT)
    with np.load(tmp_path / "cell.npz") as z:
        _same([ours.spikes[s] for s in range(6)], _trains(z, "cell", 6))
    assert ours.spikes.counts().sum() > 30

    ours = simulate(net.model, t_stop=net.t_stop, dt=DT, seed=net.seed)
    with np.load(tmp_path / "net.npz") as z:
        for pop in ("E", "I"):
            _same(list(ours.population(pop)), _trains(z, pop, len(ours.population(pop))))

    ours = simulate(cuba.model, t_stop=T_CUBA, dt=DT, seed=cuba.seed)
    with np.load(tmp_path / "cuba.npz") as z:
        for pop in ("E", "I"):
            n = len(ours.population(pop))
            r_ref, cv_ref = conformance.summary([ours.population(pop)], T_CUBA)
            r_got, cv_got = conformance.summary([_trains(z, pop, n)], T_CUBA)
            assert abs(r_got - r_ref) <= cuba.rate_rtol * r_ref, (pop, r_ref, r_got)
            assert abs(cv_got - cv_ref) <= cuba.cv_atol, (pop, cv_ref, cv_got)


def test_script_imports_only_brian2_and_numpy_and_writes_units():
    net = next(c for c in conformance.CASES if c.name == "net-stdp")
    src = brian2_script(net.model, dt=DT, t_stop=50.0)
    modules = {a.name.split(".")[0] for node in ast.walk(ast.parse(src))
               if isinstance(node, ast.Import | ast.ImportFrom)
               for a in getattr(node, "names", [])}
    assert modules <= {"brian2", "numpy", "os", "sys"}
    assert "import spikeopt" not in src
    for piece in (": volt (unless refractory)", "tau_m : second", "R : ohm", "I_c0 : amp",
                  "w_syn : amp", "w_syn : volt", "*b2.Mohm", "*b2.ms", "*b2.pA",
                  "dapre/dt = -apre/tau_plus : amp", "dapost/dt = -apost/tau_minus : volt"):
        assert piece in src, piece
    plain = brian2_script(net.model, dt=DT, t_stop=50.0, units=False)
    assert "/ms : 1 (unless refractory)" in plain and "*b2.pA" not in plain


def test_one_candidate_and_a_stimulus_are_required():
    with pytest.raises(InvalidParameterError, match="parameter 'a' must be a scalar"):
        brian2_script("adex", {"a": [1.0, 2.0]}, stimulus=np.zeros(10))
    with pytest.raises(InvalidParameterError, match="needs a stimulus"):
        brian2_script("adex", {})
    with pytest.raises(InvalidParameterError, match="Unknown option"):
        write_brian2("x.py", "adex", {}, stimulus=np.zeros(10), colour="red")


def test_docstring_example():
    assert doctest.testmod(export_brian2).failed == 0
