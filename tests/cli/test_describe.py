"""`mlstats describe` end to end."""

from __future__ import annotations

import pytest

from mlstats.io import ReadOptions, read_table
from mlstats.render import plain
from mlstats.stats.describe import describe
from tests.conftest import SAMPLE, invoke, invoke_json

AIR = str(SAMPLE / "airquality.csv")
KEYS = ["name", "n", "missing", "mean", "std", "sem", "min", "q1", "median", "q3", "max", "iqr",
        "skew", "kurtosis", "ci_low", "ci_high"]


def test_json_equals_the_stats_function():
    record = invoke_json("describe", AIR, "--columns", "Ozone,Wind")
    table = read_table(ReadOptions(source=AIR))
    direct = describe({c: table.numeric(c) for c in ("Ozone", "Wind")})
    assert record["columns"] == plain(direct)["columns"]
    assert list(record["columns"][0]) == KEYS
    assert record["rows_used"] == 153 and record["confidence"] == 0.95


def test_default_is_every_numeric_column_and_text_is_listed():
    record = invoke_json("describe", str(SAMPLE / "toothgrowth.csv"))
    assert [c["name"] for c in record["columns"]] == ["len", "dose"]
    assert record["non_numeric"] == [{"name": "supp", "count": 60, "missing": 0, "unique": 2,
                                      "top": "VC", "top_count": 30}]


def test_by_group_drops_rows_without_a_group(write_csv):
    path = write_csv("g,x\na,1\nb,2\n,3\na,5\n")
    result = invoke("describe", path, "--by", "g", "--json")
    assert result.exit_code == 0
    assert result.stderr == (
        "mlstats: warning: 1 of 4 rows left out: a missing value in g (rows_used = 3)\n"
        "mlstats: warning: column 'x[a]' has 2 values: kurtosis needs 4 and skew 3\n"
        "mlstats: warning: column 'x[b]' has one value: std, sem and the interval are null\n")
    import json

    record = json.loads(result.stdout)
    assert [(c["name"], c["n"], c["mean"]) for c in record["columns"]] == [
        ("x[a]", 2, 3.0), ("x[b]", 1, 2.0)]
    assert record["rows_used"] == 3 and record["by"] == "g"
    assert record["provenance"]["rows_dropped"] == 1


def test_assert_on_a_group_row():
    ok = invoke("describe", AIR, "--by", "Month", "--columns", "Temp",
                "--assert", "columns.Temp[7].mean > 80")
    assert ok.exit_code == 0
    bad = invoke("describe", AIR, "--by", "Month", "--columns", "Temp",
                 "--assert", "columns.Temp[5].mean > 80")
    assert bad.exit_code == 1
    assert bad.stderr == ("mlstats: assertion failed: columns.Temp[5].mean > 80 "
                          "(columns.Temp[5].mean = 65.54838709677419)\n")


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_delimited_output_is_the_column_table(fmt):
    result = invoke("describe", AIR, "--columns", "Ozone", "--format", fmt)
    sep = "," if fmt == "csv" else "\t"
    header, row = result.stdout.splitlines()
    assert header.split(sep) == KEYS
    assert row.split(sep)[:4] == ["Ozone", "116", "37", "42.12931034482759"]


def test_markdown_for_a_job_summary():
    result = invoke("describe", AIR, "--columns", "Ozone", "--format", "markdown",
                    "--assert", "columns.Ozone.n >= 100")
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("### mlstats describe\n")
    assert "#### columns" in text and "| Ozone | 116 | 37 | 42.1293 |" in text
    assert "- ✅ pass: `columns.Ozone.n >= 100` (actual: 116)" in text


def test_table_view_is_transposed_and_plain_when_piped():
    result = invoke("describe", AIR, "--columns", "Ozone,Wind")
    lines = result.stdout.splitlines()
    assert lines[0] == "mlstats describe"
    assert any(line.split() == ["median", "31.5", "9.7"] for line in lines)
    assert "\x1b" not in result.stdout


def test_non_numeric_column_asked_for_is_an_error():
    result = invoke("describe", str(SAMPLE / "toothgrowth.csv"), "--columns", "supp")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "mlstats: error: column 'supp' is not numeric: 'VC' at line 2; pick a numeric column, "
        "or fix the value (mlstats clean --coerce converts numbers stored as text)\n")
