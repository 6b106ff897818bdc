"""Event classes: a network evolved to classify recorded event files, one class per
set of files (DVS Gesture, N-MNIST or your own recordings).

::

    kind: task
    task:
      name: event_classes
      classes: {left: data/bars/left_*, right: data/bars/right_*}  # globs, per class
      test_fraction: 0.3       # held-out recordings per class, drawn from the seed
      downsample: 3            # pixels per source along x and y
      polarity: split          # split | merge | on | off
      window_ms: [0, 130]      # the part of each recording the network sees
    network: {hidden: 0, tau_mem_ms: 10.0, tau_syn_ms: 3.0}

Each class is a glob (or a list of globs) of event files, relative to the config
file (the validated config stores them absolute); every file is read with
:func:`spikeopt.io.read_events` (format from the suffix, or ``format``;
``camera``, ``sensor_size``) and all must share one sensor size. Held out: a
``test_fraction`` of each class's files, drawn from the run's seed
(``SeedSequence(seed, spawn_key=(3, 0))``, at least one file on each side), or
the files of ``test_classes`` (globs per class, the same classes).

The trials are encoded as in the direction-of-motion task
(:func:`.motion.encode_trials`: one source per pixel block and polarity, binned
in ``dt_ms`` steps, the window [``window_ms[0]``, ``window_ms[1]``) after each
recording's first event, or after timestamp 0 with ``time_zero: zero``) and
classified by the same compiled network (:class:`.motion.EventNetworkTask`):
leaky integrate-and-fire outputs, one per class, the class with most spikes.
"""

from __future__ import annotations

import glob
import math
from pathlib import Path

import numpy as np

from ..errors import InvalidParameterError
from ..io.events import read_events
from .base import Trials
from .motion import _CHANNELS, EventNetworkTask, encode_trials

__all__ = ["EventFilesTask", "class_files"]


def class_files(patterns, key: str) -> list[str]:
    """The files (sorted, absolute, each once) matched by a glob or a list of globs;
    an error naming ``key`` and the glob when one matches nothing."""
    pats = [patterns] if isinstance(patterns, str | Path) else patterns
    if not isinstance(pats, list | tuple) or not pats or \
            not all(isinstance(p, str | Path) for p in pats):
        raise InvalidParameterError(f"{key} must be a glob of event files or a list of globs. "
                                    f"Got {patterns!r}.")
    files: list[str] = []
    for pat in pats:
        found = sorted(str(Path(f).resolve()) for f in glob.glob(str(pat), recursive=True)
                       if Path(f).is_file())
        if not found:
            raise InvalidParameterError(f"{key}: no file matches {str(pat)!r}.")
        files += [f for f in found if f not in files]
    return files


def _sizes_note(sizes: dict) -> str:
    """"16×16 (a.npz, b.npz); 12×12 (c.aedat4)": the files per sensor size."""
    by: dict = {}
    for f, size in sizes.items():
        by.setdefault(size, []).append(Path(f).name)
    parts = []
    for (w, h), names in by.items():
        names = sorted(names)
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        parts.append(f"{w}×{h} ({', '.join(names[:3])}{more})")
    return "; ".join(parts)


class EventFilesTask(EventNetworkTask):
    """Recorded event files as the trials of a classification task (see the module
    docstring).

    Parameters
    ----------
    classes : dict
        Class name → a glob or a list of globs of event files (relative paths: to the
        working folder; a config's are made relative to its file).
    test_classes : dict, optional
        The held-out files, globs per class (the same names); instead of
        ``test_fraction``.
    test_fraction : float
        Share of each class's files held out (default 0.3), drawn from ``seed``.
    downsample : int
        Pixels per source along x and y.
    polarity : {"split", "merge", "on", "off"}
        The sources' polarity channels (:func:`spikeopt.io.to_spike_trains`).
    window_ms : [start, stop], optional
        The window of each recording the network sees, ms after its zero (default:
        0 to the end of the longest recording).
    time_zero : {"first_event", "zero"}
        A recording's zero: its first event, or timestamp 0.
    format, camera, sensor_size
        Passed to :func:`spikeopt.io.read_events` for every file.
    hidden, dt_ms, tau_mem_ms, tau_syn_ms, loss, temperature, margin, weight_bound
        The network and its loss, as in :class:`~.motion.MotionTask`.
    faithful : bool
        Must be false.
    seed : int
        The run's seed (the split and x0).
    """

    name = "event_classes"
    glob_keys = ("classes", "test_classes")  # made absolute against the config's folder

    def __init__(self, *, classes: dict, test_classes: dict | None = None,
                 test_fraction: float | None = None, downsample: int = 4,
                 polarity: str = "split", window_ms=None, time_zero: str = "first_event",
                 format: str | None = None, camera: str = "dvs128", sensor_size=None,
                 hidden: int = 0, dt_ms: float = 1.0, tau_mem_ms: float = 10.0,
                 tau_syn_ms: float = 3.0, loss: str = "cross_entropy",
                 temperature: float = 2.0, margin: float = 3.0, weight_bound: float = 2.0,
                 faithful: bool = False, seed: int = 0):
        if faithful:
            raise InvalidParameterError("task.faithful: event_classes is spikeopt's own task, "
                                        "with no upstream to be faithful to; allowed: false. "
                                        "Got true.")
        if not isinstance(classes, dict) or len(classes) < 2:
            raise InvalidParameterError(f"task.classes must map at least 2 class names to "
                                        f"globs of event files. Got {classes!r}.")
        if isinstance(downsample, bool) or not isinstance(downsample, int) or downsample < 1:
            raise InvalidParameterError(f"task.downsample must be an integer >= 1. "
                                        f"Got {downsample!r}.")
        if polarity not in _CHANNELS:
            raise InvalidParameterError(f"task.polarity must be one of {list(_CHANNELS)}. "
                                        f"Got {polarity!r}.")
        if time_zero not in ("first_event", "zero"):
            raise InvalidParameterError(f"task.time_zero must be 'first_event' or 'zero'. "
                                        f"Got {time_zero!r}.")
        self.loss_options = self._check_network(
            hidden=hidden, dt_ms=dt_ms, tau_mem_ms=tau_mem_ms, tau_syn_ms=tau_syn_ms,
            weight_bound=weight_bound, loss=loss, temperature=temperature, margin=margin)
        self.classes = tuple(str(c) for c in classes)
        self.downsample, self.polarity, self.hidden = int(downsample), polarity, int(hidden)
        self.dt_ms, self.tau_mem_ms, self.tau_syn_ms = (float(dt_ms), float(tau_mem_ms),
                                                        float(tau_syn_ms))
        self.loss_kind = loss
        self.seed = int(seed)
        rng = [np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(3, k)))
               for k in range(3)]
        train, test = self._split(classes, test_classes, test_fraction, rng[0])
        self.train_files = [f for fs in train for f in fs]
        self.test_files = [f for fs in test for f in fs]
        if window_ms is not None and not (
                isinstance(window_ms, list | tuple) and len(window_ms) == 2
                and all(isinstance(v, int | float) and not isinstance(v, bool)
                        for v in window_ms)
                and 0 <= window_ms[0] < window_ms[1] and math.isfinite(window_ms[1])):
            raise InvalidParameterError(f"task.window_ms must be [start, stop] in ms with "
                                        f"0 <= start < stop. Got {window_ms!r}.")
        self.t0_us = None if time_zero == "first_event" else 0
        self.read_options = {"format": format, "camera": camera, "sensor_size": sensor_size}
        self._encoded: dict = {}
        if window_ms is not None:
            self._set_window(window_ms)
        sizes, longest = {}, 0.0
        for f in self.train_files + self.test_files:  # one pass when the window is given
            s = self._read(f)
            sizes[f] = tuple(s.sensor_size)
            if len(s):
                t = s.events["t"]
                longest = max(longest, (int(t[-1]) - (int(t[0]) if self.t0_us is None
                                                      else 0)) / 1000.0)
            if window_ms is not None and len(set(sizes.values())) == 1:
                self._encoded[f] = self._encode(s)
        if len(set(sizes.values())) > 1:
            raise InvalidParameterError(
                f"task.classes: all recordings must share one sensor size; got "
                f"{_sizes_note(sizes)} (the sources are one sensor's pixel blocks).")
        self.sensor_size = next(iter(sizes.values()))
        if window_ms is None:  # 0 to the end of the longest recording: a second pass
            self._set_window([0.0, math.floor(longest / self.dt_ms + 1) * self.dt_ms])
            self._encoded = {f: self._encode(self._read(f)) for f in sizes}
        self.train = self._trials(train)
        self.test = self._trials(test)
        self._network(weight_bound=weight_bound, rng=rng[2])

    def _split(self, classes: dict, test_classes, test_fraction, rng):
        """Per class: the training files and the held-out files."""
        files = [class_files(classes[c], f"task.classes.{c}") for c in self.classes]
        seen: dict = {}
        for c, fs in zip(self.classes, files, strict=True):
            for f in fs:
                if seen.setdefault(f, c) != c:
                    raise InvalidParameterError(f"task.classes: {f} matches both "
                                                f"{seen[f]!r} and {c!r}.")
        if test_classes is not None:
            if test_fraction is not None:
                raise InvalidParameterError("task.test_fraction: give test_fraction (a share "
                                            "of each class held out) or test_classes (the "
                                            "held-out files), not both.")
            if not isinstance(test_classes, dict) or set(test_classes) != set(classes):
                got = sorted(test_classes) if isinstance(test_classes, dict) else test_classes
                raise InvalidParameterError(f"task.test_classes must name the classes of "
                                            f"task.classes, {list(self.classes)}. Got {got!r}.")
            test = [class_files(test_classes[c], f"task.test_classes.{c}")
                    for c in self.classes]
            both = sorted(set().union(*files) & set().union(*test))
            if both:
                raise InvalidParameterError(f"task.test_classes: {len(both)} file(s) also in "
                                            f"task.classes, e.g. {both[0]}.")
            return files, test
        frac = 0.3 if test_fraction is None else test_fraction
        if isinstance(frac, bool) or not isinstance(frac, int | float) or not 0 < frac < 1:
            raise InvalidParameterError(f"task.test_fraction must be in (0, 1). "
                                        f"Got {test_fraction!r}.")
        train, test = [], []
        for c, fs in zip(self.classes, files, strict=True):
            if len(fs) < 2:
                raise InvalidParameterError(f"task.classes.{c}: {len(fs)} file; a held-out "
                                            f"split needs at least 2 per class (or give "
                                            f"task.test_classes).")
            n_test = min(max(int(round(frac * len(fs))), 1), len(fs) - 1)
            order = rng.permutation(len(fs))
            test.append([fs[i] for i in sorted(order[:n_test])])
            train.append([fs[i] for i in sorted(order[n_test:])])
        return train, test

    def _read(self, path: str):
        try:
            return read_events(path, **self.read_options)
        except (ValueError, ImportError, OSError) as exc:
            raise InvalidParameterError(f"task.classes: {path}: {exc}") from None

    def _set_window(self, window_ms) -> None:
        self.window_ms = (float(window_ms[0]), float(window_ms[1]))
        self.steps = int(math.ceil((self.window_ms[1] - self.window_ms[0]) / self.dt_ms
                                   - 1e-9))

    def _encode(self, stream) -> np.ndarray:
        """One recording → (sources, steps) counts (:func:`.motion.encode_trials`)."""
        return encode_trials([stream], downsample=self.downsample, dt_ms=self.dt_ms,
                             steps=self.steps, polarity=self.polarity,
                             start_ms=self.window_ms[0], t0_us=self.t0_us)[0]

    def _trials(self, files: list[list[str]]) -> Trials:
        labels = np.concatenate([np.full(len(fs), c, dtype=np.int64)
                                 for c, fs in enumerate(files)])
        X = np.stack([self._encoded.pop(f) for fs in files for f in fs])
        return Trials(X, labels, self.classes)

    def outcome(self, params: dict, *, seed=None) -> dict:
        """:meth:`EventNetworkTask.outcome` with the numbers of recordings."""
        out = super().outcome(params, seed=seed)
        out.update(train_trials=len(self.train), test_files=[Path(f).name
                                                              for f in self.test_files])
        return out
