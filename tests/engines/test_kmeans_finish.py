"""`kmeans_from_fits` (the finish of an engine's k-means, --engine spark) gives the local
engine's result when handed the local engine's fits."""

import math

import numpy as np
import pandas as pd
import pytest

from mlstats.stats.kmeans import EngineFit, kmeans, kmeans_from_fits
from tests.conftest import SAMPLE


@pytest.mark.parametrize("scale", ["none", "zscore", "minmax"])
def test_finish_of_the_local_fits_is_the_local_result(scale):
    data = pd.read_csv(SAMPLE / "faithful.csv").to_numpy(dtype=np.float64)
    names = ["eruptions", "waiting"]
    runs = {k: kmeans(data, names=names, k=k, seed=2, scale=scale) for k in (1, 2, 3, 4)}
    one = runs[2]
    fits = []
    for k, run in runs.items():
        centres = np.array([[c[n] for n in names] for c in run.result.centroids])
        fits.append(EngineFit(k=k, centres=(centres - one.offset) / one.factor,
                              inertia=run.result.inertia, iterations=run.result.iterations,
                              converged=True, sizes=run.result.sizes))
    z = (data - one.offset) / one.factor
    total = float(np.sum(z * z))
    swept = kmeans_from_fits(fits, total=total, sample=z, rows=len(z), names=names,
                             offset=one.offset, factor=one.factor, sweep=True,
                             algorithm="test", scale=scale, n_init=10, max_iter=300, tol=1e-4)
    local = kmeans(data, names=names, k_range="1:4", seed=2, scale=scale).result
    assert swept.elbow_k == local.elbow_k and swept.algorithm == "test"
    for mine, theirs in zip(swept.elbow, local.elbow, strict=True):
        assert mine.k == theirs.k
        for key in ("inertia", "explained_variance", "silhouette"):
            a, b = getattr(mine, key), getattr(theirs, key)
            assert (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9,
                                                                    abs_tol=1e-12), key
    single = kmeans_from_fits(fits[1:2], total=total, sample=z, rows=len(z), names=names,
                              offset=one.offset, factor=one.factor, sweep=False,
                              algorithm="test", scale=scale, n_init=1, max_iter=300, tol=1e-4)
    assert single.sizes == one.result.sizes and single.silhouette_sample is None
    for mine, theirs in zip(single.centroids, one.result.centroids, strict=True):
        assert [mine[n] for n in names] == pytest.approx([theirs[n] for n in names], rel=1e-12)
    assert single.warnings == ()
