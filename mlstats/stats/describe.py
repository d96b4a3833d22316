"""Descriptive statistics per column: moments, type-7 quantiles and the t-interval of the mean."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from mlstats.errors import InputError

# Beyond these magnitudes the moment sums are taken of values scaled near 1 (see Moments).
_HUGE = 2.0**200
_TINY = 2.0**-200


def _scale_for(peak: float) -> float:
    """1 for ordinary magnitudes; else a power of two near `peak` (within a factor of 2)."""
    return float(_scales_for(np.array([peak]))[0])


def _scales_for(peaks: np.ndarray) -> np.ndarray:
    """`_scale_for` of each peak; 2^(e−1) for peak = m·2^e, so that 9e307 has a scale too."""
    odd = (peaks > _HUGE) | ((peaks > 0) & (peaks < _TINY))
    return np.where(odd, np.ldexp(1.0, np.frexp(peaks)[1] - 1), 1.0)


@dataclass(frozen=True, slots=True)
class Moments:
    """A mergeable summary of a sample: n, mean and the central sums M2, M3, M4.

    Mᵢ = Σ((x − x̄)/s)ⁱ, computed in two passes (the deviations re-centred on their own
    mean), with s a power of two (exact to divide by) that is 1 for ordinary magnitudes and
    brings values beyond 2^±200 near 1, so that no fourth power overflows or underflows.
    `merge` combines two summaries exactly (P. Pébay, "Formulas for robust, one-pass
    parallel computation of covariances and arbitrary-order statistical moments", Sandia
    SAND2008-6212, eq. 3.1; T. Chan, G. Golub, R. LeVeque 1979 for M2).
    """

    n: int
    mean: float
    m2: float
    m3: float
    m4: float
    scale: float = 1.0
    peak: float = 0.0

    @classmethod
    def of(cls, x: np.ndarray) -> Moments:
        return column_moments(np.asarray(x, dtype=np.float64).reshape(-1, 1))[0]

    def rescaled(self, scale: float) -> Moments:
        """The same summary with its sums in units of `scale` (a power of two)."""
        r = self.scale / scale if self.peak > 0 else 0.0  # all zeros: every sum is 0
        return Moments(n=self.n, mean=self.mean, m2=self.m2 * r**2, m3=self.m3 * r**3,
                       m4=self.m4 * r**4, scale=scale, peak=self.peak)

    def merge(self, other: Moments) -> Moments:
        if self.n == 0:
            return other
        if other.n == 0:
            return self
        peak = max(self.peak, other.peak)
        s = _scale_for(peak)  # never below either part's scale: rescaling only shrinks
        a, b = self.rescaled(s), other.rescaled(s)
        na, nb = a.n, b.n
        n = na + nb
        delta = (b.mean - a.mean) / s
        mean = a.mean + (b.mean - a.mean) * nb / n
        m2 = a.m2 + b.m2 + delta**2 * na * nb / n
        m3 = (a.m3 + b.m3 + delta**3 * na * nb * (na - nb) / n**2
              + 3 * delta * (na * b.m2 - nb * a.m2) / n)
        m4 = (a.m4 + b.m4
              + delta**4 * na * nb * (na * na - na * nb + nb * nb) / n**3
              + 6 * delta**2 * (na * na * b.m2 + nb * nb * a.m2) / n**2
              + 4 * delta * (na * b.m3 - nb * a.m3) / n)
        return Moments(n=n, mean=mean, m2=m2, m3=m3, m4=m4, scale=s, peak=peak)

    @property
    def variance(self) -> float:
        """Sample variance M2 / (n − 1), in the data's units."""
        return self.m2 / (self.n - 1) * self.scale**2 if self.n > 1 else math.nan

    @property
    def std(self) -> float:
        """Sample standard deviation √(M2 / (n − 1)), scaled last so that it cannot overflow."""
        return math.sqrt(self.m2 / (self.n - 1)) * self.scale if self.n > 1 else math.nan

    @property
    def skew(self) -> float:
        """Adjusted Fisher–Pearson G1 = √(n(n−1))/(n−2) · g1, g1 = (M3/n)/(M2/n)^1.5."""
        n = self.n
        spread = (self.m2 / n) ** 1.5 if n else 0.0
        if n < 3 or spread <= 0:
            return math.nan
        g1 = (self.m3 / n) / spread
        return math.sqrt(n * (n - 1)) / (n - 2) * g1

    @property
    def kurtosis(self) -> float:
        """Bias-corrected excess kurtosis G2 = (n−1)/((n−2)(n−3)) · ((n+1)g2 + 6)."""
        n = self.n
        spread = (self.m2 / n) ** 2 if n else 0.0
        if n < 4 or spread <= 0:
            return math.nan
        g2 = (self.m4 / n) / spread - 3
        return (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6)


def column_moments(x: np.ndarray) -> list[Moments]:
    """`Moments` of each column of a 2-D array without NaN, all columns at once.

    Mᵢ = Σ((x − x̄)/s)ⁱ in two passes (the deviations re-centred on their own mean), s a power
    of two per column (see Moments). Columns should be contiguous (Fortran order): NumPy
    then sums each one pairwise, exactly as it sums a 1-D array.
    """
    n, k = x.shape
    if n == 0:
        return [Moments(n=0, mean=math.nan, m2=0.0, m3=0.0, m4=0.0)] * k
    peak = np.abs(x).max(axis=0)
    scale = _scales_for(peak)
    if (scale != 1.0).any():
        x = x / scale
    mean = x.mean(axis=0)
    d = x - mean
    d2 = d * d
    m2, m3, m4 = d2.sum(axis=0), (d2 * d).sum(axis=0), (d2 * d2).sum(axis=0)
    # The rounded mean is off by up to half an ulp of the data, a visible share of the
    # spread when the mean dwarfs it (1e9 ± 1e-3), which skews M3: the sums are moved to
    # the deviations' own mean c (binomial expansion of Σ(d − c)ⁱ; the reported mean stays
    # the rounded sum / n). Below 2⁻⁴⁰ of the spread the shift is rounding noise.
    c = d.mean(axis=0)
    shift = c * c * n > m2 * 2.0**-80
    if shift.any():
        c = np.where(shift, c, 0.0)
        m4 = m4 - 4 * c * m3 + 6 * c * c * m2 - 3 * n * c**4
        m3 = m3 - 3 * c * m2 + 2 * n * c**3
        m2 = np.maximum(m2 - n * c * c, 0.0)
    return [Moments(n=n, mean=float(mean[j] * scale[j]), m2=float(m2[j]), m3=float(m3[j]),
                    m4=float(m4[j]), scale=float(scale[j]), peak=float(peak[j]))
            for j in range(k)]


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnSummary:
    name: str
    n: int
    missing: int
    mean: float
    std: float
    sem: float
    min: float
    q1: float
    median: float
    q3: float
    max: float
    iqr: float
    skew: float
    kurtosis: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupColumnSummary(ColumnSummary):
    """A column's summary within one group of `--by`; `name` is `column[group]`."""

    column: str
    group: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TextSummary:
    """A non-numeric column: how many values, how many distinct, the most frequent."""

    name: str
    count: int
    missing: int
    unique: int
    top: str | None
    top_count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DescribeResult:
    confidence: float
    by: str | None
    columns: tuple[ColumnSummary, ...]
    non_numeric: tuple[TextSummary, ...] = ()
    warnings: tuple[str, ...] = ()


def describe(data: Mapping[str, np.ndarray], *, confidence: float = 0.95,
             labels: Mapping[str, np.ndarray] | None = None, groups: np.ndarray | None = None,
             by: str | None = None) -> DescribeResult:
    """Summaries of numeric columns (NaN = missing) and of label columns (None = missing).

    With `groups` (one label per row) every numeric column is summarised within each group,
    groups in order of first appearance. Quantiles are R's type 7; std is the sample
    standard deviation; the interval is the t-interval of the mean, x̄ ± t(1−α/2, n−1)·s/√n.
    Columns are summarised in blocks of equal length, so that a table of 10,000 short
    columns costs a few vectorised passes, not 10,000 rounds of small NumPy calls.
    Reference: R `quantile(type=7)`, `sd`, `t.test`; Joanes & Gill (1998) for G1 and G2.
    Checked against: R 4.2.2 on airquality (tests/stats/test_describe.py).
    """
    if not 0 < confidence < 1:
        raise InputError(f"--confidence must be between 0 and 1 (got {confidence:g})")
    from concurrent.futures import ThreadPoolExecutor

    names = list(data)
    if groups is None:
        rows = len(data[names[0]]) if names else 0
        width = max(1, _BLOCK // max(rows, 1))
        tasks = [names[i:i + width] for i in range(0, len(names), width)]

        def work(chunk: list[str]) -> list[tuple[ColumnSummary, list[Note]]]:
            return _summarise_columns({name: data[name] for name in chunk}, confidence)
    else:
        order, rows_by_group, bounds = _group_rows(groups)
        tasks = [[name] for name in names]

        def work(chunk: list[str]) -> list[tuple[ColumnSummary, list[Note]]]:
            name = chunk[0]
            parts = np.split(data[name][rows_by_group], bounds)
            labelled = {f"{name}[{group}]": values for group, values in zip(order, parts,
                                                                             strict=True)}
            found = []
            for (base, notes), group in zip(_summarise_columns(labelled, confidence), order,
                                            strict=True):
                fields = {f: getattr(base, f) for f in ColumnSummary.__dataclass_fields__}
                found.append((GroupColumnSummary(**fields, column=name, group=str(group)),
                              notes))
            return found

    # NumPy releases the GIL in partition and arithmetic: blocks run in parallel threads.
    with ThreadPoolExecutor(max_workers=_workers()) as pool:
        done = [item for items in pool.map(work, tasks) for item in items]
    rows = [summary for summary, _ in done]
    notes = [note for _, found in done for note in found]
    warnings = _note_lines(notes, by_column=groups is not None)
    missing = [f"{r.name} {r.missing}" for r in rows if r.missing]
    if missing:
        more = f" and {len(missing) - 30} more" if len(missing) > 30 else ""
        warnings.insert(0, "missing values left out per column: " + ", ".join(missing[:30])
                        + more)
    text = tuple(_summarise_text(name, values) for name, values in (labels or {}).items())
    return DescribeResult(confidence=confidence, by=by, columns=tuple(rows), non_numeric=text,
                          warnings=tuple(warnings))


# Values per vectorised block: short columns are stacked up to this many values.
_BLOCK = 1 << 20

# A warning about one column: (kind, detail, label). Alike warnings are merged into one line.
Note = tuple[str, str, str]
_KINDS = {
    "empty": ("has no values: every statistic is null",
              "have no values: every statistic is null"),
    "one": ("has one value: std, sem and the interval are null",
            "have one value: std, sem and the interval are null"),
    "constant": ("is constant: skew and kurtosis are null",
                 "are constant: skew and kurtosis are null"),
    "two": ("has 2 values: kurtosis needs 4 and skew 3",
            "have 2 values: kurtosis needs 4 and skew 3"),
    "three": ("has 3 values: kurtosis needs 4", "have 3 values: kurtosis needs 4"),
    "overflow": ("has {} beyond the float64 range: null", "have {} beyond the float64 range: "
                 "null"),
}


def _note_text(kind: str, detail: str, subject: str, plural: bool) -> str:
    return f"{subject} {_KINDS[kind][plural].format(detail)}"


def _note_lines(notes: list[Note], *, by_column: bool, shown: int = 3) -> list[str]:
    """One warning per kind of note: for several columns (or groups), one line naming a few."""
    alike: dict[tuple[str, str, str], list[str]] = {}
    for kind, detail, label in notes:
        column = label.split("[", 1)[0] if by_column else ""
        alike.setdefault((kind, detail, column), []).append(label)
    lines = []
    for (kind, detail, column), labels in alike.items():
        if len(labels) == 1:
            lines.append(_note_text(kind, detail, f"column '{labels[0]}'", False))
            continue
        listed = ", ".join(labels[:shown] if by_column else
                           [f"'{label}'" for label in labels[:shown]])
        if len(labels) > shown:
            listed += f" and {len(labels) - shown} more"
        if by_column:
            subject = f"column '{column}' in {len(labels)} groups ({listed})"
            lines.append(_note_text(kind, detail, subject, False))
        else:
            lines.append(_note_text(kind, detail, f"{len(labels)} columns ({listed})", True))
    return lines


def _workers() -> int:
    import os

    return max(1, min(4, os.cpu_count() or 1))


def _summarise_columns(data: Mapping[str, np.ndarray],
                       confidence: float) -> list[tuple[ColumnSummary, list[Note]]]:
    """Each column's summary and notes, in order; columns of equal length share one block."""
    present, missing = {}, {}
    for name, values in data.items():
        nan = np.isnan(values)
        present[name] = values[~nan] if nan.any() else values
        missing[name] = int(nan.sum())
    by_length: dict[int, list[str]] = {}
    for name, values in present.items():
        by_length.setdefault(values.size, []).append(name)
    found: dict[str, tuple[ColumnSummary, list[Note]]] = {}
    for n, names in by_length.items():
        block = np.empty((n, len(names)), order="F")
        for j, name in enumerate(names):
            block[:, j] = present[name]
        found.update(zip(names, _summarise_block(names, block, [missing[c] for c in names],
                                                 confidence), strict=True))
    return [found[name] for name in data]


def _summarise_block(names: list[str], x: np.ndarray, missing: list[int],
                     confidence: float) -> list[tuple[ColumnSummary, list[Note]]]:
    """Summaries of the columns of `x` (n × k, no NaN, Fortran order), with their notes."""
    n = x.shape[0]
    nan = math.nan
    if n == 0:
        return [(ColumnSummary(name=name, n=0, missing=lost, mean=nan, std=nan, sem=nan,
                               min=nan, q1=nan, median=nan, q3=nan, max=nan, iqr=nan,
                               skew=nan, kurtosis=nan, ci_low=nan, ci_high=nan),
                 [("empty", "", name)]) for name, lost in zip(names, missing, strict=True)]
    moments = column_moments(x)
    quartiles = np.quantile(x, [0.25, 0.5, 0.75], axis=0).T.tolist()
    lows, highs = x.min(axis=0).tolist(), x.max(axis=0).tolist()
    if n > 1:
        from scipy.special import stdtrit

        t = float(stdtrit(n - 1, 0.5 + confidence / 2))
    found = []
    with np.errstate(over="ignore", invalid="ignore"):
        for j, name in enumerate(names):
            m = moments[j]
            notes: list[Note] = []
            std = m.std
            sem = std / math.sqrt(n) if n > 1 else nan
            half = t * sem if n > 1 else nan
            q1, median, q3 = quartiles[j]
            values = {"mean": m.mean, "std": std, "sem": sem, "iqr": q3 - q1,
                      "skew": m.skew, "kurtosis": m.kurtosis,
                      "ci_low": m.mean - half, "ci_high": m.mean + half}
            beyond = [key for key, v in values.items() if math.isinf(v)]
            for key in beyond:
                values[key] = nan
            if n == 1:
                notes.append(("one", "", name))
            if n >= 3 and m.m2 <= 0:
                notes.append(("constant", "", name))
            elif n == 2:
                notes.append(("two", "", name))
            elif n == 3:
                notes.append(("three", "", name))
            if beyond:
                notes.append(("overflow", ", ".join(beyond), name))
            found.append((ColumnSummary(
                name=name, n=n, missing=missing[j], min=lows[j], q1=q1, median=median, q3=q3,
                max=highs[j], **values), notes))
    return found


def _summarise_text(name: str, values: np.ndarray) -> TextSummary:
    present = values[values != None]  # noqa: E711  (object array: elementwise)
    if present.size == 0:
        return TextSummary(name=name, count=0, missing=int(values.size), unique=0, top=None,
                           top_count=0)
    uniques, first, counts = np.unique(present.astype(str), return_index=True,
                                       return_counts=True)
    # most frequent; ties go to the value seen first
    best = int(np.lexsort((first, -counts))[0])
    return TextSummary(name=name, count=int(present.size), missing=int(values.size - present.size),
                       unique=int(uniques.size), top=str(uniques[best]),
                       top_count=int(counts[best]))


def _group_rows(labels: np.ndarray) -> tuple[list, np.ndarray, np.ndarray]:
    """Groups in order of first appearance, the row indices sorted by group, and the cuts.

    `np.split(values[rows], cuts)` gives each group's values in that order, in O(n log n)
    for any number of groups (a mask per group would be O(n · groups)).
    """
    _uniques, first, codes = np.unique(labels.astype(str), return_index=True,
                                       return_inverse=True)
    rank = np.empty(first.size, dtype=np.intp)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    codes = rank[codes.reshape(-1)]
    rows = np.argsort(codes, kind="stable")
    cuts = np.cumsum(np.bincount(codes, minlength=first.size))[:-1]
    return [labels[i] for i in np.sort(first)], rows, cuts
