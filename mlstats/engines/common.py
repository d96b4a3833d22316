"""What every engine adapter shares: the kinds of columns and their lookups, how a group value
is spelled as a label, the kinds of a CSV's columns from its first lines, the --where pairing
rule, the row accounting, and type-7 quartiles from order statistics."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlstats.errors import InputError

if TYPE_CHECKING:
    from mlstats.expr import Expr

NUMBER, BOOL, TEXT = "number", "bool", "text"


def label_of(value: Any) -> str:
    """A group value as the local reader spells labels: 1.0 → '1', True → 'true'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def csv_kinds(head: bytes, sep: str, names: list[str], no_header: bool,
               nulls: list[str]) -> dict[str, str]:
    """Each column's kind, inferred by pyarrow from the first MiB as the local reader does."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        sample = pacsv.read_csv(
            pa.py_buffer(head),
            pacsv.ReadOptions(column_names=names if no_header else None),
            pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
            pacsv.ConvertOptions(null_values=nulls, strings_can_be_null=True,
                                 quoted_strings_can_be_null=True))
    except pa.ArrowInvalid:
        return dict.fromkeys(names, TEXT)  # the full read names the bad line
    kinds = {}
    for name, kind in zip(names, sample.schema.types, strict=True):
        if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_null(kind):
            kinds[name] = NUMBER
        elif pa.types.is_boolean(kind):
            kinds[name] = BOOL
        else:
            kinds[name] = TEXT
    return kinds


def check_pairing(name: str, kind: str, condition: Expr) -> None:
    """The local engine's rule: numbers with numbers, quoted text with text."""
    value = condition.value
    if kind == BOOL:
        ok, want, holds = isinstance(value, bool), "true or false", "true/false values"
    elif kind == NUMBER:
        ok = isinstance(value, float) and not isinstance(value, bool)
        want, holds = "a number (no quotes)", "numbers"
    else:
        ok, want, holds = isinstance(value, str), 'quoted text, e.g. "DE"', "text"
    if not ok:
        raise InputError(f"--where '{condition.text}': column '{name}' holds {holds}; "
                         f"compare it with {want}")


def lerp(a: float, b: float, t: float) -> float:
    """NumPy's interpolation (`np.quantile`, method linear), for the same last bits."""
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


_QUARTILES = (0.25, 0.5, 0.75)


def quartile_ranks(n: int) -> list[int]:
    """The 0-based ranks whose values the type-7 quartiles of n values need: ⌊h⌋ and
    ⌊h⌋ + 1 for h = (n − 1)p."""
    return sorted({r for p in _QUARTILES for h in [(n - 1) * p]
                   for r in (math.floor(h), min(math.floor(h) + 1, n - 1))}) if n else []


def quartiles_of(values: Any, n: int) -> tuple[float, float, float]:
    """q1, median, q3 (R's type 7): x_(⌊h⌋) + (h − ⌊h⌋)(x_(⌊h⌋+1) − x_(⌊h⌋)), h = (n − 1)p,
    from `values[rank]` at the ranks of `quartile_ranks`; NaN for no values."""
    if not n:
        return (math.nan,) * 3
    found = []
    for p in _QUARTILES:
        h = (n - 1) * p
        lo = math.floor(h)
        found.append(float(lerp(values[lo], values[min(lo + 1, n - 1)], h - lo)))
    return found[0], found[1], found[2]


class Columns:
    """The column lookups every engine's source shares, over its `names` (header order) and
    `kinds` (name → NUMBER, BOOL or TEXT)."""

    names: list[str]
    kinds: dict[str, str]

    @property
    def columns(self) -> list[str]:
        return list(self.names)

    def resolve(self, spec: str) -> str:
        """A column by header name, else by 1-based number (the local reader's rules)."""
        from mlstats.io.reader import resolve_column

        return resolve_column(self.names, spec)

    def resolve_many(self, specs: Sequence[str]) -> list[str]:
        return [self.resolve(s) for s in specs]

    def is_numeric(self, name: str) -> bool:
        return self.kinds[name] == NUMBER

    def numeric_columns(self, *, exclude: Sequence[str | None] = ()) -> list[str]:
        return [n for n in self.names if self.kinds[n] == NUMBER and n not in set(exclude)]


@dataclass(frozen=True, slots=True)
class Rows:
    """The row accounting of one command's pass: read, kept by --where, used."""

    read: int
    kept: int
    used: int
    missing: dict[str, int]


def book_rows(src: Any, names: Sequence[str], found: dict[str, Any], *, used: int,
              complete: bool) -> Rows:
    """Record an engine's accounting sums (`_read`, `_kept`, `_miss_<alias>`) on `src`: rows
    read and used, the --where note, and the rows left out for a missing value (every engine
    reports them in the same words as the local reader)."""
    from mlstats.io.reader import _listing, where_note

    rows = Rows(read=int(found["_read"]), kept=int(found["_kept"]), used=used,
                missing={n: int(found[f"_miss_{src.alias(n)}"]) for n in names})
    src.rows_read = rows.read
    if rows.read == 0:
        raise InputError("the input has a header but no data rows; give a file with data")
    if src.where:
        src.warnings.append(where_note(src.where, rows.read - rows.kept, rows.read))
    if complete:
        src.rows_used = used
        short = [n for n, k in rows.missing.items() if k]
        if rows.kept - used:
            src.warnings.append(
                f"{rows.kept - used} of {rows.kept} rows left out: a missing value in "
                f"{_listing(short)} (rows_used = {used})")
    else:
        src.rows_used = rows.kept
    return rows


def abtest_frame(groups: list[dict[str, Any]], *, covariate: bool,
                 scale: float | None = None) -> tuple[dict[str, Any], list[float] | None]:
    """From an engine's first ab-test pass (a row per group, in input order: `_g`, `n`, `s`,
    `two`, `lo`, `hi`, and `xlo`, `xhi` with a covariate): the labels and whether the metric
    is two-valued; the groups' Counts when it is (no covariate) or an empty tuple when no
    group is left, with None; otherwise the power-of-two scales their ranges ask for (the
    metric's `scale` when the engine bounded it without `lo`, `hi`)."""
    import numpy as np

    from mlstats.stats.abtest import _scale_of
    from mlstats.stats.summaries import Counts

    labels = [label_of(r["_g"]) for r in groups]
    binary = bool(groups) and all(r["two"] for r in groups)
    found: dict[str, Any] = {"labels": labels, "binary": binary, "scale": 1.0,
                             "x_scale": 1.0, "x_range": None, "samples": None}
    if binary and not covariate:
        found["summaries"] = tuple(Counts(lab, int(r["n"]), int(r["s"]))
                                   for lab, r in zip(labels, groups, strict=True))
        return found, None
    if not groups:
        found["summaries"] = ()
        return found, None
    exact = [scale if scale is not None else
             _scale_of(np.array([min(r["lo"] for r in groups), max(r["hi"] for r in groups)]))]
    if covariate:
        exact.append(_scale_of(np.array([min(r["xlo"] for r in groups),
                                         max(r["xhi"] for r in groups)])))
    return found, exact


class Samples:
    """The samples of a Poisson bootstrap on an engine: one without `g`, else one per group of
    `groups` (rows with `_g`), the first of two signed −1 (a difference is second − first).
    `_part(key, sign)` gathers one sample's `Part`."""

    g: str | None
    groups: list[dict[str, Any]]

    def _part(self, key: Any, sign: int) -> Any:
        raise NotImplementedError

    def parts(self) -> list[Any]:
        """Each sample's size, statistic, spread and jackknife sums (two passes each)."""
        if not self.g:
            return [self._part(None, sign=1)]
        two = len(self.groups) == 2
        return [self._part(r["_g"], sign=-1 if two and j == 0 else 1)
                for j, r in enumerate(self.groups)]
