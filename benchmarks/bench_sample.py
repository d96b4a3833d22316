"""sample --n 1000 from a 1 GB CSV: one pass in bounded memory, against GNU `shuf -n`
(a C reservoir sampler over lines) and pandas read_csv + DataFrame.sample."""

from __future__ import annotations

import shutil

from benchmarks.harness import DATA, Comparison, command_time, mlstats, peak_rss_mb, python

TARGET_BYTES = 1 << 30
COLUMNS = 8


def make_file() -> str:
    """About 1 GiB of CSV: 8 numeric columns and a quoted text column, 13 million rows."""
    import numpy as np

    path = DATA / "sample_1GiB.csv"
    if path.exists():
        return str(path)
    rng = np.random.default_rng(11)
    header = ",".join(f"c{i}" for i in range(COLUMNS)) + ",label\n"
    written = 0
    with path.open("w", encoding="utf-8") as f:
        f.write(header)
        start = 0
        while written < TARGET_BYTES:
            rows = 500_000
            values = np.round(rng.normal(100, 30, size=(rows, COLUMNS)), 4)
            ids = np.arange(start, start + rows)
            lines = [",".join(map(str, row)) + f',"id {i}"\n'
                     for row, i in zip(values.tolist(), ids.tolist(), strict=True)]
            text = "".join(lines)
            f.write(text)
            written += len(text)
            start += rows
    return str(path)


def run() -> list[Comparison]:
    path = make_file()
    size_mb = DATA.joinpath("sample_1GiB.csv").stat().st_size / 1e6
    ours = mlstats("sample", path, "--n", "1000", "--seed", "1", "--quiet")
    t_ours = command_time(ours, repeat=2)
    found = [Comparison("sample --n 1000, 1 GB CSV peak memory (MB) vs file size", peak_rss_mb(
        ours), size_mb, "file size", "bounded (<< 1.0)", unit=" MB")]
    if shutil.which("shuf"):
        t_shuf = command_time(["shuf", "-n", "1000", path], repeat=2)
        found.insert(0, Comparison("sample --n 1000, 1 GB CSV (end to end)", t_ours, t_shuf,
                                   "GNU shuf -n", "<= 3.0 (checks every record)"))
    pandas = python(f"import pandas as pd; pd.read_csv({path!r}).sample(1000, random_state=1)")
    found.append(Comparison("sample --n 1000, 1 GB CSV vs pandas (end to end)", t_ours,
                            command_time(pandas, repeat=1), "pandas read_csv+sample", "<= 1.0"))
    # --where: each block's condition column parsed and compared, still one pass.
    where = mlstats("sample", path, "--n", "1000", "--where", "c0 > 100", "--seed", "1",
                    "--quiet")
    t_where = command_time(where, repeat=2)
    found.append(Comparison("sample --n 1000 --where, 1 GB CSV vs without --where", t_where,
                            t_ours, "sample without --where", "<= 1.5"))
    query = python(f"import pandas as pd; d = pd.read_csv({path!r}); "
                   "d[d.c0 > 100].sample(1000, random_state=1)")
    found.append(Comparison("sample --n 1000 --where, 1 GB CSV vs pandas (end to end)", t_where,
                            command_time(query, repeat=1), "pandas read_csv+filter+sample",
                            "<= 1.0"))
    found.append(Comparison("sample --n 1000 --where, 1 GB CSV peak memory (MB) vs file size",
                            peak_rss_mb(where), size_mb, "file size", "bounded (<< 1.0)",
                            unit=" MB"))
    return found
