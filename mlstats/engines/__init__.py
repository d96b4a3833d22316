"""Engines: where the mergeable summaries of `mlstats.stats.summaries` are computed.

`local` (the default) reads the input into memory with `mlstats.io.read_table`, and each
statistic builds its summaries from arrays. `duckdb` (the optional extra `duckdb`) runs SQL
over the file where it lies, so that files larger than memory can be summarised; its adapter
holds no statistics, only SQL expressions whose results are summary fields, and the same
finish steps in `mlstats.stats` turn them into results. A command or option an engine cannot
serve exactly is an `InputError` naming the engine. `spark` (the optional extra `spark`, the
Spark Connect client) sends DataFrame plans to a cluster; only summaries come back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlstats.errors import InputError

if TYPE_CHECKING:
    from mlstats.engines.duckdb_engine import DuckDBSource
    from mlstats.engines.spark_engine import SparkSource
    from mlstats.io.options import ReadOptions


def open_duckdb(read: ReadOptions) -> DuckDBSource:
    """The input of `read` as a DuckDB source (imports DuckDB, which must be installed)."""
    try:
        import duckdb  # noqa: F401
    except ImportError:
        raise InputError("--engine duckdb needs the duckdb extra: pip install "
                         "'mlstats[duckdb]'") from None
    from mlstats.engines.duckdb_engine import DuckDBSource

    return DuckDBSource(read)


def open_spark(read: ReadOptions) -> SparkSource:
    """The input of `read` on the Spark Connect server of --remote or SPARK_REMOTE."""
    import warnings

    try:
        with warnings.catch_warnings():  # pyspark warns about pandas versions on import
            warnings.simplefilter("ignore")
            import pyspark.sql.connect.session  # noqa: F401
    except ImportError:
        raise InputError("--engine spark needs the spark extra (the Spark Connect client): "
                         "pip install 'mlstats[spark]'") from None
    from mlstats.engines.spark_engine import SparkSource, connect

    return SparkSource(read, connect(read.remote))


def refuse(engine: str, what: str) -> InputError:
    """The error for a command or option that `engine` cannot serve exactly."""
    return InputError(f"{what} runs on --engine local only, not on --engine {engine}; use "
                      "--engine local")
