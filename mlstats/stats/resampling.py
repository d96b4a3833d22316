"""Bootstrap confidence intervals and the jackknife for a set of named statistics.

Statistics (`--stat`): mean, median, std, var (ddof = 1), trimmed-mean (10 % cut from each
end, as `scipy.stats.trim_mean`), pN (R type 7 quantile, as `numpy.quantile`), cv (std/mean)
and corr (Pearson, pairs resampled together). With two samples the statistic is the
difference second − first, each sample resampled on its own.

How the bootstrap distribution is made, without a loop over resamples:
- a sample of at most `BLOCK` rows, and the trimmed mean: resample indices are drawn in
  batches of about `CHUNK` indices (`Generator.integers`; for one sample the same stream
  `scipy.stats.bootstrap` draws from the same generator), gathered, and the statistic taken
  along each resample.
- mean, var, std, cv and corr of more than `BLOCK` rows: each resample's draws per block of
  `BLOCK` rows are drawn first (a multinomial), then each block's rows from that block
  alone, so that every gather stays in the cache; the sums of centred values and their
  squares add up block by block (`_Blocks`). The cost per row and resample stays flat as n
  grows, where gathers from an array larger than the cache would wait on memory.
- median and pN: the k-th order statistic of a resample of the sorted data is
  s[⌊n·U₍ₖ₎⌋] with U₍ₖ₎ ~ Beta(k + 1, n − k) the k-th of n uniform order statistics, and the
  next one is U₍ₖ₊₁₎ = U₍ₖ₎ + (1 − U₍ₖ₎)·Beta(1, n − k − 1); one or two Beta draws per
  resample replace n index draws and a selection.
Each sample, each block and each of the two Beta draws has its own generator (the seed's
SeedSequence and its descendants), and a generator's draws do not depend on how they are
split into calls, so the batch size never changes a value: the same seed gives the same
output whatever `CHUNK` or `ORDER_ROWS` is (`BLOCK` decides which draws are made).
Data beyond 2^±256 in magnitude are scaled by a power of two first (exact), so squares and
cubes stay inside float64 for values near 1e±300; results are scaled back at the end.
The distribution is kept in memory up to `KEEP` values; beyond that its quantiles are found
exactly by re-running the same seeded stream (a histogram pass, then a pass collecting the
few values in the bins that hold the wanted ranks), so memory stays bounded whatever the
number of resamples.

The BCa acceleration comes from the jackknife, in closed form for every statistic here:
O(n) for the moment statistics and corr, from a few order statistics for quantiles, and from
prefix sums of the sorted data for the trimmed mean.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from mlstats.errors import InputError

if TYPE_CHECKING:
    from concurrent.futures import Executor

METHODS = ("bca", "percentile", "basic")
SCHEMES = ("multinomial", "poisson")
TRIM = 0.1
CHUNK = 1 << 18  # resample indices per batch (2 MB), and per block of a batch
BLOCK = 1 << 14  # rows per block (128 KB a column): larger samples are resampled by blocks
KEEP = 1 << 20  # bootstrap statistics held in memory (8 MB); beyond, exact selection in passes
ORDER_ROWS = 1 << 16  # resamples per batch for the order-statistic sampler
_WIDE = 2.0**256  # magnitudes beyond this (or below 1/_WIDE) are scaled before squaring
_BINS = 1 << 16  # histogram bins per selection pass
_CAP = 1 << 20  # values a selection pass may collect for one target (8 MB)
_MAX_PASSES = 12


# -- statistics -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Statistic:
    """A parsed `--stat`: its reported name, its kind and, for quantiles, the level q."""

    name: str
    kind: str
    q: float = 0.5

    @property
    def columns(self) -> int:
        return 2 if self.kind == "corr" else 1

    @property
    def is_quantile(self) -> bool:
        return self.kind in ("median", "quantile")


def parse_statistic(text: str) -> Statistic:
    """`mean`, `median`, `std`, `var`, `trimmed-mean`, `cv`, `corr` or `pN` (0 ≤ N ≤ 100)."""
    name = text.strip().lower()
    if name in ("mean", "median", "std", "var", "trimmed-mean", "cv", "corr"):
        return Statistic(name, name)
    found = re.fullmatch(r"p([-+]?(?:\d+(?:\.\d*)?|\.\d+))", name)
    if found:
        level = Decimal(found.group(1))
        if not 0 <= level <= 100:
            raise InputError(f"--stat {text}: the percentile N in pN must be between 0 and 100 "
                             f"(got {found.group(1)}); e.g. --stat p95")
        # decimal division: p99.9 is q = 0.999 exactly as typed, not 99.9/100 = 0.9990…01
        return Statistic(name, "quantile", float(level / 100))
    raise InputError(f"unknown --stat '{text}'; choose one of mean, median, std, var, "
                     "trimmed-mean, pN (a percentile, e.g. p95), cv, corr")


def check_options(*, stat: str, confidence: float, seed: int | None = None) -> Statistic:
    """Validate `--stat`, `--confidence` and `--seed` before any data is read."""
    _check_confidence(confidence)
    _check_seed(seed)
    return parse_statistic(stat)


def _lerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """NumPy's own linear interpolation (numpy.quantile), so values match it bit for bit."""
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


def _quantile_spec(n: int, stat: Statistic) -> tuple[int, int, float]:
    """(k, k2, γ) with the statistic of n sorted values s = combine(s[k], s[k2], γ).

    median: numpy.median, the middle value or the mean of the two middle ones (γ < 0);
    quantile: numpy.quantile 'linear' (R type 7), v = (n − 1)q, k = ⌊v⌋, γ = v − k.
    """
    if stat.kind == "median":
        return (n // 2, n // 2, 0.0) if n % 2 else (n // 2 - 1, n // 2, -1.0)
    v = (n - 1) * stat.q
    if v >= n - 1:
        return n - 1, n - 1, 0.0
    k = math.floor(v)
    return k, k + 1, v - k


def _combine(a: np.ndarray, b: np.ndarray, gamma: float) -> np.ndarray:
    return (a + b) / 2 if gamma < 0 else _lerp(a, b, gamma)


def _trim_mean(a: np.ndarray) -> np.ndarray:
    """scipy.stats.trim_mean(a, 0.1, axis=-1), computed the same way (partition, then mean)."""
    n = a.shape[-1]
    cut = int(TRIM * n)
    part = np.partition(a, (cut, n - cut - 1), axis=-1)
    return np.mean(part[..., cut:n - cut], axis=-1)


def _pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson r along the last axis: Σ(x − x̄)(y − ȳ) / √(Σ(x − x̄)² Σ(y − ȳ)²), in [−1, 1]."""
    ex = x - np.mean(x, axis=-1, keepdims=True)
    ey = y - np.mean(y, axis=-1, keepdims=True)
    sxy = np.einsum("...i,...i->...", ex, ey)
    sxx = np.einsum("...i,...i->...", ex, ex)
    syy = np.einsum("...i,...i->...", ey, ey)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.clip(sxy / np.sqrt(sxx * syy), -1.0, 1.0)


def _along_rows(stat: Statistic, cols: tuple[np.ndarray, ...]) -> np.ndarray | float:
    """The statistic of each row (last axis) of `cols`; the same code gives θ̂ and every θ*."""
    x = cols[0]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if stat.kind == "mean":
            return np.mean(x, axis=-1)
        if stat.kind == "var":
            return np.var(x, axis=-1, ddof=1)
        if stat.kind == "std":
            return np.std(x, axis=-1, ddof=1)
        if stat.kind == "cv":
            return np.std(x, axis=-1, ddof=1) / np.mean(x, axis=-1)
        if stat.kind == "trimmed-mean":
            return _trim_mean(x)
        if stat.kind == "corr":
            return _pearson(x, cols[1])
    s = np.sort(x, axis=-1)
    k, k2, gamma = _quantile_spec(x.shape[-1], stat)
    return _combine(s[..., k], s[..., k2], gamma)


@dataclass
class _Sample:
    """One sample: its columns (1, or 2 for corr), sorted values and statistic, prepared once."""

    cols: tuple[np.ndarray, ...]
    stat: Statistic
    n: int = field(init=False)
    value: float = field(init=False)
    sorted: np.ndarray | None = field(init=False, default=None)
    _centred: tuple[np.ndarray, ...] | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        self.n = int(self.cols[0].size)
        if self.stat.is_quantile or self.stat.kind == "trimmed-mean":
            self.sorted = np.sort(self.cols[0])
        if self.stat.is_quantile:
            k, k2, gamma = _quantile_spec(self.n, self.stat)
            self.value = float(_combine(self.sorted[k], self.sorted[k2], gamma))
        else:
            self.value = float(_along_rows(self.stat, self.cols))

    def spread(self) -> tuple[float, float, float, float]:
        """Mean, standard deviation (ddof = 1), min and max of the first column."""
        x = self.cols[0]
        return float(np.mean(x)), float(np.std(x, ddof=1)), float(x.min()), float(x.max())

    @property
    def centred(self) -> tuple[np.ndarray, ...]:
        """The columns less their means (for resamples summed in blocks)."""
        if self._centred is None:
            self._centred = tuple(c - np.mean(c) for c in self.cols)
        return self._centred

    def leave_one_out(self) -> np.ndarray:
        """δᵢ = θ₍ᵢ₎ − θ̂: the statistic without row i, less the statistic, for each row.

        Closed forms: mean δᵢ = (x̄ − xᵢ)/(n − 1). var, std, cv and corr from the sums of the
        other rows, Sᵢ = Σⱼ≠ᵢ eⱼ² and Tᵢ = Σⱼ≠ᵢ eⱼ with e = x − median(x), as prefix plus
        suffix sums (so a dominant row is never subtracted from a total it dominates):
        M2₍ᵢ₎ = Sᵢ − Tᵢ²/(n − 1), likewise the co-moment for corr. Quantiles from three order
        statistics; the trimmed mean from prefix sums of the sorted data. δ follows the rows
        for the moment statistics and the sorted order otherwise (every use is a symmetric
        sum).
        """
        n, kind, x = self.n, self.stat.kind, self.cols[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            if kind == "mean":
                return (np.mean(x) - x) / (n - 1)
            if kind in ("var", "std", "cv", "corr"):
                e = x - np.median(x)
                tx = _others(e)
                sxx = _others(e * e) - tx * tx / (n - 1)
                if kind == "corr":
                    f = self.cols[1] - np.median(self.cols[1])
                    ty = _others(f)
                    syy = _others(f * f) - ty * ty / (n - 1)
                    sxy = _others(e * f) - tx * ty / (n - 1)
                    return np.clip(sxy / np.sqrt(sxx * syy), -1.0, 1.0) - self.value
                var_i = np.maximum(sxx, 0.0) / (n - 2) if n > 2 else np.full(n, np.nan)
                var = float(np.var(x, ddof=1))
                if kind == "var":
                    return var_i - var
                s = math.sqrt(var)
                std_i = np.sqrt(var_i)
                if kind == "std":
                    both = std_i + s  # 0 only for constant data, where δ is 0
                    return np.where(both == 0, 0.0, (var_i - var) / both)
                return std_i / (np.median(x) + tx / (n - 1)) - self.value
            if kind == "trimmed-mean":
                return self._trimmed_leave_one_out()
        return self._quantile_leave_one_out()

    def _quantile_leave_one_out(self) -> np.ndarray:
        s, m = self.sorted, self.n - 1
        k, k2, gamma = _quantile_spec(m, self.stat)
        j = np.arange(self.n)  # the sorted position left out
        # order statistic r of the rest is s[r] when r < j, else s[r + 1]
        a = np.where(k < j, s[k], s[min(k + 1, m)])
        b = np.where(k2 < j, s[k2], s[min(k2 + 1, m)])
        return _combine(a, b, gamma) - self.value

    def _trimmed_leave_one_out(self) -> np.ndarray:
        s, m = self.sorted, self.n - 1
        cut = int(TRIM * m)
        lo, hi = cut, m - cut  # mean of the rest's sorted values [lo, hi)
        c = s - self.value  # centred, for accurate prefix sums
        prefix = np.concatenate(([0.0], np.cumsum(c)))
        j = np.arange(self.n)
        total = np.where(j < lo, prefix[hi + 1] - prefix[lo + 1],
                         np.where(j >= hi, prefix[hi] - prefix[lo],
                                  prefix[hi + 1] - prefix[lo] - c))
        return total / (hi - lo)


def _others(v: np.ndarray) -> np.ndarray:
    """Σⱼ≠ᵢ vⱼ for every i, as a prefix sum plus a suffix sum (no subtraction of vᵢ)."""
    out = np.empty_like(v)
    out[0] = 0.0
    np.cumsum(v[:-1], out=out[1:])
    out[:-1] += np.cumsum(v[:0:-1])[::-1]
    return out


# -- extreme magnitudes ------------------------------------------------------------------------
def _exponent(values: np.ndarray) -> int:
    """e with max|values|·2⁻ᵉ in [0.5, 1) when max|values| is beyond 2^±256, else 0.

    Scaling by a power of two is exact, so a statistic of the scaled values is the scaled
    statistic bit for bit; it only keeps squares and cubes of values near 1e±300 from
    overflowing to inf or underflowing to 0.
    """
    finite = np.isfinite(values)
    top = float(np.max(np.abs(values), initial=0.0, where=finite)) if values.size else 0.0
    if top == 0.0 or 1 / _WIDE <= top <= _WIDE:
        return 0
    return math.frexp(top)[1]


def _scaled(values: np.ndarray, e: int) -> np.ndarray:
    return np.ldexp(values, -e) if e else values


def _unscaled(value: float, e: int) -> float:
    """value·2ᵉ; inf or 0 when that leaves float64 (reported by `_out_of_range`)."""
    if not e:
        return value
    with np.errstate(over="ignore", under="ignore"):
        return float(np.ldexp(value, e))


def _mean(values: np.ndarray) -> float:
    """Mean of values of any magnitude (a sum of values near 1e308 would overflow)."""
    e = _exponent(values)
    return _unscaled(float(np.mean(_scaled(values, e))), e)


def _sd(values: np.ndarray) -> float:
    """Sample standard deviation (ddof = 1) of values of any magnitude."""
    e = _exponent(values)
    return _unscaled(float(np.std(_scaled(values, e), ddof=1)), e)


def _power(stat: Statistic) -> int:
    """How the statistic scales with the data: θ(cx) = cᵖ·θ(x)."""
    return {"var": 2, "cv": 0, "corr": 0}.get(stat.kind, 1)


def _out_of_range(values: dict[str, float], e: int, stat: Statistic) -> tuple[dict, list[str]]:
    """Scale results back by 2ᵉ (the first is the estimate); those that leave float64 become
    NaN, named in a warning.

    An estimate that overflows, or underflows to 0, makes every result null; another result
    that overflows (scaled back, or already on the way, as ±inf) is null, one that
    underflows is rounded as any arithmetic result is.
    """
    out = {key: _unscaled(value, e) for key, value in values.items()}
    first = next(iter(values))
    if math.isfinite(values[first]) and values[first] != 0 and out[first] in (0, math.inf,
                                                                              -math.inf):
        size = "large" if e > 0 else "small"
        return dict.fromkeys(out, math.nan), [
            f"the {stat.name} of values this {size} is outside the float64 range: every result "
            "is null"]
    lost = [key for key, value in values.items()
            if not math.isnan(value) and not math.isfinite(out[key])]
    if not lost:
        return out, []
    return {k: math.nan if k in lost else v for k, v in out.items()}, [
        f"the {stat.name} of values this large is beyond the float64 range: {', '.join(lost)} "
        f"{'is' if len(lost) == 1 else 'are'} null"]


# -- results ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class GroupEstimate:
    """One group of `--by`: its size and the statistic on it."""

    n: int
    estimate: float


@dataclass(frozen=True, slots=True, kw_only=True)
class BootstrapResult:
    statistic: str
    column: str | None
    by: str | None
    estimate: float
    bias: float
    std_error: float
    ci_low: float
    ci_high: float
    confidence: float
    method: str
    resamples: int
    n: int
    # `--by` groups by label, first then second (a mapping, not a row table, so that CSV
    # output stays the one row of the interval); empty without `--by`
    groups: Mapping[str, GroupEstimate] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BootstrapRun:
    """The result, and the bootstrap distribution (its first `KEEP` values) for charts."""

    result: BootstrapResult
    distribution: np.ndarray


@dataclass(frozen=True, slots=True, kw_only=True)
class JackknifeResult:
    statistic: str
    column: str | None
    estimate: float
    jackknife_estimate: float
    bias: float
    std_error: float
    ci_low: float
    ci_high: float
    confidence: float
    n: int
    warnings: tuple[str, ...] = ()


# -- input -------------------------------------------------------------------------------------
def _columns(data: np.ndarray | Sequence[np.ndarray], stat: Statistic, column: str | None,
             ) -> tuple[tuple[np.ndarray, ...], np.ndarray, list[str]]:
    """The data as float arrays with rows missing a value left out (warned), and the mask."""
    if isinstance(data, np.ndarray) and data.ndim == 1:
        cols = (np.asarray(data, dtype=np.float64),)
    else:
        cols = tuple(np.asarray(c, dtype=np.float64).ravel() for c in data)
    if not cols:
        raise InputError("no column to resample; name one with --column")
    if len(cols) != stat.columns:
        if stat.kind == "corr":
            raise InputError(f"--stat corr needs two columns, e.g. --column x,y (got "
                             f"{len(cols)}: {column})")
        raise InputError(f"--stat {stat.name} takes one column (got {len(cols)}: {column}); "
                         "use --stat corr for the correlation of two columns")
    if len({c.size for c in cols}) != 1:
        raise InputError("the columns have different lengths")
    present = np.ones(cols[0].size, dtype=bool)
    for c in cols:
        present &= ~np.isnan(c)
    warnings = []
    if not present.all():
        warnings.append(f"{int((~present).sum())} rows with a missing value left out")
        cols = tuple(c[present] for c in cols)
    return cols, present, warnings


def _split_groups(cols: tuple[np.ndarray, ...], codes: np.ndarray,
                  labels: Sequence[str] | None, by: str | None,
                  warnings: list[str]) -> tuple[list[tuple[np.ndarray, ...]], list[str]]:
    """The two samples of `--by`, in order of their codes (first appearance)."""
    missing = codes < 0
    if missing.any():
        warnings.append(f"{int(missing.sum())} rows with a missing group left out")
    present = np.unique(codes[~missing])
    names = [str(labels[c]) if labels is not None else str(c) for c in present]
    if present.size != 2:
        raise _group_count_error(by, names)
    samples = [tuple(c[codes == g] for c in cols) for g in present]
    return samples, names


def _group_count_error(by: str | None, names: Sequence[str]) -> InputError:
    shown = ", ".join(names[:10]) + (", …" if len(names) > 10 else "")
    return InputError(
        f"--by {by} has {len(names)} group{'s' if len(names) != 1 else ''}"
        f"{f' ({shown})' if names else ''}; the bootstrap of a difference needs exactly "
        "two: filter the rows to two groups first")


def check_resampling(method: str, resamples: int) -> None:
    if method not in METHODS:
        raise InputError(f"unknown --method '{method}'; choose one of {', '.join(METHODS)}")
    if resamples < 1:
        raise InputError(f"--resamples must be at least 1 (got {resamples})")


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise InputError(f"--confidence must be between 0 and 1 (got {confidence:g})")


def _check_seed(seed: int | None) -> None:
    if seed is not None and seed < 0:  # SeedSequence takes no negative entropy
        raise InputError(f"--seed must be a whole number, 0 or more (got {seed})")


def _too_few(n: int, least: int, what: str) -> InputError:
    return InputError(f"{what} has {n} row{'s' if n != 1 else ''} with values; the "
                      f"resampling needs at least {least}")


# -- the bootstrap ----------------------------------------------------------------------------
def bootstrap_ci(data: np.ndarray | Sequence[np.ndarray], *, stat: str = "mean",
                 groups: np.ndarray | None = None, group_labels: Sequence[str] | None = None,
                 resamples: int = 9999, confidence: float = 0.95, method: str = "bca",
                 seed: int | None = None, column: str | None = None, by: str | None = None,
                 scheme: str = "multinomial", rows: np.ndarray | None = None,
                 progress: Callable[[int], None] | None = None) -> BootstrapRun:
    """Bootstrap confidence interval of a statistic (BCa by default, as scipy.stats.bootstrap).

    θ̂ = statistic of the data; θ*₁…θ*_B = statistic of B resamples (with replacement, same
    size); bias = mean(θ*) − θ̂; std_error = sd(θ*) (ddof = 1). Intervals, α = (1 − conf)/2,
    Q = type 7 quantile of θ*:
      percentile: [Q(α), Q(1 − α)];  basic: [2θ̂ − Q(1 − α), 2θ̂ − Q(α)];
      BCa: [Q(α₁), Q(α₂)], αᵢ = Φ(z₀ + (z₀ + zᵢ)/(1 − â(z₀ + zᵢ))), z₁,₂ = Φ⁻¹(α), Φ⁻¹(1 − α),
      z₀ = Φ⁻¹((#{θ* < θ̂} + #{θ* ≤ θ̂}) / 2B), â = Σ U³ / (6 (Σ U²)^{3/2}) with
      Uᵢ = (n − 1)(θ̄₍.₎ − θ₍ᵢ₎) from the jackknife (each sample's sums scaled by 1/n³, 1/n²).
    With `groups` (codes of exactly two groups, −1 = missing) the statistic is the
    difference second − first (order of `group_labels`), each group resampled on its own
    (from its own generator, so no value depends on the batch size).
    Resamples whose statistic is undefined (e.g. a constant resample for corr) are left out
    and counted in a warning. When BCa is undefined (z₀ or â not finite, e.g. all values
    equal) the percentile interval is reported with a warning and `method` says so. Also
    warned: ends set by the most extreme resamples, (B + 1)·min(αᵢ, 1 − αᵢ) < 1 (as R's
    boot.ci), a cv of data whose mean is within 2 standard errors of 0, a trimmed mean of
    fewer than 10 rows (it trims nothing). corr needs 3 rows (2 rows give r = ±1).
    Reference: B. Efron & R. Tibshirani, An Introduction to the Bootstrap (1993), ch. 13–14
    (eq. 14.9–14.15); A. C. Davison & D. V. Hinkley, Bootstrap Methods (1997), ch. 5.
    Samples of more than `BLOCK` rows are resampled by blocks for the moment statistics
    (`_Blocks`): the same law, other random numbers.
    `scheme` "poisson" resamples by Poisson(1) counts per row from a counter-based generator
    keyed on (seed, row number, resample) (`mlstats.stats.poisson`; `rows`, each row's
    number among the rows read, 0, 1, … by default): the DuckDB engine's bootstrap, the
    same numbers here (mean, var, std, cv and corr).
    Checked against: scipy.stats.bootstrap (identical intervals given the same resamples,
    one sample or two; within Monte-Carlo error for blocks), R boot/boot.ci, the ideal
    bootstrap standard error of a mean (tests/stats/test_resampling.py).
    """
    parsed = parse_statistic(stat)
    _check_confidence(confidence)
    check_resampling(method, resamples)
    _check_seed(seed)
    if scheme not in SCHEMES:
        raise InputError(f"unknown --scheme '{scheme}'; choose one of {', '.join(SCHEMES)}")
    if scheme == "poisson":
        from mlstats.stats.poisson import check_statistic

        check_statistic(parsed.kind, parsed.name)
    cols, present, warnings = _columns(data, parsed, column)
    # values near 1e±300 are scaled by a power of two (exact); results are scaled back by 2^unit
    exponents = [_exponent(c) for c in cols]
    cols = tuple(_scaled(c, e) for c, e in zip(cols, exponents, strict=True))
    unit = _power(parsed) * exponents[0]
    labels: list[str] = []
    # each row's number rides along as a last column (exact in float64 below 2⁵³)
    numbers = (np.arange(present.size, dtype=np.float64) if rows is None
               else np.asarray(rows, dtype=np.float64))[present]
    samples = [(*cols, numbers)]
    if groups is not None:
        codes = np.asarray(groups).astype(np.int64, copy=False)
        if codes.size != present.size:
            raise InputError("the group column and the data have different lengths")
        samples, labels = _split_groups(samples[0], codes[present], group_labels, by,
                                        warnings)
    part_rows = [s[-1].astype(np.int64) for s in samples]
    samples = [s[:-1] for s in samples]
    # two rows always lie on a line: their correlation is ±1 whatever the data
    least = 3 if parsed.kind == "corr" else 2
    for sample, label in zip(samples, labels or [None], strict=False):
        if sample[0].size < least:
            raise _too_few(sample[0].size, least, f"group '{label}' of --by {by}"
                           if label is not None else f"--column {column}" if column
                           else "the data")
    parts = [_Sample(s, parsed) for s in samples]
    if scheme == "poisson":
        from mlstats.stats.poisson import PoissonStream

        if seed is None:
            import secrets

            seed = secrets.randbits(64)
        stream: Any = PoissonStream(parts, part_rows, seed, resamples)
    else:
        stream = _Stream(parts, resamples, seed)
    return bootstrap_from(parts, stream, labels=labels,
                          confidence=confidence, method=method, resamples=resamples,
                          column=column, by=by, unit=unit, warnings=warnings,
                          progress=progress)


def bootstrap_from(parts: Sequence[Any], stream: Any, *, labels: Sequence[str],
                   confidence: float, method: str, resamples: int, column: str | None,
                   by: str | None, unit: int, warnings: list[str],
                   progress: Callable[[int], None] | None) -> BootstrapRun:
    """The finish of a bootstrap, whichever engine drew it: `parts` (one sample, or the two of
    `--by`) give n, the statistic `value`, `spread()` and either `leave_one_out()` (the
    jackknife's δ per row) or `jackknife_sums` ((n, ΣU², ΣU³), or why it is undefined);
    iterating `stream` gives the statistic of every resample, batch by batch (again the
    same when iterated again). Values are in units of 2^−unit (see `_exponent`)."""
    parsed = parts[0].stat
    estimate = parts[-1].value - parts[0].value if len(parts) == 2 else parts[0].value
    n_total = sum(p.n for p in parts)
    nan = math.nan
    ci_low = ci_high = bias = se = nan
    used_method = method
    shown = np.empty(0)
    if not math.isfinite(estimate):
        warnings.append(f"the {parsed.name} of the data is undefined ({_why_undefined(parsed)});"
                        " every result is null")
    else:
        warnings += _caveats(parts, labels)
        dist = _summarise(stream, estimate, progress)
        if dist.undefined:
            warnings.append(f"{dist.undefined} of {resamples} resamples gave an undefined "
                            f"{parsed.name} and were left out")
        if dist.count == 0:
            warnings.append(f"every resample gave an undefined {parsed.name}: no interval")
        else:
            alpha = (1 - confidence) / 2
            levels = (alpha, 1 - alpha)
            if method == "bca":
                bca = _bca_of(parts, dist, estimate, alpha)
                if isinstance(bca, str):
                    warnings.append(f"the BCa interval is undefined here ({bca}); the "
                                    "percentile interval is reported instead")
                    used_method = "percentile"
                else:
                    levels = bca
            warnings += _extreme_levels(levels, dist.count)
            ci_low, ci_high = _quantiles(dist, levels)
            if used_method == "basic":
                ci_low, ci_high = 2 * estimate - ci_high, 2 * estimate - ci_low
            bias = dist.mean - estimate
            se = dist.std
            if dist.count < 2:
                warnings.append("std_error needs at least 2 resamples")
        with np.errstate(over="ignore", under="ignore"):
            shown = np.ldexp(dist.kept, unit) if unit else dist.kept
        shown = shown[np.isfinite(shown)]
    by_label = dict(zip(labels, parts, strict=True)) if labels else {}
    keyed = {f"groups.{label}.estimate": p.value for label, p in by_label.items()}
    values, lost = _out_of_range({"estimate": estimate, "bias": bias, "std_error": se,
                                  "ci_low": ci_low, "ci_high": ci_high, **keyed}, unit, parsed)
    if math.isnan(values["estimate"]):
        shown = np.empty(0)
    group_rows = MappingProxyType({
        label: GroupEstimate(n=p.n, estimate=values[f"groups.{label}.estimate"])
        for label, p in by_label.items()})
    result = BootstrapResult(
        statistic=parsed.name, column=column, by=by, estimate=values["estimate"],
        bias=values["bias"], std_error=values["std_error"], ci_low=values["ci_low"],
        ci_high=values["ci_high"], confidence=confidence, method=used_method,
        resamples=resamples, n=n_total, groups=group_rows, warnings=tuple(warnings + lost))
    return BootstrapRun(result=result, distribution=shown)


def _bca_of(parts: Sequence[Any], dist: _Distribution, estimate: float,
            alpha: float) -> tuple[float, float] | str:
    """The BCa levels from the parts' rows (`leave_one_out`) or their `jackknife_sums`."""
    if not hasattr(parts[0], "jackknife_sums"):
        return _bca_levels(list(parts), dist, estimate, alpha)
    z0 = _bias_correction(dist)
    if isinstance(z0, str):
        return z0
    sums = [p.jackknife_sums for p in parts]
    for part, found in zip(parts, sums, strict=True):
        if isinstance(found, str):
            return (f"the {part.stat.name} without one of the rows is undefined ({found}), "
                    "so the acceleration is undefined")
    return bca_from(z0, sums, alpha)


def _caveats(parts: Sequence[Any], labels: Sequence[str]) -> list[str]:
    """Warnings about the statistic on this data: a cv whose mean may be 0, a trimmed mean
    that trims nothing."""
    out = []
    for j, part in enumerate(parts):
        where = f" of group '{labels[j]}'" if labels else ""
        if part.stat.kind == "cv":
            # values of both signs and |x̄| < 2·s/√n: resampled means straddle 0, so std/mean
            # swings through ±inf (positive data keep every resampled cv finite)
            mean, sd, low, high = part.spread()
            mean, sem = abs(mean), sd / math.sqrt(part.n)
            if low < 0 < high and mean < 2 * sem:
                out.append(f"the mean{where} is within 2 standard errors of 0 (|mean|/sem = "
                           f"{mean / sem:.3g}), so the cv (std/mean) is unstable and its "
                           "interval unreliable; the cv suits positive data with a mean far "
                           "from 0")
        if part.stat.kind == "trimmed-mean" and int(TRIM * part.n) == 0:
            out.append(f"the 10 % trimmed mean{where} of {part.n} rows trims no row (it needs "
                       "10 or more): it is the plain mean")
    return out


def _extreme_levels(levels: tuple[float, float], count: int) -> list[str]:
    """R's boot.ci warning: an end at level p with (B + 1)·min(p, 1 − p) < 1 is set by the
    most extreme resample statistics, so it is unstable."""
    tail = min(min(p, 1 - p) for p in levels)
    if tail * (count + 1) >= 1:
        return []
    need = f" to at least {math.ceil(1 / tail - 1)}" if tail > 1e-9 else ""
    return [f"the interval's ends are the most extreme resample statistics ({count} in all), "
            f"so they are unstable: raise --resamples{need}"]


def _why_loo_undefined(part: _Sample) -> str:
    if part.n == 2:
        return "one row is left"
    if part.stat.kind == "corr":
        return "a column is constant without that row"
    return "the mean without that row is 0"  # cv: the only other undefined case


def _why_undefined(stat: Statistic) -> str:
    if stat.kind == "corr":
        return "a column is constant"
    if stat.kind == "cv":
        return "the mean is 0"
    return "the values overflow"


def planned_resamples(resamples: int) -> int:
    """Resamples to compute in all, for a progress bar: beyond `KEEP` the stream runs twice."""
    return resamples if resamples <= KEEP else 2 * resamples


def histogram(values: np.ndarray, bins: int = 16) -> tuple[list[int], list[float]]:
    """Counts and edges of the finite `values` in equal-width bins (the terminal chart, the
    plot). Values of any magnitude: a range too wide for float64 (max − min overflows) is
    binned at half scale (exact), and a range holding fewer than `bins` distinct floats gets
    fewer bins (one when every value is equal)."""
    v = values[np.isfinite(values)]
    if not v.size:
        return [], []
    lo, hi = float(v.min()), float(v.max())
    with np.errstate(over="ignore"):
        scale = 1.0 if math.isfinite(hi - lo) else 0.5
    v, lo, hi = v * scale, lo * scale, hi * scale
    # linspace's last step may round past the float64 limit before the end is set to hi
    with np.errstate(over="ignore"):
        edges = np.unique(np.linspace(lo, hi, bins + 1))
        if edges.size < 2:
            return [int(v.size)], [lo / scale, hi / scale]
        if edges.size == bins + 1:
            counts, edges = np.histogram(v, bins=bins, range=(lo, hi))
        else:
            counts, edges = np.histogram(v, bins=edges)
    return counts.tolist(), (edges / scale).tolist()


# -- the stream of bootstrap statistics -------------------------------------------------------
_MOMENTS = ("mean", "var", "std", "cv", "corr")


def _in_blocks(part: _Sample) -> bool:
    """A moment statistic of more than `BLOCK` rows: resampled block by block."""
    return part.stat.kind in _MOMENTS and part.n > BLOCK


class _Stream:
    """θ*₁…θ*_B batch by batch; iterating again replays exactly the same values.

    Sample j draws from its own generators, seeds[2j] and seeds[2j + 1]: the first sample's
    index draws (or U₍ₖ₎) come from the seed's SeedSequence itself, as
    `scipy.stats.bootstrap(rng=default_rng(seed))` draws them for one sample, and every other
    stream from a child of it (see `_Blocks` for samples resampled in blocks). Every
    generator serves one block or one sample and is drawn in resample order, and a
    generator's draws do not depend on how they are split into calls, so no value depends on
    the batch size.
    """

    def __init__(self, parts: list[_Sample], resamples: int, seed: int | None) -> None:
        self.parts = parts
        self.resamples = resamples
        root = np.random.SeedSequence(seed)
        # sample j: seeds[2j] draws indices or U₍ₖ₎, seeds[2j + 1] the U₍ₖ₊₁₎ step or the
        # rows per block
        self.seeds = [root, *root.spawn(2 * len(parts) - 1)]
        self.blocks = [_Blocks.of(p) if _in_blocks(p) else None for p in parts]
        if all(p.stat.is_quantile for p in parts):
            self.rows = ORDER_ROWS
        else:
            self.rows = max(1, CHUNK // max(BLOCK if b else p.n
                                            for p, b in zip(parts, self.blocks, strict=True)))

    def _batches(self) -> Iterator[int]:
        """Resamples per batch (a generator: a list would grow with --resamples)."""
        for start in range(0, self.resamples, self.rows):
            yield min(self.rows, self.resamples - start)

    def __iter__(self) -> Iterator[np.ndarray]:
        if any(p.stat.is_quantile for p in self.parts):
            rngs = [(np.random.default_rng(self.seeds[2 * j]),
                     np.random.default_rng(self.seeds[2 * j + 1]))
                    for j in range(len(self.parts))]
            for rows in self._batches():
                yield _difference([_order_statistics(p, r, rows)
                                   for p, r in zip(self.parts, rngs, strict=True)])
            return
        # Worker threads gather and sum while the next batch's draws are made (NumPy releases
        # the GIL in both). A batch is collected before the next one's work is handed out, so
        # no two threads draw from one generator and at most two batches are held.
        from concurrent.futures import ThreadPoolExecutor

        samplers = [_Rows(p, self.seeds[2 * j]) if b is None
                    else b.sampler(self.seeds[2 * j], self.seeds[2 * j + 1])
                    for j, (p, b) in enumerate(zip(self.parts, self.blocks, strict=True))]
        with ThreadPoolExecutor(max_workers=2) as pool:
            waiting = None
            for rows in self._batches():
                drawn = [s.draw(rows) for s in samplers]
                if waiting is not None:
                    yield _difference([collect() for collect in waiting])
                waiting = [s.submit(pool, d) for s, d in zip(samplers, drawn, strict=True)]
            if waiting is not None:
                yield _difference([collect() for collect in waiting])


def _difference(values: list[np.ndarray]) -> np.ndarray:
    """The statistic of one sample, or second − first of two."""
    return values[1] - values[0] if len(values) == 2 else values[0]


class _Rows:
    """Whole resamples: n indices per resample, gathered, the statistic along each row."""

    def __init__(self, part: _Sample, seed: np.random.SeedSequence) -> None:
        self.part = part
        self.rng = np.random.default_rng(seed)

    def draw(self, rows: int) -> np.ndarray:
        return self.rng.integers(0, self.part.n, size=(rows, self.part.n))

    def submit(self, pool: Executor, drawn: np.ndarray) -> Callable[[], np.ndarray]:
        part = self.part
        future = pool.submit(lambda: np.asarray(_along_rows(
            part.stat, tuple(np.take(c, drawn, mode="clip") for c in part.cols))))
        return future.result


@dataclass(frozen=True, slots=True)
class _Blocks:
    """A sample cut into blocks of `BLOCK` rows, for moment statistics of large samples.

    A resample of n rows drawn with replacement puts K_k of its draws in block k, with
    (K_1, …, K_m) ~ Multinomial(n, size_k/n), and given K_k those draws are K_k uniform rows
    of block k. So each resample's rows per block are drawn first (one multinomial), then
    each block's rows from that block alone: the gathers stay inside a block that fits in
    the cache, and the sums Σd, Σd² (Σe, Σe², Σde for corr) of the centred values d = x − x̄
    of each resample add up block by block. The resamples have exactly the law of whole
    resamples (the ordinary bootstrap), drawn from other random numbers.
    Block k draws from its own generator (block 0 from seeds[2j], block k ≥ 1 from child k
    of seeds[2j + 1], which draws the rows per block), so every block's draws run in resample
    order and the blocks can be drawn on two threads.
    """

    part: _Sample
    edges: np.ndarray  # block k holds rows edges[k]:edges[k + 1]
    mean: float  # x̄, the centre of the sums

    @classmethod
    def of(cls, part: _Sample) -> _Blocks:
        return cls(part, np.append(np.arange(0, part.n, BLOCK), part.n),
                   float(np.mean(part.cols[0])))

    def sampler(self, first: np.random.SeedSequence,
                second: np.random.SeedSequence) -> _BlockSampler:
        blocks = [np.random.default_rng(first)] + [
            np.random.default_rng(np.random.SeedSequence(
                second.entropy, spawn_key=(*second.spawn_key, k)))
            for k in range(1, self.edges.size - 1)]
        return _BlockSampler(self, np.random.default_rng(second), blocks)


class _BlockSampler:
    """The generators of one pass over a `_Blocks` sample."""

    def __init__(self, blocks: _Blocks, totals: np.random.Generator,
                 rngs: list[np.random.Generator]) -> None:
        self.blocks = blocks
        self.totals = totals
        self.rngs = rngs
        sizes = np.diff(blocks.edges)
        self.shares = sizes / blocks.part.n

    def draw(self, rows: int) -> np.ndarray:
        """Rows per block of each resample, (rows, blocks)."""
        return self.totals.multinomial(self.blocks.part.n, self.shares, size=rows)

    def submit(self, pool: Executor, counts: np.ndarray) -> Callable[[], np.ndarray]:
        b = self.blocks
        second = b.part.stat.kind != "mean"
        centred = b.part.centred
        futures = [pool.submit(_block_sums, tuple(c[lo:hi] for c in centred), rng,
                               counts[:, k], second)
                   for k, (rng, lo, hi) in enumerate(zip(self.rngs, b.edges[:-1], b.edges[1:],
                                                         strict=True))]

        def collect() -> np.ndarray:
            total = futures[0].result()
            for future in futures[1:]:
                total += future.result()
            return _from_sums(b, total)

        return collect


def _block_sums(columns: tuple[np.ndarray, ...], rng: np.random.Generator,
                counts: np.ndarray, second: bool) -> np.ndarray:
    """Σd (and, with `second`, Σd²; for two columns Σd, Σe, Σd², Σe², Σde) over the draws
    of each resample from one block, (resamples, 1 | 2 | 5); `counts`: draws per resample.

    One scratch array serves every product: fresh temporaries this large cost page faults
    that would double the time.
    """
    drawn = rng.integers(0, columns[0].size, size=int(counts.sum()))
    values = [np.take(c, drawn, mode="clip") for c in columns]
    some = counts > 0  # an empty segment would repeat its neighbour's first value
    starts = (np.cumsum(counts) - counts)[some]
    out = np.zeros((counts.size, 5 if len(columns) == 2 else 1 + second))
    if not starts.size:
        return out
    sums = [np.add.reduceat(v, starts) for v in values]
    if second:
        scratch = drawn.view(np.float64)  # the indices are no longer needed
        pairs = [(0, 0)] if len(values) == 1 else [(0, 0), (1, 1), (0, 1)]
        for i, j in pairs:
            np.multiply(values[i], values[j], out=scratch)
            sums.append(np.add.reduceat(scratch, starts))
    out[some] = np.column_stack(sums)
    return out


def _from_sums(blocks: _Blocks, sums: np.ndarray) -> np.ndarray:
    """The statistic of each resample from its sums of centred values (`_block_sums`).

    With d = x − x̄ (the sample's mean), mean* = x̄ + Σd/n, var* = (Σd² − (Σd)²/n)/(n − 1),
    r* = (Σde − ΣdΣe/n)/√((Σd² − (Σd)²/n)(Σe² − (Σe)²/n)); a resample's mean is close to x̄,
    so the shifted sums do not cancel.
    """
    n, kind = blocks.part.n, blocks.part.stat.kind
    sx = sums[:, 0]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if kind == "corr":
            sy = sums[:, 1]
            sxx = sums[:, 2] - sx * sx / n
            syy = sums[:, 3] - sy * sy / n
            sxy = sums[:, 4] - sx * sy / n
            return np.clip(sxy / np.sqrt(sxx * syy), -1.0, 1.0)
        mean = blocks.mean + sx / n
        if kind == "mean":
            return mean
        var = np.maximum(sums[:, 1] - sx * sx / n, 0.0) / (n - 1)
        if kind == "var":
            return var
        if kind == "std":
            return np.sqrt(var)
        return np.sqrt(var) / mean  # cv


def _order_statistics(part: _Sample, rngs: tuple[np.random.Generator, np.random.Generator],
                      rows: int) -> np.ndarray:
    """Resampled quantiles from order statistics of uniforms, no resample materialised.

    A resample index is ⌊nU⌋ (U uniform), so the k-th smallest index of n draws is ⌊nU₍ₖ₎⌋
    with U₍ₖ₎ ~ Beta(k + 1, n − k); given U₍ₖ₎ = u, U₍ₖ₊₁₎ = u + (1 − u)·Beta(1, n − k − 1)
    (the least of the n − k − 1 uniforms above u). On the sorted data these indices give the
    resample's order statistics exactly. U₍ₖ₎ and the step to U₍ₖ₊₁₎ come from two generators.
    Reference: H. A. David & H. N. Nagaraja, Order Statistics, 3rd ed. (2003), §2.2, §2.5.
    """
    n, s = part.n, part.sorted
    k, k2, gamma = _quantile_spec(n, part.stat)
    u = rngs[0].beta(k + 1, n - k, size=rows)
    a = s[np.minimum((u * n).astype(np.intp), n - 1)]
    if k2 == k:
        return _combine(a, a, gamma)
    u2 = u + (1 - u) * rngs[1].beta(1, n - k - 1, size=rows)
    b = s[np.minimum((u2 * n).astype(np.intp), n - 1)]
    return _combine(a, b, gamma)


# -- the distribution: moments, position of the estimate, exact order statistics ---------------
@dataclass
class _Distribution:
    count: int  # finite statistics
    undefined: int  # statistics left out (NaN or infinite)
    mean: float
    std: float
    less: int  # #{θ* < θ̂}
    equal_or_less: int  # #{θ* ≤ θ̂}
    kept: np.ndarray  # the first KEEP finite values, for charts
    select: Callable[[list[int]], dict[int, float]]  # 0-based ranks → values


def _summarise(stream: _Stream, estimate: float,
               progress: Callable[[int], None] | None) -> _Distribution:
    advance = progress or (lambda n: None)
    batches = iter(stream)
    held: list[np.ndarray] = []
    total = 0
    for theta in batches:
        advance(theta.size)
        held.append(theta)
        total += theta.size
        if total > KEEP:
            break
    if total <= KEEP:
        values = np.concatenate(held) if held else np.empty(0)
        del held
        defined = np.isfinite(values)
        finite = values if defined.all() else values[defined]
        ordered = np.sort(finite)
        return _Distribution(
            count=ordered.size, undefined=values.size - ordered.size,
            mean=_mean(finite) if finite.size else math.nan,
            std=_sd(finite) if finite.size > 1 else math.nan,
            less=int(np.searchsorted(ordered, estimate, side="left")),
            equal_or_less=int(np.searchsorted(ordered, estimate, side="right")),
            kept=finite, select=lambda ranks: {r: float(ordered[r]) for r in ranks})
    # Too many to hold: keep the first KEEP for charts and the histogram's range, then
    # summarise batch by batch (one batch of temporaries at a time).
    kept = np.concatenate([b[np.isfinite(b)] for b in held])[:KEEP]
    first = _Pass(kept, estimate)
    while held:
        first.add(held.pop(0))
    for theta in batches:
        advance(theta.size)
        first.add(theta)
    return _Distribution(
        count=first.count, undefined=first.undefined, mean=_unscaled(first.mean, first.shift),
        std=(_unscaled(math.sqrt(first.m2 / (first.count - 1)), first.shift)
             if first.count > 1 else math.nan),
        less=first.less, equal_or_less=first.equal_or_less, kept=kept,
        select=lambda ranks: _select(stream, first, ranks, advance))


@dataclass(frozen=True)
class _Level:
    """Equal-width bins: bin(v) = clip(⌊(v − lo)·scale⌋, 0, bins − 1)."""

    lo: float
    scale: float
    bins: int

    def of(self, v: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", over="ignore"):
            raw = np.floor((v - self.lo) * self.scale)
        return np.clip(np.nan_to_num(raw), 0, self.bins - 1).astype(np.intp)

    def edges(self, b: int) -> tuple[float, float]:
        return self.lo + b / self.scale, self.lo + (b + 1) / self.scale


class _Pass:
    """First pass over a long stream: count, mean and M2 (Chan et al.), the position of θ̂,
    and a histogram over the range of the first values with an underflow and overflow bin.
    The mean and M2 are of the values scaled by 2^−shift (exact), chosen from the first
    values, so that their squares stay inside float64."""

    def __init__(self, first: np.ndarray, estimate: float) -> None:
        self.shift = _exponent(first)
        lo, hi = (float(first.min()), float(first.max())) if first.size else (0.0, 0.0)
        span = hi - lo if hi > lo else max(abs(lo), 1.0)
        lo0, hi0 = lo - span, hi + span
        scale = _BINS / (hi0 - lo0)
        self.level = _Level(lo0 - 1 / scale, scale, _BINS + 2)
        self.low_edge, self.high_edge = lo0, hi0
        self.counts = np.zeros(_BINS + 2, dtype=np.int64)
        self.estimate = estimate
        self.count = self.undefined = self.less = self.equal_or_less = 0
        self.mean = self.m2 = 0.0
        self.min, self.max = math.inf, -math.inf

    def add(self, theta: np.ndarray) -> None:
        v = theta[np.isfinite(theta)]
        self.undefined += theta.size - v.size
        if not v.size:
            return
        w = _scaled(v, self.shift)
        nb, mb = w.size, float(np.mean(w))
        m2b = float(np.sum((w - mb) ** 2))
        n = self.count + nb
        delta = mb - self.mean
        self.mean += delta * nb / n
        self.m2 += m2b + delta * delta * self.count * nb / n
        self.count = n
        self.less += int(np.count_nonzero(v < self.estimate))
        self.equal_or_less += int(np.count_nonzero(v <= self.estimate))
        self.min, self.max = min(self.min, float(v.min())), max(self.max, float(v.max()))
        self.counts += np.bincount(self.level.of(v), minlength=self.level.bins)

    def range_of(self, b: int) -> tuple[float, float]:
        if b == 0:
            return self.min, self.low_edge
        if b == self.level.bins - 1:
            return self.high_edge, self.max
        return self.level.edges(b)


@dataclass
class _Target:
    """Ranks known to lie in one bin: the chain of (level, bin) filters that selects it."""

    chain: tuple[tuple[_Level, int], ...]
    below: int  # values before the bin
    count: int  # values in the bin
    lo: float
    hi: float
    ranks: list[int]

    def members(self, v: np.ndarray) -> np.ndarray:
        for level, b in self.chain:
            v = v[level.of(v) == b]
        return v


def _targets(counts: np.ndarray, chain: tuple, below: int, ranks: list[int],
             level: _Level, range_of: Callable[[int], tuple[float, float]]) -> list[_Target]:
    cumulative = np.cumsum(counts)
    found: dict[int, list[int]] = {}
    for r in ranks:
        found.setdefault(int(np.searchsorted(cumulative, r - below, side="right")), []).append(r)
    out = []
    for b, rs in found.items():
        lo, hi = range_of(b)
        out.append(_Target(chain=(*chain, (level, b)), below=below + int(cumulative[b]
                           - counts[b]), count=int(counts[b]), lo=lo, hi=hi, ranks=rs))
    return out


def _select(stream: _Stream, first: _Pass, ranks: list[int],
            advance: Callable[[int], None]) -> dict[int, float]:
    """Exact order statistics of a stream too long to hold, by replaying it.

    Each pass either collects the values of a bin holding wanted ranks (when at most `_CAP`)
    or histograms that bin more finely; a bin whose values are all equal is resolved at once.
    """
    pending = _targets(first.counts, (), 0, sorted(set(ranks)), first.level, first.range_of)
    found: dict[int, float] = {}
    for passes in range(2, _MAX_PASSES + 2):
        if not pending:
            break
        collect = [t.count <= _CAP or passes > _MAX_PASSES for t in pending]
        levels = [None if c else _Level(t.lo, _BINS / (t.hi - t.lo) if t.hi > t.lo else 0.0,
                                        _BINS) for t, c in zip(pending, collect, strict=True)]
        held: list[list[np.ndarray]] = [[] for _ in pending]
        counts = [np.zeros(_BINS, dtype=np.int64) for _ in pending]
        bounds = [[math.inf, -math.inf] for _ in pending]
        for theta in stream:
            advance(theta.size)
            v = theta[np.isfinite(theta)]
            for i, target in enumerate(pending):
                members = target.members(v)
                if not members.size:
                    continue
                if collect[i]:
                    held[i].append(members)
                else:
                    counts[i] += np.bincount(levels[i].of(members), minlength=_BINS)
                    bounds[i] = [min(bounds[i][0], float(members.min())),
                                 max(bounds[i][1], float(members.max()))]
        following: list[_Target] = []
        for i, target in enumerate(pending):
            if collect[i]:
                ordered = np.sort(np.concatenate(held[i]))
                found.update({r: float(ordered[r - target.below]) for r in target.ranks})
            elif bounds[i][0] == bounds[i][1]:
                found.update({r: bounds[i][0] for r in target.ranks})
            else:
                level = levels[i]
                following += _targets(counts[i], target.chain, target.below, target.ranks,
                                      level, level.edges)
        pending = following
    return found


# -- intervals --------------------------------------------------------------------------------
def _quantiles(dist: _Distribution, levels: tuple[float, float]) -> tuple[float, float]:
    """Type 7 quantiles of the bootstrap distribution, computed as scipy.stats.quantile does:
    j = ⌊pB + 1 − p⌋ − 1, g = frac(pB + 1 − p), Q = (1 − g)·θ*₍ⱼ₎ + g·θ*₍ⱼ₊₁₎."""
    count = dist.count
    specs = []
    for p in levels:
        p = float(p)
        jg = p * count + (1 - p)
        j = math.floor(jg) - 1
        g = 0.0 if j < 0 else jg % 1
        specs.append((min(max(j, 0), count - 1), min(max(j + 1, 0), count - 1), g))
    values = dist.select(sorted({r for j, j1, _ in specs for r in (j, j1)}))
    low, high = ((1 - g) * values[j] + g * values[j1] for j, j1, g in specs)
    if levels[0] <= levels[1] and low > high:
        # the interpolation is not monotone in g by an ulp (confidence near 0)
        low, high = high, low
    return low, high


def _bca_levels(parts: list[_Sample], dist: _Distribution, estimate: float,
                alpha: float) -> tuple[float, float] | str:
    """(α₁, α₂) of the BCa interval, or the reason it is undefined."""
    z0 = _bias_correction(dist)
    if isinstance(z0, str):
        return z0
    sums = []
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        us = []
        for i, part in enumerate(parts):
            u = part.leave_one_out()
            if not np.isfinite(u).all():
                return (f"the {part.stat.name} without one of the rows is undefined "
                        f"({_why_loo_undefined(part)}), so the acceleration is undefined")
            # U = (n − 1)(δ̄ − δ), in place (n values each: no more copies than needed)
            u -= np.mean(u)
            u *= (1 - part.n) if len(parts) == 1 or i == 1 else part.n - 1  # first of two: −U
            us.append(u)
    # â is scale-free: scale U by a power of two so that U³ stays inside float64
    e = _exponent(np.array([max(float(u.max()), -float(u.min())) for u in us]))
    for u, p in zip(us, parts, strict=True):
        scaled = _scaled(u, e)
        power = scaled * scaled
        squares = float(np.sum(power))
        power *= scaled
        sums.append((p.n, squares, float(np.sum(power))))
    return bca_from(z0, sums, alpha)


def _bias_correction(dist: _Distribution) -> float | str:
    """z₀ = Φ⁻¹((#{θ* < θ̂} + #{θ* ≤ θ̂}) / 2B), or why it is undefined."""
    from scipy.special import ndtri

    if dist.less == dist.count or dist.equal_or_less == 0:
        return "every resample's statistic lies on one side of the estimate"
    return float(ndtri((dist.less + dist.equal_or_less) / (2 * dist.count)))


def bca_from(z0: float, sums: Sequence[tuple[int, float, float]],
             alpha: float) -> tuple[float, float] | str:
    """(α₁, α₂) of the BCa interval from z₀ and, per sample, (n, ΣU², ΣU³) of the jackknife
    influence values U (signed for the difference of two samples): â = Σ(ΣU³/n³) /
    (6·(Σ(ΣU²/n²))^{3/2})."""
    from scipy.special import ndtr, ndtri

    nums = sum(cubes / n**3 for n, _squares, cubes in sums)
    dens = sum(squares / n**2 for n, squares, _cubes in sums)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        a_hat = 1 / 6 * nums / dens ** (3 / 2) if dens > 0 else math.nan
    if not math.isfinite(a_hat):
        return ("the leave-one-out statistics do not vary (e.g. all values are equal), so "
                "the acceleration is undefined")
    z_alpha = float(ndtri(alpha))
    num1 = z0 + z_alpha
    num2 = z0 - z_alpha
    alpha_1 = float(ndtr(z0 + num1 / (1 - a_hat * num1)))
    alpha_2 = float(ndtr(z0 + num2 / (1 - a_hat * num2)))
    if not (math.isfinite(alpha_1) and math.isfinite(alpha_2)):
        return "its adjusted levels are not finite"
    return alpha_1, alpha_2


# -- the jackknife ----------------------------------------------------------------------------
def jackknife(data: np.ndarray | Sequence[np.ndarray], *, stat: str = "mean",
              confidence: float = 0.95, column: str | None = None) -> JackknifeResult:
    """Jackknife bias, standard error and normal interval of a statistic.

    θ₍ᵢ₎ = statistic without row i, θ̄ = mean θ₍ᵢ₎; bias = (n − 1)(θ̄ − θ̂);
    jackknife_estimate = θ̂ − bias = nθ̂ − (n − 1)θ̄; std_error = √((n − 1)/n · Σ(θ₍ᵢ₎ − θ̄)²);
    interval = jackknife_estimate ± z·std_error, z = Φ⁻¹(1 − (1 − conf)/2). Leave-one-out
    values in closed form (see `_Sample.leave_one_out`), so n = 10⁶ takes milliseconds. The
    mean and the (unbiased) variance are their own jackknife estimates: their bias is exactly 0.
    Each leave-one-out sample needs 2 rows for std, var and cv, 3 for corr.
    Reference: Efron & Tibshirani (1993), ch. 11 (eq. 11.2, 11.5); astropy
    `jackknife_stats` for the interval.
    Checked against: R 4.2.2 (airquality Ozone mean and sd) and a direct leave-one-out loop
    (tests/stats/test_resampling.py).
    """
    parsed = parse_statistic(stat)
    _check_confidence(confidence)
    cols, _present, warnings = _columns(data, parsed, column)
    # values near 1e±300 are scaled by a power of two (exact); results are scaled back
    exponents = [_exponent(c) for c in cols]
    cols = tuple(_scaled(c, e) for c, e in zip(cols, exponents, strict=True))
    unit = _power(parsed) * exponents[0]
    n = int(cols[0].size)
    # the rows left out of each leave-one-out sample: 2 for std, var, cv; 3 for corr (a
    # correlation of 2 rows is ±1 whatever the data)
    least = {"var": 3, "std": 3, "cv": 3, "corr": 4}.get(parsed.kind, 2)
    if n < least:
        raise _too_few(n, least, f"--column {column}" if column else "the data")
    if parsed.is_quantile:
        warnings.append(f"the jackknife is inconsistent for the {parsed.name} (a quantile): "
                        "its standard error does not settle as n grows; use mlstats bootstrap "
                        f"--stat {parsed.name}")
    part = _Sample(cols, parsed)
    delta = part.leave_one_out()
    if not (math.isfinite(part.value) and np.isfinite(delta).all()):
        why = (f"the {parsed.name} of the data is undefined ({_why_undefined(parsed)})"
               if not math.isfinite(part.value)
               else f"leaving out a row makes the {parsed.name} undefined "
                    f"({_why_loo_undefined(part)})")
        warnings.append(f"{why}; the jackknife results are null")
        return jackknife_from(parsed, n, part.value, math.nan, math.nan, confidence=confidence,
                              column=column, warnings=warnings, unit=unit)
    warnings += _caveats([part], [])
    mean_delta = 0.0 if parsed.kind in ("mean", "var") else _mean(delta)
    with np.errstate(over="ignore", invalid="ignore"):  # ±inf: null with a warning
        spread = delta - mean_delta
        e = _exponent(spread)  # keeps the squares inside float64 (exact scaling)
        root_ss = _unscaled(math.sqrt(float(_scaled(spread, e) @ _scaled(spread, e))), e)
    return jackknife_from(parsed, n, part.value, mean_delta, root_ss, confidence=confidence,
                          column=column, warnings=warnings, unit=unit)


def jackknife_from(stat: Statistic, n: int, value: float, mean_delta: float, root_ss: float,
                   *, confidence: float, column: str | None, warnings: list[str],
                   unit: int = 0) -> JackknifeResult:
    """The jackknife's finish step from its summary: n, the estimate θ̂, the mean δ̄ of the
    leave-one-out differences δᵢ = θ₍ᵢ₎ − θ̂ and √Σ(δᵢ − δ̄)² (NaN: undefined), whichever
    engine computed them; bias = (n − 1)δ̄, std_error = √((n − 1)/n)·√Σ(δᵢ − δ̄)²."""
    nan = math.nan
    corrected = bias = se = ci_low = ci_high = nan
    if not math.isnan(mean_delta) and not math.isnan(root_ss):
        from scipy.special import ndtri

        with np.errstate(over="ignore", invalid="ignore"):  # ±inf: null with a warning
            bias = float(np.float64(n - 1) * mean_delta)
            se = float(np.float64(math.sqrt((n - 1) / n)) * root_ss)
            z = float(ndtri(0.5 + confidence / 2))
            corrected = float(np.float64(value) - bias)
            ci_low = float(np.float64(corrected) - z * se)
            ci_high = float(np.float64(corrected) + z * se)
    values, lost = _out_of_range({"estimate": value, "jackknife_estimate": corrected,
                                  "bias": bias, "std_error": se, "ci_low": ci_low,
                                  "ci_high": ci_high}, unit, stat)
    return JackknifeResult(statistic=stat.name, column=column, confidence=confidence, n=n,
                           warnings=tuple(warnings + lost), **values)
