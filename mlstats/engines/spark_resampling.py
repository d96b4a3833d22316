"""The Poisson bootstrap on Spark: each row's count in each resample drawn on the workers by
the generator of `mlstats.stats.poisson` (keyed on seed, row number and resample: the same
counts as the local engine's `--scheme poisson` and DuckDB's), so that only per-resample sums
come back.

Rows are numbered in input order among the rows read (the generator's key): Spark's row id
is (partition, place in it), and the rows of each input split before it (one count per
split) turn it into the row's number. The used rows are kept on the cluster once
(`localCheckpoint`). One pass gives the accounting and each sample's size, range and mean;
one more the centred sums of each sample (its statistic) and one the jackknife's
leave-one-out values (for the BCa acceleration); then one `mapInArrow` pass per sample has
each partition sum N = ΣW, S₁ = ΣW·d, S₂ = ΣW·d² (and for corr the y and cross sums) per
resample, added on the client in partition order, which `poisson.statistic` turns into each
resample's statistic. The cost is proportional to rows × resamples (as any bootstrap's).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from mlstats.engines.common import NUMBER, Samples, label_of
from mlstats.engines.spark_engine import SparkSource, _guard
from mlstats.stats import poisson
from mlstats.stats.poisson import Part, sample_statistic
from mlstats.stats.resampling import Statistic


class Resampler(Samples):
    """The samples of one bootstrap on the cluster, and their Poisson resamples."""

    def __init__(self, src: SparkSource, names: Sequence[str], by: str | None,
                 stat: Statistic) -> None:
        from mlstats.engines.spark_summaries import _complete

        F = src.F
        self.src, self.F, self.names, self.by, self.stat = src, F, list(names), by, stat
        used = dict.fromkeys(names, NUMBER)
        if by is not None:
            used[by] = src.kinds[by]
        self.cols = [src.alias(n) for n in names]
        self.g = src.alias(by) if by is not None else None
        rows = src.rows(used, order=True)
        numbered = _guard(lambda: rows.localCheckpoint(), src.name)
        use = F.col("_keep") & _complete(src, list(used))
        fields = [*src.account_fields(list(used)), F.count_if(use).alias("n")]
        (found,) = src.records(numbered.agg(*fields))
        src.account(list(used), found, used=int(found["n"]))
        from pyspark.sql.types import StructType

        order = numbered.schema["_order"].dataType
        single = not isinstance(order, StructType)  # one file: the row id alone
        parts = [] if single else order.fieldNames()  # (file, split start, row id)
        ident = F.col("_order") if single else F.col("_order").getField(parts[2])
        split = ([F.shiftright(ident, 33).alias("_s0")] if single else
                 [F.col("_order").getField(parts[0]).alias("_s0"),
                  F.col("_order").getField(parts[1]).alias("_s1")])
        keys = ["_s0"] if single else ["_s0", "_s1"]
        counts = src.records(numbered.select(*split, ident.alias("_id")).groupBy(*keys).agg(
            F.count(F.lit(1)).alias("k"), F.min("_id").alias("low")))
        base, total = [], 0
        for r in sorted(counts, key=lambda r: tuple(r[k] for k in keys)):
            base.append((*(r[k] for k in keys), total - int(r["low"])))
            total += int(r["k"])
        bases = src.spark.createDataFrame(base, [*keys, "_base"])
        picked = numbered.where(use).select(*split, ident.alias("_id"), *self.cols,
                                            *([F.col(self.g)] if self.g else []))
        joined = picked.join(F.broadcast(bases), on=keys).select(
            (F.col("_id") + F.col("_base")).alias("_r"), *self.cols,
            *([F.col(self.g)] if self.g else []))
        self.rows = _guard(lambda: joined.localCheckpoint(), src.name)
        group = [F.col(self.g).alias("_g")] if self.g else []
        stats = [F.count(F.lit(1)).alias("n"), F.min("_r").alias("first")]
        for i, c in enumerate(self.cols):
            stats += [F.min(c).alias(f"lo{i}"), F.max(c).alias(f"hi{i}")]
        groups = src.records(self.rows.groupBy(*group).agg(*stats))
        groups.sort(key=lambda r: r["first"])
        self.groups = groups
        self.labels = [label_of(r["_g"]) for r in groups] if self.g else []
        from mlstats.stats.resampling import _exponent

        peaks = [max((max(-r[f"lo{i}"], r[f"hi{i}"]) for r in groups), default=0.0)
                 for i in range(len(self.cols))]
        self.exponents = [_exponent(np.array([p])) for p in peaks]

    def _rows(self, key: Any) -> Any:
        """The sample's rows: `_r` and each column scaled by its power of two as `x<i>`."""
        F = self.F
        scaled = [(F.col(c) * F.lit(math.ldexp(1.0, -e))).alias(f"x{i}")
                  for i, (c, e) in enumerate(zip(self.cols, self.exponents, strict=True))]
        rows = self.rows if self.g is None else self.rows.where(F.col(self.g) == F.lit(key))
        return rows.select("_r", *scaled)

    def _part(self, key: Any, sign: int) -> Part:
        F, src, k = self.F, self.src, len(self.cols)
        rows = self._rows(key)
        (first,) = src.records(rows.agg(
            F.count(F.lit(1)).alias("n"), *[F.avg(f"x{i}").alias(f"m{i}") for i in range(k)],
            F.min("x0").alias("lo"), F.max("x0").alias("hi")))
        n = int(first["n"])
        shift = [float(first[f"m{i}"] or 0.0) for i in range(k)]
        d = [F.col(f"x{i}") - F.lit(shift[i]) for i in range(k)]
        sums = [F.sum(a).alias(f"s{i}") for i, a in enumerate(d)]
        sums += [F.sum(d[i] * d[j]).alias(f"p{i}{j}") for i in range(k) for j in range(i, k)]
        (second,) = src.records(rows.agg(*sums))
        mean, c, var, value = sample_statistic(self.stat.kind, n, shift, second)
        jack = self._jackknife(rows, n, mean, c, value, sign)
        return Part(stat=self.stat, n=n, value=float(value), mean=mean[0],
                    sd=math.sqrt(var) if n > 1 else math.nan, low=float(first["lo"]),
                    high=float(first["hi"]), jackknife_sums=jack,
                    label=key, shift=tuple(shift))

    def _jackknife(self, rows: Any, n: int, mean: list[float], c: dict, value: float,
                   sign: int) -> tuple[int, float, float] | str:
        """(n, ΣU², ΣU³) of U = (n − 1)(δ̄ − δᵢ) (−U for the first of two samples), δᵢ the
        statistic without row i less the statistic, a Spark expression of row i and the
        sample's moments (as `jackknife_summary`), or why some δᵢ is undefined."""
        from mlstats.stats.resampling import _why_loo_undefined

        F, kind = self.F, self.stat.kind
        probe = Part(stat=self.stat, n=n, value=math.nan, mean=math.nan, sd=math.nan,
                     low=math.nan, high=math.nan, jackknife_sums="")
        if (n <= 2 and kind != "mean") or not math.isfinite(value):
            return _why_loo_undefined(probe)
        m2 = max(c[(0, 0)], 0.0)
        k, var = n / (n - 1), m2 / (n - 1)
        dx = F.col("x0") - F.lit(mean[0])
        var_i = F.greatest(F.lit(m2) - F.lit(k) * dx * dx, F.lit(0.0)) / F.lit(n - 2)
        if kind == "mean":
            delta = -dx / F.lit(n - 1)
        elif kind == "var":
            delta = var_i - F.lit(var)
        elif kind == "std":
            sd = F.sqrt(var_i) + F.lit(math.sqrt(var))
            delta = F.when(sd == 0, F.lit(0.0)).otherwise(
                F.try_divide(var_i - F.lit(var), sd))
        elif kind == "cv":
            delta = F.try_divide(F.sqrt(var_i), F.lit(mean[0]) - dx / F.lit(n - 1)) \
                - F.lit(value)
        else:
            myy, mxy = max(c[(1, 1)], 0.0), c[(0, 1)]
            dy = F.col("x1") - F.lit(mean[1])
            r = F.try_divide(F.lit(mxy) - F.lit(k) * dx * dy, F.sqrt(
                (F.lit(m2) - F.lit(k) * dx * dx) * (F.lit(myy) - F.lit(k) * dy * dy)))
            delta = F.greatest(F.lit(-1.0), F.least(F.lit(1.0), r)) - F.lit(value)
        d = rows.select(delta.alias("d"))
        bad = F.col("d").isNull() | F.isnan("d") | (F.abs("d") == F.lit(math.inf))
        (found,) = self.src.collect(d.agg(F.sum("d"), F.sum(F.col("d") * F.col("d")),
                                          F.sum(F.col("d") ** 3), F.count_if(bad)))
        total, squares, cubes, undefined = found
        if undefined:
            return _why_loo_undefined(probe)
        centre = total / n
        m2d = squares - total * centre
        m3d = cubes - 3 * centre * squares + 2 * n * centre**3
        scale = n - 1
        return (n, scale * scale * m2d, -sign * scale**3 * m3d)

    def stream(self, parts: Sequence[Part], seed: int, resamples: int) -> PoissonStream:
        return PoissonStream(self, parts, seed, resamples)


class PoissonStream:
    """The statistic of every resample, batch by batch (`poisson.BATCH` resamples); the
    sums of every resample come from one pass per sample, the first time (iterating again
    gives the same values)."""

    def __init__(self, owner: Resampler, parts: Sequence[Part], seed: int,
                 resamples: int) -> None:
        self.owner, self.parts, self.seed, self.resamples = owner, parts, seed, resamples
        self._sums: list[np.ndarray] | None = None

    def __iter__(self) -> Iterator[np.ndarray]:
        if self._sums is None:
            self._sums = [self._all_sums(p) for p in self.parts]
        for start in range(0, self.resamples, poisson.BATCH):
            stop = min(start + poisson.BATCH, self.resamples)
            values = [poisson.statistic(p.stat.kind, sums[start:stop], p.shift[0])
                      for p, sums in zip(self.parts, self._sums, strict=True)]
            yield values[1] - values[0] if len(values) == 2 else values[0]

    def _all_sums(self, part: Part) -> np.ndarray:
        """(resamples × 3, or × 6 for corr) sums of the sample: per partition on the cluster
        (`spark_tasks.poisson_partition`), added here in partition order."""
        from mlstats.engines import spark_tasks

        owner = self.owner
        F = owner.F
        k = len(owner.cols)
        centred = [(F.col(f"x{i}") - F.lit(part.shift[i])).alias(f"d{i}") for i in range(k)]
        frame = owner._rows(part.label).select("_r", *centred)
        spark_tasks.register()
        found = owner.src.collect(frame.mapInArrow(
            spark_tasks.poisson_partition(self.seed, self.resamples),
            "first long, sums array<double>"))
        width = 3 if k == 1 else 6
        total = np.zeros((self.resamples, width))
        for row in sorted(found, key=lambda r: r["first"]):
            total += np.asarray(row["sums"], dtype=np.float64).reshape(self.resamples, width)
        return total
