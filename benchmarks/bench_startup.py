"""Start-up: whole processes, each timed alternately with its peer (issue 19's goals).

- `mlstats describe sample_data/cars.csv --json` against a pandas one-liner that reads and
  describes the same file: goal ≤ 1.2;
- `mlstats --help` against `python -c "import typer, rich"`: goal ≤ 2;
- `mlstats sample-size` against `python -c "import scipy.stats"`: goal ≤ 0.5.

Alternating (ours, peer, ours, peer, …) spreads the load of a shared machine over both
sides; the best of each side is kept.
"""

from __future__ import annotations

import gc
import os
import subprocess
import time

from benchmarks.harness import ROOT, Comparison, mlstats, python

CARS = str(ROOT / "sample_data" / "cars.csv")
PANDAS = f"import pandas as pd; print(pd.read_csv({CARS!r}).describe())"
REPEAT = 15


def alternated(ours: list[str], peer: list[str], repeat: int = REPEAT) -> tuple[float, float]:
    """Best wall time of each command, run alternately `repeat` times each."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    best = [float("inf"), float("inf")]
    for _ in range(repeat):
        for side, args in enumerate((ours, peer)):
            gc.collect()
            start = time.perf_counter()
            subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)
            best[side] = min(best[side], time.perf_counter() - start)
    return best[0], best[1]


def run() -> list[Comparison]:
    describe, pandas = alternated(mlstats("describe", CARS, "--json"), python(PANDAS))
    top, bare = alternated(mlstats("--help"), python("import typer, rich"))
    planning, scipy = alternated(mlstats("sample-size", "--std", "0.5", "--margin", "0.05"),
                                 python("import scipy.stats"))
    return [
        Comparison("describe cars.csv --json", describe, pandas, "pandas read+describe",
                   "<= 1.2"),
        Comparison("mlstats --help", top, bare, "import typer, rich", "<= 2"),
        Comparison("sample-size --std --margin", planning, scipy, "import scipy.stats",
                   "<= 0.5"),
    ]
