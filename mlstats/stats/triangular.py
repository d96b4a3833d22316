"""Triangular solves in NumPy, for the finish of a regression from aggregates.

The fit's R factor is p × p (p the number of terms), so substitution over its p columns costs
microseconds, where importing `scipy.linalg` for `solve_triangular` cost a tenth of a second.
"""

from __future__ import annotations

import numpy as np


def solve_upper(r: np.ndarray, b: np.ndarray, *, trans: bool = False) -> np.ndarray:
    """x with R·x = b (or Rᵀ·x = b with `trans`) for an upper-triangular R (p × p); b a vector
    or a p × m matrix. Only the upper triangle of R is read.

    Back substitution by columns (x_j = b_j/R_jj, then b_{<j} −= x_j·R_{<j,j}), forward
    substitution by inner products for Rᵀ: the orders of LAPACK's dtrsv. A zero on the
    diagonal raises `np.linalg.LinAlgError`, as `scipy.linalg.solve_triangular` does.
    Reference: G. Golub & C. Van Loan, Matrix Computations (4th ed.) §3.1.
    Checked against: SciPy `scipy.linalg.solve_triangular` (tests/stats/test_triangular.py).
    """
    r = np.asarray(r, dtype=np.float64)
    x = np.array(b, dtype=np.float64)  # a copy: b is left as it is
    p = r.shape[0]
    diagonal = np.diag(r)
    zero = np.flatnonzero(diagonal == 0)
    if zero.size:
        raise np.linalg.LinAlgError(
            f"singular matrix: resolution failed at diagonal {int(zero[0])}")
    if trans:
        for j in range(p):
            x[j] = (x[j] - r[:j, j] @ x[:j]) / diagonal[j]
        return x
    for j in range(p - 1, -1, -1):
        x[j] /= diagonal[j]
        if j:
            x[:j] -= np.multiply.outer(r[:j, j], x[j])
    return x
