"""Views of one record: JSON, CSV/TSV, Markdown and the rich table, safe with any data."""

from __future__ import annotations

import csv
import io
import json
import math

from hypothesis import given
from hypothesis import strategies as st

from mlstats.render.formats import render
from mlstats.render.record import build_record

ROWS = [{"name": "a|b", "value": 1 / 3, "flag": True, "ci": {"low": 0.1, "high": None}},
        {"name": "[/x]", "value": 123456789.123456789, "flag": False,
         "ci": {"low": 0.2, "high": 0.3}}]


def record(**extra):
    return {"command": "demo", "mlstats_version": "0.1.0", "r2": 0.123456789012345,
            "rows": ROWS, "rows_used": 2, "warnings": ["careful"], **extra}


def test_json_holds_full_precision_and_null_for_nan():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Result:
        x: float
        y: float
        z: tuple

    rec = build_record("demo", Result(x=math.nan, y=0.1 + 0.2, z=(math.inf, 1)), rows_used=3)
    text = render(rec, "json")
    parsed = json.loads(text)
    assert parsed["x"] is None and parsed["z"] == [None, 1]
    assert parsed["y"] == 0.30000000000000004
    assert list(parsed)[:2] == ["command", "mlstats_version"]
    assert parsed["rows_used"] == 3 and parsed["warnings"] == []


def test_csv_writes_the_main_table_at_full_precision():
    rows = list(csv.reader(io.StringIO(render(record(), "csv"))))
    assert rows[0] == ["name", "value", "flag", "ci.low", "ci.high"]
    assert rows[1] == ["a|b", "0.3333333333333333", "true", "0.1", ""]
    assert rows[2][1] == "123456789.12345679"


def test_tsv_and_scalar_only_results():
    text = render({"command": "x", "mlstats_version": "0", "n": 385, "z": 1.959963984540054,
                   "warnings": []}, "tsv")
    assert text == "n\tz\n385\t1.959963984540054\n"


def test_csv_main_table_can_be_chosen():
    rec = record(other=[{"name": "q", "v": 1}])
    assert render(rec, "csv", main="other") == "name,v\nq,1\n"


def test_markdown_escapes_cells_and_lists_checks():
    rec = record(assertions=[{"expr": "r2 >= 0.9", "status": "fail", "actual": 0.12}])
    text = render(rec, "markdown", summary="B beats A")
    assert text.startswith("### mlstats demo\n\nB beats A\n")
    assert "| a\\|b |" in text and "| \\[/x\\] |" in text
    assert "- careful" in text
    assert "- ❌ fail: `r2 >= 0.9` (actual: 0.12)" in text


def test_markdown_escapes_strikethrough_entities_math_and_backticks():
    rec = record(rows=[{"name": "~~gone~~ &amp; $x$", "value": 1}],
                 assertions=[{"expr": 'columns."a`b".mean > 1', "status": "pass", "actual": 2}])
    text = render(rec, "markdown")
    assert "| \\~\\~gone\\~\\~ \\&amp; \\$x\\$ | 1 |" in text
    assert '- ✅ pass: `` columns."a`b".mean > 1 `` (actual: 2)' in text


def test_csv_writes_nested_values_as_json():
    rec = {"command": "x", "mlstats_version": "0", "warnings": [], "sizes": [3, 4],
           "labels": ["é", None], "k": 2}
    rows = list(csv.reader(io.StringIO(render(rec, "csv"))))
    assert rows == [["sizes", "labels", "k"], ["[3,4]", '["é",null]', "2"]]


def test_table_is_plain_when_piped_and_never_cut_short():
    wide = {"command": "demo", "mlstats_version": "0", "warnings": [],
            "rows": [{"name": f"column_with_a_long_name_{i}", **{f"stat_{j}": 1234567.891 * j
                                                                 for j in range(12)}}
                     for i in range(30)]}
    text = render(wide, "table")
    assert "\x1b" not in text and "…" not in text
    assert "column_with_a_long_name_29" in text and "1.35802e+07" in text


def test_table_prints_data_literally():
    text = render(record(), "table")
    assert "[/x]" in text and "a|b" in text
    hostile = record(rows=[{"name": "\x1b[31mred\x07", "value": 1}])
    shown = render(hostile, "table")
    assert "\x1b" not in shown and "\\x1b[31mred\\x07" in shown


def test_bidirectional_overrides_are_shown_not_obeyed():
    # "Trojan Source": U+202E would display "cba" for the text "\u202eabc".
    hostile = record(rows=[{"name": "\u202eabc\u2066", "value": 1}])
    for fmt in ("table", "markdown"):
        shown = render(hostile, fmt)
        assert "\u202e" not in shown and "\\u202eabc\\u2066" in shown.replace("\\\\", "\\")


def test_color_only_when_asked():
    assert "\x1b[" in render(record(), "table", color=True)
    assert "\x1b[" not in render(record(), "table", color=False)


def test_wide_row_tables_are_transposed_and_narrow_ones_not():
    wide = {"command": "d", "mlstats_version": "0", "warnings": [],
            "columns": [{"name": "x", **{f"s{j}": j for j in range(10)}}]}
    lines = render(wide, "table").splitlines()
    assert any(line.split() == ["s9", "9"] for line in lines)
    narrow = render(record(), "table").splitlines()
    assert any(line.split()[:1] == ["name"] for line in narrow)


def test_assertions_close_the_table_view():
    rec = record(assertions=[{"expr": "r2 >= 0.9", "status": "fail", "actual": 0.12},
                             {"expr": "r2 > 0", "status": "pass", "actual": 0.12}])
    lines = render(rec, "table").splitlines()
    assert lines[-3:] == ["checks", "  FAIL r2 >= 0.9 (actual: 0.12)",
                          "  PASS r2 > 0 (actual: 0.12)"]


def test_null_scalars_are_listed_on_one_line_not_hidden():
    rec = {"command": "d", "mlstats_version": "0", "warnings": ["silhouette needs k > 1"],
           "n": 3, "days": None, "silhouette": None}
    table = render(rec, "table")
    assert "null (not given, or undefined: see the warnings): days, silhouette" in table
    assert not any(line.split()[:1] == ["days"] for line in table.splitlines())
    markdown = render(rec, "markdown")
    assert "null (not given, or undefined: see the warnings): days, silhouette" in markdown
    assert json.loads(render(rec, "json"))["days"] is None


def test_without_warnings_nulls_are_options_left_unset_and_not_listed():
    # Issue 18: "null (not given, …): by" said nothing when nothing was undefined.
    rec = {"command": "d", "mlstats_version": "0", "warnings": [], "n": 3, "by": None}
    for fmt in ("table", "markdown"):
        text = render(rec, fmt)
        assert "null" not in text and "by" not in text
    assert json.loads(render(rec, "json"))["by"] is None


def test_keep_layout_never_transposes_a_matrix():
    labels = [f"c{i}" for i in range(9)]
    rec = {"command": "d", "mlstats_version": "0", "warnings": [],
           "confusion": [{"name": a, **{b: int(a == b) for b in labels}} for a in labels]}
    header = next(line for line in render(rec, "table").splitlines() if "c8" in line)
    kept = render(rec, "table", keep_layout=("confusion",)).splitlines()
    assert any(line.split() == ["name", *labels] for line in kept)
    assert header.split()[0] != "name"


def test_markdown_keeps_numeric_columns_right_aligned_around_nulls():
    rec = {"command": "d", "mlstats_version": "0", "warnings": [],
           "rows": [{"name": "a", "low": None}, {"name": "b", "low": 0.5}]}
    assert "| --- | ---: |" in render(rec, "markdown")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=30)


@given(_JSON)
def test_fast_json_is_the_standard_librarys_text(value):
    from mlstats.render.formats import _JSON_UNSAFE, _json_escape, to_json

    text = to_json(value)
    standard = json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)
    assert text == _JSON_UNSAFE.sub(_json_escape, standard)
    assert json.loads(text) == value and not _JSON_UNSAFE.search(text)


def test_markdown_stays_below_githubs_job_summary_limit():
    # Issue 18: describe --by over 10,000 groups wrote 1.24 MB of Markdown.
    rows = [{"name": f"g{i}", "n": i, "mean": i / 7} for i in range(40_000)]
    rec = {"command": "describe", "mlstats_version": "0", "warnings": ["w"], "columns": rows,
           "assertions": [{"expr": "n > 0", "status": "fail", "actual": 0}]}
    text = render(rec, "markdown")
    assert len(text.encode()) < 1 << 20
    assert "more table rows are not shown: this view stops below 1 MiB" in text
    assert text.rstrip().endswith("(actual: 0)") and "**Warnings**" in text
    cut = int(text.split("*")[1].split(" ")[0].replace(",", ""))
    assert cut + text.count("| g") == 40_000
    small = render({**rec, "columns": rows[:10]}, "markdown")
    assert "not shown" not in small


def test_shaded_tables_colour_numbers_by_sign_and_size():
    rows = [{"name": "a", "a": 1.0, "b": -0.5}, {"name": "b", "a": -0.5, "b": 0.1}]
    rec = {"command": "demo", "mlstats_version": "0.1.0", "matrix": rows, "warnings": []}
    shaded = render(rec, "table", color=True, shade=("matrix",))
    assert "\x1b[1;34m" in shaded  # 1.0: bold blue
    assert "\x1b[31m" in shaded  # −0.5: red
    assert "\x1b[2;34m" in shaded  # 0.1: dim blue
    assert "\x1b[31m" not in render(rec, "table", color=True)
    assert render(rec, "table", shade=("matrix",)) == render(rec, "table")
