"""Shared test helpers: run the CLI in-process (CliRunner) or as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from mlstats.cli.main import app

# CI runs a fixed set of examples (a red build must be reproducible); local runs explore.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
# The reference datasets of shared/reference, kept in the repository so that the tests stand
# alone: the CSVs are byte-identical copies in sample_data/, NIST StRD in tests/data/nist/.
REFERENCE = SAMPLE
NIST = ROOT / "tests" / "data" / "nist"


def invoke(*args: str, input: str | bytes | None = None, env: dict | None = None):
    """Run `mlstats ARGS` in-process; the result has exit_code, stdout and stderr apart."""
    return CliRunner().invoke(app, [str(a) for a in args], input=input, env=env)


def invoke_json(*args: str, input: str | None = None) -> dict:
    """Run with --json, expect exit 0, return the parsed object."""
    result = invoke(*args, "--json", input=input)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def run_process(*args: str, input: bytes | None = None, env: dict | None = None,
                timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    """Run `python -m mlstats ARGS` as a real subprocess (bytes in and out)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    full_env.pop("MLSTATS_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "mlstats", *map(str, args)], input=input,
                          capture_output=True, env=full_env, timeout=timeout, **kwargs)


@pytest.fixture
def write_csv(tmp_path):
    """Write text (or bytes) to a file in tmp_path and return its path as a string."""

    def write(content: str | bytes, name: str = "data.csv") -> str:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return str(path)

    return write
