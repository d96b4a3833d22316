"""Logistic regression by maximum likelihood (Newton–Raphson, i.e. IRLS) on a binary outcome.

The design is built, centred and unit-scaled exactly as for least squares
(`mlstats.stats.regression`), which also checks it for constant and collinear columns and
gives the condition number and VIFs of the reported design.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from mlstats.errors import InputError
from mlstats.stats.design import Level, ModelTerms
from mlstats.stats.regression import (
    Coefficient,
    Design,
    GramRows,
    Vif,
    WorkingFit,
    build_design,
    check_cv,
    check_representable,
    check_rows,
    coefficient_rows,
    design_diagnostics,
    fold_context,
    hidden_extrapolation,
    kfold_indices,
    pooled_scores,
    standard_errors,
    with_scaling,
    working_fit,
)

if TYPE_CHECKING:
    from mlstats.stats.anova import DevianceRow

MAX_ITERATIONS = 50
# Newton stops when no working coefficient moves by more than this (relative): the step after
# that is below 1e-20 by quadratic convergence, so the estimates are exact to rounding.
_TOLERANCE = 1e-10
# Still iterating after this many steps with some |η| above _DIVERGED (a probability within
# 1e-13 of 0 or 1): the estimates are running off to infinity, i.e. quasi-separation.
_DIVERGING_AFTER = 15
_DIVERGED = 30.0
# Step-halvings tried before a step that lowers the likelihood is taken anyway (2⁻³⁰ ≈ 1e-9),
# the relative fall in log L that counts as one (below it, a sum's rounding noise), and the
# largest change of a linear predictor ηᵢ below which a Newton step cannot lower log L.
_HALVINGS = 30
_ROUNDING = 1e-9
_SAFE_MOVE = math.log(2)
# R's glm.fit warns when a fitted probability is within 10·ε of 0 or 1.
_EDGE = 10 * np.finfo(float).eps
_TRUE = ("1", "true", "yes", "y", "t")
_FALSE = ("0", "false", "no", "n", "f")


@dataclass(frozen=True, slots=True, kw_only=True)
class LogisticPrediction:
    """The fitted probability at one point and its confidence interval (Wald on the logit
    scale, transformed back, so that it stays inside [0, 1])."""

    name: str
    fit: float
    ci_low: float
    ci_high: float
    extrapolation: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class LogisticCoefficient(Coefficient):
    """A coefficient with its odds ratio e^θ and Wald interval e^(θ ± z·se), as R's
    exp(coef()) and exp(confint.default())."""

    odds_ratio: float
    or_ci_low: float
    or_ci_high: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Classification:
    """The rows classified by fitted probability above `threshold` against their outcome."""

    threshold: float
    tp: int
    fp: int
    fn: int
    tn: int
    accuracy: float


@dataclass(frozen=True, slots=True, kw_only=True)
class LogisticResult:
    model: str
    y: str
    x: tuple[str, ...]
    degree: int
    intercept: bool
    positive: str
    confidence: float
    n: int
    df_model: int
    df_resid: int
    log_likelihood: float
    ll_null: float
    pseudo_r2: float
    aic: float
    bic: float
    converged: bool
    iterations: int
    condition_number: float
    coefficients: tuple[LogisticCoefficient, ...]
    deviance: float
    null_deviance: float
    classification: Classification
    formula: str | None = None
    levels: tuple[Level, ...] = ()
    anova_type: int | None = None
    anova: tuple[DevianceRow, ...] = ()
    vif: tuple[Vif, ...] = ()
    predictions: tuple[LogisticPrediction, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class LogisticCvResult(LogisticResult):
    """A logistic result with K-fold cross-validation of the predicted probabilities."""

    cv_folds: int
    seed: int | None
    cv_r2: float
    cv_mse: float


@dataclass(frozen=True, slots=True)
class LogisticFit:
    """What `logistic` returns: the result, fitted probabilities and response residuals."""

    result: LogisticResult
    fitted: np.ndarray
    residuals: np.ndarray
    design: Design = field(repr=False)
    newton: NewtonFit = field(repr=False)

    def mean_at(self, points: Mapping[str, np.ndarray]) -> np.ndarray:
        """Fitted probabilities at new predictor values (arrays by --x name)."""
        return self.newton.probability(self.design.scaled_rows(points))


@dataclass(frozen=True, slots=True, kw_only=True)
class NewtonFit:
    """The maximum-likelihood fit in working coordinates: x = [1/√n, z], η = x'φ."""

    n: int
    intercept: bool
    phi: np.ndarray
    chol: np.ndarray  # lower Cholesky factor L of the information matrix X'WX = LLᵀ
    eta: np.ndarray
    converged: bool
    iterations: int

    def rows(self, z: np.ndarray) -> np.ndarray:
        if not self.intercept:
            return z
        return np.column_stack([np.full(z.shape[0], 1 / math.sqrt(self.n)), z])

    def linear(self, z: np.ndarray) -> np.ndarray:
        return self.rows(z) @ self.phi

    def probability(self, z: np.ndarray) -> np.ndarray:
        from scipy.special import expit

        return expit(self.linear(z))


def binary_outcome(values: np.ndarray, *, name: str,
                   positive: str | None = None) -> tuple[np.ndarray, str]:
    """Code a two-valued column as 0/1 and name the positive (1) label.

    Numbers 0/1, and true/false, yes/no (any case) need no `positive`; any other two labels
    need it. Labels are compared as text; a numeric column's values as numbers.
    """
    numeric = values.dtype != object
    if numeric:
        distinct = np.unique(values)
        shown = [number_text(v) for v in distinct]
    else:
        distinct = np.unique(values.astype(str))
        shown = [str(v) for v in distinct]
    index = positive_index(shown, [float(v) for v in distinct] if numeric else None,
                           name=name, positive=positive)
    if numeric:
        y = (values == distinct[index]).astype(np.float64)
    else:
        y = (values.astype(str) == distinct[index]).astype(np.float64)
    return y, shown[index]


def positive_index(shown: Sequence[str], numbers: Sequence[float] | None, *, name: str,
                   positive: str | None, count: int | None = None) -> int:
    """Which of a binary column's distinct values (`shown` sorted, as text; `numbers`, of a
    numeric column) is the positive one; `count` the number of distinct values when `shown`
    holds only the first few."""
    count = len(shown) if count is None else count
    if count < 2:
        value = shown[0] if shown else "nothing"
        raise InputError(f"--y '{name}' is constant (every value is {value}); logistic "
                         "regression needs both outcomes")
    if count > 2:
        listing = ", ".join(shown[:6]) + (", …" if count > 6 else "")
        raise InputError(f"--logistic needs a binary --y; '{name}' has {count} distinct "
                         f"values ({listing}); pick a two-valued column")
    if positive is None:
        lowered = [s.lower() for s in shown]
        truthy = [i for i, s in enumerate(lowered) if s in _TRUE]
        falsy = [i for i, s in enumerate(lowered) if s in _FALSE]
        if len(truthy) != 1 or len(falsy) != 1:
            raise InputError(f"--y '{name}' has the labels '{shown[0]}' and '{shown[1]}'; say "
                             f"which one is the positive outcome with --positive")
        return truthy[0]
    matches = [i for i, s in enumerate(shown) if s == positive or
               (numbers is not None and _as_number(positive) == numbers[i])]
    if not matches:
        raise InputError(f"--positive '{positive}' is not a value of --y '{name}'; its "
                         f"values are {shown[0]} and {shown[1]}")
    return matches[0]


def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def logistic(y: np.ndarray, predictors: Mapping[str, np.ndarray] | ModelTerms, *,
             y_name: str = "y", positive: str = "1", degree: int = 1, intercept: bool = True,
             confidence: float = 0.95,
             predict: Sequence[tuple[str, Mapping[str, float | str]]] = (),
             cv: int | None = None, seed: int | None = None, anova: int | None = None,
             progress: Callable[[int], None] | None = None) -> LogisticFit:
    """Logistic regression of a 0/1 outcome: P(y = 1) = 1/(1 + e^(−x'θ)), θ by maximum likelihood.

    Newton–Raphson on log L = Σ yᵢηᵢ − log(1 + e^ηᵢ): φ ← φ + (X'WX)⁻¹X'(y − p),
    W = diag(p(1 − p)), solved by Cholesky on the centred, unit-scaled design, started at
    the intercept-only fit, the step halved while it lowers log L (R's glm.fit).
    Cov(θ) = (X'WX)⁻¹ at the maximum; z = θ/se; Wald intervals.
    McFadden's pseudo R² = 1 − log L / log L₀ with L₀ the intercept-only likelihood;
    AIC = −2 log L + 2k, BIC = −2 log L + k·log n; deviance −2 log L, null deviance that of
    the intercept-only model (of η = 0 without an intercept, as R's glm); odds ratios e^θ
    with Wald intervals; the classification of each row by p̂ > 0.5.
    Perfect or quasi-perfect separation (no finite maximum: Newton finds coefficients that
    classify every row, or estimates that keep growing) is an input error naming the term
    that splits the outcomes on its own, or else the terms whose combination does.
    Reference: P. McCullagh & J. Nelder, Generalized Linear Models, 2nd ed. (1989), §4.4;
    A. Albert & J. Anderson (1984) on separation.
    Checked against: statsmodels 0.15.0 Logit (params, bse, llf, prsquared, aic, bic; its
    cov_params for the prediction intervals; one fit per training fold for --cv) and GLM
    (deviance, null_deviance) (tests/stats/test_regression.py, tests/stats/test_formula.py).
    """
    from scipy.special import expit

    from mlstats.stats.anova import check_anova_type, logistic_anova

    if not 0 < confidence < 1:
        raise InputError(f"--confidence must be between 0 and 1 (got {confidence:g})")
    check_anova_type(anova)
    y = np.asarray(y, dtype=np.float64)
    if not isinstance(predictors, ModelTerms):
        predictors = {k: np.asarray(v, dtype=np.float64) for k, v in predictors.items()}
    design, columns = build_design(predictors, degree=degree, intercept=intercept)
    intercept = design.intercept
    n = y.size
    check_rows(n, design)
    check_cv(cv, n, design, seed)
    if not np.all((y == 0) | (y == 1)):
        raise InputError(f"--y '{y_name}' must be coded 0/1 for logistic regression")
    if np.ptp(y) == 0:
        raise InputError(f"--y '{y_name}' has only one outcome in the rows used; logistic "
                         "regression needs both")
    ols = working_fit(columns, y, intercept=intercept, names=design.terms,
                      ranges=design.ranges if design.plain else None, degree=degree)
    design = with_scaling(design, ols)
    newton = fit_or_explain(ols, y, columns, design, y_name, positive)
    p = expit(newton.eta)
    warnings: list[str] = []
    fields = logistic_fields(design, ols, newton, log_likelihood=_log_likelihood(y, newton.eta),
                             mean=float(y.mean()), classification=_classify(y, p),
                             edge=int(np.count_nonzero((p < _EDGE) | (p > 1 - _EDGE))),
                             y_name=y_name, positive=positive, degree=degree,
                             confidence=confidence, predict=predict, warnings=warnings)
    if anova is not None:
        fields["anova"] = logistic_anova(columns, y, design, kind=anova,
                                         deviance=fields["deviance"],
                                         null_deviance=fields["null_deviance"],
                                         warnings=warnings)
    fields["anova_type"] = anova
    if cv is not None:
        cv_r2, cv_mse = _cross_validate(columns, y, design, cv, seed, progress,
                                        y_name=y_name, positive=positive)
        result: LogisticResult = LogisticCvResult(**fields, cv_folds=cv, seed=seed, cv_r2=cv_r2,
                                                  cv_mse=cv_mse, warnings=tuple(warnings))
    else:
        result = LogisticResult(**fields, warnings=tuple(warnings))
    return LogisticFit(result=result, fitted=p, residuals=y - p, design=design, newton=newton)


def logistic_fields(design: Design, ols: WorkingFit, newton: NewtonFit, *,
                    log_likelihood: float, mean: float, classification: Classification,
                    edge: int, y_name: str, positive: str, degree: int, confidence: float,
                    predict: Sequence[tuple[str, Mapping[str, float | str]]],
                    warnings: list[str], top_leverage: float | None = None) -> dict:
    """The result's fields (but the ANOVA table and cross-validation) from the fit at the
    maximum: the one finish of the local engine (from arrays) and of an engine's aggregate
    passes (`newton_by_passes`). `log_likelihood`, `classification` and `edge` (the rows with
    p̂ within 10ε of 0 or 1) are of the rows at the maximum, `mean` ȳ; `top_leverage` the
    largest leverage of the working design's rows, when `ols` holds no rows."""
    from scipy.special import ndtri

    n, k, intercept = ols.n, design.k, design.intercept
    if not newton.converged:
        warnings.append(f"the fit did not converge in {MAX_ITERATIONS} iterations: the "
                        "estimates are not the maximum-likelihood ones")
    if edge:
        warnings.append("fitted probabilities numerically 0 or 1 occurred (as R's glm warns): "
                        "a predictor nearly separates the outcomes")
    ll_null = n * (mean * math.log(mean) + (1 - mean) * math.log(1 - mean))
    rows = design.to_reported @ _working_map(ols) @ _inverse_lower(newton.chol).T
    estimates = design.to_reported @ (_working_map(ols) @ newton.phi)
    std_errors = standard_errors(rows, None)
    check_representable(design.names, estimates, std_errors)
    z_quantile = float(ndtri(0.5 + confidence / 2))
    coefficients = _with_odds(coefficient_rows(design.names, estimates, std_errors, None,
                                               z_quantile))
    condition, vifs = design_diagnostics(design, ols, warnings)
    predictions = tuple(_prediction(name, point, design, newton, z_quantile)
                        for name, point in predict)
    if predictions and design.degree == 1 and len(design.base) > 1:
        predictions = hidden_extrapolation(predictions, predict, design, ols, top_leverage)
    deviance = -2 * log_likelihood
    null_deviance = -2 * ll_null if intercept else 2 * n * math.log(2)
    return dict(
        model="logistic", y=y_name, x=design.base, degree=degree, intercept=intercept,
        positive=positive, confidence=confidence, n=n, df_model=k - int(intercept),
        df_resid=n - k, log_likelihood=log_likelihood, ll_null=ll_null,
        pseudo_r2=1 - log_likelihood / ll_null, aic=-2 * log_likelihood + 2 * k,
        bic=-2 * log_likelihood + math.log(n) * k, converged=newton.converged,
        iterations=newton.iterations, condition_number=condition, coefficients=coefficients,
        deviance=deviance, null_deviance=null_deviance, classification=classification,
        formula=design.formula, levels=design.levels, vif=vifs, predictions=predictions,
    )


def _with_odds(rows: Sequence[Coefficient]) -> tuple[LogisticCoefficient, ...]:
    """Each coefficient with e^θ and its interval (e^ci_low, e^ci_high); inf is null."""
    with np.errstate(over="ignore"):
        return tuple(LogisticCoefficient(
            name=c.name, estimate=c.estimate, std_error=c.std_error, statistic=c.statistic,
            p_value=c.p_value, ci_low=c.ci_low, ci_high=c.ci_high,
            odds_ratio=float(np.exp(c.estimate)), or_ci_low=float(np.exp(c.ci_low)),
            or_ci_high=float(np.exp(c.ci_high))) for c in rows)


def _classify(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> Classification:
    """Counts of rows by outcome and by p̂ > threshold (a tie at 0.5 counts as negative,
    as scikit-learn's predict: η > 0)."""
    predicted = p > threshold
    actual = y == 1
    tp = int(np.count_nonzero(predicted & actual))
    fp = int(np.count_nonzero(predicted & ~actual))
    fn = int(np.count_nonzero(~predicted & actual))
    tn = y.size - tp - fp - fn
    return Classification(threshold=threshold, tp=tp, fp=fp, fn=fn, tn=tn,
                          accuracy=(tp + tn) / y.size)


def _log_likelihood(y: np.ndarray, eta: np.ndarray) -> float:
    """Σ yη − log(1 + e^η), with log(1 + e^η) = max(η, 0) + log1p(e^(−|η|)) (no overflow;
    the same value as logaddexp(0, η), in a quarter of the time)."""
    softplus = np.log1p(np.exp(-np.abs(eta)))
    softplus += np.maximum(eta, 0)
    return float(y @ eta - softplus.sum())


def _working_map(fit: WorkingFit) -> np.ndarray:
    """L with θ_T = L·φ: intercept φ₀/√n − t̄'S⁻¹φ_s, slopes S⁻¹φ_s."""
    inverse_scale = np.diag(1 / fit.scale)
    if not fit.intercept:
        return inverse_scale
    p = fit.scale.size
    mapping = np.zeros((p + 1, p + 1))
    mapping[0, 0] = 1 / math.sqrt(fit.n)
    mapping[0, 1:] = -fit.offset / fit.scale
    mapping[1:, 1:] = inverse_scale
    return mapping


def _inverse_lower(chol: np.ndarray) -> np.ndarray:
    from scipy.linalg import solve_triangular

    return solve_triangular(chol, np.eye(chol.shape[0]), lower=True)


class NoMaximum(Exception):
    """Newton found separated data: the likelihood has no finite maximum.

    `direction` is the working-coefficient vector (or last step) that carries the divergence.
    """

    def __init__(self, direction: np.ndarray, *, complete: bool) -> None:
        super().__init__("separation")
        self.direction = direction
        self.complete = complete


def fit_or_explain(ols: WorkingFit, y: np.ndarray, columns: Sequence[np.ndarray],
                   design: Design, y_name: str, positive: str) -> NewtonFit:
    """Newton's fit; on separation, an InputError naming the term that splits the outcomes
    on its own, or else the terms whose combination does."""
    try:
        return newton_fit(ols, y)
    except NoMaximum as found:
        _check_single_separation(columns, y, design, y_name, positive)
        raise InputError(_separation_message(design.terms, found.direction, design.intercept,
                                             complete=found.complete)) from None


def newton_fit(ols: WorkingFit, y: np.ndarray) -> NewtonFit:
    """Maximise the log-likelihood in the working coordinates x = [1/√n, z] (z from `ols`).

    The information matrix of the last iteration is kept for the covariance: the final step
    moved no coefficient by more than 1e-10 (relative), so it is the information at the
    maximum to that precision. A step that would lower the likelihood is halved (up to 30
    times); convergence is judged on the full Newton step. Raises NoMaximum when some
    coefficients classify every row (complete separation), or when the estimates keep growing
    with fitted probabilities at 0 or 1 (quasi-complete separation).
    """
    from scipy.linalg import cho_factor, cho_solve
    from scipy.special import expit

    n = y.size
    x = ols.z if not ols.intercept else _with_constant(ols.z)
    k = x.shape[1]
    positive = y == 1
    phi = np.zeros(k)
    log_likelihood: float | None = None  # at phi, when known
    if ols.intercept:
        # The intercept-only fit (η = logit ȳ, the columns being centred), or better the
        # linear-probability slopes b/(ȳ(1 − ȳ)), which approximate the logistic ones near
        # the mean (Amemiya 1981) and save a Newton step, when their likelihood is higher.
        mean = float(y.mean())
        phi[0] = math.sqrt(n) * math.log(mean / (1 - mean))
        guess = np.concatenate([phi[:1], ols.g / (mean * (1 - mean))])
        null = n * (mean * math.log(mean) + (1 - mean) * math.log(1 - mean))
        guessed = _log_likelihood(y, x @ guess)
        phi, log_likelihood = (guess, guessed) if guessed > null else (phi, null)
    converged, iterations = False, 0
    step = np.zeros(k)
    chol = np.eye(k)
    eta = x @ phi
    for iterations in range(1, MAX_ITERATIONS + 1):
        if np.array_equal(eta > 0, positive):
            raise NoMaximum(phi, complete=True)
        if iterations > _DIVERGING_AFTER and np.max(np.abs(eta)) > _DIVERGED:
            raise NoMaximum(step, complete=False)
        p = expit(eta)
        gradient = x.T @ (y - p)
        information = x.T @ (x * (p * (1 - p))[:, None])
        try:
            factor = cho_factor(information, lower=True)
        except np.linalg.LinAlgError:
            raise NoMaximum(step, complete=False) from None
        step = cho_solve(factor, gradient)
        chol = np.tril(factor[0])
        converged = bool(np.max(np.abs(step) / np.maximum(1.0, np.abs(phi + step)))
                         < _TOLERANCE)
        trial = x @ (phi + step)
        # A full step can overshoot and cycle (a far outlier in x): halve it while the
        # likelihood falls by more than rounding, as R's glm.fit does when the deviance rises.
        # A step that moves every ηᵢ by less than R = log 2 cannot overshoot, so log L is not
        # evaluated: along it each weight pᵢ(1 − pᵢ) changes by a factor below e^R = 2, so
        # log L rises by at least λ²(1 − e^R/2) > 0, λ² = g'H⁻¹g (F. Bach, Electron. J. Stat.
        # 4 (2010), generalized self-concordance).
        if not converged and float(np.max(np.abs(trial - eta))) >= _SAFE_MOVE:
            if log_likelihood is None:
                log_likelihood = _log_likelihood(y, eta)
            floor = log_likelihood - _ROUNDING * (1 + abs(log_likelihood))
            trial_ll = _log_likelihood(y, trial)
            halvings = 0
            while trial_ll < floor and halvings < _HALVINGS:
                step, halvings = step / 2, halvings + 1
                trial = x @ (phi + step)
                trial_ll = _log_likelihood(y, trial)
            log_likelihood = trial_ll
        else:
            log_likelihood = None
        phi, eta = phi + step, trial
        if converged:
            break
    if not converged and np.max(np.abs(eta)) > _DIVERGED:
        raise NoMaximum(step, complete=False)
    return NewtonFit(n=n, intercept=ols.intercept, phi=phi, chol=chol, eta=eta,
                     converged=converged, iterations=iterations)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewtonPass:
    """The aggregates of one pass over the rows at working coefficients φ (x = [1/√n, z],
    η = x'φ, p = 1/(1 + e^−η)): log L = Σ yη − log(1 + e^η), the gradient Σx(y − p), the
    information Σxx'p(1 − p), the rows with (η > 0) ≠ (y = 1) (none: φ separates the
    outcomes), max |η|, the classification by p > 0.5 and the rows with p within 10ε of 0
    or 1."""

    log_likelihood: float
    gradient: np.ndarray
    information: np.ndarray
    misclassified: int
    top_eta: float
    classification: Classification
    edge: int


def newton_by_passes(evaluate: Callable[[np.ndarray], NewtonPass], ols: WorkingFit,
                     mean: float) -> tuple[NewtonFit, NewtonPass]:
    """`newton_fit` where an engine holds the rows: one aggregate pass (`evaluate`) per
    iteration, at the new coefficients, whose log-likelihood also decides a step-halving
    (`newton_fit` skips that test for a step that cannot lower log L; here it is free).
    The same start, steps, stopping rule and separation checks, so the same estimates to
    rounding. Returns the fit (without rows: `eta` empty) and the pass at the maximum."""
    from scipy.linalg import cho_factor, cho_solve

    n, p = ols.n, ols.g.size
    k = p + int(ols.intercept)
    phi = np.zeros(k)
    if ols.intercept:
        phi[0] = math.sqrt(n) * math.log(mean / (1 - mean))
        guess = np.concatenate([phi[:1], ols.g / (mean * (1 - mean))])
        null = n * (mean * math.log(mean) + (1 - mean) * math.log(1 - mean))
        at = evaluate(guess)
        phi, current = (guess, at) if at.log_likelihood > null else (phi, evaluate(phi))
    else:
        current = evaluate(phi)
    converged, iterations = False, 0
    step = np.zeros(k)
    chol = np.eye(k)
    for iterations in range(1, MAX_ITERATIONS + 1):
        if current.misclassified == 0:
            raise NoMaximum(phi, complete=True)
        if iterations > _DIVERGING_AFTER and current.top_eta > _DIVERGED:
            raise NoMaximum(step, complete=False)
        try:
            factor = cho_factor(current.information, lower=True)
        except np.linalg.LinAlgError:
            raise NoMaximum(step, complete=False) from None
        step = cho_solve(factor, current.gradient)
        chol = np.tril(factor[0])
        converged = bool(np.max(np.abs(step) / np.maximum(1.0, np.abs(phi + step)))
                         < _TOLERANCE)
        trial = evaluate(phi + step)
        if not converged:
            floor = current.log_likelihood - _ROUNDING * (1 + abs(current.log_likelihood))
            halvings = 0
            while trial.log_likelihood < floor and halvings < _HALVINGS:
                step, halvings = step / 2, halvings + 1
                trial = evaluate(phi + step)
        phi, current = phi + step, trial
        if converged:
            break
    if not converged and current.top_eta > _DIVERGED:
        raise NoMaximum(step, complete=False)
    return NewtonFit(n=n, intercept=ols.intercept, phi=phi, chol=chol, eta=np.empty(0),
                     converged=converged, iterations=iterations), current


def logistic_by_aggregates(rows: GramRows, design: Design, shift: np.ndarray, *,
                           mean: float, y_name: str, positive: str, degree: int,
                           confidence: float,
                           predict: Sequence[tuple[str, Mapping[str, float | str]]]
                           ) -> LogisticResult:
    """The `logistic` result where an engine holds the rows, from its aggregates: the working
    least-squares fit from Gram matrices (`fit_by_grams`, y the 0/1 outcome, `shift` near the
    means of T and y), Newton by one pass per iteration (`newton_by_passes`; `rows` also
    has `newton_pass`, `top_leverage` and `extremes`), and the same finish
    (`logistic_fields`): the same numbers to rounding, memory bounded by the number of
    terms. `mean` is ȳ, the share of positive rows."""
    from mlstats.stats.regression import fit_by_grams

    if not 0 < confidence < 1:
        raise InputError(f"--confidence must be between 0 and 1 (got {confidence:g})")
    ols, _, _ = fit_by_grams(rows, shift, p=len(design.terms), intercept=design.intercept,
                             names=design.terms, degree=degree, weighted=False)
    design = with_scaling(design, ols)
    try:
        newton, last = newton_by_passes(lambda phi: rows.newton_pass(ols, phi), ols, mean)
    except NoMaximum as found:
        single_separation(design, rows.extremes(design), y_name, positive)
        raise InputError(_separation_message(design.terms, found.direction, design.intercept,
                                             complete=found.complete)) from None
    top = (rows.top_leverage(ols) if predict and design.degree == 1 and len(design.base) > 1
           else None)
    warnings: list[str] = []
    fields = logistic_fields(design, ols, newton, log_likelihood=last.log_likelihood,
                             mean=mean, classification=last.classification, edge=last.edge,
                             y_name=y_name, positive=positive, degree=degree,
                             confidence=confidence, predict=predict, warnings=warnings,
                             top_leverage=top)
    return LogisticResult(**fields, warnings=tuple(warnings))


def _with_constant(z: np.ndarray) -> np.ndarray:
    n, p = z.shape
    x = np.empty((n, p + 1), order="F")
    x[:, 0] = 1 / math.sqrt(n)
    x[:, 1:] = z
    return x


def _separation_message(names: Sequence[str], direction: np.ndarray, intercept: bool, *,
                        complete: bool) -> str:
    """Name the terms that carry the separating (or diverging) direction."""
    slopes = np.abs(direction[1:] if intercept else direction)
    top = slopes.max() if slopes.size else 0.0
    involved = [names[i] for i in np.flatnonzero(slopes >= 0.1 * top)] if top > 0 else names
    listing = ", ".join(f"'{v}'" for v in involved)
    if complete:
        return (f"perfect separation: a combination of {listing} classifies every row "
                "correctly, so the maximum-likelihood estimates do not exist; drop or combine "
                "those predictors")
    return (f"quasi-perfect separation: the estimates for {listing} grow without bound (a "
            "combination of them splits the outcomes apart from ties), so the "
            "maximum-likelihood estimates do not exist; drop or combine those predictors")


def _check_single_separation(columns: Sequence[np.ndarray], y: np.ndarray, design: Design,
                             y_name: str, positive: str) -> None:
    """A term on its own splitting the outcomes (at a threshold, or at 0 without an
    intercept) makes the estimates infinite: name it and where it splits.

    Separation exists when some b ≠ 0 has b'xᵢ ≥ 0 for every positive row and ≤ 0 for every
    negative one (Albert & Anderson 1984); b = (−t, e_j) is such a vector when term j puts
    every negative row at or below t and every positive row at or above it.
    """
    ones = y == 1
    extremes = [((column[ones].max(), column[ones].min()),
                 (column[~ones].max(), column[~ones].min()))
                for column in design.reported_columns(columns)]
    single_separation(design, extremes, y_name, positive)


def single_separation(design: Design,
                      extremes: Sequence[tuple[tuple[float, float], tuple[float, float]]],
                      y_name: str, positive: str) -> None:
    """`_check_single_separation` from each reported term's (max, min) over the positive
    rows and over the negative ones."""
    for name, (pos, neg) in zip(design.terms, extremes, strict=True):
        for low, high, sign in ((neg, pos, 1), (pos, neg, -1)):
            top, bottom = float(low[0]), float(high[1])
            cut_ok = top <= bottom if design.intercept else top <= 0 <= bottom
            if not cut_ok:
                continue
            strict = top < bottom if design.intercept else top < 0 < bottom
            kind = "perfect" if strict else "quasi-perfect"
            low_side, high_side = ("negative", f"positive ({y_name} = {positive})")[::sign]
            cut, above = f"{top:.15g}", f"{bottom:.15g}"  # enough digits to tell them apart
            if top == bottom:  # both outcomes at the cut itself: only the rows beside it split
                split = (f"every row with {name} < {cut} is {low_side}, every row with "
                         f"{name} > {cut} is {high_side}; rows with {name} = {cut} have both "
                         "outcomes")
            else:
                split = (f"every row with {name} <= {cut} is {low_side}, every row with "
                         f"{name} >= {above} is {high_side}")
            raise InputError(
                f"{kind} separation: '{name}' splits --y '{y_name}' ({split}), so the "
                f"maximum-likelihood estimates do not exist; drop '{name}' or collect more "
                "varied data"
            )


def _prediction(name: str, point: Mapping[str, float], design: Design, newton: NewtonFit,
                quantile: float) -> LogisticPrediction:
    from scipy.linalg import solve_triangular
    from scipy.special import expit

    z0 = design.scaled_rows({b: np.array([point[b]]) for b in design.base})
    row = newton.rows(z0)[0]
    eta = float(row @ newton.phi)
    se = float(np.linalg.norm(solve_triangular(newton.chol, row, lower=True)))
    outside = design.outside(point)
    return LogisticPrediction(name=name, fit=float(expit(eta)),
                              ci_low=float(expit(eta - quantile * se)),
                              ci_high=float(expit(eta + quantile * se)), extrapolation=outside)


def _cross_validate(columns: Sequence[np.ndarray], y: np.ndarray, design: Design, folds: int,
                    seed: int | None, progress: Callable[[int], None] | None, *,
                    y_name: str, positive: str) -> tuple[float, float]:
    """Out-of-fold probabilities p̂: cv_mse = mean (y − p̂)² (the Brier score),
    cv_r2 = 1 − Σ(y − p̂)²/Σ(y − ȳ)² (Efron's R²), as r2_score of cross_val_predict."""
    n = y.size
    predicted = np.empty(n)
    for number, test in enumerate(kfold_indices(n, folds, seed), start=1):
        train = np.ones(n, dtype=bool)
        train[test] = False
        with fold_context(folds, number):
            part_y = y[train]
            if np.ptp(part_y) == 0:
                raise InputError("--y has only one outcome")
            part_columns = [c[train] for c in columns]
            part = working_fit(part_columns, part_y, intercept=design.intercept,
                               names=design.terms, degree=design.degree)
            newton = fit_or_explain(part, part_y, part_columns, design, y_name, positive)
        rows = part.rows(np.column_stack([c[test] for c in columns]))
        predicted[test] = newton.probability(rows)
        if progress is not None:
            progress(1)
    return pooled_scores(y, predicted)
