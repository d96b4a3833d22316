"""Summaries on Spark: each function returns the summaries of `mlstats.stats.summaries` (or
the fields a finish step reads), computed by DataFrame aggregates on the cluster over
`SparkSource.rows`; only those summaries travel to the client.

Moments are taken as on DuckDB: a pilot (the first rows) gives a shift c near each mean and
a power-of-two scale s, one pass sums the powers of d = x/s − c (k = 1…4) with the counts,
extremes and approximate quantiles, and `central_sums` moves the sums to the mean exactly as
the local `column_moments` does; a shift found far from a mean (or a scale that the extremes
change) is corrected by a second pass about the means. Groups come in order of first
appearance (the least input-order key), as the local engine orders them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from mlstats.engines.common import (
    BOOL,
    NUMBER,
    abtest_frame,
    label_of,
    quartile_ranks,
    quartiles_of,
)
from mlstats.engines.spark_engine import SparkSource
from mlstats.stats.summaries import Moments, _scales_for, central_sums

PILOT_ROWS = 100_000
# A shift farther than this from the mean, in squared standard errors (n·(x̄ − c)²/M2),
# costs more than 2⁻⁴⁰ in M4: the sums are then taken again about x̄.
_SHIFT_LIMIT = 2.0**8
# percentile_approx's accuracy A: each quantile's rank is within n/A of the exact one.
ACCURACY = 10_000


def _scale(peak: float) -> float:
    return float(_scales_for(np.array([peak]))[0])


def _summed(records: list[dict[str, Any]], keys: Sequence[str]) -> dict[str, Any]:
    return {key: sum(r[key] or 0 for r in records) for key in keys}


def _pilot(src: SparkSource, rows: Any, use: Any, columns: Sequence[str]) -> dict[str, tuple]:
    """Over the first PILOT_ROWS rows: (mean, largest magnitude) of each column."""
    F = src.F
    if not columns:
        return {}
    fields = []
    for i, c in enumerate(columns):
        value = F.when(use, F.col(c))
        fields += [F.avg(value).alias(f"a{i}"), F.max(F.abs(value)).alias(f"p{i}")]
    (found,) = src.records(rows.limit(PILOT_ROWS).agg(*fields))
    return {c: (found[f"a{i}"], found[f"p{i}"] or 0.0) for i, c in enumerate(columns)}


def _per_group(src: SparkSource, g: str | None, values: dict, default: float) -> Any:
    """A value per group as a column: a literal when every group has the same, else a map
    lookup by the row's group."""
    F = src.F
    distinct = set(values.values())
    if len(distinct) <= 1:
        return F.lit(float(next(iter(distinct)) if distinct else default))
    pairs = [item for key, v in values.items() for item in (F.lit(key), F.lit(float(v)))]
    return F.coalesce(F.create_map(*pairs)[F.col(g)], F.lit(float(default)))


def _power_sums(src: SparkSource, c: str, use: Any, shift: Any, scale: Any) -> list[Any]:
    F = src.F
    d = F.when(use & F.col(c).isNotNull(), F.col(c) / scale - shift)
    d2 = d * d
    return [F.sum(d).alias(f"s1_{c}"), F.sum(d2).alias(f"s2_{c}"),
            F.sum(d2 * d).alias(f"s3_{c}"), F.sum(d2 * d2).alias(f"s4_{c}")]


def describe_summaries(src: SparkSource, columns: Sequence[str], *, by: str | None,
                       text: Sequence[str], exact: bool) -> tuple[list[tuple], list]:
    """Per column (and group): (name, group, Moments, quartiles, missing), and the text
    columns' summaries. Quartiles by `percentile_approx` (rank error at most n/ACCURACY,
    recorded as approximate), or with `exact` the type-7 quartiles from the order statistics
    (`order_statistics`)."""
    from mlstats.stats.describe import TextSummary

    F = src.F
    used = {name: NUMBER for name in columns}
    if by is not None:
        used[by] = src.kinds[by]
    for name in text:
        used.setdefault(name, src.kinds[name])
    g = src.alias(by) if by is not None else None
    rows = src.rows(used, order=bool(text))
    use = F.col("_keep") & (F.col(g).isNotNull() if g else F.lit(True))
    cols = [src.alias(n) for n in columns]
    pilot = _pilot(src, rows, use, cols)
    scale = {c: _scale(pilot[c][1]) for c in cols}
    shift = {c: (pilot[c][0] or 0.0) / scale[c] for c in cols}
    names = [by] if by is not None else []

    def one_pass(shifts: dict, scales: dict, first: bool) -> list[dict[str, Any]]:
        fields: list[Any] = []
        for c in cols:
            value = F.when(use, F.col(c))
            fields += _power_sums(src, c, use, _per_group(src, g, shifts[c], 0.0),
                                  _per_group(src, g, scales[c], 1.0))
            if first:
                fields += [F.count(value).alias(f"n_{c}"),
                           F.count_if(use & F.col(c).isNull()).alias(f"miss_{c}"),
                           F.min(value).alias(f"lo_{c}"), F.max(value).alias(f"hi_{c}"),
                           F.avg(value).alias(f"m_{c}")]
                if not exact:
                    fields.append(F.percentile_approx(value, [0.25, 0.5, 0.75], ACCURACY)
                                  .alias(f"q_{c}"))
        if first:
            fields += src.account_fields([*names, *columns])
            for t in text:
                a = src.alias(t)
                fields.append(F.count_if(use & F.col(a).isNull()).alias(f"tmiss_{a}"))
        frame = rows.groupBy(F.col(g).alias("_g")).agg(*fields) if g else rows.agg(*fields)
        return src.records(frame)

    first = one_pass({c: {None: shift[c]} for c in cols}, {c: {None: scale[c]} for c in cols},
                     True)
    account_keys = [k for k in first[0] if k.startswith("_") and k != "_g"]
    totals = _summed(first, account_keys)
    groups = [r for r in first if not g or r["_g"] is not None]
    used_rows = sum(r["_kept"] for r in groups) if g else 0
    src.check_values(columns, totals)  # (not a numeric value, an infinity: errors)
    src.account(names, totals, used=used_rows, complete=g is not None)
    if g:
        order = first_rows(src, used, g, use, [r["_g"] for r in groups])
        groups.sort(key=lambda r: order[r["_g"]])
    keys = [r["_g"] if g else None for r in groups]
    # the exact scale of each column (by its extremes) and a shift near each mean, or again
    shifts = {c: {} for c in cols}
    scales = {c: {} for c in cols}
    again = False
    for r, key in zip(groups, keys, strict=True):
        for c in cols:
            n = r[f"n_{c}"]
            shifts[c][key], scales[c][key] = shift[c], scale[c]
            if not n:
                continue
            exact_scale = _scale(max(-r[f"lo_{c}"], r[f"hi_{c}"]))
            s1, s2 = r[f"s1_{c}"], r[f"s2_{c}"]
            m2 = s2 - s1 * s1 / n
            far = s1 * s1 / n > _SHIFT_LIMIT * m2 if m2 > 0 else s1 != 0
            if exact_scale != scale[c] or far:
                again = True
    sums = {key: r for r, key in zip(groups, keys, strict=True)}
    if again:  # every group about its own mean, in its own scale
        for r, key in zip(groups, keys, strict=True):
            for c in cols:
                if r[f"n_{c}"]:
                    scales[c][key] = _scale(max(-r[f"lo_{c}"], r[f"hi_{c}"]))
                    mean = r[f"m_{c}"]
                    shifts[c][key] = mean / scales[c][key] if math.isfinite(mean) else 0.0
        found = one_pass(shifts, scales, False)
        sums = {(r["_g"] if g else None): r for r in found}
    if exact:
        counts = {(k, c): int(r[f"n_{c}"]) for r, k in zip(groups, keys, strict=True)
                  for c in cols}
        quartile = exact_quartiles(src, rows, use, g, counts)
    else:
        quartile = {(k, c): (tuple(float(v) for v in r[f"q_{c}"]) if r[f"n_{c}"] else
                             (math.nan,) * 3)
                    for r, k in zip(groups, keys, strict=True) for c in cols}
        src.approximate = ("q1", "median", "q3", "iqr")
        src.extra["quantiles"] = {"method": "percentile_approx", "accuracy": ACCURACY,
                                  "rank_error": 1 / ACCURACY}
        src.warnings.append(
            f"q1, median, q3 and iqr are approximate (Spark's percentile_approx, accuracy "
            f"{ACCURACY}: each within {1 / ACCURACY:g}·n ranks of the exact quantile); "
            "--exact-quantiles gives exact ones at the cost of two more passes")
    found = []
    for name, c in zip(columns, cols, strict=True):
        for r, key in zip(groups, keys, strict=True):
            n = int(r[f"n_{c}"])
            if n == 0:
                m = Moments(n=0, mean=math.nan, m2=0.0, m3=0.0, m4=0.0)
            else:
                row = sums[key]
                s = [row[f"s{k}_{c}"] for k in (1, 2, 3, 4)]
                m2, m3, m4 = central_sums(n, *s)
                sc = scales[c][key]
                m = Moments(n=n, mean=(shifts[c][key] + s[0] / n) * sc, m2=float(m2),
                            m3=float(m3), m4=float(m4), min=r[f"lo_{c}"], max=r[f"hi_{c}"],
                            scale=sc, peak=max(-r[f"lo_{c}"], r[f"hi_{c}"]))
            found.append((name, label_of(key) if g else None, m, quartile[(key, c)],
                          int(r[f"miss_{c}"])))
    texts = [_text_summary(TextSummary, src, rows, name, sum(r[f"tmiss_{src.alias(name)}"]
                                                              for r in first))
             for name in text]
    return found, texts


def _text_summary(kind: type, src: SparkSource, rows: Any, name: str, missing: int) -> Any:
    """count, missing, distinct, most frequent (ties: the first seen) of a text column."""
    F = src.F
    t = src.alias(name)
    value = F.col(t).cast("string") if src.kinds[name] != BOOL else F.when(
        F.col(t), F.lit("true")).when(~F.col(t), F.lit("false"))
    counted = (rows.where(F.col("_keep") & F.col(t).isNotNull())
               .groupBy(value.alias("v")).agg(F.count(F.lit(1)).alias("k"),
                                              F.min("_order").alias("first")))
    (found,) = src.records(counted.agg(
        F.count(F.lit(1)).alias("unique"), F.sum("k").alias("count"),
        F.min_by(F.struct("v", "k"), F.struct(-F.col("k"), F.col("first"))).alias("top")))
    if not found["unique"]:
        return kind(name=name, count=0, missing=missing, unique=0, top=None, top_count=0)
    return kind(name=name, count=int(found["count"]), missing=missing,
                unique=int(found["unique"]), top=found["top"]["v"],
                top_count=int(found["top"]["k"]))


def exact_quartiles(src: SparkSource, rows: Any, use: Any, g: str | None,
                    counts: dict) -> dict:
    """Type-7 quartiles per (group, column) from the order statistics at the ranks they need
    (`order_statistics`)."""
    wanted = {key: quartile_ranks(n) for key, n in counts.items() if n}
    values = order_statistics(src, rows, use, g, wanted, counts)
    return {key: quartiles_of(values.get(key), n) for key, n in counts.items()}


def order_statistics(src: SparkSource, rows: Any, use: Any, g: str | None, wanted: dict,
                     counts: dict) -> dict:
    """The values at 0-based ranks `wanted[(group, column)]`, exactly, in two passes.

    percentile_approx with accuracy A returns a value within n/A ranks of rank p·n, so the
    approximate values at ranks r ∓ (2n/A + 1) bracket rank r. A second pass counts the
    values below each bracket and gathers those inside it (about 4n/A), whose sorted order
    gives the rank. A bracket that misses (the sketch's guarantee says never) is widened
    fourfold and tried again, up to the whole range.
    """
    F = src.F
    found: dict = {key: {} for key in wanted}
    pending = {key: (ranks, 2 * counts[key] / ACCURACY + 1) for key, ranks in wanted.items()}
    while pending:
        plans, fields = [], []
        for i, ((key, c), (ranks, margin)) in enumerate(pending.items()):
            n = counts[(key, c)]
            probs = []
            for r in ranks:
                probs += [max(0.0, (r - margin) / n), min(1.0, (r + margin) / n)]
            member = use & F.col(c).isNotNull() & (F.col(g) == F.lit(key) if g else F.lit(True))
            fields.append(F.percentile_approx(F.when(member, F.col(c)), probs, ACCURACY)
                          .alias(f"b{i}"))
            plans.append((key, c, ranks, margin, member))
        (brackets,) = src.records(rows.agg(*fields))
        second_fields = []
        for i, (_key, c, _ranks, _margin, member) in enumerate(plans):
            low, high = min(brackets[f"b{i}"]), max(brackets[f"b{i}"])
            second_fields += [
                F.count_if(member & (F.col(c) < F.lit(low))).alias(f"below{i}"),
                F.collect_list(F.when(member & (F.col(c) >= F.lit(low))
                                      & (F.col(c) <= F.lit(high)), F.col(c))).alias(f"in{i}")]
        (second,) = src.records(rows.agg(*second_fields))
        missed = {}
        for i, (key, c, ranks, margin, _member) in enumerate(plans):
            below = int(second[f"below{i}"])
            inside = np.sort(np.asarray(second[f"in{i}"], dtype=np.float64))
            if all(below <= r < below + inside.size for r in ranks):
                for r in ranks:
                    found[(key, c)][r] = float(inside[r - below])
            else:
                missed[(key, c)] = (ranks, margin * 4)
        pending = missed
    return found


def abtest_summaries(src: SparkSource, group: str, metric: str,
                     covariate: str | None) -> dict[str, Any]:
    """Per group, in order of first appearance: `Counts` (a two-valued metric), `Moments`,
    or `CoMoments` of (metric, covariate), with the scales and the rank-sum provider that
    `ab_test_groups` finishes from (as `duckdb_summaries.abtest_summaries`)."""
    from mlstats.stats.abtest import _scale_of, two_valued_labels

    F = src.F
    used = {group: src.kinds[group], metric: src.kinds[metric]}
    if covariate is not None:
        used[covariate] = NUMBER
    names = list(used)
    g, m = src.alias(group), src.alias(metric)
    x = F.col(src.alias(covariate)) if covariate is not None else None
    value = F.col(m)
    if src.kinds[metric] != NUMBER:
        # true/false or yes/no text: successes are 1; any other text must be numbers
        rows = src.rows(used)
        complete = _complete(src, names)
        shown = (F.when(value, F.lit("true")).otherwise(F.lit("false"))
                 if src.kinds[metric] == BOOL else value)
        labels = [r[0] for r in src.collect(rows.where(F.col("_keep") & complete)
                                            .select(shown).distinct().limit(5))]
        success = two_valued_labels(labels)
        if success is None:
            used[metric] = NUMBER
        else:
            hits = [lab for lab, ok in zip(labels, success, strict=True) if ok]
            value = F.when(shown.isin(hits), F.lit(1.0)).otherwise(F.lit(0.0))
    rows = src.rows(used)
    use = F.col("_keep") & _complete(src, names)
    parts = [value] + ([x] if x is not None else [])
    # The first rows (each group's first row, and a shift should Spark's own central moments
    # overflow) are read beside the row count (Parquet, a table) or the one pass (CSV).
    from concurrent.futures import ThreadPoolExecutor

    heading = [F.col(g).alias("_g"), *(e.alias(f"p{i}") for i, e in enumerate(parts))]
    scale = None
    if src.csv or x is not None:
        with ThreadPoolExecutor(1) as pool:
            ahead = pool.submit(src.head, used, use, heading)
            first, central = _abtest_pass(src, rows, g, use, names, parts, {}, [],
                                          central=True)
            head, ordered = ahead.result()
        account_keys = [k for k in first[0] if k.startswith("_") and k not in ("_g", "_u")]
        groups = [r for r in first if r["_u"] and r["_g"] is not None and r["n"]]
        src.account(names, _summed(first, account_keys), used=sum(r["n"] for r in groups))
    else:  # (the head of the group alone: the values only if the moments overflow)
        with ThreadPoolExecutor(1) as pool:
            ahead = pool.submit(src.head, used, use, heading[:1])
            groups, central, scale = _abtest_columnar(src, rows, g, metric, names, value)
            head, ordered = ahead.result()
    if groups:
        order = first_rows(src, used, g, use, [r["_g"] for r in groups],
                           head=head if ordered else None)
        groups.sort(key=lambda r: order[r["_g"]])
    found, exact = abtest_frame(groups, covariate=x is not None, scale=scale)
    if exact is None:
        return found
    if all(sc == 1 for sc in exact) and all(math.isfinite(v) for r in groups
                                             for v in central[r["_g"]]):
        # Spark's central moments (Welford's updates, Chan's merges) about each group's mean
        # (values that need a scale may have overflowed or underflowed in them: the sums)
        scales = exact
        shift = {r["_g"]: [r[f"m{i}"] / scales[i] for i in range(len(parts))] for r in groups}
        sums = {r["_g"]: _central_sums(r, len(parts), scales) for r in groups}
        return _abtest_found(src, found, groups, parts, shift, scales, sums, rows, use, g,
                             value, x)
    if head.num_rows and "p0" not in head.column_names:
        head, _ordered = src.head(used, use, heading)
    pilot = _head_moments(head, len(parts))
    scales = [_scale_of(np.array([peak])) for _mean, peak in pilot]
    centre = [mean / scales[i] for i, (mean, _peak) in enumerate(pilot)]
    _first, sums = _abtest_pass(src, rows, g, use, names, parts, {None: centre}, scales,
                                first=False)
    shift = {r["_g"]: centre for r in groups}
    far = exact != scales
    for r in groups:
        n, key = r["n"], r["_g"]
        for i in range(len(parts)):
            s1, s2 = sums[None][key][(i, None)], sums[None][key][(i, i)]
            m2 = s2 - s1 * s1 / n
            if (s1 * s1 / n > _SHIFT_LIMIT * m2) if m2 > 0 else s1 != 0:
                far = True
    sums = sums[None]
    if far:  # every group about its own mean, in the exact scale
        scales = exact
        shift = {r["_g"]: [r[f"m{i}"] / scales[i] for i in range(len(parts))] for r in groups}
        _again, again = _abtest_pass(src, rows, g, use, names, parts, shift, scales,
                                     first=False)
        sums = again[None]
    return _abtest_found(src, found, groups, parts, shift, scales, sums, rows, use, g, value,
                         x)


def _abtest_columnar(src: SparkSource, rows: Any, g: str, metric: str, names: list[str],
                     value: Any) -> tuple[list[dict], dict, float | None]:
    """ab-test's one pass over Parquet or a table: all rows grouped by the group alone (its
    missing values a group of their own), with plain aggregates of the metric where it is
    present and kept (n, Σy, whether y is 0/1, Spark's var_pop), and the counts the row
    accounting takes (rows, kept by --where): no condition per aggregate, no filter. A
    second pass only to name an infinity (a sum not finite), and for the metric's range when
    bounds from Σy² = n(v + ȳ²) (max|y| between max √(Σy²/n) and √ΣΣy²) leave its
    power-of-two scale open. Returns the groups (as `_abtest_pass` gives them), their central
    moments and the scale (None: from the groups' `lo`, `hi`)."""
    from mlstats.stats.abtest import _SAFE_MAGNITUDE

    F = src.F
    keep, present = F.col("_keep"), F.col(src.alias(metric)).isNotNull()
    y = F.col("_y")
    fields = [F.count(F.lit(1)).alias("_all"), F.count_if(keep).alias("_k"),
              F.count(y).alias("n"), F.sum(y).alias("s"),
              F.bool_and(y.isin(0.0, 1.0)).alias("two"), F.var_pop(y).alias("v00")]
    picked = [F.col(g).alias("_g"), F.when(keep & present, value).alias("_y"), keep]
    if src.where:  # an infinity in a row that --where leaves out is an error too
        picked.append(F.col(src.alias(metric)).alias("_m"))
        fields.append(F.max(F.abs(F.col("_m"))).alias("_top"))
    buckets = src.records(rows.select(*picked).groupBy("_g").agg(*fields))
    finite = all(math.isfinite(r[k]) for r in buckets for k in ("s", "v00", "_top")
                 if r.get(k) is not None)
    groups = [{**r, "_u": True, "m0": r["s"] / r["n"]} for r in buckets
              if r["_g"] is not None and r["n"]]
    n = sum(r["n"] for r in groups)
    if not finite:  # an infinity to name (or sums beyond the doubles): count them all
        (book,) = src.records(rows.agg(*src.account_fields(names)))
        src.account(names, book, used=n)
    else:
        gone = sum(r["_k"] for r in buckets if r["_g"] is None)
        src.account(names, {"_read": sum(r["_all"] for r in buckets),
                            "_kept": sum(r["_k"] for r in buckets),
                            f"_miss_{g}": gone,
                            f"_miss_{src.alias(metric)}": sum(r["_k"] - r["n"]
                                                              for r in buckets)}, used=n)
    central = {r["_g"]: [r["m0"], r["v00"]] for r in groups}
    scale = None
    if finite and groups:
        with np.errstate(all="ignore"):
            squares = np.array([r["n"] * (r["v00"] + r["m0"] ** 2) for r in groups])
            low = float(np.max(np.sqrt(squares / [r["n"] for r in groups])))
            high = math.sqrt(float(np.sum(squares)))
        if low >= 1 / _SAFE_MAGNITUDE and high <= _SAFE_MAGNITUDE:
            scale = 1.0  # (as `_scale_of` gives for every |y| within 2^±256)
    if scale is None and groups and not all(r["two"] for r in groups):
        use = keep & F.col(g).isNotNull() & present
        extent = {e["_g"]: e for e in src.records(rows.where(use).groupBy(
            F.col(g).alias("_g")).agg(F.min(value).alias("lo"), F.max(value).alias("hi")))}
        for r in groups:
            r["lo"], r["hi"] = extent[r["_g"]]["lo"], extent[r["_g"]]["hi"]
    return groups, central, scale


def _central_sums(r: dict[str, Any], k: int, scales: list[float]) -> dict:
    """A group's sums about its own mean in the scaled units, as `_abtest_pass` gives them
    about a shift: Σd = 0 and Σdᵢdⱼ = n·cov_pop(i, j)/(sᵢsⱼ)."""
    entry: dict = {(i, None): 0.0 for i in range(k)}
    for i in range(k):
        for j in range(i, k):
            entry[(i, j)] = r["n"] * r[f"v{i}{j}"] / (scales[i] * scales[j])
    return entry


def _abtest_found(src: SparkSource, found: dict[str, Any], groups: list[dict], parts: list,
                  shift: dict, scales: list[float], sums: dict, rows: Any, use: Any, g: str,
                  value: Any, x: Any) -> dict[str, Any]:
    """The summaries of each group from its sums about `shift`, and the rank-sum provider."""
    from mlstats.stats.summaries import CoMoments

    F = src.F
    found["scale"] = scale = scales[0]
    if x is not None:
        found["x_scale"] = scales[1]
        found["x_range"] = (min(r["xlo"] for r in groups) / scales[1],
                            max(r["xhi"] for r in groups) / scales[1])
    summaries = []
    for lab, r in zip(found["labels"], groups, strict=True):
        n, key = int(r["n"]), r["_g"]
        base = np.array(shift[key])
        mean_d = np.array([sums[key][(i, None)] for i in range(len(parts))]) / n
        c = np.array([[sums[key][(min(i, j), max(i, j))] for j in range(len(parts))]
                      for i in range(len(parts))]) - n * np.outer(mean_d, mean_d)
        if x is None:  # as `group_moments`: the mean corrected by the deviations' mean
            summaries.append(Moments(lab, n, float(base[0] + mean_d[0]),
                                     max(float(c[0, 0]), 0.0)))
        else:
            summaries.append(CoMoments(n=n, mean=base + mean_d, c=c))
    found["summaries"] = tuple(summaries)
    keys = [r["_g"] for r in groups]
    y = value / F.lit(scale)

    def rank_sums(values: Any) -> Any:
        def pair(index: int, control_index: int) -> Any:
            return _rank_sums(src, rows, use, F.col(g), values, keys[index],
                              keys[control_index])
        return pair

    if x is None:
        found["samples"] = rank_sums(y)
    else:
        x_scaled = x / F.lit(scales[1])

        def adjusted(theta: float | None, x_bar: float) -> Any:
            if theta is None:
                return rank_sums(y)
            return rank_sums(y - F.lit(theta) * (x_scaled - F.lit(x_bar)))
        found["samples"] = adjusted
    return found


def first_rows(src: SparkSource, used: dict[str, str], g: str, use: Any,
               keys: Sequence[Any], head: Any = None) -> dict[Any, tuple]:
    """Each group's first row (an input-order key): from the input's first rows in order
    (`SparkSource.head`, or `head` when given, rows with `_g` first) when every group shows
    up there, else from a pass over all rows (a row id in the aggregate costs a pass several
    times dearer than the sums)."""
    import pyarrow.compute as pc

    F = src.F
    if head is None:
        head, ordered = src.head(used, use, [F.col(g).alias("_g")])
        head = head if ordered else head.slice(0, 0)
    # (Arrow's distinct values come in the order of their first rows)
    found = {key: (i,) for i, key in enumerate(pc.unique(head["_g"]).to_pylist())}
    if not all(key in found for key in keys):
        rows = src.rows(used, order=True)
        every = rows.where(use).groupBy(F.col(g).alias("_g")).agg(F.min("_order").alias("_first"))
        found = {r["_g"]: _in_order(r["_first"]) for r in src.records(every)}
    return found


def _in_order(key: Any) -> tuple:
    """An input-order key (a row id, or a (file, split, row id) struct) as a sortable tuple."""
    return tuple(key) if isinstance(key, tuple) else (key,)


def _complete(src: SparkSource, names: Sequence[str]) -> Any:
    F = src.F
    found = F.lit(True)
    for name in names:
        found = found & F.col(src.alias(name)).isNotNull()
    return found


def _head_moments(head: Any, k: int) -> list[tuple[float, float]]:
    """Over the rows of a head (an Arrow table, columns p0 … p{k−1}): (mean, largest
    magnitude) of each, (0, 0) without rows. A shift anywhere in a column's range keeps its
    shifted sums exact enough; one far from the mean is caught after the pass
    (`_SHIFT_LIMIT`) and taken again."""
    if not head.num_rows:
        return [(0.0, 0.0)] * k
    values = np.column_stack([head[f"p{i}"].to_numpy().astype(np.float64) for i in range(k)])
    peaks = np.max(np.abs(values), axis=0)
    unit = np.where(peaks > 0, peaks, 1.0)  # (a mean of values near 1e308 would overflow)
    means = np.mean(values / unit, axis=0) * unit
    return [(float(m), float(top)) for m, top in zip(means, peaks, strict=True)]


def _abtest_pass(src: SparkSource, rows: Any, g: str, use: Any, names: list[str],
                 parts: list[Any], shift: dict, scales: list[float], *,
                 first: bool = True, central: bool = False) -> tuple[list[dict], dict]:
    """Per group in one pass: the row accounting, n, the metric's sum and extremes, whether
    it is 0/1, the covariate's extremes, and the sums Σdᵢ, Σdᵢdⱼ of the deviations of the
    scaled columns from the shifts (one shift for all groups under the key None); or with
    `central`, Spark's own means mᵢ and population (co)variances vᵢⱼ instead of the sums
    (and per group the list of them, to check that none overflowed)."""
    F = src.F
    d = []
    for i, e in enumerate(parts if not central else []):
        values = {key: v[i] for key, v in shift.items()}
        sh = (F.lit(float(values[None])) if None in values else
              _per_group(src, g, values, 0.0))
        d.append((e / F.lit(scales[i]) if scales[i] != 1 else e) - sh)
    value = parts[0]
    fields = [F.count(F.lit(1)).alias("n")]
    if first:
        fields += [*src.account_fields(names), F.sum(value).alias("s"),
                   F.min(value).alias("lo"), F.max(value).alias("hi"),
                   F.bool_and(F.coalesce(value.isin(0.0, 1.0), F.lit(True))).alias("two")]
        fields += [F.avg(e).alias(f"m{i}") for i, e in enumerate(parts) if i or central]
        if len(parts) > 1:
            fields += [F.min(parts[1]).alias("xlo"), F.max(parts[1]).alias("xhi")]
    if central:
        fields += [(F.var_pop(parts[i]) if i == j else F.covar_pop(parts[i], parts[j]))
                   .alias(f"v{i}{j}") for i in range(len(parts)) for j in range(i, len(parts))]
    fields += [F.sum(a).alias(f"s{i}") for i, a in enumerate(d)]
    fields += [F.sum(d[i] * d[j]).alias(f"p{i}{j}")
               for i in range(len(d)) for j in range(i, len(d))]
    # buckets of rows (group, used or not): plain aggregates, no condition per aggregate;
    # the statistics from the used buckets, the accounting from all
    buckets = src.records(rows.groupBy(F.col(g).alias("_g"), use.alias("_u")).agg(*fields))
    found = [r for r in buckets if r["_u"]] + [r for r in buckets if not r["_u"]]
    sums = {}
    for r in found:
        if not r["_u"]:
            r["n"] = 0  # rows left out: counted by the accounting only
            continue
        if central:
            sums[r["_g"]] = [float(r[f"m{i}"]) for i in range(len(parts))] + [
                float(r[f"v{i}{j}"]) for i in range(len(parts)) for j in range(i, len(parts))]
            continue
        if first:  # the metric's mean as Spark's avg takes it, without an aggregate of its own
            r["m0"] = r["s"] / r["n"] if r["n"] else None
        entry = {(i, None): r[f"s{i}"] or 0.0 for i in range(len(d))}
        entry.update({(i, j): r[f"p{i}{j}"] or 0.0 for i in range(len(d))
                      for j in range(i, len(d))})
        sums[r["_g"]] = entry
    return found, sums if central else {None: sums}


def _rank_sums(src: SparkSource, rows: Any, use: Any, g: Any, values: Any, variant: Any,
               control: Any) -> Any:
    """The variant's mid-rank sum in the pooled sample of two groups, the sizes and the
    tie term Σ(t³ − t): counts per distinct value, and the count below each by a running
    sum over the distinct values in order (a window over the distinct values only)."""
    from pyspark.sql import Window

    from mlstats.stats.abtest import RankSums

    F = src.F
    counted = (rows.where(use & g.isin(variant, control))
               .groupBy(values.alias("v"))
               .agg(F.count(F.lit(1)).cast("double").alias("k"),
                    F.count_if(g == F.lit(variant)).cast("double").alias("kt")))
    running = Window.orderBy("v").rowsBetween(Window.unboundedPreceding, Window.currentRow)
    ranked = counted.select("k", "kt", (F.sum("k").over(running) - F.col("k")).alias("below"))
    k, kt = F.col("k"), F.col("kt")
    (found,) = src.collect(ranked.agg(
        F.sum(kt * (F.col("below") + (k + 1) / 2)), F.sum(k * k * k - k),
        F.sum(kt).cast("long"), F.sum(k - kt).cast("long")))
    rank_sum, tie, n_t, n_c = found
    return RankSums(float(rank_sum), int(n_t), int(n_c), float(tie))


def regression_factor(src: SparkSource, y: str, xs: Sequence[str],
                      outcome: Any = None) -> dict[str, Any]:
    """Least squares of y on numeric xs, without the rows on the client: one pass for the
    row accounting, counts and ranges, then the `RFactor` of [x/u, y/unit] (u, unit powers
    of two for extreme magnitudes, as the local fit divides) built per partition on the
    workers by `mapInArrow` and merged here by TSQR."""
    from mlstats.engines import spark_tasks
    from mlstats.stats.regression import _column_units, _power_of_two
    from mlstats.stats.summaries import RFactor

    F = src.F
    names = [y, *xs]
    rows = src.rows({y: src.kinds[y] if outcome is not None else NUMBER,
                     **dict.fromkeys(xs, NUMBER)})
    use = F.col("_keep") & _complete(src, names)
    cols = [src.alias(x) for x in xs] + [src.alias(y)]
    if outcome is not None:  # the response coded 0/1 (logistic regression)
        rows = rows.withColumn(cols[-1], outcome(F.col(cols[-1])))
    fields = [*src.account_fields(names), F.count_if(use).alias("n")]
    for c in cols:
        fields += [F.min(F.when(use, F.col(c))).alias(f"lo_{c}"),
                   F.max(F.when(use, F.col(c))).alias(f"hi_{c}")]
    (first,) = src.records(rows.agg(*fields))
    n = int(first["n"])
    src.account(names, first, used=n)
    ranges = {x: (first[f"lo_{c}"], first[f"hi_{c}"]) for x, c in zip(xs, cols[:-1], strict=True)}
    y_range = (first[f"lo_{cols[-1]}"], first[f"hi_{cols[-1]}"])
    found: dict[str, Any] = {"n": n, "ranges": ranges, "y_range": y_range, "rows": rows,
                             "use": use, "cols": cols}
    if n == 0 or y_range[0] == y_range[1]:
        return found
    units = _column_units(max(abs(lo), abs(hi)) for lo, hi in ranges.values())
    unit = _power_of_two(max(abs(y_range[0]), abs(y_range[1])))
    scales = [*(units.tolist() if units is not None else [1.0] * len(xs)), unit]
    spark_tasks.register()
    parts = src.collect(rows.where(use).select(*cols).mapInArrow(
        spark_tasks.r_factor_partition(scales), "n long, mean array<double>, r array<double>"))
    p = len(cols)
    factor = RFactor.of(np.empty((0, p)))
    for part in sorted(parts, key=lambda row: (row["n"], row["mean"])):
        factor = factor.merge(RFactor(n=int(part["n"]), mean=np.asarray(part["mean"]),
                                      r=np.asarray(part["r"]).reshape(p, p)))
    found.update(factor=factor, unit=unit, scales=scales)
    return found


def residual_sums(src: SparkSource, found: dict[str, Any], fit: Any, *, ssr: float,
                  leverage: bool) -> Any:
    """The `RowStatistics` of a fit without its rows: ‖e‖² = `ssr` (from the R factor),
    Σ|eᵢ| of y/unit and with `leverage` the largest leverage of a row, in one pass:
    eᵢ = (yᵢ − ȳ) − zᵢ'g and hᵢ = 1/n + ‖R⁻ᵀzᵢ‖² on the working rows zᵢ = (xᵢ/u − t̄)/s."""
    from scipy.linalg import solve_triangular

    from mlstats.stats.regression import _EXACT_TOL, RowStatistics

    F = src.F
    cols, scales = found["cols"], found["scales"]
    z = [(F.col(c) / F.lit(scales[j]) - F.lit(float(fit.offset[j]) if fit.intercept else 0.0))
         / F.lit(float(fit.scale[j])) for j, c in enumerate(cols[:-1])]
    predicted = F.lit(fit.y_mean)
    for j, zj in enumerate(z):
        predicted = predicted + F.lit(float(fit.g[j])) * zj
    e = F.col(cols[-1]) / F.lit(scales[-1]) - predicted
    fields = [F.sum(F.abs(e)).alias("absolute")]
    if leverage:
        a = solve_triangular(fit.r, np.eye(fit.g.size), trans="T")  # R⁻ᵀ
        h = F.lit(1 / fit.n if fit.intercept else 0.0)
        for k in range(fit.g.size):
            v = F.lit(0.0)
            for j, zj in enumerate(z):
                if a[k, j] != 0:
                    v = v + F.lit(float(a[k, j])) * zj
            h = h + v * v
        fields.append(F.max(h).alias("top"))
    (row,) = src.records(found["rows"].where(found["use"]).agg(*fields))
    return RowStatistics(exact=math.sqrt(ssr) <= _EXACT_TOL * math.sqrt(fit.sst), ssr=ssr,
                         abs_sum=float(row["absolute"]),
                         top_leverage=float(row["top"]) if leverage else math.nan)


def logistic_fit(src: SparkSource, y: str, xs: Sequence[str], *, intercept: bool,
                 positive: str | None, confidence: float, predict: Sequence,
                 anova: int | None) -> Any:
    """Logistic regression on the cluster: the least-squares R factor of the 0/1 outcome
    gives the working columns and the starting point, then each Newton iteration is one
    aggregate pass (`SparkNewton.newton_pass`), driven by the same `newton_by_passes` and
    finished by the same `logistic_fields` as DuckDB's (and the local engine's)."""
    from mlstats.engines import refuse
    from mlstats.errors import InputError
    from mlstats.stats.logistic import (
        LogisticFit,
        LogisticResult,
        NoMaximum,
        _separation_message,
        binary_outcome,
        logistic_fields,
        newton_by_passes,
    )
    from mlstats.stats.regression import build_design, check_rows, working_fit_from_r

    F = src.F
    if anova is not None:
        raise refuse("spark", "--anova with --logistic")
    value = src.value(y) if src.kinds[y] != BOOL else F.when(
        src.value(y), F.lit("true")).when(~src.value(y), F.lit("false"))
    complete = F.lit(True)
    for name in [y, *xs]:
        complete = complete & src.value(name).isNotNull()
    distinct = [r[0] for r in src.collect(src.frame.where(src.keep() & complete)
                                          .select(value).distinct().limit(3))]
    numeric = src.kinds[y] == NUMBER
    values = (np.array(distinct, dtype=np.float64) if numeric else
              np.array([str(v) for v in distinct], dtype=object))
    coded, label = binary_outcome(values, name=y, positive=positive)
    hit = values[int(np.flatnonzero(coded == 1)[0])]
    hit = float(hit) if numeric else str(hit)

    def outcome(column: Any) -> Any:
        shown = column if src.kinds[y] != BOOL else F.when(column, F.lit("true")).when(
            ~column, F.lit("false"))
        return F.when(shown.isNull(), F.lit(None)).when(shown == F.lit(hit), F.lit(1.0)) \
            .otherwise(F.lit(0.0))

    found = regression_factor(src, y, xs, outcome=outcome)
    design, _ = build_design({n: np.array(found["ranges"][n]) for n in xs},
                             intercept=intercept)
    check_rows(found["n"], design)
    ols = working_fit_from_r(found["factor"], intercept=intercept, names=design.terms,
                             ranges=design.ranges)
    from mlstats.stats.regression import with_scaling

    design = with_scaling(design, ols)
    mean = float(found["factor"].mean[-1]) * found["scales"][-1]
    data = SparkNewton(src, found, ols)
    try:
        newton, last = newton_by_passes(data.newton_pass, ols, mean)
    except NoMaximum as exc:
        raise InputError(_separation_message(design.terms, exc.direction, intercept,
                                             complete=exc.complete)) from None
    top = None
    if predict and len(xs) > 1:
        top = residual_sums(src, found, ols, ssr=math.nan, leverage=True).top_leverage
    warnings: list[str] = []
    fields = logistic_fields(design, ols, newton, log_likelihood=last.log_likelihood,
                             mean=mean, classification=last.classification, edge=last.edge,
                             y_name=y, positive=label, degree=1, confidence=confidence,
                             predict=predict, warnings=warnings, top_leverage=top)
    result = LogisticResult(**fields, warnings=tuple(warnings))
    return LogisticFit(result=result, fitted=np.empty(0), residuals=np.empty(0), design=design,
                       newton=newton)


class SparkNewton:
    """Newton's sums on the cluster: at φ, in one pass, log L, the gradient, the information,
    the separation check, max |η|, the classification by p̂ > 0.5 and the rows with p̂
    within 10ε of 0 or 1 (`NewtonPass`)."""

    def __init__(self, src: SparkSource, found: dict[str, Any], ols: Any) -> None:
        F = src.F
        self.src, self.F, self.n = src, F, found["n"]
        cols, scales = found["cols"], found["scales"]
        self.rows = found["rows"].where(found["use"])
        z = [(F.col(c) / F.lit(scales[j]) - F.lit(float(ols.offset[j]) if ols.intercept
                                                    else 0.0)) / F.lit(float(ols.scale[j]))
             for j, c in enumerate(cols[:-1])]
        self.x = ([F.lit(1 / math.sqrt(ols.n))] if ols.intercept else []) + z
        self.y = F.col(cols[-1])

    def newton_pass(self, phi: np.ndarray) -> Any:
        from mlstats.stats.logistic import _EDGE, Classification, NewtonPass

        F = self.F
        eta = F.lit(0.0)
        for coefficient, x in zip(phi, self.x, strict=True):
            eta = eta + F.lit(float(coefficient)) * x
        p = F.lit(1.0) / (F.lit(1.0) + F.exp(-eta))
        w = p * (F.lit(1.0) - p)
        k = len(self.x)
        softplus = F.greatest(eta, F.lit(0.0)) + F.log1p(F.exp(-F.abs(eta)))
        predicted, actual = p > F.lit(0.5), self.y == 1
        fields = [F.sum(x * (self.y - p)).alias(f"g{i}") for i, x in enumerate(self.x)]
        fields += [F.sum(w * self.x[i] * self.x[j]).alias(f"h{i}_{j}")
                   for i in range(k) for j in range(i, k)]
        fields += [F.count_if((eta > 0) != actual).alias("wrong"),
                   F.max(F.abs(eta)).alias("top"), F.sum(self.y * eta - softplus).alias("ll"),
                   F.count_if((p < F.lit(_EDGE)) | (p > F.lit(1 - _EDGE))).alias("edge"),
                   F.count_if(predicted & actual).alias("tp"),
                   F.count_if(predicted & ~actual).alias("fp"),
                   F.count_if(~predicted & actual).alias("fn")]
        (r,) = self.src.records(self.rows.agg(*fields))
        information = np.empty((k, k))
        for i in range(k):
            for j in range(i, k):
                information[i, j] = information[j, i] = r[f"h{i}_{j}"]
        tp, fp, fn = int(r["tp"]), int(r["fp"]), int(r["fn"])
        tn = self.n - tp - fp - fn
        return NewtonPass(log_likelihood=float(r["ll"]),
                          gradient=np.array([r[f"g{i}"] for i in range(k)]),
                          information=information, misclassified=int(r["wrong"]),
                          top_eta=float(r["top"]), edge=int(r["edge"]),
                          classification=Classification(threshold=0.5, tp=tp, fp=fp, fn=fn,
                                                        tn=tn, accuracy=(tp + tn) / self.n))


# Beyond this many distinct scores the counts are taken per bin of equal width (with the
# --threshold as a bin edge, so that the counts there stay exact).
DISTINCT_SCORES = 1_000_000


def score_groups(src: SparkSource, truth: str, score: str, *, positive: str | None,
                 threshold: float) -> tuple[Any, str, tuple[float, float], int | None]:
    """The positive and negative rows per distinct score (`ScoreGroups`, descending), the
    positive label, the scores' range, and None, or the number of bins when there were more
    than DISTINCT_SCORES distinct scores (then every threshold is a bin's lower edge)."""
    from mlstats.errors import InputError
    from mlstats.stats.classification import NO_ROWS, ScoreGroups, positive_label

    F = src.F
    used = {truth: src.kinds[truth], score: NUMBER}
    rows = src.rows(used)
    t, s = F.col(src.alias(truth)), F.col(src.alias(score))
    names = [truth, score]
    use = F.col("_keep") & _complete(src, names)
    kept = rows.where(use)
    (first,) = src.records(rows.agg(
        *src.account_fields(names), F.count_if(use).alias("n"),
        F.count_distinct(F.when(use, s)).alias("distinct"),
        F.min(F.when(use, s)).alias("lo"), F.max(F.when(use, s)).alias("hi")))
    src.account(names, first, used=int(first["n"]))
    if not first["n"]:
        raise InputError(NO_ROWS)
    values = [r["v"] for r in src.records(kept.select(t.alias("v")).distinct().limit(1001))]
    if len(values) > 1:
        order = first_rows(src, used, src.alias(truth), use, values)
        values.sort(key=lambda v: order[v])
    labelled = [{"v": v} for v in values]
    labels = [_label(src, truth, v) for v in values]
    label = positive_label(labels, positive)
    hits = [r["v"] for r, lab in zip(labelled, labels, strict=True) if lab == label]
    is_positive = t.isin(hits) if hits else F.lit(False)
    bins = None
    key = s + F.lit(0.0)  # −0.0 counts as 0.0
    if first["distinct"] > DISTINCT_SCORES:
        bins = DISTINCT_SCORES
        lo, hi = float(first["lo"]), float(first["hi"])
        width = (hi - lo) / bins
        below = math.ceil((threshold - lo) / width) if threshold > lo else 0
        origin = threshold - below * width if threshold > lo else lo
        index = F.floor((s - F.lit(origin)) / F.lit(width))
        if threshold > lo:  # the threshold is the lower edge of bin `below`, exactly
            index = F.when(s >= F.lit(threshold), F.greatest(index, F.lit(below))) \
                .otherwise(F.least(index, F.lit(below - 1)))
        key = F.when(index == F.lit(below), F.lit(threshold)).otherwise(
            F.lit(origin) + index * F.lit(width)) if threshold > lo else (
            F.lit(origin) + index * F.lit(width))
    counted = src.collect(kept.groupBy(key.alias("s")).agg(
        F.count_if(is_positive).alias("pos"), F.count(F.lit(1)).alias("k")))
    found = np.array([(r["s"], r["pos"], r["k"]) for r in counted], dtype=np.float64)
    found = found[np.argsort(-found[:, 0], kind="stable")]
    pos = found[:, 1].astype(np.int64)
    groups = ScoreGroups(found[:, 0], pos, found[:, 2].astype(np.int64) - pos)
    return groups, label, (float(first["lo"]), float(first["hi"])), bins


def _label(src: SparkSource, name: str, value: Any) -> str:
    """A value of a column as the local reader spells it as a label."""
    if src.kinds[name] == NUMBER:
        return label_of(float(value))
    return label_of(value)


def correlation_facts(src: SparkSource, names: Sequence[str]) -> tuple[list, dict, int]:
    """Per column (`ColumnSummary`: present, the value of a constant one) and per pair
    (`PairSummary`: rows with both, Pearson's
    r, a column constant there): the sums Σd, Σd² and Σdᵢdⱼ of d = x/s − c over each pair's
    rows, re-centred on the pair's means (c a pilot's shift; a far shift or another scale is
    taken again about the column's mean), and the rows that some pair uses."""
    from mlstats.stats.correlation import _MIN_N, ColumnSummary, PairSummary, t_test_p

    F = src.F
    rows = src.rows(dict.fromkeys(names, NUMBER))
    keep = F.col("_keep")
    cols = [src.alias(n) for n in names]
    k = len(cols)
    pilot = _pilot(src, rows, keep, cols)
    scale = [_scale(pilot[c][1]) for c in cols]
    shift = [(pilot[c][0] or 0.0) / scale[i] for i, c in enumerate(cols)]
    count = F.lit(0)
    for c in cols:
        count = count + F.col(c).isNotNull().cast("int")

    def pass_(shifts: list[float], scales: list[float], first: bool) -> dict[str, Any]:
        fields = []
        if first:
            fields += [*src.account_fields(names),
                       F.count_if(keep & (count >= 2)).alias("used")]
            for c in cols:
                value = F.when(keep, F.col(c))
                fields += [F.count(value).alias(f"n_{c}"), F.min(value).alias(f"lo_{c}"),
                           F.max(value).alias(f"hi_{c}")]
        for i in range(k):
            for j in range(i + 1, k):
                both = keep & F.col(cols[i]).isNotNull() & F.col(cols[j]).isNotNull()
                di = F.when(both, F.col(cols[i]) / F.lit(scales[i]) - F.lit(shifts[i]))
                dj = F.when(both, F.col(cols[j]) / F.lit(scales[j]) - F.lit(shifts[j]))
                fields += [F.count_if(both).alias(f"n{i}_{j}"), F.sum(di).alias(f"a{i}_{j}"),
                           F.sum(dj).alias(f"b{i}_{j}"), F.sum(di * di).alias(f"aa{i}_{j}"),
                           F.sum(dj * dj).alias(f"bb{i}_{j}"),
                           F.sum(di * dj).alias(f"ab{i}_{j}")]
                if first:
                    fields += [F.min(F.when(both, F.col(cols[i]))).alias(f"il{i}_{j}"),
                               F.max(F.when(both, F.col(cols[i]))).alias(f"ih{i}_{j}"),
                               F.min(F.when(both, F.col(cols[j]))).alias(f"jl{i}_{j}"),
                               F.max(F.when(both, F.col(cols[j]))).alias(f"jh{i}_{j}")]
        (found,) = src.records(rows.agg(*fields))
        return found

    first = pass_(shift, scale, True)
    used = int(first["used"])
    src.account(names, first, used=used)

    def centred(found: dict, i: int, j: int) -> tuple[int, float, float, float]:
        n = found[f"n{i}_{j}"]
        if not n:
            return 0, 0.0, 0.0, 0.0
        a, b = found[f"a{i}_{j}"] / n, found[f"b{i}_{j}"] / n
        return (n, found[f"aa{i}_{j}"] - n * a * a, found[f"bb{i}_{j}"] - n * b * b,
                found[f"ab{i}_{j}"] - n * a * b)

    exact = [_scale(max(-first[f"lo_{c}"], first[f"hi_{c}"])) if first[f"n_{c}"] else 1.0
             for c in cols]
    far = exact != scale
    for i in range(k):
        for j in range(i + 1, k):
            n, sxx, syy, sxy = centred(first, i, j)
            if not all(math.isfinite(v) for v in (sxx, syy, sxy)):
                far = True  # (a pilot's mean that overflowed: values near 1e308)
            for s1, m2 in ((first[f"a{i}_{j}"], sxx), (first[f"b{i}_{j}"], syy)):
                if n and ((s1 * s1 / n > _SHIFT_LIMIT * m2) if m2 > 0 else s1 != 0):
                    far = True
    sums = first
    if far:  # about each column's mean, in its exact scale (so that the mean cannot overflow)
        (found,) = src.collect(rows.where(keep).agg(
            *[F.avg(F.col(c) / F.lit(s)) for c, s in zip(cols, exact, strict=True)]))
        sums = pass_([m or 0.0 for m in found], exact, False)
    columns = []
    for c in cols:
        count, low, high = int(first[f"n_{c}"]), first[f"lo_{c}"], first[f"hi_{c}"]
        columns.append(ColumnSummary(present=count, constant=f"{low:g}" if count and low == high
                                     else None))
    pairs = {}
    for i in range(k):
        for j in range(i + 1, k):
            n, sxx, syy, sxy = centred(sums, i, j)
            n = int(n)
            if columns[i].constant is not None or columns[j].constant is not None or n < _MIN_N:
                pairs[(i, j)] = PairSummary(n=n)
                continue
            flat = [names[a] for a, lo, hi in ((i, "il", "ih"), (j, "jl", "jh"))
                    if first[f"{lo}{i}_{j}"] == first[f"{hi}{i}_{j}"]]
            if flat:
                pairs[(i, j)] = PairSummary(n=n, flat=flat[0])
                continue
            r = float(np.clip(sxy / math.sqrt(sxx * syy), -1.0, 1.0))
            pairs[(i, j)] = PairSummary(n=n, r=r, p_value=t_test_p(r, n), p_method="t")
    return columns, pairs, int(first["_kept"])


def bottom_k(src: SparkSource, *, n: int | None, frac: float | None,
             seed: int) -> tuple[list[list[Any]], int]:
    """A simple random sample without replacement by bottom-k hashing: each row's key is a
    64-bit hash of (seed, its fields, which copy of an identical row it is), and the k rows
    of least key are taken, ties by the fields. The key depends on a row's content alone,
    so the same rows are drawn however the cluster splits the input; they come back in
    input order. Returns the rows (fields as text, None for null) and the population."""
    from pyspark.sql import Window

    from mlstats.stats import sampling

    F = src.F
    keep = src.keep()
    fields = [src.raw(name).cast("string").alias(src.alias(name)) for name in src.names]
    rows = src.frame.select(*fields, keep.alias("_keep"), src._order().alias("_order"),
                            *([F.col("_corrupt_record")] if src.csv else []))
    # (Spark refuses a query of a CSV's corrupt-record column alone: count a field too)
    (found,) = src.records(rows.agg(*src.account_fields([]),
                                    F.count(src.alias(src.names[0])).alias("fields")))
    src.account([], found, used=int(found["_kept"]), complete=False)
    population = int(found["_kept"])
    size = sampling.target_size(population, n=n, frac=frac, replace=False)
    kept = rows.where(F.col("_keep"))
    names = [src.alias(name) for name in src.names]
    copy = F.row_number().over(Window.partitionBy(*names).orderBy(F.lit(1)))
    keyed = kept.withColumn("_copy", copy).withColumn(
        "_key", F.xxhash64(F.lit(seed), *names, F.col("_copy")))
    picked = keyed.orderBy("_key", *names, "_copy").limit(size).orderBy("_order")
    return [[r[c] for c in names] for r in src.collect(picked.select(*names))], population


def kmeans_fits(src: SparkSource, names: Sequence[str], ks: Sequence[int], *, n_init: int,
                max_iter: int, tol: float, scale: str, seed: int) -> dict[str, Any]:
    """k-means by Spark MLlib's `KMeans` (k-means‖ initialisation, Lloyd's iterations on the
    cluster) for each k, on the columns centred (and scaled) as the local engine does: two
    passes for n, the means, ranges and centred sums of squares (the total sum of squares and
    the scale), one fit per k and start (seed + start; the lowest cost wins), and a sample of
    at most `SILHOUETTE_ROWS` rows (the least hashes of seed and content) for the
    silhouette. MLlib's tolerance is a distance each centre moves less than: √(tol × the mean
    column variance), scikit-learn's threshold on the squared shift."""
    from pyspark.ml.clustering import KMeans
    from pyspark.ml.feature import VectorAssembler

    from mlstats.errors import InputError
    from mlstats.stats.kmeans import SILHOUETTE_ROWS, EngineFit

    F = src.F
    rows = src.rows(dict.fromkeys(names, NUMBER))
    use = F.col("_keep") & _complete(src, names)
    cols = [src.alias(n) for n in names]
    fields = [*src.account_fields(names), F.count_if(use).alias("n")]
    for c in cols:
        value = F.when(use, F.col(c))
        fields += [F.avg(value).alias(f"m_{c}"), F.min(value).alias(f"lo_{c}"),
                   F.max(value).alias(f"hi_{c}")]
    (first,) = src.records(rows.agg(*fields))
    n = int(first["n"])
    src.account(names, first, used=n)
    if n == 0:
        raise InputError("no rows to cluster: every row misses a value in the columns used")
    offset = np.array([first[f"m_{c}"] for c in cols], dtype=np.float64)
    (second,) = src.records(rows.agg(*[
        F.sum(F.when(use, (F.col(c) - F.lit(m)) ** 2)).alias(f"ss_{c}")
        for c, m in zip(cols, offset, strict=True)]))
    squares = np.array([second[f"ss_{c}"] for c in cols], dtype=np.float64)
    if scale == "zscore":
        spread = np.sqrt(squares / (n - 1)) if n > 1 else np.zeros(len(cols))
    elif scale == "minmax":
        spread = np.array([first[f"hi_{c}"] - first[f"lo_{c}"] for c in cols])
    else:
        spread = None
    warnings: list[str] = []
    if spread is not None:
        flat = [name for name, s in zip(names, spread, strict=True) if not s > 0]
        if flat and scale == "zscore":
            raise InputError(f"column {', '.join(repr(f) for f in flat)} constant (standard "
                             "deviation 0), so --scale zscore cannot scale it; leave it out "
                             "of --columns, or use --scale minmax or none")
        if flat:
            warnings.append(f"column {', '.join(repr(f) for f in flat)} is constant: --scale "
                            "minmax leaves it at 0")
    factor = np.ones(len(cols)) if spread is None else np.where(spread > 0, spread, 1.0)
    total = float(np.sum(squares / factor**2))
    z = [((F.col(c) - F.lit(float(o))) / F.lit(float(f))).alias(f"z{i}")
         for i, (c, o, f) in enumerate(zip(cols, offset, factor, strict=True))]
    data = rows.where(use).select(*z)
    features = VectorAssembler(inputCols=[f"z{i}" for i in range(len(cols))],
                               outputCol="features").transform(data).select("features")
    features = features.localCheckpoint()  # read and parsed once for every fit
    src.made_models = True
    distance = math.sqrt(tol * total / (n * len(cols)))
    fits = []
    for k in ks:
        if k > n:
            raise InputError(f"--k {k} is more than the {n} rows to cluster; give a smaller k")
        if k == 1:  # the mean (MLlib wants k ≥ 2); its inertia is the total sum of squares
            fits.append(EngineFit(k=1, centres=np.zeros((1, len(cols))), inertia=total,
                                  iterations=1, converged=True, sizes=(n,)))
            continue
        best = None
        for start in range(n_init):
            model = _guard_fit(src, KMeans(k=k, seed=(seed + start) % (1 << 63),
                                           initMode="k-means||", maxIter=max_iter,
                                           tol=distance), features)
            summary = model.summary
            cost = float(summary.trainingCost)
            if best is None or cost < best[0]:
                best = (cost, model, summary)
        cost, model, summary = best
        iterations = int(summary.numIter)
        fits.append(EngineFit(k=k, centres=np.array(model.clusterCenters(), dtype=np.float64),
                              inertia=cost, iterations=iterations,
                              converged=iterations < max_iter,
                              sizes=tuple(int(s) for s in summary.clusterSizes)))
    picked = data if n <= SILHOUETTE_ROWS else data.orderBy(
        F.xxhash64(F.lit(seed), *[f"z{i}" for i in range(len(cols))])).limit(SILHOUETTE_ROWS)
    sample = np.array([list(r) for r in src.collect(picked)], dtype=np.float64)
    return {"fits": fits, "total": total, "sample": sample.reshape(-1, len(cols)), "n": n,
            "offset": offset, "factor": factor, "warnings": warnings}


def _guard_fit(src: SparkSource, estimator: Any, frame: Any) -> Any:
    """A fit on the cluster; Spark's errors as one-line input errors."""
    from mlstats.engines.spark_engine import _guard

    return _guard(lambda: estimator.fit(frame), src.name)
