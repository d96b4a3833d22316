"""`mlstats precision-recall` end to end."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import precision_recall_curve, roc_auc_score

from mlstats.io import ReadOptions, read_table
from mlstats.render import plain
from mlstats.stats.classification import precision_recall
from tests.conftest import SAMPLE, invoke, invoke_json, run_process

SCORES = str(SAMPLE / "scores.csv")
ANIMALS = str(SAMPLE / "animals.csv")
BINARY_KEYS = ["positive", "tp", "fp", "fn", "tn", "precision", "recall", "f1", "accuracy",
               "specificity", "fpr", "fnr", "support", "threshold", "beta", "fbeta"]
SCORE_KEYS = ["average_precision", "roc_auc", "best_f1", "best_f1_threshold",
              "target_precision", "threshold_at_precision", "recall_at_precision"]
UNCERTAINTY_KEYS = ["confidence", "resamples", "seed", "ci", "baseline", "comparison"]


@pytest.fixture
def two_models(tmp_path):
    """scores.csv with an id and a noisier baseline score; the baseline also as its own file."""
    table = read_table(ReadOptions(source=SCORES))
    label, score = table.numeric("label").astype(int), table.numeric("score")
    rng = np.random.default_rng(5)
    old = np.round(np.clip(score + rng.normal(0, 0.15, score.size), 0, 1), 2)
    ids = np.arange(score.size) + 1000
    both = tmp_path / "both.csv"
    with both.open("w") as f:
        f.write("id,label,score,old\n")
        f.writelines(f"{i},{y},{float(s)!r},{float(o)!r}\n"
                     for i, y, s, o in zip(ids, label, score, old, strict=True))
    order = rng.permutation(score.size)
    shuffled = tmp_path / "shuffled.csv"
    with shuffled.open("w") as f:
        f.write("id,label,score\n")
        f.writelines(f"{ids[i]},{label[i]},{float(old[i])!r}\n" for i in order)
    in_order = tmp_path / "in_order.csv"
    with in_order.open("w") as f:
        f.write("score\n")
        f.writelines(f"{float(o)!r}\n" for o in old)
    return {"both": str(both), "shuffled": str(shuffled), "in_order": str(in_order),
            "label": label, "score": score, "old": old}


# -- modes and keys ---------------------------------------------------------------------------
def test_scores_json_keys_and_reference_values():
    record = invoke_json("precision-recall", SCORES, "--true", "label", "--score", "score")
    assert list(record)[:2] == ["command", "mlstats_version"]
    keys = [k for k in record if k not in ("command", "mlstats_version", "rows_used",
                                           "warnings", "provenance")]
    assert keys == BINARY_KEYS + SCORE_KEYS + UNCERTAINTY_KEYS
    # options not given: null, and empty interval and comparison tables
    assert [record[k] for k in ("beta", "fbeta", "target_precision", "confidence", "seed",
                                "baseline")] == [None] * 6
    assert (record["ci"], record["comparison"]) == ({}, [])
    # ../shared/reference/python-reference.txt (scikit-learn on scores.csv, threshold 0.5)
    assert (record["tp"], record["fp"], record["fn"], record["tn"]) == (180, 41, 32, 147)
    assert record["f1"] == pytest.approx(0.8314087759815243, rel=1e-12)
    assert record["average_precision"] == pytest.approx(0.8975440580190831, rel=1e-12)
    assert record["roc_auc"] == pytest.approx(0.890443095142513, rel=1e-12)
    assert (record["rows_used"], record["warnings"], record["threshold"]) == (400, [], 0.5)
    assert record["provenance"]["rows_read"] == 400


def test_json_equals_the_stats_function():
    args = ("--beta", "2", "--target-precision", "0.9", "--ci", "--seed", "7", "--resamples",
            "300")
    record = invoke_json("precision-recall", SCORES, "--true", "label", "--score", "score",
                         *args)
    table = read_table(ReadOptions(source=SCORES))
    direct, _ = precision_recall(table.codes("label"), score=table.numeric("score"), beta=2.0,
                                 target_precision=0.9, ci=True, seed=7, resamples=300)
    expected = plain(direct)
    expected.pop("warnings")
    assert {k: record[k] for k in expected} == expected
    assert list(record["ci"]) == ["precision", "recall", "f1", "average_precision", "roc_auc"]
    assert list(record["ci"]["roc_auc"]) == ["low", "high"]
    assert (record["confidence"], record["resamples"], record["seed"]) == (0.95, 300, 7)
    assert record["provenance"]["seed"] == 7


def test_hard_predictions(write_csv):
    path = write_csv("y,p\nyes,yes\nyes,no\nno,no\nno,yes\nyes,yes\nno,no\n")
    record = invoke_json("precision-recall", path, "--true", "y", "--pred", "p")
    assert (record["positive"], record["tp"], record["fp"], record["fn"], record["tn"]) == (
        "yes", 2, 1, 1, 2)
    assert record["precision"] == pytest.approx(2 / 3, rel=1e-12)
    assert record["threshold"] is None and "average_precision" not in record
    keys = [k for k in record if k not in ("command", "mlstats_version", "rows_used",
                                           "warnings", "provenance")]
    assert keys == BINARY_KEYS + UNCERTAINTY_KEYS


def test_multiclass_keys_table_and_confusion():
    record = invoke_json("precision-recall", ANIMALS, "--true", "actual", "--pred", "predicted")
    keys = [k for k in record if k not in ("command", "mlstats_version", "rows_used",
                                           "warnings", "provenance")]
    assert keys == ["accuracy", "macro_precision", "macro_recall", "macro_f1",
                    "micro_precision", "micro_recall", "micro_f1", "weighted_precision",
                    "weighted_recall", "weighted_f1", "beta", "macro_fbeta", "per_class",
                    "confusion", *UNCERTAINTY_KEYS]
    assert record["per_class"][1] == {
        # ../shared/reference/python-reference.txt: classification_report, class "cat"
        "name": "cat", "precision": 0.8, "recall": 0.8301886792452831,
        "f1": 0.8148148148148148, "support": 53}
    assert record["macro_f1"] == pytest.approx(0.8479055790883748, rel=1e-12)
    assert record["weighted_f1"] == pytest.approx(0.8468846167770899, rel=1e-12)
    assert record["micro_f1"] == pytest.approx(0.8466666666666667, rel=1e-12)
    # scikit-learn 1.9.1: confusion_matrix(actual, predicted)
    assert record["confusion"] == [{"name": "bird", "bird": 43, "cat": 5, "dog": 0},
                                   {"name": "cat", "bird": 5, "cat": 44, "dog": 4},
                                   {"name": "dog", "bird": 3, "cat": 6, "dog": 40}]
    text = invoke("precision-recall", ANIMALS, "--true", "actual", "--pred", "predicted").stdout
    lines = text.splitlines()
    assert lines[1] == ("3 classes: accuracy 0.8467, macro F1 0.8479; confusion rows are true "
                        "labels, columns predicted.")
    start = lines.index("confusion")
    rows = [line.split() for line in lines[start + 1:start + 8]]
    assert rows[1] == ["name", "bird", "cat", "dog"]
    assert rows[3:6] == [["bird", "43", "5", "0"], ["cat", "5", "44", "4"],
                         ["dog", "3", "6", "40"]]


def test_multiclass_csv_is_the_per_class_table():
    result = invoke("precision-recall", ANIMALS, "--true", "actual", "--pred", "predicted",
                    "--beta", "0.5", "--format", "csv")
    rows = list(csv.reader(result.stdout.splitlines()))
    assert rows[0] == ["name", "precision", "recall", "f1", "support", "fbeta"]
    # scikit-learn 1.9.1: fbeta_score(actual, predicted, beta=0.5, average=None)[0]
    assert rows[1] == ["bird", "0.8431372549019608", "0.8958333333333334", "0.8686868686868687",
                       "48", "0.8531746031746031"]


def test_table_view_has_a_summary_and_draws_the_curve():
    result = invoke("precision-recall", SCORES, "--true", "label", "--score", "score")
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[:2] == ["mlstats precision-recall",
                         "At threshold 0.5, positive '1': precision 0.8145, recall 0.8491, F1 "
                         "0.8314; AP 0.8975, ROC-AUC 0.8904."]
    assert "precision (| = the threshold's recall)" in lines
    assert any(line.split() == ["roc_auc", "0.890443"] for line in lines)
    assert any(line.split() == ["best_f1_threshold", "0.5"] for line in lines)


# -- checks for CI ----------------------------------------------------------------------------
def test_assert_passes_and_fails():
    ok = invoke("precision-recall", SCORES, "--true", "label", "--score", "score",
                "--assert", "f1 >= 0.8", "--assert", "roc_auc > 0.85")
    assert ok.exit_code == 0 and "PASS f1 >= 0.8" in ok.stdout
    bad = invoke("precision-recall", SCORES, "--true", "label", "--score", "score",
                 "--assert", "f1 >= 0.9")
    assert bad.exit_code == 1
    assert bad.stderr == ("mlstats: assertion failed: f1 >= 0.9 (f1 = 0.8314087759815243)\n")
    cls = invoke("precision-recall", ANIMALS, "--true", "actual", "--pred", "predicted",
                 "--assert", "per_class.cat.recall > 0.9", "--assert", "confusion.cat.dog <= 4")
    assert cls.exit_code == 1
    assert cls.stderr == ("mlstats: assertion failed: per_class.cat.recall > 0.9 "
                          "(per_class.cat.recall = 0.8301886792452831)\n")


def test_comparison_assert_for_ci(two_models):
    args = ("precision-recall", two_models["both"], "--true", "label", "--score", "score",
            "--baseline-score", "old", "--seed", "3", "--resamples", "500")
    ok = invoke(*args, "--assert", "comparison.roc_auc.ci_low > -0.01")
    assert ok.exit_code == 0, ok.stderr
    # the baseline as the new model: really worse, so the same check fails
    worse = invoke("precision-recall", two_models["both"], "--true", "label", "--score", "old",
                   "--baseline-score", "score", "--seed", "3", "--resamples", "500",
                   "--assert", "comparison.roc_auc.ci_low > -0.01")
    assert worse.exit_code == 1
    assert worse.stderr.startswith("mlstats: assertion failed: comparison.roc_auc.ci_low > "
                                   "-0.01 (comparison.roc_auc.ci_low = -0.0")


# -- curve, plot, ci, comparison --------------------------------------------------------------
def test_curve_file_matches_sklearn(tmp_path):
    path = tmp_path / "curve.csv"
    result = invoke("precision-recall", SCORES, "--true", "label", "--score", "score",
                    "--curve", str(path), "--json")
    assert result.exit_code == 0
    rows = list(csv.reader(path.read_text().splitlines()))
    assert rows[0] == ["threshold", "precision", "recall", "f1", "fpr", "tpr"]
    table = read_table(ReadOptions(source=SCORES))
    y, s = table.numeric("label"), table.numeric("score")
    precision, recall, thresholds = precision_recall_curve(y, s)
    body = rows[1:]
    assert len(body) == len(precision)
    assert [float(r[0]) for r in body[:-1]] == thresholds.tolist()
    assert [float(r[1]) for r in body] == pytest.approx(precision.tolist(), rel=1e-12)
    assert [float(r[2]) for r in body] == pytest.approx(recall.tolist(), rel=1e-12)
    assert body[-1] == ["", "1", "0", "0", "0", "0"]
    fpr = np.array([float(r[4]) for r in body])
    tpr = np.array([float(r[5]) for r in body])
    assert -np.trapezoid(tpr, fpr) == pytest.approx(roc_auc_score(y, s), rel=1e-12)


def test_plot_writes_a_png(tmp_path):
    path = tmp_path / "pr.png"
    result = invoke("precision-recall", SCORES, "--true", "label", "--score", "score",
                    "--plot", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_seeded_ci_is_byte_identical():
    args = ("precision-recall", SCORES, "--true", "label", "--score", "score", "--ci",
            "--seed", "11", "--resamples", "400", "--format", "csv")
    first, second = invoke(*args), invoke(*args)
    assert first.exit_code == 0 and first.stdout == second.stdout
    header, _row = first.stdout.splitlines()
    assert "ci.roc_auc.low" in header.split(",")


def test_compare_file_joined_on_id_equals_same_file_baseline(two_models):
    common = ("--true", "label", "--score", "score", "--seed", "3", "--resamples", "300")
    same = invoke_json("precision-recall", two_models["both"], *common, "--baseline-score",
                       "old")
    joined = invoke_json("precision-recall", two_models["both"], *common, "--compare",
                         two_models["shuffled"], "--id", "id")
    ordered = invoke_json("precision-recall", two_models["both"], *common, "--compare",
                          two_models["in_order"])
    assert same["comparison"] == joined["comparison"] == ordered["comparison"]
    assert same["baseline"] == "column old" and joined["baseline"] == two_models["shuffled"]
    auc = next(row for row in same["comparison"] if row["name"] == "roc_auc")
    y = two_models["label"]
    # scikit-learn 1.9.1: roc_auc_score on the two score columns
    assert auc["new"] == pytest.approx(roc_auc_score(y, two_models["score"]), rel=1e-12)
    assert auc["baseline"] == pytest.approx(roc_auc_score(y, two_models["old"]), rel=1e-12)
    assert list(auc) == ["name", "new", "baseline", "diff", "ci_low", "ci_high", "p_value"]
    csv_out = invoke("precision-recall", two_models["both"], *common, "--baseline-score", "old",
                     "--format", "csv").stdout
    assert csv_out.splitlines()[0] == "name,new,baseline,diff,ci_low,ci_high,p_value"


def test_compare_with_unmatched_ids_leaves_rows_out(write_csv):
    main = write_csv("id,y,s\n1,1,0.9\n2,0,0.2\n3,1,0.6\n4,0,0.4\n5,1,0.3\n", "main.csv")
    base = write_csv("id,s\n5,0.5\n3,0.7\n2,0.1\n1,0.8\n", "base.csv")
    # threshold 0.05: every row is predicted positive, so precision is defined in every resample
    result = invoke("precision-recall", main, "--true", "y", "--score", "s", "--compare", base,
                    "--id", "id", "--seed", "1", "--resamples", "50", "--threshold", "0.05",
                    "--json")
    assert result.exit_code == 0
    assert result.stderr == (
        f"mlstats: warning: 1 row of the input has no --id match in '{base}'; it is left "
        "out\n"
        f"mlstats: warning: 1 of 5 rows left out: a missing value in {base}:s "
        "(rows_used = 4)\n")
    assert json.loads(result.stdout)["rows_used"] == 4


def test_missing_rows_are_left_out_and_counted(write_csv):
    path = write_csv("y,s\n1,0.9\n,0.5\n0,\n0,0.1\n1,0.7\n0,0.6\n")
    result = invoke("precision-recall", path, "--true", "y", "--score", "s", "--json")
    assert result.exit_code == 0
    assert result.stderr == ("mlstats: warning: 2 of 6 rows left out: a missing value in y, s "
                             "(rows_used = 4)\n")
    record = json.loads(result.stdout)
    assert record["rows_used"] == 4 and record["tp"] + record["fp"] + record["fn"] \
        + record["tn"] == 4
    assert record["provenance"]["rows_dropped"] == 2


def test_warnings_for_logits_and_one_class(write_csv):
    logits = write_csv("y,s\n1,2.5\n0,-1.5\n1,0.3\n0,0.1\n", "logits.csv")
    result = invoke("precision-recall", logits, "--true", "y", "--score", "s",
                    "--threshold", "0", "--json")
    assert result.exit_code == 0
    assert result.stderr == ("mlstats: warning: --score has values outside [0, 1] (from -1.5 to "
                             "2.5): read as a ranking; the threshold 0 is on the same scale\n")
    one = write_csv("y,s\n1,0.9\n1,0.2\n", "one.csv")
    result = invoke("precision-recall", one, "--true", "y", "--score", "s", "--json")
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    # scikit-learn 1.9.1: average_precision_score([1, 1], [0.9, 0.2]) = 1.0
    assert record["average_precision"] == 1.0 and record["roc_auc"] is None
    assert result.stderr.splitlines()[0] == ("mlstats: warning: only one class in --true (every "
                                             "row is positive): roc_auc is null "
                                             "(average_precision is 1: every threshold has "
                                             "precision 1)")


def test_zero_division_warns_and_reports_zero(write_csv):
    path = write_csv("y,s\n1,0.1\n0,0.2\n1,0.3\n")
    result = invoke("precision-recall", path, "--true", "y", "--score", "s", "--threshold",
                    "0.9", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["precision"] == 0
    assert result.stderr == ("mlstats: warning: precision undefined (no row is predicted "
                             "positive): reported as 0, as scikit-learn's zero_division "
                             "default\n")


def test_standard_input_and_quiet():
    data = (SAMPLE / "scores.csv").read_text()
    result = invoke("precision-recall", "-", "--true", "label", "--score", "score", "--quiet",
                    "--json", input=data)
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout)["tp"] == 180


def test_runs_as_a_process_with_a_positive_label():
    done = run_process("precision-recall", ANIMALS, "--true", "actual", "--pred", "predicted",
                       "--positive", "dog", "--format", "csv")
    assert done.returncode == 0 and done.stderr == b""
    header, row = done.stdout.decode().splitlines()
    record = dict(zip(header.split(","), row.split(","), strict=True))
    # 40 of 49 dogs found; 44 predicted dogs (confusion_matrix column "dog")
    assert (record["positive"], record["tp"], record["fp"], record["fn"]) == (
        "dog", "40", "4", "9")


# -- labels as the file spells them ----------------------------------------------------------
def test_positive_as_spelled_in_the_file(write_csv):
    # the reader spells 1.0 as 1 and True as true; the file's own spelling still names them
    floats = write_csv("y,s\n1.0,0.2\n0.0,0.7\n1.0,0.9\n0.0,0.1\n", "floats.csv")
    result = invoke("precision-recall", floats, "--true", "y", "--score", "s", "--positive",
                    "0.0", "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    record = json.loads(result.stdout)
    assert (record["positive"], record["tp"], record["fp"], record["fn"]) == ("0", 1, 1, 1)
    booleans = write_csv("y,p\nTrue,True\nFalse,True\nTrue,False\n", "booleans.csv")
    result = invoke("precision-recall", booleans, "--true", "y", "--pred", "p", "--positive",
                    "False", "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    record = json.loads(result.stdout)
    assert (record["positive"], record["tp"], record["fp"], record["fn"]) == ("false", 0, 1, 1)


def test_positive_absent_from_a_one_class_truth_warns(write_csv):
    # without --positive this already warned; naming the same class was an error
    path = write_csv("y,s\n0,0.2\n0,0.7\n0,0.9\n")
    result = invoke("precision-recall", path, "--true", "y", "--score", "s", "--positive", "1",
                    "--json")
    assert (result.exit_code, json.loads(result.stdout)["support"]) == (0, 0)
    assert result.stderr.splitlines()[0] == (
        "mlstats: warning: only one class in --true (every row is negative): average_precision "
        "and roc_auc are null")


def test_extreme_beta_is_the_recall(write_csv):
    # β² overflowed: fbeta was null without a warning, and 0 in the multi-class report
    binary = invoke_json("precision-recall", SCORES, "--true", "label", "--score", "score",
                         "--beta", "1e300")
    assert binary["fbeta"] == pytest.approx(binary["recall"], rel=1e-12)
    assert binary["warnings"] == []
    multi = invoke_json("precision-recall", ANIMALS, "--true", "actual", "--pred", "predicted",
                        "--beta", "1e300")
    assert multi["macro_fbeta"] == pytest.approx(multi["macro_recall"], rel=1e-12)


def test_nan_spelled_outside_the_missing_list(write_csv):
    # 'NAN' is not a pandas missing-value marker but reads as a float NaN; that score sorted
    # above every other and was predicted positive at any threshold (tp 0, fp 1 here). The
    # reader now treats such a NaN as missing: the row is left out and counted.
    path = write_csv("y,s\n1,0.2\n0,NAN\n1,0.9\n0,0.1\n")
    result = invoke("precision-recall", path, "--true", "y", "--score", "s", "--json")
    assert result.exit_code == 0
    assert result.stderr.startswith("mlstats: warning: 1 of 4 rows left out: a missing value ")
    record = json.loads(result.stdout)
    assert (record["rows_used"], record["tp"], record["fp"]) == (3, 1, 0)
    # a NaN label was an internal error (exit 3)
    labels = write_csv("y,p\n1,1\nNAN,0\n0,0\n", "labels.csv")
    result = invoke("precision-recall", labels, "--true", "y", "--pred", "p", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["rows_used"] == 2


def test_negative_seed_is_a_usage_error():
    # NumPy refuses a negative seed: this was an internal error (exit 3)
    result = invoke("precision-recall", SCORES, "--true", "label", "--score", "score", "--ci",
                    "--seed", "-1", "--resamples", "10")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "mlstats: error: --seed must be 0 or more (got -1)\n"


# -- errors: one line, exit 2 -----------------------------------------------------------------
HELP = "see mlstats precision-recall --help"


@pytest.mark.parametrize(("args", "line"), [
    (["--true", "label"], f"give --score COL (scores) or --pred COL (predicted labels); {HELP}"),
    (["--true", "label", "--score", "score", "--pred", "label"],
     f"--score and --pred exclude each other: give one; {HELP}"),
    (["--true", "label", "--pred", "label", "--threshold", "0.3"],
     f"--threshold needs --score (hard predictions have no threshold or curve); {HELP}"),
    (["--true", "label", "--pred", "label", "--curve", "c.csv"],
     f"--curve needs --score (hard predictions have no threshold or curve); {HELP}"),
    (["--true", "label", "--pred", "label", "--baseline-score", "score"],
     f"--baseline-score needs --score; compare predictions with --compare FILE; {HELP}"),
    (["--true", "label", "--score", "score", "--baseline-score", "score", "--compare", "b.csv"],
     f"--baseline-score and --compare exclude each other: give one; {HELP}"),
    (["--true", "label", "--score", "score", "--id", "id"],
     f"--id needs --compare (it joins the baseline file); {HELP}"),
    (["--score", "score"], f"missing option '--true'; {HELP}"),
    (["--true", "lable", "--score", "score"],
     "column 'lable' not found; did you mean 'label'? columns are: label, score"),
    (["--true", "label", "--score", "score", "--positive", "yes"],
     "--positive 'yes' is not a label of --true; labels are: 0, 1"),
    (["--true", "label", "--score", "score", "--target-precision", "1.5"],
     "--target-precision must be greater than 0 and at most 1 (got 1.5)"),
    (["--true", "label", "--score", "score", "--beta", "0"],
     "--beta must be greater than 0 (got 0)"),
    (["--true", "label", "--score", "score", "--ci", "--confidence", "1.5"],
     "--confidence must be between 0 and 1 (got 1.5)"),
    (["--true", "label", "--score", "score", "--resamples", "0"],
     "invalid value for '--resamples': Input should be greater than or equal to 1; see "
     "mlstats precision-recall --help"),
])
def test_usage_and_domain_errors(args, line):
    result = invoke("precision-recall", SCORES, *args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"mlstats: error: {line}\n"


@pytest.mark.parametrize(("text", "args", "line"), [
    ("y,s\n1,0.4\n0,high\n", ["--score", "s"],
     "column 's' is not numeric: 'high' at line 3; pick a numeric column, or fix the value "
     "(mlstats clean --coerce converts numbers stored as text)"),
    ("y,p\ncat,cat\ndog,cat\n", ["--pred", "p"],
     "the labels 'cat' and 'dog' of --true and --pred are not an obvious pair (0/1, false/true, "
     "no/yes); name the positive class with --positive"),
    ("y,s\ncat,0.3\ndog,0.6\n", ["--score", "s"],
     "the labels 'cat' and 'dog' of --true are not an obvious pair (0/1, false/true, no/yes); "
     "name the positive class with --positive"),
    ("y,s\na,0.3\nb,0.6\nc,0.1\n", ["--score", "s"],
     "--true holds 3 labels (a, b, c); name the positive class with --positive to score it "
     "against the rest"),
    ("y,s\n,0.3\n,0.6\n", ["--score", "s"],
     "no rows to score: every row misses the label, the score or the prediction"),
])
def test_data_errors(write_csv, text, args, line):
    result = invoke("precision-recall", write_csv(text), "--true", "y", *args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == f"mlstats: error: {line}"
    assert result.stderr.count("error") == 1


def test_compare_file_errors(write_csv, tmp_path):
    main = write_csv("id,y,s\n1,1,0.9\n2,0,0.2\n3,1,0.6\n", "main.csv")
    cases = [
        ("t,u\n1,2\n", [], "--compare file '{b}' has no column 's' (the baseline's scores or "
         "predictions go in a column of that name); columns are: t, u"),
        ("s\n0.5\n0.4\n", [], "--compare file '{b}' has 2 data rows but the input has 3; join "
         "them on a key with --id COL"),
        ("s\n0.5\n0.4\n0.3\n", ["--id", "id"], "--compare file '{b}' has no --id column 'id'; "
         "columns are: s"),
        ("id,s\n1,0.5\n1,0.4\n3,0.3\n", ["--id", "id"], "--id column 'id' is not unique in "
         "'{b}': '1' occurs 2 times; give a key that names one row"),
        ("id,y,s\n1,1,0.5\n2,1,0.4\n3,0,0.3\n", [], "the --true labels of the baseline file "
         "differ from the input's in 2 of 3 rows; join the files on a key with --id COL"),
    ]
    for i, (text, extra, line) in enumerate(cases):
        base = write_csv(text, f"base{i}.csv")
        result = invoke("precision-recall", main, "--true", "y", "--score", "s", "--compare",
                        base, *extra)
        assert (result.exit_code, result.stdout) == (2, ""), text
        assert result.stderr == f"mlstats: error: {line.format(b=base)}\n"


def test_compare_with_no_matching_id_names_the_keys(write_csv):
    # the keys of the two files never meet: this used to end in "no rows to score"
    main = write_csv("id,y,s\n1,1,0.9\n2,0,0.2\n3,1,0.6\n", "main.csv")
    base = write_csv("id,s\nk1,0.5\nk2,0.4\nk3,0.3\n", "base.csv")
    result = invoke("precision-recall", main, "--true", "y", "--score", "s", "--compare", base,
                    "--id", "id")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"mlstats: error: no --id value of the input occurs in '{base}' "
                             "(e.g. '1' and 'k1'); give the key column that both files share\n")


def test_repeated_id_in_the_input_is_an_error(write_csv):
    main = write_csv("id,y,s\n7,1,0.9\n7,0,0.2\n", "main.csv")
    base = write_csv("id,s\n7,0.5\n8,0.4\n", "base.csv")
    result = invoke("precision-recall", main, "--true", "y", "--score", "s", "--compare", base,
                    "--id", "id")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("mlstats: error: --id column 'id' is not unique in the input: '7' "
                             "occurs 2 times; give a key that names one row\n")


def test_unwritable_curve_is_an_error_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a short path: quoted values over 80 characters are cut
    target = Path("missing") / "curve.csv"
    result = invoke("precision-recall", SCORES, "--true", "label", "--score", "score",
                    "--curve", str(target))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"mlstats: error: cannot write '{target}': no such file or "
                             "directory; check the path and free space\n")
    assert not target.parent.exists()


@pytest.mark.parametrize(("extra", "message"), [
    (["--curve", "{out}", "-o", "{out}"],
     "--curve '{out}' is also the -o file; give them different paths"),
    (["--plot", "{out}", "-o", "{out}"],
     "--plot '{out}' is also the -o file; give them different paths"),
    (["--curve", "{out}", "--plot", "{out}"],
     "--curve and --plot both name '{out}'; give them different paths"),
])
def test_side_files_never_replace_the_result_or_each_other(tmp_path, extra, message):
    # issue 18: --curve X -o X wrote the curve, then silently replaced it with the report
    data = tmp_path / "scores.csv"
    data.write_bytes(Path(SCORES).read_bytes())
    out = tmp_path / "same.csv"
    fill = {"out": str(out), "input": str(data)}
    result = invoke("precision-recall", data, "--true", "label", "--score", "score",
                    *(a.format(**fill) for a in extra))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"mlstats: error: {message.format(**fill)}\n"
    assert not out.exists() and data.read_bytes() == Path(SCORES).read_bytes()


def test_a_long_bootstrap_is_warned_on_stderr(monkeypatch):
    import importlib

    progress = importlib.import_module("mlstats.render.progress")
    monkeypatch.setattr(progress, "MINUTE", 0.0)
    monkeypatch.setattr(progress, "SETTLE", 0.0)
    result = invoke("precision-recall", SCORES, "--true", "label", "--score", "score", "--ci",
                    "--resamples", "300", "--seed", "1", "--json")
    assert result.exit_code == 0
    assert result.stderr.startswith("mlstats: warning: this bootstrap will take about ")
    assert "(300 resamples); --resamples " in result.stderr


def test_same_seed_is_byte_identical_with_worker_threads(write_csv):
    rng = np.random.default_rng(2)
    y = rng.random(10_000) < 0.3
    s = np.clip(0.2 * y + rng.normal(0.4, 0.2, y.size), 0, 1).round(5)
    b = np.clip(0.1 * y + rng.normal(0.4, 0.2, y.size), 0, 1).round(5)
    path = write_csv("y,s,b\n" + "".join(f"{int(u)},{v},{w}\n" for u, v, w in zip(y, s, b,
                                                                                strict=True)))
    args = ("precision-recall", path, "--true", "y", "--score", "s", "--baseline-score", "b",
            "--ci", "--seed", "3", "--resamples", "200", "--json")
    first, second = run_process(*args), run_process(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
