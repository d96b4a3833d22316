"""The Typer app and the one runner that owns every exit path (SPEC 1, "Exit codes")."""

import os
import re
import signal
import sys
import traceback
import warnings
from collections.abc import Callable
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from mlstats import __version__
from mlstats.errors import ExitCode, InputError, PipeClosed, Terminated
from mlstats.io.writer import forget_inputs, silence_stdout

_ALLOWED = {int(code) for code in ExitCode}


class MlstatsGroup(TyperGroup):
    """Runs every command inside `run_guarded`, CliRunner included."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        code = run_guarded(lambda: super(MlstatsGroup, self).main(
            args=args, prog_name=prog_name or "mlstats", complete_var=complete_var,
            standalone_mode=False, **extra))
        if standalone_mode:
            sys.exit(code)
        return code


def run_guarded(call: Callable[[], Any]) -> int:
    """Call the Click machinery and map every outcome onto an SPEC exit code."""
    from typer._click.exceptions import NoArgsIsHelpError

    previous = _on_sigterm()
    stdout_before = _stdout_identity()
    forget_inputs()
    if os.environ.get("MLSTATS_DEBUG") != "1":
        # Library warnings (NumPy's RuntimeWarning, …) are not ours to print: results carry
        # their own warnings, in the `mlstats: warning: …` form.
        warnings.simplefilter("ignore")
    try:
        returned = call()
        code = returned if isinstance(returned, int) else 0
    except Terminated:
        code = ExitCode.TERMINATED
    except KeyboardInterrupt:
        code = ExitCode.INTERRUPTED
    except (PipeClosed, BrokenPipeError):
        silence_stdout()
        code = ExitCode.PIPE_CLOSED
    except InputError as exc:
        _error(str(exc))
        code = ExitCode.INPUT_ERROR
    except NoArgsIsHelpError as exc:
        sys.stdout.write(exc.ctx.get_help() + "\n")
        code = ExitCode.OK
    except typer.TyperException as exc:
        _error(_usage_message(exc))
        code = ExitCode.INPUT_ERROR
    except typer.Abort:
        code = ExitCode.INTERRUPTED
    except SystemExit as exc:
        code = _system_exit_code(exc, stdout_before)
    except Exception as exc:  # the boundary: any other exception is a bug in mlstats
        if os.environ.get("MLSTATS_DEBUG") == "1":
            traceback.print_exc()
        _error(f"internal error ({type(exc).__name__}: {_one_line(str(exc))}); this is a bug "
               "in mlstats, please report it with the command line (MLSTATS_DEBUG=1 shows "
               "the traceback)")
        code = ExitCode.INTERNAL_ERROR
    finally:
        _restore_sigterm(previous)
    code = int(code)
    if code not in _ALLOWED:
        code = int(ExitCode.INTERNAL_ERROR)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        code = int(ExitCode.PIPE_CLOSED)
    except (OSError, ValueError):
        pass
    return code


def _system_exit_code(exc: SystemExit, stdout_before: tuple[int, int] | None) -> int:
    # Click (PacifyFlushWrapper) and rich (stdout re-pointed at /dev/null) end a broken pipe
    # while writing help text with exit 1; it is a closed pipe, so 141.
    if type(sys.stdout).__name__ == "PacifyFlushWrapper" or (
        _stdout_identity() != stdout_before and _stdout_identity() == _devnull_identity()
    ):
        return ExitCode.PIPE_CLOSED
    if exc.code is None:
        return ExitCode.OK
    return exc.code if isinstance(exc.code, int) else ExitCode.INPUT_ERROR


def _stdout_identity() -> tuple[int, int] | None:
    try:
        st = os.fstat(sys.__stdout__.fileno())
    except (AttributeError, OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino)


def _devnull_identity() -> tuple[int, int]:
    st = os.stat(os.devnull)
    return (st.st_dev, st.st_ino)


def _usage_message(exc: Any) -> str:
    message = _one_line(exc.format_message()).replace("Value error, ", "")
    message = message[:1].lower() + message[1:]
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "mlstats"
    return f"{message.rstrip('.')}; see {path} --help"


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _error(message: str) -> None:
    from mlstats.render.text import shorten_quoted, visible

    # Data quoted in a message is shown, not obeyed, and cut to a readable length.
    try:
        sys.stderr.write(f"mlstats: error: {shorten_quoted(visible(_one_line(message)))}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated


def _on_sigterm() -> Any:
    try:
        return signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread
        return None


def _restore_sigterm(previous: Any) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


app = typer.Typer(
    cls=MlstatsGroup,
    name="mlstats",
    help="Statistics for machine-learning work, one command each: plan a sample, test an "
    "A/B experiment, fit a regression, score a classifier, put an interval on anything.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"mlstats {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Statistics for machine-learning work, in one command each.

    Every command reads CSV (a path, or - for standard input), prints a table or
    --format json|csv|tsv|markdown, and takes --assert 'KEY OP VALUE' checks for CI.
    """
