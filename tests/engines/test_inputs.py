"""Inputs on every engine: Parquet, directories and globs, --where, and errors that name the
line (or the engine) the same way."""

import builtins
import json
import math

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import SAMPLE, invoke
from tests.engines.test_cross_engine import assert_same

pytest.importorskip("duckdb")

ENGINES = ("local", "duckdb")


def describe_json(*args: str, engine: str) -> dict:
    result = invoke("describe", *args, "--json", "--engine", engine)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def numbers(found: dict) -> list:
    return [(c["name"], c["n"], c["missing"], c["mean"], c["median"], c["std"])
            for c in found["columns"]]


@pytest.fixture
def airquality_parquet(tmp_path) -> str:
    path = tmp_path / "airquality.parquet"
    pq.write_table(pacsv.read_csv(SAMPLE / "airquality.csv"), path)
    return str(path)


@pytest.mark.parametrize("engine", ENGINES)
def test_parquet_equals_csv(airquality_parquet, engine):
    csv = describe_json(str(SAMPLE / "airquality.csv"), engine="local")
    found = describe_json(airquality_parquet, engine=engine)
    for a, b in zip(numbers(csv), numbers(found), strict=True):
        assert a[:3] == b[:3]
        assert b[3:] == pytest.approx(a[3:], rel=1e-12)
    assert found["provenance"]["input"] == airquality_parquet


def test_parquet_by_extension_pq(tmp_path):
    path = tmp_path / "t.pq"
    pq.write_table(pa.table({"x": [1.0, 2.0, 4.0]}), path)
    for engine in ENGINES:
        assert describe_json(str(path), engine=engine)["columns"][0]["mean"] == pytest.approx(
            7 / 3, rel=1e-15)


def test_duckdb_reads_a_directory_and_a_glob(tmp_path, airquality_parquet):
    table = pacsv.read_csv(SAMPLE / "airquality.csv")
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, start in enumerate(range(0, table.num_rows, 40)):
        pq.write_table(table.slice(start, 40), parts / f"part-{i}.parquet")
        pacsv.write_csv(table.slice(start, 40), tmp_path / f"part-{i}.csv")
    whole = numbers(describe_json(airquality_parquet, engine="local"))
    for source in (str(parts), str(tmp_path / "part-*.csv")):
        found = describe_json(source, engine="duckdb")
        assert found["provenance"]["rows_read"] == table.num_rows
        for a, b in zip(whole, numbers(found), strict=True):
            assert a[:3] == b[:3] and b[3:] == pytest.approx(a[3:], rel=1e-12)


BAD = {
    "too many fields": ("a,b\n1,2\n3,4,5\n6,7\n",
                        "mlstats: error: line 3: 3 fields, but the header has 2; fix or remove "
                        "the line (mlstats clean --drop-bad-lines drops such lines)\n"),
    "too few fields": ("a,b\n1,2\n3\n6,7\n",
                       "mlstats: error: line 3: 1 fields, but the header has 2; fix or remove "
                       "the line (mlstats clean --drop-bad-lines drops such lines)\n"),
    "open quote": ('a,b\n1,2\n3,"4\n6,7\n',
                   "mlstats: error: line 3: a quoted field opens here and is never closed, so "
                   "the rest of the input would be one value; add the closing quote\n"),
    "text": ("a,b\n1,2\n3,x\n",
             "mlstats: error: column 'b' is not numeric: 'x' at line 3; pick a numeric "
             "column, or fix the value (mlstats clean --coerce converts numbers stored as "
             "text)\n"),
    "infinity": ("a,b\n1,2\n3,inf\n",
                 "mlstats: error: column 'b' holds an infinite or overflowing number at line "
                 "3; fix the value or mark it missing\n"),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", BAD, ids=str)
def test_bad_input_is_one_line_naming_the_line(write_csv, engine, case):
    text, error = BAD[case]
    result = invoke("describe", write_csv(text), "--columns", "b", "--engine", engine)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", error)


@pytest.mark.parametrize("engine", ENGINES)
def test_where_errors_alike(write_csv, engine):
    path = write_csv("country,x\nDE,1\nFR,2\n")
    result = invoke("describe", path, "--where", 'x > "1"', "--engine", engine)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("mlstats: error: --where 'x > \"1\"': column 'x' holds numbers; "
                             "compare it with a number (no quotes)\n")
    result = invoke("describe", path, "--where", "country == DE", "--engine", engine)
    assert result.stderr == ("mlstats: error: --where 'country == DE': the value 'DE' is not a "
                             "number, true or false\n")
    result = invoke("describe", path, "--where", "country = 1", "--engine", engine)
    assert result.stderr.startswith("mlstats: error: --where 'country = 1' is not KEY OP VALUE")


@pytest.mark.parametrize("engine", ENGINES)
def test_where_leaves_out_missing_values(write_csv, engine):
    path = write_csv("g,x\na,1\nb,\na,3\nb,4\n")
    found = describe_json(path, "--columns", "x", "--where", "x < 10", engine=engine)
    assert (found["columns"][0]["n"], found["columns"][0]["missing"]) == (3, 0)
    assert found["provenance"]["rows_dropped"] == 1


def test_where_value_is_a_parameter_not_sql(write_csv):
    # a quote in the value is data: no row matches, nothing is executed
    path = write_csv("country,x\nDE,1\nFR,2\n")
    found = describe_json(path, "--where", "country == \"DE' OR '1'='1\"", engine="duckdb")
    assert found["rows_used"] == 0


# kmeans (k-means++ seeding draws rows), clean and sample (they write rows as read)
_STREAMED = ("this command runs on --engine local only, not duckdb; use --engine local (or "
             "unset MLSTATS_ENGINE)")


def test_duckdb_refusals(write_csv):
    path = write_csv("g,y\na,1\nb,2\na,3\nb,4\n")
    cases = {
        ("ab-test", path, "--group", "g", "--metric", "y", "--test", "permutation"):
            "--test permutation runs on --engine local only, not on --engine duckdb; use "
            "--engine local",
        ("ab-test", path, "--group", "g", "--metric", "y", "--unit", "g"):
            "--unit runs on --engine local only, not on --engine duckdb; use --engine local",
        ("describe", "-"): "--engine duckdb reads files, not standard input; give a path, or "
                           "use --engine local",
        ("kmeans", path, "--columns", "y", "--k", "2"): _STREAMED,
        ("clean", path, "--check"): _STREAMED,
        ("sample", path, "--n", "2", "--seed", "1"): _STREAMED,
        ("describe", path, "--remote", "sc://h:1"):
            "--remote applies to --engine spark, not --engine duckdb; add --engine spark or "
            "drop --remote",
    }
    for args, message in cases.items():
        result = invoke(*args, "--engine", "duckdb", input="x\n1\n")
        assert (result.exit_code, result.stdout) == (2, ""), args
        assert result.stderr == f"mlstats: error: {message}\n"


def test_missing_extra_names_it(write_csv, monkeypatch):
    real = builtins.__import__

    def no_duckdb(name, *args, **kwargs):
        if name == "duckdb":
            raise ImportError("No module named 'duckdb'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_duckdb)
    result = invoke("describe", write_csv("x\n1\n2\n"), "--engine", "duckdb")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("mlstats: error: --engine duckdb needs the duckdb extra: pip "
                             "install 'mlstats[duckdb]'\n")


def test_unknown_engine_is_a_usage_error(write_csv):
    result = invoke("describe", write_csv("x\n1\n2\n"), "--engine", "spork")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("mlstats: error: ") and "--engine" in result.stderr


def test_duckdb_progress_bar_is_off(write_csv):
    # DuckDB draws its progress bar on standard output, where the result goes (JSON, CSV)
    from mlstats.engines import open_duckdb
    from mlstats.io.options import ReadOptions

    with open_duckdb(ReadOptions(source=write_csv("x\n1\n"), engine="duckdb")) as src:
        assert src.query("SELECT current_setting('enable_progress_bar')") == [(False,)]
        spill = src._spill
    import os

    assert not os.path.exists(spill)  # DuckDB's temporary directory is removed on close


MISSING_WORDS = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
                 "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null")


@pytest.fixture
def missing_words_csv(write_csv) -> str:
    """pandas' missing-value words in a numeric, a text and a true/false column, each word
    alone in its row (DuckDB first reads numbers with the empty field as the only word, and
    again with all of them when a word fails to convert)."""
    rows = ["g,x,y,flag"]
    for i in range(60):
        flag = "true" if i % 3 else "false"
        rows.append(f"{'AB'[i % 2]},{i * 0.5},{(i * 7) % 11 + 0.25 * i},{flag}")
    for i, word in enumerate(MISSING_WORDS):
        rows.append(f"{word},{i},{i + 1.5},true")
        rows.append(f"{'AB'[i % 2]},{word},{i - 2.5},false")
        rows.append(f"{'AB'[i % 2]},{i * 1.5},{i},{word}")
    return write_csv("\n".join(rows) + "\n")


@pytest.mark.parametrize("args", [
    ("describe",),
    ("describe", "--by", "g"),
    ("ab-test", "--group", "g", "--metric", "x"),
    ("ab-test", "--group", "g", "--metric", "flag"),
    ("ab-test", "--group", "g", "--metric", "y", "--where", "x > 3"),
    ("ab-test", "--group", "g", "--metric", "y", "--where", 'g != "C"'),
    ("regression", "--y", "y", "--x", "x"),
    ("regression", "--y", "y", "--x", "x,flag"),
], ids=" ".join)
def test_missing_value_words_agree(missing_words_csv, args):
    """Every missing-value word is missing on DuckDB as on the local engine, in numbers, text
    and true/false alike (local: pandas' na_values)."""
    found = {}
    for engine in ENGINES:
        result = invoke(args[0], missing_words_csv, *args[1:], "--json", "--engine", engine)
        assert result.exit_code == 0, result.stderr
        found[engine] = json.loads(result.stdout)
        found[engine].pop("provenance")
    if args == ("describe",):
        missing = {c["name"]: c["missing"] for c in found["duckdb"]["columns"]}
        assert (missing["x"], missing.get("flag", 19)) == (19, 19)
    else:
        assert found["duckdb"]["rows_used"] <= 60 + 3 * 19 - 19  # a column's words left out
    assert_same(found["local"], found["duckdb"])


def test_duckdb_reads_clean_numbers_with_the_empty_word_only(write_csv):
    """A file without missing-value words is read in one go with the short list; one with
    a word switches to pandas' whole list; a non-number is still an error naming its line."""
    from mlstats.engines.duckdb_engine import DuckDBSource
    from mlstats.io.options import ReadOptions

    clean = write_csv("g,x\nA,1\nB,2\nA,\n", "clean.csv")
    with DuckDBSource(ReadOptions(source=clean)) as src:
        rows = src.query(f"SELECT c1 FROM ({src.rows_sql({'x': 'number'})})")
        assert ([r[0] for r in rows], src._params["nulls"]) == ([1.0, 2.0, None], [""])
    words = write_csv("g,x\nA,1\nB,NA\nA,None\n", "words.csv")
    with DuckDBSource(ReadOptions(source=words)) as src:
        rows = src.query(f"SELECT c1 FROM ({src.rows_sql({'x': 'number'})})")
        assert [r[0] for r in rows] == [1.0, None, None]
        assert src._params["nulls"] == list(MISSING_WORDS)
    bad = write_csv("g,x\nA,1\nB,NA\nA,abc\n", "bad.csv")
    result = invoke("describe", bad, "--columns", "x", "--engine", "duckdb")
    assert (result.exit_code, result.stderr) == (
        2, "mlstats: error: column 'x' is not numeric: 'abc' at line 4; pick a numeric column, "
           "or fix the value (mlstats clean --coerce converts numbers stored as text)\n")


@given(st.lists(st.floats(-1e6, 1e6), min_size=0, max_size=60))
def test_quartiles_from_order_statistics_equal_numpy(values):
    """The engines' type-7 quartiles from the order statistics at `quartile_ranks` equal
    NumPy's np.quantile (method linear, R's type 7)."""
    import numpy as np

    from mlstats.engines.common import quartile_ranks, quartiles_of

    ordered = sorted(values)
    n = len(ordered)
    picked = {r: ordered[r] for r in quartile_ranks(n)}
    found = quartiles_of(picked, n)
    if n == 0:
        assert all(math.isnan(v) for v in found)
    else:
        assert list(found) == [float(q) for q in np.quantile(ordered, [0.25, 0.5, 0.75])]
