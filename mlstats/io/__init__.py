"""Input and output: the one reader and the one writer."""

from mlstats.io.reader import ReadOptions, Table, read_table
from mlstats.io.writer import atomic_open, write_output, write_stdout

__all__ = ["ReadOptions", "Table", "atomic_open", "read_table", "write_output", "write_stdout"]
