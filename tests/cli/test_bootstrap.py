"""`mlstats bootstrap` and `mlstats jackknife` end to end."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from mlstats.io import ReadOptions, read_table
from mlstats.render import plain
from mlstats.stats.resampling import bootstrap_ci, jackknife
from tests.conftest import SAMPLE, invoke, invoke_json, run_process

AIR = str(SAMPLE / "airquality.csv")
TOOTH = str(SAMPLE / "toothgrowth.csv")
CARS = str(SAMPLE / "cars.csv")
BOOTSTRAP_KEYS = ["statistic", "estimate", "bias", "std_error", "ci_low", "ci_high",
                  "confidence", "method", "resamples", "n"]
JACKKNIFE_KEYS = ["estimate", "jackknife_estimate", "bias", "std_error", "ci_low", "ci_high",
                  "n"]
OZONE_LEFT_OUT = ("mlstats: warning: 37 of 153 rows left out: a missing value in Ozone "
                  "(rows_used = 116)\n")


def _ozone() -> np.ndarray:
    table = read_table(ReadOptions(source=AIR))
    table.drop_missing(["Ozone"])
    return table.numeric("Ozone")


# -- bootstrap ----------------------------------------------------------------------------------
def test_json_has_the_spec_keys_and_equals_the_stats_function():
    record = invoke_json("bootstrap", AIR, "--column", "Ozone", "--stat", "median",
                         "--seed", "5", "--resamples", "2000")
    assert set(BOOTSTRAP_KEYS) <= set(record)
    direct = bootstrap_ci([_ozone()], stat="median", seed=5, resamples=2000, column="Ozone")
    for key in BOOTSTRAP_KEYS:
        assert record[key] == plain(direct.result)[key], key
    assert record["rows_used"] == 116 and record["provenance"]["seed"] == 5
    assert record["warnings"] == [OZONE_LEFT_OUT.removeprefix("mlstats: warning: ").strip()]
    assert (record["column"], record["by"], record["groups"]) == ("Ozone", None, {})


def test_ozone_mean_equals_the_scipy_literal_end_to_end():
    # scipy 1.17.1: stats.bootstrap((ozone,), np.mean, rng=np.random.default_rng(42),
    #   method="BCa") → (36.525862068965516, 48.64350413773712)
    record = invoke_json("bootstrap", AIR, "--column", "Ozone", "--seed", "42")
    assert record["ci_low"] == pytest.approx(36.525862068965516, rel=1e-10)
    assert record["ci_high"] == pytest.approx(48.64350413773712, rel=1e-10)
    assert (record["method"], record["resamples"], record["n"]) == ("bca", 9999, 116)


def test_same_seed_is_byte_identical():
    args = ("bootstrap", AIR, "--column", "Ozone", "--stat", "p90", "--seed", "7")
    first, second = invoke(*args, "--format", "csv"), invoke(*args, "--format", "csv")
    assert first.exit_code == 0 and first.stdout == second.stdout
    header, row = first.stdout.splitlines()
    assert header.split(",")[:4] == ["statistic", "column", "by", "estimate"]
    assert row.startswith("p90,Ozone,,")


def test_same_seed_is_byte_identical_across_processes():
    args = ("bootstrap", CARS, "--column", "speed,dist", "--stat", "corr", "--seed", "3",
            "--resamples", "999", "--json")
    first, second = run_process(*args), run_process(*args)
    assert first.returncode == 0, first.stderr
    record = json.loads(first.stdout)
    record.pop("provenance")
    second_record = json.loads(second.stdout)
    second_record.pop("provenance")  # python/pandas versions are the same; drop to be safe
    assert first.stdout == second.stdout and record == second_record


def test_by_bootstraps_the_difference_second_minus_first():
    # the interval equals scipy's on the same resamples (tests/stats/test_resampling.py)
    record = invoke_json("bootstrap", TOOTH, "--column", "len", "--by", "supp", "--seed", "1")
    table = read_table(ReadOptions(source=TOOTH))
    codes, labels = table.codes("supp")
    direct = plain(bootstrap_ci([table.numeric("len")], groups=codes, group_labels=labels,
                                seed=1, column="len", by="supp").result)
    for key in BOOTSTRAP_KEYS:
        assert record[key] == direct[key], key
    assert record["estimate"] == pytest.approx(20.663333333333334 - 16.96333333333333,
                                               rel=1e-12)
    assert record["ci_low"] < record["estimate"] < record["ci_high"]
    assert list(record["groups"]) == ["VC", "OJ"]
    assert record["groups"]["OJ"] == {"n": 30, "estimate": 20.663333333333334}
    assert (record["by"], record["n"]) == ("supp", 60)


def test_by_output_checks_and_csv_row():
    result = invoke("bootstrap", TOOTH, "--column", "len", "--by", "supp", "--seed", "1",
                    "--format", "csv", "--assert", "groups.OJ.estimate > 20")
    assert result.exit_code == 0, result.stderr
    header, row = result.stdout.splitlines()
    assert "ci_low" in header.split(",") and "groups.OJ.estimate" in header.split(",")
    assert row.startswith("mean,len,supp,3.700000000000003,")


def test_table_view_has_summary_histogram_and_no_escape_codes():
    result = invoke("bootstrap", AIR, "--column", "Ozone", "--stat", "median", "--seed", "1")
    assert result.exit_code == 0
    assert result.stderr == OZONE_LEFT_OUT
    lines = result.stdout.splitlines()
    assert lines[0] == "mlstats bootstrap"
    assert lines[1] == ("95% BCa interval for the median of Ozone: 23.5 to 39 (estimate 31.5, "
                        "9999 resamples).")
    assert "\x1b" not in result.stdout
    bars = [line for line in lines if "█" in line]
    assert len(bars) == 16 and sum(line.endswith("◀") for line in bars) == 2
    assert "bootstrap distribution (9999 resamples); ◀ marks the bins of ci_low and ci_high" \
        in result.stdout


def test_assert_can_fail_and_pass():
    ok = invoke("bootstrap", AIR, "--column", "Ozone", "--seed", "1", "--resamples", "500",
                "--assert", "ci_low > 30", "--quiet")
    assert (ok.exit_code, ok.stderr) == (0, "")
    bad = invoke("bootstrap", AIR, "--column", "Ozone", "--seed", "1", "--resamples", "500",
                 "--assert", "ci_high < 40", "--quiet")
    assert bad.exit_code == 1
    assert bad.stderr.startswith("mlstats: assertion failed: ci_high < 40 (ci_high = 4")
    assert "FAIL ci_high < 40" in bad.stdout


def test_by_output_does_not_depend_on_the_batch_size(monkeypatch):
    # byte-identical for the same seed, whatever the internal batch sizes are
    import mlstats.stats.resampling as rs

    args = ["bootstrap", TOOTH, "--column", "len", "--by", "supp", "--seed", "4",
            "--resamples", "3000", "--format", "csv"]
    outputs = []
    for chunk, rows in ((1 << 20, 1 << 16), (600, 7)):
        monkeypatch.setattr(rs, "CHUNK", chunk)
        monkeypatch.setattr(rs, "ORDER_ROWS", rows)
        outputs += [invoke(*args).stdout, invoke(*args, "--stat", "median").stdout]
    assert outputs[:2] == outputs[2:] and outputs[0].count("\n") == 2


def test_values_near_1e300_are_computed_not_zeroed(write_csv):
    # before: std 0, std_error 0 and a percentile fallback for values of about 1e-300
    values = [1.5, 2.25, 0.5, 3.0, 1.75, 2.5, 0.75, 1.25]
    path = write_csv("x\n" + "".join(f"{v}e-300\n" for v in values))
    scaled = write_csv("x\n" + "".join(f"{v}\n" for v in values), "scaled.csv")
    tiny = invoke("bootstrap", path, "--column", "x", "--stat", "std", "--seed", "1", "--json")
    assert (tiny.exit_code, tiny.stderr) == (0, "")
    record = json.loads(tiny.stdout)
    reference = invoke_json("bootstrap", scaled, "--column", "x", "--stat", "std", "--seed", "1")
    assert record["method"] == "bca"
    for key in ("estimate", "std_error", "ci_low", "ci_high"):
        assert record[key] == pytest.approx(reference[key] * 1e-300, rel=1e-12), key
    huge = invoke("jackknife", write_csv("x\n" + "".join(f"{v}e300\n" for v in values),
                                         "huge.csv"), "--column", "x", "--stat", "var")
    assert (huge.exit_code, huge.stderr) == (0, "mlstats: warning: the var of values this large "
                                                "is outside the float64 range: every result "
                                                "is null\n")


NEAR_LIMITS = {
    "near 1.8e308, both signs": [1.7e308, 1.6e308, -1.7e308, 5e307, 1e308],
    "constant 1e150": [1e150] * 5,
    "constant 1.7e308": [1.7e308] * 4,
    "subnormal": [5e-324, 1e-323, 2e-323, 0.0, 3e-323],
    "1e308 beside 1": [1e308, 1.0, -1e308, 2.0, 1e-300],
}


@pytest.mark.parametrize("values", list(NEAR_LIMITS.values()), ids=list(NEAR_LIMITS))
@pytest.mark.parametrize("stat", ["mean", "median", "std", "var", "cv", "p90", "trimmed-mean",
                                  "corr"])
def test_values_near_the_float64_limits_give_results_or_null_with_a_warning(write_csv, values,
                                                                            stat):
    # issue 18: bootstrap of such columns crashed (exit 3) in its text histogram; every key is
    # now a number or null, and a null comes with a warning
    path = write_csv("x,y\n" + "".join(f"{v!r},{w!r}\n" for v, w in zip(values, values[::-1],
                                                                        strict=True)))
    column = "x,y" if stat == "corr" else "x"
    for command, extra in (("bootstrap", ["--seed", "1", "--resamples", "300"]),
                           ("jackknife", [])):
        result = invoke(command, path, "--column", column, "--stat", stat, *extra, "--json")
        assert result.exit_code == 0, result.stderr
        record = json.loads(result.stdout)
        numbers = [record[k] for k in ("estimate", "bias", "std_error", "ci_low", "ci_high")]
        assert all(v is None or math.isfinite(v) for v in numbers)
        if None in numbers:
            assert record["warnings"], (command, numbers)


@pytest.mark.parametrize("values", [NEAR_LIMITS["near 1.8e308, both signs"],
                                    NEAR_LIMITS["constant 1e150"]], ids=["wide", "constant"])
def test_the_table_view_and_plot_draw_values_near_the_limits(write_csv, tmp_path, values):
    path = write_csv("x\n" + "".join(f"{v!r}\n" for v in values))
    target = tmp_path / "dist.png"
    result = invoke("bootstrap", path, "--column", "x", "--seed", "1", "--resamples", "300",
                    "--plot", target)
    assert result.exit_code == 0, result.stderr
    assert "bootstrap distribution (300 resamples); ◀ marks" in result.stdout
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_histogram_is_drawn_only_for_the_table_view(monkeypatch):
    import mlstats.stats.resampling as rs

    def refuse(*args, **kwargs):
        raise AssertionError("histogram computed for a view that does not show it")

    monkeypatch.setattr(rs, "histogram", refuse)
    for fmt in ("json", "csv", "markdown"):
        result = invoke("bootstrap", AIR, "--column", "Ozone", "--seed", "1", "--resamples",
                        "200", "--format", fmt, "--quiet")
        assert result.exit_code == 0, (fmt, result.stderr)


def test_charts_say_how_many_resamples_they_show(monkeypatch, tmp_path):
    # beyond KEEP values the distribution shown is the first KEEP: the text chart and the
    # plot's title say so, not the number of resamples
    import mlstats.render.plot as plot
    import mlstats.stats.resampling as rs

    monkeypatch.setattr(rs, "KEEP", 100)
    titles = []
    monkeypatch.setattr(plot, "save_figure",
                        lambda figure, path: titles.append(figure.axes[0].get_title()))
    result = invoke("bootstrap", AIR, "--column", "Ozone", "--seed", "1", "--resamples", "300",
                    "--plot", tmp_path / "d.png", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert "bootstrap distribution (100 of 300 resamples); ◀ marks" in result.stdout
    assert titles == ["bootstrap distribution (100 of 300 resamples)"]


def test_corr_of_two_rows_is_exit_2(write_csv):
    result = invoke("bootstrap", write_csv("x,y\n1,2\n2,3\n"), "--column", "x,y", "--stat",
                    "corr")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("mlstats: error: --column x,y has 2 rows with values; the "
                             "resampling needs at least 3\n")


def test_cv_near_a_mean_of_0_warns_and_one_resample_is_singular(write_csv):
    path = write_csv("x\n-1\n1\n-2\n2\n0.001\n3\n-3\n")
    result = invoke("jackknife", path, "--column", "x", "--stat", "cv")
    assert result.exit_code == 0
    assert result.stderr == (
        "mlstats: warning: the mean is within 2 standard errors of 0 (|mean|/sem = 0.000175), "
        "so the cv (std/mean) is unstable and its interval unreliable; the cv suits positive "
        "data with a mean far from 0\n")
    one = invoke("bootstrap", path, "--column", "x", "--resamples", "1", "--seed", "1",
                 "--method", "percentile", "--quiet")
    assert one.exit_code == 0 and one.stderr == ""
    assert one.stdout.splitlines()[1].endswith(", 1 resample).")
    assert "bootstrap distribution (1 resample);" in one.stdout


def test_constant_column_falls_back_to_percentile_with_a_warning(write_csv):
    path = write_csv("x\n" + "3\n" * 12)
    result = invoke("bootstrap", path, "--column", "x", "--seed", "1", "--json")
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert (record["method"], record["ci_low"], record["ci_high"]) == ("percentile", 3, 3)
    assert result.stderr == (
        "mlstats: warning: the BCa interval is undefined here (the leave-one-out statistics do "
        "not vary (e.g. all values are equal), so the acceleration is undefined); the "
        "percentile interval is reported instead\n")


def test_reads_standard_input():
    data = "x\n" + "\n".join(str(v) for v in [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]) + "\n"
    record = invoke_json("bootstrap", "-", "--column", "x", "--seed", "2", "--resamples",
                         "300", input=data)
    assert record["estimate"] == pytest.approx(44 / 11, rel=1e-15) and record["n"] == 11
    assert record["provenance"]["input"] == "-"


def test_plot_writes_a_png(tmp_path):
    target = tmp_path / "dist.png"
    result = invoke("bootstrap", AIR, "--column", "Ozone", "--seed", "1", "--resamples", "300",
                    "--plot", target, "--quiet")
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_into_a_missing_directory_is_exit_2(tmp_path):
    target = tmp_path / "nowhere" / "dist.png"
    result = invoke("bootstrap", AIR, "--column", "Ozone", "--resamples", "100", "--plot",
                    target, "--quiet")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"mlstats: error: cannot write '{target}': no such file or "
                             "directory; check the path and free space\n")
    assert not target.parent.exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--column", "Ozone", "--stat", "mode"],
     "unknown --stat 'mode'; choose one of mean, median, std, var, trimmed-mean, pN (a "
     "percentile, e.g. p95), cv, corr"),
    (["--column", "Ozone", "--stat", "p150"],
     "--stat p150: the percentile N in pN must be between 0 and 100 (got 150); e.g. --stat p95"),
    (["--column", "Ozone", "--confidence", "1.5"],
     "--confidence must be between 0 and 1 (got 1.5)"),
    (["--column", "Ozone", "--confidence", "0"],
     "--confidence must be between 0 and 1 (got 0)"),
    (["--column", "Ozone", "--stat", "corr"],
     "--stat corr needs two columns, e.g. --column x,y (got 1: Ozone)"),
    (["--column", "Ozone,Wind"],
     "--stat mean takes one column (got 2: Ozone,Wind); use --stat corr for the correlation "
     "of two columns"),
    (["--column", "Ozon"],
     "column 'Ozon' not found; did you mean 'Ozone'? columns are: Ozone, Solar.R, Wind, Temp, "
     "Month, Day"),
    (["--column", "Ozone", "--method", "studentized"],
     "invalid value for '--method': 'studentized' is not one of 'bca', 'percentile', 'basic'; "
     "see mlstats bootstrap --help"),
    (["--column", "Ozone", "--seed", "-1"],
     "--seed must be a whole number, 0 or more (got -1)"),
    (["--column", "Ozone", "--resamples", "0"],
     "invalid value for '--resamples': Input should be greater than or equal to 1; see "
     "mlstats bootstrap --help"),
    (["--column", "Ozone", "--by", "Month"],
     "--by Month has 5 groups (5, 6, 7, 8, 9); the bootstrap of a difference needs exactly "
     "two: filter the rows to two groups first"),
])
def test_bad_options_are_one_line_exit_2(args, message):
    result = invoke("bootstrap", AIR, *args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"mlstats: error: {message}\n"


def test_non_numeric_column_is_exit_2():
    result = invoke("bootstrap", TOOTH, "--column", "supp")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "mlstats: error: column 'supp' is not numeric: 'VC' at line 2; pick a numeric column, "
        "or fix the value (mlstats clean --coerce converts numbers stored as text)\n")


def test_too_few_rows_is_exit_2(write_csv):
    path = write_csv("x,g\n1,a\n2,b\n3,b\n,a\n")
    grouped = invoke("bootstrap", path, "--column", "x", "--by", "g", "--quiet")
    assert (grouped.exit_code, grouped.stdout) == (2, "")
    assert grouped.stderr == ("mlstats: error: group 'a' of --by g has 1 row with values; the "
                              "resampling needs at least 2\n")
    single = invoke("bootstrap", write_csv("x\n1\n", "one.csv"), "--column", "x")
    assert (single.exit_code, single.stdout) == (2, "")
    assert single.stderr == ("mlstats: error: --column x has 1 row with values; the "
                             "resampling needs at least 2\n")


def test_missing_column_option_is_a_usage_error():
    result = invoke("bootstrap", AIR)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("mlstats: error: missing option '--column'; see mlstats bootstrap "
                             "--help\n")


# -- jackknife ----------------------------------------------------------------------------------
def test_jackknife_json_keys_and_r_values():
    # R 4.2.2: jackknife sd of Ozone: std error = 2.8246704152477; bias = -0.120936674965009;
    # bias-corrected = 33.1088211893994
    result = invoke("jackknife", AIR, "--column", "Ozone", "--stat", "std", "--json")
    assert result.exit_code == 0 and result.stderr == OZONE_LEFT_OUT
    record = json.loads(result.stdout)
    assert set(JACKKNIFE_KEYS) <= set(record)
    assert record["std_error"] == pytest.approx(2.8246704152477, rel=1e-8)
    assert record["bias"] == pytest.approx(-0.120936674965009, rel=1e-8)
    assert record["jackknife_estimate"] == pytest.approx(33.1088211893994, rel=1e-8)
    direct = plain(jackknife([_ozone()], stat="std", column="Ozone"))
    assert {k: record[k] for k in direct if k != "warnings"} == {
        k: v for k, v in direct.items() if k != "warnings"}


def test_jackknife_table_view_and_assert():
    result = invoke("jackknife", AIR, "--column", "Ozone", "--assert", "std_error < 3",
                    "--quiet")
    assert result.exit_code == 1
    assert result.stderr == ("mlstats: assertion failed: std_error < 3 "
                             "(std_error = 3.0628481853266725)\n")
    assert result.stdout.splitlines()[1] == (
        "Jackknife mean of Ozone: 42.1293 bias-corrected (estimate 42.1293), standard error "
        "3.06285, 95% normal interval 36.1262 to 48.1324.")


def test_jackknife_of_a_median_warns():
    result = invoke("jackknife", AIR, "--column", "Ozone", "--stat", "median", "--json")
    assert result.exit_code == 0
    assert result.stderr == OZONE_LEFT_OUT + (
        "mlstats: warning: the jackknife is inconsistent for the median (a quantile): its "
        "standard error does not settle as n grows; use mlstats bootstrap --stat median\n")


def test_jackknife_corr_takes_two_columns():
    record = invoke_json("jackknife", CARS, "--column", "speed,dist", "--stat", "corr")
    # R 4.2.2: cor(cars$speed, cars$dist) = 0.80689490068921
    assert record["estimate"] == pytest.approx(0.80689490068921, rel=1e-12)
    assert record["column"] == "speed,dist" and record["n"] == 50


@pytest.mark.parametrize(("args", "message"), [
    (["--column", "Ozone", "--stat", "p101"],
     "--stat p101: the percentile N in pN must be between 0 and 100 (got 101); e.g. --stat p95"),
    (["--column", "Ozone", "--confidence", "-0.5"],
     "--confidence must be between 0 and 1 (got -0.5)"),
    (["--column", "Month", "--stat", "nope"],
     "unknown --stat 'nope'; choose one of mean, median, std, var, trimmed-mean, pN (a "
     "percentile, e.g. p95), cv, corr"),
])
def test_jackknife_bad_options_are_exit_2(args, message):
    result = invoke("jackknife", AIR, *args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"mlstats: error: {message}\n"


def test_jackknife_too_few_rows_and_non_numeric(write_csv):
    path = write_csv("x,t\n1,a\n2,b\n")
    few = invoke("jackknife", path, "--column", "x", "--stat", "std")
    assert (few.exit_code, few.stdout) == (2, "")
    assert few.stderr == ("mlstats: error: --column x has 2 rows with values; the resampling "
                          "needs at least 3\n")
    text = invoke("jackknife", path, "--column", "t")
    assert (text.exit_code, text.stdout) == (2, "")
    assert text.stderr.startswith("mlstats: error: column 't' is not numeric: 'a' at line 2")


@pytest.mark.parametrize("name", ["bootstrap", "jackknife"])
def test_help_has_an_example(name):
    result = invoke(name, "--help")
    assert result.exit_code == 0
    assert f"mlstats {name} sample_data/airquality.csv --column Ozone" in result.stdout


def test_plot_never_replaces_the_result(tmp_path):
    out = tmp_path / "same.png"
    result = invoke("bootstrap", AIR, "--column", "Ozone", "--plot", out, "-o", out)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"mlstats: error: --plot '{out}' is also the -o file; give them "
                             "different paths\n")
    assert not out.exists()


def test_a_long_run_is_warned_on_stderr_and_the_result_is_unchanged(monkeypatch):
    # issue 19: a run expected to take more than MINUTE says how long and how to shorten it;
    # the warning is not part of the result, so the same seed still gives the same bytes
    import importlib

    progress = importlib.import_module("mlstats.render.progress")
    args = ("bootstrap", AIR, "--column", "Ozone", "--seed", "1", "--resamples", "400", "--json")
    before = invoke(*args)
    monkeypatch.setattr(progress, "MINUTE", 0.0)
    monkeypatch.setattr(progress, "SETTLE", 0.0)
    after = invoke(*args)
    assert after.exit_code == 0 and after.stdout == before.stdout
    forecast = [line for line in after.stderr.splitlines() if "will take about" in line]
    assert len(forecast) == 1 and forecast[0].startswith(
        "mlstats: warning: this bootstrap will take about ")
    assert "(400 resamples); --resamples " in forecast[0]
    quiet = invoke(*args, "--quiet")
    assert quiet.stderr == "" and quiet.stdout == before.stdout


def test_same_seed_is_byte_identical_when_resampled_in_blocks(write_csv):
    # 20,000 rows: two blocks drawn on two threads; each block's generator is used by one
    # thread at a time, in resample order, so the output never depends on the scheduling
    rng = np.random.default_rng(11)
    x = rng.lognormal(2, 0.7, 20_000).round(4)
    y = (x + rng.normal(0, 1, x.size)).round(4)
    path = write_csv("x,y\n" + "".join(f"{a},{b}\n" for a, b in zip(x, y, strict=True)))
    args = ("bootstrap", path, "--column", "x,y", "--stat", "corr", "--seed", "4",
            "--resamples", "400", "--method", "percentile", "--json")
    first, second = run_process(*args), run_process(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
