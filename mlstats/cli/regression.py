"""`mlstats regression`: least squares or logistic regression, with inference and prediction."""

import enum
import math
import re
from dataclasses import dataclass
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


class AnovaType(enum.StrEnum):
    sequential = "1"
    marginal = "2"
    partial = "3"


@command(app, "regression",
         example="mlstats regression sample_data/toothgrowth.csv --formula 'len ~ supp * dose' "
         "--anova")
def regression_command(
    y: Annotated[str | None, typer.Option(
        "--y", help="Response column (name or 1-based number).", show_default=False)] = None,
    x: Annotated[str | None, typer.Option(
        "--x", help="Predictor column(s), comma-separated; text columns are categorical "
        "(treatment contrasts).", show_default=False)] = None,
    formula: Annotated[str | None, typer.Option(
        help="A model formula instead of --y/--x, e.g. 'len ~ supp * dose', "
        "'y ~ C(g, Treatment(\"b\")) + np.log(x) + I(x**2) + poly(z, 3)'.",
        show_default=False)] = None,
    reference: Annotated[list[str] | None, typer.Option(
        help="The reference level of a categorical predictor, COLUMN=LEVEL (repeatable; "
        "default: the first level in sorted order).", show_default=False)] = None,
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
    weights: Annotated[str | None, typer.Option(
        help="Weighted least squares with this column of weights (R's lm(weights =)); rows "
        "of weight 0 are left out.", show_default=False)] = None,
    anova: Annotated[bool, typer.Option(
        "--anova", help="The analysis of variance table (of deviance, with --logistic).")]
    = False,
    anova_type: Annotated[AnovaType, typer.Option(
        help="1: sequential (R's anova); 2, 3: car::Anova types II and III.")]
    = AnovaType.sequential,
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
    """Fit y on predictors, or a --formula: coefficients with tests and intervals, R², F,
    AIC/BIC, ANOVA, residual diagnostics, robust or weighted fits, predictions,
    cross-validation; or --logistic for a 0/1 outcome."""
    from mlstats.cli._emit import emit
    from mlstats.io import read_table
    from mlstats.render.progress import progress
    from mlstats.render.regression import regression_head

    _check_options(y=y, x=x, formula=formula, degree=degree, no_intercept=no_intercept,
                   logistic=logistic, positive=positive, robust=robust, weights=weights,
                   anova=anova, anova_type=anova_type)
    from mlstats.cli.side_outputs import check_side_outputs

    check_side_outputs(out.output, {"--residuals": residuals, "--plot": plot},
                       source=read.source)
    seed = resolve_seed(seed, random=cv is not None)
    if read.engine == "spark":
        refused = {"--formula": formula, "--reference": reference, "--robust": robust,
                   "--weights": weights, "--cv": cv, "--residuals": residuals, "--plot": plot,
                   "--degree": degree if degree != 1 else None}
        _regression_spark(y, x, intercept=not no_intercept, logistic=logistic,
                          positive=positive, predict=predict or [], confidence=confidence,
                          anova=int(anova_type) if anova else None, refused=refused,
                          read=read, out=out)
        return
    if read.engine == "duckdb" and not logistic:
        for option, value in (("--formula", formula), ("--cv", cv), ("--residuals", residuals),
                              ("--plot", plot)):
            if value is not None:
                from mlstats.engines import refuse

                raise refuse(read.engine, option)
        src, result = _ols_duckdb(read, y=y, x=x, references=reference or [], weights=weights,
                                  degree=degree, intercept=not no_intercept, robust=robust,
                                  anova=int(anova_type) if anova else None, predict=predict,
                                  confidence=confidence)
        emit("regression", result, out, table=src, main="coefficients",
             summary=_summary(result), seed=seed, head=regression_head)
        return
    if read.engine == "duckdb":
        for option, value in (("--formula", formula), ("--cv", cv), ("--residuals", residuals),
                              ("--plot", plot), ("--anova", True if anova else None)):
            if value is not None:
                from mlstats.engines import refuse

                raise refuse(read.engine, f"{option} with --logistic")
        src, result = _logistic_duckdb(read, y=y, x=x, references=reference or [],
                                       degree=degree, intercept=not no_intercept,
                                       positive=positive, predict=predict,
                                       confidence=confidence)
        emit("regression", result, out, table=src, main="coefficients",
             summary=_summary(result), seed=seed, head=regression_head)
        return
    table = read_table(read)
    from mlstats.stats.logistic import binary_outcome
    from mlstats.stats.logistic import logistic as fit_logistic
    from mlstats.stats.regression import ols

    model = _model(table, y=y, x=x, formula=formula, references=reference or [],
                   weights=weights, logistic=logistic, intercept=not no_intercept)
    points = _points(predict or [], model)
    common = dict(y_name=model.y_name, degree=degree, intercept=not no_intercept,
                  confidence=confidence, predict=points, cv=cv, seed=seed,
                  anova=int(anova_type) if anova else None)
    with progress(cv or 0, "cross-validating", quiet=out.quiet) as advance:
        if logistic:
            outcome, label = binary_outcome(model.y, name=model.y_name, positive=positive)
            fit = fit_logistic(outcome, model.predictors, positive=label, progress=advance,
                               **common)
        else:
            outcome = model.y
            fit = ols(outcome, model.predictors, robust=robust.value if robust else None,
                      weights=model.weights, weights_name=weights, progress=advance,
                      lines_of=lambda rows: [table.line_of(int(model.rows[r])) for r in rows],
                      **common)
    if residuals is not None:
        _write_residuals(residuals, table, model.rows, fit)
    if plot is not None:
        _plot(plot, fit, model, outcome)
    emit("regression", fit.result, out, table=table, main="coefficients",
         summary=_summary(fit.result), seed=seed, head=regression_head)


def _regression_spark(y: str | None, x: str | None, *, intercept: bool, logistic: bool,
                      positive: str | None, predict: list[str], confidence: float,
                      anova: int | None, refused: dict[str, Any], read: ReadOptions,
                      out: OutputOptions) -> None:
    """Least squares (or logistic regression) of numeric columns on a Spark cluster: only
    aggregates come back (see `spark_regression.ols_spark`, `spark_summaries.logistic_fit`)."""
    from mlstats.cli._emit import emit
    from mlstats.engines import open_spark, refuse
    from mlstats.render.regression import regression_head

    for option, value in refused.items():
        if value:
            raise refuse("spark", option)
    with open_spark(read) as src:
        response, names = _columns(src, y, x)
        text = [n for n in names if not src.is_numeric(n)]
        if text:
            raise refuse("spark", f"the categorical predictor '{text[0]}'")
        model = _Model(y_name=response, y=None, predictors=None, weights=None, rows=None,
                       variables=names, aliases={**dict(zip(parse_list(x), names,
                                                            strict=True)),
                                                 **{n: n for n in names}},
                       numeric=set(names), single=names[0] if len(names) == 1 else None,
                       values={})
        points = _points(predict, model)
        if logistic:
            from mlstats.engines.spark_summaries import logistic_fit

            result = logistic_fit(src, response, names, intercept=intercept,
                                  positive=positive, confidence=confidence, predict=points,
                                  anova=anova).result
        else:
            from mlstats.engines.spark_regression import ols_spark

            result = ols_spark(src, response, names, intercept=intercept,
                               confidence=confidence, predict=points, anova=anova)
    emit("regression", result, out, table=src, main="coefficients",
         summary=_summary(result), head=regression_head)


def _ols_duckdb(read: ReadOptions, *, y: str | None, x: str | None, references: list[str],
                weights: str | None, degree: int, intercept: bool, robust: Robust | None,
                anova: int | None, predict: list[str] | None, confidence: float) -> Any:
    """Least squares on DuckDB from aggregates (memory bounded by the number of terms): the
    design from the columns' ranges and levels, the fit and every statistic from passes over
    a temporary table of the used columns (`ols_by_aggregates`)."""
    from mlstats.engines import open_duckdb
    from mlstats.engines.duckdb_regression import DuckDBRows, Prepared, working_terms
    from mlstats.errors import InputError
    from mlstats.stats.design import parse_references, treatment_terms
    from mlstats.stats.regression import (
        _power_of_two,
        build_design,
        check_ols_options,
        check_rows,
        ols_by_aggregates,
    )

    check_ols_options(confidence=confidence, robust=robust.value if robust else None,
                      anova=anova)
    refs = parse_references(references)
    with open_duckdb(read) as src:
        response, names = _columns(src, y, x)
        weight = src.resolve(weights) if weights is not None else None
        if weight is not None and weight in (response, *names):
            raise InputError(f"--weights '{weight}' is also the response or a predictor; "
                             "weights are a column of their own")
        prepared = Prepared(src, response, names, weight, degree=degree)
        text = prepared.categorical
        proxy = prepared.proxy()
        predictors = (treatment_terms(proxy, categorical=text, references=refs,
                                      intercept=intercept) if text or refs else proxy)
        design, _ = build_design(predictors, degree=degree, intercept=intercept)
        check_rows(prepared.n, design)
        low, high = prepared.low_high(response)
        if low == high:
            raise InputError(f"--y '{response}' is constant (every value is {low:g}); a "
                             "regression needs variation in y")
        unit = _power_of_two(max(abs(low), abs(high)))
        params: dict[str, Any] = {}
        terms = working_terms(src, design, prepared, unit, params)
        shift = [prepared.mean(n) / u if n not in text and design.degree == 1 else 0.0
                 for n, u in zip(_term_columns(design), _units(design), strict=True)]
        shift.append(prepared.mean(response) / unit)
        rows = DuckDBRows(prepared, terms, src.alias(weight) if weight else None, params)
        model = _Model(y_name=response, y=None, predictors=None, weights=None, rows=None,
                       variables=names, aliases={**dict(zip(parse_list(x), names, strict=True)),
                                                 **{n: n for n in names}},
                       numeric={n for n in names if n not in text},
                       single=names[0] if len(names) == 1 else None, values=None)
        points = _points(predict or [], model)
        import numpy as np

        result = ols_by_aggregates(
            rows, design, np.array(shift), n=prepared.n, y_name=response, degree=degree,
            confidence=confidence, robust=robust.value if robust else None,
            weights_name=weights if weight is not None else None,
            log_weights=prepared.log_weights, predict=points, anova=anova, unit=unit)
    return src, result


def _logistic_duckdb(read: ReadOptions, *, y: str | None, x: str | None,
                     references: list[str], degree: int, intercept: bool,
                     positive: str | None, predict: list[str] | None,
                     confidence: float) -> Any:
    """Logistic regression on DuckDB by IRLS, one aggregate pass over a temporary table of
    the used columns per Newton iteration (`logistic_by_aggregates`), not from rows."""
    import numpy as np

    from mlstats.engines import open_duckdb
    from mlstats.engines.duckdb_engine import NUMBER
    from mlstats.engines.duckdb_regression import TABLE, LogisticRows, Prepared, working_terms
    from mlstats.engines.duckdb_summaries import label_of
    from mlstats.stats.design import parse_references, treatment_terms
    from mlstats.stats.logistic import logistic_by_aggregates, number_text, positive_index
    from mlstats.stats.regression import build_design, check_rows

    refs = parse_references(references)
    with open_duckdb(read) as src:
        response, names = _columns(src, y, x)
        numeric_y = src.kinds[response] == NUMBER
        prepared = Prepared(src, response, names, None, degree=degree, labels=not numeric_y)
        a = src.alias(response)
        # the outcomes in sorted order (the first 7, enough for the message of too many)
        counts = src.query(f"SELECT {a}, count(*) FROM {TABLE} WHERE {prepared.use} GROUP BY "
                           "ALL ORDER BY 1 LIMIT 7")
        values = [v for v, _ in counts]
        distinct = len(values) if len(values) < 7 else src.query(
            f"SELECT count(DISTINCT {a}) FROM {TABLE} WHERE {prepared.use}")[0][0]
        shown = [number_text(v) if numeric_y else label_of(v) for v in values]
        index = positive_index(shown, [float(v) for v in values] if numeric_y else None,
                               name=response, positive=positive, count=distinct)
        label = shown[index]
        text = prepared.categorical
        proxy = prepared.proxy()
        predictors = (treatment_terms(proxy, categorical=text, references=refs,
                                      intercept=intercept) if text or refs else proxy)
        design, _ = build_design(predictors, degree=degree, intercept=intercept)
        check_rows(prepared.n, design)
        params: dict[str, Any] = {}
        terms = working_terms(src, design, prepared, 1.0, params)[:-1]
        if numeric_y:
            params["positive"] = float(values[index])
            terms.append(f"CAST({a} = $positive AS DOUBLE)")
        else:
            params["positive"] = label
            terms.append(f"CAST(CAST({a} AS VARCHAR) = $positive AS DOUBLE)")
        mean = counts[index][1] / prepared.n
        shift = [prepared.mean(n) / u if n not in text and design.degree == 1 else 0.0
                 for n, u in zip(_term_columns(design), _units(design), strict=True)]
        rows = LogisticRows(prepared, terms, None, params)
        model = _Model(y_name=response, y=None, predictors=None, weights=None, rows=None,
                       variables=names, aliases={**dict(zip(parse_list(x), names, strict=True)),
                                                 **{n: n for n in names}},
                       numeric={n for n in names if n not in text},
                       single=names[0] if len(names) == 1 else None, values=None)
        points = _points(predict or [], model)
        result = logistic_by_aggregates(rows, design, np.array([*shift, mean]), mean=mean,
                                        y_name=response, positive=label, degree=degree,
                                        confidence=confidence, predict=points)
    return src, result


def _term_columns(design: Any) -> list[str]:
    """The column each working term comes from (its variable's, for categorical levels)."""
    if design.degree > 1:
        return [design.base[0]] * design.degree
    levels = {level.name: level for level in design.levels}
    found = []
    for name in design.base:
        level = levels.get(name)
        count = (1 if level is None else
                 len(level.levels) - (0 if level.reference is None else 1))
        found += [name] * count
    return found


def _units(design: Any) -> list[float]:
    p = len(design.terms)
    return [1.0] * p if design.units is None else [float(u) for u in design.units]


def _check_options(*, y: str | None, x: str | None, formula: str | None, degree: int,
                   no_intercept: bool, logistic: bool, positive: str | None,
                   robust: Robust | None, weights: str | None, anova: bool,
                   anova_type: AnovaType) -> None:
    from mlstats.errors import InputError

    if formula is not None:
        if y is not None or x is not None:
            raise InputError("--formula replaces --y and --x; give the formula or the columns, "
                             "not both")
        if degree != 1:
            raise InputError("--degree applies to --x; in a formula write poly(x, 3) or "
                             "I(x**2)")
        if no_intercept:
            raise InputError("--no-intercept applies to --x; in a formula write - 1 (or + 0), "
                             "e.g. 'y ~ x - 1'")
    elif y is None or x is None:
        missing = " and ".join(o for o, v in (("--y", y), ("--x", x)) if v is None)
        raise InputError(f"missing {missing}: give --y and --x, or a --formula such as "
                         "'y ~ a + b'; see mlstats regression --help")
    if positive is not None and not logistic:
        raise InputError("--positive applies to --logistic; add --logistic or drop --positive")
    if robust is not None and logistic:
        raise InputError("--robust applies to least squares, not --logistic; drop --robust")
    if weights is not None and logistic:
        raise InputError("--weights applies to least squares, not --logistic; drop --weights")
    if anova_type != AnovaType.sequential and not anova:
        raise InputError("--anova-type applies to --anova; add --anova")


@dataclass(frozen=True)
class _Model:
    """What the fit needs from the table: the response, the predictors (arrays by name, or
    ModelTerms), the weights, the data rows used and how --predict names the variables."""

    y_name: str
    y: Any
    predictors: Any
    weights: Any
    rows: Any
    variables: list[str]
    aliases: dict[str, str]
    numeric: set[str]
    single: str | None
    values: dict


def _model(table: Any, *, y: str | None, x: str | None, formula: str | None,
           references: list[str], weights: str | None, logistic: bool,
           intercept: bool) -> _Model:
    """Resolve the columns, leave out incomplete rows (and rows of weight 0), code the
    categorical predictors or evaluate the formula."""
    from mlstats.stats.design import parse_references, treatment_terms

    refs = parse_references(references)
    weight = table.resolve(weights) if weights is not None else None
    if formula is not None:
        from mlstats.stats.formula import formula_terms, parse_formula

        parsed = parse_formula(formula, table.columns)
        response = parsed.response_column
        variables = list(parsed.variables)
        needed = [*parsed.response_variables, *variables]
        text_y = logistic and response is not None and not table.is_numeric(response)
        numeric = {v for v in needed if table.is_numeric(v) or v in parsed.response_variables}
        if text_y:
            numeric.discard(response)
        data, rows, w = _complete(table, needed, numeric, weight)
        values, terms = formula_terms(parsed, data, references=refs,
                                      line_of=lambda i: table.line_of(int(rows[i])))
        numeric_vars = {v for v in variables if v in numeric}
        single = variables[0] if len(variables) == 1 else None
        return _Model(y_name=parsed.response, y=values, predictors=terms, weights=w, rows=rows,
                      variables=variables, aliases={v: v for v in variables},
                      numeric=numeric_vars, single=single, values=data)
    response, names = _columns(table, y, x)
    if weight is not None and weight in (response, *names):
        from mlstats.errors import InputError

        raise InputError(f"--weights '{weight}' is also the response or a predictor; weights "
                         "are a column of their own")
    text = [n for n in names if not table.is_numeric(n)]
    text_y = logistic and not table.is_numeric(response)
    numeric = {n for n in [response, *names] if n not in text and not (n == response and text_y)}
    data, rows, w = _complete(table, [response, *names], numeric, weight)
    if text or refs:
        predictors = treatment_terms({n: data[n] for n in names}, categorical=text,
                                     references=refs, intercept=intercept)
    else:
        predictors = {n: data[n] for n in names}
    return _Model(y_name=response, y=data[response], predictors=predictors, weights=w,
                  rows=rows, variables=names,
                  aliases={**dict(zip(parse_list(x), names, strict=True)),
                           **{n: n for n in names}},
                  numeric={n for n in names if n not in text},
                  single=names[0] if len(names) == 1 else None, values=data)


def _complete(table: Any, names: list[str], numeric: set[str],
              weight: str | None) -> tuple[dict, Any, Any]:
    """The columns on the rows that have every value (and, with weights, a positive weight),
    those rows' indices in the table, and the weights."""
    import numpy as np

    from mlstats.errors import InputError

    used = [*names, weight] if weight is not None else names
    data = table.complete(used, numeric=[n for n in used if n in numeric or n == weight])
    rows = _used_rows(table, used, [n for n in used if n in numeric or n == weight])
    if weight is None:
        return data, rows, None
    w = data.pop(weight)
    negative = np.flatnonzero(w < 0)
    if negative.size:
        raise InputError(f"--weights '{weight}' holds a negative weight ({w[negative[0]]:g}) at "
                         f"line {table.line_of(int(rows[negative[0]]))}; weights must be 0 or "
                         "more (a weight is an inverse variance)")
    positive = w > 0
    zero = int(w.size - np.count_nonzero(positive))
    if zero:
        data = {k: v[positive] for k, v in data.items()}
        rows, w = rows[positive], w[positive]
        table.rows_used = int(w.size)
        table.warnings.append(f"{zero} row{'s' if zero != 1 else ''} of weight 0 left out "
                              f"(rows_used = {w.size}), as R's lm leaves them out of the "
                              "degrees of freedom")
    return data, rows, w


def _used_rows(table: Any, names: list[str], numeric: list[str]) -> Any:
    """Indices (in the table) of the rows with a value in every column of `names`."""
    import numpy as np
    import pyarrow.compute as pc

    keep = np.ones(table.arrow.num_rows, dtype=bool)
    for name in names:
        if name in numeric:
            keep &= ~np.isnan(table.numeric(name))
        else:
            keep &= pc.is_valid(table.arrow.column(name)).to_numpy(zero_copy_only=False)
    return np.flatnonzero(keep)


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


def _points(texts: list[str], model: _Model) -> list[tuple[str, dict[str, float | str]]]:
    """Parse each --predict 'NAME=VALUE,…' into a label and a value per predictor (a number,
    or a level of a categorical predictor)."""
    from mlstats.errors import InputError

    names = model.variables
    points = []
    for text in texts:
        values: dict[str, float | str] = {}
        shown: dict[str, str] = {}
        for part in text.split(","):
            key, sep, raw = part.partition("=")
            key, raw = key.strip(), raw.strip()
            if not sep or not key:
                raise InputError(f"--predict '{text}' is not NAME=VALUE pairs separated by "
                                 "commas, e.g. --predict 'size=120,rooms=3'")
            if key not in model.aliases:
                raise InputError(f"--predict '{text}': '{key}' is not a predictor; the "
                                 f"predictors are: {', '.join(names)}")
            name = model.aliases[key]
            if name in values:
                raise InputError(f"--predict '{text}' gives '{name}' twice")
            if name not in model.numeric:
                values[name], shown[name] = raw, raw
                continue
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


def _write_residuals(path: str, table: Any, rows: Any, fit: Any) -> None:
    """The rows used, in input order, with every input column plus fitted and residual."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from mlstats.io import atomic_open

    used = table.arrow.take(pa.array(rows))
    for label, values in (("fitted", fit.fitted), ("residual", fit.residuals)):
        while label in used.column_names:
            label = f"_{label}"
        used = used.append_column(label, pa.array(values, type=pa.float64()))
    with atomic_open(path, "wb") as f:
        pacsv.write_csv(used, f)


def _plot(path: str, fit: Any, model: _Model, outcome: Any) -> None:
    """One numeric predictor: the data and the fitted curve; one categorical predictor: the
    data and the fitted value per level; several: observed against fitted."""
    import numpy as np

    from mlstats.render.plot import pyplot, save_figure

    plt = pyplot()
    figure, axes = plt.subplots(figsize=(6.4, 4.8))
    result = fit.result
    response = model.y_name
    label = response if result.model == "ols" else f"P({response} = {result.positive})"
    name = model.single
    data = model.values[name] if name is not None else None
    if name is not None and name in model.numeric:
        grid = np.linspace(data.min(), data.max(), 200)
        axes.scatter(data, outcome, s=12, alpha=0.6, label="data")
        axes.plot(grid, fit.mean_at({name: grid}), color="C1", label="fitted")
        axes.set_xlabel(name)
        axes.set_ylabel(label)
    elif name is not None:
        known = [lv.levels for lv in fit.design.levels if lv.name == name]
        levels = list(known[0]) if known else sorted(set(data.tolist()))
        position = {level: i for i, level in enumerate(levels)}
        xs = np.array([position[v] for v in data.tolist()], dtype=float)
        axes.scatter(xs, outcome, s=12, alpha=0.6, label="data")
        axes.scatter(range(len(levels)), fit.mean_at({name: np.array(levels, dtype=object)}),
                     color="C1", marker="D", s=40, label="fitted", zorder=3)
        axes.set_xticks(range(len(levels)), levels)
        axes.set_xlabel(name)
        axes.set_ylabel(label)
    else:
        axes.scatter(fit.fitted, outcome, s=12, alpha=0.6)
        if result.model == "ols":
            low, high = min(outcome.min(), fit.fitted.min()), max(outcome.max(),
                                                                  fit.fitted.max())
            axes.plot([low, high], [low, high], color="C1", label="observed = fitted")
        axes.set_xlabel("fitted" if result.model == "ols" else "fitted probability")
        axes.set_ylabel(f"observed {response}")
    axes.set_title(result.formula or f"{response} ~ {' + '.join(result.x)}")
    if axes.get_legend_handles_labels()[1]:
        axes.legend(loc="best")
    save_figure(figure, path)


def _summary(result: Any) -> str:
    """One plain sentence for the table view."""
    model = f", {result.formula}" if result.formula else ""
    on = "" if result.formula else f" on {', '.join(result.x)}"
    if result.model == "logistic":
        of = (f"{model} ({result.y} = {result.positive} is 1)" if result.formula
              else f" of {result.y} = {result.positive}{on}")
        return (f"Logistic regression{of}: McFadden pseudo R² = {result.pseudo_r2:.3g} "
                f"(n = {result.n}).")
    if result.degree > 1:
        on = f" on a degree-{result.degree} polynomial in {result.x[0]}"
    kind = "Weighted least squares" if result.weights else "Least squares"
    of = model if result.formula else f" of {result.y}{on}"
    return (f"{kind}{of}: R² = {result.r2:.3g}, adjusted {result.adj_r2:.3g} "
            f"(n = {result.n}).")
