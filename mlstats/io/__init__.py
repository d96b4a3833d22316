"""Input and output: the one reader and the one writer (each imported on first use)."""

from importlib import import_module
from typing import Any

_HOME = {"ReadOptions": "options", "Table": "reader", "read_table": "reader",
         "atomic_open": "writer", "write_output": "writer", "write_stdout": "writer"}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"mlstats.io.{_HOME[name]}"), name)
