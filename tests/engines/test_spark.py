"""The cross-engine suite with Spark added: the same commands through `--engine local` and
`--engine spark` (a local Spark Connect server, see conftest.py): equal counts, floats within
1e-9 relative, approximate quantiles within their stated rank bound."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SAMPLE, invoke
from tests.engines.test_cross_engine import AB_TESTS, BOOTSTRAP, DESCRIBE, ab_csv  # noqa: F401

pytestmark = pytest.mark.spark

REL = 1e-9
APPROXIMATE = ("q1", "median", "q3", "iqr")


def record(*args: str, engine: str, remote: str | None = None) -> dict:
    extra = ("--remote", remote) if engine == "spark" else ()
    result = invoke(*args, "--json", "--engine", engine, *extra)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def assert_same(local, spark, path: str = "", skip: tuple[str, ...] = ()) -> None:
    """Equal structure and counts; floats within REL (1e-12 absolute for values that are 0
    up to rounding); keys in `skip` are compared by the caller."""
    if isinstance(local, dict):
        assert isinstance(spark, dict), path
        extra = {"approximate", "quantiles"} if path == ".provenance" else set()
        assert set(local) | extra == set(spark) | extra, path
        for key in local:
            if key in ("sha256", "engine", "versions", "exact", "input") or key in skip:
                continue
            assert_same(local[key], spark[key], f"{path}.{key}", skip)
    elif isinstance(local, list):
        assert isinstance(spark, list) and len(local) == len(spark), path
        for i, (a, b) in enumerate(zip(local, spark, strict=True)):
            assert_same(a, b, f"{path}[{i}]", skip)
    elif isinstance(local, float) and isinstance(spark, float):
        assert math.isclose(local, spark, rel_tol=REL, abs_tol=1e-12), (path, local, spark)
    else:
        assert local == spark, (path, local, spark)


def _warnings_without_quantiles(found: dict) -> dict:
    found = dict(found)
    found["warnings"] = [w for w in found["warnings"] if "percentile_approx" not in w]
    return found


def _sorted_values(args: list[str]) -> dict[str, np.ndarray]:
    """The sorted values of each column (and group) of a describe run, by its name."""
    frame = pd.read_csv(args[0])
    if "--where" in args:
        left, _op, right = args[args.index("--where") + 1].split()
        frame = frame[frame[left] >= float(right)]
    by = args[args.index("--by") + 1] if "--by" in args else None
    found = {}
    for column in frame.select_dtypes("number").columns:
        if column == by:
            continue
        if by is None:
            found[column] = np.sort(frame[column].dropna().to_numpy())
        else:
            for key, part in frame.groupby(by, sort=False):
                found[f"{column}[{key}]"] = np.sort(part[column].dropna().to_numpy())
    return found


@pytest.mark.parametrize("args", DESCRIBE, ids=lambda a: " ".join(a[1:]) or a[0][-14:])
def test_describe_agrees(spark_remote, args):
    local = record("describe", *args, engine="local")
    spark = record("describe", *args, engine="spark", remote=spark_remote)
    assert_same(_warnings_without_quantiles(local), _warnings_without_quantiles(spark),
                skip=APPROXIMATE)
    assert spark["provenance"]["exact"] is False
    assert spark["provenance"]["approximate"] == list(APPROXIMATE)
    bound = spark["provenance"]["quantiles"]["rank_error"]
    values = _sorted_values(args)
    for row in spark["columns"]:
        x = values[row["name"]]
        n = x.size
        for key, p in (("q1", 0.25), ("median", 0.5), ("q3", 0.75)):
            # within rank_error·n ranks of the exact rank (n − 1)p, as an order statistic
            h = (n - 1) * p
            low = x[max(0, math.floor(h - bound * n))]
            high = x[min(n - 1, math.ceil(h + bound * n))]
            assert low <= row[key] <= high, (row["name"], key, row[key], low, high)


@pytest.mark.parametrize("args", DESCRIBE, ids=lambda a: " ".join(a[1:]) or a[0][-14:])
def test_describe_exact_quantiles_agree(spark_remote, args):
    local = record("describe", *args, engine="local")
    spark = record("describe", *args, "--exact-quantiles", engine="spark", remote=spark_remote)
    assert_same(local, spark)
    assert spark["provenance"]["exact"] is True


def test_record_names_spark_and_its_version(spark_remote, ab_csv):  # noqa: F811
    found = record("describe", ab_csv, "--columns", "pre", engine="spark",
                   remote=spark_remote)["provenance"]
    assert found["engine"] == "spark"
    assert found["versions"]["spark"].split(".")[0] == "4"
    assert (found["rows_read"], found["rows_used"]) == (3000, 3000)


@pytest.mark.parametrize("args", AB_TESTS, ids=" ".join)
def test_ab_test_agrees(spark_remote, ab_csv, args):  # noqa: F811
    assert_same(record("ab-test", ab_csv, *args, engine="local"),
                record("ab-test", ab_csv, *args, engine="spark", remote=spark_remote))


def test_ab_test_on_sample_data_agrees(spark_remote):
    path = str(SAMPLE / "toothgrowth.csv")
    for test in ("welch", "mannwhitney"):
        args = ("ab-test", path, "--group", "supp", "--metric", "len", "--test", test)
        assert_same(record(*args, engine="local"),
                    record(*args, engine="spark", remote=spark_remote))


ROWS_ONLY = ("residuals", "diagnostics", "influential")
REGRESSION = [
    [str(SAMPLE / "cars.csv"), "--y", "dist", "--x", "speed"],
    [str(SAMPLE / "trees.csv"), "--y", "Volume", "--x", "Girth,Height", "--predict",
     "Girth=10,Height=70", "--predict", "Girth=8,Height=87"],
    [str(SAMPLE / "trees.csv"), "--y", "Volume", "--x", "Girth,Height", "--no-intercept",
     "--anova"],
    [str(SAMPLE / "airquality.csv"), "--y", "Ozone", "--x", "Solar.R,Wind,Temp", "--where",
     "Month > 6"],
    [str(SAMPLE / "clicks.csv"), "--y", "clicked", "--x", "x1,x2", "--logistic"],
    [str(SAMPLE / "clicks.csv"), "--y", "clicked", "--x", "x1,x2", "--logistic", "--predict",
     "x1=0.5,x2=-1"],
]


@pytest.mark.parametrize("args", REGRESSION, ids=lambda a: " ".join(a[1:]))
def test_regression_agrees(spark_remote, args):
    local = record("regression", *args, engine="local")
    spark = record("regression", *args, engine="spark", remote=spark_remote)
    assert_same({**local, "warnings": []}, {**spark, "warnings": []}, skip=ROWS_ONLY)
    if local["model"] == "ols":
        assert [spark[key] for key in ROWS_ONLY] == [None, None, []]
        assert spark["warnings"] == [*local["warnings"], (
            "residuals, diagnostics and influential are null: they need every row's "
            "residual, which this engine does not bring back")]
    else:
        assert spark["warnings"] == local["warnings"]


def test_ols_is_sql_aggregates_in_two_passes(spark_remote, monkeypatch):
    # one pass of accounting, ranges and centred moments (the Gram), one residual pass; no
    # Python workers (the R factors of mapInArrow are for logistic regression's start only)
    from mlstats.engines import spark_tasks

    def refuse() -> None:
        raise AssertionError("least squares sent Python to the workers")
    monkeypatch.setattr(spark_tasks, "register", refuse)
    args = ("regression", str(SAMPLE / "trees.csv"), "--y", "Volume", "--x", "Girth,Height",
            "--predict", "Girth=10,Height=70")
    local = record(*args, engine="local")
    queries = _queries(monkeypatch)
    spark = record(*args, engine="spark", remote=spark_remote)
    assert len(queries) == 2
    assert_same({**local, "warnings": []}, {**spark, "warnings": []}, skip=ROWS_ONLY)


@pytest.mark.parametrize(("values", "passes"), [("offset", 2), ("huge", 3),
                                                ("overflowing", 3)])
def test_ols_with_offset_or_extreme_values_agrees(spark_remote, tmp_path, monkeypatch, values,
                                                  passes):
    # columns a million standard deviations from 0 (Spark's centred moments lose no digits:
    # no pass more), or y beyond the magnitude (2^400) from which it is divided by a power of
    # two (the first pass's moments, in the data's units, are not used: the Gram is taken
    # again in the exact units; for 1e305 the moments overflow)
    rng = np.random.default_rng(7)
    x1, x2 = rng.normal(size=2000), rng.normal(size=2000)
    y = 1 + 2 * x1 - x2 + rng.normal(scale=0.5, size=2000)
    if values == "offset":
        x1, y = x1 + 1e6, y + 3e6
    else:
        y[3:] *= 1e125 if values == "huge" else 1e305
    path = _write(tmp_path / "ols.csv", "x1,x2,y", zip(x1.tolist(), x2.tolist(), y.tolist(),
                                                        strict=True))
    args = ("regression", path, "--y", "y", "--x", "x1,x2", "--predict", "x1=0.5,x2=1")
    local = record(*args, engine="local")
    queries = _queries(monkeypatch)
    spark = record(*args, engine="spark", remote=spark_remote)
    assert len(queries) == passes
    assert_same({**local, "warnings": []}, {**spark, "warnings": []}, skip=ROWS_ONLY)


def _ols_parquet(tmp_path, case: str) -> str:
    """2000 rows of x1, x2, y = 1 + 2·x1 − x2 + noise as Parquet, changed by `case`."""
    rng = np.random.default_rng(11)
    x1, x2 = rng.normal(size=2000), rng.normal(size=2000)
    y = 1 + 2 * x1 - x2 + rng.normal(scale=0.5, size=2000)
    if case == "offset":  # a million standard deviations from 0
        x1, y = x1 + 1e6, y + 3e6
    elif case == "huge":  # y divided by a power of two (beyond 2^400)
        y = y * 1e125
    elif case == "tiny":
        x2 = x2 * 1e-130
    elif case == "missing":  # a null, a NaN (missing as the local reader reads it)
        x1[[5, 70]] = np.nan
        y[[9]] = np.nan
    elif case == "constant":
        y = np.full(2000, 2.5)
    elif case == "late":  # y the same in the first rows (beyond the 1,000 of the shift) only
        y[:1500] = 2.5
    frame = pd.DataFrame({"x1": x1, "x2": x2, "y": y})
    if case == "missing":
        frame["y"] = frame["y"].astype("object").where(frame.index != 100, None)
        frame["y"] = frame["y"].astype("float64")
    path = tmp_path / "ols.parquet"
    frame.to_parquet(path, index=False)
    return str(path)


@pytest.mark.parametrize(("case", "options", "passes"), [
    ("plain", (), 3), ("offset", (), 4), ("huge", (), 5), ("tiny", (), 5),
    ("missing", (), 4), ("plain", ("--where", "x2 > -1"), 4),
    ("plain", ("--predict", "x1=0.5,x2=1"), 3)])
def test_ols_on_parquet_agrees(spark_remote, tmp_path, monkeypatch, case, options, passes):
    # Parquet: the first rows beside one pass over all rows (rows read and used, the Gram
    # over the used ones about 0), one residual pass; the pass about 0 is cancelled and run
    # again about the first rows' mean when they lie far from 0 (offset: one more query);
    # the accounting of all rows only when a row was left out, the ranges only when the
    # units are not bounded within 2^±400 (then the Gram again in power-of-two units)
    args = ("regression", _ols_parquet(tmp_path, case), "--y", "y", "--x", "x1,x2", *options)
    local, spark = _both_in(passes, args, spark_remote, monkeypatch)
    assert spark["provenance"]["rows_used"] == local["provenance"]["rows_used"]
    assert_same({**local, "warnings": []}, {**spark, "warnings": []}, skip=ROWS_ONLY)


def test_a_speculative_query_is_cancelled_or_kept(spark_remote):
    # `speculating`: the query runs in a thread at once; its records when kept, None when
    # cancelled (a query of a minute ends within seconds), and the session serves on
    import time

    from mlstats.engines import open_spark
    from mlstats.io.options import ReadOptions

    with open_spark(ReadOptions(source=str(SAMPLE / "cars.csv"), engine="spark",
                                remote=spark_remote)) as src:
        F = src.F
        small = src.spark.range(10).agg(F.sum("id").alias("s"))
        with src.speculating(small) as (found, _cancel):
            assert found.result() == [{"s": 45}]
        # about a minute's work in many short tasks (a task runs on when its job is
        # cancelled; no new one starts)
        endless = src.spark.range(0, 10**10, 1, 5000).agg(F.sum(F.sqrt("id")).alias("s"))
        start = time.perf_counter()
        with src.speculating(endless) as (found, cancel):
            time.sleep(0.5)
            cancel()
            assert found.result() is None
        assert time.perf_counter() - start < 15
        with src.speculating(endless) as (found, cancel):  # cancelled before it starts
            cancel()
            assert found.result() is None
        assert src.records(small) == [{"s": 45}]


def test_ols_with_y_constant_in_its_first_rows_only_agrees(spark_remote, tmp_path):
    # the first rows' y all equal: a count of the rows whose y differs decides
    args = ("regression", _ols_parquet(tmp_path, "late"), "--y", "y", "--x", "x1,x2")
    local = record(*args, engine="local")
    spark = record(*args, engine="spark", remote=spark_remote)
    assert_same({**local, "warnings": []}, {**spark, "warnings": []}, skip=ROWS_ONLY)


def test_ols_keeps_a_pass_about_0_that_ended_before_its_cancel(spark_remote, tmp_path,
                                                                 monkeypatch):
    # first rows far from 0 cancel the pass about 0; when that pass has already ended, its
    # sums serve (the fit judges the shift, and takes the Gram again about the means)
    import contextlib
    from concurrent.futures import Future

    from mlstats.engines.spark_engine import SparkSource

    @contextlib.contextmanager
    def ended(self, frame, delay=0.0):
        future: Future = Future()
        future.set_result(self.records(frame))
        yield future, lambda: None
    monkeypatch.setattr(SparkSource, "speculating", ended)
    args = ("regression", _ols_parquet(tmp_path, "offset"), "--y", "y", "--x", "x1,x2")
    local, spark = _both_in(4, args, spark_remote, monkeypatch)
    assert_same({**local, "warnings": []}, {**spark, "warnings": []}, skip=ROWS_ONLY)


def test_ols_refines_only_fits_that_need_it(spark_remote, tmp_path, monkeypatch):
    # Q'e (the semi-normal equations' correction) is taken for an ill-conditioned fit
    # (Longley) and left out for a well-conditioned one; when every row of a Parquet input
    # is used, the residual pass reads the columns as stored (no cleaning, no filter)
    from mlstats.engines.spark_regression import SparkRows
    from tests.conftest import NIST

    seen = []
    residual_pass = SparkRows.residual_pass

    def recorded(self, model):
        seen.append((model.refine, self.rows is self.src.frame))
        return residual_pass(self, model)
    monkeypatch.setattr(SparkRows, "residual_pass", recorded)
    record("regression", _ols_parquet(tmp_path, "plain"), "--y", "y", "--x", "x1,x2",
           engine="spark", remote=spark_remote)
    assert seen == [(False, True)]
    seen.clear()
    path = NIST / "Longley.csv"
    xs = [c for c in path.read_text().splitlines()[0].split(",") if c != "y"]
    record("regression", str(path), "--y", "y", "--x", ",".join(xs), engine="spark",
           remote=spark_remote)
    assert seen and all(refine and not stored for refine, stored in seen)


def test_ols_on_parquet_errors_agree(spark_remote, tmp_path):
    # a constant y; an infinity in a used row, and in a row left out for a missing y
    path = _ols_parquet(tmp_path, "constant")
    args = ("regression", path, "--y", "y", "--x", "x1,x2")
    local = invoke(*args, "--engine", "local")
    spark = invoke(*args, "--engine", "spark", "--remote", spark_remote)
    assert spark.exit_code == local.exit_code == 2
    assert spark.stderr == local.stderr
    for row, y in ((7, 1.0), (7, None)):
        frame = pd.DataFrame({"x1": np.arange(50.0), "x2": np.arange(50.0) ** 0.5,
                              "y": np.arange(50.0) % 7})
        frame.loc[row, "x1"] = np.inf
        frame.loc[row, "y"] = np.nan if y is None else y
        frame.to_parquet(tmp_path / "inf.parquet", index=False)
        args = ("regression", str(tmp_path / "inf.parquet"), "--y", "y", "--x", "x1,x2")
        spark = invoke(*args, "--engine", "spark", "--remote", spark_remote)
        assert spark.exit_code == 2
        assert "column 'x1' holds an infinite or overflowing number 'Infinity'" in spark.stderr


def test_ols_without_rows_says_so(spark_remote, write_csv):
    path = write_csv("x,y\n1,2\n2,3\n3,5\n")
    args = ("regression", path, "--y", "y", "--x", "x", "--where", "x > 10")
    local = invoke(*args, "--engine", "local")
    spark = invoke(*args, "--engine", "spark", "--remote", spark_remote)
    assert spark.exit_code == local.exit_code == 2
    assert spark.stderr == local.stderr == (
        "mlstats: error: too few rows: 0 rows for 2 coefficients (intercept, x); the fit "
        "needs at least 3\n")


@pytest.mark.parametrize("name", ["Longley", "Norris", "NoInt1", "NoInt2"])
def test_nist_certified_values_through_spark(spark_remote, name):
    from tests.conftest import NIST
    from tests.stats.test_nist import CERTIFIED, GOALS, lre

    info = CERTIFIED[name]
    path = NIST / f"{name}.csv"
    columns = path.read_text().splitlines()[0].split(",")
    args = ["regression", str(path), "--y", "y", "--x", ",".join(c for c in columns
                                                                   if c != "y")]
    if not info["intercept"]:
        args.append("--no-intercept")
    found = record(*args, "--quiet", engine="spark", remote=spark_remote)
    certified = info["coefficients"]
    worst = min(
        min(lre(c["estimate"], r["estimate"]) for c, r in zip(found["coefficients"], certified,
                                                               strict=True)),
        min(lre(c["std_error"], r["std_error"]) for c, r in zip(found["coefficients"],
                                                                certified, strict=True)),
        lre(found["residual_std_error"], info["residual_std_dev"]),
        lre(found["r2"], info["r_squared"]))
    assert worst >= GOALS[name], (name, worst)


PRECISION_RECALL = [
    ["--true", "label", "--score", "score"],
    ["--true", "label", "--score", "score", "--threshold", "0.3", "--beta", "2",
     "--target-precision", "0.8"],
    ["--true", "label", "--score", "score", "--ci", "--seed", "3", "--resamples", "300"],
]


@pytest.mark.parametrize("args", PRECISION_RECALL, ids=" ".join)
def test_precision_recall_agrees(spark_remote, args):
    path = str(SAMPLE / "scores.csv")
    assert_same(record("precision-recall", path, *args, engine="local"),
                record("precision-recall", path, *args, engine="spark", remote=spark_remote))


def test_precision_recall_bins_many_scores(spark_remote, monkeypatch):
    # beyond the limit of distinct scores: bins of equal width, the --threshold an edge
    from mlstats.engines import spark_summaries

    monkeypatch.setattr(spark_summaries, "DISTINCT_SCORES", 20)
    args = ("precision-recall", str(SAMPLE / "scores.csv"), "--true", "label", "--score",
            "score", "--threshold", "0.4")
    local = record(*args, engine="local")
    spark = record(*args, engine="spark", remote=spark_remote)
    assert spark["provenance"]["score_bins"] == 20
    assert "roc_auc" in spark["provenance"]["approximate"]
    for key in ("tp", "fp", "fn", "tn", "precision", "recall", "f1", "support"):
        assert spark[key] == local[key], key
    assert abs(spark["roc_auc"] - local["roc_auc"]) < 0.05
    assert abs(spark["average_precision"] - local["average_precision"]) < 0.05


CORRELATE = [
    [str(SAMPLE / "airquality.csv")],
    [str(SAMPLE / "airquality.csv"), "--columns", "Ozone,Temp,Wind", "--correction", "holm",
     "--where", "Month >= 7"],
    [str(SAMPLE / "trees.csv"), "--confidence", "0.9"],
]


@pytest.mark.parametrize("args", CORRELATE, ids=lambda a: " ".join(a[1:]) or a[0][-14:])
def test_correlate_agrees(spark_remote, args):
    assert_same(record("correlate", *args, engine="local"),
                record("correlate", *args, engine="spark", remote=spark_remote))


def test_correlate_constant_column_agrees(spark_remote, write_csv):
    path = write_csv("a,b,c\n1,5,2\n2,5,4\n3,5,5\n4,5,9\n,5,1\n")
    assert_same(record("correlate", path, engine="local"),
                record("correlate", path, engine="spark", remote=spark_remote))


def _sample(remote: str, path: str, *extra: str) -> tuple[list[str], dict]:
    result = invoke("sample", path, "--n", "20", "--seed", "7", "--format", "json", "--quiet",
                    "--engine", "spark", "--remote", remote, *extra)
    assert result.exit_code == 0, result.stderr
    return result.stdout.splitlines(), json.loads(result.stderr)


def test_sample_is_the_same_rows_however_the_input_is_split(spark_remote, tmp_path):
    lines = (SAMPLE / "airquality.csv").read_text().splitlines()
    header, rows = lines[0], lines[1:]
    whole = tmp_path / "whole.csv"
    whole.write_text("\n".join(lines) + "\n")
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, start in enumerate(range(0, len(rows), 40)):
        (parts / f"part-{i}.csv").write_text("\n".join([header, *rows[start:start + 40]]) + "\n")
    drawn, report = _sample(spark_remote, str(whole))
    assert drawn == _sample(spark_remote, str(parts))[0]
    assert drawn[0] == header and len(drawn) == 21
    assert set(drawn[1:]) <= set(rows)
    # in input order, 20 distinct rows of the 153 (airquality has no duplicate rows)
    assert [rows.index(r) for r in drawn[1:]] == sorted(rows.index(r) for r in drawn[1:])
    assert (report["population"], report["sample_size"]) == (153, 20)
    assert report["provenance"]["engine"] == "spark"
    other, _ = _sample(spark_remote, str(whole), "--where", "Month >= 7")
    assert other != drawn and len(other) == 21


def test_sample_refuses_other_methods_naming_the_engine(spark_remote):
    result = invoke("sample", str(SAMPLE / "airquality.csv"), "--n", "5", "--method",
                    "systematic", "--engine", "spark", "--remote", spark_remote)
    assert result.exit_code == 2
    assert result.stderr == ("mlstats: error: --method systematic runs on --engine local "
                             "only, not on --engine spark; use --engine local\n")


@pytest.mark.parametrize("args", [AB_TESTS[4], AB_TESTS[7]], ids=" ".join)
def test_ab_test_agrees_without_a_pilot(spark_remote, ab_csv, monkeypatch, args):  # noqa: F811
    # the head is one row: groups first seen later are ordered by a pass over all rows
    from mlstats.engines import spark_engine

    monkeypatch.setattr(spark_engine, "HEAD_ROWS", 1)
    assert_same(record("ab-test", ab_csv, *args, engine="local"),
                record("ab-test", ab_csv, *args, engine="spark", remote=spark_remote))


def _queries(monkeypatch) -> list[int]:
    """A list that counts the queries of a Spark run (each `SparkSource.collect` or
    `SparkSource.table`)."""
    from mlstats.engines.spark_engine import SparkSource

    found: list[int] = []
    for name in ("collect", "table"):
        def counted(self, frame, run=getattr(SparkSource, name)):
            found.append(1)
            return run(self, frame)
        monkeypatch.setattr(SparkSource, name, counted)
    return found


def _both_in(queries: int, args, spark_remote: str, monkeypatch) -> tuple[dict, dict]:
    """The local and the Spark record of a run, asserting the Spark run's query count."""
    local = record(*args, engine="local")
    counted = _queries(monkeypatch)
    spark = record(*args, engine="spark", remote=spark_remote)
    assert len(counted) == queries
    return local, spark


def _write(path, header: str, rows) -> str:
    path.write_text(header + "\n" + "\n".join(",".join(repr(v) if isinstance(v, float)
                                                         else str(v) for v in row)
                                                for row in rows) + "\n")
    return str(path)


def test_ab_test_reads_the_data_once(spark_remote, ab_csv, monkeypatch):  # noqa: F811
    # the head (the first rows: a shift, each group's first row), then one pass
    args = ("ab-test", ab_csv, "--group", "variant", "--metric", "revenue")
    local = record(*args, engine="local")
    queries = _queries(monkeypatch)
    spark = record(*args, engine="spark", remote=spark_remote)
    assert len(queries) == 2
    assert_same(local, spark)


@pytest.mark.parametrize("head", [3, 20_000])
def test_ab_test_with_extreme_first_rows_agrees(spark_remote, tmp_path, monkeypatch, head):
    # the first rows far from the rest: a shift from them is caught as far from the means
    # and the sums are taken again about them (head 3); or the shift is a mean of all rows
    from mlstats.engines import spark_engine

    monkeypatch.setattr(spark_engine, "HEAD_ROWS", head)
    rng = np.random.default_rng(11)
    rows = [("A" if i % 2 else "B", 1e9 + i) for i in range(3)]
    rows += [("A" if i % 3 else "B", float(v)) for i, v in
             enumerate(rng.normal(2.0, 1e-3, size=400))]
    path = _write(tmp_path / "extreme.csv", "g,m", rows)
    for test in ("welch", "student"):
        args = ("ab-test", path, "--group", "g", "--metric", "m", "--test", test)
        assert_same(record(*args, engine="local"),
                    record(*args, engine="spark", remote=spark_remote))


def test_ab_test_over_several_files_orders_groups_by_the_first_file(spark_remote, tmp_path):
    # the head reads the first file by name: groups in order of first appearance
    rng = np.random.default_rng(3)
    rows = [("second" if i < 30 else "first", float(v))
            for i, v in enumerate(rng.normal(size=120))]
    whole = _write(tmp_path / "whole.csv", "g,m", rows)
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, start in enumerate(range(0, len(rows), 50)):
        _write(parts / f"part-{i}.csv", "g,m", rows[start:start + 50])
    local = record("ab-test", whole, "--group", "g", "--metric", "m", engine="local")
    spark = record("ab-test", str(parts), "--group", "g", "--metric", "m", engine="spark",
                   remote=spark_remote)
    assert [g["name"] for g in spark["groups"]] == ["second", "first"]
    assert_same({**local, "provenance": None}, {**spark, "provenance": None})


def test_describe_by_group_over_several_files(spark_remote, tmp_path):
    # several files: groups in order of first appearance by (file, split, row)
    lines = (SAMPLE / "toothgrowth.csv").read_text().splitlines()
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, start in enumerate(range(1, len(lines), 25)):
        (parts / f"part-{i}.csv").write_text("\n".join([lines[0], *lines[start:start + 25]])
                                             + "\n")
    args = ("describe", "--by", "dose", "--exact-quantiles")
    local = record(args[0], str(SAMPLE / "toothgrowth.csv"), *args[1:], engine="local")
    spark = record(args[0], str(parts), *args[1:], engine="spark", remote=spark_remote)
    assert [c["name"] for c in spark["columns"]] == [c["name"] for c in local["columns"]]
    assert_same({**local, "provenance": None}, {**spark, "provenance": None})


def _by_first_column(centroids: list[dict]) -> list[float]:
    """The centroids' coordinates, the clusters in order of their first coordinate."""
    rows = sorted(tuple(v for k, v in c.items() if k != "name") for c in centroids)
    return [v for row in rows for v in row]


@pytest.mark.parametrize("scale", ["none", "zscore", "minmax"])
def test_kmeans_one_k_agrees(spark_remote, scale):
    # faithful's two clusters: one optimum, which k-means|| and k-means++ both reach
    args = ("kmeans", str(SAMPLE / "faithful.csv"), "--k", "2", "--seed", "1", "--scale", scale)
    local = record(*args, engine="local")
    spark = record(*args, engine="spark", remote=spark_remote)
    assert spark["algorithm"] == "spark.ml KMeans (k-means||)" and spark["n_init"] == 1
    assert _by_first_column(spark["centroids"]) == pytest.approx(
        _by_first_column(local["centroids"]), rel=REL)
    assert sorted(spark["sizes"]) == sorted(local["sizes"])
    for key in ("inertia", "explained_variance", "silhouette"):
        assert math.isclose(spark[key], local[key], rel_tol=REL), key
    assert spark["provenance"]["engine"] == "spark" and spark["provenance"]["versions"]["spark"]


def test_kmeans_sweep_agrees(spark_remote):
    args = ("kmeans", str(SAMPLE / "faithful.csv"), "--k-range", "1:4", "--seed", "3",
            "--where", "waiting > 40")
    local = record(*args, engine="local")
    spark = record(*args, engine="spark", remote=spark_remote)
    assert [p["k"] for p in spark["elbow"]] == [1, 2, 3, 4]
    assert spark["elbow_k"] == local["elbow_k"]
    for mine, theirs in zip(spark["elbow"][:2], local["elbow"][:2], strict=True):
        assert math.isclose(mine["inertia"], theirs["inertia"], rel_tol=REL)
    # a local optimum of k-means can only be worse than scikit-learn's best of 10 by a little
    for mine, theirs in zip(spark["elbow"][2:], local["elbow"][2:], strict=True):
        assert theirs["inertia"] * (1 - 1e-9) <= mine["inertia"] <= theirs["inertia"] * 1.05
    assert spark["rows_used"] == local["rows_used"]
    assert spark["warnings"] == local["warnings"]


@pytest.mark.parametrize("args", BOOTSTRAP, ids=lambda a: " ".join(a[1:]))
def test_poisson_bootstrap_agrees(spark_remote, args):
    # the same counter-based Poisson resamples (keyed on seed, row number, resample) as the
    # local engine's --scheme poisson
    args = ["bootstrap", *args, "--seed", "11", "--scheme", "poisson"]
    assert_same(record(*args, engine="local"), record(*args, engine="spark", remote=spark_remote))


def test_spark_bootstrap_is_poisson_and_says_so(spark_remote):
    args = ["bootstrap", str(SAMPLE / "airquality.csv"), "--column", "Ozone", "--seed", "4",
            "--resamples", "999"]
    spark = record(*args, engine="spark", remote=spark_remote)
    assert spark["provenance"]["exact"] is False
    assert spark["provenance"]["approximate"] == ["bias", "std_error", "ci_low", "ci_high"]
    poisson = record(*args, "--scheme", "poisson", engine="local")
    for key in ("estimate", "bias", "std_error", "ci_low", "ci_high"):
        assert math.isclose(spark[key], poisson[key], rel_tol=REL)


def test_bootstrap_rows_are_numbered_in_input_order_over_several_files(spark_remote, tmp_path):
    # each row's Poisson counts are keyed on its number among the rows read: the files of a
    # directory in name order, each split's rows after the splits before it
    lines = (SAMPLE / "airquality.csv").read_text().splitlines()
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, start in enumerate(range(1, len(lines), 40)):
        (parts / f"part-{i}.csv").write_text("\n".join([lines[0], *lines[start:start + 40]])
                                             + "\n")
    args = ["--column", "Ozone", "--seed", "5", "--scheme", "poisson", "--resamples", "500"]
    local = record("bootstrap", str(SAMPLE / "airquality.csv"), *args, engine="local")
    spark = record("bootstrap", str(parts), *args, engine="spark", remote=spark_remote)
    assert_same({**local, "provenance": None}, {**spark, "provenance": None})


@pytest.mark.parametrize(("extra", "message"), [
    (["--scheme", "multinomial"], "--scheme multinomial runs on --engine local only, not on "
     "--engine spark; use --engine local"),
    (["--stat", "median"], "the Poisson bootstrap resamples mean, var, std, cv, corr; --stat "
     "median needs --scheme multinomial (and --engine local)"),
])
def test_bootstrap_refusals_on_spark(spark_remote, extra, message):
    result = invoke("bootstrap", str(SAMPLE / "airquality.csv"), "--column", "Ozone", *extra,
                    "--engine", "spark", "--remote", spark_remote)
    assert result.exit_code == 2
    assert result.stderr == f"mlstats: error: {message}\n"


@pytest.mark.parametrize("args", [["--metric", "y"], ["--metric", "y", "--test", "student"],
                                  ["--metric", "y", "--covariate", "x"]], ids=" ".join)
def test_ab_test_of_values_near_the_largest_float_agrees(spark_remote, write_csv, args):
    """Spark's own central moments overflow on values of 1e308: the pass about a shift from
    the first rows, in the power-of-two scale, takes over, equal to the local engine."""
    path = write_csv("g,y,x\nA,1.5e308,1\nB,-1.6e308,2\nA,1.7e308,3\nB,1.2e308,5\n"
                     "A,-1e308,4\nB,1.1e308,7\nA,1.3e308,6\nB,1.0e308,8\n")
    local = record("ab-test", path, "--group", "g", *args, engine="local")
    assert local["p_value"] is not None
    assert_same(local, record("ab-test", path, "--group", "g", *args, engine="spark",
                              remote=spark_remote))


@pytest.mark.parametrize("args", [("describe", "--columns", "y"),
                                  ("regression", "--y", "y", "--x", "x"),
                                  ("ab-test", "--group", "x", "--metric", "y")])
def test_a_bad_number_is_an_error_as_on_local(spark_remote, write_csv, args):
    # a cell that is not a number, in a column whose first lines read as text, is an error
    # (not a missing value); so is an infinity in a described column (not a null mean)
    for cell, words in (("abc", "is not numeric: 'abc' at data record 3"),
                        ("1e999", "holds an infinite or overflowing number '1e999' at data "
                                  "record 3"),
                        ("-Inf", "holds an infinite or overflowing number '-Inf' at data "
                                 "record 3"),
                        ("1f", "is not numeric: '1f' at data record 3")):
        path = write_csv(f"x,y\n1,2\n1,3\n2,{cell}\n2,5\n")
        local = invoke(args[0], path, *args[1:], "--engine", "local")
        spark = invoke(args[0], path, *args[1:], "--engine", "spark", "--remote",
                       spark_remote)
        assert spark.exit_code == local.exit_code == 2
        assert f"column 'y' {words}" in spark.stderr, spark.stderr


def _ab_parquet(tmp_path, case: str) -> str:
    """Three groups (C first seen at row 40) and a metric, as Parquet, changed by `case`."""
    rng = np.random.default_rng(5)
    n = 3000
    group = np.where(np.arange(n) % 3 == 0, "B", "A").astype(object)
    group[40::97] = "C"
    metric = rng.normal(10.0, 2.0, size=n) + (group == "B") * 0.3
    if case == "binary":
        metric = (rng.random(n) < np.where(group == "B", 0.12, 0.1)).astype(float)
    elif case == "huge":  # beyond 2^256: the metric's power-of-two scale from its range
        metric = metric * 1e300
    elif case == "overflowing":  # Spark's own moments overflow: the sums about a shift
        metric = metric * 1e307
    elif case == "tiny":
        metric = metric * 1e-290
    frame = pd.DataFrame({"g": group, "m": metric})
    if case == "missing":  # a missing group, a null and a NaN metric
        frame.loc[3, "g"] = None
        frame.loc[[8, 9], "m"] = np.nan
        frame["m"] = frame["m"].astype("object").where(frame.index != 9, None).astype(float)
    path = tmp_path / "ab.parquet"
    frame.to_parquet(path, index=False)
    return str(path)


@pytest.mark.parametrize(("case", "options", "queries"), [
    ("plain", (), 2), ("plain", ("--test", "mannwhitney"), 4), ("binary", (), 2),
    ("missing", (), 2), ("plain", ("--where", "m > 9"), 2), ("huge", (), 6),
    ("tiny", (), 5), ("overflowing", (), 6)])
def test_ab_test_on_parquet_agrees(spark_remote, tmp_path, monkeypatch, case, options,
                                   queries):
    # Parquet: the first rows (the groups' order) beside one pass grouped by the group alone
    # (the accounting from its counts); the range only when the scale is not bounded within
    # 2^±256, and the first rows' values with the sums about a shift when a scale is needed
    args = ("ab-test", _ab_parquet(tmp_path, case), "--group", "g", "--metric", "m", *options)
    assert_same(*_both_in(queries, args, spark_remote, monkeypatch))


@pytest.mark.parametrize("where", ["used", "left out by --where", "of a missing group"])
def test_ab_test_on_parquet_with_an_infinity_is_an_error(spark_remote, tmp_path, where):
    # an infinity in any row is an error (as the local reader's), named by its record
    frame = pd.DataFrame({"g": ["A", "B"] * 10, "m": np.arange(20.0), "k": np.arange(20.0)})
    frame.loc[13, "m"] = np.inf
    options = ()
    if where == "left out by --where":
        frame.loc[13, "k"] = -1.0
        options = ("--where", "k > 0")
    elif where == "of a missing group":
        frame.loc[13, "g"] = None
    frame.to_parquet(tmp_path / "inf.parquet", index=False)
    args = ("ab-test", str(tmp_path / "inf.parquet"), "--group", "g", "--metric", "m",
            *options)
    local = invoke(*args, "--engine", "local")
    spark = invoke(*args, "--engine", "spark", "--remote", spark_remote)
    assert spark.exit_code == local.exit_code == 2
    assert "column 'm' holds an infinite or overflowing number 'Infinity' at data record 14" \
        in spark.stderr


def test_correlate_near_the_largest_double_agrees(spark_remote, tmp_path):
    # the pilot's mean of values near 9e307 overflowed: r was NaN and the run ended with
    # "Fisher's z needs n ≥ 4 (n = 50)"; the means are now taken in the exact scale
    frame = pd.DataFrame({"a": np.linspace(-1.0, 1.0, 50) * 9e307,
                          "b": np.sin(np.arange(50.0)) * 9e307})
    frame.to_parquet(tmp_path / "big.parquet", index=False)
    args = ("correlate", str(tmp_path / "big.parquet"), "--columns", "a,b")
    assert_same(record(*args, engine="local"),
                record(*args, engine="spark", remote=spark_remote))
