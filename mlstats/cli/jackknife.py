"""`mlstats jackknife`: bias and standard error of a statistic by leaving out one row at a time."""

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

    check_options(stat=stat, confidence=confidence)
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
