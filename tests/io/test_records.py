"""Records and lines: quotes that swallow rows, CR-only files, raw rows as read (issue 18)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlstats.io import ReadOptions, read_table
from mlstats.io import records as records_module
from mlstats.io.records import SWALLOWED_ROWS_LIMIT, find_lines
from mlstats.io.writer import write_data
from tests.conftest import invoke, invoke_json
from tests.io.test_reader import error_of


# -- physical lines ----------------------------------------------------------------------------
@given(st.lists(st.sampled_from([b"a", b"bc", b",", b'"', b"\n", b"\r", b"\r\n", b" "]),
                max_size=40),
       st.integers(1, 8))
def test_lines_split_as_bytes_splitlines_at_any_chunk_size(parts, chunk):
    # Oracle: bytes.splitlines ends a line at \n, \r\n or a lone \r, exactly our rule.
    data = b"".join(parts)
    previous = records_module._CHUNK
    records_module._CHUNK = chunk  # a \r\n may straddle two chunks
    try:
        lines = find_lines(memoryview(data))
    finally:
        records_module._CHUNK = previous
    got = [data[s:e] for s, e in zip(lines.starts.tolist(), lines.ends.tolist(), strict=True)]
    assert got == data.splitlines()
    assert lines.next_starts().tolist()[-1:] == ([len(data)] if data else [])


def test_cr_only_file_reads_as_lines(write_csv):
    path = write_csv(b"x,y\r1,2\r3,4\r5,6\r")
    assert {r["name"]: r["mean"] for r in invoke_json("describe", path)["columns"]} == {
        "x": 3.0, "y": 4.0}


@pytest.mark.parametrize(("content", "message"), [
    (b"x,y\r1,2\r3,a\r5,6\r", "column 'y' is not numeric: 'a' at line 3; pick a numeric column, "
     "or fix the value (mlstats clean --coerce converts numbers stored as text)"),
    (b"x,y\r1,2\r3,1e999\r5,6\r", "column 'y' holds an infinite or overflowing number at "
     "line 3; fix the value or mark it missing"),
    (b"x,y\r1,2\r3\r5,6\r", "line 3: 1 fields, but the header has 2; fix or remove the line "
     "(mlstats clean --drop-bad-lines drops such lines)"),
    (b"x,y\r\n1,2\r\n3,a\r\n", "column 'y' is not numeric: 'a' at line 3; pick a numeric "
     "column, or fix the value (mlstats clean --coerce converts numbers stored as text)"),
])
def test_cr_only_errors_name_the_right_line(write_csv, content, message):
    assert error_of("describe", write_csv(content), "--columns", "y") == message


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_latin1_header_is_an_input_error(write_csv, source):
    content = "x\xe9,y\n1,2\n".encode("latin-1")
    args = ("describe", write_csv(content)) if source == "file" else ("describe", "-")
    message = error_of(*args, input=content if source == "stdin" else None)
    assert message == ("line 1: bytes that are not valid UTF-8 (invalid continuation byte); "
                       "give the file's encoding with --encoding (e.g. --encoding latin-1)")
    # …and the suggested option works.
    ok = invoke_json("describe", write_csv(content), "--encoding", "latin-1")
    assert [c["name"] for c in ok["columns"]] == ["xé", "y"]


# -- quotes that never close, or close too late -------------------------------------------------
@pytest.mark.parametrize(("content", "line"), [
    ('x,y\n1,"2\n3,4\n5,6\n', 2),  # the example: describe reported n = 1
    ('x,y\n1,2\n3,"4', 3),  # on the last line, no line break after it
    ('x,y\n1,2\n3,"4\n', 3),
    ('x,y\r1,"2\r3,4\r', 2),
    ('x,y\n"a\nb",1\n3,"4\n5,6\n', 4),  # after a legitimate multi-line field
])
def test_unterminated_quote_is_an_error_naming_its_line(write_csv, content, line):
    assert error_of("describe", write_csv(content)) == (
        f"line {line}: a quoted field opens here and is never closed, so the rest of the input "
        "would be one value; add the closing quote")


def test_stray_quote_in_unused_column_stops_precision_recall(write_csv):
    # The second example: a quote in a text column the command does not use.
    rows = [f"{i % 2},{(i % 7) / 7},note{i}" for i in range(400)]
    rows[100] = '1,0.5,"oops'
    path = write_csv("label,score,comment\n" + "\n".join(rows) + "\n")
    assert error_of("precision-recall", path, "--true", "label", "--score", "score") == (
        "line 102: a quoted field opens here and is never closed, so the rest of the input "
        "would be one value; add the closing quote")


def test_quote_closing_a_few_rows_later_warns_with_lines(write_csv):
    path = write_csv('x,y\n1,"2\n3,4\n5,6"\n7,8\n')
    result = invoke("describe", path, "--json")
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert record["provenance"]["rows_read"] == 2
    assert ("quoted fields span several lines that look like rows: lines 2–4 (1 line shaped "
            "like rows); each is read as one value — if a quote is a stray, fix it"
            ) in record["warnings"]
    assert "mlstats: warning: quoted fields span several lines" in result.stderr


def test_quote_swallowing_many_rows_is_an_error(write_csv):
    body = "\n".join(f"{i},{i}" for i in range(SWALLOWED_ROWS_LIMIT + 5))
    path = write_csv(f'x,y\n1,"2\n{body}"\n7,8\n')
    assert error_of("describe", path) == (
        f"line 2: a quoted field opens here and closes only at line {SWALLOWED_ROWS_LIMIT + 7}, "
        f"holding {SWALLOWED_ROWS_LIMIT + 4} lines shaped like rows; a stray quote? fix it, or "
        'double a quote meant literally ("")')


def test_multiline_text_that_is_not_row_shaped_reads_silently(write_csv):
    rows = "".join(f'"line\nmore, text",{i}\n' for i in range(5))
    path = write_csv(f'note,y\n"first line\nsecond line\nthird",1\n{rows}')
    result = invoke("describe", path, "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    record = json.loads(result.stdout)
    assert record["columns"][0]["n"] == 6 and record["warnings"] == []


def test_line_numbers_count_lines_inside_quoted_fields(write_csv):
    path = write_csv('note,y\n"a\nb\nc",1\nz,oops\n')
    assert error_of("describe", path, "--columns", "y") == (
        "column 'y' is not numeric: 'oops' at line 5; pick a numeric column, or fix the value "
        "(mlstats clean --coerce converts numbers stored as text)")


# -- a numeric column with a few bad cells --------------------------------------------------------
def test_almost_numeric_column_is_named_in_a_warning(write_csv):
    path = write_csv('x,y\n1,2\n3,1000"\n5,6\n')
    result = invoke("describe", path, "--json")
    assert result.exit_code == 0
    warning = ("column 'y' is read as text and left out of the numeric columns: 1 of 3 values "
               "is not a number ('1000\"' at line 3); fix it, mark such values missing with --na, "
               "or convert with mlstats clean --coerce")
    assert warning in json.loads(result.stdout)["warnings"]
    assert f"mlstats: warning: {warning}\n" in result.stderr


def test_text_columns_do_not_warn(write_csv):
    path = write_csv("x,name\n1,a1\n2,b\n3,7\n")
    record = invoke_json("describe", path)
    assert not any("read as text" in w for w in record["warnings"])


def test_long_values_are_cut_in_messages(write_csv):
    path = write_csv("x,y\n1," + "w" * 500 + "\n")
    message = error_of("describe", path, "--columns", "y")
    assert message.startswith("column 'y' is not numeric: '" + "w" * 79 + "…' at line 2")


# -- raw rows, as read ----------------------------------------------------------------------------
def test_raw_rows_are_the_bytes_as_read(write_csv):
    content = '\ufeffid,v,note\r\n1,1.50,"a, b"\r\n2,,"x\r\ny"\r\n\r\n3,7,  z \r\n'
    table = read_table(ReadOptions(source=write_csv(content.encode())))
    assert table.raw_header() == b"id,v,note"
    assert table.raw_rows([0, 1, 2]) == [b'1,1.50,"a, b"', b'2,,"x\r\ny"', b"3,7,  z "]
    table.drop_missing(["v"])
    assert table.row_numbers().tolist() == [0, 2]
    assert table.raw_rows(table.row_numbers()) == [b'1,1.50,"a, b"', b"3,7,  z "]


def test_raw_rows_without_header_and_from_stdin(monkeypatch):
    import sys

    class Stdin(io.TextIOWrapper):
        pass

    monkeypatch.setattr(sys, "stdin", Stdin(io.BytesIO(b"1;2\n3;4\n")))
    table = read_table(ReadOptions(source="-", no_header=True))
    assert table.raw_header() == b""
    assert table.raw_rows(np.arange(2)) == [b"1;2", b"3;4"]


def test_write_data_to_a_file(tmp_path):
    target = tmp_path / "out.csv"
    write_data([b"a\n", b"1\n"], str(target))
    assert target.read_bytes() == b"a\n1\n"


@pytest.mark.parametrize("content", [b"\xbba|b\n1|2\n", b"\xef\xbbp;q\n1;2\n", b"\xef\xbb\n\xef"])
def test_a_broken_byte_order_mark_is_an_input_error(write_csv, content):
    # Found by the fuzzer: bytes of a BOM were stripped one by one, then the header crashed.
    assert error_of("describe", write_csv(content)).startswith(
        "line 1: bytes that are not valid UTF-8")


@pytest.mark.parametrize(("content", "args", "message"), [
    # Found by the fuzzer: no group at all, 1e308 as a group label, a header-only file on
    # DuckDB, a header that is not UTF-8 on DuckDB.
    (b"a,b\n,2", ("ab-test", "--group", "1", "--metric", "2"),
     "an A/B test needs at least two groups, and there is none; check --group (or give "
     "--counts/--means once per group)"),
    (b"v,w\n1e308,1\n-1e308,2\n", ("ab-test", "--group", "1", "--metric", "2"),
     "group '1e+308' has 1 row; comparing means needs at least 2 rows per group"),
    (b"p,q\n", ("ab-test", "--group", "1", "--metric", "2", "--engine", "duckdb"),
     "the input has a header but no data rows; give a file with data"),
    (b"p;q\xc3\n1;2\n", ("describe", "--engine", "duckdb"),
     "line 1: bytes that are not valid UTF-8 (unexpected end of data); give the file's "
     "encoding with --encoding (e.g. --encoding latin-1)"),
])
def test_fuzzer_finds_are_one_line_errors(write_csv, content, args, message):
    assert error_of(args[0], write_csv(content), *args[1:]) == message


def test_correlation_of_values_near_the_float64_limit(write_csv):
    # Found by the fuzzer: the scaling of 1e308 overflowed. Pearson r is scale-free.
    record = invoke_json("correlate", write_csv("v,w\n1e308,1\n-1e308,2\n1e-308,3\n0,4\n"))
    expected = np.corrcoef([1.0, -1.0, 1e-308 / 1e308, 0.0], [1, 2, 3, 4])[0, 1]
    assert record["pairs"][0]["r"] == pytest.approx(expected, rel=1e-12)


def test_rows_as_read_from_parquet_are_refused(tmp_path):
    # kmeans --assign and sample copy CSV rows as read; Parquet has none (was garbage).
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"a": [1.0, 2, 3, 4], "b": [2.0, 1, 4, 3]}), path)
    message = f"'{path}' is Parquet, which has no CSV rows to copy as read; convert it to CSV first"
    assert error_of("sample", str(path), "--n", "2", "--seed", "1") == message
    assert error_of("sample", str(path), "--n", "2", "--method", "stratified", "--by",
                    "a") == message


@pytest.mark.parametrize(("content", "args", "message"), [
    (b"g,G", ("ab-test", "--group", "1", "--metric", "2"),
     "the input has a header but no data rows; give a file with data"),
    (b"g,G\n1,2\n", ("describe", "--engine", "duckdb"),
     "columns 'g' and 'G' differ only in case, which DuckDB cannot tell apart; rename one, or "
     "use --engine local"),
])
def test_more_fuzzer_finds(write_csv, content, args, message):
    assert error_of(args[0], write_csv(content), *args[1:]) == message
