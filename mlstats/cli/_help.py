"""Help pages: usage, description, option panels, commands, example.

Drawn with rich's console, table and panel alone. Typer's own rich help also loads rich's
Markdown and traceback support (markdown-it, pygments), which mlstats never uses: that was
half the time of `mlstats --help`. Option values show plain metavars (FILE, N, P, COLS, a
list of choices), flags show none, and help text is plain text, never markup.
"""

from __future__ import annotations

import enum
import inspect
import io
import os
import shutil
import sys
from typing import Any

_PANEL_ARGUMENTS = "Arguments"
_PANEL_OPTIONS = "Options"
_PANEL_COMMANDS = "Commands"
_FALLBACK = {int: "N", float: "NUM"}  # anything else: TEXT
_CHOICES_WIDTH = 24  # longer lists of choices go into the help text


def help_page(command: Any, ctx: Any) -> str:
    """The help page of `command` (a group lists its commands) as text for standard output."""
    from rich import box
    from rich.console import Console
    from rich.padding import Padding
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    color = _stdout_is_terminal() and "NO_COLOR" not in os.environ
    console = Console(file=io.StringIO(), width=shutil.get_terminal_size((80, 24)).columns,
                      force_terminal=color, color_system="auto" if color else None,
                      highlight=False, markup=False, emoji=False)
    frame = box.ROUNDED if _encodable("╭─╮│╰╯") else box.ASCII
    usage = Text(" Usage: ", style="yellow")
    usage.append(" ".join([ctx.command_path, *command.collect_usage_pieces(ctx)]), style="bold")
    console.print()
    console.print(usage)
    for paragraph in _paragraphs(command.help or ""):
        console.print()
        console.print(Padding(Text(paragraph), (0, 1)))
    console.print()
    for title, rows in _panels(command, ctx):
        table = Table(box=None, show_header=False, expand=True, padding=(0, 1), pad_edge=False)
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column(style="bold green", no_wrap=True)
        table.add_column(style="bold yellow", no_wrap=True, max_width=30)
        table.add_column(ratio=1)
        for row in rows:
            table.add_row(*row)
        console.print(Panel(table, title=title, title_align="left", border_style="dim",
                            box=frame))
    summaries = getattr(command, "summaries", None)
    if summaries is not None:
        table = Table(box=None, show_header=False, expand=True, padding=(0, 1), pad_edge=False)
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column(ratio=1)
        for name, text in summaries():
            table.add_row(name, text)
        console.print(Panel(table, title=_PANEL_COMMANDS, title_align="left",
                            border_style="dim", box=frame))
    if command.epilog:
        console.print()
        console.print(Padding(Text(command.epilog.strip("\n")), (0, 1)))
    text = console.file.getvalue()
    return "\n".join(line.rstrip() for line in text.splitlines())


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in inspect.cleandoc(text).split("\n\n") if p.strip()]


def _panels(command: Any, ctx: Any) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """Parameters grouped by panel: arguments, the command's options, then named panels."""
    panels: dict[str, list[tuple[str, str, str, str]]] = {_PANEL_ARGUMENTS: [],
                                                          _PANEL_OPTIONS: []}
    for param in command.get_params(ctx):
        if getattr(param, "hidden", False):
            continue
        if param.param_type_name == "argument":
            row = (param.metavar or param.name.upper(), "", "", _help_text(param, ctx))
            panels[param.rich_help_panel or _PANEL_ARGUMENTS].append(row)
            continue
        long = [o for o in (*param.opts, *param.secondary_opts) if o.startswith("--")]
        short = [o for o in (*param.opts, *param.secondary_opts) if not o.startswith("--")]
        row = (", ".join(long), ", ".join(short), metavar(param), _help_text(param, ctx))
        panel = getattr(param, "rich_help_panel", None) or _PANEL_OPTIONS
        panels.setdefault(panel, []).append(row)
    return [(title, rows) for title, rows in panels.items() if rows]


def metavar(param: Any) -> str:
    """What an option's value looks like: its metavar, its choices, or N / NUM / TEXT."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    if param.metavar is not None:
        return param.metavar
    choices = _choices(param)
    if choices:
        shown = "|".join(choices)
        return shown if len(shown) <= _CHOICES_WIDTH else param.name.upper().replace("_", "-")
    annotation = param.type_descriptor.annotation
    if param.type_descriptor.is_list:
        annotation = annotation.__args__[0]
    return _FALLBACK.get(annotation, "TEXT")


def _choices(param: Any) -> list[str]:
    descriptor = getattr(param, "type_descriptor", None)
    found = (descriptor.choices if descriptor is not None else None) or ()
    return [str(c.value if isinstance(c, enum.Enum) else c) for c in found]


def _help_text(param: Any, ctx: Any) -> str:
    extras = []
    choices = _choices(param)
    if param.metavar is None and len("|".join(choices)) > _CHOICES_WIDTH:
        extras.append("one of: " + ", ".join(choices))
    default = _default(param, ctx)
    if default is not None:
        extras.append(f"default: {default}")
    bounds = _bounds(param)
    if bounds:
        extras.append(bounds)
    if param.required:
        extras.append("required")
    text = " ".join((param.help or "").split())
    return " ".join([text, *(f"[{e}]" for e in extras)]).strip()


def _default(param: Any, ctx: Any) -> str | None:
    show = getattr(param, "show_default", None)
    if isinstance(show, str):
        return show
    if show is False or getattr(param, "is_flag", False) or param.param_type_name != "option":
        return None
    value = param.get_default(ctx, call=False)
    if value is None or value in ((), []) or callable(value):
        return None
    if isinstance(value, list | tuple):
        return ", ".join(str(v.value if isinstance(v, enum.Enum) else v) for v in value)
    return str(value.value if isinstance(value, enum.Enum) else value)


def _bounds(param: Any) -> str | None:
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if getattr(param, "count", False) or (low is None and high is None):
        return None
    if high is None:
        return f"at least {low}"
    if low is None:
        return f"at most {high}"
    return f"{low} to {high}"


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _encodable(text: str) -> bool:
    try:
        text.encode(getattr(sys.stdout, "encoding", None) or "utf-8")
    except (LookupError, UnicodeEncodeError):
        return False
    return True
