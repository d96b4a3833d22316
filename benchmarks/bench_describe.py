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


def run_tall() -> list[Comparison]:
    path = make_file()
    ours = mlstats("describe", path, "--json")
    c_engine = python(f"import pandas as pd; pd.read_csv({path!r}).describe()")
    arrow_engine = python(
        f"import pandas as pd; pd.read_csv({path!r}, engine='pyarrow').describe()")
    t_ours = command_time(ours)
    t_c = command_time(c_engine)
    t_arrow = command_time(arrow_engine)
    peer, name = min((t_c, "pandas C"), (t_arrow, "pandas pyarrow"))
    mem_ours, mem_c = peak_rss_mb(ours), peak_rss_mb(c_engine)
    return [
        Comparison("describe 1M x 10 (end to end, vs faster pandas)", t_ours, peer, name,
                   "<= 1.3", note=f"C engine {t_c:.3f}s, pyarrow engine {t_arrow:.3f}s"),
        Comparison("describe 1M x 10 peak memory (MB)", mem_ours, mem_c, "pandas C", "<= 1.0",
                   unit=" MB"),
    ]
