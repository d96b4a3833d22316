"""The one progress helper: a rich bar on standard error, only on a terminal and not --quiet."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator

MINUTE = 60.0  # a run expected to take longer than this is warned about
SETTLE = 2.0  # seconds of work before the expected duration is judged


@contextlib.contextmanager
def progress(total: int, description: str, *, quiet: bool = False,
             forecast: Callable[[float], str] | None = None,
             ) -> Iterator[Callable[[int], None]]:
    """Yield `advance(n)`; a bar with the time remaining on an interactive standard error.

    With `forecast`, once `SETTLE` seconds of work predict a run longer than `MINUTE`, the
    warning `forecast(expected seconds)` (how long, how to shorten it) is printed once on
    standard error, terminal or not. `quiet` silences both.
    """
    if quiet or total <= 0:
        yield lambda n: None
        return
    if not _stderr_is_terminal():
        yield _Forecast(total, forecast, _write) if forecast else (lambda n: None)
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.text import Text

    bar = Progress(TextColumn("{task.description}"), BarColumn(),
                   TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn(),
                   console=Console(stderr=True), transient=True)
    with bar:
        task = bar.add_task(description, total=total)
        watch = (_Forecast(total, forecast, lambda line: bar.console.print(Text(line)))
                 if forecast else None)

        def advance(n: int) -> None:
            bar.advance(task, n)
            if watch is not None:
                watch(n)

        yield advance


class _Forecast:
    """Warns once when the work done so far predicts a run longer than `MINUTE`."""

    def __init__(self, total: int, message: Callable[[float], str],
                 write: Callable[[str], None]) -> None:
        self.total, self.message, self.write = total, message, write
        self.start = time.monotonic()
        self.done = 0
        self.judged = False

    def __call__(self, n: int) -> None:
        self.done += n
        if self.judged:
            return
        elapsed = time.monotonic() - self.start
        if elapsed < SETTLE and self.done < self.total:
            return
        self.judged = True
        expected = elapsed * self.total / self.done
        if expected > MINUTE:
            self.write(f"mlstats: warning: {self.message(expected)}")


def resampling_forecast(resamples: int, what: str) -> Callable[[float], str]:
    """The warning of a resampling run: how long it takes and the --resamples that takes
    about a minute (two significant digits, rounded down)."""

    def message(seconds: float) -> str:
        fit = max(1, int(resamples * MINUTE / seconds))
        fit -= fit % 10 ** max(len(str(fit)) - 2, 0)
        return (f"{what} will take about {duration(seconds)} ({resamples} resamples); "
                f"--resamples {fit} would take about a minute, with a larger Monte-Carlo "
                "error in the interval's ends")

    return message


def duration(seconds: float) -> str:
    """A rounded duration for a person: `45 s`, `12 min`, `3 h 10 min`."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min" if minutes % 60 else f"{minutes // 60} h"


def _write(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
