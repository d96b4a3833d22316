"""Pieces of the Spark adapter that need no server."""

import gc

import numpy as np
import pytest

from mlstats.engines.spark_engine import SparkSource
from mlstats.engines.spark_regression import _zero_serves


def test_zero_serves_as_a_shift_only_near_the_data():
    rng = np.random.default_rng(7)
    centred = rng.normal(size=(1000, 3))
    assert _zero_serves(centred)
    assert _zero_serves(np.empty((0, 3)))  # no used rows: nothing to shift
    assert _zero_serves(np.zeros((5, 2)))  # 0 is every value
    assert not _zero_serves(centred + np.array([0.0, 5.0, 0.0]))  # a mean 5 standard deviations out
    assert _zero_serves(centred + np.array([0.0, 3.0, 0.0]))
    assert not _zero_serves(np.full((5, 1), 2.5))  # constant: no spread to be near
    assert not _zero_serves(np.array([[1e308], [1.5e308], [1.7e308]]))  # the mean overflows


class _Session:
    def __init__(self) -> None:
        self.stopped = 0

    def stop(self) -> None:
        self.stopped += 1


@pytest.mark.parametrize("made_models", [False, True])
def test_close_collects_garbage_only_after_mllib_fits(monkeypatch, made_models):
    # MLlib's model references release themselves on the server when collected: a
    # collection before stop() (about 70 ms) only when a fit made some
    collected = []
    monkeypatch.setattr(gc, "collect", lambda *a: collected.append(1))
    src = SparkSource.__new__(SparkSource)
    src.spark, src.made_models = _Session(), made_models
    src.close()
    assert (len(collected), src.spark.stopped) == (int(made_models), 1)
