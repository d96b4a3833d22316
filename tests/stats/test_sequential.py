"""Confidence sequences against gbstats 0.8.0; group-sequential bounds against quadrature,
the `gsdesign` package and the published gsDesign/rpact tables.

gbstats pins pandas < 2 and numpy < 2, so it ran once in its own virtual environment
(Python 3.11, gbstats 0.8.0, pandas 1.5.3, numpy 1.26.4, scipy 1.17.1); the calls are in
the comments beside each literal.
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from scipy import integrate, stats

from mlstats.errors import InputError
from mlstats.stats.abtest import Counts, ab_test_rows, ab_test_summaries, group_moments
from mlstats.stats.sequential import (
    confidence_sequence,
    group_sequential_bounds,
    inflation_factor,
    rejection_probability,
    sequential_p_value,
    spent,
)
from tests.conftest import SAMPLE

COUNTS = (Counts("A", 1000, 120), Counts("B", 1000, 150))


def tooth():
    data = pd.read_csv(SAMPLE / "toothgrowth.csv")
    codes, labels = pd.factorize(data["supp"])
    return codes, list(labels), data["len"].to_numpy(float)


# -- confidence sequences ----------------------------------------------------------------------
def test_counts_match_gbstats():
    res = ab_test_summaries(COUNTS, sequential=True)
    (c,) = res.comparisons
    s = c.sequential
    # gbstats 0.8.0: SequentialTwoSidedTTest(ProportionStatistic(n=1000, sum=120),
    #   ProportionStatistic(n=1000, sum=150), SequentialConfig(difference_type="absolute"))
    #   .compute_result(): ci, p_value
    assert s.cs_low == pytest.approx(-0.017692649581947918, rel=1e-10)
    assert s.cs_high == pytest.approx(0.07769264958194791, rel=1e-10)
    assert s.p_value_sequential == pytest.approx(0.47069077790838043, rel=1e-10)
    # … difference_type="relative": ci
    assert s.lift_cs_low == pytest.approx(-0.19520701922075434, rel=1e-10)
    assert s.lift_cs_high == pytest.approx(0.6952070192207543, rel=1e-10)
    assert c.p_adjusted == s.p_value_sequential and c.significant is False
    assert res.sequential_tuning == 5000


def test_means_match_gbstats():
    res = ab_test_rows(*tooth()[:2], tooth()[2], binary=False, sequential=True)
    s = res.comparisons[0].sequential
    # gbstats 0.8.0: SampleMeanStatistic(n, sum, sum_squares) per supp of ToothGrowth
    #   (VC control, OJ variant), SequentialTwoSidedTTest(vc, oj, SequentialConfig(
    #   difference_type="absolute" / "relative"))
    assert s.cs_low == pytest.approx(-12.457289445049277, rel=1e-10)
    assert s.cs_high == pytest.approx(19.857289445049283, rel=1e-10)
    assert s.p_value_sequential == pytest.approx(0.8922590226702447, rel=1e-10)
    assert s.lift_cs_low == pytest.approx(-0.8658983837725813, rel=1e-10)
    assert s.lift_cs_high == pytest.approx(1.3021334004752738, rel=1e-10)


def test_tuning_and_alpha_match_gbstats():
    res = ab_test_rows(*tooth()[:2], tooth()[2], binary=False, sequential=True,
                       sequential_tuning=100, alpha=0.1)
    s = res.comparisons[0].sequential
    # gbstats 0.8.0: as above with SequentialConfig(sequential_tuning_parameter=100,
    #   alpha=0.1)
    assert s.cs_low == pytest.approx(-1.694969838817193, rel=1e-10)
    assert s.cs_high == pytest.approx(9.0949698388172, rel=1e-10)
    assert s.p_value_sequential == pytest.approx(0.5128486242920463, rel=1e-10)
    assert s.lift_cs_low == pytest.approx(-0.14383881252146252, rel=1e-10)
    assert s.lift_cs_high == pytest.approx(0.580073829224155, rel=1e-10)


CUPED_Y = np.array([3.0, 5.0, 4.0, 8.0, 6.0, 7.0, 5.0, 9.0, 2.0, 6.5])
CUPED_X = np.array([1.0, 3.0, 2.0, 6.0, 2.5, 4.0, 1.0, 5.0, 0.5, 4.5])
CUPED_G = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])


def test_cuped_matches_gbstats():
    res = ab_test_rows(CUPED_G, ["A", "B"], CUPED_Y, binary=False, covariate=CUPED_X,
                       sequential=True)
    s = res.comparisons[0].sequential
    # gbstats 0.8.0: RegressionAdjustedStatistic(post=SampleMeanStatistic(y), pre=
    #   SampleMeanStatistic(x), post_pre_sum_of_products=Σxy, theta=0) per group (θ is set
    #   from both groups), SequentialTwoSidedTTest(a, b, SequentialConfig(difference_type=…))
    assert s.cs_low == pytest.approx(-10.935193492275838, rel=1e-10)
    assert s.cs_high == pytest.approx(12.123845974545342, rel=1e-10)
    assert s.p_value_sequential == pytest.approx(0.9998925966987005, rel=1e-10)
    assert s.lift_cs_low == pytest.approx(-2.189402590160968, rel=1e-10)
    assert s.lift_cs_high == pytest.approx(2.4179896059820263, rel=1e-10)


@given(st.floats(-5, 5), st.floats(1e-4, 10), st.integers(2, 10**7),
       st.floats(0.001, 0.3), st.floats(10, 1e6))
@settings(deadline=None, max_examples=200)
def test_p_below_alpha_exactly_when_zero_is_outside(estimate, variance, n, alpha, tuning):
    # the e-value and the boundary are the same inequality (Waudby-Smith et al., eq. 155/9)
    low, high = confidence_sequence(estimate, variance, n, alpha=alpha, tuning=tuning)
    p = sequential_p_value(estimate, variance, n, alpha=alpha, tuning=tuning)
    margin = 1e-9 * (high - low)
    if low > margin or high < -margin:
        assert p <= alpha * (1 + 1e-9)
    elif low < -margin and high > margin:
        assert p >= alpha * (1 - 1e-9)


def test_the_sequence_is_wider_than_the_fixed_interval_and_keeps_its_centre():
    low, high = confidence_sequence(0.03, 2e-4, 2000)
    half = stats.norm.ppf(0.975) * math.sqrt(2e-4)
    assert high - low > 2 * half
    assert (low + high) / 2 == pytest.approx(0.03, rel=1e-12)


def test_undefined_without_variance():
    assert all(math.isnan(v) for v in confidence_sequence(1.0, 0.0, 10))
    assert math.isnan(sequential_p_value(1.0, 0.0, 10))


@pytest.mark.slow
def test_peeking_keeps_the_false_positive_rate():
    # A/A tests: 1000 experiments, each peeked at after every 100 units up to 10,000 (100
    # looks). A false positive is any look with significant = true. The sequential test
    # stays at or below alpha (within 3 Monte Carlo standard errors); the fixed-horizon
    # Welch test, read at every look, far exceeds it. README quotes both numbers.
    rng = np.random.default_rng(2024)
    experiments, looks, step = 1000, 100, 100
    seq_hits = fixed_hits = 0
    for _ in range(experiments):
        y = rng.normal(10, 3, looks * step)
        g = rng.integers(0, 2, looks * step)
        ends = np.arange(step, looks * step + 1, step)
        # running group moments at every look, vectorised over looks
        n1 = np.cumsum(g)[ends - 1]
        n0 = ends - n1
        s1 = np.cumsum(y * g)[ends - 1]
        s0 = np.cumsum(y * (1 - g))[ends - 1]
        q1 = np.cumsum(y * y * g)[ends - 1]
        q0 = np.cumsum(y * y * (1 - g))[ends - 1]
        m1, m0 = s1 / n1, s0 / n0
        v1 = (q1 - n1 * m1 * m1) / (n1 - 1)
        v0 = (q0 - n0 * m0 * m0) / (n0 - 1)
        var = v1 / n1 + v0 / n0
        diff = m1 - m0
        p_seq = [sequential_p_value(d, v, n) for d, v, n in zip(diff, var, ends, strict=True)]
        seq_hits += min(p_seq) <= 0.05
        fixed_hits += np.any(np.abs(diff) / np.sqrt(var) >= stats.norm.ppf(0.975))
    se = math.sqrt(0.05 * 0.95 / experiments)
    seq_rate, fixed_rate = seq_hits / experiments, fixed_hits / experiments
    assert seq_rate <= 0.05 + 3 * se, seq_rate
    assert fixed_rate > 0.05 + 3 * se, fixed_rate
    assert (seq_rate, fixed_rate) == (0.021, 0.384)  # seeded: the numbers in the README


def test_peeking_one_experiment_through_the_api_agrees():
    # the vectorised moments of the simulation equal group_moments at one look
    rng = np.random.default_rng(5)
    y = rng.normal(0, 1, 300)
    g = rng.integers(0, 2, 300)
    a, b = group_moments(g, ["0", "1"], y)
    var = b.variance / b.n + a.variance / a.n
    res = ab_test_rows(g, ["0", "1"], y, binary=False, sequential=True)
    assert res.comparisons[0].sequential.p_value_sequential == pytest.approx(
        sequential_p_value(b.mean - a.mean, var, 300), rel=1e-12)


# -- errors ------------------------------------------------------------------------------------
def test_tuning_must_be_positive():
    with pytest.raises(InputError, match=r"^--sequential-tuning must be a number of units "
                       r"greater than 0 \(got 0\)"):
        ab_test_summaries(COUNTS, sequential=True, sequential_tuning=0)


def test_one_sided_sequential_is_refused():
    with pytest.raises(InputError, match=r"^--sequential is two-sided"):
        ab_test_summaries(COUNTS, sequential=True, alternative="larger")


# -- group-sequential bounds ---------------------------------------------------------------------
def _look2(c, t, two_sided):
    low = -c[0] if two_sided else -12.0

    def integrand(z1):
        m = z1 * math.sqrt(t[0])
        return stats.norm.pdf(z1) * stats.norm.sf((c[1] * math.sqrt(t[1]) - m)
                                                  / math.sqrt(t[1] - t[0]))

    return integrate.quad(integrand, low, c[0], epsabs=1e-15, epsrel=1e-13)[0]


def _look3(c, t, two_sided):
    low = (lambda k: -c[k]) if two_sided else (lambda k: -12.0)

    def inner(z2, z1):
        s1, s2 = z1 * math.sqrt(t[0]), z2 * math.sqrt(t[1])
        density = (stats.norm.pdf(z1) * stats.norm.pdf((s2 - s1) / math.sqrt(t[1] - t[0]))
                   * math.sqrt(t[1] / (t[1] - t[0])))
        return density * stats.norm.sf((c[2] * math.sqrt(t[2]) - s2) / math.sqrt(t[2] - t[1]))

    return integrate.dblquad(inner, low(0), c[0], low(1), c[1], epsabs=1e-13,
                             epsrel=1e-10)[0]


@pytest.mark.parametrize(("spending", "two_sided"), [("obrien-fleming", False),
                                                     ("pocock", True),
                                                     ("obrien-fleming", True)])
def test_bounds_spend_exactly_their_alpha(spending, two_sided):
    # independent: SciPy quad/dblquad of the crossing probabilities at looks 2 and 3 equal
    # the Lan–DeMets increments α(t_k) − α(t_{k−1}) (one side: α/2 when two-sided)
    alpha = 0.05
    bounds = group_sequential_bounds(3, alpha=alpha, spending=spending, two_sided=two_sided)
    c = [b.z for b in bounds]
    t = [b.information for b in bounds]
    side = alpha / 2 if two_sided else alpha
    assert stats.norm.sf(c[0]) == pytest.approx(spent(t[0], side, spending), rel=1e-12)
    assert _look2(c, t, two_sided) == pytest.approx(
        spent(t[1], side, spending) - spent(t[0], side, spending), rel=1e-10)
    assert _look3(c, t, two_sided) == pytest.approx(
        spent(t[2], side, spending) - spent(t[1], side, spending), rel=1e-9)
    assert bounds[-1].alpha_spent == pytest.approx(alpha, rel=1e-15)
    assert [b.look for b in bounds] == [1, 2, 3]
    assert t == pytest.approx([1 / 3, 2 / 3, 1.0], rel=1e-15)


def test_bounds_match_the_published_tables():
    # gsDesign 3.x `gsDesign(k = 5, test.type = 1, alpha = 0.025, sfu = sfLDOF)` and rpact
    # `getDesignGroupSequential(kMax = 5, alpha = 0.025, typeOfDesign = "asOF")` print
    # 4.877 3.357 2.680 2.290 2.031; sfLDPocock / "asP": 2.438 2.427 2.410 2.397 2.386
    # (Jennison & Turnbull 2000, table 7.6, the same to 3 decimals). Published to 3 decimals.
    of = group_sequential_bounds(5, alpha=0.025, two_sided=False)
    pocock = group_sequential_bounds(5, alpha=0.025, spending="pocock", two_sided=False)
    assert [round(b.z, 3) for b in of] == [4.877, 3.357, 2.680, 2.290, 2.031]
    assert [round(b.z, 3) for b in pocock] == [2.438, 2.427, 2.410, 2.397, 2.386]
    # two-sided at 0.05 is each side at 0.025 (gsDesign test.type = 2)
    both = group_sequential_bounds(5, alpha=0.05)
    assert [b.z for b in both] == pytest.approx([b.z for b in of], rel=1e-9)


def _gsdesign_crossings(c, info, theta, *, two_sided, r=40):
    """Upper crossing probabilities by the `gsdesign` package's grid (h1, hupdate)."""
    from gsdesign import h1, hupdate

    low = (lambda k: -c[k]) if two_sided else (lambda k: -20.0)
    found = [stats.norm.sf(c[0] - theta * math.sqrt(info[0]))]
    grid = h1(r=r, theta=theta, info=info[0], a=low(0), b=c[0])
    for k in range(1, len(c)):
        z, _, h = grid
        d = info[k] - info[k - 1]
        found.append(float(np.sum(h * stats.norm.sf(
            (c[k] * math.sqrt(info[k]) - z * math.sqrt(info[k - 1]) - theta * d)
            / math.sqrt(d)))))
        grid = hupdate(r=r, theta=theta, info=info[k], a=low(k), b=c[k], theta_prev=theta,
                       info_prev=info[k - 1], gm1=grid)
    return np.array(found)


@pytest.mark.parametrize("spending", ["obrien-fleming", "pocock"])
def test_bounds_and_power_against_the_gsdesign_package(spending):
    # gsdesign 0.1.5 (a Python port of gsDesign's C integration, Simpson grid with r = 40):
    # its accuracy is about 1e-7, so the comparison is at 1e-6
    bounds = group_sequential_bounds(5, alpha=0.025, spending=spending, two_sided=False)
    c = [b.z for b in bounds]
    info = [b.information for b in bounds]
    increments = np.diff([0.0] + [spent(t, 0.025, spending) for t in info])
    null = _gsdesign_crossings(c, info, 0.0, two_sided=False)
    assert null == pytest.approx(increments, rel=1e-6)
    power = rejection_probability(bounds, 3.0, two_sided=False)
    assert power == pytest.approx(_gsdesign_crossings(c, info, 3.0, two_sided=False).sum(),
                                  rel=1e-6)


def test_inflation_factor_reaches_the_power():
    bounds = group_sequential_bounds(5, alpha=0.05)
    factor = inflation_factor(bounds, alpha=0.05, power=0.8)
    # the fixed design's drift, both tails (as the fixed plans count power), by SciPy
    from scipy.optimize import brentq

    z = stats.norm.isf(0.025)
    fixed = brentq(lambda d: stats.norm.cdf(d - z) + stats.norm.cdf(-d - z) - 0.8, 0, 10,
                   xtol=1e-14)
    drift = fixed * math.sqrt(factor)
    assert rejection_probability(bounds, drift) == pytest.approx(0.8, rel=1e-10)
    c, info = [b.z for b in bounds], [b.information for b in bounds]
    # both rejection regions: the lower one's crossings are the upper ones at −drift
    both = (_gsdesign_crossings(c, info, drift, two_sided=True).sum()
            + _gsdesign_crossings(c, info, -drift, two_sided=True).sum())
    assert both == pytest.approx(0.8, rel=1e-6)
    # Jennison & Turnbull (2000), table 7.6 ρ = 3 … gsDesign: OF-type K = 5, two-sided 0.05,
    # power 0.8: the maximum sample size is 1.025 × the fixed one (3 decimals)
    assert round(factor, 3) == 1.025


@given(st.integers(2, 6), st.sampled_from(["obrien-fleming", "pocock"]),
       st.floats(0.001, 0.2), st.booleans())
@settings(deadline=None, max_examples=10)
def test_bounds_spend_all_alpha_and_fall_for_obrien_fleming(looks, spending, alpha, two):
    bounds = group_sequential_bounds(looks, alpha=alpha, spending=spending, two_sided=two)
    assert rejection_probability(bounds, 0.0, two_sided=two) == pytest.approx(alpha, rel=1e-9)
    spent_so_far = [b.alpha_spent for b in bounds]
    assert spent_so_far == sorted(spent_so_far)
    if spending == "obrien-fleming":
        assert [b.z for b in bounds] == sorted((b.z for b in bounds), reverse=True)
