"""`solve_upper` (triangular solves in NumPy) against SciPy's `solve_triangular`."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.linalg import solve_triangular

from mlstats.stats.triangular import solve_upper


def _upper(p: int, conditioned: str, rng: np.random.Generator) -> np.ndarray:
    """A random upper-triangular matrix: a dominant diagonal (κ below about 20), or normal
    entries throughout (κ grows exponentially with p: about 1e9 at p = 30, 1e20 at 300)."""
    r = np.triu(rng.normal(size=(p, p)))
    if conditioned == "well":
        r *= 0.1
        r[np.diag_indices(p)] = rng.uniform(1, 2, p) * rng.choice([-1.0, 1.0], p)
    return r


@pytest.mark.parametrize("p", [1, 2, 3, 5, 10, 30, 100, 300])
@pytest.mark.parametrize("conditioned", ["well", "ill"])
@pytest.mark.parametrize("columns", [None, 1, 4])
@pytest.mark.parametrize("trans", [False, True])
def test_solve_upper_matches_scipy(p, conditioned, columns, trans):
    # SciPy 1.17: scipy.linalg.solve_triangular(r, b, trans="T" if trans else "N"); compared
    # column by column in norm (the largest difference on this grid is 7e-15, at κ = 1e20)
    rng = np.random.default_rng(p * 7 + len(conditioned))
    r = _upper(p, conditioned, rng)
    b = rng.normal(size=p if columns is None else (p, columns))
    expected = solve_triangular(r, b, trans="T" if trans else "N")
    got = solve_upper(r, b, trans=trans)
    assert got.shape == expected.shape
    difference = np.linalg.norm((got - expected).reshape(p, -1), axis=0)
    assert np.all(difference <= 1e-12 * np.linalg.norm(expected.reshape(p, -1), axis=0))


def test_solve_upper_reads_only_the_upper_triangle_and_leaves_b_alone():
    r = np.array([[2.0, 1.0], [99.0, 4.0]])
    b = np.array([4.0, 8.0])
    assert solve_upper(r, b).tolist() == [1.0, 2.0]
    assert solve_upper(r, b, trans=True).tolist() == [2.0, 1.5]
    assert b.tolist() == [4.0, 8.0]


def test_a_zero_diagonal_raises_as_scipy_does():
    r = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0], [0.0, 0.0, 5.0]])
    with pytest.raises(np.linalg.LinAlgError) as scipy_error:
        solve_triangular(r, np.ones(3))
    with pytest.raises(np.linalg.LinAlgError) as ours:
        solve_upper(r, np.ones(3))
    assert str(ours.value) == str(scipy_error.value)


@given(st.integers(1, 12), st.integers(0, 2**32 - 1), st.booleans())
def test_solve_upper_solves(p, seed, trans):
    rng = np.random.default_rng(seed)
    r = _upper(p, "well", rng)
    b = rng.normal(size=p)
    x = solve_upper(r, b, trans=trans)
    assert np.allclose((r.T if trans else r) @ x, b, rtol=0, atol=1e-12)
