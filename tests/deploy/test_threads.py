"""A small batch is scored on one OpenMP thread (HistGradientBoosting with every core took
50x longer for one row on a busy machine); a large batch keeps every core; the answers
are the same either way."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_info

from studio.deploy.threads import SMALL_BATCH, scoring_threads


def _openmp_threads() -> set[int]:
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp"}


def test_small_batches_run_on_one_openmp_thread_and_large_ones_on_all():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 5))
    model = HistGradientBoostingRegressor(max_iter=20).fit(x, x.sum(axis=1))
    before = _openmp_threads()
    assert before, "scikit-learn's OpenMP runtime is loaded"
    expected = model.predict(x[:3])
    with scoring_threads(3):
        assert _openmp_threads() == {1}
        np.testing.assert_array_equal(model.predict(x[:3]), expected)
    assert _openmp_threads() == before
    with scoring_threads(SMALL_BATCH + 1):
        assert _openmp_threads() == before
