"""The Bayesian reading of an A/B comparison: chance to win, expected loss, credible interval.

The Gaussian engine works on the relative lift, as GrowthBook's does: the data give
lift ~ N(l̂, V) with V the delta-method variance of the lift; a flat prior leaves it there, a
Gaussian prior N(M, S²) on the lift combines with it by precision weighting. For proportions
`chance_to_win_exact` adds the exact Beta–binomial probability with Beta(1, 1) priors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from mlstats.errors import InputError

_NORMAL = NormalDist()
_EXACT_TERMS = 10**7  # the exact sum runs over min(α_A, α_B, β_A, β_B) terms


@dataclass(frozen=True, slots=True, kw_only=True)
class BayesianReading:
    """One variant against the control, on the relative lift."""

    chance_to_win: float
    expected_loss: float
    cri_low: float
    cri_high: float
    chance_to_win_exact: float | None = None


def check_prior(prior_mean: float | None, prior_std: float | None) -> None:
    if prior_std is not None and not (prior_std > 0 and math.isfinite(prior_std)):
        raise InputError(f"--prior-std must be greater than 0 (got {prior_std:g}); it is the "
                         "prior's standard deviation of the relative lift, e.g. 0.3 for ±30 %")
    if prior_mean is not None and prior_std is None:
        raise InputError("--prior-mean needs --prior-std: without it the prior is flat and "
                         "has no mean; give both, e.g. --prior-mean 0 --prior-std 0.3")
    if prior_mean is not None and not math.isfinite(prior_mean):
        raise InputError(f"--prior-mean must be a finite number (got {prior_mean:g})")


def gaussian_reading(lift: float, variance: float, *, alpha: float = 0.05,
                     prior_mean: float | None = None,
                     prior_std: float | None = None) -> BayesianReading:
    """Posterior of the relative lift and what it says about shipping the variant.

    Posterior N(μ, σ²): flat prior μ = l̂, σ² = V; prior N(M, S²): 1/σ² = 1/V + 1/S²,
    μ = σ²(l̂/V + M/S²). chance_to_win = P(lift > 0) = Φ(μ/σ); expected_loss =
    E[max(−lift, 0)] = σφ(μ/σ) − μΦ(−μ/σ) (the relative loss expected from shipping it);
    cri = μ ± Φ⁻¹(1 − α/2)·σ.
    Reference: GrowthBook gbstats `EffectBayesianABTest` (relative difference, relative
    prior; expected_loss is its `risk[1]`, the treatment's risk).
    Checked against: gbstats 0.8.0 (tests/stats/test_bayesian.py).
    """
    if math.isnan(lift) or not variance > 0:
        return BayesianReading(chance_to_win=math.nan, expected_loss=math.nan,
                               cri_low=math.nan, cri_high=math.nan)
    if prior_std is None:
        mu, var = lift, variance
    else:
        prior_var = prior_std * prior_std
        precision = 1 / variance + 1 / prior_var
        var = 1 / precision
        mu = (lift / variance + (prior_mean or 0.0) / prior_var) * var
    sigma = math.sqrt(var)
    t = mu / sigma
    loss = sigma * math.exp(-0.5 * t * t) / math.sqrt(2 * math.pi) - mu * _phi(-t)
    z = -_NORMAL.inv_cdf(alpha / 2)
    return BayesianReading(chance_to_win=_phi(t), expected_loss=max(loss, 0.0),
                           cri_low=mu - z * sigma, cri_high=mu + z * sigma)


def _phi(x: float) -> float:
    """Standard normal CDF from erfc: full relative precision in the lower tail."""
    return 0.5 * math.erfc(-x / math.sqrt(2))


def beta_chance_to_win(successes_t: int, n_t: int, successes_c: int, n_c: int) -> float:
    """P(p_t > p_c) for p ~ Beta(1 + successes, 1 + failures) in each group, exactly.

    With (a, b) the Beta parameters of the variant and (c, d) the control's:
    P(p_t > p_c) = Σ_{i=0}^{a−1} B(c + i, b + d) / ((b + i)·B(1 + i, b)·B(c, d)),
    summed in log space. The sum runs over the variant's a terms; swapping the groups
    (P = 1 − P(p_c > p_t)) or the outcome (p → 1 − p swaps a with b and c with d) makes it
    run over the smallest of a, b, c, d.
    Reference: E. Miller, "Formulas for Bayesian A/B testing" (2015); C. Stucchio,
    "Bayesian A/B testing at VWO" (2015).
    Checked against: SciPy quadrature of ∫ f_t(x)·F_c(x) dx (tests/stats/test_bayesian.py).
    """
    a, b = 1 + successes_t, 1 + n_t - successes_t
    c, d = 1 + successes_c, 1 + n_c - successes_c
    smallest = min(a, b, c, d)
    if smallest > _EXACT_TERMS:
        return math.nan
    if smallest == a:
        return _miller(a, b, c, d)
    if smallest == c:
        return 1 - _miller(c, d, a, b)
    if smallest == d:  # P(1 − p_c > 1 − p_t)
        return _miller(d, c, b, a)
    return 1 - _miller(b, a, d, c)


def _miller(a: int, b: int, c: int, d: int) -> float:
    """P(X > Y) for X ~ Beta(a, b), Y ~ Beta(c, d): Evan Miller's sum over a terms."""
    import numpy as np
    from scipy.special import betaln, logsumexp

    total = -math.inf
    chunk = 1 << 20
    for start in range(0, a, chunk):  # bounded memory; one chunk for any usual count
        i = np.arange(start, min(a, start + chunk), dtype=np.float64)
        terms = (betaln(c + i, b + d) - np.log(b + i) - betaln(1 + i, b) - betaln(c, d))
        total = float(np.logaddexp(total, logsumexp(terms)))
    return min(max(math.exp(total), 0.0), 1.0)
