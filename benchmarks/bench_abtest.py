"""ab-test: a 10-million-row Welch test end to end, a 10,000-resample permutation test, and
a ratio metric over 1 million event rows summed per user.

Goals (issue 5): the Welch run within 1.5× of pandas.read_csv + scipy.stats.ttest_ind, and
the permutation test at least as fast as scipy.stats.permutation_test(vectorized=True), both
timed as whole processes in the same run.
"""

from __future__ import annotations

from benchmarks.harness import DATA, Comparison, command_time, mlstats, python


def _write(path, rows: int, seed: int) -> None:
    """group,value rows (two groups, A first), written once with pyarrow."""
    if path.exists():
        return
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    group = np.where(rng.random(rows) < 0.5, "A", "B")
    group[0] = "A"
    value = np.round(rng.normal(10.0, 2.0, rows) + (group == "B") * 0.01, 6)
    table = pa.table({"group": group, "value": value})
    tmp = path.with_suffix(".tmp")
    pacsv.write_csv(table, tmp, pacsv.WriteOptions(quoting_style="none"))
    tmp.replace(path)


def _write_events(path, rows: int, seed: int) -> None:
    """user,variant,pageviews,revenue event rows: 200,000 users, randomised per user."""
    if path.exists():
        return
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    user = rng.integers(0, 200_000, rows)
    variant = np.where(user % 2 == 0, "control", "treatment")
    pageviews = 1 + rng.poisson(3, rows)
    revenue = np.round(np.where(rng.random(rows) < 0.08, rng.lognormal(3, 0.6, rows), 0), 2)
    table = pa.table({"user": user, "variant": variant, "pageviews": pageviews,
                      "revenue": revenue})
    tmp = path.with_suffix(".tmp")
    pacsv.write_csv(table, tmp, pacsv.WriteOptions(quoting_style="none"))
    tmp.replace(path)


def run_ratio() -> Comparison:
    events = DATA / "abtest_events_1m.csv"
    _write_events(events, 1_000_000, 3)
    ours = command_time(mlstats("ab-test", str(events), "--group", "variant", "--metric",
                                "revenue", "--denominator", "pageviews", "--unit", "user",
                                "--json"), repeat=3)
    peer = command_time(python(
        "import pandas as pd, tea_tasting as tt\n"
        f"d = pd.read_csv({str(events)!r})\n"
        "u = d.groupby('user').agg(variant=('variant', 'first'), revenue=('revenue', 'sum'),"
        " pageviews=('pageviews', 'sum'))\n"
        "print(tt.RatioOfMeans(numer='revenue', denom='pageviews').analyze(u, control="
        "'control', treatment='treatment', variant='variant'))"), repeat=3)
    return Comparison("ab-test ratio metric, 1M events per user", ours, peer,
                      "pandas groupby+tea-tasting", "ratio <= 1.5")


def run() -> list[Comparison]:
    big = DATA / "abtest_10m.csv"
    small = DATA / "abtest_100k.csv"
    _write(big, 10_000_000, 1)
    _write(small, 100_000, 2)
    results = []

    ours = command_time(mlstats("ab-test", str(big), "--group", "group", "--metric", "value",
                                "--json"), repeat=3)
    peer = command_time(python(
        "import pandas as pd, scipy.stats as s\n"
        f"d = pd.read_csv({str(big)!r})\n"
        "print(s.ttest_ind(d.value[d.group == 'B'], d.value[d.group == 'A'], "
        "equal_var=False))"), repeat=3)
    results.append(Comparison("ab-test welch, 10M rows, end to end", ours, peer,
                              "pandas.read_csv+ttest_ind", "ratio <= 1.5"))

    ours = command_time(mlstats("ab-test", str(small), "--group", "group", "--metric", "value",
                                "--test", "permutation", "--resamples", "10000", "--seed", "1",
                                "--json"), repeat=3)
    peer = command_time(python(
        "import numpy as np, pandas as pd, scipy.stats as s\n"
        f"d = pd.read_csv({str(small)!r})\n"
        "a = d.value[d.group == 'B'].to_numpy(); b = d.value[d.group == 'A'].to_numpy()\n"
        "r = s.permutation_test((a, b), lambda x, y, axis: x.mean(axis) - y.mean(axis), "
        "vectorized=True, n_resamples=10000, batch=500, rng=1)\n"
        "print(r.pvalue)"), repeat=1)
    # batch=500 bounds SciPy's memory (400 MB; its default holds all 10,000 resamples at
    # once, 8 GB) without changing its algorithm.
    results.append(Comparison("ab-test permutation, 100k rows, 10k resamples", ours, peer,
                              "scipy permutation_test", "ratio <= 1"))
    results.append(run_ratio())
    return results
