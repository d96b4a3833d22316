"""Student's t quantile without SciPy against SciPy's `stdtrit`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import stdtrit

from mlstats.stats.tdist import t_upper_quantile

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
