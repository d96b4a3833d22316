"""correlate: a Pearson matrix of 20 columns × 1,000,000 rows end to end against pandas
read_csv + DataFrame.corr(), and Kendall's tau-b on 1,000,000 pairs against SciPy."""

from __future__ import annotations

from benchmarks.harness import DATA, Comparison, best_of, mlstats, python

ROWS = 1_000_000
COLUMNS = 20


def make_file() -> str:
    import numpy as np

    path = DATA / f"correlate_{ROWS}x{COLUMNS}.csv"
    if not path.exists():
        rng = np.random.default_rng(5)
        base = rng.normal(size=(ROWS, 1))
        values = base + rng.normal(size=(ROWS, COLUMNS))
        header = ",".join(f"c{i}" for i in range(COLUMNS))
        np.savetxt(path, values, delimiter=",", header=header, comments="", fmt="%.10g")
    return str(path)


def run() -> list[Comparison]:
    import numpy as np
    from scipy import stats

    from benchmarks.bench_describe import alternated
    from mlstats.stats.correlation import kendall_tau

    path = make_file()
    # Whole processes run in turn (a busy machine's load drifts), the best of each kept.
    times = alternated({
        "mlstats": mlstats("correlate", path, "--json"),
        "pandas C": python(f"import pandas as pd; pd.read_csv({path!r}).corr()"),
        "pandas pyarrow": python(
            f"import pandas as pd; pd.read_csv({path!r}, engine='pyarrow').corr()"),
    }, repeat=3)
    t_ours, c_engine, arrow_engine = times["mlstats"], times["pandas C"], times["pandas pyarrow"]
    peer, name = min((c_engine, "pandas C"), (arrow_engine, "pandas pyarrow"))

    rng = np.random.default_rng(6)
    x = rng.normal(size=ROWS)
    y = x + rng.normal(size=ROWS)
    x_tied, y_tied = np.round(x, 1), np.round(y, 1)
    return [
        Comparison(f"correlate pearson {ROWS // 1000}k x {COLUMNS} (end to end)", t_ours,
                   peer, name, "<= 1.0",
                   note=f"C engine {c_engine:.3f}s, pyarrow engine {arrow_engine:.3f}s"),
        Comparison("kendall tau-b, 1M distinct pairs", best_of(lambda: kendall_tau(x, y)),
                   best_of(lambda: stats.kendalltau(x, y)), "scipy kendalltau", "<= 1.0"),
        Comparison("kendall tau-b, 1M pairs with ties", best_of(
            lambda: kendall_tau(x_tied, y_tied)), best_of(
            lambda: stats.kendalltau(x_tied, y_tied)), "scipy kendalltau", "<= 1.0"),
    ]
