"""Text charts for the table view: a curve and a histogram, drawn with plain characters."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence


def line_chart(xs: Sequence[float], ys: Sequence[float], *, width: int = 60, height: int = 12,
               x_label: str = "x", y_label: str = "y", mark: float | None = None) -> str:
    """A scatter of (x, y) points joined by nearest-cell dots; `mark` draws a vertical '|' at x."""
    points = [(x, y) for x, y in zip(xs, ys, strict=True)
              if x is not None and y is not None and math.isfinite(x) and math.isfinite(y)]
    if len(points) < 2:
        return ""
    x_lo, x_hi = min(p[0] for p in points), max(p[0] for p in points)
    y_lo, y_hi = min(p[1] for p in points), max(p[1] for p in points)
    x_span = (x_hi - x_lo) or 1.0
    y_span = (y_hi - y_lo) or 1.0
    grid = [[" "] * width for _ in range(height)]

    def cell(x: float, y: float) -> tuple[int, int]:
        col = round((x - x_lo) / x_span * (width - 1))
        row = height - 1 - round((y - y_lo) / y_span * (height - 1))
        return row, col

    if mark is not None and x_lo <= mark <= x_hi:
        col = cell(mark, y_lo)[1]
        for row in range(height):
            grid[row][col] = "|"
    ordered = sorted(points)
    for (x0, y0), (x1, y1) in itertools.pairwise(ordered):
        steps = max(abs(cell(x1, y1)[1] - cell(x0, y0)[1]), 1)
        for i in range(steps + 1):
            t = i / steps
            r, c = cell(x0 + t * (x1 - x0), y0 + t * (y1 - y0))
            if grid[r][c] == " ":
                grid[r][c] = "·"
    for x, y in ordered:
        r, c = cell(x, y)
        grid[r][c] = "●"
    top, bottom = f"{y_hi:.4g}", f"{y_lo:.4g}" if y_hi != y_lo else ""
    pad = max(len(top), len(bottom))
    lines = [f"{y_label}"]
    for i, row in enumerate(grid):
        label = top if i == 0 else bottom if i == height - 1 else ""
        lines.append(f"{label:>{pad}} ┤{''.join(row)}")
    lines.append(" " * pad + " └" + "─" * width)
    left, right = f"{x_lo:.4g}", f"{x_hi:.4g}" if x_hi != x_lo else ""
    lines.append(" " * (pad + 2) + left + " " * max(width - len(left) - len(right), 1) + right)
    lines.append(" " * (pad + 2) + x_label.center(width))
    return "\n".join(lines)


def histogram(counts: Sequence[int], edges: Sequence[float], *, width: int = 40,
              marks: Sequence[float] = ()) -> str:
    """Horizontal bars, one per bin; bins holding a value in `marks` are flagged with '◀'."""
    peak = max(counts) if counts else 0
    if peak == 0:
        return ""
    lines = []
    for count, lo, hi in zip(counts, edges[:-1], edges[1:], strict=True):
        bar = "█" * max(round(count / peak * width), 1 if count else 0)
        flag = " ◀" if any(lo <= m < hi or (m == hi == edges[-1]) for m in marks) else ""
        lines.append(f"{lo:>12.5g} {bar:<{width}} {count}{flag}")
    return "\n".join(lines)
