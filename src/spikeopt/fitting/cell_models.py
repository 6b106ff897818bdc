"""The ``model`` of a cell config: a built-in name, a model from equations, or a
cell imported into NEURON.

::

    model: adex                        # spikeopt.models.available()
    model:                             # equations (docs/models.md)
      equations: |
        dv/dt = (E_L - v + R*I)/tau_m : mV (unless refractory)
      threshold: v > V_th
      reset: v = V_reset
      refractory: t_ref
      parameters:
        tau_m: {unit: ms, default: 20.0, low: 5.0, high: 50.0}
        ...
    model:                             # a hoc/py cell with .mod files (docs/neuron_import.md)
      neuron: {file: cell.hoc, template: HHCell, mod_dir: mechanisms/}

Each resolves to an object with ``name`` and ``parameters`` (name ->
:class:`~spikeopt.params.Parameter`, with unit and default), which is what the
config checks, the search space and the report read.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .. import models as _models
from ..errors import InvalidParameterError, UnknownNameError
from .schema import err

__all__ = ["cell_model", "model_label"]

_CACHE: dict[str, object] = {}


def cell_model(spec, *, where: str = "model"):
    """The model a config's ``model`` names (built once per process and spec)."""
    if isinstance(spec, _models.Model):
        return spec
    if isinstance(spec, str):
        try:
            return _models.get(spec)
        except UnknownNameError as exc:
            raise err(where, str(exc)) from None
    if not isinstance(spec, Mapping):
        raise err(where, f"must be a model name or a mapping with 'equations' or 'neuron'; "
                         f"got {spec!r}")
    key = repr(sorted(spec.items(), key=lambda kv: kv[0]))
    if key not in _CACHE:
        _CACHE[key] = _build(dict(spec), where)
    return _CACHE[key]


def _build(spec: dict, where: str):
    if "equations" in spec:
        eq = dict(spec["equations"]) if isinstance(spec["equations"], Mapping) else \
            {k: v for k, v in spec.items() if k != "name"} | {"equations": spec["equations"]}
        name = eq.pop("name", spec.get("name", "equations"))
        try:
            return _models.from_equations(name, eq.pop("equations"), **eq)
        except TypeError as exc:
            raise err(f"{where}.equations", str(exc).replace("from_equations()", "")) from None
        except (InvalidParameterError, UnknownNameError) as exc:
            raise err(f"{where}.equations", str(exc)) from None
    if "neuron" in spec:
        from ..backends.neuron import cell_from_config

        try:
            return cell_from_config(spec["neuron"])
        except (InvalidParameterError, UnknownNameError, FileNotFoundError) as exc:
            raise err(f"{where}.neuron", str(exc)) from None
    raise err(where, f"a mapping needs 'equations' or 'neuron'; got keys {sorted(spec)}")


def model_label(spec) -> str:
    """A short name for the report: the model's name, or 'NEURON cell <template>'."""
    if isinstance(spec, str):
        return spec
    return getattr(cell_model(spec), "name", "model")


def resolve_paths(spec, base: Path):
    """A NEURON cell's ``file`` and ``mod_dir`` made absolute against the config's folder."""
    if isinstance(spec, Mapping) and isinstance(spec.get("neuron"), Mapping):
        n = dict(spec["neuron"])
        for key in ("file", "mod_dir"):
            if isinstance(n.get(key), str):
                n[key] = str((base / n[key]).resolve())
        return {**spec, "neuron": n}
    return spec
