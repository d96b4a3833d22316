"""Numeric columns of a table as one float64 matrix, without holding the data twice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from mlstats.io.reader import Table


def take_matrix(table: Table, names: Sequence[str]) -> np.ndarray:
    """The columns `names` as a rows × columns float64 array (column-major), moved out of
    `table`: each column leaves the table, and its memory the process, once copied, so a
    large input is never held twice. The table keeps its other columns, row counts and
    provenance; `table.columns` no longer lists the taken ones.
    """
    import numpy as np

    from mlstats.io._arrow import release_memory

    data = np.empty((table.arrow.num_rows, len(names)), order="F")
    for j, name in enumerate(names):
        data[:, j] = table.numeric(name)
        table.arrow = table.arrow.drop_columns([name])
        release_memory()
    return data
