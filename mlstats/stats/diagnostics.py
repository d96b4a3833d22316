"""Residual diagnostics of a least-squares fit: the residual summary `summary(lm)` prints, tests
of the error assumptions (Breusch–Pagan, Durbin–Watson, Jarque–Bera, Shapiro–Wilk) and the
most influential rows by Cook's distance.

Every function takes the residuals (with weights, the weighted residuals √wᵢ·eᵢ, as R's
`weighted.residuals`) in input row order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

# shapiro.test (R) and scipy.stats.shapiro are defined for 3 ≤ n ≤ 5000.
SHAPIRO_MAX = 5000
INFLUENTIAL = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class ResidualSummary:
    """The five-number summary of the residuals (type-7 quantiles), as `summary(lm)` prints."""

    min: float
    q1: float
    median: float
    q3: float
    max: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnostics:
    """Tests of the error assumptions: constant variance, independence, normality."""

    breusch_pagan: float
    breusch_pagan_df: int
    breusch_pagan_p_value: float
    durbin_watson: float
    jarque_bera: float
    jarque_bera_p_value: float
    shapiro_wilk: float
    shapiro_wilk_p_value: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Influence:
    """One of the most influential rows: its input line, Cook's distance, leverage, residual."""

    name: str
    line: int
    cooks_distance: float
    leverage: float
    residual: float


def residual_summary(e: np.ndarray) -> ResidualSummary:
    """min, q1, median, q3, max of the residuals (R's quantile type 7)."""
    low, q1, median, q3, high = np.quantile(e, [0, 0.25, 0.5, 0.75, 1])
    return ResidualSummary(min=float(low), q1=float(q1), median=float(median), q3=float(q3),
                           max=float(high))


def diagnostics(e: np.ndarray, basis: np.ndarray, warnings: list[str]) -> Diagnostics:
    """Breusch–Pagan (studentized), Durbin–Watson, Jarque–Bera and Shapiro–Wilk.

    `basis` is an orthonormal basis of the predictors' columns after centring (the auxiliary
    regression of Breusch–Pagan has an intercept besides them).
    Breusch–Pagan (Koenker's studentized form): LM = n·R² of eᵢ² on [1, X], χ² with as many
    degrees of freedom as X has (linearly independent) columns.
    Durbin–Watson: d = Σ(eᵢ − eᵢ₋₁)²/Σeᵢ², in input row order.
    Jarque–Bera: JB = n/6·(S² + (K − 3)²/4), S and K the moment skewness and kurtosis, χ²(2).
    Shapiro–Wilk: W (Royston's algorithm, as R's shapiro.test), for 3 ≤ n ≤ 5000.
    Reference: R. Koenker, J. Econometrics 17 (1981) 107–112; J. Durbin & G. Watson,
    Biometrika 37 (1950); C. Jarque & A. Bera, Econ. Letters 6 (1980); P. Royston, Statistics
    and Computing 2 (1992).
    Checked against: statsmodels 0.15.0 het_breuschpagan(robust=True), durbin_watson,
    jarque_bera; scipy.stats.shapiro (tests/stats/test_formula.py).
    """
    from scipy.special import chdtrc

    n = e.size
    squares = e * e
    ssr = float(squares.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        u = squares - ssr / n
        explained = basis.T @ u
        bp = n * float(explained @ explained) / float(u @ u)
        df = basis.shape[1]
        bp_p = float(chdtrc(df, bp)) if math.isfinite(bp) else math.nan
        steps = np.diff(e)
        dw = float(steps @ steps) / ssr
        centred = e - e.mean()
        m2 = float(centred @ centred) / n
        skew = float(np.mean(centred**3)) / m2**1.5
        kurtosis = float(np.mean(centred**4)) / (m2 * m2)
        jb = n / 6 * (skew * skew + (kurtosis - 3) ** 2 / 4)
    jb_p = float(chdtrc(2, jb)) if math.isfinite(jb) else math.nan
    w = w_p = math.nan
    if 3 <= n <= SHAPIRO_MAX and ssr > 0:
        from scipy.stats import shapiro

        w, w_p = (float(v) for v in shapiro(e))
    elif n > SHAPIRO_MAX:
        warnings.append(f"shapiro_wilk is null: the Shapiro–Wilk test is defined for 3 to "
                        f"{SHAPIRO_MAX} rows (as R's shapiro.test), and {n} were used; "
                        "jarque_bera tests normality at any size")
    return Diagnostics(breusch_pagan=_finite(bp), breusch_pagan_df=df,
                       breusch_pagan_p_value=bp_p, durbin_watson=_finite(dw),
                       jarque_bera=_finite(jb), jarque_bera_p_value=jb_p, shapiro_wilk=w,
                       shapiro_wilk_p_value=w_p)


def centred_basis(columns: list[np.ndarray]) -> np.ndarray:
    """An orthonormal basis of the centred columns (rank-revealing: a column that is a
    combination of the others after centring adds nothing)."""
    from scipy.linalg import qr

    if not columns:
        return np.empty((0, 0))
    x = np.column_stack(columns)
    x = x - x.mean(axis=0)
    norms = np.linalg.norm(x, axis=0)
    x = x[:, norms > 0] / norms[norms > 0]
    if x.shape[1] == 0:
        return np.empty((x.shape[0], 0))
    q, r, _ = qr(x, mode="economic", pivoting=True)
    rank = int(np.sum(np.abs(np.diag(r)) > 1e-10 * max(1.0, abs(r[0, 0]))))
    return q[:, :rank]


def influential(e: np.ndarray, leverage: np.ndarray, k: int, sigma2: float, *,
                residuals: np.ndarray, lines_of: Callable[[Sequence[int]], list[int]],
                count: int = INFLUENTIAL) -> tuple[Influence, ...]:
    """The `count` rows with the largest Cook's distance Dᵢ = eᵢ²hᵢ/(k·σ̂²·(1 − hᵢ)²).

    `e` and σ̂² are in the working scale (weighted residuals), `residuals` the residuals
    y − ŷ reported per row. A row with leverage 1 (its own coefficient) has an undefined
    distance and is left out.
    Reference: R. D. Cook, Technometrics 19 (1977) 15–18.
    Checked against: statsmodels 0.15.0 OLSInfluence.cooks_distance (tests/stats/test_formula.py).
    """
    if not sigma2 > 0:
        return ()
    with np.errstate(divide="ignore", invalid="ignore"):
        one = 1 - leverage
        cooks = e * e * leverage / (k * sigma2 * one * one)
    cooks = np.where(one > 1e-10, cooks, np.nan)
    ranked = np.argsort(np.where(np.isnan(cooks), -np.inf, -cooks), kind="stable")
    top = [int(i) for i in ranked[:count] if not np.isnan(cooks[i])]
    return tuple(Influence(name=str(line), line=line, cooks_distance=float(cooks[i]),
                           leverage=float(leverage[i]), residual=float(residuals[i]))
                 for i, line in zip(top, lines_of(top), strict=True))


def _finite(value: float) -> float:
    return value if math.isfinite(value) else math.nan
