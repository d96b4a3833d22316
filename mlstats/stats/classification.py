"""Classifier metrics: confusion counts, precision-recall and ROC curves, bootstrap intervals.

The mergeable summaries are counts: the confusion matrix of hard predictions, and for scores
the number of positive and negative rows at each distinct score (`ScoreGroups`), from which
every curve metric follows by cumulative sums. Intervals and model comparisons come from a
bootstrap stratified by true class, drawn as counts per cell (a cell: the rows that every
model puts in the same group) in blocks that fit in the cache (`_Draws`: rows per block
from a multinomial, then per block a multinomial over its cells or row draws counted per
cell), and scored block by block in each model's order (`_Ranking`), so that resamples are
vectorized, batched in bounded memory, and cost the same per row whatever the size.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from mlstats.errors import InputError
from mlstats.stats.summaries import ScoreCounts

if TYPE_CHECKING:
    from concurrent.futures import Executor

Coded = tuple[np.ndarray, Sequence[str]]
"""A label column as integer codes (−1 = missing) and the label of each code."""

_OBVIOUS_PAIRS = (frozenset({"0", "1"}), frozenset({"-1", "1"}),
                  frozenset({"false", "true"}), frozenset({"no", "yes"}))
_POSITIVE_SPELLINGS = ("1", "true", "yes")
NO_ROWS = "no rows to score: every row misses the label, the score or the prediction"
# More classes than this (ImageNet's 1000 fit) are most likely a score column given as
# --pred: their confusion matrix would take gigabytes and the warnings screens of labels.
_MAX_CLASSES = 1000
# A bootstrap batch holds about this many counts (cells × resamples; bounded memory).
_BATCH_ELEMENTS = 1 << 23
# Rows per block of a stratum's draws, and cells per block of a model's curve metrics: the
# work of a block stays in the cache.
_BLOCK_ROWS = 1 << 13
_BLOCK_CELLS = 1 << 13
# A multinomial draw costs about five times a row draw per cell: draw per cell when the cells
# are at least this many times fewer than the rows.
_CELLS_PER_ROW_DRAW = 5


# -- results ----------------------------------------------------------------------------------
def _no_intervals() -> Mapping[str, Interval]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class Interval:
    """A percentile bootstrap interval."""

    low: float
    high: float


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricComparison:
    """One metric of the new model against the baseline on the same rows (paired bootstrap)."""

    name: str
    new: float
    baseline: float
    diff: float
    ci_low: float
    ci_high: float
    p_value: float


@dataclass(frozen=True, slots=True, kw_only=True)
class BinaryResult:
    """Binary metrics of hard predictions (`--pred`)."""

    positive: str
    tp: int
    fp: int
    fn: int
    tn: int
    precision: float
    recall: float
    f1: float
    accuracy: float
    specificity: float
    fpr: float
    fnr: float
    support: int
    threshold: float | None = None
    beta: float | None = None
    fbeta: float | None = None
    confidence: float | None = None
    resamples: int | None = None
    seed: int | None = None
    ci: Mapping[str, Interval] = field(default_factory=_no_intervals)
    baseline: str | None = None
    comparison: tuple[MetricComparison, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoredBinaryResult:
    """Binary metrics of scores (`--score`): at the threshold, and over every threshold."""

    positive: str
    tp: int
    fp: int
    fn: int
    tn: int
    precision: float
    recall: float
    f1: float
    accuracy: float
    specificity: float
    fpr: float
    fnr: float
    support: int
    threshold: float
    beta: float | None = None
    fbeta: float | None = None
    average_precision: float
    roc_auc: float
    best_f1: float
    best_f1_threshold: float
    target_precision: float | None = None
    threshold_at_precision: float | None = None
    recall_at_precision: float | None = None
    confidence: float | None = None
    resamples: int | None = None
    seed: int | None = None
    ci: Mapping[str, Interval] = field(default_factory=_no_intervals)
    baseline: str | None = None
    comparison: tuple[MetricComparison, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassMetrics:
    """One class of a multi-class report (one-vs-rest counts)."""

    name: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassMetricsWithFbeta(ClassMetrics):
    fbeta: float


@dataclass(frozen=True, slots=True, kw_only=True)
class MulticlassResult:
    """Multi-class metrics of hard predictions: per class, averaged, and the confusion matrix."""

    accuracy: float
    macro_precision: float
    macro_recall: float
    macro_f1: float
    micro_precision: float
    micro_recall: float
    micro_f1: float
    weighted_precision: float
    weighted_recall: float
    weighted_f1: float
    beta: float | None = None
    macro_fbeta: float | None = None
    per_class: tuple[ClassMetrics, ...]
    confusion: tuple[Mapping[str, str | int], ...]
    confidence: float | None = None
    resamples: int | None = None
    seed: int | None = None
    ci: Mapping[str, Interval] = field(default_factory=_no_intervals)
    baseline: str | None = None
    comparison: tuple[MetricComparison, ...] = ()
    warnings: tuple[str, ...] = ()


Result = BinaryResult | ScoredBinaryResult | MulticlassResult


# -- labels -----------------------------------------------------------------------------------
def positive_label(labels: Sequence[str], positive: str | None, *, what: str = "--true") -> str:
    """The positive class: `positive` when given, else `1`, `true` or `yes` of an obvious pair.

    Obvious pairs (case-insensitive): 0/1, -1/1, false/true, no/yes, or one label of them;
    when the positive label is absent its lower-case spelling is returned. A given `positive`
    is matched as spelled, else as the same number or up to case (`--positive 1.0` names the
    label 1, `True` names true, as the reader spells numbers and booleans), provided one
    label matches; it may also name the absent half of an obvious pair (one class only).
    """
    if positive is not None:
        return _given_positive(labels, positive, what)
    lowered = [label.lower() for label in labels]
    pair = next((p for p in _OBVIOUS_PAIRS if set(lowered) <= p), None)
    if pair is None or not labels:
        if len(labels) == 1:
            verb = "hold" if " and " in what else "holds"
            raise InputError(f"{what} {verb} one label ('{labels[0]}'), not an obvious 0/1 "
                             "pair; name the positive class with --positive")
        if len(labels) == 2:
            raise InputError(f"the labels '{labels[0]}' and '{labels[1]}' of {what} are not an "
                             "obvious pair (0/1, false/true, no/yes); name the positive class "
                             "with --positive")
        raise InputError(f"{what} holds {len(labels)} labels ({_listing(labels)}); name the "
                         "positive class with --positive to score it against the rest")
    for label, low in zip(labels, lowered, strict=True):
        if low in _POSITIVE_SPELLINGS:
            return label
    return next(s for s in _POSITIVE_SPELLINGS if s in pair)


def _given_positive(labels: Sequence[str], positive: str, what: str) -> str:
    if positive in labels:
        return positive
    key = _label_key(positive)
    same = [label for label in labels if _label_key(label) == key]
    if len(same) == 1:
        return same[0]
    if not same and any({key, *map(_label_key, labels)} <= p for p in _OBVIOUS_PAIRS):
        return key  # the absent half of a pair: --true holds one class (warned later)
    raise InputError(f"--positive '{positive}' is not a label of {what}; labels are: "
                     f"{_listing(labels)}")


def _label_key(label: str) -> str:
    """A label as a whole number's digits when it is one (1.0 → 1), else in lower case."""
    try:
        number = float(label)
    except ValueError:
        return label.lower()
    return str(int(number)) if number.is_integer() else label.lower()


def union_codes(*coded: Coded) -> tuple[list[np.ndarray], list[str]]:
    """Re-code several label columns on one shared list of labels (first appearance order)."""
    if len(coded) == 1:
        return [np.asarray(coded[0][0])], list(coded[0][1])
    labels = list(dict.fromkeys(label for _codes, names in coded for label in names))
    index = {label: i for i, label in enumerate(labels)}
    recoded = []
    for codes, names in coded:
        # the extra last entry maps the missing code −1 to −1
        table = np.array([index[name] for name in names] + [-1], dtype=np.int64)
        recoded.append(table[codes])
    return recoded, labels


def _sorted_labels(labels: Sequence[str]) -> list[int]:
    """Order of `labels` as scikit-learn sorts classes: numerically when all are numbers."""
    try:
        keys = [float(label) for label in labels]
    except ValueError:
        return sorted(range(len(labels)), key=lambda i: labels[i])
    return sorted(range(len(labels)), key=lambda i: (keys[i], labels[i]))


# -- scores: one sort into distinct-score groups ----------------------------------------------
@dataclass(frozen=True, slots=True)
class ScoreGroups:
    """Distinct scores in descending order with the positive and negative rows at each.

    Predicting "positive" when score ≥ thresholds[g] makes tp = Σ_{h ≤ g} pos[h] and
    fp = Σ_{h ≤ g} neg[h]; every curve metric is a cumulative sum over these counts.
    """

    thresholds: np.ndarray
    pos: np.ndarray
    neg: np.ndarray

    @classmethod
    def of_counts(cls, counts: ScoreCounts) -> ScoreGroups:
        """The mergeable summary (`ScoreCounts`, ascending scores) in descending order."""
        return cls(counts.scores[::-1] + 0.0, counts.positives[::-1], counts.negatives[::-1])

    @property
    def n_pos(self) -> int:
        return int(self.pos.sum())

    @property
    def n_neg(self) -> int:
        return int(self.neg.sum())

    def cut(self, threshold: float) -> int:
        """How many groups score ≥ `threshold`, i.e. are predicted positive."""
        return int(np.count_nonzero(self.thresholds >= threshold))

    def index_of(self, score: np.ndarray) -> np.ndarray:
        """The group (descending position) of each score, the scores these groups were made
        of: its rank among the distinct scores, counted along one sort (a binary search per
        row would miss the cache at every step)."""
        score = np.asarray(score, dtype=np.float64) + 0.0  # −0.0 → 0.0, as score_groups
        order = np.argsort(score)
        ascending = np.empty(score.size, dtype=np.int64)
        ranks = ascending[:0] if not score.size else np.concatenate(
            ([0], np.cumsum(score[order[1:]] != score[order[:-1]])))
        ascending[order] = ranks
        return self.thresholds.size - 1 - ascending

    def curve(self, points: int | None = None) -> Curve:
        """Precision, recall, F1, FPR and TPR at every distinct threshold (ascending).

        The last point has no threshold: nothing is predicted positive (precision 1 by
        scikit-learn's convention, recall 0, FPR 0). Zero divisions give 0. With `points`,
        at most that many points, evenly spaced along the curve, both ends kept (charts).
        """
        threshold = self.thresholds[::-1]
        tps = np.cumsum(self.pos)[::-1]
        fps = np.cumsum(self.neg)[::-1]
        n_pos, n_neg = self.n_pos, self.n_neg
        if points is not None and threshold.size + 1 > points:
            keep = np.unique(np.linspace(0, threshold.size, points).round().astype(np.int64))
            keep = keep[keep < threshold.size]
            threshold, tps, fps = threshold[keep], tps[keep], fps[keep]
        predicted = tps + fps

        def with_end(values: np.ndarray, end: float) -> np.ndarray:
            return np.append(values, end)

        recall = with_end(tps / (n_pos or 1), 0.0)  # no positives: tps = 0, recall 0
        return Curve(threshold=with_end(threshold, np.nan),
                     precision=with_end(tps / predicted, 1.0), recall=recall,
                     f1=with_end(2 * tps / (predicted + n_pos), 0.0),
                     fpr=with_end(fps / (n_neg or 1), 0.0), tpr=recall)


@dataclass(frozen=True, slots=True)
class Curve:
    """The precision-recall and ROC curves, one point per distinct threshold, ascending."""

    threshold: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    fpr: np.ndarray
    tpr: np.ndarray


def score_groups(positive: np.ndarray, score: np.ndarray) -> ScoreGroups:
    """Count positive and negative rows per distinct score, with one sort and no argsort.

    A non-negative float64 sorts as its bit pattern read as an unsigned integer, and that
    pattern leaves the top bit free: the key (bits << 1) | is_positive sorts by score and
    carries the label, so NumPy's fast value sort replaces a slower argsort and gather.
    Negative scores (logits) are sorted by magnitude the same way, apart. −0.0 counts as 0.0.
    Reference: scikit-learn `confusion_matrix_at_thresholds` (distinct thresholds, `np.diff`).
    Checked against: scikit-learn 1.9.1 (tests/stats/test_classification.py).
    """
    score = np.asarray(score, dtype=np.float64) + 0.0  # −0.0 → 0.0, as np.diff sees them
    label = np.asarray(positive, dtype=bool)
    negative = score < 0
    if not negative.any():
        values, pos, neg = _ascending_groups(score, label)
        return ScoreGroups(values[::-1], pos[::-1], neg[::-1])
    high = _ascending_groups(score[~negative], label[~negative])
    low = _ascending_groups(-score[negative], label[negative])  # by magnitude: descending
    return ScoreGroups(np.concatenate([high[0][::-1], -low[0]]),
                       np.concatenate([high[1][::-1], low[1]]),
                       np.concatenate([high[2][::-1], low[2]]))


def _ascending_groups(magnitude: np.ndarray,
                      label: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct values of `magnitude` (≥ 0) ascending, with the positive and negative counts."""
    if magnitude.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(0), empty, empty
    one = np.uint64(1)
    keys = np.ascontiguousarray(magnitude).view(np.uint64) << one
    keys |= label.view(np.uint8)
    keys.sort()
    # runs of equal keys: one (value, label) pair each; a value has at most two runs, its
    # negatives first (label bit 0), so only the short run arrays need grouping by value
    runs = _starts(keys)
    if runs.size == keys.size:  # every key distinct: each row is its own run
        run_keys, run_sizes = keys, np.ones(keys.size, dtype=np.int64)
    else:
        run_keys, run_sizes = keys[runs], np.diff(runs, append=keys.size)
    run_values = run_keys >> one
    run_pos = run_sizes * (run_keys & one).view(np.int64)
    starts = _starts(run_values)
    if starts.size == run_values.size:  # no score holds both classes
        return run_values.view(np.float64), run_pos, run_sizes - run_pos
    pos = np.add.reduceat(run_pos, starts)
    total = np.add.reduceat(run_sizes, starts)
    return run_values[starts].view(np.float64), pos, total - pos


def _starts(sorted_values: np.ndarray) -> np.ndarray:
    """Where each run of equal values begins in a sorted array."""
    changes = np.empty(sorted_values.size, dtype=bool)
    changes[0] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=changes[1:])
    return np.flatnonzero(changes)


# -- the metrics, vectorized over a leading batch axis ----------------------------------------
def _divide(numerator: Any, denominator: Any) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator != 0, numerator / denominator, np.nan)


def _threshold_metrics(tp: np.ndarray, fp: np.ndarray, n_pos: int) -> dict[str, np.ndarray]:
    """precision = tp/(tp+fp), recall = tp/n₊, F1 = 2tp/(tp+fp+n₊), NaN when undefined."""
    return {"precision": _divide(tp, tp + fp), "recall": _divide(tp, n_pos),
            "f1": _divide(2 * tp, tp + fp + n_pos)}


def _confusion_metrics(confusion: np.ndarray, beta: float | None = None) -> dict[str, np.ndarray]:
    """Per-class and averaged metrics of confusion matrices (…, true, predicted).

    Per class k: precision = C_kk / Σ_t C_tk, recall = C_kk / Σ_p C_kp, F1 = 2C_kk/(row +
    column), F-beta = (1+β²)C_kk/(β²·row + column); an undefined ratio is 0, as
    scikit-learn's zero_division=0. Macro = mean over classes, weighted = by support,
    micro = accuracy = trace / n (one label per row). Averages run over the classes that
    occur (as truth or prediction) in the matrix.
    """
    tp = np.diagonal(confusion, axis1=-2, axis2=-1)
    support = confusion.sum(axis=-1)
    predicted = confusion.sum(axis=-2)
    total = support.sum(axis=-1)
    per = {"precision": np.nan_to_num(_divide(tp, predicted)),
           "recall": np.nan_to_num(_divide(tp, support)),
           "f1": np.nan_to_num(_divide(2 * tp, support + predicted))}
    if beta is not None:
        a, b, c = _beta_weights(beta)  # fn = row − tp, fp = column − tp
        per["fbeta"] = np.nan_to_num(_divide(a * tp, a * tp + b * (support - tp)
                                             + c * (predicted - tp)))
    accuracy = _divide(tp.sum(axis=-1), total)
    # scikit-learn averages over the labels that occur in y_true or y_pred
    present = (support + predicted) > 0
    values = {"accuracy": accuracy}
    for name, metric in per.items():
        values[f"per_class_{name}"] = metric
        values[f"macro_{name}"] = _divide((metric * present).sum(axis=-1),
                                          present.sum(axis=-1))
        values[f"weighted_{name}"] = _divide((metric * support).sum(axis=-1), total)
    values["support"] = support
    return values


def _beta_weights(beta: float) -> tuple[float, float, float]:
    """Weights (a, b, c) of tp, fn and fp with F-beta = a·tp / (a·tp + b·fn + c·fp).

    (1 + β², β², 1) for β < 1; for β ≥ 1 the same divided through by β², (1 + β⁻², 1, β⁻²),
    so that β² is never formed: a huge β gives the recall and a tiny one the precision (the
    limits) instead of inf/inf, and β = 1, 2, ½ keep every weight exact.
    """
    if beta >= 1:
        inverse = (1 / beta) ** 2
        return 1 + inverse, 1.0, inverse
    b2 = beta * beta
    return 1 + b2, b2, 1.0


# -- binary results ---------------------------------------------------------------------------
def _binary_fields(*, tp: int, fp: int, fn: int, tn: int, beta: float | None,
                   warnings: list[str], prefix: str = "") -> dict[str, Any]:
    """The threshold metrics of one confusion matrix; zero divisions give 0 with a warning."""
    ratios = {
        "precision": (tp, tp + fp, "no row is predicted positive"),
        "recall": (tp, tp + fn, "no row is truly positive"),
        "f1": (2 * tp, 2 * tp + fp + fn, "no row is positive, truly or predicted"),
        "specificity": (tn, tn + fp, "no row is truly negative"),
        "fpr": (fp, fp + tn, "no row is truly negative"),
        "fnr": (fn, fn + tp, "no row is truly positive"),
    }
    fields: dict[str, Any] = {}
    undefined: dict[str, list[str]] = {}
    for name, (num, den, why) in ratios.items():
        fields[name] = num / den if den else 0.0
        if not den:
            undefined.setdefault(why, []).append(name)
    if beta is not None:
        a, b, c = _beta_weights(beta)
        # tp = 0 gives 0: the value when fn + fp > 0, and zero_division's when not
        fields["fbeta"] = a * tp / (a * tp + b * fn + c * fp) if tp else 0.0
        if not tp + fn + fp:
            undefined.setdefault("no row is positive, truly or predicted", []).append("fbeta")
    fields["accuracy"] = (tp + tn) / (tp + fp + fn + tn)
    for why, names in undefined.items():
        warnings.append(f"{prefix}{', '.join(names)} undefined ({why}): reported as 0, "
                        "as scikit-learn's zero_division default")
    return fields


def binary_from_predictions(
    truth: np.ndarray, predicted: np.ndarray, *, positive: str = "1", beta: float | None = None,
    ci: bool = False, resamples: int = 2000, confidence: float = 0.95, seed: int | None = None,
    baseline: np.ndarray | None = None, baseline_name: str | None = None,
    progress: Callable[[int], None] | None = None, counts: np.ndarray | None = None,
) -> BinaryResult:
    """Binary metrics of hard predictions (`truth`, `predicted`: booleans, True = positive;
    one entry per row, or with `counts` one per distinct combination with its rows).

    precision = tp/(tp+fp), recall = tp/(tp+fn), F1 = 2tp/(2tp+fp+fn),
    F-beta = (1+β²)tp/((1+β²)tp + β²fn + fp), specificity = tn/(tn+fp) = 1 − fpr,
    fnr = fn/(fn+tp) = 1 − recall; `ci` and `baseline` add a bootstrap stratified by the
    true class (percentile intervals; paired with the baseline's predictions).
    Reference: scikit-learn `precision_recall_fscore_support`, `confusion_matrix`.
    Checked against: scikit-learn 1.9.1 (tests/stats/test_classification.py).
    """
    _check_options(beta=beta, confidence=confidence, resamples=resamples, seed=seed)
    truth = np.asarray(truth, dtype=bool)
    predicted = np.asarray(predicted, dtype=bool)
    weights = np.ones(truth.size, dtype=np.int64) if counts is None else np.asarray(counts)
    total = int(weights.sum())
    if total == 0:
        raise InputError(NO_ROWS)
    warnings: list[str] = []
    n_pos = int(weights[truth].sum())
    _one_class_warning_of(n_pos, total, warnings, scores=False)
    models = [predicted] if baseline is None else [predicted, np.asarray(baseline, dtype=bool)]
    points = []
    for i, model in enumerate(models):
        tp = int(weights[truth & model].sum())
        fp = int(weights[~truth & model].sum())
        found = {"tp": tp, "fp": fp, "fn": n_pos - tp, "tn": total - n_pos - fp}
        points.append({**found, **_binary_fields(**found, beta=beta, warnings=warnings,
                                                 prefix="baseline " if i else "")})
    extra = {}
    if ci or baseline is not None:
        # group 0 = predicted positive, 1 = predicted negative: the first group is the cut
        rows = [(~m).astype(np.int64) for m in models]
        strata = [_Stratum.of([g[truth] for g in rows], [2] * len(rows), counts if counts is
                              None else weights[truth]),
                  _Stratum.of([g[~truth] for g in rows], [2] * len(rows), counts if counts is
                              None else weights[~truth])]
        extra = _binary_uncertainty(strata, [2] * len(rows), [1] * len(rows), points,
                                    ("precision", "recall", "f1"), ci=ci, resamples=resamples,
                                    confidence=confidence, seed=seed, progress=progress,
                                    warnings=warnings, scored=False)
    return BinaryResult(positive=positive, support=n_pos, threshold=None, beta=beta,
                        baseline=baseline_name, **points[0], **extra, warnings=tuple(warnings))


def binary_from_scores(
    truth: np.ndarray, score: np.ndarray, *, positive: str = "1", threshold: float = 0.5,
    beta: float | None = None, target_precision: float | None = None, ci: bool = False,
    resamples: int = 2000, confidence: float = 0.95, seed: int | None = None,
    baseline: np.ndarray | None = None, baseline_name: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[ScoredBinaryResult, ScoreGroups]:
    """Binary metrics of scores: at `threshold` (score ≥ threshold is positive) and overall.

    One sort groups the rows by distinct score (`score_groups`); cumulative sums give every
    threshold's confusion counts. AP = Σ_k (R_k − R_{k−1})·P_k over thresholds (scikit-learn's
    step integral, no interpolation); ROC-AUC is the trapezoid area under (FPR, TPR), ties
    counted half (= the Mann–Whitney U / n₊n₋). best_f1 is the largest F1 over thresholds
    (ties: the lowest threshold); threshold_at_precision is the lowest threshold whose
    precision ≥ `target_precision`, which gives the largest recall at that precision.
    Reference: scikit-learn `precision_recall_curve`, `average_precision_score`,
    `roc_auc_score`; Efron & Tibshirani (1993) ch. 13 for percentile intervals.
    Checked against: scikit-learn 1.9.1 (tests/stats/test_classification.py).
    """
    _check_options(beta=beta, confidence=confidence, resamples=resamples, seed=seed)
    if not math.isfinite(threshold):
        raise InputError(f"--threshold must be a finite number (got {threshold})")
    if target_precision is not None and not 0 < target_precision <= 1:
        raise InputError("--target-precision must be greater than 0 and at most 1 "
                         f"(got {target_precision:g})")
    truth = np.asarray(truth, dtype=bool)
    score = np.asarray(score, dtype=np.float64)
    if truth.size == 0:
        raise InputError(NO_ROWS)
    _check_no_nan(score, "--score")
    if baseline is not None:
        baseline = np.asarray(baseline, dtype=np.float64)
        _check_no_nan(baseline, "the baseline score")
    if baseline is None:
        groups = score_groups(truth, score)
        return binary_from_groups(
            groups, score_range=(float(score.min()), float(score.max())), positive=positive,
            threshold=threshold, beta=beta, target_precision=target_precision, ci=ci,
            resamples=resamples, confidence=confidence, seed=seed, progress=progress), groups
    warnings: list[str] = []
    _range_warning(score, threshold, warnings, "--score")
    one_class = _one_class_warning(truth, warnings, scores=True)
    groups = score_groups(truth, score)
    curve = _Cumulative.of(groups)
    point = curve.at(threshold, beta, warnings)
    best, best_threshold = curve.best_f1()
    target = curve.at_precision(target_precision, warnings)
    extra = {}
    if ci or baseline is not None:
        models, points = [groups], [point]
        if baseline is not None:
            _range_warning(baseline, threshold, warnings, "the baseline score")
            models.append(score_groups(truth, baseline))
            points.append(_Cumulative.of(models[1]).at(threshold, beta, warnings,
                                                       prefix="baseline "))
        sizes = [m.thresholds.size for m in models]
        cuts = [m.cut(threshold) for m in models]
        if baseline is None:  # one model: its counts per group are all the bootstrap needs
            strata = [_Stratum.of_counts(groups.pos), _Stratum.of_counts(groups.neg)]
        else:
            rows = [m.index_of(s) for m, s in zip(models, (score, baseline), strict=True)]
            strata = [_Stratum.of([g[truth] for g in rows], sizes),
                      _Stratum.of([g[~truth] for g in rows], sizes)]
        names = ("precision", "recall", "f1") + (
            ("average_precision",) if curve.n_pos else ()) + (() if one_class else ("roc_auc",))
        extra = _binary_uncertainty(strata, sizes, cuts, points, names, ci=ci,
                                    resamples=resamples, confidence=confidence, seed=seed,
                                    progress=progress, warnings=warnings, scored=True)
    result = ScoredBinaryResult(
        positive=positive, support=curve.n_pos, threshold=threshold, beta=beta, **point,
        best_f1=best, best_f1_threshold=best_threshold, target_precision=target_precision,
        threshold_at_precision=target[0], recall_at_precision=target[1],
        baseline=baseline_name, **extra, warnings=tuple(warnings))
    return result, groups


def binary_from_groups(
    groups: ScoreGroups, *, score_range: tuple[float, float], positive: str = "1",
    threshold: float = 0.5, beta: float | None = None, target_precision: float | None = None,
    ci: bool = False, resamples: int = 2000, confidence: float = 0.95,
    seed: int | None = None, progress: Callable[[int], None] | None = None,
) -> ScoredBinaryResult:
    """`binary_from_scores` of one model from its summary: the positive and negative rows
    per distinct score (whichever engine counted them) and the scores' range.

    Reference and checks: as `binary_from_scores`, whose one-model path this is.
    """
    _check_options(beta=beta, confidence=confidence, resamples=resamples, seed=seed)
    warnings: list[str] = []
    _range_warning_of(*score_range, threshold, warnings, "--score")
    one_class = _one_class_warning_of(groups.n_pos, groups.n_pos + groups.n_neg, warnings,
                                      scores=True)
    curve = _Cumulative.of(groups)
    point = curve.at(threshold, beta, warnings)
    best, best_threshold = curve.best_f1()
    target = curve.at_precision(target_precision, warnings)
    extra = {}
    if ci:  # one model: its counts per group are all the bootstrap needs
        strata = [_Stratum.of_counts(groups.pos), _Stratum.of_counts(groups.neg)]
        names = ("precision", "recall", "f1") + (
            ("average_precision",) if curve.n_pos else ()) + (() if one_class else ("roc_auc",))
        extra = _binary_uncertainty(strata, [groups.thresholds.size],
                                    [groups.cut(threshold)], [point], names, ci=ci,
                                    resamples=resamples, confidence=confidence, seed=seed,
                                    progress=progress, warnings=warnings, scored=True)
    return ScoredBinaryResult(
        positive=positive, support=curve.n_pos, threshold=threshold, beta=beta, **point,
        best_f1=best, best_f1_threshold=best_threshold, target_precision=target_precision,
        threshold_at_precision=target[0], recall_at_precision=target[1],
        baseline=None, **extra, warnings=tuple(warnings))


@dataclass(frozen=True, slots=True)
class _Cumulative:
    """Confusion counts at every distinct threshold (descending): tp = tps[g], fp = fps[g]."""

    groups: ScoreGroups
    tps: np.ndarray
    fps: np.ndarray
    predicted: np.ndarray
    precision: np.ndarray
    n_pos: int
    n_neg: int

    @classmethod
    def of(cls, groups: ScoreGroups) -> _Cumulative:
        tps = np.cumsum(groups.pos)
        fps = np.cumsum(groups.neg)
        predicted = tps + fps
        # every group holds a row, so tps + fps ≥ 1: no division by zero
        return cls(groups, tps, fps, predicted, tps / predicted, int(tps[-1]), int(fps[-1]))

    def average_precision(self) -> float:
        """Σ_g pos_g·P_g / n₊ = Σ_k (R_k − R_{k−1})·P_k; NaN without positives (recall is
        undefined), 1 when every row is positive (precision 1 at every threshold, as
        scikit-learn's average_precision_score)."""
        if not self.n_pos:
            return math.nan
        return float(np.dot(self.groups.pos, self.precision) / self.n_pos)

    def roc_auc(self) -> float:
        """Σ_g neg_g·(2·tps_g − pos_g) / (2·n₊·n₋): trapezoids, a tie counted half."""
        if not (self.n_pos and self.n_neg):
            return math.nan
        # in integers, exactly: each sum is at most 2·n₊·n₋
        neg = self.groups.neg
        pairs = 2 * int(np.dot(neg, self.tps)) - int(np.dot(neg, self.groups.pos))
        return pairs / (2 * self.n_pos * self.n_neg)

    def at(self, threshold: float, beta: float | None, warnings: list[str],
           prefix: str = "") -> dict[str, Any]:
        """Confusion counts and metrics at `threshold`, with AP and ROC-AUC."""
        cut = self.groups.cut(threshold)
        tp = int(self.tps[cut - 1]) if cut else 0
        fp = int(self.fps[cut - 1]) if cut else 0
        counts = {"tp": tp, "fp": fp, "fn": self.n_pos - tp, "tn": self.n_neg - fp}
        return {**counts, **_binary_fields(**counts, beta=beta, warnings=warnings, prefix=prefix),
                "average_precision": self.average_precision(), "roc_auc": self.roc_auc()}

    def best_f1(self) -> tuple[float, float]:
        # F1 = 2tp/(2tp+fp+fn) = 2tp/(tp+fp+n₊); tp/(tp+fp+n₊) is a ratio of integers, so
        # equal F1 values tie exactly
        half = self.tps / (self.predicted + self.n_pos)
        best = int(np.flatnonzero(half == half.max())[-1])  # ties: the lowest threshold
        return 2 * self.tps[best] / (self.predicted[best] + self.n_pos), \
            float(self.groups.thresholds[best])

    def at_precision(self, target: float | None,
                     warnings: list[str]) -> tuple[float | None, float | None]:
        if target is None:
            return None, None
        reached = np.flatnonzero(self.precision >= target)
        if reached.size == 0:
            top = int(np.argmax(self.precision))
            warnings.append(
                f"no threshold reaches precision {target:g} (the highest is "
                f"{self.precision[top]:.6g}, at threshold {self.groups.thresholds[top]:.6g}): "
                "threshold_at_precision and recall_at_precision are null")
            return None, None
        g = int(reached[-1])
        recall = self.tps[g] / self.n_pos if self.n_pos else 0.0
        return float(self.groups.thresholds[g]), float(recall)


def _one_class_warning(truth: np.ndarray, warnings: list[str], *, scores: bool) -> bool:
    return _one_class_warning_of(int(np.count_nonzero(truth)), truth.size, warnings,
                                 scores=scores)


def _one_class_warning_of(n_pos: int, n: int, warnings: list[str], *, scores: bool) -> bool:
    if 0 < n_pos < n:
        return False
    which = "positive" if n_pos else "negative"
    tail = ""
    if scores:
        tail = (": roc_auc is null (average_precision is 1: every threshold has precision 1)"
                if n_pos else ": average_precision and roc_auc are null")
    warnings.append(f"only one class in --true (every row is {which}){tail}")
    return True


_NAN_HINT = ("(text such as 'NAN' that reads as not-a-number but is not a missing-value "
             "marker); name that text with --na to leave those rows out")


def _check_no_nan(score: np.ndarray, what: str) -> None:
    """Refuse NaN scores: NaN has no place in a ranking, and would sort above every score."""
    nan = int(np.count_nonzero(np.isnan(score)))
    if nan:
        raise InputError(f"{what} holds NaN in {nan} of {score.size} rows {_NAN_HINT}")


def _check_labels(coded: Coded, what: str) -> None:
    """Refuse a NaN label (the reader names it None): it is not a class."""
    codes, labels = coded
    nan = [i for i, label in enumerate(labels) if label is None]
    if nan:
        rows = int(np.count_nonzero(np.isin(codes, nan)))
        raise InputError(f"{what} holds NaN in {rows} of {len(codes)} rows {_NAN_HINT}")


def _range_warning(score: np.ndarray, threshold: float, warnings: list[str], what: str) -> None:
    _range_warning_of(float(score.min()), float(score.max()), threshold, warnings, what)


def _range_warning_of(low: float, high: float, threshold: float, warnings: list[str],
                      what: str) -> None:
    if low < 0 or high > 1:
        warnings.append(f"{what} has values outside [0, 1] (from {low:.6g} to {high:.6g}): read "
                        f"as a ranking; the threshold {threshold:g} is on the same scale")


def _check_options(*, beta: float | None, confidence: float, resamples: int,
                   seed: int | None) -> None:
    if beta is not None and not (math.isfinite(beta) and beta > 0):
        raise InputError(f"--beta must be greater than 0 (got {beta:g})")
    if seed is not None and seed < 0:  # NumPy's generators take no negative seed
        raise InputError(f"--seed must be 0 or more (got {seed})")
    if not 0 < confidence < 1:
        raise InputError(f"--confidence must be between 0 and 1 (got {confidence:g})")
    if resamples < 1:
        raise InputError(f"--resamples must be at least 1 (got {resamples})")


# -- multi-class ------------------------------------------------------------------------------
def multiclass_from_predictions(
    truth: np.ndarray, predicted: np.ndarray, labels: Sequence[str], *,
    beta: float | None = None, ci: bool = False, resamples: int = 2000,
    confidence: float = 0.95, seed: int | None = None, baseline: np.ndarray | None = None,
    baseline_name: str | None = None, progress: Callable[[int], None] | None = None,
    counts: np.ndarray | None = None,
) -> MulticlassResult:
    """Per-class, macro, micro and weighted precision, recall and F1, and the confusion matrix.

    `truth`, `predicted` (and `baseline`) are codes into `labels`, one per row, or with
    `counts` one per distinct combination with its rows. Classes are the union of
    true and predicted labels, sorted as scikit-learn sorts them (numerically when every label
    is a number). Per class k (one-vs-rest): precision = C_kk/Σ_t C_tk, recall = C_kk/Σ_p C_kp,
    F1 = 2C_kk/(Σ_p C_kp + Σ_t C_tk); an undefined ratio is 0 with a warning; macro = mean
    over classes, weighted = mean weighted by support, micro = accuracy = Σ_k C_kk / n.
    `ci` resamples rows within each true class (a multinomial over each confusion row).
    Reference: scikit-learn `classification_report`, `confusion_matrix`, `fbeta_score`.
    Checked against: scikit-learn 1.9.1 (tests/stats/test_classification.py).
    """
    _check_options(beta=beta, confidence=confidence, resamples=resamples, seed=seed)
    truth = np.asarray(truth, dtype=np.int64)
    predicted = np.asarray(predicted, dtype=np.int64)
    if (truth.size if counts is None else int(np.sum(counts))) == 0:
        raise InputError(NO_ROWS)
    models = [predicted] if baseline is None else [predicted, np.asarray(baseline, np.int64)]
    # classes: every label that occurs (the baseline's too, for the paired bootstrap); the
    # report shows those of the truth and the new predictions
    used = np.unique(np.concatenate([truth, *models]))
    if used.size > _MAX_CLASSES:
        raise InputError(f"--true and --pred hold {used.size} labels, too many classes for a "
                         f"confusion matrix (at most {_MAX_CLASSES}); if --pred holds scores, "
                         "give it as --score")
    order = [int(i) for i in used[_sorted_labels([labels[i] for i in used])]]
    recode = np.full(len(labels), -1, dtype=np.int64)
    recode[order] = np.arange(len(order))
    names = [labels[i] for i in order]
    k = len(names)
    truth, models = recode[truth], [recode[m] for m in models]
    confusion = np.bincount(truth * k + models[0], weights=counts,
                            minlength=k * k).reshape(k, k).astype(np.int64)
    values = _confusion_metrics(confusion, beta)
    shown = np.flatnonzero(confusion.sum(axis=0) + confusion.sum(axis=1))
    warnings: list[str] = []
    never_predicted = [names[i] for i in shown if confusion[:, i].sum() == 0]
    never_true = [names[i] for i in shown if confusion[i].sum() == 0]
    if never_predicted:
        warnings.append(f"precision undefined for {_quoted(never_predicted)} (never predicted): "
                        "reported as 0, as scikit-learn's zero_division default")
    if never_true:
        warnings.append(f"recall undefined for {_quoted(never_true)} (not in --true): "
                        "reported as 0, as scikit-learn's zero_division default")
    row_type = ClassMetrics if beta is None else ClassMetricsWithFbeta
    per_class = tuple(
        row_type(name=names[i], support=int(values["support"][i]),
                 **{m: float(values[f"per_class_{m}"][i])
                    for m in ("precision", "recall", "f1", *(("fbeta",) if beta else ()))})
        for i in shown)
    confusion_rows = tuple(
        MappingProxyType({"name": names[i],
                          **{_column_key(names[j]): int(confusion[i, j]) for j in shown}})
        for i in shown)
    accuracy = float(values["accuracy"])
    extra = _multiclass_uncertainty(truth, models, k, beta, ci=ci, resamples=resamples,
                                    confidence=confidence, seed=seed, progress=progress,
                                    warnings=warnings, counts=counts)
    return MulticlassResult(
        accuracy=accuracy,
        macro_precision=float(values["macro_precision"]),
        macro_recall=float(values["macro_recall"]), macro_f1=float(values["macro_f1"]),
        micro_precision=accuracy, micro_recall=accuracy, micro_f1=accuracy,
        weighted_precision=float(values["weighted_precision"]),
        weighted_recall=float(values["weighted_recall"]),
        weighted_f1=float(values["weighted_f1"]), beta=beta,
        macro_fbeta=float(values["macro_fbeta"]) if beta is not None else None,
        per_class=per_class, confusion=confusion_rows, baseline=baseline_name, **extra,
        warnings=tuple(warnings))


def _column_key(label: str) -> str:
    # a predicted label spelled "name" would overwrite the row's own name
    return "'name'" if label == "name" else label


_MULTICLASS_INTERVALS = ("macro_precision", "macro_recall", "macro_f1", "weighted_f1",
                         "accuracy")


def _multiclass_uncertainty(truth: np.ndarray, models: list[np.ndarray], k: int,
                            beta: float | None, *, ci: bool, resamples: int, confidence: float,
                            seed: int | None, progress: Callable[[int], None] | None,
                            warnings: list[str],
                            counts: np.ndarray | None = None) -> dict[str, Any]:
    if not ci and len(models) == 1:
        return {}
    strata = [_Stratum.of([m[truth == c] for m in models], [k] * len(models),
                          None if counts is None else counts[truth == c])
              for c in range(k)]

    def evaluate(counts: list[np.ndarray], _pool: Executor) -> list[dict[str, np.ndarray]]:
        return [{n: v for n, v in _confusion_metrics(t).items() if n in _MULTICLASS_INTERVALS}
                for t in _group_counts(strata, counts, [k] * len(models))]

    draws = _bootstrap(strata, evaluate, resamples=resamples, seed=seed, width=k * k,
                       progress=progress)
    points = [{n: float(v) for n, v in _confusion_metrics(
        np.bincount(truth * k + m, weights=counts, minlength=k * k).reshape(k, k)).items()
        if n in _MULTICLASS_INTERVALS} for m in models]
    return _uncertainty_fields(draws, points, _MULTICLASS_INTERVALS, ci=ci,
                               confidence=confidence, resamples=resamples, seed=seed,
                               warnings=warnings)


# -- the stratified bootstrap -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Stratum:
    """The rows of one true class as cells: distinct tuples of every model's group."""

    counts: np.ndarray  # rows per cell
    groups: tuple[np.ndarray, ...]  # per model: the group of each cell

    @classmethod
    def of(cls, row_groups: Sequence[np.ndarray], sizes: Sequence[int],
           counts: np.ndarray | None = None) -> _Stratum:
        """Cells from each row's group under every model (sizes: groups per model), in the
        first model's group order; `counts`, the rows each entry stands for (1 each when
        None: one entry per row)."""
        if len(row_groups) == 1:
            found = np.bincount(row_groups[0], weights=counts, minlength=sizes[0])
            return cls.of_counts(found.astype(np.int64))
        joint = row_groups[0] * sizes[1] + row_groups[1]
        if counts is None:
            cells, found = np.unique(joint, return_counts=True)
        else:
            cells, where = np.unique(joint, return_inverse=True)
            found = np.bincount(where, weights=counts, minlength=cells.size).astype(np.int64)
            cells, found = cells[found > 0], found[found > 0]
        return cls(found, (cells // sizes[1], cells % sizes[1]))

    @classmethod
    def of_counts(cls, counts: np.ndarray) -> _Stratum:
        """Cells of one model from its rows per group."""
        cells = np.flatnonzero(counts)
        return cls(counts[cells], (cells,))

    @property
    def rows(self) -> int:
        return int(self.counts.sum())


class _Draws:
    """Resamples of one stratum's rows (with replacement) as counts per cell, (cells, size).

    The cells, in order, are cut into blocks of about `_BLOCK_ROWS` rows (a cell is never
    split). A resample of the stratum's n rows puts K_j of them in block j, (K_j) ~
    Multinomial(n, rows_j/n), and given K_j they are K_j rows drawn uniformly from the
    block, counted per cell, or one multinomial over the block's cells when it holds at
    least `_CELLS_PER_ROW_DRAW` rows per cell (cheaper then): exactly the law of a whole
    resample, with every draw inside a block that fits in the cache. The rows per block come
    from the stratum's own generator and each block's draws from its own, in resample
    order, so no count depends on the batch size.
    """

    def __init__(self, stratum: _Stratum, key: np.random.SeedSequence,
                 dtype: type[np.integer]) -> None:
        counts = stratum.counts
        self.cells, self.rows = counts.size, stratum.rows
        cum = np.cumsum(counts)
        ends = np.searchsorted(cum, np.arange(_BLOCK_ROWS, self.rows, _BLOCK_ROWS)) + 1
        self.edges = np.unique(np.concatenate(([0], ends, [self.cells])))
        rows = np.add.reduceat(counts, self.edges[:-1]) if self.cells else counts
        self.shares = rows / max(self.rows, 1)
        self.totals = np.random.default_rng(key)
        self.plans = []
        for j, (lo, hi) in enumerate(itertools.pairwise(self.edges)):
            rng = np.random.default_rng(np.random.SeedSequence(
                key.entropy, spawn_key=(*key.spawn_key, j)))
            block = counts[lo:hi]
            if (hi - lo) * _CELLS_PER_ROW_DRAW <= rows[j]:
                self.plans.append((rng, lo, hi, rows[j], block / rows[j], None))
            else:
                cell_of_row = (None if rows[j] == hi - lo  # one row per cell
                               else np.repeat(np.arange(hi - lo), block))
                self.plans.append((rng, lo, hi, rows[j], None, cell_of_row))
        self.dtype = dtype
        self.buffers = [np.empty((0, 0), dtype=self.dtype)] * 2

    def draw(self, size: int) -> np.ndarray:
        """The counts of the next `size` resamples. Two arrays take turns (one is read while
        the next batch is drawn into the other): a fresh array this large would cost a page
        fault per 4 KB on every batch."""
        self.buffers.reverse()
        if self.buffers[0].shape != (self.cells, size):
            self.buffers[0] = np.empty((self.cells, size), dtype=self.dtype)
        out = self.buffers[0]
        if not self.plans:  # a class without rows
            return out
        if len(self.plans) > 1:
            per_block = self.totals.multinomial(self.rows, self.shares, size=size)
        else:
            per_block = np.full((size, 1), self.rows)
        for (rng, lo, hi, rows, pvals, cell_of_row), k in zip(self.plans, per_block.T,
                                                              strict=True):
            if pvals is not None:
                out[lo:hi] = rng.multinomial(k, pvals).T
                continue
            key = rng.integers(0, rows, size=int(k.sum()))
            if cell_of_row is not None:
                key = cell_of_row[key]
            key *= size  # the count of cell c in resample r goes to c·size + r
            key += np.repeat(np.arange(size), k)
            out[lo:hi] = np.bincount(key, minlength=(hi - lo) * size).reshape(hi - lo, size)
        return out


def _bootstrap(strata: Sequence[_Stratum],
               evaluate: Callable[[list[np.ndarray], Executor], list[dict[str, np.ndarray]]],
               *, resamples: int, seed: int | None, width: int,
               progress: Callable[[int], None] | None) -> list[dict[str, np.ndarray]]:
    """Resample every stratum in batches; `evaluate(counts, pool)` turns the counts per cell
    of a batch (one (cells, size) array per stratum) into each model's metrics per resample.

    Stratum j draws from child j of the seed's SeedSequence (`_Draws`). A batch holds about
    `_BATCH_ELEMENTS` / `width` resamples (bounded memory); worker threads draw the next
    batch while this one is evaluated (NumPy releases the GIL), each stratum's draws one
    batch after another. Returns, per model, each metric's value in every resample.
    """
    from concurrent.futures import ThreadPoolExecutor

    root = np.random.SeedSequence(seed)
    # counts and their cumulative sums over every stratum in int32 when they fit: half the
    # memory traffic of int64
    dtype = np.int32 if sum(s.rows for s in strata) < 2**31 else np.int64
    draws = [_Draws(stratum, np.random.SeedSequence(root.entropy, spawn_key=(j,)), dtype)
             for j, stratum in enumerate(strata)]
    batch = max(1, _BATCH_ELEMENTS // max(width, 1))
    collected: list[dict[str, list[np.ndarray]]] = []
    with ThreadPoolExecutor(max_workers=3) as pool:
        pending = [pool.submit(d.draw, min(batch, resamples)) for d in draws]
        for start in range(0, resamples, batch):
            size = min(batch, resamples - start)
            counts = [f.result() for f in pending]
            if start + size < resamples:
                pending = [pool.submit(d.draw, min(batch, resamples - start - size))
                           for d in draws]
            values = evaluate(counts, pool)
            collected = collected or [{} for _ in values]
            for store, metrics in zip(collected, values, strict=True):
                for name, value in metrics.items():
                    store.setdefault(name, []).append(value)
            if progress is not None:
                progress(size)
    return [{name: np.concatenate(parts) for name, parts in store.items()}
            for store in collected]


def _group_counts(strata: Sequence[_Stratum], counts: list[np.ndarray],
                  sizes: Sequence[int]) -> list[np.ndarray]:
    """Counts per cell of each stratum summed into each model's groups, (size, strata, g)."""
    size = counts[0].shape[1]
    out = [np.zeros((size, len(strata), g), dtype=np.int64) for g in sizes]
    for j, (stratum, cell_counts) in enumerate(zip(strata, counts, strict=True)):
        for tensor, groups, g in zip(out, stratum.groups, sizes, strict=True):
            flat = (np.arange(size) * g + groups[:, None]).ravel()  # bin r·g + group
            summed = np.bincount(flat, weights=cell_counts.ravel(), minlength=size * g)
            tensor[:, j, :] = summed.reshape(size, g)
    return out


@dataclass(frozen=True, slots=True)
class _Ranking:
    """One model's order of the scored cells, in blocks, for its curve metrics per resample.

    Cells of the positive and negative strata are taken in the model's group order (`pos`,
    `neg`: rows of the count arrays; None when they are in that order already) and cut at
    group boundaries into blocks of about `_BLOCK_CELLS` cells, one boundary at the
    threshold's cut. Within a block, cumulative sums carried from the blocks before give the
    positives TP and negatives FP up to each cell; per positive cell, index arrays name the
    sums to read: to the end of its group (`tp_end`, `fp_end`) and to the end of the group
    before (`fp_before`, for ties between the classes).
    """

    pos: np.ndarray | None
    neg: np.ndarray | None
    pos_bounds: np.ndarray  # block j holds ordered positive cells pos_bounds[j]:[j + 1]
    neg_bounds: np.ndarray
    cut_block: int  # the blocks before it score at least the threshold
    tp_end: np.ndarray | None  # None: the cell's own position (no two in a group)
    fp_end: np.ndarray
    fp_before: np.ndarray | None  # None: as fp_end (no negative shares a positive's group)

    @classmethod
    def of(cls, pos_groups: np.ndarray, neg_groups: np.ndarray, cut: int,
           n_groups: int) -> _Ranking:
        orders = [np.argsort(g, kind="stable") for g in (pos_groups, neg_groups)]
        pg, ng = pos_groups[orders[0]], neg_groups[orders[1]]
        per_group = np.cumsum(np.bincount(pg, minlength=n_groups)
                              + np.bincount(ng, minlength=n_groups))
        ends = np.searchsorted(per_group, np.arange(_BLOCK_CELLS, per_group[-1],
                                                    _BLOCK_CELLS)) + 1
        bounds = np.unique(np.concatenate(([0, cut, n_groups], ends)))
        tp_end = np.searchsorted(pg, pg, side="right")
        fp_end = np.searchsorted(ng, pg, side="right")
        fp_before = np.searchsorted(ng, pg, side="left")
        return cls(
            *(None if np.array_equal(o, np.arange(o.size)) else o for o in orders),
            pos_bounds=np.searchsorted(pg, bounds), neg_bounds=np.searchsorted(ng, bounds),
            cut_block=int(np.searchsorted(bounds, cut)),
            tp_end=None if np.array_equal(tp_end, np.arange(1, pg.size + 1)) else tp_end,
            fp_end=fp_end, fp_before=None if np.array_equal(fp_end, fp_before) else fp_before)

    def sums(self, pos: np.ndarray, neg: np.ndarray,
             ranking: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per resample (columns of `pos`, `neg`): tp and fp at the threshold, and with
        `ranking` Σ_c pos_c·TP/(TP + FP) (= AP·n₊) and Σ_c pos_c·(FP_end + FP_before)
        (= 2n₊n₋(1 − AUC), exact in integers) over the positive cells c.

        A block is worked on with one row per resample (transposed on the copy that starts
        each cumulative sum), so every sum runs along a long row: no per-row overhead, and
        each resample's sums never depend on the others' (nor on the batch size).
        """
        size = pos.shape[1]
        tp, fp = np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64)
        gains, above = np.zeros(size), np.zeros(size, dtype=np.int64)
        at_cut = (tp, fp)
        blocks = zip(itertools.pairwise(self.pos_bounds), itertools.pairwise(self.neg_bounds),
                     strict=True)
        for j, ((a, b), (c, d)) in enumerate(blocks):
            if j == self.cut_block:
                at_cut = (tp, fp)
            p = (pos[a:b] if self.pos is None else pos.take(self.pos[a:b], axis=0)).T
            n = (neg[c:d] if self.neg is None else neg.take(self.neg[c:d], axis=0)).T
            # column 0: the carry; the counts' type holds any sum of them (`_bootstrap`)
            tps = np.empty((size, b - a + 1), dtype=pos.dtype)
            tps[:, 0], tps[:, 1:] = tp, p
            np.cumsum(tps, axis=1, out=tps)
            fps = np.empty((size, d - c + 1), dtype=neg.dtype)
            fps[:, 0], fps[:, 1:] = fp, n
            np.cumsum(fps, axis=1, out=fps)
            if ranking and b > a:
                p = np.diff(tps, axis=1)  # the counts again, now one row per resample
                tp_end = tps[:, 1:] if self.tp_end is None else tps.take(
                    self.tp_end[a:b] - a, axis=1)
                fp_end = fps.take(self.fp_end[a:b] - c, axis=1)
                if self.fp_before is None:
                    above += 2 * np.einsum("ij,ij->i", fp_end, p, dtype=np.int64)
                else:
                    above += np.einsum("ij,ij->i", fp_end, p, dtype=np.int64)
                    above += np.einsum("ij,ij->i", fps.take(self.fp_before[a:b] - c, axis=1), p,
                                       dtype=np.int64)
                fp_end += tp_end  # the rows predicted positive down to the cell's group
                np.maximum(fp_end, 1, out=fp_end)  # a cell drawn (pos_c > 0) has TP ≥ 1
                ratio = tp_end / fp_end
                ratio *= p
                gains += ratio.sum(axis=1)
            tp, fp = tps[:, -1], fps[:, -1]
        if self.cut_block == self.pos_bounds.size - 1:
            at_cut = (tp, fp)
        return *(v.astype(np.int64) for v in at_cut), gains, above


def _binary_uncertainty(strata: list[_Stratum], sizes: list[int], cuts: list[int],
                        points: list[dict[str, np.ndarray]], names: Sequence[str], *,
                        ci: bool, resamples: int, confidence: float, seed: int | None,
                        progress: Callable[[int], None] | None, warnings: list[str],
                        scored: bool) -> dict[str, Any]:
    """CI and paired-comparison fields of a binary result (strata: positives, negatives).

    `points` holds each model's metrics on all rows; the first `cuts[m]` groups of model m
    are predicted positive. Scores (`scored`: a group per distinct score) are scored block
    by block in each model's order (`_Ranking`); predictions (two groups) from their counts
    per group.
    """
    ranking = "average_precision" in names
    n_pos, n_neg = strata[0].rows, strata[1].rows
    if scored:
        rankings = [_Ranking.of(strata[0].groups[m], strata[1].groups[m], cut, g)
                    for m, (cut, g) in enumerate(zip(cuts, sizes, strict=True))]

        def evaluate(counts: list[np.ndarray], pool: Executor) -> list[dict[str, np.ndarray]]:
            # the baseline's metrics on a worker thread while the new model's are made here
            others = [pool.submit(r.sums, counts[0], counts[1], ranking) for r in rankings[1:]]
            sums = [rankings[0].sums(counts[0], counts[1], ranking),
                    *(f.result() for f in others)]
            out = []
            for tp, fp, gains, above in sums:
                metrics = _threshold_metrics(tp, fp, n_pos)
                if ranking:
                    metrics["average_precision"] = _divide(gains, n_pos)
                    pairs = 2 * n_pos * n_neg
                    metrics["roc_auc"] = _divide(pairs - above, pairs)  # NaN: one class
                out.append(metrics)
            return out

        width = strata[0].counts.size + strata[1].counts.size
    else:
        def evaluate(counts: list[np.ndarray], _pool: Executor) -> list[dict[str, np.ndarray]]:
            return [_threshold_metrics(t[:, 0, :cut].sum(axis=-1), t[:, 1, :cut].sum(axis=-1),
                                       n_pos)
                    for t, cut in zip(_group_counts(strata, counts, sizes), cuts, strict=True)]

        width = 2 * max(sizes)
    draws = _bootstrap(strata, evaluate, resamples=resamples, seed=seed, width=width,
                       progress=progress)
    return _uncertainty_fields(draws, [{n: float(p[n]) for n in names} for p in points], names,
                               ci=ci, confidence=confidence, resamples=resamples, seed=seed,
                               warnings=warnings)


_WHY_UNDEFINED = {"precision": "no predicted positives"}


def _uncertainty_fields(draws: list[dict[str, np.ndarray]], points: list[dict[str, float]],
                        names: Sequence[str], *, ci: bool, confidence: float, resamples: int,
                        seed: int | None, warnings: list[str]) -> dict[str, Any]:
    """Percentile intervals (`ci`) and paired differences (`comparison`) from the resamples.

    The interval is the (1 ± confidence)/2 quantiles (linear interpolation) of the defined
    resampled values. p_value = min(1, 2(k + 1)/(B + 1)) with k = min(#{d ≤ 0}, #{d ≥ 0}) of
    the B defined resampled differences d = new − baseline: twice the smaller one-sided
    bootstrap p-value (1 + k)/(B + 1), which counts the observed difference as one of the
    resamples, so a p-value is never 0 (at least 2/(B + 1), the resolution of B resamples)
    and identical models get 1.
    Reference: A. C. Davison & D. V. Hinkley, Bootstrap Methods (1997), §4.4 (eq. 4.11).
    """
    tail = (1 - confidence) / 2
    fields: dict[str, Any] = {"confidence": confidence, "resamples": resamples, "seed": seed}
    if ci:
        intervals = {}
        for name in names:
            values = draws[0][name]
            defined = values[~np.isnan(values)]
            _left_out_warning(name, values.size - defined.size, values.size, warnings)
            low, high = (np.quantile(defined, [tail, 1 - tail]) if defined.size
                         else (math.nan, math.nan))
            intervals[name] = Interval(low=float(low), high=float(high))
        fields["ci"] = MappingProxyType(intervals)
    if len(draws) == 2:
        rows = []
        for name in names:
            diff = draws[0][name] - draws[1][name]
            defined = diff[~np.isnan(diff)]
            _left_out_warning(f"the {name} difference", diff.size - defined.size, diff.size,
                              warnings)
            if defined.size:
                low, high = np.quantile(defined, [tail, 1 - tail])
                k = min(np.count_nonzero(defined <= 0), np.count_nonzero(defined >= 0))
                p = min(1.0, 2 * (k + 1) / (defined.size + 1))
            else:
                low = high = p = math.nan
            rows.append(MetricComparison(
                name=name, new=points[0][name], baseline=points[1][name],
                diff=points[0][name] - points[1][name], ci_low=float(low), ci_high=float(high),
                p_value=float(p)))
        fields["comparison"] = tuple(rows)
    return fields


def _left_out_warning(name: str, left_out: int, total: int, warnings: list[str]) -> None:
    if not left_out:
        return
    why = next((f" ({w})" for key, w in _WHY_UNDEFINED.items() if key in name), "")
    if left_out == total:
        warnings.append(f"{name} is undefined in every resample{why}: its interval is null")
    else:
        warnings.append(f"{name} is undefined in {left_out} of {total} resamples{why}; "
                        f"they are left out of its interval")


# -- the command's entry point ----------------------------------------------------------------
def precision_recall(
    truth: Coded, *, score: np.ndarray | None = None, predicted: Coded | None = None,
    baseline_score: np.ndarray | None = None, baseline_predicted: Coded | None = None,
    baseline_truth: Coded | None = None, baseline_name: str | None = None,
    positive: str | None = None, threshold: float | None = None, beta: float | None = None,
    target_precision: float | None = None, ci: bool = False, resamples: int = 2000,
    confidence: float = 0.95, seed: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Result, ScoreGroups | None]:
    """Pick the mode (scores, binary or multi-class predictions) and score the classifier.

    Rows are complete (no missing code or score). With `predicted`, more than two labels and
    no `positive` give the multi-class report; otherwise one label is positive (see
    `positive_label`) and the rest negative. Returns the result and, with scores, the
    distinct-score groups that the curve is drawn from.
    Reference: scikit-learn `classification_report`, `precision_recall_curve`.
    Checked against: scikit-learn 1.9.1 (tests/stats/test_classification.py).
    """
    if (score is None) == (predicted is None):
        raise InputError("give one of --score and --pred; see mlstats precision-recall --help")
    for coded, what in ((truth, "--true"), (predicted, "--pred"),
                        (baseline_predicted, "the baseline's --pred"),
                        (baseline_truth, "the baseline file's --true")):
        if coded is not None:
            _check_labels(coded, what)
    common = {"ci": ci, "resamples": resamples, "confidence": confidence, "seed": seed,
              "progress": progress, "baseline_name": baseline_name}
    if score is not None:
        (true_codes,), labels = union_codes(truth)
        if baseline_truth is not None:
            _check_same_truth(truth, baseline_truth)
        positive = positive_label(_present(true_codes, labels), positive)
        result, groups = binary_from_scores(
            true_codes == labels.index(positive) if positive in labels else
            np.zeros(true_codes.size, dtype=bool), score, positive=positive,
            threshold=0.5 if threshold is None else threshold, beta=beta,
            target_precision=target_precision, baseline=baseline_score, **common)
        return result, groups
    coded = [truth, predicted] + ([baseline_predicted] if baseline_predicted else [])
    recoded, labels = union_codes(*coded)
    if baseline_truth is not None:
        _check_same_truth(truth, baseline_truth)
    return predictions_from(recoded, labels, positive=positive, beta=beta, **common), None


def predictions_from(codes: Sequence[np.ndarray], labels: Sequence[str],
                     counts: np.ndarray | None = None, *, positive: str | None,
                     beta: float | None, **common: Any) -> Result:
    """The report of hard predictions: `codes` are the true labels, the predictions and the
    baseline's (when compared) as codes into `labels` (first appearance order), one entry
    per row, or with `counts` one per distinct combination (the confusion counts an engine
    gathers). More than two labels and no `positive` give the multi-class report."""
    present = _present(np.concatenate(codes), labels)
    warnings = []
    if not set(_present(codes[0], labels)) & set(_present(codes[1], labels)):
        warnings.append("no label of --pred occurs in --true: are these the right columns?")
    if positive is None and len(present) > 2:
        result: Result = multiclass_from_predictions(
            codes[0], codes[1], labels, beta=beta, counts=counts,
            baseline=codes[2] if len(codes) > 2 else None, **common)
    else:
        positive = positive_label(present, positive, what="--true and --pred")
        code = labels.index(positive) if positive in labels else -2
        result = binary_from_predictions(
            codes[0] == code, codes[1] == code, positive=positive, beta=beta, counts=counts,
            baseline=codes[2] == code if len(codes) > 2 else None, **common)
    if warnings:
        result = dataclasses.replace(result, warnings=(*warnings, *result.warnings))
    return result


def _present(codes: np.ndarray, labels: Sequence[str]) -> list[str]:
    """The labels that occur in `codes`, in order of first appearance of the label list."""
    seen = np.zeros(len(labels) + 1, dtype=bool)
    seen[codes] = True  # code −1 marks the spare last slot
    return [label for i, label in enumerate(labels) if seen[i]]


def _check_same_truth(truth: Coded, other: Coded) -> None:
    """Refuse a baseline whose own copy of the true labels disagrees (rows out of line)."""
    (a, b), _labels = union_codes(truth, other)
    differ = int(np.count_nonzero((a != b) & (b >= 0)))
    if differ:
        raise InputError(f"the --true labels of the baseline file differ from the input's in "
                         f"{differ} of {a.size} rows; join the files on a key with --id COL")


def _quoted(names: Sequence[str], limit: int = 20) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"


def _listing(names: Sequence[str], limit: int = 20) -> str:
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"
