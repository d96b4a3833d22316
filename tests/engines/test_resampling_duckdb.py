"""The Poisson bootstrap's generator in SQL draws the same integers as its NumPy one."""

import numpy as np
import pytest

from mlstats.stats import poisson

duckdb = pytest.importorskip("duckdb")


@pytest.mark.parametrize("seed", [0, 12345, 2**40 + 7])
def test_sql_counts_equal_numpy_counts(seed):
    from mlstats.engines.duckdb_resampling import poisson_counts_sql

    rows = np.array([0, 1, 2, 999, 2**32 + 3, 2**33 - 1], dtype=np.int64)
    con = duckdb.connect()
    found = con.execute(
        f"SELECT _r, _b, _w FROM ({poisson_counts_sql('SELECT unnest($rows) AS _r', seed)}) "
        "ORDER BY _r, _b", {"rows": rows.tolist(), "lo": 5, "hi": 305}).fetchnumpy()
    expected = poisson.counts(poisson.row_keys(seed, rows), np.arange(5, 305))
    assert np.array_equal(found["_w"].reshape(rows.size, 300), expected)
