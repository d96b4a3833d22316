"""The one user-facing error type and the process exit codes (SPEC 1, "Exit codes")."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ASSERTION_FAILED = 1
    INPUT_ERROR = 2
    INTERNAL_ERROR = 3
    INTERRUPTED = 130
    PIPE_CLOSED = 141
    TERMINATED = 143


class InputError(Exception):
    """Anything the user can mend: bad data, a bad option value, an unknown column (exit 2).

    The message is one lower-case line: what is wrong, the value, and how to mend it.
    """


class PipeClosed(BaseException):
    """Standard output was closed by the reader (e.g. `| head`): end quietly with 141."""


class Terminated(BaseException):
    """SIGTERM arrived: unwind (removing temporary files) and exit 143."""
