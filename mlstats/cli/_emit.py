"""`emit`: record → checks → warnings → rendered output → exit status, for every command."""

from __future__ import annotations

import os
import shutil
import sys
from typing import TYPE_CHECKING

import typer

from mlstats.cli.options import OutputOptions

if TYPE_CHECKING:
    from mlstats.io.reader import Table
    from mlstats.render.formats import Head


def emit(command: str, result: object, out: OutputOptions, *, table: Table | None = None,
         main: str | None = None, summary: str | None = None, figure: str | None = None,
         seed: int | None = None, keep_layout: tuple[str, ...] = (),
         head: Head | None = None, shade: tuple[str, ...] = (), to_stderr: bool = False,
         report: str | None = None) -> dict:
    """Write the result as `out` asks, warnings to stderr; exit 1 when an --assert failed.

    A data-producing command renders its report `to_stderr` (standard output holds the data)
    and may also write it as JSON to a `report` file.
    Returns the record (the JSON view as a dict), for commands that write more files.
    """
    from mlstats.io.writer import write_output
    from mlstats.render import build_record, check_all, render

    provenance = table.provenance(seed=seed) if table is not None else None
    if table is None and seed is not None:  # a randomized run from summaries: still repeatable
        provenance = {"seed": seed}
    record = build_record(
        command, result, provenance=provenance,
        rows_used=(table.rows_used if table.rows_used is not None else table.rows_read)
        if table is not None else None,
        warnings=table.warnings if table is not None else (),
    )
    outcomes = check_all(record, out.asserts, out.warns)
    if outcomes:
        record["assertions"] = [o.as_record() for o in outcomes]
    if not out.quiet:
        for warning in record["warnings"]:
            warn(warning)
    for outcome in outcomes:
        if outcome.status == "fail":
            _stderr(f"mlstats: assertion failed: {outcome.message()}")
        elif outcome.status == "warn" and not out.quiet:
            warn(f"check failed: {outcome.message()}")
    if report is not None:
        write_output(render(record, "json"), report)
    to_terminal = _stderr_is_terminal() if to_stderr else (
        out.output in (None, "-") and _stdout_is_terminal())
    width = shutil.get_terminal_size().columns if to_terminal else None
    color = to_terminal and "NO_COLOR" not in os.environ
    text = render(record, out.fmt, main=main, summary=summary, figure=figure, color=color,
                  width=width, keep_layout=keep_layout, terminal=to_terminal,
                  head=head, shade=shade)
    if to_stderr:  # the report is the result, not a warning: --quiet keeps it (SPEC 1)
        _stderr(text.rstrip("\n"))
    else:
        if out.output in (None, "-"):
            text = _fit_stdout(text, out.fmt)
        write_output(text, out.output)
    if any(o.status == "fail" for o in outcomes):
        raise typer.Exit(1)
    return record


def warn(message: str) -> None:
    """One `mlstats: warning: …` line on standard error."""
    from mlstats.render.text import shorten_quoted, visible

    _stderr(f"mlstats: warning: {shorten_quoted(visible(message))}")


def _stderr(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _fit_stdout(text: str, fmt: str) -> str:
    """JSON and CSV that standard output's encoding cannot hold (PYTHONIOENCODING=ascii).

    JSON takes `\\u` escapes (the same data); CSV and TSV would change the data, so they are
    an error. The table and Markdown views fall back to ASCII in `write_stdout`.
    """
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start]
    if fmt == "json":
        import json

        return json.dumps(json.loads(text), indent=2, ensure_ascii=True) + "\n"
    if fmt in ("csv", "tsv"):
        from mlstats.errors import InputError
        from mlstats.render.text import visible

        raise InputError(
            f"standard output's encoding ({encoding}) cannot hold '{visible(bad)}' "
            f"(U+{ord(bad):04X}) of the data; write the file with -o (UTF-8), or set "
            "PYTHONIOENCODING=utf-8")
    return text


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
