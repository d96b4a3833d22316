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

from mlstats.engines.duckdb_engine import BOOL, NUMBER, DuckDBSource
from mlstats.stats.summaries import Moments, _scales_for, central_sums


def label_of(value: Any) -> str:
    """A group value as the local reader spells labels: 1.0 → '1', True → 'true'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _records(src: DuckDBSource, sql: str, params: dict | None = None) -> list[dict[str, Any]]:
    return src.records(sql, params)


def _summed(records: list[dict[str, Any]], keys: Sequence[str]) -> dict[str, Any]:
    """Accounting fields summed over group rows (min for the first infinite row)."""
    total: dict[str, Any] = {}
    for key in keys:
        values = [r[key] for r in records if r[key] is not None]
        total[key] = sum(values)
    return total


def describe_summaries(src: DuckDBSource, columns: Sequence[str], *, by: str | None,
                       text: Sequence[str]) -> tuple[list[tuple], list]:
    """Per column (and group): (name, group, Moments, quartiles, missing), and the text
    columns' summaries (count, missing, distinct, most frequent, first seen on ties)."""
    from mlstats.stats.describe import TextSummary

    used = {name: NUMBER for name in columns}
    if by is not None:
        used[by] = src.kinds[by]
    for name in text:
        used.setdefault(name, src.kinds[name] if src.kinds[name] == BOOL else "text")
    g = src.alias(by) if by is not None else None
    rows = src.rows_sql(used, numbered=g is not None)
    use = "_keep" + (f" AND {g} IS NOT NULL" if g else "")
    fields = src.account_sql([by] if by is not None else [])
    for name in columns:
        c = src.alias(name)
        keep = f"FILTER (WHERE {use} AND {c} IS NOT NULL)"
        fields += [f"count({c}) {keep} AS n_{c}", f"count(*) FILTER (WHERE {use} AND {c} IS NULL)"
                   f" AS miss_{c}", f"min({c}) {keep} AS lo_{c}", f"max({c}) {keep} AS hi_{c}",
                   f"avg({c}) {keep} AS m_{c}", f"count(*) FILTER (WHERE isinf({c})) AS _inf_{c}"]
    group_fields = f"{g} AS _g, min(_row) FILTER (WHERE {use}) AS _first, " if g else ""
    first = _records(src, f"WITH t AS ({rows}) SELECT {group_fields}{', '.join(fields)} "
                          f"FROM t" + (f" GROUP BY {g}" if g else ""))
    account_keys = [k for k in first[0] if k.startswith("_") and k not in ("_g", "_first")]
    totals = _summed(first, account_keys)
    used_rows = int(sum(r["_kept"] for r in first if not g or r["_g"] is not None))
    src.account([by] if by is not None else [], totals, used=used_rows,
                complete=by is not None)
    groups = sorted((r for r in first if not g or r["_g"] is not None),
                    key=lambda r: r["_first"] if g else 0)
    # Scales (powers of two) for values beyond 2^±200, then the means of the scaled values.
    scale = {}
    for r in groups:
        for name in columns:
            c = src.alias(name)
            peak = max(-r[f"lo_{c}"], r[f"hi_{c}"]) if r[f"n_{c}"] else 0.0
            scale[(r["_g"] if g else None, c)] = float(_scales_for(np.array([peak]))[0])
    if all(v == 1.0 for v in scale.values()):
        means = {r["_g"] if g else None: {src.alias(n): r[f"m_{src.alias(n)}"] for n in columns}
                 for r in groups}
    else:  # values beyond 2^±200: the mean of the scaled values, as the local engine takes
        means = _scaled_means(src, rows, columns, g, use, scale)
    second = _power_sums(src, rows, columns, g, use, means, scale)
    counts = {(r["_g"] if g else None, src.alias(n)): int(r[f"n_{src.alias(n)}"])
              for r in groups for n in columns}
    ranges = {(r["_g"] if g else None, src.alias(n)): (r[f"lo_{src.alias(n)}"],
                                                       r[f"hi_{src.alias(n)}"])
              for r in groups for n in columns}
    quartile = _quartiles(src, rows, use, g, counts, ranges)
    found = []
    for name in columns:
        c = src.alias(name)
        for r in groups:
            key = r["_g"] if g else None
            n = int(r[f"n_{c}"])
            if n == 0:
                m = Moments(n=0, mean=math.nan, m2=0.0, m3=0.0, m4=0.0)
                quartiles = (math.nan,) * 3
            else:
                s1, s2, s3, s4 = second[key][c]
                m2, m3, m4 = central_sums(n, s1, s2, s3, s4)
                s = scale[(key, c)]
                m = Moments(n=n, mean=means[key][c] * s, m2=float(m2), m3=float(m3),
                            m4=float(m4), min=r[f"lo_{c}"], max=r[f"hi_{c}"], scale=s,
                            peak=max(-r[f"lo_{c}"], r[f"hi_{c}"]))
                quartiles = quartile[(key, c)]
            found.append((name, label_of(key) if g else None, m, quartiles,
                          int(r[f"miss_{c}"])))
    summaries = [_text_summary(TextSummary, src, rows, name, use) for name in text]
    return found, summaries


def _scaled_means(src: DuckDBSource, rows: str, columns: Sequence[str], g: str | None,
                  use: str, scale: dict) -> dict:
    """Mean of x/s per column (and group): avg in SQL, of values scaled when s ≠ 1."""
    fields, params = [], {}
    for i, name in enumerate(columns):
        c = src.alias(name)
        s = _scale_sql(c, g, scale, params, f"s{i}")
        fields.append(f"avg({c} / {s}) FILTER (WHERE {use} AND {c} IS NOT NULL) AS m_{c}")
    sql = (f"WITH t AS ({rows}) SELECT {g + ' AS _g, ' if g else ''}{', '.join(fields)} "
           f"FROM t WHERE {use}" + (f" GROUP BY {g}" if g else ""))
    return {r["_g"] if g else None: {src.alias(n): r[f"m_{src.alias(n)}"] for n in columns}
            for r in _records(src, sql, params)}


def _scale_sql(c: str, g: str | None, scale: dict, params: dict, key: str) -> str:
    """The scale of column c as SQL: a constant parameter, or per group a CASE on the key."""
    values = {k: v for (k, col), v in scale.items() if col == c}
    if len(set(values.values())) <= 1:
        params[key] = next(iter(values.values()), 1.0)
        return f"${key}"
    params[key + "k"] = [k for k in values]
    params[key + "v"] = [values[k] for k in values]
    return f"${key}v[list_position(${key}k, {g})]"


def _power_sums(src: DuckDBSource, rows: str, columns: Sequence[str], g: str | None,
                use: str, means: dict, scale: dict) -> dict:
    """Σdⁱ (i = 1…4) of d = x/s − mean per column (and group), by Kahan–Babuška sums."""
    fields, params = [], {}
    keys = list(means)
    for i, name in enumerate(columns):
        c = src.alias(name)
        s = _scale_sql(c, g, scale, params, f"s{i}")
        params[f"m{i}k"] = keys
        params[f"m{i}v"] = [means[k][c] if means[k][c] is not None else 0.0 for k in keys]
        mean = f"$m{i}v[list_position($m{i}k, {g})]" if g else f"$m{i}v[1]"
        d = f"({c} / {s} - {mean})"
        keep = f"FILTER (WHERE {use} AND {c} IS NOT NULL)"
        fields += [f"fsum({d}) {keep} AS a_{c}", f"fsum({d} * {d}) {keep} AS b_{c}",
                   f"fsum({d} * {d} * {d}) {keep} AS c_{c}",
                   f"fsum(({d} * {d}) * ({d} * {d})) {keep} AS d_{c}"]
    sql = (f"WITH t AS ({rows}) SELECT {g + ' AS _g, ' if g else ''}{', '.join(fields)} "
           f"FROM t WHERE {use}" + (f" GROUP BY {g}" if g else ""))
    return {r["_g"] if g else None: {src.alias(n): tuple(r[f"{p}_{src.alias(n)}"] or 0.0
                                                         for p in "abcd")
                                     for n in columns}
            for r in _records(src, sql, params)}


def _text_summary(kind: type, src: DuckDBSource, rows: str, name: str, use: str):
    c = src.alias(name)
    sql = (f"WITH t AS ({rows}) SELECT CAST({c} AS VARCHAR) AS v, count(*) AS k, "
           f"min(_row) AS f FROM t WHERE {use} GROUP BY v ORDER BY k DESC, f")
    found = src.query(sql)
    present = [r for r in found if r[0] is not None]
    missing = sum(r[1] for r in found if r[0] is None)
    count = sum(r[1] for r in present)
    if not present:
        return kind(name=name, count=0, missing=missing, unique=0, top=None, top_count=0)
    return kind(name=name, count=count, missing=missing, unique=len(present),
                top=present[0][0], top_count=present[0][1])


def _group_key_list(groups: list[dict[str, Any]]) -> list:
    return [r["_g"] for r in groups]


def abtest_summaries(src: DuckDBSource, group: str, metric: str,
                     covariate: str | None) -> dict[str, Any]:
    """Per group, in order of first appearance: `Counts` (a two-valued metric), `Moments`,
    or `CoMoments` of (metric, covariate), with the scales and the rank-sum provider that
    `ab_test_groups` finishes from."""
    from mlstats.stats.abtest import RankSums, _scale_of, two_valued_labels
    from mlstats.stats.summaries import CoMoments, Counts

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
    rows = src.rows_sql(used)
    complete = " AND ".join(f"{src.alias(n)} IS NOT NULL" for n in names)
    use = f"_keep AND {complete}"
    fields = [
        *src.account_sql(names), f"{g} AS _g", f"min(_row) FILTER (WHERE {use}) AS _first",
        f"count(*) FILTER (WHERE {use}) AS n", f"sum({value}) FILTER (WHERE {use}) AS s",
        f"min({value}) FILTER (WHERE {use}) AS lo", f"max({value}) FILTER (WHERE {use}) AS hi",
        f"bool_and({value} IN (0, 1)) FILTER (WHERE {use}) AS two"]
    if x is not None:
        fields += [f"min({x}) FILTER (WHERE {use}) AS xlo",
                   f"max({x}) FILTER (WHERE {use}) AS xhi"]
    first = _records(src, f"WITH t AS ({rows}) SELECT {', '.join(fields)} FROM t GROUP BY {g}")
    account_keys = [k for k in first[0] if k.startswith("_") and k not in ("_g", "_first")]
    groups = sorted((r for r in first if r["_g"] is not None and r["n"]),
                    key=lambda r: r["_first"])
    src.account(names, _summed(first, account_keys), used=sum(r["n"] for r in groups))
    labels = [label_of(r["_g"]) for r in groups]
    binary = bool(groups) and all(r["two"] for r in groups)
    found: dict[str, Any] = {"labels": labels, "binary": binary, "scale": 1.0,
                             "x_scale": 1.0, "x_range": None, "samples": None}
    if binary and x is None:
        found["summaries"] = tuple(Counts(lab, int(r["n"]), int(r["s"]))
                                   for lab, r in zip(labels, groups, strict=True))
        return found
    if not groups:
        found["summaries"] = ()
        return found
    scale = _scale_of(np.array([min(r["lo"] for r in groups), max(r["hi"] for r in groups)]))
    params: dict[str, Any] = {"scale": scale, "keys": _group_key_list(groups)}
    y = f"({value} / $scale)"
    parts = [y]
    if x is not None:
        x_scale = _scale_of(np.array([min(r["xlo"] for r in groups),
                                      max(r["xhi"] for r in groups)]))
        params["x_scale"] = x_scale
        parts.append(f"({x} / $x_scale)")
        found["x_scale"] = x_scale
        found["x_range"] = (min(r["xlo"] for r in groups) / x_scale,
                            max(r["xhi"] for r in groups) / x_scale)
    found["scale"] = scale
    # Pass 2: the group means of the scaled columns; pass 3: sums of deviations from them.
    mean_fields = ", ".join(f"avg({p}) AS a{i}" for i, p in enumerate(parts))
    means = {r["_g"]: r for r in _records(
        src, f"WITH t AS ({rows}) SELECT {g} AS _g, {mean_fields} FROM t WHERE {use} "
             f"GROUP BY {g}", params)}
    for i in range(len(parts)):
        params[f"mean{i}"] = [means[k][f"a{i}"] for k in params["keys"]]
    d = [f"({p} - $mean{i}[list_position($keys, {g})])" for i, p in enumerate(parts)]
    sums = [f"fsum({a}) AS s{i}" for i, a in enumerate(d)]
    sums += [f"fsum({d[i]} * {d[j]}) AS p{i}{j}" for i in range(len(d)) for j in range(i, len(d))]
    second = {r["_g"]: r for r in _records(
        src, f"WITH t AS ({rows}) SELECT {g} AS _g, {', '.join(sums)} FROM t WHERE {use} "
             f"GROUP BY {g}", params)}
    summaries = []
    for lab, r in zip(labels, groups, strict=True):
        n = int(r["n"])
        mean = np.array([means[r["_g"]][f"a{i}"] for i in range(len(parts))])
        shift = np.array([second[r["_g"]][f"s{i}"] for i in range(len(parts))]) / n
        c = np.array([[second[r["_g"]][f"p{min(i, j)}{max(i, j)}"] for j in range(len(parts))]
                      for i in range(len(parts))]) - n * np.outer(shift, shift)
        if x is None:  # as `group_moments`: the mean corrected by the deviations' mean
            from mlstats.stats.summaries import Moments

            summaries.append(Moments(lab, n, float(mean[0] + shift[0]), max(float(c[0, 0]), 0.0)))
        else:
            summaries.append(CoMoments(n=n, mean=mean, c=c))
    found["summaries"] = tuple(summaries)
    keys = params["keys"]

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
            return rank_sums(f"({y} - $theta * ({parts[1]} - $x_bar))",
                             {"theta": theta, "x_bar": x_bar})
        found["samples"] = adjusted
    return found


# Exact quantiles: DuckDB's `quantile_cont` (R's type 7) holds a column's values in memory,
# so beyond this many values in all (about 128 MB) the order statistics are found instead by
# refining histograms, which keeps memory bounded whatever the file's size.
QUANTILE_CONT_MAX = 1 << 24
_BINS = 1 << 12
_FETCH = 1 << 16  # values fetched and sorted at most per bin


def _quartiles(src: DuckDBSource, rows: str, use: str, g: str | None,
               counts: dict, ranges: dict) -> dict:
    """q1, median, q3 (type 7) per (group, column): x_(⌊h⌋) + (h − ⌊h⌋)(x_(⌊h⌋+1) − x_(⌊h⌋)),
    h = (n − 1)p, by `quantile_cont` for small inputs, else by `order_statistics`."""
    if sum(counts.values()) <= QUANTILE_CONT_MAX:
        fields = [f"quantile_cont({c}, [0.25, 0.5, 0.75]) FILTER (WHERE {use} AND {c} IS NOT "
                  f"NULL) AS q_{c}" for c in sorted({c for _, c in counts})]
        sql = (f"WITH t AS ({rows}) SELECT {g + ' AS _g, ' if g else ''}{', '.join(fields)} "
               f"FROM t WHERE {use}" + (f" GROUP BY {g}" if g else ""))
        found = {}
        for r in _records(src, sql):
            for (key, c) in counts:
                if key == (r["_g"] if g else None) and counts[(key, c)]:
                    found[(key, c)] = tuple(r[f"q_{c}"])
        return {k: found.get(k, (math.nan,) * 3) for k in counts}
    wanted = {}
    for key, n in counts.items():
        if n:
            h = [(n - 1) * p for p in (0.25, 0.5, 0.75)]
            wanted[key] = sorted({r for x in h for r in (math.floor(x), min(math.floor(x) + 1,
                                                                            n - 1))})
    values = order_statistics(src, rows, use, g, wanted, counts, ranges)
    found = {}
    for key, n in counts.items():
        if not n:
            found[key] = (math.nan,) * 3
            continue
        quartiles = []
        for p in (0.25, 0.5, 0.75):
            h = (n - 1) * p
            lo = math.floor(h)
            a, b = values[key][lo], values[key][min(lo + 1, n - 1)]
            quartiles.append(float(_lerp(a, b, h - lo)))
        found[key] = tuple(quartiles)
    return found


def _lerp(a: float, b: float, t: float) -> float:
    """NumPy's interpolation (`np.quantile`, method linear), for the same last bits."""
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


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
