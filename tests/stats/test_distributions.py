"""The F and χ² tails without SciPy (`mlstats.stats.tdist.f_tail`, `chi2_tail`) against SciPy's
`fdtrc`/`chdtrc` and, where SciPy's own rounding grows (F with millions of denominator
degrees of freedom), against mpmath at 40 digits and the exact finite sums for even d1."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from scipy.special import chdtrc, fdtrc

from mlstats.stats.tdist import OWN_F_DF2, chi2_tail, f_tail

F_VALUES = [1e-8, 1e-5, 1e-3, 0.01, 0.1, 0.5, 0.9, 1, 1.01, 1.1, 1.5, 2, 3, 5, 10, 30, 100,
            1e3, 1e4]
TINY = 1e-300  # below it a p-value is near or past the end of the double range


def _relative(got: float, expected: float) -> float:
    return abs(got - expected) / expected


@pytest.mark.parametrize("d2", [1, 2, 3, 4, 5, 7, 10, 30, 99, 100, 1000, 10**4])
def test_f_tail_matches_scipy(d2):
    # SciPy 1.17: scipy.special.fdtrc(d1, d2, f), within 1e-12 of mpmath to 1e4 denominator
    # degrees of freedom while the tail is above 1e-200; below, its front factor underflows
    # erratically (fdtrc(52, 1e4, 30) is 0, not 6.18e-270; fdtrc(53, 1e4, 30) 2e-4 off), so
    # there mpmath is the oracle
    for d1 in range(1, 201):
        for f in F_VALUES:
            got, expected = f_tail(f, d1, d2), float(fdtrc(d1, d2, f))
            if expected <= 1e-200 and got > TINY:
                expected = _mpmath_f_tail(f, d1, d2)
            if expected > TINY:
                assert _relative(got, expected) <= 1e-12, (d1, d2, f)


def _mpmath_f_tail(f: float, d1: int, d2: float) -> float:
    """mpmath 1.4: betainc(d2/2, d1/2, 0, d2/(d2 + d1·f), regularized=True) at 40 digits."""
    with mpmath.workdps(40):
        a, b, x = mpmath.mpf(d2) / 2, mpmath.mpf(d1) / 2, mpmath.mpf(f)
        return float(mpmath.betainc(a, b, 0, d2 / (d2 + d1 * x), regularized=True))


@pytest.mark.parametrize("d2", [12345, 10**5, 10**6, 9_999_997, 10**7, 3 * 10**7, 10**8])
@pytest.mark.parametrize("d1", [1, 2, 3, 7, 20, 51, 200])
def test_f_tail_matches_mpmath_for_millions_of_degrees_of_freedom(d1, d2):
    # SciPy's fdtrc loses digits in proportion to d2 there (7e-10 at d2 = 1e8); mpmath is the
    # oracle
    for f in F_VALUES:
        if fdtrc(d1, d2, f) < 1e-290:  # (SciPy is within 1e-9 there: a filter, not the oracle)
            continue
        expected = _mpmath_f_tail(f, d1, d2)
        assert _relative(f_tail(f, d1, d2), expected) <= 1e-12, (d1, d2, f)


@pytest.mark.slow
@pytest.mark.parametrize("d2", [1, 10, 1000, 12345, 10**6, 9_999_997, 10**8])
@pytest.mark.parametrize("d1", [999, 1000])
def test_f_tail_matches_mpmath_up_to_own_f_df1(d1, d2):
    # up to OWN_F_DF1 numerator degrees of freedom (9.2e-13 the largest difference here)
    test_f_tail_matches_mpmath_for_millions_of_degrees_of_freedom(d1, d2)


def _exact_even(f: float, d1: int, d2: int) -> float:
    """P(F > f) for even d1 = 2m: xᵃ Σ_{j<m} C(a + j − 1, j) yʲ, a = d2/2, x = d2/(d2 + d1·f),
    y = 1 − x (A&S 26.6.4), in exact rational arithmetic but for xᵃ (mpmath, 40 digits)."""
    q = Fraction(f)
    x, y = Fraction(d2) / (d2 + d1 * q), d1 * q / (d2 + d1 * q)
    a = Fraction(d2, 2)
    total, term = Fraction(0), Fraction(1)
    for j in range(d1 // 2):
        if j:
            term *= (a + j - 1) / j * y
        total += term
    with mpmath.workdps(40):
        power = mpmath.exp(mpmath.mpf(d2) / 2 * mpmath.log(mpmath.mpf(x.numerator)
                                                          / x.denominator))
        return float(power * mpmath.mpf(total.numerator) / total.denominator)


@pytest.mark.parametrize("d1", [2, 4, 10])
@pytest.mark.parametrize("d2", [10**6, 10**8])
@pytest.mark.parametrize("f", [0.01, 1, 3, 30])
def test_f_tail_equals_the_finite_sum_for_even_d1(d1, d2, f):
    expected = _exact_even(f, d1, d2)
    assert _relative(f_tail(f, d1, d2), expected) <= 1e-13
    if (d1, d2, f) == (4, 10**8, 3):
        # SciPy 1.17's fdtrc(4, 1e8, 3) is 0.017351269685441126, 7.5e-10 off
        assert _relative(float(fdtrc(d1, d2, f)), expected) > 1e-10


def test_f_tail_limits_and_scipy_beyond_its_range():
    assert f_tail(0.0, 3, 10) == 1.0
    assert f_tail(math.inf, 3, 10) == 0.0
    assert math.isnan(f_tail(math.nan, 3, 10))
    assert math.isnan(f_tail(1.0, 0, 10))  # as fdtrc(0, 10, 1)
    # beyond OWN_F_DF2 SciPy's fdtrc answers
    assert f_tail(2.0, 3, 2 * OWN_F_DF2) == float(fdtrc(3, 2 * OWN_F_DF2, 2.0))


@given(st.integers(1, 200), st.integers(1, 10**8), st.floats(0, 1e4), st.floats(0, 1e4))
def test_f_tail_is_a_decreasing_probability(d1, d2, f, g):
    low, high = min(f, g), max(f, g)
    p_low, p_high = f_tail(low, d1, d2), f_tail(high, d1, d2)
    # decreasing up to the last bits (near 1 the tail is a sum that rounds either way)
    assert 0 <= p_high <= p_low + 4 * math.ulp(p_low) and p_low <= 1


@pytest.mark.parametrize("k", [*range(1, 60), 99, 100, 101, 250, 251, 499, 500])
def test_chi2_tail_matches_scipy(k):
    # SciPy 1.17: scipy.special.chdtrc(k, x); 3e-13 is the largest difference on this grid
    for x in [0, 1e-8, 1e-3, 0.1, 0.5, 1, 2, 5, 10, 30, 100, 300, 700, 1000, 1300, 1400,
              3000, 1e4]:
        expected = float(chdtrc(k, x))
        if expected > TINY:
            assert _relative(chi2_tail(x, k), expected) <= 1e-12, (k, x)


@pytest.mark.parametrize(("k", "x"), [(1, 1300.0), (2, 1380.0), (3, 1370.0), (50, 1400.0),
                                      (499, 2000.0), (500, 2500.0)])
def test_chi2_tail_far_tail_matches_mpmath(k, x):
    # mpmath 1.4: gammainc(k/2, x/2, inf, regularized=True) at 40 digits
    with mpmath.workdps(40):
        expected = float(mpmath.gammainc(mpmath.mpf(k) / 2, mpmath.mpf(x) / 2, mpmath.inf,
                                         regularized=True))
    assert expected < 1e-100
    assert _relative(chi2_tail(x, k), expected) <= 1e-12


def test_chi2_tail_closed_forms_and_limits():
    # k = 2: e^{−x/2}; k = 1: erfc(√(x/2)) (A&S 26.4.4–5)
    for x in [1e-6, 0.3, 5.0, 80.0, 1400.0]:
        assert chi2_tail(x, 2) == pytest.approx(math.exp(-x / 2), rel=1e-15)
        assert chi2_tail(x, 1) == pytest.approx(math.erfc(math.sqrt(x / 2)), rel=1e-15)
    assert chi2_tail(0.0, 4) == 1.0
    assert chi2_tail(math.inf, 4) == 0.0
    assert math.isnan(chi2_tail(math.nan, 4))
    assert chi2_tail(1.0, 0) == float(chdtrc(0, 1.0)) == 0.0
    assert chi2_tail(5e-324, 3) == 1.0
    assert f_tail(5e-324, 1, 1e8) == 1.0
    assert f_tail(5e-324, 1, 1) == pytest.approx(1.0)
    assert f_tail(1e308, 200, 1) == 0.0


@given(st.integers(1, 500), st.floats(0, 1e4), st.floats(0, 1e4))  # subnormals included
@example(37, 1.0, 2.0)
def test_chi2_tail_is_a_decreasing_probability(k, x, y):
    low, high = min(x, y), max(x, y)
    p_low, p_high = chi2_tail(low, k), chi2_tail(high, k)
    # decreasing up to the last bits (near 1 the tail is a sum that rounds either way:
    # k = 37 gives 1 − 4.4e-16 at x = 1 and 1 − 3.3e-16 at x = 2)
    assert 0 <= p_high <= p_low + 4 * math.ulp(p_low) and p_low <= 1
