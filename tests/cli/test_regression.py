"""`mlstats regression` end to end: JSON keys, views, files, checks and every error path."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mlstats.io import ReadOptions, read_table
from mlstats.render import plain
from mlstats.stats.regression import ols
from tests.conftest import SAMPLE, invoke, invoke_json

CARS = str(SAMPLE / "cars.csv")
TREES = str(SAMPLE / "trees.csv")
CLICKS = str(SAMPLE / "clicks.csv")
TEETH = str(SAMPLE / "toothgrowth.csv")
AIR = str(SAMPLE / "airquality.csv")

SPEC_KEYS = {"n", "rows_used", "r2", "adj_r2", "f_statistic", "f_p_value", "mse", "rmse", "mae",
             "residual_std_error", "df_model", "df_resid", "log_likelihood", "aic", "bic",
             "coefficients", "condition_number", "vif", "predictions", "warnings", "command",
             "mlstats_version", "provenance", "confidence", "robust"}
COEFFICIENT_KEYS = ["name", "estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high"]


def fails(*args: str) -> str:
    """Run, expect exit 2 with nothing on stdout and one error line; return that line."""
    result = invoke("regression", *args)
    assert (result.exit_code, result.stdout) == (2, ""), result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("mlstats: error: ")
    return result.stderr.removeprefix("mlstats: error: ").rstrip("\n")


# -- results ------------------------------------------------------------------------------------
def test_json_has_the_spec_keys_and_equals_the_stats_function():
    record = invoke_json("regression", CARS, "--y", "dist", "--x", "speed")
    assert set(record) >= SPEC_KEYS
    assert record["command"] == "regression" and record["model"] == "ols"
    assert [list(c) for c in record["coefficients"]] == [COEFFICIENT_KEYS] * 2
    table = read_table(ReadOptions(source=CARS))
    # the command numbers the influential rows by their line in the file (a header first)
    direct = plain(ols(table.numeric("dist"), {"speed": table.numeric("speed")},
                       y_name="dist", lines_of=lambda rows: [r + 2 for r in rows]).result)
    for key, value in direct.items():
        if key != "warnings":
            assert record[key] == value, key
    # R 4.2.2: summary(lm(dist ~ speed, cars))$r.squared
    assert record["r2"] == pytest.approx(0.651079380758251, rel=1e-12)
    assert record["rows_used"] == 50 and record["warnings"] == []
    assert record["provenance"]["rows_read"] == 50
    assert record["vif"] == [] and record["predictions"] == []


def test_predict_and_assert_on_a_prediction():
    result = invoke("regression", CARS, "--y", "dist", "--x", "speed", "--predict", "speed=21",
                    "--predict", "speed = 30", "--json",
                    "--assert", 'predictions."speed=21".pi_low > 33')
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    first, second = record["predictions"]
    assert first["name"] == "speed=21" and second["name"] == "speed=30"
    # R 4.2.2: predict(lm(dist ~ speed, cars), data.frame(speed=21), interval="prediction")
    assert first["fit"] == pytest.approx(65.0014890510949, rel=1e-10)
    assert first["pi_high"] == pytest.approx(96.5804044617253, rel=1e-10)
    assert (first["extrapolation"], second["extrapolation"]) == (False, True)
    assert record["assertions"] == [{"expr": 'predictions."speed=21".pi_low > 33',
                                     "status": "pass", "actual": first["pi_low"]}]


def test_a_failing_assertion_exits_1_and_still_prints():
    result = invoke("regression", CARS, "--y", "dist", "--x", "speed",
                    "--assert", "r2 >= 0.9", "--assert", "coefficients.speed.p_value < 0.05")
    assert result.exit_code == 1
    assert result.stderr == "mlstats: assertion failed: r2 >= 0.9 (r2 = 0.6510793807582509)\n"
    assert "FAIL r2 >= 0.9" in result.stdout and "PASS coefficients.speed.p_value < 0.05" in (
        result.stdout)


def test_table_view_is_plain_with_a_summary():
    result = invoke("regression", CARS, "--y", "dist", "--x", "speed", "--degree", "2")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:2] == ["mlstats regression",
                         "Least squares of dist on a degree-2 polynomial in speed: R² = 0.667, "
                         "adjusted 0.653 (n = 50)."]
    # R's layout: the coefficients first, a common number of decimals per column
    assert lines[3].split() == ["estimate", "std.error", "t", "value", "Pr(>|t|)"]
    assert lines[5:8] == ["  intercept    2.47014    14.81716     0.167      0.868",
                          "  speed        0.91329     2.03422     0.449      0.656",
                          "  speed^2      0.09996     0.06597     1.515      0.136"]
    assert "\x1b" not in result.stdout


def test_csv_output_is_the_coefficient_table():
    result = invoke("regression", TREES, "--y", "Volume", "--x", "Girth,Height", "--format",
                    "csv")
    header, *rows = result.stdout.splitlines()
    assert header.split(",") == COEFFICIENT_KEYS
    assert [r.split(",")[0] for r in rows] == ["intercept", "Girth", "Height"]


def test_markdown_lists_the_checks():
    result = invoke("regression", TREES, "--y", "Volume", "--x", "Girth,Height", "--format",
                    "markdown", "--assert", "vif.Girth.vif < 5")
    assert result.exit_code == 0
    assert result.stdout.startswith("### mlstats regression\n")
    assert "#### coefficients" in result.stdout and "#### vif" in result.stdout
    assert "- ✅ pass: `vif.Girth.vif < 5` (actual: 1.36921)" in result.stdout


def test_missing_rows_are_counted_and_warned():
    result = invoke("regression", AIR, "--y", "Ozone", "--x", "Solar.R,Wind,Temp", "--json")
    assert result.exit_code == 0
    assert result.stderr == ("mlstats: warning: 42 of 153 rows left out: a missing value in "
                             "Ozone, Solar.R (rows_used = 111)\n")
    record = json.loads(result.stdout)
    assert record["rows_used"] == record["n"] == 111
    assert record["provenance"]["rows_dropped"] == 42


def test_robust_no_intercept_and_columns_by_number():
    record = invoke_json("regression", TREES, "--y", "3", "--x", "1,2", "--robust", "hc1")
    # statsmodels 0.15.0: OLS(...).fit(cov_type="HC1", use_t=True).bse
    assert [c["std_error"] for c in record["coefficients"]] == [
        pytest.approx(v, rel=1e-8) for v in
        (10.437510590198208, 0.2936084588467688, 0.13424483596556436)]
    assert record["robust"] == "hc1" and record["x"] == ["Girth", "Height"]
    origin = invoke_json("regression", CARS, "--y", "dist", "--x", "speed", "--no-intercept")
    # statsmodels 0.15.0: OLS(dist, speed).fit().rsquared (uncentred)
    assert origin["r2"] == pytest.approx(0.8962893058052057, rel=1e-10)
    assert [c["name"] for c in origin["coefficients"]] == ["speed"]


def test_cross_validation_is_seeded_and_byte_identical():
    args = ("regression", TREES, "--y", "Volume", "--x", "Girth,Height", "--cv", "5",
            "--seed", "4", "--json")
    first, second = invoke(*args), invoke(*args)
    assert first.exit_code == 0 and first.stdout == second.stdout
    record = json.loads(first.stdout)
    assert (record["cv_folds"], record["seed"]) == (5, 4)
    assert 0 < record["cv_r2"] < record["r2"] and record["cv_mse"] > record["mse"]
    assert record["provenance"]["seed"] == 4


# -- logistic --------------------------------------------------------------------------------
def test_logistic_keys_and_values():
    record = invoke_json("regression", CLICKS, "--y", "clicked", "--x", "x1,x2", "--logistic",
                         "--predict", "x1=0.5,x2=0.1")
    assert {"log_likelihood", "pseudo_r2", "aic", "bic", "converged", "iterations",
            "coefficients", "positive", "ll_null"} <= set(record)
    # python-reference.txt — statsmodels 0.15.0 Logit(clicked ~ x1 + x2): prsquared, llf
    assert record["pseudo_r2"] == pytest.approx(0.2498555489231441, rel=1e-8)
    assert record["log_likelihood"] == pytest.approx(-154.36393006422023, rel=1e-10)
    assert record["converged"] is True and record["positive"] == "1"
    assert list(record["predictions"][0]) == ["name", "fit", "ci_low", "ci_high",
                                              "extrapolation"]


def test_logistic_with_text_labels_and_positive(write_csv):
    path = write_csv("bought,price\nyes,1\nno,2\nyes,3\nno,4\nno,5\nyes,2.5\nno,6\nyes,0.5\n")
    record = invoke_json("regression", path, "--y", "bought", "--x", "price", "--logistic")
    assert record["positive"] == "yes" and record["coefficients"][1]["estimate"] < 0
    flags = write_csv("ok,t\ntrue,1\nfalse,2\ntrue,3\nfalse,4\ntrue,5\nfalse,6\n",
                      name="flags.csv")
    assert invoke_json("regression", flags, "--y", "ok", "--x", "t", "--logistic")[
        "positive"] == "true"
    teeth = invoke_json("regression", TEETH, "--y", "supp", "--x", "len", "--logistic",
                        "--positive", "OJ")
    assert teeth["positive"] == "OJ" and teeth["n"] == 60


def test_logistic_residuals_are_probabilities(tmp_path):
    out = tmp_path / "r.csv"
    result = invoke("regression", CLICKS, "--y", "clicked", "--x", "x1,x2", "--logistic",
                    "--residuals", str(out))
    assert result.exit_code == 0
    table = read_table(ReadOptions(source=str(out)))
    fitted = table.numeric("fitted")
    assert table.columns == ["x1", "x2", "clicked", "fitted", "residual"]
    assert ((fitted > 0) & (fitted < 1)).all()
    assert np.allclose(table.numeric("clicked") - fitted, table.numeric("residual"))


# -- files ----------------------------------------------------------------------------------------
def test_residuals_file_keeps_input_order_and_columns(tmp_path, write_csv):
    path = write_csv("id,x,y,fitted\na,1,2.1,z\nb,2,,z\nc,3,5.9,z\nd,4,8.2,z\ne,5,9.8,z\n")
    out = tmp_path / "res.csv"
    result = invoke("regression", path, "--y", "y", "--x", "x", "--residuals", str(out))
    assert result.exit_code == 0, result.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == '"id","x","y","fitted","_fitted","residual"'
    assert [line.split(",")[0] for line in lines[1:]] == ['"a"', '"c"', '"d"', '"e"']
    table = read_table(ReadOptions(source=str(out)))
    assert np.allclose(table.numeric("_fitted") + table.numeric("residual"),
                       table.numeric("y"), atol=1e-12)


def test_residuals_to_a_missing_directory_is_an_error_and_leaves_nothing(tmp_path):
    target = tmp_path / "no" / "res.csv"
    assert fails(CARS, "--y", "dist", "--x", "speed", "--residuals", str(target)) == (
        f"cannot write '{target}': no such file or directory; check the path and free space")
    assert not target.parent.exists()


def test_residuals_and_plot_never_overwrite_the_input_or_the_result(tmp_path, write_csv):
    text = (SAMPLE / "cars.csv").read_text()
    path = write_csv(text)
    args = (path, "--y", "dist", "--x", "speed")
    assert fails(*args, "--residuals", path) == (
        f"--residuals '{path}' is the input file; write it somewhere else")
    assert fails(*args, "--plot", path) == (
        f"--plot '{path}' is the input file; write it somewhere else")
    out = str(tmp_path / "out.csv")
    assert fails(*args, "--residuals", out, "-o", out) == (
        f"--residuals '{out}' is also the -o file; give them different paths")
    assert fails(*args, "--residuals", out, "--plot", out) == (
        f"--residuals and --plot both name '{out}'; give them different paths")
    assert fails(*args, "--residuals", "-") == (
        "--residuals writes a file; give a path, not - (standard output holds the result)")
    assert (tmp_path / "data.csv").read_text() == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


@pytest.mark.parametrize("args", [("--x", "speed"), ("--x", "speed", "--degree", "2"),
                                  ("--x", "speed", "--no-intercept")])
def test_plot_writes_a_png(tmp_path, args):
    out = tmp_path / "fit.png"
    result = invoke("regression", CARS, "--y", "dist", *args, "--plot", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_for_several_predictors_and_logistic(tmp_path):
    for args in (("--y", "Volume", "--x", "Girth,Height"),):
        out = tmp_path / "many.png"
        assert invoke("regression", TREES, *args, "--plot", str(out)).exit_code == 0
        assert out.read_bytes()[:4] == b"\x89PNG"
    out = tmp_path / "logit.png"
    result = invoke("regression", CLICKS, "--y", "clicked", "--x", "x1", "--logistic",
                    "--plot", str(out))
    assert result.exit_code == 0 and out.read_bytes()[:4] == b"\x89PNG"


# -- errors: one line, exit 2 -----------------------------------------------------------------
def test_collinear_predictors_are_named(write_csv):
    path = write_csv("a,b,c,y\n1,2,3,1\n2,1,3,2\n3,5,8,2\n4,4,8,5\n5,0,5,4\n6,2,8,7\n")
    assert fails(path, "--y", "y", "--x", "a,b,c") == (
        "collinear predictors: 'c' is a linear combination of 'a', 'b' (the design is rank "
        "deficient); drop one of them")


def test_constant_y_and_too_few_rows(write_csv):
    path = write_csv("x,y\n1,3\n2,3\n3,3\n")
    assert fails(path, "--y", "y", "--x", "x") == (
        "--y 'y' is constant (every value is 3); a regression needs variation in y")
    assert fails(CARS, "--y", "dist", "--x", "speed", "--degree", "60") == (
        "--degree 60 needs at least 61 distinct values of 'speed' (found 19); lower --degree")
    short = write_csv("x,y\n1,3\n2,5\n", name="short.csv")
    assert fails(short, "--y", "y", "--x", "x") == (
        "too few rows: 2 rows for 2 coefficients (intercept, x); the fit needs at least 3")


def test_non_numeric_and_unknown_columns():
    assert fails(TEETH, "--y", "supp", "--x", "len") == (
        "column 'supp' is not numeric: 'VC' at line 2; pick a numeric column, or fix the value "
        "(mlstats clean --coerce converts numbers stored as text)")
    assert fails(CARS, "--y", "dist", "--x", "sped") == (
        "column 'sped' not found; did you mean 'speed'? columns are: speed, dist")


@pytest.mark.parametrize(("option", "message"), [
    ("sped=21", "--predict 'sped=21': 'sped' is not a predictor; the predictors are: Girth, "
                "Height"),
    ("Girth=12", "--predict 'Girth=12' has no value for 'Height'; give every predictor: Girth, "
                 "Height"),
    ("Girth=12,Height=tall", "--predict 'Girth=12,Height=tall': 'tall' is not a number"),
    ("Girth", "--predict 'Girth' is not NAME=VALUE pairs separated by commas, e.g. --predict "
              "'size=120,rooms=3'"),
    ("Girth=1,Girth=2,Height=3", "--predict 'Girth=1,Girth=2,Height=3' gives 'Girth' twice"),
    ("Girth=1e400,Height=80", "--predict 'Girth=1e400,Height=80': '1e400' is beyond the "
                              "double-precision range (about 1.8e308)"),
])
def test_bad_predict_options(option, message):
    assert fails(TREES, "--y", "Volume", "--x", "Girth,Height", "--predict", option) == message


@pytest.mark.parametrize(("args", "message"), [
    (("--y", "dist", "--x", ","), "--x names no column; give one or more predictors, e.g. --x "
                                  "size,rooms"),
    (("--y", "dist", "--x", "speed,1"), "--x names 'speed' twice; give each predictor once"),
    (("--y", "dist", "--x", "dist"), "--y 'dist' is also in --x; a column cannot predict itself"),
    (("--y", "dist", "--x", "speed", "--positive", "1"),
     "--positive applies to --logistic; add --logistic or drop --positive"),
    (("--y", "dist", "--x", "speed", "--cv", "1"),
     "--cv must be between 2 and the number of rows, 50 (got 1)"),
    (("--y", "dist", "--x", "speed", "--cv", "5", "--seed", "-1"),
     "--seed must be 0 or more (got -1)"),
    (("--y", "dist", "--x", "speed", "--confidence", "1.2"),
     "--confidence must be between 0 and 1 (got 1.2)"),
    (("--y", "dist", "--x", "speed", "--degree", "0"),
     "invalid value for '--degree': Input should be greater than or equal to 1; see mlstats "
     "regression --help"),
    (("--y", "dist", "--x", "speed", "--robust", "hc9"),
     "invalid value for '--robust': 'hc9' is not one of 'hc0', 'hc1', 'hc2', 'hc3'; see "
     "mlstats regression --help"),
    (("--x", "speed"), "missing --y: give --y and --x, or a --formula such as 'y ~ a + b'; "
                       "see mlstats regression --help"),
])
def test_option_errors(args, message):
    assert fails(CARS, *args) == message


def test_degree_needs_a_single_x():
    assert fails(TREES, "--y", "Volume", "--x", "Girth,Height", "--degree", "2") == (
        "--degree 2 fits a polynomial in a single --x (got 2: Girth, Height); give one --x or "
        "drop --degree")


def test_logistic_errors(write_csv):
    assert fails(CLICKS, "--y", "clicked", "--x", "x1", "--logistic", "--robust", "hc0") == (
        "--robust applies to least squares, not --logistic; drop --robust")
    assert fails(TEETH, "--y", "supp", "--x", "len", "--logistic") == (
        "--y 'supp' has the labels 'OJ' and 'VC'; say which one is the positive outcome with "
        "--positive")
    assert fails(CARS, "--y", "dist", "--x", "speed", "--logistic").startswith(
        "--logistic needs a binary --y; 'dist' has 35 distinct values (2, 4, 10, 14, 16, 17, …)")
    path = write_csv("won,score\n0,1\n0,2\n0,3\n1,4\n1,5\n1,6\n")
    assert fails(path, "--y", "won", "--x", "score", "--logistic") == (
        "perfect separation: 'score' splits --y 'won' (every row with score <= 3 is negative, "
        "every row with score >= 4 is positive (won = 1)), so the maximum-likelihood estimates "
        "do not exist; drop 'score' or collect more varied data")


def test_standard_input():
    text = (SAMPLE / "cars.csv").read_text()
    result = invoke("regression", "-", "--y", "dist", "--x", "speed", "--json", input=text)
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    # R 4.2.2: coef(lm(dist ~ speed, cars))[2]
    assert record["coefficients"][1]["estimate"] == pytest.approx(3.93240875912409, rel=1e-12)
    assert record["provenance"]["input"] == "-"


def test_a_response_near_1e300_keeps_its_statistics(write_csv):
    path = write_csv("x,y\n1,3e300\n2,5e300\n3.5,8e300\n4,9e300\n5.2,12e300\n")
    result = invoke("regression", path, "--y", "y", "--x", "x", "--json")
    assert result.exit_code == 0
    assert result.stderr == ("mlstats: warning: mse is outside the double-precision range (|y| "
                             "is near 1e±300), so it is null; rmse and residual_std_error give "
                             "its scale\n")
    record = json.loads(result.stdout)
    # the same data in units of 1e300, statsmodels 0.15.0 OLS(y, add_constant(x)).fit():
    # params[1] 2.1124454148471625, rsquared 0.9969711896900628
    assert record["coefficients"][1]["estimate"] == pytest.approx(2.1124454148471625e300,
                                                                  rel=1e-12)
    assert record["r2"] == pytest.approx(0.9969711896900628, rel=1e-12)
    assert record["mse"] is None and record["rmse"] > 0


def test_quasi_separation_at_a_tied_value_is_described_truthfully(write_csv):
    path = write_csv("x,y\n1,0\n2,0\n3,0\n3,1\n4,1\n5,1\n")
    assert fails(path, "--y", "y", "--x", "x", "--logistic") == (
        "quasi-perfect separation: 'x' splits --y 'y' (every row with x < 3 is negative, every "
        "row with x > 3 is positive (y = 1); rows with x = 3 have both outcomes), so the "
        "maximum-likelihood estimates do not exist; drop 'x' or collect more varied data")
