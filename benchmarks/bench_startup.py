"""Start-up: `mlstats --help` against importing its own front end.

Two peers: `import typer, rich` (the issue's baseline), and the modules Typer itself loads to
print rich help (typer.rich_utils, and pydantic, through which Typer 0.29 coerces every
parameter) — the floor for any Typer application.
"""

from __future__ import annotations

from benchmarks.harness import Comparison, command_time, mlstats, python

FLOOR = "import typer, rich, pydantic, typer.rich_utils, typer._adapters"


def run() -> list[Comparison]:
    bare = command_time(python("import typer, rich"), repeat=7)
    floor = command_time(python(FLOOR), repeat=7)
    top = command_time(mlstats("--help"), repeat=7)
    describe = command_time(mlstats("describe", "--help"), repeat=7)
    return [
        Comparison("mlstats --help", top, bare, "import typer, rich", "report"),
        Comparison("mlstats --help", top, floor, "Typer help machinery", "close to 1"),
        Comparison("mlstats describe --help", describe, floor, "Typer help machinery",
                   "close to 1"),
    ]
