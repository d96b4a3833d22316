"""Entry point: the app with every command registered."""

from mlstats.cli import describe  # noqa: F401  (each import registers its command)
from mlstats.cli.app import app


def main() -> None:
    app()
