"""Running optimizations: :func:`optimize`, :func:`resume`, the runner, its
executors, the SQLite run store and callbacks."""

from __future__ import annotations

from .api import DEFAULT_PENALTY, optimize, register_objective_factory, resume
from .callbacks import BestPrinter, Callback, ProgressBar, StatsLogger
from .evaluate import Losses
from .executors import DaskExecutor, Executor, Lost, ProcessExecutor, SerialExecutor, make_executor
from .live import LiveView, Raster
from .refinement import Refinement, refine
from .result import Result, pareto_mask
from .runner import GenerationInfo, Runner
from .store import STORE_NAME, RunStore

__all__ = [
    "BestPrinter",
    "Callback",
    "DEFAULT_PENALTY",
    "DaskExecutor",
    "Executor",
    "GenerationInfo",
    "LiveView",
    "Losses",
    "Lost",
    "ProcessExecutor",
    "ProgressBar",
    "Raster",
    "Refinement",
    "Result",
    "RunStore",
    "Runner",
    "STORE_NAME",
    "SerialExecutor",
    "StatsLogger",
    "make_executor",
    "optimize",
    "pareto_mask",
    "refine",
    "register_objective_factory",
    "resume",
]
