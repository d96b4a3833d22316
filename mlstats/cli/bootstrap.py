"""`mlstats bootstrap`: a confidence interval for a statistic by resampling (BCa by default)."""

import enum
from typing import Annotated, Any

import typer

from mlstats.cli.app import app
from mlstats.cli.options import (
    ConfidenceOpt,
    OutputOptions,
    PlotOpt,
    ReadOptions,
    ResamplesOpt,
    SeedOpt,
    command,
    parse_list,
    resolve_seed,
)

STAT_HELP = ("Statistic: mean, median, std, var, trimmed-mean (10 %), pN (percentile N, e.g. "
             "p95), cv (std/mean), corr (two columns).")
COLUMN_HELP = "Column to resample, by header name or 1-based number; two (x,y) for --stat corr."


class Method(enum.StrEnum):
    bca = "bca"
    percentile = "percentile"
    basic = "basic"


class Scheme(enum.StrEnum):
    multinomial = "multinomial"
    poisson = "poisson"


@command(app, "bootstrap",
         example="mlstats bootstrap sample_data/airquality.csv --column Ozone --stat median "
         "--seed 1")
def bootstrap_command(
    column: Annotated[str, typer.Option(help=COLUMN_HELP, show_default=False)],
    stat: Annotated[str, typer.Option(help=STAT_HELP)] = "mean",
    by: Annotated[str | None, typer.Option(
        help="Group column with two groups: the interval is for the difference of the "
        "statistic, second − first (order of appearance), each group resampled on its own.")]
    = None,
    method: Annotated[Method, typer.Option(help="Interval method (as scipy.stats.bootstrap).")]
    = Method.bca,
    confidence: ConfidenceOpt = 0.95,
    resamples: ResamplesOpt = 9999,
    seed: SeedOpt = None,
    scheme: Annotated[Scheme | None, typer.Option(
        help="How a resample is drawn: multinomial (n rows with replacement; the local "
        "engine's default) or poisson (each row's count Poisson(1), keyed on seed, row and "
        "resample: the same on every engine; the DuckDB engine's, for mean, var, std, cv, "
        "corr).", show_default=False)] = None,
    plot: PlotOpt = None,
    *, read: ReadOptions, out: OutputOptions,
) -> None:
    """Confidence interval for a statistic by the bootstrap: BCa, percentile or basic."""
    from mlstats.cli._emit import emit
    from mlstats.cli.side_outputs import check_side_outputs
    from mlstats.io import read_table
    from mlstats.render.charts import histogram as text_histogram
    from mlstats.render.progress import progress, resampling_forecast
    from mlstats.stats.resampling import (
        bootstrap_ci,
        check_options,
        histogram,
        planned_resamples,
    )

    parsed = check_options(stat=stat, confidence=confidence, seed=seed)
    seed = resolve_seed(seed)
    check_side_outputs(out.output, {"--plot": plot})
    with progress(planned_resamples(resamples), "bootstrap", quiet=out.quiet,
                  forecast=resampling_forecast(resamples, "this bootstrap")) as advance:
        if read.engine in ("duckdb", "spark"):
            table, run = _bootstrap_engine(read, parsed, column, by, scheme, method=method,
                                           resamples=resamples, confidence=confidence,
                                           seed=seed, progress=advance)
        else:
            table = read_table(read)
            names = table.resolve_many(parse_list(column))
            group = table.resolve(by) if by is not None else None
            table.drop_missing([*names, group] if group is not None else names)
            values = [table.numeric(name) for name in names]
            codes, labels = table.codes(group) if group is not None else (None, None)
            run = bootstrap_ci(values, stat=stat, groups=codes, group_labels=labels,
                               resamples=resamples, confidence=confidence,
                               method=method.value, seed=seed, column=",".join(names),
                               by=group, scheme=(scheme or Scheme.multinomial).value,
                               rows=table.row_numbers(), progress=advance)
    result = run.result
    if plot is not None:
        _plot(plot, run)
    figure = None
    if run.distribution.size and out.fmt == "table":  # only the table view draws it
        figure = (f"bootstrap distribution ({_shown(run)}); ◀ marks the bins of ci_low and "
                  "ci_high\n" + text_histogram(*histogram(run.distribution),
                                                marks=(result.ci_low, result.ci_high)))
    emit("bootstrap", result, out, table=table, summary=_summary(result), figure=figure,
         seed=seed)


def _bootstrap_engine(read: ReadOptions, parsed: Any, column: str, by: str | None,
                      scheme: Scheme | None, *, method: Method, resamples: int,
                      confidence: float, seed: int, progress: Any) -> tuple[Any, Any]:
    """The Poisson bootstrap on DuckDB or Spark (their `Resampler`), finished by
    `bootstrap_from`. Without --scheme poisson the record marks the resampled values as not
    the local engine's (its default draws multinomial resamples)."""
    from mlstats.engines import open_duckdb, open_spark, refuse

    if read.engine == "spark":
        from mlstats.engines.spark_resampling import Resampler
    else:
        from mlstats.engines.duckdb_resampling import Resampler
    from mlstats.errors import InputError
    from mlstats.stats.poisson import check_statistic
    from mlstats.stats.resampling import (
        _group_count_error,
        _power,
        _too_few,
        bootstrap_from,
        check_resampling,
    )

    if scheme == Scheme.multinomial:
        raise refuse(read.engine, "--scheme multinomial")
    check_statistic(parsed.kind, parsed.name)
    check_resampling(method.value, resamples)
    with (open_spark if read.engine == "spark" else open_duckdb)(read) as src:
        names = src.resolve_many(parse_list(column))
        if len(names) != parsed.columns:
            raise InputError(f"--stat {parsed.name} takes {parsed.columns} column"
                             f"{'s' if parsed.columns > 1 else ''} in --column (got "
                             f"{len(names)}: {','.join(names)})")
        group = src.resolve(by) if by is not None else None
        resampler = Resampler(src, names, group, parsed)
        if group is not None and len(resampler.labels) != 2:
            raise _group_count_error(group, resampler.labels)
        parts = resampler.parts()
        least = 3 if parsed.kind == "corr" else 2
        for part, label in zip(parts, resampler.labels or [None], strict=False):
            if part.n < least:
                raise _too_few(part.n, least, f"group '{label}' of --by {group}"
                               if label is not None else f"--column {','.join(names)}")
        run = bootstrap_from(parts, resampler.stream(parts, seed, resamples),
                             labels=resampler.labels, confidence=confidence,
                             method=method.value, resamples=resamples,
                             column=",".join(names), by=group,
                             unit=_power(parsed) * resampler.exponents[0], warnings=[],
                             progress=progress)
    if scheme is None:
        src.approximate = ("bias", "std_error", "ci_low", "ci_high")
    return src, run


def _summary(result: Any) -> str:
    what = f"the {result.statistic} of {result.column}"
    if result.groups:
        first, second = list(result.groups)
        what = f"the difference in {what}, {second} − {first}"
    level = f"{result.confidence * 100:g}%"
    return (f"{level} {_method_name(result.method)} interval for {what}: {_num(result.ci_low)} "
            f"to {_num(result.ci_high)} (estimate {_num(result.estimate)}, "
            f"{_count(result.resamples)}).")


def _count(resamples: int) -> str:
    return f"{resamples} resample{'' if resamples == 1 else 's'}"


def _shown(run: Any) -> str:
    """The resamples a chart shows: all, or the first ones held (KEEP) with a defined value."""
    shown, resamples = run.distribution.size, run.result.resamples
    if shown == resamples:
        return _count(resamples)
    return f"{shown} of {_count(resamples)}"


def _method_name(method: str) -> str:
    return "BCa" if method == "bca" else method


def _num(value: float) -> str:
    from mlstats.render.text import display

    return display(value)


def _plot(path: str, run: Any) -> None:
    """The bootstrap distribution with the estimate and the interval marked.

    Values beyond 1e±100 are drawn in units of a power of ten named on the axis (matplotlib's
    transforms fail on ranges near the float64 limits).
    """
    import math

    from mlstats.render.plot import pyplot, save_figure
    from mlstats.stats.resampling import histogram

    plt = pyplot()
    result = run.result
    lines = [(value, style, label) for value, style, label in (
        (result.ci_low, "--", f"{_method_name(result.method)} {result.confidence * 100:g}% "
         "interval"), (result.ci_high, "--", None), (result.estimate, "-", "estimate"))
        if value is not None and math.isfinite(value)]
    top = max([abs(v) for v, _, _ in lines]
              + [float(abs(run.distribution).max())] * bool(run.distribution.size), default=0.0)
    unit = 10.0 ** math.floor(math.log10(top)) if top and not 1e-100 < top < 1e100 else 1.0
    figure, axes = plt.subplots(figsize=(7, 4))
    if run.distribution.size:
        counts, edges = histogram(run.distribution / unit, bins=60)
        axes.stairs(counts, edges, fill=True, color="#8aa9c9", edgecolor="white")
    for value, style, label in lines:
        axes.axvline(value / unit, color="#c0392b" if style == "--" else "black",
                     linestyle=style, label=label)
    axes.set_xlabel(_summary_label(result) + (f" (× {unit:g})" if unit != 1.0 else ""))
    axes.set_ylabel("resamples")
    axes.set_title(f"bootstrap distribution ({_shown(run)})")
    if lines:
        axes.legend(loc="best", frameon=False)
    save_figure(figure, path)


def _summary_label(result: Any) -> str:
    if result.groups:
        first, second = list(result.groups)
        return f"{result.statistic} of {result.column}: {second} − {first}"
    return f"{result.statistic} of {result.column}"
