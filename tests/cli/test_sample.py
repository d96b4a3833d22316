"""`mlstats sample` end to end: rows as read, report on standard error, same seed same bytes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SAMPLE, invoke, run_process

AIR = str(SAMPLE / "airquality.csv")
AIR_BYTES = (SAMPLE / "airquality.csv").read_bytes()
AIR_LINES = AIR_BYTES.decode().splitlines()
REPORT_KEYS = {"method", "population", "sample_size", "n", "frac", "replace", "by",
               "allocation", "strata", "clusters", "clusters_total"}


def run(*args: str, input: bytes | None = None):
    result = invoke("sample", *args, input=input)
    assert result.exit_code == 0, result.stderr
    return result


def rows_of(stdout: str) -> list[str]:
    return stdout.splitlines()[1:]


@pytest.mark.parametrize("design", [
    ["--n", "20"], ["--frac", "0.2"], ["--n", "20", "--method", "systematic"],
    ["--frac", "0.2", "--method", "systematic"], ["--n", "30", "--replace"],
    ["--n", "20", "--method", "stratified", "--by", "Month"],
    ["--n", "40", "--method", "cluster", "--by", "Month"],
])
def test_rows_are_input_rows_in_input_order_and_the_seed_fixes_them(design):
    first = run(AIR, *design, "--seed", "7")
    again = run(AIR, *design, "--seed", "7")
    assert first.stdout == again.stdout
    assert first.stdout.splitlines()[0] == AIR_LINES[0]
    positions = [AIR_LINES.index(row, 1) for row in rows_of(first.stdout)]
    assert positions == sorted(positions)
    if "--replace" not in design:
        assert len(set(positions)) == len(positions)


def test_report_goes_to_stderr_as_json():
    result = run(AIR, "--n", "6", "--method", "stratified", "--by", "Month", "--seed", "1",
                 "--json")
    report = json.loads(result.stderr)
    assert set(report) >= REPORT_KEYS
    assert (report["population"], report["sample_size"]) == (153, 6)
    strata = [(s["name"], s["population"], s["sample_size"]) for s in report["strata"]]
    # Quotas 6·31/153 = 1.216 (months 5, 7, 8) and 6·30/153 = 1.176 (6, 9): one row each,
    # and the sixth to a largest remainder, a 31-day month (the tie broken by the seed).
    assert [(name, size) for name, size, _ in strata] == [("5", 31), ("6", 30), ("7", 31),
                                                          ("8", 31), ("9", 30)]
    assert sorted(taken for _, _, taken in strata) == [1, 1, 1, 1, 2]
    assert max(strata, key=lambda s: s[2])[1] == 31
    assert report["provenance"]["seed"] == 1
    assert len(rows_of(result.stdout)) == 6


def test_cluster_report_names_the_clusters_taken():
    result = run(AIR, "--n", "40", "--method", "cluster", "--by", "Month", "--seed", "3",
                 "--json")
    report = json.loads(result.stderr)
    taken = [c["name"] for c in report["clusters"]]
    assert report["clusters_total"] == 5
    assert report["sample_size"] == sum(c["sample_size"] for c in report["clusters"]) >= 40
    months = {row.split(",")[4] for row in rows_of(result.stdout)}
    assert months == set(taken)


def test_output_file_gets_the_rows_and_stdout_stays_empty(tmp_path):
    out = tmp_path / "s.csv"
    result = run(AIR, "--n", "5", "--seed", "2", "-o", str(out), "--quiet")
    assert result.stdout == ""
    assert out.read_text().splitlines()[0] == AIR_LINES[0]
    assert len(out.read_text().splitlines()) == 6
    assert result.stderr.startswith("mlstats sample\nSimple random sample without "
                                    "replacement: 5 of 153 rows.\n")


def test_rows_are_copied_byte_for_byte(write_csv):
    text = b'id,note\r\n1,"two\r\nlines"\r\n2,"a ""quote"""\r\n3,  spaced  \r\n4,\xc3\xa9\r\n'
    path = write_csv(text)
    result = invoke("sample", path, "--n", "4", "--seed", "1", "--quiet")
    assert result.exit_code == 0
    assert result.stdout_bytes == text


def test_stratified_missing_groups_are_left_out_and_counted(write_csv):
    path = write_csv("g,x\na,1\nb,2\n,3\na,4\nb,5\n")
    result = invoke("sample", path, "--n", "2", "--method", "stratified", "--by", "g",
                    "--seed", "1")
    assert result.exit_code == 0
    assert "mlstats: warning: 1 of 5 rows left out: a missing value in g (rows_used = 4)" \
        in result.stderr
    assert {row.split(",")[0] for row in rows_of(result.stdout)} == {"a", "b"}


@pytest.mark.parametrize("args", [
    ["--n", "1", "--method", "stratified"],
    ["--n", "1", "--method", "stratified", "--replace"],  # it drew 0 rows, exit 0
    ["--frac", "0.5", "--method", "cluster"],
])
def test_a_by_column_without_values_is_one_line_exit_2(write_csv, args):
    path = write_csv("a,g\n1,\n2,\n3,\n")
    result = invoke("sample", path, *args, "--by", "g", "--seed", "1")
    assert (result.exit_code, result.stdout) == (2, ""), result.stderr
    kind = "stratum" if "stratified" in args else "cluster"
    assert result.stderr == (
        f"mlstats: error: every row misses a value in --by 'g', so there is no {kind} to draw "
        "from; choose another --by column\n")


@pytest.mark.parametrize(("args", "message"), [
    (["--n", "200"], "--n 200 is more than the 153 rows of the input; lower --n, or add "
     "--replace to draw with replacement"),
    (["--n", "200", "--method", "systematic"], "--n 200 is more than the 153 rows of the "
     "input; lower --n, or add --replace to draw with replacement"),
    (["--frac", "1.5"], "--frac must be in (0, 1] (got 1.5); for a number of rows use --n"),
    (["--frac", "0"], "--frac must be in (0, 1] (got 0); for a number of rows use --n"),
    (["--n", "5", "--frac", "0.1"], "give exactly one of --n (rows) and --frac (a fraction "
     "of the rows)"),
    ([], "give exactly one of --n (rows) and --frac (a fraction of the rows)"),
    (["--n", "5", "--method", "stratified"], "--method stratified needs --by COLUMN (the "
     "stratum of each row)"),
    (["--n", "5", "--method", "cluster", "--by", "Mont"], "column 'Mont' not found; did you "
     "mean 'Month'? columns are: Ozone, Solar.R, Wind, Temp, Month, Day"),
])
def test_bad_requests_are_one_line_exit_2(args, message):
    result = invoke("sample", AIR, *args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"mlstats: error: {message}\n"


def test_malformed_line_is_an_error_before_any_row(write_csv):
    path = write_csv("a,b\n1,2\n3\n4,5\n")
    for design in (["--n", "1"], ["--frac", "0.5", "--method", "systematic"]):
        result = invoke("sample", path, *design)
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr.startswith("mlstats: error: line 3: 1 fields, but the header")


def test_a_stray_quote_is_read_whole_with_the_same_rows(write_csv):
    path = write_csv('a,b\n1,5" screen\n2,x\n3,y\n')
    result = invoke("sample", path, "--n", "3", "--quiet")
    assert result.stdout == 'a,b\n1,5" screen\n2,x\n3,y\n'


def test_frac_that_rounds_to_nothing_warns():
    result = run(AIR, "--frac", "0.001", "--seed", "1")
    assert result.stdout == AIR_LINES[0] + "\n"
    assert "mlstats: warning: --frac 0.001 of 153 rows rounds to 0 rows: the sample is empty" \
        in result.stderr


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 153), st.integers(0, 10**6),
       st.sampled_from(["random", "systematic"]))
def test_sizes_are_exact(n, seed, method):
    result = invoke("sample", AIR, "--n", str(n), "--seed", str(seed), "--method", method,
                    "--quiet")
    assert len(rows_of(result.stdout)) == n


def test_standard_input_pipes_and_a_closed_pipe():
    done = run_process("sample", "-", "--n", "3", "--seed", "4", "--quiet", input=AIR_BYTES)
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 4
    again = run_process("sample", AIR, "--n", "3", "--seed", "4", "--quiet")
    assert again.stdout == done.stdout  # same seed, same bytes, file or pipe
    import subprocess
    import sys

    from tests.conftest import ROOT

    pipe = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m mlstats sample "{AIR}" --n 300000 --replace '
         '--quiet | head -1; echo "status ${PIPESTATUS[0]}"'],
        capture_output=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=60)
    assert pipe.stdout.decode() == AIR_LINES[0] + "\nstatus 141\n"
    assert pipe.stderr == b""


def test_a_run_without_seed_records_the_seed_that_repeats_it():
    first = run(AIR, "--n", "8", "--json")
    seed = json.loads(first.stderr)["provenance"]["seed"]
    assert isinstance(seed, int)
    assert run(AIR, "--n", "8", "--seed", str(seed), "--quiet").stdout == first.stdout
