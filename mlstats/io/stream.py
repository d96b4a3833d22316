"""The tolerant streaming reader and the CSV encoder of `clean`.

`read_table` refuses a malformed file by design; `clean` must read one whole, report every
malformed line and keep every cell's text exactly. Here pyarrow parses the input in blocks
with every column as text (nothing converted, nothing made missing) and hands malformed
records to an `invalid_row_handler` instead of failing. Serial parsing gives each malformed
record its record number; the physical line of every row follows from the newlines held in
its quoted values. Decoding, decompression and the byte-order mark are `load_source`'s.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlstats.errors import InputError
from mlstats.io.reader import ReadOptions, sniff_delimiter
from mlstats.io.source import Source, load_source
from mlstats.io.writer import atomic_open, write_data

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

# 4 MiB blocks: batches of about 50,000 typical rows, a few times that in memory.
BLOCK = 1 << 22
_SEP_NAMES = {"\\t": "\t", "tab": "\t", "TAB": "\t"}


@dataclass(frozen=True, slots=True)
class BadLine:
    """A malformed record: where it starts, how many physical lines it spans, what is wrong."""

    line: int
    lines: int
    fields: int
    expected: int
    problem: str
    text: str

    @property
    def reason(self) -> str:
        """The `_reason` of a rejected malformed line."""
        if self.problem == "unterminated quote":
            return "unterminated_quote"
        return "too_many_fields" if self.fields > self.expected else "too_few_fields"

    def describe(self) -> str:
        if self.problem == "unterminated quote":
            return f"line {self.line}: a quoted field opens here and is never closed"
        return f"line {self.line}: {self.fields} fields, but the header has {self.expected}"


@dataclass(frozen=True, slots=True)
class Batch:
    """Well-formed rows as text columns, each row's physical line, and the malformed records."""

    columns: list[pa.Array]
    lines: np.ndarray
    bad: tuple[BadLine, ...] = ()

    @property
    def num_rows(self) -> int:
        return len(self.lines)


@dataclass
class RowStream:
    """An opened input: its header, delimiter and line ending; `batches()` reads it (again)."""

    source: Source
    sep: str
    header: list[str]
    has_header: bool
    newline: str
    leading_blank: int
    size: int

    def batches(self, advance: Callable[[int], None] | None = None) -> Iterator[Batch]:
        """Every row after the header, in order, in batches; re-readable from the start.

        The final batch is held back until the input ends: a quoted field left open at the
        end of the file swallows the lines after it into one last row, which is then moved
        to the malformed records.
        """
        held: Batch | None = None
        for batch in self._parse(advance):
            if held is not None:
                yield held
                held = None
            if self._may_run_open(batch):
                held = batch
            else:
                yield batch
        if held is not None:
            yield self._check_last(held)

    def _may_run_open(self, batch: Batch) -> bool:
        """Whether the batch's last record spans lines (it may hold an unclosed quote)."""
        if not self.source.has_quotes:
            return False
        last_row = int(batch.lines[-1]) if batch.num_rows else 0
        if batch.bad and batch.bad[-1].line > last_row:
            return batch.bad[-1].lines > 1
        return batch.num_rows > 0 and self._last_spans(batch)

    def _last_spans(self, batch: Batch) -> bool:
        last = [c.slice(batch.num_rows - 1) for c in batch.columns]
        return int(self._spans(last, 1)[0]) > 1

    # -- parsing ---------------------------------------------------------------------------
    def _parse(self, advance: Callable[[int], None] | None) -> Iterator[Batch]:
        import numpy as np
        import pyarrow as pa
        import pyarrow.csv as pacsv

        width = len(self.header)
        names = [f"c{i}" for i in range(width)]
        invalid: list[tuple[int, int, str]] = []

        def handler(row: pacsv.InvalidRow) -> str:
            invalid.append((row.number, row.actual_columns, row.text))
            return "skip"

        read_options = pacsv.ReadOptions(use_threads=False, block_size=BLOCK,
                                         column_names=names)
        parse_options = pacsv.ParseOptions(
            delimiter=self.sep, newlines_in_values=self.source.has_quotes,
            ignore_empty_lines=False, invalid_row_handler=handler)
        convert = pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, null_values=[],
            strings_can_be_null=False, quoted_strings_can_be_null=False)
        # The header (and blank lines before it) are the first records of the parse.
        skip = self.leading_blank + (1 if self.has_header else 0)
        heading = skip
        record, line = 1, 1
        with self.source.reader() as raw:
            stream = _Blocks(raw, advance)
            try:
                reader = pacsv.open_csv(stream, read_options, parse_options, convert)
                for chunk in _chunks(reader):
                    columns = [chunk.column(i) for i in range(width)]
                    n = chunk.num_rows
                    spans = self._spans(columns, n)
                    taken, bad_records = _take_invalid(invalid, record, n)
                    total = n + len(bad_records)
                    all_spans = np.ones(total, dtype=np.int64)
                    bad_at = np.array([b[0] - record for b in bad_records], dtype=np.int64)
                    good_at = np.setdiff1d(np.arange(total), bad_at, assume_unique=True)
                    all_spans[good_at] = spans
                    for at, (_, _, text) in zip(bad_at, bad_records, strict=True):
                        all_spans[at] = _line_count(text)
                    starts = line + np.concatenate([[0], np.cumsum(all_spans)[:-1]])
                    bad = tuple(
                        self._bad_line(int(starts[at]), int(all_spans[at]), fields, text)
                        for at, (_, fields, text) in zip(bad_at, bad_records, strict=True))
                    record += total
                    line += int(all_spans.sum())
                    del invalid[:taken]
                    lines = starts[good_at]
                    if bad_records and bad_records[0][0] <= heading:
                        raise InputError("cannot parse the header line; check --sep and the "
                                         "quoting of the first line")
                    if skip:
                        drop = min(skip, n)
                        skip -= drop
                        columns = [c.slice(drop) for c in columns]
                        lines = lines[drop:]
                    yield Batch(columns=columns, lines=lines, bad=bad)
            except pa.ArrowInvalid as exc:
                self._refuse(str(exc), line)
        if invalid:  # malformed records after the last well-formed row
            bad = []
            for _, fields, text in invalid:
                span = _line_count(text)
                bad.append(self._bad_line(line, span, fields, text))
                line += span
            empty = [pa.array([], pa.string()) for _ in range(width)]
            yield Batch(columns=empty, lines=np.empty(0, dtype=np.int64), bad=tuple(bad))

    def _spans(self, columns: list[pa.Array], n: int) -> np.ndarray:
        """Physical lines per row: one, plus the newlines inside its quoted values."""
        import numpy as np
        import pyarrow.compute as pc

        spans = np.ones(n, dtype=np.int64)
        if self.source.has_quotes:
            for column in columns:
                if not _holds(column, (b"\n", b"\r")):
                    continue
                for mark, sign in (("\n", 1), ("\r", 1), ("\r\n", -1)):
                    spans += sign * pc.count_substring(column, mark).to_numpy(
                        zero_copy_only=False)
        return spans

    def _bad_line(self, line: int, span: int, fields: int, text: str) -> BadLine:
        return BadLine(line=line, lines=span, fields=fields, expected=len(self.header),
                       problem="wrong field count", text=text)

    def _refuse(self, message: str, line: int) -> None:
        """pyarrow stopped: a value is not UTF-8, or an open quote runs past a whole block."""
        if "UTF8" in message or "UTF-8" in message:
            for _ in self.source.text_lines():
                pass  # raises, naming the line of the first bad byte
        opened = _open_quote_line(self.source, self.sep, line)
        if opened is not None:
            raise InputError(
                f"line {opened}: a quoted field opens here and is never closed (it runs "
                "past the end of the file); add the closing quote")
        raise InputError(f"cannot parse the input as CSV: {message.splitlines()[0]}")

    def _check_last(self, batch: Batch) -> Batch:
        """Move a last row that runs to the end of the file inside an open quote to `bad`."""
        import numpy as np

        if not self.source.has_quotes:
            return batch
        last = int(batch.lines[-1]) if batch.num_rows else 0
        if batch.bad and batch.bad[-1].line > last:
            final = batch.bad[-1]
            if final.lines > 1 and _open_quote_line(self.source, self.sep, final.line):
                final = BadLine(line=final.line, lines=final.lines, fields=final.fields,
                                expected=final.expected, problem="unterminated quote",
                                text=final.text)
            return Batch(columns=batch.columns, lines=batch.lines, bad=(*batch.bad[:-1], final))
        if batch.num_rows == 0:
            return batch
        span = int(self._spans([c.slice(batch.num_rows - 1) for c in batch.columns], 1)[0])
        if span == 1 or _open_quote_line(self.source, self.sep, last) is None:
            return batch
        text = "".join(_lines_from(self.source, last))
        text = text.removesuffix("\n").removesuffix("\r")
        bad = BadLine(line=last, lines=_line_count(text), fields=len(self.header),
                      expected=len(self.header), problem="unterminated quote", text=text)
        keep = batch.num_rows - 1
        return Batch(columns=[c.slice(0, keep) for c in batch.columns],
                     lines=np.asarray(batch.lines[:keep]), bad=(*batch.bad, bad))


def _chunks(reader: object) -> Iterator:
    for chunk in reader:
        if chunk.num_rows:
            yield chunk


def _take_invalid(invalid: list[tuple[int, int, str]], record: int,
                  n: int) -> tuple[int, list[tuple[int, int, str]]]:
    """The malformed records numbered among the next n well-formed rows (and between them)."""
    taken = 0
    while taken < len(invalid) and invalid[taken][0] < record + n + taken:
        taken += 1
    return taken, invalid[:taken]


class _Blocks(io.RawIOBase):
    """The input as pyarrow reads it, one block per read, never ending a block on a \r.

    pyarrow (26) drops the \n of a quoted \r\n that a block boundary splits ("a\r\nb"
    reads back as "a\rb"); a short read moves the boundary past the pair. Each read also
    advances the progress bar.
    """

    def __init__(self, raw: io.BufferedIOBase, advance: Callable[[int], None] | None) -> None:
        self._raw, self._advance = raw, advance
        self._held = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        wanted = size - len(self._held) if size is not None and size > 0 else -1
        data = self._held + self._raw.read(wanted)
        self._held = b""
        if len(data) > 1 and data.endswith(b"\r"):
            data, self._held = data[:-1], data[-1:]
        if self._advance is not None:
            self._advance(len(data))
        return data

    def readinto(self, buffer: memoryview) -> int:  # pragma: no cover - pyarrow calls read
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _open_quote_line(source: Source, sep: str, start: int) -> int | None:
    """The line where a quoted field opened at or after line `start` runs to the end of the file.

    A csv-module pass from `start` (error path only): None when every quote closes.
    """
    lines = _lines_from(source, start)
    reader = csv.reader(lines, delimiter=sep, strict=True)
    record_start = start
    try:
        for _ in reader:
            record_start = start + reader.line_num
    except csv.Error as exc:
        if "unexpected end of data" in str(exc) or "EOF" in str(exc):
            return record_start
        return None
    return None


def _lines_from(source: Source, start: int) -> Iterator[str]:
    return itertools.islice(source.text_lines(), start - 1, None)


def _line_count(text: str) -> int:
    """Physical lines of a record's text: line breaks are \n, \r\n or a lone \r."""
    return text.count("\n") + text.count("\r") - text.count("\r\n") + 1


def open_stream(options: ReadOptions) -> RowStream:
    """Open the input for `clean`: the header, the delimiter, the line ending, the size."""
    from mlstats.io.reader import local_engine_only

    local_engine_only(options)
    source = load_source(options.source, encoding=options.encoding)
    sep = _SEP_NAMES.get(options.sep, options.sep) if options.sep is not None else (
        sniff_delimiter(source))
    if len(sep) != 1:
        raise InputError(f"--sep must be one character, or \\t or tab (got '{sep}')")
    if sep in ('"', "\n", "\r"):
        raise InputError(f"--sep cannot be {sep!r}; give the field delimiter")
    header, leading_blank, newline = _header(source, sep)
    names = [str(i) for i in range(1, len(header) + 1)] if options.no_header else header
    size = source.path.stat().st_size if source.path is not None else len(source.data or b"")
    return RowStream(source=source, sep=sep, header=names, has_header=not options.no_header,
                     newline=newline, leading_blank=leading_blank, size=size)


def _header(source: Source, sep: str) -> tuple[list[str], int, str]:
    """The first non-blank record, the blank lines before it, and the line ending it uses."""
    with source.reader() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
        reader = csv.reader(text, delimiter=sep)
        blank = 0
        try:
            for record in reader:
                if record:
                    break
                blank += 1
            else:
                raise InputError("the input has no header line")
        except UnicodeDecodeError:
            for _ in source.text_lines():
                pass
            raise
        except csv.Error as exc:
            raise InputError(f"line {reader.line_num}: cannot read the header: {exc}") from None
    newline = "\n"
    for line in source.head(1 << 20).removeprefix(codecs.BOM_UTF8).split(b"\n")[:-1]:
        if line.strip():
            newline = "\r\n" if line.endswith(b"\r") else "\n"
            break
    return record, blank, newline


# -- writing --------------------------------------------------------------------------------
@contextlib.contextmanager
def data_sink(path: str | None, *, replace_input: bool = False) -> Iterator[Callable]:
    """`write(bytes)` to standard output (None or '-') or to a file replaced atomically."""
    if path is None or path == "-":
        yield _write_stdout
        return
    with atomic_open(path, "wb", replace_input=replace_input) as f:
        yield f.write


def _write_stdout(data: bytes) -> None:
    write_data((data,), None)


def encode_rows(columns: list[pa.Array], sep: str, newline: str) -> bytes:
    """CSV text of rows given as text columns: quoted only where needed, values unchanged."""
    if not columns or len(columns[0]) == 0:
        return b""
    return _concatenated(encode_lines(columns, sep, newline))


def encode_lines(columns: list[pa.Array], sep: str, newline: str) -> pa.Array:
    """One CSV line per row (line ending included).

    A value is quoted when it holds the delimiter, a quote or a line break (quotes doubled);
    a row of one empty field is written `""`, so that it does not read back as a blank line.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = [_quoted(c, sep) for c in columns]
    if len(cells) == 1:
        cells[0] = pc.if_else(pc.equal(pc.binary_length(cells[0]), 0), '""', cells[0])
    rows = pc.binary_join_element_wise(*cells, pa.scalar(sep)) if len(cells) > 1 else cells[0]
    return pc.binary_join_element_wise(rows, pa.scalar(newline), pa.scalar(""))


def encode_rejects(lines: np.ndarray, reasons: list[str], cells: list[pa.Array],
                   bad: tuple[BadLine, ...], sep: str, newline: str) -> bytes:
    """Dropped rows in line order: `_line`, `_reason`, then the fields exactly as read.

    A malformed line is written as its own text after `_line` and `_reason`, so its fields
    (too many or too few) are kept as they were.
    """
    import numpy as np
    import pyarrow as pa

    if not len(lines) and not bad:
        return b""
    parts = []
    if len(lines):
        parts.append(encode_lines([pa.array(lines.astype(str)), pa.array(reasons, pa.string()),
                                   *cells], sep, newline))
    if bad:
        parts.append(pa.array([f"{b.line}{sep}{b.reason}{sep}{b.text}{newline}" for b in bad],
                              pa.string()))
    at = np.concatenate([np.asarray(lines, dtype=np.int64), [b.line for b in bad]]).astype(
        np.int64)
    rows = pa.concat_arrays(parts).take(pa.array(np.argsort(at, kind="stable")))
    return _concatenated(rows)


def encode_header(names: list[str], sep: str, newline: str) -> bytes:
    import pyarrow as pa

    if not names:
        return b""
    return encode_rows([pa.array([n], pa.string()) for n in names], sep, newline)


def _quoted(column: pa.Array, sep: str) -> pa.Array:
    import pyarrow.compute as pc

    special = (sep, '"', "\n", "\r")
    if not _holds(column, tuple(s.encode() for s in special)):
        return column
    needs = pc.match_substring(column, special[0])
    for mark in special[1:]:
        needs = pc.or_(needs, pc.match_substring(column, mark))
    some = column.filter(needs)
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(some, '"', '""'), '"', "")
    return pc.replace_with_mask(column, needs, quoted)


def _holds(column: pa.Array, marks: tuple[bytes, ...]) -> bool:
    """Whether any value of a string array may hold one of `marks` (a scan of its bytes)."""
    data = column.buffers()[2]
    if data is None:
        return False
    raw = data.to_pybytes()
    return any(m in raw for m in marks)


def _concatenated(strings: pa.Array) -> bytes:
    """The bytes of a string array's values, back to back (its data buffer, sliced)."""
    import numpy as np

    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int32,
                            count=strings.offset + len(strings) + 1)[strings.offset:]
    data = strings.buffers()[2]
    return memoryview(data)[int(offsets[0]):int(offsets[-1])].tobytes()
