"""k-means, the elbow, silhouette and Kneedle (mlstats.stats.kmeans)."""

from __future__ import annotations

import itertools
import math
import threading

import numpy as np
import pyarrow.csv as pacsv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from kneed import KneeLocator
from sklearn.cluster import KMeans
from sklearn.datasets import load_iris, make_blobs
from sklearn.metrics import adjusted_rand_score, silhouette_score
from threadpoolctl import threadpool_limits

import mlstats.stats.kmeans as km
from mlstats.errors import InputError
from mlstats.stats.kmeans import kmeans, kneedle, parse_k_range
from tests.conftest import REFERENCE

FAITHFUL = np.column_stack([
    pacsv.read_csv(REFERENCE / "faithful.csv").column(c).to_numpy().astype(np.float64)
    for c in ("eruptions", "waiting")])
IRIS = load_iris().data
IRIS_NAMES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def _names(d: int) -> list[str]:
    return [f"x{i}" for i in range(d)]


def _within_1_percent(x: np.ndarray, k: int) -> None:
    """Our best of 10 starts against scikit-learn KMeans(n_clusters=k, n_init=10): both are
    random, with several local optima on some data, so each side's median over three seeds
    is compared (ours ≤ 1.01 × scikit-learn's)."""
    ours = [kmeans(x, names=_names(x.shape[1]), k=k, seed=s).result.inertia for s in range(3)]
    with threadpool_limits(1):  # OpenMP threads on a busy machine only slow small fits down
        peer = [KMeans(n_clusters=k, n_init=10, random_state=s).fit(x).inertia_
                for s in range(3)]
    assert np.median(ours) <= 1.01 * np.median(peer), (ours, peer)


# -- against scikit-learn and R ---------------------------------------------------------------
@pytest.mark.parametrize("k", range(1, 9))
def test_iris_inertia_within_1_percent_of_sklearn(k):
    _within_1_percent(IRIS, k)


@pytest.mark.parametrize("k", range(1, 9))
def test_faithful_inertia_within_1_percent_of_sklearn(k):
    _within_1_percent(FAITHFUL, k)


@pytest.mark.parametrize(("d", "centers", "seed"), [
    (2, 3, 0), (2, 8, 1), (3, 5, 2), (4, 4, 3), (5, 6, 4), (6, 7, 5), (8, 3, 6), (8, 8, 7)])
def test_blobs_inertia_within_1_percent_of_sklearn(d, centers, seed):
    x, _ = make_blobs(n_samples=1000, n_features=d, centers=centers, cluster_std=1.5,
                      random_state=seed)
    for k in (centers - 1, centers, centers + 2):
        _within_1_percent(x, k)


@pytest.mark.parametrize(("d", "centers"), [(2, 3), (3, 5), (5, 8), (8, 4)])
def test_well_separated_blobs_are_found_exactly(d, centers):
    x, truth = make_blobs(n_samples=2000, n_features=d, centers=centers, cluster_std=0.5,
                          center_box=(-40, 40), random_state=d)
    run = kmeans(x, names=_names(d), k=centers, seed=1)
    assert adjusted_rand_score(truth, run.labels) == 1.0
    assert run.result.sizes == tuple(np.bincount(run.labels).tolist())


def test_sweep_picks_the_kneedle_elbow_and_reports_its_clusters():
    x, _ = make_blobs(n_samples=3000, n_features=2, centers=[[0, 0], [40, 0], [20, 35]],
                      cluster_std=1.0, random_state=8)
    run = kmeans(x, names=_names(2), seed=2)
    result = run.result
    curve = ([p.k for p in result.elbow], [p.inertia for p in result.elbow])
    assert result.elbow_k == KneeLocator(*curve, curve="convex", direction="decreasing").knee
    assert result.elbow_k == result.k == 3 and curve[0] == list(range(1, 11))
    assert result.inertia == result.elbow[2].inertia and sum(result.sizes) == 3000
    assert len(result.centroids) == 3 and run.labels.max() == 2


def test_faithful_matches_r_kmeans_nstart_25():
    # R 4.2.2 (make-R-reference.R): set.seed(1); km <- lapply(1:6, function(k)
    #   kmeans(faithful, centers=k, nstart=25, iter.max=100)$tot.withinss)
    r = [50440.15702526, 8901.76872095, 5188.54046823, 2941.72090331, 2028.44447786,
         1458.61249488]
    result = kmeans(FAITHFUL, names=["eruptions", "waiting"], k_range="1:6", n_init=25,
                    seed=3).result
    for point, want in zip(result.elbow, r, strict=True):
        assert point.inertia == pytest.approx(want, rel=1e-10), point.k


def test_same_start_as_sklearn_gives_its_iterations_centres_and_inertia():
    # scikit-learn KMeans(init=<the same centres>, n_init=1, algorithm="lloyd"): Lloyd's
    # algorithm from one start is deterministic, so the runs must agree step for step
    x, _ = make_blobs(n_samples=3000, n_features=3, centers=6, cluster_std=2.0,
                      random_state=4)
    z = np.asfortranarray(x - x.mean(axis=0))
    x_sq = np.einsum("ij,ij->i", z, z)
    tol = 1e-4 * np.var(z, axis=0).mean()
    for k, seed in ((3, 1), (6, 2), (9, 3)):
        init = km._plus_plus(z, x_sq, k, np.random.default_rng(seed))
        ours = km._lloyd(z, x_sq, init, max_iter=300, tol=tol, stop=threading.Event())
        final = km._final(z, x_sq, ours)
        ref = KMeans(n_clusters=k, init=init, n_init=1, algorithm="lloyd").fit(z)
        assert ours.iterations == ref.n_iter_
        assert final.inertia == pytest.approx(ref.inertia_, rel=1e-10)
        order = km._first_seen(ref.labels_, k)
        np.testing.assert_allclose(final.centres, ref.cluster_centers_[order], rtol=0,
                                   atol=1e-10)


def test_empty_cluster_takes_the_farthest_point():
    # a start with a centre far from every point: scikit-learn re-seeds it with the point
    # farthest from its centre, never leaves it empty or NaN
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [10.0, 10.0], [10.0, 11.0],
                  [30.0, 0.0]])
    z = np.asfortranarray(x)
    x_sq = np.einsum("ij,ij->i", z, z)
    init = np.array([[0.5, 0.5], [10.0, 10.5], [500.0, 500.0]])
    fit = km._final(z, x_sq, km._lloyd(z, x_sq, init, max_iter=300, tol=0.0,
                                        stop=threading.Event()))
    ref = KMeans(n_clusters=3, init=init, n_init=1).fit(z)
    assert np.isfinite(fit.centres).all() and (fit.sizes > 0).all()
    assert fit.inertia == pytest.approx(ref.inertia_, rel=1e-12)
    assert sorted(fit.sizes.tolist()) == [1, 2, 3]


# -- silhouette ---------------------------------------------------------------------------------
@pytest.mark.parametrize("k", [2, 3, 5, 8])
def test_silhouette_matches_sklearn(k):
    # scikit-learn silhouette_score(X, labels) on the same labels, to 1e-8
    run = kmeans(IRIS, names=IRIS_NAMES, k=k, seed=5)
    assert run.result.silhouette == pytest.approx(silhouette_score(IRIS, run.labels),
                                                  rel=1e-8)
    run = kmeans(FAITHFUL, names=["e", "w"], k=k, seed=5, scale="zscore")
    assert run.result.silhouette == pytest.approx(silhouette_score(run.data, run.labels),
                                                  rel=1e-8)


def test_silhouette_with_singletons_and_sweep_share_one_pass():
    x = np.array([[0.0], [0.1], [0.2], [5.0], [9.0], [9.1]])
    # the third labelling has no row in cluster 1 (as a sample can miss a small cluster)
    labels = [np.array([0, 0, 0, 1, 2, 2]), np.array([0, 0, 1, 1, 1, 1]),
              np.array([0, 0, 0, 2, 3, 3])]
    got = km._silhouettes(np.asfortranarray(x), labels)
    assert got == pytest.approx([silhouette_score(x, lab) for lab in labels], rel=1e-12)


def test_silhouette_above_the_limit_is_a_seeded_sample(monkeypatch):
    monkeypatch.setattr(km, "SILHOUETTE_ROWS", 400)
    x, _ = make_blobs(n_samples=1200, n_features=3, centers=3, random_state=3)
    run = kmeans(x, names=_names(3), k=3, seed=9)
    assert run.result.silhouette_sample == 400 and run.sample.size == 400
    want = silhouette_score(run.data[run.sample], run.labels[run.sample])
    assert run.result.silhouette == pytest.approx(want, rel=1e-8)
    again = kmeans(x, names=_names(3), k=3, seed=9)
    assert np.array_equal(again.sample, run.sample)
    assert kmeans(x[:400], names=_names(3), k=3, seed=9).result.silhouette_sample is None


@pytest.mark.slow
def test_silhouette_above_10000_rows_is_a_sample_of_10000():
    x, _ = make_blobs(n_samples=12_000, n_features=3, centers=3, random_state=3)
    run = kmeans(x, names=_names(3), k=3, seed=9)
    assert run.result.silhouette_sample == 10_000 and run.sample.size == 10_000
    want = silhouette_score(run.data[run.sample], run.labels[run.sample])
    assert run.result.silhouette == pytest.approx(want, rel=1e-8)


def test_silhouette_of_k_1_is_null_with_a_warning():
    result = kmeans(IRIS, names=IRIS_NAMES, k=1, seed=1).result
    assert np.isnan(result.silhouette)
    assert result.warnings == ("silhouette is undefined for k = 1 (null)",)
    assert (result.inertia, result.explained_variance, result.iterations) == (
        pytest.approx(681.3706, rel=1e-12), 0.0, 1)


# -- Kneedle ------------------------------------------------------------------------------------
def _curves() -> list[tuple[str, list[float], list[float]]]:
    rng = np.random.default_rng(0)
    x = list(range(1, 11))
    curves = [
        ("exp fast", x, list(np.exp(-1.2 * np.array(x)) * 100)),
        ("exp slow", x, list(np.exp(-0.2 * np.array(x)) * 100)),
        ("1/x", x, [100 / v for v in x]),
        ("1/x²", x, [100 / v**2 for v in x]),
        ("corner at 3", x, [100, 60, 20, 18, 16, 14, 12, 10, 8, 6]),
        ("corner at 5", x, [100, 90, 80, 70, 60, 10, 9, 8, 7, 6]),
        ("corner at 2", x, [100, 10, 9.5, 9, 8.5, 8, 7.5, 7, 6.5, 6]),
        ("line (no knee)", x, [100 - 10 * v for v in x]),
        ("concave (no knee)", x, [100 - v**2 for v in x]),
        ("three points", [1, 2, 3], [10, 2, 1]),
        ("two points (no knee)", [1, 2], [10, 1]),
        ("flat tail", x, [100, 40, 5, 5, 5, 5, 5, 5, 5, 5]),
        ("faithful", list(range(1, 7)), [50440.157, 8901.769, 5188.540, 2941.721, 2028.444,
                                          1458.612]),
        ("iris", x, [681.37, 152.35, 78.85, 57.23, 46.45, 39.04, 34.30, 30.06, 27.84,
                     25.99]),
        ("long", list(range(2, 31)), list(1000 / np.arange(2, 31) ** 1.5)),
        ("k from 3", list(range(3, 13)), [50, 30, 22, 18, 16, 15, 14.5, 14, 13.8, 13.6]),
        ("plateau then drop (no knee)", x, [100, 99, 98, 97, 96, 95, 94, 93, 20, 0]),
        ("wiggly", x, [100, 50, 55, 30, 32, 20, 21, 15, 16, 10]),
    ]
    for i in range(6):
        noisy = np.sort(rng.exponential(scale=30, size=10))[::-1] + rng.uniform(0, 1, 10)
        curves.append((f"random {i}", x, list(noisy)))
    return curves


@pytest.mark.parametrize(("name", "x", "y"), _curves(), ids=[c[0] for c in _curves()])
def test_kneedle_matches_kneed(name, x, y):
    # kneed 0.9: KneeLocator(x, y, curve="convex", direction="decreasing", online=False).knee
    want = KneeLocator(x, y, S=1.0, curve="convex", direction="decreasing", online=False).knee
    got = kneedle(x, y)
    assert (got is None) == (want is None) and (got is None or got == float(want))


def test_kneedle_curves_include_no_knee_and_knees():
    answers = [kneedle(x, y) for _, x, y in _curves()]
    assert len(answers) >= 20
    assert sum(a is None for a in answers) >= 3 and sum(a is not None for a in answers) >= 10


def test_no_knee_gives_null_elbow_k_and_a_warning():
    # two values of k cannot have a knee
    result = kmeans(IRIS, names=IRIS_NAMES, k_range="2:3", seed=1).result
    assert result.elbow_k is None and result.k is None and result.centroids == ()
    assert ("the elbow needs at least 3 values of k (--k-range 2:3 has 2); elbow_k is null"
            in result.warnings)


# -- scaling and units --------------------------------------------------------------------------
@pytest.mark.parametrize("scale", ["none", "zscore", "minmax"])
def test_centroids_are_cluster_means_in_input_units(scale):
    run = kmeans(FAITHFUL, names=["eruptions", "waiting"], k=3, scale=scale, seed=4)
    for c, row in enumerate(run.result.centroids):
        assert row["name"] == str(c)
        mean = FAITHFUL[run.labels == c].mean(axis=0)
        assert [row["eruptions"], row["waiting"]] == pytest.approx(mean.tolist(), rel=1e-12)


def test_zscore_is_kmeans_on_the_standardised_data():
    # R's scale(): centred, divided by the standard deviation (ddof = 1)
    scaled = (FAITHFUL - FAITHFUL.mean(axis=0)) / FAITHFUL.std(axis=0, ddof=1)
    a = kmeans(FAITHFUL, names=["e", "w"], k=4, scale="zscore", seed=8).result
    b = kmeans(scaled, names=["e", "w"], k=4, seed=8).result
    assert a.inertia == pytest.approx(b.inertia, rel=1e-10)
    assert a.silhouette == pytest.approx(b.silhouette, rel=1e-10)
    minmax = (FAITHFUL - FAITHFUL.min(axis=0)) / np.ptp(FAITHFUL, axis=0)
    c = kmeans(FAITHFUL, names=["e", "w"], k=4, scale="minmax", seed=8).result
    assert c.inertia == pytest.approx(kmeans(minmax, names=["e", "w"], k=4, seed=8)
                                      .result.inertia, rel=1e-10)


def test_constant_column_cannot_be_zscored_but_minmax_leaves_it_at_0():
    x = np.column_stack([FAITHFUL[:, 0], np.full(len(FAITHFUL), 3.0)])
    with pytest.raises(InputError) as info:
        kmeans(x, names=["eruptions", "c"], k=2, scale="zscore")
    assert str(info.value) == (
        "column 'c' is constant (standard deviation 0), so --scale zscore cannot scale it; "
        "leave it out of --columns, or use --scale minmax or none")
    run = kmeans(x, names=["eruptions", "c"], k=2, scale="minmax", seed=1)
    assert run.result.warnings == ("column 'c' is constant: --scale minmax leaves it at 0",)
    assert all(row["c"] == 3.0 for row in run.result.centroids)


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(k=0), "--k must be 1 or more (got 0)"),
    (dict(k=3, k_range="1:4"), "give --k (one fit) or --k-range (a sweep), not both"),
    (dict(k_range="5:2"), "--k-range '5:2' is not a range FROM:TO of whole numbers with "
                          "1 ≤ FROM ≤ TO; e.g. --k-range 1:10"),
    (dict(k_range="a:b"), "--k-range 'a:b' is not a range FROM:TO of whole numbers with "
                          "1 ≤ FROM ≤ TO; e.g. --k-range 1:10"),
    (dict(k_range="0:3"), "--k-range '0:3' is not a range FROM:TO of whole numbers with "
                          "1 ≤ FROM ≤ TO; e.g. --k-range 1:10"),
    (dict(k=2, n_init=0), "--n-init must be 1 or more (got 0)"),
    (dict(k=2, max_iter=0), "--max-iter must be 1 or more (got 0)"),
    (dict(k=2, tol=-1.0), "--tol must be a number, 0 or more (got -1)"),
    (dict(k=2, seed=-3), "--seed must be a whole number, 0 or more (got -3)"),
    (dict(k=4), "--k 4 is more than the 3 distinct points in the data; give --k 3 or less"),
    (dict(k_range="1:5"), "--k-range 1:5 goes beyond the 3 distinct points in the data; "
                          "give --k-range 1:3"),
    (dict(k_range="4:6"), "--k-range 4:6 goes beyond the 3 distinct points in the data; "
                          "give --k-range 1:3"),
])
def test_bad_options_and_too_few_distinct_points_are_input_errors(kwargs, message):
    x = np.array([[1.0, 2.0], [1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [3.0, 4.0]])
    with pytest.raises(InputError) as info:
        kmeans(x, names=["a", "b"], **kwargs)
    assert str(info.value) == message


def test_parse_k_range():
    assert parse_k_range("1:10") == (1, 10) and parse_k_range(" 3 : 3 ") == (3, 3)


def test_distinct_rows_beyond_the_first_rows_are_counted():
    x = np.zeros((20_000, 2))
    x[-1] = [1.0, 1.0]
    assert km._distinct_rows(x, 2) == 2 and km._distinct_rows(x, 3) == 2
    with pytest.raises(InputError):
        kmeans(x, names=["a", "b"], k=3)


def test_max_iter_reached_is_a_warning():
    x, _ = make_blobs(n_samples=500, n_features=2, centers=5, cluster_std=3, random_state=1)
    result = kmeans(x, names=["a", "b"], k=5, max_iter=1, seed=1).result
    assert result.iterations == 1
    assert ("k = 5: the best start stopped at --max-iter 1 before converging; raise --max-iter"
            in result.warnings)


# -- determinism and threads ----------------------------------------------------------------------
def test_same_seed_same_result_and_threads_change_nothing(monkeypatch):
    x, _ = make_blobs(n_samples=4000, n_features=3, centers=5, cluster_std=2.5,
                      random_state=2)
    one = kmeans(x, names=_names(3), k_range="2:6", seed=21)
    monkeypatch.setattr(km, "THREAD_ROWS", 1)
    monkeypatch.setattr(km, "_threads", lambda n, n_init, k: 3)
    threaded = kmeans(x, names=_names(3), k_range="2:6", seed=21)
    assert threaded.result == one.result
    assert np.array_equal(threaded.labels, one.labels)


def test_sweep_k_uses_the_starts_of_a_single_k():
    single = kmeans(FAITHFUL, names=["e", "w"], k=4, seed=6).result
    sweep = kmeans(FAITHFUL, names=["e", "w"], k_range="1:6", seed=6).result
    assert sweep.elbow[3].inertia == single.inertia


def test_a_k_worse_than_the_one_before_gets_a_warm_start(monkeypatch):
    # every k-means++ start of k = 3 is made to end badly (3 centres on one point, no
    # iteration); the warm start from k = 2's centres then keeps the curve from rising
    real_lloyd, real_plus_plus, warm = km._lloyd, km._plus_plus, []

    def plus_plus(z, x_sq, k, rng, *, given=None):
        centres = real_plus_plus(z, x_sq, k, rng, given=given)
        if given is not None:
            warm.append(centres)
        return centres

    def lloyd(z, x_sq, centres, **kwargs):
        if centres.shape[0] == 3 and not any(c is centres for c in warm):
            bad = np.repeat(z[:1], 3, axis=0)
            return km._Start(centres=bad, iterations=1, converged=True, inertia=1e12)
        return real_lloyd(z, x_sq, centres, **kwargs)

    monkeypatch.setattr(km, "_plus_plus", plus_plus)
    monkeypatch.setattr(km, "_lloyd", lloyd)
    sweep = kmeans(FAITHFUL, names=["e", "w"], k_range="2:3", seed=6).result
    assert len(warm) == 1
    assert sweep.elbow[1].inertia <= sweep.elbow[0].inertia


def test_progress_counts_every_start():
    seen = []
    kmeans(IRIS, names=IRIS_NAMES, k_range="1:4", n_init=3, seed=1, progress=seen.append)
    assert sum(seen) == km.planned_starts(None, (1, 4), 3) == 1 + 3 + 3 + 3


def test_input_is_not_modified_unless_asked():
    x = FAITHFUL.copy()
    kmeans(x, names=["e", "w"], k=2, scale="zscore", seed=1)
    assert np.array_equal(x, FAITHFUL)


# -- properties ---------------------------------------------------------------------------------
points = st.integers(4, 40).flatmap(lambda n: st.integers(1, 3).flatmap(
    lambda d: arrays(np.float64, (n, d), elements=st.integers(-20, 20).map(float))))


@settings(max_examples=60)
@given(points, st.integers(1, 5), st.sampled_from(["none", "zscore", "minmax"]),
       st.integers(0, 2**16))
def test_every_point_is_in_its_nearest_cluster_and_sizes_add_up(x, k, scale, seed):
    distinct = np.unique(x, axis=0).shape[0]
    if scale == "zscore" and (np.ptp(x, axis=0) == 0).any():
        scale = "minmax"
    k = min(k, distinct)
    run = kmeans(x, names=_names(x.shape[1]), k=k, n_init=3, scale=scale, seed=seed)
    result = run.result
    assert sum(result.sizes) == x.shape[0] and len(result.sizes) == k
    dist = ((run.data[:, None, :] - run.centres[None, :, :]) ** 2).sum(axis=2)
    own = dist[np.arange(x.shape[0]), run.labels]
    assert (own <= dist.min(axis=1) + 1e-9 * (1 + dist.max())).all()
    assert 0.0 <= result.explained_variance <= 1.0 or np.isnan(result.explained_variance)
    assert result.inertia == pytest.approx(own.sum(), rel=1e-9, abs=1e-9)


@settings(max_examples=40)
@given(points, st.integers(0, 2**16))
def test_explained_variance_never_falls_along_the_sweep(x, seed):
    distinct = np.unique(x, axis=0).shape[0]
    if distinct < 2:
        return
    top = min(distinct, 6)
    result = kmeans(x, names=_names(x.shape[1]), k_range=f"1:{top}", n_init=2,
                    seed=seed).result
    shares = [p.explained_variance for p in result.elbow]
    assert all(0.0 <= s <= 1.0 for s in shares)
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(shares))
    assert [p.k for p in result.elbow] == list(range(1, top + 1))


def test_values_near_the_float64_limit_give_results_or_null_with_a_warning():
    # Found by the fuzzer: squared distances of 1e308 overflowed (exit 3).
    x = np.array([[1e308, 1.0], [-1e308, 2.0], [9e307, 3.0], [-9e307, 4.0]])
    run = kmeans(x, names=["v", "w"], k=2, n_init=2, seed=1)
    result = run.result
    # In units of 1e306: W = 4 · 5² = 100, T = 2 · 100² + 2 · 90² = 36,200 (w adds ~1e-612).
    assert math.isnan(result.inertia)
    assert result.explained_variance == pytest.approx(1 - 100 / 36_200, rel=1e-12)
    assert sorted(c["v"] for c in result.centroids) == pytest.approx([-9.5e307, 9.5e307])
    assert "inertia beyond the float64 range in the input's units: null (explained_variance " \
           "and silhouette are unaffected)" in result.warnings
    tiny = kmeans(x * 1e-320 / 1e308, names=["v", "w"], k=2, n_init=2, seed=1).result
    assert tiny.sizes == (2, 2) and math.isfinite(tiny.explained_variance)


@pytest.mark.parametrize("scale", ["zscore", "minmax"])
def test_a_column_of_tiny_values_beside_one_of_huge_values_is_scaled_on_its_own(scale):
    # One power of two for both columns flushed the tiny one to 0: zscore called it constant
    # (an error), minmax left it at 0. Scaled on its own it is ordinary data: the result is
    # that of the same data with each column multiplied by an exact power of two.
    x = np.array([[1e-320, 1e300], [2e-320, -1e300], [3e-320, 1.7e308], [5e-321, -1.7e308],
                  [4e-320, 0.0], [3.5e-320, 2e300]])
    got = kmeans(x, names=["a", "b"], k=2, scale=scale, seed=1).result
    plain = np.column_stack([np.ldexp(x[:, 0], 1070), np.ldexp(x[:, 1], -1000)])
    want = kmeans(plain, names=["a", "b"], k=2, scale=scale, seed=1).result
    assert not got.warnings and got.sizes == want.sizes
    assert got.inertia == pytest.approx(want.inertia, rel=1e-12)
    assert got.silhouette == pytest.approx(want.silhouette, rel=1e-12)
    for mine, theirs in zip(got.centroids, want.centroids, strict=True):
        # a subnormal centroid holds its value to the subnormal spacing 2^-1074 (2^-4 here)
        assert np.ldexp(mine["a"], 1070) == pytest.approx(theirs["a"], abs=2.0 ** -4)
        assert np.ldexp(mine["b"], -1000) == pytest.approx(theirs["b"], rel=1e-12)
