"""Entry point: signals first, then the app; each command module is imported only when needed.

A command is one line in COMMANDS (its name and the module that defines it with
`@command(app, NAME, ...)`). The module is imported when the command runs, or when
`mlstats --help` lists the commands, so a run pays for its own options only.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

from mlstats.cli import _process

COMMANDS = {
    "ab-test": "mlstats.cli.ab_test",
    "bootstrap": "mlstats.cli.bootstrap",
    "clean": "mlstats.cli.clean",
    "correlate": "mlstats.cli.correlate",
    "describe": "mlstats.cli.describe",
    "jackknife": "mlstats.cli.jackknife",
    "kmeans": "mlstats.cli.kmeans",
    "sample-size": "mlstats.cli.sample_size",
    "power": "mlstats.cli.power",
    "precision-recall": "mlstats.cli.precision_recall",
    "regression": "mlstats.cli.regression",
    "sample": "mlstats.cli.sample",
}


def _hash_early(args: list[str]) -> None:
    """`mlstats COMMAND INPUT … --engine duckdb` (or MLSTATS_ENGINE=duckdb): start INPUT's
    SHA-256 before any module of the command loads, so that less of it is left to share the
    cores with DuckDB's scan. A guess from the words alone, which the command's own parse
    settles: it uses the digest of the file it reads (found by path), and a wrong guess only
    costs a hash that nobody reads."""
    import os

    engine = os.environ.get("MLSTATS_ENGINE", "local")
    for i, word in enumerate(args):
        if word == "--engine" and i + 1 < len(args):
            engine = args[i + 1]
        elif word.startswith("--engine="):
            engine = word.removeprefix("--engine=")
    if engine == "duckdb" and len(args) > 1 and args[0] in COMMANDS and (
            not args[1].startswith("-")):
        from mlstats.io.source import hash_early

        hash_early(args[1])


def main() -> NoReturn:
    """The `mlstats` process: run with its arguments and end it with the status (SPEC 1).

    It never returns (see `_process.finish`); `mlstats.cli.app.run` returns the status.
    """
    _process.start()
    _hash_early(sys.argv[1:])
    from mlstats.cli.app import run

    _process.finish(run())


def __getattr__(name: str) -> Any:
    # `from mlstats.cli.main import app` (tests, CliRunner) without importing Typer at start-up.
    if name == "app":
        from mlstats.cli.app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
