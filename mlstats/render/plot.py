"""PNG charts for `--plot`: matplotlib from the `plot` extra, written atomically."""

from __future__ import annotations

from typing import Any

from mlstats.errors import InputError


def pyplot() -> Any:
    """matplotlib.pyplot on the non-interactive Agg backend, or an error naming the extra."""
    try:
        import matplotlib
    except ImportError:
        raise InputError(
            "--plot needs matplotlib: pip install '.[plot]' from a clone of mlstats, or "
            "pip install 'mlstats[plot]' once published"
        ) from None
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def save_figure(figure: Any, path: str) -> None:
    """Save `figure` as PNG to `path` (atomically: no partial file on failure) and close it."""
    from mlstats.io.writer import atomic_open

    try:
        with atomic_open(path, "wb") as f:
            figure.savefig(f, format="png", dpi=120, bbox_inches="tight")
    finally:
        pyplot().close(figure)


def heatmap(labels: list[str], values: list[list[float | None]], path: str, *,
            title: str) -> None:
    """A square matrix of values in [−1, 1] (red negative, blue positive), each cell labelled."""
    import math

    plt = pyplot()
    k = len(labels)
    size = max(4.0, 0.75 * k + 2)
    figure, axes = plt.subplots(figsize=(size + 1, size))
    grid = [[math.nan if v is None else v for v in row] for row in values]
    image = axes.imshow(grid, cmap="RdBu", vmin=-1, vmax=1)
    axes.set_xticks(range(k), labels, rotation=45, ha="right")
    axes.set_yticks(range(k), labels)
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            text = "null" if math.isnan(value) else f"{value:.2f}"
            dark = not math.isnan(value) and abs(value) > 0.6
            axes.text(j, i, text, ha="center", va="center", fontsize=9,
                      color="white" if dark else "black")
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04)
    axes.set_title(title)
    save_figure(figure, path)
