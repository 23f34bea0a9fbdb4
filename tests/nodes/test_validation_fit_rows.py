"""Validation Report checks judged on what the model really did: held-out overlap against
the rows it was fitted on (however the `train` port is wired), and regression overfitting
by the held-out error relative to the training error, not only an R² gap."""

from __future__ import annotations

import pytest
from sklearn.datasets import load_iris

from studio.core import Table
from tests.conftest import run_node

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]


def checks_of(model, train, test, **settings) -> dict:
    _, result, _ = run_node(
        "validation.validation_report", [model, train, test, None, None], **settings
    )
    return {c["check"]: c for c in result.values["checks"]}, result.values["status"]


def test_test_rows_concatenated_onto_the_training_table_are_caught_whatever_is_wired(
    penguins_clean,
):
    train, test, _ = run_node("validation.partitioning", [penguins_clean])
    (inflated,) = run_node("manipulation.concatenate", [train, test, None, None])
    (model,) = run_node("learners.logistic_regression", [inflated], features=FEATURES)
    # The report's train port gets the clean training table, as in the reported workflow.
    checks, status = checks_of(model, train, test)
    overlap = checks["held-out rows (test)"]
    assert overlap["status"] == "fail" and overlap["value"] == pytest.approx(1.0)
    assert f"{len(test)} of {len(test)} test rows" in overlap["message"]
    assert "the rows the model was fitted on" in overlap["message"]
    assert status == "fail"


def test_a_model_fitted_on_the_training_rows_only_passes_the_overlap_check(penguins_clean):
    train, test, _ = run_node("validation.partitioning", [penguins_clean])
    (model,) = run_node("learners.logistic_regression", [train], features=FEATURES)
    checks, _ = checks_of(model, train, test)
    assert checks["held-out rows (test)"]["status"] == "pass"
    assert len(model.fit_rows) == len(train)


@pytest.fixture
def iris_petals() -> Table:
    """Iris with petal length as a regression target (scikit-learn ships it)."""
    df = load_iris(as_frame=True).frame.drop(columns="target")
    return Table(df, {"petal length (cm)": "target"})


def test_an_unlimited_tree_fails_on_relative_error_though_its_r2_gap_is_small(iris_petals):
    train, test, _ = run_node("validation.partitioning", [iris_petals], method="random")
    (tree,) = run_node("learners.decision_tree_regressor", [train])
    checks, status = checks_of(tree, train, test)
    assert checks["overfitting (test)"]["status"] == "pass"  # R² 1.000 vs ~0.95: under 0.10
    ratio = checks["overfitting error ratio (test)"]
    assert ratio["status"] == "fail"
    assert "memorised" in ratio["message"] and "rmse 0.000 on train" in ratio["message"]
    assert status == "fail"


def test_a_ridge_regression_passes_the_relative_error_check(iris_petals):
    train, test, _ = run_node("validation.partitioning", [iris_petals], method="random")
    (ridge,) = run_node("learners.ridge_regression", [train])
    checks, _ = checks_of(ridge, train, test)
    ratio = checks["overfitting error ratio (test)"]
    assert ratio["status"] == "pass" and 0.7 < ratio["value"] < 1.5
    assert ratio["threshold"] == 1.5


def test_a_forest_whose_held_out_error_is_twice_its_training_error_fails(iris_petals):
    train, test, _ = run_node("validation.partitioning", [iris_petals], method="random")
    (forest,) = run_node("learners.random_forest_regressor", [train])
    checks, _ = checks_of(forest, train, test, max_error_ratio=1.5)
    ratio = checks["overfitting error ratio (test)"]
    assert ratio["value"] > 1.5 and ratio["status"] == "fail"
    loose, _ = checks_of(forest, train, test, max_error_ratio=10)
    assert loose["overfitting error ratio (test)"]["status"] == "pass"
