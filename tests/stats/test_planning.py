"""Sample sizes, detectable effects and power against R, statsmodels and SciPy."""

from __future__ import annotations

import math
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlstats.errors import InputError
from mlstats.stats.planning import (
    ComparisonPlan,
    EstimationResult,
    PowerCurveResult,
    PowerResult,
    arcsine_power,
    cohens_h,
    estimate_sample_size,
    plan_comparison,
    plan_mde,
    pooled_power,
    power_curve,
    sample_size,
    t_power,
)

REL = 1e-8


def approx(value: float) -> object:
    return pytest.approx(value, rel=REL)


def h(p_control: float, p_treatment: float) -> float:
    # Cohen's h written independently of mlstats, for the statsmodels calls below
    return 2 * math.asin(math.sqrt(p_treatment)) - 2 * math.asin(math.sqrt(p_control))


# ------------------------------------------------------------------------------- estimation

def test_estimation_spec_example():
    # SciPy 1.17.1: norm.ppf(0.975) = 1.959963984540054 (= R qnorm(0.975));
    # n0 = norm.ppf(0.975)**2 * 0.5**2 / 0.05**2
    res = estimate_sample_size(confidence=0.95, std=0.5, margin=0.05)
    assert res.z == approx(1.959963984540054)
    assert res.n_exact == approx(384.14588206941244)
    assert res.n == 385
    assert round(res.n_exact, 2) == 384.15


def test_estimation_finite_population_correction():
    # SciPy 1.17.1: n0 = norm.ppf(0.975)**2 * 0.25 / 0.0025; n0 / (1 + (n0 - 1) / 1000)
    res = estimate_sample_size(confidence=0.95, std=0.5, margin=0.05, population=1000)
    assert res.n_exact == approx(277.7334531731876)
    assert (res.n, res.population) == (278, 1000)


def test_estimation_other_confidence_and_days():
    # SciPy 1.17.1: norm.ppf(0.995)**2 * 12**2 / 2**2
    res = estimate_sample_size(confidence=0.99, std=12, margin=2, daily_traffic=100)
    assert res.n_exact == approx(238.85627763676368)
    assert (res.n, res.days) == (239, 3)


def test_estimation_population_of_one_needs_one_row():
    res = estimate_sample_size(std=0.5, margin=0.05, population=1)
    assert res.n_exact == approx(1.0) and res.n == 1


# ---------------------------------------------------------------- proportions: R literals

def test_pooled_n_matches_r_power_prop_test():
    # R 4.2.2: power.prop.test(p1=.10, p2=.12, power=.8, strict=TRUE)$n
    plan = plan_comparison(baseline=0.10, mde=0.02)
    assert plan.n_exact == approx(3840.83817098037)
    assert (plan.n_control, plan.n_treatment, plan.n_total) == (3841, 3841, 7682)
    assert plan.method == "pooled"


def test_pooled_n_at_alpha_01_power_09_matches_r():
    # R 4.2.2: power.prop.test(p1=.20, p2=.25, power=.9, sig.level=.01, strict=TRUE)$n
    plan = plan_comparison(baseline=0.20, mde=0.05, power=0.9, alpha=0.01)
    assert plan.n_exact == approx(2073.20131994684)
    assert plan.n_control == 2074


def test_pooled_power_matches_r():
    # R 4.2.2: power.prop.test(p1=.10, p2=.12, n=2000, strict=TRUE)$power
    assert pooled_power(0.10, 0.12, 2000, 2000) == approx(0.524515256115834)
    res = power_curve(n=[2000], baseline=0.10, mde=0.02)
    assert isinstance(res, PowerResult)
    assert res.power == approx(0.524515256115834)


def test_arcsine_n_matches_r_pwr_2p_test():
    # R 4.2.2, pwr: pwr.2p.test(h=ES.h(.12,.10), power=.8)$n
    plan = plan_comparison(baseline=0.10, mde=0.02, method="arcsine")
    assert plan.n_exact == approx(3834.59575245779)
    assert plan.n_control == 3835
    assert plan.effect_size == approx(h(0.10, 0.12))


# ------------------------------------------------------------ proportions: statsmodels

def test_pooled_power_unequal_groups_matches_statsmodels():
    # statsmodels 0.15.0: power_proportions_2indep(-0.02, 0.12, 3000, ratio=2).power
    assert pooled_power(0.10, 0.12, 3000, 6000) == approx(0.8119716432254552)


def test_pooled_power_one_sided_decrease_matches_statsmodels():
    # statsmodels 0.15.0: power_proportions_2indep(0.05, 0.25, 500, ratio=0.5,
    #                                              alternative="larger").power
    # (statsmodels' diff is control − treatment, so its "larger" is our "smaller")
    got = pooled_power(0.30, 0.25, 500, 250, alternative="smaller")
    assert got == approx(0.41421275675211355)


def test_pooled_n_one_sided_with_ratio_matches_statsmodels():
    # statsmodels 0.15.0: samplesize_proportions_2indep_onetail(-0.02, 0.12, 0.8, ratio=2,
    #                                                           alternative="smaller")
    plan = plan_comparison(baseline=0.10, mde=0.02, ratio=2, alternative="larger")
    assert plan.n_exact == approx(2287.917930973446)
    assert (plan.n_control, plan.n_treatment, plan.n_total) == (2288, 4576, 6864)


def test_pooled_n_two_sided_with_ratio_matches_statsmodels():
    # scipy 1.17.1 brentq(lambda n: power_proportions_2indep(-0.02, .12, n, ratio=2).power
    #                     - .8, 2, 1e6, xtol=1e-13, rtol=8.9e-16), statsmodels 0.15.0
    plan = plan_comparison(baseline=0.10, mde=0.02, ratio=2)
    assert plan.n_exact == approx(2910.508746180857)


def test_pooled_mde_matches_statsmodels():
    # brentq(lambda d: power_proportions_2indep(-d, .1 + d, 2000).power - .8, 1e-6, .5,
    #        xtol=1e-13, rtol=8.9e-16), statsmodels 0.15.0
    plan = plan_mde(n=2000, baseline=0.10)
    assert plan.mde == approx(0.028156208597714182)
    assert plan.mde_relative == approx(0.028156208597714182 / 0.10)
    assert plan.n_exact is None and (plan.n_control, plan.n_treatment) == (2000, 2000)


def test_pooled_mde_decrease_matches_statsmodels():
    # brentq(lambda d: power_proportions_2indep(d, .3 - d, 1000, alternative="larger",
    #        alpha=.1).power - .8, 1e-6, .29, xtol=1e-13, rtol=8.9e-16), statsmodels 0.15.0
    plan = plan_mde(n=1000, baseline=0.30, alpha=0.1, alternative="smaller")
    assert plan.mde == approx(0.04255432606401005)
    assert plan.effect_size < 0


def test_arcsine_n_with_ratio_matches_statsmodels():
    # brentq(lambda n: NormalIndPower().power(h(.1, .12), n, .05, ratio=2) - .8, 2, 1e6,
    #        xtol=1e-13, rtol=8.9e-16), statsmodels 0.15.0
    plan = plan_comparison(baseline=0.10, mde=0.02, ratio=2, method="arcsine")
    assert plan.n_exact == approx(2875.9468049078564)


def test_arcsine_one_sided_matches_statsmodels():
    # brentq(lambda n: NormalIndPower().power(h(.2, .25), n, .01, alternative="larger")
    #        - .9, 2, 1e6, xtol=1e-13, rtol=8.9e-16), statsmodels 0.15.0
    plan = plan_comparison(baseline=0.20, mde=0.05, power=0.9, alpha=0.01,
                           alternative="larger", method="arcsine")
    assert plan.n_exact == approx(1810.8545798897737)


def test_arcsine_power_matches_statsmodels():
    # statsmodels 0.15.0: NormalIndPower().power(h(.1, .12), 4000, .05, ratio=.5)
    assert arcsine_power(0.10, 0.12, 4000, 2000) == approx(0.6466736715754564)


def test_arcsine_mde_matches_statsmodels():
    # brentq(lambda e: NormalIndPower().power(e, 2000, .05) - .8, 1e-6, 1, xtol=1e-13,
    #        rtol=8.9e-16), statsmodels 0.15.0 (solve_power itself stops at about 1e-6)
    plan = plan_mde(n=2000, baseline=0.10, method="arcsine")
    assert plan.effect_size == approx(0.08859379498207648)
    assert h(0.10, 0.10 + plan.mde) == approx(0.08859379498207648)


def test_power_against_statsmodels_at_test_time():
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import power_proportions_2indep

    for p1, p2, n1, ratio, alt, sm_alt in [(0.05, 0.07, 1500, 1.0, "two-sided", "two-sided"),
                                           (0.5, 0.45, 800, 3.0, "smaller", "larger"),
                                           (0.9, 0.95, 300, 0.5, "larger", "smaller")]:
        n2 = n1 * ratio
        want = power_proportions_2indep(p1 - p2, p2, n1, ratio=ratio, alternative=sm_alt).power
        assert pooled_power(p1, p2, n1, n2, alternative=alt) == approx(float(want))
        sm_arc = {"two-sided": "two-sided", "larger": "larger", "smaller": "smaller"}[alt]
        want = NormalIndPower().power(h(p1, p2), n1, 0.05, ratio=ratio, alternative=sm_arc)
        assert arcsine_power(p1, p2, n1, n2, alternative=alt) == approx(float(want))


# ---------------------------------------------------------------------- means

def test_spec_reference_d_05_gives_64_per_group():
    # brentq(lambda n: TTestIndPower().power(.5, n, .05) - .8, 2, 300, xtol=1e-13,
    #        rtol=8.9e-16), statsmodels 0.15.0 (both tails counted, as R strict=TRUE)
    plan = plan_comparison(effect_size=0.5)
    assert plan.n_exact == approx(63.76561019095229)
    assert (plan.n_control, plan.n_treatment, plan.n_total) == (64, 64, 128)
    assert plan.method == "noncentral-t" and plan.effect_size == 0.5


def test_t_n_matches_r_power_t_test():
    # R 4.2.2: power.t.test(delta=.5, sd=1, power=.8)$n. R's default (strict=FALSE) counts
    # only the upper tail at sig.level/2: exactly the one-sided test at alpha = 0.025.
    plan = plan_comparison(effect_size=0.5, alpha=0.025, alternative="larger")
    assert plan.n_exact == approx(63.7657637142739)
    # the same through --mde and --std (delta = 5, sd = 10)
    plan = plan_comparison(mde=5.0, std=10.0, alpha=0.025, alternative="larger")
    assert plan.n_exact == approx(63.7657637142739)
    assert plan.effect_size == approx(0.5) and plan.mde == 5.0


def test_t_power_matches_r_power_t_test():
    # R 4.2.2: power.t.test(delta=.3, sd=1, n=100)$power (upper tail only, see above)
    assert t_power(0.3, 100, 100, alpha=0.025, alternative="larger") == approx(0.560035853711464)


def test_t_two_sided_adds_the_lower_tail():
    from scipy.stats import nct, t

    crit = t.isf(0.025, 198)
    lower = nct.cdf(-crit, 198, 0.3 * math.sqrt(50))
    assert t_power(0.3, 100, 100) == approx(0.560035853711464 + lower)


def test_t_n_with_ratio_matches_statsmodels():
    # brentq(lambda n: TTestIndPower().power(.5, n, .05, ratio=2) - .8, 2, 300, xtol=1e-13,
    #        rtol=8.9e-16), statsmodels 0.15.0
    plan = plan_comparison(effect_size=0.5, ratio=2)
    assert plan.n_exact == approx(47.74192029517427)
    assert (plan.n_control, plan.n_treatment, plan.n_total) == (48, 96, 144)


def test_t_n_one_sided_matches_statsmodels():
    # brentq(lambda n: TTestIndPower().power(.3, n, .01, alternative="larger") - .9, 2,
    #        1000, xtol=1e-13, rtol=8.9e-16), statsmodels 0.15.0
    plan = plan_comparison(effect_size=0.3, power=0.9, alpha=0.01, alternative="larger")
    assert plan.n_exact == approx(290.62257286367736)


@pytest.mark.parametrize(("args", "want"), [
    # statsmodels 0.15.0: TTestIndPower().power(.3, 100, .05, ratio=1.5)
    ((0.3, 100, 150, "two-sided"), 0.6386472954915385),
    # statsmodels 0.15.0: TTestIndPower().power(-.3, 100, .05, alternative="smaller")
    ((-0.3, 100, 100, "smaller"), 0.6805403749895089),
    # statsmodels 0.15.0: TTestIndPower().power(2, 3, .05)
    ((2.0, 3, 3, "two-sided"), 0.46264081189130635),
])
def test_t_power_matches_statsmodels(args, want):
    d, n1, n2, alternative = args
    assert t_power(d, n1, n2, alternative=alternative) == approx(want)


def test_t_mde_matches_statsmodels():
    # brentq(lambda e: TTestIndPower().power(e, 64, .05) - .8, 1e-6, 1.5, xtol=1e-13,
    #        rtol=8.9e-16), statsmodels 0.15.0
    assert plan_mde(n=64).effect_size == approx(0.49906917796582306)
    # brentq(lambda e: TTestIndPower().power(e, 50, .05, ratio=2) - .9, 1e-6, 1.5, ...)
    plan = plan_mde(n=50, ratio=2, power=0.9, std=4.0)
    assert plan.effect_size == approx(0.5651264861225336)
    assert plan.mde == approx(4 * 0.5651264861225336)
    assert (plan.n_control, plan.n_treatment) == (50, 100)


def test_t_power_far_tail_is_not_nan():
    # scipy's nctdtr gives NaN far in the lower tail for a positive noncentrality (so can
    # statsmodels' power): that wrong-direction tail is then 0, not NaN.
    from scipy.special import nctdtr, stdtrit

    crit = float(stdtrit(1998, 0.025))
    assert math.isnan(nctdtr(1998, 0.5 * math.sqrt(500), crit))  # the path is exercised
    assert t_power(0.5, 1000, 1000) == 1.0
    assert t_power(0.5, 1000, 1000, alpha=0.05 / 2, alternative="smaller") == 0.0
    # brentq(lambda n: TTestIndPower().power(.01, n, .05) - .8, 150000, 160000, xtol=1e-13,
    #        rtol=8.9e-16), statsmodels 0.15.0
    plan = plan_comparison(effect_size=0.01)
    assert plan.n_exact == approx(156978.17055699445)
    assert plan.n_control == 156979


# ---------------------------------------------------------------- arms, days, warnings

def test_arms_split_alpha_and_count_every_variant():
    # brentq(lambda n: TTestIndPower().power(.5, n, .025) - .8, 2, 300, xtol=1e-13,
    #        rtol=8.9e-16), statsmodels 0.15.0
    plan = plan_comparison(effect_size=0.5, arms=3, daily_traffic=50)
    assert plan.alpha_adjusted == 0.025 and plan.alpha == 0.05
    assert plan.n_exact == approx(77.31038429327664)
    assert (plan.n_control, plan.n_treatment, plan.n_total) == (78, 78, 234)
    assert plan.days == 5  # ⌈234 / 50⌉


def test_days_from_rounded_sizes():
    plan = plan_comparison(baseline=0.10, mde=0.02, daily_traffic=1000)
    assert plan.days == 8  # ⌈7682 / 1000⌉
    assert plan_comparison(baseline=0.10, mde=0.02, daily_traffic=7682).days == 1
    assert plan_comparison(baseline=0.10, mde=0.02, daily_traffic=7681).days == 2


def test_relative_mde_is_a_share_of_the_baseline():
    plan = plan_comparison(baseline=0.10, mde=0.2, relative=True)
    assert plan.mde == approx(0.02) and plan.mde_relative == approx(0.2)
    assert plan.n_exact == approx(3840.83817098037)  # R power.prop.test, as above


def test_small_groups_warn_about_the_normal_approximation():
    plan = plan_comparison(baseline=0.02, mde=0.5, power=0.5)
    assert plan.warnings and "fewer than 5" in plan.warnings[0]
    assert plan_comparison(baseline=0.10, mde=0.02).warnings == ()


def test_dispatch_by_mode():
    assert isinstance(sample_size(std=0.5, margin=0.05), EstimationResult)
    assert isinstance(sample_size(baseline=0.1, mde=0.02), ComparisonPlan)
    assert sample_size(baseline=0.1, n=2000).mde == approx(0.028156208597714182)
    assert isinstance(power_curve(n=[10, 20], effect_size=0.5), PowerCurveResult)
    assert not isinstance(power_curve(n=[10, 20], effect_size=0.5), PowerResult)


def test_power_curve_sorted_unique_with_names():
    res = power_curve(n=[400, 100, 200, 100], effect_size=0.3, ratio=1.5)
    assert [p.n_control for p in res.curve] == [100, 200, 400]
    assert [p.name for p in res.curve] == ["100", "200", "400"]
    assert [p.n_treatment for p in res.curve] == [150, 300, 600]
    # statsmodels 0.15.0: TTestIndPower().power(.3, 100, .05, ratio=1.5)
    assert res.curve[0].power == approx(0.6386472954915385)


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"std": 0.5, "margin": 0.0},
     "--margin must be greater than 0 (got 0)"),
    ({"std": -1.0, "margin": 0.05},
     "--std must be greater than 0 (got -1)"),
    ({"std": 0.5, "margin": 0.05, "confidence": 1.0},
     "--confidence must be between 0 and 1 (got 1)"),
    ({"std": 0.5, "margin": 0.05, "population": 0},
     "--population must be at least 1 (got 0); give the number of units in the population"),
    ({"margin": 0.05},
     "--margin needs --std, the standard deviation of the values (0.5 is the largest for a "
     "proportion)"),
    ({"std": 0.5, "margin": 0.05, "baseline": 0.1},
     "--margin conflicts with --baseline: --margin plans an estimate, --baseline a comparison "
     "of two groups; give one"),
    ({"std": 0.5, "margin": 0.05, "alpha": 0.01},
     "--alpha applies to comparisons of two groups; estimation (--margin) takes --confidence, "
     "--std and --population"),
    ({"baseline": 0.1, "mde": 0.02, "confidence": 0.9},
     "--confidence applies to estimation (--margin); a comparison of two groups takes --alpha "
     "(e.g. --alpha 0.05)"),
    ({"baseline": 0.1, "mde": 0.02, "population": 100},
     "--population applies to estimation (--margin); drop it for a comparison of two groups"),
    ({"baseline": 1.2, "mde": 0.02},
     "--baseline must be between 0 and 1 (got 1.2)"),
    ({"baseline": 0.95, "mde": 0.1},
     "--baseline 0.95 + --mde 0.1 gives 1.05, not a proportion between 0 and 1; use an --mde "
     "below 0.05"),
    ({"baseline": 0.05, "mde": 0.1, "alternative": "smaller"},
     "--baseline 0.05 - --mde 0.1 gives -0.05, not a proportion between 0 and 1; use an --mde "
     "below 0.05"),
    ({"baseline": 0.8, "mde": 0.5, "relative": True},
     "--baseline 0.8 + --mde 0.5 --relative gives 1.2, not a proportion between 0 and 1; use "
     "an --mde below 0.25"),
    ({"baseline": 0.1, "mde": -0.02},
     "--mde must be greater than 0 (got -0.02); give the size of the change (with "
     "--alternative smaller for a decrease)"),
    ({"baseline": 0.1},
     "--baseline needs --mde, the change to detect (e.g. --mde 0.02, or --mde 0.2 --relative "
     "for +20 %)"),
    ({"baseline": 0.1, "effect_size": 0.5},
     "--effect-size conflicts with --baseline: --effect-size (Cohen's d) plans a difference "
     "in means, --baseline a difference in proportions; give one of them"),
    ({"baseline": 0.1, "mde": 0.02, "std": 0.3},
     "--std conflicts with --baseline: a proportion's spread follows from --baseline; drop "
     "--std (or drop --baseline to compare means)"),
    ({"effect_size": 0.5, "mde": 2.0},
     "--effect-size conflicts with --mde: give Cohen's d with --effect-size, or the "
     "difference with --mde and --std"),
    ({"effect_size": 0.5, "std": 2.0},
     "--effect-size conflicts with --std: Cohen's d is already in standard deviations; drop "
     "--std, or give --mde with --std"),
    ({"effect_size": 0.0},
     "--effect-size must be greater than 0 (got 0)"),
    ({"mde": 2.0},
     "--mde needs --baseline P (a change in a proportion) or --std S (a change in a mean "
     "with standard deviation S)"),
    ({"mde": 2.0, "std": 0.0},
     "--std must be greater than 0 (got 0)"),
    ({"mde": 2.0, "std": 1.0, "relative": True},
     "--relative needs --baseline: only a proportion's change can be relative; give --mde in "
     "the metric's units with --std"),
    ({"baseline": 0.1, "relative": True},
     "--relative needs --mde: it makes --mde a change relative to --baseline"),
    ({},
     "no effect to plan for: give --baseline P --mde D (proportions), --effect-size D or "
     "--mde D --std S (means), or --std S --margin M (estimating a mean)"),
    ({"std": 0.5},
     "no effect to plan for: give --baseline P --mde D (proportions), --effect-size D or "
     "--mde D --std S (means), or --std S --margin M (estimating a mean)"),
    ({"effect_size": 0.5, "alpha": 1.5},
     "--alpha must be between 0 and 1 (got 1.5)"),
    ({"effect_size": 0.5, "power": 1.0},
     "--power must be between 0 and 1 (got 1)"),
    ({"effect_size": 0.5, "power": 0.04},
     "--power must be greater than --alpha (got power 0.04, alpha 0.05): a test rejects with "
     "probability alpha even without an effect; raise --power"),
    ({"effect_size": 0.5, "ratio": 0.0},
     "--ratio must be greater than 0 (got 0); it is the treatment group's size over the "
     "control group's"),
    ({"effect_size": 0.5, "arms": 1},
     "--arms must be at least 2 (got 1); it counts every group, the control included"),
    ({"effect_size": 0.5, "daily_traffic": 0},
     "--daily-traffic must be at least 1 (got 0); it counts the units entering the "
     "experiment per day, all groups together"),
    ({"effect_size": 0.5, "method": "arcsine"},
     "--method arcsine applies to proportions (--baseline); a difference in means is planned "
     "with the t-test: drop --method"),
    ({"effect_size": 0.5, "n": 100},
     "--n conflicts with --effect-size: give --n to find the smallest detectable effect, or "
     "--effect-size to find n (mlstats power gives the power of both)"),
    ({"baseline": 0.1, "mde": 0.02, "n": 100},
     "--n conflicts with --mde: give --n to find the smallest detectable effect, or --mde to "
     "find n (mlstats power gives the power of both)"),
    ({"baseline": 0.1, "n": 100, "relative": True},
     "--relative applies to --mde; with --n the result reports both mde and mde_relative: "
     "drop --relative"),
    ({"effect_size": 10.0},
     "--effect-size 10 is so large that fewer than 2 units per group reach power 0.8: n below "
     "2 is not a plan; give a smaller effect or more --power"),
    ({"effect_size": 1e-9},
     "--effect-size 1e-09 is too small to detect: it would need more than 1e+15 units per "
     "group; plan for a larger effect"),
    ({"baseline": 0.9, "n": 10},
     "with --n 10 no increase from --baseline 0.9 that stays a proportion reaches power 0.8; "
     "raise --n"),
    ({"n": 1},
     "--n must be at least 2 per group (got 1)"),
    ({"n": 10, "ratio": 0.1},
     "--n 10 with --ratio 0.1 gives the treatment group 1 unit; each group needs at least 2: "
     "raise --n"),
])
def test_bad_input_names_the_option(kwargs, message):
    with pytest.raises(InputError) as info:
        sample_size(**kwargs)
    assert str(info.value) == message


def test_power_curve_bad_input():
    with pytest.raises(InputError, match=r"^--n needs at least one control-group size"):
        power_curve(n=[], effect_size=0.5)
    with pytest.raises(InputError, match=r"^--n must be at least 2 per group \(got 1\)$"):
        power_curve(n=[1, 10], effect_size=0.5)
    with pytest.raises(InputError, match=r"^--baseline needs --mde"):
        power_curve(n=[10], baseline=0.5)


# ---------------------------------------------------------------------- properties

proportions = st.floats(0.02, 0.9)
methods = st.sampled_from(["pooled", "arcsine"])
alternatives = st.sampled_from(["two-sided", "larger", "smaller"])


def _room(baseline: float, alternative: str) -> float:
    return baseline if alternative == "smaller" else 1 - baseline


@settings(deadline=None, max_examples=60)
@given(baseline=proportions, share=st.floats(0.05, 0.5), grow=st.floats(1.05, 1.8),
       method=methods, alternative=alternatives)
def test_n_decreases_as_mde_grows(baseline, share, grow, method, alternative):
    mde = share * _room(baseline, alternative)
    small = plan_comparison(baseline=baseline, mde=mde, method=method, alternative=alternative)
    large = plan_comparison(baseline=baseline, mde=min(mde * grow, 0.99 * _room(
        baseline, alternative)), method=method, alternative=alternative)
    assert large.n_exact < small.n_exact


@settings(deadline=None, max_examples=40)
@given(d=st.floats(0.05, 2.0), n=st.integers(2, 5000), extra=st.integers(1, 500),
       ratio=st.floats(0.5, 3.0), alternative=alternatives)
def test_t_power_increases_with_n(d, n, extra, ratio, alternative):
    signed = -d if alternative == "smaller" else d
    low = t_power(signed, n, n * ratio, alternative=alternative)
    high = t_power(signed, n + extra, (n + extra) * ratio, alternative=alternative)
    assert high >= low


@settings(deadline=None, max_examples=60)
@given(baseline=proportions, share=st.floats(0.05, 0.9), n=st.integers(2, 20000),
       extra=st.integers(1, 2000), method=methods, alternative=alternatives)
def test_proportion_power_increases_with_n(baseline, share, n, extra, method, alternative):
    sign = -1 if alternative == "smaller" else 1
    p2 = baseline + sign * share * _room(baseline, alternative)
    fn = pooled_power if method == "pooled" else arcsine_power
    assert fn(baseline, p2, n + extra, n + extra, alternative=alternative) >= fn(
        baseline, p2, n, n, alternative=alternative) - 1e-15


@settings(deadline=None, max_examples=40)
@given(d=st.floats(0.1, 1.5), ratio=st.floats(0.25, 4.0), alternative=alternatives)
def test_ratio_symmetry_for_means(d, ratio, alternative):
    # the t-test is symmetric in its groups: (n₁, r·n₁) and (r·n₁, n₁) have the same power
    one = plan_comparison(effect_size=d, ratio=ratio, alternative=alternative)
    other = plan_comparison(effect_size=d, ratio=1 / ratio, alternative=alternative)
    assert other.n_exact == pytest.approx(ratio * one.n_exact, rel=1e-9)


@settings(deadline=None, max_examples=60)
@given(baseline=proportions, share=st.floats(0.05, 0.9), ratio=st.floats(0.25, 4.0),
       alternative=alternatives)
def test_ratio_symmetry_for_arcsine(baseline, share, ratio, alternative):
    mde = share * _room(baseline, alternative)
    try:
        one = plan_comparison(baseline=baseline, mde=mde, ratio=ratio, method="arcsine",
                              alternative=alternative)
    except InputError:  # a huge effect: fewer than 2 in the smaller group would do, both ways
        with pytest.raises(InputError, match="fewer than 2 units per group"):
            plan_comparison(baseline=baseline, mde=mde, ratio=1 / ratio, method="arcsine",
                            alternative=alternative)
        return
    other = plan_comparison(baseline=baseline, mde=mde, ratio=1 / ratio, method="arcsine",
                            alternative=alternative)
    assert other.n_exact == pytest.approx(ratio * one.n_exact, rel=1e-9)


@settings(deadline=None, max_examples=60)
@given(baseline=proportions, share=st.floats(0.05, 0.9), method=methods)
def test_a_decrease_mirrors_an_increase(baseline, share, method):
    # p ↦ 1 − p swaps successes and failures: a decrease from p needs the n of an increase
    # from 1 − p (both variances and Cohen's h are symmetric under it)
    mde = share * baseline
    down = plan_comparison(baseline=baseline, mde=mde, method=method, alternative="smaller")
    up = plan_comparison(baseline=1 - baseline, mde=mde, method=method, alternative="larger")
    assert down.n_exact == pytest.approx(up.n_exact, rel=1e-9)
    assert down.effect_size == pytest.approx(-up.effect_size, rel=1e-9)


@settings(deadline=None, max_examples=60)
@given(baseline=proportions, share=st.floats(0.05, 0.9), ratio=st.floats(0.5, 3.0),
       power=st.floats(0.5, 0.99), method=methods, alternative=alternatives)
def test_round_trip_power_at_the_planned_sizes(baseline, share, ratio, power, method,
                                               alternative):
    mde = share * _room(baseline, alternative)
    try:
        plan = plan_comparison(baseline=baseline, mde=mde, ratio=ratio, power=power,
                               method=method, alternative=alternative)
    except InputError:
        return  # a huge effect: fewer than 2 per group would do
    sign = -1 if alternative == "smaller" else 1
    fn = pooled_power if method == "pooled" else arcsine_power
    p2 = baseline + sign * mde
    exact = fn(baseline, p2, plan.n_exact, ratio * plan.n_exact, alternative=alternative)
    assert exact == pytest.approx(power, rel=1e-10)
    got = fn(baseline, p2, plan.n_control, plan.n_treatment, alternative=alternative)
    assert got >= power - 1e-10
    # and the minimum detectable effect at the planned size is at most the planned mde
    back = plan_mde(n=plan.n_control, baseline=baseline, ratio=ratio, power=power,
                    method=method, alternative=alternative)
    assert back.mde <= mde * (1 + 1e-9)


@settings(deadline=None, max_examples=30)
@given(d=st.floats(0.1, 1.5), power=st.floats(0.5, 0.95), alternative=alternatives)
def test_round_trip_means(d, power, alternative):
    plan = plan_comparison(effect_size=d, power=power, alternative=alternative)
    signed = -d if alternative == "smaller" else d
    assert t_power(signed, plan.n_exact, plan.n_exact, alternative=alternative) == (
        pytest.approx(power, rel=1e-10))
    assert t_power(signed, plan.n_control, plan.n_treatment,
                   alternative=alternative) >= power - 1e-10
    if plan.n_control > 2:
        assert t_power(signed, plan.n_control - 1, plan.n_control - 1,
                       alternative=alternative) < power


@settings(deadline=None, max_examples=60)
@given(std=st.floats(0.01, 100), margin=st.floats(0.001, 10), population=st.integers(1, 10**7),
       confidence=st.floats(0.5, 0.999))
def test_estimation_properties(std, margin, population, confidence):
    free = estimate_sample_size(confidence=confidence, std=std, margin=margin)
    finite = estimate_sample_size(confidence=confidence, std=std, margin=margin,
                                  population=population)
    assert free.n_exact == pytest.approx((free.z * std / margin) ** 2, rel=1e-12)
    assert finite.n_exact <= free.n_exact * (1 + 1e-12) or free.n_exact < 1
    assert finite.n_exact <= population * (1 + 1e-12)
    assert free.n >= free.n_exact * (1 - 1e-12) and free.n - 1 < free.n_exact


def test_cohens_h_sign():
    assert cohens_h(0.10, 0.12) > 0 > cohens_h(0.12, 0.10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cohens_h(0.5, 0.5) == 0.0


# ------------------------------------------------------- extreme inputs (review, issue 4)
# References below: mpmath 1.4.1 at 50 digits, the power functions written out in mp.ncdf,
# mp.betainc and mp.gammainc (for the noncentral t: quadrature of P(Z + δ < t·S) over Z,
# S = √(χ²_ν/ν)), solved with mp.findroot.

POWER_NEAR_ONE = 0.9999999999999999  # 1 − 2⁻⁵³: the power itself rounds to 1 near the plan


@pytest.mark.parametrize(("kwargs", "want"), [
    # findroot(1 - pooled_power_mp(.1, .12, n, n) - 2**-53): 1 − power written as Φ tails
    ({"baseline": 0.10, "mde": 0.02}, 50581.724317792791),
    ({"baseline": 0.10, "mde": 0.02, "method": "arcsine"}, 50525.682369671626),
    ({"effect_size": 0.5}, 828.31272026554049),
    ({"effect_size": 0.5, "alternative": "larger"}, 777.55013360267856),
    ({"effect_size": 0.5, "alternative": "smaller"}, 777.55013360267856),
])
def test_power_near_one_keeps_full_precision(kwargs, want):
    # solving power − target loses every digit when target = 1 − 1e-16 (it gave 50730.67 and
    # 837.9998 here): the root is found on β = 1 − power instead
    plan = plan_comparison(power=POWER_NEAR_ONE, **kwargs)
    assert plan.n_exact == approx(want)


def test_mde_at_power_near_one_keeps_full_precision():
    # mpmath: findroot(1 - pooled_power_mp(.1, .1 + e, 2000, 2000) - 2**-53)
    plan = plan_mde(n=2000, baseline=0.10, power=POWER_NEAR_ONE)
    assert plan.mde == approx(0.11610525163081568)
    # one part in a billion from 1: the old form was already off by 2e-9 here
    # mpmath: findroot(1 - pooled_power_mp(.1, .12, n, n) - 1e-9)
    assert plan_comparison(baseline=0.10, mde=0.02, power=0.999999999).n_exact == approx(
        30974.269334840983)


@settings(deadline=None, max_examples=40)
@given(d=st.floats(0.01, 5.0), n=st.floats(2.0, 5000.0), ratio=st.floats(0.3, 3.0),
       alpha=st.floats(1e-12, 0.4), alternative=alternatives)
def test_miss_is_one_minus_power(d, n, ratio, alpha, alternative):
    signed = -d if alternative == "smaller" else d
    for power, miss in [
        (t_power(signed, n, n * ratio, alpha=alpha, alternative=alternative),
         t_power(signed, n, n * ratio, alpha=alpha, alternative=alternative, miss=True)),
        (pooled_power(0.3, 0.3 + signed / 20, n, n * ratio, alpha=alpha,
                      alternative=alternative),
         pooled_power(0.3, 0.3 + signed / 20, n, n * ratio, alpha=alpha,
                      alternative=alternative, miss=True)),
    ]:
        assert power + miss == pytest.approx(1.0, abs=1e-12)


def test_t_critical_value_far_in_the_tail():
    from mlstats.stats.planning import _t_upper

    # mpmath: the c with betainc(ν/2, 1/2, 0, ν/(ν + c²), regularized)/2 = p
    assert _t_upper(6, 5e-301) == approx(2.0178271543649024408e+50)  # SciPy stdtrit: +inf
    assert _t_upper(2.5, 1e-200) == approx(8.7654378822799920123e+79)  # stdtrit: 57 % off
    # with stdtrit's +inf the power came out as 2 and the minimum detectable effect as 0
    assert 0 <= t_power(1.0, 4, 4, alpha=1e-300) < 1e-290
    with pytest.raises(InputError, match=r"^no effect below 10000 standard deviations"):
        plan_mde(n=4, alpha=1e-300)


@pytest.mark.parametrize(("args", "want", "want_miss"), [
    # mpmath quadrature over Z of P(χ²_ν > ν((Z + δ)/c)²) (see above), c from mp.betainc
    ((1e5, 2, 2, 1e-10), 0.63212055884695166387, 0.36787944115304833613),  # nctdtr: 1e-6 off
    ((1e6, 10, 10, 1e-100), 0.99976435311536781962, 0.00023564688463218037851),  # nctdtr: 0
])
def test_t_power_at_a_huge_noncentrality(args, want, want_miss):
    d, n1, n2, alpha = args
    assert t_power(d, n1, n2, alpha=alpha) == approx(want)
    assert t_power(d, n1, n2, alpha=alpha, miss=True) == approx(want_miss)


def test_huge_effect_with_tiny_alpha_plans_quickly_and_exactly():
    # SciPy's nctdtr took seconds per call here (the plan never finished) and gave NaN
    plan = plan_comparison(effect_size=1e8, alpha=1e-30)
    assert 2 < plan.n_exact < 3
    assert t_power(1e8, plan.n_exact, plan.n_exact, alpha=1e-30) == pytest.approx(0.8, rel=1e-12)
    assert t_power(1e8, plan.n_control, plan.n_treatment, alpha=1e-30) >= 0.8


def test_estimation_extremes():
    # z²σ²/m² overflows a float: an input error, not an internal error
    with pytest.raises(InputError, match=r"^--std 1e\+300 with --margin 1e-300 needs more rows"):
        estimate_sample_size(std=1e300, margin=1e-300)
    # ... unless a population bounds it: n0 → ∞ gives n = N
    res = estimate_sample_size(std=1e300, margin=1e-300, population=1000)
    assert (res.n, res.n_exact) == (1000, 1000.0)
    # n0 underflows to 0: still one row
    assert estimate_sample_size(std=1e-300, margin=1e300).n == 1
    # a population beyond a float: no correction (was an OverflowError)
    assert estimate_sample_size(std=0.5, margin=0.05, population=10**400).n == 385
    # mpmath: sqrt(2)*erfinv(c); 0.5 + c/2 rounded to 1 (an error), and to 0.5 (z = 0, n = 0)
    res = estimate_sample_size(std=1, margin=1, confidence=POWER_NEAR_ONE)
    assert res.z == approx(8.2923610758135955382) and res.n == 69
    res = estimate_sample_size(std=1, margin=1, confidence=1e-20)
    assert res.z == approx(1.2533141373155002512e-20) and res.n == 1


@pytest.mark.parametrize(("call", "message"), [
    (lambda: power_curve(n=[10**15 + 1], effect_size=0.5),
     "--n must be at most 1e+15 per group (got 1000000000000001)"),
    (lambda: power_curve(n=[10**400], effect_size=0.5),
     f"--n must be at most 1e+15 per group (got {10**400})"),
    (lambda: power_curve(n=[10**15], effect_size=0.5, ratio=2),
     "--n 1000000000000000 with --ratio 2 gives the treatment group 2000000000000000 units, "
     "more than 1e+15: lower --n or --ratio"),
    (lambda: plan_comparison(effect_size=0.5, ratio=1e15),
     "--ratio 1e+15 is too lopsided: with 2 units in the smaller group the larger would hold "
     "more than 1e+15; give a --ratio nearer 1"),
    (lambda: plan_comparison(baseline=0.1, mde=0.02, ratio=1e-12),
     "--mde 0.02 is too small to detect: it would need more than 1e+15 units per group; plan "
     "for a larger effect or a --ratio nearer 1"),
    (lambda: plan_comparison(effect_size=0.5, arms=10**400),
     f"--arms must be at most 1e+15 (got {10**400}); it counts every group, the control "
     "included"),
    (lambda: plan_comparison(effect_size=0.5, alpha=5e-324),
     "--alpha 4.94065645841247e-324 tests at 4.94065645841247e-324, below 1e-300: no tail "
     "that far out is computed reliably; raise --alpha"),
    (lambda: plan_comparison(effect_size=0.5, alpha=1e-290, arms=10**12),
     "--alpha 1e-290 split over --arms 1000000000000 tests at 1.000000000001e-302, below "
     "1e-300: no tail that far out is computed reliably; raise --alpha"),
    (lambda: plan_mde(n=2000, baseline=0.999999999),
     "with --n 2000 no increase from --baseline 0.999999999 that stays a proportion reaches "
     "power 0.8; raise --n"),
])
def test_domain_edges_are_input_errors(call, message):
    # each was an OverflowError (exit 3), a power of 0 where it is 1 (--n 1e20), a treatment
    # group rounded through a float, a crash in the normal quantile, or a message that
    # printed --baseline 0.999999999 as 1
    with pytest.raises(InputError) as info:
        call()
    assert str(info.value) == message


def test_a_ratio_plan_keeps_the_larger_group_within_bounds():
    plan = plan_comparison(baseline=0.10, mde=0.02, ratio=1e11)
    assert 10**14 < plan.n_treatment <= 10**15
    assert pooled_power(0.10, 0.12, plan.n_control, plan.n_treatment) >= 0.8
    # at ratio 1e12 the treatment group would pass 1e15 (n_treatment came out as a float's
    # approximation of the integer, 1977576822890006)
    with pytest.raises(InputError, match=r"more than 1e\+15 units per group"):
        plan_comparison(baseline=0.10, mde=0.02, ratio=1e12)


def test_relative_mde_is_reported_as_given():
    # 0.2 × 0.1 / 0.1 is 0.20000000000000004: `--assert 'mde_relative == 0.2'` must hold
    assert plan_comparison(baseline=0.10, mde=0.2, relative=True).mde_relative == 0.2
    assert power_curve(n=[100], baseline=0.10, mde=0.2, relative=True).mde_relative == 0.2


def test_noncentral_t_tails_that_scipy_gets_wrong():
    from scipy.special import nctdtr

    from mlstats.stats.planning import _nct_below

    # T < t ≤ 0 needs Z + δ < 0, so P ≤ Φ(−433) = 0; nctdtr says 4.8e-13, enough to swamp a
    # β near 1e-16
    assert nctdtr(30, 433.4854495515098, -407.5392965871778) > 1e-13
    assert _nct_below(30, 433.4854495515098, -407.5392965871778) == 0.0
    # both nctdtr(2, −14.76, 15.76) and its mirror are NaN: the power of a one-sided test at
    # alpha 0.998 came out 0 where it is 1 (T > −15.76 is all but certain at δ = 14.76)
    assert t_power(14.763508436553103, 2, 2, alpha=0.998, alternative="larger") == 1.0
