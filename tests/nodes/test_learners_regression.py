"""Every regressor (and k-Means) fits on real data, predicts through the Predictor with
a sensible score, is reproducible, and persists with skops."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.metrics import adjusted_rand_score, r2_score

from studio.core import Table
from tests.conftest import run_node

# The floor is the held-out R² each should reach on the (z-scored) diabetes data.
REGRESSORS = [
    ("learners.linear_regression", {}, 0.4),
    ("learners.ridge_regression", {"alpha": 1.0}, 0.4),
    ("learners.lasso_regression", {"alpha": 0.5}, 0.4),
    ("learners.decision_tree_regressor", {"max_depth": 3, "min_samples_leaf": 10}, 0.2),
    ("learners.random_forest_regressor", {"n_estimators": 50, "min_samples_leaf": 5}, 0.35),
    ("learners.gradient_boosting_regressor", {"max_iter": 50, "learning_rate": 0.05}, 0.35),
    ("learners.knn_regressor", {"n_neighbors": 15}, 0.3),
    ("learners.svm_regressor", {"C": 100.0, "epsilon": 5.0}, 0.3),
    (
        "learners.mlp_regressor",
        {"hidden_layers": [16], "learning_rate_init": 0.05, "max_iter": 1000},
        0.35,
    ),
]
IDS = [r[0].split(".")[1] for r in REGRESSORS]


@pytest.fixture(scope="module")
def diabetes_split(diabetes_df):
    table = Table(diabetes_df, {"target": "target"})
    train, test, _ = run_node("validation.partitioning", [table], method="random", seed=4)
    train_scaled, transform = run_node("preprocessing.normalizer", [train])
    (test_scaled,) = run_node("preprocessing.apply_transform", [transform, test])
    return train_scaled, test_scaled


@pytest.fixture(scope="module")
def fitted(diabetes_split):
    """One fit per learner shared by the tests of this module (fits are the slow part)."""
    cache: dict = {}

    def fit(type_id: str, settings: dict):
        if type_id not in cache:
            (cache[type_id],) = run_node(type_id, [diabetes_split[0]], **settings)
        return cache[type_id]

    return fit


@pytest.mark.parametrize(("type_id", "settings", "floor"), REGRESSORS, ids=IDS)
def test_regressor_predicts_held_out_rows_through_the_predictor(
    diabetes_split, fitted, type_id, settings, floor
):
    train, test = diabetes_split
    model = fitted(type_id, settings)
    assert model.task == "regression" and model.target == "target" and model.classes is None
    assert len(model.features) == 10
    assert set(model.metrics) == {"r2", "rmse"} and model.metrics["rmse"] > 0
    (pred,) = run_node("scoring.predictor", [model, test])
    assert [c for c in pred.df.columns if c.startswith("probability_")] == []
    assert r2_score(pred.df["target"], pred.df["prediction"]) >= floor


@pytest.mark.parametrize(("type_id", "settings", "floor"), REGRESSORS, ids=IDS)
def test_regressor_is_reproducible_and_round_trips_through_skops(
    diabetes_split, fitted, type_id, settings, floor
):
    train, test = diabetes_split
    first = fitted(type_id, settings)
    (second,) = run_node(type_id, [train], **settings)
    X = test.df[first.features]
    np.testing.assert_array_equal(first.estimator.predict(X), second.estimator.predict(X))
    data = sio.dumps(first.estimator)
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    np.testing.assert_array_equal(loaded.predict(X), first.estimator.predict(X))


def test_lasso_sets_unhelpful_coefficients_to_zero_as_alpha_grows(diabetes_split):
    train, _ = diabetes_split
    (weak,) = run_node("learners.lasso_regression", [train], alpha=0.01)
    (strong,) = run_node("learners.lasso_regression", [train], alpha=5.0)
    assert (strong.estimator.coef_ == 0).sum() > (weak.estimator.coef_ == 0).sum()


def test_kmeans_finds_the_penguin_species_without_being_told(penguins_clean):
    df = penguins_clean.df.drop(columns=["island", "sex", "year"])
    scaled, _ = run_node("preprocessing.normalizer", [Table(df, {"species": "target"})])
    (model,) = run_node("learners.kmeans", [scaled], n_clusters=3)
    assert model.task == "clustering" and model.target is None and model.classes is None
    assert "species" not in model.features and len(model.features) == 4
    assert model.metrics["inertia"] > 0 and 0 < model.metrics["silhouette"] <= 1
    (pred,) = run_node("scoring.predictor", [model, scaled])
    assert set(pred.df["prediction"]) == {0, 1, 2}
    assert adjusted_rand_score(df["species"], pred.df["prediction"]) > 0.6
    data = sio.dumps(model.estimator)
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    X = scaled.df[model.features]
    np.testing.assert_array_equal(loaded.predict(X), model.estimator.predict(X))


def test_kmeans_is_reproducible_with_its_seed(penguins_clean):
    df = penguins_clean.df[["bill_length_mm", "flipper_length_mm"]]
    (a,) = run_node("learners.kmeans", [Table(df)], n_clusters=4, seed=3)
    (b,) = run_node("learners.kmeans", [Table(df)], n_clusters=4, seed=3)
    pd.testing.assert_series_equal(pd.Series(a.estimator.labels_), pd.Series(b.estimator.labels_))
