"""Display helpers shared by every view: safe text and rounded numbers."""

from __future__ import annotations

import math
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def visible(text: str) -> str:
    """Make control characters (escape codes, NUL, …) visible as `\\xNN` escapes."""
    text = text.replace("\n", "\\n").replace("\t", "\\t")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def display(value: object, digits: int = 6) -> str:
    """A value rounded for the table and Markdown views (JSON and CSV keep full precision)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "null"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.{digits}g}"
    if isinstance(value, list | tuple):
        return ", ".join(display(v, digits) for v in value)
    return visible(str(value))


def exact(value: object) -> str:
    """A value at full precision (shortest round-trip form), for CSV and assertion messages."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    return str(value)
