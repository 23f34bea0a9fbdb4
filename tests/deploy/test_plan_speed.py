"""The scoring path's shortcuts answer what the long way answers: one pass over a boosted
ensemble for labels and probabilities, output frames under a cached column Index, the
request checks against a per-schema Index, and OpenMP limited and restored per call."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
)
from threadpoolctl import threadpool_info

from nodes.scoring import boosted_arrays
from nodes.scoring.boosted_arrays import raw_scores
from nodes.scoring.predictor import _one_pass
from studio.core.ports import ColumnSpec, TableSpec
from studio.deploy.plan import columns_frame, rows_of
from studio.deploy.schema import already_conformed, conform
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


def _gappy(seed: int, n: int = 600) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    X[rng.random(X.shape) < 0.08] = np.nan  # gaps take each split's missing-value branch
    X[0, 0], X[1, 1] = np.inf, -np.inf
    return X


@pytest.mark.parametrize("classes", [2, 3])
def test_boosted_trees_walked_in_numpy_give_scikit_learns_raw_scores_bit_for_bit(
    classes, monkeypatch
):
    X = _gappy(classes)
    y = np.arange(len(X)) % classes
    model = HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=15).fit(X, y)
    scores = raw_scores(model)
    assert scores is not None
    monkeypatch.setattr(boosted_arrays, "SMALL_STEPS", 10**12)  # every batch walked in numpy
    for rows in (X[:1], X[:7], X[:100], X, np.nan_to_num(X[:50])):  # the last without gaps
        assert np.array_equal(scores(rows), model._raw_predict(rows))
    assert not np.array_equal(scores(X[:1]), scores(X[1:2]))  # rows really differ


def test_a_boosted_regressor_predicts_in_one_pass_as_scikit_learn_does():
    X = _gappy(5)
    y = np.nan_to_num(X[:, 0], posinf=0, neginf=0) * 2 + np.nan_to_num(X[:, 1], posinf=0, neginf=0)
    model = HistGradientBoostingRegressor(max_iter=25, loss="poisson").fit(X, np.abs(y))
    label, proba = _one_pass(model)(X[:50])
    assert proba is None
    assert np.array_equal(label, model.predict(X[:50]))


def test_categorical_splits_keep_scikit_learns_own_walk():
    rng = np.random.default_rng(3)
    X = np.column_stack([rng.integers(0, 4, 300).astype(float), rng.normal(size=300)])
    y = (X[:, 0] == 2).astype(int)
    model = HistGradientBoostingClassifier(max_iter=5, categorical_features=[0]).fit(X, y)
    assert raw_scores(model) is None
    label, proba = _one_pass(model)(X[:9])  # still one pass, through _raw_predict
    assert np.array_equal(label, model.predict(X[:9]))
    assert np.array_equal(proba, model.predict_proba(X[:9]))


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
    assert already_conformed(good, SPEC)
    as_objects = good.copy()
    as_objects.columns = pd.Index(["a", "b", "s"], dtype=object)  # another Index dtype
    assert already_conformed(as_objects, SPEC)
    assert not already_conformed(good[["b", "a", "s"]], SPEC)
    assert not already_conformed(good.astype({"b": "float64"}), SPEC)
    assert not already_conformed(good.rename(columns={"s": "t"}), SPEC)
    assert not already_conformed(pd.DataFrame({"a": [1.0], "b": [2], "s": [3]}, dtype=object), SPEC)
    numbered = pd.DataFrame([[1.0, 2, "x"]])  # integer column labels never match names
    assert not already_conformed(numbered, SPEC)
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


def test_rows_on_one_float_matrix_make_the_frame_their_columns_make():
    from studio.deploy.plan import ParsedRows

    mat = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, -0.0]])
    names = ["a", "b", "c"]
    rows = ParsedRows({k: mat[:, j] for j, k in enumerate(names)}, 2, [], mat)
    general = pd.DataFrame(rows.columns, copy=False)
    pd.testing.assert_frame_equal(rows.frame(), general, check_exact=True)
    assert rows.frame().columns.dtype == general.columns.dtype
    # columns that are not the matrix's own views (replaced, reordered) are taken as given
    other = ParsedRows({"a": mat[:, 0], "b": mat[:, 0] * 2, "c": mat[:, 2]}, 2, [], mat)
    pd.testing.assert_frame_equal(other.frame(), pd.DataFrame(other.columns), check_exact=True)
    swapped = ParsedRows({"b": mat[:, 1], "a": mat[:, 0], "c": mat[:, 2]}, 2, [], mat)
    pd.testing.assert_frame_equal(swapped.frame(), pd.DataFrame(swapped.columns), check_exact=True)
