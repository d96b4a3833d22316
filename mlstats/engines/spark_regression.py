"""Least squares on Spark from SQL aggregates: the Gram design of DuckDB's (`fit_by_grams`,
`ResidualPass`) with Spark's DataFrame aggregates, no Python workers.

Passes over the data: a first pass for the rows used and the Gram (CSV: the row accounting,
the ranges and Spark's own centred moments of [x, y] in one pass; Parquet or a table: the
Gram sums about a shift from a few used rows over the used rows alone, the row count from
the files' metadata, the accounting and the ranges only when needed); another Gram pass only
when power-of-two units are needed or the fit is ill-conditioned (Cholesky QR2); and one
pass of residual aggregates (Σe², Σ|e|, the largest leverage, Q'e that refines an
ill-conditioned fit). Statistics of single rows in input order (the residuals' quartiles, the
diagnostics, the most influential rows) are not gathered on Spark: they are null, with a
warning, as before. The statistics are the shared finish of `mlstats.stats.regression`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlstats.engines.common import NUMBER
from mlstats.engines.spark_engine import SparkSource
from mlstats.engines.spark_summaries import _complete
from mlstats.stats.regression import GramRequest, GramRows, ResidualModel, ResidualPass
from mlstats.stats.summaries import Gram


class SparkRows(GramRows):
    """`GramRows` over the used rows of a Spark DataFrame: `terms` are the column expressions
    of the working columns T and then y/unit. `cached` is a Gram already taken (by the first
    pass, with the accounting), returned for the request it answers instead of a pass;
    `leverage`: whether the residual pass takes the largest leverage (for --predict)."""

    def __init__(self, src: SparkSource, rows: Any, terms: list[Any],
                 cached: tuple[GramRequest, Gram] | None = None, *,
                 leverage: bool = False) -> None:
        self.src, self.F, self.rows, self.terms = src, src.F, rows, terms
        self.cached, self.leverage = cached, leverage

    def grams(self, requests: Sequence[GramRequest]) -> list[Gram]:
        if self.cached is not None and len(requests) == 1 and _same(requests[0],
                                                                    self.cached[0]):
            found, self.cached = self.cached[1], None
            return [found]
        fields = [self.F.count(self.F.lit(1)).alias("n")]
        for i, rq in enumerate(requests):
            fields += gram_fields(self.F, self.terms, rq, f"g{i}_")
        (found,) = self.src.records(self.rows.agg(*fields))
        return [gram_of(found, rq, int(found["n"]), f"g{i}_") for i, rq in enumerate(requests)]

    def residual_pass(self, model: ResidualModel) -> ResidualPass:
        """Σe² and Σ|e|, Q'e (which refines the fit; 0 unless `model.refine`) and with
        `leverage` max hᵢ, in one aggregate (see `ResidualModel`). Q'e = Bᵀ·Σdᵢeᵢ, the p sums
        of the deviations times the residual, as the corrected semi-normal equations take
        X'r (Björck 1996, §6.6.5); qᵢ = dᵢB row by row only for the leverage. Spark gathers no
        statistics of single rows (no quantiles, so `ols_by_aggregates` leaves them null):
        Σe, Σe³, Σe⁴ and Breusch–Pagan's sums, which only those serve, are not taken (NaN)."""
        F = self.F
        p = model.b.size
        t = self.terms
        d = [(t[j] - F.lit(float(model.shift[j]))) - F.lit(float(model.shift_low[j]))
             for j in range(p)]
        yc = (t[p] - F.lit(model.y_mean[0])) - F.lit(model.y_mean[1])
        fitted = F.lit(0.0)
        for j in range(p):
            fitted = fitted + d[j] * F.lit(float(model.b[j]))
        frame = self.rows.select(*[dj.alias(f"d{j}") for j, dj in enumerate(d)],
                                 (yc - fitted).alias("e"))
        e = F.col("e")
        fields = [F.count(F.lit(1)).alias("n"), F.sum(e * e).alias("s2"),
                  F.sum(F.abs(e)).alias("a")]
        if model.refine:
            fields += [F.sum(F.col(f"d{j}") * e).alias(f"de{j}") for j in range(p)]
        if self.leverage:
            h = F.lit(1 / model.n if model.intercept else 0.0)
            for j in range(p):
                v = F.lit(0.0)
                for k in range(j + 1):
                    if model.basis[k, j] != 0:
                        v = v + F.col(f"d{k}") * F.lit(float(model.basis[k, j]))
                h = h + v * v
            fields.append(F.max(h).alias("top"))
        (found,) = self.src.records(frame.agg(*fields))
        nan = float("nan")
        return ResidualPass(
            n=int(found["n"]), powers=(nan, found["s2"], nan, nan), abs_sum=found["a"],
            steps=nan, qe=model.basis.T @ np.array([found[f"de{j}"] if model.refine else 0.0
                                                     for j in range(p)]),
            bp=np.full(p, nan), bp_sums=np.full(p, nan), quantiles=(),
            top_leverage=float(found["top"]) if self.leverage else nan)


def _same(a: GramRequest, b: GramRequest) -> bool:
    return (a.weights == b.weights and np.array_equal(a.shift, b.shift)
            and np.array_equal(a.transform, b.transform))


def gram_fields(F: Any, terms: Sequence[Any], rq: GramRequest, prefix: str) -> list[Any]:
    """Aggregates of a `GramRequest` (unweighted): Σf and Σffᵀ of f = (t − shift)·transform."""
    m = rq.transform.shape[1]
    f = []
    for a in range(m):
        v = None
        for j in np.flatnonzero(rq.transform[:, a]):
            part = terms[j] - F.lit(float(rq.shift[j]))
            if rq.transform[j, a] != 1:
                part = part * F.lit(float(rq.transform[j, a]))
            v = part if v is None else v + part
        f.append(F.lit(0.0) if v is None else v)
    fields = [F.sum(f[a]).alias(f"{prefix}s{a}") for a in range(m)]
    fields += [F.sum(f[a] * f[b]).alias(f"{prefix}p{a}_{b}") for a in range(m)
               for b in range(a, m)]
    return fields


def gram_of(found: Mapping[str, Any], rq: GramRequest, n: int, prefix: str) -> Gram:
    m = rq.transform.shape[1]
    products = np.empty((m, m))
    for a in range(m):
        for b in range(a, m):
            products[a, b] = products[b, a] = found[f"{prefix}p{a}_{b}"] or 0.0
    return Gram(n=n, total=float(n), shift=rq.shift @ rq.transform,
                sums=np.array([found[f"{prefix}s{a}"] or 0.0 for a in range(m)]),
                products=products)


# The rows of the shift for a columnar input's Gram sums (any used rows serve; see `Gram.far`)
SHIFT_ROWS = 1000
# Sums of squares in data units are safe while every |value| is within 2^±400 (the range in
# which `_power_of_two` leaves a column as it is); bounds from Σt² decide it without ranges
_SAFE = 2.0**399


@dataclass(frozen=True)
class _FirstPass:
    """The first pass of a fit: rows used, the ranges over them (of x's and y by alias; None
    when not gathered, which means every |value| is within 2^±400), y's value when it is
    constant, and the Gram of [x, y] in data units about `shift` (None when not finite)."""

    n: int
    ranges: dict[str, tuple[float, float]] | None
    constant: float | None
    gram: Gram | None
    shift: np.ndarray


def ols_spark(src: SparkSource, y: str, xs: Sequence[str], *, intercept: bool,
              confidence: float, predict: Sequence, anova: int | None) -> Any:
    """Least squares of y on numeric xs on the cluster (`ols_by_aggregates` over
    `SparkRows`): the first pass (`_columnar_pass` for Parquet or a table, `_text_pass` for
    CSV) gives the rows used and the Gram; when the ranges ask for power-of-two units
    (extreme magnitudes) or the sums overflowed, the Gram is taken again in those units."""
    from mlstats.errors import InputError
    from mlstats.stats.regression import (
        _power_of_two,
        build_design,
        check_rows,
        ols_by_aggregates,
    )

    F = src.F
    names = [y, *xs]
    rows = src.rows(dict.fromkeys(names, NUMBER))
    use = F.col("_keep") & _complete(src, names)
    cols = [src.alias(x) for x in xs] + [src.alias(y)]
    p = len(xs)
    first = (_text_pass if src.csv else _columnar_pass)(src, rows, use, names, cols,
                                                       ranged=bool(predict))
    n, nan = first.n, float("nan")
    known = first.ranges if first.ranges is not None and n else {}
    ranges = {x: known.get(c, (nan, nan)) for x, c in zip(xs, cols[:p], strict=True)}
    design, _ = build_design({x: np.array(ranges[x]) for x in xs}, intercept=intercept)
    check_rows(n, design)
    if first.constant is not None:
        raise InputError(f"--y '{y}' is constant (every value is {first.constant:g}); a "
                         "regression needs variation in y")
    exact = np.ones(p + 1)
    if known:
        low, high = known[cols[-1]]
        exact = np.append(design.units if design.units is not None else np.ones(p),
                          _power_of_two(max(abs(low), abs(high))))
    cached, shift = None, first.shift
    if first.gram is not None and np.all(exact == 1):
        cached = (GramRequest(shift, np.eye(p + 1)), first.gram)
    else:  # extreme magnitudes: the means in the exact units, or mid-ranges if they overflow
        middle = np.array([lo / 2 + hi / 2 for lo, hi in (known[c] for c in cols)])
        with np.errstate(all="ignore"):
            mean = first.gram.mean / exact if first.gram is not None else middle / exact
        shift = np.where(np.isfinite(mean), mean, middle / exact)
    terms = [F.col(c) / F.lit(float(s)) if s != 1 else F.col(c)
             for c, s in zip(cols, exact, strict=True)]
    # Every row used (none missing, none left out by --where, no NaN): the later passes read
    # the columns as stored, with no cleaning and no filter (CSV's are text: cleaned).
    used = src.frame if not src.csv and n == src.rows_read else rows.where(use)
    data = SparkRows(src, used, terms, cached, leverage=bool(predict) and len(xs) > 1)
    return ols_by_aggregates(data, design, shift, n=n, y_name=y, degree=1,
                             confidence=confidence, robust=None, weights_name=None,
                             log_weights=0.0, predict=predict, anova=anova,
                             unit=float(exact[-1]))


def _text_pass(src: SparkSource, rows: Any, use: Any, names: list[str], cols: list[str], *,
               ranged: bool) -> _FirstPass:
    """CSV, parsed once: the row accounting over all rows (malformed records, text in a
    numeric column, infinities, missing values), and over the used rows the ranges (always:
    `ranged` is for the columnar pass) and Spark's own centred moments (`avg`, `var_pop`,
    `covar_pop`: Welford's updates, Chan's merges), the Gram about the means with no shift
    to guess."""
    F = src.F
    k = len(cols)
    used = [F.when(use, F.col(c)) for c in cols]
    fields = [*src.account_fields(names), F.count_if(use).alias("n")]
    for c, v in zip(cols, used, strict=True):
        fields += [F.min(v).alias(f"lo_{c}"), F.max(v).alias(f"hi_{c}"),
                   F.avg(v).alias(f"m_{c}")]
    fields += [(F.var_pop(used[a]) if a == b else F.covar_pop(used[a], used[b]))
               .alias(f"v{a}_{b}") for a in range(k) for b in range(a, k)]
    (found,) = src.records(rows.agg(*fields))
    n = int(found["n"])
    src.account(names, found, used=n)
    ranges = {c: (found[f"lo_{c}"], found[f"hi_{c}"]) for c in cols}
    low, high = ranges[cols[-1]]
    mean = np.array([found[f"m_{c}"] if n else 0.0 for c in cols], dtype=np.float64)
    products = np.empty((k, k))
    for a in range(k):
        for b in range(a, k):
            products[a, b] = products[b, a] = n * (found[f"v{a}_{b}"] if n else 0.0)
    gram = None
    if np.all(np.isfinite(products)) and np.all(np.isfinite(mean)):
        # Σd = 0 and Σddᵀ = n·cov about the means (as `_central_sums` for ab-test)
        gram = Gram(n=n, total=float(n), shift=mean, sums=np.zeros(k), products=products)
    return _FirstPass(n=n, ranges=ranges, constant=low if n and low == high else None,
                      gram=gram, shift=mean)


def _columnar_pass(src: SparkSource, rows: Any, use: Any, names: list[str], cols: list[str],
                   *, ranged: bool) -> _FirstPass:
    """Parquet or a table: one pass over all rows with no filter and no condition per
    aggregate. Each column there is t + z, where z = Σ 0·t over the columns (0 for a used
    row, null for a row with a missing value, and null outside --where), so that the sums
    skip the rows not used as a filter would, and the same pass counts the rows read
    (count(1)) and used (count(z)): n, the Gram sums about a shift and with `ranged`
    (--predict) the ranges. An infinity makes z NaN, so the sums are not finite.

    The shift: the pass starts about 0 just after a query of the first used rows; when
    those rows put some column's mean more than `_ZERO_SHIFT` standard deviations from 0, the
    pass is cancelled and run again about their mean (any shift near the data serves; one
    far from the means is caught by `Gram.far` and the sums are taken again). y is checked
    for a constant only when it is the same in every one of those rows. The accounting of
    all rows (missing values per column, infinities) is a pass of its own only when some row
    was left out or a sum is not finite; the ranges, only when bounds from Σt² (max|t| ≤
    √Σt², ≥ √(Σt²/n)) leave the units open."""
    F = src.F
    k = len(cols)
    zero = F.lit(0.0)
    for c in cols:
        zero = zero + F.col(c) * F.lit(0.0)
    zero = F.when(F.col("_keep"), zero) if src.where else zero
    masked = rows.withColumn("_z", zero).select(
        *[(F.col(c) + F.col("_z")).alias(c) for c in cols], F.col("_z"))

    def pass_about(shift: np.ndarray) -> Any:
        fields = [F.count(F.lit(1)).alias("_read"), F.count("_z").alias("n")]
        if ranged:
            fields += _range_fields(F, cols)
        fields += gram_fields(F, [F.col(c) for c in cols], GramRequest(shift, np.eye(k)),
                              "g_")
        return masked.agg(*fields)

    heading = rows.where(use).select(*[F.col(c).alias(f"p{i}") for i, c in enumerate(cols)])
    with src.speculating(pass_about(np.zeros(k)), delay=_AFTER_HEAD) as (about_zero, cancel):
        head = src.collect(heading.limit(SHIFT_ROWS))
        values = np.array([[r[f"p{i}"] for i in range(k)] for r in head],
                          dtype=np.float64).reshape(-1, k)
        if not _zero_serves(values):
            cancel()  # (a pass that ended first is kept: `Gram.far` judges its shift)
        done = about_zero.result()
    shift = np.zeros(k)
    if done is not None:
        (found,) = done
    else:
        peaks = np.max(np.abs(values), axis=0)
        unit = np.where((peaks > 0) & np.isfinite(peaks), peaks, 1.0)  # (a mean near 1e308)
        shift = np.mean(values / unit, axis=0) * unit
        (found,) = src.records(pass_about(shift))
    n, read = int(found["n"]), int(found["_read"])
    gram = gram_of(found, GramRequest(shift, np.eye(k)), n, "g_") if n else None
    finite = gram is not None and np.all(np.isfinite(gram.products))
    if n < read or not finite:  # rows left out, or an infinity to name: count them all
        (book,) = src.records(rows.agg(*src.account_fields(names)))
        src.account(names, book, used=n)
    else:  # every row used: nothing missing, no infinity
        src.account(names, {"_read": read, "_kept": read,
                            **{f"_miss_{src.alias(m)}": 0 for m in names}}, used=n)
    constant = None
    if n and not np.any(values[:, -1] != values[0, -1]):  # y the same in every head row
        y0 = float(values[0, -1])
        (moved,) = src.collect(rows.where(use).agg(F.count_if(F.col(cols[-1]) != F.lit(y0))))
        constant = y0 if not moved[0] else None
    ranges = _ranges(found, cols) if ranged and n else None
    if n and ranges is None and not (finite and _units_are_one(gram)):
        (extent,) = src.records(rows.where(use).agg(*_range_fields(F, cols)))
        ranges = _ranges(extent, cols)
    return _FirstPass(n=n, ranges=ranges, constant=constant, gram=gram if finite else None,
                      shift=shift)


# Seconds between sending the first rows' query and the pass about 0: the first rows' job
# then reaches the scheduler first (after the pass's, it would wait for every task of the
# pass to start: at 10⁸ rows, nearly the whole pass)
_AFTER_HEAD = 0.02
# A Gram pass about 0 serves when the first rows put every column's mean within this many of
# their standard deviations of 0 (`Gram.far` asks for the sums again beyond 16)
_ZERO_SHIFT = 4.0


def _zero_serves(values: np.ndarray) -> bool:
    """Whether 0 serves as the shift of columns whose first used rows are `values` (no rows:
    nothing to shift)."""
    if values.shape[0] == 0:
        return True
    with np.errstate(all="ignore"):
        mean, spread = np.mean(values, axis=0), np.std(values, axis=0)
    return bool(np.all(np.isfinite(mean) & np.isfinite(spread)
                       & (np.abs(mean) <= _ZERO_SHIFT * spread)))


def _range_fields(F: Any, cols: Sequence[str]) -> list[Any]:
    return [f(F.col(c)).alias(f"{name}_{c}") for c in cols
            for f, name in ((F.min, "lo"), (F.max, "hi"))]


def _ranges(found: Mapping[str, Any], cols: Sequence[str]) -> dict[str, tuple[float, float]]:
    return {c: (found[f"lo_{c}"], found[f"hi_{c}"]) for c in cols}


def _units_are_one(gram: Gram) -> bool:
    """Whether every column's largest |value| lies within 2^±399, from its Σt² (about 0):
    √(Σt²/n) ≤ max|t| ≤ √Σt² (Σt² = 0 may be squares that underflowed: not decided)."""
    with np.errstate(all="ignore"):
        squares = np.diag(gram.about(np.zeros_like(gram.shift)).products)
        low, high = np.sqrt(squares / gram.n), np.sqrt(squares)
    return bool(np.all((low > 1 / _SAFE) & (high < _SAFE)))
