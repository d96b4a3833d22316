"""The input's records, chunk by chunk, as stored: for copying rows of inputs larger than memory.

`sample` copies chosen rows byte for byte. `open_records` reads the input in blocks of
CHUNK bytes and splits each block into records with NumPy (no Python loop over rows), by
the reader's rules (`mlstats.io.records`): lines end at `\\n`, `\\r\\n` or a lone `\\r`; a
record is a line, or several when a quoted field holds line breaks; empty lines are
skipped; a UTF-8 byte-order mark is dropped. Each pass checks what the reader checks: every
record has the header's field count, quotes close, bytes are UTF-8 (a NUL byte was refused
when the input was opened), the header names are distinct and not blank. An error names the
physical line, with the reader's wording where it has one.

Quotes are followed as RFC 4180 says (a quote opens a field, `""` inside stands for one):
then a line break inside quotes, a delimiter inside quotes and a line end can be told apart
by counting quotes. A quote elsewhere (`5" screen`), which CSV parsers read as a literal
character, raises `NotStreamable`: the caller then reads the input whole with the reader and
takes the records from its index (`indexed_records`), which gives the same records.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlstats.errors import InputError

if TYPE_CHECKING:
    import numpy as np

    from mlstats.io.reader import ReadOptions, Table
    from mlstats.io.source import Source
    from mlstats.io.where import ChunkFilter

CHUNK = 1 << 24
# A record still open after this many bytes (an unclosed quote, most likely) is left to the
# whole-file reader, which names the line, rather than rescanned block after block.
_LONGEST = 1 << 26
_LF, _CR, _QUOTE = 10, 13, 34


class NotStreamable(Exception):
    """The input quotes fields in a way only a whole-file CSV parser reads as intended."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """Data records `first`, `first + 1`, …: record i is `data[starts[i]:ends[i]]`."""

    first: int
    data: bytes | memoryview
    starts: np.ndarray
    ends: np.ndarray

    def __len__(self) -> int:
        return len(self.starts)

    def rows(self, local: Iterable[int]) -> list[bytes]:
        """The records at these positions in the chunk (repeats allowed), as stored."""
        data, starts, ends = self.data, self.starts, self.ends
        return [bytes(data[int(starts[i]):int(ends[i])]) for i in local]


@dataclass
class Records:
    """An input's data records, read in passes: the header as stored and its line ending.

    With `keep` (the `--where` filter), a pass yields only the records it keeps, numbered
    among them: the population (`filtered` counts rows a whole-file read left out).
    `rows_read` and `population` are known after a complete pass. `provenance`, `rows_used`
    and `warnings` serve the report like a `Table`'s.
    """

    source: Source
    header: bytes
    terminator: bytes
    passes: Callable[[], Iterator[Chunk]]
    rows_read: int | None = None
    rows_used: int | None = None
    warnings: list[str] = field(default_factory=list)
    keep: ChunkFilter | None = None
    where: tuple[str, ...] = ()
    filtered: int = 0  # rows the reader's --where left out before these records
    population: int | None = None

    def chunks(self) -> Iterator[Chunk]:
        """One pass over the (kept) data records; a complete pass sets the counts."""
        total = kept = 0
        for chunk in self.passes():
            total += len(chunk)
            if self.keep is not None:
                chosen = self.keep(chunk)
                chunk = Chunk(first=kept, data=chunk.data, starts=chunk.starts[chosen],
                              ends=chunk.ends[chosen])
            kept += len(chunk)
            if len(chunk):
                yield chunk
        if total + self.filtered == 0:
            raise InputError("the input has a header but no data rows; give a file with data")
        if self.keep is not None:
            self.keep.finish()
            if self.population is None:
                from mlstats.io.reader import where_note

                self.warnings.append(where_note(self.where, total - kept, total))
        self.rows_read, self.population = total + self.filtered, kept
        if self.where:
            self.rows_used = kept

    def count(self) -> int:
        """The number of (kept) data records (a pass that checks every record)."""
        for _ in self.chunks():
            pass
        return self.population

    def provenance(self, *, seed: int | None = None) -> dict:
        from mlstats.io.reader import provenance

        used = self.rows_read if self.rows_used is None else self.rows_used
        return provenance(self.source, rows_read=self.rows_read, rows_used=used, seed=seed,
                          where=self.where)


def open_records(options: ReadOptions) -> Records:
    """Open the input for streaming passes; the first records are read to find the header."""
    from mlstats.io.reader import (
        _check_first_line,
        _check_header,
        _first_record,
        delimiter,
        local_engine_only,
    )
    from mlstats.io.source import load_source, parquet_has_no_rows

    local_engine_only(options)
    source = load_source(options.source, encoding=options.encoding)
    if source.parquet:
        raise InputError(parquet_has_no_rows(source.name))
    sep = delimiter(source, options.sep)
    _check_first_line(source)
    names = _first_record(source, sep)
    if not options.no_header:
        _check_header(names)
    head = next(_split(source, sep, len(names), options.no_header))
    header = head.rows([0])[0] if not options.no_header else b""
    terminator = _terminator(head.data, int(head.ends[0]))

    def passes() -> Iterator[Chunk]:
        skip = 0 if options.no_header else 1
        for chunk in _split(source, sep, len(names), options.no_header):
            if chunk.first == 0 and skip:
                chunk = Chunk(first=0, data=chunk.data, starts=chunk.starts[1:],
                              ends=chunk.ends[1:])
            else:
                chunk = Chunk(first=chunk.first - skip, data=chunk.data, starts=chunk.starts,
                              ends=chunk.ends)
            if len(chunk):
                yield chunk

    keep = None
    if options.where:
        from mlstats.io.reader import PANDAS_NA, _na_numbers
        from mlstats.io.where import ChunkFilter

        nulls = ([] if options.no_default_na else list(PANDAS_NA)) + [*options.na, ""]
        column_names = [str(i) for i in range(1, len(names) + 1)] if options.no_header else names
        keep = ChunkFilter(options.where, column_names, sep, nulls=nulls,
                           na_numbers=_na_numbers(options.na))
    return Records(source=source, header=header, terminator=terminator, passes=passes,
                   keep=keep, where=tuple(c.text for c in options.where))


def indexed_records(table: Table) -> Records:
    """The records of a table read whole (the rows its `--where` kept), from the reader's
    record index, as one chunk."""
    index = table.record_index()
    lines = index.lines
    skip = 1 if table.has_header else 0
    rows = table.row_numbers() + skip
    starts = lines.starts[index.first[rows]]
    ends = lines.ends[index.last[rows]]
    chunk = Chunk(first=0, data=lines.buffer, starts=starts, ends=ends)
    return Records(source=table.source, header=table.raw_header(),
                   terminator=line_ending(table), passes=lambda: iter([chunk]),
                   warnings=table.warnings, where=table.where,
                   filtered=table.rows_filtered)


def line_ending(table: Table) -> bytes:
    """The line ending of the input's first record (the header, or the first row)."""
    index = table.record_index()
    return _terminator(index.lines.buffer, int(index.lines.ends[index.last[0]]))


def _terminator(data: bytes | memoryview, end: int) -> bytes:
    """The line ending after the first record: `\\r\\n`, `\\r` or `\\n` (also when none)."""
    after = bytes(data[end:end + 2])
    if after.startswith(b"\r\n"):
        return b"\r\n"
    return b"\r" if after.startswith(b"\r") else b"\n"


def _split(source: Source, sep: str, fields: int, no_header: bool) -> Iterator[Chunk]:
    """Every record (the header first), block by block; each record is checked."""
    import numpy as np

    sep_byte = ord(sep)
    line = 1  # physical line of the first byte of `carry`
    done = 0  # records before `carry`
    carry = b""
    first_block = True
    with source.reader() as stream:
        while True:
            more = stream.read(CHUNK)
            eof = not more
            block = carry + more if carry else more
            if first_block:
                block = block.removeprefix(codecs.BOM_UTF8)
                first_block = False
            if not block:
                if eof:
                    return
                continue
            data = np.frombuffer(block, dtype=np.uint8)
            breaks_start, breaks_end = _line_breaks(data, eof, b"\r" in block)
            quotes = (np.flatnonzero(data == _QUOTE) if b'"' in block
                      else np.empty(0, dtype=np.int64))
            if quotes.size:
                inside = (np.searchsorted(quotes, breaks_start) & 1).astype(bool)
                ends_at, next_at = breaks_start[~inside], breaks_end[~inside]
            else:
                ends_at, next_at = breaks_start, breaks_end
            starts = np.concatenate([[0], next_at]).astype(np.int64)
            ends = ends_at.astype(np.int64)
            if eof:
                ends = np.append(ends, data.size)
            else:
                starts = starts[:-1]
            cut = int(next_at[-1]) if next_at.size and not eof else (data.size if eof else 0)
            quotes = quotes[:int(np.searchsorted(quotes, cut))]
            if quotes.size:
                _check_quotes(data, quotes, sep_byte, eof)
            keep = ends > starts
            starts, ends = starts[keep], ends[keep]
            _check_fields(source, sep, no_header, data[:cut], sep_byte, quotes, starts, fields,
                          line, breaks_end)
            if quotes.size & 1:  # only at the input's end: elsewhere the record is carried
                _unclosed(line, breaks_end, starts)
            if not block.isascii():
                _check_utf8(block, cut, line, breaks_end)
            if len(starts):
                yield Chunk(first=done, data=block, starts=starts, ends=ends)
            done += len(starts)
            if eof:
                return
            line += int(np.count_nonzero(breaks_end <= cut))
            carry = block[cut:]
            if len(carry) > _LONGEST:
                raise NotStreamable


def _line_breaks(data: np.ndarray, eof: bool,
                 has_cr: bool) -> tuple[np.ndarray, np.ndarray]:
    """(first byte, byte after) of every line break: `\\n`, `\\r\\n`, or a lone `\\r`.

    A `\\r` that is the block's last byte waits for the next block (it may open `\\r\\n`).
    """
    import numpy as np

    lf = np.flatnonzero(data == _LF)
    if not has_cr:
        return lf, lf + 1
    cr = np.flatnonzero(data == _CR)
    with_lf = (lf > 0) & (data[np.maximum(lf - 1, 0)] == _CR)
    after = data[np.minimum(cr + 1, data.size - 1)]
    lone = cr[(after != _LF) & (cr + 1 < data.size)]
    if eof and data[-1] == _CR:
        lone = np.append(lone, data.size - 1)
    start = np.concatenate([lf - with_lf, lone])
    end = np.concatenate([lf + 1, lone + 1])
    order = np.argsort(start, kind="stable")
    return start[order], end[order]


def _check_quotes(data: np.ndarray, quotes: np.ndarray, sep: int, at_end: bool) -> None:
    """Every quote opens a field, closes one, or doubles one (RFC 4180); else NotStreamable.

    The k-th quote of a block (which starts a record) opens when k is even: it must start a
    field (after a delimiter, a line break or the block's start) or follow a quote (`""`).
    An odd one closes: a delimiter, a line break, a quote or the input's end follows it.
    """
    import numpy as np

    opening = quotes[0::2]
    before = data[np.maximum(opening - 1, 0)]
    opens_field = (opening == 0) | np.isin(before, (sep, _LF, _CR, _QUOTE))
    closing = quotes[1::2]
    last = data.size - 1
    after = data[np.minimum(closing + 1, last)]
    closes_field = np.isin(after, (sep, _LF, _CR, _QUOTE)) | (at_end & (closing == last))
    if not (opens_field.all() and closes_field.all()):
        raise NotStreamable


def _check_fields(source: Source, sep: str, no_header: bool, region: np.ndarray,
                  sep_byte: int, quotes: np.ndarray, starts: np.ndarray, fields: int,
                  line: int, breaks_end: np.ndarray) -> None:
    """Every record has the first record's field count: its delimiters outside quotes + 1.

    `region` holds whole records only, so its quotes pair up (at the input's end a last
    quote may stay open: its field runs to the end, as the reader reads it): delimiters
    between the two quotes of a pair are inside a quoted field, off their record's count.
    """
    import numpy as np

    if not len(starts):
        return
    delimiters = np.flatnonzero(region == sep_byte)
    counts = np.diff(np.searchsorted(delimiters, np.append(starts, region.size))) + 1
    if quotes.size:
        bounds = np.append(quotes, region.size) if quotes.size & 1 else quotes
        inside = np.diff(np.searchsorted(delimiters, bounds))[0::2]
        owner = np.searchsorted(starts, quotes[0::2], side="right") - 1
        counts -= np.bincount(owner, weights=inside, minlength=len(starts)).astype(np.int64)
    wrong = np.flatnonzero(counts != fields)
    if wrong.size:
        from mlstats.io.reader import _diagnose

        _diagnose(source, sep, no_header)  # the reader's message, when it finds the line
        bad = int(wrong[0])
        at = line + int(np.count_nonzero(breaks_end <= starts[bad]))
        what = "line 1" if no_header else "the header"
        raise InputError(f"line {at}: {counts[bad]} fields, but {what} has {fields}; fix or "
                         "remove the line (mlstats clean --drop-bad-lines drops such lines)")


def _unclosed(line: int, breaks_end: np.ndarray, starts: np.ndarray) -> None:
    """The last record opens a quote that never closes: the reader's error (records.py)."""
    import numpy as np

    at = line + int(np.count_nonzero(breaks_end <= starts[-1]))
    raise InputError(f"line {at}: a quoted field opens here and is never closed, so the rest "
                     "of the input would be one value; add the closing quote")


def _check_utf8(block: bytes, cut: int, line: int, breaks_end: np.ndarray) -> None:
    import numpy as np

    try:
        block[:cut].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = line + int(np.count_nonzero(breaks_end <= exc.start))
        raise InputError(
            f"line {at}: bytes that are not valid UTF-8 ({exc.reason}); give the file's "
            "encoding with --encoding (e.g. --encoding latin-1)"
        ) from None


class Selection:
    """The records at ascending indices (repeats allowed), each ending as the input's lines
    do, in blocks of bytes; `count` is the number written so far.

    `wanted` yields arrays of indices; indices past the last record are ignored, so an
    endless stream of indices (systematic sampling by fraction) ends with the input.
    """

    def __init__(self, records: Records, wanted: Iterable[np.ndarray]) -> None:
        self.records, self.wanted, self.count = records, wanted, 0

    def __iter__(self) -> Iterator[bytes]:
        import numpy as np

        blocks = iter(self.wanted)
        pending = np.empty(0, dtype=np.int64)
        exhausted = False
        end = self.records.terminator
        for chunk in self.records.chunks():
            stop = chunk.first + len(chunk)
            parts = [pending]
            while not exhausted and (not parts[-1].size or parts[-1][-1] < stop):
                block = next(blocks, None)
                if block is None:
                    exhausted = True
                else:
                    parts.append(block)
            pool = np.concatenate(parts)
            cut = int(np.searchsorted(pool, stop))
            here, pending = pool[:cut], pool[cut:]
            if here.size:
                self.count += int(here.size)
                yield b"".join(row + end for row in chunk.rows((here - chunk.first).tolist()))


def reservoir(records: Records, k: int,
              events: Iterator[tuple[int, int]]) -> tuple[list[int], list[bytes]]:
    """One pass keeping k records: rows 0..k−1, then each event (i, slot) puts row i in
    slot (Algorithm L's events). Returns the kept rows' indices and bytes, in input order."""
    indices: list[int] = []
    rows: list[bytes] = []
    event = next(events)
    for chunk in records.chunks():
        first, stop = chunk.first, chunk.first + len(chunk)
        if first < k:
            fill = range(first, min(stop, k))
            indices.extend(fill)
            rows.extend(chunk.rows([i - first for i in fill]))
        while event[0] < stop:
            index, slot = event
            indices[slot], rows[slot] = index, chunk.rows([index - first])[0]
            event = next(events)
    order = sorted(range(len(indices)), key=indices.__getitem__)
    return [indices[i] for i in order], [rows[i] for i in order]


def spooled(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """All of `blocks` first (in memory up to 64 MiB, then a temporary file), then yielded:
    nothing reaches standard output before the whole input has been read and checked."""
    import tempfile

    with tempfile.SpooledTemporaryFile(max_size=1 << 26) as spool:
        for block in blocks:
            spool.write(block)
        spool.seek(0)
        while block := spool.read(CHUNK):
            yield block
