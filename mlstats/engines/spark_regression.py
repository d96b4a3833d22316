"""Least squares on Spark from SQL aggregates: the Gram design of DuckDB's (`fit_by_grams`,
`ResidualPass`) with Spark's DataFrame aggregates, no Python workers.

Passes over the data: one for the row accounting, the columns' ranges and the Gram sums of
[x/u, y/unit] about a shift from the input's first rows (`SparkSource.head`); another Gram
pass only when that shift proved far from a mean or the fit is ill-conditioned (Cholesky
QR2); and one pass of residual aggregates (Σe², Σ|e|, Q'e that refines the fit, the largest
leverage). Statistics of single rows in input order (the residuals' quartiles, the
diagnostics, the most influential rows) are not gathered on Spark: they are null, with a
warning, as before. The statistics are the shared finish of `mlstats.stats.regression`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mlstats.engines.common import NUMBER
from mlstats.engines.spark_engine import SparkSource
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
        """Σe² and Σ|e|, Q'e (which refines the fit) and with `leverage` max hᵢ, in one
        aggregate (see `ResidualModel`). Q'e = Bᵀ·Σdᵢeᵢ, the p sums of the deviations times
        the residual, as the corrected semi-normal equations take X'r (Björck 1996, §6.6.5);
        qᵢ = dᵢB row by row only for the leverage. Spark gathers no statistics of single rows
        (no quantiles, so `ols_by_aggregates` leaves them null): Σe, Σe³, Σe⁴ and
        Breusch–Pagan's sums, which only those serve, are not taken (NaN)."""
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
            steps=nan, qe=model.basis.T @ np.array([found[f"de{j}"] for j in range(p)]),
            bp=np.full(p, nan), bp_sums=np.full(p, nan), quantiles=(),
            top_leverage=float(found["top"]) if self.leverage else nan)


def _same(a: GramRequest, b: GramRequest) -> bool:
    return (a.weights == b.weights and np.array_equal(a.shift, b.shift)
            and np.array_equal(a.transform, b.transform))


def gram_fields(F: Any, terms: Sequence[Any], rq: GramRequest, prefix: str,
                use: Any = None) -> list[Any]:
    """Aggregates of a `GramRequest` (unweighted): Σf and Σffᵀ of f = (t − shift)·transform
    (over the rows where `use` holds, when given)."""
    m = rq.transform.shape[1]
    f = []
    for a in range(m):
        v = None
        for j in np.flatnonzero(rq.transform[:, a]):
            part = terms[j] - F.lit(float(rq.shift[j]))
            if rq.transform[j, a] != 1:
                part = part * F.lit(float(rq.transform[j, a]))
            v = part if v is None else v + part
        v = F.lit(0.0) if v is None else v
        f.append(v if use is None else F.when(use, v))
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


def ols_spark(src: SparkSource, y: str, xs: Sequence[str], *, intercept: bool,
              confidence: float, predict: Sequence, anova: int | None) -> Any:
    """Least squares of y on numeric xs on the cluster (`ols_by_aggregates` over
    `SparkRows`): the shift and the columns' units guessed from the input's first rows, the
    first pass's accounting and ranges confirm the units (else the Gram is taken again)."""
    from mlstats.engines.spark_summaries import _complete
    from mlstats.errors import InputError
    from mlstats.stats.regression import (
        _column_units,
        _power_of_two,
        build_design,
        check_rows,
        ols_by_aggregates,
    )

    F = src.F
    names = [y, *xs]
    rows = src.rows(dict.fromkeys([y, *xs], NUMBER))
    use = F.col("_keep") & _complete(src, names)
    cols = [src.alias(x) for x in xs] + [src.alias(y)]
    head, _ordered = src.head(dict.fromkeys([y, *xs], NUMBER), use,
                              [F.col(c).alias(f"p{i}") for i, c in enumerate(cols)])
    p = len(xs)
    values = np.array([[r[f"p{i}"] for i in range(p + 1)] for r in head],
                      dtype=np.float64).reshape(-1, p + 1)
    peaks = np.max(np.abs(values), axis=0) if head else np.zeros(p + 1)

    def scales_for(tops: np.ndarray) -> np.ndarray:
        units = _column_units(tops[:p])
        return np.append(units if units is not None else np.ones(p), _power_of_two(tops[p]))

    guess = scales_for(peaks)
    shift = (np.mean(values / guess, axis=0) if head else np.zeros(p + 1))
    terms = [F.col(c) / F.lit(float(s)) if s != 1 else F.col(c)
             for c, s in zip(cols, guess, strict=True)]
    request = GramRequest(shift, np.eye(p + 1))
    fields = [*src.account_fields(names), F.count_if(use).alias("n")]
    for c in cols:
        fields += [F.min(F.when(use, F.col(c))).alias(f"lo_{c}"),
                   F.max(F.when(use, F.col(c))).alias(f"hi_{c}")]
    fields += gram_fields(F, terms, request, "g_", use)
    (first,) = src.records(rows.agg(*fields))
    n = int(first["n"])
    src.account(names, first, used=n)
    nan = float("nan")  # (no row used: no range, and `check_rows` says so)
    ranges = {x: (first[f"lo_{c}"] if n else nan, first[f"hi_{c}"] if n else nan)
              for x, c in zip(xs, cols[:p], strict=True)}
    design, _ = build_design({x: np.array(ranges[x]) for x in xs}, intercept=intercept)
    check_rows(n, design)
    low, high = first[f"lo_{cols[-1]}"], first[f"hi_{cols[-1]}"]
    if low == high:
        raise InputError(f"--y '{y}' is constant (every value is {low:g}); a regression "
                         "needs variation in y")
    gram = gram_of(first, request, n, "g_")
    exact = np.append(design.units if design.units is not None else np.ones(p),
                      _power_of_two(max(abs(low), abs(high))))
    cached = (request, gram)
    if not np.array_equal(exact, guess):  # extreme magnitudes beyond the first rows
        # the means in the exact units, or (where the guessed units overflowed) mid-ranges
        middle = np.array([lo / 2 + hi / 2 for lo, hi in [*ranges.values(), (low, high)]])
        with np.errstate(all="ignore"):
            mean = gram.mean * guess / exact
        shift = np.where(np.isfinite(mean), mean, middle / exact)
        terms = [F.col(c) / F.lit(float(s)) if s != 1 else F.col(c)
                 for c, s in zip(cols, exact, strict=True)]
        cached = None
    data = SparkRows(src, rows.where(use), terms, cached,
                     leverage=bool(predict) and len(xs) > 1)
    return ols_by_aggregates(data, design, shift, n=n, y_name=y, degree=1,
                             confidence=confidence, robust=None, weights_name=None,
                             log_weights=0.0, predict=predict, anova=anova,
                             unit=float(exact[-1]))
