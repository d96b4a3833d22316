"""Entry point: signals first, then the app; each command module is imported only when needed.

A command is one line in COMMANDS (its name and the module that defines it with
`@command(app, NAME, ...)`). The module is imported when the command runs, or when
`mlstats --help` lists the commands, so a run pays for its own options only.
"""

from __future__ import annotations

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


def main() -> NoReturn:
    """The `mlstats` process: run with its arguments and end it with the status (SPEC 1).

    It never returns (see `_process.finish`); `mlstats.cli.app.run` returns the status.
    """
    _process.start()
    from mlstats.cli.app import run

    _process.finish(run())


def __getattr__(name: str) -> Any:
    # `from mlstats.cli.main import app` (tests, CliRunner) without importing Typer at start-up.
    if name == "app":
        from mlstats.cli.app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
