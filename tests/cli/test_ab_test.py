"""`mlstats ab-test` from the command line: output, keys, checks and every error path."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SAMPLE, invoke, invoke_json, run_process

TOOTH = str(SAMPLE / "toothgrowth.csv")
COUNTS = ("--counts", "A=120/1000", "--counts", "B=150/1000")


def after_method(line: str) -> str:
    """The comparisons' part of the summary line, after the method sentence."""
    return line.split("). ", 1)[1]


def test_help():
    result = invoke("ab-test", "--help")
    assert result.exit_code == 0
    assert "--counts" in result.stdout and "--expected-ratio" in result.stdout


def test_welch_from_a_file_matches_r():
    record = invoke_json("ab-test", TOOTH, "--group", "supp", "--metric", "len")
    # R 4.2.2: t.test(len ~ supp, ToothGrowth): OJ − VC; VC comes first in the file
    assert record["control"] == "VC" and record["test"] == "welch"
    assert record["statistic"] == pytest.approx(1.91526826869527, rel=1e-8)
    assert record["p_value"] == pytest.approx(0.0606345078809341, rel=1e-8)
    assert record["ci_low"] == pytest.approx(-0.171015618367165, rel=1e-8)
    assert record["ci_high"] == pytest.approx(7.571015618367163, rel=1e-8)
    assert record["significant"] is False
    assert record["rows_used"] == 60 and record["warnings"] == []
    assert [g["name"] for g in record["groups"]] == ["VC", "OJ"]
    assert set(record["groups"][0]) == {"name", "n", "mean", "std"}
    assert set(record["comparisons"][0]) == {
        "name", "control", "diff", "ci_low", "ci_high", "lift", "lift_ci_low", "lift_ci_high",
        "statistic", "p_value", "p_adjusted", "significant"}
    assert record["provenance"]["rows_read"] == 60
    assert record["provenance"]["input"] == TOOTH


def test_json_equals_the_stats_function():
    from mlstats.render import build_record
    from mlstats.stats.abtest import ab_test_rows

    data = pd.read_csv(TOOTH)
    codes, labels = pd.factorize(data["supp"])
    result = ab_test_rows(codes, list(labels), data["len"].to_numpy(float), binary=False,
                          test="mannwhitney", control="OJ")
    expected = build_record("ab-test", result.as_record())
    record = invoke_json("ab-test", TOOTH, "--group", "supp", "--metric", "len",
                         "--test", "mannwhitney", "--control", "OJ")
    for key, value in expected.items():
        if key not in ("warnings",):
            assert record[key] == value, key
    # R 4.2.2: wilcox.test(len ~ supp, ToothGrowth, exact=FALSE): W = 575.5 for OJ; with
    # VC as the variant U = 30·30 − 575.5 and the two-sided p is the same
    assert record["statistic"] == 900 - 575.5
    assert record["p_value"] == pytest.approx(0.0644906721338357, rel=1e-8)


def test_counts_table_view_says_what_it_means():
    result = invoke("ab-test", *COUNTS)
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "mlstats ab-test"
    # statsmodels 0.15.0: proportions_ztest p = 0.0496; confint_proportions_2indep wald
    assert lines[1] == ("Pooled two-proportion z-test, two-sided; control A (the first group "
                        "in order of appearance). B converts 25.0 % better than A: +3.00 "
                        "points (95 % CI +0.01 to +5.99); significant at α = 0.05 "
                        "(p = 0.0496)")
    assert "…" not in result.stdout


def test_counts_json_matches_statsmodels_and_r():
    record = invoke_json("ab-test", *COUNTS, "--test", "chi2", "--ci-method", "newcombe")
    # R 4.2.2: prop.test(c(120,150), c(1000,1000))
    assert record["statistic"] == pytest.approx(3.60094198244487, rel=1e-8)
    assert record["p_value"] == pytest.approx(0.0577468415096888, rel=1e-8)
    # statsmodels 0.15.0: confint_proportions_2indep(150, 1000, 120, 1000, method="newcomb")
    assert record["ci_low"] == pytest.approx(1.3782434204051563e-05, rel=1e-8)
    assert record["ci_high"] == pytest.approx(0.06000825857012657, rel=1e-8)
    assert record["ci_method"] == "newcombe"
    # NumPy 2.4.6: np.r_[np.ones(150), np.zeros(850)].std(ddof=1)
    assert record["groups"][1] == {"name": "B", "n": 1000, "successes": 150, "mean": 0.15,
                                   "std": pytest.approx(0.35725009115132167, rel=1e-12)}
    assert "rows_used" not in record and "provenance" not in record


def test_fisher_from_counts_matches_r():
    record = invoke_json("ab-test", *COUNTS, "--test", "fisher")
    # R 4.2.2: fisher.test(matrix(c(120,880,150,850),2))$p.value
    assert record["p_value"] == pytest.approx(0.0575958508689268, rel=1e-8)


def test_markdown_and_csv():
    md = invoke("ab-test", *COUNTS, "--format", "markdown")
    assert md.exit_code == 0
    assert md.stdout.startswith("### mlstats ab-test\n\nPooled two-proportion z-test, "
                                "two-sided; control A (the first group in order of "
                                "appearance). B converts 25.0 % better than A")
    assert "| B | A | 0.03 |" in md.stdout
    csv = invoke("ab-test", *COUNTS, "--format", "csv")
    header, row = csv.stdout.splitlines()
    assert header == ("name,control,diff,ci_low,ci_high,lift,lift_ci_low,lift_ci_high,"
                      "statistic,p_value,p_adjusted,significant")
    assert row.startswith("B,A,0.03,7.60288212977")


def test_assert_passes_and_fails():
    ok = invoke("ab-test", *COUNTS, "--assert", "p_value < 0.05",
                "--assert", "comparisons.B.lift > 0.2")
    assert ok.exit_code == 0 and ok.stderr == ""
    bad = invoke("ab-test", *COUNTS, "--test", "chi2", "--assert", "significant == true")
    assert bad.exit_code == 1
    assert bad.stderr == ("mlstats: assertion failed: significant == true "
                          "(significant = false)\n")
    assert "FAIL significant == true" in bad.stdout


def test_two_valued_text_metric_and_missing_rows(write_csv):
    path = write_csv("variant,converted\nA,yes\nB,No\nA,no\nB,YES\nA,\nB,yes\nA,no\n")
    result = invoke("ab-test", path, "--group", "variant", "--metric", "converted", "--json")
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert record["rows_used"] == 6
    assert [(g["name"], g["n"], g["successes"]) for g in record["groups"]] == [
        ("A", 3, 1), ("B", 3, 2)]
    assert result.stderr.splitlines()[0] == ("mlstats: warning: 1 of 7 rows left out: a missing "
                                             "value in converted (rows_used = 6)")


def test_true_false_and_zero_one_metrics_are_proportions(write_csv):
    truth = write_csv("g,m\nA,true\nB,false\nA,false\nB,true\nB,true\n", "tf.csv")
    zero_one = write_csv("g,m\nA,1\nB,0\nA,0\nB,1\nB,1\n", "01.csv")
    a = invoke_json("ab-test", truth, "--group", "g", "--metric", "m", "--quiet")
    b = invoke_json("ab-test", zero_one, "--group", "g", "--metric", "m", "--quiet")
    assert a["test"] == b["test"] == "z"
    assert a["comparisons"] == b["comparisons"]
    assert [g["successes"] for g in a["groups"]] == [1, 2]


def test_three_groups_holm_and_control(write_csv):
    rng = np.random.default_rng(1)
    rows = ["arm,value"] + [f"{arm},{rng.normal(mu, 1):.6f}"
                            for arm, mu in [("ctrl", 0), ("v1", 0.8), ("v2", 0.1)] * 40]
    path = write_csv("\n".join(rows) + "\n")
    record = invoke_json("ab-test", path, "--group", "arm", "--metric", "value",
                         "--correction", "bonferroni", "--control", "v2")
    assert record["family_size"] == 2 and record["control"] == "v2"
    assert "diff" not in record
    assert [c["name"] for c in record["comparisons"]] == ["ctrl", "v1"]
    for c in record["comparisons"]:
        assert c["p_adjusted"] == pytest.approx(min(1, 2 * c["p_value"]), rel=1e-12)
    bh = invoke_json("ab-test", path, "--group", "arm", "--metric", "value", "--correction",
                     "BH")
    assert bh["correction"] == "bh"
    table = invoke("ab-test", path, "--group", "arm", "--metric", "value")
    assert "Holm-adjusted p = " in table.stdout


def test_sample_ratio_mismatch_warns():
    result = invoke("ab-test", "--counts", "A=600/5000", "--counts", "B=560/4500",
                    "--expected-ratio", "50:50", "--json")
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert record["srm_p_value"] < 0.001 and record["expected_ratio"] == "50:50"
    assert result.stderr.startswith("mlstats: warning: sample ratio mismatch: group sizes "
                                    "(A 5000, B 4500)")
    quiet = invoke("ab-test", "--counts", "A=600/5000", "--counts", "B=560/4500",
                   "--expected-ratio", "50:50", "--quiet")
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_means_from_summaries():
    record = invoke_json("ab-test", "--means", "A=30/16.9633333333/8.2660286647",
                         "--means", "B=30/20.6633333333/6.6055610497", "--test", "student")
    # SciPy 1.17.1: ttest_ind(OJ, VC, equal_var=True) on toothgrowth.csv
    assert record["p_value"] == pytest.approx(0.06039337122412848, rel=1e-8)
    assert record["test"] == "student" and "ci_method" not in record


def test_cuped_from_a_file(write_csv):
    rng = np.random.default_rng(3)
    pre = rng.normal(50, 10, 200)
    arm = np.repeat(["A", "B"], 100)
    post = pre * 0.9 + (arm == "B") * 2 + rng.normal(0, 4, 200)
    path = write_csv(pd.DataFrame({"arm": arm, "pre": pre, "post": post}).to_csv(index=False))
    record = invoke_json("ab-test", path, "--group", "arm", "--metric", "post",
                         "--covariate", "pre")
    assert 0.5 < record["variance_reduction"] < 1
    r = np.corrcoef(post, pre)[0, 1]
    assert record["variance_reduction"] == pytest.approx(r * r, rel=1e-9)
    adjusted, raw = record["comparisons"][0], record["unadjusted"]["comparisons"][0]
    assert adjusted["ci_high"] - adjusted["ci_low"] < raw["ci_high"] - raw["ci_low"]
    assert record["groups"][1]["mean"] == pytest.approx(post[100:].mean(), rel=1e-12)
    check = invoke("ab-test", path, "--group", "arm", "--metric", "post", "--covariate", "pre",
                   "--assert", "unadjusted.comparisons.B.p_value > 0.5")
    assert check.exit_code == 1
    assert "CUPED removed" in invoke("ab-test", path, "--group", "arm", "--metric", "post",
                                     "--covariate", "pre").stdout


def test_permutation_is_reproducible():
    args = ("ab-test", TOOTH, "--group", "supp", "--metric", "len", "--test", "permutation",
            "--resamples", "2000", "--seed", "7", "--json")
    first, second = invoke(*args), invoke(*args)
    assert first.exit_code == 0 and first.stdout == second.stdout
    record = json.loads(first.stdout)
    assert record["resamples"] == 2000 and record["provenance"]["seed"] == 7
    assert record["statistic"] == record["diff"]
    assert abs(record["p_value"] - 0.0605) < 0.025


def test_standard_input_as_a_process():
    data = (SAMPLE / "toothgrowth.csv").read_bytes()
    proc = run_process("ab-test", "-", "--group", "supp", "--metric", "len", "--json",
                       input=data)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["p_value"] == pytest.approx(0.0606345078809341, rel=1e-8)


# -- errors: exit 2, one line, nothing on stdout ----------------------------------------------
def error_of(*args, input=None):
    result = invoke(*args, input=input)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    return result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("--counts", "A=150/100", "--counts", "B=1/2"),
     "--counts 'A=150/100': successes (150) exceed the group size (100); write "
     "NAME=SUCCESSES/TOTAL, e.g. A=120/1000"),
    (("--counts", "A=x/10", "--counts", "B=1/2"),
     "--counts 'A=x/10': 'x' is not a whole number; write NAME=SUCCESSES/TOTAL, e.g. "
     "A=120/1000"),
    (("--counts", "A=1/10"),
     "an A/B test needs at least two groups, and there is only 'A'; check --group (or give "
     "--counts/--means once per group)"),
    ((*COUNTS, "--control", "Z"), "--control 'Z' is not a group; groups are: A, B"),
    ((*COUNTS, "--expected-ratio", "50:25:25"),
     "--expected-ratio '50:25:25' has 3 parts but there are 2 groups (A, B); give one part "
     "per group, in the order the groups appear"),
    ((*COUNTS, "--means", "C=10/1/1"),
     "--counts and --means cannot be combined; give proportions or means, one kind per run"),
    ((TOOTH, *COUNTS),
     "--counts replaces the data file, so INPUT cannot be used with it; give either --counts "
     "or INPUT with --group and --metric"),
    (("--means", "A=10/1/1", "--means", "B=10/2/1", "--test", "mannwhitney"),
     "--test mannwhitney needs the rows of a continuous metric, and --means gives only "
     "summaries; use welch or student, or give the data file"),
    ((*COUNTS, "--alpha", "1.5"), "--alpha must be between 0 and 1 (got 1.5)"),
    ((TOOTH, "--group", "supp"),
     "--metric missing: give INPUT with --group and --metric, or --counts/--means for "
     "summaries; see mlstats ab-test --help"),
    ((TOOTH, "--group", "supp", "--metric", "supp"),
     "column 'supp' is not numeric: 'VC' at line 2; pick a numeric column, or fix the value "
     "(mlstats clean --coerce converts numbers stored as text)"),
    ((TOOTH, "--group", "supp", "--metric", "len", "--test", "z"),
     "--test z needs a two-valued metric (0/1, true/false, yes/no); for a continuous metric "
     "use welch, student, mannwhitney or permutation"),
    ((TOOTH, "--group", "sup", "--metric", "len"),
     "column 'sup' not found; did you mean 'supp'? columns are: len, supp, dose"),
    ((TOOTH, "--group", "supp", "--metric", "len", "--covariate", "supp"),
     "column 'supp' is not numeric: 'VC' at line 2; pick a numeric column, or fix the value "
     "(mlstats clean --coerce converts numbers stored as text)"),
])
def test_errors(args, message):
    assert error_of("ab-test", *args) == f"mlstats: error: {message}\n"


def test_one_group_in_a_file(write_csv):
    path = write_csv("g,m\nA,1.5\nA,2.5\n")
    assert error_of("ab-test", path, "--group", "g", "--metric", "m") == (
        "mlstats: error: an A/B test needs at least two groups, and there is only 'A'; check "
        "--group (or give --counts/--means once per group)\n")


def test_group_with_one_row_for_means(write_csv):
    path = write_csv("g,m\nA,1.5\nA,2.5\nB,3.5\n")
    assert error_of("ab-test", path, "--group", "g", "--metric", "m") == (
        "mlstats: error: group 'B' has 1 row; comparing means needs at least 2 rows per "
        "group\n")


def test_bad_choice_is_a_usage_error():
    assert error_of("ab-test", *COUNTS, "--ci-method", "exact") == (
        "mlstats: error: invalid value for '--ci-method': 'exact' is not one of 'wald', "
        "'newcombe', 'agresti-caffo'; see mlstats ab-test --help\n")


def test_sentence_without_a_lift_and_with_an_undefined_test():
    result = invoke("ab-test", "--counts", "A=0/50", "--counts", "B=3/50", "--test", "fisher")
    assert result.exit_code == 0
    assert after_method(result.stdout.splitlines()[1]) == (
        "B differs from A by +6.00 points (95 % CI -0.58 to +12.58); no lift, as A's mean is "
        "0; not significant at α = 0.05 (p = 0.242)")
    assert result.stderr == (
        "mlstats: warning: B vs A: the lift is undefined because the control's mean is 0\n"
        "mlstats: warning: B vs A: the odds ratio is undefined (a zero cell in the 2×2 table); "
        "statistic is null\n")
    record = invoke_json("ab-test", "--counts", "A=0/50", "--counts", "B=0/50", "--quiet")
    assert record["p_value"] is None and record["lift"] is None
    assert record["significant"] is None
    undefined = invoke("ab-test", "--counts", "A=0/50", "--counts", "B=0/50", "--quiet")
    assert undefined.stdout.splitlines()[1].endswith("; the test is undefined (see the warnings)")


def test_means_sentence_and_smaller_alternative():
    result = invoke("ab-test", TOOTH, "--group", "supp", "--metric", "len", "--control", "OJ",
                    "--alternative", "smaller")
    assert result.exit_code == 0
    # SciPy 1.17.1: ttest_ind(VC, OJ, equal_var=False, alternative="less").pvalue = 0.0303;
    # lift (16.9633 − 20.6633)/20.6633 = −17.9 %; R 4.2.2 t.test CI, sign flipped
    assert after_method(result.stdout.splitlines()[1]) == (
        "VC's mean is 17.9 % lower than OJ's: -3.7 (95 % CI -7.571 to +0.171); significant "
        "at α = 0.05 (p = 0.0303)")
    record = invoke_json("ab-test", TOOTH, "--group", "supp", "--metric", "len", "--control",
                         "OJ", "--alternative", "smaller")
    # lift CI by hand: delta-method half-width
    # 1.959964·√(8.26603²/30/20.6633² + 16.9633²·6.60556²/30/20.6633⁴) = 0.171211
    half = 1.959963984540054 * np.sqrt(
        8.266028664664638**2 / 30 / 20.663333333333334**2
        + 16.963333333333335**2 * 6.605561049722362**2 / 30 / 20.663333333333334**4)
    lift = (16.963333333333335 - 20.663333333333334) / 20.663333333333334
    assert record["lift_ci_low"] == pytest.approx(lift - half, rel=1e-10)
    assert record["lift_ci_high"] == pytest.approx(lift + half, rel=1e-10)


def test_sentence_follows_the_difference_when_the_control_mean_is_negative():
    # lift = (−1 − (−2))/(−2) = −0.5, yet the variant's mean is higher: the sentence used to
    # say "50.0 % lower"
    result = invoke("ab-test", "--means", "A=100/-2/1", "--means", "B=100/-1/1")
    assert result.exit_code == 0 and result.stderr == ""
    assert after_method(result.stdout.splitlines()[1]) == (
        "B's mean is 50.0 % higher than A's: +1 (95 % CI +0.7211 to +1.279); significant at "
        "α = 0.05 (p = 2.58e-11)")
    assert invoke_json("ab-test", "--means", "A=100/-2/1", "--means", "B=100/-1/1")[
        "lift"] == -0.5


def test_constant_groups_print_no_nan(write_csv):
    path = write_csv("g,m\nA,5\nA,5\nB,5\nB,5\n")
    result = invoke("ab-test", path, "--group", "g", "--metric", "m", "--test", "permutation",
                    "--seed", "1", "--resamples", "99")
    assert result.exit_code == 0
    assert "nan" not in result.stdout
    assert after_method(result.stdout.splitlines()[1]) == (
        "B's mean equals A's: +0 (95 % CI undefined); not significant at α = 0.05 (p = 1)")
    assert result.stderr == ("mlstats: warning: B vs A: neither group varies, so the interval "
                             "for diff is undefined; ci_low and ci_high are null\n")


def test_huge_and_tiny_values_from_a_file(write_csv):
    unit = write_csv("g,m\nA,1\nA,2\nA,3\nB,4\nB,5\nB,7\n", "unit.csv")
    huge = write_csv("g,m\nA,1e300\nA,2e300\nA,3e300\nB,4e300\nB,5e300\nB,7e300\n", "huge.csv")
    tiny = write_csv("g,m\nA,1e-300\nA,2e-300\nA,3e-300\nB,4e-300\nB,5e-300\nB,7e-300\n",
                     "tiny.csv")
    ref = invoke_json("ab-test", unit, "--group", "g", "--metric", "m")
    for path, factor in ((huge, 1e300), (tiny, 1e-300)):
        result = invoke("ab-test", path, "--group", "g", "--metric", "m", "--json")
        assert result.exit_code == 0 and result.stderr == ""  # was exit 3
        record = json.loads(result.stdout)
        assert record["p_value"] == pytest.approx(ref["p_value"], rel=1e-12)
        assert record["diff"] == pytest.approx(ref["diff"] * factor, rel=1e-12)
        assert record["groups"][0]["std"] == pytest.approx(factor, rel=1e-12)


def test_two_single_rows_student_is_undefined_not_a_crash():
    result = invoke("ab-test", "--counts", "A=1/1", "--counts", "B=0/1", "--test", "student")
    assert result.exit_code == 0  # was exit 3 (division by zero degrees of freedom)
    assert result.stderr == (
        "mlstats: warning: group 'A' has 1 row, so its std is undefined (null)\n"
        "mlstats: warning: group 'B' has 1 row, so its std is undefined (null)\n"
        "mlstats: warning: B vs A: the student test is undefined (no variation in the metric, "
        "or a group too small); statistic and p_value are null\n")


@pytest.mark.parametrize(("args", "message"), [
    ((*COUNTS, "--seed", "-1", "--test", "permutation"),
     "--seed must be a whole number, 0 or more (got -1)"),
    (("--counts", "A=500000000/1000000000", "--counts", "B=500100000/1000000000", "--test",
      "permutation"),
     "--test permutation from counts handles fewer than 10^9 successes and 10^9 failures in "
     "all (got 1000100000 and 999900000); use --test z or fisher, which need no resampling"),
    (("--counts", "A=1/10000000000000000", "--counts", "B=3/7", "--test", "fisher"),
     "--test fisher handles up to 2^53 rows in all (got 10000000000000007); use --test z or "
     "chi2, which are exact enough at this size"),
])
def test_domain_errors_that_used_to_crash(args, message):
    assert error_of("ab-test", *args) == f"mlstats: error: {message}\n"


def test_fisher_two_sided_with_billions_of_rows():
    record = invoke_json("ab-test", "--counts", "A=5000000000/10000000000", "--counts",
                         "B=5000100000/10000000000", "--test", "fisher")
    # symmetric null distribution: twice the one-sided p (SciPy 1.17.1 gave 0.0787 here)
    assert record["p_value"] == pytest.approx(2 * 0.07865123255045435, rel=1e-6)


# -- issue 14: sequential, Bayesian, ratio metrics, units; issue 18: control, --counts -------
SESSIONS = str(SAMPLE / "sessions.csv")


def test_counts_in_one_option_equal_repeated():
    one = invoke_json("ab-test", "--counts", "A=120/1000,B=150/1000")
    assert one == invoke_json("ab-test", *COUNTS)


def test_a_group_named_control_is_the_control():
    result = invoke("ab-test", "--counts", "treatment=150/1000,Control=120/1000")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1].startswith(
        "Pooled two-proportion z-test, two-sided; control Control (the group named control). "
        "treatment converts 25.0 % better than Control")
    given = invoke("ab-test", "--counts", "treatment=150/1000,Control=120/1000", "--control",
                   "treatment", "--test", "fisher", "--alternative", "larger")
    assert given.stdout.splitlines()[1].startswith(
        "Fisher's exact test, one-sided (variant larger); control treatment (given by "
        "--control). ")


def test_sequential_json_and_sentence():
    record = invoke_json("ab-test", *COUNTS, "--sequential")
    for key in ("cs_low", "cs_high", "lift_cs_low", "lift_cs_high", "p_value_sequential"):
        assert key in record and key in record["comparisons"][0]
    assert record["sequential_tuning"] == 5000
    assert record["significant"] is False and record["p_value"] < 0.05
    assert record["p_adjusted"] == record["p_value_sequential"]
    line = invoke("ab-test", *COUNTS, "--sequential").stdout.splitlines()[1]
    assert line == ("Pooled two-proportion z-test, two-sided, with always-valid confidence "
                    "sequences (tightest at 5000 units); control A (the first group in order "
                    "of appearance). B converts 25.0 % better than A: +3.00 points (95 % "
                    "confidence sequence -1.77 to +7.77); not significant at α = 0.05 "
                    "(sequential p = 0.471)")


def test_sequential_means_and_cuped_from_a_file():
    record = invoke_json("ab-test", TOOTH, "--group", "supp", "--metric", "len",
                         "--covariate", "dose", "--sequential", "--sequential-tuning", "100")
    assert record["sequential_tuning"] == 100
    assert "cs_low" in record["unadjusted"]["comparisons"][0]
    means = invoke_json("ab-test", "--means", "A=30/16.96/8.27,B=30/20.66/6.61", "--sequential")
    assert means["cs_low"] < means["diff"] < means["cs_high"]


def test_bayesian_json():
    record = invoke_json("ab-test", *COUNTS, "--bayesian", "--prior-mean", "0",
                         "--prior-std", "0.2")
    assert (record["prior_mean"], record["prior_std"]) == (0, 0.2)
    for key in ("chance_to_win", "expected_loss", "cri_low", "cri_high", "chance_to_win_exact"):
        assert key in record["comparisons"][0]
    tooth = invoke_json("ab-test", TOOTH, "--group", "supp", "--metric", "len", "--bayesian")
    assert "chance_to_win_exact" not in tooth["comparisons"][0]


def test_ratio_metric_with_units_from_a_file():
    record = invoke_json("ab-test", SESSIONS, "--group", "variant", "--metric", "revenue",
                         "--denominator", "pageviews", "--unit", "user")
    assert record["units"] == 4000 and record["rows_used"] == 10021
    assert record["control"] == "control"
    assert set(record["groups"][0]) == {"name", "n", "numerator", "denominator", "ratio",
                                        "mean", "std"}
    line = invoke("ab-test", SESSIONS, "--group", "variant", "--metric", "revenue",
                  "--denominator", "pageviews", "--unit", "user").stdout.splitlines()[1]
    assert line.startswith("Welch's t-test on the ratio metric (delta method), two-sided; "
                           "control control (the group named control); 4000 units. ")


@pytest.mark.parametrize(("args", "message"), [
    ((*COUNTS, "--bayesian", "--test", "fisher"),
     "--bayesian reads a Gaussian posterior of the lift, which --test fisher does not "
     "estimate; use --test auto, z, chi2, welch or student with --bayesian"),
    ((TOOTH, "--group", "supp", "--metric", "len", "--bayesian", "--test", "mannwhitney"),
     "--bayesian reads a Gaussian posterior of the lift, which --test mannwhitney does not "
     "estimate; use --test auto, z, chi2, welch or student with --bayesian"),
    ((*COUNTS, "--bayesian", "--test", "permutation"),
     "--bayesian reads a Gaussian posterior of the lift, which --test permutation does not "
     "estimate; use --test auto, z, chi2, welch or student with --bayesian"),
    ((*COUNTS, "--sequential", "--test", "fisher"),
     "--sequential bounds the difference of means with a Gaussian confidence sequence, which "
     "--test fisher does not test; use --test auto, z, chi2, welch or student with "
     "--sequential"),
    ((TOOTH, "--group", "supp", "--metric", "len", "--sequential", "--test", "mannwhitney"),
     "--sequential bounds the difference of means with a Gaussian confidence sequence, which "
     "--test mannwhitney does not test; use --test auto, z, chi2, welch or student with "
     "--sequential"),
    ((*COUNTS, "--sequential", "--test", "permutation", "--seed", "1"),
     "--sequential bounds the difference of means with a Gaussian confidence sequence, which "
     "--test permutation does not test; use --test auto, z, chi2, welch or student with "
     "--sequential"),
    ((*COUNTS, "--bayesian", "--prior-std", "0"),
     "--prior-std must be greater than 0 (got 0); it is the prior's standard deviation of "
     "the relative lift, e.g. 0.3 for ±30 %"),
    ((*COUNTS, "--bayesian", "--prior-std", "-1"),
     "--prior-std must be greater than 0 (got -1); it is the prior's standard deviation of "
     "the relative lift, e.g. 0.3 for ±30 %"),
    ((*COUNTS, "--sequential", "--sequential-tuning", "-5"),
     "--sequential-tuning must be a number of units greater than 0 (got -5); it is the "
     "sample size where the confidence sequence is tightest (default 5000)"),
    ((*COUNTS, "--denominator", "x"),
     "--counts replaces the data file, so --denominator cannot be used with it; give either "
     "--counts or INPUT with --group and --metric"),
])
def test_new_option_errors_are_one_line(args, message):
    result = invoke("ab-test", *args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"mlstats: error: {message}\n"


def test_zero_denominator_sum_is_one_line(write_csv):
    path = write_csv("g,y,d\nA,1,0\nA,2,0\nB,3,1\nB,4,2\n")
    result = invoke("ab-test", path, "--group", "g", "--metric", "y", "--denominator", "d")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("mlstats: error: the --denominator sum of group 'A' is 0; a "
                             "ratio metric needs a positive denominator sum in every group\n")


def test_exit_codes_through_a_real_process():
    done = run_process("ab-test", "--counts", "A=120/1000,B=150/1000", "--bayesian", "--test",
                       "fisher")
    assert done.returncode == 2 and done.stderr.count(b"\n") == 1
