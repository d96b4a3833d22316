"""The runner and the shared options: exit codes, one-line errors, output files, checks."""

from __future__ import annotations

import json
import os

import pytest

from mlstats import __version__
from tests.conftest import SAMPLE, invoke

CARS = str(SAMPLE / "cars.csv")


def test_version():
    result = invoke("--version")
    assert (result.exit_code, result.stdout) == (0, f"mlstats {__version__}\n")


def test_help_lists_every_command_with_its_purpose():
    result = invoke("--help")
    assert result.exit_code == 0
    assert "describe" in result.stdout and "Summary statistics per column" in result.stdout


def test_no_command_shows_help():
    result = invoke()
    assert result.exit_code == 0 and "Usage" in result.stdout


def test_command_help_has_an_example():
    result = invoke("describe", "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout and "mlstats describe sample_data/" in result.stdout


@pytest.mark.parametrize(("args", "line"), [
    (["describe", CARS, "--bogus"],
     "no such option: --bogus (Possible options: --columns); see mlstats describe --help"),
    (["describe", CARS, "--format", "xml"],
     "invalid value for '--format': 'xml' is not one of 'table', 'json', 'csv', 'tsv', "
     "'markdown', 'md'; see mlstats describe --help"),
    (["describe", CARS, "--confidence", "abc"],
     "invalid value for '--confidence': Input should be a valid number, unable to parse string "
     "as a number; see mlstats describe --help"),
    (["nosuch"], "no such command 'nosuch'; see mlstats --help"),
    (["kmeans", CARS, "--k"], "option '--k' requires an argument; see mlstats kmeans --help"),
    (["clean", CARS, "--missing"],
     "option '--missing' requires an argument; see mlstats clean --help"),
])
def test_usage_errors_are_one_line_exit_2(args, line):
    result = invoke(*args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"mlstats: error: {line}\n"


def test_domain_errors_are_one_line_exit_2():
    result = invoke("describe", CARS, "--confidence", "1.5")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "mlstats: error: --confidence must be between 0 and 1 (got 1.5)\n"


def test_a_crash_is_exit_3_with_one_line(monkeypatch):
    import mlstats.stats.describe as module

    def crash(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(module, "describe", crash)
    result = invoke("describe", CARS)
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        "mlstats: error: internal error (ZeroDivisionError: boom); this is a bug in mlstats, "
        "please report it with the command line (MLSTATS_DEBUG=1 shows the traceback)\n")
    debug = invoke("describe", CARS, env={"MLSTATS_DEBUG": "1"})
    assert debug.exit_code == 3 and "Traceback" in debug.stderr


def test_json_envelope_and_provenance():
    result = invoke("describe", CARS, "--json")
    record = json.loads(result.stdout)
    assert record["command"] == "describe" and record["mlstats_version"] == __version__
    assert record["rows_used"] == 50 and record["warnings"] == []
    prov = record["provenance"]
    assert set(prov) == {"input", "sha256", "rows_read", "rows_used", "rows_dropped", "seed",
                         "engine", "exact", "versions"}
    assert (prov["engine"], prov["exact"]) == ("local", True)
    assert set(prov["versions"]) == {"mlstats", "python", "numpy", "scipy", "pandas"}
    assert (prov["input"], prov["rows_read"], prov["rows_dropped"]) == (CARS, 50, 0)


def test_json_flag_conflicts_with_another_format():
    result = invoke("describe", CARS, "--json", "--format", "csv")
    assert result.exit_code == 2
    assert result.stderr == "mlstats: error: --json conflicts with --format csv; give one of them\n"


def test_output_file_is_written_whole(tmp_path):
    target = tmp_path / "out.json"
    result = invoke("describe", CARS, "--json", "-o", str(target))
    assert (result.exit_code, result.stdout) == (0, "")
    assert json.loads(target.read_text())["command"] == "describe"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_output_to_a_device_writes_through_it_and_keeps_it(tmp_path):
    # -o /dev/null once renamed a temporary file over the device (as root: /dev/null became
    # a regular file). A character device is written in place and stays a device.
    import stat

    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("creating a device node needs root")
    result = invoke("describe", CARS, "--json", "-o", str(device))
    assert (result.exit_code, result.stdout) == (0, "")
    assert stat.S_ISCHR(device.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["null"]


def test_output_to_a_named_pipe_is_written_in_place(tmp_path):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    result = invoke("describe", CARS, "--json", "-o", str(fifo))
    reader.join(timeout=30)
    assert (result.exit_code, result.stdout) == (0, "")
    assert json.loads(received[0])["command"] == "describe"
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_output_through_a_symbolic_link_replaces_the_file_it_names(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    result = invoke("describe", CARS, "--json", "-o", str(link))
    assert result.exit_code == 0
    assert link.is_symlink() and json.loads(real.read_text())["command"] == "describe"


def test_output_to_a_missing_directory_is_exit_2_with_no_file(tmp_path):
    target = tmp_path / "missing" / "out.json"
    result = invoke("describe", CARS, "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr == (f"mlstats: error: cannot write '{target}': no such file or "
                             "directory; check the path and free space\n")
    assert not target.parent.exists()


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    import mlstats.io.writer as writer

    target = tmp_path / "out.csv"

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer.os, "fsync", full)
    result = invoke("describe", CARS, "--format", "csv", "-o", str(target))
    assert result.exit_code == 2
    assert "no space left on device" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_output_must_not_be_the_input(tmp_path):
    source = tmp_path / "d.csv"
    source.write_text("a\n1\n2\n")
    before = source.read_bytes()
    result = invoke("describe", str(source), "-o", str(source))
    assert result.exit_code == 2
    assert result.stderr == (f"mlstats: error: -o '{source}' is the input file; write the "
                             "result somewhere else\n")
    assert source.read_bytes() == before


def test_asserts_and_warns():
    passing = invoke("describe", CARS, "--assert", "columns.speed.mean > 15", "--json")
    assert passing.exit_code == 0 and passing.stderr == ""
    assert json.loads(passing.stdout)["assertions"] == [
        {"expr": "columns.speed.mean > 15", "status": "pass", "actual": 15.4}]
    failing = invoke("describe", CARS, "--assert", "columns.speed.mean > 20",
                     "--assert", "columns.dist.n == 50", "--warn", "columns.dist.max < 100")
    assert failing.exit_code == 1
    assert failing.stderr == (
        "mlstats: assertion failed: columns.speed.mean > 20 (columns.speed.mean = 15.4)\n"
        "mlstats: warning: check failed: columns.dist.max < 100 (columns.dist.max = 120)\n")
    assert failing.stdout.rstrip().splitlines()[-4:] == [
        "checks", "  FAIL columns.speed.mean > 20 (actual: 15.4)",
        "  PASS columns.dist.n == 50 (actual: 50)", "  WARN columns.dist.max < 100 (actual: 120)"]


def test_warn_alone_never_fails():
    result = invoke("describe", CARS, "--warn", "columns.speed.mean > 20", "--quiet")
    assert (result.exit_code, result.stderr) == (0, "")


def test_bad_assert_is_exit_2_before_any_work():
    result = invoke("describe", "/nonexistent.csv", "--assert", "r2 >>= 1")
    assert result.exit_code == 2
    assert result.stderr.startswith("mlstats: error: --assert 'r2 >>= 1' is not KEY OP VALUE")
    unknown = invoke("describe", CARS, "--assert", "columns.sped.mean > 1")
    assert unknown.exit_code == 2
    assert unknown.stderr == (
        "mlstats: error: unknown key 'sped' under 'columns' (in 'columns.sped.mean > 1'); keys "
        "there are: names speed, dist\n")


def test_quiet_silences_warnings_but_json_keeps_them():
    path = str(SAMPLE / "airquality.csv")
    loud = invoke("describe", path, "--columns", "Ozone", "--json")
    assert loud.stderr == ("mlstats: warning: missing values left out per column: "
                           "Ozone 37\n")
    quiet = invoke("describe", path, "--columns", "Ozone", "--json", "--quiet")
    assert quiet.stderr == ""
    assert json.loads(quiet.stdout)["warnings"] == ["missing values left out per column: Ozone 37"]


def test_no_color_on_a_terminal(monkeypatch):
    import sys

    import mlstats.cli._emit as emit_module

    monkeypatch.setattr(emit_module, "_stdout_is_terminal", lambda: True)
    coloured = invoke("describe", CARS)
    assert "\x1b[" in coloured.stdout
    monkeypatch.setenv("NO_COLOR", "1")
    plain = invoke("describe", CARS)
    assert "\x1b[" not in plain.stdout
    assert sys.stdout is not None and os.environ["NO_COLOR"] == "1"


def test_library_warnings_never_reach_the_user(write_csv):
    # NumPy would warn about overflow in these squares; our own warnings are the only ones.
    result = invoke("describe", write_csv("x\n1e300\n-1e300\n1e300\n"))
    assert result.exit_code == 0
    assert result.stderr == "mlstats: warning: column 'x' has 3 values: kurtosis needs 4\n"


def test_no_output_of_any_kind_may_replace_an_input(tmp_path):
    source = tmp_path / "scores.csv"
    source.write_bytes((SAMPLE / "scores.csv").read_bytes())
    before = source.read_bytes()
    result = invoke("precision-recall", str(source), "--true", "label", "--score", "score",
                    "--curve", str(source))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"mlstats: error: '{source}' is an input file of this run; "
                             "write the output somewhere else\n")
    assert source.read_bytes() == before
    # the next run starts afresh: yesterday's input may be today's output
    target = tmp_path / "curve.csv"
    target.write_text("old\n")
    done = invoke("precision-recall", str(source), "--true", "label", "--score", "score",
                  "--curve", str(target), "--quiet")
    assert done.exit_code == 0 and target.read_text().startswith("threshold,")


# ------------------------------------------------------------------ the command-line shell

def test_bare_mlstats_prints_the_help_once():
    result = invoke()
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.count("Usage: mlstats [OPTIONS] COMMAND") == 1
    assert result.stdout == invoke("--help").stdout


def _help(*args: str) -> str:
    """A help page on one line per row, at a width where nothing wraps."""
    result = invoke(*args, "--help", env={"COLUMNS": "250"})
    assert (result.exit_code, result.stderr) == (0, "")
    return result.stdout


def test_help_shows_plain_metavars_and_no_python_types():
    page = _help("describe")
    for python_spelling in ("<str>", "<bool>", "<float>", "<list[str]>", "[[INPUT]]",
                            "<table|json"):
        assert python_spelling not in page
    assert "Usage: mlstats describe [OPTIONS] [INPUT]" in page
    rows = {" ".join(line.strip("│ ").split()[:4]) for line in page.splitlines()}
    assert {"--columns COLS Comma-separated columns,", "--confidence P Confidence level",
            "--sep, --delimiter -d CHAR", "--output -o FILE Write", "--assert EXPR Check 'KEY",
            "--json Short for --format", "--no-header The first line"} <= rows
    assert "[default: 0.95]" in page
    assert "[default: (" not in _help("sample-size") and "[default: 0.95]" in _help(
        "sample-size")
    ab_rows = [" ".join(line.strip("│ ").split()) for line in _help("ab-test").splitlines()]
    assert any(r.startswith("--alternative two-sided|larger|smaller larger:") for r in ab_rows)
    assert any(r.startswith("--test TEST auto is z") and "[one of: auto, z, chi2, fisher, "
               "welch, student, mannwhitney, permutation] [default: auto]" in r
               for r in ab_rows)


def test_plot_help_says_how_to_install_the_extra():
    page = " ".join(_help("bootstrap").split())
    assert ("needs the plot extra: pip install '.[plot]' from a clone of mlstats, pip install "
            "'mlstats[plot]' once published" in page)


def test_delimiter_is_an_alias_of_sep(write_csv):
    path = write_csv("a|b,c\n1|2,3\n4|5,6\n")
    by_sep = invoke("describe", path, "--sep", "|", "--json")
    for spelling in ("-d", "--delimiter"):
        result = invoke("describe", path, spelling, "|", "--json")
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["columns"] == json.loads(by_sep.stdout)["columns"]
    assert [c["name"] for c in json.loads(by_sep.stdout)["columns"]] == ["a"]


def test_format_md_is_markdown():
    short = invoke("describe", CARS, "--format", "md")
    assert short.exit_code == 0 and short.stdout.startswith("### mlstats describe")
    assert short.stdout == invoke("describe", CARS, "--format", "markdown").stdout


@pytest.mark.parametrize(("name", "starts"), [
    ("out.json", '{\n  "command": "describe"'), ("out.CSV", "name,n,missing,mean"),
    ("out.tsv", "name\tn\tmissing\tmean"), ("out.md", "### mlstats describe"),
    ("out.txt", "mlstats describe\n"), ("out", "mlstats describe\n"),
])
def test_output_format_follows_the_extension(tmp_path, name, starts):
    target = tmp_path / name
    result = invoke("describe", CARS, "-o", str(target))
    assert (result.exit_code, result.stdout) == (0, "")
    assert target.read_text().startswith(starts)


def test_an_explicit_format_wins_over_the_extension(tmp_path):
    target = tmp_path / "out.json"
    assert invoke("describe", CARS, "--format", "csv", "-o", str(target)).exit_code == 0
    assert target.read_text().startswith("name,n,missing,mean")
    result = invoke("describe", CARS, "--json", "--format", "table")
    assert result.stderr == ("mlstats: error: --json conflicts with --format table; give one "
                             "of them\n")


def _seed(*args: str) -> int | None:
    result = invoke(*args, "--json", "--quiet")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["provenance"]["seed"]


@pytest.mark.parametrize("args", [
    ("bootstrap", CARS, "--column", "dist", "--resamples", "200"),
    ("ab-test", "--counts", "A=12/100", "--counts", "B=20/100", "--test", "permutation",
     "--resamples", "200"),
    ("precision-recall", str(SAMPLE / "scores.csv"), "--true", "label", "--score", "score",
     "--ci", "--resamples", "50"),
    ("regression", CARS, "--y", "dist", "--x", "speed", "--cv", "5"),
])
def test_a_randomized_run_without_seed_records_the_seed_that_repeats_it(args):
    drawn = _seed(*args)
    assert isinstance(drawn, int) and drawn >= 0
    first = invoke(*args, "--seed", str(drawn), "--json", "--quiet")
    again = invoke(*args, "--seed", str(drawn), "--json", "--quiet")
    assert first.stdout == again.stdout
    assert json.loads(first.stdout)["provenance"]["seed"] == drawn
    assert _seed(*args) != drawn  # a fresh draw each run (equal with odds 2⁻³²)


@pytest.mark.parametrize("args", [
    ("ab-test", "--counts", "A=12/100", "--counts", "B=20/100"),
    ("regression", CARS, "--y", "dist", "--x", "speed"),
    ("precision-recall", str(SAMPLE / "scores.csv"), "--true", "label", "--score", "score"),
])
def test_a_deterministic_run_records_no_seed(args):
    result = invoke(*args, "--json", "--quiet")
    assert json.loads(result.stdout).get("provenance", {"seed": None})["seed"] is None


def test_a_randomized_run_repeats_with_its_drawn_seed():
    # the drawn seed reproduces the very numbers of the run that drew it
    args = ("bootstrap", CARS, "--column", "dist", "--resamples", "300", "--json", "--quiet")
    unseeded = json.loads(invoke(*args).stdout)
    seeded = json.loads(invoke(*args, "--seed", str(unseeded["provenance"]["seed"])).stdout)
    assert seeded == unseeded


def test_help_builds_no_command_and_a_run_builds_only_its_own():
    from typer.main import get_command

    from mlstats.cli.main import COMMANDS, app

    group = get_command(app)
    with group.make_context("mlstats", ["describe"]) as ctx:
        page = group.get_help(ctx)
    assert all(name in page for name in COMMANDS)
    assert dict(group.commands._built) == {}
    assert group.get_command(ctx, "describe").name == "describe"
    assert list(group.commands._built) == ["describe"]


def test_a_new_command_is_one_line_in_commands(tmp_path, monkeypatch):
    # The pattern for a new command: a module with @command(app, NAME, ...) and one line
    # NAME: MODULE in mlstats.cli.main.COMMANDS.
    import sys

    import mlstats.cli.app as app_module
    import mlstats.cli.main as main_module

    (tmp_path / "hello_command.py").write_text(
        "from mlstats.cli.app import app\n"
        "from mlstats.cli.options import OutputOptions, command\n\n\n"
        "@command(app, 'hello', reads=False, example='mlstats hello')\n"
        "def hello_command(*, out: OutputOptions) -> None:\n"
        '    """Say hello."""\n'
        "    from mlstats.cli._emit import emit\n\n"
        "    emit('hello', {'greeting': 'hello'}, out)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(app_module, "_DEFINED", dict(app_module._DEFINED))
    monkeypatch.setitem(main_module.COMMANDS, "hello", "hello_command")
    monkeypatch.delitem(sys.modules, "hello_command", raising=False)
    listed = [line.strip("│ ").split(None, 1) for line in _help().splitlines()]
    assert ["hello", "Say hello."] in listed
    result = invoke("hello", "--json")
    assert (result.exit_code, json.loads(result.stdout)["greeting"]) == (0, "hello")
