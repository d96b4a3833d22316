"""The Bayesian reading against gbstats 0.8.0 (run once in its own environment: Python 3.11,
pandas 1.5.3, numpy 1.26.4; the calls beside each literal) and the exact Beta–binomial
chance to win against SciPy quadrature."""

from __future__ import annotations

import math

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from scipy import integrate, stats

from mlstats.errors import InputError
from mlstats.stats.abtest import Counts, ab_test_rows, ab_test_summaries
from mlstats.stats.bayesian import beta_chance_to_win, gaussian_reading
from tests.conftest import SAMPLE

COUNTS = (Counts("A", 1000, 120), Counts("B", 1000, 150))


def tooth():
    data = pd.read_csv(SAMPLE / "toothgrowth.csv")
    codes, labels = pd.factorize(data["supp"])
    return codes, list(labels), data["len"].to_numpy(float)


def reading(result):
    (c,) = result.comparisons
    b = c.bayesian
    return b.chance_to_win, b.expected_loss, b.cri_low, b.cri_high


def test_counts_flat_prior_matches_gbstats():
    res = ab_test_summaries(COUNTS, bayesian=True)
    # gbstats 0.8.0: EffectBayesianABTest(ProportionStatistic(n=1000, sum=120),
    #   ProportionStatistic(n=1000, sum=150), EffectBayesianConfig()).compute_result():
    #   chance_to_win, risk[1], ci
    assert reading(res) == pytest.approx((0.9602946870005289, 0.0022817245294312967,
                                          -0.02933784615649465, 0.5293378461564946), rel=1e-9)
    assert res.prior_mean is None and res.prior_std is None


def test_counts_proper_prior_and_alpha_match_gbstats():
    res = ab_test_summaries(COUNTS, bayesian=True, prior_mean=0.0, prior_std=0.2, alpha=0.1)
    # gbstats 0.8.0: EffectBayesianConfig(prior_effect=GaussianPrior(mean=0,
    #   variance=0.2**2, proper=True), alpha=0.1)
    assert reading(res) == pytest.approx((0.9234280864484261, 0.003995654419025392,
                                          -0.025109791884738775, 0.356716009501319), rel=1e-9)


def test_means_match_gbstats():
    codes, labels, values = tooth()
    flat = ab_test_rows(codes, labels, values, binary=False, bayesian=True)
    # gbstats 0.8.0: SampleMeanStatistic(n, sum, sum_squares) per supp (VC control, OJ
    #   variant), EffectBayesianABTest(vc, oj, EffectBayesianConfig())
    assert reading(flat) == pytest.approx((0.9538001342625801, 0.0024710194280187915,
                                           -0.03591385888133797, 0.4721488755840304), rel=1e-9)
    prior = ab_test_rows(codes, labels, values, binary=False, bayesian=True, prior_mean=0.1,
                         prior_std=0.3)
    # … EffectBayesianConfig(prior_effect=GaussianPrior(mean=0.1, variance=0.3**2,
    #   proper=True))
    assert reading(prior) == pytest.approx((0.9532347918154241, 0.0023005094053091726,
                                            -0.03365997204754673, 0.4327366431388734), rel=1e-9)
    assert flat.comparisons[0].bayesian.chance_to_win_exact is None


def test_cuped_matches_gbstats():
    y = np.array([3.0, 5.0, 4.0, 8.0, 6.0, 7.0, 5.0, 9.0, 2.0, 6.5])
    x = np.array([1.0, 3.0, 2.0, 6.0, 2.5, 4.0, 1.0, 5.0, 0.5, 4.5])
    g = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    res = ab_test_rows(g, ["A", "B"], y, binary=False, covariate=x, bayesian=True)
    # gbstats 0.8.0: RegressionAdjustedStatistic(post, pre, Σxy, theta=0) per group,
    #   EffectBayesianABTest(a, b, EffectBayesianConfig()): the lift is diff′/ȳ_A (raw)
    assert reading(res) == pytest.approx((0.834678545350388, 0.010305704638328413,
                                          -0.11597645296724446, 0.34456346878830263), rel=1e-9)
    lift = res.comparisons[0].lift
    assert lift == pytest.approx(res.comparisons[0].diff / y[g == 0].mean(), rel=1e-12)


@given(st.floats(-2, 2), st.floats(1e-4, 1.0))
@settings(max_examples=100)
def test_expected_loss_is_the_negative_part(mu, sd):
    # E[max(−X, 0)] for X ~ N(μ, σ²) by quadrature; chance_to_win = P(X > 0)
    got = gaussian_reading(mu, sd * sd)
    low, high = mu - 40 * sd, min(mu + 40 * sd, 0.0)  # the mass left out is below 1e-300
    ref = 0.0 if high <= low else integrate.quad(
        lambda x: -x * stats.norm.pdf(x, mu, sd), low, high, epsabs=1e-14, epsrel=1e-11,
        limit=200)[0]
    assert got.expected_loss == pytest.approx(ref, rel=1e-8, abs=1e-13)
    assert got.chance_to_win == pytest.approx(stats.norm.sf(0, mu, sd), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize(("s_t", "n_t", "s_c", "n_c"), [
    (150, 1000, 120, 1000), (3, 10, 7, 12), (990, 1000, 985, 1000), (5, 20, 900, 1000),
    (0, 5, 0, 5), (40, 40, 3, 50)])
def test_exact_chance_to_win_matches_quadrature(s_t, n_t, s_c, n_c):
    # independent: ∫ f_t(x)·F_c(x) dx with p ~ Beta(1 + s, 1 + n − s), SciPy quad
    t = stats.beta(1 + s_t, 1 + n_t - s_t)
    c = stats.beta(1 + s_c, 1 + n_c - s_c)
    ref = integrate.quad(lambda x: t.pdf(x) * c.cdf(x), 0, 1, points=[t.mean(), c.mean()],
                         epsabs=1e-16, epsrel=1e-13, limit=500)[0]
    assert beta_chance_to_win(s_t, n_t, s_c, n_c) == pytest.approx(ref, rel=1e-9)


def test_exact_chance_to_win_from_counts():
    res = ab_test_summaries(COUNTS, bayesian=True)
    # Evan Miller's closed form; SciPy quad of the same integral gives 0.9750678368121439
    assert res.comparisons[0].bayesian.chance_to_win_exact == pytest.approx(
        0.9750678368121439, rel=1e-10)


@given(st.integers(0, 60), st.integers(1, 60), st.integers(0, 60), st.integers(1, 60))
@settings(max_examples=60)
def test_exact_chance_to_win_is_antisymmetric(s_t, n_t, s_c, n_c):
    s_t, s_c = min(s_t, n_t), min(s_c, n_c)
    forward = beta_chance_to_win(s_t, n_t, s_c, n_c)
    backward = beta_chance_to_win(s_c, n_c, s_t, n_t)
    assert forward + backward == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("test", ["fisher", "mannwhitney", "permutation"])
def test_bayesian_refuses_tests_without_a_gaussian_lift(test):
    with pytest.raises(InputError) as err:
        ab_test_summaries(COUNTS, bayesian=True, test=test)
    assert str(err.value) == (
        f"--bayesian reads a Gaussian posterior of the lift, which --test {test} does not "
        "estimate; use --test auto, z, chi2, welch or student with --bayesian")


@pytest.mark.parametrize("std", [0.0, -0.1, math.inf])
def test_prior_std_must_be_positive(std):
    with pytest.raises(InputError, match=r"^--prior-std must be greater than 0"):
        ab_test_summaries(COUNTS, bayesian=True, prior_std=std)


def test_prior_options_need_bayesian_and_each_other():
    with pytest.raises(InputError, match=r"^--prior-std applies to the Bayesian reading"):
        ab_test_summaries(COUNTS, prior_std=0.2)
    with pytest.raises(InputError, match=r"^--prior-mean needs --prior-std"):
        ab_test_summaries(COUNTS, bayesian=True, prior_mean=0.1)
