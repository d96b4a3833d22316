"""The shared input options, parsed (kept apart from the reader so that `--help` stays light)."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """The shared input options of every data-reading command."""

    source: str | None = None
    sep: str | None = None
    no_header: bool = False
    na: tuple[str, ...] = ()
    no_default_na: bool = False
    encoding: str = "utf-8"
