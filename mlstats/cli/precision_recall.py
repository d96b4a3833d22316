"""`mlstats precision-recall`: how good is the classifier?"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

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
    resolve_seed,
)

if TYPE_CHECKING:
    from mlstats.io import Table
    from mlstats.stats.classification import Curve, Result

_HELP = "see mlstats precision-recall --help"


@command(app, "precision-recall",
         example="mlstats precision-recall sample_data/scores.csv --true label --score score")
def precision_recall_command(
    true: Annotated[str, typer.Option(
        "--true", help="Column of true labels, by header name or 1-based number.",
        show_default=False)],
    score: Annotated[str | None, typer.Option(
        help="Column of scores (higher means more likely positive); gives the curves, AP, "
        "ROC-AUC and best F1.")] = None,
    pred: Annotated[str | None, typer.Option(
        help="Column of predicted labels; more than two labels give the multi-class report.")]
    = None,
    positive: Annotated[str | None, typer.Option(
        help="The positive label (default: 1, true or yes when the labels are such a pair).")]
    = None,
    threshold: Annotated[float | None, typer.Option(
        help="With --score: score >= threshold is positive (default 0.5).")] = None,
    beta: Annotated[float | None, typer.Option(
        help="Add F-beta (beta > 1 weighs recall more, < 1 precision).")] = None,
    target_precision: Annotated[float | None, typer.Option(
        help="With --score: the lowest threshold reaching this precision, and its recall.")]
    = None,
    curve: Annotated[str | None, typer.Option(
        help="With --score: write threshold, precision, recall, f1, fpr, tpr at every distinct "
        "threshold to this CSV file.")] = None,
    plot: PlotOpt = None,
    ci: Annotated[bool, typer.Option(
        "--ci", help="Bootstrap intervals (stratified by true class, percentile) for "
        "precision, recall, F1, and with --score AP and ROC-AUC.")] = False,
    resamples: ResamplesOpt = 2000,
    confidence: ConfidenceOpt = 0.95,
    seed: SeedOpt = None,
    baseline_score: Annotated[str | None, typer.Option(
        help="Compare with this second score column of the input (paired bootstrap).")] = None,
    compare: Annotated[str | None, typer.Option(
        help="Compare with a baseline file holding the --score (or --pred) column; rows are "
        "joined on --id, else taken in order.")] = None,
    id_column: Annotated[str | None, typer.Option(
        "--id", help="With --compare: the key column that joins the two files.")] = None,
    *, read: ReadOptions, out: OutputOptions,
) -> None:
    """Precision, recall, F1, AP and ROC-AUC of a classifier, with bootstrap intervals."""
    from mlstats.cli.side_outputs import check_side_outputs
    from mlstats.errors import InputError
    from mlstats.io import read_table
    from mlstats.render.progress import progress, resampling_forecast
    from mlstats.stats.classification import NO_ROWS, precision_recall

    _check_usage(score=score, pred=pred, threshold=threshold, target_precision=target_precision,
                 curve=curve, plot=plot, baseline_score=baseline_score, compare=compare,
                 id_column=id_column)
    seed = resolve_seed(seed, random=ci or baseline_score is not None or compare is not None)
    check_side_outputs(out.output, {"--curve": curve, "--plot": plot})
    if read.engine == "spark":
        table, result, groups = _scored_on_spark(
            read, true, score, pred=pred, compare=compare, baseline_score=baseline_score,
            positive=positive, threshold=threshold, beta=beta,
            target_precision=target_precision, ci=ci, resamples=resamples,
            confidence=confidence, seed=seed, quiet=out.quiet)
        _finish(result, groups, table, out, curve=curve, plot=plot, seed=seed)
        return
    if read.engine == "duckdb":
        from mlstats.engines import refuse

        if compare is not None:
            raise refuse(read.engine, "--compare")
        if baseline_score is not None:
            raise refuse(read.engine, "--baseline-score")
        if pred is not None:
            table, result = _predicted_on_duckdb(read, true, pred, positive=positive, beta=beta,
                                                 ci=ci, resamples=resamples,
                                                 confidence=confidence, seed=seed,
                                                 quiet=out.quiet)
            _finish(result, None, table, out, curve=curve, plot=plot, seed=seed)
            return
        table, result, groups = _scored_on_duckdb(
            read, true, score, positive=positive, threshold=threshold, beta=beta,
            target_precision=target_precision, ci=ci, resamples=resamples,
            confidence=confidence, seed=seed, quiet=out.quiet)
        _finish(result, groups, table, out, curve=curve, plot=plot, seed=seed)
        return
    table = read_table(read)
    truth = table.resolve(true)
    column = table.resolve(score if score is not None else pred)
    baseline, baseline_truth, baseline_name = _baseline(table, read, column, truth,
                                                        baseline_score, compare, id_column)
    table.drop_missing([c for c in (truth, column, baseline) if c is not None])
    if table.rows_used == 0:
        raise InputError(NO_ROWS)
    comparing = baseline is not None
    with progress(resamples, "bootstrap", quiet=out.quiet or not (ci or comparing),
                  forecast=resampling_forecast(resamples, "this bootstrap")) as advance:
        result, groups = precision_recall(
            table.codes(truth),
            score=table.numeric(column) if score is not None else None,
            predicted=table.codes(column) if pred is not None else None,
            baseline_score=table.numeric(baseline) if comparing and score is not None else None,
            baseline_predicted=table.codes(baseline) if comparing and pred is not None else None,
            baseline_truth=table.codes(baseline_truth) if baseline_truth is not None else None,
            baseline_name=baseline_name, positive=positive, threshold=threshold, beta=beta,
            target_precision=target_precision, ci=ci, resamples=resamples,
            confidence=confidence, seed=seed, progress=advance)
    _finish(result, groups, table, out, curve=curve, plot=plot, seed=seed)


def _finish(result: Result, groups: Any, table: Any, out: OutputOptions, *,
            curve: str | None, plot: str | None, seed: int | None) -> None:
    """Write the curve and the chart, then the record."""
    from mlstats.cli._emit import emit

    if curve is not None:
        _write_curve(curve, groups.curve())
    if plot is not None:
        _plot(plot, groups.curve(points=20_000), result)
    figure = (_figure(groups.curve(points=400), result)
              if groups is not None and out.fmt == "table" else None)
    multiclass = hasattr(result, "per_class")
    emit("precision-recall", result, out, table=table,
         main="per_class" if multiclass else "comparison", summary=_summary(result),
         figure=figure, seed=seed, keep_layout=("confusion",))


def _scored_on_duckdb(read: ReadOptions, true: str, score: str, *, quiet: bool,
                      threshold: float | None, **options: Any) -> tuple[Any, Result, Any]:
    """One model's scores on DuckDB: positives and negatives per distinct score by SQL,
    finished by `binary_from_groups` (memory: the distinct scores, not the rows)."""
    from mlstats.engines import open_duckdb
    from mlstats.engines.duckdb_summaries import score_counts
    from mlstats.errors import InputError
    from mlstats.render.progress import progress, resampling_forecast
    from mlstats.stats.classification import NO_ROWS, binary_from_groups, positive_label

    with open_duckdb(read) as src:
        labels, groups_of = score_counts(src, src.resolve(true), src.resolve(score))
    if not labels:
        raise InputError(NO_ROWS)
    chosen = positive_label(labels, options.pop("positive"))
    groups = groups_of(chosen)
    resamples = options["resamples"]
    with progress(resamples, "bootstrap", quiet=quiet or not options["ci"],
                  forecast=resampling_forecast(resamples, "this bootstrap")) as advance:
        result = binary_from_groups(
            groups, score_range=(float(groups.thresholds[-1]), float(groups.thresholds[0])),
            positive=chosen, threshold=0.5 if threshold is None else threshold,
            progress=advance, **options)
    return src, result, groups


def _scored_on_spark(read: ReadOptions, true: str, score: str | None, *, pred: str | None,
                     compare: str | None, baseline_score: str | None, quiet: bool,
                     threshold: float | None, **options: Any) -> tuple[Any, Result, Any]:
    """One model's scores on a Spark cluster: the counts per distinct score come back (per
    bin beyond `DISTINCT_SCORES`), finished by `binary_from_groups`."""
    from mlstats.engines import open_spark, refuse
    from mlstats.engines.spark_summaries import score_groups
    from mlstats.render.progress import progress, resampling_forecast
    from mlstats.stats.classification import binary_from_groups

    for option, value in (("--pred", pred), ("--compare", compare),
                          ("--baseline-score", baseline_score)):
        if value is not None:
            raise refuse("spark", option)
    cut = 0.5 if threshold is None else threshold
    with open_spark(read) as src:
        groups, label, score_range, bins = score_groups(
            src, src.resolve(true), src.resolve(score), positive=options.pop("positive"),
            threshold=cut)
        if bins is not None:
            src.approximate = ("average_precision", "roc_auc", "best_f1", "best_f1_threshold",
                               "threshold_at_precision", "recall_at_precision")
            src.extra["score_bins"] = bins
            src.warnings.append(
                f"more than {bins} distinct scores: the curve is taken over {bins} bins of "
                "equal width (the counts at --threshold stay exact); average_precision, "
                "roc_auc, best_f1 and the target-precision threshold are approximate")
    resamples = options["resamples"]
    with progress(resamples, "bootstrap", quiet=quiet or not options["ci"],
                  forecast=resampling_forecast(resamples, "this bootstrap")) as advance:
        result = binary_from_groups(groups, score_range=score_range, positive=label,
                                    threshold=cut, progress=advance, **options)
    return src, result, groups


def _predicted_on_duckdb(read: ReadOptions, true: str, pred: str, *, quiet: bool,
                         **options: Any) -> tuple[Any, Result]:
    """Hard predictions on DuckDB: the rows per (true label, predicted label) by one GROUP
    BY, finished by `predictions_from` (memory: the label pairs, not the rows)."""
    from mlstats.engines import open_duckdb
    from mlstats.engines.duckdb_summaries import label_counts
    from mlstats.errors import InputError
    from mlstats.render.progress import progress, resampling_forecast
    from mlstats.stats.classification import NO_ROWS, predictions_from

    with open_duckdb(read) as src:
        codes, labels, counts = label_counts(src, [src.resolve(true), src.resolve(pred)])
    if not counts.size:
        raise InputError(NO_ROWS)
    resamples = options["resamples"]
    with progress(resamples, "bootstrap", quiet=quiet or not options["ci"],
                  forecast=resampling_forecast(resamples, "this bootstrap")) as advance:
        result = predictions_from(codes, labels, counts, progress=advance,
                                  baseline_name=None, **options)
    return src, result


def _check_usage(*, score: str | None, pred: str | None, threshold: float | None,
                 target_precision: float | None, curve: str | None, plot: str | None,
                 baseline_score: str | None, compare: str | None,
                 id_column: str | None) -> None:
    """Option combinations that make no sense, refused before any data is read."""
    from mlstats.errors import InputError

    if score is None and pred is None:
        raise InputError(f"give --score COL (scores) or --pred COL (predicted labels); {_HELP}")
    if score is not None and pred is not None:
        raise InputError(f"--score and --pred exclude each other: give one; {_HELP}")
    if pred is not None:
        for option, value in (("--threshold", threshold), ("--target-precision",
                              target_precision), ("--curve", curve), ("--plot", plot)):
            if value is not None:
                raise InputError(f"{option} needs --score (hard predictions have no "
                                 f"threshold or curve); {_HELP}")
        if baseline_score is not None:
            raise InputError(f"--baseline-score needs --score; compare predictions with "
                             f"--compare FILE; {_HELP}")
    if baseline_score is not None and compare is not None:
        raise InputError(f"--baseline-score and --compare exclude each other: give one; {_HELP}")
    if id_column is not None and compare is None:
        raise InputError(f"--id needs --compare (it joins the baseline file); {_HELP}")


def _baseline(table: Table, read: ReadOptions, column: str, truth: str,
              baseline_score: str | None, compare: str | None,
              id_column: str | None) -> tuple[str | None, str | None, str | None]:
    """The baseline model's column in `table` (a file's is joined in and appended).

    Returns the baseline column, the baseline file's copy of the true labels (when it has
    one, to check that the rows line up) and a name for the report.
    """
    if baseline_score is not None:
        name = table.resolve(baseline_score)
        return name, None, f"column {name}"
    if compare is None:
        return None, None, None
    import dataclasses

    import pyarrow.compute as pc

    from mlstats.errors import InputError
    from mlstats.io import read_table

    other = read_table(dataclasses.replace(read, source=compare))
    if column not in other.columns:
        raise InputError(f"--compare file '{compare}' has no column '{column}' (the baseline's "
                         f"scores or predictions go in a column of that name); columns are: "
                         f"{', '.join(other.columns)}")
    if id_column is None:
        if other.rows_read != table.rows_read:
            raise InputError(f"--compare file '{compare}' has {other.rows_read} data rows but "
                             f"the input has {table.rows_read}; join them on a key with --id COL")
        take = None
    else:
        key = table.resolve(id_column)
        if key not in other.columns:
            raise InputError(f"--compare file '{compare}' has no --id column '{key}'; columns "
                             f"are: {', '.join(other.columns)}")
        mine = _unique_keys(table, key, "the input")
        theirs = _unique_keys(other, key, f"'{compare}'")
        if mine.type != theirs.type:
            mine, theirs = mine.cast("string"), theirs.cast("string")
        take = pc.index_in(mine, value_set=theirs, skip_nulls=True)
        unmatched = take.null_count - mine.null_count
        if unmatched and unmatched == len(mine) - mine.null_count:
            raise InputError(f"no --id value of the input occurs in '{compare}' (e.g. "
                             f"'{_first_valid(mine)}' and '{_first_valid(theirs)}'); give the "
                             "key column that both files share")
        if unmatched == 1:
            table.warnings.append(f"1 row of the input has no --id match in '{compare}'; it is "
                                  "left out")
        elif unmatched:
            table.warnings.append(f"{unmatched} rows of the input have no --id match in "
                                  f"'{compare}'; they are left out")
    names = []
    for source in (column, truth):
        if source not in other.columns:
            names.append(None)
            continue
        values = other.arrow.column(source)
        name = f"{compare}:{source}"
        table.arrow = table.arrow.append_column(
            name, values if take is None else pc.take(values, take))
        names.append(name)
    return names[0], names[1], compare


def _unique_keys(table: Table, key: str, where: str):
    import pyarrow.compute as pc

    from mlstats.errors import InputError

    keys = table.arrow.column(key).combine_chunks()
    counts = pc.value_counts(keys.drop_null())
    repeated = pc.filter(counts, pc.greater(counts.field("counts"), 1))
    if len(repeated):
        value = repeated[0]["values"].as_py()
        raise InputError(f"--id column '{key}' is not unique in {where}: '{value}' occurs "
                         f"{repeated[0]['counts'].as_py()} times; give a key that names one row")
    return keys


def _first_valid(keys) -> object:
    valid = keys.drop_null()
    return valid[0].as_py() if len(valid) else None


def _write_curve(path: str, curve: Curve) -> None:
    """The curve as CSV at full precision; the last row (no threshold) predicts nothing."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from mlstats.io import atomic_open

    names = ["threshold", "precision", "recall", "f1", "fpr", "tpr"]
    data = pa.table([pa.array(getattr(curve, n), from_pandas=True) for n in names], names=names)
    with atomic_open(path, "wb") as f:
        f.write((",".join(names) + "\n").encode())
        pacsv.write_csv(data, f, pacsv.WriteOptions(include_header=False))


def _plot(path: str, curve: Curve, result: Result) -> None:
    """PR curve (step, as scikit-learn draws it) and ROC curve, the threshold marked."""
    from mlstats.render.plot import pyplot, save_figure
    from mlstats.render.text import display

    plt = pyplot()
    figure, (pr, roc) = plt.subplots(1, 2, figsize=(10, 4.5))
    pr.plot(curve.recall, curve.precision, drawstyle="steps-post")
    pr.plot([result.recall], [result.precision], "o",
            label=f"threshold {display(result.threshold)}")
    pr.set(xlabel="recall", ylabel="precision", xlim=(0, 1.01), ylim=(0, 1.02),
           title=f"Precision-recall (AP {display(result.average_precision, 4)})")
    pr.legend(loc="lower left")
    roc.plot(curve.fpr, curve.tpr)
    roc.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=0.8)
    roc.plot([result.fpr], [result.recall], "o", label=f"threshold {display(result.threshold)}")
    roc.set(xlabel="false positive rate", ylabel="true positive rate", xlim=(0, 1.01),
            ylim=(0, 1.02), title=f"ROC (AUC {display(result.roc_auc, 4)})")
    roc.legend(loc="lower right")
    save_figure(figure, path)


def _figure(curve: Curve, result: Result) -> str:
    from mlstats.render.charts import line_chart

    return line_chart(curve.recall.tolist(), curve.precision.tolist(), x_label="recall",
                      y_label="precision (| = the threshold's recall)", mark=result.recall)


def _summary(result: Result) -> str:
    from mlstats.render.text import display

    def d(value: float | None) -> str:
        return display(value, 4)

    if hasattr(result, "per_class"):
        return (f"{len(result.per_class)} classes: accuracy {d(result.accuracy)}, macro F1 "
                f"{d(result.macro_f1)}; confusion rows are true labels, columns predicted.")
    at = f"At threshold {display(result.threshold)}, " if result.threshold is not None else ""
    text = (f"{at}positive '{result.positive}': precision {d(result.precision)}, recall "
            f"{d(result.recall)}, F1 {d(result.f1)}")
    if hasattr(result, "roc_auc"):
        text += f"; AP {d(result.average_precision)}, ROC-AUC {d(result.roc_auc)}"
    return text + "."
