"""Where each record of the input lies: its physical lines and its bytes.

Physical lines end at `\\n`, `\\r\\n` or a lone `\\r` (old Mac exports). A record is one line,
or several when a quoted field holds line breaks; empty lines are skipped, as pyarrow skips
them. Line bounds are found with NumPy over the bytes (no Python loop over lines); the
records of a file whose fields hold line breaks are matched to lines by a `csv`-module walk.

The index serves error messages (the line of data row i), the raw bytes of rows for commands
that write rows back as read (`kmeans --assign`, `sample`), and the check that no quote
swallowed the rest of a file (`check_quoted_fields`).
"""

from __future__ import annotations

import csv
import itertools
import mmap
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlstats.errors import InputError

if TYPE_CHECKING:
    import numpy as np

    from mlstats.io.source import Source

_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 26
# A quoted field that holds this many lines shaped like rows is a stray quote, not text.
SWALLOWED_ROWS_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Lines:
    """Physical line bounds: line i is `buffer[starts[i]:ends[i]]`, its terminator excluded."""

    buffer: memoryview
    starts: np.ndarray
    ends: np.ndarray

    def __len__(self) -> int:
        return len(self.starts)

    def text(self, first: int, last: int) -> bytes:
        """Lines first..last (0-based, inclusive) as stored, inner line breaks kept."""
        return bytes(self.buffer[int(self.starts[first]):int(self.ends[last])])

    def decoded(self) -> Iterator[str]:
        """Each line with its terminator, as text; bytes that are not UTF-8 name their line."""
        buffer = self.buffer
        for number, (start, end) in enumerate(
                zip(self.starts.tolist(), self.next_starts().tolist(), strict=True), start=1):
            try:
                yield bytes(buffer[start:end]).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"line {number}: bytes that are not valid UTF-8 ({exc.reason}); give the "
                    "file's encoding with --encoding (e.g. --encoding latin-1)"
                ) from None

    def next_starts(self) -> np.ndarray:
        import numpy as np

        if not len(self.starts):
            return self.starts
        return np.append(self.starts[1:], len(self.buffer))


@dataclass(frozen=True, slots=True)
class RecordIndex:
    """Record r spans physical lines `first[r]..last[r]` (0-based); the header is record 0."""

    lines: Lines
    first: np.ndarray
    last: np.ndarray

    def __len__(self) -> int:
        return len(self.first)

    def line_number(self, record: int) -> int:
        """The 1-based physical line where record `record` starts."""
        return int(self.first[record]) + 1

    def raw(self, record: int) -> bytes:
        """Record `record` as stored, without its line terminator."""
        return self.lines.text(int(self.first[record]), int(self.last[record]))


def buffer_of(source: Source) -> memoryview:
    """The input's UTF-8 bytes without a byte-order mark, memory-mapped for a file."""
    if source.path is not None:
        with source.path.open("rb") as f:
            try:
                view = memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
            except ValueError:  # an empty file cannot be mapped
                view = memoryview(b"")
    else:
        view = memoryview(source.data or b"")
    return view[3:] if bytes(view[:3]) == _BOM else view


def find_lines(buffer: memoryview) -> Lines:
    """Bounds of every physical line, found chunk by chunk (memory: the bounds, not the bytes)."""
    import numpy as np

    data = np.frombuffer(buffer, dtype=np.uint8)
    size = data.size
    ends_parts, next_parts = [], []
    for offset in range(0, size, _CHUNK):
        body = data[offset:offset + _CHUNK]
        lf = np.flatnonzero(body == 10) + offset
        after_cr = (lf > 0) & (data[np.maximum(lf - 1, 0)] == 13)
        end, nxt = lf - after_cr, lf + 1
        cr = np.flatnonzero(body == 13) + offset
        if cr.size:  # a \r not followed by \n ends a line of its own
            lone = cr[(cr + 1 >= size) | (data[np.minimum(cr + 1, size - 1)] != 10)]
            end, nxt = np.concatenate([end, lone]), np.concatenate([nxt, lone + 1])
            order = np.argsort(nxt, kind="stable")
            end, nxt = end[order], nxt[order]
        ends_parts.append(end)
        next_parts.append(nxt)
    ends = np.concatenate(ends_parts) if ends_parts else np.empty(0, np.int64)
    nexts = np.concatenate(next_parts) if next_parts else np.empty(0, np.int64)
    starts = np.concatenate([[0], nexts]).astype(np.int64)
    if starts[-1] >= size:  # the input ends with a line break: no line after it
        starts = starts[:-1]
    else:
        ends = np.append(ends, size)
    return Lines(buffer=buffer, starts=starts, ends=ends.astype(np.int64))


def index_records(source: Source, sep: str, *, multiline: bool) -> RecordIndex:
    """Match records to physical lines; `multiline`: some quoted field holds a line break."""
    import numpy as np

    lines = find_lines(buffer_of(source))
    if not multiline:
        kept = np.flatnonzero(lines.ends > lines.starts)
        return RecordIndex(lines=lines, first=kept, last=kept)
    first, last = [], []
    reader = csv.reader(lines.decoded(), delimiter=sep)
    start = 0
    for record in reader:
        if record:
            first.append(start)
            last.append(reader.line_num - 1)
        start = reader.line_num
    return RecordIndex(lines=lines, first=np.array(first, dtype=np.int64),
                       last=np.array(last, dtype=np.int64))


def last_line_open(source: Source, sep: str) -> bool:
    """Whether the input's last non-empty line opens a quote that it does not close."""
    size = 1 << 16
    while True:
        tail = _tail(source, size)
        stripped = tail.rstrip(b"\r\n")
        cut = max(stripped.rfind(b"\n"), stripped.rfind(b"\r"))
        if cut >= 0 or len(tail) < size:
            return _opens_quote(stripped[cut + 1:].decode("utf-8", errors="replace"), sep)
        size *= 4


def _tail(source: Source, size: int) -> bytes:
    if source.path is not None:
        with source.path.open("rb") as f:
            f.seek(0, 2)
            f.seek(max(f.tell() - size, 0))
            return f.read()
    return (source.data or b"")[-size:]


def _opens_quote(text: str, sep: str) -> bool:
    try:
        list(csv.reader([text + "\n"], delimiter=sep, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def check_quoted_fields(index: RecordIndex, sep: str, columns: int) -> list[str]:
    """Refuse an unterminated quote; report quoted fields that swallowed lines shaped like rows.

    A quoted field may hold line breaks (RFC 4180), so a field spanning lines is not an error
    by itself. It is one when its quote never closes (the rest of the file would be one
    value), or when it holds at least SWALLOWED_ROWS_LIMIT lines that, split at the
    delimiter, have as many fields as the header (a stray quote swallowing rows). Fewer such
    lines give a warning naming the lines.
    """
    if len(index) == 0:
        return []
    last = len(index) - 1
    if _opens_quote(index.raw(last).decode("utf-8", errors="replace"), sep):
        raise InputError(
            f"line {index.line_number(last)}: a quoted field opens here and is never closed, "
            "so the rest of the input would be one value; add the closing quote"
        )
    # The lines strictly inside a record: its last line also holds the fields after the
    # quote closes, so it has the header's shape whatever the quote did.
    spans = (index.last - index.first > 1).nonzero()[0]
    suspicious = []
    for record in spans.tolist():
        inner = index.lines.text(int(index.first[record]) + 1, int(index.last[record]) - 1)
        shaped = sum(1 for ln in inner.splitlines() if ln.count(sep.encode()) + 1 == columns)
        if shaped:
            suspicious.append((record, shaped))
    warnings = []
    for record, shaped in suspicious:
        begin, end = index.line_number(record), int(index.last[record]) + 1
        if shaped >= SWALLOWED_ROWS_LIMIT:
            raise InputError(
                f"line {begin}: a quoted field opens here and closes only at line {end}, "
                f"holding {shaped} lines shaped like rows; a stray quote? fix it, or double "
                "a quote meant literally (\"\")"
            )
    if suspicious:
        shown = "; ".join(f"lines {index.line_number(r)}–{int(index.last[r]) + 1} "
                          f"({s} line{'s' if s > 1 else ''} shaped like rows)"
                          for r, s in itertools.islice(suspicious, 3))
        more = f" and {len(suspicious) - 3} more" if len(suspicious) > 3 else ""
        warnings.append(
            f"quoted fields span several lines that look like rows: {shown}{more}; each is "
            "read as one value — if a quote is a stray, fix it"
        )
    return warnings
