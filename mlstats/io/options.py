"""The shared input options, parsed (kept apart from the reader so that `--help` stays light)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlstats.expr import Expr


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """The shared input options of every data-reading command."""

    source: str | None = None
    sep: str | None = None
    no_header: bool = False
    na: tuple[str, ...] = ()
    no_default_na: bool = False
    encoding: str = "utf-8"
    engine: str = "local"  # or duckdb, spark: where the summaries are computed
    where: tuple[Expr, ...] = ()  # --where conditions, all must hold
    remote: str | None = None  # --engine spark: the Spark Connect address (or SPARK_REMOTE)
    table: str | None = None  # --engine spark: a catalog table instead of a path
