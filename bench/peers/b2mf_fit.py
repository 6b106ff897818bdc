"""Fit a spiking model with brian2modelfitting's SpikeFitter (peer of spikeopt's fit).

Runs INSIDE the peer venv ``.venv-b2mf`` (brian2modelfitting 0.4 on its old
numpy/scipy stack); it never imports spikeopt.

    .venv-b2mf/bin/python bench/peers/b2mf_fit.py JOB.json OUT.json

The job (JSON; see ``bench/peers/README.md``) names an .npz in spikeopt's
recording layout (``dt_ms``, ``current_pA`` (n_sweeps, n_samples),
``spike_times_ms`` flat with ``spike_offsets`` (n_sweeps + 1)), the train and
test sweeps, the model (``adex``), fixed parameters, bounds of the fitted ones,
the population (``n_samples``) and the number of rounds, the nevergrad method
(``CMA``), the Γ window, the seed and the integration method. The output
(JSON) has wall times, the best parameters (model units), the training loss
(brian2modelfitting's GammaFactor error: ``1 + 2|r_data - r_model|/r_data - Γ``
averaged over the training sweeps, 0 is perfect) and the fitted model's spike
times on every train and test sweep, so that the caller scores held-out Γ with
its own metric.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import tempfile
import time
import warnings

T_START = time.perf_counter()

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402

# Model definitions: equations in SI-free form with brian2 unit names; every
# parameter is either declared (fitted) or replaced by its fixed value.
MODELS = {
    "adex": {
        "equations": (
            "dV/dt = (-g_L*(V - E_L) + g_L*Delta_T*exp((V - V_T)/Delta_T) - w + I)/C : volt\n"
            "dw/dt = (a*(V - E_L) - w)/tau_w : amp\n"
        ),
        "threshold": "V >= V_peak",
        "reset": "V = V_reset\nw += b",
        "init": {"V": "E_L", "w": "0*pA"},
        # name: (unit name in brian2, default in that unit)
        "parameters": {
            "C": ("pF", 281.0),
            "g_L": ("nS", 30.0),
            "E_L": ("mV", -70.6),
            "V_T": ("mV", -50.4),
            "Delta_T": ("mV", 2.0),
            "V_reset": ("mV", -70.6),
            "V_peak": ("mV", 20.0),
            "a": ("nS", 4.0),
            "tau_w": ("ms", 144.0),
            "b": ("pA", 80.5),
        },
        "input_unit": "pA",
    },
}


def _subst(text: str, values: dict[str, str]) -> str:
    for name, lit in values.items():
        text = re.sub(rf"\b{re.escape(name)}\b", lit, text)
    return text


def build_model(job: dict):
    """Equations / threshold / reset / init strings with fixed parameters substituted."""
    import brian2

    name = job.get("model", "adex")
    if name not in MODELS:
        raise SystemExit(f"b2mf_fit: model {name!r} not supported (known: {sorted(MODELS)})")
    spec = MODELS[name]
    params = spec["parameters"]
    fit = job["fit"]
    fixed = dict(job.get("fixed") or {})
    unknown = (set(fit) | set(fixed)) - set(params)
    if unknown:
        raise SystemExit(f"b2mf_fit: unknown parameters {sorted(unknown)} for {name}")
    both = set(fit) & set(fixed)
    if both:
        raise SystemExit(f"b2mf_fit: parameters both fixed and fitted: {sorted(both)}")
    literals = {}
    for p, (unit, default) in params.items():
        if p not in fit:
            literals[p] = f"({float(fixed.get(p, default))!r}*{unit})"
    eqs = _subst(spec["equations"], literals)
    for p in fit:
        unit = getattr(brian2, params[p][0])
        eqs += f"{p} : {brian2.get_unit(unit.dim)!r} (constant)\n"
    threshold = _subst(spec["threshold"], literals)
    reset = _subst(spec["reset"], literals)
    init = {k: _subst(v, literals) for k, v in spec["init"].items()}
    return spec, eqs, threshold, reset, init


def load_data(path: str):
    z = np.load(path, allow_pickle=False)
    dt_ms = float(z["dt_ms"])
    current = np.asarray(z["current_pA"], dtype=float)
    times = np.asarray(z["spike_times_ms"], dtype=float)
    offsets = np.asarray(z["spike_offsets"], dtype=np.int64)
    if current.ndim != 2 or offsets.size != current.shape[0] + 1:
        raise SystemExit("b2mf_fit: current_pA must be (n_sweeps, n_samples) and "
                         "spike_offsets n_sweeps + 1 long")
    trains = [times[offsets[i]:offsets[i + 1]] for i in range(current.shape[0])]
    return dt_ms, current, trains


def _seeded(base, seed: int):
    """NevergradOptimizer whose runs repeat for one seed.

    nevergrad 0.3 draws its generator from numpy's global RNG, and cma (built
    lazily on the first ask) reseeds that global RNG from the clock: seed the
    instrumentation, build the strategy, then reseed numpy.
    """

    class Seeded(base):
        def initialize(self, parameter_names, popsize, **params):
            super().initialize(parameter_names, popsize, **params)
            self.optim.instrumentation.random_state = np.random.RandomState(seed)
            getattr(self.optim, "es", None)  # CMA: build the strategy now
            np.random.seed(seed)  # noqa: NPY002  (the legacy global RNG is what they use)

    return Seeded


def _fit(fitter, optimizer, metric, n_rounds, callback, bounds):
    # brian2modelfitting adds the caller's local Quantities and numbers to the
    # model's namespace: call it from a frame that holds none of them
    return fitter.fit(n_rounds=n_rounds, optimizer=optimizer, metric=metric,
                      callback=callback, **bounds)


def main(job_path: str, out_path: str) -> None:
    with open(job_path) as f:
        job = json.load(f)

    seed = int(job.get("seed", 0))
    np.random.seed(seed)  # noqa: NPY002  (nevergrad 0.3 draws from numpy's global RNG)

    target = job.get("codegen_target", "cython")
    cache_dir = job.get("cache_dir")
    tmp_cache = None
    if cache_dir is None and job.get("fresh_cache", True):
        # a cold compilation cache, so that code generation is counted as a user sees it
        tmp_cache = tempfile.TemporaryDirectory(prefix="b2mf-cython-")
        cache_dir = tmp_cache.name

    t_imp = time.perf_counter()
    import brian2
    import brian2modelfitting as b2mf
    from brian2modelfitting import GammaFactor, NevergradOptimizer, SpikeFitter

    brian2.prefs.codegen.target = target
    if cache_dir is not None and target == "cython":
        brian2.prefs.codegen.runtime.cython.cache_dir = cache_dir
    brian2.prefs.logging.console_log_level = "ERROR"
    import_s = time.perf_counter() - t_imp

    spec, eqs, threshold, reset, init = build_model(job)
    dt_ms, current, trains = load_data(job["data"])
    train = [int(i) for i in job["train_sweeps"]]
    test = [int(i) for i in job.get("test_sweeps", [])]
    n_samples = int(job.get("n_samples", 32))
    if "n_rounds" in job:
        n_rounds = int(job["n_rounds"])
    else:
        n_rounds = math.ceil(int(job["evaluations"]) / n_samples)
    delta_ms = float(job.get("delta_ms", 2.0))
    method = job.get("method", "euler")
    rate_correction = bool(job.get("rate_correction", True))

    ms = brian2.ms
    in_unit = getattr(brian2, spec["input_unit"])
    dt = dt_ms * ms
    duration_ms = current.shape[1] * dt_ms
    param_init = dict(init)

    units = {p: getattr(brian2, spec["parameters"][p][0]) for p in job["fit"]}
    # bounds in SI floats (what the fitter hands to the NeuronGroup with units=False)
    bounds = {p: [float(lo * units[p]), float(hi * units[p])]
              for p, (lo, hi) in job["fit"].items()}

    fitter = SpikeFitter(model=eqs, input=current[train] * in_unit,
                         output=[trains[i] * ms for i in train], dt=dt,
                         threshold=threshold, reset=reset, input_var="I",
                         n_samples=n_samples, method=method, param_init=param_init)
    # the fitter takes its parameter order from a set (it changes with the hash
    # seed, and with it the CMA trajectory): use the job's order
    fitter.parameter_names = list(job["fit"])
    metric = GammaFactor(delta=delta_ms * ms, time=duration_ms * ms,
                         rate_correction=rate_correction)
    optim_kw = {}
    if job.get("num_workers") is not None:
        optim_kw["num_workers"] = int(job["num_workers"])
    elif job.get("optimizer", "CMA").upper().startswith("CMA"):
        # nevergrad's CMA sizes its population max(num_workers, 4 + 3 ln d), not
        # n_samples: ask for n_samples (num_workers=1 gives the library's default)
        optim_kw["num_workers"] = n_samples
    optimizer = _seeded(NevergradOptimizer, seed)(method=job.get("optimizer", "CMA"), **optim_kw)

    stamps: list[float] = []
    best_hist: list[float] = []

    def callback(params, errors, best_params, best_error, index):
        stamps.append(time.perf_counter())
        best_hist.append(float(best_error))
        return False

    t_fit = time.perf_counter()
    best, best_err = _fit(fitter, optimizer, metric, n_rounds, callback, bounds)
    fit_s = time.perf_counter() - t_fit
    rounds = np.diff([t_fit] + stamps)
    typical = float(np.median(rounds[1:])) if rounds.size > 1 else 0.0
    # the first round carries network setup and code generation/compilation
    codegen_s = max(float(rounds[0]) - typical, 0.0) if rounds.size else 0.0

    best_params = {p: float(best[p] / units[p]) for p in job["fit"]}
    all_params = dict(job.get("fixed") or {})
    all_params.update(best_params)

    def predict(idx: list[int]) -> list[list[float]]:
        if not idx:
            return []
        gen = SpikeFitter(model=eqs, input=current[idx] * in_unit,
                          output=[trains[i] * ms for i in idx], dt=dt,
                          threshold=threshold, reset=reset, input_var="I",
                          n_samples=1, method=method, param_init=param_init)
        spikes = gen.generate_spikes(params=best)
        return [[float(t) for t in np.asarray(s / ms)] for s in spikes]

    t_pred = time.perf_counter()
    # one network (one compilation) for the test and the train sweeps
    predicted = predict(test + train)
    test_spikes, train_spikes = predicted[:len(test)], predicted[len(test):]
    predict_s = time.perf_counter() - t_pred

    import nevergrad

    out = {
        "peer": "brian2modelfitting",
        "versions": {"brian2modelfitting": getattr(b2mf, "__version__", "?"),
                     "brian2": brian2.__version__, "nevergrad": nevergrad.__version__,
                     "numpy": np.__version__, "python": sys.version.split()[0]},
        "codegen_target": target,
        "fresh_cache": tmp_cache is not None,
        "wall_time_s": time.perf_counter() - T_START,
        "fit_time_s": fit_s,
        "codegen_time_s": codegen_s,
        "first_round_s": float(rounds[0]) if rounds.size else 0.0,
        "median_round_s": typical,
        "import_time_s": import_s,
        "predict_time_s": predict_s,
        "n_rounds": len(stamps),
        "n_samples": n_samples,
        "n_evaluations": len(stamps) * n_samples,
        "best_params": best_params,
        "all_params": all_params,
        "train_loss": float(best_err),
        "loss_history": best_hist,
        "train_sweeps": train,
        "test_sweeps": test,
        "t_stop_ms": duration_ms,
        "train_spike_times_ms": train_spikes,
        "test_spike_times_ms": test_spikes,
    }
    if tmp_cache is not None:
        tmp_cache.cleanup()
    out["wall_time_s"] = time.perf_counter() - T_START
    tmp = out_path + ".part"
    with open(tmp, "w") as f:
        json.dump(out, f, indent=1)
    os.replace(tmp, out_path)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: b2mf_fit.py JOB.json OUT.json")
    main(sys.argv[1], sys.argv[2])
