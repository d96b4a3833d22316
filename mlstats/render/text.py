"""Display helpers shared by every view: safe text and rounded numbers."""

from __future__ import annotations

import math
import re

# C0/C1 controls, line separators, and the bidirectional overrides and isolates that can
# make a cell display in an order other than its text (CVE-2021-42574, "Trojan Source").
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e"
                      r"\u2066-\u2069]")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str, *, tabs: bool = False) -> str:
    """Make control characters (escape codes, NUL, bidi overrides, …) visible as escapes.

    `tabs`: keep tab characters (the separators of TSV data shown on a terminal).
    """
    text = text.replace("\n", "\\n")
    if not tabs:
        text = text.replace("\t", "\\t")
    return _CONTROL.sub(lambda m: _escape(m.group()), text)


# A quoted value opens after a space, '(' or '=' and closes before a space or punctuation,
# so that the text between two quoted values is never taken for one.
_QUOTED = re.compile(r"(?:^|(?<=[\s(=]))'([^'\n]{80,}?)'(?=$|[\s),;:.])")


def shorten_quoted(message: str, limit: int = 80) -> str:
    """Cut each quoted value of a one-line message to about `limit` characters.

    A path (a '/' and no space) is kept whole: the user needs all of it to mend it.
    """
    def cut(match: re.Match) -> str:
        value = match.group(1)
        if "/" in value and not any(c.isspace() for c in value):
            return match.group(0)
        return f"'{value[:limit - 1]}…'"

    return _QUOTED.sub(cut, message)


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
    if isinstance(value, list | tuple | dict):  # a nested value in a CSV cell: as in JSON
        import json

        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)
