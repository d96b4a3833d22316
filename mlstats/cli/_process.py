"""What only a real `mlstats` process needs: signals from its first moment, closed streams.

`mlstats.cli.main.main` calls `start` before importing Typer or any command, so that a
signal at any moment ends the process with 130 (SIGINT) or 143 (SIGTERM) and no traceback.
The handler never raises into the interrupted code (an exception raised inside Python's
import machinery or a weakref callback is lost or leaves a lock held): it removes the run's
unfinished temporary files, shows the cursor that a progress bar hid, and ends the process.

`finish` ends the process without the interpreter's teardown: no thread still running (the
input's SHA-256, a library's pool) can abort the exit (issue 18 saw exit 134 from a thread
still importing at shutdown), and exiting costs nothing.

CliRunner runs the app in-process without `start`; `interruptible` then maps SIGTERM to
`Terminated` for the duration of the run, as before.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from typing import Any, NoReturn

from mlstats.errors import ExitCode, Terminated

_CODES = {signal.SIGINT: int(ExitCode.INTERRUPTED), signal.SIGTERM: int(ExitCode.TERMINATED)}


def start() -> None:
    """Install the signal handlers and give closed standard descriptors /dev/null."""
    for signum in _CODES:
        signal.signal(signum, _on_signal)
    _cover_closed_descriptors()


def finish(code: int) -> NoReturn:
    """Flush standard output and error, and end the process with `code`."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):
            stream.flush()
    os._exit(code)


def _on_signal(signum: int, frame: Any) -> None:
    writer = sys.modules.get("mlstats.io.writer")
    if writer is not None:
        writer.remove_temporary_files()
    with contextlib.suppress(OSError):
        if os.isatty(2):
            os.write(2, b"\x1b[?25h")  # not through sys.stderr: it may be mid-write
    os._exit(_CODES[signum])


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """In-process (no `start`): SIGTERM raises `Terminated` while the run lasts."""
    previous = None
    if signal.getsignal(signal.SIGTERM) is not _on_signal:
        with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
            previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated


def _cover_closed_descriptors() -> None:
    """`>&-`, `2>&-`, `<&-`: put /dev/null on the closed descriptor.

    Otherwise the next file opened (a temporary output file) would take its number. Python
    has already set the stream to None: a closed stdout still ends a run that writes to it as
    a closed pipe (141, see `write_stdout`); a closed stderr swallows messages quietly.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (lives until exit)
