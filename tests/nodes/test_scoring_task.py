"""Scoring takes the task from the model, never from the truth column's dtype: an
integer-valued regression target (diabetes progression in whole units, as prices are)
is scored as a regression, and a confusion matrix over hundreds of classes is refused."""

from __future__ import annotations

import pytest

from studio.core import ConfigureError, NodeExecutionError, Table
from tests.conftest import run_node


@pytest.fixture
def whole_units(diabetes_df) -> Table:
    """Diabetes with its target in whole units (int64), like house prices in dollars."""
    df = diabetes_df.assign(target=diabetes_df["target"].round().astype("int64"))
    assert df["target"].nunique() > 200
    return Table(df, {"target": "target"})


def regression_predictions(table: Table) -> Table:
    train, test, _ = run_node("validation.partitioning", [table], method="random")
    (model,) = run_node("learners.ridge_regression", [train])
    (predictions,) = run_node("scoring.predictor", [model, test])
    return predictions


def test_scorer_scores_an_integer_regression_target_as_a_regression(whole_units):
    predictions = regression_predictions(whole_units)
    assert predictions.df["target"].dtype == "int64"
    metrics, scores, confusion = run_node("scoring.scorer", [predictions])
    assert metrics.values["task"] == "regression"
    assert 40 < metrics.values["rmse"] < 70 and metrics.values["r2"] > 0.3
    assert "accuracy" not in metrics.values and confusion is None
    assert set(scores.df["metric"]) >= {"mae", "rmse", "r2"}


def test_predictions_read_from_a_file_are_a_regression_when_they_are_fractional(whole_units):
    predictions = regression_predictions(whole_units)
    from_file = Table(predictions.df.copy())  # no record of the model that made them
    metrics, _, _ = run_node(
        "scoring.scorer", [from_file], truth_column="target", prediction_column="prediction"
    )
    assert metrics.values["task"] == "regression"


def test_scoring_hundreds_of_classes_is_refused_before_building_the_matrix(whole_units):
    predictions = regression_predictions(whole_units)
    with pytest.raises(NodeExecutionError, match=r"distinct values, more than the 100 classes"):
        run_node("scoring.scorer", [predictions], task="classification")


def test_confusion_matrix_refuses_a_regression_models_predictions_while_wiring(whole_units):
    predictions = regression_predictions(whole_units)
    with pytest.raises(ConfigureError, match="regression model's predictions"):
        run_node("scoring.confusion_matrix", [predictions])


def test_confusion_matrix_refuses_hundreds_of_classes_with_a_reason(whole_units):
    df = whole_units.df.assign(prediction=whole_units.df["target"] + 1)
    with pytest.raises(NodeExecutionError, match="more than the 100 classes"):
        run_node("scoring.confusion_matrix", [Table(df, {"target": "target"})])


def test_a_classifiers_integer_classes_are_still_scored_as_classification(penguins_clean):
    codes = {"Adelie": 0, "Chinstrap": 1, "Gentoo": 2}
    df = penguins_clean.df.assign(species=penguins_clean.df["species"].map(codes))
    train, test, _ = run_node("validation.partitioning", [penguins_clean.with_df(df)])
    (model,) = run_node(
        "learners.logistic_regression",
        [train],
        features=["bill_length_mm", "bill_depth_mm", "flipper_length_mm"],
    )
    (predictions,) = run_node("scoring.predictor", [model, test])
    metrics, _, confusion = run_node("scoring.scorer", [predictions])
    assert metrics.values["task"] == "classification" and metrics.values["accuracy"] > 0.9
    assert list(confusion.df.columns) == ["truth", "0", "1", "2"]
