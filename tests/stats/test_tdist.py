"""Student's t quantile and two-sided tail without SciPy against SciPy's `stdtrit`/`stdtr`."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import ndtr, stdtr, stdtrit

from mlstats.stats.tdist import normal_tail, t_tail, t_two_sided_p, t_upper_quantile

CONFIDENCES = [0.01, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 0.999999, 1 - 1e-10]


@pytest.mark.parametrize("df", [*range(1, 60), 99, 100, 101, 499, 999, 1737, 1999, 2000, 2001,
                                5000, 10**4, 10**5, 10**7, 10**9])
@pytest.mark.parametrize("confidence", CONFIDENCES)
def test_t_quantile_matches_scipy(df, confidence):
    # SciPy 1.17: -scipy.special.stdtrit(df, (1 - confidence) / 2)
    tail = (1 - confidence) / 2
    assert t_upper_quantile(df, tail) == pytest.approx(-float(stdtrit(df, tail)), rel=1e-11)


@given(st.integers(1, 10**7), st.floats(0.5, 0.99999))
def test_any_sample_size_and_level(df, confidence):
    tail = (1 - confidence) / 2
    assert t_upper_quantile(df, tail) == pytest.approx(-float(stdtrit(df, tail)), rel=1e-11)


@pytest.mark.parametrize("df", [*range(1, 12), 30, 49, 50, 51, 99, 100, 101, 12345, 10**5,
                                10**6, 9_999_999])
@pytest.mark.parametrize("t", [1e-3, 0.1, 0.5, 1, 1.5, 1.7320508, 2, 3, 5, 10, 30, 100, 1e4])
def test_t_two_sided_p_matches_scipy(df, t):
    # SciPy 1.17: 2 * scipy.special.stdtr(df, -abs(t)); our error grows with df (5e-10 at 1e7)
    expected = 2 * float(stdtr(df, -t))
    if expected < 1e-290:
        pytest.skip("below the float64 range")
    rel = 1e-12 if df <= 10**4 else 1e-9
    assert t_two_sided_p(t, df) == pytest.approx(expected, rel=rel)
    assert t_two_sided_p(-t, df) == t_two_sided_p(t, df)


@pytest.mark.parametrize("t", [1e-8, 1e-3, 0.5, 1, 7, 1e3, 1e7])
def test_t_two_sided_p_closed_forms(t):
    # ν = 1 (Cauchy): 1 − (2/π) atan t; ν = 2: 1 − t/√(2 + t²) (A&S 26.7.3, 26.7.4). SciPy's
    # stdtr(1, −1e-8) is off by 3e-9 in the last case: the closed form is the oracle here.
    assert t_two_sided_p(t, 1) == pytest.approx(1 - 2 / math.pi * math.atan(t), rel=1e-12)
    assert t_two_sided_p(t, 2) == pytest.approx(1 - t / math.sqrt(2 + t * t), rel=1e-11)


def test_t_two_sided_p_limits():
    assert t_two_sided_p(0.0, 5) == 1.0
    assert t_two_sided_p(math.inf, 5) == 0.0
    assert math.isnan(t_two_sided_p(math.nan, 5))


@pytest.mark.parametrize("df", [1, 2.5, 7, 99.3, 12345.6, 9_999_999, 10**8])
@pytest.mark.parametrize("t", [-40, -3, -0.5, 0, 0.5, 3, 40])
def test_t_tail_both_sides_matches_scipy(df, t):
    # SciPy 1.17: scipy.special.stdtr(df, -t) = P(T > t); from 1e7 degrees of freedom SciPy
    # itself answers (OWN_TAIL_DF)
    expected = float(stdtr(df, -t))
    if expected < 1e-290:
        pytest.skip("below the float64 range")
    assert t_tail(t, df) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("z", [-38.0, -8.0, -1.0, 0.0, 0.3, 1.959963984540054, 8.0, 37.5])
def test_normal_tail_matches_scipy(z):
    # SciPy 1.17: scipy.special.ndtr(-z)
    assert normal_tail(z) == pytest.approx(float(ndtr(-z)), rel=1e-13)
