"""Entry point: the app with every command registered (each import registers its command)."""

from mlstats.cli import (  # noqa: F401
    ab_test,
    bootstrap,
    describe,
    jackknife,
    kmeans,
    power,
    precision_recall,
    regression,
    sample_size,
)
from mlstats.cli.app import app


def main() -> None:
    app()
