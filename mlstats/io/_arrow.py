"""Arrow columns → NumPy arrays through their buffers.

pyarrow imports pandas (about 0.3 s) the first time a Python or NumPy value crosses into it,
and in `to_numpy` itself; reading the buffers directly keeps `describe` and friends free of
pandas. Every function takes a ChunkedArray of the named type.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pyarrow as pa


def _validity(chunk: pa.Array) -> np.ndarray | None:
    bitmap = chunk.buffers()[0]
    if bitmap is None or chunk.null_count == 0:
        return None
    bits = np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8), bitorder="little",
                         count=chunk.offset + len(chunk))
    return bits[chunk.offset:].astype(bool)


def _join(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    if not parts:
        return np.empty(0, dtype=dtype)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def to_float64(column: pa.ChunkedArray) -> np.ndarray:
    """A numeric column as float64, NaN where null (each chunk copied once, into place)."""
    column = column if column.type == pa.float64() else column.cast(pa.float64())
    if column.num_chunks == 1 and column.null_count == 0:
        chunk = column.chunk(0)
        return np.frombuffer(chunk.buffers()[1], dtype=np.float64,
                             count=chunk.offset + len(chunk))[chunk.offset:]
    out = np.empty(len(column), dtype=np.float64)
    start = 0
    for chunk in column.chunks:
        stop = start + len(chunk)
        if len(chunk):
            values = np.frombuffer(chunk.buffers()[1], dtype=np.float64,
                                   count=chunk.offset + len(chunk))[chunk.offset:]
            out[start:stop] = values
            valid = _validity(chunk)
            if valid is not None:
                out[start:stop][~valid] = np.nan
        start = stop
    return out


def all_finite(column: pa.ChunkedArray) -> bool:
    """Whether every value present in a float64 column is finite (no NaN, no infinity)."""
    for chunk in column.chunks:
        if not len(chunk):
            continue
        values = np.frombuffer(chunk.buffers()[1], dtype=np.float64,
                               count=chunk.offset + len(chunk))[chunk.offset:]
        finite = np.isfinite(values)
        if not finite.all():
            valid = _validity(chunk)
            if valid is None or (valid & ~finite).any():
                return False
    return True


def to_int64(column: pa.ChunkedArray, *, null: int) -> np.ndarray:
    """An integer column as int64, `null` where null."""
    column = column if column.type == pa.int64() else column.cast(pa.int64())
    parts = []
    for chunk in column.chunks:
        values = np.frombuffer(chunk.buffers()[1], dtype=np.int64,
                               count=chunk.offset + len(chunk))[chunk.offset:]
        valid = _validity(chunk)
        if valid is not None:
            values = np.where(valid, values, null)
        parts.append(values)
    return _join(parts, np.int64)


def to_bool(column: pa.ChunkedArray) -> np.ndarray:
    """A boolean column as a NumPy bool array, False where null."""
    parts = []
    for chunk in column.chunks:
        bits = np.unpackbits(np.frombuffer(chunk.buffers()[1], dtype=np.uint8),
                             bitorder="little", count=chunk.offset + len(chunk))
        values = bits[chunk.offset:].astype(bool)
        valid = _validity(chunk)
        parts.append(values & valid if valid is not None else values)
    return _join(parts, bool)


def first_true(column: pa.ChunkedArray) -> int | None:
    """The index of the first true value of a boolean column, or None."""
    values = to_bool(column)
    return int(np.argmax(values)) if values.any() else None


def from_bool(values: np.ndarray) -> pa.Array:
    """A NumPy bool array as an Arrow boolean array (for `Table.filter`)."""
    packed = np.packbits(values.astype(bool), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(packed)])


def from_float64(values: np.ndarray) -> pa.Array:
    """A NumPy float64 array as an Arrow array (without pyarrow's pandas-importing path)."""
    data = np.ascontiguousarray(values, dtype=np.float64)
    return pa.Array.from_buffers(pa.float64(), len(data), [None, pa.py_buffer(data)])


def release_memory() -> None:
    """Give the memory of freed Arrow buffers back to the operating system.

    The reader parses into the system allocator (see `reader._parse`), whose small freed
    blocks stay in the C heap until trimmed (glibc's `malloc_trim`); pyarrow's own pool is
    asked to release too.
    """
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    import ctypes

    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc: nothing to trim
        return None
