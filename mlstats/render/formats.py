"""The one renderer: a record → table, JSON, CSV, TSV or Markdown text.

Data never passes through rich markup (cells are `rich.text.Text`), control characters are
shown as escapes, Markdown cells are escaped, and a piped table is laid out at its natural
width so that nothing is cut short.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any

from mlstats.render.record import ENVELOPE, flatten, is_row_table
from mlstats.render.text import display, exact, visible

_HIDDEN = (*ENVELOPE, "command")
_TRANSPOSE_AFTER = 8
_PIPED_WIDTH = 100_000


def render(record: dict, fmt: str, *, main: str | None = None, summary: str | None = None,
           figure: str | None = None, color: bool = False, width: int | None = None,
           keep_layout: tuple[str, ...] = (), shade: tuple[str, ...] = ()) -> str:
    """Render `record` as `fmt`; `main` names the row table that CSV/TSV write.

    `summary` (one sentence) and `figure` (a text chart) appear in the table view, the
    summary also in Markdown. Tables named in `keep_layout` (a confusion matrix) are never
    transposed; in tables named in `shade` (a correlation matrix) a coloured table view
    colours each number in [−1, 1] by its sign and size.
    """
    if fmt == "json":
        return json.dumps(record, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    if fmt in ("csv", "tsv"):
        return to_delimited(record, "," if fmt == "csv" else "\t", main=main)
    if fmt == "markdown":
        return to_markdown(record, summary=summary)
    return to_table(record, summary=summary, figure=figure, color=color, width=width,
                    keep_layout=keep_layout, shade=shade)


def parts(record: dict) -> tuple[dict[str, Any], dict[str, list[dict]]]:
    """Split a record into display scalars (flattened) and row tables, envelope left out."""
    scalars: dict[str, Any] = {}
    tables: dict[str, list[dict]] = {}
    for key, value in record.items():
        if key in _HIDDEN:
            continue
        if is_row_table(value):
            tables[key] = value
        elif isinstance(value, dict):
            for sub, item in flatten(value, f"{key}.").items():
                if is_row_table(item):
                    tables[sub] = item
                else:
                    scalars[sub] = item
        elif isinstance(value, list) and not value:
            continue
        else:
            scalars[key] = value
    if "rows_used" in record:
        scalars["rows_used"] = record["rows_used"]
    return scalars, tables


_NULL_LINE = "null (not given, or undefined: see the warnings): "


def _split_nulls(scalars: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Scalars with a value, and the keys that are null (listed on one line, not as rows)."""
    shown = {k: v for k, v in scalars.items() if v is not None}
    return shown, [k for k, v in scalars.items() if v is None]


def _columns(rows: Sequence[dict]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for key in flatten(row):
            seen.setdefault(key, None)
    return list(seen)


def to_delimited(record: dict, sep: str, *, main: str | None = None) -> str:
    """The main row table as CSV/TSV; a result without one is a single row of its scalars."""
    scalars, tables = parts(record)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\n")
    name = main if main in tables else next(iter(tables), None)
    if name is None:
        writer.writerow(scalars)
        writer.writerow([exact(v) for v in scalars.values()])
        return buffer.getvalue()
    rows = [flatten(r) for r in tables[name]]
    columns = _columns(rows)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([exact(row.get(c)) for c in columns])
    return buffer.getvalue()


def _md_cell(value: object) -> str:
    text = display(value)
    # GitHub reads ~~x~~ as strike-through, &amp; as an entity and $x$ as math: all escaped.
    for char in "\\`*_[]<>|#~&$":
        text = text.replace(char, "\\" + char)
    return text


def _md_code(text: str) -> str:
    """An inline code span that holds any backticks in `text` literally."""
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{visible(text)}{pad}{fence}"


def _md_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    aligns = ["---:" if _numeric_column([r[i] for r in rows]) else "---"
              for i in range(len(header))]
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |",
             "| " + " | ".join(aligns) + " |"]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
    return lines


def _numeric(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numeric_column(values: Sequence[object]) -> bool:
    """Numbers, with nulls allowed among them (a null does not make a column text)."""
    return any(_numeric(v) for v in values) and all(_numeric(v) or v is None for v in values)


def to_markdown(record: dict, *, summary: str | None = None) -> str:
    """GitHub-flavoured Markdown for a job summary or a pull request."""
    scalars, tables = parts(record)
    lines = [f"### mlstats {record.get('command', '')}", ""]
    if summary:
        lines += [_md_cell(summary), ""]
    shown, nulls = _split_nulls(scalars)
    if shown:
        lines += [*_md_table(["key", "value"], list(shown.items())), ""]
    if nulls:
        lines += [_md_cell(_NULL_LINE + ", ".join(nulls)), ""]
    for name, rows in tables.items():
        flat = [flatten(r) for r in rows]
        columns = _columns(flat)
        lines += [f"#### {_md_cell(name)}", ""]
        lines += [*_md_table(columns, [[r.get(c) for c in columns] for r in flat]), ""]
    if record.get("warnings"):
        lines += ["**Warnings**", ""] + [f"- {_md_cell(w)}" for w in record["warnings"]] + [""]
    if record.get("assertions"):
        icon = {"pass": "✅", "warn": "⚠️", "fail": "❌"}
        lines += ["**Checks**", ""]
        lines += [f"- {icon[a['status']]} {a['status']}: {_md_code(a['expr'])} "
                  f"(actual: {_md_cell(a['actual'])})" for a in record["assertions"]]
        lines += [""]
    return "\n".join(lines)


def to_table(record: dict, *, summary: str | None = None, figure: str | None = None,
             color: bool = False, width: int | None = None,
             keep_layout: tuple[str, ...] = (), shade: tuple[str, ...] = ()) -> str:
    """rich tables: the scalars as key/value, then each row table (transposed when wide)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    scalars, tables = parts(record)
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width or _PIPED_WIDTH, force_terminal=color,
        color_system="standard" if color else None, no_color=not color, highlight=False,
        markup=False, emoji=False, soft_wrap=False,
    )
    style = "bold" if color else ""
    console.print(Text(f"mlstats {record.get('command', '')}", style=style))
    if summary:
        console.print(Text(visible(summary)))
    shown, nulls = _split_nulls(scalars)
    if shown:
        grid = Table(box=box.SIMPLE_HEAD, show_header=True, header_style=style)
        grid.add_column("statistic", overflow="fold")
        grid.add_column("value", justify="right", overflow="fold")
        for key, value in shown.items():
            grid.add_row(Text(visible(key)), Text(display(value)))
        console.print(grid)
    if nulls:
        console.print(Text(visible(_NULL_LINE + ", ".join(nulls))))
        console.print()
    for name, rows in tables.items():
        console.print(_row_table(name, rows, style, transpose=name not in keep_layout,
                                 shade=color and name in shade))
    if figure:
        console.print(Text(figure))
    if record.get("assertions"):
        console.print(Text("checks", style=style))
        marks = {"pass": ("PASS", "green"), "warn": ("WARN", "yellow"), "fail": ("FAIL", "red")}
        for item in record["assertions"]:
            word, colour = marks[item["status"]]
            line = Text(f"  {word} ", style=colour if color else "")
            line.append(f"{item['expr']} (actual: {display(item['actual'], 10)})")
            console.print(line)
    return "\n".join(ln.rstrip() for ln in buffer.getvalue().splitlines()) + "\n"


def _signed_style(value: object) -> str:
    """Blue for positive, red for negative; bold from 0.7 in size, dim below 0.3."""
    if not _numeric(value) or not -1 <= value <= 1 or value == 0:
        return ""
    size = abs(value)
    weight = "bold " if size >= 0.7 else "dim " if size < 0.3 else ""
    return weight + ("blue" if value > 0 else "red")


def _row_table(name: str, rows: list[dict], style: str, *, transpose: bool = True,
               shade: bool = False):
    from rich import box
    from rich.table import Table
    from rich.text import Text

    flat = [flatten(r) for r in rows]
    columns = _columns(flat)
    table = Table(title=Text(visible(name)), title_justify="left", box=box.SIMPLE_HEAD,
                  header_style=style)
    wide = len(columns) > _TRANSPOSE_AFTER and len(flat) <= len(columns)
    if transpose and wide and "name" in columns:
        table.add_column("", overflow="fold")
        for row in flat:
            table.add_column(Text(display(row.get("name"))), justify="right", overflow="fold")
        for column in columns:
            if column != "name":
                table.add_row(Text(visible(column)), *[Text(display(r.get(column))) for r in flat])
        return table
    for column in columns:
        numeric = _numeric_column([r.get(column) for r in flat])
        table.add_column(Text(visible(column)), justify="right" if numeric else "left",
                         overflow="fold")
    for row in flat:
        table.add_row(*[Text(display(row.get(c)), style=_signed_style(row.get(c)) if shade
                             else "") for c in columns])
    return table
