"""`--where` on the commands that write rows as read: `sample` and `clean`.

sample: the population is the rows every condition keeps, so a sample with --where is the
sample of the pre-filtered file, byte for byte, on every path (streamed, several chunks,
read whole). clean: only the selected rows are cleaned and written; the others are dropped
with the reason `where`, counted, and kept in --rejects.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import SAMPLE, invoke, run_process

AIR = SAMPLE / "airquality.csv"
AIR_LINES = AIR.read_text().splitlines(keepends=True)

# country, x (missing in places), y: 40 rows.
PEOPLE_ROWS = [(["DE", "FR", "US", "DE "][i % 4], "" if i % 7 == 3 else str(i % 11), str(i))
               for i in range(40)]
PEOPLE = "country,x,y\n" + "".join(f"{c},{x},{y}\n" for c, x, y in PEOPLE_ROWS)


def kept_file(tmp_path, lines: list[str], keep) -> str:
    """The header and the data lines that `keep(fields)` keeps, as written in the input."""
    path = tmp_path / "kept.csv"
    path.write_text(lines[0] + "".join(ln for ln in lines[1:]
                                       if keep(ln.rstrip("\n").split(","))))
    return str(path)


def air_kept(fields: list[str]) -> bool:
    # 'Ozone > 40' and 'Month != 6' (a missing Ozone never matches)
    return fields[0] != "" and float(fields[0]) > 40 and fields[4] != "6"


SAMPLE_DESIGNS = [
    ["--n", "12"], ["--frac", "0.3"], ["--n", "30", "--replace"],
    ["--n", "12", "--method", "systematic"], ["--frac", "0.3", "--method", "systematic"],
    ["--n", "12", "--method", "stratified", "--by", "Month"],
    ["--frac", "0.5", "--method", "stratified", "--by", "Month", "--allocation", "equal"],
    ["--n", "20", "--method", "cluster", "--by", "Day"],
]


def sample_json(*args: str) -> tuple[str, dict]:
    result = invoke("sample", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = result.stderr[result.stderr.index("{"):]
    return result.stdout, json.loads(report)


@pytest.mark.parametrize("design", SAMPLE_DESIGNS)
def test_sample_with_where_is_the_sample_of_the_filtered_file(tmp_path, design):
    where = ["--where", "Ozone > 40", "--where", "Month != 6"]
    got, report = sample_json(str(AIR), *design, *where, "--seed", "11")
    want, plain = sample_json(kept_file(tmp_path, AIR_LINES, air_kept), *design, "--seed", "11")
    assert got == want
    assert got.splitlines()[0] == AIR_LINES[0].rstrip("\n")
    kept = sum(air_kept(ln.rstrip("\n").split(",")) for ln in AIR_LINES[1:])
    assert report["population"] == plain["population"]
    if "--by" not in design:  # stratified and cluster also leave out a missing --by
        assert report["population"] == kept
    provenance = report["provenance"]
    assert provenance["rows_read"] == 153
    assert provenance["rows_read"] == provenance["rows_dropped"] + report["rows_used"]
    assert provenance["where"] == ["Ozone > 40", "Month != 6"]
    assert report["warnings"][0] == (f"--where 'Ozone > 40' and 'Month != 6' left out "
                                     f"{153 - kept} of 153 rows ({kept} kept)")
    again, _ = sample_json(str(AIR), *design, *where, "--seed", "11")
    assert again == got


@pytest.mark.parametrize("design", [
    ["--n", "4"], ["--frac", "0.5"], ["--n", "9", "--replace"],
    ["--n", "4", "--method", "systematic"], ["--frac", "0.5", "--method", "systematic"],
])
def test_sample_with_where_across_many_chunks(tmp_path, monkeypatch, design):
    # 64-byte blocks: every chunk holds a record or two, and records straddle blocks.
    import mlstats.io.chunks

    monkeypatch.setattr(mlstats.io.chunks, "CHUNK", 64)
    real = mlstats.io.chunks.indexed_records

    def streamed_only(table):  # the filtered file may be read whole; the input may not
        assert table.rows_read == len(table.row_numbers())
        return real(table)

    monkeypatch.setattr(mlstats.io.chunks, "indexed_records", streamed_only)
    text = PEOPLE.replace("US,", '"U,S",')  # a quoted delimiter in the condition column
    lines = text.splitlines(keepends=True)
    path = tmp_path / "people.csv"
    path.write_text(text)
    args = ["--where", 'country == "DE"', "--where", "x >= 3"]
    got, report = sample_json(str(path), *design, *args, "--seed", "3")
    want, _ = sample_json(kept_file(tmp_path, lines, lambda f: f[0] == "DE" and f[1] != ""
                                    and float(f[1]) >= 3), *design, "--seed", "3")
    assert got == want
    for row in got.splitlines()[1:]:
        country, x, _ = row.split(",")
        assert country == "DE" and float(x) >= 3  # 'DE ' (a space) is other text
    assert report["provenance"]["rows_read"] == 40


def test_sample_with_where_on_a_file_read_whole(tmp_path):
    # A quote inside an unquoted field is not RFC 4180: the input is read whole instead.
    text = "id,size,note\n" + "".join(f"{i},{i % 5},{i}\" screen\n" for i in range(30))
    path = tmp_path / "quotes.csv"
    path.write_text(text)
    got, report = sample_json(str(path), "--n", "4", "--where", "size >= 3", "--seed", "2")
    lines = text.splitlines(keepends=True)
    want, _ = sample_json(kept_file(tmp_path, lines, lambda f: int(f[1]) >= 3), "--n", "4",
                          "--seed", "2")
    assert got == want
    assert (report["population"], report["provenance"]["rows_read"]) == (12, 30)


def test_sample_where_missing_values_never_match(write_csv):
    path = write_csv("x,y\n1,a\n,b\nNA,c\nnan,d\n5,e\n")
    got, report = sample_json(path, "--frac", "1", "--where", "x != 3", "--seed", "1")
    assert got == "x,y\n1,a\n5,e\n"
    assert (report["population"], report["provenance"]["rows_dropped"]) == (2, 3)


def test_sample_where_true_false(write_csv):
    path = write_csv("flag,v\ntrue,1\nFalse,2\n,3\nTRUE,4\n")
    got, _ = sample_json(path, "--frac", "1", "--where", "flag == true", "--seed", "1")
    assert got == "flag,v\ntrue,1\nTRUE,4\n"


def test_sample_where_keeping_no_rows(write_csv):
    path = write_csv(PEOPLE)
    for replace in ([], ["--replace"]):
        result = invoke("sample", path, "--n", "3", *replace, "--where", "x > 100")
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr == ("mlstats: error: --n 3: no rows to draw from (--where keeps "
                                 "none; loosen the condition)\n")
    result = invoke("sample", path, "--n", "8", "--where", "x == 10")  # row 10 misses x
    assert result.stderr == ("mlstats: error: --n 8 is more than the 2 rows --where keeps; "
                             "lower --n, or add --replace to draw with replacement\n")
    got, report = sample_json(path, "--frac", "0.5", "--where", "x > 100", "--seed", "1")
    assert got == "country,x,y\n"
    assert (report["population"], report["sample_size"]) == (0, 0)
    assert report["warnings"] == ["--where 'x > 100' left out 40 of 40 rows (0 kept)",
                                  "--frac 0.5 of 0 rows rounds to 0 rows: the sample is empty"]


@pytest.mark.parametrize("condition", ["country > 1", 'x == "3"', "nope < 1"])
def test_sample_where_errors_are_the_readers(write_csv, condition):
    path = write_csv(PEOPLE)
    want = invoke("describe", path, "--where", condition)
    for design in (["--n", "2"], ["--frac", "0.5", "--method", "systematic"],
                   ["--n", "2", "--method", "stratified", "--by", "country"]):
        result = invoke("sample", path, *design, "--where", condition, "--seed", "1")
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr == want.stderr
        assert result.stderr.startswith("mlstats: error: ")
        assert result.stderr.count("\n") == 1


def test_sample_where_from_stdin_in_a_subprocess(tmp_path):
    args = ["--n", "5", "--where", "Temp >= 80", "--seed", "4"]
    piped = run_process("sample", "-", *args, input=AIR.read_bytes())
    from_file = run_process("sample", str(AIR), *args)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == from_file.stdout
    rows = piped.stdout.decode().splitlines()[1:]
    assert len(rows) == 5 and all(int(r.split(",")[3]) >= 80 for r in rows)
    assert piped.stderr.decode().startswith(
        "mlstats: warning: --where 'Temp >= 80' left out 80 of 153 rows (73 kept)\n")


# -- clean ------------------------------------------------------------------------------------
def clean(*args: str, input: str | None = None):
    result = invoke("clean", *args, input=input)
    assert result.exit_code in (0, 1), result.stderr
    return result


def clean_report(*args: str) -> tuple[str, dict]:
    result = clean(*args, "--format", "json")
    return result.stdout, json.loads(result.stderr[result.stderr.index("{"):])


def test_clean_where_selects_the_rows_cleaned_and_counts_the_others(write_csv, tmp_path):
    path = write_csv(PEOPLE)
    rejects = tmp_path / "rejects.csv"
    out, report = clean_report(path, "--where", 'country == "DE"', "--where", "x >= 3",
                               "--rejects", str(rejects))
    selected = [(c, x, y) for c, x, y in PEOPLE_ROWS if c == "DE" and x and int(x) >= 3]
    assert out == "country,x,y\n" + "".join(f"{c},{x},{y}\n" for c, x, y in selected)
    left = len(PEOPLE_ROWS) - len(selected)
    assert report["dropped"]["where"] == left
    assert report["rows_in"] == 40
    assert report["rows_in"] == report["rows_out"] + sum(report["dropped"].values())
    assert report["provenance"]["where"] == ['country == "DE"', "x >= 3"]
    assert report["provenance"]["rows_dropped"] == left
    assert {"name": "drop_where", "count": left, "unit": "rows",
            "detail": 'country == "DE" and x >= 3'} in report["actions"]
    assert report["warnings"][0] == (f"--where 'country == \"DE\"' and 'x >= 3' left out "
                                     f"{left} of 40 rows ({len(selected)} kept)")
    rejected = rejects.read_text().splitlines()
    assert rejected[0] == "_line,_reason,country,x,y"
    assert len(rejected) == 1 + left
    assert all(r.split(",")[1] == "where" for r in rejected[1:])
    lines = [int(r.split(",")[0]) for r in rejected[1:]]
    assert lines == sorted(lines)
    assert rejected[1] == "2,where,DE,0,0"  # x = 0 < 3


def test_clean_where_equals_cleaning_the_filtered_file(write_csv, tmp_path):
    # Fills, duplicates and empty columns are learnt from the selected rows only.
    text = ("g,v,w,note\n" + "a,1,,x\n" + "b,100,,y\n" + "a,,5,x\n" + "a,3,,z\n" + "b,,7,y\n"
            + "a,3,,z\n" + "b,200,1,\n")
    lines = text.splitlines(keepends=True)
    path = write_csv(text)
    options = ["--missing", "mean", "--outliers", "zscore:1", "--outlier-action", "flag"]
    got, report = clean_report(path, "--where", 'g == "a"', *options)
    want, plain = clean_report(kept_file(tmp_path, lines, lambda f: f[0] == "a"), *options)
    assert got == want
    assert "1,3,5,x" not in got and got.count("\n") == 4  # one duplicate dropped
    for key in ("rows_out", "missing_cells", "duplicate_rows", "columns"):
        assert report[key] == plain[key]
    assert report["rows_in"] == plain["rows_in"] + 3


def test_clean_check_with_where_screens_the_selected_rows_only(write_csv):
    path = write_csv("k,v\na,1\nb,2\nb,2\nb, x\na,3\n")
    result = clean(path, "--check", "--where", 'k == "a"', "--format", "json")
    assert result.exit_code == 0, result.stdout  # the duplicate and the space are in 'b' rows
    report = json.loads(result.stdout)
    assert (report["rows_in"], report["rows_out"], report["duplicate_rows"]) == (5, 2, 0)
    assert report["problems"] == []
    assert report["dropped"]["where"] == 3
    result = clean(path, "--check", "--where", 'k == "b"', "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["duplicate_rows"] == 1


def test_clean_where_cells_that_are_not_numbers_never_match(write_csv):
    path = write_csv("id,price\n1,10\n2,$12\n3,\n4,30\n5,n/a\n6,abc\n")
    result = clean(path, "--where", "price > 5")
    assert result.stdout == "id,price\n1,10\n4,30\n"
    assert result.stderr.splitlines()[:2] == [
        "mlstats: warning: --where 'price > 5' left out 4 of 6 rows (2 kept)",
        "mlstats: warning: --where 'price > 5': 2 cells of column 'price' are not numbers "
        "(the first at line 3); they never match (fix them, or mark them missing with --na)",
    ]


def test_clean_where_keeping_no_rows_writes_the_header(write_csv):
    path = write_csv(PEOPLE)
    out, report = clean_report(path, "--where", "y > 1000")
    assert out == "country,x,y\n"
    assert (report["rows_in"], report["rows_out"], report["dropped"]["where"]) == (40, 0, 40)


def test_clean_in_place_with_where_is_refused(write_csv):
    path = write_csv(PEOPLE)
    result = invoke("clean", path, "--in-place", "--where", "x > 1")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("mlstats: error: --in-place with --where would delete the rows "
                             "--where leaves out from the input file; write the selected rows "
                             "with -o instead\n")
    with open(path) as f:
        assert f.read() == PEOPLE


def test_clean_where_unknown_column_is_one_line(write_csv):
    path = write_csv(PEOPLE)
    result = invoke("clean", path, "--where", "countri == \"DE\"")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("mlstats: error: column 'countri' not found; did you mean "
                             "'country'? columns are: country, x, y\n")
