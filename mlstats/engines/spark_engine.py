"""The Spark engine: a cluster reached through Spark Connect, producing summary fields.

The command-line process starts no JVM: it sends DataFrame plans (column expressions with
values as literals, never SQL text built from the command line) to a Spark Connect server,
and only summaries come back. The input is a path the cluster can read (CSV or Parquet) or
a catalog table (`--table`).

CSV is read with the delimiter, quote, header and column names given explicitly, every
column as text, strictly: Spark keeps a record with too many or too few fields in a corrupt
record column (its column pruning off, so that every field is checked), and any such record
is an error naming it, never a dropped row. A used numeric column is converted on the
cluster as the local reader converts it: the missing-value strings and NaN are missing, a
value that is not a number or is infinite is an error naming the column.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import socket
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mlstats.engines.common import (
    BOOL,
    NUMBER,
    TEXT,
    Columns,
    Rows,
    book_rows,
    check_pairing,
    csv_kinds,
)
from mlstats.errors import InputError
from mlstats.io.reader import (
    _SEP_NAMES,
    PANDAS_NA,
    _check_header,
    _first_record,
    _na_numbers,
    provenance,
    sniff_delimiter,
)
from mlstats.io.source import Source, is_parquet

DEFAULT_PORT = 15002
# Seconds to wait for the server's port to answer before saying it cannot be reached.
TIMEOUT_ENV = "MLSTATS_SPARK_TIMEOUT"
_SAMPLE_LINES = 2000
# The rows of a pilot (`SparkSource.head`): the shifts of centred sums, each group's first row.
HEAD_ROWS = 20_000
_CORRUPT = "_corrupt_record"
_NUMBER_END = ("d", "D", "f", "F")  # Java reads 1d and 1f as numbers; the local reader does not
_INFINITIES = ("inf", "+inf", "-inf")  # (but an infinity, an error on both, ends in f too)


def connect(remote: str | None):
    """A Spark Connect session at `remote` (or SPARK_REMOTE): a clear error when none is given
    or the server does not answer within a few seconds."""
    address = remote or os.environ.get("SPARK_REMOTE")
    if not address:
        raise InputError("--engine spark needs a Spark Connect server: give --remote "
                         "sc://HOST:PORT, or set SPARK_REMOTE")
    if not address.startswith("sc://"):
        raise InputError(f"--remote must be a Spark Connect address sc://HOST:PORT (got "
                         f"'{_shown(address)}')")
    parts = urlsplit(address)
    host = parts.hostname or "localhost"
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise InputError(f"--remote '{_shown(address)}' has no valid port; give "
                         "sc://HOST:PORT") from None
    timeout = float(os.environ.get(TIMEOUT_ENV) or 10)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError:
        raise InputError(f"cannot reach the Spark Connect server at {host}:{port} (no answer "
                         f"within {timeout:g} s); start it, or check --remote / "
                         "SPARK_REMOTE") from None
    # pyspark logs a failed query's plan on standard error: our errors are one line
    logging.getLogger("DataFrameQueryContextLogger").setLevel(logging.CRITICAL + 1)
    with warnings.catch_warnings():  # pyspark warns about pandas versions on import
        warnings.simplefilter("ignore")
        from pyspark.sql import SparkSession
        from pyspark.sql.connect.client.retries import DefaultPolicy

        session = SparkSession.builder.remote(address).create()
    # A few quick retries, not Spark's ten minutes: a command-line run should fail fast.
    session.client.set_retry_policies([DefaultPolicy(max_retries=3, max_backoff=2000)])
    try:
        session.conf.set("spark.sql.csv.parser.columnPruning.enabled", "false")
    except Exception as exc:
        raise InputError(f"the Spark Connect server at {host}:{port} did not answer: "
                         f"{_first_line(str(exc))}") from None
    return session


def _shown(address: str) -> str:
    """An address without its parameters (which may hold a token)."""
    return address.split(";", 1)[0].split("/;", 1)[0]


class SparkSource(Columns):
    """One input (a path the cluster reads, or a catalog table) seen through Spark Connect."""

    engine = "spark"

    def __init__(self, read: Any, session: Any) -> None:
        from pyspark.sql import functions as F

        self.F = F
        self.read = read
        self.spark = session
        self.made_models = False  # set by an MLlib fit: see `close`
        try:
            self._open(read)
        except BaseException:
            self.close()
            raise

    def _open(self, read: Any) -> None:
        session = self.spark
        self.version = _guard(lambda: session.version)
        self.warnings: list[str] = []
        self.rows_used: int | None = None
        self.rows_read: int | None = None
        self.approximate: tuple[str, ...] = ()
        # each column as the queries read it (a column sniffed as text, asked for as numbers,
        # is checked as numbers: a cell that is not one is an error, not a missing value)
        self.used_kinds: dict[str, str] = {}
        self.extra: dict[str, Any] = {}
        self.csv = False
        self._reader: Any = None  # a file's path -> its frame, as the input is read
        self.header_line: str | None = None  # a CSV's header as read
        self._one_file: bool | None = None
        self._file_list: list[str] | None = None
        self.local_path: Path | None = None
        if read.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
            raise InputError(f"--engine spark reads UTF-8 text, not {read.encoding}; convert "
                             "the file, or use --engine local")
        if read.table is not None:
            self.name = read.table
            frame = _guard(lambda: session.read.table(read.table), read.table)
            self._typed(frame)
        else:
            if read.source in (None, "-"):
                raise InputError("--engine spark reads a path the cluster can read, or "
                                 "--table NAME; not standard input")
            self.name = read.source
            self.path = self._path(read.source)
            if is_parquet(read.source.rstrip("/")):
                if read.sep is not None or read.no_header:
                    given = "--sep" if read.sep is not None else "--no-header"
                    raise InputError(f"{given} applies to CSV input, and '{self.name}' is "
                                     f"Parquet; drop {given}")
                self._reader = session.read.parquet
                self._typed(_guard(lambda: session.read.parquet(self.path), self.name))
            else:
                self._csv()
        self.na_numbers = _na_numbers(read.na)
        self.where = tuple(e.text for e in read.where)
        self._conditions = [(self.resolve(".".join(e.path)), e) for e in read.where]
        for name, condition in self._conditions:
            check_pairing(name, self.kinds[name], condition)

    def close(self) -> None:
        """End the session on the server (its cached state goes with it). After an MLlib fit
        (`made_models`) garbage is collected first: pyspark's MLlib model references release
        themselves on the server in a finalizer, and one run later by the collector inside
        another call's RPC (after the session stopped) blocked that call forever (seen in CI,
        after kmeans). Not otherwise: a collection costs about 70 ms."""
        if self.made_models:
            import gc

            gc.collect()
        with contextlib.suppress(Exception):  # a server gone away has nothing to release
            self.spark.stop()

    def __enter__(self) -> SparkSource:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- the input ------------------------------------------------------------------------
    def _path(self, source: str) -> str:
        """A path with a scheme (s3a://, hdfs://, file:) as given; a plain path that exists
        here is made absolute (a local server's working directory is not ours)."""
        if "://" in source or source.startswith("file:"):
            return source
        local = Path(source)
        if local.exists():
            self.local_path = local.resolve()
            return str(self.local_path)
        return source

    def _typed(self, frame: Any) -> None:
        """Parquet or a table: the schema gives each column's kind."""
        from pyspark.sql import types as T

        schema = _guard(lambda: frame.schema, self.name)
        self.names = [f.name for f in schema.fields]
        _check_header(self.names)
        self.kinds = {}
        for f in schema.fields:
            if isinstance(f.dataType, T.BooleanType):
                self.kinds[f.name] = BOOL
            elif isinstance(f.dataType, T.NumericType):
                self.kinds[f.name] = NUMBER
            else:
                self.kinds[f.name] = TEXT
        self.frame = frame.toDF(*[f"c{i}" for i in range(len(self.names))])

    def _csv(self) -> None:
        from pyspark.sql import types as T

        lines = _guard(lambda: [r[0] for r in self.spark.read.text(self.path)
                                .limit(_SAMPLE_LINES).collect()], self.name)
        if not lines:
            raise InputError(f"'{self.name}' is empty; give a file with a header and data rows")
        lines[0] = lines[0].removeprefix("\ufeff")
        self.header_line = None if self.read.no_header else lines[0]
        if self.header_line is not None:  # several files: each one's header is not data
            lines = [lines[0], *(line for line in lines[1:] if line != self.header_line)]
        head = ("\n".join(lines) + "\n").encode()
        sample = Source(name=self.name, digest=_done(""), data=head)
        sep = self.read.sep
        sep = _SEP_NAMES.get(sep, sep) if sep is not None else sniff_delimiter(sample)
        if len(sep) != 1:
            raise InputError(f"--sep must be one character, or \\t or tab (got '{sep}')")
        header = _first_record(sample, sep)
        if self.read.no_header:
            self.names = [str(i) for i in range(1, len(header) + 1)]
        else:
            _check_header(header)
            self.names = header
        self.sep = sep
        self.nulls = ([] if self.read.no_default_na else list(PANDAS_NA)) + list(self.read.na)
        if "" not in self.nulls:
            self.nulls.append("")
        self.kinds = csv_kinds(head, sep, self.names, self.read.no_header, self.nulls)
        fields = [T.StructField(f"c{i}", T.StringType()) for i in range(len(self.names))]
        schema = T.StructType([*fields, T.StructField(_CORRUPT, T.StringType())])
        self.csv = True
        self._reader = (self.spark.read.schema(schema)
                        .options(sep=sep, quote='"', escape='"',
                                 header=not self.read.no_header, mode="PERMISSIVE",
                                 columnNameOfCorruptRecord=_CORRUPT, enforceSchema=True,
                                 emptyValue="", nullValue="", multiLine=False).csv)
        self.frame = self._reader(self.path)

    # -- columns ---------------------------------------------------------------------------
    def alias(self, name: str) -> str:
        return f"c{self.names.index(name)}"

    def raw(self, name: str) -> Any:
        return self.F.col(self.alias(name))

    def value(self, name: str, kind: str | None = None) -> Any:
        """The column as the local reader sees it: numbers as doubles (missing strings, NaN
        and --na numbers null), true/false as booleans, text as text (missing strings null)."""
        F = self.F
        kind = kind or self.kinds[name]
        column = self.raw(name)
        if self.csv:
            missing = column.isNull() | column.isin(self.nulls)
            if kind == NUMBER:
                column = F.when(~missing, column.try_cast("double"))
            elif kind == BOOL:
                lowered = F.lower(column)
                column = F.when(~missing & (lowered == "true"), F.lit(True)).when(
                    ~missing & (lowered == "false"), F.lit(False))
            else:
                column = F.when(~missing, column)
        elif kind == NUMBER:
            column = column.cast("double")
        elif kind == TEXT:
            column = column.cast("string")
        if kind == NUMBER:
            drop = F.isnan(column)
            if self.na_numbers:
                drop = drop | column.isin([float(v) for v in self.na_numbers])
            column = F.when(~drop, column)
        return column

    def keep(self) -> Any:
        """The --where predicate: every condition holds (a missing value never matches)."""
        F = self.F
        found = F.lit(True)
        for name, c in self._conditions:
            column = self.value(name)
            value = F.lit(c.value)
            test = {"<": column < value, "<=": column <= value, ">": column > value,
                    ">=": column >= value, "==": column == value, "!=": column != value}[c.op]
            found = found & F.coalesce(test, F.lit(False))
        return found

    def rows(self, used: dict[str, str], *, order: bool = False, frame: Any = None) -> Any:
        """The rows as one DataFrame: each used column as `c<i>` (cleaned; for CSV numbers
        also the text as `r<i>`), `_keep` (the --where predicate), the corrupt-record column
        of CSV, and with `order` `_order`, a key that sorts the rows in input order (of
        `frame`, one file of the input, when given)."""
        self.used_kinds.update(used)
        picked = []
        for name, kind in used.items():
            picked.append(self.value(name, kind).alias(self.alias(name)))
            if self.csv and kind == NUMBER:
                picked.append(self.raw(name).alias("r" + self.alias(name)[1:]))
        for name, _condition in self._conditions:
            if name not in used:
                picked.append(self.value(name).alias(self.alias(name)))
        picked.append(self.keep().alias("_keep"))
        if self.csv:
            picked.append(self.F.col(_CORRUPT))
        if order:
            key = self._order() if frame is None else self.F.monotonically_increasing_id()
            picked.append(key.alias("_order"))
        return (self.frame if frame is None else frame).select(*picked)

    def head(self, used: dict[str, str], use: Any, columns: Sequence[Any],
             size: int | None = None) -> tuple[Any, bool]:
        """The first `size` (default HEAD_ROWS) rows where `use` holds (of `rows(used)`), as
        an Arrow table: `columns` and `_order`, and whether they are the input's first such
        rows in input order (a file's splits are read in order, and a limit takes them from
        the first split on, so this costs about one split's read; over several files, the
        first file by path is read alone). Not ordered for a table of several files: then
        only some rows, as for a shift."""
        frame, ordered = None, True
        if not self._single_file():
            files = sorted(self._files()) if self._reader is not None else []
            if files:
                frame = self._reader(files[0])
                if not self.csv:  # (CSV's schema names the columns)
                    frame = frame.toDF(*[f"c{i}" for i in range(len(self.names))])
            else:
                ordered = False
        rows = self.rows(used, order=True, frame=frame).where(use)
        picked = self.table(rows.select(*columns, "_order").limit(size or HEAD_ROWS))
        return picked.sort_by("_order") if ordered else picked, ordered

    def _order(self) -> Any:
        """A key that sorts the rows in input order: Spark's row id when the input is one file
        (its splits are partitions in file order), else (file, split start, row id), which
        costs more to aggregate."""
        F = self.F
        row = F.monotonically_increasing_id()
        if self._single_file():
            return row
        return self._file_order(row)

    def _file_order(self, row: Any) -> Any:
        F = self.F
        if self.read.table is not None and not self._has_metadata():
            return _order_key(F.lit(""), F.lit(0).cast("long"), row)
        return _order_key(F.col("_metadata.file_path"), F.col("_metadata.file_block_start"),
                          row)

    def _single_file(self) -> bool:
        if self._one_file is None:
            self._one_file = len(self._files()) == 1
        return self._one_file

    def _files(self) -> list[str]:
        if self._file_list is None:
            try:
                self._file_list = list(self.frame.inputFiles())
            except Exception:  # a source without files: the general key
                self._file_list = []
        return self._file_list

    def _has_metadata(self) -> bool:
        try:
            self.frame.select("_metadata.file_path").schema  # noqa: B018 (analysis only)
            return True
        except Exception:
            return False

    # -- row accounting --------------------------------------------------------------------
    def account_fields(self, names: Sequence[str]) -> list[Any]:
        """Aggregates over all rows of `rows` (which must hold the named columns): read,
        kept, missing per column, malformed records, values that are not numbers,
        infinities."""
        F = self.F
        keep = F.col("_keep")
        fields = [F.count(F.lit(1)).alias("_read"), F.count_if(keep).alias("_kept")]
        if self.csv:
            fields.append(F.count(F.col(_CORRUPT)).alias("_corrupt"))
        for name in dict.fromkeys(names):
            c = self.alias(name)
            value = F.col(c)
            fields.append(F.count_if(keep & value.isNull()).alias(f"_miss_{c}"))
            if self.used_kinds.get(name, self.kinds[name]) == NUMBER:
                fields.append(F.count_if(_isinf(value)).alias(f"_inf_{c}"))
                if self.csv:
                    raw = F.col("r" + c[1:])
                    fields.append(F.count_if(self._not_number(raw)).alias(f"_text_{c}"))
        return fields

    def _not_number(self, raw: Any) -> Any:
        """A cell of a numeric column that holds neither a number nor a missing marker."""
        F = self.F
        present = raw.isNotNull() & ~raw.isin(self.nulls)
        trimmed = F.trim(raw)
        suffixed = (F.right(trimmed, F.lit(1)).isin(list(_NUMBER_END))
                    & ~F.lower(trimmed).isin(list(_INFINITIES)))
        return present & (raw.try_cast("double").isNull() | suffixed)

    def account(self, names: Sequence[str], found: dict[str, Any], *, used: int,
                complete: bool = True) -> Rows:
        """Check and record the accounting fields of `account_fields`."""
        self.check_values(names, found)
        return book_rows(self, names, found, used=used, complete=complete)

    def check_values(self, names: Sequence[str], found: dict[str, Any]) -> None:
        """The errors that the accounting fields of `account_fields` hold: a malformed record,
        a cell of a numeric column that is not a number, an infinity (each named)."""
        if found.get("_corrupt"):
            raise self._malformed()
        for name in dict.fromkeys(names):
            c = self.alias(name)
            if found.get(f"_text_{c}"):
                raise self._bad_value(name, self._not_number(self.raw(name)), "is not numeric: "
                                      "'{value}'", "pick a numeric column, or fix the value "
                                      "(mlstats clean --coerce converts numbers stored as text)")
            if found.get(f"_inf_{c}"):
                raise self._bad_value(name, _isinf(self.value(name, NUMBER)),
                                      "holds an infinite or overflowing number '{value}'",
                                      "fix the value or mark it missing")

    def _first(self, condition: Any, value: Any) -> tuple[Any, int]:
        """The first row (in input order) where `condition` holds: `value` there, and its
        1-based data record number within its file (the keys are taken in a projection over
        all rows, before any filter: Spark refuses a row id inside an aggregate, and one
        taken after a filter would count the filtered rows)."""
        F = self.F
        keyed = self.frame.select(self._file_order(F.monotonically_increasing_id()).alias("k"),
                                  value.alias("v"), condition.alias("hit"))
        (first,) = self.collect(keyed.where(F.col("hit")).agg(
            F.min_by(F.struct("k", "v"), "k").alias("f")))
        found = first["f"]
        k = found["k"]
        at = _order_key(F.lit(k[0]), F.lit(k[1]).cast("long"), F.lit(k[2]).cast("long"))
        (before,) = self.collect(keyed.where((F.col("k.file") == F.lit(k[0]))
                                             & (F.col("k") < at)).agg(F.count(F.lit(1))))
        return found["v"], int(before[0]) + 1

    def _where_text(self, record: int) -> str:
        return f"row {record}" if self.read.table is not None else f"data record {record}"

    def _bad_value(self, name: str, condition: Any, what: str, hint: str) -> InputError:
        value, record = self._first(condition, self.raw(name).cast("string"))
        shown = str(value)
        return InputError(f"column '{name}' {what.format(value=shown)} at "
                          f"{self._where_text(record)}; {hint}")

    def _malformed(self) -> InputError:
        """A record with too many or too few fields: the local diagnosis names its line when
        the file is here; else the record, counted from the file's start."""
        if self.local_path is not None and self.local_path.is_file():
            from mlstats.io.reader import _diagnose
            from mlstats.io.source import load_source

            try:
                _diagnose(load_source(str(self.local_path)), self.sep, self.read.no_header)
            except InputError as exc:
                return exc
        F = self.F
        text, record = self._first(F.col(_CORRUPT).isNotNull(), F.col(_CORRUPT))
        expected = len(self.names)
        return InputError(f"cannot parse '{self.name}': {self._where_text(record)} has not "
                          f"{expected} fields: '{_first_line(str(text))[:80]}'; fix the "
                          "record (no row is dropped silently)")

    # -- queries ---------------------------------------------------------------------------
    def collect(self, frame: Any) -> list[Any]:
        """A small result (summaries, not data) as rows; Spark's errors as input errors."""
        return _guard(frame.collect, self.name)

    def table(self, frame: Any) -> Any:
        """A result as an Arrow table (many rows: no Python row objects, which cost about
        2 µs a row), Spark's errors as input errors."""
        to_table = getattr(frame, "_to_table", None)  # (toArrow asks for the schema first)
        return _guard(lambda: to_table()[0] if to_table else frame.toArrow(), self.name)

    def records(self, frame: Any) -> list[dict[str, Any]]:
        return [row.asDict(recursive=False) for row in self.collect(frame)]

    @contextlib.contextmanager
    def speculating(self, frame: Any, delay: float = 0.0):
        """`records(frame)` in a thread of its own, sent after `delay` seconds: yields (the
        future of its records, a function that cancels it, after which the future holds
        None). The query carries a tag of its own, which the server interrupts; a cancel
        that comes before the query starts is repeated until the thread ends. (A query sent
        within `delay` reaches Spark's scheduler first; its FIFO mode runs a later job's
        tasks only once every task of an earlier job has started.)"""
        import threading
        import uuid
        from concurrent.futures import ThreadPoolExecutor
        from concurrent.futures import TimeoutError as Waited

        tag, cancelled = f"mlstats-{uuid.uuid4().hex}", threading.Event()

        def run() -> list[dict[str, Any]] | None:
            with contextlib.suppress(Exception):  # (without tags a cancel waits for the end)
                self.spark.addTag(tag)
            try:
                return None if cancelled.wait(delay) else self.records(frame)
            except InputError:
                if cancelled.is_set():  # (the interruption, as an error)
                    return None
                raise
            finally:
                with contextlib.suppress(Exception):
                    self.spark.removeTag(tag)

        def cancel() -> None:
            cancelled.set()
            while True:
                with contextlib.suppress(Exception):
                    self.spark.interruptTag(tag)
                try:
                    future.exception(timeout=0.05)
                    return
                except Waited:
                    continue

        with ThreadPoolExecutor(1) as pool:
            future = pool.submit(run)
            try:
                yield future, cancel
            except BaseException:
                cancel()
                raise

    def provenance(self, *, seed: int | None = None) -> dict:
        read = self.rows_read or 0
        used = read if self.rows_used is None else self.rows_used
        digest = _done(None)  # a path the cluster reads is not hashed here
        if self.local_path is not None and self.local_path.is_file():
            from mlstats.io.source import _hash_in_background

            digest = _hash_in_background(self.local_path)
        found = provenance(Source(name=self.name, digest=digest), rows_read=read,
                           rows_used=used, where=self.where, seed=seed, engine=self.engine,
                           approximate=self.approximate)
        found["versions"]["spark"] = self.version
        found.update(self.extra)
        return found


def _order_key(file: Any, block: Any, row: Any) -> Any:
    """An input-order key: (file path, split start, row id), fields named for comparisons."""
    from pyspark.sql import functions as F

    return F.struct(file.alias("file"), block.alias("block"), row.alias("row"))


def _isinf(column: Any) -> Any:
    from pyspark.sql import functions as F

    return F.abs(column) == F.lit(math.inf)


def _guard(call: Any, name: str | None = None) -> Any:
    """Run a Spark call; its errors become one-line input errors."""
    from pyspark.errors import PySparkException

    try:
        return call()
    except PySparkException as exc:
        raise _spark_error(exc, name) from None
    except ConnectionError as exc:
        raise InputError(f"the Spark Connect server stopped answering: {exc}") from None


def _spark_error(exc: Exception, name: str | None) -> InputError:
    message = _first_line(str(exc))
    condition = getattr(exc, "getCondition", lambda: None)() or ""
    if condition == "PATH_NOT_FOUND" or "PATH_NOT_FOUND" in message:
        return InputError(f"the cluster cannot find '{name}'; check the path (it is read by "
                          "the Spark cluster, not by this machine)")
    if "TABLE_OR_VIEW_NOT_FOUND" in message:
        return InputError(f"table '{name}' not found in the Spark catalog; check the name "
                          "(db.table)")
    where = f"reading '{name}'" if name else "Spark"
    return InputError(f"{where} failed: {message}")


def _done(value: str | None):
    from concurrent.futures import Future

    future: Future[str | None] = Future()
    future.set_result(value)
    return future


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "unknown error"
