"""Planning how much data to collect: sample sizes, detectable effects and power.

Three questions, one module:

- estimation: how many rows estimate a mean to within ±margin (`estimate_sample_size`);
- comparison: how many units per group a two-group test needs to detect an effect with the
  wanted power (`sample_size`), or, given the group sizes, the smallest detectable effect;
- power: what power given group sizes have (`power_curve`).

Proportions use the normal approximation, either with the pooled variance under the null (R's
`power.prop.test`) or on the arcsine scale (Cohen's h, R's `pwr.2p.test`); means use the
noncentral t distribution (R's `power.t.test`). Two-sided power counts both rejection
regions (R's `strict = TRUE`). Sizes are found by Brent's root finder on the power function,
as R's `uniroot` does, but to full double precision, then rounded up.

Start-up matters here: proportions and estimation need only the standard library (no NumPy,
no SciPy); means import `scipy.special` inside the t-distribution helpers.

Power near 1 is solved on β = 1 − power, computed from the complementary tails, so that a
target of 1 − 1e-16 keeps its digits. No group holds more than 1e15 units and no test runs
below alpha 1e-300: beyond them floating point and the special functions give out.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

from mlstats.errors import InputError
from mlstats.stats.sequential import Boundary

_NORMAL = NormalDist()
# Rounding up forgives floating-point noise of this relative size (384.00000000000006 → 384),
# and never more than 1e-9 of a unit.
_CEIL_SLACK = 1e-12
# No plan asks for more units per group than this: beyond it the effect is "undetectable".
_N_MAX = 1e15
_EPS = sys.float_info.epsilon
# The smallest significance level planned for (after the split over arms): the tails of the
# normal and t quantiles stay exact down to it, and alpha/2 stays a normal float.
_ALPHA_MIN = 1e-300

ALTERNATIVES = ("two-sided", "larger", "smaller")
METHODS = ("pooled", "arcsine")
T_METHOD = "noncentral-t"


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True, kw_only=True)
class EstimationResult:
    """Rows needed to estimate a mean to within ±margin."""

    n: int
    n_exact: float
    z: float
    confidence: float
    std: float
    margin: float
    population: int | None = None
    daily_traffic: int | None = None
    days: int | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ComparisonPlan:
    """Group sizes for a two-group test (or, given the sizes, the minimum detectable effect).

    `n_exact` is the unrounded control size (null when `--n` gave it); `mde` is the size of the
    change (absolute; its direction follows `alternative`), `effect_size` is signed: Cohen's h
    for proportions, Cohen's d for means, positive when the treatment is higher.
    """

    n_control: int
    n_treatment: int
    n_total: int
    n_exact: float | None
    days: int | None
    effect_size: float
    mde: float | None
    mde_relative: float | None
    method: str
    alternative: str
    alpha: float
    alpha_adjusted: float
    power: float
    ratio: float
    arms: int
    baseline: float | None
    std: float | None
    daily_traffic: int | None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupSequentialPlan(ComparisonPlan):
    """A comparison planned with K equally spaced looks: the sizes are the maximum (the
    last look's), `n_exact` = the fixed design's × `inflation_factor`."""

    looks: int
    spending: str
    inflation_factor: float
    boundaries: tuple[Boundary, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CurvePoint:
    """The power at one control-group size; `name` is that size, for `curve.200.power`."""

    name: str
    n_control: int
    n_treatment: int
    power: float


@dataclass(frozen=True, slots=True, kw_only=True)
class PowerCurveResult:
    """The power of the planned test at each of several control-group sizes."""

    effect_size: float
    mde: float | None
    mde_relative: float | None
    method: str
    alternative: str
    alpha: float
    alpha_adjusted: float
    ratio: float
    arms: int
    baseline: float | None
    std: float | None
    curve: tuple[CurvePoint, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PowerResult(PowerCurveResult):
    """The power at one control-group size (and the one-point `curve`)."""

    power: float


# ---------------------------------------------------------------------------------------------
# Power functions: group sizes may be real numbers (the root finder needs that)


def _phi(x: float) -> float:
    """Standard normal CDF via erfc, accurate in both tails (R `pnorm`)."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _z_upper(p: float) -> float:
    """The upper-p quantile of the standard normal, z with Φ(z) = 1 − p (R `qnorm(p, lower=F)`)."""
    return -_NORMAL.inv_cdf(p)


def _normal_power(effect: float, se_null: float, se_alt: float, *, alpha: float,
                  alternative: str, miss: bool = False) -> float:
    """Power of a z-test of an effect whose standard error is se_null under H₀, se_alt under H₁.

    larger: Φ((e − z_α·se₀)/se₁); smaller: Φ((−e − z_α·se₀)/se₁); two-sided: Φ(a) + Φ(b),
    a = (e − z_{α/2}·se₀)/se₁, b = (−e − z_{α/2}·se₀)/se₁ (the wrong-direction rejections
    count too, R's `strict = TRUE`). With `miss`, β = 1 − power from the complementary tails,
    Φ(−max(a, b)) − Φ(min(a, b)), so that a power near 1 keeps its precision.
    """
    if alternative == "two-sided":
        z = _z_upper(alpha / 2)
        a = (effect - z * se_null) / se_alt
        b = (-effect - z * se_null) / se_alt
        if miss:
            return max(_phi(-max(a, b)) - _phi(min(a, b)), 0.0)
        return _phi(a) + _phi(b)
    z = _z_upper(alpha)
    sign = 1.0 if alternative == "larger" else -1.0
    a = (sign * effect - z * se_null) / se_alt
    return _phi(-a) if miss else _phi(a)


def pooled_power(p_control: float, p_treatment: float, n_control: float, n_treatment: float,
                 *, alpha: float = 0.05, alternative: str = "two-sided",
                 miss: bool = False) -> float:
    """Power of the pooled two-proportion z-test.

    With p̄ = (n₁p₁ + n₂p₂)/(n₁ + n₂): se₀ = √(p̄(1 − p̄)(1/n₁ + 1/n₂)),
    se₁ = √(p₁(1 − p₁)/n₁ + p₂(1 − p₂)/n₂), effect p₂ − p₁, then `_normal_power` (`miss`:
    β = 1 − power instead).
    Reference: J. L. Fleiss, B. Levin, M. C. Paik, Statistical Methods for Rates and
    Proportions, 3rd ed. (2003), §4.2; R `power.prop.test(strict = TRUE)` for n₁ = n₂.
    Checked against: R 4.2.2 `power.prop.test`, statsmodels 0.15.0
    `power_proportions_2indep` (tests/stats/test_planning.py).
    """
    pooled = (n_control * p_control + n_treatment * p_treatment) / (n_control + n_treatment)
    se_null = math.sqrt(pooled * (1 - pooled) * (1 / n_control + 1 / n_treatment))
    se_alt = math.sqrt(p_control * (1 - p_control) / n_control
                       + p_treatment * (1 - p_treatment) / n_treatment)
    return _normal_power(p_treatment - p_control, se_null, se_alt, alpha=alpha,
                         alternative=alternative, miss=miss)


def cohens_h(p_control: float, p_treatment: float) -> float:
    """Cohen's h = 2·asin√p₂ − 2·asin√p₁ (positive when the treatment rate is higher).

    Reference: J. Cohen, Statistical Power Analysis for the Behavioral Sciences, 2nd ed.
    (1988), §6.2. Checked against: R pwr `ES.h` through `pwr.2p.test`.
    """
    return 2 * math.asin(math.sqrt(p_treatment)) - 2 * math.asin(math.sqrt(p_control))


def arcsine_power(p_control: float, p_treatment: float, n_control: float, n_treatment: float,
                  *, alpha: float = 0.05, alternative: str = "two-sided",
                  miss: bool = False) -> float:
    """Power of the two-proportion test on the arcsine scale (Cohen's h).

    The statistic h·√(n₁n₂/(n₁ + n₂)) is standard normal under H₀, so se₀ = se₁ =
    √(1/n₁ + 1/n₂) in `_normal_power` (`miss`: β = 1 − power instead).
    Reference: Cohen (1988), §6.2; R pwr `pwr.2p.test` / `pwr.2p2n.test`.
    Checked against: R 4.2.2 `pwr.2p.test`, statsmodels 0.15.0 `NormalIndPower`
    (tests/stats/test_planning.py).
    """
    se = math.sqrt(1 / n_control + 1 / n_treatment)
    return _normal_power(cohens_h(p_control, p_treatment), se, se, alpha=alpha,
                         alternative=alternative, miss=miss)


def t_power(effect_size: float, n_control: float, n_treatment: float, *, alpha: float = 0.05,
            alternative: str = "two-sided", miss: bool = False) -> float:
    """Power of the two-sample Student t-test for a standardized difference d (Cohen's d).

    ν = n₁ + n₂ − 2, δ = d·√(n₁n₂/(n₁ + n₂)), T ~ t′(ν, δ) (noncentral t):
    larger: P(T > t_{α,ν}); smaller: P(T < −t_{α,ν}); two-sided: both with t_{α/2,ν}.
    With `miss`, β = 1 − power from the complementary tails (larger: P(T < t_{α,ν});
    two-sided: P(−t_{α/2,ν} < T < t_{α/2,ν})), so that a power near 1 keeps its precision.
    Reference: R `power.t.test(strict = TRUE)`; Cohen (1988), §2.
    Checked against: R 4.2.2 `power.t.test`, statsmodels 0.15.0 `TTestIndPower`
    (tests/stats/test_planning.py).
    """
    df = n_control + n_treatment - 2
    ncp = effect_size * math.sqrt(n_control * n_treatment / (n_control + n_treatment))
    two_sided = alternative == "two-sided"
    crit = _t_upper(df, alpha / 2 if two_sided else alpha)
    # P(T > c | δ) = P(T < −c | −δ): the lower-tail form keeps precision in both tails.
    if two_sided:
        power = _nct_below(df, -ncp, -crit) + _nct_below(df, ncp, -crit)
    else:
        power = _nct_below(df, -ncp if alternative == "larger" else ncp, -crit)
    if not miss:
        return power
    # The accepted region's probability, in its lower-tail form for δ turned towards the
    # rejection region (β is then a small lower tail, kept to full relative precision).
    toward = abs(ncp) if two_sided else (ncp if alternative == "larger" else -ncp)
    inside = _nct_below(df, toward, crit)
    return max(inside - _nct_below(df, toward, -crit), 0.0) if two_sided else inside


# SciPy's nctdtr loses digits from a noncentrality of about a thousand on (1e-6 relative at
# δ = 1e5, ν = 2), then returns NaN, taking seconds per call: beyond this, `_nct_below` mixes.
_NCT_FAR = 1e3
_SIGN_SURE = 38.5  # Φ(−38.5) < 5e-324


def _nct_below(df: float, nc: float, t: float) -> float:
    """P(T < t) for T ~ t′(ν, δ), the noncentral t (R `pt(t, ν, ncp = δ)`).

    T = (Z + δ)/S with Z ~ N(0, 1) and S = √(χ²_ν/ν) independent. For |δ| ≥ 38.5, Z + δ keeps
    the sign of δ in double precision, so P(T < t) is 0 for δ > 0 ≥ t and 1 for δ < 0 ≤ t.
    Otherwise, |δ| < 1000: SciPy's `nctdtr`. It returns NaN far in a tail; there the mirror
    1 − P(T < −t | −δ) is used, and when both fail the value is 0 or 1 (t below or above δ).
    |δ| ≥ 1000: for δ > 0, t > 0: P(T < t) = E_Z[P(χ²_ν > ν((Z + δ)/t)²)], and for δ < 0,
    t < 0: P(T < t) = E_Z[P(χ²_ν < ν((Z + δ)/t)²)]; E_Z by 64-point Gauss–Hermite quadrature:
    the integrand changes slowly over Z wherever it is neither 0 nor 1.
    Reference: N. L. Johnson, S. Kotz, N. Balakrishnan, Continuous Univariate Distributions,
    vol. 2, 2nd ed. (1995), ch. 31.
    Checked against: mpmath quadrature of the same mixtures (tests/stats/test_planning.py).
    """
    from scipy.special import chdtr, chdtrc, nctdtr

    # T < t ≤ 0 needs Z + δ < 0: P ≤ Φ(−δ), below the smallest double from δ = 38.5 on,
    # where nctdtr still returns up to 5e-13 (which would swamp a β near 1e-16).
    if (nc >= _SIGN_SURE and t <= 0) or (nc <= -_SIGN_SURE and t >= 0):
        return 0.0 if nc > 0 else 1.0
    if abs(nc) < _NCT_FAR:
        value = float(nctdtr(df, nc, t))
        if math.isnan(value):
            value = 1.0 - float(nctdtr(df, -nc, -t))
        if math.isnan(value):
            value = 1.0 if t > nc else 0.0
        return min(max(value, 0.0), 1.0)
    import numpy as np

    nodes, weights = _gauss_hermite()
    with np.errstate(over="ignore"):  # an infinite quantile: the tail is then 0 or 1
        x = df * ((nodes + nc) / t) ** 2
    tail = chdtrc(df, x) if nc > 0 else chdtr(df, x)
    return float(min(max(weights @ tail, 0.0), 1.0))


@functools.cache
def _gauss_hermite() -> tuple:
    """Nodes and weights of the 64-point rule for E[f(Z)], Z ~ N(0, 1)."""
    import numpy as np
    from numpy.polynomial.hermite_e import hermegauss

    nodes, weights = hermegauss(64)
    return nodes, weights / np.sqrt(2 * np.pi)


def _t_upper(df: float, p: float) -> float:
    """The upper-p quantile c of Student's t, P(T_ν > c) = p (R `qt(p, ν, lower = FALSE)`).

    SciPy's `stdtrit` overflows or loses every digit far in the tail of a small ν (it gives
    +inf for ν = 6, p = 1e-300, and 0.57 relative error for ν = 2.5, p = 1e-200). Where
    c² > ν, P(|T| > c) = I_x(ν/2, 1/2) with x = ν/(ν + c²) < 1/2 inverts accurately instead:
    c = √(ν(1 − x)/x).
    """
    from scipy.special import betaincinv, stdtrit

    if p < 0.5:
        x = float(betaincinv(df / 2, 0.5, 2 * p))
        if 0 < x < 0.5:
            return math.sqrt(df * (1 - x) / x)
    return -float(stdtrit(df, p))


# ---------------------------------------------------------------------------------------------
# Root finding


def _brent(f: Callable[[float], float], a: float, b: float, *, xtol: float,
           maxiter: int = 500) -> float:
    """A root of f in [a, b], where f(a) and f(b) have opposite signs (Brent's method).

    A line-by-line port of SciPy's `brentq` (R. P. Brent, Algorithms for Minimization without
    Derivatives, 1973, ch. 4), kept here so that planning never imports `scipy.optimize`.
    Stops when the bracket is narrower than xtol + 4·eps·|x|.
    """
    rtol = 4 * _EPS
    xpre, xcur = a, b
    fpre, fcur = f(xpre), f(xcur)
    xblk = fblk = spre = scur = 0.0
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    for _ in range(maxiter):
        if fpre != 0 and fcur != 0 and (fpre < 0) != (fcur < 0):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:  # secant
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:  # inverse quadratic interpolation
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):
                spre, scur = scur, stry
            else:
                spre = scur = sbis
        else:
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0 else -delta)
        fcur = f(xcur)
    return xcur  # pragma: no cover  (Brent converges in far fewer steps on a monotone power)


def _z_two_sided(confidence: float) -> float:
    """z = Φ⁻¹(1 − (1 − c)/2), to full precision for c near 1 and near 0 (R `qnorm`).

    Near 1 the upper tail (1 − c)/2 is exact; near 0, 1/2 + c/2 rounds c away, so one Newton
    step on erf(z/√2) = c (the same equation) restores it.
    """
    if confidence >= 0.5:
        return _z_upper((1 - confidence) / 2)  # stdlib: AS 241, as R's qnorm
    z = _NORMAL.inv_cdf(0.5 + confidence / 2)
    slope = math.sqrt(2 / math.pi) * math.exp(-z * z / 2)
    return z + (confidence - math.erf(z / math.sqrt(2))) / slope


def _finite_population(n0: float, population: int) -> float:
    """n₀/(1 + (n₀ − 1)/N), written N/(1 + (N − 1)/n₀) when n₀ > N (it holds for n₀ = ∞)."""
    big = population.bit_length() > 1000  # beyond a float: the correction vanishes
    size = math.inf if big else float(population)
    if n0 <= size:
        # (N − 1) + n₀ is exact where 1 + (n₀ − 1) cancels (n₀ far below 1 and N = 1)
        return n0 if big else n0 / (((size - 1) + n0) / size)
    return size / (1 + (size - 1) / n0)


def ceil_size(x: float) -> int:
    """Round a size up, forgiving floating-point noise in its last digits."""
    return math.ceil(x - min(abs(x) * _CEIL_SLACK, 1e-9))


# ---------------------------------------------------------------------------------------------
# Estimation


def estimate_sample_size(*, confidence: float = 0.95, std: float, margin: float,
                         population: int | None = None,
                         daily_traffic: int | None = None) -> EstimationResult:
    """Rows needed to estimate a mean (or a proportion, std = √(p(1 − p))) to within ±margin.

    n₀ = z²σ²/m², z = Φ⁻¹(1 − (1 − confidence)/2); with a population N the finite-population
    correction n = n₀ / (1 + (n₀ − 1)/N); n is rounded up (at least 1); days =
    ⌈n / daily_traffic⌉.
    Reference: W. G. Cochran, Sampling Techniques, 3rd ed. (1977), §4.4.
    Checked against: SciPy `norm.ppf` (R `qnorm`) (tests/stats/test_planning.py).
    """
    _check_open("--confidence", confidence)
    _check_positive("--std", std)
    _check_positive("--margin", margin)
    if population is not None and population < 1:
        raise InputError(f"--population must be at least 1 (got {population}); give the number "
                         "of units in the population")
    _check_traffic(daily_traffic)
    z = _z_two_sided(confidence)
    root = z * std / margin
    n_exact = root * root  # inf, not OverflowError, when it overflows
    if population is not None:
        n_exact = _finite_population(n_exact, population)
    elif math.isinf(n_exact):
        raise InputError(f"--std {_num(std)} with --margin {_num(margin)} needs more rows than "
                         "a number can hold; give a larger --margin")
    n = max(ceil_size(n_exact), 1)  # one row at least, however wide the margin
    return EstimationResult(
        n=n, n_exact=n_exact, z=z, confidence=confidence, std=std, margin=margin,
        population=population, daily_traffic=daily_traffic,
        days=_days(n, daily_traffic),
    )


# ---------------------------------------------------------------------------------------------
# The design of a two-group comparison


@dataclass(frozen=True, slots=True, kw_only=True)
class _Design:
    """What the test is and how it is run; the effect is the unknown or the given."""

    kind: str  # "proportions" or "means"
    method: str
    alternative: str
    alpha: float
    alpha_adjusted: float
    ratio: float
    arms: int
    baseline: float | None
    std: float | None

    @property
    def direction(self) -> float:
        """+1: the treatment is planned higher than the control; −1 for `smaller`."""
        return -1.0 if self.alternative == "smaller" else 1.0

    def power(self, effect: float, n_control: float, n_treatment: float, *,
              miss: bool = False) -> float:
        """Power at the given sizes (β = 1 − power with `miss`); effect = |p₂ − p₁| for
        proportions, |d| for means."""
        kw = {"alpha": self.alpha_adjusted, "alternative": self.alternative, "miss": miss}
        if self.kind == "means":
            return t_power(self.direction * effect, n_control, n_treatment, **kw)
        p2 = self.baseline + self.direction * effect
        fn = pooled_power if self.method == "pooled" else arcsine_power
        return fn(self.baseline, p2, n_control, n_treatment, **kw)

    def shortfall(self, effect: float, n_control: float, n_treatment: float,
                  target: float) -> float:
        """A number with the sign of power − target, increasing in the sizes and the effect.

        Above power 0.5 it is (1 − target) − β: 1 − target is exact there, and β keeps its
        relative precision where the power itself rounds to 1 (power 0.9999999999999999).
        """
        if target <= 0.5:
            return self.power(effect, n_control, n_treatment) - target
        return (1 - target) - self.power(effect, n_control, n_treatment, miss=True)

    def effect_size(self, effect: float) -> float:
        """Signed Cohen's h (proportions) or d (means)."""
        if self.kind == "means":
            return self.direction * effect
        return cohens_h(self.baseline, self.baseline + self.direction * effect)

    def largest_effect(self) -> float:
        """The largest change the outcome scale allows (a proportion stays inside (0, 1))."""
        if self.kind == "means":
            return math.inf
        return self.baseline if self.direction < 0 else 1 - self.baseline


def _design(*, baseline: float | None, mde: float | None, relative: bool,
            effect_size: float | None, std: float | None, method: str | None,
            alpha: float, ratio: float, alternative: str, arms: int,
            n_given: bool) -> tuple[_Design, float | None]:
    """Check the effect options and their combination; return the design and |effect|.

    The effect is |p₂ − p₁| for proportions and |d| for means; None when it is to be solved
    for (`n_given`).
    """
    _check_open("--alpha", alpha)
    if not ratio > 0 or not math.isfinite(ratio):
        raise InputError(f"--ratio must be greater than 0 (got {_num(ratio)}); it is the treatment "
                         "group's size over the control group's")
    if arms < 2:
        raise InputError(f"--arms must be at least 2 (got {arms}); it counts every group, the "
                         "control included")
    if arms > _N_MAX:
        raise InputError(f"--arms must be at most {_N_MAX:.0e} (got {arms}); it counts every "
                         "group, the control included")
    if alternative not in ALTERNATIVES:
        raise InputError(f"--alternative must be one of {', '.join(ALTERNATIVES)} "
                         f"(got {alternative})")
    if method is not None and method not in METHODS:
        raise InputError(f"--method must be one of {', '.join(METHODS)} (got {method})")
    if relative and mde is None:
        raise InputError("--relative needs --mde: it makes --mde a change relative to --baseline")
    if baseline is not None:
        effect = _proportion_effect(baseline, mde, relative, effect_size, std, alternative,
                                    n_given)
        kind, method = "proportions", method or "pooled"
    else:
        effect = _mean_effect(mde, relative, effect_size, std, n_given)
        if method is not None:
            raise InputError(f"--method {method} applies to proportions (--baseline); a "
                             "difference in means is planned with the t-test: drop --method")
        kind, method = "means", T_METHOD
    alpha_adjusted = alpha / (arms - 1)
    if alpha_adjusted < _ALPHA_MIN:
        split = f" split over --arms {arms}" if arms > 2 else ""
        raise InputError(f"--alpha {_num(alpha)}{split} tests at {_num(alpha_adjusted)}, below "
                         f"{_ALPHA_MIN:.0e}: no tail that far out is computed reliably; raise "
                         "--alpha")
    design = _Design(kind=kind, method=method, alternative=alternative, alpha=alpha,
                     alpha_adjusted=alpha_adjusted, ratio=ratio, arms=arms,
                     baseline=baseline, std=std)
    return design, effect


def _proportion_effect(baseline: float, mde: float | None, relative: bool,
                       effect_size: float | None, std: float | None, alternative: str,
                       n_given: bool) -> float | None:
    if effect_size is not None:
        raise InputError("--effect-size conflicts with --baseline: --effect-size (Cohen's d) "
                         "plans a difference in means, --baseline a difference in proportions; "
                         "give one of them")
    if std is not None:
        raise InputError("--std conflicts with --baseline: a proportion's spread follows from "
                         "--baseline; drop --std (or drop --baseline to compare means)")
    _check_open("--baseline", baseline)
    if mde is None:
        if n_given:
            return None
        raise InputError("--baseline needs --mde, the change to detect (e.g. --mde 0.02, or "
                         "--mde 0.2 --relative for +20 %)")
    _check_positive("--mde", mde, hint="; give the size of the change (with --alternative "
                    "smaller for a decrease)")
    delta = mde * baseline if relative else mde
    sign = -1 if alternative == "smaller" else 1
    treated = baseline + sign * delta
    if not 0 < treated < 1:
        given = f"--mde {_num(mde)} --relative" if relative else f"--mde {_num(mde)}"
        room = baseline if sign < 0 else 1 - baseline
        limit = room / baseline if relative else room
        raise InputError(
            f"--baseline {_num(baseline)} {'-' if sign < 0 else '+'} {given} gives "
            f"{_num(treated)}, not a proportion between 0 and 1; use an --mde below "
            f"{_num(limit)}")
    return delta


def _mean_effect(mde: float | None, relative: bool, effect_size: float | None,
                 std: float | None, n_given: bool) -> float | None:
    if relative:
        raise InputError("--relative needs --baseline: only a proportion's change can be "
                         "relative; give --mde in the metric's units with --std")
    if effect_size is not None:
        if mde is not None:
            raise InputError("--effect-size conflicts with --mde: give Cohen's d with "
                             "--effect-size, or the difference with --mde and --std")
        if std is not None:
            raise InputError("--effect-size conflicts with --std: Cohen's d is already in "
                             "standard deviations; drop --std, or give --mde with --std")
        _check_positive("--effect-size", effect_size)
        return effect_size
    if mde is not None:
        if std is None:
            raise InputError("--mde needs --baseline P (a change in a proportion) or --std S "
                             "(a change in a mean with standard deviation S)")
        _check_positive("--mde", mde, hint="; give the size of the change (with "
                        "--alternative smaller for a decrease)")
        _check_positive("--std", std)
        return mde / std
    if n_given:
        if std is not None:
            _check_positive("--std", std)
        return None
    raise InputError("no effect to plan for: give --baseline P --mde D (proportions), "
                     "--effect-size D or --mde D --std S (means), or --std S --margin M "
                     "(estimating a mean)")


# ---------------------------------------------------------------------------------------------
# Sample size and minimum detectable effect


def sample_size(*, confidence: float | None = None, std: float | None = None,
                margin: float | None = None, population: int | None = None,
                baseline: float | None = None, mde: float | None = None,
                relative: bool = False, effect_size: float | None = None,
                n: int | None = None, method: str | None = None, alpha: float | None = None,
                power: float | None = None, ratio: float | None = None,
                alternative: str | None = None, arms: int | None = None,
                daily_traffic: int | None = None, looks: int | None = None,
                spending: str | None = None) -> EstimationResult | ComparisonPlan:
    """`mlstats sample-size`: estimation (--margin) or a two-group plan (an effect, or --n).

    None means "not given": options of the other mode are refused rather than ignored, and
    the SPEC defaults (confidence 0.95, alpha 0.05, power 0.8, ratio 1, two-sided, 2 arms,
    pooled) fill the rest.
    Reference and checks: see `estimate_sample_size`, `plan_comparison`, `plan_mde`.
    """
    if spending is not None and looks is None:
        raise InputError("--spending applies to a group-sequential plan: add --looks K "
                         "(the number of planned looks), or drop --spending")
    if margin is not None:
        for option, value in (("--baseline", baseline), ("--mde", mde),
                              ("--effect-size", effect_size), ("--n", n)):
            if value is not None:
                raise InputError(f"--margin conflicts with {option}: --margin plans an "
                                 f"estimate, {option} a comparison of two groups; give one")
        for option, value in (("--alpha", alpha), ("--power", power), ("--ratio", ratio),
                              ("--method", method), ("--alternative", alternative),
                              ("--arms", arms), ("--relative", relative or None),
                              ("--looks", looks)):
            if value is not None:
                raise InputError(f"{option} applies to comparisons of two groups; estimation "
                                 "(--margin) takes --confidence, --std and --population")
        if std is None:
            raise InputError("--margin needs --std, the standard deviation of the values "
                             "(0.5 is the largest for a proportion)")
        return estimate_sample_size(confidence=0.95 if confidence is None else confidence,
                                    std=std, margin=margin, population=population,
                                    daily_traffic=daily_traffic)
    if confidence is not None:
        raise InputError("--confidence applies to estimation (--margin); a comparison of two "
                         "groups takes --alpha (e.g. --alpha 0.05)")
    if population is not None:
        raise InputError("--population applies to estimation (--margin); drop it for a "
                         "comparison of two groups")
    if n is not None and (mde is not None or effect_size is not None):
        given = "--mde" if mde is not None else "--effect-size"
        raise InputError(f"--n conflicts with {given}: give --n to find the smallest "
                         f"detectable effect, or {given} to find n (mlstats power gives the "
                         "power of both)")
    common = {
        "baseline": baseline, "relative": relative, "std": std, "method": method,
        "alpha": 0.05 if alpha is None else alpha, "power": 0.8 if power is None else power,
        "ratio": 1.0 if ratio is None else ratio,
        "alternative": alternative or "two-sided", "arms": 2 if arms is None else arms,
        "daily_traffic": daily_traffic,
    }
    if n is not None:
        if looks is not None:
            raise InputError("--looks plans the sample size of a group-sequential test; with "
                             "--n there is nothing to plan: drop --n or --looks")
        return plan_mde(n=n, **common)
    plan = plan_comparison(mde=mde, effect_size=effect_size, **common)
    if looks is None:
        return plan
    return plan_group_sequential(plan, looks=looks, spending=spending or "obrien-fleming")


def plan_group_sequential(plan: ComparisonPlan, *, looks: int,
                          spending: str = "obrien-fleming") -> GroupSequentialPlan:
    """The fixed plan stretched to K equally spaced looks with Lan–DeMets alpha spending.

    Boundaries at alpha_adjusted (`group_sequential_bounds`), then n_max = n_fixed × IF with
    the inflation factor IF of `inflation_factor` at the plan's power: the maximum sizes that
    keep the power when the test may stop early; days follow from the maximum.
    Reference: Jennison & Turnbull (2000), ch. 7; gsDesign `gsDesign(k, n.fix, sfu)`.
    Checked against: SciPy quadrature, the `gsdesign` package (tests/stats/test_sequential.py).
    """
    from dataclasses import fields, replace

    from mlstats.stats.sequential import group_sequential_bounds, inflation_factor

    two_sided = plan.alternative == "two-sided"
    bounds = group_sequential_bounds(looks, alpha=plan.alpha_adjusted, spending=spending,
                                     two_sided=two_sided)
    factor = inflation_factor(bounds, alpha=plan.alpha_adjusted, power=plan.power,
                              two_sided=two_sided)
    if plan.alternative == "smaller":
        bounds = tuple(replace(b, z=-b.z) for b in bounds)
    n_exact = plan.n_exact * factor
    n_control = ceil_size(n_exact)
    n_treatment = ceil_size(plan.ratio * n_exact)
    n_total = n_control + (plan.arms - 1) * n_treatment
    fixed = {f.name: getattr(plan, f.name) for f in fields(plan)}
    fixed.update(n_control=n_control, n_treatment=n_treatment, n_total=n_total,
                 n_exact=n_exact, days=_days(n_total, plan.daily_traffic))
    return GroupSequentialPlan(**fixed, looks=looks, spending=spending,
                               inflation_factor=factor, boundaries=bounds)


def plan_comparison(*, baseline: float | None = None, mde: float | None = None,
                    relative: bool = False, effect_size: float | None = None,
                    std: float | None = None, method: str | None = None, alpha: float = 0.05,
                    power: float = 0.8, ratio: float = 1.0, alternative: str = "two-sided",
                    arms: int = 2, daily_traffic: int | None = None) -> ComparisonPlan:
    """Group sizes that give a two-group test the wanted power for the given effect.

    Solves power(n₁, n₂ = ratio·n₁) = target for the real n₁ (Brent's method on the power
    function), then n_control = ⌈n₁⌉, n_treatment = ⌈ratio·n₁⌉ (per variant), n_total =
    n_control + (arms − 1)·n_treatment, days = ⌈n_total / daily_traffic⌉. With arms K the
    test runs at alpha/(K − 1) (Bonferroni).
    Reference: R `power.prop.test`, `power.t.test` (strict = TRUE), pwr `pwr.2p.test`.
    Checked against: R 4.2.2 and statsmodels 0.15.0 (tests/stats/test_planning.py).
    """
    design, effect = _design(baseline=baseline, mde=mde, relative=relative,
                             effect_size=effect_size, std=std, method=method, alpha=alpha,
                             ratio=ratio, alternative=alternative, arms=arms, n_given=False)
    _check_power(power, alpha)
    _check_traffic(daily_traffic)

    def shortfall(n1: float) -> float:
        return design.shortfall(effect, n1, ratio * n1, power)

    n_min = 2 * max(1.0, 1 / ratio)  # the smaller group holds at least 2
    n_max = _N_MAX / max(1.0, ratio)  # the larger group at most _N_MAX
    if n_min > n_max:
        raise InputError(f"--ratio {_num(ratio)} is too lopsided: with 2 units in the smaller "
                         f"group the larger would hold more than {_N_MAX:.0e}; give a --ratio "
                         "nearer 1")
    given = f"--effect-size {_num(effect_size)}" if effect_size is not None else (
        f"--mde {_num(mde)}")
    if shortfall(n_min) >= 0:
        raise InputError(
            f"{given} is so large that fewer than 2 units per group reach power {_num(power)}: "
            "n below 2 is not a plan; give a smaller effect or more --power")
    lower, upper = n_min, min(max(2 * n_min, 64.0), n_max)
    while shortfall(upper) < 0:
        if upper >= n_max:
            nearer = " or a --ratio nearer 1" if ratio != 1 else ""
            raise InputError(
                f"{given} is too small to detect: it would need more than {_N_MAX:.0e} units "
                f"per group; plan for a larger effect{nearer}")
        lower, upper = upper, min(upper * 16, n_max)
    n_exact = _brent(shortfall, lower, upper, xtol=1e-300)
    n_control = ceil_size(n_exact)
    n_treatment = ceil_size(ratio * n_exact)
    return _plan(design, effect, power=power, n_control=n_control, n_treatment=n_treatment,
                 n_exact=n_exact, daily_traffic=daily_traffic,
                 relative=mde if relative else None)


def plan_mde(*, n: int, baseline: float | None = None, relative: bool = False,
             std: float | None = None, method: str | None = None, alpha: float = 0.05,
             power: float = 0.8, ratio: float = 1.0, alternative: str = "two-sided",
             arms: int = 2, daily_traffic: int | None = None) -> ComparisonPlan:
    """The minimum detectable effect with n in the control group and ⌈ratio·n⌉ per variant.

    Solves power(effect) = target for the effect (Brent's method): |p₂ − p₁| for proportions
    (`mde`; `mde_relative` = mde / baseline), Cohen's d for means (`mde` = d·std, or d in
    standard deviations when no --std is given).
    Reference: as `plan_comparison`; statsmodels `solve_power(effect_size=None)`.
    Checked against: statsmodels 0.15.0 `NormalIndPower`, `TTestIndPower`,
    `power_proportions_2indep` (tests/stats/test_planning.py).
    """
    if relative:
        raise InputError("--relative applies to --mde; with --n the result reports both mde "
                         "and mde_relative: drop --relative")
    design, _ = _design(baseline=baseline, mde=None, relative=False, effect_size=None,
                        std=std, method=method, alpha=alpha, ratio=ratio,
                        alternative=alternative, arms=arms, n_given=True)
    _check_power(power, alpha)
    _check_traffic(daily_traffic)
    n_control, n_treatment = _group_sizes(n, ratio)

    def shortfall(effect: float) -> float:
        return design.shortfall(effect, n_control, n_treatment, power)

    largest = design.largest_effect()
    lower = 0.0
    if math.isinf(largest):
        upper = 1.0
        while shortfall(upper) < 0:
            if upper >= 1e4:
                raise InputError(f"no effect below 10000 standard deviations reaches power "
                                 f"{_num(power)} with --n {n}; raise --n")
            lower, upper = upper, upper * 2
    else:
        upper = largest * (1 - 1e-12)
        if shortfall(upper) < 0:
            way = "decrease" if design.direction < 0 else "increase"
            raise InputError(
                f"with --n {n} no {way} from --baseline {_num(baseline)} that stays a proportion "
                f"reaches power {_num(power)}; raise --n")
    # At no effect the test rejects with probability alpha_adjusted < power: f(0) < 0.
    effect = _brent(shortfall, lower, upper, xtol=1e-300)
    return _plan(design, effect, power=power, n_control=n_control, n_treatment=n_treatment,
                 n_exact=None, daily_traffic=daily_traffic)


def _mde(design: _Design, effect: float,
         relative: float | None = None) -> tuple[float, float | None]:
    """(mde, mde_relative): |p₂ − p₁| and its share of the baseline, or d·std (d alone).

    `relative` is an --mde given with --relative: reported as typed (δ/p would round it).
    """
    if design.kind == "proportions":
        return effect, effect / design.baseline if relative is None else relative
    return (effect * design.std if design.std is not None else effect), None


def _plan(design: _Design, effect: float, *, power: float, n_control: int, n_treatment: int,
          n_exact: float | None, daily_traffic: int | None,
          relative: float | None = None) -> ComparisonPlan:
    n_total = n_control + (design.arms - 1) * n_treatment
    mde, mde_relative = _mde(design, effect, relative)
    return ComparisonPlan(
        n_control=n_control, n_treatment=n_treatment, n_total=n_total, n_exact=n_exact,
        days=_days(n_total, daily_traffic), effect_size=design.effect_size(effect), mde=mde,
        mde_relative=mde_relative, method=design.method, alternative=design.alternative,
        alpha=design.alpha, alpha_adjusted=design.alpha_adjusted, power=power,
        ratio=design.ratio, arms=design.arms, baseline=design.baseline, std=design.std,
        daily_traffic=daily_traffic,
        warnings=_approximation_warnings(design, effect, n_control, n_treatment),
    )


# ---------------------------------------------------------------------------------------------
# Power at given sizes


def power_curve(*, n: Sequence[int], baseline: float | None = None, mde: float | None = None,
                relative: bool = False, effect_size: float | None = None,
                std: float | None = None, method: str | None = None, alpha: float = 0.05,
                ratio: float = 1.0, alternative: str = "two-sided",
                arms: int = 2) -> PowerResult | PowerCurveResult:
    """`mlstats power`: the power at each control-group size n (treatment ⌈ratio·n⌉).

    One size gives `power` (and a one-point `curve`); several give the `curve`, in
    increasing n, duplicates dropped. The test runs at alpha/(arms − 1).
    Reference: as `pooled_power`, `arcsine_power`, `t_power`.
    Checked against: R 4.2.2 `power.prop.test(n = …)`, `power.t.test(n = …)`, statsmodels
    0.15.0 `NormalIndPower.power`, `TTestIndPower.power` (tests/stats/test_planning.py).
    """
    if not n:
        raise InputError("--n needs at least one control-group size (e.g. --n 100,200,400)")
    design, effect = _design(baseline=baseline, mde=mde, relative=relative,
                             effect_size=effect_size, std=std, method=method, alpha=alpha,
                             ratio=ratio, alternative=alternative, arms=arms, n_given=False)
    sizes = sorted(set(n))
    curve = []
    for n_control in sizes:  # a handful of user-given sizes, not rows
        n_control, n_treatment = _group_sizes(n_control, ratio)
        curve.append(CurvePoint(name=str(n_control), n_control=n_control,
                                n_treatment=n_treatment,
                                power=design.power(effect, n_control, n_treatment)))
    mde_value, mde_relative = _mde(design, effect, mde if relative else None)
    fields = {
        "effect_size": design.effect_size(effect), "mde": mde_value, "mde_relative": mde_relative,
        "method": design.method, "alternative": design.alternative, "alpha": design.alpha,
        "alpha_adjusted": design.alpha_adjusted, "ratio": design.ratio, "arms": design.arms,
        "baseline": design.baseline, "std": design.std, "curve": tuple(curve),
        "warnings": _approximation_warnings(design, effect, curve[0].n_control,
                                            curve[0].n_treatment),
    }
    if len(curve) == 1:
        return PowerResult(**fields, power=curve[0].power)
    return PowerCurveResult(**fields)


# ---------------------------------------------------------------------------------------------
# Checks and small helpers


def _num(value: float) -> str:
    """A number in a message as the user typed it: 15 significant digits, not 6 (:g)."""
    return f"{value:.15g}"


def _check_open(option: str, value: float) -> None:
    if not 0 < value < 1:
        raise InputError(f"{option} must be between 0 and 1 (got {_num(value)})")


def _check_positive(option: str, value: float, *, hint: str = "") -> None:
    if not value > 0 or not math.isfinite(value):
        raise InputError(f"{option} must be greater than 0 (got {_num(value)}){hint}")


def _check_power(power: float, alpha: float) -> None:
    _check_open("--power", power)
    if power <= alpha:
        raise InputError(f"--power must be greater than --alpha (got power {_num(power)}, alpha "
                         f"{_num(alpha)}): a test rejects with probability alpha even without an "
                         "effect; raise --power")


def _check_traffic(daily_traffic: int | None) -> None:
    if daily_traffic is not None and daily_traffic < 1:
        raise InputError(f"--daily-traffic must be at least 1 (got {daily_traffic}); it counts "
                         "the units entering the experiment per day, all groups together")


def _group_sizes(n: int, ratio: float) -> tuple[int, int]:
    if n < 2:
        raise InputError(f"--n must be at least 2 per group (got {n})")
    # Beyond _N_MAX the sizes leave exact floating point and the noncentral t breaks down.
    if n > _N_MAX:
        raise InputError(f"--n must be at most {_N_MAX:.0e} per group (got {n})")
    n_treatment = ceil_size(ratio * n)
    if n_treatment < 2:
        raise InputError(f"--n {n} with --ratio {_num(ratio)} gives the treatment group "
                         f"{n_treatment} unit; each group needs at least 2: raise --n")
    if n_treatment > _N_MAX:
        raise InputError(f"--n {n} with --ratio {_num(ratio)} gives the treatment group "
                         f"{n_treatment} units, more than {_N_MAX:.0e}: lower --n or --ratio")
    return n, n_treatment


def _days(n: int, daily_traffic: int | None) -> int | None:
    return None if daily_traffic is None else -(-n // daily_traffic)


def _approximation_warnings(design: _Design, effect: float, n_control: float,
                            n_treatment: float) -> tuple[str, ...]:
    """The normal approximation for proportions wants ≥ 5 expected successes and failures."""
    if design.kind != "proportions":
        return ()
    p2 = design.baseline + design.direction * effect
    expected = min(n_control * design.baseline, n_control * (1 - design.baseline),
                   n_treatment * p2, n_treatment * (1 - p2))
    if expected >= 5:
        return ()
    return (f"a group expects only {expected:.3g} successes or failures (fewer than 5): the "
            "normal approximation behind these sizes may be poor",)
