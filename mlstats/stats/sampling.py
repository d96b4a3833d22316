"""Drawing a sample of rows: simple random, systematic, stratified and cluster sampling.

Every function returns row indices (0-based positions among the data rows, ascending, a
repeated index for a row drawn twice with replacement) or streams them in blocks, so that
the caller can copy the chosen rows as read. Randomness comes from one
`np.random.default_rng(seed)` per draw, and each function consumes it in a fixed order
whatever the size of the input's chunks: the same seed gives the same rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from mlstats.errors import InputError

METHODS = ("random", "systematic", "stratified", "cluster")
ALLOCATIONS = ("proportional", "equal")
BLOCK = 1 << 16  # population rows per block of a streamed draw
# numpy's hypergeometric sampler takes populations below 10⁹.
_HYPERGEOMETRIC_LIMIT = 10**9


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """A stratum or a cluster: its rows in the population and in the sample."""

    name: str
    population: int
    sample_size: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SampleResult:
    """What was drawn. `strata` (stratified) lists every stratum; `clusters` (cluster) the
    clusters taken, in the order they were drawn, out of `clusters_total`."""

    method: str
    population: int
    sample_size: int
    n: int | None
    frac: float | None
    replace: bool
    by: str | None = None
    allocation: str | None = None
    strata: tuple[Group, ...] = ()
    clusters: tuple[Group, ...] = ()
    clusters_total: int | None = None
    warnings: tuple[str, ...] = ()


def check_options(*, n: int | None, frac: float | None, method: str, by: str | None,
                  replace: bool, allocation: str | None) -> None:
    """Validate the options before any data is read."""
    if (n is None) == (frac is None):
        raise InputError("give exactly one of --n (rows) and --frac (a fraction of the rows)")
    if n is not None and n < 1:
        raise InputError(f"--n must be at least 1 (got {n})")
    if frac is not None and not 0 < frac <= 1:
        raise InputError(f"--frac must be in (0, 1] (got {frac:g}); for a number of rows use "
                         "--n")
    if method not in METHODS:
        raise InputError(f"--method must be one of {', '.join(METHODS)} (got '{method}')")
    if method in ("stratified", "cluster") and by is None:
        raise InputError(f"--method {method} needs --by COLUMN (the {_group_word(method)} "
                         "of each row)")
    if method in ("random", "systematic") and by is not None:
        raise InputError(f"--by is for --method stratified or cluster, not {method}")
    if replace and method in ("systematic", "cluster"):
        raise InputError(f"--replace is for --method random or stratified, not {method}")
    if allocation is not None and method != "stratified":
        raise InputError(f"--allocation is for --method stratified, not {method}")
    if allocation is not None and allocation not in ALLOCATIONS:
        raise InputError(f"--allocation must be one of {', '.join(ALLOCATIONS)} "
                         f"(got '{allocation}')")


def _group_word(method: str) -> str:
    return "stratum" if method == "stratified" else "cluster"


def target_size(population: int, *, n: int | None, frac: float | None,
                replace: bool, where: bool = False) -> int:
    """The rows to draw: --n, or round(frac · population) as pandas `DataFrame.sample`
    (Python's round, half to even); more than the population only with replacement.
    `where`: the population is the rows a --where filter kept."""
    size = n if n is not None else round(frac * population)
    if size and not population:  # only a --where (or a missing --by) leaves no rows
        why = ("--where keeps none; loosen the condition" if where else
               "every --by value is missing; pick another column")
        raise InputError(f"--n {size}: no rows to draw from ({why})")
    if size > population and not replace:
        rows = "rows --where keeps" if where else "rows of the input"
        raise InputError(f"--n {size} is more than the {population} {rows}; lower "
                         "--n, or add --replace to draw with replacement")
    return size


def frac_warning(size: int, population: int, frac: float | None) -> tuple[str, ...]:
    if frac is not None and size == 0:
        return (f"--frac {frac:g} of {population} rows rounds to 0 rows: the sample is empty",)
    return ()


# -- simple random sampling -------------------------------------------------------------------
def reservoir_events(k: int, *, seed: int | None) -> Iterator[tuple[int, int]]:
    """Algorithm L: the replacements of a k-row reservoir over a stream of unknown length.

    Rows 0..k−1 fill the reservoir; then each event (i, slot) puts row i in `slot`. Skips
    are geometric: i ← i + ⌊ln U / ln(1 − W)⌋ + 1, slot uniform, W ← W·U^(1/k), with
    W = U^(1/k) to start. The events are endless; the reader stops at the last row.
    Reference: K.-H. Li, "Reservoir-sampling algorithms of time complexity
    O(n(1 + log(N/n)))", ACM TOMS 20 (1994) 481–493.
    Checked against: uniform inclusion over many seeds, chi-square (tests/stats/test_sampling.py).
    """
    rng = np.random.default_rng(seed)

    def uniform() -> float:
        return 1.0 - float(rng.random())  # in (0, 1]: its logarithm is finite

    w = math.exp(math.log(uniform()) / k)
    i = k - 1
    while True:
        i += math.floor(math.log(uniform()) / math.log1p(-w)) + 1 if w < 1 else 1
        yield i, int(rng.integers(k))
        w *= math.exp(math.log(uniform()) / k)


def random_blocks(population: int, size: int, *, replace: bool,
                  seed: int | None) -> Iterator[np.ndarray]:
    """A simple random sample of `size` rows from a known population, block by block.

    The count in each block of BLOCK rows is drawn first — multivariate hypergeometric
    without replacement, multinomial with — then positions within each block, so memory is
    one block whatever the population.
    """
    if population == 0:
        return
    rng = np.random.default_rng(seed)
    sizes = np.full(-(-population // BLOCK), BLOCK, dtype=np.int64)
    if population % BLOCK:
        sizes[-1] = population % BLOCK
    if replace:
        counts = rng.multinomial(size, sizes / population)
    else:
        if population >= _HYPERGEOMETRIC_LIMIT:
            raise InputError(f"--frac on {population} rows (10⁹ or more) is not supported; "
                             "use --n (a one-pass reservoir)")
        counts = rng.multivariate_hypergeometric(sizes, size, method="marginals")
    for block, (rows, count) in enumerate(zip(sizes.tolist(), counts.tolist(), strict=True)):
        picks = (rng.integers(0, rows, count) if replace
                 else rng.choice(rows, count, replace=False))
        yield block * BLOCK + np.sort(picks)


# -- systematic sampling ----------------------------------------------------------------------
def systematic_blocks(population: int, size: int, *,
                      seed: int | None) -> Iterator[np.ndarray]:
    """Every k-th row, k = N/n, from a random start: rows ⌊(r + i·N)/n⌋, i = 0..n−1.

    r is uniform on 0..N−1, i.e. a start u = r/n in [0, k): exact integer arithmetic, so
    exactly n distinct rows whatever the fraction k, each row with probability n/N.
    Reference: W. G. Cochran, Sampling Techniques, 3rd ed. (1977), ch. 8 (fractional
    interval).
    """
    if size == 0:
        return
    start = int(np.random.default_rng(seed).integers(population))
    for first in range(0, size, BLOCK):
        i = np.arange(first, min(first + BLOCK, size), dtype=np.int64)
        yield (start + i * population) // size


def systematic_fraction_blocks(frac: float, *, seed: int | None) -> Iterator[np.ndarray]:
    """Every k-th row, k = 1/frac, from a start u uniform in [0, k): rows ⌊u + i·k⌋.

    For one pass over a stream of unknown length: every row has probability frac, and the
    sample holds ⌊frac·N⌋ or ⌈frac·N⌉ rows. The blocks are endless; the reader stops.
    """
    step = 1.0 / frac
    start = float(np.random.default_rng(seed).random()) * step
    for first in range(0, 1 << 62, BLOCK):
        i = np.arange(first, first + BLOCK, dtype=np.float64)
        yield np.floor(start + i * step).astype(np.int64)


# -- stratified sampling ----------------------------------------------------------------------
def allocate(sizes: np.ndarray, n: int, *, allocation: str, replace: bool,
             rng: np.random.Generator) -> np.ndarray:
    """Rows per stratum, summing to n: largest-remainder rounding of n·w_h/Σw.

    w_h is the stratum size (proportional) or 1 (equal). When n is at least the number of
    strata, a stratum whose quota is below 1 gets 1 row, and the others share the rest;
    without replacement a stratum whose quota exceeds its size gets all its rows, and the
    others share the rest; both repeat until no quota breaks a bound. Remainders that tie
    are broken at random.
    Reference: Hamilton's (largest remainder) method; Cochran (1977), ch. 5.
    """
    strata = sizes.size
    weights = np.ones(strata) if allocation == "equal" else sizes.astype(np.float64)
    capacity = np.full(strata, np.inf) if replace else sizes.astype(np.float64)
    result = np.zeros(strata, dtype=np.int64)
    fixed = np.zeros(strata, dtype=bool)
    remaining = n
    while True:  # each round fixes at least one stratum: at most `strata` rounds
        free = ~fixed
        quota = np.zeros(strata)
        if not free.any():
            break
        quota[free] = remaining * weights[free] / weights[free].sum()
        full = free & (quota > capacity)
        short = free & (quota < 1) if n >= strata else np.zeros(strata, dtype=bool)
        if not (full.any() or short.any()):
            break
        result[full] = capacity[full]
        result[short & ~full] = 1
        remaining -= int(result[full | short].sum())
        fixed |= full | short
    base = np.floor(quota[free]).astype(np.int64)
    left = remaining - int(base.sum())
    fraction = quota[free] - base
    order = np.lexsort((rng.random(fraction.size), -fraction))
    base[order[:left]] += 1
    result[free] = base
    return result


def stratified_indices(codes: np.ndarray, labels: Sequence[str], size: int, *,
                       allocation: str, replace: bool,
                       seed: int | None) -> tuple[np.ndarray, tuple[Group, ...], tuple[str, ...]]:
    """Rows of a stratified sample: `allocate` per stratum, then a simple random sample in
    each (random sort keys, the smallest taken; or uniform draws with replacement)."""
    rng = np.random.default_rng(seed)
    sizes = np.bincount(codes, minlength=len(labels))
    counts = allocate(sizes, size, allocation=allocation, replace=replace, rng=rng)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    if replace:
        order = np.argsort(codes, kind="stable")
        stratum = np.repeat(np.arange(len(labels)), counts)
        picks = starts[stratum] + np.floor(rng.random(stratum.size)
                                           * sizes[stratum]).astype(np.int64)
        chosen = order[picks]
    else:
        order = np.lexsort((rng.random(codes.size), codes))
        rank = np.arange(codes.size) - starts[codes[order]]
        chosen = order[rank < counts[codes[order]]]
    groups = tuple(Group(name=label, population=int(total), sample_size=int(taken))
                   for label, total, taken in zip(labels, sizes, counts, strict=True))
    warnings = ()
    if size < len(labels):
        empty = int(np.count_nonzero(counts == 0))
        warnings = (f"{size} rows for {len(labels)} strata: {empty} strata get no row",)
    return np.sort(chosen), groups, warnings


# -- cluster sampling -------------------------------------------------------------------------
def cluster_indices(codes: np.ndarray, labels: Sequence[str], size: int, *,
                    seed: int | None) -> tuple[np.ndarray, tuple[Group, ...]]:
    """Whole clusters in a random order until they hold at least `size` rows.

    One-stage cluster sampling with clusters drawn by simple random sampling; the last
    cluster taken may carry the sample past `size`.
    Reference: Cochran (1977), ch. 9.
    """
    rng = np.random.default_rng(seed)
    sizes = np.bincount(codes, minlength=len(labels))
    order = rng.permutation(len(labels))
    reached = np.cumsum(sizes[order])
    taken = order[:int(np.searchsorted(reached, size)) + 1] if size > 0 else order[:0]
    chosen = np.flatnonzero(np.isin(codes, taken))
    groups = tuple(Group(name=labels[c], population=int(sizes[c]), sample_size=int(sizes[c]))
                   for c in taken.tolist())
    return chosen, groups
