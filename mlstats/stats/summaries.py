"""Mergeable summaries: what every engine computes and every statistic finishes from.

A summary is a frozen dataclass with `merge(other)` (the summary of the two samples
together) and a numerically stable form: central sums computed in two passes and merged by
Chan/Pébay, centred co-moments, an R factor instead of a raw Gram matrix. The local engine
builds them from arrays with the `of` constructors below; the DuckDB engine computes the
same fields in SQL; the finish steps in the statistics modules read only these fields, so
there is one finish step per statistic whichever engine fed it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

# Beyond these magnitudes the moment sums are taken of values scaled near 1 (see Moments).
_HUGE = 2.0**200
_TINY = 2.0**-200


def scale_for(peak: float) -> float:
    """1 for ordinary magnitudes; else a power of two near `peak` (within a factor of 2)."""
    return float(_scales_for(np.array([peak]))[0])


def _scales_for(peaks: np.ndarray) -> np.ndarray:
    """`scale_for` of each peak; 2^(e−1) for peak = m·2^e, so that 9e307 has a scale too."""
    with np.errstate(invalid="ignore"):
        odd = (peaks > _HUGE) | ((peaks > 0) & (peaks < _TINY))
    return np.where(odd, np.ldexp(1.0, np.frexp(np.nan_to_num(peaks))[1] - 1), 1.0)


@dataclass(frozen=True, slots=True)
class Counts:
    """A two-valued metric in one group: n rows, `successes` of them 1 (true, yes)."""

    name: str
    n: int
    successes: int

    def merge(self, other: Counts) -> Counts:
        return Counts(self.name, self.n + other.n, self.successes + other.successes)

    @property
    def rate(self) -> float:
        return self.successes / self.n

    def moments(self) -> Moments:
        """The same group as 0/1 values: mean p, M2 = Σ(x − p)² = s(n − s)/n."""
        s, n = self.successes, self.n
        return Moments(self.name, n, s / n, s * (n - s) / n)


@dataclass(frozen=True, slots=True)
class Moments:
    """A mergeable summary of a sample: n, mean, the central sums M2, M3, M4, min and max.

    Mᵢ = Σ((x − x̄)/s)ⁱ, computed in two passes (the deviations re-centred on their own
    mean), with s a power of two (exact to divide by) that is 1 for ordinary magnitudes and
    brings values beyond 2^±200 near 1, so that no fourth power overflows or underflows.
    `peak` is max |x| (NaN: not known, then s = 1). A sum that was not gathered (M3 and M4
    of `--means`, min and max of group summaries) is NaN and stays NaN through merges.
    `name` labels the group the sample belongs to; `Moments()` is the empty sample.
    `merge` combines two summaries exactly (P. Pébay, "Formulas for robust, one-pass
    parallel computation of covariances and arbitrary-order statistical moments", Sandia
    SAND2008-6212, eq. 3.1; T. Chan, G. Golub, R. LeVeque 1979 for M2).
    """

    name: str = ""
    n: int = 0
    mean: float = math.nan
    m2: float = 0.0
    m3: float = math.nan
    m4: float = math.nan
    min: float = math.nan
    max: float = math.nan
    scale: float = 1.0
    peak: float = math.nan

    @classmethod
    def of(cls, x: np.ndarray, name: str = "") -> Moments:
        found = column_moments(np.asarray(x, dtype=np.float64).reshape(-1, 1))[0]
        return found if not name else _renamed(found, name)

    def rescaled(self, scale: float) -> Moments:
        """The same summary with its sums in units of `scale` (a power of two).

        A zero sum stays 0 (all values equal: no 0·∞ when the ratio's power overflows).
        """
        if scale == self.scale:
            return self
        r = self.scale / scale
        m2, m3, m4 = (m * r**p if m != 0 else m for m, p in ((self.m2, 2), (self.m3, 3),
                                                             (self.m4, 4)))
        return Moments(self.name, self.n, self.mean, m2, m3, m4, self.min, self.max, scale,
                       self.peak)

    def merge(self, other: Moments) -> Moments:
        if self.n == 0:
            return _renamed(other, self.name)
        if other.n == 0:
            return self
        peaks = [p for p in (self.peak, other.peak) if p == p]
        peak = max(peaks) if len(peaks) == 2 else math.nan
        # The scale follows the larger peak (a part with zero sums needs none); with a peak
        # unknown, the larger scale, so that rescaling only shrinks sums.
        s = scale_for(peak) if peak == peak else max(self.scale, other.scale)
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
        return Moments(self.name, n, mean, m2, m3, m4, min(a.min, b.min), max(a.max, b.max),
                       s, peak)

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


def _renamed(m: Moments, name: str) -> Moments:
    return Moments(name, m.n, m.mean, m.m2, m.m3, m.m4, m.min, m.max, m.scale, m.peak)


def column_moments(x: np.ndarray) -> list[Moments]:
    """`Moments` of each column of a 2-D array without NaN, all columns at once.

    Mᵢ = Σ((x − x̄)/s)ⁱ in two passes (the deviations re-centred on their own mean), s a power
    of two per column (see Moments). Columns should be contiguous (Fortran order): NumPy
    then sums each one pairwise, exactly as it sums a 1-D array.
    """
    n, k = x.shape
    if n == 0:
        return [Moments(n=0, mean=math.nan, m2=0.0, m3=0.0, m4=0.0)] * k
    low, high = x.min(axis=0), x.max(axis=0)
    peak = np.maximum(-low, high)
    scale = _scales_for(peak)
    if (scale != 1.0).any():
        x = x / scale
    mean = x.mean(axis=0)
    d = x - mean
    d2 = d * d
    m2, m3, m4 = central_sums(n, d.sum(axis=0), d2.sum(axis=0), (d2 * d).sum(axis=0),
                              (d2 * d2).sum(axis=0))
    lows, highs = low.tolist(), high.tolist()
    return [Moments(n=n, mean=float(mean[j] * scale[j]), m2=float(m2[j]), m3=float(m3[j]),
                    m4=float(m4[j]), min=lows[j], max=highs[j], scale=float(scale[j]),
                    peak=float(peak[j]))
            for j in range(k)]


def central_sums(n: np.ndarray | int, s1: np.ndarray, s2: np.ndarray, s3: np.ndarray,
                 s4: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """M2, M3, M4 from the power sums Sᵢ = Σdⁱ of deviations d = x − x̄ from the rounded mean.

    The rounded mean is off by up to half an ulp of the data, a visible share of the
    spread when the mean dwarfs it (1e9 ± 1e-3), which skews M3: the sums are moved to
    the deviations' own mean c = S1/n (binomial expansion of Σ(d − c)ⁱ; the reported mean
    stays the rounded sum / n). Below 2⁻⁴⁰ of the spread the shift is rounding noise.
    """
    s1, m2, m3, m4 = (np.asarray(v, dtype=np.float64) for v in (s1, s2, s3, s4))
    with np.errstate(invalid="ignore", divide="ignore"):
        c = s1 / n
        shift = c * c * n > m2 * 2.0**-80
    if shift.any():
        c = np.where(shift, c, 0.0)
        m4 = m4 - 4 * c * m3 + 6 * c * c * m2 - 3 * n * c**4
        m3 = m3 - 3 * c * m2 + 2 * n * c**3
        m2 = np.maximum(m2 - n * c * c, 0.0)
    return m2, m3, m4


def group_moments(codes: np.ndarray, labels: list[str] | tuple[str, ...],
                  values: np.ndarray) -> tuple[Moments, ...]:
    """n, mean and M2 per group (M3, M4 not gathered), by the corrected two-pass algorithm.

    x̄ = Σx/n, then d = x − x̄, mean = x̄ + Σd/n and M2 = Σd² − (Σd)²/n, which cancels the
    rounding left in the first pass (Chan, Golub & LeVeque 1983, eq. 1.7).
    """
    k = len(labels)
    n = np.bincount(codes, minlength=k).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(codes, weights=values, minlength=k) / n
        d = values - mean[codes]
        sd = np.bincount(codes, weights=d, minlength=k)
        m2 = np.bincount(codes, weights=d * d, minlength=k) - sd * sd / n
        mean = mean + sd / n
    return tuple(Moments(str(lab), int(n[i]), float(mean[i]), max(float(m2[i]), 0.0))
                 for i, lab in enumerate(labels))


def group_counts(codes: np.ndarray, labels: list[str] | tuple[str, ...],
                 success: np.ndarray) -> tuple[Counts, ...]:
    """Rows and successes per group; `codes` index `labels`, `success` is 0/1 or bool."""
    k = len(labels)
    n = np.bincount(codes, minlength=k)
    hits = np.bincount(codes, weights=np.asarray(success, dtype=np.float64), minlength=k)
    return tuple(Counts(str(lab), int(n[i]), int(hits[i])) for i, lab in enumerate(labels))


@dataclass(frozen=True, slots=True)
class CoMoments:
    """Means and centred cross-products of p columns: C = Σ(x − x̄)(x − x̄)ᵀ (p × p).

    Two passes (deviations from the mean, corrected by their own mean); `merge` is the
    matrix form of Chan's update, C = Ca + Cb + δδᵀ·na·nb/n (Pébay 2008, eq. 3.4).
    """

    n: int
    mean: np.ndarray
    c: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray) -> CoMoments:
        x = np.asarray(x, dtype=np.float64)
        n = x.shape[0]
        if n == 0:
            p = x.shape[1]
            return cls(n=0, mean=np.full(p, math.nan), c=np.zeros((p, p)))
        mean = x.mean(axis=0)
        d = x - mean
        shift = d.mean(axis=0)
        # The reported mean stays Σx/n; the products are re-centred on the deviations' mean.
        return cls(n=n, mean=mean, c=d.T @ d - n * np.outer(shift, shift))

    def merge(self, other: CoMoments) -> CoMoments:
        if self.n == 0:
            return other
        if other.n == 0:
            return self
        n = self.n + other.n
        delta = other.mean - self.mean
        return CoMoments(n=n, mean=self.mean + delta * other.n / n,
                         c=self.c + other.c + np.outer(delta, delta) * self.n * other.n / n)

    @property
    def cov(self) -> np.ndarray:
        """Sample covariances C/(n − 1)."""
        return self.c / (self.n - 1) if self.n > 1 else np.full_like(self.c, math.nan)


def group_comoments(codes: np.ndarray, labels: list[str] | tuple[str, ...],
                    columns: list[np.ndarray]) -> tuple[CoMoments, ...]:
    """`CoMoments` of the columns within each group (codes index labels), in two passes."""
    k = len(labels)
    n = np.bincount(codes, minlength=k).astype(np.float64)
    data = np.column_stack(columns)
    p = data.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.column_stack([np.bincount(codes, weights=data[:, j], minlength=k)
                                for j in range(p)]) / n[:, None]
        d = data - mean[codes]
        shift = np.column_stack([np.bincount(codes, weights=d[:, j], minlength=k)
                                 for j in range(p)]) / n[:, None]
        c = np.empty((k, p, p))
        for i in range(p):  # p ≤ 4 columns, not rows
            for j in range(i, p):
                c[:, i, j] = c[:, j, i] = np.bincount(codes, weights=d[:, i] * d[:, j],
                                                      minlength=k)
        # Σ(d − s)(d − s)ᵀ = Σddᵀ − n·ssᵀ: the deviations re-centred on their own mean s.
        c -= n[:, None, None] * shift[:, :, None] * shift[:, None, :]
    return tuple(CoMoments(n=int(n[g]), mean=mean[g], c=c[g]) for g in range(k))


@dataclass(frozen=True, slots=True)
class RFactor:
    """Least squares without a Gram matrix: n, column means and R with RᵀR = C.

    C is the centred cross-product matrix of the columns (predictors, then the response),
    so R is the triangular factor of the centred data (a QR factorisation, never a
    Cholesky of C). Tall-skinny QR merges two factors: R = qr([Ra; Rb; √(na·nb/n)·δᵀ])
    (Demmel, Grigori, Hoemmen & Langou 2012, "Communication-optimal parallel and sequential
    QR and LU factorizations", with the centring term of Chan's update). Uncentred
    products, for a fit without intercept, follow as qr([R; √n·x̄ᵀ]).
    """

    n: int
    mean: np.ndarray
    r: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray) -> RFactor:
        x = np.asarray(x, dtype=np.float64)
        n, p = x.shape
        if n == 0:
            return cls(n=0, mean=np.full(p, math.nan), r=np.zeros((p, p)))
        mean = x.mean(axis=0)
        d = x - mean
        shift = d.mean(axis=0)
        d -= shift
        return cls(n=n, mean=mean + shift, r=_r_of(d, p))

    def merge(self, other: RFactor) -> RFactor:
        if self.n == 0:
            return other
        if other.n == 0:
            return self
        n = self.n + other.n
        delta = other.mean - self.mean
        stacked = np.vstack([self.r, other.r, math.sqrt(self.n * other.n / n) * delta])
        return RFactor(n=n, mean=self.mean + delta * other.n / n,
                       r=_r_of(stacked, self.r.shape[1]))

    def uncentred(self) -> np.ndarray:
        """R of the raw columns: RᵀR = Σ x xᵀ = C + n·x̄x̄ᵀ."""
        if self.n == 0:
            return self.r
        return _r_of(np.vstack([self.r, math.sqrt(self.n) * self.mean]), self.r.shape[1])


def _r_of(a: np.ndarray, p: int) -> np.ndarray:
    """The p × p upper-triangular R of a (rows ≥ 0), with rows of zeros when a is short."""
    r = np.linalg.qr(a, mode="r")
    if r.shape[0] < p:
        r = np.vstack([r, np.zeros((p - r.shape[0], p))])
    return np.triu(r[:p])


@dataclass(frozen=True, slots=True)
class Gram:
    """Weighted sums of p columns about a shift c: W = Σw, s = Σw·d and S = Σw·ddᵀ of the
    deviations d = x − c (w = 1 without weights; n rows). With c near the mean the centred
    cross-products C = Σw(x − x̄)(x − x̄)ᵀ = S − ssᵀ/W lose no digits (Chan, Golub & LeVeque
    1983, eq. 1.7, in matrix form); `merge` moves both to one shift, exactly as
    Σw(x − a)(x − a)ᵀ = S + sδᵀ + δsᵀ + W·δδᵀ with δ = c − a. An engine computes the sums
    with aggregates; the least-squares finish turns them into an R factor (Cholesky QR)."""

    n: int
    total: float
    shift: np.ndarray
    sums: np.ndarray
    products: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray, shift: np.ndarray, weights: np.ndarray | None = None) -> Gram:
        x = np.asarray(x, dtype=np.float64)
        d = x - shift
        wd = d if weights is None else d * weights[:, None]
        total = float(x.shape[0]) if weights is None else float(np.sum(weights))
        return cls(n=x.shape[0], total=total, shift=np.asarray(shift, dtype=np.float64),
                   sums=wd.sum(axis=0), products=wd.T @ d)

    def about(self, shift: np.ndarray) -> Gram:
        """The same sums about another shift."""
        delta = self.shift - shift
        s = self.sums + self.total * delta
        products = (self.products + np.outer(self.sums, delta) + np.outer(delta, self.sums)
                    + self.total * np.outer(delta, delta))
        return Gram(n=self.n, total=self.total, shift=np.asarray(shift, dtype=np.float64),
                    sums=s, products=products)

    def merge(self, other: Gram) -> Gram:
        if self.n == 0:
            return other
        if other.n == 0:
            return self
        b = other.about(self.shift)
        return Gram(n=self.n + other.n, total=self.total + b.total, shift=self.shift,
                    sums=self.sums + b.sums, products=self.products + b.products)

    @property
    def mean(self) -> np.ndarray:
        """The (weighted) means c + s/W."""
        return self.shift + self.sums / self.total

    def centred(self) -> np.ndarray:
        """C = S − ssᵀ/W: the cross-products about the (weighted) means."""
        return self.products - np.outer(self.sums, self.sums) / self.total

    def uncentred(self) -> np.ndarray:
        """Σw·xxᵀ: the cross-products about 0."""
        return self.about(np.zeros_like(self.shift)).products

    def far(self, limit: float = 2.0**8) -> bool:
        """Whether some shift is far from its mean (more than √limit standard errors of
        the data: W·(x̄ − c)² > limit·C), so that C = S − ssᵀ/W may have lost digits."""
        c = np.diag(self.centred())
        lost = self.sums * self.sums / self.total
        return bool(np.any(np.where(c > 0, lost > limit * c, self.sums != 0)))


@dataclass(frozen=True, slots=True)
class ScoreCounts:
    """Positives and negatives per distinct score, scores ascending: all that the
    threshold metrics (precision, recall, ROC, average precision) of a scorer need."""

    scores: np.ndarray
    positives: np.ndarray
    negatives: np.ndarray

    @classmethod
    def of(cls, scores: np.ndarray, positive: np.ndarray) -> ScoreCounts:
        distinct, codes = np.unique(np.asarray(scores, dtype=np.float64), return_inverse=True)
        pos = np.bincount(codes.reshape(-1), weights=np.asarray(positive, dtype=np.float64),
                          minlength=distinct.size)
        total = np.bincount(codes.reshape(-1), minlength=distinct.size)
        return cls(scores=distinct, positives=pos.astype(np.int64),
                   negatives=(total - pos).astype(np.int64))

    def merge(self, other: ScoreCounts) -> ScoreCounts:
        scores = np.concatenate([self.scores, other.scores])
        distinct, codes = np.unique(scores, return_inverse=True)
        pos = np.bincount(codes, weights=np.concatenate([self.positives, other.positives]),
                          minlength=distinct.size)
        neg = np.bincount(codes, weights=np.concatenate([self.negatives, other.negatives]),
                          minlength=distinct.size)
        return ScoreCounts(scores=distinct, positives=pos.astype(np.int64),
                           negatives=neg.astype(np.int64))


@dataclass(frozen=True, slots=True)
class Confusion:
    """Counts of (true label, predicted label) pairs: `matrix[i, j]` rows whose true label
    is `labels[i]` and predicted label `labels[j]`."""

    labels: tuple[str, ...]
    matrix: np.ndarray = field(repr=False)

    @classmethod
    def of(cls, truth: np.ndarray, predicted: np.ndarray,
           labels: tuple[str, ...]) -> Confusion:
        """From integer codes into `labels` (one per row, true and predicted)."""
        k = len(labels)
        cells = np.asarray(truth, dtype=np.intp) * k + np.asarray(predicted, dtype=np.intp)
        return cls(labels=labels, matrix=np.bincount(cells, minlength=k * k).reshape(k, k))

    def merge(self, other: Confusion) -> Confusion:
        labels = tuple(dict.fromkeys(self.labels + other.labels))
        k = len(labels)
        matrix = np.zeros((k, k), dtype=np.int64)
        for part in (self, other):
            at = [labels.index(label) for label in part.labels]
            matrix[np.ix_(at, at)] += part.matrix
        return Confusion(labels=labels, matrix=matrix)
