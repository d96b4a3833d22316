"""clean on a 1,000,000-row dirty CSV (10 columns, 1 % of each dirt) against pandas.

The peer does the same default work by hand: `read_csv` + `drop_duplicates()` + `str.strip`
on the text columns + `to_csv`. `python benchmarks/bench_clean.py --big` also cleans a
generated 2 GB file and reports the peak memory (the issue's limit: 1.5 GB).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import DATA, Comparison, command_time, mlstats, peak_rss_mb, python

ROWS = 1_000_000
CHUNK = 250_000
DIRT = 0.01
CITIES = ("Paris", "London", "Berlin", "Madrid", "Rome", "Vienna", "Lisbon", "Oslo")
WORDS = ("ok", "late", "fine", "check", "refund", "gift", "repeat", "new")
HEADER = ("id", "city", "amount", "qty", "score", "day", "active", "note", "code", "ratio")


def dirty_chunk(rng, start: int, rows: int) -> bytes:
    """`rows` dirty CSV rows: 1 % each of padded, missing, number-as-text, case-variant and
    formula-like cells, duplicate rows and empty rows."""
    import numpy as np
    import pyarrow as pa

    from mlstats.io.stream import encode_rows

    cols = [
        np.arange(start, start + rows).astype(str),
        np.array(CITIES)[rng.integers(0, len(CITIES), rows)],
        np.char.mod("%.2f", rng.normal(100, 30, rows)),
        rng.integers(1, 20, rows).astype(str),
        np.char.mod("%.4f", rng.normal(0, 1, rows)),
        np.char.add("2024-01-", np.char.zfill(rng.integers(1, 29, rows).astype(str), 2)),
        np.array(["true", "false"])[rng.integers(0, 2, rows)],
        np.array(WORDS)[rng.integers(0, len(WORDS), rows)],
        np.char.add("A", rng.integers(0, 10**6, rows).astype(str)),
        np.char.mod("%.6f", rng.random(rows)),
    ]
    cols = [c.astype(object) for c in cols]

    def pick() -> np.ndarray:
        return rng.random(rows) < DIRT

    hit = pick()
    cols[1][hit] = np.where(rng.random(hit.sum()) < 0.5, np.char.upper(cols[1][hit].astype(str)),
                            np.char.lower(cols[1][hit].astype(str)))
    hit = pick()
    cols[2][hit] = np.char.add("$", np.char.mod("%.2f", rng.normal(100, 30, hit.sum())))
    cols[7][pick()] = '=HYPERLINK("x")'
    for c in cols:
        hit = pick()
        c[hit] = np.char.add(np.char.add(" ", c[hit].astype(str)), " ")
        c[pick()] = ""
    dup = np.flatnonzero(pick())
    dup = dup[dup > 0]
    source = (rng.random(dup.size) * dup).astype(np.int64)  # an earlier row
    empty = pick()
    for c in cols:
        c[dup] = c[source]
        c[empty] = ""
    arrays = [pa.array(c.tolist(), pa.string()) for c in cols]
    return encode_rows(arrays, ",", "\n")


def make_file(rows: int = ROWS, name: str | None = None) -> str:
    import numpy as np

    path = DATA / (name or f"clean_{rows}x10.csv")
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(12)
        part = path.with_suffix(".part")
        with part.open("wb") as f:
            f.write((",".join(HEADER) + "\n").encode())
            for start in range(0, rows, CHUNK):
                f.write(dirty_chunk(rng, start, min(CHUNK, rows - start)))
        part.rename(path)
    return str(path)


def make_big(size: int = 2 * 10**9) -> str:
    """A generated dirty file of about `size` bytes: the 1M-row file again and again, each
    copy's ids prefixed with its number (so copies are new rows; the dirt stays as it was)."""
    path = DATA / "clean_2GB.csv"
    if not path.exists():
        import pyarrow as pa
        import pyarrow.compute as pc

        from mlstats.io.reader import ReadOptions
        from mlstats.io.stream import encode_rows, open_stream

        source = open_stream(ReadOptions(source=make_file()))
        part = path.with_suffix(".part")
        with part.open("wb") as f:
            written = f.write((",".join(HEADER) + "\n").encode())
            copy = 0
            while written < size:
                for batch in source.batches():
                    ids = batch.columns[0]
                    prefixed = pc.binary_join_element_wise(f"{copy}-", ids, "")
                    ids = pc.if_else(pc.equal(ids, ""), pa.scalar(""), prefixed)
                    written += f.write(encode_rows([ids, *batch.columns[1:]], ",", "\n"))
                copy += 1
        part.rename(path)
    return str(path)


PEER = """
import pandas as pd
df = pd.read_csv({path!r})
df = df.drop_duplicates()
for name in df.columns:
    if df[name].dtype == object:
        df[name] = df[name].str.strip()
df.to_csv({out!r}, index=False)
"""


def run() -> list[Comparison]:
    path = make_file()
    out = str(DATA / "clean_out.csv")
    ours = mlstats("clean", path, "-o", out, "--quiet")
    peer = python(PEER.format(path=path, out=out))
    t_ours, t_peer = command_time(ours), command_time(peer)
    mem_ours, mem_peer = peak_rss_mb(ours), peak_rss_mb(peer)
    return [
        Comparison("clean 1M x 10 dirty (end to end)", t_ours, t_peer, "pandas", "<= 1.0"),
        Comparison("clean 1M x 10 peak memory (MB)", mem_ours, mem_peer, "pandas", "< 1.0",
                   unit=" MB"),
    ]


def big() -> None:
    """Clean the 2 GB file and print the peak memory (limit: 1.5 GB)."""
    import time

    path = make_big()
    out = str(DATA / "clean_2GB_out.csv")
    start = time.perf_counter()
    mem = peak_rss_mb(mlstats("clean", path, "-o", out, "--quiet"))
    print(f"clean 2 GB: {Path(path).stat().st_size / 1e9:.2f} GB in "
          f"{time.perf_counter() - start:.1f} s, peak memory {mem:.0f} MB (limit 1536 MB)")


if __name__ == "__main__":
    if "--big" in sys.argv:
        big()
    else:
        for comparison in run():
            print(comparison.line(), flush=True)
