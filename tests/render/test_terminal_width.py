"""Tables on an 80-column terminal: blocks of columns, never a split cell (issue 18)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios

import pytest

from mlstats.render.formats import _blocks, render
from tests.conftest import ROOT, SAMPLE

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def on_terminal(*args: str, columns: int = 80) -> str:
    """Run mlstats with standard output on a pseudo-terminal `columns` wide; its text."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in ("COLUMNS", "LINES", "MLSTATS_DEBUG"):
        env.pop(name, None)
    process = subprocess.Popen([sys.executable, "-m", "mlstats", *args], stdout=slave,
                               stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(master)
    return _ANSI.sub("", b"".join(chunks).decode()).replace("\r\n", "\n")


def test_wide_describe_fits_80_columns_in_blocks():
    text = on_terminal("describe", str(SAMPLE / "airquality.csv"), "--by", "Month")
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "columns (continued)" in text
    assert "(split into blocks of columns to fit 80; --format csv shows tables whole)" in text
    # Every number of the CSV view appears whole in the table (rounded to 6 digits).
    assert "-0.0820673" in text and "Solar.R[5]" in text


def test_regression_coefficients_are_never_split():
    text = on_terminal("regression", str(SAMPLE / "cars.csv"), "--y", "dist", "--x", "speed")
    assert max(len(line) for line in text.splitlines()) <= 80
    # R's coefficients table: the p-value to 3 digits, as summary(lm) prints it
    assert "  speed          3.932      0.4155     9.464   1.49e-12   ***" in text.splitlines()


def test_piped_tables_are_never_split_into_blocks():
    done = subprocess.run([sys.executable, "-m", "mlstats", "describe",
                           str(SAMPLE / "airquality.csv"), "--by", "Month"],
                          capture_output=True, text=True, env={**os.environ,
                                                               "PYTHONPATH": str(ROOT)})
    assert "(continued)" not in done.stdout and max(map(len, done.stdout.splitlines())) > 80


@pytest.mark.parametrize("width", [20, 40, 80, 120])
def test_blocks_fit_and_keep_the_first_column(width):
    sizes = [10, 3, 7, 12, 5, 9, 11, 2, 8]
    blocks = _blocks(sizes, width)
    assert sorted({j for block in blocks for j in block}) == list(range(len(sizes)))
    for block in blocks:
        assert block[0] == 0
        assert sum(sizes[j] + 3 for j in block) + 1 <= width or len(block) == 2


def test_block_widths_match_rich():
    rows = [{"name": f"row{i}", **{f"col{j}": 1.23456789 * 10**j for j in range(12)}}
            for i in range(20)]
    record = {"command": "x", "mlstats_version": "0", "warnings": [], "things": rows}
    text = render(record, "table", width=60)
    assert max(len(line) for line in text.splitlines()) <= 60
    assert "things (continued)" in text and "1.23457e+11" in text
