"""`mlstats jackknife`: bias and standard error of a statistic by leaving out one row at a time."""

import math
from typing import Annotated

import typer

from mlstats.cli.app import app
from mlstats.cli.bootstrap import COLUMN_HELP, STAT_HELP
from mlstats.cli.options import ConfidenceOpt, OutputOptions, ReadOptions, command, parse_list


@command(app, "jackknife",
         example="mlstats jackknife sample_data/airquality.csv --column Ozone --stat std")
def jackknife_command(
    column: Annotated[str, typer.Option(help=COLUMN_HELP, show_default=False)],
    stat: Annotated[str, typer.Option(help=STAT_HELP)] = "mean",
    confidence: ConfidenceOpt = 0.95,
    *, read: ReadOptions, out: OutputOptions,
) -> None:
    """Jackknife estimate, bias, standard error and normal interval of a statistic."""
    from mlstats.cli._emit import emit
    from mlstats.io import read_table
    from mlstats.render.text import display
    from mlstats.stats.resampling import check_options, jackknife

    parsed = check_options(stat=stat, confidence=confidence)
    if read.engine == "duckdb":
        table, result = _jackknife_duckdb(column, parsed, confidence, read)
    else:
        table = read_table(read)
        names = table.resolve_many(parse_list(column))
        table.drop_missing(names)
        result = jackknife([table.numeric(name) for name in names], stat=stat,
                           confidence=confidence, column=",".join(names))
    summary = (f"Jackknife {result.statistic} of {result.column}: "
               f"{display(result.jackknife_estimate)} bias-corrected (estimate "
               f"{display(result.estimate)}), standard error {display(result.std_error)}, "
               f"{result.confidence * 100:g}% normal interval {display(result.ci_low)} to "
               f"{display(result.ci_high)}.")
    emit("jackknife", result, out, table=table, summary=summary)


def _jackknife_duckdb(column: str, parsed, confidence: float, read: ReadOptions):
    """The jackknife of a moment statistic from DuckDB summaries (two passes and one of δᵢ)."""
    from mlstats.engines import open_duckdb, refuse
    from mlstats.engines.duckdb_summaries import jackknife_summary
    from mlstats.errors import InputError
    from mlstats.stats.resampling import _too_few, jackknife_from

    if parsed.kind not in ("mean", "var", "std", "cv", "corr"):
        raise refuse("duckdb", f"--stat {parsed.name}")
    with open_duckdb(read) as src:
        names = src.resolve_many(parse_list(column))
        if len(names) != parsed.columns:
            raise InputError(f"--stat {parsed.name} takes {parsed.columns} column"
                             f"{'s' if parsed.columns > 1 else ''} in --column (got "
                             f"{len(names)})")
        found = jackknife_summary(src, names, parsed.kind)
    least = {"var": 3, "std": 3, "cv": 3, "corr": 4}.get(parsed.kind, 2)
    if found["n"] < least:
        raise _too_few(found["n"], least, f"--column {','.join(names)}")
    warnings = []
    if not math.isfinite(found["root_ss"]):
        warnings.append(f"the {parsed.name} is undefined with or without some row; the "
                        "jackknife results are null")
    return src, jackknife_from(parsed, found["n"], found["value"], found["mean_delta"],
                               found["root_ss"], confidence=confidence,
                               column=",".join(names), warnings=warnings)
