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
