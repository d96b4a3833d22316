"""The one renderer: a record → table, JSON, CSV, TSV or Markdown text.

Data never passes through rich markup (cells are `rich.text.Text`), control characters are
shown as escapes, Markdown cells are escaped, and a piped table is laid out at its natural
width so that nothing is cut short.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Sequence
from json.encoder import encode_basestring  # the C accelerator when present
from typing import Any

from mlstats.render.record import ENVELOPE, flatten, is_row_table
from mlstats.render.text import display, exact, visible

_HIDDEN = (*ENVELOPE, "command")
_TRANSPOSE_AFTER = 8
_PIPED_WIDTH = 100_000


# A command's own opening of the table view: (record, header style) → rich renderables to
# print under the summary sentence, and the keys they show (left out of the generic body).
Head = Callable[[dict, str], tuple[list, set[str]]]


def render(record: dict, fmt: str, *, main: str | None = None, summary: str | None = None,
           figure: str | None = None, color: bool = False, width: int | None = None,
           keep_layout: tuple[str, ...] = (), terminal: bool = False,
           head: Head | None = None, shade: tuple[str, ...] = ()) -> str:
    """Render `record` as `fmt`; `main` names the row table that CSV/TSV write.

    `summary` (one sentence) and `figure` (a text chart) appear in the table view, the
    summary also in Markdown. Tables named in `keep_layout` (a confusion matrix) are never
    transposed; in tables named in `shade` (a correlation matrix) a coloured table view
    colours each number in [−1, 1] by its sign and size. `terminal`: the text goes to a
    terminal, so CSV/TSV cells show control characters as escapes. `head` opens the table
    view with a command's own layout (regression's R-style coefficients table).
    """
    if fmt == "json":
        return to_json(record) + "\n"
    if fmt in ("csv", "tsv"):
        text = to_delimited(record, "," if fmt == "csv" else "\t", main=main)
        # On a terminal the data's control characters are shown, never obeyed.
        if terminal:
            return "\n".join(visible(line, tabs=True) for line in text.split("\n"))
        return text
    if fmt == "markdown":
        return to_markdown(record, summary=summary)
    return to_table(record, summary=summary, figure=figure, color=color, width=width,
                    keep_layout=keep_layout, head=head, shade=shade)


# Characters JSON allows raw that a terminal obeys or reorders (C1 controls, DEL, line
# separators, bidirectional overrides): written as \\u escapes, the same string when parsed.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _json_escape(match: re.Match) -> str:
    return f"\\u{ord(match.group()):04x}"


def _json_string(text: str) -> str:
    return _JSON_UNSAFE.sub(_json_escape, encode_basestring(text))


def to_json(value: Any, indent: str = "") -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)`, several times faster.

    The standard library's indented output runs in pure Python through generators; a record
    of 10,000 columns spent most of its time there. Same text, byte for byte (tested), but
    for the characters of `_JSON_UNSAFE`, written as \\u escapes.
    """
    kind = type(value)
    if kind is str:
        return _json_string(value)
    if kind is float:
        if value != value or value in (math.inf, -math.inf):
            raise ValueError("out of range float values are not JSON compliant")
        return float.__repr__(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    inner = indent + "  "
    if kind is dict:
        if not value:
            return "{}"
        items = ",\n".join(f"{inner}{_json_string(str(k))}: {to_json(v, inner)}"
                           for k, v in value.items())
        return f"{{\n{items}\n{indent}}}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        items = ",\n".join(f"{inner}{to_json(v, inner)}" for v in value)
        return f"[\n{items}\n{indent}]"
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)


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


# GitHub refuses a job summary above 1 MiB: the Markdown view stays below it.
MARKDOWN_LIMIT = 1 << 20


def to_markdown(record: dict, *, summary: str | None = None,
                limit: int = MARKDOWN_LIMIT) -> str:
    """GitHub-flavoured Markdown for a job summary or a pull request.

    Above `limit` bytes the row tables are cut, with a line saying what was left out; the
    heading, the scalars, the warnings and every check are always kept.
    """
    scalars, tables = parts(record)
    head = [f"### mlstats {record.get('command', '')}", ""]
    if summary:
        head += [_md_cell(summary), ""]
    shown, nulls = _split_nulls(scalars)
    if shown:
        head += [*_md_table(["key", "value"], list(shown.items())), ""]
    if nulls and record.get("warnings"):
        head += [_md_cell(_NULL_LINE + ", ".join(nulls)), ""]
    body = []
    for name, rows in tables.items():
        flat = [flatten(r) for r in rows]
        columns = _columns(flat)
        body += [f"#### {_md_cell(name)}", ""]
        body += [*_md_table(columns, [[r.get(c) for c in columns] for r in flat]), ""]
    tail = []
    if record.get("warnings"):
        tail += ["**Warnings**", ""] + [f"- {_md_cell(w)}" for w in record["warnings"]] + [""]
    if record.get("assertions"):
        icon = {"pass": "✅", "warn": "⚠️", "fail": "❌"}
        tail += ["**Checks**", ""]
        tail += [f"- {icon[a['status']]} {a['status']}: {_md_code(a['expr'])} "
                 f"(actual: {_md_cell(a['actual'])})" for a in record["assertions"]]
        tail += [""]
    return "\n".join(head + _cut(body, limit - _size(head) - _size(tail) - 200) + tail)


def _size(lines: list[str]) -> int:
    return sum(len(line.encode()) + 1 for line in lines)


def _cut(lines: list[str], budget: int) -> list[str]:
    """`lines` while they fit in `budget` bytes, then one line saying how many were left out."""
    if _size(lines) <= budget:
        return lines
    kept, used = [], 0
    for line in lines:
        used += len(line.encode()) + 1
        if used > budget:
            break
        kept.append(line)
    left = sum(1 for line in lines[len(kept):] if line.startswith("| "))
    return [*kept, "", f"*{left:,} more table rows are not shown: this view stops below "
            "1 MiB (GitHub's job-summary limit); `--format csv` or `--format json` gives "
            "them whole.*", ""]


def to_table(record: dict, *, summary: str | None = None, figure: str | None = None,
             color: bool = False, width: int | None = None,
             keep_layout: tuple[str, ...] = (), head: Head | None = None,
             shade: tuple[str, ...] = ()) -> str:
    """rich tables: the scalars as key/value, then each row table (transposed when wide).

    On a terminal (`width` given) a table wider than the screen is printed in blocks of
    columns, its first column repeated in each, as R prints a wide data frame: a cell is
    never split across lines.
    """
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
    if head is not None:
        items, hidden = head(record, style)
        for item in items:
            console.print(item)
        scalars = {k: v for k, v in scalars.items() if k.split(".")[0] not in hidden}
        tables = {k: v for k, v in tables.items() if k.split(".")[0] not in hidden}
    shown, nulls = _split_nulls(scalars)
    if shown:
        grid = Table(box=box.SIMPLE_HEAD, show_header=True, header_style=style)
        grid.add_column("statistic", overflow="fold")
        grid.add_column("value", justify="right", overflow="fold")
        for key, value in shown.items():
            grid.add_row(Text(visible(key)), Text(display(value)))
        console.print(grid)
    if nulls and record.get("warnings"):
        # Without warnings every null is an option left unset: nothing to point out.
        console.print(Text(visible(_NULL_LINE + ", ".join(nulls))))
        console.print()
    split = False
    for name, rows in tables.items():
        blocks = _row_tables(name, rows, style, transpose=name not in keep_layout,
                             width=width, shade=color and name in shade)
        split = split or len(blocks) > 1
        for block in blocks:
            console.print(block)
    if split:
        console.print(Text(f"(split into blocks of columns to fit {width}; --format csv shows "
                           "tables whole)"))
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


def _row_tables(name: str, rows: list[dict], style: str, *, transpose: bool = True,
                width: int | None = None, shade: bool = False) -> list:
    """A row table as rich tables: one, or blocks of columns that each fit in `width`."""
    from rich import box
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    flat = [flatten(r) for r in rows]
    columns = _columns(flat)
    wide = len(columns) > _TRANSPOSE_AFTER and len(flat) <= len(columns)
    if transpose and wide and "name" in columns:
        header = ["", *(display(row.get("name")) for row in flat)]
        body = [[visible(c), *(display(r.get(c)) for r in flat)] for c in columns if c != "name"]
        values = [[None, *(r.get(c) for r in flat)] for c in columns if c != "name"]
        right = [False] + [True] * len(flat)
    else:
        header = [visible(c) for c in columns]
        body = [[display(r.get(c)) for c in columns] for r in flat]
        values = [[r.get(c) for c in columns] for r in flat]
        right = [_numeric_column([r.get(c) for r in flat]) for c in columns]
    sizes = [max([cell_len(header[j]), *(cell_len(row[j]) for row in body)])
             for j in range(len(header))]
    blocks = _blocks(sizes, width) if width else [list(range(len(header)))]
    found = []
    for number, block in enumerate(blocks):
        title = name if number == 0 else f"{name} (continued)"
        table = Table(title=Text(visible(title)), title_justify="left", box=box.SIMPLE_HEAD,
                      header_style=style)
        for j in block:
            table.add_column(Text(header[j]), justify="right" if right[j] else "left",
                             overflow="fold", no_wrap=width is not None
                             and sizes[j] + 7 <= width)
        for row, raw in zip(body, values, strict=True):
            table.add_row(*[Text(row[j], style=_signed_style(raw[j]) if shade else "")
                            for j in block])
        found.append(table)
    return found


def _blocks(sizes: list[int], width: int) -> list[list[int]]:
    """Column indices in blocks no wider than `width`, the first column in every block.

    A rich SIMPLE_HEAD table is Σ(cell width + 3) + 1 characters wide (padding of one on
    each side, one separator between columns and at each edge).
    """
    if sum(sizes) + 3 * len(sizes) + 1 <= width or len(sizes) < 2:
        return [list(range(len(sizes)))]
    blocks, current, used = [], [0], sizes[0] + 4
    for j in range(1, len(sizes)):
        if used + sizes[j] + 3 > width and len(current) > 1:
            blocks.append(current)
            current, used = [0], sizes[0] + 4
        current.append(j)
        used += sizes[j] + 3
    blocks.append(current)
    return blocks
