"""Module-level (picklable) objectives for the run tests and worker processes."""

import os
import signal
import time

import numpy as np

SHIFT = {"x": 0.3, "y": -0.2, "z": 0.1}


def sphere(params):
    return sum((np.asarray(params[k], dtype=float) - SHIFT[k]) ** 2 for k in params)


def two_spheres(params):
    a = sphere(params)
    b = sum((np.asarray(params[k], dtype=float) + SHIFT[k]) ** 2 for k in params)
    return np.c_[a, b]


class SlowSphere:
    """The sphere, slowed down so that a test can kill a run mid-way."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __call__(self, params):
        time.sleep(self.seconds)
        return sphere(params)


def faulty(params):
    """x > 0.6 → NaN, x < -0.6 → inf, y > 0.6 → the whole call raises."""
    x, y = np.asarray(params["x"]), np.asarray(params["y"])
    if np.any(y > 0.6):
        raise RuntimeError("simulation exploded")
    out = sphere(params)
    out[x > 0.6] = np.nan
    out[x < -0.6] = np.inf
    return out


def slow_if_big_x(params):
    """Sleeps 30 s for a candidate with x > 0.8 (only ever alone in a call
    after the runner splits a timed-out chunk)."""
    if np.any(np.asarray(params["x"]) > 0.8):
        time.sleep(30)
    return sphere(params)


def wrong_shape(params):
    return np.zeros(len(params["x"]) + 1)


class DieOnce:
    """Kills its worker process the first time it runs (a marker file says
    it already did); afterwards it is the sphere."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __call__(self, params):
        if not os.path.exists(self.marker):
            with open(self.marker, "w") as fh:
                fh.write("died")
            os.kill(os.getpid(), signal.SIGKILL)
        return sphere(params)


def always_die(params):
    os.kill(os.getpid(), signal.SIGKILL)


def sleep_blocking_alarm(seconds):
    """Ignores SIGALRM (as compiled code would) and sleeps: only a hard kill stops it."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(seconds)
    return seconds


def identity(x):
    return x


def busy(params):
    """CPU-bound: a few ms of numpy work per candidate (for the executor benchmark)."""
    out = np.empty(len(params["x"]))
    for i, (x, y) in enumerate(zip(params["x"], params["y"], strict=True)):
        v = np.linspace(0.0, 1.0, 20000)
        acc = 0.0
        for _ in range(20):
            acc += float(np.sum(np.sin(v * x) * np.cos(v * y)))
        out[i] = (x - 0.3) ** 2 + (y + 0.2) ** 2 + 1e-12 * acc
    return out


def two_spheres_after_first_call(params):
    """Fails for every candidate with x < 0; two objectives otherwise."""
    out = two_spheres(params)
    out[np.asarray(params["x"]) < 0] = np.nan
    return out


def numba_threads(_):
    import numba

    return numba.get_num_threads()


def noisy_sphere(params, *, seeds):
    """The sphere plus a noise term drawn from each candidate's own seed."""
    noise = np.array([np.random.default_rng(s).normal(0.0, 0.01) for s in seeds])
    return sphere(params) + noise


def seed_keys(params, *, seeds):
    """Losses that encode each candidate's spawn key (generation, index)."""
    return np.array([s.spawn_key[1] * 1000.0 + s.spawn_key[2] for s in seeds], dtype=float)
