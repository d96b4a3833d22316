"""Getting the input's bytes: a path or standard input, decompressed, decoded, fingerprinted.

An uncompressed UTF-8 file is streamed once (SHA-256, NUL bytes, quotes) and then handed to
pyarrow by path, so a large file is never held twice in memory. Everything else (standard
input, compressed files, other encodings) is read into memory and normalised to UTF-8 bytes.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import hashlib
import io
import lzma
import os
import sys
import threading
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from mlstats.errors import InputError
from mlstats.io.writer import protect_input

_CHUNK = 1 << 20
_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"PK\x03\x04", "zip"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)


@dataclass(frozen=True, slots=True)
class Source:
    """The input, ready to parse: UTF-8 bytes in `data`, or an uncompressed UTF-8 `path`."""

    name: str
    digest: Future[str]
    path: Path | None = None
    data: bytes | None = None
    has_quotes: bool = True
    parquet: bool = False

    @property
    def sha256(self) -> str:
        """SHA-256 of the bytes as stored (before decompression)."""
        return self.digest.result()

    def reader(self) -> io.BufferedIOBase:
        """A fresh binary stream over the UTF-8 bytes."""
        if self.path is not None:
            return self.path.open("rb")
        return io.BytesIO(self.data or b"")

    def head(self, size: int) -> bytes:
        with self.reader() as stream:
            return stream.read(size)

    def text_lines(self) -> Iterator[str]:
        """The input's lines (ended by `\\n`, `\\r\\n` or `\\r`); bad bytes name their line."""
        from mlstats.io.records import buffer_of, find_lines

        yield from find_lines(buffer_of(self)).decoded()


def load_source(source: str | None, *, encoding: str = "utf-8") -> Source:
    """Open a path, '-' or (when not a terminal) standard input; see SPEC 1, "Input"."""
    codec = _codec_name(encoding)
    if source is None or source == "-":
        if source is None and sys.stdin is not None and sys.stdin.isatty():
            raise InputError(
                "no INPUT given and standard input is a terminal; "
                "give a file path, or pipe data in and use '-'"
            )
        stream = sys.stdin.buffer if sys.stdin is not None else io.BytesIO()
        raw = stream.read()
        return _from_memory("-", raw, codec)
    path = Path(source)
    try:
        with path.open("rb") as f:
            magic = f.read(8)
    except FileNotFoundError:
        raise InputError(f"file '{source}' not found; check the path") from None
    except IsADirectoryError:
        raise InputError(f"'{source}' is a directory; give a CSV file") from None
    except PermissionError:
        raise InputError(f"cannot read '{source}': permission denied") from None
    except OSError as exc:
        raise InputError(f"cannot read '{source}': {exc.strerror or exc}") from None
    protect_input(path)
    if is_parquet(source, magic):
        return Source(name=source, digest=_hash_in_background(path), path=path,
                      has_quotes=False, parquet=True)
    if _compression(magic) is None and codec == "utf-8" and not magic.startswith(_UTF16_BOMS):
        return _stream_file(path, source)
    return _from_memory(source, path.read_bytes(), codec)


PARQUET_SUFFIXES = (".parquet", ".pq")


def parquet_has_no_rows(name: str) -> str:
    """The message for copying rows as read from a Parquet input, which has no text rows."""
    return (f"'{name}' is Parquet, which has no CSV rows to copy as read; convert it to CSV "
            "first")


def is_parquet(name: str, magic: bytes = b"") -> bool:
    """Parquet input: by extension (SPEC 1), or by its magic bytes."""
    return name.lower().endswith(PARQUET_SUFFIXES) or magic.startswith(b"PAR1")


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputError(
            f"unknown --encoding '{encoding}'; use a Python codec name such as utf-8, "
            "latin-1 or cp1252"
        ) from None


def _compression(magic: bytes) -> str | None:
    return next((kind for prefix, kind in _MAGIC if magic.startswith(prefix)), None)


def _stream_file(path: Path, name: str) -> Source:
    """Check an uncompressed file for NUL bytes and quotes; hash it in a background thread.

    The checks are memchr scans that must precede parsing; the SHA-256 (hashlib releases the
    GIL) overlaps with pyarrow's parse.
    """
    has_quotes = False
    blank = True
    offset = 0
    for chunk in _chunks(path):
        if chunk.find(b"\x00") >= 0:
            raise _nul_error(_line_at(path, offset + chunk.find(b"\x00")))
        has_quotes = has_quotes or chunk.find(b'"') >= 0
        blank = blank and not chunk.removeprefix(_UTF8_BOM).strip()
        offset += len(chunk)
    if blank:
        raise InputError(f"'{name}' is empty; give a file with a header and data rows")
    return Source(name=name, digest=_hash_in_background(path), path=path, has_quotes=has_quotes)


# SHA-256s started before the command's modules were imported (see `hash_early`), by path
_EARLY: dict[str, Future[str]] = {}


def hash_early(source: str | None) -> None:
    """Start the SHA-256 of an input file now, in a background thread: the command's
    modules then load on one core while the other hashes (provenance needs the digest; a
    file read where it lies, by DuckDB, is hashed by no other pass)."""
    if source in (None, "-") or any(ch in source for ch in "*?["):
        return
    path = Path(source)
    if path.is_file() and str(path.resolve()) not in _EARLY:
        _EARLY[str(path.resolve())] = _start_hash(path)


def _hash_in_background(path: Path) -> Future[str]:
    early = _EARLY.pop(str(path.resolve()), None)
    return early if early is not None else _start_hash(path)


def _start_hash(path: Path) -> Future[str]:
    def digest() -> str:
        sha = hashlib.sha256()
        for chunk in _chunks(path):
            sha.update(chunk)
        return sha.hexdigest()

    future: Future[str] = Future()

    def run() -> None:
        try:
            future.set_result(digest())
        except BaseException as exc:  # surfaced where the digest is read
            future.set_exception(exc)

    threading.Thread(target=run, name="mlstats-sha256", daemon=True).start()
    return future


def _chunks(path: Path) -> Iterator[bytearray]:
    """The file's bytes, chunk by chunk, read into one reused buffer (each chunk is valid only
    until the next one: no fresh allocation per chunk, and the buffer stays in cache)."""
    buffer = bytearray(_CHUNK)
    with path.open("rb", buffering=0) as f:
        while size := f.readinto(buffer):
            yield buffer if size == _CHUNK else buffer[:size]


def _done(value: str) -> Future[str]:
    future: Future[str] = Future()
    future.set_result(value)
    return future


def _line_at(path: Path, offset: int) -> int:
    """The 1-based line holding byte `offset` (error path only)."""
    with path.open("rb") as f:
        return f.read(offset).count(b"\n") + 1


def _from_memory(name: str, raw: bytes, codec: str) -> Source:
    sha = _done(hashlib.sha256(raw).hexdigest())
    data = _decode(_decompress(raw, name), codec, name)
    if not data.removeprefix(_UTF8_BOM).strip():
        shown = "standard input" if name == "-" else f"'{name}'"
        raise InputError(f"{shown} is empty; give a file with a header and data rows")
    if data.startswith(b"PAR1"):
        shown = "standard input" if name == "-" else f"'{name}'"
        raise InputError(f"{shown} holds a Parquet file, which is read from a path ending in "
                         ".parquet or .pq; give it as such a file")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _nul_error(data.count(b"\n", 0, nul) + 1)
    return Source(name=name, digest=sha, data=data, has_quotes=b'"' in data)


def _decompress(raw: bytes, name: str) -> bytes:
    kind = _compression(raw[:8])
    try:
        if kind == "gzip":
            return gzip.decompress(raw)
        if kind == "bz2":
            return bz2.decompress(raw)
        if kind == "xz":
            return lzma.decompress(raw)
        if kind == "zip":
            return _unzip(raw, name)
        if kind == "zstd":
            import pyarrow as pa

            with pa.CompressedInputStream(pa.BufferReader(raw), "zstd") as stream:
                return stream.read()
    except (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile, ValueError) as exc:
        raise InputError(f"cannot decompress '{name}' ({kind}): {exc}") from None
    return raw


def _unzip(raw: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) != 1:
            listed = ", ".join(m.filename for m in members) or "nothing"
            raise InputError(
                f"zip archive '{name}' holds {len(members)} files ({listed}); "
                "extract the one to analyse and pass it instead"
            )
        return archive.read(members[0])


def _decode(data: bytes, codec: str, name: str) -> bytes:
    """Normalise to UTF-8: honour a UTF-16 byte-order mark, transcode other encodings."""
    if data.startswith(_UTF16_BOMS):
        codec = "utf-16"
    elif codec == "utf-8":
        return data
    try:
        return data.decode(codec).encode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"line {line}: bytes that are not valid {codec} ({exc.reason}); "
            "give the file's encoding with --encoding"
        ) from None


def _nul_error(line: int) -> InputError:
    return InputError(
        f"line {line}: a NUL byte; this looks like binary data, not CSV text "
        "(give the right --encoding if it is UTF-16 without a byte-order mark)"
    )


def file_identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """(device, inode) of an existing file, to recognise the input when it is also the output."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)
