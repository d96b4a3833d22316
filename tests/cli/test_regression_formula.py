"""`mlstats regression` with formulas, categorical predictors, weights, ANOVA and diagnostics,
end to end: JSON equals the stats functions, files, plots, the table view, every error path."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from mlstats.io import ReadOptions, read_table
from mlstats.render import plain
from mlstats.stats.formula import formula_terms, parse_formula
from mlstats.stats.regression import ols
from tests.conftest import ROOT, SAMPLE, invoke, invoke_json

TEETH = str(SAMPLE / "toothgrowth.csv")
CARS = str(SAMPLE / "cars.csv")
MTCARS = str(ROOT / "tests" / "data" / "r" / "mtcars.csv")
WARP = str(ROOT / "tests" / "data" / "r" / "warpbreaks.csv")


def fails(*args: str) -> str:
    """Run, expect exit 2 with nothing on stdout and one error line; return that line."""
    result = invoke("regression", *args)
    assert (result.exit_code, result.stdout) == (2, ""), result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("mlstats: error: ")
    return result.stderr.removeprefix("mlstats: error: ").rstrip("\n")


# -- results ------------------------------------------------------------------------------------
def test_formula_json_equals_the_stats_functions():
    record = invoke_json("regression", TEETH, "--formula", "len ~ supp * dose", "--anova",
                         "--anova-type", "2")
    table = read_table(ReadOptions(source=TEETH))
    data = {"len": table.numeric("len"), "supp": table.labels("supp"),
            "dose": table.numeric("dose")}
    y, terms = formula_terms(parse_formula("len ~ supp * dose", list(data)), data)
    direct = plain(ols(y, terms, y_name="len ~ supp * dose"[:3], anova=2,
                       lines_of=lambda rows: [r + 2 for r in rows]).result)
    for key, value in direct.items():
        if key not in ("warnings", "y"):
            assert record[key] == value, key
    assert record["y"] == "len" and record["formula"] == "len ~ supp * dose"
    assert record["anova_type"] == 2
    assert [a["term"] for a in record["anova"]] == ["supp", "dose", "supp:dose", "residuals"]
    assert list(record["anova"][0]) == ["term", "df", "sum_sq", "mean_sq", "f_statistic",
                                        "p_value"]
    assert list(record["residuals"]) == ["min", "q1", "median", "q3", "max"]
    assert list(record["influential"][0]) == ["name", "line", "cooks_distance", "leverage",
                                              "residual"]
    assert record["levels"] == [{"name": "supp", "reference": "OJ", "levels": ["OJ", "VC"]}]
    # statsmodels 0.15.0: smf.ols("len ~ supp * dose", ToothGrowth).fit() (R: lm, the same)
    model = smf.ols("len ~ supp * dose", pd.read_csv(TEETH)).fit()
    assert [c["estimate"] for c in record["coefficients"]] == pytest.approx(
        model.params.tolist(), rel=1e-10)


def test_categorical_x_names_levels_and_reference():
    record = invoke_json("regression", TEETH, "--y", "len", "--x", "supp,dose")
    assert [c["name"] for c in record["coefficients"]] == ["intercept", "suppVC", "dose"]
    assert record["levels"] == [{"name": "supp", "reference": "OJ", "levels": ["OJ", "VC"]}]
    moved = invoke_json("regression", TEETH, "--y", "len", "--x", "supp,dose", "--reference",
                        "supp=VC")
    assert [c["name"] for c in moved["coefficients"]] == ["intercept", "suppOJ", "dose"]
    assert moved["coefficients"][1]["estimate"] == pytest.approx(
        -record["coefficients"][1]["estimate"], rel=1e-12)
    assert moved["r2"] == pytest.approx(record["r2"], rel=1e-12)


def test_warpbreaks_with_rs_reference_levels():
    # R: lm(breaks ~ wool + tension, warpbreaks), tension's levels L, M, H (L the reference)
    record = invoke_json("regression", WARP, "--y", "breaks", "--x", "wool,tension",
                         "--reference", "tension=L", "--anova")
    model = smf.ols("breaks ~ wool + C(tension, Treatment('L'))", pd.read_csv(WARP)).fit()
    assert [c["name"] for c in record["coefficients"]] == ["intercept", "woolB", "tensionH",
                                                             "tensionM"]
    assert [c["estimate"] for c in record["coefficients"]] == pytest.approx(
        model.params.tolist(), rel=1e-10)
    assert [a["term"] for a in record["anova"]] == ["wool", "tension", "residuals"]


def test_categorical_predictions(tmp_path):
    record = invoke_json("regression", TEETH, "--y", "len", "--x", "supp,dose", "--predict",
                         "supp=VC,dose=1", "--predict", "dose=2.5,supp=OJ")
    model = smf.ols("len ~ supp + dose", pd.read_csv(TEETH)).fit()
    frame = model.get_prediction(pd.DataFrame({"supp": ["VC", "OJ"], "dose": [1, 2.5]})
                                 ).summary_frame()
    assert [p["name"] for p in record["predictions"]] == ["supp=VC,dose=1", "supp=OJ,dose=2.5"]
    assert [p["fit"] for p in record["predictions"]] == pytest.approx(frame["mean"].tolist(),
                                                                      rel=1e-10)
    assert [p["extrapolation"] for p in record["predictions"]] == [False, True]
    formula = invoke_json("regression", MTCARS, "--formula", "mpg ~ wt + factor(cyl)",
                          "--predict", "wt=3,cyl=6")
    model = smf.ols("mpg ~ wt + C(cyl)", pd.read_csv(MTCARS)).fit()
    expected = model.get_prediction(pd.DataFrame({"wt": [3.0], "cyl": [6]})).predicted_mean
    assert formula["predictions"][0]["fit"] == pytest.approx(float(expected[0]), rel=1e-10)


def test_residuals_file_and_plot_with_a_formula(tmp_path, write_csv):
    path = write_csv("len,supp,dose\n4.2,VC,0.5\n11.5,VC,0.5\n,VC,1\n16.5,OJ,1\n"
                     "15.2,OJ,0.5\n26.4,VC,2\n25.8,OJ,2\n19.7,OJ,1\n23.3,VC,1\n")
    out, png = tmp_path / "r.csv", tmp_path / "p.png"
    result = invoke("regression", path, "--formula", "len ~ supp + dose", "--residuals",
                    str(out), "--plot", str(png))
    assert result.exit_code == 0, result.stderr
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["len"] for r in rows] == ["4.2", "11.5", "16.5", "15.2", "26.4", "25.8", "19.7",
                                        "23.3"]
    assert list(rows[0]) == ["len", "supp", "dose", "fitted", "residual"]
    fitted = np.array([float(r["fitted"]) for r in rows])
    assert np.allclose(fitted + [float(r["residual"]) for r in rows],
                       [float(r["len"]) for r in rows], rtol=1e-12)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "1 of 9 rows left out: a missing value in len (rows_used = 8)" in result.stderr


@pytest.mark.parametrize("args", [
    [TEETH, "--y", "len", "--x", "supp"],
    [TEETH, "--formula", "len ~ poly(dose, 2)"],
    [TEETH, "--formula", "len ~ supp * dose"],
    [WARP, "--y", "wool", "--x", "tension", "--logistic", "--positive", "B"],
])
def test_plot_with_categorical_or_formula_writes_a_png(tmp_path, args):
    png = tmp_path / "p.png"
    result = invoke("regression", *args, "--plot", str(png))
    assert result.exit_code == 0, result.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cross_validation_and_robust_errors_with_categoricals():
    record = invoke_json("regression", WARP, "--formula", "breaks ~ wool + tension", "--cv",
                         "6", "--seed", "3", "--robust", "hc1")
    model = smf.ols("breaks ~ wool + tension", pd.read_csv(WARP)).fit(cov_type="HC1")
    assert [c["std_error"] for c in record["coefficients"]] == pytest.approx(
        model.bse.tolist(), rel=1e-10)
    assert record["cv_folds"] == 6 and 0 < record["cv_r2"] < record["r2"]


def test_logistic_with_a_formula_and_a_text_response():
    record = invoke_json("regression", WARP, "--formula", "wool ~ tension + breaks",
                         "--logistic", "--positive", "B", "--anova")
    frame = pd.read_csv(WARP).assign(b=lambda d: (d["wool"] == "B").astype(float))
    model = smf.logit("b ~ tension + breaks", frame).fit(disp=0, tol=1e-12)
    assert [c["estimate"] for c in record["coefficients"]] == pytest.approx(
        model.params.tolist(), rel=1e-8)
    assert [c["odds_ratio"] for c in record["coefficients"]] == pytest.approx(
        np.exp(model.params).tolist(), rel=1e-8)
    assert record["deviance"] == pytest.approx(-2 * model.llf, rel=1e-10)
    assert record["null_deviance"] == pytest.approx(-2 * model.llnull, rel=1e-10)
    assert set(record["classification"]) == {"threshold", "tp", "fp", "fn", "tn", "accuracy"}
    assert list(record["anova"][0]) == ["term", "df", "deviance", "resid_df", "resid_deviance",
                                        "p_value"]


def test_weights_fit_wls_and_leave_out_zero_weights(write_csv):
    path = write_csv("y,x,w\n1,1,1\n2.5,2,2\n2.9,3,1\n4.2,4,0.5\n5,5,0\n6.3,6,3\n")
    result = invoke("regression", path, "--y", "y", "--x", "x", "--weights", "w", "--json")
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    frame = pd.DataFrame({"y": [1, 2.5, 2.9, 4.2, 6.3], "x": [1.0, 2, 3, 4, 6],
                          "w": [1, 2, 1, 0.5, 3]})
    model = smf.wls("y ~ x", frame, weights=frame["w"]).fit()
    assert [c["estimate"] for c in record["coefficients"]] == pytest.approx(
        model.params.tolist(), rel=1e-10)
    assert [c["std_error"] for c in record["coefficients"]] == pytest.approx(
        model.bse.tolist(), rel=1e-10)
    assert record["r2"] == pytest.approx(model.rsquared, rel=1e-10)
    assert record["log_likelihood"] == pytest.approx(model.llf, rel=1e-10)
    assert record["weights"] == "w" and record["rows_used"] == 5 and record["n"] == 5
    assert result.stderr == ("mlstats: warning: 1 row of weight 0 left out (rows_used = 5), as "
                             "R's lm leaves them out of the degrees of freedom\n")


def test_checks_reach_anova_terms_and_diagnostics():
    result = invoke("regression", TEETH, "--formula", "len ~ supp * dose", "--anova",
                    "--assert", "anova.supp.p_value < 0.05", "--assert",
                    "diagnostics.durbin_watson > 2", "--assert", "influential.23.line == 23")
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    prefix = ("mlstats: assertion failed: diagnostics.durbin_watson > 2 "
              "(diagnostics.durbin_watson = ")
    assert line.startswith(prefix)  # the value to the last bit depends on BLAS
    assert float(line.removeprefix(prefix).rstrip(")")) == pytest.approx(1.688459799045475,
                                                                          rel=1e-12)


# -- the table view -----------------------------------------------------------------------------
def test_table_view_puts_the_coefficients_first_as_r_does():
    lines = invoke("regression", TEETH, "--formula", "len ~ supp * dose").stdout.splitlines()
    assert lines[:2] == ["mlstats regression",
                         "Least squares, len ~ supp * dose: R² = 0.73, adjusted 0.715 (n = 60)."]
    assert lines[3].split() == ["estimate", "std.error", "t", "value", "Pr(>|t|)"]
    assert lines[5:9] == [
        "  intercept       11.550       1.581     7.304   1.09e-09   ***",
        "  suppVC          -8.255       2.236    -3.691   0.000507   ***",
        "  dose             7.811       1.195     6.534   2.03e-08   ***",
        "  suppVC:dose      3.904       1.691     2.309     0.0246   *"]
    assert lines[10] == "  Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"
    assert lines[12].split() == ["R²", "0.7296", "adjusted", "R²", "0.7151"]
    # the settings come last
    settings = next(i for i, line in enumerate(lines) if line.split()[:2] == ["model", "ols"])
    assert settings > lines.index("residual diagnostics") > 12


def test_logistic_table_is_headed_with_z_as_r_does():
    # R's summary(glm(am ~ wt + factor(cyl), binomial, mtcars)): "z value" and "Pr(>|z|)"
    lines = invoke("regression", MTCARS, "--formula", "am ~ wt + C(cyl)",
                   "--logistic").stdout.splitlines()
    assert lines[3].split() == ["estimate", "std.error", "z", "value", "Pr(>|z|)"]
    assert lines[5].split()[0] == "intercept" and lines[5].split()[-1] == "**"
    block = lines[lines.index("  Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 "
                              "' ' 1") + 2].split()
    assert block[:2] == ["null", "deviance"] and "residual" in block


def test_a_pseudo_terminal_of_80_columns_splits_no_number():
    pty = pytest.importorskip("pty")
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 80, 0, 0))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "80"}
    env.pop("MLSTATS_DEBUG", None)
    child = subprocess.Popen([sys.executable, "-m", "mlstats", "regression", CARS, "--y",
                              "dist", "--x", "speed", "--predict", "speed=21"],
                             stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    child.wait(timeout=60)
    os.close(master)
    text = b"".join(chunks).decode().replace("\r\n", "\n")
    lines = text.splitlines()
    assert child.returncode == 0
    assert max(len(line) for line in lines) <= 80
    speed = next(line for line in lines if line.startswith("  speed "))
    assert speed.split() == ["speed", "3.932", "0.4155", "9.464", "1.49e-12", "***"]
    assert lines.index(speed) < next(i for i, line in enumerate(lines)
                                     if line.split()[:1] == ["model"])


# -- errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("args", "message"), [
    (["--formula", "len ~ sup * dose"],
     "--formula 'len ~ sup * dose': column 'sup' not found; did you mean 'supp'? columns are: "
     "len, supp, dose"),
    (["--formula", "len ~ I(__import__('os').getpid())"],
     "--formula 'len ~ I(__import__('os').getpid())': '__import__('os').getpid' in "
     "'I(__import__('os').getpid())' is not allowed; a formula evaluates only column names, "
     "numbers, arithmetic, comparisons and the transformations C, factor, I, Q, poly, bs, "
     "center, scale, standardize, log, exp and np.<math function> (np.log, np.sqrt, …)"),
    (["--formula", "len ~ supp +"],
     "--formula 'len ~ supp +' is not a valid formula: Operator `+` has insuffient arguments "
     "and/or is misplaced."),
    (["--formula", "len supp"],
     "--formula 'len supp' has no '~': write the response, '~', then the predictors, e.g. "
     "--formula 'len ~ supp * dose'"),
    (["--y", "len", "--x", "supp", "--reference", "supp=VX"],
     "--reference supp=VX: 'VX' is not a level of 'supp'; its levels are: OJ, VC"),
    (["--y", "len", "--x", "supp", "--reference", "dose=1"],
     "--reference dose=1: 'dose' is not a predictor; the predictors are: supp"),
    (["--formula", "len ~ supp", "--reference", "supp=XX"],
     "--reference supp=XX: 'XX' is not a level of 'supp'; its levels are: OJ, VC"),
    (["--y", "len", "--x", "supp,dose", "--predict", "supp=XX,dose=1"],
     "--predict: 'XX' is not a level of 'supp'; its levels are: OJ, VC"),
    (["--formula", "len ~ dose", "--y", "len"],
     "--formula replaces --y and --x; give the formula or the columns, not both"),
    (["--formula", "len ~ dose", "--degree", "2"],
     "--degree applies to --x; in a formula write poly(x, 3) or I(x**2)"),
    (["--formula", "len ~ dose", "--no-intercept"],
     "--no-intercept applies to --x; in a formula write - 1 (or + 0), e.g. 'y ~ x - 1'"),
    (["--y", "len", "--x", "dose", "--anova-type", "2"],
     "--anova-type applies to --anova; add --anova"),
    (["--y", "len", "--x", "dose", "--anova", "--robust", "hc3"],
     "--anova tests with the classical F, not a --robust covariance; drop one of them"),
    (["--y", "len", "--x", "dose", "--weights", "dose"],
     "--weights 'dose' is also the response or a predictor; weights are a column of their "
     "own"),
    (["--y", "supp", "--x", "dose", "--logistic", "--positive", "VC", "--weights", "len"],
     "--weights applies to least squares, not --logistic; drop --weights"),
    (["--y", "len", "--x", "supp", "--degree", "2"],
     "--degree 2 fits a polynomial in one numeric --x; with categorical predictors or "
     "--formula write poly(x, 3) or I(x**2) in a --formula instead"),
    (["--formula", "len ~ np.log(dose - 1)"],
     "--formula 'len ~ np.log(dose - 1)': np.log(dose - 1) is not a finite number at line 2 "
     "(a transformation outside its domain, e.g. the log of 0 or of a negative value); leave "
     "such rows out or change the formula"),
    (["--y", "len"],
     "missing --x: give --y and --x, or a --formula such as 'y ~ a + b'; see mlstats "
     "regression --help"),
])
def test_errors_are_one_line(args, message):
    assert fails(TEETH, *args) == message


def test_one_level_and_negative_weights(write_csv):
    one = write_csv("y,g,x\n1,a,1\n2,a,3\n3,a,2\n5,a,5\n", "one.csv")
    assert fails(one, "--y", "y", "--x", "g,x") == (
        "categorical predictor 'g' has one level ('a') in the rows used, so it cannot be "
        "contrasted with anything; drop it")
    negative = write_csv("y,x,w\n1,1,1\n2,2,1\n3,3,-2\n5,4,1\n", "negative.csv")
    assert fails(negative, "--y", "y", "--x", "x", "--weights", "w") == (
        "--weights 'w' holds a negative weight (-2) at line 4; weights must be 0 or more (a "
        "weight is an inverse variance)")


# -- imports -------------------------------------------------------------------------------------
PROBE = ("import sys\n"
         "sys.argv = ['mlstats', *{args!r}]\n"
         "import mlstats.cli.main\n"
         "from mlstats.cli.app import run\n"
         "run()\n"
         "sys.stderr.write('FORMULAIC=' + str('formulaic' in sys.modules))\n")


# (--help loads no pandas, and so no formulaic: tests/test_process.py)
@pytest.mark.parametrize(("args", "loaded"), [
    (["regression", TEETH, "--y", "len", "--x", "supp,dose"], False),
    (["regression", TEETH, "--formula", "len ~ supp"], True),
])
def test_formulaic_is_imported_only_for_a_formula(args, loaded):
    done = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert done.stderr.decode().rsplit("FORMULAIC=", 1)[1].strip() == str(loaded)
