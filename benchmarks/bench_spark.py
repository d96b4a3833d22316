"""`--engine spark` against the equivalent hand-written PySpark aggregation, in the same run.

Needs a running Spark Connect server: SPARK_REMOTE (e.g. sc://127.0.0.1:15002; the test
fixture's server, or `spark-submit --class org.apache.spark.sql.connect.service.
SparkConnectServer` from a full pyspark). The data are generated on the server as Parquet,
MLSTATS_SPARK_BENCH_ROWS rows (comma-separated, default 1e6,1e7): a group g (A/B), x1, x2
(normal) and y = 1 + 2·x1 − x2 + noise; MLSTATS_SPARK_BENCH_REPEAT timings of each side
(default 2), taken in turns with the peers' (`best_of_each`), the best of each kept;
MLSTATS_SPARK_BENCH_COMMANDS picks commands (default describe,ab-test,regression). mlstats runs
in-process (its Spark session is opened per command, as a real run opens it); the peer is the
aggregation a user would write in an open session: describe as
count/avg/stddev/min/max/skewness/kurtosis/percentile_approx, ab-test as a GROUP BY of
count/avg/var_samp with Welch's test on the client, OLS as one pass of the normal equations'
sums solved on the client, and (a second, fuller peer) that with one more pass for what our
record holds of the residuals: Σe² and Σ|e| (rmse, mae); mlstats on Spark reports no residual
quartiles, diagnostics or influential rows. Each peer is also timed as a script runs it
(`_in_own_session`): its own session opened, the aggregation, the session stopped, which is
what one mlstats run does.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator

from benchmarks.harness import DATA, Comparison, best_of_each


def _session(remote: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pyspark.sql import SparkSession

        return SparkSession.builder.remote(remote).create()


def _data(spark, rows: int) -> str:
    from pyspark.sql import functions as F

    path = DATA / f"spark-{rows}.parquet"
    if not path.exists():
        x1, x2 = F.randn(seed=1), F.randn(seed=2)
        frame = spark.range(rows).select(
            F.when(F.col("id") % 2 == 0, F.lit("A")).otherwise(F.lit("B")).alias("g"),
            x1.alias("x1"), x2.alias("x2"))
        frame = frame.withColumn("y", F.lit(1.0) + 2 * F.col("x1") - F.col("x2")
                                 + F.randn(seed=3) + F.when(F.col("g") == "B", 0.01)
                                 .otherwise(0.0))
        frame.write.parquet(str(path))
    return str(path)


def _in_own_session(remote: str, by_hand, path: str) -> None:
    """The hand-written aggregation as a script runs it, as mlstats runs: a session of its
    own opened, the aggregation, the session stopped."""
    spark = _session(remote)
    by_hand(spark, path)
    spark.stop()


def _mlstats(*args: str) -> None:
    from typer.testing import CliRunner

    from mlstats.cli.main import app

    result = CliRunner().invoke(app, [*args, "--engine", "spark", "--json", "--quiet"])
    assert result.exit_code == 0, result.stderr


def _describe_by_hand(spark, path: str) -> None:
    from pyspark.sql import functions as F

    fields = []
    for c in ("x1", "x2", "y"):
        fields += [F.count(c), F.avg(c), F.stddev(c), F.min(c), F.max(c), F.skewness(c),
                   F.kurtosis(c), F.percentile_approx(c, [0.25, 0.5, 0.75], 10000)]
    spark.read.parquet(path).agg(*fields).collect()


def _abtest_by_hand(spark, path: str) -> None:
    from pyspark.sql import functions as F
    from scipy.stats import ttest_ind_from_stats

    rows = {r["g"]: r for r in spark.read.parquet(path).groupBy("g").agg(
        F.count("y").alias("n"), F.avg("y").alias("m"), F.var_samp("y").alias("v")).collect()}
    a, b = rows["A"], rows["B"]
    ttest_ind_from_stats(b["m"], b["v"] ** 0.5, b["n"], a["m"], a["v"] ** 0.5, a["n"],
                         equal_var=False)


def _ols_by_hand(spark, path: str):
    import numpy as np
    from pyspark.sql import functions as F

    names = ["one", "x1", "x2", "y"]
    frame = spark.read.parquet(path).withColumn("one", F.lit(1.0))
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i:]]
    (row,) = frame.agg(*[F.sum(F.col(a) * F.col(b)) for a, b in pairs]).collect()
    gram = np.zeros((4, 4))
    for value, (a, b) in zip(row, pairs, strict=True):
        i, j = names.index(a), names.index(b)
        gram[i, j] = gram[j, i] = value
    return np.linalg.solve(gram[:3, :3], gram[:3, 3])


def _ols_and_residuals_by_hand(spark, path: str) -> None:
    from pyspark.sql import functions as F

    b = _ols_by_hand(spark, path)
    e = F.col("y") - (F.lit(b[0]) + F.lit(b[1]) * F.col("x1") + F.lit(b[2]) * F.col("x2"))
    spark.read.parquet(path).agg(F.sum(e * e), F.sum(F.abs(e))).collect()


def run() -> Iterator[Comparison]:
    """The comparisons, each as soon as it is timed."""
    remote = os.environ.get("SPARK_REMOTE")
    if not remote:
        print("bench_spark: set SPARK_REMOTE to a running Spark Connect server")
        return
    sizes = [int(float(s)) for s in
             os.environ.get("MLSTATS_SPARK_BENCH_ROWS", "1e6,1e7").split(",")]
    repeat = int(os.environ.get("MLSTATS_SPARK_BENCH_REPEAT", "2"))
    commands = os.environ.get("MLSTATS_SPARK_BENCH_COMMANDS",
                              "describe,ab-test,regression").split(",")
    spark = _session(remote)
    for rows in sizes:
        path = _data(spark, rows)
        label = f"{rows:.0e} rows"
        cases = [
            ("describe", ("describe", path, "--columns", "x1,x2,y"),
             [(_describe_by_hand, "count/avg/stddev/skewness/kurtosis/percentile_approx")]),
            ("ab-test", ("ab-test", path, "--group", "g", "--metric", "y"),
             [(_abtest_by_hand, "GROUP BY count/avg/var_samp + Welch")]),
            ("regression", ("regression", path, "--y", "y", "--x", "x1,x2"),
             [(_ols_by_hand, "normal-equation sums + solve"),
              (_ols_and_residuals_by_hand, "normal-equation sums + solve + residual pass "
               "(SSE, sum |e|)")]),
        ]
        for name, args, peers in cases:
            if name not in commands:
                continue
            sides = [lambda args=args: _mlstats(*args)]
            for by_hand, _peer in peers:
                sides.append(lambda f=by_hand, p=path: f(spark, p))
                # as a script runs it: its own session opened, the aggregation, closed
                sides.append(lambda f=by_hand, p=path: _in_own_session(remote, f, p))
            ours, *theirs = best_of_each(sides, repeat=repeat)
            for k, (_by_hand, peer) in enumerate(peers):
                yield Comparison(f"spark {name}, {label}", ours, theirs[2 * k], "pyspark",
                                 "<= 1.2x", note=peer)
                yield Comparison(f"spark {name}, {label}", ours, theirs[2 * k + 1],
                                 "pyspark script", "<= 1.2x", note=peer + ", own session")
    spark.stop()
