"""Real processes: standard input, pipes, signals, exit codes, imports, untouched inputs."""

from __future__ import annotations

import hashlib
import json
import os
import re
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
    # blocked on the rest of standard input (a pipe left open)
    done, out, err, _ = signal_at(["describe", "-"], signum, 0.5, stdin=b"a,b\n1,2\n")
    assert (done, out, err) == (code, b"", b"")


def test_interrupted_output_file_leaves_nothing(tmp_path):
    # SIGTERM while reading: no output file may appear.
    target = tmp_path / "out.json"
    done, _, _, _ = signal_at(["describe", "-", "-o", str(target)], signal.SIGTERM, 0.5,
                              stdin=b"")
    assert done == 143
    assert list(tmp_path.iterdir()) == []


HEAVY = {"pandas", "numpy", "scipy", "pyarrow"}


def imported(*args: str) -> set[str]:
    """The modules `python -m mlstats ARGS` imports (python -v names each one)."""
    done = run_process(*args, env={"PYTHONVERBOSE": "1"})
    return {m.decode() for m in re.findall(rb"^import '([^']+)'", done.stderr, re.MULTILINE)}


def test_help_loads_no_heavy_modules():
    from typer.main import get_command

    from mlstats.cli.main import app

    assert imported("--help") & HEAVY == set()
    for name in get_command(app).list_commands(None):
        assert imported(name, "--help") & HEAVY == set(), name


def test_start_up_loads_only_what_the_run_uses():
    # --help lists every command without building one: no pydantic (Typer's per-parameter
    # coercion), no reader; a run imports its own command module and no other.
    help_modules = imported("--help")
    assert {"pydantic", "typer._adapters", "mlstats.io.reader", "typer.rich_utils",
            "rich.markdown"} & help_modules == set()
    run = imported("sample-size", "--std", "0.5", "--margin", "0.05")
    commands = {m for m in run if m.startswith("mlstats.cli.") and m.count(".") == 2}
    assert commands == {"mlstats.cli.app", "mlstats.cli.main", "mlstats.cli.options",
                        "mlstats.cli._emit", "mlstats.cli._process", "mlstats.cli._coerce",
                        "mlstats.cli.sample_size"}
    assert run & (HEAVY | {"mlstats.io.reader", "pydantic"}) == set()
    described = imported("describe", str(CARS), "--json")
    assert "mlstats.cli.regression" not in described and "pandas" not in described
    assert "pydantic" not in described  # options are coerced without it (cli/_coerce.py)
    assert "scipy" not in described  # its t quantile is stats/tdist.py


def test_version_is_importable_alone():
    done = run_process("--version")
    assert done.returncode == 0 and done.stdout.decode().startswith("mlstats ")


# ------------------------------------------------------------------ signals at any moment

def signal_at(args: list[str], signum: int | None, delay: float = 0.0, *,
              stdin: bytes | None = None):
    """Run `mlstats ARGS`, send `signum` `delay` seconds after main() has started.

    main() installs the handlers first thing; -X importtime marks that moment (the first
    import after mlstats.cli.main). Before it is Python's own start-up, where a SIGINT gets
    Python's KeyboardInterrupt traceback whatever the program. Returns (status, stdout,
    stderr without the import lines, seconds from the signal (or, with no signal, from that
    moment) to the end). `stdin`: bytes written to a standard input left open.
    """
    import threading

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MLSTATS_DEBUG", None)
    child = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "mlstats", *args],
                             stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    if stdin is not None:
        child.stdin.write(stdin)
        child.stdin.flush()
    started, out, err = threading.Event(), [], []

    def read_stderr() -> None:
        main_seen = False
        for line in child.stderr:
            if not line.startswith(b"import time:"):
                err.append(line)
            elif main_seen:
                started.set()
            elif line.rstrip().endswith(b"| mlstats.cli.main"):
                main_seen = True
        started.set()

    readers = [threading.Thread(target=read_stderr, daemon=True),
               threading.Thread(target=lambda: out.append(child.stdout.read()), daemon=True)]
    for reader in readers:
        reader.start()
    assert started.wait(60)
    time.sleep(delay)
    if signum is not None:
        child.send_signal(signum)
    sent = time.monotonic()
    try:
        child.wait(timeout=30)
    finally:
        child.kill()
        if child.stdin is not None:
            child.stdin.close()
    elapsed = time.monotonic() - sent
    for reader in readers:
        reader.join(timeout=30)
    return child.returncode, b"".join(out), b"".join(err), elapsed


def check_interrupted(args: list[str], signum: int, delay: float, *, finished=None) -> None:
    code, out, err, elapsed = signal_at(args, signum, delay)
    expected = 130 if signum == signal.SIGINT else 143
    where = f"{signal.Signals(signum).name} {delay:.3f} s after start-up: {args}"
    # Either the signal ended the run, or the run had already ended when it came.
    assert code == expected or (code in (0, 2) and finished is not None), (where, code, err)
    assert b"Traceback" not in err and b"Exception ignored" not in err, (where, err)
    assert elapsed < 1.0, (where, elapsed)
    if code == expected:
        assert err == b"" or err.startswith(b"mlstats: "), (where, err)
    else:
        finished(code, out, err)


def test_a_signal_at_a_random_moment_ends_quietly_within_a_second():
    # Moments spread over the whole run, most in its last fifth (writing, exiting).
    import random

    args = ["describe", str(CARS), "--json"]
    code, _, _, duration = signal_at(args, None)
    assert code == 0

    def whole_result(code, out, err):
        assert code == 0 and json.loads(out)["command"] == "describe"

    for signum, part in zip((signal.SIGINT, signal.SIGTERM) * 3,
                            (0.1, 0.5, 0.8, 0.9, 0.95, 0.99), strict=True):
        delay = duration * (part + random.uniform(-0.04, 0.03))
        check_interrupted(args, signum, delay, finished=whole_result)


@pytest.mark.slow
@pytest.mark.parametrize("args", [
    ["describe", str(CARS), "--json"],
    ["--help"],
    ["sample-size", "--baseline", "0.1", "--mde", "0.02"],
    ["bootstrap", str(SAMPLE / "airquality.csv"), "--column", "Ozone", "--resamples",
     "200000", "--quiet"],
    ["regression", str(CARS), "--y", "dist", "--x", "speed", "--cv", "5"],
    ["describe", "/nonexistent.csv"],
])
def test_signal_sweep(args):
    import random

    rng = random.Random()
    for _ in range(30):
        check_interrupted(args, rng.choice((signal.SIGINT, signal.SIGTERM)),
                          rng.uniform(0, 0.8), finished=lambda code, out, err: None)


@pytest.mark.slow
def test_interrupted_output_file_leaves_nothing_at_any_moment(tmp_path):
    import random

    target = tmp_path / "out.json"
    for _ in range(20):
        code, _, err, _ = signal_at(["bootstrap", str(SAMPLE / "airquality.csv"), "--column",
                                     "Ozone", "--resamples", "100000", "-o", str(target)],
                                    signal.SIGTERM, random.uniform(0, 1.0))
        assert code in (0, 143) and b"Traceback" not in err
        assert [p.name for p in tmp_path.iterdir()] == (["out.json"] if code == 0 else [])
        target.unlink(missing_ok=True)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupt_removes_the_unfinished_output_file(tmp_path, signum, code):
    # mlstats' own handler, with a temporary output file half written.
    target = tmp_path / "out.json"
    script = ("import time\n"
              "from mlstats.cli import _process\n"
              "from mlstats.io.writer import atomic_open\n"
              "_process.start()\n"
              f"with atomic_open({str(target)!r}) as f:\n"
              "    f.write('partial')\n"
              "    f.flush()\n"
              "    print('ready', flush=True)\n"
              "    time.sleep(60)\n")
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdout.readline() == b"ready\n"
    assert [p.name[:10] for p in tmp_path.iterdir()] == [".out.json."]
    child.send_signal(signum)
    _, err = child.communicate(timeout=30)
    assert (child.returncode, err) == (code, b"")
    assert list(tmp_path.iterdir()) == []


def test_fast_input_errors_never_abort(tmp_path):
    # An input error right after start-up once raced a background import thread at
    # interpreter shutdown (exit 134, "terminate called without an active exception").
    one_byte = tmp_path / "one.csv"
    one_byte.write_bytes(b"x")
    for _ in range(5):
        done = run_process("describe", one_byte)
        assert done.returncode == 2 and done.stderr.count(b"\n") == 1, done.stderr


@pytest.mark.slow
def test_an_error_while_the_input_is_still_hashed_never_aborts(tmp_path):
    # source.py hashes a file in a daemon thread while it is parsed: an early error ends the
    # process while that thread is still reading.
    path = tmp_path / "dup.csv"
    path.write_bytes(b"a,a\n" + b"1.25,2.5\n" * 4_000_000)
    for _ in range(10):
        done = run_process("describe", path)
        assert done.returncode == 2 and done.stderr.startswith(b"mlstats: error: duplicate")


# ------------------------------------------------------------------ standard streams

def shell(command: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `command` in bash with `mlstats` meaning `python -m mlstats` from this tree."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    full_env.pop("MLSTATS_DEBUG", None)
    prelude = f'mlstats() {{ "{sys.executable}" -m mlstats "$@"; }}\n'
    return subprocess.run(["bash", "-c", prelude + command], capture_output=True,
                          env=full_env, timeout=120)


def test_closed_stdout_is_a_closed_pipe_and_closed_stderr_is_silent(tmp_path):
    done = shell(f"mlstats describe '{CARS}' >&-; echo $?")
    assert (done.stdout, done.stderr) == (b"141\n", b"")
    done = shell("mlstats --help >&-; echo $?")
    assert (done.stdout, done.stderr) == (b"141\n", b"")
    target = tmp_path / "out.json"
    done = shell(f"mlstats describe '{CARS}' -o '{target}' >&-; echo $?")
    assert (done.stdout, done.stderr) == (b"0\n", b"")
    assert json.loads(target.read_text())["command"] == "describe"
    done = shell(f"mlstats describe '{CARS}' --json 2>&-; echo $?")
    assert done.stdout.endswith(b"}\n0\n") and done.stderr == b""
    done = shell("mlstats describe /nonexistent.csv 2>&-; echo $?")
    assert (done.stdout, done.stderr) == (b"2\n", b"")


def test_head_on_output_larger_than_the_pipe_is_141(tmp_path):
    # 600 columns of CSV (90 kB) do not fit the 64 kB pipe: the write is cut short when head
    # exits, and the rest must be written again (to meet EPIPE) rather than dropped.
    path = tmp_path / "wide.csv"
    rows = [",".join(f"c{i}" for i in range(600))]
    rows += [",".join(str(r * 600 + i + 0.5) for i in range(600)) for r in range(5)]
    path.write_text("\n".join(rows) + "\n")
    done = shell(f"mlstats describe '{path}' --format csv -q | head -1; "
                 "echo ${PIPESTATUS[0]}")
    assert done.stdout.splitlines() == [b"name,n,missing,mean,std,sem,min,q1,median,q3,max,"
                                        b"iqr,skew,kurtosis,ci_low,ci_high", b"141"]
    assert done.stderr == b""


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [f"describe '{CARS}'", "--version", "--help",
                                  "describe --help"])
def test_stdout_on_a_full_disk_is_exit_2_with_one_line(args):
    done = shell(f"mlstats {args} >/dev/full; echo $?")
    assert done.stdout == b"2\n"
    assert done.stderr == (b"mlstats: error: cannot write to standard output: no space left "
                           b"on device; free some space, or write to a file elsewhere with -o\n")


def test_ascii_standard_output_falls_back_to_ascii(tmp_path):
    ascii_env = {"PYTHONIOENCODING": "ascii"}
    table = run_process("describe", CARS, env=ascii_env)
    assert table.returncode == 0 and table.stderr == b""
    assert table.stdout.isascii() and b" -----" in table.stdout
    helped = run_process("describe", "--help", env=ascii_env)
    assert helped.returncode == 0 and helped.stdout.isascii()
    assert b"+- Options -" in helped.stdout
    path = tmp_path / "caf\u00e9.csv"
    path.write_text("drink,x\ncaf\u00e9,1\nlait,2\ncaf\u00e9,3\nlait,4\n", encoding="utf-8")
    as_json = run_process("describe", path, "--json", env=ascii_env)
    utf8 = run_process("describe", path, "--json")
    assert as_json.returncode == 0 and as_json.stdout.isascii()
    assert b"caf\\u00e9" in as_json.stdout
    assert json.loads(as_json.stdout) == json.loads(utf8.stdout)
    csv = run_process("describe", path, "--by", "drink", "--format", "csv", "-q",
                      env=ascii_env)
    assert (csv.returncode, csv.stdout) == (2, b"")
    assert csv.stderr.startswith(b"mlstats: error: standard output's encoding (ascii) cannot "
                                 b"hold '\\xe9' (U+00E9) of the data; write the file with -o")
