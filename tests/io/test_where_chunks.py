"""`--where` over streamed chunks keeps exactly the rows `read_table` keeps."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mlstats.io.chunks
from mlstats.errors import InputError
from mlstats.expr import parse
from mlstats.io.chunks import open_records
from mlstats.io.options import ReadOptions
from mlstats.io.reader import read_table

CELLS = st.sampled_from(["1", "2.5", "-3", " 4 ", "1e1", "", "NA", "nan", "-999", "-999.0"])
LABELS = st.sampled_from(["DE", "FR", "de", "DE ", "", "NA", '"a,b"', '"x""y"'])


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(CELLS, LABELS), min_size=1, max_size=40),
       chunk=st.integers(16, 200), op=st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
       value=st.sampled_from([-3.0, 1.0, 2.5, 4.0, 10.0]),
       label=st.sampled_from(["DE", "de", "a,b", 'x"y']), text_op=st.sampled_from(["==", "!="]))
def test_chunks_keep_what_the_reader_keeps(tmp_path_factory, rows, chunk, op, value, label,
                                           text_op):
    path = tmp_path_factory.mktemp("w") / "d.csv"
    path.write_text("x,c\n" + "".join(f"{x},{c}\n" for x, c in rows))
    conditions = (parse(f"x {op} {value!r}", option="--where", text_values=True),
                  parse(f'c {text_op} "{label}"', option="--where", text_values=True))
    options = ReadOptions(source=str(path), na=("-999",), where=conditions)
    try:
        table = read_table(options)
    except InputError:  # the reader refuses the column's kind: so must the stream
        with pytest.raises(InputError, match="--where"):
            _streamed(options, chunk)
        return
    assert _streamed(options, chunk) == table.row_numbers().tolist()


def _streamed(options: ReadOptions, chunk: int) -> list[int]:
    """The input positions of the records a streamed pass keeps."""
    saved = mlstats.io.chunks.CHUNK
    mlstats.io.chunks.CHUNK = chunk
    try:
        everything = open_records(ReadOptions(source=options.source))
        lines = [r for c in everything.chunks() for r in c.rows(range(len(c)))]
        kept = [r for c in open_records(options).chunks() for r in c.rows(range(len(c)))]
    finally:
        mlstats.io.chunks.CHUNK = saved
    positions, start = [], 0
    for row in kept:  # rows are distinct enough only with their position: walk in order
        start = lines.index(row, start)
        positions.append(start)
        start += 1
    return positions


def test_text_compared_with_a_column_of_numbers_is_refused_after_the_pass(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x\n1\n2\n\n3\n")
    where = (parse('x == "1"', option="--where", text_values=True),)
    records = open_records(ReadOptions(source=str(path), where=where))
    with pytest.raises(InputError, match="column 'x' holds numbers"):
        records.count()
