"""A local Spark Connect server for the tests marked `spark`, started once per session.

The server comes from the full `pyspark` package, kept in an environment of its own (it and
the `pyspark-client` of the `spark` extra both install the `pyspark` module, so they cannot
share one): MLSTATS_SPARK_PYTHON names that environment's Python (`.ci/run` makes it), or
MLSTATS_TEST_SPARK_REMOTE names a server already running. Without either, or without Java,
the Spark tests are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
START_SECONDS = 180


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def spark_remote(tmp_path_factory) -> str:
    """The sc:// address of a Spark Connect server on this machine (local[2])."""
    pytest.importorskip("pyspark.sql.connect.session", reason="the spark extra is not "
                        "installed: pip install '.[spark]'")
    given = os.environ.get("MLSTATS_TEST_SPARK_REMOTE")
    if given:
        yield given
        return
    python = os.environ.get("MLSTATS_SPARK_PYTHON")
    python = os.path.abspath(python) if python else None
    if not python:
        pytest.skip("no Spark Connect server: set MLSTATS_SPARK_PYTHON to the Python of an "
                    "environment with pyspark[connect] installed (.ci/run makes one)")
    if shutil.which("java") is None:
        pytest.skip("Java is not installed: Spark needs Java 17 or 21 (apt-get install "
                    "openjdk-17-jre-headless)")
    home = subprocess.run([python, "-c", "import os, pyspark; "
                           "print(os.path.dirname(pyspark.__file__))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    work = tmp_path_factory.mktemp("spark-server")
    port = _free_port()
    log = (work / "server.log").open("wb")
    conf = {"spark.connect.grpc.binding.address": "127.0.0.1",
            "spark.connect.grpc.binding.port": str(port), "spark.ui.enabled": "false",
            "spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1",
            "spark.local.dir": str(work), "spark.sql.shuffle.partitions": "4",
            "spark.sql.warehouse.dir": str(work / "warehouse")}
    command = [str(Path(home) / "bin" / "spark-submit"), "--class", SERVER_CLASS,
               "--master", "local[2]", "--driver-memory", "2g"]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    env = {**os.environ, "SPARK_HOME": home, "PYSPARK_PYTHON": python,
           "SPARK_LOCAL_IP": "127.0.0.1"}
    env.pop("SPARK_REMOTE", None)
    server = subprocess.Popen([*command, "spark-internal"], cwd=work, stdout=log,
                              stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _answers(port):
            if server.poll() is not None or time.monotonic() > deadline:
                tail = (work / "server.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"the Spark Connect server did not start:\n{tail}")
            time.sleep(0.5)
        yield f"sc://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
