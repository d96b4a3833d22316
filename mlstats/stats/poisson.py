"""The Poisson bootstrap: each row's count in a resample is Poisson(1), from a counter-based
generator keyed on (seed, row number, resample).

A multinomial resample of n rows needs one generator that deals the n draws out in turn; a
Poisson one (Hanley & MacGibbon 2006; Chamandy, Muralidharan, Najmi & Naidu 2012, "Estimating
uncertainty for massive data streams") gives each row its own count, independent of every
other row's, so that the counts can be drawn wherever the row is read, in any order, by any
engine, and add up to the same resample. The count of row r in resample b is the inverse
Poisson(1) distribution function at a uniform u made of two 32-bit hashes of (seed, r, b):
x ← lowbias32(x ⊕ word) for each word in turn (C. Wellons' 32-bit integer hash, a bijection
with low bias), keyed by the seed's two 32-bit halves, then r's two halves, then b, then one
of two stream constants; u = (h₁·2²¹ + ⌊h₂/2¹¹⌋)·2⁻⁵³. `counts` is the NumPy implementation;
`mlstats.engines` writes the same arithmetic in SQL. A resample's size is itself random
(its mean n): the statistic is that of the rows repeated by their counts.

The statistics (mean, var, std, cv, corr) of a resample follow from weighted sums about the
sample's mean c: N = ΣW, S₁ = ΣW(x − c), S₂ = ΣW(x − c)² (and for corr the same of y and
ΣW(x − c)(y − c)): mean c + S₁/N, var (S₂ − S₁²/N)/(N − 1).
Reference: J. Hanley & B. MacGibbon, "Creating non-parametric bootstrap samples using Poisson
frequencies", Comput. Methods Programs Biomed. 83 (2006) 57–62.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mlstats.errors import InputError

if TYPE_CHECKING:
    from mlstats.stats.resampling import Statistic

MASK = 0xFFFFFFFF
MULTIPLIERS = (0x7FEB352D, 0x846CA68B)
SEED_WORDS = (0x243F6A88, 0x85A308D3)  # xored into the seed's halves (π's digits)
STREAM_WORDS = (0x13198A2E, 0x03707344)  # the two hashes of one (row, resample)
KINDS = ("mean", "var", "std", "cv", "corr")
# Poisson(1) distribution function at 0, 1, …, 18 (beyond, 1 − F < 2⁻⁵³: u never reaches)
CDF = np.cumsum([math.exp(-1) / math.factorial(k) for k in range(19)])
# counts drawn at once: rows × resamples of a block
_BLOCK = 1 << 20
BATCH = 1 << 10  # resamples per batch


def mix(x: np.ndarray) -> np.ndarray:
    """lowbias32 of 32-bit values held in uint64: x ^= x >> 16; x *= 0x7feb352d;
    x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16 (products mod 2³²)."""
    x = x ^ (x >> np.uint64(16))
    x = (x * np.uint64(MULTIPLIERS[0])) & np.uint64(MASK)
    x ^= x >> np.uint64(15)
    x = (x * np.uint64(MULTIPLIERS[1])) & np.uint64(MASK)
    x ^= x >> np.uint64(16)
    return x


def seed_key(seed: int) -> int:
    """The seed's key: its two low 32-bit halves hashed in turn (a seed is taken mod 2⁶⁴)."""
    low, high = seed & MASK, (seed >> 32) & MASK
    key = mix(np.array([low ^ SEED_WORDS[0]], dtype=np.uint64))
    return int(mix(key ^ np.uint64(high ^ SEED_WORDS[1]))[0])


def row_keys(seed: int, rows: np.ndarray) -> np.ndarray:
    """Each row's key: the seed's key, then the row number's two 32-bit halves, hashed."""
    r = np.asarray(rows, dtype=np.uint64)
    key = mix(np.uint64(seed_key(seed)) ^ (r & np.uint64(MASK)))
    return mix(key ^ (r >> np.uint64(32)))


def counts(keys: np.ndarray, resamples: np.ndarray) -> np.ndarray:
    """W[i, b] ~ Poisson(1): row i's count in resample b (rows by their `row_keys`)."""
    a = mix(keys[:, None] ^ np.asarray(resamples, dtype=np.uint64)[None, :])
    h1 = mix(a ^ np.uint64(STREAM_WORDS[0]))
    h2 = mix(a ^ np.uint64(STREAM_WORDS[1]))
    u = ((h1 << np.uint64(21)) | (h2 >> np.uint64(11))).astype(np.float64) * 2.0**-53
    return np.searchsorted(CDF, u, side="right").astype(np.uint8)


def check_statistic(kind: str, name: str) -> None:
    if kind not in KINDS:
        raise InputError(f"the Poisson bootstrap resamples {', '.join(KINDS)}; --stat {name} "
                         "needs --scheme multinomial (and --engine local)")


def statistic(kind: str, sums: np.ndarray, shift: float) -> np.ndarray:
    """Each resample's statistic from its sums (columns N, S₁, S₂ and, for corr, T₁, T₂, P:
    the y sums and ΣW(x − c)(y − c)) about the sample's mean `shift` of x; NaN where the
    resample leaves it undefined (N < 2 for var, std, cv, corr; N = 0 for the mean)."""
    n, s1, s2 = sums[:, 0], sums[:, 1], sums[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "mean":
            return np.where(n > 0, shift + s1 / n, np.nan)
        m2 = np.maximum(s2 - s1 * s1 / n, 0.0)
        if kind == "corr":
            t1, t2, p = sums[:, 3], sums[:, 4], sums[:, 5]
            myy = np.maximum(t2 - t1 * t1 / n, 0.0)
            r = np.clip((p - s1 * t1 / n) / np.sqrt(m2 * myy), -1.0, 1.0)
            return np.where(n > 1, r, np.nan)
        var = np.where(n > 1, m2 / (n - 1), np.nan)
        if kind == "var":
            return var
        if kind == "std":
            return np.sqrt(var)
        return np.sqrt(var) / (shift + s1 / n)


def sample_statistic(kind: str, n: int, shift: Sequence[float],
                     sums: dict[str, float]) -> tuple[list[float], dict, float, float]:
    """An engine's sample statistic from sums about a shift c: `s{i}` = Σ(xᵢ − cᵢ) and
    `p{i}{j}` = Σ(xᵢ − cᵢ)(xⱼ − cⱼ) → (means, centred cross-products C, variance, statistic),
    C_ij = p_ij − s_i s_j / n (the shifted two-pass form; Chan, Golub & LeVeque 1983)."""
    k = len(shift)
    mean = [shift[i] + sums[f"s{i}"] / n for i in range(k)]
    c = {(i, j): sums[f"p{i}{j}"] - sums[f"s{i}"] * sums[f"s{j}"] / n
         for i in range(k) for j in range(i, k)}
    m2 = max(c[(0, 0)], 0.0)
    var = m2 / (n - 1) if n > 1 else math.nan
    if kind == "mean":
        value = mean[0]
    elif kind == "var":
        value = var
    elif kind == "std":
        value = math.sqrt(var)
    elif kind == "cv":
        value = math.sqrt(var) / mean[0] if mean[0] else math.nan
    else:
        myy = max(c[(1, 1)], 0.0)
        value = (max(-1.0, min(1.0, c[(0, 1)] / math.sqrt(m2 * myy)))
                 if m2 > 0 and myy > 0 else math.nan)
    return mean, c, var, value


@dataclass(frozen=True, slots=True, kw_only=True)
class Part:
    """One sample as the finish of a bootstrap reads it (see `bootstrap_from`), gathered by
    an engine: its statistic, spread and the jackknife's sums (or why they are undefined)."""

    stat: Statistic
    n: int
    value: float
    mean: float
    sd: float
    low: float
    high: float
    jackknife_sums: tuple[int, float, float] | str
    label: Any = None
    shift: tuple[float, ...] = ()

    def spread(self) -> tuple[float, float, float, float]:
        return self.mean, self.sd, self.low, self.high


class PoissonStream:
    """The statistic of every resample, batch by batch, of samples held as arrays (the
    local engine's Poisson bootstrap); iterating again gives the same values. `rows` are
    each sample's row numbers (among the rows read: the key of the generator)."""

    def __init__(self, parts: Sequence, rows: Sequence[np.ndarray], seed: int,
                 resamples: int) -> None:
        self.parts, self.resamples = parts, resamples
        self.keys = [row_keys(seed, r) for r in rows]
        self.shifts = [float(np.mean(p.cols[0])) for p in parts]
        self.centred = [np.column_stack([c - np.mean(c) for c in p.cols]) for p in parts]

    def __iter__(self) -> Iterator[np.ndarray]:
        for start in range(0, self.resamples, BATCH):
            b = np.arange(start, min(start + BATCH, self.resamples), dtype=np.uint64)
            values = [statistic(p.stat.kind, self._sums(j, b), self.shifts[j])
                      for j, p in enumerate(self.parts)]
            yield values[1] - values[0] if len(values) == 2 else values[0]

    def _sums(self, j: int, resamples: np.ndarray) -> np.ndarray:
        return weighted_sums(self.keys[j], self.centred[j], resamples)


def weighted_sums(keys: np.ndarray, d: np.ndarray, resamples: np.ndarray) -> np.ndarray:
    """N = ΣW, S₁ = ΣW·d₀, S₂ = ΣW·d₀² (and for two columns ΣW·d₁, ΣW·d₁², ΣW·d₀d₁) per
    resample (rows: `resamples`) of the rows with `keys` (`row_keys`) and centred values `d`
    (rows × columns), the counts drawn a block of rows at a time."""
    m = d.shape[1]
    out = np.zeros((resamples.size, 3 if m == 1 else 6))
    rows = max(1, _BLOCK // resamples.size)
    for start in range(0, keys.size, rows):
        w = counts(keys[start:start + rows], resamples).astype(np.float64)
        x = d[start:start + rows]
        out[:, 0] += w.sum(axis=0)
        out[:, 1] += w.T @ x[:, 0]
        out[:, 2] += w.T @ (x[:, 0] * x[:, 0])
        if m == 2:
            out[:, 3] += w.T @ x[:, 1]
            out[:, 4] += w.T @ (x[:, 1] * x[:, 1])
            out[:, 5] += w.T @ (x[:, 0] * x[:, 1])
    return out
