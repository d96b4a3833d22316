"""--engine duckdb on a 10,000,000-row CSV against DuckDB's own SQL on the same file, in the
same run; and peak memory on a file of about 2 GB.

Goals (issue 16): describe within 1.0× of DuckDB's SUMMARIZE, ab-test and OLS regression
within 1.5× of one query with the same sums; peak memory under 1 GB per command on a 2 GB
file (DuckDB's memory_limit set to 512 MB through MLSTATS_DUCKDB_MEMORY).
"""

from __future__ import annotations

import os

from benchmarks.harness import DATA, Comparison, command_time, mlstats, peak_rss_mb, python

# MLSTATS_BENCH_ROWS / MLSTATS_BENCH_BIG_ROWS: smaller files for a quick look
ROWS = int(os.environ.get("MLSTATS_BENCH_ROWS", 10_000_000))
LABEL = f"{ROWS / 1e6:g}M rows"
BIG_ROWS = int(os.environ.get("MLSTATS_BENCH_BIG_ROWS", 32_000_000))  # about 2 GB of CSV
REPEAT = int(os.environ.get("MLSTATS_BENCH_REPEAT", 3))  # the best of this many runs per side


def make_file(rows: int = ROWS) -> str:
    """group (A/B), x1, x2, y = 1 + 2·x1 − 0.5·x2 + noise, converted (0/1)."""
    path = DATA / f"engines_{rows}.csv"
    if path.exists():
        return str(path)
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(16)
    DATA.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    with pacsv.CSVWriter(tmp, pa.schema([("group", pa.string()), ("x1", pa.float64()),
                                         ("x2", pa.float64()), ("y", pa.float64()),
                                         ("converted", pa.int64())])) as writer:
        for start in range(0, rows, 1_000_000):
            n = min(1_000_000, rows - start)
            b = rng.random(n) < 0.5
            x1, x2 = rng.normal(size=n), rng.normal(3, 2, size=n)
            writer.write_table(pa.table({
                "group": np.where(b, "B", "A"), "x1": x1, "x2": x2,
                "y": 1 + 2 * x1 - 0.5 * x2 + rng.normal(size=n),
                "converted": (rng.random(n) < 0.10 + 0.01 * b).astype(np.int64)}))
    tmp.rename(path)
    return str(path)


def _duckdb(sql: str) -> list[str]:
    """The statement in a fresh process, without DuckDB's progress bar (as mlstats runs it)."""
    return python("import duckdb; c = duckdb.connect(); c.execute('SET enable_progress_bar = "
                  f"false'); c.execute({sql!r}).fetchall()")


def _source(path: str) -> str:
    return (f"read_csv('{path}', delim=',', quote='\"', escape='\"', header=true, "
            "columns={'group': 'VARCHAR', 'x1': 'DOUBLE', 'x2': 'DOUBLE', 'y': 'DOUBLE', "
            "'converted': 'DOUBLE'}, auto_detect=false, strict_mode=true)")


def run() -> list[Comparison]:
    path = make_file()
    found = []
    ours = command_time(mlstats("describe", path, "--engine", "duckdb", "--json"), repeat=REPEAT)
    peer = command_time(_duckdb(f"SUMMARIZE SELECT * FROM {_source(path)}"), repeat=REPEAT)
    found.append(Comparison(f"describe --engine duckdb, {LABEL}", ours, peer,
                            "DuckDB SUMMARIZE", "≤ 1.0"))
    ours = command_time(mlstats("ab-test", path, "--group", "group", "--metric", "y",
                                "--engine", "duckdb", "--json"), repeat=REPEAT)
    peer = command_time(_duckdb(f"SELECT \"group\", count(y), avg(y), var_samp(y) FROM "
                                f"{_source(path)} GROUP BY 1"), repeat=REPEAT)
    found.append(Comparison(f"ab-test welch --engine duckdb, {LABEL}", ours, peer,
                            "DuckDB GROUP BY", "≤ 1.5"))
    ours = command_time(mlstats("ab-test", path, "--group", "group", "--metric", "converted",
                                "--engine", "duckdb", "--json"), repeat=REPEAT)
    peer = command_time(_duckdb(f"SELECT \"group\", count(*), sum(converted) FROM "
                                f"{_source(path)} GROUP BY 1"), repeat=REPEAT)
    found.append(Comparison(f"ab-test z --engine duckdb, {LABEL}", ours, peer,
                            "DuckDB GROUP BY", "≤ 1.5"))
    # OLS on DuckDB from aggregates (a temporary table of the used columns, Gram sums, one
    # residual pass for every statistic and diagnostic), against the sums of the normal
    # equations in one query.
    ours = command_time(mlstats("regression", path, "--y", "y", "--x", "x1,x2", "--engine",
                                "duckdb", "--json"), repeat=REPEAT)
    peer = command_time(_duckdb("SELECT count(*), sum(x1), sum(x2), sum(y), sum(x1*x1), "
                                "sum(x1*x2), sum(x2*x2), sum(x1*y), sum(x2*y), sum(y*y) FROM "
                                f"{_source(path)}"), repeat=REPEAT)
    found.append(Comparison(f"regression OLS --engine duckdb, {LABEL}", ours, peer,
                            "DuckDB sums", "≤ 1.5", note="the coefficients only"))
    # The same run against one DuckDB statement that computes what the command reports.
    full = command_time(_duckdb(_ols_statement(_source(path))), repeat=REPEAT)
    found.append(Comparison(f"regression OLS --engine duckdb, {LABEL}", ours, full,
                            "DuckDB OLS", "≤ 1.5", note="one statement, same statistics"))
    # logistic by IRLS, one aggregate pass per Newton iteration (no goal in the issue)
    ours = command_time(mlstats("regression", path, "--y", "converted", "--x", "x1,x2",
                                "--logistic", "--engine", "duckdb", "--json"), repeat=REPEAT)
    found.append(Comparison(f"regression logistic --engine duckdb, {LABEL}", ours, peer,
                            "DuckDB sums", "none"))
    return found + run_memory()


def _ols_statement(source: str) -> str:
    """y ~ x1 + x2 by least squares in one DuckDB statement, as a careful SQL user writes it:
    the used columns materialised once, the means, the centred sums of products, the
    coefficients in closed form, and one pass over the residuals for what the command reports
    beside them: Σe² (σ̂, R², F, the standard errors), Σ|e|, the residual quartiles and
    extremes, Σe³ and Σe⁴ (Jarque–Bera), Σ(e − e₋₁)² (Durbin–Watson), Σxⱼe²
    (Breusch–Pagan) and the ten largest Cook's distances."""
    return f"""WITH d AS MATERIALIZED (SELECT x1, x2, y FROM {source}),
m AS (SELECT count(*) AS n, avg(x1) AS a1, avg(x2) AS a2, avg(y) AS ay FROM d),
s AS (SELECT sum((x1 - a1) * (x1 - a1)) AS s11, sum((x1 - a1) * (x2 - a2)) AS s12,
             sum((x2 - a2) * (x2 - a2)) AS s22, sum((x1 - a1) * (y - ay)) AS s1y,
             sum((x2 - a2) * (y - ay)) AS s2y, sum((y - ay) * (y - ay)) AS syy FROM d, m),
b AS (SELECT (s22 * s1y - s12 * s2y) / (s11 * s22 - s12 * s12) AS b1,
             (s11 * s2y - s12 * s1y) / (s11 * s22 - s12 * s12) AS b2,
             s22 / (s11 * s22 - s12 * s12) AS i11, -s12 / (s11 * s22 - s12 * s12) AS i12,
             s11 / (s11 * s22 - s12 * s12) AS i22, syy FROM s),
e AS (SELECT y - ay - b1 * (x1 - a1) - b2 * (x2 - a2) AS e, x1 - a1 AS c1, x2 - a2 AS c2,
             1.0 / n + i11 * (x1 - a1) * (x1 - a1) + 2 * i12 * (x1 - a1) * (x2 - a2)
             + i22 * (x2 - a2) * (x2 - a2) AS h FROM d, m, b),
r AS (SELECT sum(e * e) AS sse, sum(abs(e)) AS sae, sum(e * e * e) AS s3,
             sum(e * e * e * e) AS s4, quantile_cont(e, [0.25, 0.5, 0.75]) AS q,
             min(e) AS lo, max(e) AS hi, sum(step * step) AS dw, sum(c1 * e * e) AS bp1,
             sum(c2 * e * e) AS bp2, max_by(e, e * e * h / ((1 - h) * (1 - h)), 10) AS cook
      FROM (SELECT *, e - lag(e) OVER () AS step FROM e))
SELECT * FROM m, b, r"""


def run_memory() -> list[Comparison]:
    """Peak resident memory on about 2 GB of CSV, against DuckDB's own query (in MB)."""
    path = make_file(BIG_ROWS)
    os.environ["MLSTATS_DUCKDB_MEMORY"] = "512MB"
    found = []
    for args, sql in (
            (["describe", path], f"SUMMARIZE SELECT * FROM {_source(path)}"),
            (["ab-test", path, "--group", "group", "--metric", "y"],
             f"SELECT \"group\", avg(y), var_samp(y) FROM {_source(path)} GROUP BY 1"),
            (["regression", path, "--y", "y", "--x", "x1,x2"],
             f"SELECT sum(x1 * x2), sum(x1 * y), sum(x2 * y) FROM {_source(path)}"),
            (["regression", path, "--y", "converted", "--x", "x1,x2", "--logistic"],
             f"SELECT sum(x1 * x2), sum(x1 * y), sum(x2 * y) FROM {_source(path)}")):
        ours = peak_rss_mb(mlstats(*args, "--engine", "duckdb", "--json"))
        peer = peak_rss_mb(python("import duckdb; c = duckdb.connect(config={'memory_limit': "
                                  f"'512MB'}}); c.execute({sql!r}).fetchall()"))
        name = args[0] + (" --logistic" if "--logistic" in args else "")
        found.append(Comparison(f"peak memory, {name} --engine duckdb, 2 GB CSV", ours,
                                peer, "DuckDB", "< 1024 MB", unit="MB"))
    return found
