"""The DuckDB engine: SQL over the input where it lies, producing summary fields.

The CSV is read with the delimiter, quote, header, missing-value strings and column types
given explicitly (DuckDB's detection misreads ragged files), strictly: a line with too many
or too few fields, or an unterminated quote, is an error that names the line, as on the
local engine (whose diagnosis produces the message). Columns a query does not use are read
as text, so that only the values a statistic uses must parse as numbers.

Every query starts from one relation: the row number in input order, the used columns
cleaned as the local reader cleans them (NaN and `--na` numbers missing), and `_keep`, the
`--where` predicate with its values bound as parameters (never written into the SQL).
Identifiers are quoted; no value from the command line is spliced into SQL text.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import duckdb

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
    ReadOptions,
    _check_first_line,
    _check_header,
    _first_record,
    _na_numbers,
    provenance,
    sniff_delimiter,
)
from mlstats.io.source import PARQUET_SUFFIXES, Source, is_parquet
from mlstats.io.writer import protect_input

_SQL_TYPES = {NUMBER: "DOUBLE", BOOL: "BOOLEAN", TEXT: "VARCHAR"}
_CSV_SUFFIXES = (".csv", ".tsv", ".tab", ".txt")
_COMPRESSED = (".gz", ".zst")
_SAMPLE = 1 << 20
_OPS = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "=", "!=": "<>"}
# DuckDB's working memory; beyond it, sorts, joins and aggregates spill to temporary files.
MEMORY_ENV = "MLSTATS_DUCKDB_MEMORY"


def quote(name: str) -> str:
    """A SQL identifier, quoted (a doubled quote inside)."""
    return '"' + name.replace('"', '""') + '"'


class DuckDBSource(Columns):
    """One input (a file, a directory or a glob of CSV or Parquet files) seen through DuckDB."""

    engine = "duckdb"

    def __init__(self, read: ReadOptions) -> None:
        self.read = read
        self.files = _files(read.source)
        self.name = read.source or "-"
        self.parquet = is_parquet(str(self.files[0]))
        if any(is_parquet(str(f)) != self.parquet for f in self.files):
            raise InputError(f"'{self.name}' mixes Parquet and CSV files; give one kind")
        if read.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
            raise InputError(f"--engine duckdb reads UTF-8 text, not {read.encoding}; convert "
                             "the file, or use --engine local")
        # DuckDB spills beyond its memory into a directory of this run's own (its default is
        # ./.tmp, in the user's working directory), removed by `close`
        self._spill = tempfile.mkdtemp(prefix="mlstats-duckdb-")
        self.con = duckdb.connect(config={**_config(), "temp_directory": self._spill})
        # DuckDB's own progress bar writes to standard output, where the result goes
        self.con.execute("SET enable_progress_bar = false")
        self.warnings: list[str] = []
        self._nulls: list[str] = []
        self.rows_used: int | None = None
        self.rows_read: int | None = None
        self._digest = _hash_files(self.files)
        self._shape: Future[tuple[int, int, bool]] | None = None
        self._memory: int | None = None
        self._params: dict[str, Any] = {"files": [str(f) for f in self.files]}
        try:
            if self.parquet:
                self._inspect_parquet()
            else:
                self._inspect_csv()
            self.na_numbers = _na_numbers(read.na)
            self.where = tuple(e.text for e in read.where)
            self._conditions = [(self.resolve(".".join(e.path)), e) for e in read.where]
            for name, condition in self._conditions:
                check_pairing(name, self.kinds[name], condition)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the connection and remove DuckDB's temporary files."""
        self.con.close()
        shutil.rmtree(self._spill, ignore_errors=True)

    def __enter__(self) -> DuckDBSource:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- the input ------------------------------------------------------------------------
    def _inspect_parquet(self) -> None:
        if self.read.sep is not None or self.read.no_header:
            given = "--sep" if self.read.sep is not None else "--no-header"
            raise InputError(f"{given} applies to CSV input, and '{self.name}' is Parquet; "
                             f"drop {given}")
        described = self._run("DESCRIBE SELECT * FROM read_parquet($files)", {}).fetchall()
        self.names = [row[0] for row in described]
        self.kinds = {row[0]: _parquet_kind(row[1]) for row in described}
        _check_header(self.names)
        _check_case(self.names)

    def _inspect_csv(self) -> None:
        head = _head(self.files[0])
        sample = Source(name=str(self.files[0]), digest=_done(""), data=head)
        _check_first_line(sample)
        sep = self.read.sep
        sep = _SEP_NAMES.get(sep, sep) if sep is not None else sniff_delimiter(sample)
        if len(sep) != 1:
            raise InputError(f"--sep must be one character, or \\t or tab (got '{sep}')")
        header = _first_record(sample, sep)
        if self.read.no_header:
            self.names = [str(i) for i in range(1, len(header) + 1)]
        else:
            _check_header(header)
            _check_case(header)
            self.names = header
        self.sep = sep
        nulls = ([] if self.read.no_default_na else list(PANDAS_NA)) + list(self.read.na)
        if "" not in nulls:
            nulls.append("")
        self.kinds = csv_kinds(head, sep, self.names, self.read.no_header, nulls)
        self.line_bytes = max(len(head) / max(head.count(b"\n"), 1), 1.0)
        # DuckDB compares every field with every missing-value string, which costs a third of
        # a scan with pandas' 19. Numbers and true/false are read first with the empty field
        # and the user's --na only: another missing-value word there fails to convert, and
        # the query runs again with all of them (`_run`); NaN spellings parse as NaN, which
        # `_clean` makes missing. Text columns match the words in SQL (`_clean`), where a
        # column that no query uses costs nothing.
        self._nulls = nulls
        lean = [v for v in ["", *self.read.na] if v in nulls]
        self._params.update(sep=sep, header=not self.read.no_header, nulls=lean)
        self._params.update({f"na_word{i}": word for i, word in enumerate(nulls)})

    def _relation(self, types: dict[str, str]) -> str:
        """The input as a table function; `types` gives the SQL type of each used column."""
        if self.parquet:
            return "read_parquet($files)"
        self._params["columns"] = {name: types.get(name, "VARCHAR") for name in self.names}
        return ("read_csv($files, delim=$sep, quote='\"', escape='\"', header=$header, "
                "columns=$columns, auto_detect=false, strict_mode=true, null_padding=false, "
                "nullstr=$nulls, union_by_name=false)")

    # -- columns ---------------------------------------------------------------------------
    # -- queries ---------------------------------------------------------------------------
    def rows_sql(self, used: dict[str, str], *, numbered: bool = True,
                 raw: Sequence[str] = ()) -> str:
        """The rows as one relation: `_row` (0-based, input order; 0 unless `numbered`),
        each used column as `c<i>` (i its position in the header), `_keep` (the --where
        predicate). Columns in `raw` (see `words_later`) come as read, missing-value words
        and all."""
        needed = dict(used)
        for name, _condition in self._conditions:
            needed.setdefault(name, self.kinds[name])
        types = {name: _SQL_TYPES[kind] for name, kind in needed.items()}
        cleaned = ", ".join(
            f"{quote(name) if name in raw else self._clean(name, kind)} AS {self.alias(name)}"
            for name, kind in needed.items())
        keep = " AND ".join(
            f"coalesce({self.alias(name)} {_OPS[c.op]} $where{i}, false)"
            for i, (name, c) in enumerate(self._conditions)) or "true"
        for i, (_name, c) in enumerate(self._conditions):
            self._params[f"where{i}"] = c.value
        row = "row_number() OVER () - 1" if numbered else "0"
        inner = f"SELECT {row} AS _row, {cleaned} FROM {self._relation(types)}"
        return f"SELECT *, {keep} AS _keep FROM ({inner})"

    def fits_in_memory(self, values: int) -> bool:
        """Whether `values` doubles take at most a quarter of DuckDB's memory limit."""
        if self._memory is None:
            (limit,), = self.query("SELECT current_setting('memory_limit')")
            self._memory = _bytes(limit)
        return values * 8 <= self._memory // 4 and values <= QUANTILE_CONT_MAX

    def bind(self, **params: Any) -> None:
        """Values that later queries refer to as $name (never spliced into SQL text)."""
        self._params.update(params)

    def alias(self, name: str) -> str:
        return f"c{self.names.index(name)}"

    def words_later(self, name: str) -> bool:
        """Whether a CSV text column can be read as it is, its missing-value words made
        missing later (`missing_words`) by a query that groups on it: not when --where
        tests it."""
        return (not self.parquet and self.kinds[name] == TEXT
                and all(n != name for n, _ in self._conditions))

    def missing_words(self, column: str) -> str:
        """SQL of a text value, NULL when it is a missing-value word (an IN list costs a fifth
        of list_contains)."""
        words = ", ".join(f"$na_word{i}" for i in range(len(self._nulls)))
        return f"CASE WHEN {column} IN ({words}) THEN NULL ELSE {column} END"

    def _clean(self, name: str, kind: str) -> str:
        column = quote(name)
        if kind != NUMBER:
            if self.parquet:
                return f"CAST({column} AS VARCHAR)" if self.kinds[name] == TEXT else column
            return self.missing_words(column) if kind == TEXT else column
        if self.parquet:
            column = f"CAST({column} AS DOUBLE)"
        missing = f"isnan({column})"
        if self.na_numbers:
            self._params["na_numbers"] = list(self.na_numbers)
            missing += f" OR list_contains($na_numbers, {column})"
        return f"CASE WHEN {missing} THEN NULL ELSE {column} END"

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
        return self._run(sql, params or {}).fetchall()

    def records(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The result rows as dicts by column name (small results: summaries, not data)."""
        cursor = self._run(sql, params or {})
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def fetch_arrow(self, sql: str, params: dict[str, Any] | None = None):
        """A query's rows as an Arrow table."""
        import warnings

        with warnings.catch_warnings():  # DuckDB notes the copy a DB-API result makes
            warnings.simplefilter("ignore")
            return self._run(sql, params or {}).to_arrow_table()

    def _run(self, sql: str, params: dict[str, Any]) -> duckdb.DuckDBPyConnection:
        names = set(re.findall(r"\$(\w+)", sql))
        bound = {k: v for k, v in {**self._params, **params}.items() if k in names}
        try:
            return self.con.execute(sql, bound)
        except duckdb.ConversionException as exc:
            if "nulls" in bound and self._params["nulls"] != self._nulls:
                self._params["nulls"] = self._nulls  # every missing-value word from now on
                return self._run(sql, params)
            raise self._conversion_error(str(exc)) from None
        except duckdb.InvalidInputException as exc:
            raise self._parse_error(str(exc)) from None
        except duckdb.OutOfMemoryException:
            raise InputError(f"DuckDB ran out of memory; raise its limit with {MEMORY_ENV} "
                             "(e.g. 4GB), or free memory") from None
        except duckdb.IOException as exc:
            raise InputError(f"cannot read '{self.name}': {_first_line(str(exc))}") from None

    def _conversion_error(self, message: str) -> InputError:
        line = re.search(r"Line: (\d+)", message)
        column = re.search(r'converting column "(.*?)"', message)
        value = re.search(r'Could not convert string "(.*?)" to', message)
        if line and column and value:
            return InputError(
                f"column '{column.group(1)}' is not numeric: '{value.group(1)}' at line "
                f"{line.group(1)}; pick a numeric column, or fix the value (mlstats clean "
                "--coerce converts numbers stored as text)")
        return InputError(f"cannot read '{self.name}': {_first_line(message)}")

    def _parse_error(self, message: str) -> InputError:
        """A malformed CSV: the local diagnosis names the line and what is wrong."""
        from mlstats.io.reader import _diagnose
        from mlstats.io.source import load_source

        named = re.search(r"file = (.*)", message)
        path = named.group(1).strip() if named else str(self.files[0])
        if not self.parquet and "CSV Error" in message:
            try:
                _diagnose(load_source(path), self.sep, self.read.no_header)
            except InputError as exc:
                # The local reader parses such a file and then finds the quote open at the
                # end (`check_quoted_fields`): say it in its words.
                text = str(exc).replace(
                    "is never closed; add", "is never closed, so the rest of the input would "
                    "be one value; add")
                raise InputError(text) from None
        line = re.search(r"Line: (\d+)", message)
        where = f"line {line.group(1)}: " if line else ""
        return InputError(f"cannot parse '{path}': {where}{_first_line(message)}")

    def account_sql(self, names: Sequence[str]) -> list[str]:
        """Aggregates over all rows: read, kept, missing per column, the first infinity."""
        fields = ["count(*) AS _read", "count(*) FILTER (WHERE _keep) AS _kept"]
        for name in names:
            c = self.alias(name)
            fields.append(f"count(*) FILTER (WHERE _keep AND {c} IS NULL) AS _miss_{c}")
            if self.kinds[name] == NUMBER:
                fields.append(f"count(*) FILTER (WHERE isinf({c})) AS _inf_{c}")
        return fields

    def account(self, names: Sequence[str], found: dict[str, Any], *, used: int,
                complete: bool = True) -> Rows:
        """Check and record the accounting fields of `account_sql` (summed over groups)."""
        for key, count in found.items():
            if key.startswith("_inf_") and count:
                name = self.names[int(key.removeprefix("_inf_c"))]
                c = self.alias(name)
                (row,), = self.query(f"WITH t AS ({self.rows_sql({name: NUMBER})}) "
                                     f"SELECT min(_row) FROM t WHERE isinf({c})")
                raise InputError(f"column '{name}' holds an infinite or overflowing number at "
                                 f"line {int(row) + (1 if self.read.no_header else 2)}; fix "
                                 "the value or mark it missing")
        return book_rows(self, names, found, used=used, complete=complete)

    def count_lines(self) -> None:
        """Start counting the lines of a plain CSV file (for `lines_of`), in the background."""
        plain = not self.parquet and len(self.files) == 1 and not (
            self.files[0].name.lower().endswith(_COMPRESSED))
        if plain and self._shape is None:
            self._shape = _count_lines(self.files[0])

    def lines_of(self, rows: Sequence[int]) -> list[int]:
        """The physical line (1-based) where each data row starts (rows 0-based among the rows
        read); of Parquet or several files, the row's 1-based number. When every record of a
        CSV file is one line (as many lines as records), the line follows from the row; else
        the local reader's record index finds it."""
        if self.parquet or len(self.files) > 1:
            return [int(r) + 1 for r in rows]
        header = 0 if self.read.no_header else 1
        self.count_lines()
        if self._shape is not None and self.rows_read is not None:
            # a record spans one line or more and an empty line holds none, so as many lines
            # as records means one line each (line breaks: \n or \r\n, never a lone \r)
            feeds, returns, ends = self._shape.result()
            if (returns in (0, feeds) and
                    feeds + (0 if ends else 1) == self.rows_read + header):
                return [int(r) + 1 + header for r in rows]
        from mlstats.io.records import index_records
        from mlstats.io.source import load_source

        index = index_records(load_source(str(self.files[0])), self.sep, multiline=True)
        return [index.line_number(int(r) + header) for r in rows]

    # the result keys that are not what the local engine computes (see `provenance`)
    approximate: tuple[str, ...] = ()

    def provenance(self, *, seed: int | None = None,
                   approximate: tuple[str, ...] = ()) -> dict:
        read = self.rows_read or 0
        used = read if self.rows_used is None else self.rows_used
        return provenance(Source(name=self.name, digest=self._digest), rows_read=read,
                          rows_used=used, where=self.where, seed=seed, engine=self.engine,
                          approximate=approximate or self.approximate)


# Beyond this many values in all, quantiles are found by histograms whatever the memory.
QUANTILE_CONT_MAX = 1 << 27


def _bytes(text: str) -> int:
    """'1.5 GiB', '512.0 MiB', '256MB' as a number of bytes."""
    found = re.match(r"^\s*([\d.]+)\s*([KMGT]?)(i?)B\s*$", text, flags=re.I)
    if not found:
        return 1 << 30
    base = 1024 if found.group(3) else 1000
    return int(float(found.group(1)) * base ** "_KMGT".index(found.group(2).upper() or "_"))


def _config() -> dict[str, Any]:
    config: dict[str, Any] = {"preserve_insertion_order": True}
    memory = os.environ.get(MEMORY_ENV)
    if memory:
        config["memory_limit"] = memory
    return config


def _files(source: str | None) -> list[Path]:
    """The files named by a path, a directory or a glob, in sorted order."""
    if source in (None, "-"):
        raise InputError("--engine duckdb reads files, not standard input; give a path, or "
                         "use --engine local")
    if any(ch in source for ch in "*?["):
        found = [Path(p) for p in sorted(glob.glob(source)) if Path(p).is_file()]
        if not found:
            raise InputError(f"no file matches '{source}'; check the pattern")
    elif Path(source).is_dir():
        found = [p for p in sorted(Path(source).iterdir()) if p.is_file() and
                 p.name.lower().endswith(PARQUET_SUFFIXES + _CSV_SUFFIXES +
                                         tuple(s + c for s in _CSV_SUFFIXES for c in _COMPRESSED))]
        if not found:
            raise InputError(f"directory '{source}' holds no CSV or Parquet files")
    elif Path(source).is_file():
        found = [Path(source)]
    else:
        raise InputError(f"file '{source}' not found; check the path")
    for path in found:
        name = path.name.lower()
        if name.endswith((".bz2", ".xz", ".zip")):
            raise InputError(f"--engine duckdb reads plain, .gz and .zst files, not '{path}'; "
                             "decompress it, or use --engine local")
        if not os.access(path, os.R_OK):
            raise InputError(f"cannot read '{path}': permission denied")
        protect_input(path)
    return found


def _head(path: Path) -> bytes:
    """The first MiB of the file's text (decompressed), cut at a line end."""
    name = path.name.lower()
    if name.endswith(".gz"):
        with gzip.open(path, "rb") as f:
            raw = f.read(_SAMPLE)
    elif name.endswith(".zst"):
        import pyarrow as pa

        with pa.CompressedInputStream(pa.OSFile(str(path)), "zstd") as f:
            raw = f.read(_SAMPLE)
    else:
        with path.open("rb") as f:
            raw = f.read(_SAMPLE)
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    if not raw.strip():
        raise InputError(f"'{path}' is empty; give a file with a header and data rows")
    if len(raw) == _SAMPLE and b"\n" in raw:
        raw = raw[:raw.rindex(b"\n") + 1]
    return raw


def _parquet_kind(sql_type: str) -> str:
    upper = sql_type.upper()
    if upper == "BOOLEAN":
        return BOOL
    if re.match(r"^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE|REAL|DECIMAL.*)$", upper):
        return NUMBER
    return TEXT


def _count_lines(path: Path) -> Future[tuple[int, int, bool]]:
    """A file's line feeds and carriage returns and whether it ends with a line feed,
    counted by a background thread."""
    import threading

    found: Future[tuple[int, int, bool]] = Future()

    def run() -> None:
        import numpy as np

        try:
            feeds, returns, last = 0, 0, 0
            buffer = bytearray(1 << 22)  # one buffer, read into: no allocation per chunk
            with path.open("rb", buffering=0) as f:
                while size := f.readinto(buffer):
                    chunk = np.frombuffer(buffer, dtype=np.uint8, count=size)
                    feeds += int(np.count_nonzero(chunk == 10))
                    if buffer.find(b"\r", 0, size) >= 0:  # memchr: rare, so count then only
                        returns += int(np.count_nonzero(chunk == 13))
                    last = buffer[size - 1]
            found.set_result((feeds, returns, last == 10))
        except BaseException as exc:  # surfaced where the count is read
            found.set_exception(exc)

    threading.Thread(target=run, name="mlstats-lines", daemon=True).start()
    return found


def _hash_files(files: list[Path]) -> Future[str]:
    """SHA-256 of the one file as stored; of several, of their names and digests in order."""
    from mlstats.io.source import _hash_in_background

    if len(files) == 1:
        return _hash_in_background(files[0])
    parts = [(f, _hash_in_background(f)) for f in files]
    future: Future[str] = Future()

    def combine(_: Future) -> None:
        if all(p.done() for _, p in parts) and not future.done():
            text = "".join(f"{p.result()}  {f.name}\n" for f, p in parts)
            future.set_result(hashlib.sha256(text.encode()).hexdigest())

    for _, part in parts:
        part.add_done_callback(combine)
    return future


def _done(value: str) -> Future[str]:
    future: Future[str] = Future()
    future.set_result(value)
    return future


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "unknown error"


def _check_case(names: list[str]) -> None:
    """DuckDB's column names ignore case: two that differ only in case cannot be told apart."""
    seen: dict[str, str] = {}
    for name in names:
        other = seen.setdefault(name.casefold(), name)
        if other != name:
            raise InputError(f"columns '{other}' and '{name}' differ only in case, which DuckDB "
                             "cannot tell apart; rename one, or use --engine local")
