"""Optional dependencies, imported when first needed, with an install hint."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["optional_import"]


def optional_import(module: str, *, extra: str, purpose: str, package: str | None = None
                    ) -> ModuleType:
    """``import module`` or raise ImportError saying what needs it and how to install it.

    >>> optional_import("json", extra="io", purpose="Reading JSON").__name__
    'json'
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"{purpose} needs {package or module}: pip install 'spikeopt[{extra}]' "
            f"(or pip install {package or module.split('.')[0]})."
        ) from exc
