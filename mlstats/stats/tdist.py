"""Student's t quantile and tail, the F and χ² tails, without SciPy, for commands that need
nothing else from it.

`describe` needs one number per sample size, t(1 − α/2, ν), for the interval of each mean, and
`correlate` one p-value per pair; importing `scipy.special` for them cost describe a sixth of
its run on small files and correlate a tenth of its run on a million rows. The regression's
finish from aggregates (DuckDB) needs the t quantile and tails, the F tail of the overall test
and the χ² tails of Breusch–Pagan and Jarque–Bera, a handful of numbers per fit.
"""

from __future__ import annotations

import math
from statistics import NormalDist

# Up to this many degrees of freedom t_tail's continued fraction is within 5e-10 of SciPy's
# stdtr (its rounding grows with ν); above it, SciPy answers, its import small beside the data.
OWN_TAIL_DF = 10_000_000

# From this many degrees of freedom the Cornish–Fisher series is within 4e-13 of the quantile
# for tails down to 1e-10 (its next term is of order z¹¹/ν⁵).
_SERIES_DF = 2000


def t_upper_quantile(df: float, tail: float) -> float:
    """The t with P(T > t) = `tail` (0 < tail ≤ 0.5) for Student's t with `df` > 0.

    ν = 1 and 2 in closed form; ν ≥ 2000 by the Cornish–Fisher expansion to ν⁻⁴
    (Abramowitz & Stegun 26.7.5); otherwise Newton's method on the upper tail
    P(T > t) = I_x(ν/2, 1/2)/2, x = ν/(ν + t²), from the series start.
    Reference: Abramowitz & Stegun (1964) 26.5.27, 26.7.5; Press et al., Numerical Recipes
    (3rd ed.) §6.4 for the continued fraction.
    Checked against: SciPy `scipy.special.stdtrit` (tests/stats/test_tdist.py).
    """
    if df == 1:
        return 1 / math.tan(math.pi * tail)
    if df == 2:
        return (1 - 2 * tail) / math.sqrt(2 * tail * (1 - tail))
    t = _series(df, -NormalDist().inv_cdf(tail))
    if df >= _SERIES_DF:
        return t
    log_density = (math.lgamma((df + 1) / 2) - math.lgamma(df / 2)
                   - 0.5 * math.log(df * math.pi))
    # Newton's method on log P(T > t) against log t: near linear (slope −ν) in the heavy
    # tail, where a start from the normal quantile is far off for few degrees of freedom.
    target = math.log(tail)
    previous = math.inf
    for _ in range(60):
        upper = _upper_tail(t, df)
        density = math.exp(log_density - (df + 1) / 2 * math.log1p(t * t / df))
        step = (math.log(upper) - target) / (t * density / upper)
        if abs(step) >= previous / 2 and previous < 1e-8:  # rounding noise reached
            break
        t *= math.exp(max(min(step, 2.0), -2.0))
        previous = abs(step)
        if previous <= 1e-16:
            break
    return t


def _series(df: float, z: float) -> float:
    z2 = z * z
    g1 = (z2 + 1) * z / 4
    g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
    g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
    g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
    return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df


def _upper_tail(t: float, df: float) -> float:
    """P(T > t) for t ≥ 0: I_x(ν/2, 1/2)/2 with x = ν/(ν + t²), written without cancellation."""
    x = df / (df + t * t)
    a, b = df / 2, 0.5
    if x < (a + 1) / (a + b + 2):
        return _beta(x, a, b) / 2
    # I_x(a, b) = 1 − I_{1−x}(b, a), with 1 − x = t²/(ν + t²) taken directly
    return (1 - _beta(t * t / (df + t * t), b, a)) / 2


def t_tail(t: float, df: float) -> float:
    """P(T > t) for Student's t with `df` > 0: half the two-sided tail for t ≥ 0, one less
    half of it below; SciPy's `stdtr(df, −t)` from OWN_TAIL_DF degrees of freedom."""
    if df >= OWN_TAIL_DF:
        from scipy.special import stdtr

        return float(stdtr(df, -t))
    half = t_two_sided_p(t, df) / 2
    return half if not t < 0 else 1 - half


def normal_tail(z: float) -> float:
    """P(Z > z) = erfc(z/√2)/2, without cancellation in either tail (A&S 7.1.2, 26.2.29)."""
    return 0.5 * math.erfc(z / math.sqrt(2))


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| ≥ |t|) for Student's t with `df` > 0: I_x(ν/2, ½) with x = ν/(ν + t²).

    ln x = −ln(1 + t²/ν) and ln(1 − x) = ln t² − ln(ν + t²) are taken without forming 1 − x,
    and ln B(ν/2, ½) from the asymptotic series of ln Γ(a + ½) − ln Γ(a), so the p-value keeps
    its relative accuracy for millions of degrees of freedom.
    Reference: Abramowitz & Stegun (1964) 26.7.1, 6.1.47; Press et al., Numerical Recipes
    (3rd ed.) §6.4 for the continued fraction.
    Checked against: SciPy `2 * scipy.special.stdtr(df, -|t|)` (tests/stats/test_tdist.py).
    """
    t2 = t * t
    if math.isnan(t2) or math.isnan(df):
        return math.nan
    if t2 == 0:
        return 1.0
    if math.isinf(t2):
        return 0.0
    a, b = df / 2, 0.5
    log_x = -math.log1p(t2 / df)
    log_y = math.log(t2) - math.log(df + t2)
    log_front = a * log_x + b * log_y - _log_beta_half(a)
    x = math.exp(log_x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) / a * _continued_fraction(x, a, b)
    return 1 - math.exp(log_front) / b * _continued_fraction(-math.expm1(log_x), b, a)


def _log_beta_half(a: float) -> float:
    """ln B(a, ½) = ½ ln π − (ln Γ(a + ½) − ln Γ(a)); the difference by its asymptotic series
    ½ ln a − 1/(8a) + 1/(192a³) − 1/(640a⁵) + 17/(14336a⁷) from a = 50 (A&S 6.1.47 with
    Bernoulli polynomials), where lgamma's own rounding would grow with a."""
    if a < 50:
        ratio = math.lgamma(a + 0.5) - math.lgamma(a)
    else:
        inv = 1 / a
        inv2 = inv * inv
        ratio = 0.5 * math.log(a) - inv * (1 / 8 - inv2 * (1 / 192 - inv2 * (
            1 / 640 - inv2 * 17 / 14336)))
    return 0.5 * math.log(math.pi) - ratio


def _beta(x: float, a: float, b: float) -> float:
    """The regularized incomplete beta I_x(a, b) by its continued fraction (modified Lentz)."""
    if x <= 0:
        return 0.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log1p(-x)) / a
    return front * _continued_fraction(x, a, b)


def _continued_fraction(x: float, a: float, b: float) -> float:
    """The continued fraction of I_x(a, b) less its front factor x^a (1−x)^b / (a B(a, b))."""
    tiny = 1e-300
    f, c, d = 1.0, 1.0, 0.0
    for i in range(100_000):
        m = i // 2
        if i == 0:
            numerator = 1.0
        elif i % 2 == 0:
            numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        else:
            numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        d = 1 + numerator * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + numerator / c
        c = c if abs(c) > tiny else tiny
        f *= c * d
        if abs(1 - c * d) < 1e-16:
            break
    return f - 1


# Within these degrees of freedom f_tail agrees with SciPy's fdtrc to 1e-12 (tests); beyond
# them SciPy answers.
OWN_F_DF1 = 1000
OWN_F_DF2 = 100_000_000


def f_tail(f: float, d1: float, d2: float) -> float:
    """P(F > f) for Fisher's F with (`d1`, `d2`) degrees of freedom: I_x(d2/2, d1/2) with
    x = d2/(d2 + d1·f) (A&S 26.6.2), by the continued fraction on the side where it converges.

    The front factor xᵃyᵇ/B(a, b) is taken in log space with ln B(a, b) split as
    ln Γ(b) − b ln a − S(a, b) for a ≥ b, S = ln Γ(a + b) − ln Γ(a) − b ln a from Stirling's
    series, and b ln a joined to b ln y, so that nothing of size a ln a cancels: the tail keeps
    its relative accuracy for d2 in the hundred millions and p-values down to 1e-300. SciPy's
    `fdtrc` beyond OWN_F_DF1 or OWN_F_DF2 degrees of freedom.
    Reference: Abramowitz & Stegun (1964) 26.6.2, 6.1.40; Press et al., Numerical Recipes
    (3rd ed.) §6.4 for the continued fraction.
    Checked against: SciPy `scipy.special.fdtrc` (tests/stats/test_tdist.py).
    """
    if math.isnan(f) or not (d1 > 0 and d2 > 0):  # as fdtrc: NaN for no degrees of freedom
        return math.nan
    if f <= 0:
        return 1.0
    if math.isinf(f):
        return 0.0
    if d1 > OWN_F_DF1 or d2 > OWN_F_DF2:
        from scipy.special import fdtrc

        return float(fdtrc(d1, d2, f))
    a, b = d2 / 2, d1 / 2
    u = d1 * f / d2  # y/x, y = 1 − x
    if u == 0 or math.isinf(u):  # f·d1/d2 beyond the double range: the tail is 1 or 0
        return 1.0 if u == 0 else 0.0
    log_x = -math.log1p(u)
    log_y = math.log(u) + log_x
    # ln(xᵃyᵇ/B(a, b)) with ln B(a, b) = ln Γ(b) − b ln a − S(a, b) (a ≥ b), b ln a joined to
    # b ln y as b ln(a·y) = b ln(b·f·x); or a and b the other way round
    if a >= b:
        log_front = (a * log_x + b * (math.log(b) + math.log(f) + log_x) - math.lgamma(b)
                     + _gamma_ratio(a, b))
    else:
        log_front = b * log_y + a * (math.log(b) + log_x) - math.lgamma(a) + _gamma_ratio(b, a)
    x, y = 1 / (1 + u), u / (1 + u)
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) / _fraction(a, b, x, y)
    return 1 - math.exp(log_front) / _fraction(b, a, y, x)


def _fraction(a: float, b: float, x: float, y: float) -> float:
    """The continued fraction b₀ + a₁/(b₁ + a₂/(b₂ + …)) with I_x(a, b) = xᵃyᵇ/B(a, b) divided
    by it (Didonato & Morris's BFRAC in Boost's form), by the modified Lentz method. Its terms
    hold λ = a·y − b·x, not 1 − x, so that they keep their digits when y is small and a large
    (x near 1), where the classical fraction in x loses them in proportion to a.
    Reference: A. R. Didonato & A. H. Morris, ACM TOMS 18 (1992) 360–373; Boost.Math
    ibeta_fraction2."""
    tiny = 1e-300
    lam = a * y - b * x
    f = a * (lam + 1) / (a + 1)
    f = f if f != 0 else tiny
    c, d = f, 0.0
    for m in range(1, 100_000):
        denominator = a + 2 * m - 1
        numerator = (a + m - 1) * (a + b + m - 1) * m * (b - m) * x * x / (denominator
                                                                         * denominator)
        partial = (m + m * (b - m) * x / denominator
                   + (a + m) * (lam + 1 + m * (2 - x)) / (a + 2 * m + 1))
        d = partial + numerator * d
        d = 1 / (d if d != 0 else tiny)
        c = partial + numerator / c
        c = c if c != 0 else tiny
        delta = c * d
        f *= delta
        if abs(delta - 1) < 1e-16:
            break
    return f


def _gamma_ratio(a: float, b: float) -> float:
    """S(a, b) = ln Γ(a + b) − ln Γ(a) − b ln a for a ≥ b > 0, from Stirling's
    ln Γ(z) = (z − ½) ln z − z + ½ ln 2π + μ(z): (a + b − ½)·ln(1 + b/a) − b + μ(a + b) − μ(a)."""
    return (a + b - 0.5) * math.log1p(b / a) - b + _stirling(a + b) - _stirling(a)


def _stirling(z: float) -> float:
    """μ(z) = ln Γ(z) − (z − ½) ln z + z − ½ ln 2π: its series 1/(12z) − 1/(360z³) + … above
    15 (within 1e-17 there), lgamma below, where every term is small (Loader's stirlerr)."""
    if z <= 15:
        return math.lgamma(z) - (z - 0.5) * math.log(z) + z - _HALF_LOG_TWO_PI
    w = 1 / (z * z)
    return (1 / 12 - w * (1 / 360 - w * (1 / 1260 - w * (1 / 1680 - w / 1188)))) / z


_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


def chi2_tail(x: float, k: int) -> float:
    """P(χ²ₖ > x) for an integer k ≥ 1, in closed form (A&S 26.4.4, 26.4.5): with λ = x/2,
    Σ_{j<k/2} e^{−λ}λʲ/j! for even k, erfc(√λ) + Σ_{j=½,3/2,…<k/2} e^{−λ}λʲ/Γ(j + 1) for odd k.

    Every term is positive and taken in log space as −μ(j) − D(j, λ) − ½ ln 2πj, D the
    deviance j ln(j/λ) + λ − j by its series near j = λ (Loader's dpois_raw), so nothing
    overflows or cancels: relative accuracy down to the double range.
    Reference: Abramowitz & Stegun (1964) 26.4.4–5; C. Loader, "Fast and accurate computation
    of binomial probabilities" (2000).
    Checked against: SciPy `scipy.special.chdtrc` (tests/stats/test_tdist.py).
    """
    if math.isnan(x) or (k < 1 and x <= 0):  # as chdtrc: χ²₀ is the point mass at 0
        return math.nan
    if x <= 0:
        return 1.0
    if k < 1:
        return 0.0
    if math.isinf(x):
        return 0.0
    lam = x / 2
    if lam == 0:  # x the smallest subnormal: 1 to rounding
        return 1.0
    if k % 2:
        total, j = math.erfc(math.sqrt(lam)), 0.5
    else:
        total, j = 0.0, 0.0
    while j < k / 2:
        total += _poisson_term(j, lam)
        j += 1
    return min(total, 1.0)


def _poisson_term(j: float, lam: float) -> float:
    """e^{−λ}λʲ/Γ(j + 1) for j ≥ 0, λ > 0, without overflow or cancellation."""
    if j == 0:
        return math.exp(-lam)
    return math.exp(-_stirling(j) - _deviance(j, lam)) / math.sqrt(2 * math.pi * j)


def _deviance(j: float, lam: float) -> float:
    """j ln(j/λ) + λ − j ≥ 0, by the series 2j Σ v^{2i+1}/(2i+1) − (j − λ)v, v = (j − λ)/(j + λ),
    when j is near λ (where the plain form cancels)."""
    if abs(j - lam) < 0.1 * (j + lam):
        v = (j - lam) / (j + lam)
        s = (j - lam) * v
        term = 2 * j * v
        v2 = v * v
        for i in range(1, 1000):
            term *= v2
            s_next = s + term / (2 * i + 1)
            if s_next == s:
                break
            s = s_next
        return s
    return j * math.log(j / lam) + lam - j
