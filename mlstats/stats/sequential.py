"""Peeking-safe inference: always-valid confidence sequences, and group-sequential plans.

Two ways to look at an experiment more than once without inflating false positives:

- `confidence_sequence` / `sequential_p_value`: the asymptotic confidence sequence of
  Waudby-Smith et al. with the normal-mixture boundary, valid at every sample size at once
  (look as often as you like), as GrowthBook's sequential engine computes it;
- `group_sequential_bounds`: a plan with K looks fixed in advance, Lan–DeMets alpha spending
  (O'Brien–Fleming or Pocock type) at equally spaced information, and the inflation of the
  fixed-horizon sample size that keeps the wanted power.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from statistics import NormalDist

from mlstats.errors import InputError

SPENDING = ("obrien-fleming", "pocock")
LOOKS_MAX = 30
_NORMAL = NormalDist()


# -- asymptotic confidence sequences ---------------------------------------------------------
def _rho2(alpha: float, tuning: float) -> float:
    """ρ² = (−2 ln α + ln(1 − 2 ln α)) / N*: the mixture variance that makes the boundary
    tightest at N* units (Waudby-Smith et al. 2024, eq. 161 of arXiv:2103.06476v7)."""
    return (-2 * math.log(alpha) + math.log(1 - 2 * math.log(alpha))) / tuning


def check_tuning(tuning: float) -> None:
    if not (tuning > 0 and math.isfinite(tuning)):
        raise InputError(f"--sequential-tuning must be a number of units greater than 0 "
                         f"(got {tuning:g}); it is the sample size where the confidence "
                         "sequence is tightest (default 5000)")


def confidence_sequence(estimate: float, variance: float, n: int, *, alpha: float = 0.05,
                        tuning: float = 5000) -> tuple[float, float]:
    """Two-sided (1 − α) asymptotic confidence sequence around `estimate`.

    With N units in both groups, V = `variance` (the variance of the estimate, e.g.
    s_t²/n_t + s_c²/n_c) and ρ² from `_rho2`: estimate ± √(V · 2(Nρ² + 1)/(Nρ²) ·
    ln(√(Nρ² + 1)/α)). It holds simultaneously at every N.
    Reference: I. Waudby-Smith, D. Arbour, R. Sinha, E. H. Kennedy, A. Ramdas,
    "Time-uniform central limit theory and asymptotic confidence sequences", Ann. Statist.
    (2024), eq. 9 (arXiv:2103.06476v7); GrowthBook gbstats `SequentialTwoSidedTTest`.
    Checked against: gbstats 0.8.0 (tests/stats/test_sequential.py).
    """
    if not (variance > 0 and n > 0) or math.isnan(estimate):
        return math.nan, math.nan
    nr2 = n * _rho2(alpha, tuning)
    width = math.sqrt(variance * 2 * (nr2 + 1) / nr2
                      * (0.5 * math.log1p(nr2) - math.log(alpha)))
    return estimate - width, estimate + width


def sequential_p_value(estimate: float, variance: float, n: int, *, alpha: float = 0.05,
                       tuning: float = 5000) -> float:
    """Always-valid p-value: min(1, 1/E) with the mixture e-value
    E = exp(ρ²N·z²/(2(Nρ² + 1)))/√(Nρ² + 1), z² = estimate²/V.

    p ≤ α exactly when 0 lies outside `confidence_sequence` (same ρ, same α).
    Reference: Waudby-Smith et al. (2024), eq. 155 of arXiv:2103.06476v7; GrowthBook
    gbstats `SequentialTwoSidedTTest.p_value`.
    Checked against: gbstats 0.8.0 (tests/stats/test_sequential.py).
    """
    if not (variance > 0 and n > 0) or math.isnan(estimate):
        return math.nan
    nr2 = n * _rho2(alpha, tuning)
    z2 = estimate * estimate / variance
    log_p = 0.5 * math.log1p(nr2) - nr2 * z2 / (2 * (nr2 + 1))  # log(1/E), no overflow
    return math.exp(min(log_p, 0.0))


# -- group-sequential plans --------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Boundary:
    """One planned look: reject when |z| (two-sided) or z (one-sided) reaches `z`."""

    name: str
    look: int
    information: float
    z: float
    alpha_spent: float


def spent(t: float, alpha: float, spending: str) -> float:
    """Lan–DeMets spending function α(t), the alpha used up at information fraction t.

    O'Brien–Fleming type: α(t) = 2 − 2Φ(Φ⁻¹(1 − α/2)/√t); Pocock type:
    α(t) = α·ln(1 + (e − 1)t).
    Reference: K. K. G. Lan, D. L. DeMets, "Discrete sequential boundaries for clinical
    trials", Biometrika 70 (1983); gsDesign `sfLDOF`, `sfLDPocock`.
    """
    if t >= 1:
        return alpha
    if spending == "pocock":
        return alpha * math.log1p((math.e - 1) * t)
    z = -_NORMAL.inv_cdf(alpha / 2)
    return 2 * _NORMAL.cdf(-z / math.sqrt(t))


@functools.cache
def _panel_rule() -> tuple:
    """Nodes and weights of a 24-point Gauss–Legendre rule on [0, 1]."""
    from numpy.polynomial.legendre import leggauss

    x, w = leggauss(24)
    return (x + 1) / 2, w / 2


def _nodes(low: float, high: float):
    """Composite Gauss–Legendre nodes and weights on [low, high], panels ≤ 0.5 wide."""
    import numpy as np

    x, w = _panel_rule()
    panels = max(1, math.ceil((high - low) / 0.5))
    edges = np.linspace(low, high, panels + 1)
    width = np.diff(edges)[:, None]
    return (edges[:-1, None] + width * x).ravel(), (width * w).ravel()


class _Recursion:
    """The density of Z_k on the continuation region, look by look (Armitage, McPherson &
    Rowe 1969; Jennison & Turnbull 2000, ch. 19), by composite Gauss–Legendre quadrature.

    Information fractions t_k; with drift δ, Z_k√t_k is Brownian motion with drift δ at
    time t_k. Continuation regions are (−c, c) (two-sided) or (−∞, c) (one-sided; cut
    at 12 standard deviations below the mean, where no mass remains in double precision).
    """

    def __init__(self, times: list[float], *, two_sided: bool, drift: float = 0.0) -> None:
        self.times, self.two_sided, self.drift = times, two_sided, drift
        self.nodes = self.weights = self.density = None
        self.k = 0

    def crossing(self, c: float) -> tuple[float, float]:
        """P(continue to look k, then Z_k ≥ c) and P(…, Z_k ≤ −c) at the current look."""
        import numpy as np
        from scipy.special import ndtr

        t = self.times[self.k]
        mean = self.drift * math.sqrt(t)
        if self.k == 0:
            return float(ndtr(mean - c)), float(ndtr(-c - mean))
        t0 = self.times[self.k - 1]
        dt = t - t0
        base = self.nodes * math.sqrt(t0) + self.drift * dt
        up = ndtr((base - c * math.sqrt(t)) / math.sqrt(dt))
        down = ndtr((-c * math.sqrt(t) - base) / math.sqrt(dt))
        weighted = self.weights * self.density
        return float(np.dot(weighted, up)), float(np.dot(weighted, down))

    def advance(self, c: float) -> None:
        """Move to the next look, keeping the density of Z_k on the region below c."""
        import numpy as np

        t = self.times[self.k]
        mean = self.drift * math.sqrt(t)
        low = -c if self.two_sided else min(-c, mean) - 12.0
        nodes, weights = _nodes(low, c)
        if self.k == 0:
            density = np.exp(-0.5 * (nodes - mean) ** 2) / math.sqrt(2 * math.pi)
        else:
            t0 = self.times[self.k - 1]
            dt = t - t0
            shift = (nodes[:, None] * math.sqrt(t) - self.nodes[None, :] * math.sqrt(t0)
                     - self.drift * dt) / math.sqrt(dt)
            kernel = np.exp(-0.5 * shift * shift) * math.sqrt(t / dt) / math.sqrt(2 * math.pi)
            density = kernel @ (self.weights * self.density)
        self.nodes, self.weights, self.density = nodes, weights, density
        self.k += 1


def group_sequential_bounds(looks: int, *, alpha: float = 0.05,
                            spending: str = "obrien-fleming",
                            two_sided: bool = True) -> tuple[Boundary, ...]:
    """Critical values at K equally spaced looks (t_k = k/K) by Lan–DeMets alpha spending.

    One-sided at α: c_k solves P(Z_j < c_j, j < k; Z_k ≥ c_k) = α(t_k) − α(t_{k−1}), α(t)
    from `spent`. Two-sided at α: symmetric ±c_k, each side spending α/2 the same way
    (gsDesign `test.type = 2` with alpha = α/2); `alpha_spent` is the cumulative total,
    both sides. The probabilities come from `_Recursion`, each c_k from Brent's method.
    Reference: Lan & DeMets (1983); C. Jennison, B. W. Turnbull, Group Sequential Methods
    with Applications to Clinical Trials (2000), ch. 7 and 19.
    Checked against: nested SciPy quadrature for K ≤ 3, the `gsdesign` package's grid
    integration (h1/hupdate) for K = 5, and the gsDesign tables (tests/stats/test_sequential.py).
    """
    check_looks(looks, spending)
    side = alpha / 2 if two_sided else alpha
    times = [k / looks for k in range(1, looks + 1)]
    walk = _Recursion(times, two_sided=two_sided)
    found, before = [], 0.0
    for k, t in enumerate(times, start=1):
        total = spent(t, side, spending)
        target = total - before
        c = _solve_boundary(lambda c, target=target: walk.crossing(c)[0] - target)
        walk.advance(c)
        found.append(Boundary(name=str(k), look=k, information=t, z=c,
                              alpha_spent=total * (2 if two_sided else 1)))
        before = total
    return tuple(found)


def _solve_boundary(excess) -> float:
    """The c where the crossing probability equals its target (it falls as c grows)."""
    from mlstats.stats.planning import _brent

    low, high = 0.0, 8.0
    while excess(high) > 0:
        low, high = high, high * 1.5
    return _brent(excess, low, high, xtol=1e-13)


def rejection_probability(bounds: tuple[Boundary, ...], drift: float, *,
                          two_sided: bool = True) -> float:
    """P(the plan rejects at some look) when E[Z_k] = drift·√t_k (both sides two-sided)."""
    times = [b.information for b in bounds]
    walk = _Recursion(times, two_sided=two_sided, drift=drift)
    total = 0.0
    for b in bounds:
        up, down = walk.crossing(b.z)
        total += up + (down if two_sided else 0.0)
        walk.advance(b.z)
    return total


def inflation_factor(bounds: tuple[Boundary, ...], *, alpha: float, power: float,
                     two_sided: bool = True) -> float:
    """(δ_K/δ_1)²: the maximum information (sample size) over the fixed design's, with δ_K the
    drift at which the plan has the wanted power and δ_1 that of the single-look z-test.

    Reference: Jennison & Turnbull (2000), §2.4 and §7.2 (the "inflation factor");
    gsDesign `gsDesign(n.fix = …)`.
    Checked against: power of the plan by the `gsdesign` package's integration.
    """
    from mlstats.stats.planning import _brent

    def fixed(d: float) -> float:
        z = -_NORMAL.inv_cdf(alpha / 2 if two_sided else alpha)
        p = _NORMAL.cdf(d - z) + (_NORMAL.cdf(-d - z) if two_sided else 0.0)
        return p - power

    def planned(d: float) -> float:
        return rejection_probability(bounds, d, two_sided=two_sided) - power

    d1 = _brent(fixed, 0.0, 40.0, xtol=1e-14)
    dk = _brent(planned, d1, 2 * d1 + 1, xtol=1e-14)
    return (dk / d1) ** 2


def check_looks(looks: int, spending: str) -> None:
    if looks < 2:
        raise InputError(f"--looks must be at least 2 (got {looks}); one look is the "
                         "fixed-horizon plan: drop --looks")
    if looks > LOOKS_MAX:
        raise InputError(f"--looks must be at most {LOOKS_MAX} (got {looks})")
    if spending not in SPENDING:
        raise InputError(f"--spending must be one of {', '.join(SPENDING)} (got '{spending}')")
