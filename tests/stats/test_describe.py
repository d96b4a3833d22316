"""describe against R and pandas, and the moment merge against a single pass."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mlstats.errors import InputError
from mlstats.io import ReadOptions, read_table
from mlstats.stats.describe import ColumnSummary, Moments, describe
from tests.conftest import SAMPLE


def airquality():
    table = read_table(ReadOptions(source=str(SAMPLE / "airquality.csv")))
    return {c: table.numeric(c) for c in table.columns}, table


def test_ozone_matches_r():
    data, _ = airquality()
    [ozone] = describe({"Ozone": data["Ozone"]}).columns
    # R 4.2.2: x <- airquality$Ozone[!is.na(airquality$Ozone)]; length(x); mean(x); sd(x);
    # median(x); sum(is.na(airquality$Ozone)); quantile(x, c(.25, .75))  (type 7)
    assert (ozone.n, ozone.missing) == (116, 37)
    assert ozone.mean == pytest.approx(42.1293103448276, rel=1e-12)
    assert ozone.std == pytest.approx(32.987884514434, rel=1e-12)
    assert ozone.median == 31.5
    assert (ozone.q1, ozone.q3, ozone.iqr) == (18.0, 63.25, 45.25)
    assert (ozone.min, ozone.max) == (1.0, 168.0)
    # pandas 3.1.1: Series.sem(), .skew(), .kurt() on the same values
    assert ozone.sem == pytest.approx(3.0628481853266725, rel=1e-12)
    assert ozone.skew == pytest.approx(1.2417964044102099, rel=1e-10)
    assert ozone.kurtosis == pytest.approx(1.2903026784985525, rel=1e-10)
    # SciPy 1.17.1: stats.t.interval(0.95, 115, loc=mean, scale=sem) (= R t.test(x)$conf.int)
    assert ozone.ci_low == pytest.approx(36.06239756207609, rel=1e-10)
    assert ozone.ci_high == pytest.approx(48.19622312757908, rel=1e-10)


def test_confidence_level_changes_the_interval():
    data, _ = airquality()
    [ozone] = describe({"Ozone": data["Ozone"]}, confidence=0.9).columns
    # SciPy 1.17.1: stats.t.interval(0.9, 115, loc=mean, scale=sem)
    assert ozone.ci_low == pytest.approx(37.05045925032945, rel=1e-10)
    assert ozone.ci_high == pytest.approx(47.208161439325714, rel=1e-10)


def test_solar_r_matches_pandas():
    data, _ = airquality()
    [solar] = describe({"Solar.R": data["Solar.R"]}).columns
    # pandas 3.1.1: s = airquality["Solar.R"].dropna(); s.mean(), s.std(), s.skew(), s.kurt(),
    # s.quantile([.25, .5, .75])
    assert solar.mean == pytest.approx(185.93150684931507, rel=1e-12)
    assert solar.std == pytest.approx(90.05842222838167, rel=1e-12)
    assert solar.skew == pytest.approx(-0.4280445256417752, rel=1e-10)
    assert solar.kurtosis == pytest.approx(-0.9684667515489768, rel=1e-10)
    assert (solar.q1, solar.median, solar.q3) == (115.75, 205.0, 258.75)


def test_groups_in_order_of_appearance_match_pandas_groupby():
    data, table = airquality()
    months = table.labels("Month")
    result = describe({"Temp": data["Temp"]}, groups=months, by="Month")
    assert [r.name for r in result.columns] == [f"Temp[{m}]" for m in "56789"]
    may = result.columns[0]
    assert (may.column, may.group, may.n) == ("Temp", "5", 31)
    # pandas 3.1.1: airquality.groupby("Month").Temp.{mean, std, skew, quantile(.25)}[5]
    assert may.mean == pytest.approx(65.54838709677419, rel=1e-12)
    assert may.std == pytest.approx(6.854870335157914, rel=1e-12)
    assert may.skew == pytest.approx(0.5233278783231219, rel=1e-10)
    assert may.q1 == 60.0
    assert result.columns[4].mean == pytest.approx(76.9, rel=1e-12)


def test_moments_of_a_large_mean_with_a_small_spread_are_exact():
    # 1e9 ± 1e-3: the rounded mean is off by a visible share of the spread; without
    # re-centring, skew was off by 1e-3 relative. Reference: exact rational arithmetic.
    from decimal import Decimal, localcontext
    from fractions import Fraction

    x = np.random.default_rng(7).normal(1e9, 1e-3, 2000)
    exact = [Fraction(v) for v in x.tolist()]
    n = len(exact)
    mean = sum(exact) / n
    m2, m3, m4 = (sum((v - mean) ** k for v in exact) for k in (2, 3, 4))
    with localcontext() as ctx:
        ctx.prec = 40

        def dec(f: Fraction) -> Decimal:
            return Decimal(f.numerator) / Decimal(f.denominator)

        g1 = dec(m3 / n) / dec(m2 / n) ** Decimal("1.5")
        skew = float((Decimal(n * (n - 1)).sqrt() / (n - 2)) * g1)
        g2 = dec(m4 / n) / dec(m2 / n) ** 2 - 3
        kurt = float(Decimal(n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6))
        std = float(dec(m2 / (n - 1)).sqrt())
    moments = Moments.of(x)
    assert moments.std == pytest.approx(std, rel=1e-12)
    assert moments.skew == pytest.approx(skew, rel=1e-9)
    assert moments.kurtosis == pytest.approx(kurt, rel=1e-9)
    assert moments.mean == pytest.approx(float(mean), rel=1e-15)


def test_many_groups_match_a_mask_per_group():
    # --by with thousands of groups: one sort, not a mask per group (which was O(n·groups)).
    rng = np.random.default_rng(3)
    labels = np.array([f"g{k}" for k in rng.integers(0, 3000, 30_000)], dtype=object)
    values = rng.normal(size=labels.size)
    values[rng.random(labels.size) < 0.1] = np.nan
    result = describe({"v": values}, groups=labels, by="g")
    seen = list(dict.fromkeys(labels.tolist()))
    assert [r.group for r in result.columns] == seen
    for row in result.columns[::97]:
        part = values[labels == row.group]
        part = part[~np.isnan(part)]
        assert (row.n, row.missing) == (part.size, int((labels == row.group).sum()) - part.size)
        assert row.mean == pytest.approx(part.mean(), rel=1e-12)
        assert row.median == pytest.approx(np.median(part), rel=1e-15)


def test_a_warning_shared_by_many_groups_is_given_once():
    # --by an identifier: one group per row used to print one warning line per row.
    ids = np.array([str(i) for i in range(1000)], dtype=object)
    values = np.arange(1000.0)
    values[::2] = np.nan
    result = describe({"v": values}, groups=ids, by="id")
    assert result.warnings == (
        "missing values left out per column: " + ", ".join(f"v[{i}] 1" for i in range(0, 60, 2))
        + " and 470 more",
        "column 'v' in 500 groups (v[0], v[2], v[4] and 497 more) has no values: every "
        "statistic is null",
        "column 'v' in 500 groups (v[1], v[3], v[5] and 497 more) has one value: std, sem and "
        "the interval are null",
    )
    one = describe({"v": np.array([1.0, 2.0, 5.0])}, groups=np.array(["a", "a", "b"],
                                                                       dtype=object))
    assert one.warnings == ("column 'v[a]' has 2 values: kurtosis needs 4 and skew 3",
                            "column 'v[b]' has one value: std, sem and the interval are null")


def test_undefined_statistics_are_nan_with_a_reason():
    result = describe({"one": np.array([4.0]), "flat": np.full(5, 2.0),
                       "none": np.array([np.nan, np.nan])})
    one, flat, none = result.columns
    assert math.isnan(one.std) and math.isnan(one.ci_low) and one.mean == 4.0
    assert math.isnan(flat.skew) and math.isnan(flat.kurtosis) and flat.std == 0.0
    assert none.n == 0 and math.isnan(none.mean)
    assert result.warnings == (
        "missing values left out per column: none 2",
        "column 'one' has one value: std, sem and the interval are null",
        "column 'flat' is constant: skew and kurtosis are null",
        "column 'none' has no values: every statistic is null",
    )


def test_text_columns_are_listed():
    labels = np.array(["b", "a", None, "b", "a", "c"], dtype=object)
    [summary] = describe({}, labels={"kind": labels}).non_numeric
    assert (summary.count, summary.missing, summary.unique) == (5, 1, 3)
    assert (summary.top, summary.top_count) == ("b", 2)  # a tie with "a": the first seen wins


def test_confidence_outside_zero_one_is_an_input_error():
    with pytest.raises(InputError, match=r"--confidence must be between 0 and 1 \(got 1\)"):
        describe({"x": np.arange(3.0)}, confidence=1.0)


finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(arrays(np.float64, st.integers(2, 200), elements=finite), st.integers(0, 200))
@settings(max_examples=200, deadline=None)
def test_merged_moments_equal_one_pass(x, cut):
    cut = min(cut, x.size)
    whole = Moments.of(x)
    merged = Moments.of(x[:cut]).merge(Moments.of(x[cut:]))
    peak = float(np.abs(x).max())
    assert merged.n == whole.n
    assert merged.mean == pytest.approx(whole.mean, rel=1e-9, abs=1e-9 * peak)
    assert merged.std == pytest.approx(whole.std, rel=1e-7, abs=1e-7 * peak)
    if whole.std > 1e-6 * peak:  # skew and kurtosis are ill-conditioned for near-constant data
        for moment in ("skew", "kurtosis"):
            a, b = getattr(merged, moment), getattr(whole, moment)
            assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-6, abs=1e-6)


@given(arrays(np.float64, st.integers(4, 100), elements=finite))
@settings(max_examples=100, deadline=None)
def test_moments_match_pandas(x):
    import pandas as pd

    s = pd.Series(x)
    m = Moments.of(x)
    if m.variance <= 1e-6 * (1 + np.abs(x).max()) ** 2:
        return  # pandas zeroes skew/kurtosis of near-constant data; we report null
    assert m.variance == pytest.approx(s.var(), rel=1e-9)
    assert m.skew == pytest.approx(s.skew(), rel=1e-6, abs=1e-8)
    assert m.kurtosis == pytest.approx(s.kurt(), rel=1e-6, abs=1e-8)


@pytest.mark.parametrize(("x", "std", "skew"), [
    # pandas 3.1.1 gives inf and 0.0 here (overflow and underflow of the squares)
    ([1e300, -1e300, 1e300], 1.1547005383792516e300, -1.7320508075688772),
    ([1e-300, 2e-300, 3e-300, 4e-300], 1.2909944487358057e-300, 0.0),
])
def test_extreme_magnitudes_keep_their_moments(x, std, skew):
    [summary] = describe({"x": np.array(x)}).columns
    # exact: the sample standard deviation of (1, −1, 1)·1e300 is 1e300·√(4/3), and of
    # (1, 2, 3, 4)·1e-300 is 1e-300·√(5/3)
    assert summary.std == pytest.approx(std, rel=1e-12)
    assert summary.skew == pytest.approx(skew, abs=1e-12)
    assert summary.mean == pytest.approx(float(np.mean(np.array(x) / 2.0**990)) * 2.0**990,
                                         rel=1e-12)


@given(arrays(np.float64, st.integers(2, 60), elements=finite), st.integers(0, 60),
       st.sampled_from([1.0, 2.0**300, 2.0**-300]))
@settings(max_examples=100, deadline=None)
def test_merge_is_scale_free(x, cut, factor):
    cut = min(cut, x.size)
    y = x * factor
    if np.any(np.abs(y[x != 0]) < np.finfo(float).tiny):
        return  # the scaling itself lost values to underflow: a different sample
    whole, merged = Moments.of(y), Moments.of(y[:cut]).merge(Moments.of(y[cut:]))
    base = Moments.of(x)
    if base.m2 <= 1e-9 * (1 + np.abs(x).max()) ** 2:
        return
    assert merged.std == pytest.approx(whole.std, rel=1e-7)
    assert whole.std == pytest.approx(base.std * factor, rel=1e-9)
    if x.size >= 3:
        assert merged.skew == pytest.approx(base.skew, rel=1e-6, abs=1e-6)


def test_many_columns_with_one_warning_kind_give_one_line():
    # Issue 18: 3,000 "kurtosis needs 4" lines became one line naming the count.
    data = {f"c{i}": np.array([1.0, 2.0, 4.0]) for i in range(3000)}
    data["two"] = np.array([1.0, 3.0])
    result = describe(data)
    assert result.warnings == (
        "3000 columns ('c0', 'c1', 'c2' and 2997 more) have 3 values: kurtosis needs 4",
        "column 'two' has 2 values: kurtosis needs 4 and skew 3",
    )
    assert [c.name for c in result.columns][:2] == ["c0", "c1"] and len(result.columns) == 3001


@given(st.lists(st.lists(st.floats(-1e6, 1e6), min_size=0, max_size=12), min_size=1,
                max_size=12), st.integers(1, 5))
def test_blocks_of_columns_equal_one_column_at_a_time(columns, length):
    # Vectorised blocks (columns of equal length stacked) give the 1-column answer exactly.
    data = {f"c{i}": np.array(v[:length] + [np.nan] * (i % 2), dtype=float)
            for i, v in enumerate(columns)}
    together = describe(data).columns
    alone = [describe({name: values}).columns[0] for name, values in data.items()]
    for a, b in zip(together, alone, strict=True):
        for key in ColumnSummary.__dataclass_fields__:
            x, y = getattr(a, key), getattr(b, key)
            assert x == y or (x != x and y != y), key


def _exact_moments(values):
    """Mean and sample std by exact rational arithmetic (Python fractions): the oracle."""
    from fractions import Fraction

    xs = [Fraction(v) for v in values]
    mean = sum(xs) / len(xs)
    var = sum((x - mean) ** 2 for x in xs) / (len(xs) - 1)
    return float(mean), math.sqrt(float(var / 2**2000)) * 2.0**1000


def test_values_near_the_float64_limit_give_results():
    # Issue 18: 9e307 overflowed in the power-of-two scaling (exit 3).
    values = np.array([9e307, 8e307, 1.0, -9e307])
    row = describe({"x": values}).columns[0]
    mean, std = _exact_moments(values)
    assert row.mean == pytest.approx(mean, rel=1e-15)
    assert row.std == pytest.approx(std, rel=1e-14)
    assert row.iqr == pytest.approx(np.quantile(values / 4, 0.75) * 4
                                    - np.quantile(values / 4, 0.25) * 4, rel=1e-15)


def test_results_beyond_the_float64_range_are_null_with_a_warning():
    result = describe({"x": np.array([1.7e308, 1.6e308, 1.0, -1.7e308])})
    row = result.columns[0]
    assert math.isnan(row.iqr) and math.isnan(row.ci_low) and math.isnan(row.ci_high)
    assert math.isfinite(row.std) and row.max == 1.7e308
    assert result.warnings == (
        "column 'x' has iqr, ci_low, ci_high beyond the float64 range: null",)


@given(st.integers(1, 400).flatmap(lambda n: arrays(
    np.float64, (n, 3), elements=st.floats(-1e300, 1e300, allow_nan=False))))
def test_sorted_quartiles_are_numpys_bit_for_bit(x):
    from mlstats.stats.describe import type7_quartiles

    x = np.asfortranarray(x)
    np.testing.assert_array_equal(type7_quartiles(x), np.quantile(x, [0.25, 0.5, 0.75], axis=0))
