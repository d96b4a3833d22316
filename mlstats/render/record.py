"""The record: one plain dict per run, the single source of every view (SPEC 1, "JSON")."""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping, Sequence
from typing import Any

from mlstats import __version__

ENVELOPE = ("command", "mlstats_version", "rows_used", "warnings", "provenance", "assertions")


def build_record(command: str, result: object, *, provenance: dict | None = None,
                 rows_used: int | None = None, warnings: Sequence[str] = ()) -> dict:
    """`command`, `mlstats_version`, the result's fields, `rows_used`, `warnings`, `provenance`.

    NaN and infinities become None; row dataclasses become dicts; tuples become lists.
    """
    body = plain(result)
    record: dict[str, Any] = {"command": command, "mlstats_version": __version__}
    own_warnings = body.pop("warnings", [])
    record.update(body)
    if rows_used is not None:
        record.setdefault("rows_used", rows_used)
    record["warnings"] = [*warnings, *own_warnings]
    if provenance is not None:
        record["provenance"] = provenance
    return record


def plain(value: Any) -> Any:
    """Convert a result (dataclasses, tuples, NumPy scalars, NaN) into JSON-ready values."""
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is str or kind is int or kind is bool or value is None:
        return value
    names = _FIELDS.get(kind)
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if hasattr(value, "tolist"):  # NumPy scalars and arrays
        return plain(value.tolist())
    if isinstance(value, Sequence):
        return [plain(v) for v in value]
    raise TypeError(f"cannot put {type(value).__name__} in a record")


_FIELDS: dict[type, tuple[str, ...]] = {}


def is_row_table(value: Any) -> bool:
    """A list of objects: rendered as a table, addressed by `name` in assertions."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts as dotted keys (`ci.precision.low`); lists of rows are left to the caller."""
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat
