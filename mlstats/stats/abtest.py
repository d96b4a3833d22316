"""A/B tests: did a variant beat the control?

The work is split in two, so that raw rows, `--counts`, `--means` and every engine share every
formula (the summaries are those of `mlstats.stats.summaries`):
a *summary* per group (`Counts` for a two-valued metric, `Moments` (n, mean, M2) for a
continuous one; both merge exactly), and a *finish* step that turns two summaries into a
difference, its interval, the lift and its interval, a statistic and a p-value. Rank and
permutation tests need the rows themselves for a continuous metric; for a two-valued metric
the counts are enough (ties and the permutation distribution follow from them).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from statistics import NormalDist

import numpy as np

from mlstats.errors import InputError
from mlstats.stats.bayesian import (
    BayesianReading,
    beta_chance_to_win,
    check_prior,
    gaussian_reading,
)
from mlstats.stats.multiple import CORRECTIONS, adjust_pvalues
from mlstats.stats.sequential import check_tuning, confidence_sequence, sequential_p_value
from mlstats.stats.summaries import (
    CoMoments,
    Counts,
    Moments,
    group_comoments,
    group_counts,
    group_moments,
)
from mlstats.stats.tdist import normal_tail, t_tail, t_upper_quantile

__all__ = ["ABTestResult", "CoMoments", "Counts", "Moments", "ab_test_rows",
           "ab_test_summaries", "group_counts", "group_moments"]

TESTS = ("auto", "z", "chi2", "fisher", "welch", "student", "mannwhitney", "permutation")
PROPORTION_TESTS = ("z", "chi2", "fisher")
ALTERNATIVES = ("two-sided", "larger", "smaller")
CI_METHODS = ("wald", "newcombe", "agresti-caffo")
SRM_THRESHOLD = 0.001
_TINY = math.ulp(0.0)  # the smallest positive float, a floor for α/2
_EXACT_MAX_ROWS = 2**53  # counts beyond this are not exact in the float64 of SciPy's hypergeom
_HYPERGEOMETRIC_MAX = 10**9  # NumPy's Generator.hypergeometric: ngood, nbad below this
_BATCH_ELEMENTS = 1 << 22  # keys held per permutation batch (16 MB of uint32)
_LUT_MAX_ROWS = 1 << 17  # byte lookup table of 256·n float64 (32 MB) up to this many rows
_SUCCESS = {"true": True, "false": False, "yes": True, "no": False}

Progress = Callable[[int], None]


# -- summaries (mlstats.stats.summaries) --------------------------------------------------------
def two_valued_labels(labels: Sequence[str | None]) -> np.ndarray | None:
    """For text labels all spelled true/false or yes/no (any case): success per label."""
    words = [str(lab).strip().lower() for lab in labels if lab is not None]
    if not words or not all(w in _SUCCESS for w in words):
        return None
    if {"true", "false"} & set(words) and {"yes", "no"} & set(words):
        return None
    return np.array([_SUCCESS[str(lab).strip().lower()] if lab is not None else False
                     for lab in labels], dtype=bool)


def is_two_valued(values: np.ndarray) -> bool:
    """Whether every value is 0 or 1 (a proportion metric)."""
    return bool(values.size) and not np.any((values != 0) & (values != 1))


# -- parsing summary-only input -------------------------------------------------------------
_WHOLE = re.compile(r"^\s*\d+\s*$")


def _split_groups(texts: Sequence[str]) -> list[str]:
    """Repeated values, each of which may hold several groups separated by commas."""
    return [part.strip() for text in texts for part in text.split(",") if part.strip()]


def parse_counts(texts: Sequence[str]) -> tuple[Counts, ...]:
    """`--counts NAME=SUCCESSES/TOTAL` values (repeatable, or comma-separated in one value)
    as group counts."""
    found = []
    for text in _split_groups(texts):
        hint = "write NAME=SUCCESSES/TOTAL, e.g. A=120/1000"
        name, eq, rest = text.rpartition("=")
        parts = rest.split("/")
        if not eq or not name.strip() or len(parts) != 2:
            raise InputError(f"--counts '{text}' is malformed; {hint}")
        for part in parts:
            if not _WHOLE.match(part):
                raise InputError(f"--counts '{text}': '{part}' is not a whole number; {hint}")
        successes, total = int(parts[0]), int(parts[1])
        if total < 1:
            raise InputError(f"--counts '{text}': the group size must be at least 1; {hint}")
        if successes > total:
            raise InputError(f"--counts '{text}': successes ({successes}) exceed the group "
                             f"size ({total}); {hint}")
        found.append(Counts(name.strip(), total, successes))
    _unique_names([c.name for c in found], "--counts")
    return tuple(found)


def parse_means(texts: Sequence[str]) -> tuple[Moments, ...]:
    """`--means NAME=N/MEAN/STD` values (repeatable, or comma-separated in one value) as
    group moments, M2 = (n − 1)·std²."""
    found = []
    for text in _split_groups(texts):
        hint = "write NAME=N/MEAN/STD, e.g. A=500/12.5/3.2"
        name, eq, rest = text.rpartition("=")
        parts = rest.split("/")
        if not eq or not name.strip() or len(parts) != 3:
            raise InputError(f"--means '{text}' is malformed; {hint}")
        if not _WHOLE.match(parts[0]):
            raise InputError(f"--means '{text}': '{parts[0]}' is not a whole number; {hint}")
        try:
            mean, std = float(parts[1]), float(parts[2])
        except ValueError:
            raise InputError(f"--means '{text}': mean and std must be numbers; {hint}") from None
        n = int(parts[0])
        if not (math.isfinite(mean) and math.isfinite(std)) or std < 0:
            raise InputError(f"--means '{text}': mean must be finite and std finite and "
                             f"not negative; {hint}")
        if n < 2:
            raise InputError(f"--means '{text}': a group needs at least 2 rows (got {n}); "
                             f"{hint}")
        m2 = (n - 1) * std * std
        if std > 0 and not sys.float_info.min <= m2 <= sys.float_info.max:
            raise InputError(f"--means '{text}': (n − 1)·std² is out of floating-point range; "
                             "give the metric in other units (e.g. thousands or millionths)")
        found.append(Moments(name.strip(), n, mean, m2))
    _unique_names([m.name for m in found], "--means")
    return tuple(found)


def parse_ratio(text: str) -> tuple[float, ...]:
    """`--expected-ratio 50:25:25` as its parts (positive numbers)."""
    parts = text.split(":")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise InputError(f"--expected-ratio '{text}' must be numbers separated by ':', "
                         "e.g. 50:50 or 50:25:25") from None
    if len(values) < 2 or not all(math.isfinite(v) and v > 0 for v in values):
        raise InputError(f"--expected-ratio '{text}' needs two or more positive parts, "
                         "e.g. 50:50 or 50:25:25")
    return values


def _unique_names(names: list[str], option: str) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise InputError(f"group '{name}' is given twice in {option}; name each group once")
        seen.add(name)


# -- results ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class MeanGroup:
    name: str
    n: int
    mean: float
    std: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ProportionGroup:
    name: str
    n: int
    successes: int
    mean: float
    std: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RatioGroup:
    """A ratio metric in one group: Σ numerator / Σ denominator over its n units; `mean` is
    the ratio and `std` its per-unit delta-method standard deviation (√(n)·se)."""

    name: str
    n: int
    numerator: float
    denominator: float
    ratio: float
    mean: float
    std: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SequentialReading:
    """Always-valid inference for one comparison: confidence sequences for diff and lift."""

    cs_low: float
    cs_high: float
    lift_cs_low: float
    lift_cs_high: float
    p_value_sequential: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    """One variant against the control; `diff` = variant − control, `lift` = diff / control.

    `sequential` and `bayesian` hold the optional readings; the record lays their keys
    beside the others.
    """

    name: str
    control: str
    diff: float
    ci_low: float
    ci_high: float
    lift: float
    lift_ci_low: float
    lift_ci_high: float
    statistic: float
    p_value: float
    p_adjusted: float
    significant: bool | None
    sequential: SequentialReading | None = None
    bayesian: BayesianReading | None = None

    def as_record(self) -> dict:
        record = {key: getattr(self, key) for key in _COMPARISON_KEYS}
        for reading in (self.sequential, self.bayesian):
            if reading is not None:
                record.update({f.name: getattr(reading, f.name) for f in fields(reading)
                               if getattr(reading, f.name) is not None})
        return record


_COMPARISON_KEYS = ("name", "control", "diff", "ci_low", "ci_high", "lift", "lift_ci_low",
                    "lift_ci_high", "statistic", "p_value", "p_adjusted", "significant")


@dataclass(frozen=True, slots=True, kw_only=True)
class Unadjusted:
    """The comparisons on the metric itself, beside the CUPED-adjusted ones."""

    comparisons: tuple[Comparison, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ABTestResult:
    """Every comparison of a variant with the control; optional parts are None when not asked.

    `as_record` gives the SPEC's keys: with one comparison its fields are also top-level,
    and the optional parts appear only when they apply. `control_rule` (how the control was
    chosen) and `test_names` serve the summary sentence only.
    """

    test: str
    alternative: str
    alpha: float
    control: str
    correction: str
    family_size: int
    groups: tuple[ProportionGroup, ...] | tuple[MeanGroup, ...] | tuple[RatioGroup, ...]
    comparisons: tuple[Comparison, ...]
    ci_method: str | None = None
    resamples: int | None = None
    expected_ratio: str | None = None
    srm_p_value: float | None = None
    theta: float | None = None
    variance_reduction: float | None = None
    unadjusted: Unadjusted | None = None
    sequential_tuning: float | None = None
    bayesian: bool = False
    prior_mean: float | None = None
    prior_std: float | None = None
    units: int | None = None
    control_rule: str = "first"
    warnings: tuple[str, ...] = ()

    def as_record(self) -> dict:
        record: dict = {"test": self.test, "alternative": self.alternative, "alpha": self.alpha}
        if self.ci_method is not None:
            record["ci_method"] = self.ci_method
        record.update(correction=self.correction, family_size=self.family_size,
                      control=self.control)
        comparisons = [c.as_record() for c in self.comparisons]
        if len(comparisons) == 1:
            record.update({k: v for k, v in comparisons[0].items()
                           if k not in ("name", "control")})
        for key in ("resamples", "expected_ratio", "srm_p_value", "theta",
                    "variance_reduction", "sequential_tuning", "prior_mean", "prior_std",
                    "units"):
            if getattr(self, key) is not None:
                record[key] = getattr(self, key)
        record.update(groups=self.groups, comparisons=comparisons)
        if self.unadjusted is not None:
            record["unadjusted"] = {"comparisons": [c.as_record()
                                                    for c in self.unadjusted.comparisons]}
        record["warnings"] = self.warnings
        return record


# -- entry points ------------------------------------------------------------------------------
def ab_test_rows(codes: np.ndarray, labels: Sequence[str], metric: np.ndarray, *,
                 binary: bool, covariate: np.ndarray | None = None,
                 denominator: np.ndarray | None = None,
                 covariate_denominator: np.ndarray | None = None,
                 unit: np.ndarray | None = None, unit_labels: Sequence[str] | None = None,
                 control: str | None = None, test: str = "auto",
                 alternative: str = "two-sided", alpha: float = 0.05, ci_method: str = "wald",
                 correction: str = "holm", expected_ratio: str | None = None,
                 resamples: int = 9999, seed: int | None = None, sequential: bool = False,
                 sequential_tuning: float = 5000, bayesian: bool = False,
                 prior_mean: float | None = None, prior_std: float | None = None,
                 progress: Progress | None = None) -> ABTestResult:
    """A/B test from rows: `codes` (0-based, into `labels`, groups in order of appearance)
    and the metric (0/1 when `binary`), optionally CUPED-adjusted by `covariate`, as a ratio
    metric over `denominator`, and summed per `unit` first (`unit` codes into `unit_labels`).

    CUPED: θ = cov(y, x)/var(x) over all rows, y′ = y − θ(x − x̄) is tested in place of y,
    variance_reduction = 1 − var(y′)/var(y); with a covariate every metric is analysed as a
    mean (Welch interval), and `unadjusted` holds the same comparisons on y. The lift of
    adjusted values is diff′/ȳ_c with the control's raw mean (GrowthBook's definition).
    Reference: Deng, Xu, Kohavi & Walker (2013), "Improving the sensitivity of online
    controlled experiments by utilizing pre-experiment data", WSDM.
    Checked against: statsmodels OLS of y on group and the centred covariate, a hand
    computation, gbstats 0.8.0 (tests/stats/test_abtest.py).
    """
    options = _Options.make(test=test, alternative=alternative, alpha=alpha,
                            ci_method=ci_method, correction=correction, resamples=resamples,
                            seed=seed, sequential=sequential,
                            sequential_tuning=sequential_tuning, bayesian=bayesian,
                            prior_mean=prior_mean, prior_std=prior_std)
    metric = np.asarray(metric, dtype=np.float64)
    codes = np.asarray(codes, dtype=np.intp)
    ratio = _ratio_for(expected_ratio, labels)
    units = None
    if unit is not None:
        codes, (metric, denominator, covariate, covariate_denominator) = aggregate_units(
            np.asarray(unit, dtype=np.intp), codes,
            (metric, denominator, covariate, covariate_denominator),
            unit_labels=unit_labels, labels=labels)
        units = int(codes.size)
        binary = binary and is_two_valued(metric)
    if denominator is not None:
        return _ratio_test(codes, labels, metric, np.asarray(denominator, dtype=np.float64),
                           covariate, covariate_denominator, options=options, control=control,
                           ratio=ratio, expected_ratio=expected_ratio, units=units)
    if covariate_denominator is not None:
        raise InputError("--covariate-denominator applies to ratio metrics: give "
                         "--denominator too, or drop it")
    if binary and covariate is None:
        return ab_test_groups(labels, group_counts(codes, labels, metric), options=options,
                              control=control, ratio=ratio, expected_ratio=expected_ratio,
                              units=units, progress=progress)
    scale = _scale_of(metric)
    metric = metric / scale if scale != 1.0 else metric
    if covariate is None:
        return ab_test_groups(labels, group_moments(codes, labels, metric), options=options,
                              control=control, ratio=ratio, expected_ratio=expected_ratio,
                              units=units, progress=progress, scale=scale,
                              samples=_row_samples(codes, metric))
    covariate = np.asarray(covariate, dtype=np.float64)
    x_scale = _scale_of(covariate)
    x = covariate / x_scale

    def samples(theta: float | None, x_bar: float) -> Samples:
        values = metric if theta is None else metric - theta * (x - x_bar)
        return _row_samples(codes, values)

    return ab_test_groups(labels, group_comoments(codes, labels, [metric, x]), options=options,
                          control=control, ratio=ratio, expected_ratio=expected_ratio,
                          units=units, progress=progress, scale=scale, x_scale=x_scale,
                          x_range=(float(np.min(x)), float(np.max(x))), samples=samples,
                          binary=binary)


def check_options(*, control: str | None = None, expected_ratio: str | None = None,
                  **settings) -> _Options:
    """The test options (`ab_test_rows` keywords but the data), checked, for `ab_test_groups`."""
    return _Options.make(**settings)


def check_ratio(expected_ratio: str | None, labels: Sequence[str]) -> tuple[float, ...] | None:
    """The parts of --expected-ratio, one per group."""
    return _ratio_for(expected_ratio, labels)


# A variant's rows against the control's, for rank and permutation tests: the two samples,
# or (an engine without the rows in memory) the Mann–Whitney rank sums.
Samples = Callable[[int, int], "tuple[np.ndarray, np.ndarray] | RankSums"]


def _row_samples(codes: np.ndarray, values: np.ndarray) -> Samples:
    def pair(index: int, control_index: int) -> tuple[np.ndarray, np.ndarray]:
        return values[codes == index], values[codes == control_index]
    return pair


def ab_test_groups(labels: Sequence[str],
                   summaries: Sequence[Counts] | Sequence[Moments] | Sequence[CoMoments], *,
                   options: _Options, control: str | None = None,
                   ratio: tuple[float, ...] | None = None, expected_ratio: str | None = None,
                   units: int | None = None, progress: Progress | None = None,
                   scale: float = 1.0, x_scale: float = 1.0,
                   x_range: tuple[float, float] | None = None,
                   samples: Samples | Callable[[float | None, float], Samples] | None = None,
                   binary: bool = False) -> ABTestResult:
    """The finish step of an A/B test from per-group summaries, whichever engine built them.

    `Counts` (a two-valued metric), `Moments` (a mean), or `CoMoments` of (metric,
    covariate) for CUPED; the metric divided by `scale` and the covariate by `x_scale` (see
    `_scale_of`), `x_range` the scaled covariate's min and max over all rows. `samples`
    gives the two samples of a pair for rank and permutation tests (for CUPED: a function
    of θ and x̄ giving that provider, θ None for the metric itself). `binary`: the CUPED
    metric is 0/1 (its groups are reported as proportions, its tests are of means).
    CUPED from co-moments: with C the centred cross-products over all rows (the groups'
    merged), θ = C_yx/C_xx; per group ȳ′ = ȳ_g − θ(x̄_g − x̄) and
    M2′ = C_yy − 2θC_yx + θ²C_xx, the moments of y − θ(x − x̄) exactly;
    variance_reduction = 1 − M2′/C_yy over all rows.
    """
    _two_groups([str(lab) for lab in labels])
    sizes = [s.n for s in summaries]
    rng = np.random.default_rng(options.seed)
    if isinstance(summaries[0], Counts):
        groups: tuple = _proportion_groups(summaries)
        control_index, rule = _control_index(labels, control, sizes, means=False)
        test = options.resolve(binary=True)
        comparisons, warnings = _compare_all(summaries, control_index, test, options, rng,
                                             progress, rows=None)
        return _result(groups, comparisons, warnings, control_index, test, options,
                       binary=True, expected_ratio=expected_ratio, ratio=ratio, rule=rule,
                       units=units)
    if isinstance(summaries[0], Moments):
        groups = _mean_groups(summaries, scale=scale)
        control_index, rule = _control_index(labels, control, sizes, means=True)
        test = options.resolve(binary=False)
        comparisons, warnings = _compare_all(summaries, control_index, test, options, rng,
                                             progress, rows=samples, scale=scale)
        return _result(groups, comparisons, warnings, control_index, test, options,
                       binary=False, expected_ratio=expected_ratio, ratio=ratio, rule=rule,
                       units=units)
    if x_range is None or x_range[0] == x_range[1]:
        raise InputError("the --covariate column is constant; CUPED needs a pre-experiment "
                         "value that varies between rows")
    raw_moments = tuple(Moments(str(lab), co.n, float(co.mean[0]), max(float(co.c[0, 0]), 0.0))
                        for lab, co in zip(labels, summaries, strict=True))
    groups = (_proportion_groups([Counts(str(lab), co.n, round(float(co.mean[0]) * co.n))
                                  for lab, co in zip(labels, summaries, strict=True)])
              if binary else _mean_groups(raw_moments, scale=scale))
    control_index, rule = _control_index(labels, control, sizes, means=True)
    test = options.resolve(binary=False, cuped=True)
    every = summaries[0]
    for part in summaries[1:]:
        every = every.merge(part)
    theta = float(every.c[0, 1] / every.c[1, 1])
    x_bar = float(every.mean[1])
    syy = float(every.c[0, 0])
    notes = []
    if syy > 0:
        adjusted = syy - 2 * theta * float(every.c[0, 1]) + theta * theta * float(every.c[1, 1])
        reduction = 1 - max(adjusted, 0.0) / syy
    else:
        reduction = math.nan
        notes.append("the metric is constant, so variance_reduction is undefined (null)")
    adj_moments = tuple(
        Moments(str(lab), co.n, float(co.mean[0] - theta * (co.mean[1] - x_bar)),
                max(float(co.c[0, 0] - 2 * theta * co.c[0, 1] + theta * theta * co.c[1, 1]),
                    0.0))
        for lab, co in zip(labels, summaries, strict=True))
    comparisons, warnings = _compare_all(
        adj_moments, control_index, test, options, rng, progress,
        rows=samples(theta, x_bar) if samples is not None else None, scale=scale,
        raw=raw_moments)
    raw, raw_warnings = _compare_all(
        raw_moments, control_index, test, options, rng, progress,
        rows=samples(None, x_bar) if samples is not None else None, label="unadjusted: ",
        scale=scale)
    return _result(groups, comparisons, notes + warnings + raw_warnings, control_index, test,
                   options, binary=False, expected_ratio=expected_ratio, ratio=ratio,
                   theta=theta * scale / x_scale, reduction=reduction,
                   unadjusted=Unadjusted(comparisons=raw), rule=rule, units=units)


def ab_test_summaries(summaries: Sequence[Counts] | Sequence[Moments], *,
                      control: str | None = None, test: str = "auto",
                      alternative: str = "two-sided", alpha: float = 0.05,
                      ci_method: str = "wald", correction: str = "holm",
                      expected_ratio: str | None = None, resamples: int = 9999,
                      seed: int | None = None, sequential: bool = False,
                      sequential_tuning: float = 5000, bayesian: bool = False,
                      prior_mean: float | None = None, prior_std: float | None = None,
                      progress: Progress | None = None) -> ABTestResult:
    """A/B test from group summaries alone (`--counts`, `--means`): the same finish step as
    `ab_test_rows`. Counts allow every test; moments allow `welch` and `student`.

    Reference: see the test functions below.
    Checked against: R `prop.test`, statsmodels, SciPy (tests/stats/test_abtest.py).
    """
    options = _Options.make(test=test, alternative=alternative, alpha=alpha,
                            ci_method=ci_method, correction=correction, resamples=resamples,
                            seed=seed, sequential=sequential,
                            sequential_tuning=sequential_tuning, bayesian=bayesian,
                            prior_mean=prior_mean, prior_std=prior_std)
    summaries = tuple(summaries)
    binary = bool(summaries) and isinstance(summaries[0], Counts)
    labels = [s.name for s in summaries]
    sizes = [s.n for s in summaries]
    ratio = _ratio_for(expected_ratio, labels)
    kind_test = options.resolve(binary=binary, rows=binary)
    scale = 1.0
    if not binary:
        scale = _scale_of(np.array([v for m in summaries
                                    for v in (m.mean, math.sqrt(m.variance))]))
        summaries = tuple(Moments(m.name, m.n, m.mean / scale, m.m2 / scale / scale)
                          for m in summaries)
    groups = (_proportion_groups(summaries) if binary
              else _mean_groups(summaries, scale=scale))
    control_index, rule = _control_index(labels, control, sizes, means=not binary)
    comparisons, warnings = _compare_all(summaries, control_index, kind_test, options,
                                         np.random.default_rng(seed), progress, rows=None,
                                         scale=scale)
    return _result(groups, comparisons, warnings, control_index, kind_test, options,
                   binary=binary, expected_ratio=expected_ratio, ratio=ratio, rule=rule)


# -- units and ratio metrics -------------------------------------------------------------------
def aggregate_units(unit: np.ndarray, codes: np.ndarray, columns: Sequence[np.ndarray | None],
                    *, unit_labels: Sequence[str] | None = None,
                    labels: Sequence[str] = ()) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """Rows at a finer grain (events) summed per unit (user): (group code per unit, each
    column's per-unit sums). Units keep their order of first appearance; a unit seen in two
    groups is an input error (the units are what was randomised)."""
    unit = np.asarray(unit, dtype=np.intp)
    present, first = np.unique(unit, return_index=True)
    order = np.argsort(first, kind="stable")  # units in order of first appearance
    present, first = present[order], first[order]
    count = int(present.max()) + 1 if present.size else 0
    group = np.full(count, -1, dtype=np.intp)
    group[present] = codes[first]  # the group of each unit's first row
    clash = np.flatnonzero(group[unit] != codes)
    if clash.size:
        row = int(clash[0])
        name = unit_labels[unit[row]] if unit_labels is not None else str(unit[row])
        raise InputError(f"unit '{name}' appears in groups '{labels[group[unit[row]]]}' and "
                         f"'{labels[codes[row]]}'; each --unit must belong to one group "
                         "(check the assignment, or choose the randomisation unit)")
    summed = [None if c is None else
              np.bincount(unit, weights=np.asarray(c, dtype=np.float64), minlength=count)[present]
              for c in columns]
    return group[present], summed


@dataclass(frozen=True, slots=True)
class _CoMoments:
    """Per-group n, column means (k × p) and sample covariances (k × p × p, ddof = 1)."""

    n: np.ndarray
    mean: np.ndarray
    cov: np.ndarray


def _co_moments(codes: np.ndarray, k: int, columns: Sequence[np.ndarray]) -> _CoMoments:
    """Per-group `CoMoments`, stacked: n, means and sample covariances."""
    parts = group_comoments(codes, [str(i) for i in range(k)], list(columns))
    n = np.array([p.n for p in parts], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = np.stack([p.c for p in parts]) / (n - 1)[:, None, None]
    return _CoMoments(n=n, mean=np.stack([p.mean for p in parts]), cov=cov)


def _ratio_var(m: _CoMoments, a: int, b: int, c: int, d: int) -> np.ndarray:
    """Per-unit delta-method covariance of the ratios ā/b̄ and c̄/d̄ (variance when a = c,
    b = d): (σ_ac − r₂σ_ad − r₁σ_bc + r₁r₂σ_bd)/(b̄d̄), r₁ = ā/b̄, r₂ = c̄/d̄."""
    r1 = m.mean[:, a] / m.mean[:, b]
    r2 = m.mean[:, c] / m.mean[:, d]
    cov = m.cov
    return (cov[:, a, c] - r2 * cov[:, a, d] - r1 * cov[:, b, c] + r1 * r2 * cov[:, b, d]) / (
        m.mean[:, b] * m.mean[:, d])


def _ratio_test(codes: np.ndarray, labels: Sequence[str], metric: np.ndarray,
                denominator: np.ndarray, covariate: np.ndarray | None,
                covariate_denominator: np.ndarray | None, *, options: _Options,
                control: str | None, ratio, expected_ratio: str | None,
                units: int | None) -> ABTestResult:
    """A ratio metric Σy/Σd per group, rows (or units) independent, by the delta method.

    Per group R = ȳ/d̄ and the per-unit variance V = (s_y² − 2R·s_yd + R²·s_d²)/d̄², so that
    R is tested as a mean with variance V/n (Welch or Student). CUPED with a covariate x
    (per unit, or a ratio x̄/x̄_d with `covariate_denominator`): θ = cov(R, R_x)/var(R_x) by
    the same delta method over all units, R′ = R − θ(R_x − R_x,all) and
    V′ = V + θ²V_x − 2θ·C within each group; variance_reduction = 1 − V′_all/V_all.
    Reference: A. Deng, U. Knoblich, J. Lu, "Applying the delta method in metric analytics",
    KDD 2018; tea-tasting `RatioOfMeans`; GrowthBook gbstats `RatioStatistic`.
    Checked against: tea-tasting 1.14.0 and gbstats 0.8.0 (tests/stats/test_abtest.py).
    """
    k = len(labels)
    kind_test = options.resolve(binary=False, ratio=True)
    columns = [metric, denominator]
    if covariate is not None:
        columns += [np.asarray(covariate, dtype=np.float64),
                    np.ones(metric.size) if covariate_denominator is None
                    else np.asarray(covariate_denominator, dtype=np.float64)]
    elif covariate_denominator is not None:
        raise InputError("--covariate-denominator needs --covariate, the numerator of the "
                         "pre-experiment ratio")
    groups_m = _co_moments(codes, k, columns)
    sums = groups_m.mean * groups_m.n[:, None]
    for index, name in enumerate(labels):
        if groups_m.n[index] and not sums[index, 1] > 0:
            raise InputError(f"the --denominator sum of group '{name}' is "
                             f"{sums[index, 1]:g}; a ratio metric needs a positive "
                             "denominator sum in every group")
    sizes = [int(v) for v in groups_m.n]
    control_index, rule = _control_index(labels, control, sizes, means=True)
    raw_ratio = groups_m.mean[:, 0] / groups_m.mean[:, 1]
    raw_var = _ratio_var(groups_m, 0, 1, 0, 1)
    groups = tuple(RatioGroup(name=str(labels[i]), n=sizes[i], numerator=float(sums[i, 0]),
                              denominator=float(sums[i, 1]), ratio=float(raw_ratio[i]),
                              mean=float(raw_ratio[i]),
                              std=math.sqrt(raw_var[i]) if raw_var[i] >= 0 else math.nan)
                   for i in range(k))
    raw_moments = [Moments(str(labels[i]), sizes[i], float(raw_ratio[i]),
                           max(float(raw_var[i]), 0.0) * (sizes[i] - 1)) for i in range(k)]
    rng = np.random.default_rng(0)
    theta = reduction = unadjusted = None
    notes: list[str] = []
    if covariate is None:
        comparisons, warnings = _compare_all(raw_moments, control_index, kind_test, options,
                                             rng, None, rows=None)
    else:
        every = _co_moments(np.zeros(metric.size, dtype=np.intp), 1, columns)
        if not every.mean[0, 3] > 0:
            raise InputError("the --covariate-denominator sum is not positive; the "
                             "pre-experiment ratio needs a positive denominator sum")
        var_x_all = float(_ratio_var(every, 2, 3, 2, 3)[0])
        if not var_x_all > 1e-14 * float(every.mean[0, 2] / every.mean[0, 3]) ** 2:
            raise InputError("the --covariate ratio is constant; CUPED needs a "
                             "pre-experiment value that varies between units")
        cov_all = float(_ratio_var(every, 0, 1, 2, 3)[0])
        var_all = float(_ratio_var(every, 0, 1, 0, 1)[0])
        theta = cov_all / var_x_all
        reduction = 1 - (var_all + theta * theta * var_x_all - 2 * theta * cov_all) / var_all \
            if var_all > 0 else math.nan
        if math.isnan(reduction):
            notes.append("the metric is constant, so variance_reduction is undefined (null)")
        x_ratio = groups_m.mean[:, 2] / groups_m.mean[:, 3]
        x_all = float(every.mean[0, 2] / every.mean[0, 3])
        adj_ratio = raw_ratio - theta * (x_ratio - x_all)
        adj_var = (raw_var + theta * theta * _ratio_var(groups_m, 2, 3, 2, 3)
                   - 2 * theta * _ratio_var(groups_m, 0, 1, 2, 3))
        adj_moments = [Moments(str(labels[i]), sizes[i], float(adj_ratio[i]),
                               max(float(adj_var[i]), 0.0) * (sizes[i] - 1)) for i in range(k)]
        comparisons, warnings = _compare_all(adj_moments, control_index, kind_test, options,
                                             rng, None, rows=None, raw=raw_moments)
        raw, raw_warnings = _compare_all(raw_moments, control_index, kind_test, options, rng,
                                         None, rows=None, label="unadjusted: ")
        unadjusted = Unadjusted(comparisons=raw)
        warnings += raw_warnings
    return _result(groups, comparisons, notes + warnings, control_index, kind_test, options,
                   binary=False, expected_ratio=expected_ratio, ratio=ratio, theta=theta,
                   reduction=reduction, unadjusted=unadjusted, rule=rule, units=units)


def resample_work(test: str, groups: int, resamples: int, *, cuped: bool) -> int:
    """How many resamples a run draws in all (for a progress bar): 0 unless permutation."""
    if test != "permutation":
        return 0
    return resamples * max(groups - 1, 0) * (2 if cuped else 1)


# -- validation --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Options:
    test: str
    alternative: str
    alpha: float
    ci_method: str
    correction: str
    resamples: int
    sequential: bool = False
    sequential_tuning: float = 5000
    bayesian: bool = False
    prior_mean: float | None = None
    prior_std: float | None = None
    seed: int | None = None

    @classmethod
    def make(cls, *, seed: int | None = None, **kw) -> _Options:
        if kw["test"] not in TESTS:
            raise InputError(f"--test must be one of {', '.join(TESTS)} (got '{kw['test']}')")
        if kw["alternative"] not in ALTERNATIVES:
            raise InputError(f"--alternative must be one of {', '.join(ALTERNATIVES)} "
                             f"(got '{kw['alternative']}')")
        if not 0 < kw["alpha"] < 1:
            raise InputError(f"--alpha must be between 0 and 1 (got {kw['alpha']:g})")
        if kw["ci_method"] not in CI_METHODS:
            raise InputError(f"--ci-method must be one of {', '.join(CI_METHODS)} "
                             f"(got '{kw['ci_method']}')")
        if kw["correction"] not in CORRECTIONS:
            raise InputError(f"--correction must be one of {', '.join(CORRECTIONS)} "
                             f"(got '{kw['correction']}')")
        if kw["resamples"] < 1:
            raise InputError(f"--resamples must be at least 1 (got {kw['resamples']})")
        if seed is not None and seed < 0:
            raise InputError(f"--seed must be a whole number, 0 or more (got {seed})")
        if kw.get("sequential"):
            check_tuning(kw["sequential_tuning"])
            if kw["alternative"] != "two-sided":
                raise InputError("--sequential is two-sided (confidence sequences bound the "
                                 "difference on both sides); drop --alternative "
                                 f"{kw['alternative']}")
            if kw["test"] in ("fisher", "mannwhitney", "permutation"):
                raise InputError(f"--sequential bounds the difference of means with a "
                                 f"Gaussian confidence sequence, which --test {kw['test']} "
                                 "does not test; use --test auto, z, chi2, welch or student "
                                 "with --sequential")
        if kw.get("bayesian"):
            if kw["test"] in ("fisher", "mannwhitney", "permutation"):
                raise InputError(f"--bayesian reads a Gaussian posterior of the lift, which "
                                 f"--test {kw['test']} does not estimate; use --test auto, z, "
                                 "chi2, welch or student with --bayesian")
            check_prior(kw.get("prior_mean"), kw.get("prior_std"))
        elif kw.get("prior_mean") is not None or kw.get("prior_std") is not None:
            option = "--prior-mean" if kw.get("prior_mean") is not None else "--prior-std"
            raise InputError(f"{option} applies to the Bayesian reading: add --bayesian, or "
                             f"drop {option}")
        return cls(**kw, seed=seed)

    def resolve(self, *, binary: bool, rows: bool = True, cuped: bool = False,
                ratio: bool = False) -> str:
        """The test to run: `auto` is z for proportions and welch otherwise."""
        test = self.test
        if test == "auto":
            return "z" if binary and not cuped else "welch"
        if ratio and test not in ("welch", "student"):
            raise InputError(f"--test {test} cannot be used with --denominator: a ratio "
                             "metric is tested by the delta method; use welch or student")
        if test in PROPORTION_TESTS and cuped:
            raise InputError(f"--test {test} cannot be used with --covariate: CUPED-adjusted "
                             "values are continuous; use welch, student, mannwhitney or "
                             "permutation")
        if test in PROPORTION_TESTS and not binary:
            raise InputError(f"--test {test} needs a two-valued metric (0/1, true/false, "
                             "yes/no); for a continuous metric use welch, student, "
                             "mannwhitney or permutation")
        if test in ("mannwhitney", "permutation") and not rows:
            raise InputError(f"--test {test} needs the rows of a continuous metric, and "
                             "--means gives only summaries; use welch or student, or give "
                             "the data file")
        return test


def _two_groups(names: Sequence[str]) -> None:
    if len(names) < 2:
        shown = f"only '{names[0]}'" if names else "none"
        raise InputError(f"an A/B test needs at least two groups, and there is {shown}; "
                         "check --group (or give --counts/--means once per group)")


def _control_index(labels: Sequence[str], control: str | None, sizes: Sequence[int], *,
                   means: bool) -> tuple[int, str]:
    """The control's index and how it was chosen: `given` (--control), `named` (a group
    called control, any case) or `first` (the first group in order of appearance)."""
    names = [str(lab) for lab in labels]
    _two_groups(names)
    if means:
        for name, n in zip(names, sizes, strict=True):
            if n < 2:
                rows = "row" if n == 1 else "rows"
                raise InputError(f"group '{name}' has {n} {rows}; comparing means needs at "
                                 "least 2 rows per group")
    if control is None:
        named = [i for i, name in enumerate(names) if name.strip().lower() == "control"]
        return (named[0], "named") if named else (0, "first")
    if control not in names:
        raise InputError(f"--control '{control}' is not a group; groups are: "
                         f"{', '.join(names)}")
    return names.index(control), "given"


# -- the finish step -------------------------------------------------------------------------
def _compare_all(summaries: Sequence, control_index: int, test: str, options: _Options,
                 rng: np.random.Generator, progress: Progress | None, *,
                 rows: Samples | None, label: str = "",
                 scale: float = 1.0,
                 raw: Sequence[Moments] | None = None) -> tuple[tuple[Comparison, ...],
                                                                list[str]]:
    """Every variant against the control, p-values adjusted over the defined ones; `scale`
    multiplies the values given back to the metric's units (see `_scale_of`); `raw` are the
    unadjusted summaries whose means define the lift of CUPED-adjusted ones.

    With --sequential, `p_adjusted` adjusts `p_value_sequential`, and `significant` is
    p_adjusted ≤ α (with one comparison: 0 outside the confidence sequence).
    """
    control = summaries[control_index]
    warnings: list[str] = []
    found = []
    for index, variant in enumerate(summaries):
        if index == control_index:
            continue
        samples = (rows(index, control_index)
                   if rows is not None and test in ("mannwhitney", "permutation") else None)
        means = None if raw is None else (raw[index].mean, raw[control_index].mean)
        found.append(compare_pair(variant, control, test=test, alternative=options.alternative,
                                  alpha=options.alpha, ci_method=options.ci_method,
                                  samples=samples, resamples=options.resamples, rng=rng,
                                  progress=progress, warnings=warnings, label=label,
                                  raw_means=means, options=options))
    if options.sequential:
        p_values = np.array([c.sequential.p_value_sequential for c in found])
    else:
        p_values = np.array([c.p_value for c in found])
    adjusted = adjust_pvalues(p_values, correction=options.correction)
    comparisons = tuple(
        replace(c, p_adjusted=float(q), significant=None if math.isnan(q)
                else bool(q <= options.alpha))
        for c, q in zip(found, adjusted, strict=True)
    )
    if scale != 1.0:
        comparisons = tuple(
            replace(c, diff=c.diff * scale, ci_low=c.ci_low * scale, ci_high=c.ci_high * scale,
                    statistic=c.statistic * scale if test == "permutation" else c.statistic,
                    sequential=None if c.sequential is None else replace(
                        c.sequential, cs_low=c.sequential.cs_low * scale,
                        cs_high=c.sequential.cs_high * scale))
            for c in comparisons)
    return comparisons, warnings


def compare_pair(variant: Counts | Moments, control: Counts | Moments, *, test: str,
                 alternative: str = "two-sided", alpha: float = 0.05, ci_method: str = "wald",
                 samples: tuple[np.ndarray, np.ndarray] | None = None, resamples: int = 9999,
                 rng: np.random.Generator | None = None, progress: Progress | None = None,
                 warnings: list[str] | None = None, label: str = "",
                 raw_means: tuple[float, float] | None = None,
                 options: _Options | None = None) -> Comparison:
    """One variant against the control: diff, its CI, lift and its CI, statistic, p-value,
    and the sequential and Bayesian readings when `options` asks for them.

    The CI of `diff` is Wald (or `ci_method`) for counts and Welch for moments; the lift's
    is the delta method, lift ± z·√(v_t/m_c² + m_t²·v_c/m_c⁴) with v = s²/n (p(1 − p)/n for
    counts). For CUPED-adjusted summaries `raw_means` gives the raw means m_t, m_c: lift =
    diff/m_c with the adjusted diff and v (GrowthBook's relative effect). `p_adjusted`
    equals `p_value` here; `_compare_all` adjusts a family.
    """
    notes = warnings if warnings is not None else []
    pair = f"{label}{variant.name} vs {control.name}"
    binary = isinstance(variant, Counts)
    if binary:
        diff = variant.rate - control.rate
        ci_low, ci_high = proportion_diff_ci(variant, control, alpha=alpha, method=ci_method)
        m_t, m_c = variant.rate, control.rate
        v_t = m_t * (1 - m_t) / variant.n
        v_c = m_c * (1 - m_c) / control.n
        if test in ("z", "chi2"):
            pooled = (variant.successes + control.successes) / (variant.n + control.n)
            expected = min(variant.n, control.n) * min(pooled, 1 - pooled)
            if 0 < expected < 5:
                notes.append(f"{pair}: an expected count is below 5, so the {test} "
                             "approximation may be poor; --test fisher is exact")
    else:
        diff = variant.mean - control.mean
        ci_low, ci_high = welch_diff_ci(variant, control, alpha=alpha)
        m_t, m_c = variant.mean, control.mean
        v_t = variant.variance / variant.n
        v_c = control.variance / control.n
    if raw_means is not None:
        m_t, m_c = raw_means
    lift, lift_low, lift_high = lift_ci(m_t, v_t, m_c, v_c, alpha=alpha, diff=diff)
    if math.isnan(lift):
        why = "is 0" if m_c == 0 else "is too close to 0 for a finite ratio"
        notes.append(f"{pair}: the lift is undefined because the control's mean {why}")
    if math.isnan(ci_low) and not math.isnan(diff):
        notes.append(f"{pair}: neither group varies, so the interval for diff is undefined; "
                     "ci_low and ci_high are null")
    statistic, p_value = _run_test(test, variant, control, alternative=alternative,
                                   samples=samples, resamples=resamples, rng=rng,
                                   progress=progress)
    if test == "permutation":
        statistic = diff  # the same number, computed once
    if math.isnan(p_value):
        notes.append(f"{pair}: the {test} test is undefined (no variation in the metric, "
                     "or a group too small); statistic and p_value are null")
    elif math.isnan(statistic) and test == "fisher":
        notes.append(f"{pair}: the odds ratio is undefined (a zero cell in the 2×2 table); "
                     "statistic is null")
    sequential = bayesian = None
    lift_var = _lift_variance(m_t, v_t, m_c, v_c) if not math.isnan(lift) else math.nan
    if options is not None and options.sequential:
        n = variant.n + control.n
        settings = {"alpha": alpha, "tuning": options.sequential_tuning}
        cs_low, cs_high = confidence_sequence(diff, v_t + v_c, n, **settings)
        lift_cs_low, lift_cs_high = confidence_sequence(lift, lift_var, n, **settings)
        sequential = SequentialReading(
            cs_low=cs_low, cs_high=cs_high, lift_cs_low=lift_cs_low, lift_cs_high=lift_cs_high,
            p_value_sequential=sequential_p_value(diff, v_t + v_c, n, **settings))
        if math.isnan(cs_low) and not math.isnan(diff):
            notes.append(f"{pair}: neither group varies, so the confidence sequence is "
                         "undefined; cs_low, cs_high and p_value_sequential are null")
    if options is not None and options.bayesian:
        bayesian = gaussian_reading(lift, lift_var, alpha=alpha, prior_mean=options.prior_mean,
                                    prior_std=options.prior_std)
        if binary and raw_means is None:
            exact = beta_chance_to_win(variant.successes, variant.n, control.successes,
                                       control.n)
            if math.isnan(exact):
                notes.append(f"{pair}: chance_to_win_exact needs more than 10^7 terms "
                             "(every count above 10^7); it is null, chance_to_win holds")
            bayesian = replace(bayesian, chance_to_win_exact=exact)
        if math.isnan(bayesian.chance_to_win):
            notes.append(f"{pair}: the lift or its variance is undefined, so the Bayesian "
                         "reading is null")
    return Comparison(name=variant.name, control=control.name, diff=diff, ci_low=ci_low,
                      ci_high=ci_high, lift=lift, lift_ci_low=lift_low, lift_ci_high=lift_high,
                      statistic=statistic, p_value=p_value, p_adjusted=p_value,
                      significant=None if math.isnan(p_value) else bool(p_value <= alpha),
                      sequential=sequential, bayesian=bayesian)


def _run_test(test: str, variant, control, *, alternative: str, samples, resamples: int,
              rng: np.random.Generator | None, progress: Progress | None) -> tuple[float, float]:
    binary = isinstance(variant, Counts)
    if test == "z":
        return z_test(variant, control, alternative=alternative)
    if test == "chi2":
        return chi2_test(variant, control, alternative=alternative)
    if test == "fisher":
        return fisher_test(variant, control, alternative=alternative)
    if test in ("welch", "student"):
        t_v = variant.moments() if binary else variant
        t_c = control.moments() if binary else control
        t, _df, p = t_test(t_v, t_c, alternative=alternative, equal_var=test == "student")
        return t, p
    rng = rng if rng is not None else np.random.default_rng()
    if test == "mannwhitney":
        if binary:
            return mann_whitney_counts(variant, control, alternative=alternative)
        if isinstance(samples, RankSums):
            return mann_whitney_from(samples, alternative=alternative)
        return mann_whitney(*samples, alternative=alternative)
    if binary:
        return permutation_counts(variant, control, alternative=alternative,
                                  resamples=resamples, rng=rng, progress=progress)
    return permutation_means(*samples, alternative=alternative, resamples=resamples, rng=rng,
                             progress=progress)


def _ratio_for(expected_ratio: str | None, labels: Sequence[str]) -> tuple[float, ...] | None:
    """The parts of `--expected-ratio`, checked against the groups before any work is done."""
    if expected_ratio is None:
        return None
    parts = parse_ratio(expected_ratio)
    if len(labels) >= 2 and len(parts) != len(labels):
        raise InputError(
            f"--expected-ratio '{expected_ratio}' has {len(parts)} parts but there are "
            f"{len(labels)} groups ({', '.join(str(lab) for lab in labels)}); give one part "
            "per group, in the order the groups appear"
        )
    return parts


def _result(groups, comparisons, warnings, control_index, test, options, *, binary,
            expected_ratio, ratio=None, theta=None, reduction=None,
            unadjusted=None, rule: str = "first", units: int | None = None) -> ABTestResult:
    notes = [f"group '{g.name}' has 1 row, so its std is undefined (null)"
             for g in groups if g.n == 1]
    notes += warnings
    srm = None
    if ratio is not None:
        srm = sample_ratio_p_value([g.n for g in groups], ratio)
        if srm < SRM_THRESHOLD:
            shown = ", ".join(f"{g.name} {g.n}" for g in groups)
            notes.append(f"sample ratio mismatch: group sizes ({shown}) are unlikely under the "
                         f"expected ratio {expected_ratio} (srm_p_value = {srm:.3g}); check "
                         "the assignment before trusting the result")
    return ABTestResult(
        test=test, alternative=options.alternative, alpha=options.alpha,
        control=groups[control_index].name, correction=options.correction,
        family_size=sum(not math.isnan(c.p_value) for c in comparisons), groups=groups,
        comparisons=comparisons,
        ci_method=options.ci_method if binary else None,
        resamples=options.resamples if test == "permutation" else None,
        expected_ratio=expected_ratio, srm_p_value=srm, theta=theta,
        variance_reduction=reduction, unadjusted=unadjusted,
        sequential_tuning=options.sequential_tuning if options.sequential else None,
        bayesian=options.bayesian, prior_mean=options.prior_mean if options.bayesian else None,
        prior_std=options.prior_std if options.bayesian else None, units=units,
        control_rule=rule, warnings=tuple(notes),
    )


def _proportion_groups(counts: Sequence[Counts]) -> tuple[ProportionGroup, ...]:
    rows = []
    for c in counts:
        m = c.moments()
        rows.append(ProportionGroup(name=c.name, n=c.n, successes=c.successes, mean=c.rate,
                                    std=math.sqrt(m.variance) if c.n > 1 else math.nan))
    return tuple(rows)


def _mean_groups(moments: Sequence[Moments], *, scale: float = 1.0) -> tuple[MeanGroup, ...]:
    return tuple(MeanGroup(name=m.name, n=m.n, mean=m.mean * scale,
                           std=math.sqrt(m.variance) * scale if m.n > 1 else math.nan)
                 for m in moments)


_SAFE_MAGNITUDE = 2.0**256  # squares of values within 2^±256, summed, stay normal floats


def _scale_of(values: np.ndarray) -> float:
    """1.0, or for extreme values the power of two just above their largest magnitude (at
    most 2^1023, the largest a float holds).

    Every test and interval here is invariant to a common scale, and dividing by a power of
    two only moves the exponent, so values whose squares would overflow (|x| ≳ 1e77 summed
    over many rows, up to 1e308) or underflow (|x| ≲ 1e-77) are analysed as x/c, and the
    results in the metric's units (means, std, diff and its interval) multiplied back by c.
    """
    if values.size == 0:
        return 1.0
    top = max(-float(np.min(values)), float(np.max(values)))
    if not math.isfinite(top) or top == 0 or 1 / _SAFE_MAGNITUDE <= top <= _SAFE_MAGNITUDE:
        return 1.0
    return math.ldexp(1.0, min(math.frexp(top)[1], 1023))  # (2^1024 is beyond the floats)


# -- intervals -------------------------------------------------------------------------------
def _z(alpha: float) -> float:
    """z(1 − α/2), from the lower tail so that a tiny α does not round 1 − α/2 to 1."""
    return -NormalDist().inv_cdf(max(alpha / 2, _TINY))


def proportion_diff_ci(variant: Counts, control: Counts, *, alpha: float = 0.05,
                       method: str = "wald") -> tuple[float, float]:
    """Two-sided (1 − α) interval for p_t − p_c.

    wald: d ± z·√(p_t(1−p_t)/n_t + p_c(1−p_c)/n_c); agresti-caffo: the same after adding
    one success and one failure to each group; newcombe: the hybrid score interval from
    Wilson limits (l, u) of each rate, d − √((p_t−l_t)² + (u_c−p_c)²) …
    d + √((u_t−p_t)² + (p_c−l_c)²).
    Reference: Agresti & Caffo (2000); Newcombe (1998), method 10.
    Checked against: statsmodels `confint_proportions_2indep` (wald, agresti-caffo, newcomb).
    """
    z = _z(alpha)
    if method in ("wald", "agresti-caffo"):
        add = 1 if method == "agresti-caffo" else 0
        p_t = (variant.successes + add) / (variant.n + 2 * add)
        p_c = (control.successes + add) / (control.n + 2 * add)
        half = z * math.sqrt(p_t * (1 - p_t) / (variant.n + 2 * add)
                             + p_c * (1 - p_c) / (control.n + 2 * add))
        return p_t - p_c - half, p_t - p_c + half
    if method != "newcombe":
        raise InputError(f"--ci-method must be one of {', '.join(CI_METHODS)} (got '{method}')")
    p_t, p_c = variant.rate, control.rate
    l_t, u_t = wilson_interval(variant.successes, variant.n, z)
    l_c, u_c = wilson_interval(control.successes, control.n, z)
    d = p_t - p_c
    return (d - math.sqrt((p_t - l_t) ** 2 + (u_c - p_c) ** 2),
            d + math.sqrt((u_t - p_t) ** 2 + (p_c - l_c) ** 2))


def wilson_interval(successes: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval: (p + z²/2n ± z√(p(1−p)/n + z²/4n²)) / (1 + z²/n)."""
    p = successes / n
    z2 = z * z
    denom = 1 + z2 / n
    center = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return center - half, center + half


def welch_diff_ci(variant: Moments, control: Moments, *,
                  alpha: float = 0.05) -> tuple[float, float]:
    """Welch interval: d ± t(1 − α/2, ν)·√(s_t²/n_t + s_c²/n_c), ν by Welch–Satterthwaite.

    Reference: Welch (1947). Checked against: R `t.test` (ToothGrowth).
    """
    se, df = _welch_se_df(variant, control)
    if not se > 0:
        return math.nan, math.nan
    half = t_upper_quantile(df, max(alpha / 2, _TINY)) * se  # the tail itself: exact for tiny α
    d = variant.mean - control.mean
    return d - half, d + half


def _welch_se_df(a: Moments, b: Moments) -> tuple[float, float]:
    """√(v_a + v_b) and ν = (v_a + v_b)²/(v_a²/(n_a − 1) + v_b²/(n_b − 1)), v = s²/n; ν is
    computed on v/max(v_a, v_b), so that squaring a tiny or huge v cannot underflow or
    overflow."""
    va, vb = a.variance / a.n, b.variance / b.n
    se2 = va + vb
    if not se2 > 0:
        return math.sqrt(se2) if se2 == 0 else math.nan, math.nan
    top = max(va, vb)
    u, w = va / top, vb / top
    return math.sqrt(se2), (u + w) ** 2 / (u * u / (a.n - 1) + w * w / (b.n - 1))


def _lift_variance(m_t: float, v_t: float, m_c: float, v_c: float) -> float:
    """v_t/m_c² + m_t²·v_c/m_c⁴, the delta-method variance of the lift."""
    return (math.hypot(math.sqrt(v_t), m_t / m_c * math.sqrt(v_c)) / abs(m_c)) ** 2


def lift_ci(m_t: float, v_t: float, m_c: float, v_c: float, *,
            alpha: float = 0.05, diff: float | None = None) -> tuple[float, float, float]:
    """Lift (m_t − m_c)/m_c and its delta-method interval for a ratio of means.

    lift ± z·√(v_t/m_c² + m_t²·v_c/m_c⁴), v the variance of each mean (s²/n, p(1 − p)/n).
    Reference: Kohavi, Tang & Xu, "Trustworthy Online Controlled Experiments" (2020),
    ch. 18; the first-order delta method for X̄_t / X̄_c.
    Checked against: a hand computation (tests/stats/test_abtest.py).
    """
    if m_c == 0:
        return math.nan, math.nan, math.nan
    lift = (m_t - m_c if diff is None else diff) / m_c
    # the same √(…) as 1/|m_c|·√(v_t + (m_t/m_c)²·v_c): no fourth powers to overflow
    se = math.hypot(math.sqrt(v_t), m_t / m_c * math.sqrt(v_c)) / abs(m_c)
    if not math.isfinite(lift):
        return math.nan, math.nan, math.nan
    half = _z(alpha) * se
    return lift, lift - half, lift + half


# -- tests -----------------------------------------------------------------------------------
def _normal_p(z: float, alternative: str) -> float:
    if math.isnan(z):
        return math.nan
    if alternative == "larger":
        return normal_tail(z)
    if alternative == "smaller":
        return normal_tail(-z)
    return 2 * normal_tail(abs(z))


def z_test(variant: Counts, control: Counts, *,
           alternative: str = "two-sided") -> tuple[float, float]:
    """Pooled two-proportion z-test: z = (p_t − p_c)/√(p̄(1 − p̄)(1/n_t + 1/n_c)).

    Reference: Fleiss, Levin & Paik (2003), §6.2. Checked against: statsmodels
    `proportions_ztest`; R `prop.test(correct=FALSE)` (z² = X²).
    """
    pooled = (variant.successes + control.successes) / (variant.n + control.n)
    var = pooled * (1 - pooled) * (1 / variant.n + 1 / control.n)
    if not var > 0:
        return math.nan, math.nan
    z = (variant.rate - control.rate) / math.sqrt(var)
    return z, _normal_p(z, alternative)


def chi2_test(variant: Counts, control: Counts, *,
              alternative: str = "two-sided") -> tuple[float, float]:
    """Chi-square test of the 2×2 table with Yates' correction, exactly as R `prop.test`.

    X² = Σ (|O − E| − Y)²/E over the four cells, E from the pooled rate,
    Y = min(0.5, |p_t − p_c| / (1/n_t + 1/n_c)); one-sided p from sign(p_t − p_c)·√X².
    Reference: R 4.2.2 `prop.test` (src/library/stats/R/prop.test.R).
    Checked against: R `prop.test(c(150, 120), c(1000, 1000))`.
    """
    from scipy.special import chdtrc

    n = np.array([variant.n, control.n], dtype=np.float64)
    x = np.array([variant.successes, control.successes], dtype=np.float64)
    pooled = x.sum() / n.sum()
    if not 0 < pooled < 1:
        return math.nan, math.nan
    delta = x[0] / n[0] - x[1] / n[1]
    yates = min(0.5, abs(delta) / np.sum(1 / n))
    observed = np.stack([x, n - x])
    expected = np.stack([n * pooled, n * (1 - pooled)])
    statistic = float(np.sum((np.abs(observed - expected) - yates) ** 2 / expected))
    if alternative == "two-sided":
        return statistic, float(chdtrc(1, statistic))
    return statistic, _normal_p(math.copysign(math.sqrt(statistic), delta), alternative)


def fisher_test(variant: Counts, control: Counts, *,
                alternative: str = "two-sided") -> tuple[float, float]:
    """Fisher's exact test of [[s_t, n_t − s_t], [s_c, n_c − s_c]]; statistic = odds ratio.

    Given the margins, X = s_t is hypergeometric (N = n_t + n_c rows, K = s_t + s_c
    successes, n_t drawn). `smaller`: P(X ≤ s_t); `larger`: P(X ≥ s_t) (the variant's odds
    are higher); two-sided: the sum of P(k) over the k with P(k) ≤ P(s_t)·(1 + 10⁻¹⁴).
    The odds ratio is the sample one, s_t(n_c − s_c)/((n_t − s_t)s_c). Counts are Python
    integers throughout: SciPy's `fisher_exact` forms int64 products that overflow above
    about 3·10⁹ rows and then returns a wrong two-sided p-value and odds ratio.
    Reference: SciPy `fisher_exact` (the same algorithm); R `fisher.test`.
    Checked against: R `fisher.test(matrix(c(120, 880, 150, 850), 2))`, SciPy on every
    small table (tests/stats/test_abtest.py).
    """
    from scipy.stats import hypergeom

    s_t, f_t = variant.successes, variant.n - variant.successes
    s_c, f_c = control.successes, control.n - control.successes
    total = variant.n + control.n
    if total > _EXACT_MAX_ROWS:
        raise InputError(f"--test fisher handles up to 2^53 rows in all (got {total}); "
                         "use --test z or chi2, which are exact enough at this size")
    odds = s_t * f_c / (f_t * s_c) if f_t * s_c > 0 else math.nan
    dist = hypergeom(total, s_t + s_c, variant.n)
    if alternative == "smaller":
        p = float(dist.cdf(s_t))
    elif alternative == "larger":
        p = float(dist.sf(s_t - 1))
    else:
        p = _two_sided_hypergeometric(dist, s_t, total, s_t + s_c, variant.n)
    return odds, min(1.0, p)


def _two_sided_hypergeometric(dist, x: int, total: int, good: int, draws: int) -> float:
    """Σ P(k) over the k with P(k) ≤ P(x)·(1 + 10⁻¹⁴), as SciPy `fisher_exact`: the tail
    beyond x, plus the tail on the mode's other side found by bisection (P falls away from
    the mode ⌊(n + 1)(K + 1)/(N + 2)⌋ on both sides)."""
    mode = (draws + 1) * (good + 1) // (total + 2)
    p_x, p_mode = float(dist.pmf(x)), float(dist.pmf(mode))
    if abs(p_x - p_mode) <= 1e-14 * max(p_x, p_mode):
        return 1.0
    limit = p_x * (1 + 1e-14)
    if x < mode:
        near, far = mode, min(good, draws)  # P(near) > limit; look for the first P ≤ limit
        if dist.pmf(far) > limit:
            return float(dist.cdf(x))
        while far - near > 1:
            mid = (near + far) // 2
            near, far = (mid, far) if dist.pmf(mid) > limit else (near, mid)
        return float(dist.cdf(x) + dist.sf(far - 1))
    near, far = mode, max(0, draws - (total - good))
    if dist.pmf(far) > limit:
        return float(dist.sf(x - 1))
    while near - far > 1:
        mid = (near + far) // 2
        near, far = (mid, far) if dist.pmf(mid) > limit else (near, mid)
    return float(dist.sf(x - 1) + dist.cdf(far))


def t_test(variant: Moments, control: Moments, *, alternative: str = "two-sided",
           equal_var: bool = False) -> tuple[float, float, float]:
    """Two-sample t-test from summaries → (t, df, p).

    Welch: t = d/√(s_t²/n_t + s_c²/n_c), df by Welch–Satterthwaite. Student: pooled
    s² = (M2_t + M2_c)/(n_t + n_c − 2), t = d/√(s²(1/n_t + 1/n_c)), df = n_t + n_c − 2.
    Reference: Welch (1947); R `t.test`.
    Checked against: R `t.test(len ~ supp, ToothGrowth)`, SciPy `ttest_ind`.
    """
    d = variant.mean - control.mean
    if equal_var:
        df = float(variant.n + control.n - 2)
        if df < 1:  # two groups of one row: no degrees of freedom for the pooled variance
            return math.nan, df, math.nan
        s2 = (variant.m2 + control.m2) / df
        se = math.sqrt(s2 * (1 / variant.n + 1 / control.n))
    else:
        se, df = _welch_se_df(variant, control)
    if not se > 0:
        return math.nan, df, math.nan
    t = d / se
    if alternative == "larger":
        p = t_tail(t, df)
    elif alternative == "smaller":
        p = t_tail(-t, df)
    else:
        p = 2 * t_tail(abs(t), df)
    return t, df, p


def _mw_p(u: float, n_t: int, n_c: int, tie_term: float, alternative: str) -> float:
    """P-value of U: exact when a group has at most 8 values and nothing is tied (SciPy's
    `mannwhitneyu(method="auto")` rule), else the normal approximation with tie and
    continuity corrections, as R `wilcox.test(exact = FALSE)`."""
    if min(n_t, n_c) <= MW_EXACT_MAX and tie_term == 0:
        return mann_whitney_exact_p(u, n_t, n_c, alternative)
    n = n_t + n_c
    sigma2 = n_t * n_c / 12 * ((n + 1) - tie_term / (n * (n - 1)))
    if not sigma2 > 0:
        return math.nan
    z = u - n_t * n_c / 2
    if alternative == "larger":
        correction = 0.5
    elif alternative == "smaller":
        correction = -0.5
    else:  # R: sign(z) * 0.5, and sign(0) = 0
        correction = math.copysign(0.5, z) if z != 0 else 0.0
    return _normal_p((z - correction) / math.sqrt(sigma2), alternative)


MW_EXACT_MAX = 8  # SciPy's `method="auto"`: exact when a sample has at most 8 values, no ties


def mann_whitney_exact_p(u: float, n_t: int, n_c: int, alternative: str) -> float:
    """Exact p-value of the variant's U (no ties) from the null distribution of U.

    U counts the partitions of u into at most m = min(n_t, n_c) parts, none above
    n = max(n_t, n_c): its generating function is the Gaussian binomial
    ∏_{i=1}^{m} (1 − q^{n+i})/(1 − q^i) over C(m + n, m) orderings. The coefficients up to
    k = min(u, mn − u) come from m running sums with stride i (division by 1 − q^i) and m
    differences (multiplication by 1 − q^{n+i}); the distribution is symmetric about mn/2,
    so P(U ≤ k) = P(U ≥ mn − k) is summed on the short side. `larger`: P(U ≥ u);
    `smaller`: P(U ≤ u); two-sided: twice the smaller tail, at most 1.
    Reference: H. B. Mann, D. R. Whitney, Ann. Math. Statist. 18 (1947); G. E. Andrews,
    The Theory of Partitions (1976), Thm 3.1.
    Checked against: SciPy `mannwhitneyu(method="exact")`, R `wilcox.test`
    (tests/stats/test_abtest.py).
    """
    m, n = min(n_t, n_c), max(n_t, n_c)
    k = round(min(u, m * n - u))
    counts = np.zeros(k + 1)
    counts[0] = 1.0
    for i in range(1, m + 1):  # ∏ 1/(1 − q^i): running sums with stride i
        for start in range(min(i, k + 1)):
            counts[start::i] = np.cumsum(counts[start::i])
    for i in range(1, m + 1):  # ∏ (1 − q^{n+i}), each on the previous product
        step = n + i
        if step <= k:
            counts[step:] = counts[step:] - counts[:-step]
    total = math.comb(m + n, m)
    short = float(np.sum(counts)) / total  # P(U ≤ k)
    if alternative == "two-sided":
        return min(1.0, 2 * short)
    at_k = float(counts[k]) / total
    in_upper = u >= m * n - u  # the short tail is then P(U ≥ u)
    if alternative == "larger":
        return short if in_upper else 1 - short + at_k
    return 1 - short + at_k if in_upper else short


@dataclass(frozen=True, slots=True)
class RankSums:
    """A variant against the control in the pooled sample: the variant's sum of mid-ranks,
    both sizes and the tie term Σ(t³ − t) over tie blocks; all Mann–Whitney needs."""

    rank_sum: float
    n_t: int
    n_c: int
    tie_term: float


def mann_whitney_from(ranks: RankSums, *, alternative: str = "two-sided") -> tuple[float,
                                                                                   float]:
    """U = R_t − n_t(n_t + 1)/2 and its p-value (see `mann_whitney`)."""
    u = ranks.rank_sum - ranks.n_t * (ranks.n_t + 1) / 2
    return u, _mw_p(u, ranks.n_t, ranks.n_c, ranks.tie_term, alternative)


def mann_whitney(x_t: np.ndarray, x_c: np.ndarray, *,
                 alternative: str = "two-sided") -> tuple[float, float]:
    """Mann–Whitney U of the variant, U = R_t − n_t(n_t + 1)/2 with mid-ranks, and its
    p-value: exact (`mann_whitney_exact_p`) when a group has at most 8 values and there are
    no ties, as SciPy's `method="auto"`; else the normal approximation with tie and
    continuity correction, σ² = n_t n_c/12 · ((n + 1) − Σ(t³ − t)/(n(n − 1))),
    z = (U − n_t n_c/2 − c)/σ with c = ±0.5 toward the null.
    Reference: R `wilcox.test(exact = FALSE, correct = TRUE)`; SciPy `mannwhitneyu`.
    Checked against: R on ToothGrowth; SciPy `mannwhitneyu(method="auto")`.
    """
    pooled = np.sort(np.concatenate([x_t, x_c]))
    left = np.searchsorted(pooled, x_t, side="left")
    right = np.searchsorted(pooled, x_t, side="right")
    rank_sum = float(np.sum((left + right + 1) / 2))  # mean of 1-based ranks left+1 … right
    edges = np.flatnonzero(pooled[1:] != pooled[:-1]) + 1
    ties = np.diff(np.concatenate([[0], edges, [pooled.size]])).astype(np.float64)
    tie_term = float(np.sum(ties**3 - ties))
    return mann_whitney_from(RankSums(rank_sum, x_t.size, x_c.size, tie_term),
                             alternative=alternative)


def mann_whitney_counts(variant: Counts, control: Counts, *,
                        alternative: str = "two-sided") -> tuple[float, float]:
    """Mann–Whitney on 0/1 values from counts: U = s_t(n_c − s_c) + ½(s_t s_c + f_t f_c),
    f the failures; the two tie blocks are the K = s_t + s_c ones and n − K zeros."""
    s_t, s_c = variant.successes, control.successes
    f_t, f_c = variant.n - s_t, control.n - s_c
    u = s_t * f_c + 0.5 * (s_t * s_c + f_t * f_c)
    ones = float(s_t + s_c)
    zeros = float(f_t + f_c)
    tie_term = ones**3 - ones + zeros**3 - zeros
    return float(u), _mw_p(u, variant.n, control.n, tie_term, alternative)


class _Tally:
    """Counts of resampled values on each side of the observed one, batch by batch, for the
    Monte Carlo p-value of SciPy `permutation_test`: (#{as extreme} + 1)/(R + 1), two-sided
    twice the smaller side, capped at 1. Memory does not grow with the number of resamples.
    """

    def __init__(self, observed: float, tolerance: float) -> None:
        self.observed, self.tolerance = observed, tolerance
        self.total = self.below = self.above = 0

    def add(self, null: np.ndarray) -> None:
        self.total += null.size
        self.below += int(np.count_nonzero(null <= self.observed + self.tolerance))
        self.above += int(np.count_nonzero(null >= self.observed - self.tolerance))

    def p_value(self, alternative: str, *, flip: bool = False) -> float:
        below = (self.below + 1) / (self.total + 1)
        above = (self.above + 1) / (self.total + 1)
        if flip:  # the tallied quantity falls as the variant's mean rises
            below, above = above, below
        if alternative == "larger":
            return above
        if alternative == "smaller":
            return below
        return min(1.0, 2 * min(below, above))


def permutation_counts(variant: Counts, control: Counts, *, alternative: str = "two-sided",
                       resamples: int = 9999, rng: np.random.Generator,
                       progress: Progress | None = None) -> tuple[float, float]:
    """Permutation test of p_t − p_c for 0/1 values, from counts.

    Shuffling the group labels of K ones and n − K zeros puts a hypergeometric number of
    ones in the variant group, so each resample is one hypergeometric draw (exactly the
    distribution of the shuffle, without building the rows).
    Reference: Good, "Permutation, Parametric and Bootstrap Tests of Hypotheses" (2005), §3.
    Checked against: Fisher's exact one-sided p-values (the exact permutation distribution).
    """
    ones = variant.successes + control.successes
    zeros = variant.n + control.n - ones
    if max(ones, zeros) >= _HYPERGEOMETRIC_MAX:
        raise InputError(f"--test permutation from counts handles fewer than 10^9 successes "
                         f"and 10^9 failures in all (got {ones} and {zeros}); use --test z or "
                         "fisher, which need no resampling")
    tally = _Tally(variant.successes, 0.0)
    per = min(resamples, _BATCH_ELEMENTS)
    for start in range(0, resamples, per):
        size = min(per, resamples - start)
        tally.add(rng.hypergeometric(ones, zeros, variant.n, size=size))
        if progress is not None:
            progress(size)
    return variant.rate - control.rate, tally.p_value(alternative)


def permutation_means(x_t: np.ndarray, x_c: np.ndarray, *, alternative: str = "two-sided",
                      resamples: int = 9999, rng: np.random.Generator,
                      progress: Progress | None = None,
                      batch: int | None = None) -> tuple[float, float]:
    """Permutation test of x̄_t − x̄_c: (observed difference, Monte Carlo p-value).

    The difference is monotone in S, the sum of the smaller group, so each resample draws
    a uniform random subset of that size from the pooled rows (the k smallest of uniform
    random keys, found by a partial sort) and sums it. Resamples are processed in batches
    of about 4 million keys, so memory stays bounded whatever `resamples` is. Sums that
    differ by less than 10⁻¹² of Σ|x| count as ties (rounding, not a real difference).
    Reference: SciPy `permutation_test` (p-value convention, +1 adjustment).
    Checked against: SciPy `permutation_test`, and the exact distribution on small samples.
    """
    pooled = np.concatenate([x_t, x_c])
    n = pooled.size
    small_is_variant = x_t.size <= x_c.size
    k = x_t.size if small_is_variant else x_c.size
    tally = _Tally(float(np.sum(x_t if small_is_variant else x_c)),
                   1e-12 * float(np.sum(np.abs(pooled))))
    per = batch or max(1, min(resamples, _BATCH_ELEMENTS // n))
    subset_sum = _subset_summer(pooled)
    for start in range(0, resamples, per):
        size = min(per, resamples - start)
        tally.add(subset_sum(_random_subsets(rng, size, n, k)))
        if progress is not None:
            progress(size)
    p = tally.p_value(alternative, flip=not small_is_variant)
    return float(np.mean(x_t) - np.mean(x_c)), p


def _random_subsets(rng: np.random.Generator, rows: int, n: int, k: int) -> np.ndarray:
    """A (rows, n) boolean mask, each row a uniform random k-subset of n positions.

    The k positions holding the smallest of n i.i.d. random keys form a uniform subset;
    a row where the k-th and (k+1)-th keys tie (about n/2³² of rows) is drawn again, which
    keeps the subsets uniform since the event is symmetric in the positions.
    """
    # Raw 64-bit draws split into two 32-bit keys: half the cost of Generator.integers.
    raw = rng.bit_generator.random_raw(size=(rows * n + 1) // 2)
    keys = raw.view(np.uint32)[: rows * n].reshape(rows, n)
    kth = np.partition(keys, k - 1, axis=1)[:, k - 1]
    mask = keys <= kth[:, None]
    bad = np.flatnonzero(np.count_nonzero(mask, axis=1) != k)
    while bad.size:
        mask[bad] = _random_subsets(rng, bad.size, n, k)
        bad = bad[np.count_nonzero(mask[bad], axis=1) != k]
    return mask


def _subset_summer(values: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A function summing `values` over each row of a boolean mask.

    Up to 2¹⁷ rows: a byte lookup table, T[j, b] = the sum of the values in block j of 8
    selected by the bits of b, so a row's sum is n/8 table reads of the packed mask.
    Larger inputs: a matrix–vector product.
    """
    n = values.size
    if n > _LUT_MAX_ROWS:
        return lambda mask: mask.astype(np.float64) @ values
    blocks = -(-n // 8)
    padded = np.zeros(blocks * 8)
    padded[:n] = values
    # np.packbits is big-endian: bit 7 of a byte is the first of its 8 positions.
    bits = (np.arange(256)[:, None] >> (7 - np.arange(8))) & 1
    table = (padded.reshape(blocks, 8) @ bits.T.astype(np.float64)).ravel()
    offsets = np.arange(blocks, dtype=np.intp) * 256

    def summed(mask: np.ndarray) -> np.ndarray:
        packed = np.packbits(mask, axis=1)
        return np.take(table, packed + offsets).sum(axis=1)

    return summed


# -- CUPED and sample ratio mismatch -------------------------------------------------------------
def cuped(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, float, float, list[str]]:
    """CUPED adjustment over all rows: (y − θ(x − x̄), θ, variance_reduction, warnings).

    θ = cov(y, x)/var(x); variance_reduction = 1 − var(y′)/var(y) (= corr(y, x)²), from
    the co-moments of (y, x) as `ab_test_groups` computes them.
    Reference: Deng, Xu, Kohavi & Walker (2013), eq. 4.
    Checked against: a hand computation and statsmodels OLS (tests/stats/test_abtest.py).
    """
    if x.size == 0 or np.min(x) == np.max(x):
        raise InputError("the --covariate column is constant; CUPED needs a pre-experiment "
                         "value that varies between rows")
    co = CoMoments.of(np.column_stack([y, x]))
    theta = float(co.c[0, 1] / co.c[1, 1])
    warnings = []
    if co.c[0, 0] > 0:
        adjusted = co.c[0, 0] - 2 * theta * co.c[0, 1] + theta * theta * co.c[1, 1]
        reduction = 1 - max(float(adjusted), 0.0) / float(co.c[0, 0])
    else:
        reduction = math.nan
        warnings.append("the metric is constant, so variance_reduction is undefined (null)")
    return y - theta * (x - co.mean[1]), theta, reduction, warnings


def sample_ratio_p_value(sizes: Sequence[int], ratio: Sequence[float]) -> float:
    """Chi-square goodness of fit of the group sizes to the expected ratio (df = k − 1).

    X² = Σ (n_i − E_i)²/E_i, E_i = N·r_i/Σr. Reference: Fabijan et al. (2019),
    "Diagnosing sample ratio mismatch in online controlled experiments", KDD.
    Checked against: SciPy `chisquare`.
    """
    from scipy.special import chdtrc

    observed = np.asarray(sizes, dtype=np.float64)
    share = np.asarray(ratio, dtype=np.float64)
    share = share / share.max()  # parts like 1e308:1e308 must not overflow their sum
    expected = observed.sum() * (share / share.sum())
    statistic = float(np.sum((observed - expected) ** 2 / expected))
    return float(chdtrc(len(sizes) - 1, statistic))
