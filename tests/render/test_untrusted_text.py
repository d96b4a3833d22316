"""Text from the data never drives the terminal: errors, CSV, JSON, data rows (issue 18)."""

from __future__ import annotations

import json

from mlstats.io.writer import _shown
from tests.conftest import invoke, run_process
from tests.render.test_terminal_width import on_terminal

ESC = "\x1b]0;pwned\x07\x1b[31m"


def test_unknown_column_lists_show_escapes(write_csv):
    path = write_csv(f"a{ESC},b\n1,2\n")
    result = invoke("describe", path, "--columns", "zz")
    assert result.exit_code == 2 and "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "a\\x1b]0;pwned\\x07\\x1b[31m" in result.stderr


def test_duplicate_header_names_show_escapes(write_csv):
    path = write_csv(f"x{ESC},x{ESC}\n1,2\n")
    result = invoke("describe", path)
    assert result.exit_code == 2 and "\x1b" not in result.stderr
    assert result.stderr.startswith("mlstats: error: duplicate column name 'x\\x1b]0;pwned")


def test_control_group_name_in_errors_shows_escapes(write_csv):
    path = write_csv("g,y\nA,1\nB,2\nA,3\nB,4\n")
    result = invoke("ab-test", path, "--group", "g", "--metric", "y", "--control", f"Z{ESC}")
    assert result.exit_code == 2 and "\x1b" not in result.stderr


def test_csv_on_a_terminal_shows_escapes_and_keeps_data_when_piped(write_csv):
    path = write_csv(f"name,v\nrow{ESC},1\nok,2\nok,3\n")
    args = ("describe", path, "--by", "name", "--format", "csv", "--quiet")
    shown = on_terminal(*args)
    assert "\x1b" not in shown and "row\\x1b]0;pwned\\x07\\x1b[31m" in shown
    piped = run_process(*args)
    assert piped.returncode == 0 and ESC.encode() in piped.stdout


def test_json_escapes_c1_controls_and_bidi_overrides(write_csv):
    name = "evil\u202e\x85\u2028x"
    path = write_csv(f"g,v\n{name},1\n{name},2\nb,3\nb,4\n")
    result = invoke("describe", path, "--by", "g", "--json", "--quiet")
    assert result.exit_code == 0
    for raw in ("\u202e", "\x85", "\u2028"):
        assert raw not in result.stdout
    assert "\\u202e\\u0085\\u2028" in result.stdout
    assert json.loads(result.stdout)["columns"][0]["group"] == name


def test_data_rows_for_a_terminal_show_escapes_but_keep_tabs_and_line_breaks():
    assert _shown(b"a\tb\x1b[2J\r\nc\x07\n") == b"a\tb\\x1b[2J\r\nc\\x07\n"


def test_quoted_values_in_errors_are_cut_to_about_80_characters(write_csv):
    path = write_csv("g,y\nA,1\nB,2\nA,3\nB,4\n")
    result = invoke("ab-test", path, "--group", "g", "--metric", "y", "--control", "Q" * 300)
    assert result.exit_code == 2
    assert "'" + "Q" * 79 + "…'" in result.stderr and "Q" * 80 not in result.stderr


def test_text_between_two_quoted_values_is_not_cut():
    from mlstats.render.text import shorten_quoted

    between = " and a long stretch of our own words " * 4
    message = f"--y 'y' has the labels 'a'{between}'b'; say which"
    assert shorten_quoted(message) == message
    long = "v" * 200
    assert shorten_quoted(f"value '{long}' at line 3") == f"value '{'v' * 79}…' at line 3"
