"""Summaries by SQL on DuckDB: each function returns the summaries of `mlstats.stats.summaries`
(or the fields a finish step reads), computed by aggregate queries over `DuckDBSource.rows_sql`.

Two passes where the local engine takes two: the first gathers counts, extremes, means and
exact quantiles (`quantile_cont`, R's type 7); the second sums powers of deviations from
those means (Σd, Σd², Σd³, Σd⁴ with the Kahan–Babuška `fsum`), which `central_sums`
re-centres exactly as the local `column_moments` does. Groups come in order of first
appearance (the smallest row number), as the local engine orders them.
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
from mlstats.engines.duckdb_engine import DuckDBSource
from mlstats.errors import InputError
from mlstats.stats.summaries import Moments, _scales_for, central_sums


def _records(src: DuckDBSource, sql: str, params: dict | None = None) -> list[dict[str, Any]]:
    return src.records(sql, params)


# The pilot: the first rows, read in order, give each group's first row and a shift near
# each mean, so that one parallel pass over the whole input gathers sums of deviations
# from that shift (accurate when the shift is near the mean; checked, and a second pass
# about the exact mean is run when it is not).
PILOT_ROWS = 100_000
# A shift farther than this from the mean, in squared standard errors of the data
# (n·(x̄ − c)²/M2), costs more than 2⁻⁴⁰ in M4: then the sums are taken again about x̄.
_SHIFT_LIMIT = 2.0**8


def _pilot(src: DuckDBSource, used: dict[str, str], g: str | None, use: str,
           exprs: Sequence[str], *, two: bool = False) -> dict[Any, dict[str, Any]]:
    """Per group (None without one), over the first PILOT_ROWS rows: the first used row,
    and the mean and largest magnitude of each expression (and with `two`, whether the
    first is 0 or 1 throughout)."""
    rows = src.rows_sql(used, numbered=True)
    fields = ["min(_row) AS _first"]
    for i, e in enumerate(exprs):
        fields += [f"avg({e}) AS a{i}", f"max(abs({e})) AS p{i}"]
    if two:
        fields.append(f"bool_and({exprs[0]} IN (0, 1)) AS two")
    sql = (f"WITH t AS ({rows}), p AS (SELECT * FROM t LIMIT {PILOT_ROWS}) SELECT "
           f"{g + ' AS _g, ' if g else ''}{', '.join(fields)} FROM p WHERE {use}"
           + (f" GROUP BY {g}" if g else ""))
    return {(r["_g"] if g else None): r for r in _records(src, sql)}


def _per_group(g: str | None, params: dict, name: str, values: list,
               default: float) -> str:
    """A value per group as SQL: a constant parameter when every group has the same, else
    the value at the position of the row's group in $keys (every group is listed)."""
    if len(set(values)) <= 1:
        params[name] = values[0] if values else default
        return f"${name}"
    params[name] = values
    return f"coalesce(${name}[list_position($keys, {g})], ${name}[1])"


def _first_rows(src: DuckDBSource, used: dict[str, str], g: str, use: str,
                pilot: dict, keys: list) -> dict:
    """Each group's first used row: from the pilot, or (a group first seen later) a pass
    with row numbers."""
    if all(k in pilot for k in keys):
        return {k: pilot[k]["_first"] for k in keys}
    rows = src.rows_sql(used, numbered=True)
    found = _records(src, f"WITH t AS ({rows}) SELECT {g} AS _g, min(_row) AS _first FROM t "
                          f"WHERE {use} GROUP BY {g}")
    return {r["_g"]: r["_first"] for r in found}


def describe_summaries(src: DuckDBSource, columns: Sequence[str], *, by: str | None,
                       text: Sequence[str]) -> tuple[list[tuple], list]:
    """Per column (and group): (name, group, Moments, quartiles, missing), and the text
    columns' summaries (count, missing, distinct, most frequent, first seen on ties).

    One pass over the input gathers counts, extremes and the power sums Σdᵏ (k = 1…4) of
    d = x/s − c about the pilot's shift c (s a power of two for values beyond 2^±200), with
    the quartiles (`quantile_cont` while they fit in memory) and the text columns' counts;
    `central_sums` turns the sums into M2, M3, M4 about the mean as `column_moments` does.
    """
    from mlstats.stats.describe import TextSummary

    used = {name: NUMBER for name in columns}
    if by is not None:
        used[by] = src.kinds[by]
    for name in text:
        used.setdefault(name, src.kinds[name] if src.kinds[name] == BOOL else "text")
    g = src.alias(by) if by is not None else None
    use = "_keep" + (f" AND {g} IS NOT NULL" if g else "")
    cols = [src.alias(n) for n in columns]
    pilot = _pilot(src, used, g, use, cols)
    # one shift and scale per column (a constant in the SQL): near every group's mean
    # unless the groups differ widely, which the check below catches
    shift, scale = {}, {}
    for i, c in enumerate(cols):
        means = [r[f"a{i}"] for r in pilot.values() if r[f"a{i}"] is not None]
        peak = max((r[f"p{i}"] or 0.0 for r in pilot.values()), default=0.0)
        scale[(None, c)] = float(_scales_for(np.array([peak]))[0])
        shift[(None, c)] = float(np.mean(means)) / scale[(None, c)] if means else 0.0
    rows = src.rows_sql(used, numbered=False)
    small = src.fits_in_memory(src_rows_estimate(src) * max(len(cols), 1))
    narrow = _narrow_text(src, used, use, [src.alias(t) for t in text])
    first, sums, accounting = _describe_pass(src, rows, g, use, cols, shift, scale,
                                             quantiles=small, text=narrow)
    used_rows = sum(r["_cnt"] for r in first)
    src.account([by] if by is not None else [], accounting, used=used_rows,
                complete=by is not None)
    groups = [r for r in first if r["_cnt"]] if g else first
    keys = [r["_g"] if g else None for r in groups]
    for key in keys:  # the first pass took every group about its column's shift
        for c in cols:
            shift[(key, c)], scale[(key, c)] = shift[(None, c)], scale[(None, c)]
    if g:
        order = _first_rows(src, used, g, use, pilot, keys)
        groups.sort(key=lambda r: order[r["_g"]])
        keys = [r["_g"] for r in groups]
    # The exact scale of each column (by its peak) and a shift near its mean, else again.
    again = False
    for r, key in zip(groups, keys, strict=True):
        for c in cols:
            n = r[f"n_{c}"]
            if not n:
                continue
            peak = max(-r[f"lo_{c}"], r[f"hi_{c}"])
            exact = float(_scales_for(np.array([peak]))[0])
            s1, s2 = sums[key][c][0], sums[key][c][1]
            m2 = s2 - s1 * s1 / n
            far = s1 * s1 / n > _SHIFT_LIMIT * m2 if m2 > 0 else s1 != 0
            if exact != scale.get((key, c), 1.0) or far:
                again = True
                scale[(key, c)] = exact
                mean = r[f"m_{c}"]
                shift[(key, c)] = mean / exact if math.isfinite(mean) else 0.0
    if again:  # every group about its own mean, in its own scale
        for r, key in zip(groups, keys, strict=True):
            for c in cols:
                peak = max(-r[f"lo_{c}"], r[f"hi_{c}"]) if r[f"n_{c}"] else 0.0
                scale[(key, c)] = float(_scales_for(np.array([peak]))[0])
                mean = r[f"m_{c}"] if r[f"n_{c}"] else 0.0
                shift[(key, c)] = mean / scale[(key, c)] if math.isfinite(mean) else 0.0
        _first_again, sums, _ = _describe_pass(src, rows, g, use, cols, shift, scale,
                                            quantiles=False, text=[])
    counts = {(k, c): int(r[f"n_{c}"]) for r, k in zip(groups, keys, strict=True)
              for c in cols}
    if small:
        quartile = {(k, c): (tuple(r[f"q_{c}"]) if r[f"n_{c}"] else (math.nan,) * 3)
                    for r, k in zip(groups, keys, strict=True) for c in cols}
    else:
        ranges = {(k, c): (r[f"lo_{c}"], r[f"hi_{c}"])
                  for r, k in zip(groups, keys, strict=True) for c in cols}
        quartile = _quartiles_by_selection(src, rows, use, g, counts, ranges)
    found = []
    for name, c in zip(columns, cols, strict=True):
        for r, key in zip(groups, keys, strict=True):
            n = counts[(key, c)]
            if n == 0:
                m = Moments(n=0, mean=math.nan, m2=0.0, m3=0.0, m4=0.0)
            else:
                s1, s2, s3, s4 = sums[key][c]
                m2, m3, m4 = central_sums(n, s1, s2, s3, s4)
                sc = scale.get((key, c), 1.0)
                m = Moments(n=n, mean=(shift.get((key, c), 0.0) + s1 / n) * sc, m2=float(m2),
                            m3=float(m3), m4=float(m4), min=r[f"lo_{c}"], max=r[f"hi_{c}"],
                            scale=sc, peak=max(-r[f"lo_{c}"], r[f"hi_{c}"]))
            found.append((name, label_of(key) if g else None, m, quartile[(key, c)],
                          int(r[f"miss_{c}"])))
    texts = [_text_summary(TextSummary, src, used, name, use, first) for name in text]
    return found, texts


def src_rows_estimate(src: DuckDBSource) -> int:
    """About how many rows: Parquet's metadata, or the files' sizes over the bytes per line
    of the first MiB (ten times that for compressed files), with a margin."""
    if src.parquet:
        (rows,), = src.query("SELECT sum(num_rows) FROM parquet_file_metadata($files)")
        return int(rows or 0)
    size = sum(f.stat().st_size * (10 if f.name.lower().endswith((".gz", ".zst")) else 1)
               for f in src.files)
    return int(1.25 * size / src.line_bytes) + 1


def _describe_pass(src: DuckDBSource, rows: str, g: str | None, use: str, cols: list[str],
                   shift: dict, scale: dict, *, quantiles: bool,
                   text: list[str]) -> tuple[list[dict], dict, dict]:
    """Counts, extremes, power sums about the shifts, and optionally quartiles and the text
    columns' value counts, per group, in one pass; and the row accounting.

    The aggregates run unfiltered over buckets of rows (group, kept by --where): a FILTER
    clause per aggregate costs more than the aggregate. The returned records are those of
    the kept rows (of each group).
    """
    params: dict[str, Any] = {}
    keys = sorted({k for k, _ in shift if k is not None}, key=repr) if g else [None]
    params["keys"] = keys if g else [0]
    fields = ["count(*) AS _cnt"]
    for c in cols:
        sh = _per_group(g, params, f"sh_{c}", [shift[(k, c)] for k in keys] if keys else
                        [shift[(None, c)]], 0.0)
        sc = _per_group(g, params, f"sc_{c}", [scale[(k, c)] for k in keys] if keys else
                        [scale[(None, c)]], 1.0)
        d = f"({c} / {sc} - {sh})"
        fields += [f"count({c}) AS n_{c}", f"min({c}) AS lo_{c}", f"max({c}) AS hi_{c}",
                   f"avg({c}) AS m_{c}", f"fsum({d}) AS a_{c}", f"fsum({d} * {d}) AS b_{c}",
                   f"fsum({d} * {d} * {d}) AS c_{c}", f"fsum(({d} * {d}) * ({d} * {d})) AS d_{c}"]
        if quantiles:
            fields.append(f"quantile_cont({c}, [0.25, 0.5, 0.75]) AS q_{c}")
    for t in text:
        fields += [f"histogram(CAST({t} AS VARCHAR)) AS t_{t}", f"count({t}) AS tn_{t}"]
    sql = (f"WITH t AS ({rows}) SELECT {g + ' AS _g, ' if g else ''}_keep AS _k, "
           f"{', '.join(fields)} FROM t GROUP BY ALL")
    buckets = _records(src, sql, params)
    accounting = {"_read": sum(r["_cnt"] for r in buckets),
                  "_kept": sum(r["_cnt"] for r in buckets if r["_k"])}
    if g:
        accounting[f"_miss_{g}"] = sum(r["_cnt"] for r in buckets
                                       if r["_k"] and r["_g"] is None)
    for c in cols:  # an infinity anywhere in the input is an error, as locally
        accounting[f"_inf_{c}"] = int(any(
            r[f"lo_{c}"] == -math.inf or r[f"hi_{c}"] == math.inf for r in buckets))
    found = []
    for r in buckets:
        if not r["_k"] or (g and r["_g"] is None):
            continue
        for c in cols:
            r[f"miss_{c}"] = r["_cnt"] - r[f"n_{c}"]
        for t in text:
            r[f"tmiss_{t}"] = r["_cnt"] - r[f"tn_{t}"]
        found.append(r)
    if not found and not g:  # nothing kept: every column is empty
        empty: dict[str, Any] = {"_cnt": 0}
        for c in cols:
            empty.update({f"n_{c}": 0, f"miss_{c}": 0, f"lo_{c}": None, f"hi_{c}": None,
                          f"m_{c}": None, f"q_{c}": None, **{f"{p}_{c}": 0.0 for p in "abcd"}})
        for t in text:
            empty.update({f"t_{t}": None, f"tmiss_{t}": 0})
        found = [empty]
    sums = {(r["_g"] if g else None): {c: tuple(r[f"{p}_{c}"] or 0.0 for p in "abcd")
                                       for c in cols} for r in found}
    return found, sums, accounting


def _text_summary(kind: type, src: DuckDBSource, used: dict, name: str, use: str,
                  first: list[dict]):
    """count, missing, distinct, most frequent (ties: the first seen) of a text column."""
    t = src.alias(name)
    if first and f"t_{t}" not in first[0]:
        return _wide_text_summary(kind, src, used, name, use)
    counts: dict[str, int] = {}
    for r in first:
        for value, k in (r[f"t_{t}"] or {}).items():
            counts[value] = counts.get(value, 0) + k
    missing = sum(r[f"tmiss_{t}"] for r in first)
    if not counts:
        return kind(name=name, count=0, missing=missing, unique=0, top=None, top_count=0)
    top_count = max(counts.values())
    tied = [v for v, k in counts.items() if k == top_count]
    top = tied[0]
    if len(tied) > 1:
        rows = src.rows_sql(used, numbered=True)
        src.bind(tied=tied)
        (top,), = src.query(f"WITH t AS ({rows}) SELECT CAST({t} AS VARCHAR) FROM t WHERE "
                            f"{use} AND list_contains($tied, CAST({t} AS VARCHAR)) "
                            "ORDER BY _row LIMIT 1")
    return kind(name=name, count=sum(counts.values()), missing=missing, unique=len(counts),
                top=top, top_count=top_count)


# A text column with more distinct values than this among the pilot's rows is counted by
# a GROUP BY of its own (which spills to disk), not by an in-memory histogram.
_NARROW = 1000


def _narrow_text(src: DuckDBSource, used: dict, use: str, text: list[str]) -> list[str]:
    """The text columns with few distinct values among the pilot's rows."""
    if not text:
        return []
    rows = src.rows_sql(used, numbered=True)
    fields = ", ".join(f"count(DISTINCT {t}) AS {t}" for t in text)
    (found,) = _records(src, f"WITH t AS ({rows}), p AS (SELECT * FROM t LIMIT {PILOT_ROWS}) "
                             f"SELECT {fields} FROM p WHERE {use}")
    return [t for t in text if found[t] <= _NARROW]


def _wide_text_summary(kind: type, src: DuckDBSource, used: dict, name: str, use: str):
    """count, missing, distinct and the most frequent value (ties: the first seen) of a text
    column with many distinct values, by a spilling GROUP BY."""
    t = src.alias(name)
    rows = src.rows_sql(used, numbered=False)
    counted = (f"c AS (SELECT CAST({t} AS VARCHAR) AS v, count(*) AS k FROM t WHERE {use} "
               "GROUP BY v)")
    (unique, count, missing, top_count), = src.query(
        f"WITH t AS ({rows}), {counted} SELECT count(v), coalesce(sum(k) FILTER (WHERE v IS "
        "NOT NULL), 0), coalesce(sum(k) FILTER (WHERE v IS NULL), 0), max(k) FILTER (WHERE v "
        "IS NOT NULL) FROM c")
    if not unique:
        return kind(name=name, count=0, missing=int(missing), unique=0, top=None, top_count=0)
    numbered = src.rows_sql(used, numbered=True)
    (top,), = src.query(
        f"WITH t AS ({numbered}), {counted} SELECT CAST({t} AS VARCHAR) FROM t JOIN c ON "
        f"CAST({t} AS VARCHAR) = c.v WHERE {use} AND c.k = $top ORDER BY _row LIMIT 1",
        {"top": top_count})
    return kind(name=name, count=int(count), missing=int(missing), unique=int(unique),
                top=top, top_count=int(top_count))


def _abtest_pass(src: DuckDBSource, g: str, used: dict[str, str], names: list[str],
                 parts: list[str], shift: dict, scales: list[float], *,
                 moments: bool = True) -> tuple[list[dict], dict, dict]:
    """Per group in one pass: n, the metric's sum and extremes, whether it is 0/1, the
    covariate's extremes, and (with `moments`) the sums Σdᵢ, Σdᵢdⱼ of the deviations of the
    scaled columns from the shifts; and the row accounting. Unfiltered aggregates over
    buckets of rows (group, kept by --where, complete) — cheaper than a FILTER clause per
    aggregate.

    A text group column is grouped as read, and its missing-value words made missing in the
    few result rows, which are then merged (`DuckDBSource.words_later`): testing every row's
    label against the words costs a tenth of the pass."""
    group = next(n for n in names if src.alias(n) == g)
    later = src.words_later(group)
    rows = src.rows_sql(used, numbered=False, raw=(group,) if later else ())
    keys = list(shift)
    params: dict[str, Any] = {"keys": keys}
    d = []
    for i, e in enumerate(parts):
        params[f"scale{i}"] = scales[i]
        sh = _per_group(g, params, f"shift{i}", [shift[k][i] for k in keys], 0.0)
        d.append(f"({e} / $scale{i} - {sh})")
    value = parts[0]
    columns = [src.alias(n) for n in names]
    # (name, aggregate, how partial results merge)
    fields = [("n", "count(*)", "sum"), *((f"cn_{c}", f"count({c})", "sum") for c in columns)]
    for c, n in zip(columns, names, strict=True):
        if src.kinds[n] == NUMBER or c in parts:
            fields += [(f"lo_{c}", f"min({c})", "min"), (f"hi_{c}", f"max({c})", "max")]
    fields += [("s", f"sum({value})", "sum"),
               ("two", f"bool_and({value} IN (0, 1))", "bool_and")]
    if value not in columns:  # (a number's extremes are its column's)
        fields += [("lo", f"min({value})", "min"), ("hi", f"max({value})", "max")]
    for i, e in enumerate(parts):  # each mean as a sum and a count (partial sums merge)
        fields += ([(f"ms{i}", f"sum({e})", "sum")] if i else []) + [
            (f"mc{i}", f"count({e})", "sum")]
    if len(parts) > 1:
        fields += [("xlo", f"min({parts[1]})", "min"), ("xhi", f"max({parts[1]})", "max")]
    if not moments:
        d = []
    fields += [(f"s{i}", f"fsum({a})", "fsum") for i, a in enumerate(d)]
    fields += [(f"p{i}{j}", f"fsum({d[i]} * {d[j]})", "fsum")
               for i in range(len(d)) for j in range(i, len(d))]
    rest = " AND ".join(["_keep", *(f"{c} IS NOT NULL" for c in columns if c != g)])
    if not later:
        sql = (f"WITH t AS ({rows}) SELECT {g} AS _g, _keep AS _k, ({rest} AND {g} IS NOT "
               f"NULL) AS _u, {', '.join(f'{a} AS {k}' for k, a, _ in fields)} FROM t GROUP "
               "BY ALL")
    else:
        label = src.missing_words("_graw")
        merged = [f"{how}({k}) AS {k}" for k, _, how in fields if k != f"cn_{g}"]
        merged.append(f"sum(CASE WHEN {label} IS NULL THEN 0 ELSE cn_{g} END) AS cn_{g}")
        sql = (f"WITH t AS ({rows}), b AS (SELECT {g} AS _graw, _keep AS _k, ({rest}) AS _v, "
               f"{', '.join(f'{a} AS {k}' for k, a, _ in fields)} FROM t GROUP BY ALL) "
               f"SELECT {label} AS _g, _k, (_v AND {label} IS NOT NULL) AS _u, "
               f"{', '.join(merged)} FROM b GROUP BY ALL")
    buckets = _records(src, sql, params)
    if not buckets:
        raise InputError("the input has a header but no data rows; give a file with data")
    for r in buckets:
        if value in columns:
            r["lo"], r["hi"] = r[f"lo_{value}"], r[f"hi_{value}"]
        r["ms0"] = r["s"]
        for i in range(len(parts)):
            r[f"m{i}"] = r[f"ms{i}"] / r[f"mc{i}"] if r[f"mc{i}"] else None
    accounting = {"_read": sum(r["n"] for r in buckets),
                  "_kept": sum(r["n"] for r in buckets if r["_k"])}
    for c in columns:
        accounting[f"_miss_{c}"] = sum(r["n"] - r[f"cn_{c}"] for r in buckets if r["_k"])
        if f"lo_{c}" in buckets[0]:
            accounting[f"_inf_{c}"] = int(any(
                r[f"lo_{c}"] == -math.inf or r[f"hi_{c}"] == math.inf for r in buckets))
    found = [r for r in buckets if r["_u"]]
    sums = {}
    for r in found:
        entry = {(i, None): r[f"s{i}"] or 0.0 for i in range(len(d))}
        entry.update({(i, j): r[f"p{i}{j}"] or 0.0 for i in range(len(d))
                      for j in range(i, len(d))})
        sums[r["_g"]] = entry
    return found, sums, accounting


def abtest_summaries(src: DuckDBSource, group: str, metric: str,
                     covariate: str | None) -> dict[str, Any]:
    """Per group, in order of first appearance: `Counts` (a two-valued metric), `Moments`,
    or `CoMoments` of (metric, covariate), with the scales and the rank-sum provider that
    `ab_test_groups` finishes from."""
    from mlstats.stats.abtest import RankSums, _scale_of, two_valued_labels
    from mlstats.stats.summaries import CoMoments

    used = {group: src.kinds[group], metric: src.kinds[metric]}
    if covariate is not None:
        used[covariate] = NUMBER
    names = list(used)
    g, m = src.alias(group), src.alias(metric)
    x = src.alias(covariate) if covariate is not None else None
    success = None
    if src.kinds[metric] != NUMBER:
        # Text or true/false: two-valued words are successes; other text must be numbers.
        rows = src.rows_sql(used, numbered=False)
        complete = " AND ".join(f"{src.alias(n)} IS NOT NULL" for n in names)
        found = src.query(f"WITH t AS ({rows}) SELECT DISTINCT CAST({m} AS VARCHAR) FROM t "
                          f"WHERE _keep AND {complete} LIMIT 5")
        labels = [r[0] for r in found]
        success = two_valued_labels(labels)
        if success is None:
            used[metric] = NUMBER
        else:
            hits = [lab for lab, ok in zip(labels, success, strict=True) if ok]
            src.bind(hits=hits)
            value = f"CAST(list_contains($hits, CAST({m} AS VARCHAR)) AS DOUBLE)"
    if success is None:
        value = m
    complete = " AND ".join(f"{src.alias(n)} IS NOT NULL" for n in names)
    use = f"_keep AND {complete}"
    parts = [value] + ([x] if x is not None else [])
    pilot = _pilot(src, used, g, use, parts, two=True)
    # A metric that is 0/1 in the first rows is likely 0/1 throughout: then its counts are
    # all the test needs, and the pass takes no moments (taken after all when it is not).
    moments = x is not None or not pilot or not all(r["two"] for r in pilot.values())
    rows = src.rows_sql(used, numbered=False)
    peaks = [max((r[f"p{i}"] or 0.0 for r in pilot.values()), default=0.0)
             for i in range(len(parts))]
    scales = [_scale_of(np.array([p])) for p in peaks]
    centre = [float(np.mean([r[f"a{i}"] for r in pilot.values() if r[f"a{i}"] is not None]
                            or [0.0])) / scales[i] for i in range(len(parts))]
    shift = {k: centre for k in pilot}  # one shift per column: a constant in the SQL
    first, sums, accounting = _abtest_pass(src, g, used, names, parts, shift, scales,
                                           moments=moments)
    groups = [r for r in first if r["n"]]
    src.account(names, accounting, used=sum(r["n"] for r in groups))
    if groups:
        order = _first_rows(src, used, g, use, pilot, [r["_g"] for r in groups])
        groups.sort(key=lambda r: order[r["_g"]])
    found, exact = abtest_frame(groups, covariate=x is not None)
    if exact is None:
        return found
    # Sums about a shift far from a group's mean (or in the wrong scale) are taken again
    # about the mean.
    far = exact != scales or not moments
    for r in groups if moments else []:
        n, key = r["n"], r["_g"]
        for i in range(len(parts)):
            s1, s2 = sums[key][(i, None)], sums[key][(i, i)]
            m2 = s2 - s1 * s1 / n
            if (s1 * s1 / n > _SHIFT_LIMIT * m2) if m2 > 0 else s1 != 0:
                far = True
    if far:
        scales = exact
        shift = {r["_g"]: [r[f"m{i}"] / scales[i] for i in range(len(parts))] for r in groups}
        if not all(math.isfinite(v) for values in shift.values() for v in values):
            # a sum in the metric's units overflowed (values near 1e308): the means again,
            # of the values in the exact scale
            params = {f"sc{i}": scales[i] for i in range(len(parts))}
            means = ", ".join(f"avg({e} / $sc{i}) AS a{i}" for i, e in enumerate(parts))
            found_means = {r["_g"]: [r[f"a{i}"] for i in range(len(parts))] for r in _records(
                src, f"WITH t AS ({rows}) SELECT {g} AS _g, {means} FROM t WHERE {use} "
                     f"GROUP BY {g}", params)}
            shift = {r["_g"]: found_means[r["_g"]] for r in groups}
        _again, sums, _ = _abtest_pass(src, g, used, names, parts, shift, scales)
    scale = scales[0]
    found["scale"] = scale
    if x is not None:
        found["x_scale"] = scales[1]
        found["x_range"] = (min(r["xlo"] for r in groups) / scales[1],
                            max(r["xhi"] for r in groups) / scales[1])
    summaries = []
    for lab, r in zip(found["labels"], groups, strict=True):
        n, key = int(r["n"]), r["_g"]
        base = np.array(shift.get(key, centre if not far else [0.0] * len(parts)))
        mean_d = np.array([sums[key][(i, None)] for i in range(len(parts))]) / n
        c = np.array([[sums[key][(min(i, j), max(i, j))] for j in range(len(parts))]
                      for i in range(len(parts))]) - n * np.outer(mean_d, mean_d)
        if x is None:  # as `group_moments`: the mean corrected by the deviations' mean
            from mlstats.stats.summaries import Moments

            summaries.append(Moments(lab, n, float(base[0] + mean_d[0]),
                                     max(float(c[0, 0]), 0.0)))
        else:
            summaries.append(CoMoments(n=n, mean=base + mean_d, c=c))
    found["summaries"] = tuple(summaries)
    keys = [r["_g"] for r in groups]
    params: dict[str, Any] = {"scale": scale, "x_scale": scales[-1]}
    y = f"({value} / $scale)"
    x_scaled = f"({x} / $x_scale)" if x is not None else None

    def rank_sums(value_sql: str, extra: dict[str, Any]) -> Any:
        def pair(index: int, control_index: int) -> RankSums:
            sql = (f"WITH t AS ({rows}), v AS (SELECT {value_sql} AS v, {g} = $variant AS is_t "
                   f"FROM t WHERE {use} AND ({g} = $variant OR {g} = $control)), "
                   "c AS (SELECT v, count(*) AS k, count(*) FILTER (WHERE is_t) AS kt "
                   "FROM v GROUP BY v), "
                   "r AS (SELECT CAST(k AS DOUBLE) AS k, CAST(kt AS DOUBLE) AS kt, "
                   "CAST(sum(k) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND "
                   "CURRENT ROW) - k AS DOUBLE) AS below FROM c) "
                   "SELECT sum(kt * (below + (k + 1) / 2)), sum(k * k * k - k), "
                   "CAST(sum(kt) AS BIGINT), CAST(sum(k - kt) AS BIGINT) FROM r")
            (rank_sum, tie, n_t, n_c), = src.query(sql, {**params, **extra,
                                                        "variant": keys[index],
                                                        "control": keys[control_index]})
            return RankSums(float(rank_sum), int(n_t), int(n_c), float(tie))
        return pair

    if x is None:
        found["samples"] = rank_sums(y, {})
    else:
        def adjusted(theta: float | None, x_bar: float) -> Any:
            if theta is None:
                return rank_sums(y, {})
            return rank_sums(f"({y} - $theta * ({x_scaled} - $x_bar))",
                             {"theta": theta, "x_bar": x_bar})
        found["samples"] = adjusted
    return found


# Exact quantiles: DuckDB's `quantile_cont` (R's type 7) holds a column's values in memory,
# so when they might not fit (`DuckDBSource.fits_in_memory`) the order statistics are found
# instead by refining histograms, which keeps memory bounded whatever the file's size.
_BINS = 1 << 12
_FETCH = 1 << 16  # values fetched and sorted at most per bin


def _quartiles_by_selection(src: DuckDBSource, rows: str, use: str, g: str | None,
                            counts: dict, ranges: dict) -> dict:
    """q1, median, q3 (type 7) per (group, column), from the order statistics of
    `order_statistics` at the ranks they need."""
    wanted = {key: quartile_ranks(n) for key, n in counts.items() if n}
    values = order_statistics(src, rows, use, g, wanted, counts, ranges)
    return {key: quartiles_of(values.get(key), n) for key, n in counts.items()}


def order_statistics(src: DuckDBSource, rows: str, use: str, g: str | None,
                     wanted: dict, counts: dict, ranges: dict) -> dict:
    """The values of 0-based ranks `wanted[(group, column)]` in each sorted column, exactly,
    in bounded memory: each round counts the values of a candidate set in 4096 equal-width
    bins (one scan for every column and group), keeps the bin holding the rank, and stops
    when the set is small enough to fetch and sort, or holds one distinct value."""
    # A pending set: (group, column) and the chain of (low, 1/width, bin) it was cut to.
    pending = {(key, c, ()): ranks for (key, c), ranks in wanted.items()}
    below = {(key, c, ()): 0 for key, c in wanted}  # values under the set, per set
    size = {(key, c, ()): counts[(key, c)] for key, c in wanted}
    span = {(key, c, ()): ranges[(key, c)] for key, c in wanted}
    found: dict = {key: {} for key in wanted}
    while pending:
        fields, params, plans = [], {}, []
        for i, ((key, c, chain), ranks) in enumerate(pending.items()):
            member = _member_sql(c, chain, params, f"t{i}", g, key)
            low, high = span[(key, c, chain)]
            if size[(key, c, chain)] <= _FETCH or low == high:
                fields.append(f"list({c}) FILTER (WHERE {use} AND {member}) AS v{i}")
                plans.append(("fetch", i, key, c, chain, ranks))
                continue
            params[f"a{i}"], params[f"w{i}"] = low, _BINS / (high - low)
            bin_sql = _bin_sql(c, f"$a{i}", f"$w{i}")
            fields += [f"histogram({bin_sql}) FILTER (WHERE {use} AND {member}) AS h{i}",
                       f"min({c}) FILTER (WHERE {use} AND {member}) AS lo{i}",
                       f"max({c}) FILTER (WHERE {use} AND {member}) AS hi{i}"]
            plans.append(("bins", i, key, c, chain, ranks))
        (result,) = _records(src, f"WITH t AS ({rows}) SELECT {', '.join(fields)} FROM t "
                                  f"WHERE {use}", params)
        following = {}
        for kind, i, key, c, chain, ranks in plans:
            base = below[(key, c, chain)]
            if kind == "fetch":
                ordered = np.sort(np.asarray(result[f"v{i}"], dtype=np.float64))
                for r in ranks:
                    found[(key, c)][r] = float(ordered[r - base])
                continue
            if result[f"lo{i}"] == result[f"hi{i}"]:  # one distinct value: every rank is it
                for r in ranks:
                    found[(key, c)][r] = float(result[f"lo{i}"])
                continue
            histogram = dict(result[f"h{i}"])
            bins = sorted(histogram)
            cumulative = np.cumsum([histogram[b] for b in bins])
            low, width = params[f"a{i}"], 1 / params[f"w{i}"]
            for r in ranks:
                j = int(np.searchsorted(cumulative, r - base, side="right"))
                b = bins[j]
                child = (*chain, (low, params[f"w{i}"], b))
                key3 = (key, c, child)
                following.setdefault(key3, []).append(r)
                below[key3] = base + (int(cumulative[j - 1]) if j else 0)
                size[key3] = int(histogram[b])
                span[key3] = (low + b * width, low + (b + 1) * width)
        pending = following
    return found


def _bin_sql(c: str, low: str, inverse_width: str) -> str:
    return (f"least(greatest(CAST(floor(({c} - {low}) * {inverse_width}) AS BIGINT), 0), "
            f"{_BINS - 1})")


def _member_sql(c: str, chain: tuple, params: dict, prefix: str, g: str | None,
                key: Any) -> str:
    """The SQL condition of a candidate set: its group, and its bin at each level."""
    parts = [f"{c} IS NOT NULL"]
    if g is not None:
        params[f"{prefix}g"] = key
        parts.append(f"{g} = ${prefix}g")
    for level, (low, inverse, b) in enumerate(chain):
        params[f"{prefix}a{level}"], params[f"{prefix}w{level}"] = low, inverse
        parts.append(f"{_bin_sql(c, f'${prefix}a{level}', f'${prefix}w{level}')} = {b}")
    return " AND ".join(parts)


def jackknife_summary(src: DuckDBSource, names: Sequence[str], kind: str) -> dict[str, Any]:
    """n, θ̂, δ̄ and √Σ(δᵢ − δ̄)² of the leave-one-out differences δᵢ = θ₍ᵢ₎ − θ̂, each δᵢ an
    SQL expression of row i and the full sample's moments: with dᵢ = xᵢ − x̄ and M2 = Σd²,
    M2₍ᵢ₎ = M2 − n/(n − 1)·dᵢ² and x̄₍ᵢ₎ = x̄ − dᵢ/(n − 1) (likewise the co-moment for corr)."""
    used = dict.fromkeys(names, NUMBER)
    cols = [src.alias(n) for n in names]
    rows = src.rows_sql(used, numbered=False)
    use = "_keep AND " + " AND ".join(f"{c} IS NOT NULL" for c in cols)
    fields = [*src.account_sql(names), f"count(*) FILTER (WHERE {use}) AS n"]
    fields += [f"avg({c}) FILTER (WHERE {use}) AS m{i}" for i, c in enumerate(cols)]
    (first,) = _records(src, f"WITH t AS ({rows}) SELECT {', '.join(fields)} FROM t")
    n = int(first["n"])
    src.account(names, first, used=n)
    params: dict[str, Any] = {f"m{i}": first[f"m{i}"] or 0.0 for i in range(len(cols))}
    d = [f"({c} - $m{i})" for i, c in enumerate(cols)]
    sums = [f"fsum({a}) AS s{i}" for i, a in enumerate(d)]
    sums += [f"fsum({d[i]} * {d[j]}) AS p{i}{j}" for i in range(len(d)) for j in range(i, len(d))]
    (second,) = _records(src, f"WITH t AS ({rows}) SELECT {', '.join(sums)} FROM t WHERE {use}",
                         params)
    if n < 2:
        return {"n": n, "value": math.nan, "mean_delta": math.nan, "root_ss": math.nan}
    # moments about the corrected mean (the deviations' own mean taken out)
    shift = [second[f"s{i}"] / n for i in range(len(cols))]
    mean = [params[f"m{i}"] + shift[i] for i in range(len(cols))]
    c = {(i, j): second[f"p{i}{j}"] - n * shift[i] * shift[j]
         for i in range(len(cols)) for j in range(i, len(cols))}
    m2 = max(c[(0, 0)], 0.0)
    var = m2 / (n - 1)
    k = n / (n - 1)
    params.update(n=n, k=k, m2=m2, var=var, c0=mean[0], s0=shift[0])
    dx = f"({cols[0]} - $c0)"
    var_i = f"greatest($m2 - $k * {dx} * {dx}, 0) / ($n - 2)"
    if kind == "mean":
        value, delta = mean[0], f"(-{dx} / ($n - 1))"
    elif kind == "var":
        value, delta = var, f"({var_i} - $var)"
    elif kind == "std":
        value = math.sqrt(var)
        params["sd"] = value
        delta = (f"(CASE WHEN sqrt({var_i}) + $sd = 0 THEN 0 ELSE ({var_i} - $var) / "
                 f"(sqrt({var_i}) + $sd) END)")
    elif kind == "cv":
        value = math.sqrt(var) / mean[0]
        params["cv"] = value
        delta = f"(sqrt({var_i}) / ($c0 - {dx} / ($n - 1)) - $cv)"
    else:  # corr
        myy, mxy = max(c[(1, 1)], 0.0), c[(0, 1)]
        value = max(-1.0, min(1.0, mxy / math.sqrt(m2 * myy)))
        params.update(myy=myy, mxy=mxy, c1=mean[1], r=value)
        dy = f"({cols[1]} - $c1)"
        delta = (f"(greatest(-1, least(1, ($mxy - $k * {dx} * {dy}) / sqrt(($m2 - $k * {dx} * "
                 f"{dx}) * ($myy - $k * {dy} * {dy})))) - $r)")
    (third,) = src.query(f"WITH t AS ({rows}) SELECT fsum({delta}), fsum({delta} * {delta}), "
                         f"bool_and(isfinite({delta})) FROM t WHERE {use}", params)
    total, squares, finite = third
    if not finite or not math.isfinite(value):
        return {"n": n, "value": value, "mean_delta": math.nan, "root_ss": math.nan}
    mean_delta = 0.0 if kind in ("mean", "var") else total / n
    return {"n": n, "value": value, "mean_delta": mean_delta,
            "root_ss": math.sqrt(max(squares - n * mean_delta * mean_delta, 0.0))}


def score_counts(src: DuckDBSource, truth: str, score: str) -> tuple[list[str], Any]:
    """The true labels (in order of first appearance) and a function of the positive label
    giving its `ScoreCounts` (positives and negatives per distinct score), as the descending
    `ScoreGroups` that precision-recall finishes from."""
    from mlstats.stats.classification import ScoreGroups
    from mlstats.stats.summaries import ScoreCounts

    used = {truth: src.kinds[truth], score: NUMBER}
    t, c = src.alias(truth), src.alias(score)
    use = f"_keep AND {t} IS NOT NULL AND {c} IS NOT NULL"
    rows = src.rows_sql(used, numbered=False)
    buckets = _records(src, f"WITH t AS ({rows}) SELECT _keep AS _k, ({use}) AS _u, "
                            f"count(*) AS n, count({t}) AS nt, count({c}) AS nc, min({c}) AS lo, "
                            f"max({c}) AS hi FROM t GROUP BY ALL")
    if not buckets:
        raise InputError("the input has a header but no data rows; give a file with data")
    accounting = {"_read": sum(r["n"] for r in buckets),
                  "_kept": sum(r["n"] for r in buckets if r["_k"]),
                  f"_miss_{t}": sum(r["n"] - r["nt"] for r in buckets if r["_k"]),
                  f"_miss_{c}": sum(r["n"] - r["nc"] for r in buckets if r["_k"]),
                  f"_inf_{c}": int(any(r["lo"] == -math.inf or r["hi"] == math.inf
                                       for r in buckets))}
    src.account([truth, score], accounting, used=sum(r["n"] for r in buckets if r["_u"]))
    # -0.0 + 0.0 is 0.0: a zero score is one threshold, as NumPy's np.diff sees them
    table = src.fetch_arrow(f"WITH t AS ({rows}) SELECT {c} + 0.0 AS s, {t} AS v, count(*) AS k "
                            f"FROM t WHERE {use} GROUP BY ALL ORDER BY s DESC")
    kinds = table.column("v").unique().to_pylist()
    pilot = _pilot(src, used, t, use, [])
    order = _first_rows(src, used, t, use, pilot, kinds) if kinds else {}
    kinds.sort(key=lambda v: order[v])
    labels = [label_of(v) for v in kinds]
    scores = table.column("s").to_numpy()
    counts = table.column("k").to_numpy().astype(np.int64)
    import pyarrow as pa
    import pyarrow.compute as pc

    codes = pc.index_in(table.column("v"), value_set=pa.array(kinds)).to_numpy()

    def groups(positive: str | None) -> Any:
        hit = codes == labels.index(positive) if positive in labels else np.zeros(codes.size,
                                                                                  dtype=bool)
        distinct, where = np.unique(scores, return_inverse=True)
        pos = np.bincount(where, weights=counts * hit, minlength=distinct.size)
        total = np.bincount(where, weights=counts, minlength=distinct.size)
        return ScoreGroups.of_counts(ScoreCounts(scores=distinct, positives=pos.astype(np.int64),
                                                 negatives=(total - pos).astype(np.int64)))

    return labels, groups


def correlation_summaries(src: DuckDBSource, names: Sequence[str]) -> tuple[list, dict, int]:
    """Pearson correlation of every pair of columns on the rows where both are present: each
    column's present count and range, each pair's count, extremes and the sums Σdx, Σdy,
    Σdx², Σdy², Σdxdy of deviations from a shift per column, in one pass (a product with a
    missing value is missing, so each pair's sums run over its own rows). The shifts come
    from the pilot; a pass about the exact means follows when one is far from a pair's mean.
    Returns the `ColumnSummary`s, the `PairSummary`s and the rows kept."""
    from mlstats.stats.correlation import _MIN_N, ColumnSummary, PairSummary, t_test_p
    from mlstats.stats.summaries import Gram

    used = dict.fromkeys(names, NUMBER)
    cols = [src.alias(n) for n in names]
    k = len(cols)
    pilot = _pilot(src, used, None, "_keep", cols)[None]
    shift = [float(pilot[f"a{i}"] or 0.0) for i in range(k)]
    scale = [float(_scales_for(np.array([pilot[f"p{i}"] or 0.0]))[0]) for i in range(k)]
    rows = src.rows_sql(used, numbered=False)
    present = " + ".join(f"CAST({c} IS NOT NULL AS INTEGER)" for c in cols)

    def run(shift: list[float], scale: list[float]) -> dict[str, Any]:
        # unfiltered aggregates over two buckets (kept by --where or not): cheaper than a
        # FILTER per aggregate; the accounting from both, the sums from the kept one
        params = {f"c{i}": shift[i] for i in range(k)} | {f"s{i}": scale[i] for i in range(k)}
        d = [f"({c} / $s{i} - $c{i})" for i, c in enumerate(cols)]
        fields = ["count(*) AS cnt", f"count(*) FILTER (WHERE {present} >= 2) AS _some"]
        for i, c in enumerate(cols):
            fields += [f"count({c}) AS cn{i}", f"min({c}) AS lo{i}", f"max({c}) AS hi{i}",
                       f"avg({c} / $s{i}) AS m{i}"]  # (scaled: a mean near 1e308 overflows)
        for i in range(k):
            for j in range(i + 1, k):
                x, y = f"({d[i]} + 0 * {d[j]})", f"({d[j]} + 0 * {d[i]})"
                fields += [f"count({x}) AS n{i}_{j}",
                           f"min({cols[i]} + 0 * {cols[j]}) AS xl{i}_{j}",
                           f"max({cols[i]} + 0 * {cols[j]}) AS xh{i}_{j}",
                           f"min({cols[j]} + 0 * {cols[i]}) AS yl{i}_{j}",
                           f"max({cols[j]} + 0 * {cols[i]}) AS yh{i}_{j}",
                           f"fsum({x}) AS sx{i}_{j}", f"fsum({y}) AS sy{i}_{j}",
                           f"fsum({x} * {x}) AS xx{i}_{j}", f"fsum({y} * {y}) AS yy{i}_{j}",
                           f"fsum({x} * {y}) AS xy{i}_{j}"]
        buckets = _records(src, f"WITH t AS ({rows}) SELECT _keep AS _k, {', '.join(fields)} "
                                "FROM t GROUP BY ALL", params)
        kept = [r for r in buckets if r["_k"]]
        found: dict[str, Any] = dict(kept[0]) if kept else {}
        found["_read"] = sum(r["cnt"] for r in buckets)
        found["_kept"] = sum(r["cnt"] for r in kept)
        found["_some"] = sum(r["_some"] for r in kept)
        for i, c in enumerate(cols):
            found[f"_miss_{c}"] = sum(r["cnt"] - r[f"cn{i}"] for r in kept)
            found[f"_inf_{c}"] = int(any(r[f"lo{i}"] == -math.inf or r[f"hi{i}"] == math.inf
                                         for r in buckets))
            if not kept:
                found.update({f"lo{i}": None, f"hi{i}": None, f"m{i}": None})
        if not kept:
            found.update({f"n{i}_{j}": 0 for i in range(k) for j in range(i + 1, k)})
        return found

    found = run(shift, scale)
    accounting = {key: v for key, v in found.items()
                  if key in ("_read", "_kept") or key.startswith(("_miss_", "_inf_"))}
    src.account(names, accounting, used=int(found["_some"]))

    def gram(found: dict[str, Any], i: int, j: int) -> Gram:
        products = np.array([[found[f"xx{i}_{j}"] or 0.0, found[f"xy{i}_{j}"] or 0.0],
                             [found[f"xy{i}_{j}"] or 0.0, found[f"yy{i}_{j}"] or 0.0]])
        n = int(found[f"n{i}_{j}"])
        return Gram(n=n, total=float(n), shift=np.zeros(2),
                    sums=np.array([found[f"sx{i}_{j}"] or 0.0, found[f"sy{i}_{j}"] or 0.0]),
                    products=products)

    exact = [float(_scales_for(np.array([max(-found[f"lo{i}"], found[f"hi{i}"])
                                             if found[f"lo{i}"] is not None else 0.0]))[0])
             for i in range(k)]
    if exact != scale or any(found[f"n{i}_{j}"] and (gram(found, i, j).far() or not np.all(
            np.isfinite(gram(found, i, j).products))) for i in range(k) for j in range(i + 1, k)):
        # (a pilot's mean that overflowed leaves the sums not finite); the means in the
        # exact scale, by the ratio of two powers of two
        means = [(found[f"m{i}"] or 0.0) * (scale[i] / exact[i]) for i in range(k)]
        found = run(means, exact)
    columns = []
    for i in range(k):
        low, high = found[f"lo{i}"], found[f"hi{i}"]
        count = int(found["_kept"]) - int(found[f"_miss_{cols[i]}"])
        columns.append(ColumnSummary(present=count, constant=f"{low:g}" if count and low == high
                                     else None))
    pairs = {}
    for i in range(k):
        for j in range(i + 1, k):
            n = int(found[f"n{i}_{j}"])
            if columns[i].constant is not None or columns[j].constant is not None or n < _MIN_N:
                pairs[(i, j)] = PairSummary(n=n)
                continue
            flat = [names[a] for a, (lo, hi) in ((i, ("xl", "xh")), (j, ("yl", "yh")))
                    if found[f"{lo}{i}_{j}"] == found[f"{hi}{i}_{j}"]]
            if flat:
                pairs[(i, j)] = PairSummary(n=n, flat=flat[0])
                continue
            c = gram(found, i, j).centred()
            r = float(np.clip(c[0, 1] / math.sqrt(c[0, 0] * c[1, 1]), -1.0, 1.0))
            pairs[(i, j)] = PairSummary(n=n, r=r, p_value=t_test_p(r, n), p_method="t")
    return columns, pairs, int(found["_kept"])


# Distinct label combinations fetched at most: beyond, the columns hold too many classes
# (the local engine allows 1000 in a confusion matrix).
_MAX_CELLS = 1001 * 1001


def label_counts(src: DuckDBSource, names: Sequence[str]) -> tuple[list[np.ndarray], list[str],
                                                                   np.ndarray]:
    """Rows per distinct combination of the labels of `names` (the true labels first) over
    the rows where every one is present, by one GROUP BY: each column's codes into one label
    list (each column's labels in order of first appearance, as `union_codes` lists them),
    and the rows of each combination: the confusion counts of hard predictions."""
    used = {n: src.kinds[n] for n in names}
    cols = [src.alias(n) for n in names]
    rows = src.rows_sql(used, numbered=True)
    found = src.query(f"WITH t AS ({rows}) SELECT _keep, {', '.join(cols)}, count(*), min(_row) "
                      f"FROM t GROUP BY ALL LIMIT {2 * _MAX_CELLS + 1}")
    if len(found) > 2 * _MAX_CELLS:
        raise InputError(f"{' and '.join(names)} hold too many distinct labels for "
                         "--engine duckdb's confusion counts; if a column holds scores, give "
                         "it as --score, or use --engine local")
    k = len(cols)
    accounting: dict[str, int] = {"_read": sum(r[k + 1] for r in found),
                                  "_kept": sum(r[k + 1] for r in found if r[0])}
    for i, c in enumerate(cols):
        accounting[f"_miss_{c}"] = sum(r[k + 1] for r in found if r[0] and r[1 + i] is None)
    cells = [r for r in found if r[0] and all(v is not None for v in r[1:k + 1])]
    src.account(names, accounting, used=sum(r[k + 1] for r in cells))
    labels: dict[str, int] = {}
    for i in range(k):  # each column's labels by first appearance, in column order
        first: dict[str, int] = {}
        for r in cells:
            label = label_of(r[1 + i])
            first[label] = min(first.get(label, r[k + 2]), r[k + 2])
        for label in sorted(first, key=first.__getitem__):
            labels.setdefault(label, len(labels))
    codes = [np.array([labels[label_of(r[1 + i])] for r in cells], dtype=np.int64)
             for i in range(k)]
    return codes, list(labels), np.array([r[k + 1] for r in cells], dtype=np.int64)
