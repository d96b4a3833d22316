"""Plain coercion of option values, so that no command pays for importing pydantic.

Typer 0.29 coerces every parameter through a pydantic `TypeAdapter` built on first use:
about 0.2 s of imports on every run, more than the work of many commands. The types mlstats
declares — str, int, float, Enum choices, and lists of them — are coerced here by the same
rules and with the same messages (checked against Typer's adapters in
tests/cli/test_coerce.py); any other parameter is left to Typer.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

from typer._click.exceptions import BadParameter
from typer._coercion import RuntimeParam, TypeDescriptor
from typer._param_types import coerce_cli_choice
from typer._typing import get_args, get_origin

# Typer's coercion internals as of 0.29 (pyproject pins typer < 0.30).

# What pydantic's lax mode takes as an integer: ASCII digits, underscores between them, an
# optional sign, surrounding whitespace, and a fraction of zeros only ("3.0").
_INTEGER = re.compile(r"\s*[+-]?\d(?:_?\d)*(?:\.0+)?\s*")
_NOT_INTEGER = "Input should be a valid integer, unable to parse string as an integer"
_NOT_NUMBER = "Input should be a valid number, unable to parse string as a number"


def _integer(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isascii() and _INTEGER.fullmatch(value):
        return int(value.strip().split(".")[0])
    raise ValueError(_NOT_INTEGER)


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value.isascii():
        text = value
        if "_" in value:  # pydantic drops underscores between characters ("1_.5", "+_1")
            bad = (value != value.strip() or value.startswith("_") or value.endswith("_")
                   or "__" in value)
            text = "?" if bad else value.replace("_", "")
        try:
            return float(text)
        except ValueError:
            pass
    raise ValueError(_NOT_NUMBER)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


@dataclass(frozen=True)
class PlainRuntimeParam(RuntimeParam):
    """Coercion of one parameter of a plain type (`leaf`), or of a list of them."""

    leaf: type
    many: bool

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        if self.many:
            items = value if isinstance(value, list | tuple) else [value]
            return [self._one(item, param, ctx) for item in items]
        return self._one(value, param, ctx)

    def _one(self, value: Any, param: Any, ctx: Any) -> Any:
        info = self.parameter_info
        try:
            if issubclass(self.leaf, enum.Enum):
                return coerce_cli_choice(value, choices=tuple(self.leaf),
                                         case_sensitive=info.case_sensitive, ctx=ctx)
            if self.leaf is str:
                return _text(value)
            number = _integer(value) if self.leaf is int else _number(value)
        except ValueError as exc:
            raise BadParameter(str(exc), ctx=ctx, param=param) from None
        if info.clamp:
            low = info.min if info.min is not None else number
            high = info.max if info.max is not None else number
            return type(number)(min(max(number, low), high))
        if info.min is not None and number < info.min:
            raise BadParameter(f"Input should be greater than or equal to {info.min}",
                               ctx=ctx, param=param)
        if info.max is not None and number > info.max:
            raise BadParameter(f"Input should be less than or equal to {info.max}",
                               ctx=ctx, param=param)
        return number


def plain_runtime_param(descriptor: TypeDescriptor) -> PlainRuntimeParam | None:
    """The plain coercion of a parameter, or None when Typer's own is needed."""
    info = descriptor.parameter_info
    if info.parser is not None or descriptor.file_annotation is not None:
        return None
    annotation, many = descriptor.annotation, False
    if get_origin(annotation) is list and len(get_args(annotation)) == 1:
        annotation, many = get_args(annotation)[0], True
    plain = annotation in (str, int, float) or (
        isinstance(annotation, type) and issubclass(annotation, enum.Enum))
    if not plain or (annotation is str and (info.min is not None or info.max is not None)):
        return None
    return PlainRuntimeParam(annotation=descriptor.annotation, parameter_info=info,
                             leaf=annotation, many=many)


def install() -> None:
    """Route Typer's parameter coercion through `plain_runtime_param` first."""
    import typer.core

    typed = typer.core.build_runtime_param
    if getattr(typed, "plain_first", False):
        return

    def build(descriptor: TypeDescriptor) -> RuntimeParam:
        return plain_runtime_param(descriptor) or typed(descriptor)

    build.plain_first = True  # type: ignore[attr-defined]
    typer.core.build_runtime_param = build
