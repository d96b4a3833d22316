"""Streamed records: the reader's records, block by block, with the reader's checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlstats.errors import InputError
from mlstats.io import ReadOptions, read_table
from mlstats.io import chunks as stream_module
from mlstats.io.chunks import NotStreamable, Selection, indexed_records, open_records, reservoir


def streamed(path: str, chunk: int | None = None, **options) -> list[bytes]:
    previous = stream_module.CHUNK
    stream_module.CHUNK = chunk or previous
    try:
        records = open_records(ReadOptions(source=path, **options))
        rows = [row for c in records.chunks() for row in c.rows(range(len(c)))]
        assert records.rows_read == len(rows)
        return rows
    finally:
        stream_module.CHUNK = previous


def read_whole(path: str, **options) -> list[bytes]:
    table = read_table(ReadOptions(source=path, **options))
    return table.raw_rows(range(table.rows_read))


FIELD = st.one_of(
    st.sampled_from(["1", "2.5", "", "x", "-3e4", "é"]),
    st.text(alphabet="ab ,\n\r\"é", max_size=6).map(lambda t: '"' + t.replace('"', '""') + '"'),
)


@st.composite
def csv_files(draw):
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    width = draw(st.integers(1, 4))
    lines = [",".join(f"h{i}" for i in range(width))]
    for _ in range(draw(st.integers(1, 12))):
        lines.append(",".join(draw(FIELD) for _ in range(width)))
        if draw(st.booleans()) and draw(st.booleans()):
            lines.append("")  # an empty line: skipped, as the reader skips it
    text = ending.join(lines) + (ending if draw(st.booleans()) else "")
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + text).encode()


@settings(max_examples=60)
@given(csv_files(), st.integers(3, 40))  # a block holds the 3-byte byte-order mark
def test_records_are_the_readers_at_any_block_size(tmp_path_factory, data, chunk):
    path = tmp_path_factory.mktemp("s") / "d.csv"
    path.write_bytes(data)
    try:
        expected = read_whole(str(path), sep=",")
    except InputError as exc:
        with pytest.raises(InputError) as caught:
            streamed(str(path), chunk, sep=",")
        assert str(caught.value) == str(exc)
        return
    assert streamed(str(path), chunk, sep=",") == expected


def test_header_and_line_ending_are_kept(write_csv):
    path = write_csv(b"\xef\xbb\xbfa,b\r\n1,2\r\n")
    records = open_records(ReadOptions(source=path))
    assert (records.header, records.terminator) == (b"a,b", b"\r\n")
    table = read_table(ReadOptions(source=path))
    whole = indexed_records(table)
    assert (whole.header, whole.terminator) == (b"a,b", b"\r\n")


def test_no_header_streams_every_line(write_csv):
    path = write_csv("1,2\n3,4\n")
    assert streamed(path, no_header=True) == [b"1,2", b"3,4"]
    assert open_records(ReadOptions(source=path, no_header=True)).header == b""


@pytest.mark.parametrize(("text", "message"), [
    ("a,b\n1,2\n3\n4,5\n", "line 3: 1 fields, but the header has 2; fix or remove the line "
     "(mlstats clean --drop-bad-lines drops such lines)"),
    ('a,b\n1,2\n3,"4\n5,6\n', "line 3: a quoted field opens here and is never closed, so the "
     "rest of the input would be one value; add the closing quote"),
    ('a,b\n1,2\n3,4,"5\n', "line 3: a quoted field opens here and is never closed; add the "
     "closing quote"),
    ("a,a\n1,2\n", "duplicate column name 'a' (columns 1 and 2); rename one (mlstats clean can "
     "repair headers)"),
    ("a,b\n", "the input has a header but no data rows; give a file with data"),
])
def test_errors_are_the_readers(write_csv, text, message):
    path = write_csv(text)
    with pytest.raises(InputError) as whole:
        read_table(ReadOptions(source=path))
    with pytest.raises(InputError) as streaming:
        streamed(path, 4)
    assert str(streaming.value) == str(whole.value) == message


def test_bytes_that_are_not_utf8_name_their_line(write_csv):
    path = write_csv(b"a,b\n1,2\n3,\xff\n")
    with pytest.raises(InputError, match=r"^line 3: bytes that are not valid UTF-8"):
        streamed(path)


def test_a_quote_inside_an_unquoted_field_is_left_to_the_reader(write_csv):
    path = write_csv('a,b\n1,5" screen\n2,x\n')
    with pytest.raises(NotStreamable):
        streamed(path)
    assert read_whole(path) == [b'1,5" screen', b"2,x"]


def test_selection_takes_ascending_indices_with_repeats(write_csv):
    path = write_csv("a\n" + "".join(f"{i}\n" for i in range(10)))
    previous = stream_module.CHUNK
    stream_module.CHUNK = 5
    try:
        records = open_records(ReadOptions(source=path))
        wanted = [np.array([0, 3, 3]), np.array([], dtype=np.int64), np.array([9, 12])]
        selection = Selection(records, iter(wanted))
        assert b"".join(selection) == b"0\n3\n3\n9\n"
        assert selection.count == 4
    finally:
        stream_module.CHUNK = previous


def test_reservoir_keeps_rows_in_input_order(write_csv):
    path = write_csv("a\n" + "".join(f"{i}\n" for i in range(6)))
    records = open_records(ReadOptions(source=path))
    events = iter([(3, 1), (5, 0), (99, 0)])  # rows 0, 1 fill; 3 replaces 1; 5 replaces 0
    assert reservoir(records, 2, events) == ([3, 5], [b"3", b"5"])
