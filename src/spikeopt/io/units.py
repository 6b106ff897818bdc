"""Unit names read from recording files and their factors to spikeopt's units
(current pA, voltage mV, time ms)."""

from __future__ import annotations

from ..errors import InvalidParameterError

__all__ = ["CURRENT_TO_PA", "VOLTAGE_TO_MV", "TIME_TO_MS", "unit_factor", "unit_kind"]

CURRENT_TO_PA = {
    "fa": 1e-3, "pa": 1.0, "na": 1e3, "ua": 1e6, "µa": 1e6, "μa": 1e6, "ma": 1e9,
    "a": 1e12, "amp": 1e12, "amps": 1e12, "ampere": 1e12, "amperes": 1e12,
}
VOLTAGE_TO_MV = {
    "uv": 1e-3, "µv": 1e-3, "μv": 1e-3, "mv": 1.0, "v": 1e3, "volt": 1e3, "volts": 1e3,
}
TIME_TO_MS = {
    "us": 1e-3, "µs": 1e-3, "μs": 1e-3, "ms": 1.0, "s": 1e3, "sec": 1e3, "second": 1e3,
    "seconds": 1e3,
}
_TABLES = {"current": (CURRENT_TO_PA, "pA"), "voltage": (VOLTAGE_TO_MV, "mV"),
           "time": (TIME_TO_MS, "ms")}


def _norm(unit: str) -> str:
    return str(unit).strip().strip("\"'").strip().lower()


def unit_kind(unit: str) -> str | None:
    """``"current"``, ``"voltage"``, ``"time"`` or None for an unknown unit name."""
    u = _norm(unit)
    for kind, (table, _) in _TABLES.items():
        if u in table:
            return kind
    return None


def unit_factor(unit: str, kind: str, *, where: str) -> float:
    """Factor that converts values in ``unit`` to spikeopt's unit of ``kind``
    (current → pA, voltage → mV, time → ms); raises naming ``where`` otherwise."""
    table, target = _TABLES[kind]
    u = _norm(unit)
    if u not in table:
        known = sorted({k for k in table if k.isascii()})
        raise InvalidParameterError(
            f"{where}: unit {unit!r} is not a {kind} unit; expected one of {known} "
            f"(converted to {target})."
        )
    return table[u]
