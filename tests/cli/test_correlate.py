"""`mlstats correlate` end to end."""

from __future__ import annotations

import json

import pytest

from mlstats.io import ReadOptions, read_table
from mlstats.render import plain
from mlstats.stats.correlation import correlate
from tests.conftest import SAMPLE, invoke, invoke_json, run_process

AIR = str(SAMPLE / "airquality.csv")
CARS = str(SAMPLE / "cars.csv")
PAIR_KEYS = ["name", "x", "y", "r", "p_value", "p_adjusted", "n", "ci_low", "ci_high",
             "p_method"]


def test_json_equals_the_stats_function():
    record = invoke_json("correlate", AIR, "--columns", "Ozone,Temp,Wind", "--method",
                         "kendall", "--correction", "bh", "--confidence", "0.9")
    table = read_table(ReadOptions(source=AIR))
    direct = correlate({c: table.numeric(c) for c in ("Ozone", "Temp", "Wind")},
                       method="kendall", correction="bh", confidence=0.9)
    assert record["pairs"] == plain(direct)["pairs"]
    assert record["matrix"] == plain(direct)["matrix"]
    assert list(record["pairs"][0]) == PAIR_KEYS
    assert (record["method"], record["correction"], record["confidence"]) == ("kendall", "bh",
                                                                              0.9)


def test_default_columns_are_the_numeric_ones_and_missing_values_are_pairwise():
    result = invoke("correlate", AIR, "--json")
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert [row["name"] for row in record["matrix"]] == ["Ozone", "Solar.R", "Wind", "Temp",
                                                          "Month", "Day"]
    assert {p["name"]: p["n"] for p in record["pairs"]}["Ozone~Solar.R"] == 111
    assert record["rows_used"] == 153 and record["provenance"]["rows_dropped"] == 0
    assert result.stderr == ("mlstats: warning: pairwise deletion: each pair uses the rows "
                             "where both columns are present (n from 111 to 153; see "
                             "pairs.n)\n")


def test_rows_without_two_values_are_left_out_and_counted(write_csv):
    path = write_csv("a,b,c\n1,2,3\n2,,\n3,1,2\n4,4,1\n5,3,5\n")
    result = invoke("correlate", path, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["rows_used"] == 4
    assert result.stderr.splitlines()[0] == (
        "mlstats: warning: 1 of 5 rows left out: a missing value in b, c (rows_used = 4)")


def test_a_text_column_in_the_default_set_is_skipped():
    record = invoke_json("correlate", str(SAMPLE / "toothgrowth.csv"))
    assert [p["name"] for p in record["pairs"]] == ["len~dose"]
    assert record["warnings"] == ["not numeric, left out: supp (choose the columns with "
                                  "--columns)"]


def test_a_column_named_twice_is_one_line_exit_2():
    result = invoke("correlate", str(SAMPLE / "cars.csv"), "--columns", "speed,dist,speed")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("mlstats: error: --columns names 'speed' twice; give each column "
                             "once\n")


def test_a_named_text_column_is_one_line_exit_2():
    result = invoke("correlate", str(SAMPLE / "toothgrowth.csv"), "--columns", "supp,len")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "mlstats: error: column 'supp' is not numeric: 'VC' at line 2; pick a numeric column, "
        "or fix the value (mlstats clean --coerce converts numbers stored as text)\n")


@pytest.mark.parametrize(("text", "message"), [
    ("a,b\n1,5\n2,5\n3,5\n", "column 'b' is constant (every value is 5); a correlation needs "
     "values that vary: pick another column"),
    ("a,b\n1,2\n2,\n,4\n5,6\n", "only 2 rows have values in both 'a' and 'b', and a "
     "correlation needs 3"),
    ("a,t\n1,x\n2,y\n", "correlate needs at least two numeric columns (got a); name them "
     "with --columns"),
    ("name,b\n1,2\n2,4\n3,5\n4,1\n", "a column named 'name' cannot be correlated: each "
     "matrix row's 'name' is its column; rename the column, or leave it out of --columns"),
])
def test_undefined_correlations_are_one_line_exit_2(write_csv, text, message):
    result = invoke("correlate", write_csv(text))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"mlstats: error: {message}\n"


def test_a_constant_column_among_others_is_null_with_a_warning(write_csv):
    path = write_csv("a,b,c\n1,5,1\n2,5,3\n3,5,2\n4,5,5\n5,5,4\n")
    result = invoke("correlate", path, "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:2] == [
        "name,x,y,r,p_value,p_adjusted,n,ci_low,ci_high,p_method", "a~b,a,b,,,,5,,,"]
    assert result.stderr == ("mlstats: warning: column 'b' is constant (every value is 5): "
                             "its correlations are null\n")


def test_bad_options_are_one_line_exit_2():
    result = invoke("correlate", CARS, "--method", "cosine")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "--method" in result.stderr
    result = invoke("correlate", CARS, "--confidence", "95")
    assert result.stderr == ("mlstats: error: --confidence must be between 0 and 1, exclusive "
                             "(got 95)\n")


def test_assert_reaches_pairs_and_matrix_cells():
    ok = invoke("correlate", CARS, "--assert", "pairs.speed~dist.p_value < 0.001",
                "--assert", "matrix.speed.dist > 0.8")
    assert ok.exit_code == 0
    bad = invoke("correlate", CARS, "--assert", "pairs.speed~dist.ci_low > 0.7")
    assert bad.exit_code == 1
    assert bad.stderr == ("mlstats: assertion failed: pairs.speed~dist.ci_low > 0.7 "
                          "(pairs.speed~dist.ci_low = 0.6816422220943054)\n")


def test_table_view_shows_the_matrix_then_the_pairs_plain_when_piped():
    result = invoke("correlate", AIR, "--columns", "Ozone,Temp,Wind", "--quiet")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[1] == ("Pearson r of 3 columns (3 pairs); strongest: Ozone~Temp, 0.69836 "
                        "(p = 2.9319e-18).")
    assert lines.index("matrix") < lines.index("pairs")
    assert "\x1b[" not in result.stdout


def test_plot_writes_a_heatmap(tmp_path):
    path = tmp_path / "heat.png"
    result = invoke("correlate", AIR, "--plot", str(path), "--quiet")
    assert result.exit_code == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_heatmap_writes_each_r_in_its_cell(tmp_path, monkeypatch):
    from mlstats.render import plot

    seen = []
    real = plot.save_figure
    monkeypatch.setattr(plot, "save_figure", lambda figure, path: (seen.append(
        sorted(t.get_text() for t in figure.axes[0].texts)), real(figure, path)))
    record = invoke_json("correlate", str(SAMPLE / "cars.csv"), "--plot",
                         str(tmp_path / "heat.png"))
    r = record["pairs"][0]["r"]
    assert seen == [sorted(["1.00", "1.00", f"{r:.2f}", f"{r:.2f}"])]


def test_standard_input_in_a_real_process():
    done = run_process("correlate", "-", "--method", "spearman", "--format", "csv",
                       input=(SAMPLE / "cars.csv").read_bytes())
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines()[1].startswith(
        "speed~dist,speed,dist,0.830356838832993")
