"""Sampling designs: exact sizes, allocations, whole clusters, uniform inclusion."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from mlstats.errors import InputError
from mlstats.stats import sampling
from mlstats.stats.sampling import (
    allocate,
    check_options,
    cluster_indices,
    random_blocks,
    reservoir_events,
    stratified_indices,
    systematic_blocks,
    systematic_fraction_blocks,
    target_size,
)


def reservoir_sample(population: int, k: int, seed: int | None) -> list[int]:
    """Algorithm L run over rows 0..N−1 (what `io.chunks.reservoir` does with records)."""
    kept = list(range(min(k, population)))
    for row, slot in reservoir_events(k, seed=seed):
        if row >= population:
            break
        kept[slot] = row
    return sorted(kept)


def drawn(blocks, population: int) -> np.ndarray:
    """The rows below `population` of a stream of index blocks (which may be endless)."""
    found = []
    for block in blocks:
        found.append(block[block < population])
        if block.size and block[-1] >= population:
            break
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(sampling, "BLOCK", 7)  # many blocks from a small population


# -- simple random sampling -------------------------------------------------------------------
@given(st.integers(1, 300), st.integers(1, 40), st.integers(0, 2**32))
def test_reservoir_size_is_exact_and_rows_distinct(population, k, seed):
    rows = reservoir_sample(population, k, seed)
    assert len(rows) == min(k, population) and len(set(rows)) == len(rows)
    assert all(0 <= r < population for r in rows)
    assert rows == reservoir_sample(population, k, seed)


@given(st.integers(1, 200), st.data())
@settings(max_examples=60)
def test_random_blocks_size_exact_sorted_and_distinct_without_replacement(population, data):
    sampling.BLOCK, previous = 7, sampling.BLOCK
    try:
        size = data.draw(st.integers(0, population))
        seed = data.draw(st.integers(0, 2**32))
        rows = drawn(random_blocks(population, size, replace=False, seed=seed), population)
        again = drawn(random_blocks(population, size, replace=False, seed=seed), population)
        with_replacement = drawn(random_blocks(population, 3 * size, replace=True, seed=seed),
                                 population)
    finally:
        sampling.BLOCK = previous
    assert rows.size == size and np.unique(rows).size == size
    assert np.all(np.diff(rows) > 0) and np.array_equal(rows, again)
    assert with_replacement.size == 3 * size and np.all(np.diff(with_replacement) >= 0)


@pytest.mark.slow
@pytest.mark.parametrize("design", ["reservoir", "blocks"])
def test_random_sampling_is_uniform_over_many_seeds(design, small_blocks):
    # Every row of 20 has inclusion probability 5/20; over 4000 seeded samples the counts
    # must fit that (chi-square goodness of fit), and so must the 190 pairs (second order).
    population, k, runs = 20, 5, 4000
    rows = np.zeros(population)
    pairs = np.zeros((population, population))
    for seed in range(runs):
        taken = (reservoir_sample(population, k, seed) if design == "reservoir"
                 else drawn(random_blocks(population, k, replace=False, seed=seed),
                            population).tolist())
        rows[taken] += 1
        for a, b in itertools.combinations(taken, 2):
            pairs[a, b] += 1
    assert stats.chisquare(rows).pvalue > 1e-3
    upper = pairs[np.triu_indices(population, 1)]
    assert stats.chisquare(upper).pvalue > 1e-3


# -- systematic sampling ----------------------------------------------------------------------
@given(st.integers(1, 500), st.data())
def test_systematic_takes_exactly_n_rows_evenly_spaced(population, data):
    size = data.draw(st.integers(1, population))
    rows = drawn(systematic_blocks(population, size, seed=data.draw(st.integers(0, 99))),
                 population)
    step = population / size
    assert rows.size == size and rows[-1] < population and rows[0] < math.ceil(step)
    gaps = np.diff(rows)
    assert np.all((gaps == math.floor(step)) | (gaps == math.ceil(step)))


@given(st.integers(1, 500), st.floats(0.01, 1.0), st.integers(0, 99))
def test_systematic_by_fraction_takes_floor_or_ceiling(population, frac, seed):
    rows = drawn(systematic_fraction_blocks(frac, seed=seed), population)
    assert math.floor(frac * population) <= rows.size <= math.ceil(frac * population)
    assert np.unique(rows).size == rows.size


def test_systematic_inclusion_is_n_over_population():
    # Each start r = 0..N−1 is equally likely: count, over all starts, how often each row is
    # taken — exactly n times (Cochran 1977, §8.1, with a fractional interval).
    population, size = 17, 5
    counts = np.zeros(population, dtype=int)
    for start in range(population):
        counts[(start + np.arange(size) * population) // size] += 1
    assert np.all(counts == size)
    rows = drawn(systematic_blocks(population, size, seed=3), population)
    start = np.random.default_rng(3).integers(population)
    assert rows.tolist() == ((start + np.arange(size) * population) // size).tolist()


# -- stratified sampling ----------------------------------------------------------------------
@st.composite
def strata(draw):
    sizes = draw(st.lists(st.integers(1, 60), min_size=1, max_size=8))
    return np.array(sizes), draw(st.integers(1, sum(sizes)))


@given(strata(), st.sampled_from(["proportional", "equal"]), st.booleans(), st.integers(0, 99))
def test_allocation_sums_to_n_with_one_per_stratum_and_within_capacity(case, how, replace,
                                                                        seed):
    sizes, n = case
    counts = allocate(sizes, n, allocation=how, replace=replace,
                      rng=np.random.default_rng(seed))
    assert counts.sum() == n and np.all(counts >= 0)
    if n >= sizes.size:
        assert np.all(counts >= 1)
    if not replace:
        assert np.all(counts <= sizes)


@given(strata(), st.integers(0, 99))
def test_proportional_shares_are_within_one_row(case, seed):
    sizes, n = case
    quota = n * sizes / sizes.sum()
    counts = allocate(sizes, n, allocation="proportional", replace=False,
                      rng=np.random.default_rng(seed))
    if np.all(quota >= 1) or n < sizes.size:  # no stratum lifted to its one row
        assert np.all(np.abs(counts - quota) < 1)
    else:  # strata lifted to one row; the rows they take come off the others
        assert np.all(counts[quota < 1] == 1)
        assert np.all(counts < quota + 1)


def test_equal_allocation_moves_what_a_small_stratum_cannot_hold():
    counts = allocate(np.array([2, 50, 50]), 30, allocation="equal", replace=False,
                      rng=np.random.default_rng(0))
    assert counts.tolist() == [2, 14, 14]


def test_largest_remainders_get_the_extra_rows():
    # Quotas 10·(5, 3, 2)/10 = 5, 3, 2 exactly; then 7·(5, 3, 2)/10 = 3.5, 2.1, 1.4.
    rng = np.random.default_rng(0)
    assert allocate(np.array([5, 3, 2]), 10, allocation="proportional", replace=False,
                    rng=rng).tolist() == [5, 3, 2]
    assert allocate(np.array([5, 3, 2]), 7, allocation="proportional", replace=False,
                    rng=rng).tolist() == [4, 2, 1]


@given(strata(), st.booleans(), st.integers(0, 99))
def test_stratified_rows_come_from_their_strata(case, replace, seed):
    sizes, n = case
    codes = np.random.default_rng(seed).permutation(np.repeat(np.arange(sizes.size), sizes))
    labels = [f"s{i}" for i in range(sizes.size)]
    rows, groups, _ = stratified_indices(codes, labels, n, allocation="proportional",
                                         replace=replace, seed=seed)
    assert rows.size == n and np.all(np.diff(rows) >= 0)
    if not replace:
        assert np.unique(rows).size == n
    taken = np.bincount(codes[rows], minlength=sizes.size)
    assert taken.tolist() == [g.sample_size for g in groups]
    assert [g.population for g in groups] == sizes.tolist()


def test_fewer_rows_than_strata_warns():
    codes = np.array([0, 1, 2, 3])
    _, groups, warnings = stratified_indices(codes, list("abcd"), 2, allocation="equal",
                                             replace=False, seed=1)
    assert sum(g.sample_size for g in groups) == 2
    assert warnings == ("2 rows for 4 strata: 2 strata get no row",)


# -- cluster sampling -------------------------------------------------------------------------
@given(strata(), st.integers(0, 99))
def test_clusters_are_whole_and_just_reach_the_size(case, seed):
    sizes, n = case
    codes = np.random.default_rng(seed).permutation(np.repeat(np.arange(sizes.size), sizes))
    labels = [f"c{i}" for i in range(sizes.size)]
    rows, clusters = cluster_indices(codes, labels, n, seed=seed)
    taken = {int(labels.index(c.name)) for c in clusters}
    assert set(codes[rows].tolist()) == taken
    assert rows.size == sum(sizes[c] for c in taken) >= n
    assert rows.size - clusters[-1].sample_size < n  # the last cluster was needed
    assert all(c.sample_size == c.population == sizes[labels.index(c.name)] for c in clusters)


# -- options ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("options", "message"), [
    ({"n": 5, "frac": 0.5}, r"give exactly one of --n \(rows\) and --frac"),
    ({}, r"give exactly one of --n \(rows\) and --frac"),
    ({"frac": 0.0}, r"--frac must be in \(0, 1\] \(got 0\)"),
    ({"frac": 1.5}, r"--frac must be in \(0, 1\] \(got 1.5\)"),
    ({"n": 0}, "--n must be at least 1 \\(got 0\\)"),
    ({"n": 5, "method": "stratified"}, "--method stratified needs --by COLUMN"),
    ({"n": 5, "method": "cluster"}, "--method cluster needs --by COLUMN"),
    ({"n": 5, "by": "g"}, "--by is for --method stratified or cluster, not random"),
    ({"n": 5, "method": "systematic", "replace": True}, "--replace is for --method random"),
    ({"n": 5, "allocation": "equal"}, "--allocation is for --method stratified"),
])
def test_bad_options(options, message):
    arguments = {"n": None, "frac": None, "method": "random", "by": None, "replace": False,
                 "allocation": None, **options}
    with pytest.raises(InputError, match=message):
        check_options(**arguments)


def test_target_size():
    assert target_size(153, n=None, frac=0.1, replace=False) == 15  # round(15.3)
    assert target_size(10, n=None, frac=0.25, replace=False) == 2  # round(2.5): half to even
    assert target_size(5, n=9, frac=None, replace=True) == 9
    with pytest.raises(InputError, match=r"^--n 9 is more than the 5 rows of the input; lower "
                       "--n, or add --replace to draw with replacement$"):
        target_size(5, n=9, frac=None, replace=False)
