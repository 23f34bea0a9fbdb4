"""ROC Curve, Confusion Matrix, Feature Importance and Data Profile on real data:
figures are real PNGs and the tables agree with scikit-learn and pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from nodes.scoring.data_profile import profile
from studio.core import ConfigureError, Figure, Model, NodeExecutionError, Table
from tests.conftest import run_node

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(figure: Figure) -> None:
    png = figure.png
    assert png[:8] == PNG_MAGIC
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert 200 <= width <= 3000 and 150 <= height <= 3000
    assert 5_000 < len(png) < 2_000_000


def model_and_predictions(table: Table, features: list[str]):
    train, test, _ = run_node("validation.partitioning", [table])
    target = table.target()
    est = make_pipeline(StandardScaler(), LogisticRegression(C=0.5)).fit(
        train.df[features], train.df[target]
    )
    model = Model(est, "classification", features, target, list(est.classes_))
    (predictions,) = run_node("scoring.predictor", [model, test])
    return model, test, predictions


@pytest.fixture
def cancer(breast_cancer_df) -> Table:
    return Table(breast_cancer_df, {"target": "target"})


def test_binary_roc_curve_draws_one_curve_with_the_sklearn_auc(cancer):
    _, test, predictions = model_and_predictions(
        cancer, ["mean radius", "mean texture", "worst smoothness"]
    )
    figure, auc = run_node("scoring.roc_curve", [predictions])
    assert_png(figure)
    assert auc.df["class"].tolist() == ["malignant"]
    expected = roc_auc_score(
        predictions.df["target"] == "malignant", predictions.df["probability_malignant"]
    )
    assert auc.df["auc"].iloc[0] == pytest.approx(expected)
    assert 0.85 < expected < 1.0


def test_binary_roc_curve_can_rank_the_other_class(cancer):
    _, _, predictions = model_and_predictions(cancer, ["mean radius", "mean texture"])
    _, auc = run_node("scoring.roc_curve", [predictions], positive_class="benign")
    assert auc.df["class"].tolist() == ["benign"]


def test_multiclass_roc_curve_draws_one_vs_rest_per_class(penguins_clean):
    _, test, predictions = model_and_predictions(penguins_clean, ["bill_length_mm", "body_mass_g"])
    figure, auc = run_node("scoring.roc_curve", [predictions])
    assert_png(figure)
    assert auc.df["class"].tolist() == ["Adelie", "Chinstrap", "Gentoo"]
    assert auc.df["positives"].sum() == len(test)
    assert (auc.df["auc"] > 0.8).all()


def test_roc_curve_without_probability_columns_names_the_missing_predictor_setting(penguins_clean):
    _, _, predictions = model_and_predictions(penguins_clean, FEATURES)
    bare = predictions.with_df(
        predictions.df.drop(
            columns=[c for c in predictions.df.columns if c.startswith("probability_")]
        )
    )
    with pytest.raises(NodeExecutionError, match="probability_<class> columns"):
        run_node("scoring.roc_curve", [bare])


def test_confusion_matrix_counts_match_sklearn_and_shares_sum_to_one(penguins_clean):
    _, test, predictions = model_and_predictions(
        penguins_clean, ["bill_length_mm", "flipper_length_mm"]
    )
    figure, matrix = run_node("scoring.confusion_matrix", [predictions])
    assert_png(figure)
    labels = ["Adelie", "Chinstrap", "Gentoo"]
    assert matrix.df["truth"].tolist() == labels
    expected = confusion_matrix(
        predictions.df["species"], predictions.df["prediction"], labels=labels
    )
    np.testing.assert_array_equal(matrix.df[labels].to_numpy(), expected)
    _, shares = run_node("scoring.confusion_matrix", [predictions], normalize="truth")
    np.testing.assert_allclose(shares.df[labels].sum(axis=1), 1.0)


def test_confusion_matrix_names_a_missing_prediction_column(penguins_clean):
    with pytest.raises(ConfigureError, match="prediction_column"):
        run_node("scoring.confusion_matrix", [penguins_clean])


def test_permutation_importance_ranks_a_random_column_below_the_real_measurements(penguins_clean):
    df = penguins_clean.df.assign(noise=np.random.default_rng(0).normal(size=len(penguins_clean)))
    model, test, _ = model_and_predictions(
        penguins_clean.with_df(df), ["bill_length_mm", "bill_depth_mm", "noise"]
    )
    figure, importance = run_node("scoring.feature_importance", [model, test], n_repeats=5, seed=1)
    assert_png(figure)
    imp = importance.df.set_index("feature")
    assert importance.df["rank"].tolist() == [1, 2, 3]
    assert importance.df["importance_mean"].is_monotonic_decreasing
    assert imp.loc["noise", "rank"] == 3
    assert imp.loc["bill_length_mm", "importance_mean"] > 0.1
    again = run_node("scoring.feature_importance", [model, test], n_repeats=5, seed=1)[1]
    pd.testing.assert_frame_equal(importance.df, again.df)


def test_feature_importance_needs_the_target_in_the_table(penguins_clean):
    model, test, _ = model_and_predictions(penguins_clean, FEATURES)
    with pytest.raises(ConfigureError, match="species"):
        run_node(
            "scoring.feature_importance", [model, test.with_df(test.df.drop(columns=["species"]))]
        )


def test_data_profile_counts_missing_values_and_matches_pandas_statistics(penguins):
    (out,) = run_node("scoring.data_profile", [penguins])
    prof = out.df.set_index("column")
    df = penguins.df
    assert prof.index.tolist() == df.columns.tolist()
    assert prof.loc["sex", "missing"] == df["sex"].isna().sum() > 0
    assert prof.loc["bill_length_mm", "count"] == df["bill_length_mm"].notna().sum()
    assert prof.loc["bill_length_mm", "mean"] == pytest.approx(df["bill_length_mm"].mean())
    assert prof.loc["body_mass_g", "median"] == pytest.approx(df["body_mass_g"].median())
    assert prof.loc["island", "unique"] == 3 and prof.loc["island", "top"] == df["island"].mode()[0]
    assert np.isnan(prof.loc["island", "mean"])
    assert prof.loc["year", "dtype"] == "integer"


def test_data_profile_of_chosen_columns_equals_the_reusable_function(penguins):
    (out,) = run_node("scoring.data_profile", [penguins], columns=["species", "flipper_length_mm"])
    pd.testing.assert_frame_equal(out.df, profile(penguins.df[["species", "flipper_length_mm"]]))
    assert len(out.df) == 2


def test_data_profile_names_an_unknown_column(penguins):
    with pytest.raises(ConfigureError, match="columns"):
        run_node("scoring.data_profile", [penguins], columns=["wingspan"])


@pytest.mark.parametrize(
    "type_id", ["scoring.scorer", "scoring.confusion_matrix", "scoring.roc_curve"]
)
def test_scoring_nodes_take_the_target_column_as_truth_and_name_the_setting_without_one(
    penguins, type_id
):
    plain = Table(penguins.df.assign(prediction=penguins.df["species"]))  # no target role
    with pytest.raises(ConfigureError, match="choose the column with the true") as err:
        run_node(type_id, [plain])
    assert err.value.where == "truth_column"
    with pytest.raises(ConfigureError, match="'kind' not in the input table") as err:
        run_node(type_id, [plain], truth_column="kind")
    assert err.value.where == "truth_column"
    adelie = (plain.df["species"] == "Adelie").astype(float)
    marked = Table(
        plain.df.assign(probability_Adelie=adelie, probability_Gentoo=1 - adelie),
        {"species": "target"},
    )
    assert run_node(type_id, [marked])[0] is not None
