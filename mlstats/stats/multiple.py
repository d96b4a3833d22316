"""Adjusting p-values for multiple comparisons, as R's `p.adjust`."""

from __future__ import annotations

import numpy as np

from mlstats.errors import InputError

CORRECTIONS = ("holm", "bonferroni", "hochberg", "bh", "by", "none")


def adjust_pvalues(p_values: np.ndarray, *, correction: str = "holm") -> np.ndarray:
    """P-values adjusted for a family of m tests; NaN stays NaN and is not counted in m.

    With p₍₁₎ ≤ … ≤ p₍ₘ₎ (ties kept in input order) and every result capped at 1:
    bonferroni m·pᵢ; holm max_{j≤i} (m − j + 1)·p₍ⱼ₎; hochberg min_{j≥i} (m − j + 1)·p₍ⱼ₎;
    bh min_{j≥i} m/j·p₍ⱼ₎; by the bh value times Σ_{k=1}^{m} 1/k; none pᵢ.
    Reference: R `p.adjust` (stats, R 4.2.2); Holm (1979), Hochberg (1988),
    Benjamini & Hochberg (1995), Benjamini & Yekutieli (2001).
    Checked against: statsmodels `multipletests`, SciPy `false_discovery_control`
    (tests/stats/test_abtest.py).
    """
    if correction not in CORRECTIONS:
        raise InputError(f"--correction must be one of {', '.join(CORRECTIONS)} "
                         f"(got '{correction}')")
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    present = ~np.isnan(p)
    q = p[present]
    m = q.size
    if m == 0 or correction == "none":
        out[present] = q
        return out
    if correction == "bonferroni":
        adjusted = np.minimum(1.0, m * q)
    elif correction == "holm":
        order = np.argsort(q, kind="stable")
        steps = (m - np.arange(m)) * q[order]
        adjusted = _unsort(np.minimum(1.0, np.maximum.accumulate(steps)), order)
    else:
        # Step-up methods run from the largest p-value down (R: order(p, decreasing = TRUE)).
        order = np.argsort(-q, kind="stable")
        rank = m - np.arange(m)  # i = m, m−1, …, 1
        if correction == "hochberg":
            steps = (m - rank + 1) * q[order]
        else:
            steps = m / rank * q[order]
            if correction == "by":
                steps = steps * np.sum(1.0 / np.arange(1, m + 1))
        adjusted = _unsort(np.minimum(1.0, np.minimum.accumulate(steps)), order)
    out[present] = adjusted
    return out


def _unsort(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    result = np.empty_like(values)
    result[order] = values
    return result
