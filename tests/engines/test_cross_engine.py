"""The same commands through `--engine local` and `--engine duckdb`: equal counts, floats
within 1e-10 relative (the DuckDB engine sums in another order, so the last bits differ)."""

import json
import math

import numpy as np
import pytest

from tests.conftest import SAMPLE, invoke

pytest.importorskip("duckdb")

REL = 1e-10


def record(*args: str, engine: str) -> dict:
    result = invoke(*args, "--json", "--engine", engine)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def assert_same(local, duck, path: str = "") -> None:
    """Equal structure and counts; floats within REL (and 1e-12 absolute, for values that are
    0 up to rounding, such as the skew of symmetric data)."""
    if isinstance(local, dict):
        assert isinstance(duck, dict) and set(local) == set(duck), path
        for key in local:
            if key in ("sha256", "engine", "versions"):
                continue
            assert_same(local[key], duck[key], f"{path}.{key}")
    elif isinstance(local, list):
        assert isinstance(duck, list) and len(local) == len(duck), path
        for i, (a, b) in enumerate(zip(local, duck, strict=True)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(local, float) and isinstance(duck, float):
        assert math.isclose(local, duck, rel_tol=REL, abs_tol=1e-12), (path, local, duck)
    else:
        assert local == duck, (path, local, duck)


@pytest.fixture(scope="module")
def ab_csv(tmp_path_factory) -> str:
    """Three groups, a skewed metric with missing cells, a covariate, 0/1 and yes/no columns."""
    rng = np.random.default_rng(5)
    n = 3000
    group = rng.choice(["control", "B", "C"], size=n)
    pre = np.round(rng.gamma(2, 10, size=n), 3)
    revenue = np.round(pre * 0.8 + rng.normal(5, 8, size=n) + (group == "B") * 1.5, 3)
    converted = (rng.random(n) < 0.1 + 0.03 * (group == "C")).astype(int)
    path = tmp_path_factory.mktemp("engines") / "ab.csv"
    lines = ["variant,revenue,pre,converted,bought,country"]
    for i in range(n):
        cell = "" if i % 97 == 0 else repr(float(revenue[i]))
        lines.append(f"{group[i]},{cell},{pre[i]},{converted[i]},"
                     f"{'yes' if converted[i] else 'no'},{'DE' if i % 3 else 'FR'}")
    path.write_text("\n".join(lines) + "\n")
    return str(path)


DESCRIBE = [
    [str(SAMPLE / "airquality.csv")],
    [str(SAMPLE / "airquality.csv"), "--by", "Month"],
    [str(SAMPLE / "toothgrowth.csv"), "--by", "supp", "--confidence", "0.9"],
    [str(SAMPLE / "cars.csv"), "--columns", "dist", "--where", "speed >= 10"],
    [str(SAMPLE / "trees.csv")],
    [str(SAMPLE / "faithful.csv")],
]


@pytest.mark.parametrize("args", DESCRIBE, ids=lambda a: " ".join(a[1:]) or a[0][-14:])
def test_describe_agrees(args):
    assert_same(record("describe", *args, engine="local"),
                record("describe", *args, engine="duckdb"))


@pytest.mark.parametrize("args", DESCRIBE[:3], ids=lambda a: " ".join(a[1:]) or a[0][-14:])
def test_describe_agrees_without_a_pilot(monkeypatch, args):
    # the pilot (the first rows: first appearances, shifts near the means) sees one row: the
    # groups' order comes from a pass with row numbers, far shifts from a second pass
    from mlstats.engines import duckdb_summaries

    monkeypatch.setattr(duckdb_summaries, "PILOT_ROWS", 1)
    assert_same(record("describe", *args, engine="local"),
                record("describe", *args, engine="duckdb"))


AB_TESTS = [
    ["--group", "variant", "--metric", "converted"],
    ["--group", "variant", "--metric", "bought", "--test", "chi2"],
    ["--group", "variant", "--metric", "converted", "--test", "fisher", "--expected-ratio",
     "1:1:1"],
    ["--group", "variant", "--metric", "converted", "--test", "mannwhitney", "--control", "B"],
    ["--group", "variant", "--metric", "revenue"],
    ["--group", "variant", "--metric", "revenue", "--test", "student"],
    ["--group", "variant", "--metric", "revenue", "--test", "mannwhitney"],
    ["--group", "variant", "--metric", "revenue", "--covariate", "pre"],
    ["--group", "variant", "--metric", "revenue", "--covariate", "pre", "--test",
     "mannwhitney"],
    ["--group", "variant", "--metric", "converted", "--covariate", "pre"],
    ["--group", "variant", "--metric", "revenue", "--sequential", "--bayesian"],
    ["--group", "variant", "--metric", "revenue", "--where", 'country == "DE"',
     "--where", "pre > 5"],
]


@pytest.mark.parametrize("args", AB_TESTS, ids=" ".join)
def test_ab_test_agrees(ab_csv, args):
    assert_same(record("ab-test", ab_csv, *args, engine="local"),
                record("ab-test", ab_csv, *args, engine="duckdb"))


def test_ab_test_on_sample_data_agrees():
    path = str(SAMPLE / "toothgrowth.csv")
    for test in ("welch", "mannwhitney"):
        args = ("ab-test", path, "--group", "supp", "--metric", "len", "--test", test)
        assert_same(record(*args, engine="local"), record(*args, engine="duckdb"))


def test_record_names_the_engine(ab_csv):
    for engine in ("local", "duckdb"):
        found = record("describe", ab_csv, "--columns", "pre", engine=engine)["provenance"]
        assert (found["engine"], found["exact"]) == (engine, True)
        assert (found["rows_read"], found["rows_used"]) == (3000, 3000)


def test_where_is_counted_alike(ab_csv):
    for engine in ("local", "duckdb"):
        result = invoke("describe", ab_csv, "--columns", "pre", "--where", 'country == "FR"',
                        "--engine", engine, "--json")
        assert result.exit_code == 0, result.stderr
        assert result.stderr == ("mlstats: warning: --where 'country == \"FR\"' left out "
                                 "2000 of 3000 rows (1000 kept)\n")
        found = json.loads(result.stdout)
        assert found["columns"][0]["n"] == 1000 and found["rows_used"] == 1000
        assert found["provenance"]["where"] == ['country == "FR"']
        assert found["provenance"]["rows_dropped"] == 2000


def test_engine_from_the_environment(ab_csv):
    result = invoke("describe", ab_csv, "--columns", "pre", "--json",
                    env={"MLSTATS_ENGINE": "duckdb"})
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["provenance"]["engine"] == "duckdb"


@pytest.mark.parametrize("args", DESCRIBE[:4], ids=lambda a: " ".join(a[1:]) or a[0][-14:])
def test_describe_quantiles_by_selection_agree(monkeypatch, args):
    # The bounded-memory path for large inputs (histogram refinement), forced on small data,
    # with tiny fetches so that every set is refined several times.
    from mlstats.engines import duckdb_engine, duckdb_summaries

    monkeypatch.setattr(duckdb_engine, "QUANTILE_CONT_MAX", 0)
    monkeypatch.setattr(duckdb_summaries, "_FETCH", 3)
    monkeypatch.setattr(duckdb_summaries, "_BINS", 4)
    assert_same(record("describe", *args, engine="local"),
                record("describe", *args, engine="duckdb"))


JACKKNIFE = [
    [str(SAMPLE / "airquality.csv"), "--column", "Ozone", "--stat", stat]
    for stat in ("mean", "var", "std", "cv")
] + [[str(SAMPLE / "airquality.csv"), "--column", "Ozone,Temp", "--stat", "corr"],
     [str(SAMPLE / "trees.csv"), "--column", "Height", "--stat", "std", "--confidence", "0.9"]]


@pytest.mark.parametrize("args", JACKKNIFE, ids=lambda a: " ".join(a[1:]))
def test_jackknife_agrees(args):
    assert_same(record("jackknife", *args, engine="local"),
                record("jackknife", *args, engine="duckdb"))


@pytest.mark.parametrize("args", AB_TESTS[4:9], ids=" ".join)
def test_ab_test_agrees_without_a_pilot(monkeypatch, ab_csv, args):
    from mlstats.engines import duckdb_summaries

    monkeypatch.setattr(duckdb_summaries, "PILOT_ROWS", 1)
    assert_same(record("ab-test", ab_csv, *args, engine="local"),
                record("ab-test", ab_csv, *args, engine="duckdb"))


REGRESSION = [
    [str(SAMPLE / "cars.csv"), "--y", "dist", "--x", "speed"],
    [str(SAMPLE / "trees.csv"), "--y", "Volume", "--x", "Girth,Height", "--robust", "hc3",
     "--predict", "Girth=10,Height=70"],
    [str(SAMPLE / "airquality.csv"), "--y", "Ozone", "--x", "Solar.R,Wind,Temp", "--where",
     "Month > 6"],
    [str(SAMPLE / "toothgrowth.csv"), "--formula", "len ~ supp * dose", "--anova"],
    [str(SAMPLE / "clicks.csv"), "--y", "clicked", "--x", "x1,x2", "--logistic"],
    [str(SAMPLE / "cars.csv"), "--y", "dist", "--x", "speed", "--degree", "2", "--cv", "5",
     "--seed", "1"],
]


@pytest.mark.parametrize("args", REGRESSION, ids=lambda a: " ".join(a[1:]))
def test_regression_agrees(args):
    assert_same(record("regression", *args, engine="local"),
                record("regression", *args, engine="duckdb"))


ROWS_COMMANDS = [
    ["precision-recall", str(SAMPLE / "scores.csv"), "--true", "label", "--score", "score"],
    ["precision-recall", str(SAMPLE / "scores.csv"), "--true", "label", "--score", "score",
     "--ci", "--seed", "3", "--resamples", "300", "--target-precision", "0.8"],
    ["bootstrap", str(SAMPLE / "airquality.csv"), "--column", "Ozone", "--seed", "1",
     "--resamples", "999"],
    ["bootstrap", str(SAMPLE / "airquality.csv"), "--column", "Ozone", "--stat", "median",
     "--seed", "1", "--resamples", "999", "--method", "percentile"],
    ["bootstrap", str(SAMPLE / "toothgrowth.csv"), "--column", "len", "--by", "supp",
     "--seed", "2", "--resamples", "999"],
    ["bootstrap", str(SAMPLE / "airquality.csv"), "--column", "Ozone,Temp", "--stat", "corr",
     "--seed", "1", "--resamples", "999", "--where", "Month >= 6"],
]


@pytest.mark.parametrize("args", ROWS_COMMANDS, ids=" ".join)
def test_commands_from_rows_agree(args):
    assert_same(record(*args, engine="local"), record(*args, engine="duckdb"))


def test_describe_wide_text_columns_agree(monkeypatch, write_csv):
    # a text column of many distinct values is counted by a GROUP BY of its own; ties for the
    # most frequent value go to the first seen, as locally
    from mlstats.engines import duckdb_summaries

    monkeypatch.setattr(duckdb_summaries, "_NARROW", 1)
    path = write_csv("id,city,x\nu1,Oslo,1\nu2,Rome,2\nu3,,3\nu2,Oslo,4\nu4,Rome,5\n")
    assert_same(record("describe", path, engine="local"),
                record("describe", path, engine="duckdb"))


@pytest.fixture(scope="module")
def scores_csv(tmp_path_factory) -> str:
    """Text labels, logits of both signs, ties, -0.0 and 0.0, missing cells."""
    rng = np.random.default_rng(9)
    n = 2000
    label = np.where(rng.random(n) < 0.3, "spam", "ham")
    logit = np.round(rng.normal(size=n) + (label == "spam"), 1)
    lines = ["label,logit"]
    for i in range(n):
        score = "-0.0" if i % 101 == 0 else ("" if i % 211 == 0 else repr(float(logit[i])))
        lines.append(f"{'' if i % 307 == 0 else label[i]},{score}")
    path = tmp_path_factory.mktemp("scores") / "scores.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.mark.parametrize("extra", [[], ["--threshold", "0", "--beta", "0.5"],
                                   ["--ci", "--seed", "4", "--resamples", "200"],
                                   ["--target-precision", "0.6", "--where", "logit > -2"]],
                         ids=" ".join)
def test_precision_recall_from_score_counts_agrees(scores_csv, tmp_path, extra):
    args = ["precision-recall", scores_csv, "--true", "label", "--score", "logit",
            "--positive", "spam", *extra]
    local = record(*args, "--curve", str(tmp_path / "local.csv"), engine="local")
    duck = record(*args, "--curve", str(tmp_path / "duck.csv"), engine="duckdb")
    assert_same(local, duck)
    assert (tmp_path / "local.csv").read_text() == (tmp_path / "duck.csv").read_text()
