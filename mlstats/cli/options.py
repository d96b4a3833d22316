"""Every shared option, declared once, and `command`, which adds them to each command.

A command function declares only its own options plus `read: ReadOptions` (if it reads
data) and `out: OutputOptions`; `command` appends the shared input and output options to
its Typer signature and hands the parsed values over as those two objects.

Nothing heavy at the top: this module is imported by every command and by `--help`.
"""

from __future__ import annotations

import enum
import functools
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mlstats.errors import InputError
from mlstats.io.options import ReadOptions

if TYPE_CHECKING:
    from mlstats.expr import Expr

INPUT_PANEL = "Input"
OUTPUT_PANEL = "Output and checks"


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    tsv = "tsv"
    markdown = "markdown"
    md = "md"  # short for markdown


# `-o NAME.EXT` without --format: the format the extension names.
FORMAT_OF_EXTENSION = {".json": "json", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv",
                       ".md": "markdown", ".markdown": "markdown"}


class Engine(enum.StrEnum):
    local = "local"
    duckdb = "duckdb"
    spark = "spark"


class Alternative(enum.StrEnum):
    two_sided = "two-sided"
    larger = "larger"
    smaller = "smaller"


@dataclass(frozen=True, slots=True)
class OutputOptions:
    """The shared output options, parsed: format, destination, checks, quietness."""

    fmt: str = "table"
    output: str | None = None
    asserts: tuple[Expr, ...] = ()
    warns: tuple[Expr, ...] = ()
    quiet: bool = False
    format_given: bool = False  # --format or --json (not only -o's extension)


# Options that individual commands share by name and meaning.
ConfidenceOpt = Annotated[float, typer.Option(
    metavar="P", help="Confidence level of two-sided intervals, between 0 and 1.")]
AlphaOpt = Annotated[float, typer.Option(
    metavar="P", help="Significance level, between 0 and 1.")]
SeedOpt = Annotated[int | None, typer.Option(
    metavar="N", help="Seed for the random generator; the same seed gives byte-identical "
    "output (default: one is drawn and recorded in provenance.seed).")]
ResamplesOpt = Annotated[int, typer.Option(metavar="N", help="Number of resamples.", min=1)]
ColumnsOpt = Annotated[str | None, typer.Option(
    metavar="COLS",
    help="Comma-separated columns, by header name or 1-based number (default: all numeric).")]
PlotOpt = Annotated[str | None, typer.Option(
    metavar="FILE", help="Save a PNG chart to this path (needs the plot extra: "
    "pip install '.[plot]' from a clone of mlstats, pip install 'mlstats[plot]' once "
    "published).")]

_INPUT_ARG = inspect.Parameter(
    "source", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
    annotation=Annotated[str | None, typer.Argument(
        metavar="INPUT", show_default=False,
        help="CSV file (.gz .bz2 .xz .zip .zst too), Parquet file (.parquet, .pq), or - for "
        "standard input; omitted, standard input is read when it is not a terminal.")],
)


def _option(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                             annotation=annotation)


_READ_OPTIONS = [
    _option("sep", Annotated[str | None, typer.Option(
        "--sep", "-d", "--delimiter", metavar="CHAR",
        help="Field delimiter (default: tab for .tsv/.tab, else sniffed among , ; tab |).",
        rich_help_panel=INPUT_PANEL)], None),
    _option("no_header", Annotated[bool, typer.Option(
        "--no-header", help="The first line is data; columns are named 1, 2, …",
        rich_help_panel=INPUT_PANEL)], False),
    _option("na", Annotated[list[str] | None, typer.Option(
        "--na", metavar="TEXT", help="Extra string that means missing (repeatable).",
        rich_help_panel=INPUT_PANEL)], None),
    _option("no_default_na", Annotated[bool, typer.Option(
        "--no-default-na", help="Only the empty cell and --na strings mean missing.",
        rich_help_panel=INPUT_PANEL)], False),
    _option("encoding", Annotated[str, typer.Option(
        "--encoding", metavar="NAME",
        help="Text encoding of the input (a UTF-16 byte-order mark is honoured).",
        rich_help_panel=INPUT_PANEL)], "utf-8"),
    _option("where", Annotated[list[str] | None, typer.Option(
        "--where", help="Keep only rows where 'KEY OP VALUE' holds, e.g. 'country == \"DE\"' "
        "(repeatable: all must hold).", rich_help_panel=INPUT_PANEL)], None),
    _option("engine", Annotated[Engine, typer.Option(
        "--engine", envvar="MLSTATS_ENGINE", help="Where the summaries are computed: local, "
        "duckdb for files larger than memory (pip install 'mlstats\\[duckdb]'), or spark "
        "for a cluster (pip install 'mlstats\\[spark]', with --remote).",
        rich_help_panel=INPUT_PANEL)], Engine.local),
    _option("remote", Annotated[str | None, typer.Option(
        "--remote", metavar="sc://HOST:PORT", help="Spark Connect address, for --engine "
        "spark (default: SPARK_REMOTE).", rich_help_panel=INPUT_PANEL)], None),
    _option("table", Annotated[str | None, typer.Option(
        "--table", metavar="NAME", help="A catalog table (db.events) instead of INPUT, for "
        "--engine spark.", rich_help_panel=INPUT_PANEL)], None),
]

_OUTPUT_OPTIONS = [
    _option("fmt", Annotated[Format | None, typer.Option(
        "--format", metavar="FORMAT", show_default=False,
        help="table, json, csv, tsv or markdown (md). Default: as the extension of -o names "
        "it (.json .csv .tsv .md), else table.", rich_help_panel=OUTPUT_PANEL)], None),
    _option("as_json", Annotated[bool, typer.Option(
        "--json", help="Short for --format json.", rich_help_panel=OUTPUT_PANEL)], False),
    _option("output", Annotated[str | None, typer.Option(
        "--output", "-o", metavar="FILE",
        help="Write the result to this file instead of standard output.",
        rich_help_panel=OUTPUT_PANEL)], None),
    _option("asserts", Annotated[list[str] | None, typer.Option(
        "--assert", metavar="EXPR",
        help="Check 'KEY OP VALUE' (e.g. 'r2 >= 0.9'); exit 1 when it fails. Repeatable.",
        rich_help_panel=OUTPUT_PANEL)], None),
    _option("warns", Annotated[list[str] | None, typer.Option(
        "--warn", metavar="EXPR", help="Like --assert, but a failure only warns. Repeatable.",
        rich_help_panel=OUTPUT_PANEL)], None),
    _option("quiet", Annotated[bool, typer.Option(
        "--quiet", "-q", help="Silence warnings and progress.", rich_help_panel=OUTPUT_PANEL)],
        False),
]


def command(app: typer.Typer, name: str, *, example: str, reads: bool = True,
            checks_output: bool = False) -> Callable:
    """Register `func` as command `name` with the shared options and an example epilog.

    `checks_output`: the command checks that -o is not its input itself (clean --in-place).
    """

    def register(func: Callable) -> Callable:
        own = [p for p in inspect.signature(func, eval_str=True).parameters.values()
               if p.name not in ("read", "out")]
        params = ([_INPUT_ARG] if reads else []) + [
            p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own
        ] + (_READ_OPTIONS if reads else []) + _OUTPUT_OPTIONS

        @functools.wraps(func)
        def wrapper(**kwargs: Any) -> Any:
            out = _output_options(kwargs)
            if reads:
                read = ReadOptions(
                    source=kwargs.pop("source"), sep=kwargs.pop("sep"),
                    no_header=kwargs.pop("no_header"), na=tuple(kwargs.pop("na") or ()),
                    no_default_na=kwargs.pop("no_default_na"), encoding=kwargs.pop("encoding"),
                    engine=kwargs.pop("engine").value, where=_where(kwargs.pop("where")),
                    remote=kwargs.pop("remote"), table=kwargs.pop("table"),
                )
                _check_spark_options(read)
                if not checks_output:
                    _refuse_overwrite(read.source, out.output)
                if read.engine == "duckdb":
                    from mlstats.io.source import hash_early

                    hash_early(read.source)
                return func(**kwargs, read=read, out=out)
            return func(**kwargs, out=out)

        del wrapper.__wrapped__
        wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        epilog = f"Example:\n\n    {example}"
        app.command(name, epilog=epilog)(wrapper)
        return func

    return register


def _output_options(kwargs: dict) -> OutputOptions:
    from mlstats.expr import parse

    fmt, output = kwargs.pop("fmt"), kwargs.pop("output")
    if kwargs.pop("as_json"):
        if fmt not in (None, Format.json):
            raise InputError(f"--json conflicts with --format {fmt.value}; give one of them")
        fmt = Format.json
    asserts = tuple(parse(t, option="--assert") for t in kwargs.pop("asserts") or ())
    warns = tuple(parse(t, option="--warn") for t in kwargs.pop("warns") or ())
    return OutputOptions(fmt=output_format(fmt.value if fmt else None, output), output=output,
                         asserts=asserts, warns=warns, quiet=kwargs.pop("quiet"),
                         format_given=fmt is not None)


def report_options(out: OutputOptions) -> OutputOptions:
    """The output options of a data command's report: -o names the data file, so without
    --format the report is a table, whatever -o's extension."""
    import dataclasses

    return out if out.format_given else dataclasses.replace(out, fmt="table")


def output_format(fmt: str | None, output: str | None) -> str:
    """--format as given (md: markdown); without it, the format -o's extension names, or table."""
    if fmt is not None:
        return "markdown" if fmt == "md" else fmt
    if output in (None, "-"):
        return "table"
    return FORMAT_OF_EXTENSION.get(os.path.splitext(output)[1].lower(), "table")


def resolve_seed(seed: int | None, *, random: bool = True) -> int | None:
    """The seed of a randomized run: --seed when given, else one drawn from the system.

    Every randomized command calls this first and records the result in provenance.seed,
    so `--seed` with that value repeats any run exactly. `random=False` (the options chosen
    make the run deterministic) returns --seed as given, None included.
    """
    if seed is not None or not random:
        return seed
    import secrets

    return secrets.randbits(32)


def _check_spark_options(read: ReadOptions) -> None:
    """--remote and --table belong to --engine spark; --table replaces INPUT."""
    if read.engine != "spark":
        for option, value in (("--remote", read.remote), ("--table", read.table)):
            if value is not None:
                raise InputError(f"{option} applies to --engine spark, not --engine "
                                 f"{read.engine}; add --engine spark or drop {option}")
    elif read.table is not None and read.source is not None:
        raise InputError("--table replaces INPUT: give the catalog table or the path, not both")


def _where(texts: list[str] | None) -> tuple[Expr, ...]:
    if not texts:
        return ()
    from mlstats.expr import parse

    return tuple(parse(t, option="--where", text_values=True) for t in texts)


def _refuse_overwrite(source: str | None, output: str | None) -> None:
    """An input file is never modified: -o must not name it."""
    if source in (None, "-") or output in (None, "-"):
        return
    from mlstats.io.source import file_identity

    same = file_identity(source)
    if same is not None and same == file_identity(output):
        raise InputError(f"-o '{output}' is the input file; write the result somewhere else")


def parse_list(text: str | None) -> list[str]:
    """Split a comma-separated option value (`--columns a,b`) into stripped names."""
    if text is None:
        return []
    return [part.strip() for part in text.split(",") if part.strip()]
