"""`mlstats kmeans`: k-means clusters, and how many (elbow by Kneedle, silhouette)."""

import enum
from typing import Annotated, Any

import typer

from mlstats.cli.app import app
from mlstats.cli.options import (
    ColumnsOpt,
    OutputOptions,
    PlotOpt,
    ReadOptions,
    SeedOpt,
    command,
    parse_list,
    report_options,
    resolve_seed,
)

_ASSIGN_ROWS = 1 << 16  # rows written per chunk by --assign


class Scale(enum.StrEnum):
    none = "none"
    zscore = "zscore"
    minmax = "minmax"


@command(app, "kmeans", example="mlstats kmeans sample_data/faithful.csv --seed 1")
def kmeans_command(
    columns: ColumnsOpt = None,
    k: Annotated[int | None, typer.Option(
        "--k", help="Number of clusters: one fit (instead of the --k-range sweep).",
        show_default=False)] = None,
    k_range: Annotated[str | None, typer.Option(
        "--k-range", help="Sweep k over FROM:TO and pick the elbow by Kneedle (default 1:10 "
        "when --k is not given).", show_default=False)] = None,
    n_init: Annotated[int | None, typer.Option(
        "--n-init", help="k-means++ starts per k; the lowest inertia wins (default 10; 1 on "
        "--engine spark, whose k-means|| start is itself a search).",
        show_default=False)] = None,
    max_iter: Annotated[int, typer.Option(
        "--max-iter", help="Most Lloyd iterations per start.")] = 300,
    tol: Annotated[float, typer.Option(
        help="Stop when the centres' total squared shift is at most this times the mean "
        "column variance (scikit-learn's tol).")] = 1e-4,
    scale: Annotated[Scale, typer.Option(
        help="Scale the columns first: none, zscore (standard deviation 1) or minmax "
        "(range 1); centroids are reported in the input's units.")] = Scale.none,
    seed: SeedOpt = None,
    assign: Annotated[bool, typer.Option(
        "--assign", help="Write the input rows, as read, with a cluster column (standard "
        "output or -o); the report goes to standard error.")] = False,
    plot: PlotOpt = None,
    *, read: ReadOptions, out: OutputOptions,
) -> None:
    """k-means clustering (k-means++ starts, Lloyd's algorithm): inertia, explained variance,
    silhouette, sizes and centroids for one --k, or an elbow sweep over --k-range with the
    elbow chosen by Kneedle."""
    from mlstats.cli._emit import emit
    from mlstats.io import read_table
    from mlstats.io.matrix import take_matrix
    from mlstats.render.progress import progress
    from mlstats.stats.kmeans import check_options, kmeans, planned_starts

    if n_init is None:
        n_init = 1 if read.engine == "spark" else 10
    k_span = check_options(k=k, k_range=k_range, n_init=n_init, max_iter=max_iter, tol=tol,
                           scale=scale.value, seed=seed)
    _check_paths(read.source, out.output, plot=plot, assign=assign)
    seed = resolve_seed(seed)
    if read.engine == "spark":
        _kmeans_spark(columns, k, k_span, n_init=n_init, max_iter=max_iter, tol=tol,
                      scale=scale.value, seed=seed, assign=assign, plot=plot, read=read,
                      out=out)
        return
    table = read_table(read)
    if assign and table.source.parquet:
        from mlstats.errors import InputError

        raise InputError("--assign copies the input's CSV rows as read, and a Parquet file has "
                         "none; convert the input to CSV, or drop --assign")
    names = _with_values(table, _columns(table, columns), columns)
    table.drop_missing(names)
    header = table.columns
    data = take_matrix(table, names)
    with progress(planned_starts(k, k_span, n_init), "k-means", quiet=out.quiet) as advance:
        run = kmeans(data, names=names, k=k, k_range=k_range, n_init=n_init,
                     max_iter=max_iter, tol=tol, scale=scale.value, seed=seed,
                     progress=advance, overwrite_data=True)
    result = run.result
    if assign and run.labels is None:
        from mlstats.errors import InputError

        raise InputError(f"--assign needs a k, and the sweep over --k-range {result.k_range} "
                         "found no elbow; give --k")
    if plot is not None:
        _plot(plot, run)
    if assign:
        _write_assigned(table, header, run.labels, out.output)
    sweep = k is None
    if assign:  # -o holds the data: its extension does not choose the report's format
        out = report_options(out)
    emit("kmeans", result, out, table=table, main="elbow" if sweep else "centroids",
         summary=_summary(result, sweep), figure=_curve(result) if sweep else None,
         seed=seed, to_stderr=assign)


def _kmeans_spark(columns: str | None, k: int | None, k_span: tuple[int, int] | None, *,
                  n_init: int, max_iter: int, tol: float, scale: str, seed: int,
                  assign: bool, plot: str | None, read: ReadOptions,
                  out: OutputOptions) -> None:
    """k-means by Spark MLlib's KMeans on the cluster (`spark_summaries.kmeans_fits`); the
    centres, costs and a silhouette sample come back, `kmeans_from_fits` finishes."""
    from mlstats.cli._emit import emit
    from mlstats.engines import open_spark, refuse
    from mlstats.engines.spark_summaries import kmeans_fits
    from mlstats.stats.kmeans import kmeans_from_fits

    for option, given in (("--assign", assign), ("--plot", plot is not None)):
        if given:
            raise refuse("spark", f"kmeans {option}")
    ks = [k] if k_span is None else list(range(k_span[0], k_span[1] + 1))
    with open_spark(read) as src:
        names = _columns(src, columns)
        found = kmeans_fits(src, names, ks, n_init=n_init, max_iter=max_iter, tol=tol,
                            scale=scale, seed=seed)
    result = kmeans_from_fits(found["fits"], total=found["total"], sample=found["sample"],
                              rows=found["n"], names=names, offset=found["offset"],
                              factor=found["factor"], sweep=k_span is not None,
                              algorithm="spark.ml KMeans (k-means||)", scale=scale,
                              n_init=n_init, max_iter=max_iter, tol=tol,
                              warnings=found["warnings"])
    sweep = k_span is not None
    emit("kmeans", result, out, table=src, main="elbow" if sweep else "centroids",
         summary=_summary(result, sweep), figure=_curve(result) if sweep else None, seed=seed)


def _check_paths(source: str | None, output: str | None, *, plot: str | None,
                 assign: bool) -> None:
    """--plot writes a file: never the input or the -o file."""
    import os

    from mlstats.errors import InputError
    from mlstats.io.source import file_identity

    if plot is None:
        return
    if plot == "-":
        raise InputError("--plot writes a PNG file; give a path, not - (standard output holds "
                         "the result)")

    def same(a: str, b: str) -> bool:
        return os.path.realpath(a) == os.path.realpath(b) or (
            file_identity(a) is not None and file_identity(a) == file_identity(b))

    if source not in (None, "-") and same(plot, source):
        raise InputError(f"--plot '{plot}' is the input file; write it somewhere else")
    if output not in (None, "-") and same(plot, output):
        what = "the --assign data" if assign else "the result"
        raise InputError(f"--plot '{plot}' is also the -o file ({what}); give them "
                         "different paths")


def _columns(table: Any, spec: str | None) -> list[str]:
    """--columns, or every numeric column (the others named in a warning)."""
    from mlstats.errors import InputError

    if spec is not None:
        names = table.resolve_many(parse_list(spec))
        if not names:
            raise InputError("--columns names no column; give one or more, e.g. "
                             "--columns a,b")
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise InputError(f"--columns names '{name}' twice; give each column once")
            seen.add(name)
    else:
        names = table.numeric_columns()
        if not names:
            raise InputError("no numeric column to cluster; the columns are: "
                             f"{', '.join(table.columns)} (give numeric ones with --columns)")
        others = [c for c in table.columns if c not in names]
        if others:
            table.warnings.append(f"not numeric, left out: {', '.join(others)} (choose the "
                                  "columns with --columns)")
    if "name" in names:
        raise InputError("a column named 'name' cannot be clustered: each centroid's 'name' "
                         "is its cluster; rename the column")
    return names


def _with_values(table: Any, names: list[str], spec: str | None) -> list[str]:
    """The columns of `_columns` that hold values: an empty one named in --columns (or all
    empty) is an error, one of the default set is left out with a warning (local engine)."""
    from mlstats.errors import InputError

    rows = table.arrow.num_rows
    empty = [c for c in names if rows and table.arrow.column(c).null_count == rows]
    if empty and (spec is not None or len(empty) == len(names)):
        one = len(empty) == 1
        mend = (f"leave {'it' if one else 'them'} out of --columns" if spec is not None
                else "give columns with values with --columns")
        raise InputError(f"{'column' if one else 'columns'} "
                         f"{', '.join(repr(c) for c in empty)} {'has' if one else 'have'} "
                         f"no values, so every row would be left out; {mend}")
    if empty:  # by default: an empty column would leave out every row, silently
        table.warnings.append(f"no values, left out: {', '.join(empty)} (choose the columns "
                              "with --columns)")
        names = [c for c in names if c not in empty]
    return names


def _write_assigned(table: Any, header: list[str], labels: Any, output: str | None) -> None:
    """Every input row as read, plus its cluster (empty for a row left out), as CSV."""
    from mlstats.io.writer import write_data

    write_data(_assigned_rows(table, header, labels), output)


def _assigned_rows(table: Any, header: list[str], labels: Any) -> Any:
    """Chunks of output: the header plus `cluster`, then each data row plus its cluster."""
    import operator

    import numpy as np

    from mlstats.io.chunks import line_ending

    sep = table.sep.encode()
    end = line_ending(table)  # the input's: \n, \r\n or \r, as clean and sample keep it
    name = "cluster"
    while name in header:
        name = f"_{name}"
    if table.has_header:
        yield table.raw_header() + sep + name.encode() + end
    empty = int(labels.max(initial=0)) + 1  # the index of the empty cell
    cluster = np.full(table.rows_read, empty, dtype=np.intp)
    cluster[table.row_numbers()] = labels
    suffixes = np.array([sep + str(c).encode() + end for c in range(empty)] + [sep + end],
                        dtype=object)
    for start in range(0, table.rows_read, _ASSIGN_ROWS):
        stop = min(start + _ASSIGN_ROWS, table.rows_read)
        rows = table.raw_rows(range(start, stop))
        yield b"".join(map(operator.add, rows, suffixes[cluster[start:stop]].tolist()))


def _summary(result: Any, sweep: bool) -> str:
    from mlstats.render.text import display

    def of(r: Any) -> str:
        silhouette = ("" if r.silhouette is None or r.silhouette != r.silhouette
                      else f", silhouette {display(r.silhouette, 3)}")
        return (f"inertia {display(r.inertia)}, explained variance "
                f"{display(r.explained_variance, 3)}{silhouette}; sizes "
                f"{', '.join(map(str, r.sizes))}")

    scaled = "" if result.scale == "none" else f" (--scale {result.scale})"
    if not sweep:
        return f"k-means with k = {result.k}{scaled}: {of(result)}."
    low, high = result.k_range.split(":")
    if result.elbow_k is None:
        return (f"No elbow over k = {low}..{high}{scaled}: the inertia curve has no knee "
                "(Kneedle); see the elbow table.")
    return (f"Elbow (Kneedle) at k = {result.elbow_k} over k = {low}..{high}{scaled}: "
            f"{of(result)}.")


def _curve(result: Any) -> str | None:
    from mlstats.render.charts import line_chart

    ks = [p.k for p in result.elbow]
    chart = line_chart(ks, [p.inertia for p in result.elbow], x_label="k",
                       y_label="inertia", mark=result.elbow_k)
    if not chart:
        return None
    mark = (f"; | marks elbow_k = {result.elbow_k}" if result.elbow_k is not None
            else "; no elbow")
    return f"elbow curve: inertia against k{mark}\n{chart}"


def _plot(path: str, run: Any) -> None:
    """A sweep: the elbow curve (silhouette on a second axis); one k: the clusters on the
    first two principal components (one column: a histogram per cluster)."""
    from mlstats.render.plot import pyplot, save_figure

    plt = pyplot()
    result = run.result
    figure, axes = plt.subplots(figsize=(7, 4.5))
    if hasattr(result, "elbow"):
        _elbow_plot(axes, result)
    else:
        _cluster_plot(axes, run)
    save_figure(figure, path)


def _elbow_plot(axes: Any, result: Any) -> None:
    ks = [p.k for p in result.elbow]
    axes.plot(ks, [p.inertia for p in result.elbow], marker="o", color="C0", label="inertia")
    axes.set_xlabel("k")
    axes.set_ylabel("inertia (within-cluster sum of squares)")
    axes.set_xticks(ks)
    if result.elbow_k is not None:
        axes.axvline(result.elbow_k, color="#c0392b", linestyle="--",
                     label=f"elbow (Kneedle): k = {result.elbow_k}")
    silhouette = [(p.k, p.silhouette) for p in result.elbow if p.silhouette is not None
                  and p.silhouette == p.silhouette]
    lines, labels = axes.get_legend_handles_labels()
    if silhouette:
        twin = axes.twinx()
        twin.plot(*zip(*silhouette, strict=True), marker="s", linestyle=":", color="C2",
                  label="silhouette")
        twin.set_ylabel("silhouette")
        more, names = twin.get_legend_handles_labels()
        lines, labels = lines + more, labels + names
    axes.legend(lines, labels, loc="upper right", frameon=False)
    axes.set_title("elbow curve")


def _cluster_plot(axes: Any, run: Any) -> None:
    import numpy as np

    result = run.result
    data, labels, centres = run.data, run.labels, run.centres
    rows = np.arange(data.shape[0]) if run.sample is None else run.sample
    shown = data[rows]
    if data.shape[1] == 1:  # in the input's units
        values = shown[:, 0] * run.factor[0] + run.offset[0]
        groups = [values[labels[rows] == c] for c in range(result.k)]
        axes.hist(groups, bins=40, stacked=True, label=[f"cluster {c}" for c in range(result.k)])
        for c, row in enumerate(result.centroids):
            axes.axvline(row[result.columns[0]], color="black", linestyle="--", linewidth=1,
                         label="centroids" if c == 0 else None)
        axes.set_xlabel(result.columns[0])
        axes.set_ylabel("rows")
    else:
        # principal axes of the data as clustered (centred, scaled): eigenvectors of XᵀX
        _, vectors = np.linalg.eigh(data.T @ data)
        axes2 = vectors[:, ::-1][:, :2]
        points, marks = shown @ axes2, centres @ axes2
        for c in range(result.k):
            mine = points[labels[rows] == c]
            axes.scatter(mine[:, 0], mine[:, 1], s=8, alpha=0.6, color=f"C{c % 10}",
                         label=f"cluster {c}" if result.k <= 10 else None)
        axes.scatter(marks[:, 0], marks[:, 1], marker="X", s=160, c="black",
                     edgecolors="white", label="centroids")
        axes.set_xlabel("first principal component")
        axes.set_ylabel("second principal component")
    sample = ("" if run.sample is None
              else f" ({run.sample.size:,} of {data.shape[0]:,} rows, seeded sample)")
    axes.set_title(f"k-means, k = {result.k}{sample}")
    axes.legend(loc="best", frameon=False)
