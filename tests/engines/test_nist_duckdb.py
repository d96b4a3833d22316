"""NIST StRD linear regressions through DuckDB: the same LRE goals as the local engine
(tests/stats/test_nist.py). The fit is from aggregates (Cholesky QR of Gram matrices summed
by DuckDB, refined by the corrected semi-normal equations), not from the rows: these are the
datasets that show whether that loses digits."""

import json

import pytest

from tests.conftest import NIST, invoke
from tests.stats.test_nist import CERTIFIED, GOALS, lre

pytest.importorskip("duckdb")

DATASETS = ["Longley", "Norris", "Pontius", "NoInt1", "NoInt2", "Wampler1", "Wampler2",
            "Wampler3", "Wampler4", "Wampler5", "Filip"]


@pytest.mark.parametrize("name", DATASETS)
def test_certified_values_through_duckdb(name):
    info = CERTIFIED[name]
    path = NIST / f"{name}.csv"
    columns = path.read_text().splitlines()[0].split(",")
    x = [c for c in columns if c != "y"]
    args = ["regression", str(path), "--y", "y", "--x", ",".join(x), "--engine", "duckdb",
            "--json", "--quiet"]
    if info["degree"] > 1:
        args += ["--degree", str(info["degree"])]
    if not info["intercept"]:
        args.append("--no-intercept")
    result = invoke(*args)
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["provenance"]["engine"] == "duckdb"
    certified = info["coefficients"]
    assert len(found["coefficients"]) == len(certified)
    worst = min(
        min(lre(c["estimate"], r["estimate"]) for c, r in zip(found["coefficients"], certified,
                                                               strict=True)),
        min(lre(c["std_error"], r["std_error"]) for c, r in zip(found["coefficients"],
                                                                certified, strict=True)),
        lre(found["residual_std_error"], info["residual_std_dev"]),
        lre(found["r2"], info["r_squared"]))
    assert worst >= GOALS[name], (name, worst)
