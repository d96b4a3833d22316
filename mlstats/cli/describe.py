"""`mlstats describe`: summary statistics per column."""

from typing import Annotated

import typer

from mlstats.cli.app import app
from mlstats.cli.options import (
    ColumnsOpt,
    ConfidenceOpt,
    OutputOptions,
    ReadOptions,
    command,
    parse_list,
)


@command(app, "describe", example="mlstats describe sample_data/airquality.csv --by Month")
def describe_command(
    columns: ColumnsOpt = None,
    by: Annotated[str | None, typer.Option(help="Summarise within each group of this column.")]
    = None,
    confidence: ConfidenceOpt = 0.95,
    exact_quantiles: Annotated[bool, typer.Option(
        "--exact-quantiles", help="With --engine spark: exact quartiles (two more passes) "
        "instead of percentile_approx's; other engines are always exact.")] = False,
    *, read: ReadOptions, out: OutputOptions,
) -> None:
    """Summary statistics per column: n, mean, std, quantiles, skew, kurtosis, CI of the mean."""
    from mlstats.cli._emit import emit
    from mlstats.io import read_table

    if read.engine == "duckdb":
        _describe_duckdb(columns, by, confidence, read=read, out=out)
        return
    if read.engine == "spark":
        _describe_spark(columns, by, confidence, exact_quantiles, read=read, out=out)
        return
    table = read_table(read)
    group = table.resolve(by) if by is not None else None
    if group is not None:
        table.drop_missing([group])
    chosen = table.resolve_many(parse_list(columns)) or table.numeric_columns(exclude=[group])
    taken = {*chosen, group}
    text = [] if columns else [c for c in table.columns if c not in taken]
    from mlstats.stats.describe import describe

    result = describe(
        table.numeric_columns_lazily(chosen), confidence=confidence,
        labels={c: table.labels(c) for c in text},
        groups=table.labels(group) if group is not None else None, by=group,
    )
    emit("describe", result, out, table=table)


def _describe_duckdb(columns: str | None, by: str | None, confidence: float, *,
                     read: ReadOptions, out: OutputOptions) -> None:
    from mlstats.cli._emit import emit
    from mlstats.engines import open_duckdb
    from mlstats.engines.duckdb_summaries import describe_summaries
    from mlstats.stats.describe import describe_from

    with open_duckdb(read) as src:
        group = src.resolve(by) if by is not None else None
        chosen = src.resolve_many(parse_list(columns)) or src.numeric_columns(exclude=[group])
        taken = {*chosen, group}
        text = [] if columns else [c for c in src.columns if c not in taken]
        summaries, texts = describe_summaries(src, chosen, by=group, text=text)
    result = describe_from(summaries, confidence=confidence, by=group, text=texts)
    emit("describe", result, out, table=src)


def _describe_spark(columns: str | None, by: str | None, confidence: float, exact: bool, *,
                    read: ReadOptions, out: OutputOptions) -> None:
    from mlstats.cli._emit import emit
    from mlstats.engines import open_spark
    from mlstats.engines.spark_summaries import describe_summaries
    from mlstats.stats.describe import describe_from

    with open_spark(read) as src:
        group = src.resolve(by) if by is not None else None
        chosen = src.resolve_many(parse_list(columns)) or src.numeric_columns(exclude=[group])
        taken = {*chosen, group}
        text = [] if columns else [c for c in src.columns if c not in taken]
        summaries, texts = describe_summaries(src, chosen, by=group, text=text, exact=exact)
    result = describe_from(summaries, confidence=confidence, by=group, text=texts)
    emit("describe", result, out, table=src)
