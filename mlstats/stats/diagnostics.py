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


Explained = Callable[[np.ndarray], tuple[float, int]]


@dataclass(frozen=True, slots=True, kw_only=True)
class ResidualSums:
    """What the tests of the error assumptions read of the residuals e (in input row order),
    gathered in one pass: by the local engine from arrays (`residual_sums`), by another
    engine with aggregates. M2, M3, M4 are the central sums Σ(e − ē)ᵏ; `explained` is the
    sum of squares of u = e² − Σe²/n explained by the predictors' centred columns, `df`
    their number, `u_squares` = Σu²; `steps` = Σ(eᵢ − eᵢ₋₁)²; `residuals` holds e itself
    when Shapiro–Wilk is defined (3 ≤ n ≤ 5000), else None."""

    n: int
    ssr: float
    m2: float
    m3: float
    m4: float
    explained: float
    df: int
    u_squares: float
    steps: float
    residuals: np.ndarray | None = None


def residual_sums(e: np.ndarray, explained_by: Explained) -> ResidualSums:
    """The `ResidualSums` of residuals e; `explained_by(u)` gives the sum of squares of a
    centred u explained by the predictors' centred columns, and their number (see `by_basis`
    and `by_columns`)."""
    n = e.size
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        u = e * e
        ssr = float(u.sum())
        u -= ssr / n
        explained, df = explained_by(u)
        steps = np.diff(e)
        centred = e - e.mean()
        square = centred * centred  # moments by dot products, not powers (a pass each)
        sums = ResidualSums(n=n, ssr=ssr, m2=float(square.sum()), m3=float(square @ centred),
                            m4=float(square @ square), explained=explained, df=df,
                            u_squares=float(u @ u), steps=float(steps @ steps),
                            residuals=e if 3 <= n <= SHAPIRO_MAX else None)
    return sums


def diagnostics(sums: ResidualSums, warnings: list[str]) -> Diagnostics:
    """Breusch–Pagan (studentized), Durbin–Watson, Jarque–Bera and Shapiro–Wilk.

    Breusch–Pagan (Koenker's studentized form): LM = n·R² of eᵢ² on [1, X], χ² with as many
    degrees of freedom as X has (linearly independent) columns: n·explained/Σu².
    Durbin–Watson: d = Σ(eᵢ − eᵢ₋₁)²/Σeᵢ², in input row order.
    Jarque–Bera: JB = n/6·(S² + (K − 3)²/4), S and K the moment skewness and kurtosis, χ²(2).
    Shapiro–Wilk: W (Royston's algorithm, as R's shapiro.test), for 3 ≤ n ≤ 5000.
    Reference: R. Koenker, J. Econometrics 17 (1981) 107–112; J. Durbin & G. Watson,
    Biometrika 37 (1950); C. Jarque & A. Bera, Econ. Letters 6 (1980); P. Royston, Statistics
    and Computing 2 (1992).
    Checked against: statsmodels 0.15.0 het_breuschpagan(robust=True), durbin_watson,
    jarque_bera; scipy.stats.shapiro (tests/stats/test_formula.py).
    """
    from mlstats.stats.tdist import chi2_tail

    n, ssr, df = sums.n, sums.ssr, sums.df
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        bp = n * sums.explained / sums.u_squares if sums.u_squares else math.nan
        bp_p = chi2_tail(bp, df) if math.isfinite(bp) else math.nan
        dw = sums.steps / ssr if ssr else math.nan
        m2 = sums.m2 / n
        skew = sums.m3 / n / m2**1.5 if m2 else math.nan
        kurtosis = sums.m4 / n / (m2 * m2) if m2 else math.nan
        jb = n / 6 * (skew * skew + (kurtosis - 3) ** 2 / 4)
    jb_p = chi2_tail(jb, 2) if math.isfinite(jb) else math.nan
    w = w_p = math.nan
    if 3 <= n <= SHAPIRO_MAX and ssr > 0:
        from scipy.stats import shapiro

        w, w_p = (float(v) for v in shapiro(sums.residuals))
    elif n > SHAPIRO_MAX:
        warnings.append(f"shapiro_wilk is null: the Shapiro–Wilk test is defined for 3 to "
                        f"{SHAPIRO_MAX} rows (as R's shapiro.test), and {n} were used; "
                        "jarque_bera tests normality at any size")
    return Diagnostics(breusch_pagan=_finite(bp), breusch_pagan_df=df,
                       breusch_pagan_p_value=bp_p, durbin_watson=_finite(dw),
                       jarque_bera=_finite(jb), jarque_bera_p_value=jb_p, shapiro_wilk=w,
                       shapiro_wilk_p_value=w_p)


def by_basis(q: np.ndarray) -> Explained:
    """‖Q'u‖² for an orthonormal basis Q of the centred columns (the fit's own, when it is
    unweighted with an intercept)."""
    def explained(u: np.ndarray) -> tuple[float, int]:
        part = q.T @ u
        return float(part @ part), q.shape[1]

    return explained


def by_columns(columns: list[np.ndarray], *, full_rank: bool) -> Explained:
    """‖Q'u‖² for the centred columns, by a QR of [X_c, u] (R's last column is Q'u; Q itself
    is never formed). Without `full_rank` (no intercept: the centred columns may add up to 0)
    a pivoted QR of X_c first keeps the columns that are not combinations of the others."""
    from scipy.linalg import qr

    def explained(u: np.ndarray) -> tuple[float, int]:
        n, p = u.size, len(columns)
        a = np.empty((n, p + 1), order="F")
        for j, column in enumerate(columns):
            np.subtract(column, column.mean(), out=a[:, j])
            if not full_rank:  # unit length, for the rank tolerance of the pivoted QR
                a[:, j] *= 1 / max(float(np.linalg.norm(a[:, j])), np.finfo(float).tiny)
        if not full_rank and p:
            _, r, order = qr(a[:, :p], mode="economic", pivoting=True, check_finite=False)
            rank = int(np.sum(np.abs(np.diag(r)) > 1e-10 * max(1.0, abs(r[0, 0]))))
            a = np.asfortranarray(np.column_stack([a[:, order[:rank]], a[:, p]]))
            p = rank
        a[:, p] = u
        (raw, _tau), _ = qr(a, mode="raw", overwrite_a=True, check_finite=False)
        part = raw[:p, p]
        return float(part @ part), p

    return explained


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
        cooks = e * e
        cooks *= leverage
        one *= one
        cooks /= one
        cooks *= 1 / (k * sigma2)
    undefined = one <= 1e-20  # leverage 1 (to rounding): (1 − h)² is 0
    if undefined.any():
        cooks[undefined] = np.nan
    key = np.where(np.isnan(cooks), -np.inf, cooks) if undefined.any() else cooks
    # the `count` largest by a partial sort, then ordered (ties by row), without sorting n rows
    candidates = (np.argpartition(-key, count - 1)[:count] if key.size > count
                  else np.arange(key.size))
    threshold = key[candidates].min()
    candidates = np.flatnonzero(key >= threshold)
    ranked = candidates[np.lexsort((candidates, -key[candidates]))]
    top = [int(i) for i in ranked[:count] if not np.isnan(cooks[i])]
    return tuple(Influence(name=str(line), line=line, cooks_distance=float(cooks[i]),
                           leverage=float(leverage[i]), residual=float(residuals[i]))
                 for i, line in zip(top, lines_of(top), strict=True))


def _finite(value: float) -> float:
    return value if math.isfinite(value) else math.nan
