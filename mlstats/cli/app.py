"""The Typer app and the one runner that owns every exit path (SPEC 1, "Exit codes").

Commands are registered lazily: `@command(app, NAME, ...)` (or `@app.command`) records the
definition without building it, `mlstats.cli.main.COMMANDS` names the module that holds each
one, and the group imports that module and builds the command's Click parameters only when
the command runs or is named on the command line. `mlstats --help` lists the commands from
their docstrings without building any of them.
"""

import importlib
import inspect
import os
import re
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, MutableMapping
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command, get_command_from_info, get_command_name
from typer.models import CommandInfo

from mlstats import __version__
from mlstats.cli import _coerce
from mlstats.cli._process import interruptible
from mlstats.errors import ExitCode, InputError, PipeClosed, Terminated

_coerce.install()

_ALLOWED = {int(code) for code in ExitCode}
# Command name → its definition, filled as command modules are imported.
_DEFINED: dict[str, CommandInfo] = {}


def run() -> int:
    """Run the app on the process's arguments; return the exit status."""
    return get_command(app).main(prog_name="mlstats", standalone_mode=False)


class _HelpPages:
    """Help drawn by `mlstats.cli._help`, written by the one stdout writer, cheap to reach."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from mlstats.cli._help import help_page

        formatter.write(help_page(self, ctx))

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.callback = _show_help
        return option

    def get_params(self, ctx: Any) -> list:
        # Typer's help and completion flags default to None, which sends them through its
        # pydantic coercion (about 60 ms of imports for `--help`); False is what they mean.
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if getattr(param, "is_flag", False) and param.default is None:
                param.default = False
        return params


def _show_help(ctx: Any, param: Any, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        _write(ctx.get_help() + "\n")
        ctx.exit()


def _write(text: str) -> None:
    from mlstats.io.writer import write_stdout

    write_stdout(text)


class MlstatsCommand(_HelpPages, TyperCommand):
    """A command with mlstats' help page."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        from typer._click.exceptions import UsageError

        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:  # the parser's own errors ("requires an argument") carry
            if exc.ctx is None:    # no context: name this command in "see … --help"
                exc.ctx = ctx
            raise


class MlstatsGroup(_HelpPages, TyperGroup):
    """The root group: lazy commands, and every run inside `run_guarded` (CliRunner too)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Commands(self.rich_markup_mode)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)

    def summaries(self) -> list[tuple[str, str]]:
        """(name, first paragraph of its help) per visible command, without building any."""
        found = []
        for name in self.commands:
            info = _definition(name)
            if not info.hidden:
                text = info.help or inspect.getdoc(info.callback) or ""
                found.append((name, " ".join(text.split("\n\n")[0].split())))
        return found

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        code = run_guarded(lambda: super(MlstatsGroup, self).main(
            args=args, prog_name=prog_name or "mlstats", complete_var=complete_var,
            standalone_mode=False, **extra))
        if standalone_mode:
            sys.exit(code)
        return code


class _Commands(MutableMapping):
    """Command name → Click command, built from its definition on first use."""

    def __init__(self, rich_markup_mode: Any) -> None:
        self._markup = rich_markup_mode
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            self._built[name] = get_command_from_info(
                _definition(name), pretty_exceptions_short=True, rich_markup_mode=self._markup)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        from mlstats.cli.main import COMMANDS

        yield from COMMANDS
        yield from (n for n in {**_DEFINED, **self._built} if n not in COMMANDS)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _definition(name: str) -> CommandInfo:
    """The definition of command `name`, importing its module first (KeyError: no such one)."""
    from mlstats.cli.main import COMMANDS

    if name not in _DEFINED and name in COMMANDS:
        importlib.import_module(COMMANDS[name])
    return _DEFINED[name]


class MlstatsApp(typer.Typer):
    """A Typer app whose commands are recorded at definition and built only when used."""

    def command(self, name: str | None = None, **kwargs: Any) -> Callable:
        kwargs.setdefault("cls", MlstatsCommand)
        register = super().command(name, **kwargs)

        def record(func: Callable) -> Callable:
            register(func)
            info = self.registered_commands.pop()
            _DEFINED[info.name or get_command_name(func.__name__)] = info
            return func

        return record


def run_guarded(call: Callable[[], Any]) -> int:
    """Call the Click machinery and map every outcome onto an SPEC exit code."""
    from typer._click.exceptions import NoArgsIsHelpError

    writer = sys.modules.get("mlstats.io.writer")
    if writer is not None:  # a new run in the same process (tests): no input recorded yet
        writer.forget_inputs()
    if os.environ.get("MLSTATS_DEBUG") != "1":
        # Library warnings (NumPy's RuntimeWarning, …) are not ours to print: results carry
        # their own warnings, in the `mlstats: warning: …` form.
        warnings.simplefilter("ignore")
    try:
        with interruptible():
            try:
                returned = call()
            except NoArgsIsHelpError as exc:  # a bare `mlstats`: the help page, once
                _write(exc.ctx.get_help() + "\n")
                returned = ExitCode.OK
        code = returned if isinstance(returned, int) else 0
    except Terminated:
        code = ExitCode.TERMINATED
    except KeyboardInterrupt:
        code = ExitCode.INTERRUPTED
    except (PipeClosed, BrokenPipeError):
        _silence_stdout()
        code = ExitCode.PIPE_CLOSED
    except InputError as exc:
        _error(str(exc))
        code = ExitCode.INPUT_ERROR
    except typer.TyperException as exc:
        _error(_usage_message(exc))
        code = ExitCode.INPUT_ERROR
    except typer.Abort:
        code = ExitCode.INTERRUPTED
    except SystemExit as exc:
        code = _system_exit_code(exc)
    except Exception as exc:  # the boundary: any other exception is a bug in mlstats
        if os.environ.get("MLSTATS_DEBUG") == "1":
            traceback.print_exc()
        _error(f"internal error ({type(exc).__name__}: {_one_line(str(exc))}); this is a bug "
               "in mlstats, please report it with the command line (MLSTATS_DEBUG=1 shows "
               "the traceback)")
        code = ExitCode.INTERNAL_ERROR
    code = int(code)
    if code not in _ALLOWED:
        code = int(ExitCode.INTERNAL_ERROR)
    return _flush_stdout(code)


def _flush_stdout(code: int) -> int:
    try:
        sys.stdout.flush()
    except AttributeError:  # standard output was closed before the run (>&-)
        pass
    except BrokenPipeError:
        _silence_stdout()
        return int(ExitCode.PIPE_CLOSED)
    except (OSError, ValueError):
        pass
    return code


def _silence_stdout() -> None:
    from mlstats.io.writer import silence_stdout

    silence_stdout()


def _system_exit_code(exc: SystemExit) -> int:
    # Click ends a broken pipe that reaches it (not through our writer) with exit 1 after
    # wrapping stdout in its PacifyFlushWrapper: that is a closed pipe, so 141.
    if type(sys.stdout).__name__ == "PacifyFlushWrapper":
        return ExitCode.PIPE_CLOSED
    if exc.code is None:
        return ExitCode.OK
    return exc.code if isinstance(exc.code, int) else ExitCode.INPUT_ERROR


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
    except (AttributeError, OSError, ValueError):
        pass


app = MlstatsApp(
    cls=MlstatsGroup,
    name="mlstats",
    help="Statistics for machine-learning work, one command each: plan a sample, test an "
    "A/B experiment, fit a regression, score a classifier, put an interval on anything.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        _write(f"mlstats {__version__}\n")
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
