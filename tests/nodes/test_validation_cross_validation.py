"""Cross-Validation on real data: folds, out-of-fold predictions, seeds, groups, time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from studio.core import ConfigureError, Model, Table
from tests.conftest import run_node

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


@pytest.fixture
def model(penguins_clean):
    df = penguins_clean.df
    est = make_pipeline(StandardScaler(), LogisticRegression()).fit(df[FEATURES], df["species"])
    return Model(est, "classification", FEATURES, "species", list(est.classes_))


def test_a_learner_node_model_is_refitted_with_its_settings_on_each_fold(penguins_clean):
    (learned,) = run_node(
        "learners.logistic_regression", [penguins_clean], features=FEATURES, C=0.5, max_iter=200
    )
    folds, oof, _ = run_node("validation.cross_validation", [learned, penguins_clean], folds=3)
    assert len(folds.df) == 3 and len(oof.df) == len(penguins_clean)
    assert (folds.df["accuracy"] > 0.8).all()


def test_each_row_is_predicted_once_by_a_fold_and_scores_are_per_fold(model, penguins_clean):
    folds, oof, summary = run_node("validation.cross_validation", [model, penguins_clean], folds=5)
    n = len(penguins_clean)
    assert list(folds.df["fold"]) == [1, 2, 3, 4, 5]
    assert (folds.df["train_rows"] + folds.df["test_rows"] == n).all()
    assert list(oof.df.index) == list(penguins_clean.df.index)
    assert oof.df["fold"].value_counts().sort_index().tolist() == folds.df["test_rows"].tolist()
    probs = oof.df[[f"probability_{c}" for c in model.classes]]
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    accuracy = (oof.df["prediction"] == oof.df["species"]).groupby(oof.df["fold"]).mean()
    np.testing.assert_allclose(accuracy.to_numpy(), folds.df["accuracy"].to_numpy())
    assert summary.values["accuracy_mean"] == pytest.approx(folds.df["accuracy"].mean())
    assert summary.values["accuracy_std"] == pytest.approx(folds.df["accuracy"].std(ddof=0))
    assert 0.9 < summary.values["balanced_accuracy_mean"] <= 1.0


def test_out_of_fold_predictions_come_from_a_model_that_never_saw_the_row(model, penguins_clean):
    _, oof, _ = run_node("validation.cross_validation", [model, penguins_clean], folds=4, seed=3)
    held = oof.df["fold"] == 2
    df = penguins_clean.df
    refit = clone(model.estimator).fit(df.loc[~held, FEATURES], df.loc[~held, "species"])
    np.testing.assert_array_equal(
        refit.predict(df.loc[held, FEATURES]), oof.df.loc[held, "prediction"]
    )


def test_input_model_is_not_refitted_by_cross_validation(model, penguins_clean):
    before = model.estimator[-1].coef_.copy()
    run_node(
        "validation.cross_validation",
        [model, penguins_clean.with_df(penguins_clean.df.sample(60, random_state=0))],
        method="kfold",
        folds=3,
    )
    np.testing.assert_array_equal(model.estimator[-1].coef_, before)


def test_same_seed_gives_the_same_folds_and_another_seed_does_not(model, penguins_clean):
    a = run_node("validation.cross_validation", [model, penguins_clean], seed=7)
    b = run_node("validation.cross_validation", [model, penguins_clean], seed=7)
    c = run_node("validation.cross_validation", [model, penguins_clean], seed=8)
    pd.testing.assert_frame_equal(a[0].df, b[0].df)
    pd.testing.assert_frame_equal(a[1].df, b[1].df)
    assert a[2].values == b[2].values
    assert not a[1].df["fold"].equals(c[1].df["fold"])


def test_group_folds_keep_each_island_in_a_single_fold(model, penguins_clean):
    folds, oof, _ = run_node(
        "validation.cross_validation",
        [model, penguins_clean],
        method="group",
        column="island",
        folds=3,
    )
    assert (oof.df.groupby("island")["fold"].nunique() == 1).all()
    assert len(folds.df) == 3


def test_time_series_folds_train_on_earlier_rows_only(model, penguins_clean):
    folds, oof, _ = run_node(
        "validation.cross_validation",
        [model, penguins_clean],
        method="time_series",
        column="year",
        folds=3,
    )
    assert folds.df["train_rows"].is_monotonic_increasing
    first_block = folds.df["train_rows"].iloc[0]
    assert len(oof.df) == len(penguins_clean) - first_block
    # the rows never predicted are the earliest ones
    unpredicted = penguins_clean.df.drop(index=oof.df.index)
    assert unpredicted["year"].max() <= oof.df["year"].min()


def test_regression_folds_report_errors_as_positive_numbers(diabetes_df):
    table = Table(diabetes_df, {"target": "target"})
    features = [c for c in diabetes_df.columns if c != "target"]
    est = Ridge(alpha=1.0).fit(diabetes_df[features], diabetes_df["target"])
    model = Model(est, "regression", features, "target")
    folds, oof, summary = run_node(
        "validation.cross_validation", [model, table], method="kfold", folds=5
    )
    assert (folds.df["rmse"] > 0).all() and (folds.df["mae"] > 0).all()
    assert 0.3 < summary.values["r2_mean"] < 0.6
    rmse = np.sqrt(((oof.df["prediction"] - oof.df["target"]) ** 2).groupby(oof.df["fold"]).mean())
    np.testing.assert_allclose(rmse.to_numpy(), folds.df["rmse"].to_numpy())


def test_stratified_folds_refuse_a_regression_model(diabetes_df):
    table = Table(diabetes_df, {"target": "target"})
    model = Model(
        Ridge().fit(diabetes_df[["bmi"]], diabetes_df["target"]), "regression", ["bmi"], "target"
    )
    with pytest.raises(Exception, match="stratified folds need a classification target"):
        run_node("validation.cross_validation", [model, table], method="stratified")


def test_a_table_without_the_model_features_is_refused_before_running(model, penguins_clean):
    table = penguins_clean.with_df(penguins_clean.df.drop(columns=["body_mass_g"]))
    with pytest.raises(ConfigureError, match="body_mass_g"):
        run_node("validation.cross_validation", [model, table])


def test_group_folds_without_a_group_column_are_a_configure_error(model, penguins_clean):
    with pytest.raises(ConfigureError, match="column"):
        run_node("validation.cross_validation", [model, penguins_clean], method="group")


def test_parallel_folds_give_the_same_results_as_serial_ones(model, penguins_clean):
    table = penguins_clean.with_df(penguins_clean.df.sample(120, random_state=0))
    serial = run_node("validation.cross_validation", [model, table], folds=3, n_jobs=1)
    parallel = run_node("validation.cross_validation", [model, table], folds=3, n_jobs=2)
    pd.testing.assert_frame_equal(serial[0].df, parallel[0].df)
    pd.testing.assert_frame_equal(serial[1].df, parallel[1].df)
