"""Real processes: standard input, pipes, signals, exit codes, imports, untouched inputs."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, SAMPLE, run_process

CARS = SAMPLE / "cars.csv"


def test_python_m_and_stdin_dash():
    done = run_process("describe", "-", "--json", input=CARS.read_bytes())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["columns"][0]["name"] == "speed"


def test_piped_stdin_without_input_argument():
    done = run_process("describe", "--format", "csv", input=CARS.read_bytes())
    assert done.returncode == 0
    assert done.stdout.decode().splitlines()[0].startswith("name,n,missing,mean")


def test_input_file_is_never_modified(tmp_path):
    path = tmp_path / "cars.csv"
    path.write_bytes(CARS.read_bytes())
    before = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    done = run_process("describe", path, "-o", tmp_path / "out.md", "--format", "markdown")
    assert done.returncode == 0
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) == before


def test_closed_pipe_is_quiet_141(tmp_path):
    rows = "\n".join(f"{i},{i * 2}" for i in range(2000))
    path = tmp_path / "d.csv"
    path.write_text(f"a,b\n{rows}\n")
    # CSV of 2000 rows is far more than one pipe buffer only for data commands; describe's
    # output is small, so close the read end before the child writes anything.
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.run([sys.executable, "-m", "mlstats", "describe", str(path)],
                           stdout=write_end, stderr=subprocess.PIPE, env=env, timeout=60)
    os.close(write_end)
    assert child.returncode == 141
    assert child.stderr == b""


def test_help_into_head_is_quiet():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    shell = f"{sys.executable} -m mlstats describe --help | head -c 10 >/dev/null; " \
            "echo ${PIPESTATUS[0]}"
    done = subprocess.run(["bash", "-c", shell], capture_output=True, env=env, timeout=60)
    assert done.stdout.strip() in (b"0", b"141")  # 0 when help fits before head exits
    assert b"Exception ignored" not in done.stderr and b"Traceback" not in done.stderr


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signals_end_quietly(signum, code):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-m", "mlstats", "describe", "-"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env)
    child.stdin.write(b"a,b\n1,2\n")
    child.stdin.flush()
    time.sleep(1.5)  # importing and blocking on the rest of standard input
    child.send_signal(signum)
    out, err = child.communicate(timeout=60)
    assert child.returncode == code
    assert out == b"" and b"Traceback" not in err


def test_interrupted_output_file_leaves_nothing(tmp_path):
    # SIGTERM while reading: no output file may appear.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    target = tmp_path / "out.json"
    child = subprocess.Popen([sys.executable, "-m", "mlstats", "describe", "-", "-o",
                              str(target)], stdin=subprocess.PIPE, env=env,
                             stderr=subprocess.PIPE)
    time.sleep(1.5)
    child.send_signal(signal.SIGTERM)
    child.communicate(timeout=60)
    assert child.returncode == 143
    assert list(tmp_path.iterdir()) == []


HEAVY = ("pandas", "numpy", "scipy", "pyarrow")
PROBE = ("import sys, atexit\n"
         "atexit.register(lambda: sys.stderr.write('LOADED=' + ','.join(m for m in {heavy!r} "
         "if m in sys.modules)))\n"
         "sys.argv = ['mlstats', *{args!r}]\n"
         "from mlstats.cli.main import main\n"
         "main()\n")


def loaded_modules(*args: str) -> list[str]:
    code = PROBE.format(heavy=HEAVY, args=list(args))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    marker = done.stderr.decode().rsplit("LOADED=", 1)[1]
    return [m for m in marker.strip().split(",") if m]


def test_help_loads_no_heavy_modules():
    from typer.main import get_command

    from mlstats.cli.main import app

    assert loaded_modules("--help") == []
    for name in get_command(app).list_commands(None):
        assert loaded_modules(name, "--help") == [], name


def test_version_is_importable_alone():
    done = run_process("--version")
    assert done.returncode == 0 and done.stdout.decode().startswith("mlstats ")
