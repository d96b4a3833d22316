"""describe on 1,000,000 rows × 10 numeric columns against pandas read_csv + describe()."""

from __future__ import annotations

from benchmarks.harness import DATA, Comparison, command_time, mlstats, peak_rss_mb, python

ROWS = 1_000_000


def make_file() -> str:
    import numpy as np

    path = DATA / f"describe_{ROWS}x10.csv"
    if not path.exists():
        rng = np.random.default_rng(3)
        values = rng.normal(50, 10, size=(ROWS, 10))
        header = ",".join(f"c{i}" for i in range(10))
        np.savetxt(path, values, delimiter=",", header=header, comments="", fmt="%.10g")
    return str(path)


def make_wide(columns: int, rows: int = 100) -> str:
    import numpy as np

    path = DATA / f"describe_wide_{rows}x{columns}.csv"
    if not path.exists():
        values = np.random.default_rng(4).normal(size=(rows, columns))
        header = ",".join(f"c{i}" for i in range(columns))
        np.savetxt(path, values, delimiter=",", header=header, comments="", fmt="%.6g")
    return str(path)


def run_wide() -> list[Comparison]:
    """Issue 18: every per-column step linear in the number of columns (goal: 10,000 × 100
    as JSON under 2 s), against pandas' read_csv + describe() on the same file."""
    found = []
    for columns in (10_000, 40_000):
        path = make_wide(columns)
        ours = command_time(mlstats("describe", path, "--json"), repeat=2)
        peer = command_time(python(f"import pandas as pd; pd.read_csv({path!r}).describe()"),
                            repeat=2)
        found.append(Comparison(f"describe {columns:,} columns x 100 rows, JSON", ours, peer,
                                "pandas", "< 2 s at 10,000 columns; linear"))
    return found


def run() -> list[Comparison]:
    return run_tall() + run_wide()


# The parse-plus-reduce floor (issue 19): the same pyarrow parse mlstats uses, and the
# NumPy reductions of describe, with nothing else: no CLI, no checks, no provenance.
FLOOR = """
import sys
import numpy as np, pyarrow.csv as pc
t = pc.read_csv(sys.argv[1], read_options=pc.ReadOptions(block_size=1 << 24))
for c in t.columns:
    x = c.to_numpy()
    x = x[~np.isnan(x)]
    m = x.mean(); d = x - m; d2 = d * d
    d2.sum(); (d2 * d).sum(); (d2 * d2).sum()
    np.quantile(x, [0.25, 0.5, 0.75]); x.min(); x.max()
"""


def alternated(commands: dict[str, list[str]], repeat: int = 5) -> dict[str, float]:
    """Best wall time of each whole process, the commands run in turn `repeat` times."""
    import gc
    import os
    import subprocess
    import time

    from benchmarks.harness import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    best = dict.fromkeys(commands, float("inf"))
    for _ in range(repeat):
        for name, args in commands.items():
            gc.collect()
            start = time.perf_counter()
            subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def run_tall() -> list[Comparison]:
    """Issue 19: ≤ 1.0× the fastest of pandas and polars, ≤ 1.1× the parse-plus-reduce floor."""
    import importlib.util

    path = make_file()
    commands = {
        "mlstats": mlstats("describe", path, "--json"),
        "pandas C": python(f"import pandas as pd; pd.read_csv({path!r}).describe()"),
        "pandas pyarrow": python(
            f"import pandas as pd; pd.read_csv({path!r}, engine='pyarrow').describe()"),
        "floor": [*python(FLOOR), path],
    }
    if importlib.util.find_spec("polars") is not None:
        commands["polars"] = python(f"import polars as pl; pl.read_csv({path!r}).describe()")
    times = alternated(commands)
    peers = {k: v for k, v in times.items() if k not in ("mlstats", "floor")}
    name = min(peers, key=peers.get)
    note = ", ".join(f"{k} {v:.3f}s" for k, v in times.items())
    mem_ours = peak_rss_mb(commands["mlstats"])
    mem_c = peak_rss_mb(commands["pandas C"])
    return [
        Comparison("describe 1M x 10 (end to end, vs fastest peer)", times["mlstats"],
                   peers[name], name, "<= 1.0", note=note),
        Comparison("describe 1M x 10 vs parse + reduce floor", times["mlstats"],
                   times["floor"], "pyarrow + NumPy", "<= 1.1"),
        Comparison("describe 1M x 10 peak memory (MB)", mem_ours, mem_c, "pandas C", "<= 1.0",
                   unit=" MB"),
    ]


