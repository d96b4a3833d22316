"""The README's shell examples are real: each one, re-run, prints exactly what is shown."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def fenced_blocks(text: str) -> list[tuple[int, int, list[str]]]:
    """(first line, end line, lines) of every fenced block (```, with or without a language)."""
    lines = text.split("\n")
    blocks, start = [], None
    for number, line in enumerate(lines):
        if line.startswith("```"):
            if start is None:
                start = number
            else:
                blocks.append((start, number, lines[start + 1:number]))
                start = None
    return blocks


def examples() -> list[tuple[str, list[str], str]]:
    """(title, commands, expected output) of every shell example (a block opening with `$ `)."""
    found = []
    for _, _, lines in fenced_blocks((ROOT / "README.md").read_text()):
        if not lines or not lines[0].startswith("$ "):
            continue
        commands = [line[2:] for line in lines if line.startswith("$ ")]
        expected = "\n".join(line for line in lines if not line.startswith("$ "))
        found.append((commands[0][:70], commands, expected))
    return found


@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    """A scratch directory with sample_data/ and an `mlstats` that runs this checkout."""
    work = tmp_path_factory.mktemp("readme")
    (work / "sample_data").symlink_to(ROOT / "sample_data")
    bin_dir = work / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "mlstats"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m mlstats "$@"\n')
    shim.chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    env.pop("MLSTATS_DEBUG", None)
    return work, env


@pytest.mark.parametrize(("title", "commands", "expected"), examples(),
                         ids=[e[0] for e in examples()])
def test_readme_example_output_is_real(shell, title, commands, expected):
    work, env = shell
    out = []
    status = 0
    for command in commands:
        if command == "echo $?":
            out.append(str(status))
            continue
        done = subprocess.run(["bash", "-c", command], cwd=work, env=env, timeout=120,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        status = done.returncode
        out.append("\n".join(line.rstrip() for line in done.stdout.rstrip("\n").split("\n")))
    shown = "\n".join(part for part in out if part)
    # The README drops blank lines at the end of an output only.
    assert_same_output(shown.rstrip("\n"), expected.rstrip("\n"))


_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def assert_same_output(shown: str, expected: str) -> None:
    """Equal text, except that full-precision numbers may differ in their last bits.

    JSON and CSV print the shortest round-trip form, whose last digits move with the BLAS
    and the NumPy/SciPy release that CI installs; 1e-12 relative is far below any rounding
    the table views show.
    """
    if shown == expected:
        return
    assert _NUMBER.sub("#", shown) == _NUMBER.sub("#", expected), (shown, expected)
    for got, want in zip(_NUMBER.findall(shown), _NUMBER.findall(expected), strict=True):
        if got != want:
            assert float(got) == pytest.approx(float(want), rel=1e-12, abs=1e-300), (got, want)
