"""`mlstats correlate`: Pearson, Spearman or Kendall correlation of every pair of columns."""

import enum
from typing import Annotated, Any

import typer

from mlstats.cli.ab_test import Correction
from mlstats.cli.app import app
from mlstats.cli.options import (
    ColumnsOpt,
    ConfidenceOpt,
    OutputOptions,
    PlotOpt,
    ReadOptions,
    command,
    parse_list,
)

_NAMES = {"pearson": "Pearson r", "spearman": "Spearman rho", "kendall": "Kendall tau-b"}


class Method(enum.StrEnum):
    pearson = "pearson"
    spearman = "spearman"
    kendall = "kendall"


@command(app, "correlate",
         example="mlstats correlate sample_data/airquality.csv --columns Ozone,Temp,Wind "
         "--method spearman")
def correlate_command(
    columns: ColumnsOpt = None,
    method: Annotated[Method, typer.Option(
        case_sensitive=False, help="pearson (linear), spearman (ranks) or kendall (tau-b).")]
    = Method.pearson,
    confidence: ConfidenceOpt = 0.95,
    correction: Annotated[Correction, typer.Option(
        case_sensitive=False, help="Adjust the pairs' p-values for multiple testing "
        "(R p.adjust) into p_adjusted.")] = Correction.none,
    plot: PlotOpt = None,
    *, read: ReadOptions, out: OutputOptions,
) -> None:
    """Correlation of every pair of columns, with p-values and confidence intervals."""
    from mlstats.io import read_table
    from mlstats.stats.correlation import check_options, correlate, rows_in_some_pair

    check_options(method=method.value, confidence=confidence, correction=correction.value)
    if read.engine in ("duckdb", "spark"):
        table, result = _correlate_engine(columns, method, confidence, correction, read)
        _emit_result(result, table, out, plot)
        return
    table = read_table(read)
    chosen = _chosen(table, columns)
    values = {name: table.numeric(name) for name in chosen}
    table.record_use(*rows_in_some_pair(values))
    result = correlate(values, method=method.value, confidence=confidence,
                       correction=correction.value)
    _emit_result(result, table, out, plot)


def _chosen(table: Any, columns: str | None) -> list[str]:
    """--columns (each once), or every numeric column with the others named in a warning
    (`table`: the local table or an engine's source)."""
    from mlstats.errors import InputError

    chosen = table.resolve_many(parse_list(columns))
    twice = sorted({c for c in chosen if chosen.count(c) > 1})
    if twice:
        raise InputError(f"--columns names '{twice[0]}' twice; give each column once")
    if not chosen:
        chosen = table.numeric_columns()
        others = [c for c in table.columns if c not in chosen]
        if others and chosen:
            table.warnings.append(f"not numeric, left out: {', '.join(others)} (choose the "
                                  "columns with --columns)")
    return chosen


def _emit_result(result: Any, table: Any, out: OutputOptions, plot: str | None) -> None:
    from mlstats.cli._emit import emit

    if plot is not None:
        from mlstats.render.plot import heatmap

        names = [row["name"] for row in result.matrix]
        heatmap(names, [[row[c] for c in names] for row in result.matrix], plot,
                title=f"{_NAMES[result.method]} (pairwise complete rows)")
    emit("correlate", result, out, table=table, main="pairs", summary=_summary(result),
         keep_layout=("matrix", "pairs"), shade=("matrix",))


def _correlate_engine(columns: str | None, method: Method, confidence: float,
                      correction: Correction, read: ReadOptions) -> tuple[Any, Any]:
    """Pearson on DuckDB or Spark from each pair's centred sums (ranks need the local
    engine), finished by `correlation_from`."""
    from mlstats.engines import open_duckdb, open_spark, refuse
    from mlstats.stats.correlation import correlation_from

    if method != Method.pearson:
        raise refuse(read.engine, f"--method {method.value}")
    if read.engine == "spark":
        from mlstats.engines.spark_summaries import correlation_facts as summaries
    else:
        from mlstats.engines.duckdb_summaries import correlation_summaries as summaries
    with (open_spark if read.engine == "spark" else open_duckdb)(read) as src:
        chosen = _chosen(src, columns)
        found, pairs, size = summaries(src, chosen) if len(chosen) >= 2 else ([], {}, 0)
    return src, correlation_from(chosen, found, pairs, size=size, method=method.value,
                                 confidence=confidence, correction=correction.value)


def _summary(result: Any) -> str:
    from mlstats.render.text import display

    defined = [p for p in result.pairs if p.r == p.r]
    strongest = max(defined, key=lambda p: abs(p.r))
    count = len(result.pairs)
    adjusted = "" if result.correction == "none" else f", {result.correction}-adjusted"
    return (f"{_NAMES[result.method]} of {len(result.matrix)} columns ({count} "
            f"pair{'' if count == 1 else 's'}); strongest: {strongest.name}, "
            f"{display(strongest.r)} (p = {display(strongest.p_adjusted)}{adjusted}).")
