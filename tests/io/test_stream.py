"""The tolerant streaming reader and the CSV encoder of `clean`."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlstats.errors import InputError
from mlstats.io import stream as stream_module
from mlstats.io.reader import ReadOptions
from mlstats.io.stream import encode_rejects, encode_rows, open_stream


def read_all(path: str, **options) -> tuple[list[list[str]], list[int], list]:
    opened = open_stream(ReadOptions(source=path, **options))
    rows, lines, bad = [], [], []
    for batch in opened.batches():
        columns = [c.to_pylist() for c in batch.columns]
        rows += [list(r) for r in zip(*columns, strict=True)]
        lines += batch.lines.tolist()
        bad += list(batch.bad)
    return rows, lines, bad


def test_rows_lines_and_malformed_records(write_csv):
    path = write_csv('a,b,c\n1,2,3\n\n4,5\n"x\ny",7,8\n9,10,11,12\n,,\n13,"open,14\n15,16,17\n')
    rows, lines, bad = read_all(path)
    assert rows == [["1", "2", "3"], ["", "", ""], ["x\ny", "7", "8"], ["", "", ""]]
    # physical lines: the quoted newline makes "x\ny" span lines 5-6
    assert lines == [2, 3, 5, 8]
    assert [(b.line, b.lines, b.fields, b.problem) for b in bad] == [
        (4, 1, 2, "wrong field count"), (7, 1, 4, "wrong field count"),
        (9, 2, 2, "unterminated quote")]
    assert bad[0].describe() == "line 4: 2 fields, but the header has 3"
    assert bad[2].describe() == "line 9: a quoted field opens here and is never closed"
    assert bad[2].text == '13,"open,14\n15,16,17'
    assert [b.reason for b in bad] == ["too_few_fields", "too_many_fields",
                                       "unterminated_quote"]


def test_an_open_quote_in_the_last_field_is_not_a_row(write_csv):
    # pyarrow reads the rest of the file into the last field; the reader moves it to `bad`.
    path = write_csv('a,b,c\r\n1,2,3\r\n4,5,"6\r\n7,8,9\r\n')
    rows, lines, bad = read_all(path)
    assert rows == [["1", "2", "3"]] and lines == [2]
    assert [(b.line, b.lines, b.problem, b.text) for b in bad] == [
        (3, 2, "unterminated quote", '4,5,"6\r\n7,8,9')]


def test_header_blank_lines_bom_and_line_ending(write_csv):
    path = write_csv(b'\xef\xbb\xbf\n\nx;y\r\n1;2\r\n')
    opened = open_stream(ReadOptions(source=path))
    assert (opened.header, opened.sep, opened.newline, opened.leading_blank) == (
        ["x", "y"], ";", "\r\n", 2)
    rows, lines, _ = read_all(path)
    assert rows == [["1", "2"]] and lines == [4]


def test_no_header_names_columns_by_number(write_csv):
    path = write_csv("1,2\n3,4\n")
    opened = open_stream(ReadOptions(source=path, no_header=True))
    assert opened.header == ["1", "2"] and not opened.has_header
    assert read_all(path, no_header=True)[:2] == ([["1", "2"], ["3", "4"]], [1, 2])


def test_undecodable_bytes_name_the_line(write_csv):
    path = write_csv(b"a,b\n1,2\n3,\xff\n")
    with pytest.raises(InputError, match=r"^line 3: bytes that are not valid UTF-8"):
        read_all(path)


def test_an_open_quote_longer_than_a_block_names_its_line(write_csv, monkeypatch):
    monkeypatch.setattr(stream_module, "BLOCK", 64)
    path = write_csv("a,b\n1,2\n3,\"" + "x" * 300 + "\n" + "y,z\n" * 40)
    with pytest.raises(InputError, match=r"^line 3: a quoted field opens here and is never "
                                         r"closed"):
        read_all(path)


cells = st.text(alphabet=st.sampled_from(list('ab ,"\n\r1.')), max_size=5)


@given(rows=st.lists(st.lists(cells, min_size=3, max_size=3), max_size=25),
       ragged=st.sets(st.integers(0, 24), max_size=4),
       block=st.sampled_from([64, 128, 1 << 22]), crlf=st.booleans())
def test_lines_agree_with_the_csv_module_in_any_batching(tmp_path_factory, rows, ragged, block,
                                                         crlf):
    """Row values, physical lines and malformed records do not depend on the block size."""
    newline = "\r\n" if crlf else "\n"
    buffer = io.StringIO()
    buffer.write("h1,h2,h3" + newline)
    expected_rows, expected_lines, expected_bad = [], [], []
    line = 2
    for i, row in enumerate(rows):
        record = [*row, "extra"] if i in ragged else row
        text = io.StringIO()
        # "\r\n" as the writer's terminator makes it quote any value holding \r or \n
        csv.writer(text, lineterminator="\r\n").writerow(record)
        written = text.getvalue()[:-2] + newline
        buffer.write(written)
        # physical lines end at \n, \r\n or a lone \r (as Source.text_lines splits them)
        span = len(re.findall(r"\r\n|\r|\n", written[:-len(newline)])) + 1
        if i in ragged:
            expected_bad.append((line, 4))
        else:
            # a lone \r inside a quoted value stays in the value; pyarrow keeps \r\n too
            expected_rows.append(row)
            expected_lines.append(line)
        line += span
    path = tmp_path_factory.mktemp("s") / "d.csv"
    path.write_bytes(buffer.getvalue().encode())
    original = stream_module.BLOCK
    stream_module.BLOCK = max(block, max(len(r) for r in buffer.getvalue().split(newline)) + 8)
    try:
        got_rows, got_lines, bad = read_all(str(path))
    finally:
        stream_module.BLOCK = original
    assert got_rows == expected_rows
    assert got_lines == expected_lines
    assert [(b.line, b.fields) for b in bad] == expected_bad


def test_encode_quotes_only_where_needed():
    columns = [pa.array(["1.50", 'say "hi"', "a,b", "x\ny", "  pad ", ""]),
               pa.array(["", "", "", "", "", ""])]
    text = encode_rows(columns, ",", "\n").decode()
    assert text == '1.50,\n"say ""hi""",\n"a,b",\n"x\ny",\n  pad ,\n,\n'
    assert list(csv.reader(io.StringIO(text))) == [list(r) for r in zip(
        *[c.to_pylist() for c in columns], strict=True)]


def test_encode_one_empty_field_is_not_a_blank_line():
    assert encode_rows([pa.array(["", "a"])], ";", "\r\n") == b'""\r\na\r\n'


def test_rejects_are_in_line_order_with_malformed_text_as_read():
    bad = stream_module.BadLine(line=3, lines=1, fields=4, expected=2, problem="x",
                                text='7,"8",9,10')
    data = encode_rejects(np.array([2, 5]), ["duplicate", "empty"],
                          [pa.array(["a", ""]), pa.array([" b", ""])], (bad,), ",", "\n")
    assert data == b'2,duplicate,a, b\n3,too_many_fields,7,"8",9,10\n5,empty,,\n'


@pytest.mark.parametrize("pad", range(38, 48))
def test_a_quoted_crlf_split_by_a_block_boundary_is_kept(write_csv, monkeypatch, pad):
    # pyarrow 26 alone reads "a\r\nb" back as "a\rb" when a block ends between \r and \n
    monkeypatch.setattr(stream_module, "BLOCK", 64)
    path = write_csv(b"h1,h2,h3\r\n" + b"x" * pad + b",,\r\n" + b'1,2,"a\r\nb"\r\n')
    rows, lines, _ = read_all(path)
    assert rows[-1] == ["1", "2", "a\r\nb"] and lines == [2, 3]
