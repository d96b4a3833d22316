"""Correlation between columns: Pearson's r, Spearman's rho and Kendall's tau-b.

Every pair of columns uses the rows where both are present (pairwise deletion), so each
pair has its own n. Columns without missing values share one pass: their Pearson (or, on
ranks, Spearman) matrix is a Gram matrix of centred columns, accumulated in row blocks.
Pairs that involve a column with missing values are computed pair by pair on their own
rows, by the same two-pass formulas.

P-values and intervals, two-sided:
- Pearson: t = r·√((n − 2)/(1 − r²)) on n − 2 degrees of freedom (R `cor.test`); interval
  tanh(atanh(r) ± z·SE), SE = 1/√(n − 3) (Fisher 1921).
- Spearman: the same t approximation (SciPy `spearmanr`), but for n ≤ 9 without ties the
  exact permutation distribution of S = Σd² (R `cor.test(method = "spearman")`, AS 89);
  interval by Fisher z with the Bonett–Wright variance (1 + r²/2)/(n − 3).
- Kendall tau-b: exact for n ≤ 33 without ties (or when at most one pair is discordant,
  or concordant), otherwise the normal approximation with the tie-corrected variance (SciPy
  `kendalltau`); interval by Fisher z with the Fieller–Hartley–Pearson variance
  0.437/(n − 4).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from mlstats.errors import InputError
from mlstats.stats.multiple import CORRECTIONS, adjust_pvalues
from mlstats.stats.tdist import t_tail

METHODS = ("pearson", "spearman", "kendall")
EXACT_SPEARMAN = 9  # R's AS 89 enumerates permutations up to this n
EXACT_KENDALL = 33  # SciPy's `kendalltau` exact distribution up to this n
_BLOCK = 1 << 16  # rows per block of the Gram matrix (k columns × 64 Ki rows of float64)
_MIN_N = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Pair:
    """One pair of columns: its coefficient, test and interval; `name` is `x~y`."""

    name: str
    x: str
    y: str
    r: float
    p_value: float
    p_adjusted: float
    n: int
    ci_low: float
    ci_high: float
    p_method: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrelationResult:
    method: str
    confidence: float
    correction: str
    matrix: tuple[Mapping[str, str | float], ...]
    pairs: tuple[Pair, ...]
    warnings: tuple[str, ...] = ()


def check_options(*, method: str, confidence: float, correction: str) -> None:
    """Validate the options before any data is read."""
    if method not in METHODS:
        raise InputError(f"--method must be one of {', '.join(METHODS)} (got '{method}')")
    if not 0 < confidence < 1:
        raise InputError(f"--confidence must be between 0 and 1, exclusive (got {confidence:g})")
    if correction not in CORRECTIONS:
        raise InputError(f"--correction must be one of {', '.join(CORRECTIONS)} "
                         f"(got '{correction}')")


def rows_in_some_pair(columns: Mapping[str, np.ndarray]) -> tuple[int, list[str]]:
    """Rows that at least one pair uses (two or more columns present), and the columns with
    missing values."""
    missing = {name: np.isnan(v) for name, v in columns.items()}
    short = [name for name, gaps in missing.items() if gaps.any()]
    size = next(iter(columns.values())).size if columns else 0
    if not short:
        return size, short
    present = np.zeros(size, dtype=np.int64)
    for gaps in missing.values():
        present += ~gaps
    return int(np.count_nonzero(present >= 2)), short


def correlate(columns: Mapping[str, np.ndarray], *, method: str = "pearson",
              confidence: float = 0.95, correction: str = "none") -> CorrelationResult:
    """The correlation of every pair of columns, with p-values, intervals and a matrix.

    NaN marks a missing value. A pair whose column is constant on the pair's rows, or with
    fewer than 3 rows, has a null r (with a warning); when no pair is defined, that is an
    input error.
    Reference: R `cor.test` (stats, R 4.2.2); SciPy `pearsonr`, `spearmanr`, `kendalltau`;
    D. G. Bonett & T. A. Wright, "Sample size requirements for estimating Pearson, Kendall
    and Spearman correlations", Psychometrika 65 (2000) 23–28; E. C. Fieller, H. O. Hartley &
    E. S. Pearson, "Tests for rank correlation coefficients. I", Biometrika 44 (1957) 470–481;
    D. J. Best & D. E. Roberts, "Algorithm AS 89", Appl. Statist. 24 (1975) 377–379.
    Checked against: R literals (cars) and SciPy `pearsonr`, `spearmanr`, `kendalltau`,
    `permutation_test` (tests/stats/test_correlation.py).
    """
    check_options(method=method, confidence=confidence, correction=correction)
    names = list(columns)
    _check_count(names)
    arrays = [np.asarray(columns[name], dtype=np.float64) for name in names]
    present = [~np.isnan(a) for a in arrays]
    complete = [bool(p.all()) for p in present]
    constant = _constant_columns(arrays, present)
    k = len(names)
    r = np.full((k, k), np.nan)
    n = np.zeros((k, k), dtype=np.int64)
    full = [i for i in range(k) if complete[i] and i not in constant]
    if method != "kendall" and len(full) >= 2 and arrays[full[0]].size >= _MIN_N:
        data = [arrays[i] if method == "pearson" else average_ranks(arrays[i]) for i in full]
        r[np.ix_(full, full)] = gram_correlation(data)
        n[np.ix_(full, full)] = arrays[full[0]].size
    summaries = {}
    for i in range(k):
        for j in range(i + 1, k):
            summaries[(i, j)] = _pair_summary(names, arrays, present, i, j, r, n, constant,
                                              method)
    columns_found = [ColumnSummary(present=int(np.count_nonzero(ok)),
                                   constant=_first_value(a) if i in constant else None)
                     for i, (a, ok) in enumerate(zip(arrays, present, strict=True))]
    return correlation_from(names, columns_found, summaries, size=arrays[0].size,
                            method=method, confidence=confidence, correction=correction)


def _check_count(names: Sequence[str]) -> None:
    if len(names) < 2:
        shown = ", ".join(names) or "none"
        raise InputError(f"correlate needs at least two numeric columns (got {shown}); "
                         "name them with --columns")
    if "name" in names:
        raise InputError("a column named 'name' cannot be correlated: each matrix row's "
                         "'name' is its column; rename the column, or leave it out of "
                         "--columns")


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnSummary:
    """One column of a correlation: its present values, and the one value of a constant
    column (None when it varies)."""

    present: int
    constant: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PairSummary:
    """What one pair's row needs of its rows (where both columns are present): their number,
    the first column constant on them (None when neither is), the coefficient and the
    p-value with its method (unset when not defined)."""

    n: int
    flat: str | None = None
    r: float = math.nan
    p_value: float = math.nan
    p_method: str | None = None


def correlation_from(names: Sequence[str], columns: Sequence[ColumnSummary],
                     pairs: Mapping[tuple[int, int], PairSummary], *, size: int, method: str,
                     confidence: float, correction: str) -> CorrelationResult:
    """The result from each column's and each pair's summary (see `correlate`), `size` rows
    in all: the one finish, whichever engine gathered them."""
    check_options(method=method, confidence=confidence, correction=correction)
    _check_count(names)
    k = len(names)
    constant = {i for i, c in enumerate(columns) if c.constant is not None}
    rows, reasons = [], []
    for i in range(k):
        for j in range(i + 1, k):
            pair, reason = _pair(names, i, j, pairs[(i, j)], constant, method, confidence)
            rows.append(pair)
            reasons.append(reason)
    if all(math.isnan(p["r"]) for p in rows):
        raise InputError(_undefined(names, columns, constant, reasons))
    warnings = [_constant_warning(names[i], columns[i].constant) for i in sorted(constant)]
    warnings += [reason for reason in reasons if reason]
    if any(c.present < size for c in columns):
        sizes = [p["n"] for p in rows]
        warnings.append(
            "pairwise deletion: each pair uses the rows where both columns are present "
            f"(n from {min(sizes)} to {max(sizes)}; see pairs.n)")
    adjusted = adjust_pvalues(np.array([p["p_value"] for p in rows]), correction=correction)
    found = tuple(Pair(**p, p_adjusted=float(q)) for p, q in zip(rows, adjusted, strict=True))
    matrix = tuple(
        {"name": names[i], **{names[j]: _matrix_value(i, j, found, k, constant, columns)
                              for j in range(k)}}
        for i in range(k))
    return CorrelationResult(method=method, confidence=confidence, correction=correction,
                             matrix=matrix, pairs=found, warnings=tuple(warnings))


def _constant_columns(arrays: Sequence[np.ndarray], present: Sequence[np.ndarray]) -> set[int]:
    """Columns whose present values are all equal."""
    constant = set()
    for i, (values, ok) in enumerate(zip(arrays, present, strict=True)):
        kept = values if ok.all() else values[ok]
        if kept.size and kept.min() == kept.max():
            constant.add(i)
    return constant


def _first_value(values: np.ndarray) -> str:
    return f"{values[~np.isnan(values)][0]:g}"


def _constant_warning(name: str, value: str) -> str:
    return (f"column '{name}' is constant (every value is {value}): its correlations are "
            "null")


def _pair_summary(names: Sequence[str], arrays: Sequence[np.ndarray],
                  present: Sequence[np.ndarray], i: int, j: int, r: np.ndarray,
                  n: np.ndarray, constant: set[int], method: str) -> PairSummary:
    """One pair's summary from its rows (the coefficient from the Gram matrix when there)."""
    x, y = arrays[i], arrays[j]
    both = present[i] & present[j]
    subset = not both.all()
    if subset:
        x, y = x[both], y[both]
    size = int(x.size)
    if i in constant or j in constant or size < _MIN_N:
        return PairSummary(n=size)
    flat = [c for c, v in ((names[i], x), (names[j], y)) if v.min() == v.max()] if subset else []
    if flat:
        return PairSummary(n=size, flat=flat[0])
    if method == "kendall":
        coefficient, p_value, p_method = kendall_tau(x, y)
    else:
        coefficient = float(r[i, j]) if n[i, j] else _pair_correlation(x, y, method)
        p_value, p_method = _t_or_exact_p(coefficient, x, y, method)
    return PairSummary(n=size, r=coefficient, p_value=p_value, p_method=p_method)


def _pair(names: Sequence[str], i: int, j: int, found: PairSummary, constant: set[int],
          method: str, confidence: float) -> tuple[dict, str | None]:
    """One pair's row: its coefficient, test and interval.

    The reason is a warning: why r or the interval is null (None when all is defined, or
    when a constant column, warned about once, is the cause).
    """
    name = f"{names[i]}~{names[j]}"
    size = found.n
    pair = {"name": name, "x": names[i], "y": names[j], "r": math.nan, "p_value": math.nan,
            "n": size, "ci_low": math.nan, "ci_high": math.nan, "p_method": None}
    if i in constant or j in constant:
        return pair, None
    if size < _MIN_N:
        return pair, (f"r of {name} is null: only {size} rows have values in both "
                      f"'{names[i]}' and '{names[j]}', and a correlation needs {_MIN_N}")
    if found.flat is not None:
        return pair, (f"r of {name} is null: '{found.flat}' is constant on the {size} rows "
                      "where both columns are present")
    low, high = fisher_interval(found.r, size, method=method, confidence=confidence)
    pair.update(r=found.r, p_value=found.p_value, ci_low=low, ci_high=high,
                p_method=found.p_method)
    if math.isnan(low):
        return pair, (f"the interval of {name} is null: Fisher's z needs n ≥ "
                      f"{5 if method == 'kendall' else 4} (n = {size})")
    return pair, None


def _pair_correlation(x: np.ndarray, y: np.ndarray, method: str) -> float:
    if method == "spearman":
        x, y = average_ranks(x), average_ranks(y)
    return float(gram_correlation([x, y])[0, 1])


def _undefined(names: Sequence[str], columns: Sequence[ColumnSummary], constant: set[int],
               reasons: Sequence[str | None]) -> str:
    """The input error when no pair has a defined r."""
    if reasons[0] is None:  # a constant column
        i = min(constant)
        return (f"column '{names[i]}' is constant (every value is {columns[i].constant}); "
                "a correlation needs values that vary: pick another column")
    reason = reasons[0].split(": ", 1)[1]
    if len(reasons) == 1:
        return reason
    return f"no pair of columns has a defined correlation ({reason}, …); pick other columns"


def _matrix_value(i: int, j: int, rows: Sequence[Pair], k: int, constant: set[int],
                  columns: Sequence[ColumnSummary]) -> float:
    if i == j:
        usable = i not in constant and columns[i].present >= _MIN_N
        return 1.0 if usable else math.nan
    a, b = min(i, j), max(i, j)
    return rows[a * k - a * (a + 1) // 2 + (b - a - 1)].r


# -- coefficients -------------------------------------------------------------------------
def gram_correlation(columns: Sequence[np.ndarray]) -> np.ndarray:
    """Pearson correlation matrix of equal-length columns without missing values.

    r_ij = Σ dᵢdⱼ / √(Σ dᵢ² Σ dⱼ²) with d the deviations from the column mean (two passes),
    each column first divided by the power of two above its largest |d| (exact), so no
    square overflows or underflows; the sums are a Gram matrix accumulated in row blocks.
    """
    from threadpoolctl import threadpool_limits

    size, k = columns[0].size, len(columns)
    # Subnormal values (below 2^-1022) carry few bits, and their mean fewer: such a column is
    # first multiplied by 2^600 (exact; r does not change with the scale); values near the
    # largest double (beyond 2^1000), whose sum for the mean would overflow, by 2^-64.
    columns = [_rescaled(c) for c in columns]
    means = [float(c.mean()) for c in columns]
    inverse = np.array([1.0 / _power_of_two(max(float(c.max()) - m, m - float(c.min())))
                        for c, m in zip(columns, means, strict=True)])
    gram = np.zeros((k, k))
    block = np.empty((min(size, _BLOCK), k))
    # A k × k Gram of thin blocks gains nothing from BLAS threads, and they thrash when
    # the cores are busy (10× slower on a loaded 2-core machine).
    with threadpool_limits(limits=1, user_api="blas"):
        for start in range(0, size, _BLOCK):
            rows = block[:min(_BLOCK, size - start)]
            for i, (column, mean) in enumerate(zip(columns, means, strict=True)):
                np.subtract(column[start:start + rows.shape[0]], mean, out=rows[:, i])
            rows *= inverse
            gram += rows.T @ rows
    norms = np.sqrt(np.diag(gram))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = gram / np.outer(norms, norms)
    return np.clip(r, -1.0, 1.0)


def _rescaled(column: np.ndarray) -> np.ndarray:
    peak = float(np.abs(column).max()) if column.size else 0.0
    if peak < 2.0**-900:
        return column * 2.0**600
    if peak > 2.0**1000:
        return column * 2.0**-64
    return column


def _power_of_two(peak: float) -> float:
    """A power of two within a factor of 2 of `peak` (2^(e−1) for m·2^e: 9e307 has one too)."""
    return math.ldexp(1.0, math.frexp(peak)[1] - 1) if peak > 0 and math.isfinite(peak) else 1.0


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties given the mean of the ranks they span (SciPy `rankdata`, average)."""
    order = np.argsort(x)
    starts, group = _groups(x[order])
    edges = np.append(starts, x.size)
    mean_rank = (edges[:-1] + edges[1:] + 1) / 2.0
    ranks = np.empty(x.size)
    ranks[order] = mean_rank[group]
    return ranks


def _groups(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start of each run of equal values in a sorted array, and each element's run (0-based)."""
    new = np.empty(ordered.size, dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    return np.flatnonzero(new), np.cumsum(new, dtype=np.intp) - 1


def _dense_ranks(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, dense ranks 1..m in that order): x[order] is sorted."""
    order = np.argsort(x)
    return order, _groups(x[order])[1] + 1


def kendall_tau(x: np.ndarray, y: np.ndarray) -> tuple[float, float, str]:
    """Kendall's tau-b, its two-sided p-value and how the p-value was found.

    tau_b = (C − D)/√((T − Tₓ)(T − T_y)), T = n(n−1)/2 pairs, Tₓ and T_y pairs tied in x or
    y; C − D = T − Tₓ − T_y + T_xy − 2D. D is counted in O(n log n): order by x, then a
    Fenwick tree over the dense ranks of y counts the earlier elements above each one
    (SciPy's `_kendall_dis`, which handles runs of tied x together). The orderings are
    unstable sorts: rows tied in x are one run either way.
    P-value: exact (Mahonian numbers) without ties when n ≤ 33 or min(D, T − D) ≤ 1, else
    z = (C − D)/√var with var = (v₀ − vₓ − v_y)/18 + 2TₓT_y/(n(n−1)) + wₓw_y/(9n(n−1)(n−2)),
    v = Σt(t−1)(2t+5), w = Σt(t−1)(t−2) over tie runs t.
    Reference: M. G. Kendall, Rank Correlation Methods, 4th ed. (1970), ch. 3–4;
    W. R. Knight, "A computer method for calculating Kendall's tau with ungrouped data",
    JASA 61 (1966) 436–439; SciPy `kendalltau`.
    Checked against: SciPy `kendalltau`, an O(n²) count (tests/stats/test_correlation.py).
    """
    from scipy.stats._stats import _kendall_dis  # Cython Fenwick-tree discordance count

    size = x.size
    order, x_ranks = _dense_ranks(x)
    y_order, y_sorted_ranks = _dense_ranks(y)
    y_ranks = np.empty(size, dtype=np.intp)
    y_ranks[y_order] = y_sorted_ranks
    y_ranks = y_ranks[order]
    discordant = int(_kendall_dis(x_ranks, y_ranks))
    x_tie, x0, x1 = _tie_sums(x_ranks)
    y_tie, y0, y1 = _tie_sums(y_sorted_ranks)
    joint = 0
    if x_tie and y_tie:
        key = np.sort(x_ranks * (int(y_sorted_ranks[-1]) + 1) + y_ranks)
        joint = _tie_sums(key)[0]
    total = size * (size - 1) // 2
    balance = total - x_tie - y_tie + joint - 2 * discordant
    tau = balance / math.sqrt(total - x_tie) / math.sqrt(total - y_tie)
    tau = min(1.0, max(-1.0, tau))
    if not x_tie and not y_tie and (size <= EXACT_KENDALL
                                     or min(discordant, total - discordant) <= 1):
        return tau, _kendall_exact_p(size, discordant), "exact"
    from scipy.special import ndtr

    m = size * (size - 1.0)
    var = ((m * (2 * size + 5) - x1 - y1) / 18 + (2 * x_tie * y_tie) / m
           + x0 * y0 / (9 * m * (size - 2)))
    return tau, float(2 * ndtr(-abs(balance) / math.sqrt(var))), "normal"


def _tie_sums(sorted_values: np.ndarray) -> tuple[int, float, float]:
    """Σ t(t−1)/2, Σ t(t−1)(t−2), Σ t(t−1)(2t+5) over runs t of equal values (sorted input)."""
    starts, _ = _groups(sorted_values)
    t = np.diff(np.append(starts, sorted_values.size))
    t = t[t > 1].astype(np.int64)
    f = t.astype(np.float64)  # the variance terms in floating point, as SciPy
    return (int((t * (t - 1) // 2).sum()), float((f * (f - 1) * (f - 2)).sum()),
            float((f * (f - 1) * (2 * f + 5)).sum()))


def _kendall_exact_p(size: int, discordant: int) -> float:
    """Two-sided exact p-value of Kendall's tau without ties: 2·P(D ≤ c), c = min(D, T − D).

    The number of permutations of n with c inversions follows the Mahonian recurrence
    I(j, c) = Σ_{i=0}^{min(c, j−1)} I(j − 1, c − i) (Kendall 1970, ch. 4), run as
    cumulative sums.
    """
    total = size * (size - 1) // 2
    c = min(discordant, total - discordant)
    if c == 0:
        p = 2.0 / math.factorial(size) if size < 171 else 0.0
    elif c == 1:
        p = 2.0 / math.factorial(size - 1) if size < 172 else 0.0
    elif 4 * c == size * (size - 1):
        p = 1.0
    else:
        counts = np.zeros(c + 1)
        counts[:2] = 1.0
        for j in range(3, size + 1):  # a loop over n ≤ 33 permutation lengths, not rows
            counts = np.cumsum(counts)
            if j <= c:
                counts[j:] -= counts[:c + 1 - j]
        p = 2.0 * counts.sum() / math.factorial(size)
    return float(min(max(p, 0.0), 1.0))


# -- tests and intervals ------------------------------------------------------------------
def _t_or_exact_p(r: float, x: np.ndarray, y: np.ndarray, method: str) -> tuple[float, str]:
    size = x.size
    if (method == "spearman" and size <= EXACT_SPEARMAN
            and np.unique(x).size == size and np.unique(y).size == size):
        return spearman_exact_p(r, size), "exact"
    return t_test_p(r, size), "t"


def t_test_p(r: float, n: int) -> float:
    """Two-sided p of t = r·√((n − 2)/((1 − r)(1 + r))) on n − 2 degrees of freedom
    (`tdist.t_tail`: no SciPy import below 10⁷ degrees of freedom)."""
    if abs(r) == 1.0:
        return 0.0
    t = r * math.sqrt((n - 2) / ((1.0 - r) * (1.0 + r)))
    return 2 * t_tail(abs(t), n - 2)


@functools.cache
def _spearman_counts(size: int) -> np.ndarray:
    """How many of the n! permutations give each S = Σ (i − π(i))² (index S)."""
    perms = np.zeros((1, 0), dtype=np.int8)
    for m in range(size):  # insert the value m at every position of each permutation of m
        out = np.empty((m + 1, perms.shape[0], m + 1), dtype=np.int8)
        for pos in range(m + 1):
            out[pos, :, :pos] = perms[:, :pos]
            out[pos, :, pos] = m
            out[pos, :, pos + 1:] = perms[:, pos:]
        perms = out.reshape(-1, m + 1)
    s = ((perms - np.arange(size, dtype=np.int8)).astype(np.int64) ** 2).sum(axis=1)
    return np.bincount(s)


def spearman_exact_p(r: float, size: int) -> float:
    """Two-sided exact p-value of Spearman's rho without ties, as R `cor.test` (n ≤ 9).

    S = (n³ − n)(1 − rho)/6, rounded; p = 2·P(S ≥ s) when s is above its mean (n³ − n)/6
    (negative rho), else 2·P(S ≤ s), capped at 1. The distribution of S is counted over all
    n! permutations, as AS 89 does for n ≤ 9 (R's prho.c).
    """
    counts = _spearman_counts(size)
    q = (size**3 - size) * (1 - r) / 6
    s = round(q)
    tail = counts[s:].sum() if q > (size**3 - size) / 6 else counts[:s + 1].sum()
    return float(min(2 * tail / math.factorial(size), 1.0))


def fisher_interval(r: float, n: int, *, method: str, confidence: float) -> tuple[float, float]:
    """tanh(atanh(r) ± z·SE): SE² = 1/(n − 3) (Pearson), (1 + r²/2)/(n − 3) (Spearman,
    Bonett–Wright) or 0.437/(n − 4) (Kendall, Fieller–Hartley–Pearson); NaN below those n."""
    if method == "kendall":
        var = 0.437 / (n - 4) if n > 4 else math.nan
    elif n > 3:
        var = (1 + r * r / 2 if method == "spearman" else 1.0) / (n - 3)
    else:
        var = math.nan
    if math.isnan(var):
        return math.nan, math.nan
    half = NormalDist().inv_cdf((1 + confidence) / 2) * math.sqrt(var)
    with np.errstate(divide="ignore"):
        z = float(np.arctanh(r))
    return math.tanh(z - half), math.tanh(z + half)
