"""kmeans: the default elbow sweep against scikit-learn KMeans, and peak memory at 1e6 rows.

Speed: `mlstats kmeans data.csv` (k = 1..10, 10 starts each) end to end from the CSV
(interpreter start, imports, parsing, the silhouettes and Kneedle included), against
scikit-learn `KMeans(n_clusters=k, n_init=10)` for the same ks on the array already in
memory (only the fits are timed), both pinned to the same CPUs: once to one CPU, once to
all of them (scikit-learn's OpenMP threads and our start threads both follow the affinity).
Each side is the best of three runs, taken in turn.
Memory: the peak resident memory of the same sweep on 1,000,000 × 8 points, against the
size of the data as float64 (goal: under 4×); the peak of the shared reader alone on the
same file is in the note.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from benchmarks.harness import DATA, ROOT, Comparison, best_of, mlstats, peak_rss_mb

ROWS = 100_000
BIG = 1_000_000
COLUMNS = 8
KS = range(1, 11)


def make_data(rows: int) -> tuple[str, str]:
    """Blobs around 6 centres in 8 dimensions, overlapping (clusters are not obvious)."""
    import numpy as np

    csv = DATA / f"kmeans_{rows}x{COLUMNS}.csv"
    npy = DATA / f"kmeans_{rows}x{COLUMNS}.npy"
    if not csv.exists():
        rng = np.random.default_rng(11)
        centres = rng.uniform(-10, 10, size=(6, COLUMNS))
        x = centres[rng.integers(0, 6, rows)] + rng.normal(0, 2.5, size=(rows, COLUMNS))
        np.save(npy, x)
        header = ",".join(f"x{i}" for i in range(COLUMNS))
        np.savetxt(csv, x, delimiter=",", header=header, comments="", fmt="%.6f")
    return str(csv), str(npy)


def _pinned(args: list[str], cpus: list[int]) -> list[str]:
    return ["taskset", "-c", ",".join(map(str, cpus)), *args]


def _ours(path: str, cpus: list[int]) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = _pinned(mlstats("kmeans", path, "--seed", "1", "--json", "--quiet"), cpus)
    return best_of(lambda: subprocess.run(args, check=True, env=env,
                                          stdout=subprocess.DEVNULL), 1)


def _sklearn(npy: str, cpus: list[int]) -> float:
    code = f"""
import json, time
import numpy as np
from sklearn.cluster import KMeans
x = np.load({npy!r})
start = time.perf_counter()
for k in {list(KS)!r}:
    KMeans(n_clusters=k, n_init=10, random_state=0).fit(x)
print(json.dumps({{"seconds": time.perf_counter() - start}}))
"""
    out = subprocess.run(_pinned([sys.executable, "-c", code], cpus), check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["seconds"]


def _alternating(csv: str, npy: str, cpus: list[int], rounds: int = 3) -> tuple[float, float]:
    """Best of `rounds` for each side, the two taken in turn (a busy machine's load drifts)."""
    ours, peer = [], []
    for _ in range(rounds):
        ours.append(_ours(csv, cpus))
        peer.append(_sklearn(npy, cpus))
    return min(ours), min(peer)


def run() -> list[Comparison]:
    csv, npy = make_data(ROWS)
    cpus = sorted(os.sched_getaffinity(0))
    found = []
    for use in ([cpus[0]], cpus):
        ours, peer = _alternating(csv, npy, use)
        found.append(Comparison(
            f"kmeans sweep k=1..10 x10 starts, 1e5x8, {len(use)} CPU", ours, peer,
            "sklearn KMeans", "<= 1.0",
            note="mlstats end to end from CSV; sklearn fits only, array loaded"))
    big, _ = make_data(BIG)
    data_mb = BIG * COLUMNS * 8 / 2**20
    sweep = peak_rss_mb(mlstats("kmeans", big, "--seed", "1", "--json", "--quiet"))
    reader = peak_rss_mb([sys.executable, "-c", "from mlstats.io import ReadOptions, read_table; "
                          f"read_table(ReadOptions(source={big!r}))"])
    found.append(Comparison(
        "kmeans sweep 1e6x8 peak memory (MB) vs data", sweep, data_mb, "data as float64",
        "< 4.0", note=f"read_table alone on the same file: {reader:.0f} MB", unit=" MB"))
    return found
