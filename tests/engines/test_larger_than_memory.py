"""A CSV four times DuckDB's memory limit: describe and ab-test run in bounded memory and
agree with summaries merged chunk by chunk while the file was written (slow: about 1 GB)."""

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
            for name, mask in (("A", ~b), ("B", b)):
                merged[name] = merged[name].merge(Moments.of(y[mask], name))
    assert path.stat().st_size > 4 * LIMIT_MB * 2**20
    return str(path), whole, merged


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
    path, whole, _ = big_csv
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
    path, _, merged = big_csv
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
    # DuckDB reads the file in 256 MB; the fit then holds the two used columns (not the
    # file) in memory, so its peak is about 8 bytes × 2 columns × rows plus the QR's copies.
    path, _, _ = big_csv
    found, _peak = run_bounded("regression", path, "--y", "y", "--x", "x")
    assert found["n"] == ROWS and found["provenance"]["engine"] == "duckdb"
    slope = found["coefficients"][1]["estimate"]
    assert slope == pytest.approx(2.0, abs=1e-3)
    assert found["r2"] > 0.9
