"""Correlation: R and SciPy references, exact distributions, ties, pairwise deletion."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from mlstats.errors import InputError
from mlstats.stats.correlation import (
    average_ranks,
    correlate,
    fisher_interval,
    kendall_tau,
    rows_in_some_pair,
    spearman_exact_p,
)
from tests.conftest import SAMPLE

CARS = np.genfromtxt(SAMPLE / "cars.csv", delimiter=",", names=True)
SPEED, DIST = CARS["speed"], CARS["dist"]
# R's ?cor.test example: Hollander & Wolfe (1973), p. 187f, tuna quality in 9 lots.
TUNA_X = np.array([44.4, 45.9, 41.9, 53.3, 44.7, 44.1, 50.7, 45.2, 60.1])
TUNA_Y = np.array([2.6, 3.1, 2.5, 5.0, 3.6, 4.0, 5.2, 2.8, 3.8])


def pair(x, y, method="pearson", **kwargs):
    return correlate({"x": x, "y": y}, method=method, **kwargs).pairs[0]


# -- R ------------------------------------------------------------------------------------
def test_pearson_matches_r_cor_test():
    # R 4.2.2 (shared/reference/R-reference.txt, make-R-reference.R):
    # cor.test(cars$speed, cars$dist): r, p-value, conf.int
    got = pair(SPEED, DIST)
    assert got.r == pytest.approx(0.80689490068921, rel=1e-8)
    assert got.p_value == pytest.approx(1.48983649629509e-12, rel=1e-8)
    assert got.ci_low == pytest.approx(0.681642222094305, rel=1e-8)
    assert got.ci_high == pytest.approx(0.886203628526015, rel=1e-8)
    assert (got.n, got.p_method) == (50, "t")


def test_rank_coefficients_match_r_cor():
    # R 4.2.2 (R-reference.txt): cor(cars$speed, cars$dist, method = "spearman" / "kendall")
    assert pair(SPEED, DIST, "spearman").r == pytest.approx(0.830356838832993, rel=1e-8)
    assert pair(SPEED, DIST, "kendall").r == pytest.approx(0.668990149985875, rel=1e-8)


def test_exact_small_sample_p_values_match_the_r_help_example():
    # R's ?cor.test example output (one-sided, alternative = "greater", as printed there):
    # method = "kendall": T = 26, p-value = 0.05972, tau 0.4444444;
    # method = "spearman": S = 48, p-value = 0.0484, rho 0.6;
    # pearson: t = 1.8411, df = 7, p-value = 0.05409, cor 0.5711816.
    # Without ties the null distributions are symmetric: two-sided = 2 × one-sided. The
    # tolerance is half a unit in the last printed digit.
    kendall = pair(TUNA_X, TUNA_Y, "kendall")
    assert kendall.r == pytest.approx(0.4444444, abs=5e-8)
    assert kendall.p_value / 2 == pytest.approx(0.05972, abs=5e-6)
    assert kendall.p_method == "exact"
    spearman = pair(TUNA_X, TUNA_Y, "spearman")
    assert spearman.r == pytest.approx(0.6, rel=1e-12)
    assert spearman.p_value / 2 == pytest.approx(0.0484, abs=5e-5)
    assert spearman.p_method == "exact"
    pearson = pair(TUNA_X, TUNA_Y)
    assert pearson.r == pytest.approx(0.5711816, abs=5e-8)
    assert pearson.p_value / 2 == pytest.approx(0.05409, abs=5e-6)


def test_spearman_interval_matches_statpsych_ci_spear():
    # R statpsych (Bonett), ci.spear(.05, y, x) documented example:
    # Estimate 0.8699639, LL 0.5840951, UL 0.9638297 (Bonett–Wright variance; x has ties),
    # compared to half a unit in the last printed digit.
    y = np.array([21, 4, 9, 12, 35, 18, 10, 22, 24, 1, 6, 8, 13, 16, 19], dtype=float)
    x = np.array([67, 28, 30, 28, 52, 40, 25, 37, 44, 10, 14, 20, 28, 40, 51], dtype=float)
    got = pair(y, x, "spearman")
    assert got.r == pytest.approx(0.8699639, abs=5e-8)
    assert got.ci_low == pytest.approx(0.5840951, abs=5e-8)
    assert got.ci_high == pytest.approx(0.9638297, abs=5e-8)
    assert got.p_value == pytest.approx(stats.spearmanr(y, x).pvalue, rel=1e-8)


# -- SciPy, with ties and missing values ----------------------------------------------------
def _column(draw, size):
    values = draw(st.lists(st.integers(-4, 4) | st.floats(-50, 50, allow_nan=False)
                           | st.just(math.nan), min_size=size, max_size=size))
    return np.array(values, dtype=float)


@st.composite
def frames(draw):
    size = draw(st.integers(3, 80))
    return [_column(draw, size) for _ in range(draw(st.integers(2, 4)))]


def _scipy(method, x, y):
    if method == "pearson":
        res = stats.pearsonr(x, y)
    elif method == "spearman":
        res = stats.spearmanr(x, y)
    else:
        res = stats.kendalltau(x, y)
    return float(res.statistic), float(res.pvalue)


@pytest.mark.parametrize("method", ["pearson", "spearman", "kendall"])
@settings(max_examples=40)
@given(frames())
def test_every_pair_matches_scipy_on_its_complete_rows(method, columns):
    named = {f"c{i}": c for i, c in enumerate(columns)}
    try:
        result = correlate(named, method=method)
    except InputError:
        return  # no pair defined: checked by the tests below
    for p in result.pairs:
        x, y = named[p.x], named[p.y]
        keep = ~np.isnan(x) & ~np.isnan(y)
        x, y = x[keep], y[keep]
        assert p.n == keep.sum()
        if p.n < 3 or x.min() == x.max() or y.min() == y.max():
            assert math.isnan(p.r) and math.isnan(p.p_value)
            continue
        r, p_value = _scipy(method, x, y)
        assert p.r == pytest.approx(r, rel=1e-8, abs=1e-12)
        if p.p_method == "t" and 1 - abs(r) < 1e-9:
            # r rounded within 1e-16 of ±1 leaves 1 − r² in the t statistic to rounding (an
            # exact 1 here may be 1 − 2e-16 there): both p-values are then only "tiny".
            assert p.p_value < 1e-3 and p_value < 1e-3
        elif p.p_method != "exact" or method == "kendall":  # exact Spearman: tested below
            assert p.p_value == pytest.approx(p_value, rel=1e-8, abs=1e-300)


def test_missing_values_use_each_pairs_own_rows():
    nan = math.nan
    a = np.array([1, 2, 3, 4, 5, 6, nan, 8.0])
    b = np.array([2, 1, 4, 3, 6, 5, 8, nan])
    c = np.array([nan, 3, 1, 2, 5, 4, 7, 6.0])
    result = correlate({"a": a, "b": b, "c": c}, method="spearman")
    assert [(p.name, p.n) for p in result.pairs] == [("a~b", 6), ("a~c", 6), ("b~c", 6)]
    keep = ~np.isnan(b) & ~np.isnan(c)
    assert result.pairs[2].r == pytest.approx(stats.spearmanr(b[keep], c[keep]).statistic,
                                              rel=1e-12)
    assert result.warnings == ("pairwise deletion: each pair uses the rows where both columns "
                               "are present (n from 6 to 6; see pairs.n)",)
    assert rows_in_some_pair({"a": a, "b": b, "c": c}) == (8, ["a", "b", "c"])


def test_kendall_large_samples_with_ties_match_scipy():
    rng = np.random.default_rng(4)
    x = rng.integers(0, 30, 20_000).astype(float)
    y = x + rng.integers(0, 40, 20_000)
    tau, p, how = kendall_tau(x, y)
    ref = stats.kendalltau(x, y)
    assert (tau, how) == (pytest.approx(ref.statistic, rel=1e-12), "normal")
    assert p == pytest.approx(ref.pvalue, rel=1e-8)


@given(st.lists(st.integers(0, 6), min_size=3, max_size=40),
       st.lists(st.integers(0, 6), min_size=40, max_size=40))
def test_kendall_discordance_count_matches_the_quadratic_definition(xs, ys):
    # tau_b from an O(n²) count of concordant and discordant pairs (Kendall 1970, ch. 3).
    x, y = np.array(xs, float), np.array(ys[:len(xs)], float)
    if x.min() == x.max() or y.min() == y.max():
        return
    dx = np.sign(x[:, None] - x[None, :])
    dy = np.sign(y[:, None] - y[None, :])
    s = (dx * dy).sum() / 2
    tx, ty = (dx != 0).sum() / 2, (dy != 0).sum() / 2
    assert kendall_tau(x, y)[0] == pytest.approx(s / math.sqrt(tx * ty), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("size", [3, 4, 9, 20, 33, 34, 60])
def test_kendall_exact_and_normal_p_values_match_scipy(size):
    rng = np.random.default_rng(size)
    x = rng.permutation(size).astype(float)
    y = x + rng.normal(0, size / 3, size)
    tau, p, how = kendall_tau(x, y)
    ref = stats.kendalltau(x, y)
    assert how == ("exact" if size <= 33 else "normal")
    assert (tau, p) == (pytest.approx(ref.statistic, rel=1e-12), pytest.approx(ref.pvalue,
                                                                               rel=1e-8))


def test_kendall_is_exact_when_at_most_one_pair_is_out_of_order():
    # SciPy's rule: without ties, exact whenever min(D, T − D) ≤ 1, at any n.
    x = np.arange(200.0)
    y = x.copy()
    y[[50, 51]] = y[[51, 50]]
    _, p, how = kendall_tau(x, y)
    assert how == "exact" and p == stats.kendalltau(x, y).pvalue


# -- exact Spearman -------------------------------------------------------------------------
def _permutation_p(x, y):
    # x and y are ranks already (no ties), so Spearman's rho is Pearson's r of them; the
    # one-sample "pairings" test enumerates the n! orders of y against x.
    return stats.permutation_test(
        (y,), lambda b, axis: stats.pearsonr(x, b, axis=axis).statistic,
        permutation_type="pairings", vectorized=True, n_resamples=np.inf,
        alternative="two-sided").pvalue


@settings(max_examples=15)
@given(st.permutations(list(range(7))), st.integers(3, 8))
def test_spearman_exact_p_matches_the_permutation_distribution(perm, size):
    y = np.array([v for v in perm if v < size] + list(range(7, size)), dtype=float)
    x = np.arange(size, dtype=float)
    # At rho = 0 exactly SciPy's statistic is a rounding error away from 0 (±5.6e-17), which
    # splits the tied permutations; that case is the next test.
    assume(((x - y) ** 2).sum() * 6 != size**3 - size)
    got = pair(x, y, "spearman")
    assert got.p_method == "exact"
    assert got.p_value == pytest.approx(_permutation_p(x, y), rel=1e-12)


def test_spearman_exact_p_at_rho_zero_is_one():
    # R cor.test: p = 2·P(S ≤ s) capped at 1; at S = E[S] both tails hold over half the mass.
    x = np.arange(8.0)
    y = np.array([2.0, 6, 4, 3, 5, 0, 1, 7])
    got = pair(x, y, "spearman")
    assert (got.r, got.p_value, got.p_method) == (0.0, 1.0, "exact")


@pytest.mark.slow
def test_spearman_exact_p_at_nine_rows_matches_the_permutation_distribution():
    x = np.arange(9.0)
    for seed in range(3):
        y = np.random.default_rng(seed).permutation(9).astype(float)
        assert pair(x, y, "spearman").p_value == pytest.approx(_permutation_p(x, y), rel=1e-12)


def test_spearman_with_ties_or_ten_rows_uses_the_t_approximation():
    tied = pair(np.array([1.0, 2, 2, 4, 5]), np.array([2.0, 1, 4, 3, 5]), "spearman")
    ten = pair(np.arange(10.0), np.array([1.0, 0, 3, 2, 5, 4, 7, 6, 9, 8]), "spearman")
    assert tied.p_method == ten.p_method == "t"
    assert ten.p_value == pytest.approx(
        stats.spearmanr(np.arange(10.0), [1, 0, 3, 2, 5, 4, 7, 6, 9, 8]).pvalue, rel=1e-12)


def test_spearman_exact_tails_at_the_extremes():
    # n = 4: S = 0 for one of 24 permutations (rho = 1), S = 20 for one (rho = −1).
    assert spearman_exact_p(1.0, 4) == pytest.approx(2 / 24, rel=1e-15)
    assert spearman_exact_p(-1.0, 4) == pytest.approx(2 / 24, rel=1e-15)
    assert spearman_exact_p(0.0, 5) == 1.0


# -- intervals --------------------------------------------------------------------------------
def test_pearson_interval_matches_scipy_fisher_interval():
    rng = np.random.default_rng(8)
    x = rng.normal(size=40)
    y = x + rng.normal(size=40)
    for confidence in (0.8, 0.95, 0.99):
        got = pair(x, y, confidence=confidence)
        ref = stats.pearsonr(x, y).confidence_interval(confidence_level=confidence)
        assert (got.ci_low, got.ci_high) == (pytest.approx(ref.low, rel=1e-10),
                                             pytest.approx(ref.high, rel=1e-10))


@pytest.mark.parametrize(("method", "var"), [
    ("spearman", lambda r, n: (1 + r * r / 2) / (n - 3)),  # Bonett & Wright (2000), eq. 4
    ("kendall", lambda r, n: 0.437 / (n - 4)),  # Fieller, Hartley & Pearson (1957)
])
def test_rank_intervals_are_fisher_z_with_their_variance(method, var):
    z = NormalDist().inv_cdf(0.975)
    for r, n in ((0.3, 12), (-0.72, 50), (0.05, 500)):
        low, high = fisher_interval(r, n, method=method, confidence=0.95)
        half = z * math.sqrt(var(r, n))
        assert low == pytest.approx(math.tanh(math.atanh(r) - half), rel=1e-12)
        assert high == pytest.approx(math.tanh(math.atanh(r) + half), rel=1e-12)


def test_intervals_need_enough_rows():
    three = pair(np.array([1.0, 2, 4]), np.array([1.0, 3, 2]))
    assert math.isnan(three.ci_low) and not math.isnan(three.p_value)
    four = pair(np.array([1.0, 2, 4, 3]), np.array([1.0, 3, 2, 4]), "kendall")
    assert math.isnan(four.ci_high)
    result = correlate({"x": np.array([1.0, 2, 4, 3]), "y": np.array([1.0, 3, 2, 4])},
                       method="kendall")
    assert result.warnings == ("the interval of x~y is null: Fisher's z needs n ≥ 5 (n = 4)",)


def test_perfect_correlation_has_a_closed_interval():
    got = pair(np.arange(10.0), 2 * np.arange(10.0) + 1)
    assert (got.r, got.p_value, got.ci_low, got.ci_high) == (1.0, 0.0, 1.0, 1.0)


# -- ranks, matrix, correction ---------------------------------------------------------------
@given(st.lists(st.integers(-3, 3), min_size=1, max_size=50))
def test_average_ranks_match_scipy_rankdata(values):
    x = np.array(values, dtype=float)
    assert np.array_equal(average_ranks(x), stats.rankdata(x))


def test_matrix_is_symmetric_with_a_unit_diagonal():
    rng = np.random.default_rng(2)
    data = {name: rng.normal(size=30) for name in "abcd"}
    result = correlate(data)
    ref = np.corrcoef(np.vstack(list(data.values())))
    for i, row in enumerate(result.matrix):
        assert row["name"] == "abcd"[i]
        assert [row[c] for c in "abcd"] == pytest.approx(list(ref[i]), rel=1e-12)


def test_correction_adjusts_the_pairs_p_values():
    rng = np.random.default_rng(3)
    data = {name: rng.normal(size=25) for name in "abcd"}
    result = correlate(data, correction="holm")
    raw = np.array([p.p_value for p in result.pairs])
    order = np.argsort(raw)
    # Holm (1979): max over j ≤ i of (m − j + 1)·p₍ⱼ₎, capped at 1.
    expected = np.minimum(1, np.maximum.accumulate((6 - np.arange(6)) * raw[order]))
    assert [result.pairs[i].p_adjusted for i in order] == pytest.approx(list(expected),
                                                                        rel=1e-12)
    none = correlate(data)
    assert [p.p_adjusted for p in none.pairs] == [p.p_value for p in none.pairs]


# -- undefined results and errors ------------------------------------------------------------
def test_a_constant_column_gives_null_r_with_a_warning():
    result = correlate({"a": np.array([1.0, 2, 3, 4]), "b": np.array([5.0, 5, 5, 5]),
                        "c": np.array([2.0, 1, 4, 3])})
    by_name = {p.name: p for p in result.pairs}
    assert math.isnan(by_name["a~b"].r) and math.isnan(by_name["b~c"].p_adjusted)
    assert by_name["a~c"].r == pytest.approx(0.6, rel=1e-12)
    assert result.warnings[0] == "column 'b' is constant (every value is 5): its correlations " \
                                 "are null"
    assert math.isnan(result.matrix[1]["b"]) and math.isnan(result.matrix[0]["b"])


def test_a_constant_only_pair_is_an_error():
    with pytest.raises(InputError, match=r"^column 'b' is constant \(every value is 5\); a "
                       "correlation needs values that vary: pick another column$"):
        correlate({"a": np.array([1.0, 2, 3]), "b": np.array([5.0, 5, 5])})


def test_constant_on_the_shared_rows_is_null_for_that_pair():
    nan = math.nan
    result = correlate({"a": np.array([1.0, 1, 1, 2, 3]), "b": np.array([3.0, 1, 2, nan, nan]),
                        "c": np.array([1.0, 2, 3, 5, 4])})
    assert math.isnan(result.pairs[0].r)
    assert "r of a~b is null: 'a' is constant on the 3 rows where both columns are present" \
        in result.warnings


def test_fewer_than_three_complete_pairs_is_an_error():
    nan = math.nan
    with pytest.raises(InputError, match=r"^only 2 rows have values in both 'x' and 'y', and "
                       "a correlation needs 3$"):
        correlate({"x": np.array([1.0, 2, nan, 4]), "y": np.array([1.0, nan, 3, 2])})


def test_a_column_named_name_is_an_error():
    # each matrix row is {name: <its column>, <col>: r, ...}: a column 'name' would overwrite it
    with pytest.raises(InputError, match=r"^a column named 'name' cannot be correlated"):
        correlate({"name": np.array([1.0, 2, 3, 4]), "b": np.array([2.0, 4, 5, 1])})


def test_one_column_is_an_error():
    with pytest.raises(InputError, match="needs at least two numeric columns"):
        correlate({"x": np.arange(5.0)})


@pytest.mark.parametrize(("options", "message"), [
    ({"method": "cosine"}, "--method must be one of pearson, spearman, kendall"),
    ({"confidence": 1.0}, "--confidence must be between 0 and 1"),
    ({"correction": "fdr"}, "--correction must be one of"),
])
def test_bad_options(options, message):
    with pytest.raises(InputError, match=message):
        correlate({"x": np.arange(5.0), "y": np.arange(5.0) ** 2}, **options)


def test_extreme_magnitudes_do_not_overflow():
    x = np.array([1.0, 2, 4, 3, 5]) * 1e250
    y = np.array([2.0, 1, 4, 3, 5]) * 1e-250
    assert pair(x, y).r == pytest.approx(stats.pearsonr(x / 1e250, y * 1e250).statistic,
                                         rel=1e-12)


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_subnormal_values_beside_the_float64_limit(method):
    # 1/2^-1063 overflowed: r was NaN and the run ended with "Fisher's z needs n ≥ 4 (n = 5)".
    # SciPy on the same data scaled by exact powers of two (r does not change with scale).
    x = np.array([1e-320, 2e-320, 3e-320, 5e-321, 4e-320])
    y = np.array([1e300, -1e300, 1.7e308, -1.7e308, 0.0])
    oracle = stats.pearsonr if method == "pearson" else stats.spearmanr
    want = oracle(np.ldexp(x, 1070), np.ldexp(y, -1000)).statistic
    assert pair(x, y, method=method).r == pytest.approx(want, rel=1e-12)


def test_values_near_the_largest_double_do_not_overflow_the_mean():
    # their sum for the mean overflowed: r was NaN and the run ended with "Fisher's z needs
    # n ≥ 4 (n = 8)". SciPy on the same data scaled by 2^-1000 (r does not change with scale).
    x = np.array([1e308, -1e308, 9e307, 5e307, -7e307, 3e307, 1.1e308, -2e307])
    y = np.array([2e307, 3e307, -1e308, 4e307, 1e307, -5e307, 6e307, -3e307])
    want = stats.pearsonr(np.ldexp(x, -1000), np.ldexp(y, -1000)).statistic
    assert pair(x, y).r == pytest.approx(want, rel=1e-12)
    assert not math.isnan(pair(x, y).ci_low)
