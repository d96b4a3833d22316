"""k-means clustering: k-means++ starts, Lloyd's algorithm with Hamerly bounds, the elbow.

Lloyd's algorithm alternates an assignment step (each point to its nearest centre) and an
update step (each centre to the mean of its points), as scikit-learn's `KMeans(algorithm=
"lloyd")`: the same greedy k-means++ start (2 + ⌊ln k⌋ candidates per centre), the same stop
(labels unchanged, or a total squared centre shift ≤ tol × the mean per-column variance, then
one last assignment step), empty clusters re-seeded with the point farthest from its centre.

How it stays fast and small (measured on 100,000 × 8 points, the ten starts of k = 2…10):
- Squared distances through ‖x‖² − 2x·c + ‖c‖², one matrix product per block of rows
  (`BLOCK` elements), so no n × k × d array is ever made; the nearest centre is found by one
  integer minimum down the block (`_Nearest`), not an argmin along a short axis (3× slower).
- Hamerly's bounds (2010), one number per point (see `_lloyd`): an iteration assigns afresh
  only the points whose cluster may have changed (about 14 % of them, 0.7 % changing), and
  moves the centre sums of those that changed. Plain Lloyd took 2.3× as long; running the
  ten starts of a k as one batched computation, 2.3× (the work is memory-bound, so batching
  saves nothing); keeping the points near their bound apart, to skip a pass over the rest,
  made no measurable difference and was dropped.
- The starts of one k run on the available cores (threads; NumPy releases the GIL), as many
  at once as `WORK_BYTES` of per-point state allows; each start has its own generator
  (`SeedSequence(seed, spawn_key=(k, start))`), so results do not depend on the threads.
- In a sweep, a k whose best start ends above the inertia of k − 1 gets one more start, from
  the best centres of k − 1 plus a k-means++ draw: Lloyd's algorithm never increases inertia
  from its start, so the elbow curve never rises with k.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from mlstats.errors import InputError
from mlstats.stats.summaries import _scales_for, scale_for

SCALES = ("none", "zscore", "minmax")
DEFAULT_RANGE = (1, 10)
SILHOUETTE_ROWS = 10_000
BLOCK = 1 << 15  # distance-matrix elements per block (256 KB, stays in cache)
CHUNK_ROWS = 1 << 16  # candidate rows gathered at a time (4 MB for 8 columns)
THREAD_ROWS = 20_000  # fewer rows: restarts run one after another (threads only add overhead)
WORK_BYTES = 64 << 20  # memory for the per-point state of the restarts running at once
_STATE_BYTES = 40  # per point and start in Lloyd's iterations: labels, gap, scratch


@dataclass(frozen=True, slots=True, kw_only=True)
class ElbowPoint:
    """One k of the sweep; `name` is k, for `elbow.3.inertia`."""

    name: str
    k: int
    inertia: float
    explained_variance: float
    silhouette: float


@dataclass(frozen=True, slots=True, kw_only=True)
class KMeansResult:
    """One k: the clusters; `centroids` in the input's units, named "0", "1", …"""

    k: int | None
    inertia: float
    explained_variance: float
    silhouette: float
    silhouette_sample: int | None
    iterations: int | None
    sizes: tuple[int, ...]
    columns: tuple[str, ...]
    scale: str
    n_init: int
    max_iter: int
    tol: float
    centroids: tuple[Mapping[str, object], ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ElbowResult(KMeansResult):
    """A sweep over k: the elbow curve, the k Kneedle picks, and that k's clusters."""

    elbow: tuple[ElbowPoint, ...]
    elbow_k: int | None
    k_range: str


@dataclass(frozen=True, slots=True)
class KMeansRun:
    """The result, and for the command: each used row's cluster (for the reported k), the
    data as clustered (centred and scaled: input = data × factor + offset) with its
    centroids, and the rows of the silhouette sample (None: all)."""

    result: KMeansResult
    labels: np.ndarray | None
    data: np.ndarray
    centres: np.ndarray | None
    sample: np.ndarray | None
    offset: np.ndarray
    factor: np.ndarray


# -- options ------------------------------------------------------------------------------------
def parse_k_range(text: str) -> tuple[int, int]:
    """`FROM:TO`, whole numbers with 1 ≤ FROM ≤ TO."""
    found = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", text)
    if not found or not 1 <= int(found.group(1)) <= int(found.group(2)):
        raise InputError(f"--k-range '{text}' is not a range FROM:TO of whole numbers with "
                         "1 ≤ FROM ≤ TO; e.g. --k-range 1:10")
    return int(found.group(1)), int(found.group(2))


def check_options(*, k: int | None = None, k_range: str | None = None, n_init: int = 10,
                  max_iter: int = 300, tol: float = 1e-4, scale: str = "none",
                  seed: int | None = None) -> tuple[int, int] | None:
    """Validate the options before any data is read; the parsed range (None for one k)."""
    if k is not None and k_range is not None:
        raise InputError("give --k (one fit) or --k-range (a sweep), not both")
    if k is not None and k < 1:
        raise InputError(f"--k must be 1 or more (got {k})")
    if n_init < 1:
        raise InputError(f"--n-init must be 1 or more (got {n_init})")
    if max_iter < 1:
        raise InputError(f"--max-iter must be 1 or more (got {max_iter})")
    if not tol >= 0 or math.isinf(tol):
        raise InputError(f"--tol must be a number, 0 or more (got {tol:g})")
    if scale not in SCALES:
        raise InputError(f"--scale must be one of {', '.join(SCALES)} (got '{scale}')")
    if seed is not None and seed < 0:  # SeedSequence takes no negative entropy
        raise InputError(f"--seed must be a whole number, 0 or more (got {seed})")
    if k is not None:
        return None
    return DEFAULT_RANGE if k_range is None else parse_k_range(k_range)


# -- the public entry point -----------------------------------------------------------------------
def kmeans(data: np.ndarray, *, names: Sequence[str], k: int | None = None,
           k_range: str | None = None, n_init: int = 10, max_iter: int = 300,
           tol: float = 1e-4, scale: str = "none", seed: int | None = None,
           progress: Callable[[int], None] | None = None,
           overwrite_data: bool = False) -> KMeansRun:
    """k-means for one k, or an elbow sweep over `k_range` (default 1:10) picked by Kneedle.

    Inertia W = Σᵢ ‖xᵢ − c₍ᵢ₎‖² (within-cluster sum of squares) in the space k-means ran in
    (after --scale); explained_variance = 1 − W / Σᵢ ‖xᵢ − x̄‖²; silhouette = mean over
    points of (b − a) / max(a, b), a = mean distance to the rest of its cluster, b = mean
    distance to the nearest other cluster (0 for a point alone in its cluster), on a seeded
    sample of `SILHOUETTE_ROWS` rows when there are more. zscore divides each column by its
    standard deviation (ddof = 1, as R's `scale`), minmax by its range.
    `data` is rows × columns, float64 without NaN; with `overwrite_data` it is centred and
    scaled in place (no copy).
    Reference: S. Lloyd (1982); D. Arthur & S. Vassilvitskii, k-means++ (2007); G. Hamerly,
    Making k-means even faster (2010); P. J. Rousseeuw (1987) for the silhouette;
    V. Satopää et al., Kneedle (2011).
    Checked against: scikit-learn KMeans, silhouette_score; R kmeans; kneed KneeLocator
    (tests/stats/test_kmeans.py).
    """
    sweep = check_options(k=k, k_range=k_range, n_init=n_init, max_iter=max_iter, tol=tol,
                          scale=scale, seed=seed)
    z = np.array(data, dtype=np.float64, order="F", copy=None if overwrite_data else True)
    if z.ndim != 2 or z.shape[1] != len(names):
        raise ValueError("data must be rows × len(names)")
    n = z.shape[0]
    if n == 0:
        raise InputError("no rows to cluster: every row misses a value in the columns used")
    warnings: list[str] = []
    # Beyond 2^±200 the data are divided by a power of two first (exact), so that no sum or
    # squared distance overflows or underflows; `unit` brings the results back.
    # With --scale each column is scaled on its own, so each gets its own power of two (one
    # for all would flush a column of tiny values beside one of huge values to 0).
    peaks = np.maximum(z.max(axis=0), -z.min(axis=0))
    unit = scale_for(float(peaks.max())) if scale == "none" else _scales_for(peaks)
    if np.any(unit != 1.0):
        z /= unit
    offset, factor = _scale(z, names, scale, warnings)  # in units of `unit`
    inertia_unit = unit if scale == "none" else 1.0
    ks = (k,) if sweep is None else tuple(range(sweep[0], sweep[1] + 1))
    _check_distinct(z, ks[-1], k_range=None if sweep is None else f"{sweep[0]}:{sweep[1]}")
    entropy = seed if seed is not None else np.random.SeedSequence().entropy
    from threadpoolctl import threadpool_limits

    # our threads run whole starts; BLAS threads inside them (or beside the NumPy work of
    # the silhouette) only contend: 3× slower measured on 2 CPUs
    with threadpool_limits(limits=1, user_api="blas"):
        x_sq = np.einsum("ij,ij->i", z, z)
        # k = 1 is the mean; its inertia is the total sum of squares Σ ‖x − x̄‖²
        one = _final(z, x_sq, _Start(centres=z.mean(axis=0)[None, :], iterations=1,
                                     converged=True, inertia=math.nan))
        total = one.inertia
        # scikit-learn's tolerance: tol × the mean of the per-column variances (ddof = 0)
        tol_abs = tol * total / (n * z.shape[1])
        fits = _sweep(z, x_sq, ks, one, n_init=n_init, max_iter=max_iter, tol=tol_abs,
                      entropy=entropy, sweep=sweep is not None,
                      progress=progress or (lambda _: None))
        sample = _sample(n, entropy)
        rows = z if sample is None else z[sample]
        silhouettes = _silhouettes(rows, [f.labels if sample is None else f.labels[sample]
                                          for f in fits])
    with np.errstate(over="ignore"):
        inertias = [f.inertia * inertia_unit * inertia_unit for f in fits]
    if any(math.isinf(i) for i in inertias):
        warnings.append("inertia beyond the float64 range in the input's units: null "
                        "(explained_variance and silhouette are unaffected)")
        inertias = [math.nan if math.isinf(i) else i for i in inertias]
    elbow = tuple(ElbowPoint(name=str(f.k), k=f.k, inertia=i,
                             explained_variance=_explained(f.inertia, total),
                             silhouette=s)
                  for f, i, s in zip(fits, inertias, silhouettes, strict=True))
    if total == 0:
        warnings.append("every row is the same point: explained_variance is undefined (null)")
    if any(f.k == 1 for f in fits):
        warnings.append("silhouette is undefined for k = 1 (null)")
    if any(f.k > 1 and math.isnan(s) for f, s in zip(fits, silhouettes, strict=True)):
        warnings.append("silhouette is undefined when the rows it is computed on fall in "
                        "fewer than 2 clusters, or every one is alone in its cluster (null)")
    chosen: _Fit | None = fits[0]
    if sweep is not None:
        knee = kneedle([f.k for f in fits], [f.inertia for f in fits])
        chosen = next((f for f in fits if f.k == knee), None)
        if chosen is None:
            warnings.append(_no_knee(ks))
    if chosen is not None and not chosen.converged:
        warnings.append(f"k = {chosen.k}: the best start stopped at --max-iter {max_iter} "
                        "before converging; raise --max-iter")
    common = dict(silhouette_sample=None if sample is None else sample.size,
                  columns=tuple(names), scale=scale, n_init=n_init, max_iter=max_iter,
                  tol=tol)
    if chosen is None:
        body = dict(k=None, inertia=math.nan, explained_variance=math.nan,
                    silhouette=math.nan, iterations=None, sizes=(), centroids=())
    else:
        point = elbow[fits.index(chosen)]
        body = dict(k=chosen.k, inertia=point.inertia,
                    explained_variance=point.explained_variance, silhouette=point.silhouette,
                    iterations=chosen.iterations, sizes=tuple(chosen.sizes.tolist()),
                    # back to the input's units last: factor × unit alone may overflow
                    centroids=_centroids((chosen.centres * factor + offset) * unit, names))
    if sweep is None:
        result: KMeansResult = KMeansResult(**body, **common, warnings=tuple(warnings))
    else:
        result = ElbowResult(**body, **common, warnings=tuple(warnings), elbow=elbow,
                             elbow_k=None if chosen is None else chosen.k,
                             k_range=f"{sweep[0]}:{sweep[1]}")
    with np.errstate(over="ignore"):  # a range beyond float64 (only a plot reads these)
        offset, factor = offset * unit, factor * unit
    return KMeansRun(result=result, labels=None if chosen is None else chosen.labels,
                     data=z, centres=None if chosen is None else chosen.centres,
                     sample=sample, offset=offset, factor=factor)


def _no_knee(ks: Sequence[int]) -> str:
    if len(ks) < 3:
        return (f"the elbow needs at least 3 values of k (--k-range {ks[0]}:{ks[-1]} has "
                f"{len(ks)}); elbow_k is null")
    return (f"the inertia curve over k = {ks[0]}..{ks[-1]} has no knee (Kneedle); elbow_k is "
            "null: choose k from the elbow table, or widen --k-range")


def _explained(inertia: float, total: float) -> float:
    return 1.0 - inertia / total if total > 0 else math.nan


def _centroids(centres: np.ndarray, names: Sequence[str]) -> tuple[Mapping[str, object], ...]:
    return tuple(MappingProxyType({"name": str(i), **dict(zip(names, map(float, row),
                                                              strict=True))})
                 for i, row in enumerate(centres))


def _scale(z: np.ndarray, names: Sequence[str], scale: str,
           warnings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Centre (always: distances are then accurate) and scale `z` in place.

    Returns (offset, factor) with input = z × factor + offset, per column.
    """
    offset = z.mean(axis=0)
    spread = z.max(axis=0) - z.min(axis=0) if scale == "minmax" else None
    z -= offset
    if scale == "zscore":
        n = z.shape[0]
        spread = (np.sqrt(np.einsum("ij,ij->j", z, z) / (n - 1)) if n > 1
                  else np.zeros(z.shape[1]))
    if spread is None:
        return offset, np.ones(z.shape[1])
    flat = [name for name, s in zip(names, spread, strict=True) if not s > 0]
    if flat and scale == "zscore":
        one = len(flat) == 1
        raise InputError(
            f"column {_quoted(flat)} {'is' if one else 'are'} constant (standard deviation "
            f"0), so --scale zscore cannot scale {'it' if one else 'them'}; leave "
            f"{'it' if one else 'them'} out of --columns, or use --scale minmax or none")
    if flat:  # as scikit-learn's MinMaxScaler: a constant column stays at 0
        warnings.append(f"column {_quoted(flat)} is constant: --scale minmax leaves it at 0")
    factor = np.where(spread > 0, spread, 1.0)
    z /= factor
    return offset, factor


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _check_distinct(z: np.ndarray, k_max: int, *, k_range: str | None) -> None:
    """k may not exceed the number of distinct points (counted up to k_max)."""
    distinct = _distinct_rows(z, k_max)
    if distinct >= k_max:
        return
    what = "point" if distinct == 1 else "points"
    if k_range is None:
        raise InputError(f"--k {k_max} is more than the {distinct} distinct {what} in the "
                         f"data; give --k {distinct} or less")
    low = int(k_range.split(":")[0])
    mend = (f"give --k-range {low}:{distinct}" if low <= distinct
            else f"give --k-range 1:{distinct}")
    raise InputError(f"--k-range {k_range} goes beyond the {distinct} distinct {what} in "
                     f"the data; {mend}")


def _distinct_rows(z: np.ndarray, limit: int) -> int:
    """min(limit, number of distinct rows of z).

    Rows are hashed by a fixed random projection: equal rows hash alike, so `limit` distinct
    hashes prove `limit` distinct rows; fewer (rare: data with few distinct points, or a
    collision) are counted exactly.
    """
    weights = np.random.default_rng(0).standard_normal(z.shape[1])
    head = z[: max(64 * limit, 4096)]
    if np.unique(head @ weights).size >= limit:
        return limit
    if np.unique(z @ weights).size >= limit:
        return limit
    return min(limit, np.unique(z, axis=0).shape[0])


# -- the sweep ----------------------------------------------------------------------------------
@dataclass
class _Fit:
    """The best start of one k, with its final assignment."""

    k: int
    centres: np.ndarray
    iterations: int
    converged: bool
    labels: np.ndarray
    inertia: float
    sizes: np.ndarray


@dataclass(frozen=True)
class _Start:
    """One finished start: centres, iterations, whether it converged, inertia (from sums)."""

    centres: np.ndarray
    iterations: int
    converged: bool
    inertia: float


class _Cancelled(Exception):
    pass


def planned_starts(k: int | None, k_range: tuple[int, int] | None, n_init: int) -> int:
    """How many starts a run makes (for the progress bar): k = 1 needs one (the mean)."""
    ks = [k] if k_range is None else list(range(k_range[0], k_range[1] + 1))
    return sum(1 if kk == 1 else n_init for kk in ks)


def _sweep(z: np.ndarray, x_sq: np.ndarray, ks: Sequence[int], one: _Fit, *, n_init: int,
           max_iter: int, tol: float, entropy: int, sweep: bool,
           progress: Callable[[int], None]) -> list[_Fit]:
    """The best of the starts for each k (k = 1: `one`, the mean).

    In a sweep, when the best start of k ends above the inertia of k − 1, one more start
    from the best centres of k − 1 plus a k-means++ draw (Lloyd's algorithm never increases
    inertia from its start) keeps the elbow curve from rising with k.
    """
    fits: list[_Fit] = []
    threads = _threads(z.shape[0], n_init, max(ks))
    for k in ks:
        if k == 1:
            fits.append(one)
            progress(1)
            continue
        previous = fits[-1] if sweep and fits else None

        def start(r: int, stop: threading.Event, k: int = k,
                  previous: _Fit | None = previous) -> _Start:
            rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(k, r)))
            given = previous.centres if r == n_init else None
            return _lloyd(z, x_sq, _plus_plus(z, x_sq, k, rng, given=given),
                          max_iter=max_iter, tol=tol, stop=stop)

        starts = _run(start, n_init, threads, progress)
        if previous is not None and min(s.inertia for s in starts) > previous.inertia:
            starts.append(start(n_init, threading.Event()))
        fits.append(_final(z, x_sq, _best(starts)))
    return fits


def _best(starts: Sequence[_Start]) -> _Start:
    """The start with the lowest inertia; the first of those within rounding of it (as
    scikit-learn keeps the first of starts that find the same clustering)."""
    lowest = min(s.inertia for s in starts)
    return next(s for s in starts if s.inertia <= lowest + 1e-9 * abs(lowest))


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _threads(n: int, n_init: int, k: int) -> int:
    """Starts run at once: one below THREAD_ROWS rows, else one per CPU within WORK_BYTES
    (per point and start: Lloyd's state, or k-means++'s distances to its candidates)."""
    if n < THREAD_ROWS:
        return 1
    state = max(_STATE_BYTES, 8 * (_trials(k) + 1))
    return max(1, min(_cpus(), n_init, WORK_BYTES // (state * n)))


def _trials(k: int) -> int:
    """Candidates per new k-means++ centre (scikit-learn's n_local_trials)."""
    return 2 + int(math.log(k))


def _run(start: Callable[[int, threading.Event], _Start], count: int, threads: int,
         progress: Callable[[int], None]) -> list[_Start]:
    """Run starts 0 … count − 1, on `threads` threads; each finished start advances progress."""
    stop = threading.Event()
    if threads == 1:
        done = []
        for r in range(count):
            done.append(start(r, stop))
            progress(1)
        return done
    from concurrent.futures import ThreadPoolExecutor, as_completed

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="mlstats-kmeans") as pool:
        futures = [pool.submit(start, r, stop) for r in range(count)]
        try:
            for future in as_completed(futures):
                future.result()
                progress(1)
        except BaseException:  # Ctrl-C, SIGTERM or an error: stop the other starts now
            stop.set()
            raise
    return [f.result() for f in futures]


def _final(z: np.ndarray, x_sq: np.ndarray, start: _Start) -> _Fit:
    """Assign every point to its nearest centre (the reported labels, sizes and inertia);
    clusters are numbered in order of their first row."""
    n = z.shape[0]
    k = start.centres.shape[0]
    labels = np.empty(n, dtype=np.min_scalar_type(k - 1))
    nearest = _Nearest(start.centres)
    parts = []
    for s, e in _blocks(n, k):
        lab, _, _ = nearest(z[s:e], x_sq[s:e])
        labels[s:e] = lab
        diff = z[s:e] - np.take(start.centres, lab, axis=0)
        parts.append(np.einsum("ij,ij->", diff, diff))
    order = _first_seen(labels, k)
    rank = np.empty(k, dtype=labels.dtype)
    rank[order] = np.arange(k)
    labels = rank[labels]
    return _Fit(k=k, centres=start.centres[order], iterations=start.iterations,
                converged=start.converged, labels=labels, inertia=math.fsum(parts),
                sizes=np.bincount(labels, minlength=k))


def _first_seen(labels: np.ndarray, k: int) -> np.ndarray:
    """The labels 0 … k − 1 in order of first appearance (any never seen, last)."""
    first = np.full(k, labels.size)
    missing = np.arange(k)
    for s in range(0, labels.size, 1 << 12):
        part = labels[s:s + (1 << 12)]
        seen, at = np.unique(part, return_index=True)
        fresh = np.isin(seen, missing)
        first[seen[fresh]] = s + at[fresh]
        missing = np.flatnonzero(first == labels.size)
        if missing.size == 0:
            break
    return np.argsort(first, kind="stable")


def _blocks(n: int, width: int) -> list[tuple[int, int]]:
    step = max(1, BLOCK // max(width, 1))
    return [(s, min(s + step, n)) for s in range(0, n, step)]


class _Nearest:
    """The nearest and second-nearest of k centres, for a block of rows.

    Squared distances ‖c‖² − 2c·x + ‖x‖² come as a k × rows matrix from one product. NumPy
    finds the minimum down its columns fast, but an argmin along a short axis costs tens of
    nanoseconds per row; so each distance (clipped at 0, so that its bits order as integers)
    has its lowest ⌈log₂ k⌉ mantissa bits replaced by its centre's index, and one integer
    minimum gives both (ties, and distances within those bits, go to the lower index, as
    argmin's; the distance is then low by less than k units in the last place).
    """

    def __init__(self, centres: np.ndarray) -> None:
        k = centres.shape[0]
        self.k = k
        self.twice = -2.0 * centres
        self.c_sq = np.einsum("ij,ij->i", centres, centres)[:, None]
        self.low = np.int64((1 << max(1, (k - 1).bit_length())) - 1)
        self.index = np.arange(k, dtype=np.int64)[:, None]

    def __call__(self, rows: np.ndarray, x_sq: np.ndarray,
                 second: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(labels, squared distance to the nearest, to the second nearest or None)."""
        g = self.twice @ rows.T
        g += self.c_sq
        g += x_sq
        np.maximum(g, 0.0, out=g)
        bits = g.view(np.int64)
        bits &= ~self.low
        bits |= self.index
        best = bits.min(axis=0)
        labels = (best & self.low).astype(np.intp)
        near = (best & ~self.low).view(np.float64)
        if not second:
            return labels, near, None
        if self.k == 1:
            return labels, near, np.full(rows.shape[0], np.inf)
        # the nearest out of the way, through flat indices (a 2-d fancy index is ~10× slower)
        flat = labels * rows.shape[0]
        flat += np.arange(rows.shape[0])
        bits.reshape(-1)[flat] = np.iinfo(np.int64).max
        return labels, near, (bits.min(axis=0) & ~self.low).view(np.float64)


# -- k-means++ -------------------------------------------------------------------------------------
def _plus_plus(z: np.ndarray, x_sq: np.ndarray, k: int, rng: np.random.Generator, *,
               given: np.ndarray | None = None) -> np.ndarray:
    """Greedy k-means++ (scikit-learn's `_kmeans_plusplus`): each new centre is the best, by
    total squared distance, of 2 + ⌊ln k⌋ points drawn with probability ∝ D(x)², the squared
    distance to the nearest centre so far. `given` centres (the warm start) come first."""
    n, d = z.shape
    trials = _trials(k)
    centres = np.empty((k, d))
    if given is None:
        first = int(rng.integers(n))
        centres[0] = z[first]
        closest = _to_point(z, x_sq, first)
        have = 1
    else:
        have = given.shape[0]
        centres[:have] = given
        closest = np.empty(n)
        nearest = _Nearest(given)
        for s, e in _blocks(n, have):
            closest[s:e] = nearest(z[s:e], x_sq[s:e])[1]
    near = np.empty((trials, n))  # each candidate's min(D², distance²), block by block
    for c in range(have, k):
        ids = _draw(closest, rng.uniform(size=trials))
        twice = -2.0 * z[ids]
        cand_sq = x_sq[ids][:, None]
        for s, e in _blocks(n, trials):
            g = near[:, s:e]
            np.matmul(twice, z[s:e].T, out=g)
            g += cand_sq
            g += x_sq[s:e]
            np.minimum(g, closest[s:e], out=g)
        best = int(np.argmin(near.sum(axis=1)))
        centres[c] = z[ids[best]]
        np.maximum(near[best], 0.0, out=closest)
    return centres


def _draw(weights: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Indices drawn with probability ∝ weights: the first i with Σ_{j ≤ i} w_j ≥ u·Σ w
    (scikit-learn's searchsorted on the cumulative sum), found through sums of blocks of
    2¹² weights, so that only one block per draw is summed cumulatively."""
    size = 1 << 12
    blocks = np.add.reduceat(weights, np.arange(0, weights.size, size))
    ends = np.cumsum(blocks)
    targets = uniforms * ends[-1]
    found = np.minimum(np.searchsorted(ends, targets), blocks.size - 1)
    ids = np.empty(uniforms.size, dtype=np.intp)
    for i, (block, target) in enumerate(zip(found.tolist(), targets.tolist(), strict=True)):
        before = ends[block - 1] if block else 0.0
        inside = np.cumsum(weights[block * size:(block + 1) * size])
        at = int(np.searchsorted(inside, target - before))
        ids[i] = min(block * size + at, weights.size - 1)
    return ids


def _to_point(z: np.ndarray, x_sq: np.ndarray, i: int) -> np.ndarray:
    """Squared distance of every row to row i (clipped at 0)."""
    dist = z @ (-2.0 * z[i])
    dist += x_sq
    dist += x_sq[i]
    return np.maximum(dist, 0.0, out=dist)


# -- Lloyd's algorithm with Hamerly's bounds ------------------------------------------------------
def _assign(z: np.ndarray, x_sq: np.ndarray, centres: np.ndarray, labels: np.ndarray,
            gap: np.ndarray) -> None:
    """Assign the rows of `z` to their nearest centre (into `labels`), and set their `gap`:
    the distance to the second nearest less the distance to the nearest."""
    nearest = _Nearest(centres)
    for s, e in _blocks(z.shape[0], centres.shape[0]):
        lab, near, second = nearest(z[s:e], x_sq[s:e], second=True)
        labels[s:e] = lab
        np.sqrt(second, out=second)
        second -= np.sqrt(near)
        gap[s:e] = second


def _lloyd(z: np.ndarray, x_sq: np.ndarray, centres: np.ndarray, *, max_iter: int,
           tol: float, stop: threading.Event) -> _Start:
    """Lloyd iterations from `centres`, as scikit-learn's `_kmeans_single_lloyd`.

    Each iteration updates the centres (means), then assigns the points; it stops when no
    point changed cluster, or after an update that moved the centres by ≤ tol in total
    (squared) or the `max_iter`-th (their assignment is the last step). Iterations are
    counted as scikit-learn counts them.
    Hamerly's bounds, in one number per point: gap = l − u, l the distance to the second
    nearest centre and u to the nearest, when last computed. When centre j moves by δ_j, u
    grows by at most δ_a (its own centre) and l shrinks by at most max_{j≠a} δ_j (triangle
    inequality), so gap −= δ_a + max_{j≠a} δ_j keeps it a lower bound, and only points with
    gap < 0 can change cluster: only they are assigned afresh.
    """
    n = z.shape[0]
    k = centres.shape[0]
    labels, gap = np.empty(n, dtype=np.intp), np.empty(n)
    _assign(z, x_sq, centres, labels, gap)
    drop, closing = np.empty(n), np.empty(n, dtype=bool)  # reused: no allocation per iteration
    sums, counts = _sums(z, labels, k)
    it = 0
    while True:
        if stop.is_set():
            raise _Cancelled
        it += 1
        updated, relocated = _update(z, centres, labels, sums, counts)
        shift = np.sqrt(np.einsum("ij,ij->i", updated - centres, updated - centres))
        centres = updated
        small = float(shift @ shift) <= tol
        if relocated:  # the bounds no longer hold: assign every point afresh
            before = labels.copy()
            _assign(z, x_sq, centres, labels, gap)
            moved = int(np.count_nonzero(labels != before))
            sums, counts = _sums(z, labels, k)
        else:
            np.take(shift + _largest_other(shift), labels, out=drop)
            gap -= drop
            np.less(gap, 0.0, out=closing)
            moved = _reassign(z, x_sq, centres, np.flatnonzero(closing), labels, gap, sums,
                              counts)
        if small or it == max_iter:
            converged = small or moved == 0
            break
        if moved == 0:  # scikit-learn counts the update that would change nothing
            it, converged = it + 1, True
            break
    inertia = float(x_sq.sum() - 2.0 * np.einsum("ij,ij->", centres, sums)
                    + counts @ np.einsum("ij,ij->i", centres, centres))
    return _Start(centres=centres, iterations=it, converged=converged, inertia=inertia)


def _largest_other(shift: np.ndarray) -> np.ndarray:
    """For each centre, the largest shift of the other centres (Hamerly's bound for the
    second-nearest: the centre that moved most bounds the others, the runner-up bounds it)."""
    if shift.size == 1:
        return np.zeros(1)
    top = int(np.argmax(shift))
    others = np.full(shift.size, shift[top])
    others[top] = np.max(np.delete(shift, top))
    return others


def _reassign(z: np.ndarray, x_sq: np.ndarray, centres: np.ndarray, cand: np.ndarray,
              labels: np.ndarray, gap: np.ndarray, sums: np.ndarray,
              counts: np.ndarray) -> int:
    """Assign the candidate rows afresh (in chunks of CHUNK_ROWS: bounded memory); move the
    sums of those that changed cluster."""
    k = centres.shape[0]
    moved = 0
    for s in range(0, cand.size, CHUNK_ROWS):
        part = cand[s:s + CHUNK_ROWS]
        # z is column-major: gather along the rows of z.T (1.6× faster than z[part])
        rows = np.take(z.T, part, axis=1).T
        new = np.empty(part.size, dtype=np.intp)
        fresh = np.empty(part.size)
        _assign(rows, x_sq[part], centres, new, fresh)
        gap[part] = fresh
        old = labels[part]
        changed = np.flatnonzero(new != old)
        if changed.size == 0:
            continue
        to, fro, gone = new[changed], old[changed], np.take(rows.T, changed, axis=1).T
        labels[part[changed]] = to
        for j in range(z.shape[1]):
            sums[:, j] += (np.bincount(to, weights=gone[:, j], minlength=k)
                           - np.bincount(fro, weights=gone[:, j], minlength=k))
        counts += np.bincount(to, minlength=k) - np.bincount(fro, minlength=k)
        moved += changed.size
    return moved


def _sums(z: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each cluster's sum of rows and count: indicator matrix × rows, block by block (a
    weighted bincount per column is 3× slower: with few clusters its additions wait on
    one another)."""
    sums = np.zeros((k, z.shape[1]))
    counts = np.zeros(k)
    clusters = np.arange(k)
    for s, e in _blocks(z.shape[0], k):
        member = np.equal.outer(clusters, labels[s:e]).astype(np.float64)
        sums += member @ z[s:e]
        counts += member.sum(axis=1)
    return sums, counts


def _update(z: np.ndarray, centres: np.ndarray, labels: np.ndarray, sums: np.ndarray,
            counts: np.ndarray) -> tuple[np.ndarray, bool]:
    """New centres = cluster means; an empty cluster takes the point farthest from its
    centre (scikit-learn's `_relocate_empty_clusters_dense`)."""
    empty = np.flatnonzero(counts == 0)
    if empty.size == 0:
        return sums / counts[:, None], False
    sums, counts = sums.copy(), counts.copy()
    far = np.empty(z.shape[0])
    for s, e in _blocks(z.shape[0], z.shape[1]):
        diff = z[s:e] - np.take(centres, labels[s:e], axis=0)
        far[s:e] = np.einsum("ij,ij->i", diff, diff)
    top = np.argpartition(far, far.size - empty.size)[far.size - empty.size:]
    farthest = top[np.lexsort((top, -far[top]))]
    updated = np.empty_like(centres)
    for cluster, row in zip(empty, farthest, strict=False):
        sums[labels[row]] -= z[row]
        counts[labels[row]] -= 1
        sums[cluster] = z[row]
        counts[cluster] = 1
    filled = counts > 0
    updated[filled] = sums[filled] / counts[filled, None]
    updated[~filled] = centres[~filled]
    return updated, True


# -- silhouette ----------------------------------------------------------------------------------
def _sample(n: int, entropy: int) -> np.ndarray | None:
    """The rows the silhouette is computed on: all, or a seeded sample of SILHOUETTE_ROWS."""
    if n <= SILHOUETTE_ROWS:
        return None
    rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(0,)))
    return np.sort(rng.choice(n, SILHOUETTE_ROWS, replace=False))


def _silhouettes(z: np.ndarray, label_sets: Sequence[np.ndarray]) -> list[float]:
    """Mean silhouette of `z` under each labelling (NaN where undefined), one distance pass.

    sᵢ = (bᵢ − aᵢ) / max(aᵢ, bᵢ), aᵢ = Σ_{j in own cluster} dᵢⱼ / (n_own − 1), bᵢ = min over
    other clusters of their mean distance; sᵢ = 0 alone in its cluster (as scikit-learn).
    The distance sums per cluster of every labelling come from one product with the stacked
    indicator matrices, block by block of rows, over the upper triangle of the distances.
    """
    m = z.shape[0]
    label_sets = [np.asarray(lab, dtype=np.intp) for lab in label_sets]
    defined = [np.unique(lab).size for lab in label_sets]
    wanted = [i for i, (lab, c) in enumerate(zip(label_sets, defined, strict=True))
              if 2 <= c <= m - 1]
    scores = [math.nan] * len(label_sets)
    if not wanted:
        return scores
    widths = [int(label_sets[i].max()) + 1 for i in wanted]
    offsets = np.concatenate(([0], np.cumsum(widths)))
    member = np.zeros((m, offsets[-1]))
    rows = np.arange(m)
    for i, off in zip(wanted, offsets, strict=False):
        member[rows, off + label_sets[i]] = 1.0
    totals = np.zeros((m, offsets[-1]))
    # [x, ‖x‖², 1] · [−2y, 1, ‖y‖²] = ‖x − y‖²: the whole squared distance from one product
    x_sq = np.einsum("ij,ij->i", z, z)[:, None]
    left = np.hstack([z, x_sq, np.ones((m, 1))])
    right = np.hstack([-2.0 * z, np.ones((m, 1)), x_sq]).T.copy()
    step = max(1, (1 << 19) // m)  # rows per block: at most 4 MB of distances

    def block(s: int) -> tuple[int, int, np.ndarray, np.ndarray]:
        """Rows s…e against rows s…m only (d is symmetric): the sums per cluster for rows
        s…e, and for rows e…m over the columns s…e."""
        e = min(s + step, m)
        dist = left[s:e] @ right[:, s:]
        np.maximum(dist, 0.0, out=dist)
        dist[np.arange(e - s), np.arange(e - s)] = 0.0  # a point's distance to itself
        np.sqrt(dist, out=dist)
        return s, e, dist @ member[s:], dist[:, e - s:].T @ member[s:e]

    starts = list(range(0, m, step))
    threads = min(_cpus(), len(starts)) if m * len(wanted) >= THREAD_ROWS else 1
    pool = None
    if threads > 1:
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(max_workers=threads)
    try:
        for first in range(0, len(starts), threads):  # at most `threads` blocks in memory
            batch = starts[first:first + threads]
            for s, e, own, rest in (pool.map(block, batch) if pool else map(block, batch)):
                totals[s:e] += own
                totals[e:] += rest
    finally:
        if pool is not None:
            pool.shutdown()
    for i, off, width in zip(wanted, offsets, widths, strict=False):
        labels = label_sets[i]
        sums = totals[:, off:off + width]
        sizes = np.bincount(labels, minlength=width).astype(np.float64)
        own = labels[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = sums / sizes
            mean[:, sizes == 0] = np.inf  # a cluster with no row here is no neighbour
            a = np.take_along_axis(sums, own, 1)[:, 0] / (sizes[labels] - 1)
            np.put_along_axis(mean, own, np.inf, 1)
            b = np.take_along_axis(mean, mean.argmin(axis=1)[:, None], 1)[:, 0]
            s_i = (b - a) / np.maximum(a, b)
        s_i[sizes[labels] == 1] = 0.0
        scores[i] = float(np.mean(np.nan_to_num(s_i)))
    return scores


# -- Kneedle -------------------------------------------------------------------------------------
def kneedle(x: Sequence[float], y: Sequence[float], *, sensitivity: float = 1.0) -> float | None:
    """The elbow of a convex, decreasing curve, or None: the `kneed` package's KneeLocator(x, y,
    curve="convex", direction="decreasing", online=False) answer.

    Normalise x and y to [0, 1]; difference curve D = (1 − ŷ) − x̂; at each local maximum i of
    D the threshold is D(i) − S·mean(Δx̂); the knee is the first local maximum after which D
    falls below its threshold before the next local minimum.
    Reference: V. Satopää, J. Albrecht, D. Irwin, B. Raghavan, Finding a "Kneedle" in a
    Haystack (2011). Checked against: kneed 0.9 (tests/stats/test_kmeans.py).
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.size < 2 or np.ptp(xs) == 0 or np.ptp(ys) == 0:
        return None
    xn = (xs - xs.min()) / (xs.max() - xs.min())
    yn = (ys - ys.min()) / (ys.max() - ys.min())
    diff = (yn.max() - yn) - xn
    # scipy.signal.argrelextrema(diff, np.greater_equal / np.less_equal), mode "clip"
    up = np.r_[True, diff[1:] >= diff[:-1]] & np.r_[diff[:-1] >= diff[1:], True]
    down = np.r_[True, diff[1:] <= diff[:-1]] & np.r_[diff[:-1] <= diff[1:], True]
    maxima = np.flatnonzero(up)
    if maxima.size == 0:
        return None
    thresholds = diff[maxima] - sensitivity * abs(np.diff(xn).mean())
    threshold, at, seen, active = 0.0, 0, 0, True
    for i in range(int(maxima[0]), xs.size - 1):
        if up[i]:
            threshold, at, active = thresholds[seen], i, True
            seen += 1
        if down[i]:
            threshold, active = 0.0, False
        if active and diff[i + 1] < threshold:
            return float(xs[at])
    return None


# -- the finish of an engine's fits (--engine spark) ---------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class EngineKMeansResult(KMeansResult):
    """One k fitted by an engine's own k-means (`algorithm` names it)."""

    algorithm: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineElbowResult(ElbowResult):
    """An elbow sweep fitted by an engine's own k-means (`algorithm` names it)."""

    algorithm: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineFit:
    """An engine's best start for one k, in the space it ran in (centred and scaled)."""

    k: int
    centres: np.ndarray
    inertia: float
    iterations: int
    converged: bool
    sizes: tuple[int, ...]


def kmeans_from_fits(fits: Sequence[EngineFit], *, total: float, sample: np.ndarray,
                     rows: int, names: Sequence[str], offset: np.ndarray, factor: np.ndarray,
                     sweep: bool, algorithm: str, scale: str, n_init: int, max_iter: int,
                     tol: float, warnings: Sequence[str] = ()) -> KMeansResult:
    """The result of k-means fitted elsewhere (an engine's fits, one per k): as `kmeans`,
    explained_variance = 1 − W / `total` (Σᵢ ‖xᵢ − x̄‖² in the same space), the silhouette
    on `sample` (the rows, as clustered, of a sample of at most `SILHOUETTE_ROWS` of the
    `rows`), each row labelled by its nearest centre, and the elbow by Kneedle; centroids
    are centres × factor + offset (the input's units)."""
    found = list(warnings)
    labels = []
    for fit in fits:
        d = (np.einsum("ij,ij->i", sample, sample)[:, None] - 2 * sample @ fit.centres.T
             + np.einsum("ij,ij->i", fit.centres, fit.centres)[None, :])
        labels.append(np.argmin(d, axis=1) if sample.size else np.zeros(0, dtype=np.intp))
    silhouettes = _silhouettes(sample, labels) if sample.shape[0] else [math.nan] * len(fits)
    elbow = tuple(ElbowPoint(name=str(f.k), k=f.k, inertia=f.inertia,
                             explained_variance=_explained(f.inertia, total), silhouette=s)
                  for f, s in zip(fits, silhouettes, strict=True))
    if total == 0:
        found.append("every row is the same point: explained_variance is undefined (null)")
    if any(f.k == 1 for f in fits):
        found.append("silhouette is undefined for k = 1 (null)")
    if any(f.k > 1 and math.isnan(s) for f, s in zip(fits, silhouettes, strict=True)):
        found.append("silhouette is undefined when the rows it is computed on fall in "
                     "fewer than 2 clusters, or every one is alone in its cluster (null)")
    ks = [f.k for f in fits]
    chosen: EngineFit | None = fits[0]
    if sweep:
        knee = kneedle(ks, [f.inertia for f in fits])
        chosen = next((f for f in fits if f.k == knee), None)
        if chosen is None:
            found.append(_no_knee(ks))
    if chosen is not None and not chosen.converged:
        found.append(f"k = {chosen.k}: the best start stopped at --max-iter {max_iter} "
                     "before converging; raise --max-iter")
    common = dict(silhouette_sample=sample.shape[0] if rows > SILHOUETTE_ROWS else None,
                  columns=tuple(names), scale=scale, n_init=n_init, max_iter=max_iter,
                  tol=tol, algorithm=algorithm)
    if chosen is None:
        body = dict(k=None, inertia=math.nan, explained_variance=math.nan,
                    silhouette=math.nan, iterations=None, sizes=(), centroids=())
    else:
        point = elbow[next(i for i, f in enumerate(fits) if f is chosen)]
        body = dict(k=chosen.k, inertia=point.inertia,
                    explained_variance=point.explained_variance, silhouette=point.silhouette,
                    iterations=chosen.iterations, sizes=chosen.sizes,
                    centroids=_centroids(chosen.centres * factor + offset, names))
    if not sweep:
        return EngineKMeansResult(**body, **common, warnings=tuple(found))
    return EngineElbowResult(**body, **common, warnings=tuple(found), elbow=elbow,
                             elbow_k=None if chosen is None else chosen.k,
                             k_range=f"{ks[0]}:{ks[-1]}")
