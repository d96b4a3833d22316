"""The Poisson bootstrap on DuckDB: each resample is a weighted aggregate, every row's count
drawn in SQL by the generator of `mlstats.stats.poisson` (the same integers as its NumPy
implementation), so that memory is bounded by the resamples of a batch, not the rows.

The used columns are copied once into a temporary table (in input order: `rowid` is the
row's number among the rows read, the generator's key). One pass gives the accounting, the
groups and each column's range and mean; one more the centred sums of each sample (its
statistic) and one the jackknife's leave-one-out values (for the BCa acceleration); then
each batch of resamples is one aggregate over the rows crossed with the batch's resample
numbers: ΣW, ΣW·d, ΣW·d² (and for corr the y and cross sums) per resample, which
`mlstats.stats.poisson.statistic` turns into the statistic. The cost is proportional to
rows × resamples (as any bootstrap's).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from mlstats.engines.common import Samples
from mlstats.engines.duckdb_engine import NUMBER, DuckDBSource
from mlstats.engines.duckdb_summaries import label_of
from mlstats.stats import poisson
from mlstats.stats.poisson import Part, sample_statistic
from mlstats.stats.resampling import Statistic

TABLE = "_mlstats_resample"


def _mixed(sql: str, column: str) -> str:
    """`sql` with `column` (a 32-bit value in a UBIGINT) replaced by its lowbias32 hash, one
    step per query level (so that no expression is repeated inside another)."""
    mask = f"{poisson.MASK}::UBIGINT"
    steps = [f"xor({column}, {column} >> 16)",
             f"({column} * {poisson.MULTIPLIERS[0]}::UBIGINT) & {mask}",
             f"xor({column}, {column} >> 15)",
             f"({column} * {poisson.MULTIPLIERS[1]}::UBIGINT) & {mask}",
             f"xor({column}, {column} >> 16)"]
    for step in steps:
        sql = f"SELECT * REPLACE ({step} AS {column}) FROM ({sql})"
    return sql


def poisson_counts_sql(rows: str, seed: int) -> str:
    """`rows` (with the row number `_r`) crossed with the resample numbers `_b` from $lo to
    $hi, with each row's count `_w` in each resample: `mlstats.stats.poisson.counts` in SQL."""
    key = poisson.seed_key(seed)
    mask = f"{poisson.MASK}::UBIGINT"
    sql = (f"SELECT *, xor({key}::UBIGINT, CAST(_r AS UBIGINT) & {mask}) AS _k "
           f"FROM ({rows})")
    sql = _mixed(sql, "_k")
    sql = _mixed(f"SELECT * REPLACE (xor(_k, CAST(_r AS UBIGINT) >> 32) AS _k) FROM ({sql})",
                 "_k")
    sql = _mixed(f"SELECT * EXCLUDE (_k), xor(_k, CAST(_b AS UBIGINT)) AS _a FROM ({sql}), "
                 "range($lo, $hi) AS _s(_b)", "_a")
    words = poisson.STREAM_WORDS
    sql = (f"SELECT * EXCLUDE (_a), xor(_a, {words[0]}::UBIGINT) AS _h1, "
           f"xor(_a, {words[1]}::UBIGINT) AS _h2 FROM ({sql})")
    sql = _mixed(_mixed(sql, "_h1"), "_h2")
    cases = " ".join(f"WHEN _u < {float(c)!r} THEN {k}" for k, c in enumerate(poisson.CDF))
    return (f"SELECT * EXCLUDE (_u), CASE {cases} ELSE {poisson.CDF.size} END AS _w FROM "
            f"(SELECT * EXCLUDE (_h1, _h2), CAST((_h1 << 21) | (_h2 >> 11) AS DOUBLE) * "
            f"{2.0**-53!r} AS _u FROM ({sql}))")


class Resampler(Samples):
    """The samples of one bootstrap in a temporary table, and their Poisson resamples."""

    def __init__(self, src: DuckDBSource, names: Sequence[str], by: str | None,
                 stat: Statistic) -> None:
        self.src, self.names, self.by, self.stat = src, list(names), by, stat
        used = dict.fromkeys(names, NUMBER)
        if by is not None:
            used[by] = src.kinds[by]
        cols = [src.alias(n) for n in names]
        self.cols = cols
        self.g = src.alias(by) if by is not None else None
        complete = " AND ".join(["_keep", *(f"{src.alias(n)} IS NOT NULL" for n in used)])
        src.query(f"CREATE OR REPLACE TEMP TABLE {TABLE} AS SELECT "
                  f"{', '.join(src.alias(n) for n in used)}, _keep, {complete} AS _u FROM "
                  f"({src.rows_sql(used, numbered=False)})")
        group = f"{self.g} AS _g, " if self.g else ""
        fields = ["count(*) AS cnt", "min(rowid) AS first"]
        for i, c in enumerate(cols):
            fields += [f"count({c}) AS cn{i}", f"min({c}) AS lo{i}", f"max({c}) AS hi{i}",
                       f"avg({c}) AS m{i}"]
        if self.g:
            fields.append(f"count({self.g}) AS cng")
        buckets = src.records(f"SELECT _keep AS _k, _u, {group}{', '.join(fields)} FROM "
                              f"{TABLE} GROUP BY ALL")
        kept = [r for r in buckets if r["_k"]]
        accounting: dict[str, int] = {"_read": sum(r["cnt"] for r in buckets),
                                      "_kept": sum(r["cnt"] for r in kept)}
        for i, c in enumerate(cols):
            accounting[f"_miss_{c}"] = sum(r["cnt"] - r[f"cn{i}"] for r in kept)
            accounting[f"_inf_{c}"] = int(any(r[f"lo{i}"] == -math.inf or
                                              r[f"hi{i}"] == math.inf for r in buckets))
        if self.g:
            accounting[f"_miss_{self.g}"] = sum(r["cnt"] - r["cng"] for r in kept)
        used_rows = sorted((r for r in buckets if r["_u"]), key=lambda r: r["first"])
        src.account(list(used), accounting, used=sum(r["cnt"] for r in used_rows))
        self.groups = used_rows  # one per group, in order of first appearance
        self.labels = [label_of(r["_g"]) for r in used_rows] if self.g else []
        peaks = [max((max(-r[f"lo{i}"], r[f"hi{i}"]) for r in used_rows), default=0.0)
                 for i in range(len(cols))]
        from mlstats.stats.resampling import _exponent

        self.exponents = [_exponent(np.array([p])) for p in peaks]

    def _rows(self, label: Any, numbered: bool = False) -> str:
        scaled = ", ".join(f"{c} * {math.ldexp(1.0, -e)!r} AS x{i}"
                           for i, (c, e) in enumerate(zip(self.cols, self.exponents,
                                                          strict=True)))
        where = "_u" + (f" AND {self.g} = $group" if self.g else "")
        row = "rowid AS _r, " if numbered else ""
        return f"SELECT {row}{scaled} FROM {TABLE} WHERE {where}"

    def _part(self, label: Any, sign: int) -> Part:
        src, k = self.src, len(self.cols)
        params: dict[str, Any] = {"group": label} if self.g else {}
        rows = self._rows(label)
        (first,) = src.records(
            f"SELECT count(*) AS n, {', '.join(f'avg(x{i}) AS m{i}' for i in range(k))}, "
            f"min(x0) AS lo, max(x0) AS hi FROM ({rows})", params)
        n = int(first["n"])
        shift = [float(first[f"m{i}"] or 0.0) for i in range(k)]
        params.update({f"c{i}": shift[i] for i in range(k)})
        d = [f"(x{i} - $c{i})" for i in range(k)]
        sums = [f"fsum({a}) AS s{i}" for i, a in enumerate(d)]
        sums += [f"fsum({d[i]} * {d[j]}) AS p{i}{j}" for i in range(k) for j in range(i, k)]
        (second,) = src.records(f"SELECT {', '.join(sums)} FROM ({rows})", params)
        mean, c, var, value = sample_statistic(self.stat.kind, n, shift, second)
        jack = self._jackknife(rows, params, n, mean, c, value, sign)
        return Part(stat=self.stat, n=n, value=float(value), mean=mean[0],
                    sd=math.sqrt(var) if n > 1 else math.nan, low=float(first["lo"]),
                    high=float(first["hi"]), jackknife_sums=jack, label=label,
                    shift=tuple(shift))

    def _jackknife(self, rows: str, params: dict, n: int, mean: list[float], c: dict,
                   value: float, sign: int) -> tuple[int, float, float] | str:
        """(n, ΣU², ΣU³) of U = (n − 1)(δ̄ − δᵢ) (−U for the first of two samples), δᵢ the
        statistic without row i less the statistic, an SQL expression of row i and the
        sample's moments (as `jackknife_summary`), or why some δᵢ is undefined."""
        from mlstats.stats.resampling import _why_loo_undefined

        kind = self.stat.kind
        if (n <= 2 and kind != "mean") or not math.isfinite(value):
            return _why_loo_undefined(self._probe(n))
        m2 = max(c[(0, 0)], 0.0)
        p = dict(params, n=n, k=n / (n - 1), m2=m2, var=m2 / (n - 1), c0=mean[0], v=value)
        dx = "(x0 - $c0)"
        var_i = f"greatest($m2 - $k * {dx} * {dx}, 0) / ($n - 2)"
        if kind == "mean":
            delta = f"(-{dx} / ($n - 1))"
        elif kind == "var":
            delta = f"({var_i} - $var)"
        elif kind == "std":
            p["sd"] = math.sqrt(p["var"])
            delta = (f"(CASE WHEN sqrt({var_i}) + $sd = 0 THEN 0 ELSE ({var_i} - $var) / "
                     f"(sqrt({var_i}) + $sd) END)")
        elif kind == "cv":
            delta = f"(sqrt({var_i}) / ($c0 - {dx} / ($n - 1)) - $v)"
        else:
            p.update(myy=max(c[(1, 1)], 0.0), mxy=c[(0, 1)], c1=mean[1])
            dy = "(x1 - $c1)"
            delta = (f"(greatest(-1, least(1, ($mxy - $k * {dx} * {dy}) / sqrt(($m2 - $k * "
                     f"{dx} * {dx}) * ($myy - $k * {dy} * {dy})))) - $v)")
        (total, squares, cubes, finite), = self.src.query(
            f"SELECT fsum(d), fsum(d * d), fsum(d * d * d), bool_and(isfinite(d)) FROM "
            f"(SELECT {delta} AS d FROM ({rows}))", p)
        if not finite:
            return _why_loo_undefined(self._probe(n))
        centre = total / n
        m2d = squares - total * centre
        m3d = cubes - 3 * centre * squares + 2 * n * centre**3
        scale = n - 1
        return (n, scale * scale * m2d, -sign * scale**3 * m3d)

    def _probe(self, n: int) -> Any:
        """What `_why_loo_undefined` reads of a sample: its size and statistic."""
        return Part(stat=self.stat, n=n, value=math.nan, mean=math.nan, sd=math.nan,
                    low=math.nan, high=math.nan, jackknife_sums="")

    def stream(self, parts: Sequence[Part], seed: int, resamples: int) -> PoissonStream:
        return PoissonStream(self, parts, seed, resamples)


class PoissonStream:
    """The statistic of every resample, batch by batch (`poisson.BATCH` resamples a query);
    iterating again runs the same queries, so gives the same values."""

    def __init__(self, owner: Resampler, parts: Sequence[Part], seed: int,
                 resamples: int) -> None:
        self.owner, self.parts, self.seed, self.resamples = owner, parts, seed, resamples

    def __iter__(self) -> Iterator[np.ndarray]:
        for start in range(0, self.resamples, poisson.BATCH):
            stop = min(start + poisson.BATCH, self.resamples)
            values = [poisson.statistic(p.stat.kind, self._sums(p, start, stop), p.shift[0])
                      for p in self.parts]
            yield values[1] - values[0] if len(values) == 2 else values[0]

    def _sums(self, part: Part, start: int, stop: int) -> np.ndarray:
        owner = self.owner
        k = len(owner.cols)
        params: dict[str, Any] = {"lo": start, "hi": stop}
        params.update({f"c{i}": part.shift[i] for i in range(k)})
        if owner.g:
            params["group"] = part.label
        d = ", ".join(f"x{i} - $c{i} AS d{i}" for i in range(k))
        rows = f"SELECT _r, {d} FROM ({owner._rows(part.label, numbered=True)})"
        fields = ["sum(_w) AS n", "sum(_w * d0) AS s1", "sum(_w * d0 * d0) AS s2"]
        if k == 2:
            fields += ["sum(_w * d1) AS t1", "sum(_w * d1 * d1) AS t2",
                       "sum(_w * d0 * d1) AS p"]
        found = owner.src.fetch_arrow(
            f"SELECT _b, {', '.join(fields)} FROM ({poisson_counts_sql(rows, self.seed)}) "
            "GROUP BY _b ORDER BY _b", params)
        out = np.zeros((stop - start, 3 if k == 1 else 6))
        at = found.column("_b").to_numpy() - start
        for j, name in enumerate(["n", "s1", "s2", *(["t1", "t2", "p"] if k == 2 else [])]):
            out[at, j] = found.column(name).to_numpy(zero_copy_only=False)
        return out
