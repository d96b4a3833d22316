"""Analysis of variance of a least-squares fit (types I, II, III) and analysis of deviance of a
logistic fit, term by term.

Type I (sequential, R's `anova(lm)`): each term after the terms before it. Type II (car's
`Anova(type = 2)`, statsmodels' `anova_lm(typ=2)`): each term after every term that does not
contain it (marginality). Type III (`Anova(type = 3)`, `anova_lm(typ=3)`): each term after all
the others, the intercept included; it depends on the contrasts (treatment contrasts here, as
R's default), which is why R users switch to sum contrasts for it (`C(x, Sum)` in a formula).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mlstats.errors import InputError
from mlstats.stats.design import TermGroup
from mlstats.stats.regression import Design, WorkingFit, _in_squared_units

ANOVA_TYPES = (1, 2, 3)


@dataclass(frozen=True, slots=True, kw_only=True)
class AnovaRow:
    """One term of the ANOVA table (or the residuals, with no F)."""

    term: str
    df: int
    sum_sq: float
    mean_sq: float
    f_statistic: float
    p_value: float


@dataclass(frozen=True, slots=True, kw_only=True)
class DevianceRow:
    """One term of the analysis of deviance: the deviance it explains (a likelihood-ratio
    χ² on `df`), and the residual df and deviance of the model without it."""

    term: str
    df: int
    deviance: float
    resid_df: int
    resid_deviance: float
    p_value: float


def check_anova_type(kind: int | None) -> None:
    if kind is not None and kind not in ANOVA_TYPES:
        raise InputError(f"--anova-type must be 1, 2 or 3 (got {kind})")


def ols_anova(fit: WorkingFit, design: Design, *, kind: int, ssr: float, df_resid: int,
              intercept_estimate: float, intercept_row: np.ndarray | None,
              unit: float) -> tuple[AnovaRow, ...]:
    """The ANOVA table of a least-squares fit, from its QR alone (no refit, no pass over rows).

    With the centred design X = Q·W (W = R·S·D, k × k) and Q'y = q: type I sums of squares are
    the squared effects Σ q_j² over a term's columns (Q is built in term order); the residual
    sum of squares of the model restricted to a set K of columns is SSR + min_b ‖q − W_K·b‖²,
    which gives type II and III as differences of two such fits. The intercept's type III row
    is θ₀²/[(X'X)⁻¹]₀₀. F = (SS/df)/σ̂², p from F(df, df_resid).
    Reference: J. Fox, Applied Regression Analysis and Generalized Linear Models, 3rd ed.
    (2016), §8.2 and §9.3.
    Checked against: statsmodels 0.15.0 anova_lm(typ=1, 2, 3) on ToothGrowth, mtcars,
    warpbreaks and a weighted fit (tests/stats/test_formula.py).
    """
    from mlstats.stats.tdist import f_tail

    groups = design.term_groups()
    sigma2 = ssr / df_resid
    sums: list[tuple[str, int, float]] = []
    if kind == 3 and intercept_row is not None:
        sums.append(("intercept", 1, (intercept_estimate / unit) ** 2
                     / float(intercept_row @ intercept_row)))
    if kind == 1:
        sums += [(g.name, len(g.columns), float(np.sum(fit.qty[list(g.columns)] ** 2)))
                 for g in groups]
    else:
        w = _centred_factor(fit, design)
        every = set(range(len(design.terms)))
        for g in groups:
            if kind == 3:
                ss = _extra(w, fit.qty, every - set(g.columns))
            else:
                above = _columns_of(_containers(g, groups))
                ss = (_extra(w, fit.qty, every - set(g.columns) - above)
                      - _extra(w, fit.qty, every - above))
            sums.append((g.name, len(g.columns), max(ss, 0.0)))
    rows = []
    for term, df, ss in sums:
        f = ss / df / sigma2 if sigma2 > 0 else math.nan
        rows.append(AnovaRow(term=term, df=df, sum_sq=_in_squared_units(ss, unit),
                             mean_sq=_in_squared_units(ss / df, unit), f_statistic=f,
                             p_value=f_tail(f, df, df_resid) if math.isfinite(f)
                             else math.nan))
    rows.append(AnovaRow(term="residuals", df=df_resid, sum_sq=_in_squared_units(ssr, unit),
                         mean_sq=_in_squared_units(sigma2, unit), f_statistic=math.nan,
                         p_value=math.nan))
    return tuple(rows)


def _centred_factor(fit: WorkingFit, design: Design) -> np.ndarray:
    """W with the centred (weighted) reported design = Q·W, columns scaled to unit length
    (a least-squares residual does not depend on the columns' scale)."""
    d = design.from_reported[1:, 1:] if design.intercept else design.from_reported
    w = (fit.r * fit.scale[None, :]) @ d
    norms = np.linalg.norm(w, axis=0)
    return w / np.where(norms > 0, norms, 1.0)


def _extra(w: np.ndarray, qty: np.ndarray, keep: set[int]) -> float:
    """min_b ‖q − W_K·b‖²: what dropping the columns outside K adds to the residual sum of
    squares."""
    if not keep:
        return float(qty @ qty)
    q, _ = np.linalg.qr(w[:, sorted(keep)])
    rest = qty - q @ (q.T @ qty)
    return float(rest @ rest)


def _containers(term: TermGroup, groups: Sequence[TermGroup]) -> list[TermGroup]:
    """The terms that contain `term` (its variables a proper subset of theirs)."""
    return [g for g in groups if term.factors < g.factors]


def _columns_of(groups: Sequence[TermGroup]) -> set[int]:
    return {j for g in groups for j in g.columns}


def logistic_anova(columns: Sequence[np.ndarray], y: np.ndarray, design: Design, *,
                   kind: int, deviance: float, null_deviance: float,
                   warnings: list[str]) -> tuple[DevianceRow, ...]:
    """Analysis of deviance of a logistic fit: likelihood-ratio tests by refitting.

    Type I (R's `anova(glm, test = "Chisq")`): each term added in order to the model before
    it. Type II and III (car's `Anova(glm, type = 2|3)`, test.statistic "LR"): the model
    without the term (and, for type II, without the terms that contain it) against the
    model with it. The deviance explained is χ² on the term's df.
    Reference: P. McCullagh & J. Nelder, Generalized Linear Models, 2nd ed. (1989), §4.5.
    Checked against: statsmodels 0.15.0 GLM(Binomial) fits of each submodel
    (tests/stats/test_formula.py).
    """
    from scipy.special import chdtrc

    groups = design.term_groups()
    n = y.size
    source = list(columns) if design.degree == 1 else design.reported_columns(columns)
    every = set(range(len(design.terms)))
    full = len(every) + int(design.intercept)
    failed: list[str] = []

    def fit_without(drop: set[int], label: str) -> float:
        keep = sorted(every - drop)
        if len(keep) == len(every):
            return deviance
        return _deviance(source, keep, y, design, null_deviance, label, failed)

    rows = []
    previous = null_deviance
    used: set[int] = set()
    for i, g in enumerate(groups):
        if kind == 1:
            used |= set(g.columns)
            current = (deviance if i == len(groups) - 1
                       else fit_without(every - used, g.name))
            explained, resid, resid_df = previous - current, current, n - len(used)
            previous = current
        else:
            above = _columns_of(_containers(g, groups)) if kind == 2 else set()
            reduced = fit_without(set(g.columns) | above, g.name)
            bigger = fit_without(above, g.name)
            explained, resid = reduced - bigger, reduced
            resid_df = n - (full - int(design.intercept)) + len(g.columns) + len(above)
        resid_df -= int(design.intercept)
        df = len(g.columns)
        explained = max(explained, 0.0) if math.isfinite(explained) else math.nan
        rows.append(DevianceRow(term=g.name, df=df, deviance=explained, resid_df=resid_df,
                                resid_deviance=resid,
                                p_value=float(chdtrc(df, explained)) if math.isfinite(explained)
                                else math.nan))
    if failed:
        warnings.append(f"anova: the model without {', '.join(repr(f) for f in failed)} has "
                        "no finite maximum-likelihood fit (separation), so its rows are null")
    return tuple(rows)


def _deviance(source: Sequence[np.ndarray], keep: list[int], y: np.ndarray, design: Design,
              null_deviance: float, label: str, failed: list[str]) -> float:
    """−2 log L of the logistic fit on the columns `keep` (the null model when none)."""
    from mlstats.stats.logistic import NoMaximum, _log_likelihood, newton_fit
    from mlstats.stats.regression import working_fit

    if not keep:
        return null_deviance
    sub = working_fit([source[j] for j in keep], y, intercept=design.intercept,
                      names=[design.terms[j] for j in keep])
    try:
        newton = newton_fit(sub, y)
    except NoMaximum:
        if label not in failed:
            failed.append(label)
        return math.nan
    return -2 * _log_likelihood(y, newton.eta)
