"""The contract every command keeps (SPEC 1): help, keys, checks, one-line errors, README."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from typer.main import get_command

from mlstats.cli.main import app
from tests.conftest import ROOT, SAMPLE, invoke


@dataclass(frozen=True)
class Contract:
    run: list[str]
    keys: set[str]
    failing_assert: str
    bad_column: list[str] | None = None
    extra_keys: set[str] = field(default_factory=set)
    data: bool = False  # a data command: rows on stdout, the report (and JSON) on stderr


S = str(SAMPLE)
CONTRACTS: dict[str, Contract] = {
    "describe": Contract(
        run=["describe", f"{S}/airquality.csv"],
        keys={"columns", "non_numeric", "confidence"},
        failing_assert="columns.Ozone.n > 500",
        bad_column=["describe", f"{S}/airquality.csv", "--columns", "Ozon"],
    ),
    "sample-size": Contract(
        run=["sample-size", "--baseline", "0.10", "--mde", "0.02"],
        keys={"n_control", "n_treatment", "n_total", "n_exact", "effect_size", "method",
              "alpha", "power"},
        failing_assert="n_total <= 1000",
    ),
    "power": Contract(
        run=["power", "--baseline", "0.10", "--mde", "0.02", "--n", "1000,2000,4000"],
        keys={"curve", "effect_size", "method", "alpha"},
        failing_assert="curve.2000.power >= 0.8",
    ),
    "ab-test": Contract(
        run=["ab-test", f"{S}/toothgrowth.csv", "--group", "supp", "--metric", "len"],
        keys={"groups", "comparisons", "test", "alpha", "diff", "lift", "ci_low", "ci_high",
              "p_value", "significant"},
        failing_assert="comparisons.OJ.p_adjusted < 0.05",
        bad_column=["ab-test", f"{S}/toothgrowth.csv", "--group", "sup", "--metric", "len"],
    ),
    "precision-recall": Contract(
        run=["precision-recall", f"{S}/scores.csv", "--true", "label", "--score", "score"],
        keys={"tp", "fp", "fn", "tn", "precision", "recall", "f1", "accuracy", "specificity",
              "fpr", "fnr", "support", "threshold", "average_precision", "roc_auc", "best_f1",
              "best_f1_threshold"},
        failing_assert="f1 >= 0.9",
        bad_column=["precision-recall", f"{S}/scores.csv", "--true", "lable", "--score",
                    "score"],
    ),
    "regression": Contract(
        run=["regression", f"{S}/cars.csv", "--y", "dist", "--x", "speed"],
        keys={"n", "rows_used", "r2", "adj_r2", "f_statistic", "f_p_value", "mse", "rmse",
              "mae", "residual_std_error", "df_model", "df_resid", "log_likelihood", "aic",
              "bic", "coefficients", "condition_number", "vif", "formula", "weights", "levels",
              "residuals", "diagnostics", "influential", "anova"},
        failing_assert="r2 >= 0.9",
        bad_column=["regression", f"{S}/cars.csv", "--y", "dist", "--x", "sped"],
    ),
    "bootstrap": Contract(
        run=["bootstrap", f"{S}/airquality.csv", "--column", "Ozone", "--seed", "1",
             "--resamples", "999"],
        keys={"statistic", "estimate", "bias", "std_error", "ci_low", "ci_high", "confidence",
              "method", "resamples", "n"},
        failing_assert="ci_low > 100",
        bad_column=["bootstrap", f"{S}/airquality.csv", "--column", "Ozon"],
    ),
    "clean": Contract(
        run=["clean", f"{S}/trees.csv", "--check"],
        keys={"rows_in", "rows_out", "columns_in", "columns_out", "duplicate_rows",
              "empty_rows", "missing_cells", "missing_fraction", "bad_lines", "outliers",
              "rule_violations", "cells_changed", "columns", "actions"},
        failing_assert="missing_cells > 0",
        bad_column=["clean", f"{S}/trees.csv", "--range", "Girt=0:100"],
    ),
    "jackknife": Contract(
        run=["jackknife", f"{S}/airquality.csv", "--column", "Ozone"],
        keys={"estimate", "jackknife_estimate", "bias", "std_error", "ci_low", "ci_high", "n"},
        failing_assert="std_error < 1",
        bad_column=["jackknife", f"{S}/airquality.csv", "--column", "Ozon"],
    ),
    "kmeans": Contract(
        run=["kmeans", f"{S}/faithful.csv", "--seed", "1"],
        keys={"k", "inertia", "explained_variance", "silhouette", "iterations", "sizes",
              "centroids", "elbow", "elbow_k"},
        failing_assert="elbow_k >= 3",
        bad_column=["kmeans", f"{S}/faithful.csv", "--columns", "waitin"],
    ),
    "correlate": Contract(
        run=["correlate", f"{S}/cars.csv"],
        keys={"pairs", "matrix", "method", "confidence", "correction"},
        failing_assert="pairs.speed~dist.r > 0.9",
        bad_column=["correlate", f"{S}/cars.csv", "--columns", "sped,dist"],
    ),
    "sample": Contract(
        run=["sample", f"{S}/airquality.csv", "--n", "10", "--seed", "1"],
        keys={"method", "population", "sample_size", "n", "frac", "replace", "strata",
              "clusters"},
        failing_assert="sample_size > 100",
        data=True,
        bad_column=["sample", f"{S}/airquality.csv", "--n", "5", "--method", "stratified",
                    "--by", "Mont"],
    ),
}


def registered() -> list[str]:
    return sorted(get_command(app).list_commands(None))


def test_every_command_has_a_contract():
    assert sorted(CONTRACTS) == registered()


@pytest.mark.parametrize("name", registered())
def test_help_exits_0_with_an_example(name):
    result = invoke(name, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout and f"mlstats {name}" in result.stdout


@pytest.mark.parametrize("name", registered())
def test_json_holds_the_spec_keys(name):
    contract = CONTRACTS[name]
    result = invoke(*contract.run, "--json")
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stderr if contract.data else result.stdout)
    envelope = {"command", "mlstats_version", "warnings"}
    if contract.bad_column is not None:
        envelope |= {"rows_used", "provenance"}
    assert envelope | contract.keys <= set(record)
    assert record["command"] == name


@pytest.mark.parametrize("name", registered())
def test_a_failing_assert_exits_1(name):
    contract = CONTRACTS[name]
    result = invoke(*contract.run, "--assert", contract.failing_assert)
    assert result.exit_code == 1, result.stderr
    lines = result.stderr.splitlines()
    line = next(ln for ln in lines if ln.startswith("mlstats: assertion failed:")) \
        if contract.data else lines[-1]
    assert line.startswith(f"mlstats: assertion failed: {contract.failing_assert} (")


@pytest.mark.parametrize("name", registered())
def test_a_bad_column_is_one_line_exit_2(name):
    contract = CONTRACTS[name]
    if contract.bad_column is None:
        pytest.skip(f"{name} reads no data")
    result = invoke(*contract.bad_column)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1 and "not found" in result.stderr
    assert result.stderr.startswith("mlstats: error: column ")


@pytest.mark.parametrize("name", registered())
def test_the_command_is_in_the_readme(name):
    readme = (ROOT / "README.md").read_text()
    assert f"### {name}" in readme or f"`{name}`" in readme
    assert f"$ mlstats {name}" in readme
