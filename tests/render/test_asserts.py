"""The assert engine: dotted paths, names holding dots, nulls, errors listing the keys."""

from __future__ import annotations

import pytest

from mlstats.errors import InputError
from mlstats.expr import parse
from mlstats.render.asserts import check_all, resolve

RECORD = {
    "command": "x", "mlstats_version": "0", "r2": 0.87, "aic": None, "converged": True,
    "method": "bca", "rows_used": 10, "warnings": [],
    "coefficients": [{"name": "intercept", "p_value": 0.5},
                     {"name": "Solar.R", "p_value": 0.01},
                     {"name": "Solar", "p_value": 0.9}],
    "ci": {"roc_auc": {"low": 0.8, "high": 0.9}},
    "centroids": [{"name": "0", "x": 1.5}],
}


@pytest.mark.parametrize(("key", "actual"), [
    ("r2", 0.87), ("rows_used", 10), ("converged", True), ("coefficients.intercept.p_value", 0.5),
    ("coefficients.Solar.R.p_value", 0.01), ("coefficients.Solar.p_value", 0.9),
    ('coefficients."Solar.R".p_value', 0.01), ("ci.roc_auc.low", 0.8), ("centroids.0.x", 1.5),
])
def test_resolve(key, actual):
    assert resolve(RECORD, parse(f"{key} > 0")) == actual


def test_every_check_is_reported_in_order():
    outcomes = check_all(RECORD, [parse("r2 >= 0.9"), parse("r2 > 0.5")], [parse("r2 > 0.95")])
    assert [o.status for o in outcomes] == ["fail", "pass", "warn"]
    assert outcomes[0].message() == "r2 >= 0.9 (r2 = 0.87)"
    assert outcomes[0].as_record() == {"expr": "r2 >= 0.9", "status": "fail", "actual": 0.87}


def test_null_fails():
    [outcome] = check_all(RECORD, [parse("aic < 1")], [])
    assert (outcome.status, outcome.actual) == ("fail", None)
    assert outcome.message() == "aic < 1 (aic = null)"
    [outcome] = check_all(RECORD, [parse("aic != 1")], [])
    assert outcome.status == "fail"


@pytest.mark.parametrize(("key", "message"), [
    ("r3", "unknown key 'r3' in the result (in 'r3 > 0'); keys there are: r2, aic, converged, "
           "method, rows_used, coefficients, ci, centroids"),
    ("coefficients.price.p_value",
     "unknown key 'price' under 'coefficients' (in 'coefficients.price.p_value > 0'); keys there "
     "are: names intercept, Solar.R, Solar"),
    ("ci.roc_auc", "'ci.roc_auc' in 'ci.roc_auc > 0' is not a single value; keys there are: "
                   "low, high"),
    ("method", "'method' is text ('bca'); only numbers and true/false can be checked"),
    ("warnings", "unknown key 'warnings' in the result (in 'warnings > 0'); keys there are: r2, "
                 "aic, converged, method, rows_used, coefficients, ci, centroids"),
])
def test_errors_list_what_exists(key, message):
    with pytest.raises(InputError) as error:
        resolve(RECORD, parse(f"{key} > 0"))
    assert str(error.value) == message
