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
    return python(f"import duckdb; duckdb.connect().execute({sql!r}).fetchall()")


def _source(path: str) -> str:
    return (f"read_csv('{path}', delim=',', quote='\"', escape='\"', header=true, "
            "columns={'group': 'VARCHAR', 'x1': 'DOUBLE', 'x2': 'DOUBLE', 'y': 'DOUBLE', "
            "'converted': 'DOUBLE'}, auto_detect=false, strict_mode=true)")


def run() -> list[Comparison]:
    path = make_file()
    found = []
    ours = command_time(mlstats("describe", path, "--engine", "duckdb", "--json"), repeat=1)
    peer = command_time(_duckdb(f"SUMMARIZE SELECT * FROM {_source(path)}"), repeat=1)
    found.append(Comparison(f"describe --engine duckdb, {LABEL}", ours, peer,
                            "DuckDB SUMMARIZE", "≤ 1.0"))
    ours = command_time(mlstats("ab-test", path, "--group", "group", "--metric", "y",
                                "--engine", "duckdb", "--json"), repeat=1)
    peer = command_time(_duckdb(f"SELECT \"group\", count(y), avg(y), var_samp(y) FROM "
                                f"{_source(path)} GROUP BY 1"), repeat=1)
    found.append(Comparison(f"ab-test welch --engine duckdb, {LABEL}", ours, peer,
                            "DuckDB GROUP BY", "≤ 1.5"))
    ours = command_time(mlstats("ab-test", path, "--group", "group", "--metric", "converted",
                                "--engine", "duckdb", "--json"), repeat=1)
    peer = command_time(_duckdb(f"SELECT \"group\", count(*), sum(converted) FROM "
                                f"{_source(path)} GROUP BY 1"), repeat=1)
    found.append(Comparison(f"ab-test z --engine duckdb, {LABEL}", ours, peer,
                            "DuckDB GROUP BY", "≤ 1.5"))
    # OLS on DuckDB from aggregates (a temporary table of the used columns, Gram sums, one
    # residual pass for every statistic and diagnostic), against the sums of the normal
    # equations in one query.
    ours = command_time(mlstats("regression", path, "--y", "y", "--x", "x1,x2", "--engine",
                                "duckdb", "--json"), repeat=1)
    peer = command_time(_duckdb("SELECT count(*), sum(x1), sum(x2), sum(y), sum(x1*x1), "
                                "sum(x1*x2), sum(x2*x2), sum(x1*y), sum(x2*y), sum(y*y) FROM "
                                f"{_source(path)}"), repeat=1)
    found.append(Comparison(f"regression OLS --engine duckdb, {LABEL}", ours, peer,
                            "DuckDB sums", "≤ 1.5"))
    # logistic by IRLS, one aggregate pass per Newton iteration (no goal in the issue)
    ours = command_time(mlstats("regression", path, "--y", "converted", "--x", "x1,x2",
                                "--logistic", "--engine", "duckdb", "--json"), repeat=1)
    found.append(Comparison(f"regression logistic --engine duckdb, {LABEL}", ours, peer,
                            "DuckDB sums", "none"))
    return found + run_memory()


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
