"""Classifier metrics against scikit-learn, the bootstrap engine, and their invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import (
    average_precision_score,
    classification_report,
    confusion_matrix,
    f1_score,
    fbeta_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)
from sklearn.metrics._ranking import confusion_matrix_at_thresholds

from mlstats.errors import InputError
from mlstats.io import ReadOptions, read_table
from mlstats.stats import classification as clf
from mlstats.stats.classification import (
    binary_from_predictions,
    binary_from_scores,
    multiclass_from_predictions,
    positive_label,
    precision_recall,
    score_groups,
    union_codes,
)
from tests.conftest import SAMPLE


def scores_csv() -> tuple[np.ndarray, np.ndarray]:
    table = read_table(ReadOptions(source=str(SAMPLE / "scores.csv")))
    return table.numeric("label") == 1, table.numeric("score")


def animals() -> tuple[np.ndarray, np.ndarray, list[str]]:
    table = read_table(ReadOptions(source=str(SAMPLE / "animals.csv")))
    (truth, pred), labels = union_codes(table.codes("actual"), table.codes("predicted"))
    return truth, pred, labels


# -- reference values -------------------------------------------------------------------------
def test_scores_csv_matches_the_python_reference():
    y, s = scores_csv()
    r, _ = binary_from_scores(y, s)
    # ../shared/reference/python-reference.txt (scikit-learn, scores.csv, threshold 0.5)
    assert (r.tp, r.fp, r.fn, r.tn) == (180, 41, 32, 147)
    assert r.precision == pytest.approx(0.8144796380090498, rel=1e-12)
    assert r.recall == pytest.approx(0.8490566037735849, rel=1e-12)
    assert r.f1 == pytest.approx(0.8314087759815243, rel=1e-12)
    assert r.average_precision == pytest.approx(0.8975440580190831, rel=1e-12)
    assert r.roc_auc == pytest.approx(0.890443095142513, rel=1e-12)
    assert r.best_f1 == pytest.approx(0.8314087759815243, rel=1e-12)
    assert r.best_f1_threshold == 0.5
    assert (r.support, r.threshold, r.positive, r.warnings) == (212, 0.5, "1", ())


def test_scores_csv_rates_fbeta_and_target_precision_match_sklearn():
    y, s = scores_csv()
    r, _ = binary_from_scores(y, s, beta=2.0, target_precision=0.9)
    pred = s >= 0.5
    # scikit-learn 1.9.1: accuracy_score(y, pred); recall_score(y, pred, pos_label=0)
    assert r.accuracy == pytest.approx(0.8175, rel=1e-12)
    assert r.specificity == pytest.approx(0.7819148936170213, rel=1e-12)
    # fp/(fp+tn) and fn/(fn+tp) from confusion_matrix(y, pred).ravel()
    assert r.fpr == pytest.approx(0.21808510638297873, rel=1e-12)
    assert r.fnr == pytest.approx(0.1509433962264151, rel=1e-12)
    # scikit-learn 1.9.1: fbeta_score(y, pred, beta=2)
    assert r.fbeta == pytest.approx(0.8419083255378859, rel=1e-12)
    # scikit-learn 1.9.1: pr, rc, th = precision_recall_curve(y, s); i = first index with
    # pr[:-1] >= 0.9 (the lowest such threshold): th[i], rc[i]
    assert r.threshold_at_precision == 0.66
    assert r.recall_at_precision == pytest.approx(0.5566037735849056, rel=1e-12)
    assert r.specificity == pytest.approx(1 - r.fpr, rel=1e-12)
    assert r.fnr == pytest.approx(1 - r.recall, rel=1e-12)
    assert fbeta_score(y, pred, beta=2) == pytest.approx(r.fbeta, rel=1e-12)


def test_other_threshold_matches_sklearn():
    y, s = scores_csv()
    r, _ = binary_from_scores(y, s, threshold=0.3, beta=0.5)
    # scikit-learn 1.9.1: p = s >= 0.3; precision_score, recall_score, f1_score,
    # confusion_matrix(y, p).ravel() = [75, 113, 2, 210]
    assert (r.tn, r.fp, r.fn, r.tp) == (75, 113, 2, 210)
    assert r.precision == pytest.approx(0.6501547987616099, rel=1e-12)
    assert r.recall == pytest.approx(0.9905660377358491, rel=1e-12)
    assert r.f1 == pytest.approx(0.7850467289719626, rel=1e-12)
    assert r.fbeta == pytest.approx(fbeta_score(y, s >= 0.3, beta=0.5), rel=1e-12)


def test_negative_class_as_positive_reverses_the_roles():
    table = read_table(ReadOptions(source=str(SAMPLE / "scores.csv")))
    result, _ = precision_recall(table.codes("label"), score=table.numeric("score"),
                                 positive="0")
    # scikit-learn 1.9.1: average_precision_score(y == 0, s), roc_auc_score(y == 0, s)
    assert result.average_precision == pytest.approx(0.30122092970734193, rel=1e-12)
    assert result.roc_auc == pytest.approx(0.10955690485748697, rel=1e-12)
    assert result.support == 188 and result.positive == "0"


def test_animals_matches_the_classification_report_reference():
    truth, pred, labels = animals()
    r = multiclass_from_predictions(truth, pred, labels)
    # ../shared/reference/python-reference.txt: classification_report(t, pr3, output_dict=True)
    reference = {
        "bird": (0.8431372549019608, 0.8958333333333334, 0.8686868686868687, 48),
        "cat": (0.8, 0.8301886792452831, 0.8148148148148148, 53),
        "dog": (0.9090909090909091, 0.8163265306122449, 0.8602150537634409, 49),
    }
    assert [c.name for c in r.per_class] == ["bird", "cat", "dog"]
    for row in r.per_class:
        precision, recall, f1, support = reference[row.name]
        assert row.precision == pytest.approx(precision, rel=1e-12)
        assert row.recall == pytest.approx(recall, rel=1e-12)
        assert row.f1 == pytest.approx(f1, rel=1e-12)
        assert row.support == support
    assert r.accuracy == pytest.approx(0.8466666666666667, rel=1e-12)
    assert r.macro_precision == pytest.approx(0.8507427213309566, rel=1e-12)
    assert r.macro_recall == pytest.approx(0.8474495143969537, rel=1e-12)
    assert r.macro_f1 == pytest.approx(0.8479055790883748, rel=1e-12)
    assert r.weighted_precision == pytest.approx(0.8494402852049912, rel=1e-12)
    assert r.weighted_recall == pytest.approx(0.8466666666666667, rel=1e-12)
    assert r.weighted_f1 == pytest.approx(0.8468846167770899, rel=1e-12)
    # scikit-learn 1.9.1: f1_score(t, p, average="micro"), precision_score(…, average="micro")
    assert r.micro_f1 == pytest.approx(0.8466666666666667, rel=1e-12)
    assert r.micro_precision == r.micro_recall == r.micro_f1
    # scikit-learn 1.9.1: confusion_matrix(t, p, labels=["bird", "cat", "dog"])
    assert [dict(row) for row in r.confusion] == [
        {"name": "bird", "bird": 43, "cat": 5, "dog": 0},
        {"name": "cat", "bird": 5, "cat": 44, "dog": 4},
        {"name": "dog", "bird": 3, "cat": 6, "dog": 40},
    ]
    assert r.warnings == () and r.macro_fbeta is None


def test_animals_fbeta_matches_sklearn():
    truth, pred, labels = animals()
    r = multiclass_from_predictions(truth, pred, labels, beta=0.5)
    # scikit-learn 1.9.1: fbeta_score(t, p, beta=0.5, average=None / "macro")
    assert [c.fbeta for c in r.per_class] == pytest.approx(
        [0.8531746031746031, 0.8058608058608059, 0.8888888888888888], rel=1e-12)
    assert r.macro_fbeta == pytest.approx(0.8493080993080993, rel=1e-12)


def test_one_class_against_the_rest():
    table = read_table(ReadOptions(source=str(SAMPLE / "animals.csv")))
    r, _ = precision_recall(table.codes("actual"), predicted=table.codes("predicted"),
                            positive="cat")
    # scikit-learn 1.9.1: precision_score(t == "cat", p == "cat"), recall_score, f1_score,
    # accuracy_score
    assert r.precision == pytest.approx(0.8, rel=1e-12)
    assert r.recall == pytest.approx(0.8301886792452831, rel=1e-12)
    assert r.f1 == pytest.approx(0.8148148148148148, rel=1e-12)
    assert r.accuracy == pytest.approx(0.8666666666666667, rel=1e-12)
    assert (r.tp, r.support, r.threshold) == (44, 53, None)


# -- against scikit-learn at test time --------------------------------------------------------
def _data(seed: int, n: int = 500, digits: int | None = 2, shift: float = 0.0):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.4
    s = 0.3 * y + rng.normal(0.35, 0.2, n) + shift
    return y, (np.round(s, digits) if digits is not None else s)


@pytest.mark.parametrize(("digits", "shift"), [(2, 0.0), (None, 0.0), (1, -0.4), (None, -3.0)])
def test_curve_matches_precision_recall_curve_and_roc_curve(digits, shift):
    y, s = _data(7, digits=digits, shift=shift)
    _, groups = binary_from_scores(y, s)
    curve = groups.curve()
    precision, recall, thresholds = precision_recall_curve(y, s)
    np.testing.assert_allclose(curve.precision, precision, rtol=1e-12)
    np.testing.assert_allclose(curve.recall, recall, rtol=1e-12)
    np.testing.assert_array_equal(curve.threshold[:-1], thresholds)
    assert math.isnan(curve.threshold[-1])
    fpr, tpr, roc_thresholds = roc_curve(y, s, drop_intermediate=False)
    # roc_curve runs from the top threshold (+inf first): the reverse of ours
    assert roc_thresholds[0] == np.inf
    np.testing.assert_array_equal(roc_thresholds[1:], curve.threshold[-2::-1])
    np.testing.assert_allclose(curve.fpr[::-1], fpr, rtol=1e-12)
    np.testing.assert_allclose(curve.tpr[::-1], tpr, rtol=1e-12)
    f1 = 2 * precision * recall / np.where(precision + recall == 0, 1, precision + recall)
    np.testing.assert_allclose(curve.f1, f1, rtol=1e-12)
    thin = groups.curve(points=7)
    assert thin.threshold.size == 7 and math.isnan(thin.threshold[-1])
    assert thin.threshold[0] == thresholds[0] and thin.precision[0] == curve.precision[0]
    kept = np.searchsorted(thresholds, thin.threshold[:-1])
    np.testing.assert_array_equal(thin.recall[:-1], curve.recall[kept])
    np.testing.assert_array_equal(thin.fpr[:-1], curve.fpr[kept])
    assert groups.curve(points=10**6).threshold.size == curve.threshold.size


@pytest.mark.parametrize(("digits", "shift"), [(2, 0.0), (None, 0.0), (1, -0.4), (None, -3.0)])
def test_ap_auc_and_best_f1_match_sklearn(digits, shift):
    y, s = _data(11, digits=digits, shift=shift)
    r, _ = binary_from_scores(y, s, threshold=shift + 0.5)
    assert r.average_precision == pytest.approx(average_precision_score(y, s), rel=1e-10)
    assert r.roc_auc == pytest.approx(roc_auc_score(y, s), rel=1e-10)
    precision, recall, thresholds = precision_recall_curve(y, s)
    f1 = 2 * precision * recall / np.where(precision + recall == 0, 1, precision + recall)
    best = int(np.argmax(f1[:-1]))
    assert r.best_f1 == pytest.approx(f1[best], rel=1e-10)
    assert r.best_f1_threshold == thresholds[best]
    pred = s >= shift + 0.5
    assert r.precision == pytest.approx(precision_score(y, pred), rel=1e-12)
    assert r.recall == pytest.approx(recall_score(y, pred), rel=1e-12)
    assert r.f1 == pytest.approx(f1_score(y, pred), rel=1e-12)


@settings(deadline=None, max_examples=60)
@given(st.integers(1, 60).flatmap(lambda n: st.tuples(
    arrays(np.bool_, n),
    arrays(np.float64, n, elements=st.sampled_from(
        [-2.5, -1.0, -0.0, 0.0, 5e-324, 0.25, 0.5, 1.0, 3.0, 1e300, -1e300])))))
def test_score_groups_equal_sklearn_thresholds(data):
    y, s = data
    groups = score_groups(y, s)
    if y.any() and not y.all():
        _tns, fps, _fns, tps, thresholds = confusion_matrix_at_thresholds(y, s)
        np.testing.assert_array_equal(groups.thresholds, thresholds)
        np.testing.assert_array_equal(np.cumsum(groups.pos), tps)
        np.testing.assert_array_equal(np.cumsum(groups.neg), fps)
    assert groups.n_pos == y.sum() and groups.n_neg == (~y).sum()
    assert np.all(np.diff(groups.thresholds) < 0)
    assert np.all(groups.pos + groups.neg > 0)
    np.testing.assert_array_equal(groups.index_of(groups.thresholds),
                                  np.arange(groups.thresholds.size))
    # each row's group is the one whose threshold is its score (−0.0 counted as 0.0)
    np.testing.assert_array_equal(groups.thresholds[groups.index_of(s)], s + 0.0)


labelled_scores = st.integers(2, 80).flatmap(lambda n: st.tuples(
    arrays(np.bool_, n),
    arrays(np.float64, n, elements=st.floats(-5, 5, allow_nan=False).map(lambda v: round(v, 1))),
    st.floats(-5, 5),
))


@settings(deadline=None, max_examples=80)
@given(labelled_scores)
def test_invariants(data):
    y, s, threshold = data
    r, _ = binary_from_scores(y, s, threshold=threshold)
    for value in (r.precision, r.recall, r.f1, r.specificity, r.fpr, r.fnr, r.accuracy):
        assert 0 <= value <= 1
    # F1, the harmonic mean, lies between precision and recall (both 0 when undefined)
    if r.tp:
        assert min(r.precision, r.recall) - 1e-12 <= r.f1 <= max(r.precision, r.recall) + 1e-12
    assert r.tp + r.fp + r.fn + r.tn == y.size
    if y.any() and not y.all():
        reversed_, _ = binary_from_scores(y, -s, threshold=-threshold)
        assert reversed_.roc_auc == pytest.approx(1 - r.roc_auc, abs=1e-12)
        assert r.roc_auc == pytest.approx(roc_auc_score(y, s), abs=1e-12)
        assert r.average_precision == pytest.approx(average_precision_score(y, s), abs=1e-12)
        assert 0 <= r.average_precision <= 1 and 0 <= r.best_f1 <= 1
    elif y.all():  # every row positive: AP is scikit-learn's 1.0, ROC-AUC undefined
        assert r.average_precision == 1.0  # scikit-learn sums ΔR·1: 1 within rounding
        assert average_precision_score(y, s) == pytest.approx(1.0, abs=1e-12)
        assert math.isnan(r.roc_auc)
    else:
        assert math.isnan(r.roc_auc) and math.isnan(r.average_precision)


@settings(deadline=None, max_examples=60)
@given(st.integers(1, 60).flatmap(lambda n: st.tuples(
    arrays(np.int64, n, elements=st.integers(0, 4)),
    arrays(np.int64, n, elements=st.integers(0, 4)))))
@pytest.mark.filterwarnings("ignore:A single label was found")
def test_multiclass_matches_classification_report(data):
    truth, pred = data
    labels = ["a", "b", "c", "d", "e"]
    r = multiclass_from_predictions(truth, pred, labels, beta=2.0)
    t = np.array(labels)[truth]
    p = np.array(labels)[pred]
    report = classification_report(t, p, output_dict=True, zero_division=0)
    present = sorted(set(t) | set(p))
    assert [c.name for c in r.per_class] == present
    for row in r.per_class:
        expected = report[row.name]
        assert row.precision == pytest.approx(expected["precision"], abs=1e-12)
        assert row.recall == pytest.approx(expected["recall"], abs=1e-12)
        assert row.f1 == pytest.approx(expected["f1-score"], abs=1e-12)
        assert row.support == expected["support"]
    assert r.macro_f1 == pytest.approx(report["macro avg"]["f1-score"], abs=1e-12)
    assert r.macro_precision == pytest.approx(report["macro avg"]["precision"], abs=1e-12)
    assert r.weighted_f1 == pytest.approx(report["weighted avg"]["f1-score"], abs=1e-12)
    assert r.macro_fbeta == pytest.approx(
        fbeta_score(t, p, beta=2.0, average="macro", zero_division=0), abs=1e-12)
    matrix = confusion_matrix(t, p, labels=present)
    assert [[row[label] for label in present] for row in r.confusion] == matrix.tolist()


def test_numeric_labels_sort_numerically():
    (truth, pred), labels = union_codes(
        (np.array([0, 1, 2, 2]), ["10", "9", "100"]), (np.array([1, 0, 2, 0]), ["9", "10", "100"]))
    r = multiclass_from_predictions(truth, pred, labels)
    assert [c.name for c in r.per_class] == ["9", "10", "100"]


def test_class_only_predicted_counts_in_the_macro_average():
    truth = np.array([0, 0, 1, 1, 2, 2])
    pred = np.array([0, 3, 1, 1, 2, 0])
    r = multiclass_from_predictions(truth, pred, ["a", "b", "c", "ghost"])
    t = np.array(["a", "b", "c", "ghost"])
    report = classification_report(t[truth], t[pred], output_dict=True, zero_division=0)
    assert r.macro_recall == pytest.approx(report["macro avg"]["recall"], rel=1e-12)
    assert r.per_class[-1].name == "ghost" and r.per_class[-1].support == 0
    assert r.warnings == ("recall undefined for 'ghost' (not in --true): reported as 0, as "
                          "scikit-learn's zero_division default",)


# -- zero division, one class, labels ---------------------------------------------------------
def test_no_predicted_positive_gives_zero_with_a_warning():
    y = np.array([True, False, True, False])
    r, _ = binary_from_scores(y, np.array([0.1, 0.2, 0.3, 0.4]), threshold=0.9)
    # scikit-learn 1.9.1: precision_score(y, [0, 0, 0, 0]) == 0.0 (UndefinedMetricWarning)
    assert (r.precision, r.recall, r.f1, r.fpr) == (0.0, 0.0, 0.0, 0.0)
    assert r.warnings == ("precision undefined (no row is predicted positive): reported as 0, "
                          "as scikit-learn's zero_division default",)


def test_every_row_positive_gives_ap_1_as_sklearn():
    # scikit-learn 1.9.1: average_precision_score([1, 1, 1, 1], s) = 1.0 (precision 1 at every
    # threshold); roc_auc_score raises "Only one class present", so ROC-AUC stays null
    y, s = np.ones(4, dtype=bool), np.array([0.9, 0.2, 0.5, 0.5])
    r, _ = binary_from_scores(y, s, ci=True, seed=1, resamples=50)
    assert r.average_precision == average_precision_score(y, s) == 1.0
    assert math.isnan(r.roc_auc)
    assert r.warnings[0] == ("only one class in --true (every row is positive): roc_auc is "
                             "null (average_precision is 1: every threshold has precision 1)")
    assert set(r.ci) == {"precision", "recall", "f1", "average_precision"}
    assert (r.ci["average_precision"].low, r.ci["average_precision"].high) == (1.0, 1.0)


def test_one_class_only_leaves_ap_and_auc_undefined():
    r, _ = binary_from_scores(np.zeros(5, dtype=bool), np.linspace(0, 1, 5), ci=True, seed=1,
                              resamples=50)
    assert math.isnan(r.average_precision) and math.isnan(r.roc_auc)
    assert r.warnings[0] == ("only one class in --true (every row is negative): "
                             "average_precision and roc_auc are null")
    assert "recall, fnr undefined (no row is truly positive): reported as 0, as scikit-learn's " \
           "zero_division default" in r.warnings
    assert set(r.ci) == {"precision", "recall", "f1"}
    assert "recall is undefined in every resample: its interval is null" in r.warnings
    assert math.isnan(r.ci["recall"].low)


def test_scores_outside_unit_interval_warn():
    y = np.array([True, False, True])
    r, _ = binary_from_scores(y, np.array([2.5, -1.0, 0.7]), threshold=0.0)
    assert r.warnings == ("--score has values outside [0, 1] (from -1 to 2.5): read as a "
                          "ranking; the threshold 0 is on the same scale",)


@pytest.mark.parametrize(("labels", "expected"), [
    (["0", "1"], "1"), (["1", "0"], "1"), (["false", "true"], "true"), (["No", "Yes"], "Yes"),
    (["-1", "1"], "1"), (["0"], "1"), (["no"], "yes"), (["TRUE"], "TRUE"),
])
def test_obvious_pairs(labels, expected):
    assert positive_label(labels, None) == expected


@pytest.mark.parametrize(("labels", "positive", "message"), [
    (["cat", "dog"], None, "the labels 'cat' and 'dog' of --true are not an obvious pair "
     "(0/1, false/true, no/yes); name the positive class with --positive"),
    (["cat"], None, "--true holds one label ('cat'), not an obvious 0/1 pair; name the "
     "positive class with --positive"),
    (["a", "b", "c"], None, "--true holds 3 labels (a, b, c); name the positive class with "
     "--positive to score it against the rest"),
    (["0", "1"], "yes", "--positive 'yes' is not a label of --true; labels are: 0, 1"),
])
def test_label_errors(labels, positive, message):
    with pytest.raises(InputError) as caught:
        positive_label(labels, positive)
    assert str(caught.value) == message


@pytest.mark.parametrize(("labels", "positive", "expected"), [
    # the reader spells 1.0 as 1 and True as true: the spelling in the file still names it
    (["1", "0"], "1.0", "1"), (["0", "1"], "0.0", "0"), (["true", "false"], "True", "true"),
    (["Yes", "No"], "yes", "Yes"), (["cat", "dog", "Bird"], "bird", "Bird"),
    # one class only: the absent half of its obvious pair (AP and AUC undefined, warned)
    (["0"], "1", "1"), (["0"], "1.0", "1"), (["no"], "Yes", "yes"), (["1"], "0", "0"),
])
def test_positive_matches_the_label_as_number_or_up_to_case(labels, positive, expected):
    assert positive_label(labels, positive) == expected


def test_positive_matching_two_labels_is_refused():
    with pytest.raises(InputError) as caught:
        positive_label(["Yes", "yes", "no"], "YES")
    assert str(caught.value) == ("--positive 'YES' is not a label of --true; labels are: Yes, "
                                 "yes, no")
    with pytest.raises(InputError) as caught:
        positive_label(["0"], "yes")  # not the other half of 0's pair
    assert str(caught.value) == "--positive 'yes' is not a label of --true; labels are: 0"


def test_one_label_of_two_columns_is_plural():
    with pytest.raises(InputError) as caught:
        positive_label(["a"], None, what="--true and --pred")
    assert str(caught.value) == ("--true and --pred hold one label ('a'), not an obvious 0/1 "
                                 "pair; name the positive class with --positive")


def test_absent_positive_of_a_one_class_truth_warns():
    r, _ = precision_recall((np.array([0, 0, 0]), ["0"]), score=np.array([0.2, 0.7, 0.9]),
                            positive="1")
    assert (r.positive, r.support, r.fp, r.tn) == ("1", 0, 2, 1)
    assert r.warnings[0] == ("only one class in --true (every row is negative): "
                             "average_precision and roc_auc are null")


@pytest.mark.parametrize("beta", [1e300, 1e160, 1e-300, 1e-160])
def test_extreme_beta_gives_the_limits(beta):
    # F-beta → recall as β → ∞ and → precision as β → 0; β² overflowed (inf/inf = NaN) or,
    # in the multi-class report, became 0 through nan_to_num
    y = np.array([True, True, False, False, True, False])
    p = np.array([True, False, True, False, True, True])
    limit = "recall" if beta > 1 else "precision"
    binary = binary_from_predictions(y, p, beta=beta)
    assert binary.fbeta == pytest.approx(getattr(binary, limit), rel=1e-12)
    assert binary.warnings == ()
    scored, _ = binary_from_scores(y, np.where(p, 0.8, 0.2), beta=beta)
    assert scored.fbeta == pytest.approx(getattr(scored, limit), rel=1e-12)
    truth, pred, labels = animals()
    multi = multiclass_from_predictions(truth, pred, labels, beta=beta)
    assert multi.macro_fbeta == pytest.approx(getattr(multi, f"macro_{limit}"), rel=1e-12)
    assert [c.fbeta for c in multi.per_class] == pytest.approx(
        [getattr(c, limit) for c in multi.per_class], rel=1e-12)


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0, 3.0, 0.3, 1e10])
def test_fbeta_matches_sklearn_across_beta(beta):
    y = np.array([1, 1, 0, 0, 1, 0, 1, 1])
    p = np.array([1, 0, 1, 0, 1, 1, 1, 0])
    binary = binary_from_predictions(y == 1, p == 1, beta=beta)
    # scikit-learn 1.9.1: fbeta_score(y, p, beta=beta)
    assert binary.fbeta == pytest.approx(fbeta_score(y, p, beta=beta), rel=1e-12)


def test_nan_scores_and_labels_are_refused():
    # NaN reaches the stats layer when the file spells it outside the missing-value list
    # ('NAN', or any spelling with --no-default-na); it sorted above every score, so rows
    # with NaN were predicted positive at any threshold
    y = np.array([True, False, True, False])
    with pytest.raises(InputError) as caught:
        binary_from_scores(y, np.array([0.2, np.nan, 0.9, 0.1]))
    assert str(caught.value) == (
        "--score holds NaN in 1 of 4 rows (text such as 'NAN' that reads as not-a-number but "
        "is not a missing-value marker); name that text with --na to leave those rows out")
    with pytest.raises(InputError, match=r"^the baseline score holds NaN in 2 of 4 rows"):
        binary_from_scores(y, np.array([0.2, 0.3, 0.9, 0.1]),
                           baseline=np.array([np.nan, 0.3, np.nan, 0.1]))
    # the reader labels a NaN of a float column None
    with pytest.raises(InputError, match=r"^--true holds NaN in 1 of 3 rows"):
        precision_recall((np.array([0, 1, 2]), ["1", None, "0"]), score=np.array([.2, .3, .4]))
    with pytest.raises(InputError, match=r"^--pred holds NaN in 2 of 3 rows"):
        precision_recall((np.array([0, 1, 2]), ["1", "2", "0"]),
                         predicted=(np.array([0, 1, 1]), ["1", None]))


def test_a_score_column_as_predictions_is_refused():
    # 30 000 distinct scores as labels: a 30 000² confusion matrix (6.7 GiB), a MemoryError
    truth = np.arange(2001) % 2
    pred = np.arange(2001)
    with pytest.raises(InputError) as caught:
        multiclass_from_predictions(truth, pred, [str(i) for i in range(2001)])
    assert str(caught.value) == (
        "--true and --pred hold 2001 labels, too many classes for a confusion matrix (at most "
        "1000); if --pred holds scores, give it as --score")


def test_undefined_class_warnings_list_at_most_twenty_labels():
    labels = [str(i) for i in range(30)]  # sorted numerically, as scikit-learn sorts them
    r = multiclass_from_predictions(np.arange(30), np.zeros(30, dtype=np.int64), labels)
    assert r.warnings == ("precision undefined for " + ", ".join(f"'{i}'" for i in range(1, 21))
                          + " and 9 more (never predicted): reported as 0, as scikit-learn's "
                          "zero_division default",)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"seed": -1, "ci": True}, "--seed must be 0 or more (got -1)"),
    ({"beta": 0.0}, "--beta must be greater than 0 (got 0)"),
    ({"confidence": 1.5}, "--confidence must be between 0 and 1 (got 1.5)"),
    ({"resamples": 0}, "--resamples must be at least 1 (got 0)"),
    ({"threshold": math.inf}, "--threshold must be a finite number (got inf)"),
    ({"target_precision": 1.5}, "--target-precision must be greater than 0 and at most 1 "
     "(got 1.5)"),
])
def test_option_domains(kwargs, message):
    with pytest.raises(InputError) as caught:
        binary_from_scores(np.array([True, False]), np.array([0.2, 0.4]), **kwargs)
    assert str(caught.value) == message


def test_unreachable_target_precision_is_null_with_a_warning():
    y = np.array([True, False, True, False])
    r, _ = binary_from_scores(y, np.array([0.9, 0.95, 0.5, 0.6]), target_precision=0.8)
    assert r.threshold_at_precision is None and r.recall_at_precision is None
    assert r.warnings == ("no threshold reaches precision 0.8 (the highest is 0.5, at "
                          "threshold 0.9): threshold_at_precision and recall_at_precision "
                          "are null",)
    reached, _ = binary_from_scores(y, np.array([0.9, 0.95, 0.5, 0.6]), target_precision=0.5)
    # precision 1/2 at 0.9 and 2/4 at 0.5: the lower threshold keeps more recall
    assert (reached.threshold_at_precision, reached.recall_at_precision) == (0.5, 1.0)


# -- the bootstrap ----------------------------------------------------------------------------
def test_ci_is_reproducible_and_brackets_the_estimate():
    y, s = scores_csv()
    first, _ = binary_from_scores(y, s, ci=True, seed=42, resamples=500)
    again, _ = binary_from_scores(y, s, ci=True, seed=42, resamples=500)
    other, _ = binary_from_scores(y, s, ci=True, seed=43, resamples=500)
    assert first.ci == again.ci and first.ci != other.ci
    for name in ("precision", "recall", "f1", "average_precision", "roc_auc"):
        interval = first.ci[name]
        assert interval.low < getattr(first, name) < interval.high
        assert interval.high - interval.low < 0.15
    assert (first.confidence, first.resamples, first.seed) == (0.95, 500, 42)


def _paired_strata(y, s, baseline):
    """The strata and rankings that binary_from_scores builds for a paired comparison."""
    groups = [score_groups(y, s), score_groups(y, baseline)]
    rows = [g.index_of(v) for g, v in zip(groups, (s, baseline), strict=True)]
    sizes = [g.thresholds.size for g in groups]
    strata = [clf._Stratum.of([r[y] for r in rows], sizes),
              clf._Stratum.of([r[~y] for r in rows], sizes)]
    rankings = [clf._Ranking.of(strata[0].groups[m], strata[1].groups[m], groups[m].cut(0.5),
                                sizes[m]) for m in range(2)]
    return groups, strata, rankings


@pytest.mark.parametrize("block", [3, 1 << 13])
def test_resampled_metrics_equal_sklearn_on_the_resampled_rows(monkeypatch, block):
    # the counts drawn per cell are a resample: rebuild its rows and score them, under each
    # model, with sklearn; ties within and across classes (two digits), and with block = 3
    # many blocks, a second model read out of order, and the threshold's cut inside
    monkeypatch.setattr(clf, "_BLOCK_ROWS", block)
    monkeypatch.setattr(clf, "_BLOCK_CELLS", block)
    y, s = _data(3, n=160)
    baseline = np.round(s + np.random.default_rng(4).normal(0, 0.1, s.size), 2)
    groups, strata, rankings = _paired_strata(y, s, baseline)
    seen = []

    def evaluate(counts, _pool):
        seen.append([c.copy() for c in counts])
        return [dict(zip(("tp", "fp", "gains", "above"), r.sums(*counts, ranking=True),
                         strict=True)) for r in rankings]

    draws = clf._bootstrap(strata, evaluate, resamples=20, seed=5, width=1, progress=None)
    pos, neg = (np.concatenate(parts, axis=1) for parts in zip(*seen, strict=True))
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    for r in range(20):
        assert (pos[:, r].sum(), neg[:, r].sum()) == (n_pos, n_neg)  # stratified
        rows_y = np.repeat([True, False], [n_pos, n_neg])
        for m, g in enumerate(groups):
            rows_s = np.concatenate([np.repeat(g.thresholds[strata[0].groups[m]], pos[:, r]),
                                     np.repeat(g.thresholds[strata[1].groups[m]], neg[:, r])])
            pred = rows_s >= 0.5
            got = draws[m]
            assert got["tp"][r] == np.count_nonzero(rows_y & pred)
            assert got["fp"][r] == np.count_nonzero(~rows_y & pred)
            assert got["gains"][r] / n_pos == pytest.approx(
                average_precision_score(rows_y, rows_s), rel=1e-12)
            pairs = 2 * n_pos * n_neg
            assert (pairs - got["above"][r]) / pairs == pytest.approx(
                roc_auc_score(rows_y, rows_s), rel=1e-12)


def test_cells_drawn_in_blocks_have_the_multinomial_law(monkeypatch):
    # counts per cell of a stratum of 200 rows in 37 cells, drawn in blocks of about 16 rows:
    # each count is Binomial(n, rows_c/n): its mean and variance, over 20,000 resamples, within
    # 5 standard errors; every resample has n rows
    monkeypatch.setattr(clf, "_BLOCK_ROWS", 16)
    rows = np.random.default_rng(1).integers(1, 10, 37)
    rows = (rows * 200 / rows.sum()).round().astype(np.int64)
    stratum = clf._Stratum(rows, (np.arange(rows.size),))
    n, resamples = stratum.rows, 20_000
    draws = clf._Draws(stratum, np.random.SeedSequence(3), np.int32)
    # several blocks, some drawn as one multinomial over cells, some row by row
    assert draws.edges.size > 5 and {plan[4] is None for plan in draws.plans} == {True, False}
    counts = np.concatenate([draws.draw(1000).copy() for _ in range(resamples // 1000)], axis=1)
    assert (counts.sum(axis=0) == n).all()
    p = rows / n
    mean_z = (counts.mean(axis=1) - n * p) / np.sqrt(n * p * (1 - p) / resamples)
    variance = n * p * (1 - p)
    # the sample variance of Binomial counts has variance ≈ 2σ⁴/B (near-normal counts)
    var_z = (counts.var(axis=1, ddof=1) - variance) / (variance * np.sqrt(2 / resamples))
    assert np.abs(mean_z).max() < 5 and np.abs(var_z).max() < 5


def test_row_draws_and_cell_draws_agree_in_distribution(monkeypatch):
    y, s = _data(9, n=400, digits=2)
    monkeypatch.setattr(clf, "_CELLS_PER_ROW_DRAW", 0)  # force multinomial draws per cell
    by_cell, _ = binary_from_scores(y, s, ci=True, seed=1, resamples=3000)
    monkeypatch.setattr(clf, "_CELLS_PER_ROW_DRAW", 10**9)  # force row-index draws
    by_row, _ = binary_from_scores(y, s, ci=True, seed=1, resamples=3000)
    assert by_row.ci != by_cell.ci
    for name in ("recall", "roc_auc", "average_precision"):
        # two Monte Carlo estimates of the same quantiles: equal within simulation error
        assert by_row.ci[name].low == pytest.approx(by_cell.ci[name].low, abs=0.01)
        assert by_row.ci[name].high == pytest.approx(by_cell.ci[name].high, abs=0.01)


def test_the_batch_size_changes_no_value(monkeypatch):
    # every stratum and every block of one draws from its own generator, in resample order,
    # and the sums run down each resample's column in sequence: batches of 1 to 3 resamples
    # give exactly the one-batch intervals and comparisons (scores, predictions, multi-class)
    y, s = scores_csv()
    baseline = np.round(s + np.random.default_rng(1).normal(0, 0.05, s.size), 3)
    truth, pred, labels = animals()

    monkeypatch.setattr(clf, "_BLOCK_ROWS", 64)  # several blocks of draws and of cells
    monkeypatch.setattr(clf, "_BLOCK_CELLS", 64)

    def run(batch):
        monkeypatch.setattr(clf, "_BATCH_ELEMENTS", batch)
        calls = []
        scored, _ = binary_from_scores(y, s, ci=True, baseline=baseline, seed=2,
                                       resamples=301, progress=calls.append)
        hard = binary_from_predictions(y, s >= 0.5, baseline=s >= 0.6, ci=True, seed=2,
                                       resamples=301)
        multi = multiclass_from_predictions(truth, pred, labels, ci=True, seed=2,
                                            resamples=301)
        return calls, (scored.ci, scored.comparison, hard.ci, hard.comparison, multi.ci)

    whole_calls, whole = run(1 << 23)
    batched_calls, batched = run(1000)
    assert whole_calls == [301] and len(batched_calls) > 100 and sum(batched_calls) == 301
    assert batched == whole


def test_undefined_precision_resamples_are_left_out():
    y = np.repeat([True, False], 50)
    pred = np.zeros(100, dtype=bool)
    pred[0] = True  # one predicted positive: it is missing from about 36 % of resamples
    r = binary_from_predictions(y, pred, ci=True, seed=4, resamples=1000)
    [warning] = r.warnings
    left_out = int(warning.split(" of ")[0].rsplit(" ", 1)[1])
    assert 300 < left_out < 430
    assert warning == (f"precision is undefined in {left_out} of 1000 resamples (no predicted "
                       "positives); they are left out of its interval")
    assert (r.ci["precision"].low, r.ci["precision"].high) == (1.0, 1.0)


def test_identical_models_compare_equal():
    y, s = scores_csv()
    r, _ = binary_from_scores(y, s, baseline=s.copy(), baseline_name="copy", seed=1,
                              resamples=300)
    assert [c.name for c in r.comparison] == ["precision", "recall", "f1", "average_precision",
                                              "roc_auc"]
    for row in r.comparison:
        assert (row.diff, row.ci_low, row.ci_high, row.p_value) == (0.0, 0.0, 0.0, 1.0)
        assert row.new == row.baseline == getattr(r, row.name)
    assert r.ci == {} and r.baseline == "copy"


def test_a_better_model_wins_the_paired_comparison():
    rng = np.random.default_rng(8)
    y = rng.random(2000) < 0.5
    good = y + rng.normal(0, 0.6, y.size)
    bad = y + rng.normal(0, 1.5, y.size)
    r, _ = binary_from_scores(y, good, baseline=bad, seed=3, resamples=1000, ci=True)
    auc = next(c for c in r.comparison if c.name == "roc_auc")
    assert auc.new == pytest.approx(roc_auc_score(y, good), rel=1e-12)
    assert auc.baseline == pytest.approx(roc_auc_score(y, bad), rel=1e-12)
    assert auc.diff == pytest.approx(auc.new - auc.baseline, rel=1e-12)
    # no resampled difference reaches 0: the p-value is the bound 2(0 + 1)/(1000 + 1)
    assert auc.ci_low > 0.05 and auc.p_value == 2 / 1001
    worse, _ = binary_from_scores(y, bad, baseline=good, seed=3, resamples=1000)
    flipped = next(c for c in worse.comparison if c.name == "roc_auc")
    assert flipped.ci_high < -0.05 and flipped.diff == pytest.approx(-auc.diff, rel=1e-12)


def test_prediction_comparison_and_multiclass_intervals():
    y, s = scores_csv()
    r = binary_from_predictions(y, s >= 0.5, baseline=s >= 0.6, seed=1, resamples=400, ci=True)
    assert [c.name for c in r.comparison] == ["precision", "recall", "f1"]
    recall = r.comparison[1]
    assert recall.new == pytest.approx(recall_score(y, s >= 0.5), rel=1e-12)
    assert recall.baseline == pytest.approx(recall_score(y, s >= 0.6), rel=1e-12)
    assert recall.ci_low > 0  # lowering the threshold can only raise recall
    truth, pred, labels = animals()
    m = multiclass_from_predictions(truth, pred, labels, ci=True, seed=1, resamples=400,
                                    baseline=truth.copy(), baseline_name="oracle")
    assert list(m.ci) == ["macro_precision", "macro_recall", "macro_f1", "weighted_f1",
                          "accuracy"]
    assert m.ci["accuracy"].low < m.accuracy < m.ci["accuracy"].high
    accuracy = next(c for c in m.comparison if c.name == "accuracy")
    assert (accuracy.baseline, accuracy.p_value) == (1.0, 2 / 401)
    assert accuracy.ci_high < 0


def test_baseline_truth_must_line_up():
    truth = (np.array([0, 1, 1, 0]), ["0", "1"])
    with pytest.raises(InputError) as caught:
        precision_recall(truth, score=np.array([0.1, 0.9, 0.8, 0.3]),
                         baseline_score=np.array([0.2, 0.5, 0.5, 0.1]),
                         baseline_truth=(np.array([1, 0, 0, -1]), ["0", "1"]))
    assert str(caught.value) == ("the --true labels of the baseline file differ from the "
                                 "input's in 3 of 4 rows; join the files on a key with --id COL")


@pytest.mark.slow
def test_interval_coverage_by_simulation():
    # Binormal scores: positives N(1, 1), negatives N(0, 1), 150 of each. Population values:
    # AUC = Φ(1/√2); recall at threshold 0.5 = 1 − Φ(−0.5) = Φ(0.5); precision there, with
    # equal classes, = Φ(0.5) / (Φ(0.5) + Φ(−0.5)) = Φ(0.5), and so F1 = Φ(0.5) too.
    from statistics import NormalDist

    phi = NormalDist().cdf
    truth = {"roc_auc": phi(1 / math.sqrt(2)), "recall": phi(0.5), "precision": phi(0.5),
             "f1": phi(0.5)}
    rng = np.random.default_rng(2024)
    y = np.repeat([True, False], 150)
    covered = dict.fromkeys(truth, 0)
    reps = 400
    for rep in range(reps):
        s = rng.normal(0, 1, y.size) + y
        r, _ = binary_from_scores(y, s, ci=True, resamples=1000, seed=rep)
        for name, value in truth.items():
            covered[name] += r.ci[name].low <= value <= r.ci[name].high
    for name, hits in covered.items():
        # nominal 0.95; 400 replications give a standard error of about 0.011
        assert 0.91 <= hits / reps <= 0.985, (name, hits / reps)


def test_paired_p_value_counts_the_observed_difference():
    # Davison & Hinkley (1997) eq. 4.11: one-sided p = (1 + #{d on that side of 0})/(B + 1);
    # two-sided = min(1, twice the smaller). d = [-1, 1, 2, 3, NaN]: B = 4 defined, k = 1
    new = {"auc": np.array([0.0, 2.0, 3.0, 4.0, np.nan])}
    old = {"auc": np.array([1.0, 1.0, 1.0, 1.0, 1.0])}
    warnings = []
    fields = clf._uncertainty_fields([new, old], [{"auc": 0.9}, {"auc": 0.8}], ["auc"],
                                     ci=False, confidence=0.95, resamples=5, seed=1,
                                     warnings=warnings)
    assert fields["comparison"][0].p_value == 2 * (1 + 1) / (4 + 1)
    assert warnings == ["the auc difference is undefined in 1 of 5 resamples; they are left "
                        "out of its interval"]


@settings(deadline=None, max_examples=100)
@given(arrays(np.float64, st.integers(1, 60), elements=st.floats(-3, 3).map(round)))
def test_paired_p_value_is_never_0_and_symmetric(diffs):
    def p_of(d):
        fields = clf._uncertainty_fields([{"m": d}, {"m": np.zeros(d.size)}],
                                         [{"m": 0.0}, {"m": 0.0}], ["m"], ci=False,
                                         confidence=0.95, resamples=d.size, seed=None,
                                         warnings=[])
        return fields["comparison"][0].p_value

    p = p_of(diffs)
    assert min(1.0, 2 / (diffs.size + 1)) <= p <= 1
    assert p == p_of(-diffs)
    if (diffs == 0).all():
        assert p == 1
