"""Entry point: the app with every command registered (each import registers its command)."""

from mlstats.cli import (  # noqa: F401
    ab_test,
    bootstrap,
    correlate,
    describe,
    jackknife,
    power,
    precision_recall,
    regression,
    sample,
    sample_size,
)
from mlstats.cli.app import app


def main() -> None:
    app()
