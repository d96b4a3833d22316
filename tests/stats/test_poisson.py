"""The Poisson bootstrap's counter-based generator and its local implementation."""

import math

import numpy as np
import pytest
from scipy import stats

from mlstats.stats import poisson
from mlstats.stats.resampling import bootstrap_ci


def test_counts_are_fixed_by_seed_row_and_resample():
    # literals of this implementation: the DuckDB engine must draw the very same integers
    # (tests/engines/test_resampling_duckdb.py), today and after any change
    found = poisson.counts(poisson.row_keys(0, np.arange(4)), np.arange(6))
    assert found.tolist() == [[3, 2, 0, 0, 1, 0], [0, 1, 0, 2, 0, 0], [2, 1, 2, 0, 1, 1],
                              [0, 3, 0, 0, 0, 0]]
    # both halves of a 64-bit seed and row number count
    found = poisson.counts(poisson.row_keys(2**40 + 7, np.array([0, 2**32, 2**33 + 5])),
                           np.arange(6))
    assert found.tolist() == [[2, 2, 0, 4, 0, 1], [1, 2, 2, 0, 1, 0], [1, 0, 2, 0, 2, 1]]
    assert not np.array_equal(poisson.counts(poisson.row_keys(1, np.arange(4)), np.arange(6)),
                              poisson.counts(poisson.row_keys(0, np.arange(4)), np.arange(6)))


def test_a_rows_count_does_not_depend_on_the_other_rows():
    keys = poisson.row_keys(9, np.arange(1000))
    whole = poisson.counts(keys, np.arange(50, 80))
    part = poisson.counts(keys[500:510], np.arange(60, 70))
    assert np.array_equal(whole[500:510, 10:20], part)


def test_counts_follow_poisson_one():
    w = poisson.counts(poisson.row_keys(3, np.arange(2000)), np.arange(500)).ravel()
    observed = np.bincount(w, minlength=8)[:8].astype(float)
    expected = stats.poisson.pmf(np.arange(8), 1.0) * w.size
    observed[7] += w.size - observed.sum()  # 7 or more
    expected[7] += w.size - expected.sum()
    assert stats.chisquare(observed, expected).pvalue > 1e-3
    assert abs(w.mean() - 1) < 0.01 and abs(w.var() - 1) < 0.01


def test_counts_are_uncorrelated_across_rows_and_resamples():
    w = poisson.counts(poisson.row_keys(5, np.arange(1000)), np.arange(1000)).astype(float)
    w -= w.mean()
    for a, b in ((w[1:], w[:-1]), (w[:, 1:], w[:, :-1])):
        r = float((a * b).mean() / math.sqrt((a * a).mean() * (b * b).mean()))
        assert abs(r) < 5 / 1000  # 5 standard errors of r for a million pairs


def test_statistics_of_a_resample_are_those_of_the_repeated_rows():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=40), rng.normal(size=40)
    w = poisson.counts(poisson.row_keys(2, np.arange(40)), np.arange(3)).astype(np.int64)
    c, e = float(x.mean()), float(y.mean())
    for b in range(3):
        xs, ys = np.repeat(x, w[:, b]), np.repeat(y, w[:, b])
        sums = np.array([[w[:, b].sum(), w[:, b] @ (x - c), w[:, b] @ (x - c) ** 2,
                          w[:, b] @ (y - e), w[:, b] @ (y - e) ** 2,
                          w[:, b] @ ((x - c) * (y - e))]])
        expected = {"mean": xs.mean(), "var": xs.var(ddof=1), "std": xs.std(ddof=1),
                    "cv": xs.std(ddof=1) / xs.mean(), "corr": np.corrcoef(xs, ys)[0, 1]}
        for kind, value in expected.items():
            assert poisson.statistic(kind, sums, c)[0] == pytest.approx(value, rel=1e-12)


def test_the_blocks_change_no_value_but_by_rounding(monkeypatch):
    # the same counts whatever the blocks of rows and batches of resamples; only the order
    # of the sums changes
    x = np.random.default_rng(4).gamma(2, size=300)
    first = bootstrap_ci(x, stat="std", seed=5, resamples=700, scheme="poisson").result
    monkeypatch.setattr(poisson, "_BLOCK", 97)
    monkeypatch.setattr(poisson, "BATCH", 64)
    again = bootstrap_ci(x, stat="std", seed=5, resamples=700, scheme="poisson").result
    for key in ("estimate", "bias", "std_error", "ci_low", "ci_high"):
        assert getattr(again, key) == pytest.approx(getattr(first, key), rel=1e-12)


def test_poisson_standard_error_of_a_mean_is_the_ideal_one():
    # the ideal bootstrap standard error of a mean, √(Σ(x − x̄)²/n)/√n (Efron & Tibshirani
    # 1993, eq. 6.9); 4000 resamples estimate it to about 1/√8000 ≈ 1.1 %
    x = np.random.default_rng(6).exponential(size=400)
    ideal = float(np.std(x)) / math.sqrt(x.size)
    found = bootstrap_ci(x, stat="mean", seed=7, resamples=4000, scheme="poisson").result
    assert found.std_error == pytest.approx(ideal, rel=0.05)


def test_poisson_interval_is_the_multinomial_one_within_monte_carlo_error():
    x = np.random.default_rng(8).lognormal(size=300)
    ref = stats.bootstrap((x,), np.std, n_resamples=4000, method="BCa",
                          rng=np.random.default_rng(9))
    found = bootstrap_ci(x, stat="std", seed=10, resamples=4000, scheme="poisson").result
    assert found.std_error == pytest.approx(ref.standard_error, rel=0.08)
    low, high = ref.confidence_interval
    width = high - low
    assert abs(found.ci_low - low) < 0.1 * width and abs(found.ci_high - high) < 0.1 * width


def test_poisson_scheme_refuses_order_statistics():
    with pytest.raises(Exception, match="the Poisson bootstrap resamples"):
        bootstrap_ci(np.arange(10.0), stat="median", scheme="poisson", seed=1)


@pytest.mark.parametrize("kind", ["mean", "var", "std", "cv", "corr"])
def test_sample_statistic_from_shifted_sums_matches_numpy(kind):
    # an engine's two sums about a pilot shift → the statistic NumPy gives on the rows
    from mlstats.stats.poisson import sample_statistic

    rng = np.random.default_rng(3)
    x = 1e6 + rng.normal(size=(1000, 2)) @ np.array([[1.0, 0.6], [0.0, 0.8]])
    shift = [1e6 + 0.3, 1e6 - 0.2]
    d = x - shift
    sums = {"s0": d[:, 0].sum(), "s1": d[:, 1].sum(), "p00": (d[:, 0] ** 2).sum(),
            "p01": (d[:, 0] * d[:, 1]).sum(), "p11": (d[:, 1] ** 2).sum()}
    _, _, _, value = sample_statistic(kind, 1000, shift, sums)
    expected = {"mean": np.mean(x[:, 0]), "var": np.var(x[:, 0], ddof=1),
                "std": np.std(x[:, 0], ddof=1),
                "cv": np.std(x[:, 0], ddof=1) / np.mean(x[:, 0]),
                "corr": np.corrcoef(x[:, 0], x[:, 1])[0, 1]}[kind]
    assert value == pytest.approx(expected, rel=1e-10)
