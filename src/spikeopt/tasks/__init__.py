"""Tasks: networks scored by what they compute, not by how they fire.

* :class:`SineCosineTask` (``sine_cosine``) — SNN-Hawkes-Process's 1 → hidden → 2
  integrate-and-fire classifier of sine- and cosine-rate spike trains.
* ``mushroom_body`` — GeNN_Autoparam's insect mushroom body on glyph images
  (:mod:`spikeopt.tasks.mushroom_body`).
* :class:`MotionTask` (``direction_of_motion``) — the direction of a bar crossing an
  event camera, from synthetic event recordings (:func:`moving_bar`).
* :class:`EventFilesTask` (``event_classes``) — recorded event files, one glob per
  class, as the trials of the same network (:mod:`spikeopt.tasks.event_files`).

A task holds its seeded trials (training and held-out, same distribution), its
genes (a :class:`~spikeopt.params.ParameterSpace`) and scores a whole population
of candidate networks on all training trials in one call; ``outcome`` scores one
network on the held-out trials. :mod:`.base` has the readouts (spike counts,
argmax, accuracy, confusion matrix) and the smooth losses; :mod:`.wiring` reads
a network's wiring back with Hawkes processes.
"""

from .base import Trials, accuracy, confusion_matrix, count_loss, predict, wilson_interval
from .event_files import EventFilesTask
from .motion import MotionTask, moving_bar
from .sine_cosine import SineCosineTask

__all__ = ["TASKS", "EventFilesTask", "MotionTask", "SineCosineTask", "Trials", "accuracy",
           "confusion_matrix", "count_loss", "get_task", "moving_bar", "predict",
           "wilson_interval"]

TASKS = {"sine_cosine": "spikeopt.tasks.sine_cosine:SineCosineTask",
         "mushroom_body": "spikeopt.tasks.mushroom_body:MushroomBodyTask",
         "direction_of_motion": "spikeopt.tasks.motion:MotionTask",
         "event_classes": "spikeopt.tasks.event_files:EventFilesTask"}


def get_task(name: str):
    """The task class registered as ``name`` (imported when first asked for)."""
    import importlib

    from ..errors import UnknownNameError

    if name not in TASKS:
        raise UnknownNameError(f"Unknown task {name!r}; allowed: {sorted(TASKS)}.")
    module, _, cls = TASKS[name].partition(":")
    return getattr(importlib.import_module(module), cls)
