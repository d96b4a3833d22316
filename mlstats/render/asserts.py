"""The one `--assert` / `--warn` engine: resolve each key in the record, compare, report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mlstats.errors import InputError
from mlstats.expr import Expr
from mlstats.render.record import ENVELOPE, is_row_table
from mlstats.render.text import exact


@dataclass(frozen=True, slots=True)
class Outcome:
    """One checked expression: `status` is pass, warn (a failed --warn) or fail."""

    expr: Expr
    status: str
    actual: float | bool | None

    def as_record(self) -> dict:
        return {"expr": str(self.expr), "status": self.status, "actual": self.actual}

    def message(self) -> str:
        shown = "null" if self.actual is None else exact(self.actual)
        return f"{self.expr} ({self.expr.key} = {shown})"


def check_all(record: dict, asserts: Sequence[Expr], warns: Sequence[Expr]) -> list[Outcome]:
    """Check every expression, in command-line order (--assert first, then --warn)."""
    outcomes = []
    for expr, failing in [(e, "fail") for e in asserts] + [(e, "warn") for e in warns]:
        actual = resolve(record, expr)
        held = actual is not None and expr.holds(actual)
        outcomes.append(Outcome(expr=expr, status="pass" if held else failing, actual=actual))
    return outcomes


def resolve(record: dict, expr: Expr) -> float | bool | None:
    """Follow the dotted path; array elements are picked by their `name` (`term` in ANOVA
    tables).

    A name may itself hold dots (`columns.Solar.R.mean`): the longest matching join of path
    segments wins. An unknown key is an InputError listing the keys that exist there.
    """
    node: Any = record
    path = list(expr.path)
    where = ""
    while path:
        node, used = _step(node, path, expr, where)
        where = ".".join(filter(None, [where, *path[:used]]))
        path = path[used:]
    if isinstance(node, dict | list):
        raise InputError(
            f"'{expr.key}' in '{expr.text}' is not a single value; "
            f"keys there are: {_keys(node)}"
        )
    if isinstance(node, str):
        raise InputError(
            f"'{expr.key}' is text ('{node}'); only numbers and true/false can be checked"
        )
    return node


def _step(node: Any, path: list[str], expr: Expr, where: str) -> tuple[Any, int]:
    for used in range(len(path), 0, -1):
        name = ".".join(path[:used])
        if isinstance(node, dict) and name in node and not (where == "" and name in ENVELOPE
                                                            and name != "rows_used"):
            return node[name], used
        if isinstance(node, list):
            for item in node:
                if isinstance(item, dict) and str(_name(item)) == name:
                    return item, used
    place = f"under '{where}'" if where else "in the result"
    raise InputError(
        f"unknown key '{path[0]}' {place} (in '{expr.text}'); keys there are: {_keys(node)}"
    )


def _name(item: dict) -> Any:
    return item.get("name", item.get("term"))


def _keys(node: Any) -> str:
    if is_row_table(node):
        names = [str(_name(item)) for item in node]
        return "names " + ", ".join(names)
    if isinstance(node, dict):
        keys = [k for k in node if k not in ENVELOPE or k == "rows_used"]
        return ", ".join(keys) or "(none)"
    return "(none)"
