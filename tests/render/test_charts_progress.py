"""Text charts and the progress helper."""

from __future__ import annotations

import sys

from mlstats.render.charts import histogram, line_chart
from mlstats.render.progress import progress


def test_line_chart_marks_points_and_axis_labels():
    text = line_chart([1, 2, 3, 4], [10.0, 5.0, 2.5, 2.0], width=20, height=5, x_label="k",
                      y_label="inertia", mark=2)
    lines = text.splitlines()
    assert lines[0] == "inertia"
    assert lines[1].startswith("10 ┤") and lines[5].startswith(" 2 ┤")
    assert text.count("●") == 4 and "|" in text
    assert lines[-2].split() == ["1", "4"] and lines[-1].strip() == "k"


def test_flat_chart_labels_its_axis_once():
    lines = line_chart([0, 0, 0], [1.0, 1.0, 1.0], width=10, height=3).splitlines()
    assert lines[1].startswith("1 ┤") and lines[3].startswith("  ┤")
    assert lines[-2].split() == ["0"]


def test_line_chart_needs_two_finite_points():
    assert line_chart([1], [2]) == ""
    assert line_chart([1, 2], [float("nan"), 1]) == ""


def test_histogram_flags_marked_bins():
    text = histogram([1, 4, 2], [0.0, 1.0, 2.0, 3.0], width=8, marks=[1.5])
    lines = text.splitlines()
    assert len(lines) == 3
    assert lines[1].endswith("████████ 4 ◀") and not lines[0].endswith("◀")


def test_progress_is_silent_off_a_terminal(capsys):
    with progress(10, "work") as advance:
        advance(5)
    assert capsys.readouterr().err == ""


def test_progress_is_silent_when_quiet(monkeypatch, capsys):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    with progress(10, "work", quiet=True) as advance:
        advance(10)
    assert capsys.readouterr().err == ""
