"""Mergeable summaries: a merge of parts equals the summary of the whole."""

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mlstats.stats.summaries import (
    CoMoments,
    Confusion,
    Counts,
    Moments,
    RFactor,
    ScoreCounts,
    group_comoments,
    group_moments,
)

finite = st.floats(-1e6, 1e6, allow_nan=False)
tables = st.integers(2, 60).flatmap(
    lambda n: st.tuples(arrays(np.float64, (n, 3), elements=finite), st.integers(0, n)))


# Squares of values near 1e-161 are subnormal: they hold a few bits, and two orders of
# summing differ by a subnormal step or two (CI once drew this case: 1.2e-321 and 1.196e-321).
SUBNORMAL_STEPS = 4 * np.finfo(np.float64).smallest_subnormal


@given(tables)
@example((np.array([[4.24034051e-161, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]), 1))
@settings(max_examples=100, deadline=None)
def test_comoments_merge_equals_one_pass(case):
    x, cut = case
    whole = CoMoments.of(x)
    merged = CoMoments.of(x[:cut]).merge(CoMoments.of(x[cut:]))
    peak = float(np.abs(x).max()) or 1.0
    assert merged.n == whole.n
    np.testing.assert_allclose(merged.mean, whole.mean, rtol=1e-9, atol=1e-9 * peak)
    np.testing.assert_allclose(merged.c, whole.c, rtol=1e-8,
                               atol=max(1e-8 * peak**2 * x.shape[0], SUBNORMAL_STEPS))


def test_comoments_match_numpy_cov():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 3)) @ [[1, 0.5, 0], [0, 1, 0.3], [0, 0, 2]] + 1e6
    # NumPy 2.x: np.cov(x, rowvar=False), ddof = 1
    np.testing.assert_allclose(CoMoments.of(x).cov, np.cov(x, rowvar=False), rtol=1e-9)


@given(tables)
@settings(max_examples=100, deadline=None)
def test_rfactor_merge_gives_the_centred_cross_products(case):
    x, cut = case
    # RᵀR is compared with cross-products, which underflow for data near 1e-160 (R itself,
    # from LAPACK's scaled Householder steps, does not): compare at unit scale. R scales
    # exactly with a power of two, so nothing of the merge goes untested.
    peak = float(np.abs(x).max())
    if peak:
        x = x / math.ldexp(1.0, math.frexp(peak)[1])
    merged = RFactor.of(x[:cut]).merge(RFactor.of(x[cut:]))
    c = CoMoments.of(x).c
    scale = float(np.abs(x).max()) ** 2 * x.shape[0] or 1.0
    np.testing.assert_allclose(merged.r.T @ merged.r, c, rtol=1e-8, atol=1e-9 * scale)
    np.testing.assert_allclose(merged.r, np.triu(merged.r))
    raw = merged.uncentred()
    np.testing.assert_allclose(raw.T @ raw, x.T @ x, rtol=1e-8, atol=1e-9 * scale)


def test_rfactor_is_the_qr_factor_of_the_centred_data():
    # R is unique up to the signs of its rows: compare |R| with NumPy's QR of x − x̄.
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1000, 4))
    parts = [RFactor.of(x[i:i + 137]) for i in range(0, 1000, 137)]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    want = np.linalg.qr(x - x.mean(axis=0), mode="r")
    np.testing.assert_allclose(np.abs(merged.r), np.abs(want), rtol=1e-10, atol=1e-12)
    assert merged.n == 1000


@given(arrays(np.float64, st.integers(1, 200), elements=finite), st.integers(0, 200))
@settings(max_examples=100, deadline=None)
def test_moments_merge_keeps_min_max_and_names(x, cut):
    cut = min(cut, x.size)
    merged = Moments.of(x[:cut], "a").merge(Moments.of(x[cut:], "b"))
    assert merged.name == "a"
    assert (merged.min, merged.max, merged.n) == (x.min(), x.max(), x.size)


def test_group_summaries_equal_per_group_summaries():
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 3, size=300)
    y, x = rng.normal(size=300), rng.normal(size=300)
    by_group = group_comoments(codes, ["a", "b", "c"], [y, x])
    moments = group_moments(codes, ["a", "b", "c"], y)
    for g in range(3):
        alone = CoMoments.of(np.column_stack([y, x])[codes == g])
        np.testing.assert_allclose(by_group[g].c, alone.c, rtol=1e-12)
        assert moments[g].m2 == pytest.approx(alone.c[0, 0], rel=1e-12)
        assert moments[g].mean == pytest.approx(float(y[codes == g].mean()), rel=1e-14)
        assert math.isnan(moments[g].m3)  # not gathered for group summaries


def test_counts_merge_and_moments():
    merged = Counts("A", 10, 3).merge(Counts("A", 5, 2))
    assert merged == Counts("A", 15, 5)
    m = merged.moments()
    assert m.variance == pytest.approx(np.var([1] * 5 + [0] * 10, ddof=1), rel=1e-14)


@given(arrays(np.float64, st.integers(1, 100), elements=st.sampled_from([0.1, 0.2, 0.5, 0.9])),
       st.integers(0, 100), st.integers(0, 2**32 - 1))
@settings(max_examples=50, deadline=None)
def test_score_counts_merge_equals_one_pass(score, cut, seed):
    positive = np.random.default_rng(seed).random(score.size) < 0.5
    cut = min(cut, score.size)
    whole = ScoreCounts.of(score, positive)
    merged = ScoreCounts.of(score[:cut], positive[:cut]).merge(
        ScoreCounts.of(score[cut:], positive[cut:]))
    np.testing.assert_array_equal(merged.scores, whole.scores)
    np.testing.assert_array_equal(merged.positives, whole.positives)
    np.testing.assert_array_equal(merged.negatives, whole.negatives)
    assert whole.positives.sum() == positive.sum()


def test_confusion_merge_aligns_labels():
    a = Confusion.of(np.array([0, 0, 1]), np.array([0, 1, 1]), ("x", "y"))
    b = Confusion.of(np.array([0, 1]), np.array([1, 1]), ("y", "z"))
    merged = a.merge(b)
    assert merged.labels == ("x", "y", "z")
    np.testing.assert_array_equal(merged.matrix, [[1, 1, 0], [0, 1, 1], [0, 0, 1]])
