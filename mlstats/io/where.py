"""`--where` on rows held as text, for the commands that write rows as read (sample, clean).

Each condition's column is typed as its VALUE asks — numbers for a number, text for quoted
text, true/false for `true`/`false` — with the reader's rules (its missing-value strings, a
number with spaces around it, a parsed not-a-number as missing, `--na` numbers however
spelled), then compared by `where_mask`, the one evaluator of `--where`: a missing value
never matches. `sample` parses the condition columns of each streamed chunk of records;
`clean` has every cell as text already.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from mlstats.expr import Expr
    from mlstats.io.chunks import Chunk

# The reader's number (surrounding spaces allowed, as pyarrow converts) and a NaN spelled as
# a number (the reader makes it missing).
_NUMBER = r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$"
_NAN = r"(?i)^\s*[-+]?nan\s*$"
# pyarrow infers true/false from these spellings only (1 and 0 are numbers first).
_TRUE, _FALSE = ("true", "True", "TRUE"), ("false", "False", "FALSE")


@dataclass(frozen=True, slots=True)
class Matched:
    """Rows where a condition holds; cells present but not of the kind VALUE compares with
    (text where a number or true/false is wanted); whether every present cell is a number."""

    keep: np.ndarray
    other: np.ndarray
    numbers_only: bool


def where_text(text: pa.Array, name: str, condition: Expr, *, nulls: Sequence[str],
               na_numbers: Sequence[float] = ()) -> Matched:
    """Evaluate one condition on a column of cells as read (a string array without nulls)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from mlstats.io._arrow import to_bool
    from mlstats.io.reader import where_mask

    missing = pc.or_(pc.is_in(text, value_set=pa.array(list(nulls), pa.string())),
                     _nan(text))
    value = condition.value
    number = pc.match_substring_regex(text, _NUMBER)
    if isinstance(value, bool):
        truth = pc.is_in(text, value_set=pa.array(_TRUE))
        kind = pc.or_(truth, pc.is_in(text, value_set=pa.array(_FALSE)))
        present = pc.and_(kind, pc.invert(missing))
        typed = pc.if_else(present, truth, pa.scalar(None, pa.bool_()))
    elif isinstance(value, str):
        present = pc.invert(missing)
        typed = pc.if_else(present, text, pa.scalar(None, pa.string()))
        kind = present
    else:
        kind = number
        present = pc.and_(kind, pc.invert(missing))
        numbers = pc.cast(pc.utf8_trim_whitespace(pc.if_else(present, text, "0")),
                          pa.float64())
        if na_numbers:
            present = pc.and_(present, pc.invert(pc.is_in(
                numbers, value_set=pa.array(list(na_numbers), pa.float64()))))
        typed = pc.if_else(present, numbers, pa.scalar(None, pa.float64()))
    keep = to_bool(where_mask(pa.chunked_array([typed]), name, condition))
    other = to_bool(pa.chunked_array([pc.and_(pc.invert(kind), pc.invert(missing))]))
    numbers_only = not pc.any(pc.and_(pc.invert(number), pc.invert(missing))).as_py()
    return Matched(keep=keep, other=np.asarray(other, dtype=bool), numbers_only=numbers_only)


def _nan(text: pa.Array) -> pa.Array:
    """Cells spelling NaN (any case, a sign, spaces): a case-blind pattern only where an n is."""
    import pyarrow.compute as pc

    maybe = pc.or_(pc.match_substring(text, "n"), pc.match_substring(text, "N"))
    if not pc.any(maybe).as_py():
        return maybe
    return pc.and_(maybe, pc.fill_null(pc.replace_with_mask(
        maybe, maybe, pc.match_substring_regex(text.filter(maybe), _NAN)), False))


class ChunkFilter:
    """`--where` over `sample`'s streamed chunks, as `read_table` filters the whole input.

    The condition columns of each chunk are parsed as text and typed as the VALUE asks; a
    present cell of another kind is the error `read_table` gives (the column is text there),
    and text compared with a column whose every value is a number is refused once the pass
    ends, as the reader, which reads such a column as numbers, refuses it.
    """

    def __init__(self, conditions: Sequence[Expr], names: Sequence[str], sep: str, *,
                 nulls: Sequence[str], na_numbers: Sequence[float]) -> None:
        from mlstats.io.reader import resolve_column

        self.conditions = tuple(conditions)
        self.names = list(names)
        self.sep = sep
        self.nulls, self.na_numbers = tuple(nulls), tuple(na_numbers)
        self.columns = [resolve_column(self.names, ".".join(c.path)) for c in conditions]
        self._numbers_only = [True] * len(self.conditions)

    def __call__(self, chunk: Chunk) -> np.ndarray:
        """Which of the chunk's records every condition keeps."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.csv as pacsv

        from mlstats.io.chunks import NotStreamable

        internal = [f"c{i}" for i in range(len(self.names))]
        wanted = sorted({internal[self.names.index(c)] for c in self.columns})
        data = bytes(chunk.data[int(chunk.starts[0]):int(chunk.ends[-1])])
        try:
            parsed = pacsv.read_csv(
                pa.py_buffer(data),
                pacsv.ReadOptions(column_names=internal, use_threads=False,
                                  block_size=max(len(data) + 1, 1 << 20)),
                pacsv.ParseOptions(delimiter=self.sep, newlines_in_values=b'"' in data),
                pacsv.ConvertOptions(include_columns=wanted,
                                     column_types={n: pa.string() for n in wanted},
                                     null_values=[], strings_can_be_null=False,
                                     quoted_strings_can_be_null=False))
        except pa.ArrowInvalid:
            raise NotStreamable from None
        if parsed.num_rows != len(chunk):
            raise NotStreamable
        keep = np.ones(len(chunk), dtype=bool)
        for k, (condition, name) in enumerate(zip(self.conditions, self.columns, strict=True)):
            text = parsed.column(internal[self.names.index(name)]).combine_chunks()
            matched = where_text(text, name, condition, nulls=self.nulls,
                                 na_numbers=self.na_numbers)
            if isinstance(condition.value, str):
                self._numbers_only[k] &= matched.numbers_only
            elif matched.other.any():
                _refuse(name, condition, text=True)
            keep &= matched.keep
        return keep

    def finish(self) -> None:
        """After a whole pass: text compared with a column of numbers is refused."""
        for condition, name, numbers in zip(self.conditions, self.columns, self._numbers_only,
                                            strict=True):
            if isinstance(condition.value, str) and numbers:
                _refuse(name, condition, text=False)


def _refuse(name: str, condition: Expr, *, text: bool) -> None:
    """`where_mask`'s error for a column of text (text=True) or of numbers."""
    import pyarrow as pa

    from mlstats.io.reader import where_mask

    column = pa.chunked_array([], pa.string() if text else pa.float64())
    where_mask(column, name, condition)  # raises: the kinds differ


class BatchFilter:
    """`--where` over `clean`'s batches of cells as read: the rows every condition selects.

    `clean` is for dirty data, so a cell of another kind than VALUE (text where a number is
    compared) does not stop the run: it never matches, and `notes` counts such cells.
    """

    def __init__(self, conditions: Sequence[Expr], columns: Sequence[int],
                 names: Sequence[str], *, nulls: Sequence[str],
                 na_numbers: Sequence[float]) -> None:
        self.conditions, self.columns, self.names = tuple(conditions), tuple(columns), names
        self.nulls, self.na_numbers = tuple(nulls), tuple(na_numbers)
        self.other = [0] * len(self.conditions)
        self.first: list[int | None] = [None] * len(self.conditions)
        self.evaluated = 0

    def __call__(self, columns: Sequence[pa.Array], lines: np.ndarray, *,
                 tally: bool) -> np.ndarray:
        """Which rows every condition selects; `tally` counts the pass that writes."""
        import numpy as np

        keep = np.ones(len(lines), dtype=bool)
        for k, (condition, column) in enumerate(zip(self.conditions, self.columns,
                                                    strict=True)):
            matched = where_text(columns[column], self.names[column], condition,
                                 nulls=self.nulls, na_numbers=self.na_numbers)
            keep &= matched.keep
            if tally and matched.other.any():
                self.other[k] += int(matched.other.sum())
                if self.first[k] is None:
                    self.first[k] = int(np.asarray(lines)[matched.other][0])
        if tally:
            self.evaluated += len(lines)
        return keep

    def notes(self, left_out: int) -> list[str]:
        """The report's warnings: rows left out, and cells that could not be compared."""
        from mlstats.io.reader import where_note

        found = [where_note([c.text for c in self.conditions], left_out, self.evaluated)]
        for condition, column, count, line in zip(self.conditions, self.columns, self.other,
                                                  self.first, strict=True):
            if count:
                kind = "true/false" if isinstance(condition.value, bool) else "numbers"
                found.append(
                    f"--where '{condition.text}': {count} cells of column "
                    f"'{self.names[column]}' are not {kind} (the first at line {line}); "
                    "they never match (fix them, or mark them missing with --na)")
        return found
