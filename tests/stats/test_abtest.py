"""ab-test statistics against R 4.2.2, statsmodels 0.15.0 and SciPy 1.17.1.

R literals come from /work/shared/reference/R-reference.txt; the others were computed once
with the call in the comment beside them and pasted at full precision.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis.extra.numpy import arrays
from scipy import stats

from mlstats.errors import InputError
from mlstats.stats.abtest import (
    Counts,
    Moments,
    ab_test_rows,
    ab_test_summaries,
    chi2_test,
    cuped,
    fisher_test,
    group_counts,
    group_moments,
    is_two_valued,
    lift_ci,
    mann_whitney,
    mann_whitney_counts,
    parse_counts,
    parse_means,
    parse_ratio,
    permutation_counts,
    permutation_means,
    proportion_diff_ci,
    resample_work,
    sample_ratio_p_value,
    t_test,
    two_valued_labels,
    welch_diff_ci,
    z_test,
)
from mlstats.stats.multiple import adjust_pvalues
from tests.conftest import SAMPLE

A = Counts("A", 1000, 120)
B = Counts("B", 1000, 150)


@pytest.fixture(scope="module")
def tooth():
    data = pd.read_csv(SAMPLE / "toothgrowth.csv")
    codes, labels = pd.factorize(data["supp"])  # VC first, as in the file
    return codes, list(labels), data["len"].to_numpy(float)


def tooth_groups(tooth):
    codes, labels, values = tooth
    vc, oj = group_moments(codes, labels, values)
    return oj, vc, values[codes == 1], values[codes == 0]


# -- summaries -------------------------------------------------------------------------------
def test_group_moments_match_numpy(tooth):
    oj, vc, x_oj, x_vc = tooth_groups(tooth)
    assert (oj.name, oj.n, vc.name, vc.n) == ("OJ", 30, "VC", 30)
    assert oj.mean == pytest.approx(np.mean(x_oj), rel=1e-12)
    assert oj.variance == pytest.approx(np.var(x_oj, ddof=1), rel=1e-12)
    assert vc.variance == pytest.approx(np.var(x_vc, ddof=1), rel=1e-12)


@given(arrays(np.float64, st.integers(2, 60), elements=st.floats(-1e6, 1e6)),
       st.integers(1, 59))
@settings(deadline=None, max_examples=60)
def test_moments_merge_equals_whole(x, cut):
    # Chan's merge of two parts = the moments of the whole sample
    cut = min(cut, x.size - 1)
    codes = np.zeros(x.size, dtype=np.intp)
    (whole,) = group_moments(codes, ["g"], x)
    (left,) = group_moments(codes[:cut], ["g"], x[:cut])
    (right,) = group_moments(codes[cut:], ["g"], x[cut:])
    merged = left.merge(right)
    scale = 1 + float(np.abs(x).max())
    assert merged.n == whole.n
    assert merged.mean == pytest.approx(whole.mean, rel=1e-9, abs=1e-9 * scale)
    assert merged.m2 == pytest.approx(whole.m2, rel=1e-8, abs=1e-9 * scale**2)


def test_counts_merge_and_moments():
    merged = Counts("A", 10, 3).merge(Counts("A", 5, 2))
    assert (merged.n, merged.successes) == (15, 5)
    m = merged.moments()
    values = np.r_[np.ones(5), np.zeros(10)]
    assert m.mean == pytest.approx(values.mean(), rel=1e-15)
    assert m.variance == pytest.approx(values.var(ddof=1), rel=1e-14)


def test_group_counts():
    codes = np.array([0, 1, 0, 1, 1])
    assert group_counts(codes, ["A", "B"], np.array([1, 0, 0, 1, 1.0])) == (
        Counts("A", 2, 1), Counts("B", 3, 2))


def test_two_valued_detection():
    assert two_valued_labels(["Yes", "no"]).tolist() == [True, False]
    assert two_valued_labels(["FALSE", "true"]).tolist() == [False, True]
    assert two_valued_labels(["yes"]).tolist() == [True]
    assert two_valued_labels(["yes", "true"]) is None
    assert two_valued_labels(["a", "b"]) is None
    assert is_two_valued(np.array([0.0, 1.0, 1.0]))
    assert not is_two_valued(np.array([0.0, 2.0]))
    assert not is_two_valued(np.array([]))


# -- tests against the references ------------------------------------------------------------
def test_welch_matches_r(tooth):
    oj, vc, _, _ = tooth_groups(tooth)
    t, df, p = t_test(oj, vc)
    # R 4.2.2: t.test(len ~ supp, ToothGrowth)
    assert t == pytest.approx(1.91526826869527, rel=1e-8)
    assert df == pytest.approx(55.3094326826406, rel=1e-8)
    assert p == pytest.approx(0.0606345078809341, rel=1e-8)
    low, high = welch_diff_ci(oj, vc)
    assert low == pytest.approx(-0.171015618367165, rel=1e-8)
    assert high == pytest.approx(7.571015618367163, rel=1e-8)


@pytest.mark.parametrize(("alternative", "equal_var", "p_ref"), [
    # SciPy 1.17.1: ttest_ind(OJ, VC, equal_var=..., alternative=...) on toothgrowth.csv
    ("larger", False, 0.03031725394046696),
    ("smaller", False, 0.9696827460595331),
    ("two-sided", True, 0.06039337122412848),
    ("larger", True, 0.03019668561206424),
    ("smaller", True, 0.9698033143879358),
])
def test_t_test_alternatives_match_scipy(tooth, alternative, equal_var, p_ref):
    oj, vc, _, _ = tooth_groups(tooth)
    t, df, p = t_test(oj, vc, alternative=alternative, equal_var=equal_var)
    assert t == pytest.approx(1.91526826869527, rel=1e-8)
    assert p == pytest.approx(p_ref, rel=1e-8)
    if equal_var:
        assert df == 58


def test_mann_whitney_matches_r(tooth):
    _, _, x_oj, x_vc = tooth_groups(tooth)
    u, p = mann_whitney(x_oj, x_vc)
    # R 4.2.2: wilcox.test(len ~ supp, ToothGrowth, exact=FALSE)
    assert u == 575.5
    assert p == pytest.approx(0.0644906721338357, rel=1e-8)


@pytest.mark.parametrize(("alternative", "p_ref"), [
    # SciPy 1.17.1: mannwhitneyu(OJ, VC, alternative=..., method="asymptotic")
    ("larger", 0.03224533606691785),
    ("smaller", 0.9688084275595561),
])
def test_mann_whitney_one_sided_matches_scipy(tooth, alternative, p_ref):
    _, _, x_oj, x_vc = tooth_groups(tooth)
    assert mann_whitney(x_oj, x_vc, alternative=alternative)[1] == pytest.approx(p_ref,
                                                                                 rel=1e-8)


@given(st.lists(st.integers(0, 6), min_size=2, max_size=40),
       st.lists(st.integers(0, 6), min_size=2, max_size=40),
       st.sampled_from(["two-sided", "larger", "smaller"]))
@settings(deadline=None, max_examples=80)
def test_mann_whitney_with_ties_matches_scipy(x, y, alternative):
    x, y = np.array(x, float), np.array(y, float)
    if np.unique(np.r_[x, y]).size < 2:
        assert math.isnan(mann_whitney(x, y)[1])
        return
    # method="auto": asymptotic with ties, exact for a sample of ≤ 8 without them
    ref = stats.mannwhitneyu(x, y, alternative={"larger": "greater", "smaller": "less"}.get(
        alternative, alternative), method="auto", use_continuity=True)
    u, p = mann_whitney(x, y, alternative=alternative)
    assert u == ref.statistic
    assert p == pytest.approx(ref.pvalue, rel=1e-8, abs=1e-300)


@given(st.integers(1, 60), st.integers(1, 60), st.data(),
       st.sampled_from(["two-sided", "larger", "smaller"]))
@settings(deadline=None, max_examples=60)
@pytest.mark.filterwarnings("ignore:Precision loss occurred:RuntimeWarning")
def test_two_valued_tests_from_counts_equal_tests_on_rows(n_t, n_c, data, alternative):
    # counts carry everything: the same U, p and t as the expanded 0/1 rows
    s_t = data.draw(st.integers(0, n_t))
    s_c = data.draw(st.integers(0, n_c))
    x_t = np.r_[np.ones(s_t), np.zeros(n_t - s_t)]
    x_c = np.r_[np.ones(s_c), np.zeros(n_c - s_c)]
    t, c = Counts("B", n_t, s_t), Counts("A", n_c, s_c)
    u_rows, p_rows = mann_whitney(x_t, x_c, alternative=alternative)
    u_counts, p_counts = mann_whitney_counts(t, c, alternative=alternative)
    assert u_counts == u_rows
    assert p_counts == pytest.approx(p_rows, rel=1e-9, nan_ok=True)
    if n_t > 1 and n_c > 1 and 0 < s_t + s_c < n_t + n_c and (s_t, s_c) != (0, 0):
        ref = stats.ttest_ind(x_t, x_c, equal_var=False)
        got = t_test(t.moments(), c.moments())
        if np.isfinite(ref.statistic):
            assert got[0] == pytest.approx(ref.statistic, rel=1e-9)


def test_z_test_matches_statsmodels_and_r():
    z, p = z_test(B, A)
    # statsmodels 0.15.0: proportions_ztest([150, 120], [1000, 1000])
    assert z == pytest.approx(1.963049807622355, rel=1e-8)
    assert p == pytest.approx(0.04964038686536878, rel=1e-8)
    # R 4.2.2: prop.test(c(120,150), c(1000,1000), correct=FALSE): X² = z², same p
    assert z * z == pytest.approx(3.85356454720617, rel=1e-8)
    assert p == pytest.approx(0.0496403868653688, rel=1e-8)
    # statsmodels 0.15.0: proportions_ztest(..., alternative="larger" / "smaller")
    assert z_test(B, A, alternative="larger")[1] == pytest.approx(0.02482019343268439, rel=1e-8)
    assert z_test(B, A, alternative="smaller")[1] == pytest.approx(0.9751798065673156, rel=1e-8)


def test_chi2_matches_r_prop_test():
    x2, p = chi2_test(B, A)
    # R 4.2.2: prop.test(c(120,150), c(1000,1000)) (Yates)
    assert x2 == pytest.approx(3.60094198244487, rel=1e-8)
    assert p == pytest.approx(0.0577468415096888, rel=1e-8)
    # R's one-sided p is pnorm(sign(Δ)·√X²): half the two-sided p on the observed side
    assert chi2_test(B, A, alternative="larger")[1] == pytest.approx(0.0577468415096888 / 2,
                                                                    rel=1e-8)
    assert chi2_test(B, A, alternative="smaller")[1] == pytest.approx(
        1 - 0.0577468415096888 / 2, rel=1e-8)


def test_chi2_yates_shrinks_for_tiny_differences():
    # R: YATES = min(0.5, |Δ|/Σ(1/n)); equal rates give X² = 0 and p = 1
    x2, p = chi2_test(Counts("B", 10, 5), Counts("A", 10, 5))
    assert (x2, p) == (0.0, 1.0)


def test_fisher_matches_r_and_scipy():
    odds, p = fisher_test(B, A)
    # R 4.2.2: fisher.test(matrix(c(120,880,150,850),2))$p.value
    assert p == pytest.approx(0.0575958508689268, rel=1e-8)
    # SciPy 1.17.1: fisher_exact([[150, 850], [120, 880]]) (sample odds ratio)
    assert odds == pytest.approx(1.2941176470588236, rel=1e-12)
    # SciPy 1.17.1: fisher_exact(..., alternative="greater" / "less")
    assert fisher_test(B, A, alternative="larger")[1] == pytest.approx(0.02879792543446337,
                                                                      rel=1e-8)
    assert fisher_test(B, A, alternative="smaller")[1] == pytest.approx(0.9788193963335934,
                                                                       rel=1e-8)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_fisher_equals_scipy_on_every_small_table():
    # the two-sided rule and both tails as SciPy 1.17.1 fisher_exact, table by table
    alternatives = {"two-sided": "two-sided", "larger": "greater", "smaller": "less"}
    for n_t, n_c in itertools.product(range(1, 7), repeat=2):
        for s_t, s_c in itertools.product(range(n_t + 1), range(n_c + 1)):
            variant, control = Counts("B", n_t, s_t), Counts("A", n_c, s_c)
            for ours, theirs in alternatives.items():
                odds, p = fisher_test(variant, control, alternative=ours)
                ref = stats.fisher_exact([[s_t, n_t - s_t], [s_c, n_c - s_c]],
                                         alternative=theirs)
                assert p == pytest.approx(ref.pvalue, rel=1e-12), (variant, control, ours)
                ref_odds = float(ref.statistic)
                assert (odds == ref_odds if math.isfinite(ref_odds) else math.isnan(odds))


def test_fisher_with_billions_of_rows():
    # SciPy 1.17.1 fisher_exact overflows int64 here: two-sided p 0.0787 (= one-sided) and
    # a wrong odds ratio. Equal group sizes and K = N/2 successes make X symmetric about its
    # mode, so the two-sided p is exactly twice the one-sided one.
    variant = Counts("B", 10**10, 5_000_100_000)
    control = Counts("A", 10**10, 5 * 10**9)
    odds, p = fisher_test(variant, control)
    _, larger = fisher_test(variant, control, alternative="larger")
    assert larger == pytest.approx(0.07865123255045435, rel=1e-6)  # z = 1.41421: 0.0786496
    assert p == pytest.approx(2 * larger, rel=1e-9)
    assert odds == 5_000_100_000 * 5 * 10**9 / (4_999_900_000 * 5 * 10**9)


def test_count_limits_of_fisher_and_permutation():
    huge = [Counts("A", 10**17, 10**16), Counts("B", 10**17, 2 * 10**16)]
    with pytest.raises(InputError) as err:
        ab_test_summaries(huge, test="fisher")
    assert str(err.value) == ("--test fisher handles up to 2^53 rows in all (got "
                              "200000000000000000); use --test z or chi2, which are exact "
                              "enough at this size")
    big = [Counts("A", 10**9, 5 * 10**8), Counts("B", 10**9, 5 * 10**8)]
    with pytest.raises(InputError) as err:
        ab_test_summaries(big, test="permutation", resamples=10)
    assert str(err.value) == ("--test permutation from counts handles fewer than 10^9 "
                              "successes and 10^9 failures in all (got 1000000000 and "
                              "1000000000); use --test z or fisher, which need no resampling")


@pytest.mark.parametrize(("method", "alpha", "low", "high"), [
    # statsmodels 0.15.0: confint_proportions_2indep(150, 1000, 120, 1000, method=...)
    ("wald", 0.05, 7.60288212977786e-05, 0.05992397117870222),
    ("newcombe", 0.05, 1.3782434204051563e-05, 0.06000825857012657),
    ("agresti-caffo", 0.05, -2.2147292430482746e-05, 0.059902386813388594),
    # statsmodels 0.15.0: confint_proportions_2indep(7, 40, 2, 35, method=..., alpha=0.1)
    ("wald", 0.1, -0.00016879704565433973, 0.23588308275994005),
    ("newcombe", 0.1, -0.009772069320544419, 0.24223918432829633),
    ("agresti-caffo", 0.1, -0.014625227295889762, 0.23341544608610854),
])
def test_proportion_intervals_match_statsmodels(method, alpha, low, high):
    t, c = (B, A) if alpha == 0.05 else (Counts("B", 40, 7), Counts("A", 35, 2))
    got = proportion_diff_ci(t, c, alpha=alpha, method=method)
    assert got == pytest.approx((low, high), rel=1e-8)


def test_lift_interval_by_hand():
    # delta method by hand for 150/1000 vs 120/1000
    m_t, m_c = 0.15, 0.12
    v_t, v_c = 0.15 * 0.85 / 1000, 0.12 * 0.88 / 1000
    se = math.sqrt(v_t / 0.12**2 + 0.15**2 * v_c / 0.12**4)
    half = 1.959963984540054 * se  # qnorm(0.975)
    lift, low, high = lift_ci(m_t, v_t, m_c, v_c)
    assert lift == pytest.approx(0.25, rel=1e-12)
    assert (low, high) == pytest.approx((0.25 - half, 0.25 + half), rel=1e-12)
    assert all(math.isnan(v) for v in lift_ci(1.0, 0.1, 0.0, 0.1))


def test_lift_interval_does_not_overflow():
    # m_c⁴ overflows a float for m_c > 1e77: the interval must scale, not raise
    lift, low, high = lift_ci(2e200, 1.0, 1e200, 1.0)
    assert (lift, low, high) == (1.0, 1.0, 1.0)  # half-width 1.96·√5·1e-200 vanishes
    small = lift_ci(0.15, 0.15 * 0.85 / 1000, 0.12, 0.12 * 0.88 / 1000)
    big = lift_ci(0.15e100, 0.15 * 0.85 / 1000 * 1e200, 0.12e100, 0.12 * 0.88 / 1000 * 1e200)
    assert big == pytest.approx(small, rel=1e-12)


@pytest.mark.parametrize("factor", [1e300, 1e-300, 2.0**-1000])
@pytest.mark.parametrize("test", ["welch", "student", "mannwhitney", "permutation"])
def test_extreme_magnitudes_give_the_same_tests(factor, test):
    # every statistic is scale invariant; values near 1e±300 used to overflow or underflow
    # (an internal error) because their squares are not floats
    codes = np.array([0, 0, 0, 1, 1, 1])
    values = np.array([1.0, 2, 3, 4, 5, 7])
    unit = ab_test_rows(codes, ["A", "B"], values, binary=False, test=test, seed=1)
    scaled = ab_test_rows(codes, ["A", "B"], values * factor, binary=False, test=test, seed=1)
    (u,), (s,) = unit.comparisons, scaled.comparisons
    assert s.p_value == pytest.approx(u.p_value, rel=1e-12)
    for key in ("diff", "ci_low", "ci_high"):
        assert getattr(s, key) == pytest.approx(getattr(u, key) * factor, rel=1e-12)
    for key in ("lift", "lift_ci_low", "lift_ci_high"):
        assert getattr(s, key) == pytest.approx(getattr(u, key), rel=1e-12)
    expected = u.statistic * (factor if test == "permutation" else 1)
    assert s.statistic == pytest.approx(expected, rel=1e-12)
    assert [g.std for g in scaled.groups] == pytest.approx(
        [g.std * factor for g in unit.groups], rel=1e-12)


def test_extreme_summaries_and_covariates():
    means = parse_means(["A=10/1e80/1", "B=10/2e80/1"])
    (c,) = ab_test_summaries(means).comparisons
    assert (c.diff, c.lift, c.p_value) == (1e80, 1.0, 0.0)
    # v = s²/n near 1e-301: v² underflows in the Welch degrees of freedom
    moments = [Moments("A", 10, 1e-150, 9e-300), Moments("B", 12, 3e-150, 11e-300)]
    unit = [Moments("A", 10, 1.0, 9.0), Moments("B", 12, 3.0, 11.0)]
    (tiny,), (ref,) = ab_test_summaries(moments).comparisons, ab_test_summaries(unit).comparisons
    assert tiny.p_value == pytest.approx(ref.p_value, rel=1e-12)
    assert tiny.ci_low == pytest.approx(ref.ci_low * 1e-150, rel=1e-12)
    codes = np.array([0] * 4 + [1] * 4)
    y, x = np.array(CUPED_ROWS["y"]), np.array(CUPED_ROWS["x"])
    plain = ab_test_rows(codes, ["A", "B"], y, binary=False, covariate=x)
    scaled = ab_test_rows(codes, ["A", "B"], y * 1e-300, binary=False, covariate=x * 1e-290)
    assert scaled.theta == pytest.approx(plain.theta * 1e-10, rel=1e-12)
    assert scaled.comparisons[0].p_value == pytest.approx(plain.comparisons[0].p_value,
                                                          rel=1e-12)


def test_welch_with_subnormal_variances_of_the_mean():
    # v_a² underflows to 0 while v_a + v_b > 0: used to divide by zero
    a, b = Moments("A", 2, 0.0, 5e-321), Moments("B", 2, 1e-161, 5e-321)
    t, df, p = t_test(b, a)
    assert df == pytest.approx(2.0, rel=1e-2) and math.isfinite(t) and 0 < p < 1


def test_student_with_two_single_rows_is_undefined():
    res = ab_test_summaries([Counts("A", 1, 1), Counts("B", 1, 0)], test="student")
    (c,) = res.comparisons
    assert math.isnan(c.p_value) and c.significant is None and res.family_size == 0
    assert res.warnings[:2] == ("group 'A' has 1 row, so its std is undefined (null)",
                                "group 'B' has 1 row, so its std is undefined (null)")
    assert any("the student test is undefined" in w for w in res.warnings)


def test_tiny_alpha_keeps_finite_intervals():
    # 1 − α/2 rounds to 1 for α < 1e-16: the quantile must come from the lower tail
    res = ab_test_summaries([A, B], alpha=1e-300)
    (c,) = res.comparisons
    assert all(math.isfinite(v) for v in (c.ci_low, c.ci_high, c.lift_ci_low, c.lift_ci_high))
    z = -stats.norm.ppf(0.5e-300)
    assert c.ci_high - c.diff == pytest.approx(
        z * math.sqrt(0.15 * 0.85 / 1000 + 0.12 * 0.88 / 1000), rel=1e-12)
    oj, vc = Moments("OJ", 30, 20.0, 29 * 4.0), Moments("VC", 30, 17.0, 29 * 9.0)
    low, high = welch_diff_ci(oj, vc, alpha=1e-300)
    assert 3.0 - low == pytest.approx(high - 3.0, rel=1e-12)
    df = 29 * 13**2 / (4**2 + 9**2)  # Welch–Satterthwaite, equal n
    assert high - 3.0 == pytest.approx(-stats.t.ppf(0.5e-300, df) * math.sqrt(13 / 30),
                                       rel=1e-9)


def test_sample_ratio_with_huge_parts():
    # 1e308 + 1e308 overflows: the parts are normalised first (srm_p_value was null)
    assert sample_ratio_p_value([1000, 1000], [1e308, 1e308]) == 1.0
    assert sample_ratio_p_value([600, 400], [3e307, 2e307]) == pytest.approx(1.0, rel=1e-12)


def test_sample_ratio_mismatch_matches_scipy():
    # SciPy 1.17.1: chisquare([5000, 4800]).pvalue
    assert sample_ratio_p_value([5000, 4800], [50, 50]) == pytest.approx(0.04335175126086287,
                                                                         rel=1e-8)
    # SciPy 1.17.1: chisquare([5000, 2600, 2400], [5000, 2500, 2500]).pvalue
    assert sample_ratio_p_value([5000, 2600, 2400], [2, 1, 1]) == pytest.approx(
        0.018315638888734182, rel=1e-8)


P = np.array([0.012, 0.041, 0.033, 0.2, 0.041, 0.51, 0.0007])


@pytest.mark.parametrize(("correction", "expected"), [
    # statsmodels 0.15.0: multipletests(P, method="holm")[1]
    ("holm", [0.07200000000000001, 0.165, 0.165, 0.4, 0.165, 0.51, 0.0049]),
    # statsmodels 0.15.0: multipletests(P, method="bonferroni")[1]
    ("bonferroni", [0.084, 0.28700000000000003, 0.231, 1.0, 0.28700000000000003, 1.0, 0.0049]),
    # statsmodels 0.15.0: multipletests(P, method="simes-hochberg")[1]
    ("hochberg", [0.07200000000000001, 0.123, 0.123, 0.4, 0.123, 0.51, 0.0049]),
    # SciPy 1.17.1: false_discovery_control(P) (= multipletests fdr_bh)
    ("bh", [0.042, 0.0574, 0.0574, 0.23333333333333336, 0.0574, 0.51, 0.0049]),
    # SciPy 1.17.1: false_discovery_control(P, method="by")
    ("by", [0.1089, 0.14883, 0.14883, 0.605, 0.14883, 1.0, 0.012704999999999998]),
    ("none", P.tolist()),
])
def test_adjusted_p_values_match_references(correction, expected):
    assert adjust_pvalues(P, correction=correction) == pytest.approx(expected, rel=1e-8)


@given(arrays(np.float64, st.integers(1, 12), elements=st.floats(0, 1)),
       st.sampled_from([("holm", "holm"), ("bonferroni", "bonferroni"),
                        ("hochberg", "simes-hochberg"), ("bh", "fdr_bh"), ("by", "fdr_by")]))
@settings(deadline=None, max_examples=80)
def test_adjusted_p_values_match_statsmodels(p, methods):
    from statsmodels.stats.multitest import multipletests

    ours, theirs = methods
    ref = multipletests(p, method=theirs)[1]
    assert adjust_pvalues(p, correction=ours) == pytest.approx(ref, rel=1e-9, abs=1e-15)


def test_adjust_keeps_nan_out_of_the_family():
    got = adjust_pvalues(np.array([0.01, np.nan, 0.02]), correction="bonferroni")
    assert got[0] == pytest.approx(0.02) and math.isnan(got[1]) and got[2] == pytest.approx(0.04)


# -- permutation tests -----------------------------------------------------------------------
def test_permutation_means_close_to_scipy(tooth):
    _, _, x_oj, x_vc = tooth_groups(tooth)
    diff, p = permutation_means(x_oj, x_vc, resamples=40_000, rng=np.random.default_rng(3))
    assert diff == pytest.approx(3.7, rel=1e-12)
    # SciPy 1.17.1: permutation_test((OJ, VC), mean diff, vectorized=True,
    # n_resamples=100000, rng=0).pvalue = 0.06045939540604594; Monte Carlo: 4 standard errors
    se = math.sqrt(0.0605 * 0.9395 / 40_000) * 2
    assert p == pytest.approx(0.06045939540604594, abs=4 * se)


def _exact_permutation_p(x_t, x_c, alternative):
    pooled = np.r_[x_t, x_c]
    observed = x_t.mean() - x_c.mean()
    diffs = []
    for chosen in itertools.combinations(range(pooled.size), x_t.size):
        mask = np.zeros(pooled.size, bool)
        mask[list(chosen)] = True
        diffs.append(pooled[mask].mean() - pooled[~mask].mean())
    diffs = np.array(diffs)
    tol = 1e-9
    above = np.mean(diffs >= observed - tol)
    below = np.mean(diffs <= observed + tol)
    return {"larger": above, "smaller": below, "two-sided": min(1, 2 * min(above, below))}[
        alternative]


@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
@pytest.mark.parametrize(("x_t", "x_c"), [
    ([3.1, 4.5, 6.0, 5.2], [2.0, 3.3, 1.5, 4.1, 2.2, 2.9]),  # variant is the smaller group
    ([3.0, 4.0, 6.0, 5.0, 2.0, 7.0], [2.0, 3.0, 1.0, 4.0]),  # control is the smaller group
])
def test_permutation_means_matches_exact_distribution(x_t, x_c, alternative):
    x_t, x_c = np.array(x_t), np.array(x_c)
    exact = _exact_permutation_p(x_t, x_c, alternative)
    _, p = permutation_means(x_t, x_c, alternative=alternative, resamples=40_000,
                             rng=np.random.default_rng(11))
    se = math.sqrt(max(exact * (1 - exact), 0.01) / 40_000) * (2 if alternative ==
                                                                "two-sided" else 1)
    assert p == pytest.approx(exact, abs=4 * se + 1 / 40_001)


def test_permutation_large_input_uses_matrix_product():
    # beyond the lookup-table size the sums go through a matrix product: same answers
    rng = np.random.default_rng(5)
    x_t = rng.normal(0.02, 1, 70_000)
    x_c = rng.normal(0.0, 1, 70_000)
    _, p = permutation_means(x_t, x_c, resamples=60, rng=np.random.default_rng(1))
    ref = stats.ttest_ind(x_t, x_c).pvalue
    assert 0 < p <= 1
    assert abs(p - ref) < 0.25  # 60 resamples: a coarse Monte Carlo estimate


def test_permutation_is_reproducible_and_batch_invariant(tooth):
    _, _, x_oj, x_vc = tooth_groups(tooth)
    runs = [permutation_means(x_oj, x_vc, resamples=999, rng=np.random.default_rng(42),
                              batch=b) for b in (None, 1, 7, 999)]
    assert len(set(runs)) == 1


@pytest.mark.parametrize(("alternative", "scipy_alt"), [("larger", "greater"),
                                                        ("smaller", "less")])
def test_permutation_counts_one_sided_is_fisher(alternative, scipy_alt):
    # the permutation distribution of 0/1 data is hypergeometric: one-sided Fisher exactly
    t, c = Counts("B", 60, 21), Counts("A", 55, 12)
    exact = stats.fisher_exact([[21, 39], [12, 43]], alternative=scipy_alt).pvalue
    _, p = permutation_counts(t, c, alternative=alternative, resamples=100_000,
                              rng=np.random.default_rng(2))
    assert p == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 100_000))


def test_permutation_progress_counts_every_resample():
    seen = []
    permutation_means(np.arange(5.0), np.arange(7.0), resamples=2500,
                      rng=np.random.default_rng(0), progress=seen.append, batch=1000)
    assert seen == [1000, 1000, 500]
    assert resample_work("permutation", 3, 100, cuped=True) == 400
    assert resample_work("welch", 3, 100, cuped=False) == 0


# -- CUPED -----------------------------------------------------------------------------------
CUPED_ROWS = {  # group, y, x
    "group": ["A", "A", "A", "A", "B", "B", "B", "B"],
    "y": [3.0, 5.0, 4.0, 8.0, 6.0, 7.0, 5.0, 9.0],
    "x": [1.0, 3.0, 2.0, 6.0, 2.0, 4.0, 1.0, 5.0],
}


def test_cuped_by_hand():
    y = [Fraction(v).limit_denominator() for v in CUPED_ROWS["y"]]
    x = [Fraction(v).limit_denominator() for v in CUPED_ROWS["x"]]
    xm, ym = sum(x) / len(x), sum(y) / len(y)
    theta = sum((a - xm) * (b - ym) for a, b in zip(x, y, strict=True)) / sum(
        (a - xm) ** 2 for a in x)
    adj = [b - theta * (a - xm) for a, b in zip(x, y, strict=True)]
    am = sum(adj) / len(adj)
    reduction = 1 - sum((v - am) ** 2 for v in adj) / sum((v - ym) ** 2 for v in y)
    codes = np.array([0] * 4 + [1] * 4)
    res = ab_test_rows(codes, ["A", "B"], np.array(CUPED_ROWS["y"]), binary=False,
                       covariate=np.array(CUPED_ROWS["x"]))
    assert res.theta == pytest.approx(float(theta), rel=1e-12)
    assert res.variance_reduction == pytest.approx(float(reduction), rel=1e-12)
    adj_a = np.array([float(v) for v in adj[:4]])
    adj_b = np.array([float(v) for v in adj[4:]])
    ref = stats.ttest_ind(adj_b, adj_a, equal_var=False)
    (comparison,) = res.comparisons
    assert comparison.diff == pytest.approx(adj_b.mean() - adj_a.mean(), rel=1e-12)
    assert comparison.statistic == pytest.approx(ref.statistic, rel=1e-10)
    assert comparison.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    assert comparison.lift == pytest.approx((adj_b.mean() - adj_a.mean()) / adj_a.mean(),
                                            rel=1e-12)
    # unadjusted: the plain Welch test on y; groups report the raw y
    (raw,) = res.unadjusted.comparisons
    plain = stats.ttest_ind(np.array(CUPED_ROWS["y"][4:]), np.array(CUPED_ROWS["y"][:4]),
                            equal_var=False)
    assert raw.p_value == pytest.approx(plain.pvalue, rel=1e-10)
    assert [g.mean for g in res.groups] == pytest.approx([5.0, 6.75], rel=1e-12)


def test_cuped_matches_ols_when_covariate_means_are_balanced():
    # With equal covariate means per group, the pooled θ is the within-group OLS slope, so
    # the CUPED effect equals the OLS group coefficient; the standard errors are close.
    import statsmodels.api as sm

    rng = np.random.default_rng(7)
    n = 400
    x = rng.normal(10, 2, n)
    x[n // 2:] += x[: n // 2].mean() - x[n // 2:].mean()  # balance the covariate means
    group = np.r_[np.zeros(n // 2), np.ones(n // 2)]
    y = 2 + 0.3 * group + 0.8 * x + rng.normal(0, 1, n)
    res = ab_test_rows(group.astype(int), ["A", "B"], y, binary=False, covariate=x)
    design = sm.add_constant(np.column_stack([group, x - x.mean()]))
    ols = sm.OLS(y, design).fit()
    (comparison,) = res.comparisons
    assert comparison.diff == pytest.approx(ols.params[1], rel=1e-10)
    se = comparison.diff / comparison.statistic
    assert se == pytest.approx(ols.bse[1], rel=0.02)


@given(arrays(np.float64, st.integers(6, 60), elements=st.floats(-100, 100)),
       arrays(np.float64, st.integers(6, 60), elements=st.floats(-100, 100)))
@settings(deadline=None, max_examples=60)
def test_cuped_variance_reduction_is_squared_correlation(y, x):
    n = min(y.size, x.size)
    y, x = y[:n], x[:n]
    if np.ptp(x) < 1e-6 or np.ptp(y) < 1e-6:
        return
    _, _, reduction, _ = cuped(y, x)
    r = np.corrcoef(y, x)[0, 1]
    assert reduction == pytest.approx(r * r, abs=1e-9)


def test_cuped_constant_covariate_is_an_error():
    with pytest.raises(InputError) as err:
        cuped(np.arange(4.0), np.ones(4))
    assert str(err.value) == ("the --covariate column is constant; CUPED needs a "
                              "pre-experiment value that varies between rows")


def test_cuped_covariate_constant_in_the_data_is_an_error():
    # np.mean of six 0.1s is 0.09999999999999999: Σdx² > 0 gave θ = −10.67 and no error
    with pytest.raises(InputError, match="the --covariate column is constant"):
        ab_test_rows(np.array([0, 0, 0, 1, 1, 1]), ["A", "B"],
                     np.array([1, 2, 3, 2, 4, 5.0]), binary=False, covariate=np.full(6, 0.1))


def test_cuped_refuses_proportion_tests():
    with pytest.raises(InputError) as err:
        ab_test_rows(np.array([0, 0, 1, 1]), ["A", "B"], np.array([0, 1, 1, 1.0]),
                     binary=True, covariate=np.array([1, 2, 3, 5.0]), test="fisher")
    assert str(err.value) == ("--test fisher cannot be used with --covariate: CUPED-adjusted "
                              "values are continuous; use welch, student, mannwhitney or "
                              "permutation")


def test_cuped_on_a_two_valued_metric_is_a_mean_analysis():
    codes = np.array([0] * 5 + [1] * 5)
    y = np.array([0, 1, 0, 0, 1, 1, 1, 0, 1, 1.0])
    x = np.array([1, 3, 2, 1, 4, 3, 5, 1, 4, 4.0])
    res = ab_test_rows(codes, ["A", "B"], y, binary=True, covariate=x)
    assert res.test == "welch" and res.ci_method is None
    assert [g.successes for g in res.groups] == [2, 4]
    (raw,) = res.unadjusted.comparisons
    ref = stats.ttest_ind(y[5:], y[:5], equal_var=False)
    assert raw.p_value == pytest.approx(ref.pvalue, rel=1e-10)


# -- whole results ---------------------------------------------------------------------------
def test_one_comparison_is_also_top_level():
    record = ab_test_summaries([A, B]).as_record()
    assert record["test"] == "z" and record["control"] == "A" and record["family_size"] == 1
    assert record["diff"] == pytest.approx(0.03, rel=1e-12)
    assert record["lift"] == pytest.approx(0.25, rel=1e-12)
    assert record["p_value"] == pytest.approx(0.04964038686536878, rel=1e-8)
    assert record["significant"] is True
    assert record["ci_low"] == pytest.approx(7.60288212977786e-05, rel=1e-8)
    assert "srm_p_value" not in record and "theta" not in record and "unadjusted" not in record
    group = record["groups"][1]
    assert (group.name, group.n, group.successes, group.mean) == ("B", 1000, 150, 0.15)
    assert group.std == pytest.approx(np.r_[np.ones(150), np.zeros(850)].std(ddof=1), rel=1e-12)


def test_several_variants_are_adjusted_against_the_control():
    groups = [Counts("A", 1000, 120), Counts("B", 1000, 150), Counts("C", 1000, 160)]
    res = ab_test_summaries(groups, correction="holm")
    raw = [z_test(g, groups[0])[1] for g in groups[1:]]
    # statsmodels-equivalent Holm by hand for two p-values
    small, large = sorted(raw)
    holm = {small: min(1, 2 * small), large: min(1, max(2 * small, large))}
    assert [c.name for c in res.comparisons] == ["B", "C"]
    assert [c.p_adjusted for c in res.comparisons] == pytest.approx([holm[p] for p in raw])
    assert [c.significant for c in res.comparisons] == [c.p_adjusted <= 0.05
                                                        for c in res.comparisons]
    assert res.family_size == 2
    assert "diff" not in res.as_record()
    res_c = ab_test_summaries(groups, control="C", correction="none")
    assert [c.name for c in res_c.comparisons] == ["A", "B"]
    assert all(c.control == "C" for c in res_c.comparisons)


def test_srm_warning_below_threshold():
    res = ab_test_summaries([Counts("A", 5000, 600), Counts("B", 4500, 560)],
                            expected_ratio="50:50")
    assert res.srm_p_value == pytest.approx(sample_ratio_p_value([5000, 4500], [1, 1]))
    assert res.srm_p_value < 0.001
    assert res.warnings[-1].startswith("sample ratio mismatch: group sizes (A 5000, B 4500)")
    fine = ab_test_summaries([A, B], expected_ratio="50:50")
    assert fine.srm_p_value == 1.0 and fine.warnings == ()


def test_means_from_summaries_equal_rows(tooth):
    codes, labels, values = tooth
    rows = ab_test_rows(codes, labels, values, binary=False)
    oj, vc, x_oj, x_vc = tooth_groups(tooth)
    summary = ab_test_summaries(parse_means([
        f"VC=30/{vc.mean!r}/{float(np.std(x_vc, ddof=1))!r}",
        f"OJ=30/{oj.mean!r}/{float(np.std(x_oj, ddof=1))!r}"]))
    for a, b in zip([rows.comparisons[0]], [summary.comparisons[0]], strict=True):
        assert a.p_value == pytest.approx(b.p_value, rel=1e-12)
        assert a.ci_low == pytest.approx(b.ci_low, rel=1e-12)


def test_undefined_results_are_nan_with_warnings():
    res = ab_test_summaries([Counts("A", 50, 0), Counts("B", 50, 0)])
    (c,) = res.comparisons
    assert math.isnan(c.p_value) and math.isnan(c.lift) and c.significant is None
    assert any("lift is undefined" in w for w in res.warnings)
    assert any("the z test is undefined" in w for w in res.warnings)


def test_constant_groups_warn_that_the_interval_is_undefined():
    codes = np.array([0, 0, 1, 1])
    res = ab_test_rows(codes, ["A", "B"], np.array([5.0, 5, 5, 5]), binary=False,
                       test="permutation", resamples=99, seed=1)
    (c,) = res.comparisons
    assert math.isnan(c.ci_low) and math.isnan(c.ci_high) and c.p_value == 1.0
    assert res.warnings == ("B vs A: neither group varies, so the interval for diff is "
                            "undefined; ci_low and ci_high are null",)


def test_family_size_counts_the_adjusted_p_values():
    groups = [Counts("A", 50, 10), Counts("B", 50, 0), Counts("C", 50, 20)]
    res = ab_test_summaries(groups, test="welch", control="B")
    assert [math.isnan(c.p_value) for c in res.comparisons] == [False, False]
    res = ab_test_summaries([Counts("A", 50, 0), Counts("B", 50, 0), Counts("C", 50, 20)])
    assert [math.isnan(c.p_value) for c in res.comparisons] == [True, False]
    assert res.family_size == 1
    assert res.comparisons[1].p_adjusted == res.comparisons[1].p_value


def test_bad_ratio_is_refused_before_the_work():
    seen = []
    with pytest.raises(InputError, match="has 3 parts but there are 2 groups"):
        ab_test_rows(np.array([0, 0, 1, 1]), ["A", "B"], np.array([1.0, 2, 3, 4]),
                     binary=False, test="permutation", expected_ratio="1:1:1",
                     progress=seen.append)
    assert seen == []


def test_small_expected_counts_warn():
    res = ab_test_summaries([Counts("A", 20, 1), Counts("B", 20, 3)])
    assert any("expected count is below 5" in w for w in res.warnings)


# -- input errors ----------------------------------------------------------------------------
@pytest.mark.parametrize(("texts", "message"), [
    (["A=150/100"], "--counts 'A=150/100': successes (150) exceed the group size (100); "
     "write NAME=SUCCESSES/TOTAL, e.g. A=120/1000"),
    (["A=x/10"], "--counts 'A=x/10': 'x' is not a whole number; write NAME=SUCCESSES/TOTAL, "
     "e.g. A=120/1000"),
    (["A120/1000"], "--counts 'A120/1000' is malformed; write NAME=SUCCESSES/TOTAL, "
     "e.g. A=120/1000"),
    (["A=0/0"], "--counts 'A=0/0': the group size must be at least 1; write "
     "NAME=SUCCESSES/TOTAL, e.g. A=120/1000"),
    (["A=1/5", "A=2/5"], "group 'A' is given twice in --counts; name each group once"),
])
def test_bad_counts(texts, message):
    with pytest.raises(InputError) as err:
        parse_counts(texts)
    assert str(err.value) == message


@pytest.mark.parametrize(("texts", "message"), [
    (["A=1/2.0/1"], "--means 'A=1/2.0/1': a group needs at least 2 rows (got 1); write "
     "NAME=N/MEAN/STD, e.g. A=500/12.5/3.2"),
    (["A=10/x/1"], "--means 'A=10/x/1': mean and std must be numbers; write NAME=N/MEAN/STD, "
     "e.g. A=500/12.5/3.2"),
    (["A=10/1/-1"], "--means 'A=10/1/-1': mean must be finite and std finite and not "
     "negative; write NAME=N/MEAN/STD, e.g. A=500/12.5/3.2"),
    (["A=10/1"], "--means 'A=10/1' is malformed; write NAME=N/MEAN/STD, e.g. A=500/12.5/3.2"),
    # M2 = inf used to give t = 0 and p = 1 silently
    (["A=10/1/1e200"], "--means 'A=10/1/1e200': (n − 1)·std² is out of floating-point range; "
     "give the metric in other units (e.g. thousands or millionths)"),
])
def test_bad_means(texts, message):
    with pytest.raises(InputError) as err:
        parse_means(texts)
    assert str(err.value) == message


def test_means_parse():
    (m,) = parse_means(["B=100/-1.5/2"])
    assert (m.name, m.n, m.mean, m.variance) == ("B", 100, -1.5, 4.0)


@pytest.mark.parametrize(("text", "message"), [
    ("50", "--expected-ratio '50' needs two or more positive parts, e.g. 50:50 or 50:25:25"),
    ("50:0", "--expected-ratio '50:0' needs two or more positive parts, e.g. 50:50 or "
     "50:25:25"),
    ("a:b", "--expected-ratio 'a:b' must be numbers separated by ':', e.g. 50:50 or 50:25:25"),
])
def test_bad_ratio(text, message):
    with pytest.raises(InputError) as err:
        parse_ratio(text)
    assert str(err.value) == message


def test_ratio_parts_must_match_groups():
    with pytest.raises(InputError) as err:
        ab_test_summaries([A, B], expected_ratio="50:25:25")
    assert str(err.value) == ("--expected-ratio '50:25:25' has 3 parts but there are 2 groups "
                              "(A, B); give one part per group, in the order the groups appear")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"control": "Z"}, "--control 'Z' is not a group; groups are: A, B"),
    ({"alpha": 1.5}, "--alpha must be between 0 and 1 (got 1.5)"),
    ({"test": "welsh"}, "--test must be one of auto, z, chi2, fisher, welch, student, "
     "mannwhitney, permutation (got 'welsh')"),
    ({"resamples": 0}, "--resamples must be at least 1 (got 0)"),
    ({"seed": -1}, "--seed must be a whole number, 0 or more (got -1)"),
])
def test_bad_options(kwargs, message):
    with pytest.raises(InputError) as err:
        ab_test_summaries([A, B], **kwargs)
    assert str(err.value) == message


def test_fewer_than_two_groups():
    with pytest.raises(InputError) as err:
        ab_test_summaries([A])
    assert str(err.value) == ("an A/B test needs at least two groups, and there is only 'A'; "
                              "check --group (or give --counts/--means once per group)")


def test_one_row_group_for_means():
    with pytest.raises(InputError) as err:
        ab_test_rows(np.array([0, 0, 1]), ["A", "B"], np.array([1.0, 2.0, 3.0]), binary=False)
    assert str(err.value) == ("group 'B' has 1 row; comparing means needs at least 2 rows per "
                              "group")


def test_tests_that_need_rows_or_proportions():
    means = parse_means(["A=10/1/1", "B=10/2/1"])
    with pytest.raises(InputError) as err:
        ab_test_summaries(means, test="permutation")
    assert str(err.value) == ("--test permutation needs the rows of a continuous metric, and "
                              "--means gives only summaries; use welch or student, or give "
                              "the data file")
    with pytest.raises(InputError) as err:
        ab_test_summaries(means, test="chi2")
    assert str(err.value) == ("--test chi2 needs a two-valued metric (0/1, true/false, "
                              "yes/no); for a continuous metric use welch, student, "
                              "mannwhitney or permutation")


@given(st.integers(0, 2**32 - 1), st.sampled_from(["welch", "student", "mannwhitney"]))
@settings(deadline=None, max_examples=25)
def test_row_order_does_not_matter(seed, test):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 3, 90)
    codes[:3] = [0, 1, 2]
    values = np.round(rng.normal(5, 2, 90), 1)  # rounded: ties for the rank test
    order = rng.permutation(90)
    a = ab_test_rows(codes, ["A", "B", "C"], values, binary=False, test=test)
    b = ab_test_rows(codes[order], ["A", "B", "C"], values[order], binary=False, test=test)
    for x, y in zip(a.comparisons, b.comparisons, strict=True):
        assert x.p_value == pytest.approx(y.p_value, rel=1e-10)
        assert x.ci_low == pytest.approx(y.ci_low, rel=1e-10, abs=1e-12)


# -- ratio metrics, units, control choice, exact Mann–Whitney (issues 14 and 18) -------------
def _ratio_data():
    rng = np.random.default_rng(3)
    n = 500
    g = rng.integers(0, 2, n)
    den = 1 + rng.poisson(3, n)
    pre_den = 1 + rng.poisson(3, n)
    pre = rng.gamma(2, 2, n) * pre_den
    num = 0.6 * pre / pre_den * den + rng.normal(0, 2, n) + 0.3 * g * den
    return pd.DataFrame({"variant": g, "num": num, "den": den, "pre": pre, "pre_den": pre_den})


@pytest.mark.parametrize("cuped", [False, True])
def test_ratio_metric_matches_tea_tasting(cuped):
    import tea_tasting as tt

    data = _ratio_data()
    covariates = {"numer_covariate": "pre", "denom_covariate": "pre_den"} if cuped else {}
    # tea-tasting 1.14.0: RatioOfMeans(numer, denom[, covariates]).analyze(data, control=0,
    # treatment=1, variant="variant"): Welch t with the delta-method variance (Deng et al.)
    ref = tt.RatioOfMeans(numer="num", denom="den", **covariates).analyze(
        data, control=0, treatment=1, variant="variant")
    extra = {"covariate": data["pre"].to_numpy(),
             "covariate_denominator": data["pre_den"].to_numpy()} if cuped else {}
    res = ab_test_rows(data["variant"].to_numpy(), ["0", "1"], data["num"].to_numpy(),
                       binary=False, denominator=data["den"].to_numpy(), **extra)
    (c,) = res.comparisons
    assert c.diff == pytest.approx(ref.effect_size, rel=1e-10)
    assert c.ci_low == pytest.approx(ref.effect_size_ci_lower, rel=1e-10)
    assert c.ci_high == pytest.approx(ref.effect_size_ci_upper, rel=1e-10)
    assert c.statistic == pytest.approx(ref.statistic, rel=1e-10)
    assert c.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    if cuped:
        assert res.unadjusted is not None and 0 < res.variance_reduction < 1
    else:
        assert res.groups[1].ratio == pytest.approx(ref.treatment, rel=1e-12)
        assert res.groups[0].ratio == pytest.approx(ref.control, rel=1e-12)


def test_ratio_groups_and_gbstats_delta_variance():
    sessions = pd.read_csv(SAMPLE / "sessions.csv")
    user_codes, users = pd.factorize(sessions["user"])
    codes, labels = pd.factorize(sessions["variant"])
    res = ab_test_rows(codes, list(labels), sessions["revenue"].to_numpy(float), binary=False,
                       denominator=sessions["pageviews"].to_numpy(float), unit=user_codes,
                       unit_labels=list(map(str, users)), sequential=True, bayesian=True)
    per_user = sessions.groupby("user").agg(variant=("variant", "first"),
                                            revenue=("revenue", "sum"),
                                            pageviews=("pageviews", "sum"))
    assert res.units == 4000 == sum(g.n for g in res.groups)
    control = next(g for g in res.groups if g.name == "control")
    rows = per_user[per_user.variant == "control"]
    assert (control.n, control.numerator, control.denominator) == (
        len(rows), pytest.approx(rows.revenue.sum(), rel=1e-12), rows.pageviews.sum())
    assert control.ratio == pytest.approx(rows.revenue.sum() / rows.pageviews.sum(), rel=1e-12)
    assert res.control == "control"
    (c,) = res.comparisons
    # gbstats 0.8.0: RatioStatistic(n, m_statistic=SampleMeanStatistic(revenue per user),
    #   d_statistic=SampleMeanStatistic(pageviews per user), m_d_sum_of_products) per
    #   variant of sessions.csv summed per user; SequentialTwoSidedTTest(control, treatment,
    #   SequentialConfig(difference_type="absolute" / "relative")), EffectBayesianABTest
    s = c.sequential
    assert (s.cs_low, s.cs_high, s.p_value_sequential) == pytest.approx(
        (0.024036088841020098, 0.30594959112658543, 0.01140592104629963), rel=1e-9)
    assert (s.lift_cs_low, s.lift_cs_high) == pytest.approx(
        (0.00014463685612930988, 0.696081497903747), rel=1e-7)  # near-zero end: 1e-7
    b = c.bayesian
    assert (b.chance_to_win, b.expected_loss, b.cri_low, b.cri_high) == pytest.approx(
        (0.9988235245513067, 3.772636557879396e-05, 0.12379669837959009,
         0.5724294363802861), rel=1e-8)


def test_units_sum_rows_and_refuse_a_unit_in_two_groups():
    codes = np.array([0, 0, 1, 1, 0, 1])
    unit = np.array([0, 0, 1, 1, 2, 3])
    y = np.array([1.0, 2.0, 5.0, 1.0, 4.0, 3.0])
    res = ab_test_rows(codes, ["A", "B"], y, binary=False, unit=unit)
    assert res.units == 4
    assert [(g.n, g.mean) for g in res.groups] == [(2, 3.5), (2, 4.5)]
    # per-unit 0/1 sums stay a proportion
    res = ab_test_rows(codes, ["A", "B"], np.array([1.0, 0, 0, 0, 1, 1]), binary=True,
                       unit=unit)
    assert res.test == "z" and [g.successes for g in res.groups] == [2, 1]
    with pytest.raises(InputError) as err:
        ab_test_rows(np.array([0, 1, 1, 0]), ["A", "B"], np.arange(4.0), binary=False,
                     unit=np.array([0, 0, 1, 2]), unit_labels=["u1", "u2", "u3"])
    assert str(err.value) == ("unit 'u1' appears in groups 'A' and 'B'; each --unit must "
                              "belong to one group (check the assignment, or choose the "
                              "randomisation unit)")


@pytest.mark.parametrize("den", [[0.0, 0, 1, 2], [1.0, -3, 1, 2]])
def test_ratio_needs_a_positive_denominator_sum(den):
    with pytest.raises(InputError) as err:
        ab_test_rows(np.array([0, 0, 1, 1]), ["A", "B"], np.arange(4.0), binary=False,
                     denominator=np.array(den))
    assert str(err.value).startswith("the --denominator sum of group 'A' is ")
    assert str(err.value).endswith("; a ratio metric needs a positive denominator sum in "
                                   "every group")


def test_ratio_refuses_other_tests():
    with pytest.raises(InputError, match=r"^--test mannwhitney cannot be used with "
                       r"--denominator"):
        ab_test_rows(np.array([0, 0, 1, 1]), ["A", "B"], np.arange(4.0), binary=False,
                     denominator=np.ones(4), test="mannwhitney")


@pytest.mark.parametrize(("labels", "control", "index", "rule"), [
    (["A", "B"], None, 0, "first"), (["treatment", "Control"], None, 1, "named"),
    (["x", "CONTROL", "control"], None, 1, "named"), (["A", "B"], "B", 1, "given")])
def test_control_choice(labels, control, index, rule):
    summaries = tuple(Counts(name, 100, 10 + i) for i, name in enumerate(labels))
    res = ab_test_summaries(summaries, control=control)
    assert res.control == labels[index] and res.control_rule == rule


def test_counts_accept_comma_separated_groups():
    assert parse_counts(["A=120/1000,B=150/1000", "C=1/2"]) == (
        Counts("A", 1000, 120), Counts("B", 1000, 150), Counts("C", 2, 1))
    assert [m.name for m in parse_means(["A=5/1/1, B=6/2/1"])] == ["A", "B"]


@given(st.integers(1, 8), st.integers(1, 30), st.integers(0, 2**31 - 1),
       st.sampled_from([("two-sided", "two-sided"), ("larger", "greater"),
                        ("smaller", "less")]))
@settings(deadline=None, max_examples=150)
def test_mann_whitney_exact_matches_scipy(m, n, seed, sides):
    # SciPy 1.17.1 mannwhitneyu(method="auto"): exact for a sample of ≤ 8 without ties
    rng = np.random.default_rng(seed)
    values = rng.permutation(m + n).astype(float)
    x_t, x_c = (values[:m], values[m:]) if seed % 2 else (values[n:], values[:n])
    u, p = mann_whitney(x_t, x_c, alternative=sides[0])
    ref = stats.mannwhitneyu(x_t, x_c, alternative=sides[1], method="auto")
    assert u == ref.statistic
    assert p == pytest.approx(ref.pvalue, rel=1e-8)


def test_mann_whitney_exact_by_enumeration():
    # every one of the C(10, 4) = 210 equally likely rankings, enumerated: the two-sided
    # p-value is 2·min(P(U ≤ u), P(U ≥ u)) (R wilcox.test's exact rule as SciPy's)
    x_t, x_c = np.array([1.1, 2.2, 3.3, 4.4]), np.array([0.5, 1.5, 2.5, 3.5, 4.5, 5.5])
    u, p = mann_whitney(x_t, x_c)
    null = [sum(r + 1 for r in ranks) - 10 for ranks in itertools.combinations(range(10), 4)]
    below = Fraction(sum(v <= u for v in null), 210)
    above = Fraction(sum(v >= u for v in null), 210)
    assert u == 10
    assert p == pytest.approx(float(min(1, 2 * min(below, above))), rel=1e-12)


def test_mann_whitney_large_other_sample_is_still_exact():
    # one sample of 3, the other of 3,000: SciPy still uses the exact distribution
    rng = np.random.default_rng(1)
    values = rng.permutation(3003).astype(float)
    _u, p = mann_whitney(values[:3], values[3:])
    assert p == pytest.approx(stats.mannwhitneyu(values[:3], values[3:]).pvalue, rel=1e-8)
