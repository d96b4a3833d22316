"""Start-up: `mlstats --help` against importing its own front end (typer and rich)."""

from __future__ import annotations

from benchmarks.harness import Comparison, command_time, mlstats, python


def run() -> list[Comparison]:
    peer = command_time(python("import typer, rich"), repeat=7)
    return [
        Comparison("mlstats --help", command_time(mlstats("--help"), repeat=7), peer,
                   "import typer, rich", "close to 1"),
        Comparison("mlstats describe --help", command_time(mlstats("describe", "--help"),
                                                           repeat=7), peer,
                   "import typer, rich", "close to 1"),
    ]
