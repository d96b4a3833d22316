"""Functions that run on Spark's Python workers (`mapInArrow`), sent by value.

The cluster has no mlstats installed: `register` has cloudpickle send this module and
`mlstats.stats.summaries` by value, so that a partition's summary is built by the same code
(`RFactor.of`, `RFactor.merge`) as the local engine's. Workers need NumPy and pyarrow, which
Spark's Arrow support requires anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from mlstats.stats.summaries import RFactor


def register() -> None:
    """Send this module and the summaries by value with every function that uses them."""
    import sys

    from pyspark import cloudpickle

    import mlstats.stats.summaries as summaries

    for module in (summaries, sys.modules[__name__]):
        cloudpickle.register_pickle_by_value(module)


def r_factor_partition(scales: list[float]) -> Any:
    """A mapInArrow function: the `RFactor` of each partition's rows (columns divided by
    `scales`, powers of two), batch by batch merged by TSQR; one row out per partition."""
    import pyarrow as pa

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        total = None
        for batch in batches:
            if batch.num_rows == 0:
                continue
            x = np.column_stack([batch.column(i).to_numpy(zero_copy_only=False)
                                 for i in range(batch.num_columns)]) / np.asarray(scales)
            part = RFactor.of(x)
            total = part if total is None else total.merge(part)
        if total is not None:
            yield pa.RecordBatch.from_pydict({"n": [total.n], "mean": [total.mean.tolist()],
                                              "r": [total.r.reshape(-1).tolist()]})
    return run
