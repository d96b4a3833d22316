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


@pytest.mark.parametrize("test", ["welch", "z", "mannwhitney"])
def test_ab_test_metric_binary_only_in_the_first_rows_agrees(monkeypatch, write_csv, test):
    """A metric that is 0/1 in the pilot's rows and not after: the pass without moments is
    followed by one with them, equal to the local engine; a 0/1 metric takes none."""
    import mlstats.engines.duckdb_engine as engine
    from mlstats.engines import duckdb_summaries

    monkeypatch.setattr(duckdb_summaries, "PILOT_ROWS", 30)
    seen = []
    records = engine.DuckDBSource.records

    def spy(self, sql, params=None):
        seen.append(sql)
        return records(self, sql, params)

    monkeypatch.setattr(engine.DuckDBSource, "records", spy)
    rng = np.random.default_rng(5)
    lines = ["v,m,b"]
    for i in range(400):
        m = float(rng.integers(0, 2)) if i < 40 else round(float(rng.normal(0.3, 1)), 6)
        lines.append(f"{'AB'[i % 2]},{m!r},{int(rng.integers(0, 2))}")
    path = write_csv("\n".join(lines) + "\n")
    args = ["--group", "v", "--metric", "m"] + ([] if test == "welch" else ["--test", test])
    if test == "z":
        args = ["--group", "v", "--metric", "b"]
    local = record("ab-test", path, *args, engine="local")
    seen.clear()
    assert_same(local, record("ab-test", path, *args, engine="duckdb"))
    passes = [q for q in seen if "GROUP BY ALL" in q and "count(*)" in q]
    assert ["fsum(" in q for q in passes] == ([False] if test == "z" else [False, True])


@pytest.fixture(scope="module")
def ols_csv(tmp_path_factory) -> str:
    """y on two numbers and a three-level text column, with weights (some 0), missing cells,
    heteroskedastic noise and a large common offset in one predictor."""
    rng = np.random.default_rng(16)
    n = 400
    x1 = np.round(rng.normal(10, 3, size=n), 4)
    x2 = np.round(1e6 + rng.uniform(0, 5, size=n), 6)
    group = rng.choice(["north", "east", "south"], size=n)
    y = np.round(2 + 0.5 * x1 - 1.5 * (x2 - 1e6) + (group == "east") * 2
                 + rng.normal(size=n) * (1 + np.abs(x1 - 10) / 3), 4)
    w = np.round(rng.uniform(0.2, 3, size=n), 3)
    w[::37] = 0.0
    path = tmp_path_factory.mktemp("ols") / "ols.csv"
    lines = ["y,x1,x2,group,w,country"]
    for i in range(n):
        cell = "" if i % 53 == 7 else repr(float(y[i]))
        lines.append(f"{cell},{float(x1[i])!r},{float(x2[i])!r},{group[i]},{float(w[i])!r},"
                     f"{'DE' if i % 4 else 'FR'}")
    path.write_text("\n".join(lines) + "\n")
    return str(path)


REGRESSION = [
    [str(SAMPLE / "cars.csv"), "--y", "dist", "--x", "speed"],
    [str(SAMPLE / "trees.csv"), "--y", "Volume", "--x", "Girth,Height", "--robust", "hc3",
     "--predict", "Girth=10,Height=70", "--predict", "Girth=20,Height=65"],
    [str(SAMPLE / "airquality.csv"), "--y", "Ozone", "--x", "Solar.R,Wind,Temp", "--where",
     "Month > 6"],
    [str(SAMPLE / "toothgrowth.csv"), "--y", "len", "--x", "supp,dose", "--anova"],
    [str(SAMPLE / "toothgrowth.csv"), "--y", "len", "--x", "dose,supp", "--anova",
     "--anova-type", "3", "--reference", "supp=VC", "--predict", "dose=1,supp=OJ"],
    [str(SAMPLE / "clicks.csv"), "--y", "clicked", "--x", "x1,x2", "--logistic"],
    [str(SAMPLE / "cars.csv"), "--y", "dist", "--x", "speed", "--degree", "2",
     "--predict", "speed=30"],
    [str(SAMPLE / "cars.csv"), "--y", "dist", "--x", "speed", "--no-intercept", "--robust",
     "hc1"],
    [str(SAMPLE / "faithful.csv"), "--y", "waiting", "--x", "eruptions", "--robust", "hc2",
     "--confidence", "0.9"],
]

OLS_FILE = [
    ["--y", "y", "--x", "x1,x2,group"],
    ["--y", "y", "--x", "x1,x2,group", "--weights", "w", "--robust", "hc0"],
    ["--y", "y", "--x", "x1,group", "--weights", "w", "--anova", "--anova-type", "2"],
    ["--y", "y", "--x", "x1,x2", "--weights", "w", "--no-intercept", "--predict",
     "x1=10,x2=1000002"],
    ["--y", "y", "--x", "group,x1", "--no-intercept", "--anova"],
    ["--y", "y", "--x", "x2", "--degree", "3", "--where", 'country == "DE"'],
    ["--y", "y", "--x", "x1,x2", "--robust", "hc3", "--where", "x1 > 8"],
]


@pytest.mark.parametrize("args", REGRESSION, ids=lambda a: " ".join(a[1:]))
def test_regression_agrees(args):
    assert_same(record("regression", *args, engine="local"),
                record("regression", *args, engine="duckdb"))


@pytest.mark.parametrize("args", OLS_FILE, ids=" ".join)
def test_ols_from_aggregates_agrees(ols_csv, args):
    assert_same(record("regression", ols_csv, *args, engine="local"),
                record("regression", ols_csv, *args, engine="duckdb"))


def test_ols_on_many_rows_agrees(tmp_path):
    # more rows than Shapiro–Wilk takes, a CSV without quotes (lines follow from rows)
    rng = np.random.default_rng(3)
    n = 6000
    x = rng.normal(size=(n, 2))
    y = 1 + x @ [2.0, -1.0] + rng.standard_t(5, size=n)
    path = tmp_path / "many.csv"
    path.write_text("a,b,y\n" + "".join(f"{a!r},{b!r},{c!r}\n" for (a, b), c in
                                         zip(x.tolist(), y.tolist(), strict=True)))
    args = ("regression", str(path), "--y", "y", "--x", "a,b", "--robust", "hc1")
    assert_same(record(*args, engine="local"), record(*args, engine="duckdb"))


@pytest.mark.parametrize("args", OLS_FILE, ids=" ".join)
def test_ols_with_a_plain_first_pass_agrees(monkeypatch, ols_csv, args):
    """From PLAIN_SUM_ROWS rows the first Gram pass sums plainly (the residual pass refines
    the coefficients): set to 0 here, every fit still equals the local engine's, and the
    first pass's SQL holds no Kahan sum."""
    import mlstats.engines.duckdb_engine as engine
    import mlstats.engines.duckdb_regression as regression

    monkeypatch.setattr(regression, "PLAIN_SUM_ROWS", 0)
    seen = []
    records = engine.DuckDBSource.records

    def spy(self, sql, params=None):
        if "total0" in sql:
            seen.append(sql)
        return records(self, sql, params)

    monkeypatch.setattr(engine.DuckDBSource, "records", spy)
    assert_same(record("regression", ols_csv, *args, engine="local"),
                record("regression", ols_csv, *args, engine="duckdb"))
    assert "fsum(" not in seen[0] and "sum(" in seen[0]


@pytest.mark.parametrize(("option", "value"), [("--formula", "len ~ dose"), ("--cv", "5"),
                                               ("--residuals", "r.csv"), ("--plot", "p.png")])
def test_ols_options_that_need_the_rows_are_refused(tmp_path, option, value):
    args = ["--formula", value] if option == "--formula" else ["--y", "len", "--x", "dose",
                                                                option, value]
    if option in ("--residuals", "--plot"):
        args[-1] = str(tmp_path / value)
    result = invoke("regression", str(SAMPLE / "toothgrowth.csv"), *args, "--engine", "duckdb")
    assert result.exit_code == 2
    assert result.stderr == (f"mlstats: error: {option} runs on --engine local only, not on "
                             "--engine duckdb; use --engine local\n")


def test_ols_errors_agree(write_csv):
    path = write_csv("y,x,w\n1,2,1\n2,3,-1\n3,5,1\n4,4,2\n")
    for engine in ("local", "duckdb"):
        result = invoke("regression", path, "--y", "y", "--x", "x", "--weights", "w",
                        "--engine", engine)
        assert result.exit_code == 2
        assert result.stderr == ("mlstats: error: --weights 'w' holds a negative weight (-1) "
                                 "at line 3; weights must be 0 or more (a weight is an "
                                 "inverse variance)\n")
    path = write_csv("y,a,b\n1,1,2\n2,2,4\n3,3,6\n5,4,8\n")
    outputs = {invoke("regression", path, "--y", "y", "--x", "a,b", "--engine", e).stderr
               for e in ("local", "duckdb")}
    assert outputs == {"mlstats: error: collinear predictors: 'b' is a linear combination "
                       "of 'a' (the design is rank deficient); drop one of them\n"}


ROWS_COMMANDS = [
    ["precision-recall", str(SAMPLE / "scores.csv"), "--true", "label", "--score", "score"],
    ["precision-recall", str(SAMPLE / "scores.csv"), "--true", "label", "--score", "score",
     "--ci", "--seed", "3", "--resamples", "300", "--target-precision", "0.8"],
]


BOOTSTRAP = [
    [str(SAMPLE / "airquality.csv"), "--column", "Ozone", "--resamples", "999"],
    [str(SAMPLE / "airquality.csv"), "--column", "Ozone", "--stat", "var", "--method",
     "basic"],
    [str(SAMPLE / "airquality.csv"), "--column", "Ozone", "--stat", "cv", "--method",
     "percentile", "--confidence", "0.9"],
    [str(SAMPLE / "toothgrowth.csv"), "--column", "len", "--by", "supp", "--stat", "std"],
    [str(SAMPLE / "airquality.csv"), "--column", "Ozone,Temp", "--stat", "corr",
     "--resamples", "2500", "--where", "Month >= 6"],
    [str(SAMPLE / "airquality.csv"), "--column", "Temp", "--by", "Month", "--stat", "mean",
     "--where", "Month <= 6"],
]


@pytest.mark.parametrize("args", BOOTSTRAP, ids=lambda a: " ".join(a[1:]))
def test_poisson_bootstrap_agrees(args):
    # the same counter-based Poisson resamples on both engines
    args = ["bootstrap", *args, "--seed", "11", "--scheme", "poisson"]
    assert_same(record(*args, engine="local"), record(*args, engine="duckdb"))


def test_duckdb_bootstrap_is_poisson_and_says_so():
    args = ["bootstrap", str(SAMPLE / "airquality.csv"), "--column", "Ozone", "--seed", "4"]
    duck = record(*args, engine="duckdb")
    assert duck["provenance"]["exact"] is False
    assert duck["provenance"]["approximate"] == ["bias", "std_error", "ci_low", "ci_high"]
    poisson = record(*args, "--scheme", "poisson", engine="local")
    for key in ("estimate", "bias", "std_error", "ci_low", "ci_high"):
        assert math.isclose(duck[key], poisson[key], rel_tol=REL)
    multinomial = record(*args, engine="local")
    assert multinomial["estimate"] == duck["estimate"]
    assert abs(multinomial["std_error"] / duck["std_error"] - 1) < 0.05  # Monte-Carlo error


@pytest.mark.parametrize(("extra", "what"), [(["--scheme", "multinomial"], "--scheme multinomial"),
                                             (["--stat", "median"], None)])
def test_bootstrap_refusals_on_duckdb(extra, what):
    result = invoke("bootstrap", str(SAMPLE / "airquality.csv"), "--column", "Ozone", *extra,
                    "--engine", "duckdb")
    assert result.exit_code == 2
    if what:
        assert result.stderr == (f"mlstats: error: {what} runs on --engine local only, not on "
                                 "--engine duckdb; use --engine local\n")
    else:
        assert result.stderr == ("mlstats: error: the Poisson bootstrap resamples mean, var, "
                                 "std, cv, corr; --stat median needs --scheme multinomial (and "
                                 "--engine local)\n")


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


def test_ols_lines_of_records_over_several_lines(tmp_path):
    # quoted line breaks: the lines of the influential rows come from the record index
    rng = np.random.default_rng(8)
    rows = ["note,x,y"]
    for i in range(60):
        x = float(rng.normal())
        note = '"two\nlines"' if i % 7 == 0 else "plain"
        rows.append(f"{note},{x!r},{2 * x + float(rng.normal()) + (9 if i == 40 else 0)!r}")
    path = tmp_path / "notes.csv"
    path.write_text("\n".join(rows) + "\n")
    args = ("regression", str(path), "--y", "y", "--x", "x")
    local, duck = record(*args, engine="local"), record(*args, engine="duckdb")
    assert_same(local, duck)
    assert duck["influential"][0]["line"] == 2 + 40 + 6  # row 40, after six 2-line records


CORRELATE = [
    [str(SAMPLE / "airquality.csv")],
    [str(SAMPLE / "airquality.csv"), "--columns", "Ozone,Temp,Wind", "--where", "Month >= 7",
     "--correction", "holm", "--confidence", "0.9"],
    [str(SAMPLE / "trees.csv")],
    [str(SAMPLE / "cars.csv"), "--where", "speed < 8"],
]


@pytest.mark.parametrize("args", CORRELATE, ids=lambda a: " ".join(a[1:]) or a[0][-14:])
def test_correlate_agrees(args):
    assert_same(record("correlate", *args, engine="local"),
                record("correlate", *args, engine="duckdb"))


def test_correlate_with_gaps_and_constants_agrees(write_csv, ols_csv):
    assert_same(record("correlate", ols_csv, "--columns", "y,x1,x2,w", engine="local"),
                record("correlate", ols_csv, "--columns", "y,x1,x2,w", engine="duckdb"))
    path = write_csv("a,b,c,d\n1,5,2,\n2,5,,1\n3,5,7,1\n4,5,1,\n5,5,3,1\n")
    assert_same(record("correlate", path, engine="local"),
                record("correlate", path, engine="duckdb"))
    path = write_csv("a,b\n1,5\n2,5\n")
    errors = {invoke("correlate", path, "--engine", e).stderr for e in ("local", "duckdb")}
    assert errors == {"mlstats: error: column 'b' is constant (every value is 5); a "
                      "correlation needs values that vary: pick another column\n"}


def test_correlate_near_the_largest_double_agrees(write_csv):
    # the mean of values near 9e307 overflowed (as the pilot's): r was NaN and the run ended
    # with "Fisher's z needs n ≥ 4 (n = 50)"; the means are now taken in the exact scale
    a = np.linspace(-1.0, 1.0, 50) * 9e307
    b = np.sin(np.arange(50.0)) * 9e307
    path = write_csv("a,b\n" + "".join(f"{x!r},{y!r}\n" for x, y in zip(a.tolist(), b.tolist(),
                                                                          strict=True)))
    local = record("correlate", path, engine="local")
    assert_same(local, record("correlate", path, engine="duckdb"))
    assert not math.isnan(local["pairs"][0]["r"])


def test_correlate_ranks_name_the_engine():
    result = invoke("correlate", str(SAMPLE / "cars.csv"), "--method", "spearman",
                    "--engine", "duckdb")
    assert result.exit_code == 2
    assert result.stderr == ("mlstats: error: --method spearman runs on --engine local only, "
                             "not on --engine duckdb; use --engine local\n")


@pytest.fixture(scope="module")
def predictions_csv(tmp_path_factory) -> str:
    """Three classes with missing cells, a 0/1 truth and its predictions, a where column."""
    rng = np.random.default_rng(12)
    n = 1500
    truth = rng.choice(["cat", "dog", "bird"], size=n, p=[0.5, 0.3, 0.2])
    guess = np.where(rng.random(n) < 0.7, truth, rng.choice(["cat", "dog", "bird"], size=n))
    y = (rng.random(n) < 0.3).astype(int)
    yhat = np.where(rng.random(n) < 0.8, y, 1 - y)
    lines = ["truth,guess,y,yhat,site"]
    for i in range(n):
        lines.append(f"{'' if i % 89 == 3 else truth[i]},{'' if i % 97 == 5 else guess[i]},"
                     f"{y[i]},{yhat[i]},{'a' if i % 3 else 'b'}")
    path = tmp_path_factory.mktemp("pred") / "pred.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


PREDICTIONS = [
    ["--true", "truth", "--pred", "guess"],
    ["--true", "truth", "--pred", "guess", "--ci", "--seed", "5", "--resamples", "300",
     "--beta", "2"],
    ["--true", "truth", "--pred", "guess", "--positive", "dog", "--ci", "--seed", "6",
     "--resamples", "300"],
    ["--true", "y", "--pred", "yhat", "--where", 'site == "a"'],
    ["--true", "y", "--pred", "yhat", "--ci", "--seed", "7", "--resamples", "300"],
]


@pytest.mark.parametrize("args", PREDICTIONS, ids=" ".join)
def test_precision_recall_of_predictions_agrees(predictions_csv, args):
    assert_same(record("precision-recall", predictions_csv, *args, engine="local"),
                record("precision-recall", predictions_csv, *args, engine="duckdb"))


def test_precision_recall_on_sample_predictions_agrees():
    args = ("precision-recall", str(SAMPLE / "animals.csv"), "--true", "actual", "--pred",
            "predicted", "--ci", "--seed", "1")
    assert_same(record(*args, engine="local"), record(*args, engine="duckdb"))


def test_precision_recall_baseline_score_names_the_engine(scores_csv):
    result = invoke("precision-recall", scores_csv, "--true", "label", "--score", "logit",
                    "--baseline-score", "logit", "--engine", "duckdb")
    assert result.exit_code == 2
    assert result.stderr == ("mlstats: error: --baseline-score runs on --engine local only, "
                             "not on --engine duckdb; use --engine local\n")


LOGISTIC = [
    ["--y", "bought", "--x", "variant,pre,revenue", "--predict", "variant=B,pre=20,revenue=10",
     "--predict", "variant=C,pre=90,revenue=-5"],
    ["--y", "converted", "--x", "pre", "--degree", "2", "--predict", "pre=30"],
    ["--y", "converted", "--x", "pre,revenue", "--no-intercept", "--confidence", "0.9"],
    ["--y", "bought", "--x", "pre,variant", "--reference", "variant=C", "--positive", "no",
     "--where", 'country == "DE"'],
    ["--y", "converted", "--x", "variant", "--positive", "0"],
]


@pytest.mark.parametrize("args", LOGISTIC, ids=" ".join)
def test_logistic_from_aggregates_agrees(ab_csv, args):
    local = record("regression", ab_csv, "--logistic", *args, engine="local")
    duck = record("regression", ab_csv, "--logistic", *args, engine="duckdb")
    assert duck["provenance"]["exact"] is True
    assert_same(local, duck)


@pytest.mark.parametrize(("content", "args"), [
    ("y,x\n0,1\n0,2\n1,3\n1,4\n", ["--x", "x"]),  # one term splits the outcomes
    ("y,x\n0,1\n0,2\n1,2\n1,4\n", ["--x", "x"]),  # quasi-perfect, at a tie
    ("y,a,b\n0,1,-2\n0,-2,1\n1,2,-1\n1,-1,2\n0,0,-1\n1,0,1\n", ["--x", "a,b"]),  # a + b
    ("y,x\n0,1\n2,2\n1,3\n1,4\n", ["--x", "x"]),  # three outcomes
    ("y,x\n1,1\n1,2\n1,3\n", ["--x", "x"]),  # one outcome
    ("y,x\nyes,1\nno,2\nmaybe,3\nyes,5\nn,1\nN,3\nY,2\nt,4\n", ["--x", "x"]),  # too many
    ("y,x\nup,1\ndown,2\nup,3\ndown,1\n", ["--x", "x"]),  # which label is positive
    ("y,x\nup,1\ndown,2\nup,3\ndown,1\n", ["--x", "x", "--positive", "sideways"]),
])
def test_logistic_errors_agree(write_csv, content, args):
    path = write_csv(content)
    found = []
    for engine in ("local", "duckdb"):
        result = invoke("regression", path, "--y", "y", *args, "--logistic", "--engine", engine)
        assert (result.exit_code, result.stdout) == (2, ""), result.stderr
        found.append(result.stderr)
    assert found[0] == found[1]
    assert found[0].startswith("mlstats: error: ") and found[0].count("\n") == 1


@pytest.mark.parametrize(("option", "value"), [("--formula", "supp ~ dose"), ("--cv", "5"),
                                               ("--residuals", "r.csv"), ("--plot", "p.png"),
                                               ("--anova", None)])
def test_logistic_options_that_need_the_rows_are_refused(tmp_path, option, value):
    args = ["--formula", value] if option == "--formula" else ["--y", "supp", "--x", "dose",
                                                                option]
    if value is not None and option != "--formula":
        args.append(str(tmp_path / value) if option in ("--residuals", "--plot") else value)
    result = invoke("regression", str(SAMPLE / "toothgrowth.csv"), *args, "--logistic",
                    "--positive", "VC", "--engine", "duckdb")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"mlstats: error: {option} with --logistic runs on --engine local "
                             "only, not on --engine duckdb; use --engine local\n")


def test_logistic_of_a_true_false_column_agrees(tmp_path):
    # DuckDB reads true/false as BOOLEAN; the labels and the positive one are as local
    rng = np.random.default_rng(11)
    x = rng.normal(size=400)
    ok = rng.random(400) < 1 / (1 + np.exp(-x))
    path = tmp_path / "bool.csv"
    path.write_text("ok,x\n" + "".join(f"{str(o).lower()},{v!r}\n"
                                       for o, v in zip(ok.tolist(), x.tolist(), strict=True)))
    args = ("regression", str(path), "--y", "ok", "--x", "x", "--logistic")
    local, duck = record(*args, engine="local"), record(*args, engine="duckdb")
    assert duck["positive"] == "true"
    assert_same(local, duck)


@pytest.mark.parametrize("args", [["--metric", "y"], ["--metric", "y", "--test", "student"],
                                  ["--metric", "y", "--covariate", "x"]], ids=" ".join)
def test_ab_test_of_values_near_the_largest_float_agrees(write_csv, args):
    """Values of 1e308 (their power-of-two scale capped at 2^1023; sums in the metric's units
    overflow, so the means are taken again in the exact scale): no internal error, and
    DuckDB equal to the local engine."""
    path = write_csv("g,y,x\nA,1.5e308,1\nB,-1.6e308,2\nA,1.7e308,3\nB,1.2e308,5\n"
                     "A,-1e308,4\nB,1.1e308,7\nA,1.3e308,6\nB,1.0e308,8\n")
    local = record("ab-test", path, "--group", "g", *args, engine="local")
    assert local["p_value"] is not None
    assert_same(local, record("ab-test", path, "--group", "g", *args, engine="duckdb"))


def test_ols_whose_sums_overflow_is_a_one_line_error_on_duckdb(write_csv):
    """y near 1e308: the local QR fits it; DuckDB's Gram sums overflow even in power-of-two
    units, which is a one-line error naming the way out (it was an internal error)."""
    path = write_csv("y,x\n1.5e308,1\n-1.6e308,2\n1.7e308,3\n1.2e308,5\n-1e308,4\n1.1e308,7\n")
    assert invoke("regression", path, "--y", "y", "--x", "x", "--engine", "local").exit_code == 0
    result = invoke("regression", path, "--y", "y", "--x", "x", "--engine", "duckdb")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "mlstats: error: the sums of squares of this fit overflow the double-precision range on "
        "this engine (values near 1e308); rescale the columns, or use --engine local\n")
