"""The reader: every input rule of SPEC 1 and every bad input, each through the CLI."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import zipfile

import numpy as np
import pytest

from mlstats.errors import InputError
from mlstats.io import ReadOptions, read_table
from tests.conftest import invoke, invoke_json

CSV = "a,b\n1,2\n3,4\n5,6\n"


def columns_of(path_or_dash: str, *extra: str, input: bytes | str | None = None) -> dict:
    """describe's per-column means, keyed by column name (a quick end-to-end probe)."""
    record = invoke_json("describe", path_or_dash, *extra, input=input)
    return {row["name"]: row["mean"] for row in record["columns"]}


def error_of(*args: str, input: bytes | str | None = None) -> str:
    result = invoke(*args, input=input)
    assert (result.exit_code, result.stdout) == (2, ""), result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("mlstats: error: ")
    return result.stderr.removeprefix("mlstats: error: ").rstrip("\n")


# -- where the input comes from --------------------------------------------------------------
def test_path_dash_and_implicit_stdin_agree(write_csv):
    path = write_csv(CSV)
    assert columns_of(path) == {"a": 3.0, "b": 4.0}
    assert columns_of("-", input=CSV) == {"a": 3.0, "b": 4.0}


def test_stdin_is_read_when_input_omitted_and_not_a_terminal():
    result = invoke("describe", "--json", input=CSV)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["provenance"]["input"] == "-"


def test_terminal_stdin_without_input_is_a_usage_error(monkeypatch):
    import sys

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    with pytest.raises(InputError, match="no INPUT given and standard input is a terminal"):
        read_table(ReadOptions(source=None))


# -- delimiters ------------------------------------------------------------------------------
@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(write_csv, sep):
    path = write_csv(CSV.replace(",", sep))
    assert columns_of(path) == {"a": 3.0, "b": 4.0}


def test_tsv_extension_means_tab_even_when_commas_abound(write_csv):
    path = write_csv("a,x\tb\n1,5\t2\n3,5\t4\n", name="data.tsv")
    record = invoke_json("describe", path)
    assert [c["name"] for c in record["non_numeric"]] == ["a,x"]


def test_sniffing_prefers_the_consistent_delimiter(write_csv):
    # commas appear in every line but inconsistently; semicolons split every line in three
    path = write_csv("a;b;c\n1,5;2;3\n4;5,5;6\n")
    record = invoke_json("describe", path)
    assert [c["name"] for c in record["columns"]] == ["c"]


def test_one_column_file(write_csv):
    assert columns_of(write_csv("x\n1\n2\n6\n")) == {"x": 3.0}


def test_explicit_sep_overrides_sniffing(write_csv):
    path = write_csv("a;b\n1;2\n3;4\n")
    record = invoke_json("describe", path, "--sep", ",")
    assert [c["name"] for c in record["non_numeric"]] == ["a;b"]


def test_sep_must_be_one_character(write_csv):
    assert error_of("describe", write_csv(CSV), "--sep", "::") == (
        "--sep must be one character, or \\t or tab (got '::')")


@pytest.mark.parametrize("spelling", ["\t", "\\t", "tab"])
def test_sep_tab_as_people_type_it(write_csv, spelling):
    assert columns_of(write_csv(CSV.replace(",", "\t"), name="d.txt"), "--sep", spelling) == {
        "a": 3.0, "b": 4.0}


# -- compression, encodings, line endings ----------------------------------------------------
def _zip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("inner.csv", data)
    return buffer.getvalue()


def _zstd(data: bytes) -> bytes:
    zstandard = pytest.importorskip("zstandard")
    return zstandard.ZstdCompressor().compress(data)


COMPRESSORS = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress, "zip": _zip,
               "zst": _zstd}


@pytest.mark.parametrize("ext", sorted(COMPRESSORS))
def test_compressed_files_and_stdin(write_csv, ext):
    packed = COMPRESSORS[ext](CSV.encode())
    assert columns_of(write_csv(packed, name=f"d.csv.{ext}")) == {"a": 3.0, "b": 4.0}
    assert columns_of("-", input=packed) == {"a": 3.0, "b": 4.0}


def test_compression_is_detected_by_content_not_name(write_csv):
    path = write_csv(gzip.compress(CSV.encode()), name="misnamed.csv")
    assert columns_of(path) == {"a": 3.0, "b": 4.0}


def test_zip_with_two_members_is_an_error(write_csv):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("one.csv", CSV)
        archive.writestr("two.csv", CSV)
    path = write_csv(buffer.getvalue(), name="two.zip")
    assert error_of("describe", path) == (
        f"zip archive '{path}' holds 2 files (one.csv, two.csv); "
        "extract the one to analyse and pass it instead")


def test_utf8_bom_is_not_part_of_the_first_name(write_csv):
    path = write_csv(b"\xef\xbb\xbf" + CSV.encode())
    assert columns_of(path) == {"a": 3.0, "b": 4.0}


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_byte_order_mark_is_honoured(write_csv, codec):
    bom = b"\xff\xfe" if codec.endswith("le") else b"\xfe\xff"
    path = write_csv(bom + CSV.encode(codec))
    assert columns_of(path) == {"a": 3.0, "b": 4.0}


def test_crlf_line_endings(write_csv):
    assert columns_of(write_csv(CSV.replace("\n", "\r\n"))) == {"a": 3.0, "b": 4.0}


def test_other_encodings_by_option(write_csv):
    path = write_csv("café,b\n1,2\n3,4\n".encode("latin-1"))
    assert columns_of(path, "--encoding", "latin-1") == {"café": 2.0, "b": 3.0}


def test_undecodable_bytes_name_the_line(write_csv):
    path = write_csv("name,b\nx,2\ncafé,4\n".encode("latin-1"))
    assert error_of("describe", path) == (
        "line 3: bytes that are not valid UTF-8 (invalid continuation byte); "
        "give the file's encoding with --encoding (e.g. --encoding latin-1)")


def test_unknown_encoding(write_csv):
    assert error_of("describe", write_csv(CSV), "--encoding", "klingon") == (
        "unknown --encoding 'klingon'; use a Python codec name such as utf-8, latin-1 or cp1252")


# -- header and columns ----------------------------------------------------------------------
def test_no_header_names_columns_by_number(write_csv):
    assert columns_of(write_csv("1,2\n3,4\n"), "--no-header") == {"1": 2.0, "2": 3.0}


def test_columns_by_number_and_by_name(write_csv):
    path = write_csv("x,y,z\n1,2,3\n4,5,6\n")
    record = invoke_json("describe", path, "--columns", "3,x")
    assert [c["name"] for c in record["columns"]] == ["z", "x"]


def test_a_header_named_like_a_number_wins_over_position(write_csv):
    path = write_csv("2,1\n10,20\n30,40\n")
    record = invoke_json("describe", path, "--columns", "1")
    assert record["columns"][0]["mean"] == 30.0


def test_unknown_column_suggests_the_closest(write_csv):
    path = write_csv("price,qty,region\n1,2,x\n")
    assert error_of("describe", path, "--columns", "prise") == (
        "column 'prise' not found; did you mean 'price'? columns are: price, qty, region")
    assert error_of("describe", path, "--columns", "zzz") == (
        "column 'zzz' not found; columns are: price, qty, region")
    assert error_of("describe", path, "--columns", "7") == (
        "column 7 not found: the input has 3 columns")


def test_duplicate_and_blank_header_names(write_csv):
    assert error_of("describe", write_csv("a,b,a\n1,2,3\n")) == (
        "duplicate column name 'a' (columns 1 and 3); rename one "
        "(mlstats clean can repair headers)")
    assert error_of("describe", write_csv("a,,c\n1,2,3\n")) == (
        "blank column name in column 2 of the header; name it, or use --no-header if the first "
        "line is data (mlstats clean can repair headers)")


def test_a_first_line_longer_than_the_csv_module_limit(write_csv):
    # The csv module refuses fields over 128 KiB unless told; sniffing used to crash (exit 3).
    long = "x" * 200_000
    path = write_csv(f"{long},b\n1,2\n3,4\n5,6\n")
    assert columns_of(path) == {long: 3.0, "b": 4.0}
    path = write_csv(f"a,b\n\"{long}\",2\nx,4\ny,6\n")
    assert columns_of(path) == {"b": 4.0}


# -- missing values --------------------------------------------------------------------------
def test_default_and_extra_missing_markers(write_csv):
    path = write_csv("a\n1\nNA\n-\n5\n")
    assert error_of("describe", path, "--columns", "a").startswith(
        "column 'a' is not numeric: '-' at line 4")
    record = invoke_json("describe", path, "--na", "-")
    assert (record["columns"][0]["n"], record["columns"][0]["missing"]) == (2, 2)


def test_a_numeric_na_marker_matches_however_the_number_is_spelled(write_csv):
    # As pandas' na_values: --na -999 also means -999.0 (a float column) and " -999.00 "
    # (a column read as text and converted); -9990 and -999.5 stay values.
    path = write_csv("a,b,c\n1,-999,1\n2,5, -999.00 \n-999,7,3\n3,-999.0,-9990\n4,-999.5,4\n")
    record = invoke_json("describe", path, "--na", "-999")
    found = {r["name"]: (r["n"], r["missing"], r["mean"]) for r in record["columns"]}
    assert found == {"a": (4, 1, 2.5), "b": (3, 2, pytest.approx((5 + 7 - 999.5) / 3)),
                     "c": (4, 1, (1 + 3 - 9990 + 4) / 4)}


def test_no_default_na_keeps_only_empty_and_given(write_csv):
    path = write_csv("a\n1\nNA\n\n5\n")
    assert error_of("describe", path, "--no-default-na", "--columns", "a").startswith(
        "column 'a' is not numeric: 'NA' at line 3")


def test_rows_missing_a_used_value_are_counted(write_csv):
    from mlstats.io import ReadOptions

    table = read_table(ReadOptions(source=write_csv("x,y\n1,2\n,3\n4,\n5,6\n")))
    arrays = table.complete(["x", "y"], numeric=["x", "y"])
    assert arrays["x"].tolist() == [1.0, 5.0]
    assert (table.rows_read, table.rows_used) == (4, 2)
    assert table.warnings == ["2 of 4 rows left out: a missing value in x, y (rows_used = 2)"]
    assert table.provenance()["rows_dropped"] == 2


# -- malformed input -------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "message"), [
    ("a,b\n1,2\n3,4,5\n6,7\n",
     "line 3: 3 fields, but the header has 2; fix or remove the line "
     "(mlstats clean --drop-bad-lines drops such lines)"),
    ("a,b\n1,2\n3\n6,7\n",
     "line 3: 1 fields, but the header has 2; fix or remove the line "
     "(mlstats clean --drop-bad-lines drops such lines)"),
    # pandas#9295: a header one field short makes pandas shift every column silently
    ("a,b\n1,2,3\n4,5,6\n",
     "line 2: 3 fields, but the header has 2; fix or remove the line "
     "(mlstats clean --drop-bad-lines drops such lines)"),
    ('a,b\n1,2\n"3,4\n6,7\n',
     "line 3: a quoted field opens here and is never closed; add the closing quote"),
])
def test_malformed_lines_name_the_physical_line(write_csv, text, message):
    assert error_of("describe", write_csv(text)) == message


def test_line_numbers_count_quoted_newlines_and_blank_lines(write_csv):
    path = write_csv('a,b\n"multi\nline",1\n\nx,2\ny,3,4\n')
    assert error_of("describe", path).startswith("line 6: 3 fields, but the header has 2")


def test_quoted_newlines_are_data(write_csv):
    record = invoke_json("describe", write_csv('a,b\n"multi\nline",1\nx,3\n'))
    assert record["columns"][0]["mean"] == 2.0
    assert record["non_numeric"][0]["unique"] == 2


def test_nul_byte_is_binary_data(write_csv):
    message = ("line 3: a NUL byte; this looks like binary data, not CSV text "
               "(give the right --encoding if it is UTF-16 without a byte-order mark)")
    assert error_of("describe", write_csv(b"a,b\n1,2\n3,\x004\n")) == message
    assert error_of("describe", "-", input=b"a,b\n1,2\n3,\x004\n") == message


@pytest.mark.parametrize("value", ["inf", "-inf", "1e999"])
def test_infinity_in_a_numeric_column_names_column_and_line(write_csv, value):
    path = write_csv(f"a,b\n1,2\n3,{value}\n")
    assert error_of("describe", path) == (
        "column 'b' holds an infinite or overflowing number at line 3; "
        "fix the value or mark it missing")


def test_non_numeric_value_names_value_and_line(write_csv):
    path = write_csv("price,qty\n1,2\n3,4\nabc,5\n")
    assert error_of("describe", path, "--columns", "price") == (
        "column 'price' is not numeric: 'abc' at line 4; pick a numeric column, or fix the value "
        "(mlstats clean --coerce converts numbers stored as text)")


def test_control_characters_in_an_error_are_visible(write_csv):
    path = write_csv("price\n1\n\x1b[31mred\n")
    assert "'\\x1b[31mred'" in error_of("describe", path, "--columns", "price")


def test_text_after_the_first_block_is_still_found(tmp_path):
    # pyarrow infers types from the first block (4 MiB); a word far below must not crash it.
    rows = "\n".join(f"{i},{i % 7}" for i in range(600_000))
    path = tmp_path / "big.csv"
    path.write_text(f"a,b\n{rows}\noops,1\n")
    result = invoke("describe", str(path), "--columns", "a")
    assert result.exit_code == 2
    assert result.stderr.startswith("mlstats: error: column 'a' is not numeric: 'oops' at line "
                                    "600002;")


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is empty; give a file with a header and data rows"),
    (b"  \n\n", "is empty; give a file with a header and data rows"),
    (b"\xef\xbb\xbf", "is empty; give a file with a header and data rows"),
])
def test_empty_input(write_csv, content, message):
    path = write_csv(content)
    assert error_of("describe", path) == f"'{path}' {message}"


def test_header_without_rows(write_csv):
    assert error_of("describe", write_csv("a,b\n")) == (
        "the input has a header but no data rows; give a file with data")


def test_missing_file_and_directory(tmp_path):
    assert error_of("describe", str(tmp_path / "nope.csv")) == (
        f"file '{tmp_path / 'nope.csv'}' not found; check the path")
    assert error_of("describe", str(tmp_path)) == f"'{tmp_path}' is a directory; give a CSV file"


def test_unreadable_file(write_csv, monkeypatch):
    from pathlib import Path

    path = write_csv(CSV)

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    assert error_of("describe", path) == f"cannot read '{path}': permission denied"


# -- provenance ------------------------------------------------------------------------------
def test_sha256_is_of_the_bytes_as_stored(write_csv):
    packed = gzip.compress(CSV.encode())
    path = write_csv(packed, name="d.csv.gz")
    record = invoke_json("describe", path)
    assert record["provenance"]["sha256"] == hashlib.sha256(packed).hexdigest()
    plain = write_csv(CSV)
    assert invoke_json("describe", plain)["provenance"]["sha256"] == (
        hashlib.sha256(CSV.encode()).hexdigest())
    assert invoke_json("describe", "-", input=CSV)["provenance"]["sha256"] == (
        hashlib.sha256(CSV.encode()).hexdigest())


def test_numeric_values_are_correctly_rounded(write_csv):
    # fast_float parsing is exact: the float nearest to the decimal text
    text = "x\n0.1\n2.675\n1e-310\n123456789.123456789\n"
    table = read_table(ReadOptions(source=write_csv(text)))
    assert table.numeric("x").tolist() == [0.1, 2.675, 1e-310, 123456789.123456789]
    assert np.isnan(read_table(ReadOptions(source=write_csv("x\n1\nNA\n"))).numeric("x")[1])


def test_codes_keep_first_appearance_and_mark_missing(write_csv):
    table = read_table(ReadOptions(source=write_csv("g,x,e\nb,1,\na,2,\n,3,\nb,4,\n")))
    codes, labels = table.codes("g")
    assert (codes.tolist(), labels) == ([0, 1, -1, 0], ["b", "a"])
    codes, labels = table.codes("x")
    assert (codes.tolist(), labels) == ([0, 1, 2, 3], ["1", "2", "3", "4"])
    codes, labels = table.codes("e")  # every value missing
    assert (codes.tolist(), labels) == ([-1, -1, -1, -1], [])


def test_a_header_longer_than_the_sniffing_sample(write_csv):
    names = [f"column_{i:05d}" for i in range(8000)]  # a 100 KB header line
    header = ";".join(names)
    path = write_csv(f"{header}\n" + ";".join("1" for _ in names) + "\n"
                     + ";".join("3" for _ in names) + "\n")
    record = invoke_json("describe", path, "--columns", "column_07999")
    assert record["columns"][0]["mean"] == 2.0


@pytest.mark.parametrize("extra", [[], ["--no-default-na"]])
def test_nan_that_parses_as_a_number_is_missing(write_csv, extra):
    # "NAN" is not among pandas' missing strings, and --no-default-na drops "nan" from them;
    # pyarrow still parses both as a float NaN, which must count as missing, not as a value.
    path = write_csv("x,g\n1,a\nNAN,b\n3,a\nnan,b\n")
    record = invoke_json("describe", path, "--columns", "x", *extra)
    assert (record["columns"][0]["n"], record["columns"][0]["missing"]) == (2, 2)
    table = read_table(ReadOptions(source=path, no_default_na=bool(extra)))
    table.drop_missing(["x"])
    assert table.rows_used == 2
    assert table.codes("g")[0].tolist() == [0, 0]
    assert table.codes("x")[1] == ["1", "3"]


def test_sha256_and_nul_check_over_many_reads(write_csv):
    # The file is read in 1 MiB pieces: a digest and a NUL line that span several of them.
    rows = "".join(f"{i},{i * 0.5}\n" for i in range(300_000))
    text = "a,b\n" + rows
    assert len(text) > 3 << 20
    path = write_csv(text)
    record = invoke_json("describe", path)
    assert record["provenance"]["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert record["columns"][0]["n"] == 300_000
    bad = write_csv(text + "7,\x008\n", "nul.csv")
    result = invoke("describe", bad)
    assert result.exit_code == 2
    assert result.stderr.startswith("mlstats: error: line 300002: a NUL byte;")


def test_rows_longer_than_the_parse_blocks_are_read_whole(write_csv):
    # Decimal columns are parsed in blocks sized from the first lines (1 MiB at least): a
    # header longer than that, and a later row longer than a block, are still read.
    names = [name * 400_000 for name in "abc"]
    short = "1.5,2.5,3.5\n"
    long = ",".join(["2." + "5" * 600_000] * 3)
    path = write_csv(",".join(names) + "\n" + short * 5000 + f"{long}\n{short}")
    columns = invoke_json("describe", path)["columns"]
    assert [c["name"] for c in columns] == names
    assert columns[0]["n"] == 5002
    assert columns[0]["max"] == pytest.approx(2.5555555555555554)


def test_numeric_columns_keep_nulls_across_chunks():
    import pyarrow as pa

    from mlstats.io._arrow import to_float64

    column = pa.chunked_array([pa.array([1.0, None, 3.0]), pa.array([], pa.float64()),
                               pa.array([4.0, 5.0]).slice(1), pa.array([None, 2.0])])
    np.testing.assert_array_equal(to_float64(column), [1.0, np.nan, 3.0, 5.0, np.nan, 2.0])
    assert to_float64(pa.chunked_array([], pa.float64())).size == 0
    np.testing.assert_array_equal(
        to_float64(pa.chunked_array([pa.array([1, None, 2])])), [1.0, np.nan, 2.0])


def test_all_finite_looks_only_at_values_present():
    import pyarrow as pa

    from mlstats.io._arrow import all_finite, from_bool

    values = np.array([1.0, np.nan, np.inf, 2.0])
    hidden = pa.Array.from_buffers(  # NaN and inf under null bits: absent, not refused
        pa.float64(), 4, [from_bool(np.array([True, False, False, True])).buffers()[1],
                          pa.py_buffer(values)])
    assert all_finite(pa.chunked_array([hidden, pa.array([], pa.float64())]))
    assert not all_finite(pa.chunked_array([pa.array([1.0]), pa.array([None, np.inf])]))
    assert not all_finite(pa.chunked_array([pa.array([1.0, 2.0, 3.0]).slice(1),
                                            pa.array([np.nan])]))
    assert all_finite(pa.chunked_array([pa.array([np.nan, 1.0]).slice(1)]))
