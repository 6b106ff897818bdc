"""Direction of motion: a network evolved to tell which way a bar crosses an event
camera.

Each trial is an event recording (:class:`~spikeopt.io.EventStream`) of a bar
sweeping over a small sensor (:func:`moving_bar`): a bright vertical bar moving
left or right (and, with ``directions: 4``, a horizontal bar moving up or down).
Its leading edge makes ON events, its trailing edge OFF events, each with timing
jitter, some edges missed and background noise events. Every pixel sees one ON
and one OFF event whichever way the bar moves, so the direction lies only in
*when* and *where* ON and OFF events meet: a network must combine polarity,
place and time.

The events become one spike source per pixel block and polarity
(:func:`spikeopt.io.to_spike_trains`, ``downsample`` pixels per block), binned in
steps of ``dt_ms``. The network is discrete-time leaky integrate-and-fire with
exponential current synapses (per step: ``I ← I·exp(−dt/τ_syn) + Σ w·s``,
``V ← V·exp(−dt/τ_mem) + I``, spike when ``V ≥ 1`` and ``V ← 0``; weights in
units of the threshold): sources → ``hidden`` neurons → one output neuron per
direction, or sources → outputs when ``hidden: 0``. The genes are the weights
(``w_in.<source>.<hidden>``, ``w_out.<hidden>.<class>``; ``w.<source>.<class>``
without a hidden layer). The predicted direction is the output with most spikes
(ties and silence to class 0); evolution minimises a smooth loss of the output
counts (:mod:`.base`).

Trials are drawn from the run's seed (``SeedSequence(seed, spawn_key=(3, k))``:
k = 0 training, 1 test, 2 the initial mean), so the same config gives the same
recordings; the test trials are only used by :meth:`MotionTask.outcome`.

:class:`EventNetworkTask` is the network, its genes and scores without the
recordings; :class:`MotionTask` draws them, and
:class:`~spikeopt.tasks.event_files.EventFilesTask` (``event_classes``) reads
them from labelled event files.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .._rng import check_rng
from ..errors import InvalidParameterError
from ..io.events import EventStream, make_events, source_shape, to_spike_trains
from ..params import Parameter, ParameterSpace
from .base import Trials, accuracy, confusion_matrix, count_loss, predict, wilson_interval

__all__ = ["EventNetworkTask", "MotionTask", "moving_bar", "bar_recording", "DIRECTIONS",
           "encode_trials", "run_network"]

DIRECTIONS = ("left", "right", "up", "down")


def moving_bar(direction: str, *, sensor_size=(16, 16), bar_width: int = 3,
               speed_px_per_ms: float = 0.15, jitter_ms: float = 0.5, p_miss: float = 0.05,
               noise_hz: float = 2.0, extent=None, rng=0) -> EventStream:
    """A synthetic event recording of a bright bar crossing the sensor.

    A vertical bar (``left``/``right``) or horizontal bar (``up``/``down``; ``up`` =
    decreasing y) of ``bar_width`` pixels enters at one edge and leaves at the other
    at ``speed_px_per_ms``. Each pixel the bar covers gets an ON event when the
    leading edge reaches it and an OFF event when the trailing edge leaves it,
    each missed with probability ``p_miss`` and shifted by N(0, ``jitter_ms``²);
    every pixel also fires background events of random polarity at ``noise_hz``.
    ``extent`` = (first, last) row (or column) the bar covers; all by default.

    Returns an :class:`EventStream` with ``t`` in µs from 0, the recording lasting
    ``(length + bar_width) / speed`` ms.

    >>> s = moving_bar("right", sensor_size=(8, 4), noise_hz=0.0, jitter_ms=0.0,
    ...                p_miss=0.0)
    >>> len(s), s.sensor_size, int(s.events["p"].sum())
    (64, (8, 4), 32)
    """
    if direction not in DIRECTIONS:
        raise InvalidParameterError(f"The 'direction' parameter of moving_bar must be one "
                                    f"of {list(DIRECTIONS)}. Got {direction!r} instead.")
    for name, v, low in (("bar_width", bar_width, 1), ("speed_px_per_ms", speed_px_per_ms, 0)):
        if not v > low - (name == "bar_width"):
            raise InvalidParameterError(f"The {name!r} parameter of moving_bar must be "
                                        f"{'>= 1' if low else '> 0'}. Got {v!r} instead.")
    rng = check_rng(rng)
    w, h = (int(s) for s in sensor_size)
    horizontal = direction in ("left", "right")
    length, across = (w, h) if horizontal else (h, w)
    lo, hi = (0, across - 1) if extent is None else (int(extent[0]), int(extent[1]))
    v, bw = float(speed_px_per_ms), int(bar_width)
    duration_ms = (length + bw) / v
    pos = np.arange(length, dtype=np.float64)  # along the motion
    t_on = pos / v  # leading edge reaches pixel `pos` moving forward
    t_off = (pos + bw) / v
    if direction in ("left", "up"):
        pos = pos[::-1]
    rows = np.arange(lo, hi + 1)
    P, R = np.meshgrid(pos.astype(np.int64), rows, indexing="ij")
    cols = []
    for pol, tt in ((1, t_on), (0, t_off)):
        T = np.broadcast_to(tt[:, None], P.shape).ravel()
        T = T + rng.normal(0.0, jitter_ms, T.size) if jitter_ms > 0 else T.copy()
        keep = rng.random(T.size) >= p_miss
        along, other = P.ravel()[keep], R.ravel()[keep]
        x, y = (along, other) if horizontal else (other, along)
        cols.append((x, y, np.full(x.size, pol), T[keep]))
    n_noise = rng.poisson(noise_hz * 1e-3 * duration_ms * w * h)
    cols.append((rng.integers(0, w, n_noise), rng.integers(0, h, n_noise),
                 rng.integers(0, 2, n_noise), rng.uniform(0, duration_ms, n_noise)))
    x, y, p, t = (np.concatenate(c) for c in zip(*cols, strict=True))
    t_us = np.clip(np.round(t * 1000.0), 0, duration_ms * 1000.0).astype(np.int64)
    return EventStream(make_events(x=x, y=y, p=p, t_us=t_us), (w, h))


def encode_trials(streams, *, downsample: int, dt_ms: float, steps: int,
                  polarity: str = "split", start_ms: float = 0.0,
                  t0_us: int | None = 0) -> np.ndarray:
    """(trials, sources, steps) uint8 spike counts per source and step of ``dt_ms``:
    the events of each stream in the window [``start_ms``, ``start_ms + steps·dt_ms``)
    after ``t0_us`` (the recording's zero, µs; None: each stream's first event), one
    source per pixel block and polarity (:func:`spikeopt.io.to_spike_trains`); later
    events are dropped."""
    out = None
    for k, s in enumerate(streams):
        st = to_spike_trains(s, downsample=downsample, polarity=polarity, t0_us=t0_us,
                             start_ms=float(start_ms),
                             stop_ms=float(start_ms) + steps * float(dt_ms))
        if out is None:
            out = np.zeros((len(streams), len(st), steps), dtype=np.uint8)
        b = np.minimum((st.times / float(dt_ms)).astype(np.int64), steps - 1)
        np.add.at(out[k], (st.train_index(), b), 1)
    return out


@nb.njit(cache=True, inline="always")
def _lif_layer(V, I, drive, a_mem, a_syn, out):
    for k in range(V.shape[0]):
        I[k] = I[k] * a_syn + drive[k]
        v = V[k] * a_mem + I[k]
        if v >= 1.0:
            out[k] = 1
            v = 0.0
        else:
            out[k] = 0
        V[k] = v


@nb.njit(cache=True, inline="always")
def _drive(counts, w, d):
    """d = counts @ w over the nonzero entries of counts (spikes this step)."""
    d[:] = 0.0
    for s in range(counts.shape[0]):
        if counts[s]:
            for k in range(d.shape[0]):
                d[k] += counts[s] * w[s, k]


@nb.njit(cache=True)
def _trial(w1, w2, x, a_mem, a_syn, counts, hid=None, out=None):
    """One trial of one network: x (sources, steps) counts; w1 (sources, H), w2 (H, C);
    H = 0 means sources → outputs through w2 (sources, C). Adds output spike counts;
    records the hidden (H, steps) and output (C, steps) spikes into ``hid``/``out``
    when given."""
    S, T = x.shape
    H, C = w1.shape[1], w2.shape[1]
    Vh = np.zeros(H)
    Ih = np.zeros(H)
    sh = np.zeros(H, dtype=np.uint8)
    dh = np.zeros(H)
    Vo = np.zeros(C)
    Io = np.zeros(C)
    so = np.zeros(C, dtype=np.uint8)
    do = np.zeros(C)
    for i in range(T):
        if H > 0:
            _drive(x[:, i], w1, dh)
            _lif_layer(Vh, Ih, dh, a_mem, a_syn, sh)
            _drive(sh, w2, do)
        else:
            _drive(x[:, i], w2, do)
        _lif_layer(Vo, Io, do, a_mem, a_syn, so)
        for c in range(C):
            counts[c] += so[c]
        if out is not None:
            out[:, i] = so
        if hid is not None and H > 0:
            hid[:, i] = sh


@nb.njit(cache=True, parallel=True)
def _counts(W1, W2, X, a_mem, a_syn):
    P, T, C = W2.shape[0], X.shape[0], W2.shape[2]
    counts = np.zeros((P, T, C), dtype=np.int32)
    for job in nb.prange(P * T):
        p, tr = job // T, job % T
        _trial(W1[p], W2[p], X[tr], a_mem, a_syn, counts[p, tr])
    return counts


@nb.njit(cache=True)
def _record(w1, w2, X, a_mem, a_syn):
    T, S = X.shape[0], X.shape[2]
    hid = np.zeros((T, w1.shape[1], S), dtype=np.uint8)
    out = np.zeros((T, w2.shape[1], S), dtype=np.uint8)
    counts = np.zeros(w2.shape[1], dtype=np.int32)
    for tr in range(T):
        _trial(w1, w2, X[tr], a_mem, a_syn, counts, hid[tr], out[tr])
    return hid, out


def run_network(W1: np.ndarray, W2: np.ndarray, X: np.ndarray, *, tau_mem_ms: float = 20.0,
                tau_syn_ms: float = 5.0, dt_ms: float = 1.0) -> np.ndarray:
    """Output spike counts (P, trials, C) of P networks on the inputs X (trials,
    sources, steps): W1 (P, sources, H) and W2 (P, H, C), or W1 (P, sources, 0) and
    W2 (P, sources, C) without a hidden layer; one compiled call."""
    return _counts(np.ascontiguousarray(W1, dtype=np.float64),
                   np.ascontiguousarray(W2, dtype=np.float64),
                   np.ascontiguousarray(X, dtype=np.uint8), float(np.exp(-dt_ms / tau_mem_ms)),
                   float(np.exp(-dt_ms / tau_syn_ms)))


_CHANNELS = {"split": ("OFF", "ON"), "merge": ("ON/OFF",), "on": ("ON",), "off": ("OFF",)}


class EventNetworkTask:
    """What the event tasks share: the network from event sources to one output per
    class, its genes, the batched evaluation and the held-out scores.

    A subclass sets ``classes``, ``sensor_size``, ``downsample``, ``polarity``,
    ``steps``, ``seed``, ``hidden``, ``dt_ms``, ``tau_mem_ms``, ``tau_syn_ms``,
    ``loss_kind``, ``loss_options`` (:meth:`_check_network`) and the ``train`` /
    ``test`` :class:`~.base.Trials` ((trials, sources, steps) uint8 counts,
    :func:`encode_trials`), then calls :meth:`_network`.
    """

    faithful = False
    polarity = "split"

    def _network(self, *, weight_bound: float, rng) -> None:
        """The genes (``w.<source>.<class>`` or ``w_in`` / ``w_out``), their space and a
        small random x0 drawn from ``rng``."""
        c, h, w = source_shape(self.sensor_size, downsample=self.downsample,
                               polarity=self.polarity)
        self.n_sources = c * h * w
        S, H, C = self.n_sources, self.hidden, len(self.classes)
        if H:
            self.names = ([f"w_in.{s}.{k}" for s in range(S) for k in range(H)]
                          + [f"w_out.{k}.{c}" for k in range(H) for c in range(C)])
        else:
            self.names = [f"w.{s}.{c}" for s in range(S) for c in range(C)]
        b = float(weight_bound)
        self.space = ParameterSpace({n: Parameter(-b, b, unit="threshold")
                                     for n in self.names})
        self.x0 = dict(zip(self.names, rng.uniform(-0.1 * b, 0.1 * b, len(self.names)),
                           strict=True))
        self.objective_names = ("loss",)

    @staticmethod
    def _check_network(*, hidden, dt_ms, tau_mem_ms, tau_syn_ms, weight_bound,
                       loss, temperature, margin) -> dict:
        """The network options checked (``task.<key>`` in the messages)."""
        if isinstance(hidden, bool) or not isinstance(hidden, int) or hidden < 0:
            raise InvalidParameterError(f"task.hidden must be an integer >= 0. Got {hidden!r}.")
        for key, v in (("dt_ms", dt_ms), ("tau_mem_ms", tau_mem_ms),
                       ("tau_syn_ms", tau_syn_ms), ("weight_bound", weight_bound)):
            if not float(v) > 0:
                raise InvalidParameterError(f"task.{key} must be > 0. Got {v!r}.")
        options = ({"temperature": float(temperature)} if loss == "cross_entropy"
                   else {"margin": float(margin)})
        count_loss(np.zeros((1, 1, 2)), np.zeros(1, dtype=int), loss, **options)
        return options

    # -- the weights ---------------------------------------------------------------
    def weights(self, params) -> tuple[np.ndarray, np.ndarray]:
        """W1 (P, sources, H) and W2 (P, H, C) — or W1 (P, sources, 0) and W2
        (P, sources, C) without a hidden layer — from the genes."""
        S, H, C = self.n_sources, self.hidden, len(self.classes)
        cols = np.stack([np.atleast_1d(np.asarray(params[n], dtype=np.float64))
                         for n in self.names], axis=-1)
        P = cols.shape[0]
        if H:
            return (cols[:, :S * H].reshape(P, S, H), cols[:, S * H:].reshape(P, H, C))
        return np.zeros((P, S, 0)), cols.reshape(P, S, C)

    def counts(self, params, trials: Trials) -> np.ndarray:
        W1, W2 = self.weights(params)
        return run_network(W1, W2, trials.inputs, tau_mem_ms=self.tau_mem_ms,
                           tau_syn_ms=self.tau_syn_ms, dt_ms=self.dt_ms)

    def _decays(self) -> tuple[float, float]:
        return (float(np.exp(-self.dt_ms / self.tau_mem_ms)),
                float(np.exp(-self.dt_ms / self.tau_syn_ms)))

    def layers(self, params: dict, trials: Trials) -> list[np.ndarray]:
        """Input (trials, sources, steps; 1 where a source spiked), hidden (without a
        hidden layer: none) and output spikes of the network ``params``."""
        W1, W2 = self.weights({k: np.atleast_1d(v) for k, v in params.items()})
        hid, out = _record(np.ascontiguousarray(W1[0]), np.ascontiguousarray(W2[0]),
                           np.ascontiguousarray(trials.inputs, dtype=np.uint8),
                           *self._decays())
        inputs = (trials.inputs > 0).astype(np.uint8)
        return [inputs, hid, out] if self.hidden else [inputs, out]

    def unit_names(self) -> list[str]:
        """Sources ("ON x,y" / "OFF x,y" of the down-sampled grid), hidden neurons and
        outputs ("out <class>"), in :meth:`layers` order."""
        c, h, w = source_shape(self.sensor_size, downsample=self.downsample,
                               polarity=self.polarity)
        chan = _CHANNELS[self.polarity]
        src = [f"{chan[ch]} {x},{y}" for ch in range(c) for y in range(h) for x in range(w)]
        return (src + [f"hidden {k}" for k in range(self.hidden)]
                + [f"out {d}" for d in self.classes])

    def weight_matrix(self, params: dict) -> np.ndarray:
        """The true (D, D) weights [target, source] over sources, hidden and outputs."""
        W1, W2 = self.weights({k: np.atleast_1d(v) for k, v in params.items()})
        S, H, C = self.n_sources, self.hidden, len(self.classes)
        W = np.zeros((S + H + C, S + H + C))
        if H:
            W[S:S + H, :S] = W1[0].T
            W[S + H:, S:S + H] = W2[0].T
        else:
            W[S:, :S] = W2[0].T
        return W

    def __call__(self, params) -> np.ndarray:
        """(P,) losses on the training recordings."""
        return count_loss(self.counts(params, self.train), self.train.labels, self.loss_kind,
                          **self.loss_options)

    def optimizer_defaults(self) -> dict:
        """CMA-ES from a small random x0 (drawn from the run's seed), with IPOP
        restarts until the budget is spent."""
        return {"cmaes": {"x0": self.x0, "restarts": 1000}}

    def outcome(self, params: dict, *, seed=None) -> dict:
        """Accuracy on the training and the held-out recordings (fractions, the test's
        95 % Wilson interval) and the test confusion matrix."""
        one = {k: np.atleast_1d(v) for k, v in params.items()}
        out = {"train_accuracy": float(accuracy(self.counts(one, self.train),
                                                self.train.labels)[0])}
        c = self.counts(one, self.test)[0]
        y = self.test.labels
        k = int((predict(c) == y).sum())
        out.update({"test_accuracy": k / len(y), "test_accuracy_ci95": wilson_interval(k, len(y)),
                    "test_trials": int(len(y)), "chance": 1.0 / len(self.classes),
                    "confusion_matrix": confusion_matrix(c, y, len(self.classes)).tolist(),
                    "classes": list(self.classes),
                    "mean_output_spikes": float(c.sum(axis=-1).mean())})
        return out


class MotionTask(EventNetworkTask):
    """The direction-of-motion task (see the module docstring).

    Parameters
    ----------
    directions : {2, 4}
        left/right, or left/right/up/down.
    sensor : int
        Sensor width = height (pixels).
    downsample : int
        Pixels per source along x and y.
    train_per_class, test_per_class : int
        Recordings per direction for training and for the held-out test.
    hidden : int
        Hidden neurons (0: sources drive the outputs directly).
    dt_ms, tau_mem_ms, tau_syn_ms : float
        Step and time constants (ms).
    bar_width, speed_px_per_ms, speed_spread, jitter_ms, noise_hz, p_miss : float
        The recordings (:func:`moving_bar`); each trial's speed is drawn uniformly
        within ± ``speed_spread`` (a fraction) of ``speed_px_per_ms``, its start
        delayed by up to 10 ms.
    loss : {"cross_entropy", "margin", "error_margin"}
        The loss of the output counts, with ``temperature`` / ``margin`` (spikes).
    weight_bound : float
        Genes in [-bound, bound] (threshold units).
    faithful : bool
        Must be false (the config's common key; there is no upstream version).
    seed : int
        The run's seed, from which the recordings are drawn.
    """

    name = "direction_of_motion"

    def __init__(self, *, directions: int = 2, sensor: int = 16, downsample: int = 4,
                 train_per_class: int = 20, test_per_class: int = 100, hidden: int = 0,
                 dt_ms: float = 1.0, tau_mem_ms: float = 10.0, tau_syn_ms: float = 3.0,
                 bar_width: int = 3, speed_px_per_ms: float = 0.15,
                 speed_spread: float = 0.2, jitter_ms: float = 1.0, noise_hz: float = 5.0,
                 p_miss: float = 0.1, loss: str = "cross_entropy", temperature: float = 2.0,
                 margin: float = 3.0, weight_bound: float = 2.0, faithful: bool = False,
                 seed: int = 0):
        if faithful:
            raise InvalidParameterError("task.faithful: direction_of_motion is spikeopt's own "
                                        "task, with no upstream to be faithful to; allowed: "
                                        "false. Got true.")
        if directions not in (2, 4):
            raise InvalidParameterError(f"task.directions must be 2 or 4. Got {directions!r}.")
        for name, v in (("sensor", sensor), ("downsample", downsample),
                        ("train_per_class", train_per_class),
                        ("test_per_class", test_per_class)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InvalidParameterError(f"task.{name} must be an integer >= 1. Got {v!r}.")
        net = {"hidden": hidden, "dt_ms": dt_ms, "tau_mem_ms": tau_mem_ms,
               "tau_syn_ms": tau_syn_ms, "weight_bound": weight_bound, "loss": loss,
               "temperature": temperature, "margin": margin}
        self.loss_options = self._check_network(**net)
        if not float(speed_px_per_ms) > 0:
            raise InvalidParameterError(f"task.speed_px_per_ms must be > 0. "
                                        f"Got {speed_px_per_ms!r}.")
        if not 0 <= float(speed_spread) < 1:
            raise InvalidParameterError(f"task.speed_spread must be in [0, 1). "
                                        f"Got {speed_spread!r}.")
        self.classes = DIRECTIONS[:directions]
        self.sensor, self.downsample, self.hidden = int(sensor), int(downsample), int(hidden)
        self.sensor_size = (self.sensor, self.sensor)
        self.dt_ms, self.tau_mem_ms, self.tau_syn_ms = (float(dt_ms), float(tau_mem_ms),
                                                        float(tau_syn_ms))
        self.bar = {"bar_width": int(bar_width), "jitter_ms": float(jitter_ms),
                    "noise_hz": float(noise_hz), "p_miss": float(p_miss)}
        self.speed, self.speed_spread = float(speed_px_per_ms), float(speed_spread)
        slowest = self.speed * (1.0 - self.speed_spread)
        self.steps = int(np.ceil(((self.sensor + int(bar_width)) / slowest + 10.0)
                                 / self.dt_ms))
        self.loss_kind = loss
        self.seed = int(seed)
        rng = [np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(3, k)))
               for k in range(3)]
        self.train = self._trials(rng[0], int(train_per_class))
        self.test = self._trials(rng[1], int(test_per_class))
        self._network(weight_bound=weight_bound, rng=rng[2])

    def recording(self, direction: str, rng) -> EventStream:
        """One trial's recording: the bar at a speed drawn within the spread, starting
        up to 10 ms late (:func:`bar_recording`)."""
        return bar_recording(direction, rng, sensor_size=self.sensor_size, speed=self.speed,
                             speed_spread=self.speed_spread, **self.bar)

    def _trials(self, rng, per_class: int) -> Trials:
        labels = np.repeat(np.arange(len(self.classes)), per_class)
        streams = [self.recording(self.classes[c], rng) for c in labels]
        X = encode_trials(streams, downsample=self.downsample, dt_ms=self.dt_ms,
                          steps=self.steps)
        return Trials(X, labels.astype(np.int64), tuple(self.classes))


def bar_recording(direction: str, rng, *, sensor_size=(16, 16), speed: float = 0.15,
                  speed_spread: float = 0.2, max_delay_ms: float = 10.0,
                  **bar) -> EventStream:
    """One direction-of-motion trial: :func:`moving_bar` at a speed drawn uniformly
    within ± ``speed_spread`` of ``speed`` (px/ms), starting up to ``max_delay_ms``
    late; ``bar``: moving_bar's other options."""
    rng = check_rng(rng)
    v = speed * (1.0 + speed_spread * rng.uniform(-1.0, 1.0))
    s = moving_bar(direction, sensor_size=sensor_size, speed_px_per_ms=v, rng=rng, **bar)
    delay = int(rng.uniform(0.0, max_delay_ms * 1000.0))
    ev = s.events.copy()
    ev["t"] += delay
    return EventStream(ev, s.sensor_size)
