"""The pure parts of `clean`: header repair, the 128-bit row set, merged moments, spellings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mlstats.stats.clean import (
    _Column,
    _interpolate_inside,
    _merge_moments,
    _number_text,
    _spellings,
    repair_header,
    snake_case,
)
from mlstats.stats.rowset import RowSet, row_hashes


def test_repair_header_names_every_column_once():
    names, repairs = repair_header(["a", "a", " ", "column_3", "a_2", "b "])
    assert names == ["a", "a_3", "column_3_2", "column_3", "a_2", "b"]
    assert [(r.column, r.reason) for r in repairs] == [
        (2, "duplicate"), (3, "blank"), (6, "whitespace")]
    assert len(set(names)) == len(names)


@given(st.lists(st.sampled_from(["a", "A", "", " a", "a_2", "column_1", "x y", "xY"]),
                min_size=1, max_size=8))
def test_repaired_and_snake_names_are_unique_and_non_blank(raw):
    names, _ = repair_header(raw)
    assert len(set(names)) == len(names) and all(n.strip() == n and n for n in names)
    snake, _ = snake_case(names)
    assert len(set(snake)) == len(snake) and all(s and s == s.lower() for s in snake)


def test_snake_case_forms():
    assert snake_case(["Unit Price ($)", "userID", "HTTPServer", "été", "__x__", "%"])[0] == [
        "unit_price", "user_id", "http_server", "été", "x", "column_6"]


@given(st.lists(st.integers(0, 60), max_size=400), st.integers(1, 64), st.integers(1, 50),
       st.integers(0, 500))
def test_row_set_finds_exactly_pandas_duplicates_in_any_batching(codes, batch, capacity,
                                                                 reserve):
    # Checked against: pandas Series.duplicated (keep="first")
    rows = np.array([f"r{c}\x00{c % 3}" for c in codes], dtype=object)
    seen = RowSet(capacity=capacity)
    seen.reserve(reserve)
    found = [seen.add(*row_hashes(rows[i:i + batch])) for i in range(0, rows.size, batch)]
    got = np.concatenate(found) if found else np.zeros(0, dtype=bool)
    assert got.tolist() == pd.Series(rows, dtype=object).duplicated().tolist()
    assert seen.size == len(set(codes))


def test_row_set_compares_all_128_bits():
    # the same high half with different low halves are different rows
    hi = np.array([5, 5, 5, 5, 21, 5], dtype=np.uint64)
    lo = np.array([1, 2, 1, 3, 1, 2], dtype=np.uint64)
    assert RowSet(capacity=16).add(hi, lo).tolist() == [False, False, True, False, False, True]


def test_row_hashes_are_two_independent_halves():
    hi, lo = row_hashes(np.array(["a", "b", "a"], dtype=object))
    assert hi[0] == hi[2] and lo[0] == lo[2] and hi[0] != lo[0] and hi[0] != hi[1]


@given(arrays(np.float64, st.integers(1, 200), elements=st.floats(-1e6, 1e6)),
       st.integers(1, 50))
def test_merged_moments_match_numpy(x, batch):
    # Checked against: numpy mean and var(ddof=1) of the whole sample
    col = _Column(name="x")
    for i in range(0, x.size, batch):
        _merge_moments(col, x[i:i + batch])
    assert col.n == x.size
    # kept in units of a power of two (1 for ordinary magnitudes)
    assert col.mean * col.unit == pytest.approx(x.mean(), rel=1e-9, abs=1e-9)
    if x.size > 1:
        assert col.m2 * col.unit**2 / (col.n - 1) == pytest.approx(x.var(ddof=1), rel=1e-8,
                                                                   abs=1e-6)


@given(arrays(np.float64, st.integers(0, 40),
              elements=st.one_of(st.just(np.nan), st.floats(-100, 100))))
def test_interpolation_inside_matches_pandas(values):
    expected = pd.Series(values).interpolate(limit_area="inside").to_numpy()
    np.testing.assert_allclose(_interpolate_inside(values), expected, rtol=1e-12, atol=1e-12)


def test_spellings_most_frequent_wins_ties_go_to_the_first_seen():
    counts = pa.table({"value": ["Paris", "paris", "PARIS", "Rome", "rome", "12", "Oslo"],
                       "count": [1, 2, 1, 3, 3, 5, 1]})
    frm, to, variants = _spellings(counts)
    assert dict(zip(frm.to_pylist(), to.to_pylist(), strict=True)) == {
        "Paris": "paris", "PARIS": "paris", "rome": "Rome"}
    assert variants == 5


@pytest.mark.parametrize(("value", "text"), [
    (3.0, "3"), (-0.5, "-0.5"), (1 / 3, "0.3333333333333333"), (1e16, "1e+16"),
    (2.5e-7, "2.5e-07")])
def test_number_text_is_shortest_round_trip(value, text):
    assert _number_text(value) == text and float(text) == value


@given(st.lists(st.text(alphabet=st.sampled_from(list("0123456789.+-eE ax#")), max_size=8),
                min_size=1, max_size=50))
def test_byte_scan_decides_numbers_as_the_pattern_does(texts):
    import re

    from mlstats.stats.clean import NUMBER, _Scan

    scan = _Scan(pa.array(texts, pa.string()))
    pattern = np.array([re.fullmatch(NUMBER, t) is not None for t in texts])
    # simple cells are numbers; odd ones go to the pattern; anything else is not a number
    assert not (scan.simple & ~pattern).any()
    assert not (pattern & ~scan.simple & ~scan.odd).any()
    integral = np.array(["." not in t and "e" not in t.lower() for t in texts])
    assert (scan.integral == integral).all()
