"""Bootstrap intervals and the jackknife (mlstats.stats.resampling)."""

from __future__ import annotations

import types

import numpy as np
import pyarrow.csv as pacsv
import pytest
import scipy
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

import mlstats.stats.resampling as rs
from mlstats.errors import InputError
from mlstats.stats.resampling import bootstrap_ci, jackknife, parse_statistic
from tests.conftest import REFERENCE


def _column(name: str, column: str) -> np.ndarray:
    values = pacsv.read_csv(REFERENCE / name).column(column).to_numpy(zero_copy_only=False)
    return values.astype(np.float64)


OZONE = _column("airquality.csv", "Ozone")
OZONE = OZONE[~np.isnan(OZONE)]
SPEED, DIST = _column("cars.csv", "speed"), _column("cars.csv", "dist")


def _tooth() -> tuple[np.ndarray, np.ndarray]:
    table = pacsv.read_csv(REFERENCE / "toothgrowth.csv")
    supp = np.array(table.column("supp").to_pylist())
    length = table.column("len").to_numpy().astype(np.float64)
    return length, np.where(supp == "VC", 0, 1)


def _sd(a, axis=-1):
    return np.std(a, axis=axis, ddof=1)


# scipy statistics for the same definitions, vectorised along `axis`
SCIPY_STATS = {
    "mean": np.mean,
    "std": _sd,
    "var": lambda a, axis: np.var(a, axis=axis, ddof=1),
    "trimmed-mean": lambda a, axis: stats.trim_mean(a, 0.1, axis=axis),
    "cv": lambda a, axis: _sd(a, axis) / np.mean(a, axis=axis),
}


# -- parsing ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "kind", "q"), [
    ("mean", "mean", 0.5), ("Median", "median", 0.5), ("trimmed-mean", "trimmed-mean", 0.5),
    ("p95", "quantile", 0.95), ("p0", "quantile", 0.0), ("p100", "quantile", 1.0),
    ("p99.9", "quantile", 0.999), ("corr", "corr", 0.5),
])
def test_parse_statistic(text, kind, q):
    parsed = parse_statistic(text)
    assert (parsed.kind, parsed.q) == (kind, q)


@pytest.mark.parametrize(("text", "message"), [
    ("mode", "unknown --stat 'mode'; choose one of mean, median, std, var, trimmed-mean, "
             "pN (a percentile, e.g. p95), cv, corr"),
    ("p150", "--stat p150: the percentile N in pN must be between 0 and 100 (got 150); "
             "e.g. --stat p95"),
    ("p-1", "--stat p-1: the percentile N in pN must be between 0 and 100 (got -1); "
            "e.g. --stat p95"),
])
def test_bad_statistic_is_an_input_error(text, message):
    with pytest.raises(InputError) as info:
        parse_statistic(text)
    assert str(info.value) == message


# -- the jackknife against R ------------------------------------------------------------------
def test_jackknife_of_the_mean_matches_r():
    # R 4.2.2 (make-R-reference.R): jackknife mean of Ozone: std error = 3.06284818532667;
    # bias = 0
    result = jackknife(OZONE, stat="mean")
    assert result.std_error == pytest.approx(3.06284818532667, rel=1e-8)
    assert result.bias == 0.0
    assert result.jackknife_estimate == pytest.approx(42.1293103448276, rel=1e-12)
    assert result.n == 116


def test_jackknife_of_the_sd_matches_r():
    # R 4.2.2: jackknife sd of Ozone: std error = 2.8246704152477;
    # bias = -0.120936674965009; bias-corrected = 33.1088211893994
    result = jackknife(OZONE, stat="std")
    assert result.std_error == pytest.approx(2.8246704152477, rel=1e-8)
    assert result.bias == pytest.approx(-0.120936674965009, rel=1e-8)
    assert result.jackknife_estimate == pytest.approx(33.1088211893994, rel=1e-8)
    assert result.estimate == pytest.approx(32.987884514434, rel=1e-12)  # R sd(x)


def test_jackknife_interval_is_normal_around_the_corrected_estimate():
    result = jackknife(OZONE, stat="std", confidence=0.9)
    # scipy 1.17.1: stats.norm.ppf(0.95) = 1.6448536269514722
    half = 1.6448536269514722 * result.std_error
    assert result.ci_low == pytest.approx(result.jackknife_estimate - half, rel=1e-12)
    assert result.ci_high == pytest.approx(result.jackknife_estimate + half, rel=1e-12)


def _leave_one_out_loop(stat: str, cols: tuple[np.ndarray, ...]) -> np.ndarray:
    """The slow, obvious definition: the statistic of each sample with one row removed."""
    q = parse_statistic(stat).q
    out = []
    for i in range(cols[0].size):
        x = np.delete(cols[0], i)
        if stat == "corr":
            value = np.corrcoef(x, np.delete(cols[1], i))[0, 1]
        elif stat == "median":
            value = np.median(x)
        elif stat.startswith("p"):
            value = np.quantile(x, q)
        else:
            value = SCIPY_STATS[stat](x, axis=-1)
        out.append(value)
    return np.array(out)


@pytest.mark.parametrize("stat", ["mean", "std", "var", "cv", "trimmed-mean", "median", "p95",
                                  "p0", "p100", "p37", "corr"])
@pytest.mark.parametrize("n", [5, 8, 21, 40])
def test_closed_form_leave_one_out_matches_a_loop(stat, n):
    rng = np.random.default_rng(n)
    cols = (rng.normal(3, 1, n).round(1),)  # rounded: ties exercise the order statistics
    if stat == "corr":
        cols = (cols[0], (cols[0] + rng.normal(0, 1, n)).round(1))
    part = rs._Sample(cols, parse_statistic(stat))
    got = np.sort(part.leave_one_out() + part.value)
    want = np.sort(_leave_one_out_loop(stat, cols))
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-12)


@settings(deadline=None, max_examples=60)
@given(arrays(np.float64, st.integers(3, 60), elements=st.floats(-1e3, 1e3)),
       st.sampled_from(["mean", "std", "var", "median", "p90", "trimmed-mean"]))
def test_jackknife_is_the_loop_for_any_data(x, stat):
    part = rs._Sample((x,), parse_statistic(stat))
    got = np.sort(part.leave_one_out() + part.value)
    want = np.sort(_leave_one_out_loop(stat, (x,)))
    scale = 1 + np.abs(x).max()
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * scale)


@settings(deadline=None, max_examples=60)
@given(arrays(np.float64, st.integers(2, 300), elements=st.floats(-1e6, 1e6)))
def test_jackknife_se_of_mean_is_sem(x):
    # identity: jackknife SE of the mean = s/√n (Efron & Tibshirani 1993, ch. 11)
    sem = x.std(ddof=1) / np.sqrt(x.size)
    got = jackknife(x, stat="mean").std_error
    assert got == pytest.approx(sem, rel=1e-9, abs=1e-9 * (1 + abs(x).max()))


@settings(deadline=None, max_examples=30)
@given(arrays(np.float64, st.integers(4, 50), elements=st.floats(-100, 100)),
       st.sampled_from(["std", "median", "cv", "trimmed-mean"]), st.randoms())
def test_jackknife_does_not_depend_on_row_order(x, stat, random):
    order = list(range(x.size))
    random.shuffle(order)
    a, b = jackknife(x, stat=stat), jackknife(x[order], stat=stat)
    for key in ("estimate", "bias", "std_error"):
        va, vb = getattr(a, key), getattr(b, key)
        assert va == pytest.approx(vb, rel=1e-9, abs=1e-9) or (np.isnan(va) and np.isnan(vb))


def test_jackknife_of_a_quantile_warns():
    result = jackknife(OZONE, stat="median")
    assert result.warnings == (
        "the jackknife is inconsistent for the median (a quantile): its standard error does "
        "not settle as n grows; use mlstats bootstrap --stat median",)


def test_jackknife_corr_of_a_constant_column_is_null_with_a_warning():
    result = jackknife((np.ones(5), np.arange(5.0)), stat="corr")
    assert np.isnan(result.std_error) and np.isnan(result.jackknife_estimate)
    assert result.warnings == ("the corr of the data is undefined (a column is constant); the "
                               "jackknife results are null",)


@pytest.mark.parametrize(("stat", "n", "message"), [
    ("std", 2, "--column x has 2 rows with values; the resampling needs at least 3"),
    ("mean", 1, "--column x has 1 row with values; the resampling needs at least 2"),
])
def test_jackknife_needs_rows(stat, n, message):
    with pytest.raises(InputError) as info:
        jackknife(np.arange(float(n)), stat=stat, column="x")
    assert str(info.value) == message


def test_jackknife_of_a_million_rows_is_fast():
    import time

    x = np.random.default_rng(0).normal(size=1_000_000)
    start = time.perf_counter()
    result = jackknife(x, stat="std")
    assert time.perf_counter() - start < 1.0
    # the jackknife SE of the sd of normal data ≈ σ/√(2n)
    assert result.std_error == pytest.approx(1 / np.sqrt(2e6), rel=0.02)


# -- the bootstrap against scipy on the same resamples ----------------------------------------
def test_ozone_mean_bca_equals_scipy_literal():
    # scipy 1.17.1: stats.bootstrap((ozone,), np.mean, rng=np.random.default_rng(42),
    #   method="BCa") → (36.525862068965516, 48.64350413773712), se 3.055816779100882
    result = bootstrap_ci(OZONE, seed=42).result
    assert result.ci_low == pytest.approx(36.525862068965516, rel=1e-10)
    assert result.ci_high == pytest.approx(48.64350413773712, rel=1e-10)
    assert result.std_error == pytest.approx(3.055816779100882, rel=1e-10)
    assert (result.method, result.resamples, result.n) == ("bca", 9999, 116)


def test_ozone_std_bca_and_trimmed_basic_equal_scipy_literals():
    # scipy 1.17.1: stats.bootstrap((ozone,), lambda a, axis: np.std(a, axis=axis, ddof=1),
    #   rng=np.random.default_rng(42), method="BCa")
    result = bootstrap_ci(OZONE, stat="std", seed=42).result
    assert result.ci_low == pytest.approx(28.597403876418497, rel=1e-10)
    assert result.ci_high == pytest.approx(39.696200818287636, rel=1e-10)
    assert result.std_error == pytest.approx(2.7370290344114405, rel=1e-10)
    # scipy 1.17.1: stats.bootstrap((ozone,), lambda a, axis: stats.trim_mean(a, 0.1,
    #   axis=axis), rng=np.random.default_rng(42), method="basic")
    result = bootstrap_ci(OZONE, stat="trimmed-mean", method="basic", seed=42).result
    assert result.ci_low == pytest.approx(31.244680851063833, rel=1e-10)
    assert result.ci_high == pytest.approx(43.606914893617024, rel=1e-10)
    assert result.std_error == pytest.approx(3.1222130112024904, rel=1e-10)


def _group_indices(seed: int, sizes: tuple[int, ...], resamples: int) -> list[np.ndarray]:
    """The index draws of each sample: sample j draws from the generator of seeds[2j], where
    seeds = [SeedSequence(seed), *its children] (rs._Stream)."""
    root = np.random.SeedSequence(seed)
    seeds = [root, *root.spawn(2 * len(sizes) - 1)]
    return [np.random.default_rng(seeds[2 * j]).integers(0, n, size=(resamples, n))
            for j, n in enumerate(sizes)]


def test_difference_of_two_groups_equals_scipy_on_the_same_resamples():
    # each group is resampled from its own generator (so no value depends on the batch size);
    # scipy is handed the statistics of exactly those resamples and computes the BCa interval
    # (with its two-sample jackknife) itself
    length, codes = _tooth()
    vc, oj = length[codes == 0], length[codes == 1]
    run = bootstrap_ci(length, groups=codes, group_labels=["VC", "OJ"], seed=1, by="supp")
    result = run.result
    i_vc, i_oj = _group_indices(1, (30, 30), 9999)
    drawn = np.mean(oj[i_oj], axis=-1) - np.mean(vc[i_vc], axis=-1)
    np.testing.assert_array_equal(run.distribution, drawn)
    theirs = stats.bootstrap((vc, oj), lambda a, b, axis: np.mean(b, axis=axis)
                             - np.mean(a, axis=axis), n_resamples=0, method="BCa",
                             bootstrap_result=types.SimpleNamespace(bootstrap_distribution=drawn))
    assert result.ci_low == pytest.approx(theirs.confidence_interval.low, rel=1e-10)
    assert result.ci_high == pytest.approx(theirs.confidence_interval.high, rel=1e-10)
    assert result.std_error == pytest.approx(theirs.standard_error, rel=1e-12)
    assert result.estimate == pytest.approx(20.663333333333334 - 16.96333333333333, rel=1e-12)
    assert list(result.groups) == ["VC", "OJ"] and result.groups["OJ"].n == 30
    assert result.n == 60


def test_corr_resamples_pairs_and_equals_scipy_literal():
    # scipy 1.17.1: stats.bootstrap((speed, dist), lambda x, y, axis: stats.pearsonr(x, y,
    #   axis=axis).statistic, paired=True, rng=np.random.default_rng(3), method=M)  (cars)
    bca = bootstrap_ci((SPEED, DIST), stat="corr", seed=3).result
    assert bca.ci_low == pytest.approx(0.6775820003447249, rel=1e-10)
    assert bca.ci_high == pytest.approx(0.8767898600935681, rel=1e-10)
    assert bca.std_error == pytest.approx(0.04742830594598715, rel=1e-10)
    percentile = bootstrap_ci((SPEED, DIST), stat="corr", seed=3, method="percentile").result
    assert percentile.ci_low == pytest.approx(0.6976548512608748, rel=1e-10)
    assert percentile.ci_high == pytest.approx(0.884411851114052, rel=1e-10)
    # R 4.2.2: cor(cars$speed, cars$dist) = 0.80689490068921
    assert bca.estimate == pytest.approx(0.80689490068921, rel=1e-12)


@pytest.mark.parametrize("stat", list(SCIPY_STATS))
@pytest.mark.parametrize("method", ["bca", "percentile", "basic"])
def test_same_indices_as_scipy_give_the_same_interval(stat, method):
    x = np.random.default_rng(7).gamma(2.0, size=45)
    ours = bootstrap_ci(x, stat=stat, method=method, seed=11, resamples=1999).result
    theirs = stats.bootstrap((x,), SCIPY_STATS[stat], method=method, n_resamples=1999,
                             rng=np.random.default_rng(11))
    assert ours.ci_low == pytest.approx(theirs.confidence_interval.low, rel=1e-10)
    assert ours.ci_high == pytest.approx(theirs.confidence_interval.high, rel=1e-10)
    assert ours.std_error == pytest.approx(theirs.standard_error, rel=1e-12)
    assert ours.bias == pytest.approx(np.mean(theirs.bootstrap_distribution)
                                      - SCIPY_STATS[stat](x, axis=-1), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("stat", [*SCIPY_STATS, "median", "p90"])
@pytest.mark.parametrize("method", ["bca", "percentile", "basic"])
def test_two_groups_equal_scipy_on_the_same_resamples(stat, method):
    a = np.random.default_rng(8).normal(5, 1, 25).round(2)
    b = np.random.default_rng(9).normal(6, 2, 31).round(2)
    run = bootstrap_ci(np.concatenate([a, b]), groups=np.r_[np.zeros(25), np.ones(31)],
                       stat=stat, method=method, seed=5, resamples=2500)
    q = parse_statistic(stat).q
    f = SCIPY_STATS.get(stat) or (lambda v, axis: np.quantile(v, q, axis=axis))
    if stat in SCIPY_STATS:  # index draws: the same resamples give the same statistics
        ia, ib = _group_indices(5, (25, 31), 2500)
        np.testing.assert_allclose(run.distribution, f(b[ib], axis=-1) - f(a[ia], axis=-1),
                                   rtol=1e-14, atol=1e-14)
    given = types.SimpleNamespace(bootstrap_distribution=run.distribution)
    theirs = stats.bootstrap((a, b), lambda u, v, axis: f(v, axis=axis) - f(u, axis=axis),
                             n_resamples=0, method=method, bootstrap_result=given)
    assert run.result.method == method
    assert run.result.ci_low == pytest.approx(theirs.confidence_interval.low, rel=1e-10)
    assert run.result.ci_high == pytest.approx(theirs.confidence_interval.high, rel=1e-10)
    assert run.result.std_error == pytest.approx(theirs.standard_error, rel=1e-12)


@pytest.mark.parametrize("stat", ["mean", "std", "trimmed-mean", "median", "p90", "corr"])
@pytest.mark.parametrize("grouped", [False, True])
def test_the_batch_size_changes_no_value(monkeypatch, stat, grouped):
    # the same seed gives the same output whatever CHUNK and ORDER_ROWS are: each sample and
    # each Beta draw has its own generator, and a generator's draws do not depend on batching
    rng = np.random.default_rng(12)
    x = rng.normal(size=40).round(2)
    data = (x, (x + rng.normal(size=40)).round(2)) if stat == "corr" else x
    kwargs = {"stat": stat, "seed": 3, "resamples": 3000}
    if grouped:
        kwargs |= {"groups": np.repeat([0, 1], [15, 25]), "group_labels": ["a", "b"]}
    whole = bootstrap_ci(data, **kwargs)
    monkeypatch.setattr(rs, "CHUNK", 400)  # 10 resamples of 40 rows per batch
    monkeypatch.setattr(rs, "ORDER_ROWS", 7)
    split = bootstrap_ci(data, **kwargs)
    np.testing.assert_array_equal(split.distribution, whole.distribution)
    assert split.result == whole.result


def test_batches_are_made_lazily(monkeypatch):
    # memory stays bounded whatever --resamples is: no list of batches is built up front
    import tracemalloc

    monkeypatch.setattr(rs, "CHUNK", 2)  # one resample of 2 rows per batch
    stream = rs._Stream([rs._Sample((np.array([1.0, 2.0]),), parse_statistic("mean"))],
                        2_000_000, seed=1)
    tracemalloc.start()
    try:
        first = next(iter(stream))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert first.shape == (1,) and peak < 5_000_000


@pytest.mark.parametrize("stat", ["median", "p95", "p10", "p0"])
@pytest.mark.parametrize("method", ["bca", "percentile", "basic"])
def test_quantile_intervals_equal_scipy_on_our_distribution(stat, method):
    # the order-statistic sampler draws no indices, so scipy is handed our distribution
    # (its `bootstrap_result`) and recomputes θ̂, the jackknife â and the interval itself
    x = np.random.default_rng(1).normal(size=41).round(2)
    q = parse_statistic(stat).q
    run = bootstrap_ci(x, stat=stat, method=method, seed=3, resamples=4000)

    def statistic(a, axis):
        return np.median(a, axis=axis) if stat == "median" else np.quantile(a, q, axis=axis)

    given = types.SimpleNamespace(bootstrap_distribution=run.distribution)
    theirs = stats.bootstrap((x,), statistic, n_resamples=0, bootstrap_result=given,
                             method=method)
    if run.result.method != method:  # p0 of continuous data: BCa undefined, scipy gives NaN
        assert np.isnan(theirs.confidence_interval.low)
        return
    assert run.result.ci_low == pytest.approx(theirs.confidence_interval.low, rel=1e-12)
    assert run.result.ci_high == pytest.approx(theirs.confidence_interval.high, rel=1e-12)
    assert run.result.std_error == pytest.approx(theirs.standard_error, rel=1e-12)


# -- the order-statistic sampler ----------------------------------------------------------------
def test_bootstrap_median_has_the_exact_binomial_law():
    # P(median* ≤ s₍ⱼ₎) = P(Binomial(n, (j + 1)/n) ≥ k + 1) for odd n = 2k + 1 distinct values
    n, resamples = 11, 200_000
    draws = bootstrap_ci(np.arange(n, dtype=float) * 1.5, stat="median", seed=1,
                         resamples=resamples, method="percentile").distribution
    cdf = stats.binom.sf(n // 2, n, (np.arange(n) + 1) / n)
    pmf = np.diff(np.concatenate([[0.0], cdf]))
    freq = np.bincount((draws / 1.5).astype(int), minlength=n) / resamples
    z = (freq - pmf) / np.sqrt(pmf * (1 - pmf) / resamples)
    assert np.abs(z).max() < 4.5


@pytest.mark.parametrize("stat", ["median", "p37", "p90"])
def test_order_statistic_sampler_matches_gathered_resamples(stat):
    n, resamples = 10, 100_000
    x = np.random.default_rng(0).normal(size=n).round(3)
    q = parse_statistic(stat).q
    ours = bootstrap_ci(x, stat=stat, seed=2, resamples=resamples,
                        method="percentile").distribution
    gathered = x[np.random.default_rng(5).integers(0, n, (resamples, n))]
    slow = (np.median(gathered, axis=1) if stat == "median"
            else np.quantile(gathered, q, axis=1))
    # every value is one numpy would give for some resample: lerp of two order statistics
    s = np.sort(x)
    gamma = rs._quantile_spec(n, parse_statistic(stat))[2]
    i, j = np.triu_indices(n)
    possible = rs._combine(s[i], s[j], gamma)
    assert np.isin(ours, possible).all()
    support = np.union1d(ours, slow)
    table = np.vstack([np.bincount(np.searchsorted(support, v), minlength=support.size)
                       for v in (ours, slow)])
    assert stats.chi2_contingency(table[:, table.sum(axis=0) > 0]).pvalue > 0.001


# -- bounded memory: exact selection in passes -------------------------------------------------
@pytest.mark.parametrize("data", ["discrete", "continuous"])
@pytest.mark.parametrize("stat", ["median", "mean", "p95", "std"])
def test_long_streams_give_the_in_memory_answer(monkeypatch, data, stat):
    x = (np.random.default_rng(4).integers(0, 20, size=31).astype(float) if data == "discrete"
         else np.random.default_rng(5).normal(size=40))
    whole = bootstrap_ci(x, stat=stat, resamples=20_000, seed=9)
    # hold at most 1000 values; collect at most 50 per bin; 16 bins per pass: several passes
    monkeypatch.setattr(rs, "KEEP", 1000)
    monkeypatch.setattr(rs, "_CAP", 50)
    monkeypatch.setattr(rs, "_BINS", 16)
    passes = []
    streamed = bootstrap_ci(x, stat=stat, resamples=20_000, seed=9, progress=passes.append)
    assert sum(passes) >= 2 * 20_000  # the stream was replayed
    a, b = whole.result, streamed.result
    assert (b.ci_low, b.ci_high, b.method) == (a.ci_low, a.ci_high, a.method)
    assert b.std_error == pytest.approx(a.std_error, rel=1e-12)
    assert b.bias == pytest.approx(a.bias, rel=1e-9, abs=1e-13)
    assert streamed.distribution.size == 1000


# -- resampling in blocks (moment statistics of more than BLOCK rows) -------------------------
def _blocked_by_hand(cols, stat, seed, resamples, block):
    """The slow, obvious loop over resamples: rows per block from a multinomial, then each
    block's rows drawn from that block's generator (rs._Blocks), gathered whole."""
    n = cols[0].size
    root = np.random.SeedSequence(seed)
    first, second = root, root.spawn(1)[0]
    totals = np.random.default_rng(second)
    edges = np.append(np.arange(0, n, block), n)
    rngs = [np.random.default_rng(first)] + [
        np.random.default_rng(np.random.SeedSequence(second.entropy,
                                                     spawn_key=(*second.spawn_key, k)))
        for k in range(1, edges.size - 1)]
    out = []
    for _ in range(resamples):
        counts = totals.multinomial(n, np.diff(edges) / n)
        rows = np.concatenate([lo + rng.integers(0, hi - lo, size=c) for rng, lo, hi, c
                               in zip(rngs, edges[:-1], edges[1:], counts, strict=True)])
        x = cols[0][rows]
        if stat == "corr":
            out.append(np.corrcoef(x, cols[1][rows])[0, 1])
        else:
            out.append({"mean": np.mean, "var": lambda a: np.var(a, ddof=1),
                        "std": lambda a: np.std(a, ddof=1),
                        "cv": lambda a: np.std(a, ddof=1) / np.mean(a)}[stat](x))
    return np.array(out)


def _pair(n, seed=21):
    rng = np.random.default_rng(seed)
    x = rng.lognormal(2, 0.6, n)
    return x, x + rng.normal(0, 3, n)


@pytest.mark.parametrize("stat", ["mean", "var", "std", "cv", "corr"])
def test_blocks_are_the_obvious_loop_on_the_same_draws(monkeypatch, stat):
    # 103 rows in blocks of 16 (the last one of 7): the vectorised sums over blocks give each
    # resample's statistic as the loop gathering its rows whole does
    monkeypatch.setattr(rs, "BLOCK", 16)
    x, y = _pair(103)
    cols = (x, y) if stat == "corr" else (x,)
    run = bootstrap_ci(cols if stat == "corr" else x, stat=stat, seed=8, resamples=300,
                       method="percentile")
    np.testing.assert_allclose(run.distribution, _blocked_by_hand(cols, stat, 8, 300, 16),
                               rtol=1e-12)


@pytest.mark.parametrize("stat", ["mean", "cv", "corr"])
@pytest.mark.parametrize("grouped", [False, True])
def test_the_batch_size_changes_no_value_in_blocks(monkeypatch, stat, grouped):
    # each block draws from its own generator, in resample order, so the batch size (and
    # the two threads) never change a value; a block of 7 rows is handled like any other
    monkeypatch.setattr(rs, "BLOCK", 20)
    x, y = _pair(87, seed=3)
    data = (x, y) if stat == "corr" else x
    kwargs = {"stat": stat, "seed": 4, "resamples": 700}
    if grouped:
        kwargs |= {"groups": np.repeat([0, 1], [40, 47]), "group_labels": ["a", "b"]}
    whole = bootstrap_ci(data, **kwargs)
    monkeypatch.setattr(rs, "CHUNK", 20 * 3)  # 3 resamples per batch
    split = bootstrap_ci(data, **kwargs)
    np.testing.assert_array_equal(split.distribution, whole.distribution)
    assert split.result == whole.result


@pytest.mark.parametrize("stat", ["mean", "var", "std", "cv", "corr"])
def test_blocks_and_whole_resamples_agree_within_monte_carlo_error(monkeypatch, stat):
    # the same law, drawn from other random numbers: the bootstrap standard errors agree
    # within their Monte-Carlo error (relative sd ≈ 1/√(2B) ≈ 0.9 % at B = 6000) and the
    # two distributions pass a two-sample Kolmogorov–Smirnov test
    x, y = _pair(400, seed=5)
    data = (x, y) if stat == "corr" else x
    whole = bootstrap_ci(data, stat=stat, seed=1, resamples=6000, method="percentile")
    monkeypatch.setattr(rs, "BLOCK", 64)
    blocks = bootstrap_ci(data, stat=stat, seed=2, resamples=6000, method="percentile")
    assert blocks.result.std_error == pytest.approx(whole.result.std_error, rel=0.05)
    assert stats.ks_2samp(blocks.distribution, whole.distribution).pvalue > 0.001


def test_blocked_mean_has_the_ideal_bootstrap_standard_error():
    # hand-checked: the ideal bootstrap sd of the mean is σ̂/√n with σ̂² = Σ(x − x̄)²/n;
    # 50,000 rows are 4 blocks of 16,384 (BLOCK); B = 4000 puts the estimate within 3.5 %
    x = np.random.default_rng(6).exponential(3.0, 50_000)
    run = bootstrap_ci(x, seed=3, resamples=4000, method="percentile")
    assert x.size > rs.BLOCK
    assert run.result.std_error == pytest.approx(np.std(x) / np.sqrt(x.size), rel=0.035)


@pytest.mark.parametrize("stat", ["std", "corr"])
def test_blocked_intervals_agree_with_scipy_within_monte_carlo_error(stat):
    # scipy.stats.bootstrap gathers whole resamples; 20,000 rows are two blocks here
    # (percentile intervals: scipy's BCa jackknife of 20,000 rows takes minutes)
    x, y = _pair(20_000, seed=7)
    ours = bootstrap_ci((x, y) if stat == "corr" else x, stat=stat, seed=1,
                        resamples=2000, method="percentile").result
    def pearson(a, b, axis):  # stats.pearsonr(a, b, axis=axis), without its per-call overhead
        a = a - a.mean(axis=axis, keepdims=True)
        b = b - b.mean(axis=axis, keepdims=True)
        return (a * b).sum(axis) / np.sqrt((a * a).sum(axis) * (b * b).sum(axis))

    f = pearson if stat == "corr" else (lambda a, axis: np.std(a, axis=axis, ddof=1))
    theirs = stats.bootstrap((x, y) if stat == "corr" else (x,), f, paired=stat == "corr",
                             n_resamples=2000, batch=100, method="percentile",
                             rng=np.random.default_rng(2))
    se = theirs.standard_error
    assert ours.std_error == pytest.approx(se, rel=0.08)  # 2000 resamples: sd ≈ 1.6 %
    # an end's Monte-Carlo sd is about 0.06·se at B = 2000 (√(p(1 − p)/B)/φ(z)), 0.09·se for
    # the difference of two runs: 0.4·se is 4.5 sd
    assert ours.ci_low == pytest.approx(theirs.confidence_interval.low, abs=0.4 * se)
    assert ours.ci_high == pytest.approx(theirs.confidence_interval.high, abs=0.4 * se)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.integers(3, 60), elements=st.floats(-1e6, 1e6)),
       st.integers(1, 25), st.sampled_from(["mean", "var", "std"]))
def test_blocked_statistics_stay_in_their_range(x, block, stat):
    # any block size: a resampled mean lies within [min, max] and a variance is ≥ 0 and at
    # most (max − min)²·n/(4(n − 1)) (Popoviciu), whatever the blocks
    original = rs.BLOCK
    rs.BLOCK = block
    try:
        run = bootstrap_ci(x, stat=stat, seed=1, resamples=50, method="percentile")
    finally:
        rs.BLOCK = original
    d = run.distribution
    lo, hi, n = x.min(), x.max(), x.size
    slack = 1e-9 * (1 + np.abs(x).max())
    if stat == "mean":
        assert ((d >= lo - slack) & (d <= hi + slack)).all()
    else:
        top = (hi - lo) ** 2 * n / (4 * (n - 1))
        top = np.sqrt(top) if stat == "std" else top
        assert ((d >= 0) & (d <= top * (1 + 1e-9) + slack)).all()


def test_one_block_is_the_whole_resample_stream():
    # a sample of at most BLOCK rows draws exactly scipy's indices (tests above); resampled
    # in blocks of its own size it would draw the same rows, so BLOCK only picks the method
    x = np.random.default_rng(9).normal(size=50)
    assert x.size <= rs.BLOCK
    gathered = x[np.random.default_rng(4).integers(0, 50, size=(200, 50))]
    run = bootstrap_ci(x, seed=4, resamples=200, method="percentile")
    np.testing.assert_array_equal(run.distribution, np.mean(gathered, axis=-1))


# -- values near the float64 limits --------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(1, 200),
              elements=st.floats(allow_nan=False, allow_infinity=False)), st.integers(1, 60))
def test_histogram_counts_every_value_of_any_magnitude(values, bins):
    # issue 18: np.histogram raised on a range that overflows (±1.7e308) or holds too few
    # floats (a constant 1e150); the chart's histogram bins every value
    counts, edges = rs.histogram(values, bins)
    assert sum(counts) == values.size and len(edges) == len(counts) + 1 <= bins + 1
    assert edges[0] == values.min() and edges[-1] == values.max()
    assert np.isfinite(edges).all()
    assert len(counts) == 1 or (np.diff(edges) > 0).all()


@pytest.mark.filterwarnings("error")  # no overflow escapes an np.errstate
@pytest.mark.parametrize("values", [[1.7e308, 1.6e308, -1.7e308, 5e307, 1e308], [1e150] * 5,
                                    [5e-324, 1e-323, 2e-323, 0.0, 3e-323],
                                    [1e308, 1.0, -1e308, 2.0, 1e-300]])
@pytest.mark.parametrize("stat", ["mean", "median", "std", "var", "cv", "p90", "trimmed-mean",
                                  "corr"])
def test_values_near_the_limits_give_numbers_or_null_with_a_warning(values, stat):
    x = np.array(values)
    data = (x, x[::-1].copy()) if stat == "corr" else x
    for method in ("bca", "percentile"):
        result = bootstrap_ci(data, stat=stat, method=method, seed=1, resamples=200).result
        numbers = [result.estimate, result.bias, result.std_error, result.ci_low,
                   result.ci_high]
        assert not np.isinf(numbers).any()
        assert not np.isnan(numbers).any() or result.warnings
    result = jackknife(data, stat=stat)
    numbers = [result.estimate, result.jackknife_estimate, result.bias, result.std_error]
    assert not np.isinf(numbers).any()
    assert not np.isnan(numbers).any() or result.warnings


# -- behaviour ----------------------------------------------------------------------------------
def test_same_seed_same_result_and_no_seed_still_works():
    a = bootstrap_ci(OZONE, stat="median", seed=3).result
    b = bootstrap_ci(OZONE, stat="median", seed=3).result
    assert a == b
    c = bootstrap_ci(OZONE, stat="median", resamples=500).result
    assert 20 < c.ci_low < c.ci_high < 45


@pytest.mark.parametrize("stat", ["mean", "std", "var", "cv", "trimmed-mean", "median", "p90",
                                  "corr"])
@pytest.mark.parametrize("power", [-1000, -400, 400, 1000])  # 2^±1000 ≈ 1e±301
def test_values_near_1e300_give_the_scaled_results(stat, power):
    # every statistic here scales as θ(2ᵏx) = 2^(pk)·θ(x), and scaling by a power of two is
    # exact: the results on 2ᵏx are those on x scaled, bit for bit (before: std, var, cv and
    # corr of such data were 0 or null, std_error 0 or null, BCa fell back to percentile)
    rng = np.random.default_rng(21)
    x = rng.gamma(3.0, size=30)
    data = (x, x + rng.normal(size=30)) if stat == "corr" else x
    scaled = tuple(np.ldexp(c, power) for c in data) if stat == "corr" else np.ldexp(x, power)
    p = {"var": 2, "cv": 0, "corr": 0}.get(stat, 1)
    keys = ("estimate", "bias", "std_error", "ci_low", "ci_high")
    jk_keys = ("estimate", "jackknife_estimate", "bias", "std_error", "ci_low", "ci_high")
    a, b = (bootstrap_ci(d, stat=stat, seed=2, resamples=999).result for d in (data, scaled))
    ja, jb = jackknife(data, stat=stat), jackknife(scaled, stat=stat)
    if stat == "var" and abs(power) == 1000:  # the variance itself is beyond 1e±308
        size = "large" if power > 0 else "small"
        warning = (f"the var of values this {size} is outside the float64 range: every result "
                   "is null")
        assert all(np.isnan(getattr(b, k)) for k in keys) and b.warnings == (warning,)
        assert all(np.isnan(getattr(jb, k)) for k in jk_keys) and jb.warnings == (warning,)
        return
    for key in keys:
        assert getattr(b, key) == pytest.approx(np.ldexp(getattr(a, key), p * power),
                                                rel=1e-12), key
    assert (b.method, b.warnings) == (a.method, a.warnings) == ("bca", ())
    for key in jk_keys:
        assert getattr(jb, key) == pytest.approx(np.ldexp(getattr(ja, key), p * power),
                                                 rel=1e-12), key


def test_a_median_of_tiny_values_under_an_outlier_keeps_its_spread():
    # the data's scale is set by the outlier, the bootstrap medians are ~1e-300: their
    # standard deviation and the BCa acceleration are computed scaled (before: 0 and NaN)
    x = np.r_[np.linspace(1, 3, 40) * 1e-300, 1.0]
    result = bootstrap_ci(x, stat="median", seed=1, resamples=2000).result
    assert result.method == "bca" and 0 < result.std_error < 1e-299
    assert result.ci_low < result.estimate < result.ci_high
    assert jackknife(x, stat="median").std_error > 0


def test_the_bca_fallback_says_why_the_jackknife_is_undefined():
    result = bootstrap_ci(np.array([1.0, 2.0]), stat="std", seed=1, resamples=200).result
    assert result.method == "percentile"
    assert result.warnings == (
        "the BCa interval is undefined here (the std without one of the rows is undefined (one "
        "row is left), so the acceleration is undefined); the percentile interval is reported "
        "instead",)
    x, y = np.array([1.0, 1.0, 1.0, 2.0, 1.0]), np.array([3.0, 1.0, 4.0, 1.0, 5.0])
    result = bootstrap_ci((x, y), stat="corr", seed=1, resamples=200).result
    assert result.warnings[-1] == (
        "the BCa interval is undefined here (the corr without one of the rows is undefined (a "
        "column is constant without that row), so the acceleration is undefined); the "
        "percentile interval is reported instead")


def test_corr_needs_three_rows_and_its_jackknife_four():
    # two rows always lie on a line (r = ±1), so their bootstrap and jackknife say nothing
    x, y = np.array([1.0, 2.0, 5.0]), np.array([2.0, 1.0, 7.0])
    with pytest.raises(InputError) as info:
        bootstrap_ci((x[:2], y[:2]), stat="corr", column="x,y")
    assert str(info.value) == ("--column x,y has 2 rows with values; the resampling needs at "
                               "least 3")
    with pytest.raises(InputError) as info:
        jackknife((x, y), stat="corr", column="x,y")
    assert str(info.value) == ("--column x,y has 3 rows with values; the resampling needs at "
                               "least 4")


CV_NEAR_0 = ("the mean is within 2 standard errors of 0 (|mean|/sem = 0.000175), so the cv "
             "(std/mean) is unstable and its interval unreliable; the cv suits positive data "
             "with a mean far from 0")


def test_cv_of_data_whose_mean_may_be_0_warns():
    x = np.array([-1.0, 1, -2, 2, 0.001, 3, -3])
    assert bootstrap_ci(x, stat="cv", seed=1, resamples=500).result.warnings[0] == CV_NEAR_0
    assert jackknife(x, stat="cv").warnings == (CV_NEAR_0,)
    # positive data keep every resampled mean away from 0, however skewed
    skewed = np.r_[1 + np.arange(9) / 100, 1e6]
    assert bootstrap_ci(skewed, stat="cv", seed=1, resamples=500,
                        method="percentile").result.warnings == ()
    grouped = bootstrap_ci(np.r_[x, x + 10], stat="cv", groups=np.repeat([0, 1], 7),
                           group_labels=["a", "b"], seed=1, resamples=500).result
    assert grouped.warnings[0] == CV_NEAR_0.replace("the mean is", "the mean of group 'a' is")


def test_a_trimmed_mean_of_fewer_than_10_rows_warns_that_it_trims_nothing():
    result = bootstrap_ci(np.arange(9.0), stat="trimmed-mean", seed=1, resamples=200).result
    assert result.warnings == ("the 10 % trimmed mean of 9 rows trims no row (it needs 10 or "
                               "more): it is the plain mean",)
    assert result.estimate == 4.0
    assert bootstrap_ci(np.arange(10.0), stat="trimmed-mean", seed=1,
                        resamples=200).result.warnings == ()
    assert jackknife(np.arange(5.0), stat="trimmed-mean").warnings == (
        "the 10 % trimmed mean of 5 rows trims no row (it needs 10 or more): it is the plain "
        "mean",)


def test_ends_from_the_most_extreme_resamples_warn_as_r_boot_ci_does():
    # R boot.ci: "extreme order statistics used as endpoints" when (R + 1)·α < 1
    one = bootstrap_ci(OZONE, resamples=1, seed=1, method="percentile").result
    assert one.warnings == ("the interval's ends are the most extreme resample statistics (1 in "
                            "all), so they are unstable: raise --resamples to at least 39",
                            "std_error needs at least 2 resamples")
    near_1 = bootstrap_ci(OZONE, confidence=0.99999, seed=1, method="basic").result
    assert near_1.warnings == ("the interval's ends are the most extreme resample statistics "
                               "(9999 in all), so they are unstable: raise --resamples to at "
                               "least 200000",)
    assert bootstrap_ci(OZONE, confidence=0.999, seed=1).result.warnings == ()


@pytest.mark.parametrize("method", ["bca", "percentile", "basic"])
def test_a_confidence_near_0_never_inverts_the_interval(method):
    # the interpolated quantiles at levels 0.5 ± 5e-10 differ by rounding only
    result = bootstrap_ci(OZONE, confidence=1e-9, seed=1, method=method).result
    assert result.ci_low <= result.ci_high
    assert result.ci_high - result.ci_low < 1e-9 * result.estimate


def test_constant_data_gives_the_percentile_interval_with_a_warning():
    result = bootstrap_ci(np.full(20, 4.0), stat="mean", seed=1, resamples=200).result
    assert (result.ci_low, result.ci_high, result.std_error, result.bias) == (4.0, 4.0, 0.0, 0.0)
    assert result.method == "percentile"
    assert result.warnings == (
        "the BCa interval is undefined here (the leave-one-out statistics do not vary (e.g. all "
        "values are equal), so the acceleration is undefined); the percentile interval is "
        "reported instead",)


def test_undefined_resamples_are_left_out_and_counted():
    x, y = np.array([1.0, 1.0, 1.0, 2.0]), np.array([3.0, 1.0, 4.0, 1.0])
    run = bootstrap_ci((x, y), stat="corr", seed=2, resamples=1000, method="percentile")
    constant = np.isnan(rs._pearson(x[np.random.default_rng(2).integers(0, 4, (1000, 4))],
                                    y[np.random.default_rng(2).integers(0, 4, (1000, 4))]))
    left_out = int(constant.sum())
    assert left_out > 0 and run.distribution.size == 1000 - left_out
    assert run.result.warnings == (f"{left_out} of 1000 resamples gave an undefined corr and "
                                   "were left out",)


def test_undefined_estimate_is_null_with_a_warning():
    result = bootstrap_ci((np.ones(6), np.arange(6.0)), stat="corr", seed=1).result
    assert np.isnan(result.estimate) and np.isnan(result.ci_low)
    assert result.warnings == ("the corr of the data is undefined (a column is constant); "
                               "every result is null",)


def test_missing_values_are_left_out_with_a_warning():
    x = np.array([1.0, np.nan, 3.0, 4.0, np.nan, 9.0])
    result = bootstrap_ci(x, seed=1, resamples=100).result
    assert result.n == 4 and result.estimate == 4.25
    assert result.warnings[0] == "2 rows with a missing value left out"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"confidence": 1.5}, "--confidence must be between 0 and 1 (got 1.5)"),
    ({"confidence": 0.0}, "--confidence must be between 0 and 1 (got 0)"),
    ({"method": "studentized"}, "unknown --method 'studentized'; choose one of bca, "
                                "percentile, basic"),
    ({"resamples": 0}, "--resamples must be at least 1 (got 0)"),
    ({"seed": -1}, "--seed must be a whole number, 0 or more (got -1)"),
    ({"stat": "corr"}, "--stat corr needs two columns, e.g. --column x,y (got 1: x)"),
])
def test_bad_options_are_input_errors(kwargs, message):
    with pytest.raises(InputError) as info:
        bootstrap_ci(np.arange(10.0), column="x", **kwargs)
    assert str(info.value) == message


def test_groups_must_be_two_and_each_needs_rows():
    x = np.arange(9.0)
    with pytest.raises(InputError) as info:
        bootstrap_ci(x, groups=np.repeat([0, 1, 2], 3), group_labels=["a", "b", "c"], by="g")
    assert str(info.value) == ("--by g has 3 groups (a, b, c); the bootstrap of a difference "
                               "needs exactly two: filter the rows to two groups first")
    with pytest.raises(InputError) as info:
        bootstrap_ci(x, groups=np.r_[np.zeros(8), 1], group_labels=["a", "b"], by="g")
    assert str(info.value) == ("group 'b' of --by g has 1 row with values; the resampling "
                               "needs at least 2")


def test_quantile_difference_of_two_groups():
    length, codes = _tooth()
    result = bootstrap_ci(length, groups=codes, group_labels=["VC", "OJ"], stat="median",
                          seed=2).result
    assert result.estimate == np.median(length[codes == 1]) - np.median(length[codes == 0])
    assert result.ci_low < result.estimate < result.ci_high


def test_progress_counts_every_resample():
    seen = []
    bootstrap_ci(OZONE, stat="std", resamples=2345, seed=1, progress=seen.append)
    assert sum(seen) == 2345


# -- Monte-Carlo agreement (random methods: compared within their error) -----------------------
def test_toothgrowth_mean_bca_agrees_with_scipy_reference():
    # python-reference.txt (scipy, n_resamples=99999, random_state=0): 16.8600 .. 20.7083;
    # standard_error=0.9788 — different random streams, so compared within Monte-Carlo error
    length, _ = _tooth()
    result = bootstrap_ci(length, seed=0, resamples=99_999).result
    assert result.ci_low == pytest.approx(16.8600, abs=0.05)
    assert result.ci_high == pytest.approx(20.7083, abs=0.05)
    assert result.std_error == pytest.approx(0.9788, abs=0.01)


def test_ozone_median_agrees_with_r_boot_loosely():
    # R 4.2.2: set.seed(42); boot(x, median, R=20000): std error = 3.68719;
    # perc 95% = 23 .. 39; bca 95% = 23 .. 38 (R interpolates order statistics differently)
    percentile = bootstrap_ci(OZONE, stat="median", seed=42, resamples=20_000,
                              method="percentile").result
    assert percentile.std_error == pytest.approx(3.68719, rel=0.03)
    assert percentile.ci_low == pytest.approx(23, abs=1)
    assert percentile.ci_high == pytest.approx(39, abs=1)
    bca = bootstrap_ci(OZONE, stat="median", seed=42, resamples=20_000).result
    assert bca.ci_low == pytest.approx(23, abs=1.5)
    assert bca.ci_high == pytest.approx(38, abs=1.5)


def test_bca_covers_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(2024)
    covered = 0
    for trial in range(200):
        x = rng.normal(10.0, 2.0, 30)
        result = bootstrap_ci(x, seed=trial, resamples=999).result
        covered += result.ci_low <= 10.0 <= result.ci_high
    assert 180 <= covered <= 198  # 90–99 %


def test_scipy_version_of_the_literals():
    assert scipy.__version__.startswith("1.17")
