"""The one `KEY OP VALUE` parser, shared by `--assert`, `--warn` and `clean --rule`.

Grammar (SPEC 1, "Checks for CI")::

    expr    := key ws? op ws? value
    key     := segment ("." segment)*
    segment := bare | '"' any-but-quote '"'
    op      := "<=" | ">=" | "==" | "!=" | "<" | ">"
    value   := number | "true" | "false" | '"' any-but-quote '"'   (text: `--where` only)

A bare segment is any run of characters other than white space, `.`, `"`, `<`, `>`, `=`
and `!`. Quote a segment that holds those characters: `columns."Solar R".mean`.
Expressions are parsed with a regular grammar and compared in Python; nothing is evaluated
as code.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass

from mlstats.errors import InputError

OPERATORS = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}

_SEGMENT = r'(?:"[^"]*"|[^\s.<>=!"]+)'
_EXPR = re.compile(
    rf"^\s*(?P<key>{_SEGMENT}(?:\.{_SEGMENT})*)\s*(?P<op><=|>=|==|!=|<|>)\s*"
    r'(?P<value>"[^"]*"|\S+)\s*$'
)
_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")
_BARE = re.compile(r'^[^\s.<>=!"]+$')


@dataclass(frozen=True, slots=True)
class Expr:
    """A parsed `KEY OP VALUE` check: `path` is the key split at its dots."""

    path: tuple[str, ...]
    op: str
    value: float | bool | str
    text: str

    @property
    def key(self) -> str:
        return format_path(self.path)

    def holds(self, actual: float | bool) -> bool:
        """Compare an actual value with the expected one (`==` is exact)."""
        if isinstance(self.value, bool) or isinstance(actual, bool):
            if self.op not in ("==", "!="):
                raise InputError(
                    f"cannot order true/false with {self.op} in '{self.text}'; use == or !="
                )
            same = isinstance(actual, bool) and isinstance(self.value, bool) and (
                actual == self.value
            )
            return same if self.op == "==" else not same
        return bool(OPERATORS[self.op](actual, self.value))

    def __str__(self) -> str:
        return f"{self.key} {self.op} {format_value(self.value)}"


def format_path(path: tuple[str, ...]) -> str:
    return ".".join(s if _BARE.fullmatch(s) else f'"{s}"' for s in path)


def format_value(value: float | bool | str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if float(value).is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(float(value))


def parse(text: str, *, option: str = "--assert", text_values: bool = False) -> Expr:
    """Parse `KEY OP VALUE`; a malformed expression is an InputError naming the option.

    `text_values`: a double-quoted VALUE is text (`--where 'country == "DE"'`).
    """
    match = _EXPR.fullmatch(text)
    if match is None:
        raise InputError(
            f"{option} '{text}' is not KEY OP VALUE (OP one of < <= > >= == !=, "
            "VALUE a number, true or false), e.g. 'r2 >= 0.9'"
        )
    raw = match["value"]
    value: float | bool | str
    if text_values and raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        value = raw[1:-1]
    elif raw in ("true", "false"):
        value = raw == "true"
    elif _NUMBER.fullmatch(raw):
        value = float(raw)
        if not math.isfinite(value):
            raise InputError(f"{option} '{text}': the value {raw} is not a finite number")
    else:
        raise InputError(
            f"{option} '{text}': the value '{raw}' is not a number, true or false"
        )
    path = tuple(_split_key(match["key"]))
    return Expr(path=path, op=match["op"], value=value, text=text.strip())


def _split_key(key: str) -> list[str]:
    return [m.strip('"') if m.startswith('"') else m for m in re.findall(_SEGMENT, key)]
