"""A CSV four times DuckDB's memory limit: describe, ab-test and regression (least squares
and logistic) run in bounded memory and agree with summaries merged chunk by chunk while the
file was written (slow: about 1 GB)."""

import json

import numpy as np
import pytest

from mlstats.stats.summaries import Moments

pytest.importorskip("duckdb")

LIMIT_MB = 256
ROWS = 16_000_000  # ≈ 1.2 GB of CSV (two more columns the commands do not use): > 4 × 256 MB
CHUNK = 1_000_000


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = tmp_path_factory.mktemp("big") / "big.csv"
    rng = np.random.default_rng(7)
    merged = {"A": Moments(), "B": Moments()}
    whole = Moments()
    parts = []  # per chunk: n, x̄, ȳ, Σ(x − x̄)², Σ(x − x̄)(y − ȳ)
    schema = pa.schema([("group", pa.string()), ("x", pa.float64()), ("y", pa.float64()),
                        ("u", pa.float64()), ("v", pa.float64())])
    with pacsv.CSVWriter(path, schema) as writer:
        for _ in range(ROWS // CHUNK):
            b = rng.random(CHUNK) < 0.5
            x = rng.normal(10, 3, size=CHUNK)
            y = 2 * x + rng.normal(size=CHUNK) + 0.01 * b
            writer.write_table(pa.table({"group": np.where(b, "B", "A"), "x": x, "y": y,
                                         "u": rng.random(CHUNK), "v": rng.random(CHUNK)}))
            whole = whole.merge(Moments.of(x))
            parts.append((CHUNK, x.mean(), y.mean(), ((x - x.mean()) ** 2).sum(),
                          ((x - x.mean()) * (y - y.mean())).sum()))
            for name, mask in (("A", ~b), ("B", b)):
                merged[name] = merged[name].merge(Moments.of(y[mask], name))
    assert path.stat().st_size > 4 * LIMIT_MB * 2**20
    return str(path), whole, merged, _slope(parts)


def _slope(parts: list) -> float:
    """The least-squares slope of y on x from the chunks' co-moments (Chan et al. merges)."""
    n, mx, my, cxx, cxy = parts[0]
    for m, ax, ay, bxx, bxy in parts[1:]:
        dx, dy, total = ax - mx, ay - my, n + m
        cxx += bxx + dx * dx * n * m / total
        cxy += bxy + dx * dy * n * m / total
        mx, my, n = mx + dx * m / total, my + dy * m / total, total
    return cxy / cxx


def run_bounded(*args: str) -> tuple[dict, float]:
    """The record and the peak resident memory (MB) of `mlstats ARGS --engine duckdb`."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT), "MLSTATS_DUCKDB_MEMORY": f"{LIMIT_MB}MB"}
    code = ("import resource, sys; from mlstats.cli.app import run\n"
            "code = run()\nsys.stdout.flush()\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
            "sys.exit(code)")
    result = subprocess.run([sys.executable, "-c", code, *args, "--engine", "duckdb",
                             "--json"], capture_output=True, env=env, timeout=3000)
    assert result.returncode == 0, result.stderr.decode()
    peak = int(result.stderr.decode().strip().splitlines()[-1]) / 1024
    return json.loads(result.stdout), peak


@pytest.mark.slow
def test_describe_larger_than_memory(big_csv):
    path, whole, _, _ = big_csv
    found, peak = run_bounded("describe", path, "--columns", "x")
    (x,) = found["columns"]
    assert x["n"] == ROWS and found["provenance"]["rows_read"] == ROWS
    assert x["mean"] == pytest.approx(whole.mean, rel=1e-12)
    assert x["std"] == pytest.approx(whole.std, rel=1e-10)
    assert x["skew"] == pytest.approx(whole.skew, rel=1e-6, abs=1e-9)
    assert (x["min"], x["max"]) == (whole.min, whole.max)
    assert x["q1"] < x["median"] < x["q3"]
    assert peak < 1024  # MB


@pytest.mark.slow
def test_ab_test_larger_than_memory(big_csv):
    path, _, merged, _ = big_csv
    found, peak = run_bounded("ab-test", path, "--group", "group", "--metric", "y",
                              "--control", "A")
    groups = {g["name"]: g for g in found["groups"]}
    for name in ("A", "B"):
        assert groups[name]["n"] == merged[name].n
        assert groups[name]["mean"] == pytest.approx(merged[name].mean, rel=1e-12)
        assert groups[name]["std"] == pytest.approx(merged[name].std, rel=1e-10)
    assert found["diff"] == pytest.approx(merged["B"].mean - merged["A"].mean, rel=1e-8)
    assert peak < 1024  # MB


@pytest.mark.slow
def test_regression_larger_than_memory(big_csv):
    # from aggregates: DuckDB spills the temporary table of the used columns beyond 256 MB,
    # and the fit holds sums, not rows
    path, _, _, slope = big_csv
    found, peak = run_bounded("regression", path, "--y", "y", "--x", "x")
    assert found["n"] == ROWS and found["provenance"]["engine"] == "duckdb"
    assert found["coefficients"][1]["estimate"] == pytest.approx(slope, rel=1e-9)
    assert found["r2"] > 0.9
    assert peak < 1024  # MB


@pytest.mark.slow
def test_logistic_larger_than_memory(big_csv):
    # group is independent of x: a slope near 0, found by one aggregate pass per iteration
    path, _, merged, _ = big_csv
    found, peak = run_bounded("regression", path, "--y", "group", "--x", "x", "--logistic",
                              "--positive", "B")
    assert found["n"] == ROWS and found["converged"] is True
    share = merged["B"].n / ROWS
    assert found["ll_null"] == pytest.approx(
        ROWS * (share * np.log(share) + (1 - share) * np.log(1 - share)), rel=1e-12)
    assert abs(found["coefficients"][1]["estimate"]) < 0.01
    assert peak < 1024  # MB
