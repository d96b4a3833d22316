"""`clean`: screens that find dirty records and fixes that correct them, batch by batch.

Every cell stays text. A fix rewrites only the cells it changes; every other cell is written
back exactly as read. The input is streamed twice at most: a survey (the statistics that
fixes need: empty columns, means, quantiles, category spellings, interpolation anchors) and
the pass that screens, fixes and hands back the rows to write and the rows dropped. Each
dropped row has one reason, so rows_in = rows_out + Σ dropped in every report.

Order of work per row: trim → unify case → coerce → fill missing → outliers (clip) →
Excel-safe; then drops: empty → missing → outlier → duplicate (of the row as written).
Reference: pandas `isna`, `duplicated`, `interpolate(limit_area="inside")`; R's type-7
quantiles (NumPy "linear") for the IQR fences; sample standard deviation (ddof = 1) for
z-scores (scipy.stats.zscore(ddof=1)).
Checked against: pandas and NumPy on the same fixtures (tests/stats/test_clean.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from mlstats.errors import InputError
from mlstats.expr import OPERATORS, Expr

if TYPE_CHECKING:
    import pyarrow as pa

FILLS = ("mean", "median", "mode", "interpolate")
MISSING_CHOICES = ("keep", "drop", *FILLS)
NUMBER = r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$"
_NUMBER = re.compile(NUMBER)
_CURRENCY = "$€£¥"
# The shape of a number stored as text: digits with , or . and at most a sign, a currency
# symbol, a percent sign, brackets and spaces around them (checked exactly by _coerce).
_DECORATED = (r"^\(?\s*[-+]?\s*[$€£¥]?\s*[-+]?\s*[\d.,]*\d[\d.,]*(?:[eE][-+]?\d+)?"
              r"\s*[%$€£¥]?\s*\)?$")
# Distinct values tracked per column (for unique, spellings and mode) when the input spans
# several batches, counted in slices of this many cells: a column of mostly distinct values
# costs one slice. An input of one batch is counted whole.
UNIQUE_CAP = 10_000
_SLICE = 10_000
_MISSING_KEY = "\x01"  # a missing cell in a row's duplicate key (NUL never occurs in data)
EMPTY, MISSING, OUTLIER, DUPLICATE = 1, 2, 3, 4
REASONS = ("", "empty", "missing", "outlier", "duplicate")


# -- options -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Range:
    column: int
    low: float
    high: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    column: int
    expr: Expr


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanOptions:
    """The fixes asked for; `missing` is keep, drop, a fill method, or `fill` gives a VALUE."""

    missing: str = "keep"
    fill: str | None = None
    order_by: int | None = None
    coerce: bool = False
    outliers: str | None = None
    threshold: float = 3.0
    ranges: tuple[Range, ...] = ()
    rules: tuple[Rule, ...] = ()
    outlier_action: str | None = None
    unify_case: bool = False
    drop_bad_lines: bool = False
    excel_safe: bool = False
    keep_duplicates: bool = False
    check: bool = False
    na: tuple[str, ...] = ()
    na_numbers: tuple[float, ...] = ()
    where: tuple[str, ...] = ()  # the --where conditions that select the rows cleaned


# -- results -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnReport:
    """One input column: its screens (cells found), its type and what the fixes did."""

    name: str
    dtype: str
    missing: int
    unique: int | None
    whitespace: int
    numbers_as_text: int
    mixed: int
    case_variants: int | None
    formula_like: int
    outliers: int
    out_of_range: int
    filled: int
    changed: int
    dropped: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """A fix, in the order applied: how many cells, rows or columns it changed."""

    name: str
    count: int
    unit: str
    detail: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Malformed:
    line: int
    lines: int
    fields: int
    problem: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HeaderRepair:
    name: str
    column: int
    was: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """A screen that found something: its report key and the count."""

    name: str
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleReport:
    name: str
    violations: int
    first_lines: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanResult:
    rows_in: int
    rows_out: int
    columns_in: int
    columns_out: int
    duplicate_rows: int
    empty_rows: int
    empty_columns: int
    missing_cells: int
    missing_fraction: float
    missing_left: int
    bad_lines: int
    header_problems: int
    whitespace_cells: int
    numbers_as_text: int
    mixed_columns: int
    case_variants: int
    formula_cells: int
    outliers: int
    out_of_range: int
    rule_violations: int
    cells_changed: int
    duplicate_set_size: int
    problems: tuple[Problem, ...]
    dropped: dict[str, int]
    columns: tuple[ColumnReport, ...]
    actions: tuple[Action, ...]
    malformed: tuple[Malformed, ...]
    header: tuple[HeaderRepair, ...]
    rules: tuple[RuleReport, ...]
    check: bool
    missing_strategy: str
    outlier_method: str | None
    outlier_action: str | None
    warnings: tuple[str, ...] = ()


MALFORMED_SHOWN = 100
_FIRST_LINES = 5


# -- header ------------------------------------------------------------------------------------
def repair_header(names: Sequence[str]) -> tuple[list[str], list[HeaderRepair]]:
    """Trim header names, name blank ones column_N, number repeats name_2, name_3, …"""
    repaired: list[str] = []
    repairs: list[HeaderRepair] = []
    taken = {n.strip() for n in names}
    used: set[str] = set()
    for i, raw in enumerate(names, start=1):
        name, reason = raw.strip(), "whitespace" if raw != raw.strip() else ""
        if not name:
            name, reason = _free(f"column_{i}", used | taken), "blank"
        elif name in used:
            name, reason = _free(name, used | taken, start=2), "duplicate"
        used.add(name)
        repaired.append(name)
        if reason:
            repairs.append(HeaderRepair(name=name, column=i, was=raw, reason=reason))
    return repaired, repairs


def snake_case(names: Sequence[str]) -> tuple[list[str], list[HeaderRepair]]:
    """lower_snake_case names: camelCase split, non-word runs to _, repeats numbered."""
    result: list[str] = []
    repairs: list[HeaderRepair] = []
    used: set[str] = set()
    for i, name in enumerate(names, start=1):
        text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
        text = re.sub(r"\W+", "_", text.lower()).strip("_") or f"column_{i}"
        if text in used:
            text = _free(text, used, start=2)
        used.add(text)
        result.append(text)
        if text != name:
            repairs.append(HeaderRepair(name=text, column=i, was=name, reason="snake_case"))
    return result, repairs


def _free(name: str, taken: set[str], start: int | None = None) -> str:
    if start is None and name not in taken:
        return name
    k = start or 2
    while f"{name}_{k}" in taken:
        k += 1
    return f"{name}_{k}"


# -- per-batch cells ---------------------------------------------------------------------------
@dataclass(slots=True)
class _Cells:
    """One column of one batch, normalised: masks are NumPy bool arrays."""

    raw: pa.Array
    text: pa.Array  # trimmed, then coerced when --coerce
    whitespace: np.ndarray
    missing: np.ndarray
    number: np.ndarray  # a plain number once trimmed
    coercible: np.ndarray  # a number stored as text (1,234 $5 12% (3.5))
    numeric: np.ndarray  # counts as a number: plain, or coerced under --coerce
    values: np.ndarray | None  # float64, NaN where not numeric (when numbers are needed)
    formula: np.ndarray
    integer: np.ndarray


@dataclass
class _Column:
    name: str
    missing: int = 0
    whitespace: int = 0
    numbers_as_text: int = 0
    formula_like: int = 0
    integers: int = 0
    numbers: int = 0
    texts: int = 0
    outliers: int = 0
    out_of_range: int = 0
    filled: int = 0
    changed: int = 0
    nonempty: bool = False
    counts: Any = None
    tracking: bool = True
    # survey
    numeric_kind: bool = False
    survey_numbers: int = 0
    survey_texts: int = 0
    n: int = 0
    mean: float = 0.0  # mean and M2 in units of `unit` (a power of two: no overflow)
    m2: float = 0.0
    unit: float = 0.0
    values: list = field(default_factory=list)
    anchors: list = field(default_factory=list)
    anchor_rows: Any = None
    anchor_values: Any = None
    order_values: list = field(default_factory=list)
    # derived after the survey
    fill_text: str | None = None
    low: float = -math.inf
    high: float = math.inf
    clip_low: float = -math.inf
    clip_high: float = math.inf
    unify_from: Any = None
    unify_to: Any = None
    interp_rows: Any = None
    interp_values: Any = None
    last: tuple[int, float] | None = None


@dataclass
class Cleaned:
    """One batch cleaned: the rows to write and the rows dropped (cells exactly as read)."""

    columns: list
    reject_lines: np.ndarray
    reject_reasons: list[str]
    reject_cells: list
    bad: tuple = ()


class Cleaner:
    """Screens and fixes a table streamed in batches (see the module docstring).

    `survey(batch)` until it returns False (or the input ends), then `finish_survey()`,
    then `clean(batch)` for every batch, then `result()`.
    """

    def __init__(self, names: Sequence[str], options: CleanOptions, *, out_names: Sequence[str],
                 header: Sequence[HeaderRepair] = (), snake: Sequence[HeaderRepair] = (),
                 unique_cap: int | None = UNIQUE_CAP, input_bytes: int = 0):
        import pyarrow as pa

        self.o = options
        self.names = list(names)
        self.out_names = list(out_names)
        self.k = len(names)
        self.header = tuple(header)
        self.snake = tuple(snake)
        self.cols = [_Column(name=n) for n in self.names]
        nulls = set(options.na) | {s + v for s in ("", "+", "-") for v in _nan_spellings()}
        self._nulls = pa.array(sorted(nulls), pa.string())
        # Cells of digits, points and signs alone can be missing only through such an --na.
        self._numeric_na_free = not any(
            v and all(_CLASS[b] for b in v.encode()) for v in options.na)
        self._need_values = bool(options.missing in FILLS or options.outliers
                                 or options.ranges or options.na_numbers)
        self.full_survey = bool(options.missing in FILLS or options.outliers
                                or options.unify_case)
        self._position = 0  # rows that are neither malformed nor empty, in order
        self._surveyed_rows = 0
        self._skipped_fill: list[str] = []
        self._order_keys: list = []
        self._order_rows: list = []
        self.rows_in = self.good_rows = self.rows_out = 0
        self.dropped = {"bad_line": 0, "empty": 0, "missing": 0, "outlier": 0, "duplicate": 0}
        if options.where:
            self.dropped["where"] = 0
        self.empty_rows = self.duplicate_rows = 0
        self.bad_lines = 0
        self.malformed: list[Malformed] = []
        self.flagged_rows = 0
        self.fix_cells = {k: 0 for k in ("trim_whitespace", "unify_case", "coerce",
                                         "fill_missing", "clip_outliers", "excel_safe")}
        self.cells_changed = 0
        self.missing_left = 0
        self.rule_hits = [0] * len(options.rules)
        self.rule_lines: list[list[int]] = [[] for _ in options.rules]
        self.warnings: list[str] = []
        self.unique_cap = None if options.missing == "mode" else unique_cap
        from mlstats.stats.rowset import RowSet

        self.rows = RowSet()
        self._input_bytes = input_bytes

    # -- survey ------------------------------------------------------------------------------
    def survey(self, batch: Any, where: np.ndarray | None = None) -> bool:
        """Learn from one batch (the rows `where` selects); False once nothing more is needed
        (the columns all hold data)."""
        if where is not None:
            batch = _select(batch, where)
        self._check_bad(batch.bad)
        self._surveyed_rows += batch.num_rows
        if batch.num_rows == 0:
            return self.full_survey or not all(c.nonempty for c in self.cols)
        if not self.full_survey:
            for col, raw in zip(self.cols, batch.columns, strict=True):
                col.nonempty = col.nonempty or not self._missing(raw).all()
            return not all(c.nonempty for c in self.cols)
        cells = [self._normalise(c) for c in batch.columns]
        empty = np.logical_and.reduce([c.missing for c in cells])
        positions = self._position + np.cumsum(~empty) - 1
        self._position += int((~empty).sum())
        ordered = None
        if self.o.order_by is not None and self.o.missing == "interpolate":
            key = cells[self.o.order_by]
            ordered = ~empty & ~key.missing
            self._order_keys.append(key.text.filter(_pa_bool(ordered)))
            self._order_rows.append(positions[ordered])
        for col, c in zip(self.cols, cells, strict=True):
            col.nonempty = col.nonempty or not c.missing.all()
            numeric = c.numeric & ~empty
            col.survey_numbers += int(numeric.sum())
            col.survey_texts += int((~c.missing & ~c.numeric).sum())
            x = c.values[numeric] if c.values is not None else np.zeros(0)
            if x.size:
                _merge_moments(col, x)
                if self._needs_values():
                    col.values.append(x)
                if self.o.missing == "interpolate":
                    first = int(np.argmax(numeric))
                    col.anchors.append((int(positions[first]), float(c.values[first])))
            if self.o.unify_case or self.o.missing == "mode":
                self._track(col, c)
            if ordered is not None and c.values is not None:
                col.order_values.append(c.values[ordered])
        return True

    def _needs_values(self) -> bool:
        return self.o.missing == "median" or self.o.outliers == "iqr"

    def finish_survey(self) -> None:
        """Turn what the survey learnt into fills, fences and spellings."""
        self._position = 0
        if not self._surveyed_rows:  # no rows at all: no column can be called empty
            for col in self.cols:
                col.nonempty = True
        if not self.full_survey:
            return
        for col in self.cols:
            col.numeric_kind = col.survey_numbers > 0 and col.survey_texts == 0
        self._fences()
        self._fills()
        if self.o.unify_case:
            for col in self.cols:
                if col.counts is not None and col.tracking:
                    col.unify_from, col.unify_to, _ = _spellings(col.counts)
        for col in self.cols:
            col.anchor_rows = np.array([a[0] for a in col.anchors], dtype=np.int64)
            col.anchor_values = np.array([a[1] for a in col.anchors], dtype=np.float64)
            col.values, col.anchors, col.order_values = [], [], []
        self._order_keys, self._order_rows = [], []

    def _fences(self) -> None:
        method, k = self.o.outliers, self.o.threshold
        for col in self.cols:
            if method is None or not col.numeric_kind:
                continue
            if method == "zscore":
                sd = math.sqrt(col.m2 / (col.n - 1)) if col.n > 1 else 0.0
                if sd > 0:  # a fence beyond the float64 range is ±inf: nothing lies past it
                    with np.errstate(over="ignore"):
                        col.low, col.high = (float(np.float64(col.mean - k * sd) * col.unit),
                                             float(np.float64(col.mean + k * sd) * col.unit))
            else:
                q1, q3 = np.quantile(np.concatenate(col.values), [0.25, 0.75], method="linear")
                iqr = q3 - q1
                col.low, col.high = q1 - k * iqr, q3 + k * iqr
            col.clip_low, col.clip_high = col.low, col.high

    def _fills(self) -> None:
        how = self.o.missing
        skipped = []
        order = self._order() if how == "interpolate" and self.o.order_by is not None else None
        for i, col in enumerate(self.cols):
            if how in ("mean", "median", "interpolate") and not col.numeric_kind:
                skipped.append(col.name)
                continue
            if how == "mean" and col.n:
                col.fill_text = _number_text(col.mean * col.unit)
            elif how == "median" and col.n:
                col.fill_text = _number_text(_median(np.concatenate(col.values)))
            elif how == "mode" and col.counts is not None:
                col.fill_text = _mode(col.counts, self.o.unify_case)
            elif order is not None and i != self.o.order_by and col.order_values:
                rows, order_ = order
                values = np.concatenate(col.order_values)[order_]
                filled = _interpolate_inside(values)
                new = np.isnan(values) & ~np.isnan(filled)
                at = np.argsort(rows[new], kind="stable")
                col.interp_rows = rows[new][at]
                col.interp_values = filled[new][at]
        self._skipped_fill = skipped

    def _order(self) -> tuple[np.ndarray, np.ndarray]:
        """The rows with an --order-by value, sorted by it (ties in file order)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        keys = pa.chunked_array(self._order_keys, pa.string())
        rows = np.concatenate(self._order_rows) if self._order_rows else np.empty(0, np.int64)
        if self.cols[self.o.order_by].numeric_kind:
            order = np.lexsort((rows, _floats(keys)))
        else:
            order = np.asarray(pc.sort_indices(
                pa.table({"k": keys, "p": rows}),
                sort_keys=[("k", "ascending"), ("p", "ascending")]), dtype=np.int64)
        return rows[order], order

    # -- the cleaning pass ---------------------------------------------------------------------
    def clean(self, batch: Any, where: np.ndarray | None = None) -> Cleaned:
        """Screen and fix one batch; the rows to write and the rows dropped.

        With `where`, only the rows it selects are screened and fixed; the others are
        dropped first, with the reason `where`.
        """
        if where is None:
            return self._clean(batch)
        import pyarrow as pa

        cleaned = self._clean(_select(batch, where))
        left = ~where
        count = int(left.sum())
        self.rows_in += count
        self.dropped["where"] += count
        if not count:
            return cleaned
        cells = [c.filter(_pa_bool(left)) for c in batch.columns]
        if cleaned.reject_cells:
            cells = [pa.concat_arrays([a, b]) for a, b in
                     zip(cleaned.reject_cells, cells, strict=True)]
        return Cleaned(
            columns=cleaned.columns, bad=cleaned.bad,
            reject_lines=np.concatenate([cleaned.reject_lines,
                                         np.asarray(batch.lines)[left]]).astype(np.int64),
            reject_reasons=[*cleaned.reject_reasons, *["where"] * count],
            reject_cells=cells)

    def _clean(self, batch: Any) -> Cleaned:
        import pyarrow as pa
        import pyarrow.compute as pc

        bad = self._bad(batch.bad)
        n = batch.num_rows
        self.rows_in += n
        self.good_rows += n
        if n == 0:
            return Cleaned(columns=[pa.array([], pa.string())] * self._written_count(), bad=bad,
                           reject_lines=np.empty(0, np.int64), reject_reasons=[],
                           reject_cells=[])
        if self._input_bytes:
            self._reserve(batch.columns)
        cells = [self._normalise(c) for c in batch.columns]
        empty = np.logical_and.reduce([c.missing for c in cells])
        positions = self._position + np.cumsum(~empty) - 1
        self._position += int((~empty).sum())
        kept_cols = [i for i, col in enumerate(self.cols) if col.nonempty]
        out: list[pa.Array] = []
        changes: list[dict[str, np.ndarray]] = []
        missing_after: list[np.ndarray] = []
        flags = np.zeros(n, dtype=bool)
        for i, (col, c) in enumerate(zip(self.cols, cells, strict=True)):
            self._screen(col, c)
            text, changed, still_missing, flagged = self._fix(i, col, c, empty, positions)
            out.append(text)
            changes.append(changed)
            missing_after.append(still_missing)
            if i in kept_cols:
                flags |= flagged
        reason = np.zeros(n, dtype=np.int8)
        reason[empty] = EMPTY
        if self.o.missing == "drop" and kept_cols:
            any_missing = np.logical_or.reduce([missing_after[i] for i in kept_cols])
            reason[(reason == 0) & any_missing] = MISSING
        if self.o.outlier_action == "drop":
            reason[(reason == 0) & flags] = OUTLIER
        candidates = np.flatnonzero(reason == 0)
        if candidates.size and kept_cols:
            key_cols = [pc.if_else(_pa_bool(missing_after[i]), _MISSING_KEY, out[i])
                        if missing_after[i].any() else out[i] for i in kept_cols]
            keys = pc.binary_join_element_wise(*key_cols, "\x00") if len(key_cols) > 1 else (
                key_cols[0])
            keys = keys.take(pa.array(candidates)).to_numpy(zero_copy_only=False)
            from mlstats.stats.rowset import row_hashes

            seen = self.rows.add(*row_hashes(keys))
            self.duplicate_rows += int(seen.sum())
            if not self.o.keep_duplicates:
                reason[candidates[seen]] = DUPLICATE
        keep = reason == 0
        if self.o.outlier_action == "flag":
            self.flagged_rows += int((flags & keep).sum())
        self.empty_rows += int(empty.sum())
        for code, name in ((EMPTY, "empty"), (MISSING, "missing"), (OUTLIER, "outlier"),
                           (DUPLICATE, "duplicate")):
            self.dropped[name] += int((reason == code).sum())
        self.rows_out += int(keep.sum())
        self._count_changes(kept_cols, changes, missing_after, keep)
        self._check_rules(out, missing_after, keep, batch.lines)
        keep_pa = _pa_bool(keep)
        written = [out[i].filter(keep_pa) for i in kept_cols]
        if self.o.outlier_action == "flag":
            written.append(pc.if_else(_pa_bool(flags[keep]), "true", "false"))
        dropped = ~keep
        return Cleaned(
            columns=written, bad=bad,
            reject_lines=np.asarray(batch.lines)[dropped],
            reject_reasons=[REASONS[r] for r in reason[dropped]],
            reject_cells=[c.raw.filter(_pa_bool(dropped)) for c in cells])

    def _reserve(self, columns: list) -> None:
        """Size the duplicate set once, for the rows the whole input will hold at this rate."""
        width = sum(_value_bytes(c).size for c in columns) + len(columns) * len(columns[0])
        expected = len(columns[0]) * self._input_bytes / max(width, 1)
        self.rows.reserve(int(expected * 1.1) + len(columns[0]))
        self._input_bytes = 0

    def _written_count(self) -> int:
        kept = sum(1 for c in self.cols if c.nonempty)
        return kept + (1 if self.o.outlier_action == "flag" else 0)

    def written_names(self) -> list[str]:
        names = [n for n, c in zip(self.out_names, self.cols, strict=True) if c.nonempty]
        if self.o.outlier_action == "flag":
            names.append(_free("outlier", set(names)))
        return names

    def _check_bad(self, bad: Iterable[Any]) -> None:
        for line in bad:
            if not (self.o.drop_bad_lines or self.o.check):
                mend = ("add the closing quote" if line.problem == "unterminated quote"
                        else "fix the line")
                raise InputError(
                    f"{line.describe()}; {mend}, or pass --drop-bad-lines to drop malformed "
                    "lines (--rejects PATH keeps them; --check lists them all)")

    def _bad(self, bad: tuple) -> tuple:
        self._check_bad(bad)
        for line in bad:
            self.rows_in += 1
            self.bad_lines += 1
            if len(self.malformed) < MALFORMED_SHOWN:
                self.malformed.append(Malformed(line=line.line, lines=line.lines,
                                                fields=line.fields, problem=line.problem))
        # Under --check without --drop-bad-lines they are counted as a clean run would drop
        # them: a malformed line cannot be written either way.
        self.dropped["bad_line"] += len(bad)
        return tuple(bad) if self.o.drop_bad_lines else ()

    # -- cells -------------------------------------------------------------------------------
    def _missing(self, raw: pa.Array) -> np.ndarray:
        import pyarrow.compute as pc

        return _np_bool(pc.is_in(pc.utf8_trim_whitespace(raw), value_set=self._nulls))

    def _normalise(self, raw: pa.Array) -> _Cells:
        """Trim, find the missing cells, classify the rest (number, decorated number, text).

        Byte-level counts decide most cells without a regular expression: a cell of digits
        with at most one point and a leading sign is a number, one with a letter or a space
        is not; only cells with an exponent or an odd sign go to the NUMBER pattern.
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        n = len(raw)
        first, last, length = _ends(raw)
        if (_SPACE_EDGE[first] | _SPACE_EDGE[last]).any():
            trimmed = pc.utf8_trim_whitespace(raw)
            scan = _Scan(trimmed)
            whitespace = scan.length != length
        else:
            trimmed, whitespace = raw, np.zeros(n, dtype=bool)
            scan = _Scan(trimmed, ends=(first, length))
        maybe_missing = ~scan.plain if self._numeric_na_free else np.ones(n, dtype=bool)
        missing = np.zeros(n, dtype=bool)
        if maybe_missing.all():
            missing = _np_bool(pc.is_in(trimmed, value_set=self._nulls))
        elif maybe_missing.any():
            missing[maybe_missing] = _np_bool(pc.is_in(
                trimmed.filter(_pa_bool(maybe_missing)), value_set=self._nulls))
        number = scan.simple & ~missing
        odd = scan.odd & ~missing
        if odd.any():
            number[odd] = _np_bool(pc.match_substring_regex(trimmed.filter(_pa_bool(odd)),
                                                            NUMBER))
        values = None
        if self._need_values or odd.any():
            values = np.full(n, np.nan)
            if number.any():
                values[number] = _floats(trimmed.filter(_pa_bool(number)))
            if self.o.na_numbers:
                na = number & np.isin(values, self.o.na_numbers)
                missing |= na
                number &= ~na
            infinite = number & np.isinf(values)
            number &= ~infinite
            values[infinite] = np.nan
        integer = number & scan.integral
        rest = ~missing & ~number
        formula = rest & _FORMULA_START[scan.first] & (scan.length > 1)
        coercible = np.zeros(n, dtype=bool)
        coerced = None
        shaped = np.flatnonzero(rest & scan.decorated)
        if shaped.size:
            sub = trimmed.take(pa.array(shaped))
            shaped = shaped[_np_bool(pc.match_substring_regex(sub, _DECORATED))]
        if shaped.size:
            ok, fixed = _coerce(trimmed.take(pa.array(shaped)))
            coercible[shaped[ok]] = True
            formula &= ~coercible
            if ok.any():
                coerced = fixed.filter(_pa_bool(ok))
        text = trimmed
        numeric = number.copy()
        if self.o.coerce and coerced is not None:
            text = pc.replace_with_mask(trimmed, _pa_bool(coercible), coerced)
            if values is None:
                values = np.full(n, np.nan)
            values[coercible] = _floats(coerced)
            numeric |= coercible & np.isfinite(values)
            values[coercible & ~numeric] = np.nan
            integer |= coercible & numeric & (_Scan(text).integral)
        return _Cells(raw=raw, text=text, whitespace=whitespace, missing=missing, number=number,
                      coercible=coercible, numeric=numeric, values=values, formula=formula,
                      integer=integer)

    def _screen(self, col: _Column, c: _Cells) -> None:
        col.missing += int(c.missing.sum())
        col.whitespace += int(c.whitespace.sum())
        col.numbers_as_text += int((c.coercible | (c.number & c.whitespace)).sum())
        col.formula_like += int(c.formula.sum())
        col.nonempty = col.nonempty or not c.missing.all()
        numbers = int(c.numeric.sum())
        col.numbers += numbers
        col.texts += int((~c.missing & ~c.numeric).sum())
        col.integers += int(c.integer.sum())
        if not self.full_survey or not (self.o.unify_case or self.o.missing == "mode"):
            self._track(col, c)

    def _track(self, col: _Column, c: _Cells) -> None:
        """Count the distinct values of a column while there are at most UNIQUE_CAP of them."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if not col.tracking:
            return
        present = c.text.filter(_pa_bool(~c.missing))
        cap = self.unique_cap
        step = _SLICE if cap is not None else max(len(present), 1)
        for start in range(0, len(present), step):
            counts = pc.value_counts(present.slice(start, step))
            part = pa.table({"value": counts.field("values"), "count": counts.field("counts")})
            if col.counts is not None:
                part = pa.concat_tables([col.counts, part]).group_by(
                    "value", use_threads=False).aggregate([("count", "sum")])
                part = pa.table({"value": part["value"], "count": part["count_sum"]})
            col.counts = part
            if cap is not None and part.num_rows > cap:
                col.tracking = False
                col.counts = None
                return

    def _fix(self, i: int, col: _Column, c: _Cells, empty: np.ndarray,
             positions: np.ndarray) -> tuple[pa.Array, dict, np.ndarray, np.ndarray]:
        """Apply the cell fixes to one column: its text, changes by fix, missing, flags."""
        import pyarrow as pa
        import pyarrow.compute as pc

        changed: dict[str, np.ndarray] = {"trim_whitespace": c.whitespace}
        text = c.text
        values = c.values
        if col.unify_from is not None and len(col.unify_from):
            at = pc.index_in(text, value_set=col.unify_from)
            hit = _np_bool(pc.is_valid(at)) & ~c.missing
            if hit.any():
                text = pc.if_else(_pa_bool(hit), pc.take(col.unify_to, at), text)
                changed["unify_case"] = hit
        if self.o.coerce:
            changed["coerce"] = c.coercible & c.numeric
        missing = c.missing & ~empty
        fill = self._fill(col, c, missing, positions)
        still_missing = c.missing.copy()
        if fill is not None:
            where, texts = fill
            text = pc.replace_with_mask(text, _pa_bool(where), pa.array(texts, pa.string()))
            changed["fill_missing"] = where
            still_missing &= ~where
            col.filled += int(where.sum())
        flagged = np.zeros(len(c.raw), dtype=bool)
        if col.low > -math.inf or col.high < math.inf:
            out = c.numeric & ((values < col.low) | (values > col.high))
            col.outliers += int(out.sum())
            flagged |= out
        for r in self.o.ranges:
            if r.column == i:
                out = c.numeric & ((values < r.low) | (values > r.high))
                col.out_of_range += int(out.sum())
                flagged |= out
        if self.o.outlier_action == "clip" and flagged.any():
            clipped = values[flagged]
            clipped = np.clip(clipped, col.clip_low, col.clip_high)
            for r in self.o.ranges:
                if r.column == i:
                    clipped = np.clip(clipped, r.low, r.high)
            texts = [_number_text(v) for v in clipped.tolist()]
            text = pc.replace_with_mask(text, _pa_bool(flagged), pa.array(texts, pa.string()))
            changed["clip_outliers"] = flagged
        if self.o.excel_safe:
            risky = _np_bool(_formula_like(text)) & ~still_missing & ~c.coercible
            if risky.any():
                text = pc.if_else(_pa_bool(risky), pc.binary_join_element_wise("'", text, ""),
                                  text)
                changed["excel_safe"] = risky
        return text, changed, still_missing, flagged

    def _fill(self, col: _Column, c: _Cells, missing: np.ndarray,
              positions: np.ndarray) -> tuple[np.ndarray, list[str]] | None:
        if self.o.missing == "interpolate" and self.o.order_by is None and col.numeric_kind:
            return self._carry(col, c, missing, positions)
        if not missing.any():
            return None
        if self.o.fill is not None:
            return missing, [self.o.fill] * int(missing.sum())
        if self.o.missing in ("mean", "median", "mode"):
            if col.fill_text is None:
                return None
            return missing, [col.fill_text] * int(missing.sum())
        if self.o.missing == "interpolate" and col.interp_rows is not None:
            if not len(col.interp_rows):
                return None
            rows = positions[missing]
            at = np.minimum(np.searchsorted(col.interp_rows, rows), len(col.interp_rows) - 1)
            hit = col.interp_rows[at] == rows
            where = missing.copy()
            where[missing] = hit
            return where, [_number_text(v) for v in col.interp_values[at[hit]].tolist()]
        return None

    def _carry(self, col: _Column, c: _Cells, missing: np.ndarray,
               positions: np.ndarray) -> tuple[np.ndarray, list[str]] | None:
        """Interpolate in file order between the known values around each missing cell.

        The last known value of earlier batches and the first of later ones (found by the
        survey) bound this batch's gaps; before the first and after the last known value of
        the column nothing is filled.
        """
        known = c.numeric
        rows, values = positions[known], c.values[known]
        before = col.last
        if rows.size:
            col.last = (int(rows[-1]), float(values[-1]))
        if not missing.any():
            return None
        end = int(positions[-1])
        after = np.searchsorted(col.anchor_rows, end, side="right")
        xs = [rows.astype(np.float64)]
        ys = [values]
        if before is not None:
            xs.insert(0, np.array([before[0]], dtype=np.float64))
            ys.insert(0, np.array([before[1]]))
        if after < col.anchor_rows.size:
            xs.append(np.array([col.anchor_rows[after]], dtype=np.float64))
            ys.append(col.anchor_values[after:after + 1])
        x, y = np.concatenate(xs), np.concatenate(ys)
        targets = positions[missing]
        where = missing.copy()
        if x.size < 2:
            return None
        inside = (targets > x[0]) & (targets < x[-1])
        where[missing] = inside
        if not inside.any():
            return None
        return where, [_number_text(v) for v in np.interp(targets[inside], x, y).tolist()]

    def _count_changes(self, kept_cols: list[int], changes: list[dict],
                       missing_after: list[np.ndarray], keep: np.ndarray) -> None:
        for i in kept_cols:
            any_change = np.zeros(keep.size, dtype=bool)
            for name, mask in changes[i].items():
                hit = mask & keep
                self.fix_cells[name] += int(hit.sum())
                any_change |= hit
            count = int(any_change.sum())
            self.cols[i].changed += count
            self.cells_changed += count
            self.missing_left += int((missing_after[i] & keep).sum())

    def _check_rules(self, out: list, missing: list[np.ndarray], keep: np.ndarray,
                     lines: np.ndarray) -> None:
        for k, rule in enumerate(self.o.rules):
            broken = _violations(out[rule.column], missing[rule.column], rule.expr) & keep
            self.rule_hits[k] += int(broken.sum())
            room = _FIRST_LINES - len(self.rule_lines[k])
            if room > 0:
                self.rule_lines[k].extend(int(x) for x in np.asarray(lines)[broken][:room])

    # -- the report ----------------------------------------------------------------------------
    def result(self) -> CleanResult:
        cols = self.cols
        reports = []
        untracked = []
        variants_total = 0
        for name, col in zip(self.out_names, cols, strict=True):
            variants = None
            unique = None
            if col.counts is not None and col.tracking:
                _, _, variants = _spellings(col.counts)
                unique = col.counts.num_rows
                if self.o.unify_case and col.unify_from is not None:
                    unique -= len(col.unify_from)
                variants_total += variants
            elif not col.tracking:
                untracked.append(name)
            else:
                unique, variants = 0, 0
            reports.append(ColumnReport(
                name=name, dtype=_dtype(col), missing=col.missing, unique=unique,
                whitespace=col.whitespace, numbers_as_text=col.numbers_as_text,
                mixed=min(col.numbers, col.texts), case_variants=variants,
                formula_like=col.formula_like, outliers=col.outliers,
                out_of_range=col.out_of_range, filled=col.filled, changed=col.changed,
                dropped=not col.nonempty))
        warnings = list(self.warnings)
        if untracked:
            warnings.append(
                f"in an input of several batches, distinct values are counted up to "
                f"{self.unique_cap} per column; for {_names(untracked)} unique is null and "
                "case spellings are not compared")
        skipped = self._skipped_fill
        if skipped and any(c.missing for c in cols if c.name in skipped):
            warnings.append(
                f"--missing {self.o.missing} fills numeric columns only; missing cells of "
                f"{_names(skipped)} stay missing")
        if self.o.outliers and not any(c.numeric_kind for c in cols):
            warnings.append("--outliers found no numeric column to screen")
        empty_cols = sum(1 for c in cols if not c.nonempty)
        columns_out = self._written_count()
        if self.k and not columns_out:
            warnings.append("every column is empty; the output has no columns")
        cells = self.good_rows * self.k
        missing_cells = sum(c.missing for c in cols)
        header_problems = len(self.header)
        found = {
            "bad_lines": self.bad_lines, "header": header_problems,
            "missing_cells": missing_cells, "empty_rows": self.empty_rows,
            "empty_columns": empty_cols, "duplicate_rows": self.duplicate_rows,
            "whitespace_cells": sum(c.whitespace for c in cols),
            "numbers_as_text": sum(c.numbers_as_text for c in cols),
            "mixed_columns": sum(1 for r in reports if r.dtype == "mixed"),
            "case_variants": variants_total,
            "formula_cells": sum(c.formula_like for c in cols),
            "outliers": sum(c.outliers for c in cols),
            "out_of_range": sum(c.out_of_range for c in cols),
            "rule_violations": sum(self.rule_hits),
        }
        return CleanResult(
            rows_in=self.rows_in, rows_out=self.rows_out, columns_in=self.k,
            columns_out=columns_out, duplicate_rows=self.duplicate_rows,
            empty_rows=self.empty_rows, empty_columns=empty_cols, missing_cells=missing_cells,
            missing_fraction=missing_cells / cells if cells else math.nan,
            missing_left=self.missing_left, bad_lines=self.bad_lines,
            header_problems=header_problems, whitespace_cells=found["whitespace_cells"],
            numbers_as_text=found["numbers_as_text"], mixed_columns=found["mixed_columns"],
            case_variants=variants_total, formula_cells=found["formula_cells"],
            outliers=found["outliers"], out_of_range=found["out_of_range"],
            rule_violations=found["rule_violations"], cells_changed=self.cells_changed,
            duplicate_set_size=self.rows.size,
            problems=tuple(Problem(name=k, count=v) for k, v in found.items() if v),
            dropped=dict(self.dropped), columns=tuple(reports), actions=self._actions(),
            malformed=tuple(self.malformed), header=(*self.header, *self.snake),
            rules=tuple(RuleReport(name=str(r.expr.text), violations=h,
                                   first_lines=tuple(ln))
                        for r, h, ln in zip(self.o.rules, self.rule_hits, self.rule_lines,
                                            strict=True)),
            check=self.o.check, missing_strategy=self.o.fill if self.o.fill is not None
            else self.o.missing,
            outlier_method=f"{self.o.outliers}:{self.o.threshold:g}" if self.o.outliers
            else None,
            outlier_action=self.o.outlier_action, warnings=tuple(warnings))

    def _actions(self) -> tuple[Action, ...]:
        o = self.o
        acts = [Action(name="repair_header", count=len(self.header), unit="columns")]
        if self.snake:
            acts.append(Action(name="snake_case", count=len(self.snake), unit="columns"))
        if o.where:
            acts.append(Action(name="drop_where", count=self.dropped["where"], unit="rows",
                               detail=" and ".join(o.where)))
        if o.drop_bad_lines:
            acts.append(Action(name="drop_bad_lines", count=self.dropped["bad_line"],
                               unit="rows"))
        acts.append(Action(name="trim_whitespace", count=self.fix_cells["trim_whitespace"],
                           unit="cells"))
        if o.unify_case:
            acts.append(Action(name="unify_case", count=self.fix_cells["unify_case"],
                               unit="cells"))
        if o.coerce:
            acts.append(Action(name="coerce", count=self.fix_cells["coerce"], unit="cells"))
        if o.fill is not None or o.missing in FILLS:
            acts.append(Action(name="fill_missing", count=self.fix_cells["fill_missing"],
                               unit="cells", detail=o.fill if o.fill is not None else o.missing))
        acts.append(Action(name="drop_empty_rows", count=self.dropped["empty"], unit="rows"))
        if o.missing == "drop":
            acts.append(Action(name="drop_missing", count=self.dropped["missing"], unit="rows"))
        if o.outlier_action == "clip":
            acts.append(Action(name="clip_outliers", count=self.fix_cells["clip_outliers"],
                               unit="cells"))
        elif o.outlier_action == "drop":
            acts.append(Action(name="drop_outliers", count=self.dropped["outlier"], unit="rows"))
        elif o.outlier_action == "flag":
            acts.append(Action(name="flag_outliers", count=self.flagged_rows, unit="rows"))
        if o.excel_safe:
            acts.append(Action(name="excel_safe", count=self.fix_cells["excel_safe"],
                               unit="cells"))
        if not o.keep_duplicates:
            acts.append(Action(name="drop_duplicates", count=self.dropped["duplicate"],
                               unit="rows"))
        acts.append(Action(name="drop_empty_columns",
                           count=sum(1 for c in self.cols if not c.nonempty), unit="columns"))
        return tuple(acts)


# -- helpers -----------------------------------------------------------------------------------
def _nan_spellings() -> list[str]:
    """Every casing of 'nan' (a number that is not a number is missing, as in the reader)."""
    out = [""]
    for ch in "nan":
        out = [p + c for p in out for c in (ch, ch.upper())]
    return out


def _byte_set(chars: str, *extra: int) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[list(chars.encode()) + list(extra)] = True
    return table


_SPACE_EDGE = _byte_set(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f", *range(0x80, 0x100))
_FORMULA_START = _byte_set("=+-@")
# $ ( and the lead bytes of € (0xE2) and of £ ¥ (0xC2)


def _offsets(text: Any) -> np.ndarray:
    return np.frombuffer(text.buffers()[1], dtype=np.int32,
                         count=text.offset + len(text) + 1)[text.offset:]


def _ends(text: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first and last byte of each value (0 when empty) and each value's length."""
    offsets = _offsets(text)
    length = np.diff(offsets)
    data = text.buffers()[2]
    if data is None or data.size == 0:
        zero = np.zeros(len(text), dtype=np.uint8)
        return zero, zero, length
    raw = np.frombuffer(data, dtype=np.uint8)
    present = length > 0
    first = np.where(present, raw[np.minimum(offsets[:-1], raw.size - 1)], 0)
    last = np.where(present, raw[np.clip(offsets[1:] - 1, 0, raw.size - 1)], 0)
    return first.astype(np.uint8), last.astype(np.uint8), length


# Byte classes for _Scan: 0 other, 1 digit, 2 point, 3 sign, 4 exponent mark, 5 what dresses
# a number stored as text (, ( ) $ % space, and the bytes of € £ ¥). Each byte adds 1 to a
# 10-bit field of one running sum, so one cumulative sum counts every class per cell.
_CLASS = np.zeros(256, dtype=np.uint8)
_CLASS[list(b"0123456789")] = 1
_CLASS[ord(".")] = 2
_CLASS[list(b"+-")] = 3
_CLASS[list(b"eE")] = 4
_CLASS[list(b",()$% " + "€£¥".encode())] = 5
_BITS = 10
_FIELD = (1 << _BITS) - 1
_WEIGHT = (np.uint64(1) << (np.uint64(_BITS) * _CLASS.astype(np.uint64))).astype(np.uint64)
_LONGEST_SIMPLE = 300  # more digits than this might overflow a float: the slow path decides


class _Scan:
    """Per-cell byte counts by class, from one pass over a text column's bytes.

    `plain`: only digits, points, signs and exponent marks (and not empty) — never one of
    the default missing strings; `simple`: a number of the form [-+]digits[.digits];
    `odd`: plain but not simple, for the NUMBER pattern to decide; `integral`: no point and
    no exponent; `decorated`: digits with at most one sign among the characters of a number
    stored as text, for _DECORATED and _coerce to decide. Cells of 1024 bytes or more (a
    count could overflow its field) are none of these.
    """

    def __init__(self, text: Any, *, ends: tuple[np.ndarray, np.ndarray] | None = None):
        offsets = _offsets(text)
        self.first, self.length = ends if ends is not None else _ends(text)[::2]
        data = text.buffers()[2]
        raw = (np.frombuffer(data, dtype=np.uint8)[offsets[0]:offsets[-1]]
               if data is not None else np.zeros(0, dtype=np.uint8))
        running = np.zeros(raw.size + 1, dtype=np.uint64)
        np.cumsum(_WEIGHT[raw], out=running[1:])
        at = offsets - offsets[0]
        sums = running[at[1:]] - running[at[:-1]]

        def count(kind: int) -> np.ndarray:
            return ((sums >> np.uint64(_BITS * kind)) & np.uint64(_FIELD)).astype(np.int64)

        others, digits, points = count(0), count(1), count(2)
        signs, marks, dress = count(3), count(4), count(5)
        short = (self.length > 0) & (self.length <= _FIELD)
        self.plain = short & (others == 0) & (dress == 0)
        sign_first = _CLASS[self.first] == 3
        self.simple = (self.plain & (marks == 0) & (digits > 0) & (points <= 1)
                       & ((signs == 0) | ((signs == 1) & sign_first))
                       & (self.length <= _LONGEST_SIMPLE))
        self.odd = self.plain & ~self.simple & (digits > 0)
        self.integral = (points == 0) & (marks == 0)
        self.decorated = short & (others == 0) & (digits > 0) & (signs <= 1) & (dress > 0)


def _value_bytes(text: Any) -> np.ndarray:
    offsets = _offsets(text)
    data = text.buffers()[2]
    if data is None:
        return np.zeros(0, dtype=np.uint8)
    return np.frombuffer(data, dtype=np.uint8)[offsets[0]:offsets[-1]]


def _np_bool(array: Any) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=bool)


def _pa_bool(mask: np.ndarray) -> Any:
    import pyarrow as pa

    return pa.array(mask, pa.bool_())


def _floats(text: Any) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    return np.asarray(pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False),
                      dtype=np.float64)


def _merge_moments(col: _Column, x: np.ndarray) -> None:
    """Chan, Golub & LeVeque (1979) pairwise update of (n, mean, M2).

    In units of a power of two near the largest |x| beyond 2^±200 (exact), so that neither
    the sum nor the squares overflow or underflow; a larger unit later rescales the sums.
    """
    from mlstats.stats.summaries import scale_for

    unit = scale_for(max(float(x.max()), -float(x.min())))
    if col.n and unit < col.unit:
        unit = col.unit
    elif col.n and unit > col.unit:
        col.mean *= col.unit / unit
        col.m2 *= (col.unit / unit) ** 2
    col.unit = unit
    if unit != 1.0:
        x = x / unit
    nb = x.size
    mb = float(x.mean())
    m2b = float(((x - mb) ** 2).sum())
    if col.n == 0:
        col.n, col.mean, col.m2 = nb, mb, m2b
        return
    n = col.n + nb
    delta = mb - col.mean
    col.mean += delta * nb / n
    col.m2 += m2b + delta * delta * col.n * nb / n
    col.n = n


def _coerce(text: Any) -> tuple[np.ndarray, Any]:
    """Numbers stored as text → plain number text: 1,234 → 1234, $5 → 5, (3.5) → -3.5,
    12% → 0.12 (the decimal point moved, so no binary rounding creeps in)."""
    import pyarrow.compute as pc

    t = text
    negative = _np_bool(pc.match_substring_regex(t, r"^\(.*\)$"))
    t = pc.utf8_trim_whitespace(pc.replace_substring_regex(t, r"^\((.*)\)$", r"\1"))
    percent = _np_bool(pc.match_substring_regex(t, r"%$"))
    t = pc.replace_substring_regex(t, r"\s*%$", "")
    cur = "[" + re.escape(_CURRENCY) + "]"
    t = pc.replace_substring_regex(t, r"^([-+]?)\s*" + cur + r"\s*", r"\1")
    t = pc.replace_substring_regex(t, r"\s*" + cur + "$", "")
    thousands = _np_bool(pc.match_substring_regex(t, r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$"))
    t = pc.if_else(_pa_bool(thousands), pc.replace_substring(t, ",", ""), t)
    ok = _np_bool(pc.match_substring_regex(t, NUMBER))
    signed = _np_bool(pc.match_substring_regex(t, r"^[-+]"))
    ok &= ~(negative & signed) & ~(percent & _np_bool(pc.match_substring_regex(t, "[eE]")))
    if percent.any():
        shifted = pc.replace_substring_regex(t, r"^([-+]?)(\d*)\.?(\d*)$", r"\1|00\2|\3")
        shifted = pc.replace_substring_regex(shifted, r"^([-+]?)\|(\d*)(\d\d)\|(\d*)$",
                                             r"\1\2.\3\4")
        shifted = pc.replace_substring_regex(shifted, r"^([-+]?)0+(\d)", r"\1\2")
        shifted = pc.replace_substring_regex(shifted, r"(\.\d*?)0+$", r"\1")
        shifted = pc.replace_substring_regex(shifted, r"\.$", "")
        t = pc.if_else(_pa_bool(percent), shifted, t)
    if negative.any():
        t = pc.if_else(_pa_bool(negative), pc.binary_join_element_wise("-", t, ""), t)
    # Stripping decorations must leave something to convert: "$" alone is not a number.
    ok &= _np_bool(pc.match_substring_regex(t, NUMBER))
    return ok, t


def _formula_like(text: Any) -> Any:
    """Starts with = + - @ and is more than that sign; the caller leaves numbers out."""
    import pyarrow.compute as pc

    starts = pc.match_substring_regex(text, r"^[=+\-@].")
    number = pc.match_substring_regex(text, NUMBER)
    return pc.and_(starts, pc.invert(number))


def _spellings(counts: Any) -> tuple[Any, Any, int]:
    """Category spellings that differ only in case: the map to the most frequent spelling.

    Returns (from values, to values, cells not in their group's main spelling). Ties go to
    the spelling seen first; numbers are not categories and are left out.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    values = counts["value"].combine_chunks()
    count = np.asarray(counts["count"].to_numpy(), dtype=np.int64)
    text = ~_np_bool(pc.match_substring_regex(values, NUMBER))
    idx = np.flatnonzero(text)
    if idx.size < 2:
        return pa.array([], pa.string()), pa.array([], pa.string()), 0
    sub = values.take(pa.array(idx))
    encoded = pc.dictionary_encode(pc.utf8_lower(sub))
    groups = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    order = np.lexsort((np.arange(idx.size), -count[idx], groups))
    head = np.ones(idx.size, dtype=bool)
    head[1:] = groups[order][1:] != groups[order][:-1]
    canonical = np.empty(groups.max() + 1, dtype=np.int64)
    canonical[groups[order][head]] = order[head]
    variant = np.ones(idx.size, dtype=bool)
    variant[canonical] = False
    from_values = sub.filter(_pa_bool(variant))
    to_values = sub.take(pa.array(canonical[groups[variant]]))
    return from_values, to_values, int(count[idx][variant].sum())


def _mode(counts: Any, unify: bool) -> str | None:
    """The most frequent value (ties: the first seen), after unifying spellings if asked."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = counts["value"].combine_chunks()
    count = np.asarray(counts["count"].to_numpy(), dtype=np.int64)
    if not len(values):
        return None
    if unify:
        frm, to, _ = _spellings(counts)
        if len(frm):
            at = pc.index_in(values, value_set=frm)
            values = pc.if_else(pc.is_valid(at), pc.take(to, at), values)
            table = pa.table({"value": values, "count": count}).group_by(
                "value", use_threads=False).aggregate([("count", "sum")])
            values, count = table["value"].combine_chunks(), table["count_sum"].to_numpy()
    return values[int(np.argmax(count))].as_py()


def _interpolate_inside(values: np.ndarray) -> np.ndarray:
    """Linear interpolation between known neighbours by position; the ends stay NaN.

    As pandas `Series.interpolate(method="linear", limit_area="inside")`.
    """
    known = np.flatnonzero(~np.isnan(values))
    out = values.copy()
    if known.size < 2:
        return out
    inside = np.arange(known[0], known[-1] + 1)
    out[inside] = np.interp(inside, known, values[known])
    return out


def _violations(text: Any, missing: np.ndarray, expr: Expr) -> np.ndarray:
    """Rows where a --rule does not hold (missing cells are not checked)."""
    import pyarrow.compute as pc

    if isinstance(expr.value, bool):
        if expr.op not in ("==", "!="):
            raise InputError(f"cannot order true/false with {expr.op} in '{expr.text}'; "
                             "use == or !=")
        lowered = pc.utf8_lower(text)
        same = _np_bool(pc.equal(lowered, "true" if expr.value else "false"))
        holds = same if expr.op == "==" else ~same
        return ~holds & ~missing
    number = _np_bool(pc.match_substring_regex(text, NUMBER))
    values = np.full(len(text), np.nan)
    if number.any():
        values[number] = _floats(text.filter(_pa_bool(number)))
    with np.errstate(invalid="ignore"):
        holds = OPERATORS[expr.op](values, expr.value) & number
    return ~holds & ~missing


def _median(x: np.ndarray) -> float:
    """np.median, but the midpoint of two values near the float64 limit does not overflow."""
    half = x.size // 2
    if x.size % 2:
        return float(np.partition(x, half)[half])
    part = np.partition(x, [half - 1, half])
    low, high = float(part[half - 1]), float(part[half])
    middle = (low + high) / 2
    return middle if math.isfinite(middle) else low / 2 + high / 2
def _select(batch: Any, where: np.ndarray) -> Any:
    """The batch's rows where `where` holds (its malformed records stay with it)."""
    import dataclasses

    if where.all():
        return batch
    chosen = _pa_bool(where)
    return dataclasses.replace(batch, columns=[c.filter(chosen) for c in batch.columns],
                               lines=np.asarray(batch.lines)[where])


def _number_text(value: float) -> str:
    """Full precision, shortest round-trip form; integral values without '.0'."""
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def _dtype(col: _Column) -> str:
    if not col.numbers and not col.texts:
        return "empty"
    if col.numbers and col.texts:
        return "mixed"
    if col.texts:
        return "text"
    return "integer" if col.integers == col.numbers else "number"


def _names(names: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"
