"""Library modules the commands call, imported on first use, so that ``gandojo --help`` answers without torch.

``runner = lazy_import("gandojo.runs.runner")`` at the top of a command module declares the dependency where the
other imports are; the module is imported (an ordinary ``importlib.import_module``) the first time one of its
names is read. The stand-in is not put in ``sys.modules``, so nothing that walks the imported modules (the
warnings machinery, ``inspect``) can trigger an import half-way through another.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["lazy_import"]


class _Deferred:
    """Stands in for a module until one of its attributes is read."""

    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported on first use>"


def lazy_import(name: str) -> Any:
    """The module ``name``, imported when one of its attributes is first read."""
    return _Deferred(name)
