"""The benchmark harness: time mlstats and its peer in the same run and report the ratio.

Absolute times on shared machines are noise; the ratio of two timings taken back to back
is the number to read. Each benchmark module defines `run() -> list[Comparison]`.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"


@dataclass(frozen=True)
class Comparison:
    name: str
    ours: float
    peer: float
    peer_name: str
    goal: str
    note: str = ""
    unit: str = "s"

    @property
    def ratio(self) -> float:
        """ours / peer: below 1 means mlstats is faster."""
        return self.ours / self.peer

    def line(self) -> str:
        extra = f"  {self.note}" if self.note else ""
        u = self.unit
        return (f"{self.name:<44} mlstats {self.ours:8.3f}{u}  "
                f"{self.peer_name} {self.peer:8.3f}{u}  "
                f"ratio {self.ratio:6.3f}  (goal: {self.goal}){extra}")


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of `repeat` wall-clock timings of `fn()`."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def best_of_each(fns: list[Callable[[], object]], repeat: int = 3) -> list[float]:
    """The fastest of `repeat` timings of each of `fns`, taken in turns (one of each per
    round), so that a machine whose speed drifts during the run weighs on every side alike."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            gc.collect()
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def command_time(args: list[str], repeat: int = 3) -> float:
    """Best wall time of a whole process (interpreter start-up included)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return best_of(lambda: subprocess.run(args, check=True, env=env,
                                          stdout=subprocess.DEVNULL), repeat)


def mlstats(*args: str) -> list[str]:
    compile_once()
    return [sys.executable, "-m", "mlstats", *args]


_COMPILED: list[bool] = []


def compile_once() -> None:
    """Write mlstats' bytecode before timing it, as `pip install` does for an installed package
    (and has done for the peers): a run with PYTHONDONTWRITEBYTECODE set, as on these machines,
    would otherwise compile every module it imports, every time."""
    if not _COMPILED:
        import compileall

        compileall.compile_dir(str(ROOT / "mlstats"), quiet=1)
        _COMPILED.append(True)


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def peak_rss_mb(args: list[str]) -> float:
    """Peak resident memory of a child process, in MB (Linux ru_maxrss is in KiB)."""
    import resource

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if after <= before:
        # ru_maxrss of children is a maximum over all of them: measure in a fresh shell.
        out = subprocess.run(["/usr/bin/env", "bash", "-c",
                              'command time -f %M "$@" >/dev/null', "_", *args],
                             check=True, env=env, capture_output=True, text=True)
        return int(out.stderr.strip().splitlines()[-1]) / 1024
    return after / 1024
