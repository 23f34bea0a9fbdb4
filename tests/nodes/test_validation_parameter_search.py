"""Parameter Search on real data: grid and random search, refit model, reproducibility."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from studio.core import ConfigureError, Model, NodeExecutionError, Table
from tests.conftest import run_node

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def _fitted_model(estimator, penguins_clean) -> Model:
    """The Logistic Regression Learner's Model of `estimator` fitted on the penguins."""
    df = penguins_clean.df
    est = estimator.fit(df[FEATURES], df["species"])
    return Model(
        est,
        "classification",
        FEATURES,
        "species",
        list(est.classes_),
        {"accuracy": 1.0},
        "learners.logistic_regression",
        {"C": 1.0},
    )


@pytest.fixture
def model(penguins_clean):
    return _fitted_model(make_pipeline(StandardScaler(), LogisticRegression(C=1.0)), penguins_clean)


def test_grid_search_ranks_every_combination_and_reports_the_best(model, penguins_clean):
    space = {
        "logisticregression__C": [0.001, 0.1, 10.0],
        "logisticregression__fit_intercept": [True, False],
    }
    best, results, _ = run_node(
        "validation.parameter_search", [model, penguins_clean], search_space=space, folds=3
    )
    df = results.df
    assert len(df) == 6 and sorted(df["candidate"]) == [1, 2, 3, 4, 5, 6]
    assert df["rank"].is_monotonic_increasing
    top = df.iloc[0]
    assert json.loads(top["params"]) == best.values["best_params"]
    assert best.values["best_score"] == pytest.approx(df["mean_score"].max())
    assert best.values["scoring"] == "balanced_accuracy"
    # a very strong penalty without intercept is the worst of these settings
    worst = df.iloc[-1]
    assert worst["param_logisticregression__C"] == 0.001


def test_refit_model_has_the_best_parameters_and_leaves_the_template_alone(model, penguins_clean):
    space = {"logisticregression__C": [0.001, 1.0]}
    best, _, refit = run_node(
        "validation.parameter_search", [model, penguins_clean], search_space=space, folds=3
    )
    assert refit is not model
    assert (
        refit.estimator.get_params()["logisticregression__C"]
        == best.values["best_params"]["logisticregression__C"]
    )
    assert model.estimator.get_params()["logisticregression__C"] == 1.0
    assert (refit.task, refit.features, refit.target, refit.classes) == (
        model.task,
        model.features,
        model.target,
        model.classes,
    )
    assert refit.metrics["cv_balanced_accuracy"] == pytest.approx(best.values["best_score"])
    assert refit.settings["parameter_search"]["best_params"] == best.values["best_params"]
    assert refit.estimator.predict(penguins_clean.df[FEATURES]).shape == (len(penguins_clean),)


def test_random_search_with_a_seed_is_reproducible(model, penguins_clean):
    space = {
        "logisticregression__C": [0.01, 0.1, 1.0, 10.0],
        "logisticregression__tol": [1e-4, 1e-3, 1e-2],
    }
    kw = dict(search_space=space, mode="random", n_iter=4, folds=3, seed=5)
    a = run_node("validation.parameter_search", [model, penguins_clean], **kw)
    b = run_node("validation.parameter_search", [model, penguins_clean], **kw)
    assert len(a[1].df) == 4
    pd.testing.assert_frame_equal(a[1].df, b[1].df)
    assert a[0].values == b[0].values


def test_unknown_parameter_is_named_with_the_valid_ones(model, penguins_clean):
    with pytest.raises(NodeExecutionError, match=r"'alpha'.*valid:.*logisticregression__C"):
        run_node(
            "validation.parameter_search", [model, penguins_clean], search_space={"alpha": [1.0]}
        )


def test_an_empty_search_space_is_a_configure_error(model, penguins_clean):
    with pytest.raises(ConfigureError, match="search_space"):
        run_node("validation.parameter_search", [model, penguins_clean])


def test_a_regression_score_on_a_classifier_is_a_configure_error(model, penguins_clean):
    with pytest.raises(ConfigureError, match="scoring"):
        run_node(
            "validation.parameter_search",
            [model, penguins_clean],
            search_space={"logisticregression__C": [1.0]},
            scoring="rmse",
        )


def test_rmse_search_picks_the_smallest_error(diabetes_df):
    features = [c for c in diabetes_df.columns if c != "target"]
    model = Model(
        Ridge().fit(diabetes_df[features], diabetes_df["target"]), "regression", features, "target"
    )
    table = Table(diabetes_df, {"target": "target"})
    best, results, refit = run_node(
        "validation.parameter_search",
        [model, table],
        search_space={"alpha": [0.01, 1.0, 1000.0]},
        method="kfold",
        folds=4,
        scoring="rmse",
    )
    assert (results.df["mean_score"] > 0).all()
    assert best.values["best_score"] == pytest.approx(results.df["mean_score"].min())
    assert best.values["best_params"]["alpha"] != 1000.0
    assert np.isfinite(refit.metrics["rmse"])


def _plain_model(penguins_clean) -> Model:
    return _fitted_model(LogisticRegression(max_iter=1000), penguins_clean)


def test_grid_values_are_checked_against_the_learners_settings_when_it_runs(penguins_clean):
    from studio.core import ExecutionContext, default_catalog

    node_type = default_catalog().get("validation.parameter_search")
    s = node_type.validate_settings({"search_space": {"max_iter": [100, 5]}, "folds": 3})
    ctx = ExecutionContext("s", "Search", catalog=default_catalog())
    with pytest.raises(ConfigureError) as info:
        node_type().execute(s, [_plain_model(penguins_clean), penguins_clean], ctx)
    assert info.value.where == "search_space"
    assert (
        "max_iter=5 is not valid for Logistic Regression Learner: Max Iter must be at least 10, not 5"
        in str(info.value)
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_estimator_values_of_a_setting_that_means_something_else_are_not_refused(
    penguins_clean,
):
    # class_weight is a true/false setting of the learner but "balanced"/None for scikit-learn
    best, _, _ = run_node(
        "validation.parameter_search",
        [_plain_model(penguins_clean), penguins_clean],
        search_space={"class_weight": ["balanced", None]},
        folds=3,
    )
    assert best.values["candidates"] == 2
