"""Ordinary least squares: coefficients, inference, diagnostics, prediction, cross-validation.

The fit is a Householder QR of the design after each working column is centred (with an
intercept) and scaled to unit length; X'X is never formed or inverted. A polynomial in one
predictor is fitted in the well-conditioned basis t = (x − c)/s (c the mid-range, s the
half-range, so t ∈ [−1, 1]) and mapped back to the reported power basis x, x², … by the exact
binomial change of basis. On the NIST StRD linear-regression datasets this gives 13 correct
digits on Filip (a QR of the raw powers gives 7) and 7.4–15 on the others, every one above
its goal (tests/stats/test_nist.py).

The working pieces are shared with `mlstats.stats.logistic`.
"""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from mlstats.errors import InputError
from mlstats.stats.design import Encoder, Level, ModelTerms, TermGroup

if TYPE_CHECKING:
    from mlstats.stats.anova import AnovaRow
    from mlstats.stats.diagnostics import Diagnostics, Influence, ResidualSummary, ResidualSums
    from mlstats.stats.summaries import RFactor

ROBUST = ("hc0", "hc1", "hc2", "hc3")
# |R_jj| of a unit-length working column below this: it is (numerically) a combination of the
# columns before it. 1e-10 means 1 − R²_j < 1e-20, far past what double precision resolves.
_RANK_TOL = 1e-10
# A residual norm this small relative to ‖y − ȳ‖ is rounding noise: the fit is exact.
_EXACT_TOL = 1e-13
# Scaled condition number above which the design is called ill-conditioned (SPEC 2).
_ILL_CONDITIONED = 1000.0
# A sum of squares below this may have lost digits to underflow (it is ≥ 2^-1022 when normal).
_TINY_SQUARES = 1e-290
# K-fold CV without refits: folds per batch hold about this many numbers (bounded memory), and
# a fold whose I − Q_TᵀQ_T has an eigenvalue below this is refitted directly instead.
_CV_BATCH = 1 << 20
_DOWNDATE_TOL = 1e-6


# -- results ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Coefficient:
    """One term: estimate, standard error, t (OLS) or z (logistic) statistic, p-value, CI."""

    name: str
    estimate: float
    std_error: float
    statistic: float
    p_value: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Vif:
    """Variance inflation factor of one predictor: 1 / (1 − R²) of it on the others."""

    name: str
    vif: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Prediction:
    """The fitted mean at one point, its confidence interval and the prediction interval."""

    name: str
    fit: float
    std_error: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    extrapolation: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class OlsResult:
    model: str
    y: str
    x: tuple[str, ...]
    degree: int
    intercept: bool
    robust: str
    confidence: float
    n: int
    df_model: int
    df_resid: int
    r2: float
    adj_r2: float
    f_statistic: float
    f_p_value: float
    mse: float
    rmse: float
    mae: float
    residual_std_error: float
    log_likelihood: float
    aic: float
    bic: float
    condition_number: float
    coefficients: tuple[Coefficient, ...]
    formula: str | None = None
    weights: str | None = None
    levels: tuple[Level, ...] = ()
    residuals: ResidualSummary | None = None
    diagnostics: Diagnostics | None = None
    influential: tuple[Influence, ...] = ()
    anova_type: int | None = None
    anova: tuple[AnovaRow, ...] = ()
    vif: tuple[Vif, ...] = ()
    predictions: tuple[Prediction, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class OlsCvResult(OlsResult):
    """An OLS result with K-fold cross-validation (`--cv K`)."""

    cv_folds: int
    seed: int | None
    cv_r2: float
    cv_mse: float


@dataclass(frozen=True, slots=True)
class OlsFit:
    """What `ols` returns: the record-ready `result` and the per-row arrays (not in JSON)."""

    result: OlsResult
    fitted: np.ndarray
    residuals: np.ndarray
    design: Design = field(repr=False)
    working: WorkingFit = field(repr=False)
    unit: float = 1.0  # the working fit is of y/unit

    def mean_at(self, points: Mapping[str, np.ndarray]) -> np.ndarray:
        """The fitted mean at new predictor values (arrays of equal length, by --x name)."""
        return self.working.predict(self.design.scaled_rows(points)) * self.unit


# -- the design: reported terms and their well-conditioned working columns ---------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Design:
    """How the reported terms map to working columns T (before centring and scaling).

    Reported coefficients θ (intercept first, then `terms`) relate to the coefficients θ_T of
    the working columns [1, T] by θ = C·θ_T, and the reported design is X = [1, T]·D with
    D = C⁻¹. For several predictors, or degree 1, T is X itself with each column divided by a
    power of two u (1 unless the column holds numbers beyond 2^±400, so that its sums neither
    overflow nor underflow): C = diag(1, 1/u). For a polynomial, T holds the powers of
    t = (x − c)/s and D[k, j] = binom(j, k)·c^(j−k)·s^k. Categorical predictors and formulas
    come as ModelTerms, whose `encode` builds X's columns from variable values.
    """

    base: tuple[str, ...]
    terms: tuple[str, ...]
    degree: int
    intercept: bool
    centre: float
    spread: float
    ranges: tuple[tuple[float, float], ...]
    shift: np.ndarray
    scale: np.ndarray
    to_reported: np.ndarray  # C
    from_reported: np.ndarray  # D
    shift_low: np.ndarray | None = None
    units: np.ndarray | None = None
    groups: tuple[TermGroup, ...] = ()
    levels: tuple[Level, ...] = ()
    encode: Encoder | None = field(default=None, repr=False)
    numeric: tuple[str, ...] = ()
    formula: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (("intercept",) if self.intercept else ()) + self.terms

    @property
    def k(self) -> int:
        return len(self.terms) + int(self.intercept)

    @property
    def plain(self) -> bool:
        """The working columns are the predictors themselves (their ranges are known)."""
        return self.degree == 1 and self.encode is None and self.units is None

    def raw_columns(self, values: Mapping[str, np.ndarray]) -> list[np.ndarray]:
        """The working columns T for predictor values (unshifted, unscaled)."""
        if self.degree > 1:
            t = (np.asarray(values[self.base[0]], dtype=np.float64) - self.centre) / self.spread
            return [t] + [t**j for j in range(2, self.degree + 1)]
        if self.encode is not None:
            columns = self.encode(values)
        else:
            columns = [np.asarray(values[b], dtype=np.float64) for b in self.base]
        if self.units is None:
            return columns
        return [c / u if u != 1 else c for c, u in zip(columns, self.units, strict=True)]

    def scaled_rows(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """Working rows (T − shift)/scale for new points, one row per point."""
        return centred_rows(np.column_stack(self.raw_columns(values)), self.shift,
                            self.shift_low, self.scale)

    def reported_columns(self, columns: Sequence[np.ndarray]) -> list[np.ndarray]:
        """The reported design's columns (x, x², … for a polynomial) from the working ones."""
        if self.degree > 1:
            x = columns[0] * self.spread + self.centre
            return [x**j for j in range(1, self.degree + 1)]
        if self.units is None:
            return list(columns)
        return [c * u for c, u in zip(columns, self.units, strict=True)]

    def outside(self, point: Mapping[str, float | str]) -> bool:
        """A numeric predictor of the point lies outside its observed range."""
        return any(not lo <= point[b] <= hi
                   for b, (lo, hi) in zip(self.base, self.ranges, strict=True)
                   if b in self.numeric)

    def term_groups(self) -> tuple[TermGroup, ...]:
        """The model's terms: from a formula or categorical coding, else one per column."""
        if self.groups:
            return self.groups
        return tuple(TermGroup(name=t, columns=(j,), factors=frozenset([t]))
                     for j, t in enumerate(self.terms))


def centred_rows(rows: np.ndarray, shift: np.ndarray, shift_low: np.ndarray | None,
                 scale: np.ndarray) -> np.ndarray:
    """((T − shift) − shift_low)/scale: the two-part shift keeps a large common offset of a
    column from costing digits (the low part is the mean of T − shift)."""
    centred = rows - shift
    if shift_low is not None:
        centred -= shift_low
    return centred / scale


def build_design(predictors: Mapping[str, np.ndarray] | ModelTerms, *, degree: int = 1,
                 intercept: bool = True) -> tuple[Design, list[np.ndarray]]:
    """The Design for the given predictors and the working columns T of the data."""
    if isinstance(predictors, ModelTerms):
        return _terms_design(predictors, degree)
    base = tuple(predictors)
    if degree < 1:
        raise InputError(f"--degree must be 1 or more (got {degree})")
    if degree > 1 and len(base) != 1:
        raise InputError(
            f"--degree {degree} fits a polynomial in a single --x (got {len(base)}: "
            f"{', '.join(base)}); give one --x or drop --degree"
        )
    ranges = tuple((float(np.min(v)), float(np.max(v))) if v.size else (math.nan, math.nan)
                   for v in predictors.values())
    centre, spread = 0.0, 1.0
    units = None
    if degree > 1:
        x = predictors[base[0]]
        lo, hi = ranges[0]
        distinct = np.unique(x).size
        if distinct <= degree:
            raise InputError(
                f"--degree {degree} needs at least {degree + 1} distinct values of "
                f"'{base[0]}' (found {distinct}); lower --degree"
            )
        if intercept:
            centre, spread = (lo + hi) / 2, (hi - lo) / 2
        else:
            spread = max(abs(lo), abs(hi))
        terms = (base[0], *(f"{base[0]}^{j}" for j in range(2, degree + 1)))
    else:
        terms = base
        units = _column_units(max((abs(lo), abs(hi))) for lo, hi in ranges)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        d_matrix = _basis_change(degree, centre, spread, intercept, len(terms))
        c_matrix = _basis_change_inverse(degree, centre, spread, intercept, len(terms))
    if not (np.all(np.isfinite(d_matrix)) and np.all(np.isfinite(c_matrix))):
        top = max(abs(lo), abs(hi))
        raise InputError(
            f"--degree {degree}: the powers of '{base[0]}' leave the double-precision range "
            f"(|{base[0]}| up to {top:g}, so {base[0]}^{degree} is about "
            f"1e{degree * math.log10(top):.0f}); rescale '{base[0]}' (e.g. change its units) "
            "or lower --degree"
        )
    design = Design(base=base, terms=terms, degree=degree, intercept=intercept, centre=centre,
                    spread=spread, ranges=ranges, shift=np.zeros(len(terms)),
                    scale=np.ones(len(terms)), to_reported=c_matrix, from_reported=d_matrix,
                    numeric=base)
    design = _with_units(design, units)
    return design, design.raw_columns(predictors)


def _terms_design(terms: ModelTerms, degree: int) -> tuple[Design, list[np.ndarray]]:
    if degree != 1:
        raise InputError(f"--degree {degree} fits a polynomial in one numeric --x; with "
                         "categorical predictors or --formula write poly(x, 3) or I(x**2) in a "
                         "--formula instead")
    p = len(terms.names)
    units = _column_units(float(np.max(np.abs(c))) if c.size else 0.0 for c in terms.columns)
    identity = np.eye(p + int(terms.intercept))
    design = Design(base=terms.variables, terms=terms.names, degree=1,
                    intercept=terms.intercept, centre=0.0, spread=1.0, ranges=terms.ranges,
                    shift=np.zeros(p), scale=np.ones(p), to_reported=identity,
                    from_reported=identity, groups=terms.groups,
                    levels=terms.levels, encode=terms.encode, numeric=terms.numeric,
                    formula=terms.formula)
    design = _with_units(design, units)
    columns = list(terms.columns)
    if design.units is not None:
        columns = [c / u if u != 1 else c for c, u in zip(columns, design.units, strict=True)]
    return design, columns


def _column_units(tops: Iterator[float] | Sequence[float]) -> np.ndarray | None:
    """A power of two per column (see `_power_of_two`), or None when every one is 1."""
    units = np.array([_power_of_two(top) for top in tops], dtype=np.float64)
    return units if np.any(units != 1) else None


def _with_units(design: Design, units: np.ndarray | None) -> Design:
    """C = diag(1, 1/u) and D = diag(1, u) for columns divided by u (identity for none)."""
    from dataclasses import replace

    if units is None:
        return design
    diagonal = np.concatenate([[1.0], units]) if design.intercept else units
    return replace(design, units=units, from_reported=np.diag(diagonal),
                   to_reported=np.diag(1 / diagonal))


def _basis_change(degree: int, c: float, s: float, intercept: bool, p: int) -> np.ndarray:
    """D with X_reported = [1, T]·D: x^j = Σ_k binom(j, k) c^(j−k) s^k t^k."""
    if degree == 1:
        return np.eye(p + int(intercept))
    first = 0 if intercept else 1
    powers = range(first, degree + 1)
    c, s = np.float64(c), np.float64(s)  # NumPy powers overflow to inf instead of raising
    return np.array([[math.comb(j, k) * c ** (j - k) * s**k if k <= j else 0.0
                      for j in powers] for k in powers])


def _basis_change_inverse(degree: int, c: float, s: float, intercept: bool,
                          p: int) -> np.ndarray:
    """C = D⁻¹: t^k = Σ_j binom(k, j) (−c)^(k−j) x^j / s^k."""
    if degree == 1:
        return np.eye(p + int(intercept))
    first = 0 if intercept else 1
    powers = range(first, degree + 1)
    c, s = np.float64(c), np.float64(s)
    return np.array([[math.comb(k, j) * (-c) ** (k - j) / s**k if j <= k else 0.0
                      for k in powers] for j in powers])


# -- the QR core --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkingFit:
    """A least-squares fit in the centred, unit-scaled working columns Z.

    Z = Q·R (Householder), g = R⁻¹Q'(y − ȳ) the coefficients of Z, `e` the residuals.
    With weights w the rows are multiplied by √w (R's lm.wfit) and centred by the weighted
    means, so that the constant's column is √w, of norm √Σw (`total`), instead of 1, of norm
    √n; `e` is then the weighted residual √w·(y − ŷ). A fit from aggregates (`fit_by_grams`)
    has no rows (`z` and `e` None); without an intercept it keeps `centred_r`, the R factor
    of the centred Z, for the variance inflation factors; `y_parts` is ȳ in two parts, as
    `offset` is t̄, for the residuals an engine computes.
    """

    n: int
    intercept: bool
    y_mean: float
    shift: np.ndarray
    scale: np.ndarray
    r: np.ndarray
    qty: np.ndarray
    g: np.ndarray
    sst: float
    z: np.ndarray | None = None
    e: np.ndarray | None = None
    shift_low: np.ndarray | None = None
    root_w: np.ndarray | None = None
    total: float = 0.0
    centred_r: np.ndarray | None = None
    y_parts: tuple[float, float] = (0.0, 0.0)

    @property
    def offset(self) -> np.ndarray:
        """The centring of each column, t̄ (the sum of the two parts of the shift)."""
        return self.shift if self.shift_low is None else self.shift + self.shift_low

    @property
    def weight_total(self) -> float:
        """Σw (n without weights): the squared norm of the constant's column."""
        return self.total or float(self.n)

    def constant(self) -> np.ndarray:
        """The unit vector along the constant's column: 1/√n, or √w/√Σw with weights."""
        if self.root_w is None:
            return np.full(self.n, 1 / math.sqrt(self.n))
        return self.root_w / math.sqrt(self.total)

    def rows(self, columns: np.ndarray) -> np.ndarray:
        """Working rows of raw columns T (one row per point), shifted and scaled as Z."""
        return centred_rows(columns, self.shift, self.shift_low, self.scale)

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """ȳ + z·g for working rows z (already shifted and scaled by the design)."""
        return self.y_mean + rows @ self.g

    def unit_rows(self) -> np.ndarray:
        """M⁻¹ for the working design [1, T] = Q_f·M: Cov(θ_T) = σ²·M⁻¹M⁻ᵀ.

        With an intercept M = [[√n, √n·t̄'], [0, R·S]], so M⁻¹ = [[1/√n, −t̄'B], [0, B]] with
        B = S⁻¹R⁻¹; every row's squared norm is a sum of squares (no cancellation). With
        weights √Σw takes the place of √n.
        """
        from mlstats.stats.triangular import solve_upper

        p = self.g.size
        b = solve_upper(self.r, np.eye(p)) / self.scale[:, None]
        if not self.intercept:
            return b
        m_inv = np.zeros((p + 1, p + 1))
        m_inv[0, 0] = 1 / math.sqrt(self.weight_total)
        m_inv[0, 1:] = -(self.offset @ b)
        m_inv[1:, 1:] = b
        return m_inv

    def r_factor(self) -> np.ndarray:
        """M, the R factor of [1, T] (or T without an intercept), from the working QR."""
        rs = self.r * self.scale[None, :]
        if not self.intercept:
            return rs
        p = self.g.size
        root = math.sqrt(self.weight_total)
        m = np.zeros((p + 1, p + 1))
        m[0, 0] = root
        m[0, 1:] = root * self.offset
        m[1:, 1:] = rs
        return m

    def q_basis(self) -> np.ndarray:
        """Q_c = Z·R⁻¹ (n × p): the orthonormal basis of the working columns.

        With an intercept the full basis is [c, Q_c] (c = `constant()`); Q_c is orthogonal to
        c (centred). R⁻¹ is a small triangular inverse, so this is one product over the rows.
        """
        from scipy.linalg import solve_triangular

        r_inv = solve_triangular(self.r, np.eye(self.r.shape[0]), check_finite=False)
        # (R⁻ᵀ·Zᵀ)ᵀ: Zᵀ is row-contiguous (Z is Fortran-ordered), the fastest product layout
        return (r_inv.T @ self.z.T).T

    def full_basis(self, q: np.ndarray | None = None) -> np.ndarray:
        """Q_f: [c, Q_c] with an intercept, Q_c without (`q`: Q_c, when at hand)."""
        q = self.q_basis() if q is None else q
        return np.column_stack([self.constant(), q]) if self.intercept else q

    def leverage(self, q: np.ndarray) -> np.ndarray:
        """hᵢ = ‖row i of Q_f‖²: cᵢ² + ‖Q_c row i‖² with an intercept (cᵢ² = 1/n or wᵢ/Σw)."""
        h = np.einsum("ij,ij->i", q, q)
        if self.intercept:
            h += (1 / self.n if self.root_w is None else self.root_w**2 / self.total)
        return h


def working_fit(columns: Sequence[np.ndarray], y: np.ndarray, *, intercept: bool,
                names: Sequence[str], ranges: Sequence[tuple[float, float]] | None = None,
                degree: int = 1, weights: np.ndarray | None = None) -> WorkingFit:
    """Centre (with an intercept) and unit-scale the columns, QR them with y appended.

    Each column is centred in two passes (its mean, then the mean of what is left), so that a
    large common offset (x = 10¹⁵ + i) costs no digits: the centred column is orthogonal to
    the constant to rounding. With `weights` (all positive) rows are multiplied by √w and
    the means are weighted. Raises InputError naming the predictors when a column is constant
    or collinear. `ranges` (min, max per column), when known, saves a pass over each column.
    """
    from scipy.linalg import qr, solve_triangular

    n, p = y.size, len(columns)
    a = np.empty((n, p + 1), order="F")
    shift, shift_low, scale = np.zeros(p), np.zeros(p), np.ones(p)
    root_w = None if weights is None else np.sqrt(weights)
    total = float(weights.sum()) if weights is not None else float(n)
    for j, column in enumerate(columns):
        if intercept:
            low, high = ranges[j] if ranges is not None else (column.min(), column.max())
            if low == high:
                raise InputError(_constant_message(names[j], column, intercept))
            shift[j], shift_low[j] = _centre(column, weights, total, out=a[:, j],
                                             spread=float(high - low))
        else:
            a[:, j] = column
        if root_w is not None:
            a[:, j] *= root_w
        norm = _vector_norm(a[:, j])
        if norm == 0:
            raise InputError(_constant_message(names[j], column, intercept))
        scale[j] = norm
        a[:, j] *= 1 / norm
    y_mean = y_low = 0.0
    if intercept:
        y_mean, y_low = _centre(y, weights, total, out=a[:, p])
    else:
        a[:, p] = y
    if root_w is not None:
        a[:, p] *= root_w
    yc = a[:, p].copy()
    z = a[:, :p].copy(order="F")
    (raw, _tau), _ = qr(a, mode="raw", overwrite_a=True, check_finite=False)
    r_full = np.triu(raw[: p + 1, : p + 1])
    r = r_full[:p, :p]
    _check_rank(r, names, degree, shift=shift + shift_low if intercept else None, scale=scale)
    qty = r_full[:p, p]
    g = solve_triangular(r, qty)
    e = yc - z @ g
    return WorkingFit(n=n, intercept=intercept, y_mean=y_mean + y_low, shift=shift,
                      shift_low=shift_low if intercept else None, scale=scale, r=r, qty=qty,
                      g=g, z=z, e=e, sst=float(yc @ yc), root_w=root_w, total=total)


def working_fit_from_r(factor: RFactor, *, intercept: bool, names: Sequence[str],
                       ranges: Sequence[tuple[float, float]]) -> WorkingFit:
    """The working fit from the R factor of [T, y] merged over partitions (`RFactor`): the
    same centring and unit scaling as `working_fit`, without the rows.

    With an intercept R is the factor of the centred columns; without, of the raw ones
    (`RFactor.uncentred`). The scale of column j is its norm ‖R e_j‖, the working R is R
    with its columns so divided (QR commutes with column scaling), Q'y is R's last column
    above the diagonal and ‖e‖² = R_yy² (`ssr_of_r`). The residuals themselves are not held.
    """
    from mlstats.stats.triangular import solve_upper

    p = factor.r.shape[1] - 1
    full = factor.r if intercept else factor.uncentred()
    shift = factor.mean[:p].copy() if intercept else np.zeros(p)
    scale = np.linalg.norm(full[:, :p], axis=0)
    for j in range(p):
        low, high = ranges[j]
        if scale[j] == 0 or (intercept and low == high):
            raise InputError(_constant_message(names[j], np.array([low]), intercept))
    r = full[:p, :p] / scale[None, :]
    _check_rank(r, names, 1, shift=shift if intercept else None, scale=scale)
    qty = full[:p, p].copy()
    g = solve_upper(r, qty)
    return WorkingFit(n=factor.n, intercept=intercept,
                      y_mean=float(factor.mean[p]) if intercept else 0.0, shift=shift,
                      shift_low=np.zeros(p) if intercept else None, scale=scale, r=r,
                      qty=qty, g=g, sst=float(full[:, p] @ full[:, p]),
                      centred_r=None if intercept else factor.r[:p, :p] / scale[None, :])


def ssr_of_r(factor: RFactor, *, intercept: bool) -> float:
    """‖e‖² of the fit of `working_fit_from_r`: the square of R's last diagonal entry."""
    full = factor.r if intercept else factor.uncentred()
    return float(full[-1, -1] ** 2)


def _centre(values: np.ndarray, weights: np.ndarray | None, total: float, *,
            out: np.ndarray, spread: float | None = None) -> tuple[float, float]:
    """Write (v − m) − d into `out`: m the (weighted) mean, d the mean of v − m, which is
    exact where v has a large common offset and puts back the digits m lost to rounding.

    A d below 2⁻⁴⁰ of the column's range (`spread`, when known) is left out: it would move R²
    by less than n·2⁻⁸⁰, and skipping it saves a pass over the column.
    """
    if weights is None:
        m = float(values.mean())
        np.subtract(values, m, out=out)
        d = float(out.mean())
    else:
        m = float(weights @ values) / total
        np.subtract(values, m, out=out)
        d = float(weights @ out) / total
    if spread is not None and abs(d) <= 2.0**-40 * spread:
        return m, 0.0
    out -= d
    return m, d


def _constant_message(name: str, column: np.ndarray, intercept: bool) -> str:
    value = f"{column[0]:g}" if column.size else "nan"
    if intercept:
        return (f"predictor '{name}' is constant (every value is {value}), so it is collinear "
                "with the intercept; drop it")
    return f"predictor '{name}' is zero in every row; drop it"


def _vector_norm(v: np.ndarray) -> float:
    """‖v‖₂, rescaled by max |vᵢ| when the plain sum of squares would overflow or underflow
    (values near 1e±154 and beyond)."""
    with np.errstate(over="ignore", under="ignore"):
        squares = float(np.dot(v, v))
    if _TINY_SQUARES < squares < math.inf:
        return math.sqrt(squares)
    top = float(np.max(np.abs(v))) if v.size else 0.0
    if top == 0 or not math.isfinite(top):
        return top
    w = v / top
    return top * math.sqrt(float(np.dot(w, w)))


def _tame(m: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """m with each row (axis=1) or column (axis=0) whose largest |entry| lies outside 1e±100
    (a predictor in extreme units) divided by that entry, and the divisors (1 elsewhere):
    the squares and products that follow then neither overflow nor underflow, and rows or
    columns already in range are left exactly as they are."""
    top = np.max(np.abs(m), axis=axis)
    factor = np.where(((top > 1e-100) & (top < 1e100)) | (top == 0), 1.0, top)
    return (m / factor[:, None] if axis == 1 else m / factor[None, :]), factor


def standard_errors(rows: np.ndarray, middle: np.ndarray | None,
                     sigma2: float = 1.0) -> np.ndarray:
    """√diag(rows·G·rowsᵀ), G the robust middle matrix, or σ²·I when `middle` is None."""
    w, factor = _tame(rows, 1)
    if middle is None:
        quadratic = sigma2 * np.einsum("ij,ij->i", w, w)
    else:
        quadratic = np.diag(w @ middle @ w.T).copy()
    return factor * np.sqrt(quadratic)


def _condition_number(m: np.ndarray, inverse: np.ndarray) -> float:
    """κ₂(m) = σ_max/σ_min for a square m with its inverse at hand.

    The SVD finds σ_min only to about ε·σ_max, so past κ = 1e6 σ_min is taken as 1/‖m⁻¹‖₂,
    which the SVD of m⁻¹ gives to full relative accuracy (Golub & Van Loan, 4th ed., §8.6).
    """
    top = float(np.max(np.abs(m)))
    if not 1e-100 < top < 1e100:  # a uniform rescaling leaves κ unchanged
        m, inverse = m / top, inverse * top
    singular = np.linalg.svd(m, compute_uv=False)
    if singular[-1] > 1e-6 * singular[0]:
        return float(singular[0] / singular[-1])
    return float(singular[0] * np.linalg.norm(inverse, 2))


def _check_rank(r: np.ndarray, names: Sequence[str], degree: int, *,
                shift: np.ndarray | None, scale: np.ndarray) -> None:
    """Name the first column that is a linear combination of the columns before it (and of
    the intercept, when the relation needs a constant)."""
    from mlstats.stats.triangular import solve_upper

    diagonal = np.abs(np.diag(r))
    small = np.flatnonzero(diagonal < _RANK_TOL)
    if small.size == 0:
        return
    j = int(small[0])
    if j == 0:
        return  # a unit-length first column always has |R_00| = 1
    if degree > 1:
        raise InputError(f"--degree {degree} is too high for these data: '{names[j]}' is "
                         "numerically a combination of the lower powers; lower --degree")
    combo = solve_upper(r[:j, :j], r[:j, j])
    weights = np.abs(combo)
    listing = ", ".join(f"'{names[i]}'" for i in np.flatnonzero(weights > 1e-6 * weights.max()))
    if shift is not None:
        # z_j = Σ cᵢzᵢ with zᵢ = (xᵢ − x̄ᵢ)/sᵢ: x_j = Σ wᵢxᵢ + (x̄_j − Σ wᵢx̄ᵢ), wᵢ = s_j·cᵢ/sᵢ
        w = scale[j] * combo / scale[:j]
        constant = shift[j] - float(w @ shift[:j])
        if abs(constant) > 1e-9 * (abs(shift[j]) + float(np.abs(w) @ np.abs(shift[:j]))):
            listing += " and the intercept"
    raise InputError(
        f"collinear predictors: '{names[j]}' is a linear combination of {listing} (the design "
        "is rank deficient); drop one of them"
    )


# -- OLS --------------------------------------------------------------------------------------
def ols(y: np.ndarray, predictors: Mapping[str, np.ndarray] | ModelTerms, *,
        y_name: str = "y", degree: int = 1, intercept: bool = True, confidence: float = 0.95,
        robust: str | None = None, weights: np.ndarray | None = None,
        weights_name: str | None = None,
        predict: Sequence[tuple[str, Mapping[str, float | str]]] = (), cv: int | None = None,
        seed: int | None = None, anova: int | None = None,
        lines_of: Callable[[Sequence[int]], list[int]] | None = None,
        progress: Callable[[int], None] | None = None) -> OlsFit:
    """Least squares of y on the predictors (or a polynomial in one of them), weighted with
    `weights` (R's lm(weights =)).

    θ = argmin Σwᵢ(yᵢ − xᵢ'θ)², by QR of the centred, unit-scaled design (see the module
    notes); σ̂² = SSR/(n − k) with SSR = Σwᵢeᵢ²; Cov(θ) = σ̂²(X'WX)⁻¹ = σ̂²·M⁻¹M⁻ᵀ from the R
    factor M, or the heteroskedasticity-consistent sandwich (X'X)⁻¹X'ΩX(X'X)⁻¹ with
    Ω = diag(ωᵢ), ωᵢ = eᵢ² (hc0), eᵢ²·n/(n − k) (hc1), eᵢ²/(1 − hᵢ) (hc2), eᵢ²/(1 − hᵢ)² (hc3)
    (of the rows multiplied by √w, with weights).
    R² = 1 − SSR/Σwᵢ(yᵢ − ȳ_w)² (uncentred, 1 − SSR/Σwᵢyᵢ², without an intercept);
    log L = −n/2·(log(2π·SSR/n) + 1) + ½Σlog wᵢ; AIC = −2 log L + 2(k + 1),
    BIC = −2 log L + log(n)(k + 1), counting σ as a parameter as R's AIC and BIC do.
    Reference: Å. Björck, Numerical Methods for Least Squares Problems (1996), ch. 2 and §4.4;
    H. White (1980) and J. MacKinnon & H. White (1985) for HC0–HC3.
    Checked against: R 4.2.2 lm/predict on cars and trees, statsmodels 0.15.0 OLS and WLS
    (cov_type HC0–HC3, get_prediction, variance_inflation_factor, condition_number),
    scikit-learn cross_val_predict, and the NIST StRD certified values
    (tests/stats/test_regression.py, tests/stats/test_formula.py, tests/stats/test_nist.py).
    """
    check_ols_options(confidence=confidence, robust=robust, anova=anova)
    y = np.asarray(y, dtype=np.float64)
    if not isinstance(predictors, ModelTerms):
        predictors = {k: np.asarray(v, dtype=np.float64) for k, v in predictors.items()}
    design, columns = build_design(predictors, degree=degree, intercept=intercept)
    intercept = design.intercept
    n, k = y.size, design.k
    check_rows(n, design)
    check_cv(cv, n, design, seed)
    _check_response(y, y_name)
    w = None if weights is None else check_weights(weights, weights_name or "weights")
    # Work in y/unit (a power of two, so exact) when |y| is extreme: sums of squares of y near
    # 1e±154 and beyond would overflow or underflow. Every y-valued result is scaled back.
    unit = _power_of_two(float(np.max(np.abs(y))))
    ys = y / unit if unit != 1 else y
    fit = working_fit(columns, ys, intercept=intercept, names=design.terms,
                      ranges=design.ranges if design.plain else None, degree=degree,
                      weights=w)
    design = with_scaling(design, fit)
    e, exact = fit.e, False
    if math.sqrt(float(e @ e)) <= _EXACT_TOL * math.sqrt(fit.sst):
        e, exact = np.zeros_like(e), True
    q = fit.q_basis()
    raw = e if fit.root_w is None else e / fit.root_w  # y − ŷ (R's residuals())
    rows = row_statistics(fit, e, q, columns, raw, exact=exact, robust=robust,
                          df_resid=n - k, unit=unit, lines_of=lines_of or _row_numbers,
                          weights=w, leverage=bool(predict))
    warnings: list[str] = []
    fields = ols_fields(design, fit, rows, y_name=y_name, degree=degree, confidence=confidence,
                        robust=robust, weights_name=weights_name if w is not None else None,
                        predict=predict, anova=anova, unit=unit, warnings=warnings)
    cv_r2 = cv_mse = math.nan
    if cv is not None:
        cv_r2, cv_mse = _cross_validate_ols(fit, e, columns, ys, design, cv, seed, progress,
                                            weights=w, q=q)
        cv_mse = _in_squared_units(cv_mse, unit)
    if math.isnan(fields["mse"]) or (cv is not None and math.isnan(cv_mse)):
        warnings.append(MSE_NULL)
    if cv is not None:
        result: OlsResult = OlsCvResult(**fields, cv_folds=cv, seed=seed, cv_r2=cv_r2,
                                        cv_mse=cv_mse, warnings=tuple(warnings))
    else:
        result = OlsResult(**fields, warnings=tuple(warnings))
    return OlsFit(result=result, fitted=(ys - raw) * unit, residuals=raw * unit, design=design,
                  working=fit, unit=unit)


def check_ols_options(*, confidence: float, robust: str | None, anova: int | None) -> None:
    """The options of a least-squares fit, checked before any data is read."""
    from mlstats.stats.anova import check_anova_type

    if not 0 < confidence < 1:
        raise InputError(f"--confidence must be between 0 and 1 (got {confidence:g})")
    if robust is not None and robust not in ROBUST:
        raise InputError(f"--robust must be one of {', '.join(ROBUST)} (got {robust})")
    check_anova_type(anova)
    if anova is not None and robust is not None:
        raise InputError("--anova tests with the classical F, not a --robust covariance; drop "
                         "one of them")


MSE_NULL = ("mse is outside the double-precision range (|y| is near 1e±300), so it is null; "
            "rmse and residual_std_error give its scale")
EXACT_FIT = ("the fit is exact (every residual is zero to machine precision): statistics, "
             "p-values and the log-likelihood are null")


@dataclass(frozen=True, slots=True, kw_only=True)
class RowStatistics:
    """What the finish of a least-squares fit reads of its rows, gathered in one pass: by
    the local engine from arrays (`row_statistics`), by another engine with aggregates.

    e are the working residuals √wᵢ·(yᵢ − ŷᵢ) in units of y/unit, hᵢ the leverages.
    `exact`: ‖e‖ ≤ 1e-13·‖y − ȳ‖ (every statistic of e is then left out); `ssr` = Σe²,
    `abs_sum` = Σ|e|, `log_weights` = Σ log wᵢ; `quantiles`: min, q1, median, q3, max of
    e·unit (R's type 7); `sums` for the residual diagnostics; `influential` the rows of
    largest Cook's distance; `hc` the robust middle matrix G = Q_f'·diag(ω)·Q_f of
    `robust` (NaN when a row has leverage 1, `alone`); `top_leverage` max hᵢ (hᵢ/wᵢ with
    weights), for the hidden extrapolation of predictions (NaN when not gathered).
    """

    exact: bool
    ssr: float
    abs_sum: float
    log_weights: float = 0.0
    quantiles: tuple[float, ...] = ()
    sums: ResidualSums | None = None
    influential: tuple[Influence, ...] = ()
    hc: np.ndarray | None = None
    alone: bool = False
    top_leverage: float = math.nan


def row_statistics(fit: WorkingFit, e: np.ndarray, q: np.ndarray, columns: Sequence[np.ndarray],
                   raw: np.ndarray, *, exact: bool, robust: str | None, df_resid: int,
                   unit: float, lines_of: Callable[[Sequence[int]], list[int]],
                   weights: np.ndarray | None, leverage: bool) -> RowStatistics:
    """`RowStatistics` of a fit from its rows: e (zeros when `exact`), the basis Q_c of the
    working columns, the working columns themselves (for Breusch–Pagan's auxiliary
    regression when the fit is weighted or has no intercept) and the residuals y − ŷ."""
    from mlstats.stats import diagnostics as diag

    hc, alone = (_hc_gram(fit, q, e, robust, df_resid) if robust is not None
                 else (None, False))
    top = math.nan
    if leverage:
        h = fit.leverage(q)
        if fit.root_w is not None:  # xᵢ'(X'WX)⁻¹xᵢ = hᵢ/wᵢ, comparable with a point's
            h = h / fit.root_w**2
        top = float(np.max(h))
    found = dict(exact=exact, ssr=float(e @ e), abs_sum=float(np.sum(np.abs(e))),
                 log_weights=float(np.sum(np.log(weights))) if weights is not None else 0.0,
                 hc=hc, alone=alone, top_leverage=top)
    if exact:
        return RowStatistics(**found)
    k = fit.g.size + int(fit.intercept)
    sigma2 = found["ssr"] / df_resid
    # Breusch–Pagan's auxiliary regression: e² on [1, X], X unweighted (the working
    # columns span the same space as the reported ones, with the constant)
    explained = (diag.by_basis(q) if fit.intercept and fit.root_w is None
                 else diag.by_columns(list(columns), full_rank=fit.intercept))
    low, q1, median, q3, high = np.quantile(e * unit, [0, 0.25, 0.5, 0.75, 1])
    return RowStatistics(
        **found, quantiles=(float(low), float(q1), float(median), float(q3), float(high)),
        sums=diag.residual_sums(e, explained),
        influential=diag.influential(e, fit.leverage(q), k, sigma2, residuals=raw * unit,
                                     lines_of=lines_of))


def ols_fields(design: Design, fit: WorkingFit, rows: RowStatistics, *, y_name: str,
               degree: int, confidence: float, robust: str | None, weights_name: str | None,
               predict: Sequence[tuple[str, Mapping[str, float | str]]], anova: int | None,
               unit: float, warnings: list[str]) -> dict:
    """The fields of an `OlsResult` from the working fit and its `RowStatistics`: the one
    finish of least squares, whichever engine gathered them (see `ols` for the formulas)."""
    from mlstats.stats import diagnostics as diag
    from mlstats.stats.anova import ols_anova

    intercept = design.intercept
    n, k = fit.n, design.k
    if rows.exact:
        warnings.append(EXACT_FIT)
    ssr = 0.0 if rows.exact else rows.ssr
    df_model, df_resid = k - int(intercept), n - k
    sigma2 = ssr / df_resid
    c_matrix = design.to_reported
    estimates = c_matrix @ _working_coefficients(fit) * unit
    unit_rows = c_matrix @ fit.unit_rows()  # Cov(θ) = σ²·rows·rowsᵀ (non-robust)
    gram = None
    if robust is not None:
        gram = rows.hc
        if rows.alone:
            warnings.append(f"a row has leverage 1 (it alone determines a coefficient), so "
                            f"the {robust} standard errors, tests and intervals are null")
        std_errors = standard_errors(unit_rows, gram) * unit
    else:
        std_errors = standard_errors(unit_rows, None, sigma2) * unit
    t_quantile = _t_quantile(confidence, df_resid)
    check_representable(design.names, estimates, std_errors)
    coefficients = coefficient_rows(design.names, estimates, std_errors, df_resid, t_quantile)
    beyond = [c.name for c in coefficients if math.isinf(c.ci_low) or math.isinf(c.ci_high)]
    if beyond:
        warnings.append(f"the interval of {', '.join(repr(b) for b in beyond)} reaches past "
                        "the double-precision limit (about 1.8e308), so that end is null")

    r2 = 1 - ssr / fit.sst
    adj_r2 = 1 - (1 - r2) * (n - int(intercept)) / df_resid
    f_statistic, f_p_value = _f_test(fit, gram, sigma2, df_model, df_resid, rows.exact, robust)
    log_likelihood = (-n / 2 * (math.log(2 * math.pi * ssr / n) + 1) - n * math.log(unit)
                      if ssr > 0 else math.inf)
    if rows.log_weights and math.isfinite(log_likelihood):
        log_likelihood += 0.5 * rows.log_weights
    aic = -2 * log_likelihood + 2 * (k + 1)
    bic = -2 * log_likelihood + math.log(n) * (k + 1)
    condition, vifs = design_diagnostics(design, fit, warnings)

    predictions = tuple(
        _ols_prediction(name, point, design, fit, gram, sigma2, t_quantile, unit)
        for name, point in predict
    ) if predict else ()
    if predictions and design.degree == 1 and len(design.base) > 1:
        predictions = hidden_extrapolation(predictions, predict, design, fit,
                                           top=rows.top_leverage)
    summary = diagnostics = None
    if not rows.exact and rows.sums is not None:
        low, q1, median, q3, high = rows.quantiles
        summary = diag.ResidualSummary(min=low, q1=q1, median=median, q3=q3, max=high)
        diagnostics = diag.diagnostics(rows.sums, warnings)
    elif not rows.exact:
        warnings.append("residuals, diagnostics and influential are null: they need every "
                        "row's residual, which this engine does not bring back")
    table = ()
    if anova is not None:
        table = ols_anova(fit, design, kind=anova, ssr=ssr, df_resid=df_resid,
                          intercept_estimate=float(estimates[0]) if intercept else 0.0,
                          intercept_row=unit_rows[0] if intercept else None, unit=unit)
    return dict(
        model="ols", y=y_name, x=design.base, degree=degree, intercept=intercept,
        robust=robust or "none", confidence=confidence, n=n, df_model=df_model,
        df_resid=df_resid, r2=r2, adj_r2=adj_r2, f_statistic=f_statistic, f_p_value=f_p_value,
        mse=_in_squared_units(ssr / n, unit), rmse=math.sqrt(ssr / n) * unit,
        mae=(0.0 if rows.exact else rows.abs_sum / n) * unit,
        residual_std_error=math.sqrt(sigma2) * unit, log_likelihood=log_likelihood, aic=aic,
        bic=bic, condition_number=condition, coefficients=coefficients,
        formula=design.formula, weights=weights_name, levels=design.levels,
        residuals=summary, diagnostics=diagnostics, influential=rows.influential,
        anova_type=anova, anova=table, vif=vifs, predictions=predictions,
    )


def _row_numbers(rows: Sequence[int]) -> list[int]:
    """1-based row numbers, the `line` of a row when no input file is at hand."""
    return [int(row) + 1 for row in rows]


def check_weights(weights: np.ndarray, name: str) -> np.ndarray:
    """Weights are finite and positive (rows of weight 0 are left out before the fit)."""
    w = np.asarray(weights, dtype=np.float64)
    bad = np.flatnonzero(~(w > 0))
    if bad.size:
        value = w[bad[0]]
        raise InputError(f"--weights '{name}' must be positive; found {value:g} (row "
                         f"{bad[0] + 1} of those used); weights are inverse variances, so a "
                         "row with weight 0 is left out of the fit and none can be negative")
    if float(w.max()) * w.size > 1e300 or float(w.min()) < 1e-300:
        raise InputError(f"--weights '{name}' spans {w.min():g} to {w.max():g}, beyond what "
                         "double precision can sum; rescale the weights (only their ratios "
                         "change the coefficients)")
    return w


def _in_squared_units(value: float, unit: float) -> float:
    """value·unit², or NaN when that leaves the normal double range (a squared y near
    1e±300): 0 or inf there would be a wrong number, not a rounded one."""
    scaled = value * unit * unit
    if value > 0 and not sys.float_info.min <= scaled < math.inf:
        return math.nan
    return scaled


def _power_of_two(top: float) -> float:
    """1, or the power of two nearest above `top` (a largest |value|) when that lies outside
    2^±400 (2^1023 at most, the largest a double holds): dividing by it is exact, and sums of
    squares of the quotients neither overflow nor underflow. An unknown `top` (NaN: a range
    an engine did not gather, having bounded it within 2^±400) is 1 too."""
    if top == 0 or math.isnan(top) or 2.0**-400 < top < 2.0**400:
        return 1.0
    return math.ldexp(1.0, min(math.frexp(top)[1], 1023))


def check_representable(names: Sequence[str], estimates: np.ndarray,
                        std_errors: np.ndarray) -> None:
    """A coefficient or standard error past 1e308 (y and a predictor in wildly different
    units) cannot be reported: an input error, not a silent null."""
    bad = ~np.isfinite(estimates) | np.isinf(std_errors)
    if np.any(bad):
        name = names[int(np.flatnonzero(bad)[0])]
        raise InputError(f"the coefficient of '{name}' is beyond the double-precision range "
                         "(about 1e308): --y and the predictors are in very different units; "
                         "rescale one of them")


def check_rows(n: int, design: Design) -> None:
    k = design.k
    if n < k + 1:
        terms = ", ".join(design.names)
        raise InputError(
            f"too few rows: {n} row{'s' if n != 1 else ''} for {k} coefficient"
            f"{'s' if k != 1 else ''} ({terms}); the fit needs at least {k + 1}"
        )


def _check_response(y: np.ndarray, y_name: str) -> None:
    if np.ptp(y) == 0:
        raise InputError(
            f"--y '{y_name}' is constant (every value is {y[0]:g}); a regression needs "
            "variation in y"
        )


def with_scaling(design: Design, fit: WorkingFit) -> Design:
    from dataclasses import replace

    return replace(design, shift=fit.shift, shift_low=fit.shift_low, scale=fit.scale)


def _working_coefficients(fit: WorkingFit) -> np.ndarray:
    """θ_T: slopes g/S of the working columns, and the intercept ȳ − t̄'b."""
    b = fit.g / fit.scale
    if not fit.intercept:
        return b
    return np.concatenate([[fit.y_mean - fit.offset @ b], b])


def _hc_gram(fit: WorkingFit, q: np.ndarray, e: np.ndarray, kind: str,
             df_resid: int) -> tuple[np.ndarray, bool]:
    """G = Q_f'·diag(ω)·Q_f, so that the sandwich covariance is M⁻¹·G·M⁻ᵀ.

    With an intercept Q_f = [c, Q_c] (c = 1/√n, or √w/√Σw with weights), and G's first row
    and column are Σωᵢcᵢ² and Σωᵢcᵢ·Q_c,i: no n × k copy with a constant column is made.
    Also whether a row has leverage 1 (hc2, hc3: G is then undefined).
    """
    weights = e * e
    alone = False
    if kind == "hc1":
        weights = weights * (fit.n / df_resid)
    elif kind in ("hc2", "hc3"):
        one = 1 - fit.leverage(q)
        with np.errstate(divide="ignore", invalid="ignore"):
            weights = weights / one if kind == "hc2" else weights / (one * one)
        single = one <= 1e-10
        alone = bool(np.any(single))
        if alone:
            # eᵢ = 0 and 1 − hᵢ = 0 there: 0/0, left undefined as statsmodels leaves it
            weights[single] = np.nan
    weighted = q * weights[:, None]
    block = weighted.T @ q
    if not fit.intercept:
        return block, alone
    c = fit.constant()
    p = block.shape[0]
    gram = np.empty((p + 1, p + 1))
    gram[0, 0] = float(weights @ (c * c))
    gram[0, 1:] = gram[1:, 0] = c @ weighted
    gram[1:, 1:] = block
    return gram, alone


def _t_quantile(confidence: float, df: int) -> float:
    """t(1 − α/2, df) with α = 1 − confidence, the half-width of an interval in standard errors."""
    from mlstats.stats.tdist import t_upper_quantile

    return t_upper_quantile(df, (1 - confidence) / 2)


def coefficient_rows(names: Sequence[str], estimates: np.ndarray, std_errors: np.ndarray,
                      df: int | None, quantile: float) -> tuple[Coefficient, ...]:
    """Rows with statistic = estimate/se; p from t(df) or, with df None, the normal."""
    from mlstats.stats.tdist import normal_tail, t_tail

    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = estimates / std_errors
    statistic = np.where(np.isfinite(statistic), statistic, np.nan)
    p_values = [2 * (normal_tail(abs(t)) if df is None else t_tail(abs(t), df))
                for t in statistic.tolist()]  # one per coefficient
    with np.errstate(over="ignore"):
        half = quantile * std_errors
        low, high = estimates - half, estimates + half
    return tuple(
        Coefficient(name=name, estimate=float(est), std_error=float(se), statistic=float(st),
                    p_value=float(p), ci_low=float(lo), ci_high=float(hi))
        for name, est, se, st, p, lo, hi in zip(names, estimates, std_errors, statistic,
                                                p_values, low, high, strict=True)
    )


def _f_test(fit: WorkingFit, gram: np.ndarray | None, sigma2: float, df_model: int,
            df_resid: int, exact: bool, robust: str | None) -> tuple[float, float]:
    """F for all slopes = 0: ‖Q'y‖²/(q·σ²), or the robust Wald form u'G⁻¹u/q (statsmodels)."""
    from mlstats.stats.tdist import f_tail

    if exact:
        return math.nan, math.nan
    u = fit.qty
    if robust is None:
        f = float(u @ u) / df_model / sigma2
    else:
        block = gram[1:, 1:] if fit.intercept else gram
        try:
            f = float(u @ np.linalg.solve(block, u)) / df_model
        except np.linalg.LinAlgError:
            return math.nan, math.nan
    if not math.isfinite(f):
        return math.nan, math.nan
    return f, f_tail(f, df_model, df_resid)


def design_diagnostics(design: Design, fit: WorkingFit,
                       warnings: list[str]) -> tuple[float, tuple[Vif, ...]]:
    """The 2-norm condition number of the reported design and the VIF of each term.

    The reported design is X = Q_f·M·D, so its singular values are those of the small
    matrix M·D, whose inverse C·M⁻¹ is at hand: κ₂ = ‖M·D‖₂·‖(M·D)⁻¹‖₂.
    VIF_j = 1/(1 − R²_j), R²_j of term j on the others with an intercept, is ‖W⁻¹ row j‖²·
    ‖W column j‖² with W the R factor of the centred terms (R·S·D from the
    working QR), as statsmodels' variance_inflation_factor computes it (it standardises the
    columns, so the VIF is the centred one with or without an intercept in the model).
    """
    from mlstats.stats.triangular import solve_upper

    with np.errstate(over="ignore", invalid="ignore"):
        md = fit.r_factor() @ design.from_reported
        inverse = design.to_reported @ fit.unit_rows()  # (M·D)⁻¹ = C·M⁻¹
    if np.all(np.isfinite(md)) and np.all(np.isfinite(inverse)):
        condition = _condition_number(md, inverse)
        tamed, factor = _tame(md, 0)
        norms = np.linalg.norm(tamed, axis=0) * factor
        scaled = _condition_number(md / norms, inverse * norms[:, None])
    else:
        # Entries of M·D beyond 1e308 (a column of values near the largest double): κ itself
        # is not a double. The scaled κ does not depend on the columns' scale: use D's
        # columns divided by their largest entries.
        condition = math.inf
        warnings.append("condition_number is null: the design holds values so close to the "
                        "double-precision limit (about 1.8e308) that it is not representable")
        d = design.from_reported / np.max(np.abs(design.from_reported), axis=0)
        a = fit.r_factor() @ d
        singular = np.linalg.svd(a / np.linalg.norm(a, axis=0), compute_uv=False)
        scaled = float(singular[0] / singular[-1]) if singular[-1] > 0 else math.inf
    if scaled > _ILL_CONDITIONED:
        warnings.append(
            f"the design is ill-conditioned (condition number {scaled:.4g} with each column "
            f"scaled to unit length, above {_ILL_CONDITIONED:g}): the coefficients are "
            "sensitive to small changes in the data; consider dropping correlated predictors"
            + (" or a lower --degree" if design.degree > 1 else "")
        )
    vifs: tuple[Vif, ...] = ()
    if len(design.terms) >= 2:
        if design.intercept:
            d = design.from_reported[1:, 1:]
            w = (fit.r * fit.scale[None, :]) @ (d / np.max(np.abs(d), axis=0))
        else:
            # Without an intercept the working columns are not centred: QR the centred ones.
            # D is diagonal there and a VIF does not change when a column is rescaled.
            w = (fit.centred_r if fit.z is None
                 else np.linalg.qr(fit.z - fit.z.mean(axis=0), mode="r"))
        w, _ = _tame(w, 0)  # a VIF does not change when a column is rescaled
        diagonal = np.abs(np.diag(w))
        if np.any(diagonal <= _RANK_TOL * np.linalg.norm(w, axis=0)):
            values = np.full(len(design.terms), math.inf)
            warnings.append("vif is null: after centring, the terms are numerically collinear, "
                            "so their variance inflation factors are too large to compute")
        else:
            w_inv = solve_upper(w, np.eye(w.shape[0]))  # small and triangular; not X'X
            values = np.einsum("ij,ij->i", w_inv, w_inv) * np.einsum("ij,ij->j", w, w)
        vifs = tuple(Vif(name=name, vif=float(v)) for name, v in zip(design.terms, values,
                                                                       strict=True))
    return condition, vifs


def _ols_prediction(name: str, point: Mapping[str, float], design: Design, fit: WorkingFit,
                    gram: np.ndarray | None, sigma2: float, t_quantile: float,
                    unit: float = 1.0) -> Prediction:
    """ŷ₀ = ȳ + z₀'g; Var(ŷ₀) = σ²‖v‖² (or v'Gv robust) with v = M⁻ᵀf₀; the prediction
    interval adds σ² (statsmodels get_prediction, R predict.lm). `fit` is of y/unit."""
    z0 = design.scaled_rows({b: np.array([point[b]]) for b in design.base})[0]
    fit_value = float(fit.predict(z0[None, :])[0]) * unit
    v = _functional(z0, fit)
    var_mean = float(v @ gram @ v) if gram is not None else sigma2 * float(v @ v)
    se = math.sqrt(var_mean) * unit
    se_obs = math.sqrt(var_mean + sigma2) * unit
    outside = design.outside(point)
    return Prediction(name=name, fit=fit_value, std_error=se, ci_low=fit_value - t_quantile * se,
                      ci_high=fit_value + t_quantile * se,
                      pi_low=fit_value - t_quantile * se_obs,
                      pi_high=fit_value + t_quantile * se_obs, extrapolation=outside)


def _functional(z0: np.ndarray, fit: WorkingFit) -> np.ndarray:
    """v = M⁻ᵀ f₀ for a working row z₀: [1/√n, R⁻ᵀz₀] (R⁻ᵀz₀ without an intercept)."""
    from mlstats.stats.triangular import solve_upper

    w = solve_upper(fit.r, z0, trans=True)
    if not fit.intercept:
        return w
    return np.concatenate([[1 / math.sqrt(fit.weight_total)], w])


def row_leverage(fit: WorkingFit, q: np.ndarray) -> np.ndarray:
    """xᵢ'(X'WX)⁻¹xᵢ of every row: hᵢ, or hᵢ/wᵢ with weights (comparable with a point's)."""
    leverage = fit.leverage(q)
    if fit.root_w is not None:
        leverage = leverage / fit.root_w**2
    return leverage


def hidden_extrapolation(predictions: tuple, predict: Sequence, design: Design,
                         fit: WorkingFit, top: float | None = None) -> tuple:
    """With several predictors a point inside every range can still lie outside the data:
    flag a leverage above the largest leverage of the rows (Montgomery & Peck, 1992, §3.8);
    `top`, that largest leverage when known, else from the fit's rows."""
    from dataclasses import replace

    if top is None:
        top = float(np.max(row_leverage(fit, fit.q_basis())))
    flagged = []
    for row, (_, point) in zip(predictions, predict, strict=True):
        z0 = design.scaled_rows({b: np.array([point[b]]) for b in design.base})[0]
        v = _functional(z0, fit)
        flagged.append(replace(row, extrapolation=row.extrapolation or float(v @ v) > top))
    return tuple(flagged)


# -- cross-validation ---------------------------------------------------------------------------
def check_folds(folds: int | None, n: int) -> None:
    if folds is not None and not 2 <= folds <= n:
        raise InputError(f"--cv must be between 2 and the number of rows, {n} (got {folds})")


def check_cv(folds: int | None, n: int, design: Design, seed: int | None) -> None:
    """--cv K is possible: 2 ≤ K ≤ n, a valid seed, and every training fold (n − ⌈n/K⌉ rows at
    the least) has the k + 1 rows that k coefficients need. More folds mean larger training
    folds, so the message names the smallest K that works."""
    if folds is None:
        return
    check_folds(folds, n)
    if seed is not None and seed < 0:
        raise InputError(f"--seed must be 0 or more (got {seed})")
    k = design.k
    smallest = n - -(-n // folds)
    if smallest >= k + 1:
        return
    if n < k + 2:
        raise InputError(f"--cv needs at least {k + 2} rows for {k} coefficients (every "
                         f"training fold leaves a row out; there are {n}); drop --cv")
    enough = -(-n // (n - k - 1))  # the least K with n − ⌈n/K⌉ ≥ k + 1
    raise InputError(f"--cv {folds} trains on as few as {smallest} rows, fewer than the "
                     f"{k + 1} that {k} coefficients need; use --cv {enough} or more")


def kfold_indices(n: int, folds: int, seed: int | None) -> list[np.ndarray]:
    """Shuffle 0…n−1 with default_rng(seed) and split into `folds` near-equal test folds."""
    check_folds(folds, n)
    order = np.random.default_rng(seed).permutation(n)
    return np.array_split(order, folds)


def _fold_blocks(n: int, folds: int, seed: int | None) -> list[tuple[int, np.ndarray]]:
    """kfold_indices as (number of the first fold, folds × size array) blocks: the n mod K
    folds of ⌈n/K⌉ rows, then those of ⌊n/K⌋ (np.array_split's split of the same order)."""
    order = np.random.default_rng(seed).permutation(n)
    size, extra = divmod(n, folds)
    cut = extra * (size + 1)
    blocks = [(1, order[:cut].reshape(extra, size + 1)),
              (extra + 1, order[cut:].reshape(folds - extra, size))]
    return [(number, block) for number, block in blocks if block.size]


def _cross_validate_ols(fit: WorkingFit, e: np.ndarray, columns: Sequence[np.ndarray],
                        y: np.ndarray, design: Design, folds: int, seed: int | None,
                        progress: Callable[[int], None] | None,
                        weights: np.ndarray | None = None,
                        q: np.ndarray | None = None) -> tuple[float, float]:
    """Pooled K-fold predictions: cv_mse = mean (y − ŷ₋ₖ)², cv_r2 = 1 − Σ(y − ŷ₋ₖ)²/Σ(y − ȳ)²
    (with weights, Σwᵢ(yᵢ − ŷ₋ₖ)²/n and 1 − Σw(y − ŷ₋ₖ)²/Σw(y − ȳ_w)²: the same identities
    hold for the rows multiplied by √w).

    No refit: leaving out the rows T of a least-squares fit with residuals e and hat matrix
    H = Q_f·Q_fᵀ leaves the residuals u_T = (I − H_TT)⁻¹e_T there, and by the Woodbury
    identity u_T = e_T + Q_T(I − Q_TᵀQ_T)⁻¹Q_Tᵀe_T: O(n·k²) in all whatever K (leave-one-out
    included), in batches of folds of equal size. A fold whose k × k matrix I − Q_TᵀQ_T is
    near singular (its training rows barely determine the fit) is refitted directly, which
    also names the cause when the training rows are rank deficient.
    Reference: D. Belsley, E. Kuh & R. Welsch, Regression Diagnostics (1980), §2.1.
    Checked against: scikit-learn cross_val_predict, per-fold refits and the closed-form PRESS
    (tests/stats/test_regression.py).
    """
    n = y.size
    q = fit.full_basis(q)
    k = q.shape[1]
    u = np.empty(n)
    refit = []
    for first_number, group in _fold_blocks(n, folds, seed):
        batch = max(1, _CV_BATCH // (group.shape[1] * k))
        for first in range(0, len(group), batch):
            tests = group[first:first + batch]
            numbers = first_number + first + np.arange(len(tests))
            qt, et = q[tests], e[tests]
            a = np.eye(k) - np.einsum("gsi,gsj->gij", qt, qt)
            b = np.einsum("gsi,gs->gi", qt, et)
            ok = np.linalg.eigvalsh(a)[:, 0] > _DOWNDATE_TOL
            solved = np.linalg.solve(a[ok], b[ok][..., None])[..., 0]
            u[tests[ok]] = et[ok] + np.einsum("gsi,gi->gs", qt[ok], solved)
            refit += [(int(number), test) for number, test in zip(numbers[~ok], tests[~ok],
                                                                  strict=True)]
            if progress is not None:
                progress(len(tests))
    for number, test in sorted(refit, key=lambda pair: pair[0]):
        train = np.ones(n, dtype=bool)
        train[test] = False
        with fold_context(folds, number):
            part = working_fit([c[train] for c in columns], y[train],
                               intercept=design.intercept, names=design.terms,
                               degree=design.degree,
                               weights=None if weights is None else weights[train])
        rows = part.rows(np.column_stack([c[test] for c in columns]))
        u[test] = y[test] - part.predict(rows)
        if weights is not None:
            u[test] *= np.sqrt(weights[test])
    if weights is None:
        return pooled_scores(y, y - u)
    return _weighted_scores(y, u, weights)


def pooled_scores(y: np.ndarray, predicted: np.ndarray) -> tuple[float, float]:
    """(r2, mse) of out-of-fold predictions, as scikit-learn's r2_score and
    mean_squared_error of cross_val_predict."""
    residual = y - predicted
    sse = float(residual @ residual)
    centred = y - y.mean()
    return 1 - sse / float(centred @ centred), sse / y.size


def _weighted_scores(y: np.ndarray, u: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """(r2, mse) from weighted out-of-fold residuals uᵢ = √wᵢ(yᵢ − ŷᵢ): 1 − Σu²/Σw(y − ȳ_w)²
    (scikit-learn's r2_score with sample_weight) and Σu²/n."""
    sse = float(u @ u)
    centred = y - float(weights @ y) / float(weights.sum())
    return 1 - sse / float(weights @ (centred * centred)), sse / y.size


@contextlib.contextmanager
def fold_context(folds: int, number: int) -> Iterator[None]:
    """Prefix an InputError raised while fitting a training fold with the fold it came from."""
    try:
        yield
    except InputError as exc:
        raise InputError(f"--cv {folds}, training rows of fold {number}: {exc}; try "
                         "another --seed or more folds, or drop --cv") from None


# -- least squares from aggregates ------------------------------------------------------------
# An engine that keeps the rows where they lie (DuckDB) gives sums over them, never the rows:
# Gram matrices of linear combinations of the working columns (`GramRows.grams`) and one pass
# of residual aggregates (`GramRows.residual_pass`). The fit is Cholesky QR, repeated until
# the R factor no longer moves (CholeskyQR2: Yamamoto, Nakatsukasa, Yanagisawa & Fukaya,
# ETNA 44 (2015) 306–326), then refined once by the corrected semi-normal equations
# (Björck 1996, §6.6.5), and finished by `ols_fields` as the local fit is.
_GRAM_PIVOT = 1e-13  # a Cholesky pivot at most this share of its column: a dependent column
_GRAM_PASSES = 4
_REFIT = 1e-8  # ‖Q'e‖ above this share of ‖e‖: the residual pass is run again


@dataclass(frozen=True, slots=True)
class GramRequest:
    """One Gram matrix of a pass: of f = (t − shift)·transform, t the working columns T and
    then y/unit; `weights` "w" (Σw·ffᵀ), "none" (Σffᵀ) or "root" (of √w·f, unweighted)."""

    shift: np.ndarray
    transform: np.ndarray
    weights: str = "w"


@dataclass(frozen=True, slots=True, kw_only=True)
class ResidualModel:
    """A fit as an engine evaluates it per row: d = (T − shift) − shift_low (the working
    columns about their means, in two parts), the working residual
    eᵢ = √wᵢ·((y/unit − ȳ₁) − ȳ₂ − d·b) with ȳ₁, ȳ₂ = `y_mean`, dᵤ = T − centre (about
    T's unweighted means, for Breusch–Pagan), the basis row
    qᵢ = √wᵢ·d·B (B = S⁻¹R⁻¹), the leverage hᵢ = cᵢ² + ‖qᵢ‖² with cᵢ² = wᵢ/Σw (1/n
    unweighted, 0 without an intercept), Cook's distance up to kσ̂²: eᵢ²hᵢ/(1 − hᵢ)², and the
    middle matrix of `robust`: Σωᵢfᵢfᵢᵀ with fᵢ = [cᵢ, qᵢ] (qᵢ alone without an intercept),
    ωᵢ = eᵢ² (hc0), eᵢ²·n/df_resid (hc1), eᵢ²/(1 − hᵢ) (hc2), eᵢ²/(1 − hᵢ)² (hc3).
    `refine` False: the fit is so well conditioned (κ(R)²·ε ≤ 2⁻⁴⁰) that Q'e, the correction
    of the semi-normal equations, is below the bits that count; an engine may leave it 0."""

    shift: np.ndarray
    shift_low: np.ndarray
    centre: np.ndarray
    y_mean: tuple[float, float]
    b: np.ndarray
    basis: np.ndarray
    intercept: bool
    n: int
    total: float
    weighted: bool
    robust: str | None
    df_resid: int
    unit: float
    influential: int = 5
    refine: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class ResidualPass:
    """The aggregates of one pass with a `ResidualModel`: n; Σeᵏ (k = 1…4) and Σ|e|;
    `steps` = Σ(eᵢ − eᵢ₋₁)² in input order; `qe` = Σqᵢeᵢ; `bp` = Σdᵤ·eᵢ² and `bp_sums` =
    Σdᵤ (Breusch–Pagan); `middle` (p + 1 or p
    square) and `alone`, the rows with 1 − hᵢ ≤ 1e-10, for `robust`; `top_leverage`
    max hᵢ (hᵢ/wᵢ weighted); `quantiles` min, q1, median, q3, max of e·unit (empty from an
    engine that gathers no statistics of single rows: the residuals' summary, diagnostics and
    influential rows are then null); `residuals` e in
    input order when 3 ≤ n ≤ 5000; `influential` the rows of largest Cook's distance, each
    (input line, eᵢ, hᵢ, yᵢ − ŷᵢ in data units), largest first (ties: the earlier row)."""

    n: int
    powers: tuple[float, float, float, float]
    abs_sum: float
    steps: float
    qe: np.ndarray
    bp: np.ndarray
    bp_sums: np.ndarray
    quantiles: tuple[float, ...]
    top_leverage: float = math.nan
    middle: np.ndarray | None = None
    alone: int = 0
    residuals: np.ndarray | None = None
    influential: tuple[tuple[int, float, float, float], ...] = ()


class GramRows:
    """The rows of a fit where an engine holds them (documentation of the interface).

    `grams(requests)`: the `Gram` of each `GramRequest`, over the rows used, in one pass.
    `residual_pass(model)`: the `ResidualPass` of a `ResidualModel`, in one pass (and a
    query for the most influential rows).
    """

    def grams(self, requests: Sequence[GramRequest]) -> list:
        raise NotImplementedError

    def residual_pass(self, model: ResidualModel) -> ResidualPass:
        raise NotImplementedError


def cholesky_factor(g: np.ndarray, tol: float = _GRAM_PIVOT) -> np.ndarray:
    """Upper-triangular R with RᵀR = g (symmetric, positive semi-definite). A pivot at most
    tol·g_jj (the column is, to rounding, a combination of those before it) leaves row j of
    R zero, so that `_check_rank` names the combination."""
    p = g.shape[0]
    r = np.zeros((p, p))
    for j in range(p):  # p columns, not rows
        pivot = g[j, j] - r[:j, j] @ r[:j, j]
        if not pivot > tol * g[j, j]:
            continue
        r[j, j] = math.sqrt(pivot)
        r[j, j + 1:] = (g[j, j + 1:] - r[:j, j] @ r[:j, j + 1:]) / r[j, j]
    return r


def fit_by_grams(rows: GramRows, shift: np.ndarray, *, p: int, intercept: bool,
                 names: Sequence[str], degree: int,
                 weighted: bool) -> tuple[WorkingFit, np.ndarray | None, np.ndarray]:
    """A `WorkingFit` (without rows) from Gram matrices of the working columns and y.

    Pass 1: C = Σw(t − t̄)(t − t̄)ᵀ of [T, y] about `shift` (again about the means when a
    shift was far from its mean), or Σw·ttᵀ without an intercept; S = diag(√C_jj) over T;
    R₀ = chol(S⁻¹C_TT S⁻¹) and q = R₀⁻ᵀS⁻¹C_Ty. While κ(R)²·ε may cost more than 2⁻⁴⁰, one
    more pass takes W = (T − t̄)·S⁻¹R⁻¹ (nearly orthonormal) and [W, y]'s Gram: R₁ = chol(WᵀW),
    R ← R₁R, q ← R₁⁻ᵀWᵀy — Cholesky QR2, as accurate as Householder QR for κ below about 1e8.
    Also the unweighted centred Gram of T (None when the fit's own serves) and T's unweighted
    means, for Breusch–Pagan's auxiliary regression.
    """
    from mlstats.stats.triangular import solve_upper

    identity = np.eye(p + 1)
    requests = [GramRequest(shift, identity)]
    if weighted:  # Breusch–Pagan regresses on the unweighted columns
        requests.append(GramRequest(shift, identity[:, :p], "none"))
    if weighted and not intercept:  # the variance inflation factors of √w·T
        requests.append(GramRequest(np.zeros(p + 1), identity[:, :p], "root"))
    found = rows.grams(requests)
    if any(g.far() for g in found[:2]):
        requests[0] = GramRequest(found[0].mean, identity)
        if weighted:
            requests[1] = GramRequest(np.append(found[1].mean, 0.0), identity[:, :p], "none")
        found = rows.grams(requests)
    first = found[0]
    # the means in two parts, the shift and the mean of the deviations from it (exact where
    # the columns share a large offset), as `working_fit` centres
    low = first.sums / first.total if intercept else np.zeros(p + 1)
    high = first.shift if intercept else np.zeros(p + 1)
    mean = high + low
    c = first.centred() if intercept else first.uncentred()
    if not np.all(np.isfinite(c)):  # sums of squares beyond the doubles, even in power-of-two units
        raise InputError("the sums of squares of this fit overflow the double-precision range "
                         "on this engine (values near 1e308); rescale the columns, or use "
                         "--engine local")
    scale = np.sqrt(np.maximum(np.diag(c)[:p], 0.0))
    for j in np.flatnonzero(scale == 0):
        raise InputError(_constant_message(names[j], np.array([first.mean[j]]), intercept))
    r = cholesky_factor(c[:p, :p] / np.outer(scale, scale))
    _check_rank(r, names, degree, shift=mean[:p] if intercept else None, scale=scale)
    qty = solve_upper(r, c[:p, p] / scale, trans=True)
    for _ in range(_GRAM_PASSES - 1):
        if np.linalg.cond(r) ** 2 * 2.0**-52 <= 2.0**-40:
            break
        transform = np.zeros((p + 1, p + 1))
        transform[:p, :p] = solve_upper(r, np.eye(p)) / scale[:, None]
        transform[p, p] = 1.0
        again = rows.grams([GramRequest(mean, transform)])[0]
        c2 = again.centred() if intercept else again.uncentred()
        r1 = cholesky_factor(c2[:p, :p])
        _check_rank(r1 @ r, names, degree, shift=mean[:p] if intercept else None, scale=scale)
        r = r1 @ r
        qty = solve_upper(r1, c2[:p, p], trans=True)
        if np.max(np.abs(r1 - np.eye(p))) <= 2.0**-40:
            break
    unweighted = None
    centre = first.mean[:p]
    if weighted:
        unweighted, centre = found[1].centred(), found[1].mean
    elif not intercept:
        unweighted = first.centred()[:p, :p]
    centred_r = None
    if not intercept:
        source = found[2].centred() if weighted else unweighted
        centred_r = cholesky_factor(source) / scale[None, :]
    fit = WorkingFit(n=first.n, intercept=intercept, y_mean=float(mean[p]), shift=high[:p],
                     shift_low=low[:p] if intercept else None, scale=scale, r=r, qty=qty,
                     g=solve_upper(r, qty), sst=float(c[p, p]), total=first.total,
                     centred_r=centred_r, y_parts=(float(high[p]), float(low[p])))
    return fit, unweighted, centre


def ols_by_aggregates(rows: GramRows, design: Design, shift: np.ndarray, *, n: int,
                      y_name: str, degree: int, confidence: float, robust: str | None,
                      weights_name: str | None, log_weights: float,
                      predict: Sequence[tuple[str, Mapping[str, float | str]]],
                      anova: int | None, unit: float) -> OlsResult:
    """The `ols` result from an engine's aggregates (see `fit_by_grams` and `ResidualPass`):
    the same finish (`ols_fields`), the same numbers to rounding, memory bounded by the
    number of terms, not rows. `shift` is near the means of T and y/unit (it need not be
    exact), `log_weights` Σ log wᵢ."""
    from dataclasses import replace

    from mlstats.stats import diagnostics as diag
    from mlstats.stats.triangular import solve_upper

    check_rows(n, design)
    weighted = weights_name is not None
    p, k = len(design.terms), design.k
    fit, unweighted, centre = fit_by_grams(rows, shift, p=p, intercept=design.intercept,
                                   names=design.terms, degree=degree, weighted=weighted)
    basis = solve_upper(fit.r, np.eye(p)) / fit.scale[:, None]  # B = S⁻¹R⁻¹
    model = ResidualModel(shift=fit.shift,
                          shift_low=fit.shift_low if fit.shift_low is not None
                          else np.zeros(p), centre=centre, y_mean=fit.y_parts,
                          b=fit.g / fit.scale,
                          basis=basis, intercept=fit.intercept, n=n, total=fit.weight_total,
                          weighted=weighted, robust=robust, df_resid=n - k, unit=unit,
                          refine=np.linalg.cond(fit.r) ** 2 * 2.0**-52 > 2.0**-40)
    found = rows.residual_pass(model)
    ssr = found.powers[1]
    for _ in range(2):  # the corrected semi-normal equations: g ← g + R⁻¹Q'e
        step = solve_upper(fit.r, found.qe)
        fit = replace(fit, g=fit.g + step)
        fit = replace(fit, qty=fit.r @ fit.g)
        if math.sqrt(float(found.qe @ found.qe)) <= _REFIT * math.sqrt(ssr):
            ssr = max(ssr - float(found.qe @ found.qe), 0.0)
            break
        model = replace(model, b=fit.g / fit.scale)
        found = rows.residual_pass(model)
        ssr = found.powers[1]
    design = with_scaling(design, fit)
    exact = math.sqrt(ssr) <= _EXACT_TOL * math.sqrt(fit.sst)
    sums = None
    influential: tuple = ()
    if not exact and found.quantiles:  # (an engine without them gathers no row statistics)
        s1, s2, s3, s4 = found.powers
        m2, m3, m4 = central_sums_of(n, s1, s2, s3, s4)
        u_squares = max(s4 - s2 * s2 / n, 0.0)
        v = found.bp - (s2 / n) * found.bp_sums  # Σ dᵤ·(eᵢ² − Σe²/n)
        explained, df = _explained(v, unweighted, fit, full_rank=fit.intercept)
        sums = diag.ResidualSums(n=n, ssr=ssr, m2=m2, m3=m3, m4=m4, explained=explained,
                                 df=df, u_squares=u_squares, steps=found.steps,
                                 residuals=found.residuals)
        sigma2 = ssr / (n - k)
        if sigma2 > 0:
            influential = tuple(
                diag.Influence(name=str(line), line=line,
                               cooks_distance=e * e * h / ((1 - h) ** 2) / (k * sigma2),
                               leverage=h, residual=raw)
                for line, e, h, raw in found.influential)
    middle = found.middle
    if middle is not None and found.alone:
        middle = np.full_like(middle, math.nan)
    statistics = RowStatistics(exact=exact, ssr=ssr, abs_sum=found.abs_sum,
                               log_weights=log_weights, quantiles=found.quantiles, sums=sums,
                               influential=influential, hc=middle, alone=found.alone > 0,
                               top_leverage=found.top_leverage)
    warnings: list[str] = []
    fields = ols_fields(design, fit, statistics, y_name=y_name, degree=degree,
                        confidence=confidence, robust=robust, weights_name=weights_name,
                        predict=predict, anova=anova, unit=unit, warnings=warnings)
    if math.isnan(fields["mse"]):
        warnings.append(MSE_NULL)
    return OlsResult(**fields, warnings=tuple(warnings))


def central_sums_of(n: int, s1: float, s2: float, s3: float,
                    s4: float) -> tuple[float, float, float]:
    """M2, M3, M4 about the mean from the power sums Σeᵏ (see `summaries.central_sums`)."""
    from mlstats.stats.summaries import central_sums

    m2, m3, m4 = central_sums(n, np.array([s1]), np.array([s2]), np.array([s3]),
                              np.array([s4]))
    return float(m2[0]), float(m3[0]), float(m4[0])


def _explained(v: np.ndarray, unweighted: np.ndarray | None, fit: WorkingFit, *,
               full_rank: bool) -> tuple[float, int]:
    """Breusch–Pagan's explained sum of squares v'C⁻¹v, v = X_c'u, and its degrees of
    freedom, C the centred unweighted Gram of T: the fit's own (RS)ᵀ(RS) when it is
    unweighted with an intercept, else `unweighted`, whose columns that are (to rounding)
    combinations of others are left out when not `full_rank` (as `diag.by_columns`)."""
    from mlstats.stats.triangular import solve_upper

    if unweighted is None:
        part = solve_upper(fit.r, v / fit.scale, trans=True)
        return float(part @ part), v.size
    norms = np.sqrt(np.maximum(np.diag(unweighted), 0.0))
    keep = np.flatnonzero(norms > 0)
    g = unweighted[np.ix_(keep, keep)] / np.outer(norms[keep], norms[keep])
    w = v[keep] / norms[keep]
    if not full_rank and keep.size:
        from scipy.linalg.lapack import dpstrf

        factor, order, rank, _info = dpstrf(g, lower=0, tol=_GRAM_PIVOT)
        chosen = order[:rank] - 1
        r = np.triu(factor)[:rank, :rank]
        part = solve_upper(r, w[chosen], trans=True)
        return float(part @ part), int(rank)
    r = cholesky_factor(g)
    part = solve_upper(r, w, trans=True)
    return float(part @ part), int(keep.size)
