"""The scoring path's shortcuts answer what the long way answers: one pass over a boosted
ensemble for labels and probabilities, output frames under a cached column Index, the
request checks against a per-schema Index, and OpenMP limited and restored per call."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from threadpoolctl import threadpool_info

from nodes.scoring.predictor import _one_pass
from studio.core.ports import ColumnSpec, TableSpec
from studio.deploy.plan import columns_frame, rows_of
from studio.deploy.schema import _already_conformed, conform
from studio.deploy.threads import scoring_threads


@pytest.mark.parametrize("classes", [2, 3])
def test_one_pass_over_a_boosted_classifier_gives_its_predict_and_predict_proba(classes):
    rng = np.random.default_rng(classes)
    X = rng.normal(size=(600, 4))
    X[rng.random(X.shape) < 0.05] = np.nan  # gaps take the trees' missing-value branches
    y = np.array(["ant", "bee", "cat"])[rng.integers(0, classes, size=600)]
    model = HistGradientBoostingClassifier(max_iter=15).fit(X, y)
    both = _one_pass(model)
    assert both is not None
    label, proba = both(X)
    np.testing.assert_array_equal(label, model.predict(X))
    assert label.dtype == model.predict(X).dtype
    assert np.array_equal(proba, model.predict_proba(X))  # bit for bit, not approximately


def test_other_classifiers_keep_their_two_public_calls():
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10) % 2
    assert _one_pass(RandomForestClassifier(n_estimators=2).fit(X, y)) is None


def test_columns_frame_is_the_frame_pandas_builds_from_the_same_columns():
    index = pd.RangeIndex(5, 8)
    for cols in (
        {"prediction": ["a", "b", "a"], "probability_a": [0.1, 0.2, 0.3]},
        {"prediction": np.array([1.5, 2.5, np.nan]), "n": np.array([1, 2, 3])},
        {"x": np.array(["u", None, "w"], dtype=object), "flag": [True, False, True]},
    ):
        for _ in range(2):  # the second time from the cached column Index
            pd.testing.assert_frame_equal(
                columns_frame(cols, index), pd.DataFrame(cols, index=index), check_exact=True
            )
    assert columns_frame({}, pd.RangeIndex(0)).shape == (0, 0)


SPEC = TableSpec((ColumnSpec("a", "number"), ColumnSpec("b", "integer"), ColumnSpec("s", "string")))


def test_a_request_is_taken_as_conformed_only_when_names_order_and_dtypes_are_the_schemas():
    good = pd.DataFrame({"a": [1.0], "b": [2], "s": ["x"]})
    assert _already_conformed(good, SPEC)
    as_objects = good.copy()
    as_objects.columns = pd.Index(["a", "b", "s"], dtype=object)  # another Index dtype
    assert _already_conformed(as_objects, SPEC)
    assert not _already_conformed(good[["b", "a", "s"]], SPEC)
    assert not _already_conformed(good.astype({"b": "float64"}), SPEC)
    assert not _already_conformed(good.rename(columns={"s": "t"}), SPEC)
    assert not _already_conformed(
        pd.DataFrame({"a": [1.0], "b": [2], "s": [3]}, dtype=object), SPEC
    )
    numbered = pd.DataFrame([[1.0, 2, "x"]])  # integer column labels never match names
    assert not _already_conformed(numbered, SPEC)
    pd.testing.assert_frame_equal(conform(good[["s", "b", "a"]], SPEC), good)


def test_rows_of_an_all_number_frame_is_one_matrix_with_column_views():
    spec = TableSpec((ColumnSpec("x", "number"), ColumnSpec("y", "number")))
    rows = rows_of(pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, np.nan]}), spec)
    assert rows.matrix is not None and rows.matrix.shape == (2, 2)
    assert list(rows.columns) == ["x", "y"]
    np.testing.assert_array_equal(rows.columns["y"], [3.0, np.nan])


def _openmp_threads() -> set[int]:
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp"}


def test_one_openmp_thread_is_restored_after_nesting_and_after_an_error():
    HistGradientBoostingClassifier  # noqa: B018 — scikit-learn's OpenMP runtime is loaded
    before = _openmp_threads()
    with scoring_threads(1):
        with scoring_threads(1):
            assert _openmp_threads() == {1}
        assert _openmp_threads() == {1}
    assert _openmp_threads() == before
    with pytest.raises(RuntimeError), scoring_threads(1):
        raise RuntimeError("a node failed")
    assert _openmp_threads() == before
