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
    """1 for ordinary magnitudes; else the power of two just above `peak`."""
    if peak > _HUGE or 0 < peak < _TINY:
        return 2.0 ** math.frexp(peak)[1]
    return 1.0


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
        n = int(x.size)
        if n == 0:
            return cls(n=0, mean=math.nan, m2=0.0, m3=0.0, m4=0.0)
        peak = float(np.max(np.abs(x)))
        scale = _scale_for(peak)
        if scale != 1.0:
            x = x / scale
        mean = float(np.mean(x))
        d = x - mean
        d2 = d * d
        m2, m3, m4 = float(d2.sum()), float(np.dot(d2, d)), float(np.dot(d2, d2))
        # The rounded mean is off by up to half an ulp of the data, a visible share of the
        # spread when the mean dwarfs it (1e9 ± 1e-3), which skews M3: the sums are moved
        # to the deviations' own mean c (binomial expansion of Σ(d − c)ⁱ; the reported mean
        # stays the rounded sum / n). Below 2⁻⁴⁰ of the spread the shift is rounding noise.
        c = float(np.mean(d))
        if c * c * n > m2 * 2.0**-80:
            m4 = m4 - 4 * c * m3 + 6 * c * c * m2 - 3 * n * c**4
            m3 = m3 - 3 * c * m2 + 2 * n * c**3
            m2 = max(m2 - n * c * c, 0.0)
        return cls(n=n, mean=mean * scale, m2=m2, m3=m3, m4=m4, scale=scale, peak=peak)

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
    Reference: R `quantile(type=7)`, `sd`, `t.test`; Joanes & Gill (1998) for G1 and G2.
    Checked against: R 4.2.2 on airquality (tests/stats/test_describe.py).
    """
    if not 0 < confidence < 1:
        raise InputError(f"--confidence must be between 0 and 1 (got {confidence:g})")
    from concurrent.futures import ThreadPoolExecutor

    if groups is None:
        def work(name: str) -> list[tuple[ColumnSummary, list[str]]]:
            return [_summarise(name, data[name], confidence)]
    else:
        order, rows, bounds = _group_rows(groups)

        def work(name: str) -> list[tuple[ColumnSummary, list[str]]]:
            parts = np.split(data[name][rows], bounds)
            found = []
            alike: dict[str, list[str]] = {}  # one warning per kind, however many groups
            for group, values in zip(order, parts, strict=True):
                label = f"{name}[{group}]"
                base, notes = _summarise(label, values, confidence)
                for note in notes:
                    alike.setdefault(note.replace(f"'{label}'", "'{}'", 1), []).append(label)
                fields = {f: getattr(base, f) for f in ColumnSummary.__dataclass_fields__}
                found.append((GroupColumnSummary(**fields, column=name, group=str(group)), []))
            if found:
                found[0] = (found[0][0], [_in_groups(kind, name, labels)
                                          for kind, labels in alike.items()])
            return found

    # NumPy releases the GIL in partition and arithmetic: columns run in parallel threads.
    with ThreadPoolExecutor(max_workers=_workers()) as pool:
        done = [item for items in pool.map(work, list(data)) for item in items]
    rows = [summary for summary, _ in done]
    warnings = [note for _, notes in done for note in notes]
    missing = [f"{r.name} {r.missing}" for r in rows if r.missing]
    if missing:
        more = f" and {len(missing) - 30} more" if len(missing) > 30 else ""
        warnings.insert(0, "missing values left out per column: " + ", ".join(missing[:30])
                        + more)
    text = tuple(_summarise_text(name, values) for name, values in (labels or {}).items())
    return DescribeResult(confidence=confidence, by=by, columns=tuple(rows), non_numeric=text,
                          warnings=tuple(warnings))


def _in_groups(kind: str, column: str, labels: list[str], shown: int = 3) -> str:
    """A per-group warning once for all the groups it concerns (`kind` holds '{}')."""
    if len(labels) == 1:
        return kind.replace("'{}'", f"'{labels[0]}'", 1)
    listed = ", ".join(labels[:shown])
    if len(labels) > shown:
        listed += f" and {len(labels) - shown} more"
    return kind.replace("'{}'", f"'{column}' in {len(labels)} groups ({listed})", 1)


def _workers() -> int:
    import os

    return max(1, min(4, os.cpu_count() or 1))


def _summarise(name: str, values: np.ndarray,
               confidence: float) -> tuple[ColumnSummary, list[str]]:
    """One column's summary and the warnings it raises."""
    warnings: list[str] = []
    nan_mask = np.isnan(values)
    present = values[~nan_mask] if nan_mask.any() else values
    n = int(present.size)
    missing = int(values.size - n)
    nan = math.nan
    if n == 0:
        warnings.append(f"column '{name}' has no values: every statistic is null")
        return ColumnSummary(name=name, n=0, missing=missing, mean=nan, std=nan, sem=nan,
                             min=nan, q1=nan, median=nan, q3=nan, max=nan, iqr=nan, skew=nan,
                             kurtosis=nan, ci_low=nan, ci_high=nan), warnings
    moments = Moments.of(present)
    q1, median, q3 = (float(q) for q in np.quantile(present, [0.25, 0.5, 0.75]))
    std = moments.std
    sem = std / math.sqrt(n) if n > 1 else nan
    if n > 1:
        from scipy.special import stdtrit

        half = float(stdtrit(n - 1, 0.5 + confidence / 2)) * sem
    else:
        half = nan
        warnings.append(f"column '{name}' has one value: std, sem and the interval are null")
    if n >= 3 and moments.m2 <= 0:
        warnings.append(f"column '{name}' is constant: skew and kurtosis are null")
    elif 1 < n < 4:
        warnings.append(f"column '{name}' has {n} values: kurtosis needs 4"
                        + (" and skew 3" if n < 3 else ""))
    return ColumnSummary(
        name=name, n=n, missing=missing, mean=moments.mean, std=std, sem=sem,
        min=float(present.min()), q1=q1, median=median, q3=q3, max=float(present.max()),
        iqr=q3 - q1, skew=moments.skew, kurtosis=moments.kurtosis,
        ci_low=moments.mean - half, ci_high=moments.mean + half,
    ), warnings


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
