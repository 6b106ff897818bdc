"""Fitting from a config file: ``spikeopt.fit(config)`` / ``spikeopt fit CONFIG.yaml``,
for single cells (``kind: cell``, the default), networks (``kind: network``) and
tasks (``kind: task``), each a problem of :data:`PROBLEMS` (the Problem protocol,
:mod:`.problems`)."""

from .cell import KIND, CellProblem, build_objective, build_space, load_data
from .config import load_config, validate_config
from .network import NetworkProblem
from .network_fit import NetworkFit, build_network_problem
from .problems import PROBLEMS, Built, Outcome, Section, get_problem, register_problem
from .runs import finalize, fit, resume_fit
from .schema import json_schema
from .task_fit import TaskFit

__all__ = ["KIND", "PROBLEMS", "Built", "CellProblem", "NetworkFit", "NetworkProblem",
           "Outcome", "Section", "TaskFit", "build_network_problem", "build_objective",
           "build_space", "finalize", "fit", "get_problem", "json_schema", "load_config",
           "load_data", "register_problem", "resume_fit", "validate_config"]
