"""`mlstats regression`: least squares or logistic regression, with inference and prediction."""

import enum
import math
import re
from typing import Annotated, Any

import typer

from mlstats.cli.app import app
from mlstats.cli.options import (
    ConfidenceOpt,
    OutputOptions,
    PlotOpt,
    ReadOptions,
    SeedOpt,
    command,
    parse_list,
    resolve_seed,
)

_NUMBER = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$")


class Robust(enum.StrEnum):
    hc0 = "hc0"
    hc1 = "hc1"
    hc2 = "hc2"
    hc3 = "hc3"


@command(app, "regression",
         example="mlstats regression sample_data/cars.csv --y dist --x speed --predict speed=21")
def regression_command(
    y: Annotated[str, typer.Option("--y", help="Response column (name or 1-based number).",
                                   show_default=False)],
    x: Annotated[str, typer.Option("--x", help="Predictor column(s), comma-separated.",
                                   show_default=False)],
    degree: Annotated[int, typer.Option(
        help="Fit a polynomial of this degree in a single --x (terms x, x^2, …).", min=1)] = 1,
    no_intercept: Annotated[bool, typer.Option(
        "--no-intercept", help="Fit through the origin (R² is then uncentred).")] = False,
    logistic: Annotated[bool, typer.Option(
        "--logistic", help="Logistic regression of a binary --y (maximum likelihood).")] = False,
    positive: Annotated[str | None, typer.Option(
        help="The label of --y that counts as 1 with --logistic (needed unless 0/1, "
        "true/false or yes/no).")] = None,
    robust: Annotated[Robust | None, typer.Option(
        help="Heteroskedasticity-consistent standard errors (statsmodels cov_type).")] = None,
    predict: Annotated[list[str] | None, typer.Option(
        help="Predict at NAME=VALUE,… (repeatable), with confidence and prediction "
        "intervals.")] = None,
    cv: Annotated[int | None, typer.Option(
        help="K-fold cross-validation (seeded by --seed): cv_r2 and cv_mse.")] = None,
    seed: SeedOpt = None,
    confidence: ConfidenceOpt = 0.95,
    residuals: Annotated[str | None, typer.Option(
        help="Write the rows used, with fitted and residual columns, to this CSV file.")]
    = None,
    plot: PlotOpt = None,
    *, read: ReadOptions, out: OutputOptions,
) -> None:
    """Fit y on predictors: coefficients with tests and intervals, R², F, AIC/BIC, VIF,
    robust standard errors, predictions, cross-validation; or --logistic for a 0/1 outcome."""
    from mlstats.cli._emit import emit
    from mlstats.io import read_table
    from mlstats.render.progress import progress

    _check_options(logistic=logistic, positive=positive, robust=robust)
    _check_paths(read.source, out.output, residuals=residuals, plot=plot)
    seed = resolve_seed(seed, random=cv is not None)
    table = read_table(read)
    from mlstats.stats.logistic import binary_outcome
    from mlstats.stats.logistic import logistic as fit_logistic
    from mlstats.stats.regression import ols

    response, names = _columns(table, y, x)
    text_y = logistic and not table.is_numeric(response)
    numeric = names if text_y else [response, *names]
    data = table.complete([response, *names], numeric=numeric)
    points = _points(predict or [], names, parse_list(x))
    predictors = {name: data[name] for name in names}
    common = dict(y_name=response, degree=degree, intercept=not no_intercept,
                  confidence=confidence, predict=points, cv=cv, seed=seed)
    with progress(cv or 0, "cross-validating", quiet=out.quiet) as advance:
        if logistic:
            outcome, label = binary_outcome(data[response], name=response, positive=positive)
            fit = fit_logistic(outcome, predictors, positive=label, progress=advance, **common)
        else:
            outcome = data[response]
            fit = ols(outcome, predictors, robust=robust.value if robust else None,
                      progress=advance, **common)
    if residuals is not None:
        _write_residuals(residuals, table, [response, *names], numeric, fit)
    if plot is not None:
        _plot(plot, fit, predictors, outcome, response)
    emit("regression", fit.result, out, table=table, main="coefficients",
         summary=_summary(fit.result), seed=seed)


def _check_options(*, logistic: bool, positive: str | None, robust: Robust | None) -> None:
    from mlstats.errors import InputError

    if positive is not None and not logistic:
        raise InputError("--positive applies to --logistic; add --logistic or drop --positive")
    if robust is not None and logistic:
        raise InputError("--robust applies to least squares, not --logistic; drop --robust")


def _check_paths(source: str | None, output: str | None, *, residuals: str | None,
                 plot: str | None) -> None:
    """--residuals and --plot write files: never the input, never one another or -o."""
    import os

    from mlstats.errors import InputError
    from mlstats.io.source import file_identity

    def same(a: str, b: str) -> bool:
        return os.path.realpath(a) == os.path.realpath(b) or (
            file_identity(a) is not None and file_identity(a) == file_identity(b))

    files = [(option, path) for option, path in (("--residuals", residuals), ("--plot", plot))
             if path is not None]
    for option, path in files:
        if path == "-":
            raise InputError(f"{option} writes a file; give a path, not - (standard output "
                             "holds the result)")
        if source not in (None, "-") and same(path, source):
            raise InputError(f"{option} '{path}' is the input file; write it somewhere else")
        if output not in (None, "-") and same(path, output):
            raise InputError(f"{option} '{path}' is also the -o file; give them different "
                             "paths")
    if len(files) == 2 and same(residuals, plot):
        raise InputError(f"--residuals and --plot both name '{residuals}'; give them "
                         "different paths")


def _columns(table: Any, y: str, x: str) -> tuple[str, list[str]]:
    """Resolve --y and --x; refuse an empty --x, a repeated predictor, or y among the x."""
    from mlstats.errors import InputError

    response = table.resolve(y)
    specs = parse_list(x)
    if not specs:
        raise InputError("--x names no column; give one or more predictors, e.g. --x size,rooms")
    names = table.resolve_many(specs)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"--x names '{name}' twice; give each predictor once")
        seen.add(name)
    if response in seen:
        raise InputError(f"--y '{response}' is also in --x; a column cannot predict itself")
    return response, names


def _points(texts: list[str], names: list[str],
            specs: list[str]) -> list[tuple[str, dict[str, float]]]:
    """Parse each --predict 'NAME=VALUE,…' into a label and a value per predictor."""
    from mlstats.errors import InputError

    aliases = {**dict(zip(specs, names, strict=True)), **{n: n for n in names}}
    points = []
    for text in texts:
        values: dict[str, float] = {}
        shown: dict[str, str] = {}
        for part in text.split(","):
            key, sep, raw = part.partition("=")
            key, raw = key.strip(), raw.strip()
            if not sep or not key:
                raise InputError(f"--predict '{text}' is not NAME=VALUE pairs separated by "
                                 "commas, e.g. --predict 'size=120,rooms=3'")
            if key not in aliases:
                raise InputError(f"--predict '{text}': '{key}' is not a predictor; the "
                                 f"predictors are: {', '.join(names)}")
            name = aliases[key]
            if name in values:
                raise InputError(f"--predict '{text}' gives '{name}' twice")
            if not _NUMBER.match(raw):
                raise InputError(f"--predict '{text}': '{raw}' is not a number")
            if not math.isfinite(float(raw)):
                raise InputError(f"--predict '{text}': '{raw}' is beyond the double-precision "
                                 "range (about 1.8e308)")
            values[name], shown[name] = float(raw), raw
        missing = [n for n in names if n not in values]
        if missing:
            raise InputError(f"--predict '{text}' has no value for "
                             f"{', '.join(repr(m) for m in missing)}; give every predictor: "
                             f"{', '.join(names)}")
        points.append((",".join(f"{n}={shown[n]}" for n in names), values))
    return points


def _write_residuals(path: str, table: Any, used: list[str], numeric: list[str],
                     fit: Any) -> None:
    """The rows used, in input order, with every input column plus fitted and residual."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from mlstats.io import atomic_open

    keep = np.ones(table.arrow.num_rows, dtype=bool)
    for name in used:
        if name in numeric:
            keep &= ~np.isnan(table.numeric(name))
        else:
            keep &= pc.is_valid(table.arrow.column(name)).to_numpy(zero_copy_only=False)
    rows = table.arrow.filter(pa.array(keep))
    for label, values in (("fitted", fit.fitted), ("residual", fit.residuals)):
        while label in rows.column_names:
            label = f"_{label}"
        rows = rows.append_column(label, pa.array(values, type=pa.float64()))
    with atomic_open(path, "wb") as f:
        pacsv.write_csv(rows, f)


def _plot(path: str, fit: Any, predictors: dict, outcome: Any, response: str) -> None:
    """One --x: the data and the fitted curve; several: observed against fitted."""
    import numpy as np

    from mlstats.render.plot import pyplot, save_figure

    plt = pyplot()
    figure, axes = plt.subplots(figsize=(6.4, 4.8))
    result = fit.result
    if len(result.x) == 1:
        name = result.x[0]
        values = predictors[name]
        grid = np.linspace(values.min(), values.max(), 200)
        axes.scatter(values, outcome, s=12, alpha=0.6, label="data")
        axes.plot(grid, fit.mean_at({name: grid}), color="C1", label="fitted")
        axes.set_xlabel(name)
        axes.set_ylabel(response if result.model == "ols" else f"P({response} = "
                        f"{result.positive})")
    else:
        axes.scatter(fit.fitted, outcome, s=12, alpha=0.6)
        if result.model == "ols":
            low, high = min(outcome.min(), fit.fitted.min()), max(outcome.max(),
                                                                  fit.fitted.max())
            axes.plot([low, high], [low, high], color="C1", label="observed = fitted")
        axes.set_xlabel("fitted" if result.model == "ols" else "fitted probability")
        axes.set_ylabel(f"observed {response}")
    axes.set_title(f"{response} ~ {' + '.join(result.x)}")
    if axes.get_legend_handles_labels()[1]:
        axes.legend(loc="best")
    save_figure(figure, path)


def _summary(result: Any) -> str:
    """One plain sentence for the table view."""
    if result.model == "logistic":
        return (f"Logistic regression of {result.y} = {result.positive} on "
                f"{', '.join(result.x)}: McFadden pseudo R² = {result.pseudo_r2:.3g} "
                f"(n = {result.n}).")
    on = (f"a degree-{result.degree} polynomial in {result.x[0]}" if result.degree > 1
          else ", ".join(result.x))
    return (f"Least squares of {result.y} on {on}: R² = {result.r2:.3g}, adjusted "
            f"{result.adj_r2:.3g} (n = {result.n}).")
