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
    from mlstats.cli._emit import emit
    from mlstats.errors import InputError
    from mlstats.io import read_table
    from mlstats.stats.correlation import check_options, correlate, rows_in_some_pair

    check_options(method=method.value, confidence=confidence, correction=correction.value)
    if read.engine == "duckdb":
        _correlate_duckdb(columns, method, confidence, correction, plot, read=read, out=out)
        return
    table = read_table(read)
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

    values = {name: table.numeric(name) for name in chosen}
    table.record_use(*rows_in_some_pair(values))
    result = correlate(values, method=method.value, confidence=confidence,
                       correction=correction.value)
    if plot is not None:
        from mlstats.render.plot import heatmap

        heatmap(list(values), [[row[c] for c in values] for row in result.matrix], plot,
                title=f"{_NAMES[result.method]} (pairwise complete rows)")
    emit("correlate", result, out, table=table, main="pairs", summary=_summary(result),
         keep_layout=("matrix", "pairs"), shade=("matrix",))


def _correlate_duckdb(columns: str | None, method: Method, confidence: float,
                      correction: Correction, plot: str | None, *, read: ReadOptions,
                      out: OutputOptions) -> None:
    """Pearson on DuckDB from each pair's centred sums (ranks need the local engine)."""
    from mlstats.cli._emit import emit
    from mlstats.engines import open_duckdb, refuse
    from mlstats.engines.duckdb_summaries import correlation_summaries
    from mlstats.stats.correlation import correlation_from

    if method != Method.pearson:
        raise refuse(read.engine, f"--method {method.value}")
    with open_duckdb(read) as src:
        chosen = src.resolve_many(parse_list(columns)) or src.numeric_columns()
        found, pairs, size = correlation_summaries(src, chosen) if len(chosen) >= 2 else (
            [], {}, 0)
    result = correlation_from(chosen, found, pairs, size=size, method=method.value,
                              confidence=confidence, correction=correction.value)
    if plot is not None:
        from mlstats.render.plot import heatmap

        heatmap(chosen, [[row[c] for c in chosen] for row in result.matrix], plot,
                title=f"{_NAMES[result.method]} (pairwise complete rows)")
    emit("correlate", result, out, table=src, main="pairs", summary=_summary(result),
         keep_layout=("matrix", "pairs"), shade=("matrix",))


def _summary(result: Any) -> str:
    from mlstats.render.text import display

    defined = [p for p in result.pairs if p.r == p.r]
    strongest = max(defined, key=lambda p: abs(p.r))
    count = len(result.pairs)
    adjusted = "" if result.correction == "none" else f", {result.correction}-adjusted"
    return (f"{_NAMES[result.method]} of {len(result.matrix)} columns ({count} "
            f"pair{'' if count == 1 else 's'}); strongest: {strongest.name}, "
            f"{display(strongest.r)} (p = {display(strongest.p_adjusted)}{adjusted}).")
