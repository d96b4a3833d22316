"""Run the benchmarks: `python benchmarks/run.py [NAME …]` (default: all bench_*.py)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import DATA


def main(names: list[str]) -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    here = Path(__file__).resolve().parent
    modules = names or sorted(p.stem.removeprefix("bench_") for p in here.glob("bench_*.py"))
    for name in modules:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        for comparison in module.run():
            print(comparison.line(), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
