"""`mlstats sample`: a random, systematic, stratified or cluster sample of the input's rows."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated

import typer

from mlstats.cli.app import app
from mlstats.cli.options import (
    OutputOptions,
    ReadOptions,
    SeedOpt,
    command,
    report_options,
    resolve_seed,
)

if TYPE_CHECKING:
    from mlstats.io.chunks import Records
    from mlstats.io.reader import Table
    from mlstats.stats.sampling import SampleResult


class Method(enum.StrEnum):
    random = "random"
    systematic = "systematic"
    stratified = "stratified"
    cluster = "cluster"


class Allocation(enum.StrEnum):
    proportional = "proportional"
    equal = "equal"


@command(app, "sample", example="mlstats sample sample_data/airquality.csv --n 5 --seed 1")
def sample_command(
    n: Annotated[int | None, typer.Option("--n", help="Rows to draw.", show_default=False)]
    = None,
    frac: Annotated[float | None, typer.Option(
        help="Fraction of the rows to draw, in (0, 1]: round(frac × rows) rows.",
        show_default=False)] = None,
    method: Annotated[Method, typer.Option(
        case_sensitive=False, help="random: simple random; systematic: every k-th row from a "
        "random start; stratified: within each --by group; cluster: whole --by groups.")]
    = Method.random,
    by: Annotated[str | None, typer.Option(
        help="The stratum (stratified) or cluster (cluster) of each row.")] = None,
    replace: Annotated[bool, typer.Option(
        "--replace", help="Draw with replacement (random, stratified).")] = False,
    allocation: Annotated[Allocation | None, typer.Option(
        case_sensitive=False, help="Rows per stratum: proportional to its size (default) or "
        "equal.", show_default=False)] = None,
    seed: SeedOpt = None,
    *, read: ReadOptions, out: OutputOptions,
) -> None:
    """Draw a sample of rows: CSV rows to standard output or -o, exactly as read and in input
    order; the report (population, sample size, strata or clusters) to standard error."""
    from mlstats.cli._emit import emit
    from mlstats.stats.sampling import check_options

    check_options(n=n, frac=frac, method=method.value, by=by, replace=replace,
                  allocation=allocation.value if allocation is not None else None)
    seed = resolve_seed(seed)
    if read.engine == "spark":
        _sample_spark(read, out, method=method.value, n=n, frac=frac, replace=replace,
                      seed=seed)
        return
    from mlstats.io.reader import local_engine_only

    local_engine_only(read)
    if method in (Method.stratified, Method.cluster):
        result, records = _grouped(read, out, method=method.value, n=n, frac=frac, by=by,
                                   replace=replace, seed=seed, allocation=(
                                       allocation or Allocation.proportional).value)
    else:
        from mlstats.io.chunks import NotStreamable, indexed_records, open_records

        try:
            result, records = _streamed(open_records(read), out, method=method.value, n=n,
                                        frac=frac, replace=replace, seed=seed)
        except NotStreamable:
            from mlstats.io import read_table

            result, records = _streamed(indexed_records(read_table(read)), out,
                                        method=method.value, n=n, frac=frac, replace=replace,
                                        seed=seed)
    emit("sample", result, report_options(out), table=records, seed=seed,
         summary=_summary(result), to_stderr=True)


def _sample_spark(read: ReadOptions, out: OutputOptions, *, method: str, n: int | None,
                  frac: float | None, replace: bool, seed: int) -> None:
    """A random sample on a Spark cluster by bottom-k hashing (`spark_summaries.bottom_k`):
    the header as read, then the rows as CSV (their fields as read, quoted where needed), in
    input order."""
    import csv
    import io

    from mlstats.cli._emit import emit
    from mlstats.engines import open_spark, refuse
    from mlstats.engines.spark_summaries import bottom_k
    from mlstats.io.writer import write_data
    from mlstats.stats import sampling

    if method != "random":
        raise refuse("spark", f"--method {method}")
    if replace:
        raise refuse("spark", "--replace")
    with open_spark(read) as src:
        rows, population = bottom_k(src, n=n, frac=frac, seed=seed)
        sep = getattr(src, "sep", ",")
    text = io.StringIO()
    writer = csv.writer(text, delimiter=sep, lineterminator="\n")
    if src.header_line is not None:  # the header as read
        text.write(src.header_line + "\n")
    elif not read.no_header:
        writer.writerow(src.names)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    write_data([text.getvalue().encode()], out.output)
    result = sampling.SampleResult(method=method, population=population,
                                   sample_size=len(rows), n=n, frac=frac, replace=False,
                                   warnings=sampling.frac_warning(len(rows), population, frac))
    emit("sample", result, report_options(out), table=src, seed=seed,
         summary=_summary(result), to_stderr=True)


def _streamed(records: Records, out: OutputOptions, *, method: str, n: int | None,
              frac: float | None, replace: bool,
              seed: int | None) -> tuple[SampleResult, Records]:
    """Random and systematic samples, in passes over the records (bounded memory)."""
    import itertools

    from mlstats.io.chunks import Selection, reservoir, spooled
    from mlstats.io.writer import write_data
    from mlstats.stats import sampling

    header = [records.header + records.terminator] if records.header else []
    if method == "random" and n is not None and not replace:
        # One pass, Algorithm L: the reservoir is written once the input has been read.
        _, rows = reservoir(records, n, sampling.reservoir_events(n, seed=seed))
        sampling.target_size(records.population, n=n, frac=None, replace=False,
                             where=bool(records.where))
        write_data([*header, *(row + records.terminator for row in rows)], out.output)
        size = len(rows)
    elif method == "systematic" and frac is not None:
        # One pass with step 1/frac; standard output gets the rows once all were checked.
        selection = Selection(records, sampling.systematic_fraction_blocks(frac, seed=seed))
        data = itertools.chain(header, selection)
        write_data(spooled(data) if out.output in (None, "-") else data, out.output)
        size = selection.count
    else:
        # A first pass counts (and checks) the rows; the second copies the chosen ones.
        population = records.count()
        size = sampling.target_size(population, n=n, frac=frac, replace=replace,
                                    where=bool(records.where))
        blocks = (sampling.systematic_blocks(population, size, seed=seed)
                  if method == "systematic" else
                  sampling.random_blocks(population, size, replace=replace, seed=seed))
        write_data(itertools.chain(header, Selection(records, blocks)), out.output)
    population = records.population
    return sampling.SampleResult(
        method=method, population=population, sample_size=size, n=n, frac=frac,
        replace=replace, warnings=sampling.frac_warning(size, population, frac)), records


def _grouped(read: ReadOptions, out: OutputOptions, *, method: str, n: int | None,
             frac: float | None, by: str, replace: bool, seed: int | None,
             allocation: str) -> tuple[SampleResult, Table]:
    """Stratified and cluster samples: the input read whole, rows copied from its index."""
    from mlstats.io import read_table
    from mlstats.io.chunks import line_ending
    from mlstats.io.writer import write_data
    from mlstats.stats import sampling

    table = read_table(read)
    group = table.resolve(by)
    table.drop_missing([group])
    codes, labels = table.codes(group)
    population = int(codes.size)
    if population == 0:
        from mlstats.errors import InputError

        raise InputError(f"every row misses a value in --by '{group}', so there is no "
                         f"{'stratum' if method == 'stratified' else 'cluster'} to draw "
                         "from; choose another --by column")
    size = sampling.target_size(population, n=n, frac=frac, replace=replace,
                                where=bool(table.where))
    warnings = sampling.frac_warning(size, population, frac)
    if method == "stratified":
        chosen, strata, more = sampling.stratified_indices(
            codes, labels, size, allocation=allocation, replace=replace, seed=seed)
        extra = {"strata": strata, "allocation": allocation}
        warnings += more
    else:
        chosen, clusters = sampling.cluster_indices(codes, labels, size, seed=seed)
        extra = {"clusters": clusters, "clusters_total": len(labels)}
    end = line_ending(table)
    header = [table.raw_header() + end] if table.has_header else []
    rows = table.raw_rows(table.row_numbers()[chosen].tolist())
    write_data([*header, *(row + end for row in rows)], out.output)
    return sampling.SampleResult(
        method=method, population=population, sample_size=int(chosen.size), n=n, frac=frac,
        replace=replace, by=group, warnings=warnings, **extra), table


def _summary(result: SampleResult) -> str:
    from mlstats.render.text import display

    of = f"{result.sample_size} of {result.population} rows"
    if result.method == "random":
        how = "with" if result.replace else "without"
        return f"Simple random sample {how} replacement: {of}."
    if result.method == "systematic":
        step = (1 / result.frac if result.frac is not None
                else result.population / result.sample_size)
        return f"Systematic sample, a row every {display(step)} from a random start: {of}."
    if result.method == "stratified":
        return (f"Stratified sample by {result.by}, {result.allocation} allocation: {of} in "
                f"{len(result.strata)} strata.")
    return (f"Cluster sample by {result.by}: {len(result.clusters)} of "
            f"{result.clusters_total} clusters, {of}.")
