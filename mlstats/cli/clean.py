"""`mlstats clean`: detect and correct dirty records, losing nothing."""

import enum
from typing import Annotated, Any

import typer

from mlstats.cli.app import app
from mlstats.cli.options import OutputOptions, ReadOptions, command, report_options

FIX_PANEL = "Fixes"
SCREEN_PANEL = "Screens"


class OutlierAction(enum.StrEnum):
    drop = "drop"
    clip = "clip"
    flag = "flag"


@command(app, "clean", example="mlstats clean sample_data/dirty.csv -o clean.csv",
         checks_output=True)
def clean_command(
    check: Annotated[bool, typer.Option(
        "--check", help="Print the report only (no data); exit 1 when any screen finds a "
        "problem.")] = False,
    in_place: Annotated[bool, typer.Option(
        "--in-place", help="Replace the input file with the cleaned data, only when the whole "
        "run succeeds.")] = False,
    missing: Annotated[str, typer.Option(
        help="Missing cells: keep, drop (the row), mean, median, mode, interpolate, or a VALUE "
        "to write.", rich_help_panel=FIX_PANEL)] = "keep",
    order_by: Annotated[str | None, typer.Option(
        help="Interpolate in the order of this column (default: file order).",
        rich_help_panel=FIX_PANEL)] = None,
    coerce: Annotated[bool, typer.Option(
        "--coerce", help="Numbers stored as text become numbers: 1,234 $5 12% (3.5).",
        rich_help_panel=FIX_PANEL)] = False,
    outlier_action: Annotated[OutlierAction | None, typer.Option(
        help="What to do with outliers and out-of-range values (default: report them).",
        rich_help_panel=FIX_PANEL)] = None,
    snake_case: Annotated[bool, typer.Option(
        "--snake-case", help="Rename the columns in lower_snake_case.",
        rich_help_panel=FIX_PANEL)] = False,
    unify_case: Annotated[bool, typer.Option(
        "--unify-case", help="Spellings of a category that differ only in case become the "
        "most frequent one.", rich_help_panel=FIX_PANEL)] = False,
    drop_bad_lines: Annotated[bool, typer.Option(
        "--drop-bad-lines", help="Drop malformed lines (wrong field count, unclosed quote) "
        "instead of stopping.", rich_help_panel=FIX_PANEL)] = False,
    excel_safe: Annotated[bool, typer.Option(
        "--excel-safe", help="Prefix cells a spreadsheet would run as a formula with '.",
        rich_help_panel=FIX_PANEL)] = False,
    keep_duplicates: Annotated[bool, typer.Option(
        "--keep-duplicates", help="Keep exact duplicate rows (they are still counted).",
        rich_help_panel=FIX_PANEL)] = False,
    outliers: Annotated[str | None, typer.Option(
        help="Screen numeric columns for outliers: zscore[:3] (|z| above 3, sd with n − 1) or "
        "iqr[:1.5] (beyond the type-7 quartiles ± 1.5 IQR).", rich_help_panel=SCREEN_PANEL)]
    = None,
    ranges: Annotated[list[str] | None, typer.Option(
        "--range", help="Values of a column must lie in [LO, HI]: COL=LO:HI (either end may "
        "be left out). Repeatable.", rich_help_panel=SCREEN_PANEL)] = None,
    rules: Annotated[list[str] | None, typer.Option(
        "--rule", help="A rule every row must meet, COLUMN OP VALUE (e.g. 'age >= 0'), as "
        "--assert parses it. Repeatable.", rich_help_panel=SCREEN_PANEL)] = None,
    rejects: Annotated[str | None, typer.Option(
        help="Write every dropped row, as read, with _line and _reason columns, to this CSV "
        "file.")] = None,
    report: Annotated[str | None, typer.Option(
        help="Also write the report as JSON to this file.")] = None,
    *, read: ReadOptions, out: OutputOptions,
) -> None:
    """Detect and correct dirty records: the cleaned CSV to standard output, the report to
    standard error."""

    from mlstats.cli._emit import emit
    from mlstats.errors import InputError
    from mlstats.io.source import is_parquet, parquet_has_no_rows
    from mlstats.io.stream import open_stream
    from mlstats.render.progress import progress

    if read.source not in (None, "-") and is_parquet(read.source):
        raise InputError(parquet_has_no_rows(read.source))
    if in_place and read.where:
        raise InputError("--in-place with --where would delete the rows --where leaves out "
                         "from the input file; write the selected rows with -o instead")
    target = _target(read.source, out.output, in_place=in_place, check=check)
    _check_side_files(read.source, target, rejects=rejects, report=report, check=check)
    stream = open_stream(read)
    if in_place and stream.source.path is None:
        raise InputError("--in-place rewrites an uncompressed UTF-8 file only; write the "
                         "cleaned data with -o instead")
    cleaner, where = _cleaner(stream, read, check=check, missing=missing, order_by=order_by,
                       coerce=coerce, outliers=outliers, ranges=ranges or [],
                       rules=rules or [], outlier_action=outlier_action,
                       snake=snake_case, unify_case=unify_case,
                       drop_bad_lines=drop_bad_lines, excel_safe=excel_safe,
                       keep_duplicates=keep_duplicates)
    with progress(stream.size, "clean: survey", quiet=out.quiet) as advance:
        for batch in stream.batches(advance):
            if not cleaner.survey(batch, _selected(where, batch, tally=False)):
                break
    cleaner.finish_survey()
    if check:
        with progress(stream.size, "clean: check", quiet=out.quiet) as advance:
            for batch in stream.batches(advance):
                cleaner.clean(batch, _selected(where, batch, tally=True))
        result = cleaner.result()
        emit("clean", result, out, table=_provenance(stream, result, where), main="columns",
             report=report)
        if result.problems:
            raise typer.Exit(1)
        return
    out = report_options(out)
    result = _write(stream, cleaner, target, where, in_place=in_place, rejects=rejects,
                    quiet=out.quiet,
                    finish=lambda r: emit("clean", r, out, table=_provenance(stream, r, where),
                                          main="columns", to_stderr=True, report=report))
    if not in_place:
        emit("clean", result, out, table=_provenance(stream, result, where), main="columns",
             to_stderr=True, report=report)


def _selected(where: Any, batch: Any, *, tally: bool) -> Any:
    """The rows of the batch that --where selects (None: every row)."""
    return None if where is None else where(batch.columns, batch.lines, tally=tally)


def _write(stream: Any, cleaner: Any, target: str | None, where: Any, *, in_place: bool,
           rejects: str | None, quiet: bool, finish: Any) -> Any:
    """Stream the cleaned rows (and the rejects) out; with --in-place, report before the rename.

    The report's --assert checks run inside the --in-place write, so that a failed check
    leaves the input as it was.
    """
    import contextlib

    from mlstats.io.stream import data_sink, encode_header, encode_rejects, encode_rows
    from mlstats.render.progress import progress

    sep, newline = stream.sep, stream.newline
    with contextlib.ExitStack() as files:
        write = files.enter_context(data_sink(target, replace_input=in_place))
        reject = files.enter_context(data_sink(rejects)) if rejects is not None else None
        if stream.has_header:
            write(encode_header(cleaner.written_names(), sep, newline))
        if reject is not None:
            reject(encode_header(["_line", "_reason", *cleaner.names], sep, newline))
        advance = files.enter_context(progress(stream.size, "clean", quiet=quiet))
        for batch in stream.batches(advance):
            cleaned = cleaner.clean(batch, _selected(where, batch, tally=True))
            write(encode_rows(cleaned.columns, sep, newline))
            if reject is not None:
                reject(encode_rejects(cleaned.reject_lines, cleaned.reject_reasons,
                                      cleaned.reject_cells, cleaned.bad, sep, newline))
        result = cleaner.result()
        if in_place:
            finish(result)
    return result


def _target(source: str | None, output: str | None, *, in_place: bool,
            check: bool) -> str | None:
    """Where the cleaned data goes; -o naming the input needs --in-place."""
    from mlstats.errors import InputError
    from mlstats.io.source import file_identity

    from_file = source not in (None, "-")
    same = (from_file and output not in (None, "-")
            and file_identity(source) is not None
            and file_identity(source) == file_identity(output))
    if in_place:
        if check:
            raise InputError("--in-place rewrites the input and --check writes nothing; "
                             "give one of them")
        if not from_file:
            raise InputError("--in-place needs an input file, not standard input; give a path")
        if output not in (None, "-") and not same:
            raise InputError(f"--in-place writes over the input, but -o names '{output}'; "
                             "drop one of them")
        return source
    if same:
        raise InputError(f"-o '{output}' is the input file; write the cleaned data somewhere "
                         "else, or pass --in-place to replace the input (only when the whole "
                         "run succeeds)")
    return None if check else output


def _check_side_files(source: str | None, target: str | None, *, rejects: str | None,
                      report: str | None, check: bool) -> None:
    """--rejects and --report write files: never the input, the output or one another."""
    import os

    from mlstats.errors import InputError
    from mlstats.io.source import file_identity

    def same(a: str, b: str) -> bool:
        return os.path.realpath(a) == os.path.realpath(b) or (
            file_identity(a) is not None and file_identity(a) == file_identity(b))

    if rejects is not None and check:
        raise InputError("--rejects writes the rows a clean run drops, and --check drops "
                         "nothing; drop --check or --rejects")
    files = [(o, p) for o, p in (("--rejects", rejects), ("--report", report)) if p is not None]
    for option, path in files:
        if path == "-":
            raise InputError(f"{option} writes a file; give a path, not - (standard output "
                             "holds the data)")
        if source not in (None, "-") and same(path, source):
            raise InputError(f"{option} '{path}' is the input file; write it somewhere else")
        if target not in (None, "-") and same(path, target):
            raise InputError(f"{option} '{path}' is also the -o file; give them different "
                             "paths")
    if len(files) == 2 and same(rejects, report):
        raise InputError(f"--rejects and --report both name '{rejects}'; give them different "
                         "paths")


def _cleaner(stream: Any, read: ReadOptions, *, check: bool, missing: str,
             order_by: str | None, coerce: bool, outliers: str | None, ranges: list[str],
             rules: list[str], outlier_action: OutlierAction | None, snake: bool,
             unify_case: bool, drop_bad_lines: bool, excel_safe: bool,
             keep_duplicates: bool) -> tuple[Any, Any]:
    """Options checked and columns resolved: a Cleaner ready for the stream's header, and
    the --where filter (None without --where)."""
    from mlstats.errors import InputError
    from mlstats.expr import parse
    from mlstats.io.reader import PANDAS_NA
    from mlstats.io.stream import BLOCK
    from mlstats.stats.clean import (
        UNIQUE_CAP,
        Cleaner,
        CleanOptions,
        Rule,
        repair_header,
        snake_case,
    )

    names, repairs = repair_header(stream.header) if stream.has_header else (stream.header, [])
    out_names, renamed = snake_case(names) if snake else (names, [])

    def column(spec: str) -> int:
        return _resolve(spec, names, out_names)

    how, fill = _missing(missing)
    if order_by is not None and how != "interpolate":
        raise InputError("--order-by orders the interpolation; add --missing interpolate or "
                         "drop --order-by")
    method, threshold = _outliers(outliers)
    parsed_ranges = tuple(_range(text, column) for text in ranges)
    if outlier_action is not None and method is None and not parsed_ranges:
        raise InputError("--outlier-action acts on what --outliers or --range finds; add one "
                         "of them")
    parsed_rules = []
    for text in rules:
        expr = parse(text, option="--rule")
        parsed_rules.append(Rule(column=column(".".join(expr.path)), expr=expr))
    na = ([] if read.no_default_na else list(PANDAS_NA)) + list(read.na) + [""]
    options = CleanOptions(
        missing=how, fill=fill, order_by=column(order_by) if order_by is not None else None,
        coerce=coerce, outliers=method, threshold=threshold, ranges=parsed_ranges,
        rules=tuple(parsed_rules),
        outlier_action=outlier_action.value if outlier_action is not None else None,
        unify_case=unify_case, drop_bad_lines=drop_bad_lines, excel_safe=excel_safe,
        keep_duplicates=keep_duplicates, check=check, na=tuple(na),
        na_numbers=_na_numbers(read.na), where=tuple(c.text for c in read.where))
    where = None
    if read.where:
        from mlstats.io.where import BatchFilter

        where = BatchFilter(read.where, [column(".".join(c.path)) for c in read.where],
                            stream.header, nulls=na, na_numbers=options.na_numbers)
    single = stream.size <= BLOCK  # one batch: every distinct value is counted
    return Cleaner(names, options, out_names=out_names, header=repairs, snake=renamed,
                   unique_cap=None if single else UNIQUE_CAP, input_bytes=stream.size), where


def _resolve(spec: str, names: list[str], out_names: list[str]) -> int:
    """A column by its (repaired) header name, its --snake-case name or its 1-based number."""
    import pyarrow as pa

    from mlstats.io.reader import Table

    if spec not in names and spec in out_names:
        return out_names.index(spec)
    empty = Table(pa.table({n: pa.array([], pa.string()) for n in names}), source=None, sep=",")
    return names.index(empty.resolve(spec))


def _missing(text: str) -> tuple[str, str | None]:
    """--missing: a method, or a VALUE to write (a near miss of a method is refused)."""
    import difflib

    from mlstats.errors import InputError
    from mlstats.stats.clean import MISSING_CHOICES

    if text in MISSING_CHOICES:
        return text, None
    close = difflib.get_close_matches(text.lower(), MISSING_CHOICES, n=1, cutoff=0.75)
    if close and text.isalpha():
        raise InputError(f"--missing '{text}': did you mean '{close[0]}'? (methods: "
                         f"{', '.join(MISSING_CHOICES)}; any other text is written as the "
                         "value of missing cells)")
    return "value", text


def _outliers(text: str | None) -> tuple[str | None, float]:
    import math

    from mlstats.errors import InputError

    if text is None:
        return None, 3.0
    method, _, k = text.partition(":")
    defaults = {"zscore": 3.0, "iqr": 1.5}
    if method not in defaults:
        raise InputError(f"--outliers '{text}' is not zscore[:K] or iqr[:K] (e.g. zscore:3, "
                         "iqr:1.5)")
    if not k:
        return method, defaults[method]
    try:
        value = float(k)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"--outliers '{text}': K must be a positive number (e.g. "
                         f"{method}:{defaults[method]:g})")
    return method, value


def _range(text: str, column: Any) -> Any:
    import math

    from mlstats.errors import InputError
    from mlstats.stats.clean import Range

    name, eq, bounds = text.rpartition("=")
    low_text, colon, high_text = bounds.partition(":")
    if not (eq and colon and name.strip()):
        raise InputError(f"--range '{text}' is not COL=LO:HI (e.g. age=0:120; leave an end "
                         "out for no limit: age=0:)")

    def bound(value: str, default: float) -> float:
        if not value.strip():
            return default
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if math.isnan(number):
            raise InputError(f"--range '{text}': '{value}' is not a number")
        return number

    low, high = bound(low_text, -math.inf), bound(high_text, math.inf)
    if low > high:
        raise InputError(f"--range '{text}': the low end {low_text} is above the high end "
                         f"{high_text}")
    return Range(column=column(name.strip()), low=low, high=high)


def _na_numbers(na: tuple[str, ...]) -> tuple[float, ...]:
    """The --na strings that are numbers: missing however the number is spelled (-999.0)."""
    import math
    import re

    from mlstats.stats.clean import NUMBER

    return tuple(sorted({float(v) for v in na if re.fullmatch(NUMBER, v.strip())
                         and math.isfinite(float(v))}))


def _provenance(stream: Any, result: Any, where: Any) -> Any:
    """The shared provenance (input, SHA-256, rows read and written, --where, versions), and
    the --where report."""
    import pyarrow as pa

    from mlstats.io.reader import Table

    table = Table(pa.table({}), source=stream.source, sep=stream.sep)
    table.rows_read = result.rows_in
    table.rows_used = result.rows_out
    if where is not None:
        table.where = tuple(c.text for c in where.conditions)
        table.warnings.extend(where.notes(result.dropped["where"]))
    return table
