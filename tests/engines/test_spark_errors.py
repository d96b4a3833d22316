"""`--engine spark` errors that need no server: each one line, exit 2, no traceback."""

import socket
import sys

import pytest

from tests.conftest import SAMPLE, invoke

AIR = str(SAMPLE / "airquality.csv")


def _error(*args: str, env: dict | None = None) -> str:
    result = invoke(*args, env=env)
    assert (result.exit_code, result.stdout) == (2, ""), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    return result.stderr


def test_missing_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark.sql.connect.session", None)  # import fails
    assert _error("describe", AIR, "--engine", "spark", "--remote", "sc://127.0.0.1:1") == (
        "mlstats: error: --engine spark needs the spark extra (the Spark Connect client): "
        "pip install 'mlstats[spark]'\n")


def test_unreachable_server_names_the_address(monkeypatch):
    pytest.importorskip("pyspark.sql.connect.session")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("MLSTATS_SPARK_TIMEOUT", "2")
    assert _error("describe", AIR, "--engine", "spark", "--remote",
                  f"sc://127.0.0.1:{port}/;token=secret") == (
        f"mlstats: error: cannot reach the Spark Connect server at 127.0.0.1:{port} (no "
        "answer within 2 s); start it, or check --remote / SPARK_REMOTE\n")


def test_no_address_says_how_to_give_one(monkeypatch):
    pytest.importorskip("pyspark.sql.connect.session")
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    assert _error("describe", AIR, "--engine", "spark") == (
        "mlstats: error: --engine spark needs a Spark Connect server: give --remote "
        "sc://HOST:PORT, or set SPARK_REMOTE\n")


@pytest.mark.parametrize(("args", "message"), [
    (("describe", AIR, "--table", "db.events"),
     "--table applies to --engine spark, not --engine local; add --engine spark or drop "
     "--table"),
    (("describe", "--table", "db.events", AIR, "--engine", "spark"),
     "--table replaces INPUT: give the catalog table or the path, not both"),
    (("clean", AIR, "--engine", "spark"),
     "this command runs on --engine local only, not spark; use --engine local (or unset "
     "MLSTATS_ENGINE)"),
    (("jackknife", AIR, "--column", "Ozone", "--engine", "spark"),
     "this command runs on --engine local only, not spark; use --engine local (or unset "
     "MLSTATS_ENGINE)"),
])
def test_refusals(args, message):
    assert _error(*args) == f"mlstats: error: {message}\n"
