"""The one reader: CSV text in, a validated `Table` out (SPEC 1, "Input").

pyarrow parses (strict about field counts, multi-threaded, no silent padding or shifting);
when it refuses a file, a `csv`-module pass over the text finds the physical line and says
what is wrong. Validation that pandas' C engine skips is done here: duplicate or blank
header names, NUL bytes, undecodable bytes, infinities in numeric columns.
"""

from __future__ import annotations

import csv
import difflib
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlstats.errors import InputError
from mlstats.io.options import ReadOptions
from mlstats.io.source import Source, load_source

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from mlstats.expr import Expr
    from mlstats.io.records import RecordIndex

DELIMITERS = (",", ";", "\t", "|")
_SNIFF_BYTES = 1 << 16
_SNIFF_LINES = 50
# pyarrow parses blocks in parallel and infers types from the first one. When every column's
# type is declared (all decimals, see `_float_hints`) nothing is inferred, and 1 MiB blocks,
# which stay in the CPU cache, parse in about 0.6× the CPU time of 16 MiB blocks and hold a
# sixth of the memory in flight; otherwise 16 MiB blocks let inference see more rows.
_BLOCK = 1 << 24
_BLOCK_DECLARED = 1 << 20
# pandas' default missing-value strings (pandas.read_csv, `na_values`).
PANDAS_NA = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
    "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip
_NUMBER = r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$"
_CONVERSION = re.compile(r"column #(\d+)")
# The csv module refuses fields over 128 KiB by default; pyarrow accepts them, and so must
# the sniffing and diagnosis passes (a long text cell is data, not an internal error).
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
# What people type for a tab in a shell: --sep '\t' arrives as a backslash and a t.
_SEP_NAMES = {"\\t": "\t", "tab": "\t", "TAB": "\t"}


def read_table(options: ReadOptions) -> Table:
    """Read and validate the input named by `options`, keeping the rows `--where` keeps."""
    local_engine_only(options)
    source = load_source(options.source, encoding=options.encoding)
    table = _read_parquet(source, options) if source.parquet else _read_csv(source, options)
    table.keep_where(options.where)
    return table


def local_engine_only(options: ReadOptions) -> None:
    """For the commands that stream rows as read (clean, sample): the local engine only."""
    if options.engine != "local":
        raise InputError(f"this command runs on --engine local only, not {options.engine}; "
                         "use --engine local (or unset MLSTATS_ENGINE)")


def _read_parquet(source: Source, options: ReadOptions) -> Table:
    """A Parquet file through pyarrow: decimals become float64, dictionaries their values."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if options.sep is not None or options.no_header:
        given = "--sep" if options.sep is not None else "--no-header"
        raise InputError(f"{given} applies to CSV input, and '{source.name}' is Parquet; "
                         f"drop {given}")
    try:
        arrow = pq.read_table(source.path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"cannot read '{source.name}' as Parquet: {exc}") from None
    for index, (name, kind) in enumerate(zip(arrow.column_names, arrow.schema.types,
                                             strict=True)):
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if pa.types.is_decimal(kind):
            kind = pa.float64()
        elif pa.types.is_large_string(kind):
            kind = pa.string()
        if kind != arrow.schema.types[index]:
            arrow = arrow.set_column(index, name, arrow.column(name).cast(kind))
    _check_header(arrow.column_names)
    if arrow.num_rows == 0:
        raise InputError(f"'{source.name}' has no rows; give a file with data")
    table = Table(arrow, source=source, sep=",", na_numbers=_na_numbers(options.na))
    table.check_values()
    return table


def _read_csv(source: Source, options: ReadOptions) -> Table:
    sep = delimiter(source, options.sep)
    _check_first_line(source)
    header = _first_record(source, sep)
    if options.no_header:
        names = [str(i) for i in range(1, len(header) + 1)]
    else:
        _check_header(header)
        names = header
    nulls = ([] if options.no_default_na else list(PANDAS_NA)) + list(options.na)
    if "" not in nulls:
        nulls.append("")
    arrow = _parse(source, sep, names, options.no_header, nulls)
    if arrow.num_rows == 0:
        raise InputError("the input has a header but no data rows; give a file with data")
    table = Table(arrow, source=source, sep=sep, has_header=not options.no_header,
                  na_numbers=_na_numbers(options.na))
    table.check_values()
    if source.has_quotes:
        table.check_quotes()
    return table


def delimiter(source: Source, sep: str | None) -> str:
    """`--sep` as given (`\\t` and `tab` mean a tab), or sniffed from the first lines."""
    chosen = _SEP_NAMES.get(sep, sep) if sep is not None else sniff_delimiter(source)
    if len(chosen) != 1:
        raise InputError(f"--sep must be one character, or \\t or tab (got '{chosen}')")
    return chosen


def _check_first_line(source: Source) -> None:
    """Undecodable bytes in the header name line 1 (the data's are found while parsing)."""
    first = source.head(_SNIFF_BYTES << 4).removeprefix(b"\xef\xbb\xbf").splitlines()[:1]
    try:
        b"".join(first).decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.end < len(first[0]) or len(first[0]) < _SNIFF_BYTES << 4:
            raise InputError(
                f"line 1: bytes that are not valid UTF-8 ({exc.reason}); give the file's "
                "encoding with --encoding (e.g. --encoding latin-1)"
            ) from None


def _na_numbers(na: Sequence[str]) -> tuple[float, ...]:
    """The `--na` strings that are numbers: they mean missing however the number is spelled.

    As pandas' `na_values`: `--na -999` also makes `-999.0` and `-999.00` missing.
    """
    return tuple(sorted({float(v) for v in na if re.fullmatch(_NUMBER, v)
                         and abs(float(v)) < float("inf")}))


def sniff_delimiter(source: Source) -> str:
    """Pick the delimiter among `, ; \\t |` that splits the first lines most consistently.

    Tab for .tsv/.tab files. A delimiter must give the same field count (> 1) on every
    sampled line; among those the most fields wins, ties going to the order above. With no
    consistent candidate, the one splitting the header most is used, so that the parse names
    the first malformed line; with none at all the file is one column.
    """
    if source.name.lower().endswith((".tsv", ".tab", ".tsv.gz", ".tab.gz")):
        return "\t"
    sample = _sample(source)
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line may be cut short
    lines = [ln for ln in lines[:_SNIFF_LINES] if ln.strip()]
    best, best_fields = None, 1
    header_counts = {}
    for sep in DELIMITERS:
        try:
            counts = {len(r) for r in csv.reader(lines, delimiter=sep) if r}
            header_counts[sep] = len(next(csv.reader(lines[:1], delimiter=sep), []))
        except csv.Error:
            continue
        if len(counts) == 1 and (n := counts.pop()) > best_fields:
            best, best_fields = sep, n
    if best is not None:
        return best
    fallback = max(DELIMITERS, key=lambda s: header_counts.get(s, 0))
    return fallback if header_counts.get(fallback, 0) > 1 else ","


def _sample(source: Source) -> str:
    """The first 64 KiB of text, extended (up to 64 MiB) until it holds two whole lines."""
    size = _SNIFF_BYTES
    while True:
        raw = source.head(size)
        if raw.count(b"\n") >= 2 or len(raw) < size or size >= _SNIFF_BYTES << 10:
            return raw.decode("utf-8-sig", errors="replace")
        size *= 4


def _first_record(source: Source, sep: str) -> list[str]:
    lines = _sample(source).splitlines(True)
    for record in csv.reader(lines, delimiter=sep):
        if record:
            return record
    raise InputError("the input has no header line")


def _check_header(names: Sequence[str]) -> None:
    blank = [str(i) for i, n in enumerate(names, start=1) if not n.strip()]
    if blank:
        raise InputError(
            f"blank column name in column {', '.join(blank)} of the header; name it, "
            "or use --no-header if the first line is data (mlstats clean can repair headers)"
        )
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if name in seen:
            raise InputError(
                f"duplicate column name '{name}' (columns {seen[name]} and {i}); rename one "
                "(mlstats clean can repair headers)"
            )
        seen[name] = i


def _parse(source: Source, sep: str, names: list[str], no_header: bool,
           nulls: list[str]) -> pa.Table:
    """Parse with pyarrow; on refusal, diagnose with the csv module for a line number."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    column_types = _float_hints(source, sep, names, no_header, nulls)
    block = _BLOCK
    if len(column_types) == len(names):  # a block must hold the header and many rows
        longest = max(map(len, _sample(source).splitlines()), default=0)
        block = min(_BLOCK, max(_BLOCK_DECLARED, 16 * longest))
    read_options = pacsv.ReadOptions(
        column_names=names if no_header else None, use_threads=True, block_size=block)
    parse_options = pacsv.ParseOptions(delimiter=sep, newlines_in_values=source.has_quotes)
    for _ in range(len(names) + 1):
        convert = pacsv.ConvertOptions(
            null_values=nulls, strings_can_be_null=True, quoted_strings_can_be_null=True,
            column_types=column_types,
        )
        try:
            with source.reader() as stream:
                # The system allocator gives freed parse buffers back to the OS; pyarrow's
                # default pool (mimalloc) keeps them, about 100 MB more peak memory at 1M × 8.
                return pacsv.read_csv(stream, read_options, parse_options, convert,
                                      memory_pool=pa.system_memory_pool())
        except pa.ArrowInvalid as exc:
            message = str(exc)
            found = _CONVERSION.search(message)
            if "conversion error" in message and found:
                # Type inference saw numbers in the first block only: read the column as text.
                column_types[names[int(found.group(1))]] = pa.string()
                continue
            _diagnose(source, sep, no_header)
            if "Empty CSV file" in message:  # a header line alone, with no line break after it
                raise InputError("the input has a header but no data rows; give a file with "
                                 "data") from None
            raise InputError(f"cannot parse the input as CSV: {message.splitlines()[0]}") from None
    raise InputError("cannot parse the input as CSV")  # pragma: no cover - loop is bounded


_DECIMAL = re.compile(r"^[-+]?(?:\d+\.\d*|\.\d+|\d+(?:\.\d*)?[eE][-+]?\d+)$")


def _float_hints(source: Source, sep: str, names: list[str], no_header: bool,
                 nulls: list[str]) -> dict:
    """float64 for columns whose sampled values all look like decimals (`1.5`, `2e3`).

    Declaring them spares pyarrow's per-value type inference (about a third of the parse).
    Integer-looking columns are left to inference, so that large identifiers stay exact; a
    later value that is not a number sends the column back to text (see `_parse`).
    """
    import pyarrow as pa

    lines = _sample(source).splitlines(True)
    records = [r for r in csv.reader(lines[:-1] if len(lines) > 2 else lines, delimiter=sep)
               if r][0 if no_header else 1:]
    missing = set(nulls)
    hints = {}
    for i, name in enumerate(names):
        values = [r[i] for r in records if len(r) == len(names) and r[i] not in missing]
        if values and all(_DECIMAL.match(v) for v in values):
            hints[name] = pa.float64()
    return hints


def _diagnose(source: Source, sep: str, no_header: bool) -> None:
    """Walk the text with the csv module and raise an InputError naming the first bad line."""
    reader = csv.reader(source.text_lines(), delimiter=sep, strict=True)
    expected = None
    start = 1
    try:
        for record in reader:
            if record:
                if expected is None:
                    expected = len(record)
                elif len(record) != expected:
                    what = "the header" if not no_header else "line 1"
                    raise InputError(
                        f"line {start}: {len(record)} fields, but {what} has {expected}; "
                        "fix or remove the line (mlstats clean --drop-bad-lines drops such lines)"
                    )
            start = reader.line_num + 1
    except csv.Error as exc:
        if "unexpected end of data" in str(exc) or "EOF" in str(exc):
            raise InputError(
                f"line {start}: a quoted field opens here and is never closed; "
                "add the closing quote"
            ) from None
        raise InputError(f"line {reader.line_num}: {exc}") from None


def resolve_column(names: Sequence[str], spec: str) -> str:
    """A column by header name, else by 1-based number; unknown names suggest the closest."""
    if spec in names:
        return spec
    if spec.strip().isdigit():
        number = int(spec)
        if 1 <= number <= len(names):
            return names[number - 1]
        raise InputError(
            f"column {number} not found: the input has {len(names)} columns"
        )
    close = difflib.get_close_matches(spec, names, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise InputError(f"column '{spec}' not found; {hint}columns are: {_listing(names)}")


@dataclass
class Table:
    """A parsed input: columns by name, row accounting and provenance.

    Commands take their columns through `numeric`, `labels` or `complete`; `complete`
    leaves out rows with a missing value and records how many (`rows_used`, a warning).
    """

    arrow: pa.Table
    source: Source
    sep: str
    has_header: bool = True
    rows_used: int | None = None
    warnings: list[str] = field(default_factory=list)
    na_numbers: tuple[float, ...] = ()
    rows_read: int = field(init=False)
    rows_filtered: int = 0
    where: tuple[str, ...] = ()
    engine: str = "local"  # the engine that read the rows (see mlstats.engines)
    _row_numbers: np.ndarray | None = field(default=None, repr=False)
    _index: RecordIndex | None = field(default=None, repr=False)
    _multiline: bool | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.rows_read = self.arrow.num_rows

    @property
    def columns(self) -> list[str]:
        return list(self.arrow.column_names)

    # -- columns -------------------------------------------------------------------------
    def resolve(self, spec: str) -> str:
        """A column by header name, else by 1-based number; unknown names suggest the closest."""
        return resolve_column(self.columns, spec)

    def resolve_many(self, specs: Iterable[str]) -> list[str]:
        return [self.resolve(s) for s in specs]


    def numeric_columns(self, *, exclude: Iterable[str | None] = ()) -> list[str]:
        """Every numeric column, in input order, but those in `exclude`."""
        skip = set(exclude)
        chosen = []
        for name in self.columns:
            if name in skip:
                continue
            if self.is_numeric(name):
                chosen.append(name)
            else:
                self._warn_if_almost_numeric(name)
        return chosen

    def _warn_if_almost_numeric(self, name: str) -> None:
        """Say why a column of numbers but for a few cells (`1000"`) is not among the numeric."""
        import pyarrow as pa
        import pyarrow.compute as pc

        column = self.arrow.column(name)
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            return
        number = pc.match_substring_regex(column, _NUMBER)
        numbers = pc.sum(number).as_py() or 0
        present = len(column) - column.null_count
        if not numbers or numbers * 2 < present or numbers == present:
            return
        from mlstats.io._arrow import to_bool

        bad = to_bool(pc.and_(pc.invert(number), pc.is_valid(column))).nonzero()[0]
        shown = ", ".join(f"'{_visible(column[int(r)].as_py())}' at line {self.line_of(int(r))}"
                          for r in bad[:3])
        more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
        self.warnings.append(
            f"column '{name}' is read as text and left out of the numeric columns: {len(bad)} "
            f"of {present} values {'is' if len(bad) == 1 else 'are'} not a number ({shown}"
            f"{more}); fix {'it' if len(bad) == 1 else 'them'}, mark such values missing "
            "with --na, or convert with mlstats clean --coerce"
        )

    def drop_missing(self, names: Sequence[str]) -> None:
        """Leave out every row missing a value in `names` from all later use (counted)."""
        import numpy as np
        import pyarrow.compute as pc

        from mlstats.io._arrow import from_bool, to_bool

        keep = np.ones(self.arrow.num_rows, dtype=bool)
        short = []
        for name in names:
            valid = to_bool(pc.is_valid(self.arrow.column(name)))
            if not valid.all():
                short.append(name)
            keep &= valid
        if keep.all():
            self.record_use(self.arrow.num_rows, names)
            return
        rows = np.flatnonzero(keep)
        self._row_numbers = rows if self._row_numbers is None else self._row_numbers[rows]
        self.arrow = self.arrow.filter(from_bool(keep))
        self.record_use(self.arrow.num_rows, short)

    def is_numeric(self, name: str) -> bool:
        import pyarrow as pa

        kind = self.arrow.schema.field(name).type
        return pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_null(kind)

    def numeric(self, name: str) -> np.ndarray:
        """Column `name` as float64, NaN where missing; text that is not a number is an error."""
        import pyarrow as pa

        from mlstats.io._arrow import first_true, to_float64

        column = self.arrow.column(name)
        kind = column.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            import pyarrow.compute as pc

            valid = pc.match_substring_regex(column, _NUMBER)
            row = first_true(pc.and_(pc.invert(valid), pc.is_valid(column)))
            if row is not None:
                raise InputError(
                    f"column '{name}' is not numeric: '{_visible(column[row].as_py())}' at "
                    f"line {self.line_of(row)}; pick a numeric column, or fix the value "
                    "(mlstats clean --coerce converts numbers stored as text)"
                )
            column = pc.cast(pc.utf8_trim_whitespace(column), pa.float64())
        elif not (pa.types.is_integer(kind) or pa.types.is_floating(kind)
                  or pa.types.is_boolean(kind) or pa.types.is_null(kind)):
            raise InputError(
                f"column '{name}' holds {kind} values, not numbers; pick a numeric column"
            )
        values = to_float64(column)
        if not pa.types.is_floating(kind):  # float columns were checked when read
            self._check_finite(name, values)
        if self.na_numbers and (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            import numpy as np

            values = np.where(np.isin(values, self.na_numbers), np.nan, values)
        return values

    def labels(self, name: str) -> np.ndarray:
        """Column `name` as an object array of strings, None where missing."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        from mlstats.io._arrow import to_float64

        column = self.arrow.column(name)
        if pa.types.is_floating(column.type):
            # 1.0 and 2.0 read back as the labels "1" and "2", as they were most likely written
            # (1e308 stays 1e+308, not its 309 digits).
            text = [None if v != v else (str(int(v)) if v.is_integer() and abs(v) < 1e16
                                         else repr(v))
                    for v in to_float64(column).tolist()]
        elif pa.types.is_boolean(column.type):
            text = [None if v is None else ("true" if v else "false")
                    for v in column.to_pylist()]
        else:
            text = pc.cast(column, pa.string()).to_pylist()
        return np.array(text, dtype=object)

    def numeric_columns_lazily(self, names: Sequence[str]) -> Mapping[str, np.ndarray]:
        """`numeric` for each name, converted only when read: one column in memory at a time."""
        return _LazyColumns(self, tuple(names))

    def codes(self, name: str) -> tuple[np.ndarray, list[str]]:
        """Column `name` as integer codes (−1 = missing) and its distinct labels.

        Labels are in order of first appearance and spelled as `labels` spells them; this is
        the fast path for group and class columns of millions of rows.
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        from mlstats.io._arrow import to_int64

        column = self.arrow.column(name)
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if pa.types.is_null(column.type):  # every value missing: nothing to encode
            column = column.cast(pa.string())
        encoded = pc.dictionary_encode(column).combine_chunks()
        indices = to_int64(pa.chunked_array([encoded.indices]), null=-1)
        dictionary = pa.Table.from_arrays([encoded.dictionary], names=[name])
        labels = Table(dictionary, source=self.source, sep=self.sep).labels(name).tolist()
        return indices, labels

    def complete(self, names: Sequence[str], *, numeric: Sequence[str] = ()) -> dict:
        """The named columns with every row that misses any of them left out (and counted).

        Columns in `numeric` come back as float64 arrays, the others as label arrays.
        """
        import numpy as np

        arrays = {n: self.numeric(n) if n in numeric else self.labels(n) for n in names}
        keep = np.ones(self.arrow.num_rows, dtype=bool)
        short = []
        for name, values in arrays.items():
            valid = ~np.isnan(values) if name in numeric else values != None  # noqa: E711
            if not valid.all():
                short.append(name)
            keep &= valid
        self.record_use(int(keep.sum()), short)
        if keep.all():
            return arrays
        return {n: v[keep] for n, v in arrays.items()}

    def record_use(self, used: int, names: Sequence[str]) -> None:
        """Note how many rows the computation used, with a warning when some were left out.

        `names` are the columns that missed values (the warning names them, and only them).
        """
        self.rows_used = used
        dropped = self.rows_read - self.rows_filtered - used
        if dropped:
            self.warnings.append(
                f"{dropped} of {self.rows_read - self.rows_filtered} rows left out: a missing "
                f"value in {_listing(names)} (rows_used = {used})"
            )

    def keep_where(self, conditions: Sequence[Expr]) -> None:
        """Keep the rows where every `--where` condition holds (a missing value never does);
        the rows left out are counted and reported."""
        if not conditions:
            return
        import numpy as np

        from mlstats.io._arrow import from_bool, to_bool

        keep = np.ones(self.arrow.num_rows, dtype=bool)
        for condition in conditions:
            name = self.resolve(".".join(condition.path))
            keep &= to_bool(where_mask(self.arrow.column(name), name, condition))
        rows = np.flatnonzero(keep)
        self._row_numbers = rows if self._row_numbers is None else self._row_numbers[rows]
        self.arrow = self.arrow.filter(from_bool(keep))
        self.rows_filtered = self.rows_read - self.arrow.num_rows
        self.rows_used = self.arrow.num_rows
        self.where = tuple(c.text for c in conditions)
        self.warnings.append(where_note(self.where, self.rows_filtered, self.rows_read))

    # -- checks and provenance --------------------------------------------------------------
    def check_values(self) -> None:
        """Refuse undecodable bytes and infinities (SPEC 1: an input error naming the line).

        A NaN that parsed as a number (text such as `NAN` or `+nan`, outside the missing-value
        strings) is missing too: it becomes null, so that every command leaves it out and
        counts it like any other missing value.
        """
        import numpy as np
        import pyarrow as pa

        from mlstats.io._arrow import all_finite, first_true, from_float64

        for index, (name, kind) in enumerate(zip(self.arrow.column_names,
                                                 self.arrow.schema.types, strict=True)):
            if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
                for _ in self.source.text_lines():
                    pass  # raises, naming the line of the first bad byte
                raise InputError(f"column '{name}' holds bytes that are not valid UTF-8")
            # One cheap pass first (NumPy over the buffers, without loading pyarrow.compute):
            # most columns hold only finite values and nulls.
            if pa.types.is_floating(kind) and not (
                    kind == pa.float64() and all_finite(self.arrow.column(name))):
                self._nan_to_null(index, name, kind)
            if self.na_numbers and (pa.types.is_floating(kind) or pa.types.is_integer(kind)):
                import pyarrow.compute as pc

                column = self.arrow.column(name)
                na = pc.is_in(pc.cast(column, pa.float64(), safe=False),
                              value_set=from_float64(np.array(self.na_numbers)))
                if first_true(na) is not None:
                    missing = pa.nulls(len(column), kind)
                    self.arrow = self.arrow.set_column(index, name,
                                                       pc.if_else(na, missing, column))

    def _nan_to_null(self, index: int, name: str, kind: pa.DataType) -> None:
        """Refuse an infinity in a float column; make its NaN values null."""
        import pyarrow as pa
        import pyarrow.compute as pc

        from mlstats.io._arrow import first_true

        column = self.arrow.column(name)
        row = first_true(pc.is_inf(column))
        if row is not None:
            self._infinite_error(name, row)
        nan = pc.is_nan(column)
        if first_true(nan) is not None:
            self.arrow = self.arrow.set_column(index, name,
                                               pc.if_else(nan, pa.nulls(len(column), kind), column))

    def _check_finite(self, name: str, values: np.ndarray) -> None:
        import numpy as np

        infinite = np.isinf(values)
        if infinite.any():
            self._infinite_error(name, int(np.argmax(infinite)))

    def _infinite_error(self, name: str, row: int) -> None:
        raise InputError(
            f"column '{name}' holds an infinite or overflowing number at line "
            f"{self.line_of(row)}; fix the value or mark it missing"
        )

    def check_quotes(self) -> None:
        """Refuse a quote that never closes; warn of quoted fields that swallowed rows.

        Only a field holding a line break can swallow rows, so the record walk runs only when
        some text value holds one, or when the last line leaves a quote open.
        """
        from mlstats.io.records import check_quoted_fields, last_line_open

        if self._breaks_in_fields() or last_line_open(self.source, self.sep):
            self.warnings.extend(
                check_quoted_fields(self.record_index(), self.sep, self.arrow.num_columns))

    def _breaks_in_fields(self) -> bool:
        """Whether some text value holds a line break (its record spans several lines)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if self._multiline is None:
            self._multiline = self.source.has_quotes and any(
                pc.any(pc.match_substring_regex(self.arrow.column(name), "[\r\n]")).as_py()
                for name, kind in zip(self.arrow.column_names, self.arrow.schema.types,
                                      strict=True)
                if pa.types.is_string(kind) or pa.types.is_large_string(kind))
        return self._multiline

    def record_index(self) -> RecordIndex:
        """Where each record (header first, when there is one) lies in the input."""
        if self._index is None:
            from mlstats.io.records import index_records

            if self.source.parquet:
                from mlstats.io.source import parquet_has_no_rows

                raise InputError(parquet_has_no_rows(self.source.name))

            self._index = index_records(self.source, self.sep,
                                        multiline=self._breaks_in_fields())
        return self._index

    def row_numbers(self) -> np.ndarray:
        """For each row still in the table, its 0-based position among the data rows read."""
        import numpy as np

        if self._row_numbers is not None:
            return self._row_numbers
        return np.arange(self.rows_read, dtype=np.int64)

    def raw_header(self) -> bytes:
        """The header record as read (UTF-8, no line terminator); empty without a header."""
        return self.record_index().raw(0) if self.has_header else b""

    def raw_rows(self, indices: Iterable[int]) -> list[bytes]:
        """Data records by position among the rows read, each as read, without terminator."""
        index = self.record_index()
        offset = 1 if self.has_header else 0
        return [index.raw(int(i) + offset) for i in indices]

    def line_of(self, row: int) -> int:
        """The physical line (1-based) where data row `row` (0-based, as kept) starts."""
        if self._row_numbers is not None:
            row = int(self._row_numbers[row])
        if self.source.parquet:  # no lines: the row's 1-based number
            return row + 1
        index = self.record_index()
        record = row + (1 if self.has_header else 0)
        if record < len(index):
            return index.line_number(record)
        return len(index.lines) + 1

    def provenance(self, *, seed: int | None = None) -> dict:
        used = self.rows_read if self.rows_used is None else self.rows_used
        return provenance(self.source, rows_read=self.rows_read, rows_used=used, seed=seed,
                          where=self.where, engine=self.engine)


class _LazyColumns(Mapping):
    def __init__(self, table: Table, names: tuple[str, ...]) -> None:
        self._table, self._names, self._known = table, names, frozenset(names)

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._known:
            raise KeyError(name)
        return self._table.numeric(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def provenance(source: Source, *, rows_read: int, rows_used: int, seed: int | None,
               where: Sequence[str] = (), engine: str = "local",
               approximate: tuple[str, ...] = ()) -> dict:
    """The record's `provenance`: the input, its SHA-256, row counts, seed, the filters, the
    engine and the code versions.

    `exact` is true when every number is what the local engine computes (to rounding);
    otherwise `approximate` names the keys that are not.
    """
    found = {
        "input": source.name,
        "sha256": source.sha256,
        "rows_read": rows_read,
        "rows_used": rows_used,
        "rows_dropped": rows_read - rows_used,
        "seed": seed,
        "engine": engine,
        "exact": not approximate,
        "versions": _versions(),
    }
    if approximate:
        found["approximate"] = list(approximate)
    if where:
        found["where"] = list(where)
    return found


def where_note(where: Sequence[str], left_out: int, rows_read: int) -> str:
    """The report of a --where filter: how many rows it left out."""
    shown = " and ".join(f"'{w}'" for w in where)
    return (f"--where {shown} left out {left_out} of {rows_read} rows "
            f"({rows_read - left_out} kept)")


def where_mask(column: pa.ChunkedArray, name: str, condition: Expr) -> pa.ChunkedArray:
    """Where `column OP value` holds; missing values and NaN never match.

    A number compares with a numeric column, quoted text with a text column, true/false
    with a true/false column; any other pairing is an input error.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    value = condition.value
    if pa.types.is_boolean(kind):
        ok = isinstance(value, bool)
        want = "true or false"
    elif pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_null(kind):
        ok = isinstance(value, float) and not isinstance(value, bool)
        want = "a number (no quotes)"
        column = pc.cast(column, pa.float64())
    else:
        ok = isinstance(value, str)
        want = 'quoted text, e.g. "DE"'
        column = pc.cast(column, pa.string())
    if not ok:
        raise InputError(f"--where '{condition.text}': column '{name}' holds "
                         f"{_kind_name(kind)}; compare it with {want}")
    compare = {"<": pc.less, "<=": pc.less_equal, ">": pc.greater, ">=": pc.greater_equal,
               "==": pc.equal, "!=": pc.not_equal}[condition.op]
    return pc.fill_null(compare(column, pa.scalar(value)), False)


def _kind_name(kind: pa.DataType) -> str:
    import pyarrow as pa

    if pa.types.is_boolean(kind):
        return "true/false values"
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_null(kind):
        return "numbers"
    return "text"


def _versions() -> dict[str, str]:
    import platform
    from importlib.metadata import PackageNotFoundError, version

    from mlstats import __version__

    found = {"mlstats": __version__, "python": platform.python_version()}
    for package in ("numpy", "scipy", "pandas"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def _listing(names: Sequence[str], limit: int = 30) -> str:
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"


def _visible(value: object, limit: int = 80) -> str:
    """A data value for a message: control characters escaped, cut to about `limit` characters."""
    from mlstats.render.text import visible

    text = visible(str(value))
    return text if len(text) <= limit else text[:limit - 1] + "…"
