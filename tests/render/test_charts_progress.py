"""Text charts and the progress helper."""

from __future__ import annotations

import importlib
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


def test_a_run_expected_to_take_over_a_minute_is_warned_once(monkeypatch, capsys):
    # issue 19: after SETTLE seconds of work the expected duration is judged, once, terminal
    # or not: 10 of 100 steps in 7 s → about 70 s in all
    p = importlib.import_module("mlstats.render.progress")  # the module, not the function
    clock = iter([0.0, 1.0, 7.0, 50.0, 70.0])
    monkeypatch.setattr(p.time, "monotonic", lambda: next(clock))
    with progress(100, "work", forecast=p.resampling_forecast(100, "this bootstrap")) as step:
        step(5)  # 1 s: too early to tell
        step(5)  # 7 s: 10 of 100 → 70 s
        step(40)
        step(50)
    assert capsys.readouterr().err == (
        "mlstats: warning: this bootstrap will take about 70 s (100 resamples); --resamples 85 "
        "would take about a minute, with a larger Monte-Carlo error in the interval's ends\n")


def test_a_short_run_and_a_quiet_one_are_not_warned(monkeypatch, capsys):
    p = importlib.import_module("mlstats.render.progress")  # the module, not the function
    clock = iter([0.0, 3.0])
    monkeypatch.setattr(p.time, "monotonic", lambda: next(clock))
    with progress(100, "work", forecast=p.resampling_forecast(100, "this")) as step:
        step(10)  # 3 s for 10 of 100: 30 s in all
        step(90)
    with progress(100, "work", quiet=True, forecast=lambda s: "never") as step:
        step(1)
    assert capsys.readouterr().err == ""


def test_durations_read_as_a_person_would_say_them():
    from mlstats.render.progress import duration

    assert [duration(s) for s in (45.2, 89, 95, 3500, 3599, 11_460)] == [
        "45 s", "89 s", "2 min", "58 min", "1 h", "3 h 11 min"]
