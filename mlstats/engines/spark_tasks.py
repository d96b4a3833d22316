"""Functions that run on Spark's Python workers (`mapInArrow`), sent by value.

The cluster has no mlstats installed: `register` has cloudpickle send this module,
`mlstats.stats.summaries` and `mlstats.stats.poisson` by value, so that a partition's summary
is built by the same code (`RFactor.of`, `RFactor.merge`; the Poisson counts of
`poisson.weighted_sums`) as the local engine's. Workers need NumPy and pyarrow, which
Spark's Arrow support requires anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from mlstats.stats.poisson import BATCH, row_keys, weighted_sums
from mlstats.stats.summaries import RFactor


def register() -> None:
    """Send this module and the summaries by value with every function that uses them."""
    import sys

    from pyspark import cloudpickle

    import mlstats.stats.poisson as poisson
    import mlstats.stats.summaries as summaries

    for module in (summaries, poisson, sys.modules[__name__]):
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


def poisson_partition(seed: int, resamples: int) -> Any:
    """A mapInArrow function over rows (row number, centred values…): each partition's
    `poisson.weighted_sums` for resamples 0 … `resamples` − 1, with its first row number
    (for adding the partitions in input order); one row out per partition."""
    import pyarrow as pa

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        total, first = None, None
        every = np.arange(resamples, dtype=np.uint64)
        for batch in batches:
            if batch.num_rows == 0:
                continue
            rows = batch.column(0).to_numpy(zero_copy_only=False)
            d = np.column_stack([batch.column(i).to_numpy(zero_copy_only=False)
                                 for i in range(1, batch.num_columns)])
            keys = row_keys(seed, rows)
            part = np.concatenate([weighted_sums(keys, d, every[s:s + BATCH])
                                   for s in range(0, resamples, BATCH)])
            total = part if total is None else total + part
            first = int(rows.min()) if first is None else min(first, int(rows.min()))
        if total is not None:
            yield pa.RecordBatch.from_pydict({"first": [first],
                                              "sums": [total.reshape(-1).tolist()]})
    return run
