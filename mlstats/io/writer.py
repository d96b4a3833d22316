"""The only writer of our own output: standard output, or a file replaced atomically.

A file is written to a temporary sibling and renamed over the target only when the whole
write succeeded, so a failed or interrupted run never leaves a partial file.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from mlstats.errors import InputError, PipeClosed

# Files this run reads: every writer refuses them (SPEC 1: an input file is never modified).
_INPUTS: set[tuple[int, int]] = set()
# Temporary files being written, not yet renamed into place.
_TEMPORARY: set[str] = set()


def protect_input(path: str | os.PathLike[str]) -> None:
    """Record an input file so that no output of this run can replace it."""
    identity = _identity(path)
    if identity is not None:
        _INPUTS.add(identity)


def forget_inputs() -> None:
    """Start a new run (the CLI runner calls this; tests run many commands in one process)."""
    _INPUTS.clear()


def _identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def write_output(text: str, output: str | None) -> None:
    """Write `text` to standard output (None or '-') or atomically to the file `output`."""
    if output is None or output == "-":
        write_stdout(text)
        return
    with atomic_open(output) as f:
        f.write(text)


def write_data(chunks: Iterable[bytes], output: str | None) -> None:
    """Write data rows (bytes) to standard output (None or '-') or atomically to `output`."""
    if output is not None and output != "-":
        with atomic_open(output, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
        return
    with _stdout() as (stream, fd):
        stream.flush()
        terminal = _is_terminal(stream)
        for chunk in chunks:
            shown = _shown(chunk) if terminal else chunk
            if fd is None:
                stream.buffer.write(shown)
            else:
                _write_all(fd, shown)
        stream.flush()


def _is_terminal(stream: IO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _shown(chunk: bytes) -> bytes:
    """Data bound for a terminal: control characters as visible escapes, line breaks kept."""
    from mlstats.render.text import visible

    parts = chunk.decode("utf-8", errors="replace").split("\n")
    return "\n".join(visible(p[:-1], tabs=True) + "\r" if p.endswith("\r")
                     else visible(p, tabs=True) for p in parts).encode()


def write_stdout(text: str) -> None:
    """Write `text` to standard output, all of it (see `_stdout` for how failures end).

    When the stream's encoding cannot hold the text (PYTHONIOENCODING=ascii), box-drawing
    characters become ASCII, common symbols their ASCII spelling, and the rest `\\u` escapes.
    """
    with _stdout() as (stream, fd):
        if fd is None:
            stream.write(text)
            stream.flush()
            return
        encoding = stream.encoding or "utf-8"
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            data = text.translate(_ascii_table()).encode(encoding, "backslashreplace")
        stream.flush()
        _write_all(fd, data)


@contextlib.contextmanager
def _stdout() -> Iterator[tuple[IO, int | None]]:
    """Standard output and its descriptor (None in-process, e.g. under CliRunner).

    A closed pipe (`| head`), or stdout closed before the run (`>&-`), ends the run quietly
    (PipeClosed: exit 141); any other failure, such as a full disk, is an error (exit 2).
    """
    stream = sys.stdout
    if stream is None:
        raise PipeClosed
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        fd = None
    try:
        yield stream, fd
    except BrokenPipeError:
        silence_stdout()
        raise PipeClosed from None
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise InputError(f"cannot write to standard output: {reason}; free some space, or "
                         "write to a file elsewhere with -o") from None


def _write_all(fd: int, data: bytes) -> None:
    # os.write, unlike a buffered stream, reports short writes (a pipe whose reader has
    # gone): write again until every byte is out or the pipe reports EPIPE.
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


@functools.cache
def _ascii_table() -> dict[int, str]:
    import unicodedata

    table = {ord(k): v for k, v in {"…": "...", "−": "-", "–": "-", "—": "-", "×": "x",
                                     "±": "+/-", "≥": ">=", "≤": "<=", "²": "^2", "‘": "'",
                                     "’": "'", "“": '"', "”": '"', "→": "->", "◀": "<", "●": "*",
                                     "·": ".", "█": "#"}.items()}
    for code in range(0x2500, 0x2580):  # box drawing: lines become - and |, the rest +
        name = unicodedata.name(chr(code), "")
        table[code] = ("-" if "HORIZONTAL" in name and "VERTICAL" not in name else
                       "|" if "VERTICAL" in name and "HORIZONTAL" not in name else "+")
    return table


def silence_stdout() -> None:
    """Point stdout's descriptor at /dev/null so that the interpreter's final flush is quiet."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # closed before the run, or in-process
        return
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", *,
                replace_input: bool = False) -> Iterator[IO]:
    """Open a temporary file beside `path`; rename it into place on success, remove it on failure.

    Problems of our own output (missing directory, permission, disk full) are InputErrors (exit 2).
    Only `replace_input` (clean --in-place) may name an input of this run.
    """
    target = Path(path)
    if str(target) == "-":
        raise InputError("this option writes a file and cannot write to standard output ('-'); "
                         "give a path")
    if _identity(target) in _INPUTS and not replace_input:
        raise InputError(f"'{target}' is an input file of this run; write the output "
                         "somewhere else")
    if _is_special(target):
        # /dev/null, /dev/stdout, a named pipe: written in place. Renaming a temporary file
        # over one would replace the device or the link itself (as root: /dev/null).
        yield from _write_in_place(target, mode)
        return
    # A symbolic link keeps pointing where it did: the file it names is replaced.
    target = Path(os.path.realpath(target)) if target.is_symlink() else target
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, temp = _temporary(directory, target.name)
    except OSError as exc:
        raise _write_error(target, exc) from None
    try:
        kwargs = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if target.exists():
            os.chmod(temp, target.stat().st_mode & 0o7777)
        else:
            os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, target)
    except OSError as exc:
        _remove(temp)
        raise _write_error(target, exc) from None
    except BaseException:
        _remove(temp)
        raise
    finally:
        _TEMPORARY.discard(temp)


def _temporary(directory: Path, name: str) -> tuple[int, str]:
    """Create an empty temporary file beside the target: `.NAME.XXXXXXXX.tmp`, mode 0600.

    Its name is recorded before the file exists, so that an interrupt at any moment finds it
    (`remove_temporary_files`).
    """
    import secrets

    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    while True:
        temp = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.tmp")
        _TEMPORARY.add(temp)
        try:
            return os.open(temp, flags, 0o600), temp
        except FileExistsError:
            _TEMPORARY.discard(temp)
        except BaseException:
            _TEMPORARY.discard(temp)
            raise


def remove_temporary_files() -> None:
    """Remove the temporary files of this run not yet renamed into place (an interrupt)."""
    for temp in list(_TEMPORARY):
        _remove(temp)


def _is_special(target: Path) -> bool:
    """An existing path that is not a regular file once links are followed (a device, a FIFO)."""
    import stat

    try:
        kind = os.stat(target).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(kind) or stat.S_ISDIR(kind))


def _write_in_place(target: Path, mode: str) -> Iterator[IO]:
    kwargs = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
    try:
        with open(target, mode, **kwargs) as f:
            yield f
    except BrokenPipeError:
        raise PipeClosed from None
    except OSError as exc:
        raise _write_error(target, exc) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _write_error(target: Path, exc: OSError) -> InputError:
    reason = exc.strerror or str(exc)
    return InputError(f"cannot write '{target}': {reason.lower()}; check the path and free space")
