"""`mlstats kmeans` end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from mlstats.io import ReadOptions, read_table
from mlstats.render import plain
from mlstats.stats.kmeans import kmeans
from tests.conftest import ROOT, SAMPLE, invoke, invoke_json, run_process

FAITHFUL = str(SAMPLE / "faithful.csv")
SINGLE_KEYS = ["k", "inertia", "explained_variance", "silhouette", "silhouette_sample",
               "iterations", "sizes", "centroids"]


def _faithful() -> np.ndarray:
    table = read_table(ReadOptions(source=FAITHFUL))
    return np.column_stack([table.numeric("eruptions"), table.numeric("waiting")])


# -- results --------------------------------------------------------------------------------------
def test_one_k_json_equals_the_stats_function():
    record = invoke_json("kmeans", FAITHFUL, "--k", "3", "--seed", "4")
    direct = plain(kmeans(_faithful(), names=["eruptions", "waiting"], k=3, seed=4).result)
    for key in [*SINGLE_KEYS, "columns", "scale", "n_init", "max_iter", "tol"]:
        assert record[key] == direct[key], key
    assert "elbow" not in record and "elbow_k" not in record
    assert record["centroids"][0]["name"] == "0" and set(record["centroids"][0]) == {
        "name", "eruptions", "waiting"}
    assert record["silhouette_sample"] is None and record["rows_used"] == 272
    assert record["provenance"]["seed"] == 4 and record["warnings"] == []


def test_sweep_json_has_the_elbow_and_the_chosen_k():
    record = invoke_json("kmeans", FAITHFUL, "--seed", "1")
    assert [row["k"] for row in record["elbow"]] == list(range(1, 11))
    assert set(record["elbow"][0]) == {"name", "k", "inertia", "explained_variance",
                                       "silhouette"}
    assert record["elbow"][0]["silhouette"] is None
    assert record["elbow_k"] == record["k"] == 2 and record["k_range"] == "1:10"
    chosen = record["elbow"][1]
    assert (record["inertia"], record["silhouette"]) == (chosen["inertia"],
                                                         chosen["silhouette"])
    assert record["warnings"] == ["silhouette is undefined for k = 1 (null)"]
    assert sum(record["sizes"]) == 272


def test_table_view_has_the_summary_elbow_table_and_curve():
    result = invoke("kmeans", FAITHFUL, "--seed", "1")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("mlstats kmeans\nElbow (Kneedle) at k = 2 over k = 1..10: inertia "
                          "8901.77, explained variance 0.824, silhouette 0.724; sizes 172, "
                          "100.\n")
    assert out.index("centroids") < out.index("elbow\n") < out.index(
        "elbow curve: inertia against k; | marks elbow_k = 2")
    assert "5.044e+04 ┤●" in out and "\x1b" not in out
    assert result.stderr == "mlstats: warning: silhouette is undefined for k = 1 (null)\n"


def test_csv_writes_the_main_table():
    sweep = invoke("kmeans", FAITHFUL, "--seed", "1", "--format", "csv", "--quiet")
    assert sweep.stdout.splitlines()[0] == "name,k,inertia,explained_variance,silhouette"
    assert sweep.stdout.splitlines()[1] == "1,1,50440.157025261025,0,"
    one = invoke("kmeans", FAITHFUL, "--k", "2", "--seed", "1", "--format", "csv")
    assert one.stdout.splitlines()[0] == "name,eruptions,waiting"
    assert len(one.stdout.splitlines()) == 3


def test_same_seed_is_byte_identical_across_processes():
    args = ("kmeans", FAITHFUL, "--k-range", "2:5", "--seed", "9", "--json")
    first, second = run_process(*args), run_process(*args)
    assert first.returncode == 0 and first.stdout == second.stdout
    record = json.loads(first.stdout)
    record["provenance"].pop("versions")
    assert record["provenance"]["seed"] == 9


def test_without_a_seed_the_drawn_one_is_recorded_and_repeats_the_run():
    first = invoke_json("kmeans", FAITHFUL, "--k-range", "2:4")
    seed = first["provenance"]["seed"]
    assert isinstance(seed, int)
    again = invoke_json("kmeans", FAITHFUL, "--k-range", "2:4", "--seed", str(seed))
    assert again["elbow"] == first["elbow"] and again["centroids"] == first["centroids"]


def test_scaling_reports_centroids_in_input_units():
    record = invoke_json("kmeans", FAITHFUL, "--k", "2", "--scale", "zscore", "--seed", "1")
    data = _faithful()
    waiting = sorted(row["waiting"] for row in record["centroids"])
    assert 40 < waiting[0] < 60 < waiting[1] < 90 and record["scale"] == "zscore"
    assert record["inertia"] < data.var(axis=0, ddof=1).sum() * 272  # the scaled space


def test_assert_on_the_elbow_table():
    result = invoke("kmeans", FAITHFUL, "--seed", "1", "--assert", "elbow.2.silhouette > 0.7",
                    "--assert", "elbow_k == 3", "--quiet")
    assert result.exit_code == 1
    assert result.stderr == "mlstats: assertion failed: elbow_k == 3 (elbow_k = 2)\n"


def test_default_columns_are_the_numeric_ones(write_csv):
    path = write_csv("id,label,x,y\n1,a,0,0\n2,b,0.1,0.2\n3,a,5,5\n4,b,5.1,5.3\n5,c,9,0\n")
    result = invoke("kmeans", path, "--k", "2", "--seed", "1", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["columns"] == ["id", "x", "y"]
    assert result.stderr == ("mlstats: warning: not numeric, left out: label (choose the "
                             "columns with --columns)\n")


def test_a_column_without_values_is_left_out_of_the_default_with_a_warning(write_csv):
    # every row misses b: by default b is left out (named), not every row
    path = write_csv("a,b,c\n1,,x\n2,,y\n3,,z\n10,,w\n")
    result = invoke("kmeans", path, "--k", "2", "--seed", "1", "--format", "json")
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert (record["columns"], record["rows_used"], record["sizes"]) == (["a"], 4, [3, 1])
    assert "mlstats: warning: no values, left out: b (choose the columns with --columns)" \
        in result.stderr.splitlines()


def test_rows_with_missing_values_are_left_out_and_counted(write_csv):
    path = write_csv("x,y\n0,0\n0.1,\n5,5\n,1\n5.2,5.1\n0.2,0.1\n")
    record = invoke_json("kmeans", path, "--k", "2", "--seed", "1")
    assert record["rows_used"] == 4 and sum(record["sizes"]) == 4
    assert record["provenance"]["rows_dropped"] == 2
    assert record["warnings"][0] == ("2 of 6 rows left out: a missing value in x, y "
                                     "(rows_used = 4)")


def test_reads_standard_input():
    data = (SAMPLE / "faithful.csv").read_bytes()
    done = run_process("kmeans", "-", "--k", "2", "--seed", "1", "--format", "csv",
                       input=data)
    assert done.returncode == 0 and done.stdout.startswith(b"name,eruptions,waiting\n0,")


# -- --assign ------------------------------------------------------------------------------------
def test_assign_writes_every_row_as_read_plus_its_cluster(write_csv):
    text = ('x,y,note\n0,0,"a, b"\n0.1,0.2,plain\n5.0,5,"two\nlines"\n 5.2 ,5.1,\n'
            '0.2,,missing y\n9,9.5,z\n')
    path = write_csv(text)
    result = invoke("kmeans", path, "--k", "3", "--columns", "x,y", "--seed", "1",
                    "--assign", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ('x,y,note,cluster\n0,0,"a, b",0\n0.1,0.2,plain,0\n'
                             '5.0,5,"two\nlines",1\n 5.2 ,5.1,,1\n0.2,,missing y,\n'
                             '9,9.5,z,2\n')
    warning, report = result.stderr.split("\n", 1)
    assert warning == ("mlstats: warning: 1 of 6 rows left out: a missing value in y "
                       "(rows_used = 5)")
    record = json.loads(report)
    assert record["command"] == "kmeans" and record["sizes"] == [2, 2, 1]


def test_assign_to_a_file_keeps_the_delimiter_line_ending_and_names_a_new_column(tmp_path):
    source = tmp_path / "d.tsv"
    source.write_bytes(b"cluster\tv\r\n1\t0.5\r\n2\t0.6\r\n3\t9\r\n")
    out = tmp_path / "out.tsv"
    result = invoke("kmeans", source, "--k", "2", "--columns", "v", "--seed", "1",
                    "--assign", "-o", out, "--quiet")
    assert result.exit_code == 0 and result.stdout == ""
    # rows as read: the input's \r\n line ending too (as clean and sample write them)
    assert out.read_bytes() == (b"cluster\tv\t_cluster\r\n1\t0.5\t0\r\n2\t0.6\t0\r\n"
                                b"3\t9\t1\r\n")
    assert result.stderr.startswith("mlstats kmeans\nk-means with k = 2: ")


def test_assign_without_a_header(write_csv):
    path = write_csv("1,2\n1,2.1\n8,9\n")
    result = invoke("kmeans", path, "--no-header", "--k", "2", "--seed", "1", "--assign",
                    "--quiet", "--format", "csv")
    assert result.stdout == "1,2,0\n1,2.1,0\n8,9,1\n"


def test_assign_with_a_sweep_uses_the_elbow():
    result = invoke("kmeans", FAITHFUL, "--seed", "1", "--assign", "--quiet", "--json")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    source = (SAMPLE / "faithful.csv").read_text().splitlines()
    assert lines[0] == source[0] + ",cluster" and len(lines) == 273
    assert all(line.rsplit(",", 1)[0] == row for line, row in zip(lines, source, strict=True))
    report = json.loads(result.stderr)
    counts = np.bincount([int(line.rsplit(",", 1)[1]) for line in lines[1:]])
    assert counts.tolist() == report["sizes"] and report["elbow_k"] == 2


def test_assign_leaves_rows_outside_where_unassigned(write_csv):
    path = write_csv("g,x\na,0\nb,0.2\na,5\na,5.1\nb,9\n")
    result = invoke("kmeans", path, "--where", 'g == "a"', "--k", "2", "--seed", "1",
                    "--assign", "--quiet", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "g,x,cluster\na,0,0\nb,0.2,\na,5,1\na,5.1,1\nb,9,\n"


def test_assign_of_a_parquet_input_is_exit_2(tmp_path):
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    path = tmp_path / "faithful.parquet"
    pq.write_table(pacsv.read_csv(FAITHFUL), path)
    assert invoke("kmeans", path, "--k", "2", "--seed", "1", "--json").exit_code == 0
    result = invoke("kmeans", path, "--k", "2", "--assign")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("mlstats: error: --assign copies the input's CSV rows as read, "
                             "and a Parquet file has none; convert the input to CSV, or drop "
                             "--assign\n")


def test_assign_without_an_elbow_is_exit_2():
    result = invoke("kmeans", FAITHFUL, "--k-range", "2:3", "--assign")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.endswith(
        "mlstats: error: --assign needs a k, and the sweep over --k-range 2:3 found no elbow; "
        "give --k\n")


def test_assign_into_a_closed_pipe_is_quiet_141(tmp_path):
    rows = "\n".join(f"{i % 7},{i % 11}" for i in range(40_000))
    path = tmp_path / "d.csv"
    path.write_text(f"a,b\n{rows}\n")
    shell = (f"{sys.executable} -m mlstats kmeans {path} --k 3 --seed 1 --assign --quiet "
             "| head -c 10 >/dev/null; echo ${PIPESTATUS[0]}")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(["bash", "-c", shell], capture_output=True, env=env, timeout=120)
    assert done.stdout.strip() == b"141"


# -- --plot -------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [[], ["--k", "3"], ["--k", "2", "--columns", "waiting"]])
def test_plot_writes_a_png(tmp_path, args):
    path = tmp_path / "plot.png"
    result = invoke("kmeans", FAITHFUL, "--seed", "1", "--plot", path, "--quiet", *args)
    assert result.exit_code == 0, result.stderr
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _drawn(monkeypatch: pytest.MonkeyPatch) -> list:
    """What each saved figure's first axes show: its legend labels and its x label."""
    from mlstats.render import plot

    seen: list = []
    real = plot.save_figure

    def save(figure, path):
        axes = figure.axes[0]
        seen.append((axes.get_legend_handles_labels()[1], axes.get_xlabel(),
                     [len(c.get_offsets()) for c in axes.collections]))
        real(figure, path)

    monkeypatch.setattr(plot, "save_figure", save)
    return seen


def test_the_elbow_plot_marks_the_chosen_k(tmp_path, monkeypatch):
    seen = _drawn(monkeypatch)
    record = invoke_json("kmeans", FAITHFUL, "--seed", "1", "--plot", tmp_path / "e.png")
    labels, xlabel, _ = seen[0]
    assert xlabel == "k" and f"elbow (Kneedle): k = {record['elbow_k']}" in labels


def test_the_cluster_plot_colours_each_cluster_and_marks_the_centroids(tmp_path, monkeypatch):
    seen = _drawn(monkeypatch)
    record = invoke_json("kmeans", FAITHFUL, "--seed", "1", "--k", "3", "--plot",
                         tmp_path / "c.png")
    labels, xlabel, points = seen[0]
    assert labels == ["cluster 0", "cluster 1", "cluster 2", "centroids"]
    assert xlabel == "first principal component"
    assert points == [*record["sizes"], 3]  # every row in its cluster's colour, 3 centroids


def test_plot_onto_the_input_is_exit_2():
    result = invoke("kmeans", FAITHFUL, "--plot", FAITHFUL)
    assert result.exit_code == 2
    assert result.stderr == (f"mlstats: error: --plot '{FAITHFUL}' is the input file; write "
                             "it somewhere else\n")


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("args", "message"), [
    (["--k", "0"], "--k must be 1 or more (got 0)"),
    (["--k-range", "5:2"], "--k-range '5:2' is not a range FROM:TO of whole numbers with 1 ≤ "
                           "FROM ≤ TO; e.g. --k-range 1:10"),
    (["--k-range", "a:b"], "--k-range 'a:b' is not a range FROM:TO of whole numbers with 1 ≤ "
                           "FROM ≤ TO; e.g. --k-range 1:10"),
    (["--k-range", "0:3"], "--k-range '0:3' is not a range FROM:TO of whole numbers with 1 ≤ "
                           "FROM ≤ TO; e.g. --k-range 1:10"),
    (["--n-init", "0"], "--n-init must be 1 or more (got 0)"),
    (["--k", "2", "--k-range", "1:3"], "give --k (one fit) or --k-range (a sweep), not both"),
    (["--k", "300"], "--k 300 is more than the 256 distinct points in the data; give --k 256 "
                     "or less"),
    (["--columns", "waiting,waiting"], "--columns names 'waiting' twice; give each column "
                                       "once"),
    (["--scale", "unit"], "invalid value for '--scale': 'unit' is not one of 'none', "
                          "'zscore', 'minmax'; see mlstats kmeans --help"),
])
def test_bad_options_are_one_line_exit_2(args, message):
    result = invoke("kmeans", FAITHFUL, *args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"mlstats: error: {message}\n"


def test_bad_data_is_one_line_exit_2(write_csv):
    text = write_csv("a,b\nx,y\nz,w\n", "text.csv")
    constant = write_csv("a,b\n1,5\n2,5\n3,5\n", "constant.csv")
    named = write_csv("name,b\n1,5\n2,6\n3,7\n", "named.csv")
    cases = [
        (text, [], "no numeric column to cluster; the columns are: a, b (give numeric ones "
                   "with --columns)"),
        (constant, ["--k", "2", "--scale", "zscore"],
         "column 'b' is constant (standard deviation 0), so --scale zscore cannot scale it; "
         "leave it out of --columns, or use --scale minmax or none"),
        (named, ["--k", "2"], "a column named 'name' cannot be clustered: each centroid's "
                              "'name' is its cluster; rename the column"),
    ]
    empty = write_csv("a,b,c\n1,,x\n2,,y\n3,,z\n", "empty.csv")
    cases += [
        (empty, ["--k", "2", "--columns", "a,b"], "column 'b' has no values, so every row "
                                                  "would be left out; leave it out of --columns"),
        (write_csv("a,b\n,\n,\n", "none.csv"), ["--k", "1"],
         "columns 'a', 'b' have no values, so every row would be left out; give columns with "
         "values with --columns"),
    ]
    for path, args, message in cases:
        result = invoke("kmeans", path, *args)
        assert (result.exit_code, result.stdout) == (2, ""), message
        assert result.stderr == f"mlstats: error: {message}\n"
