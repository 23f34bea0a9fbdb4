"""The mistakes users make with learners, each refused with a message that names the
column or setting at fault and the node to add."""

from __future__ import annotations

import numpy as np
import pytest

from studio.core import ConfigureError, NodeExecutionError, Table
from tests.conftest import run_node


def test_a_target_with_one_class_is_refused_with_its_name_and_value(penguins_clean):
    df = penguins_clean.df[penguins_clean.df["species"] == "Adelie"].drop(columns=["island", "sex"])
    with pytest.raises(NodeExecutionError, match="'species' has only one class \\('Adelie'\\)"):
        run_node(
            "learners.random_forest_classifier", [Table(df, {"species": "target"})], n_estimators=5
        )


def test_text_features_are_named_and_a_category_encoder_is_suggested(penguins_clean):
    with pytest.raises(ConfigureError) as err:
        run_node("learners.svm_classifier", [penguins_clean])
    assert "'island'" in err.value.message and "'sex'" in err.value.message
    assert "Category Encoder" in err.value.message
    assert err.value.where == "features"


@pytest.mark.parametrize(
    "type_id", ["learners.knn_classifier", "learners.mlp_classifier", "learners.naive_bayes"]
)
def test_missing_values_are_named_and_a_missing_value_node_is_suggested(penguins, type_id):
    df = penguins.df.drop(columns=["island", "sex"])
    # the table's spec shows the gaps, so configure refuses before any fit
    with pytest.raises(ConfigureError) as err:
        run_node(type_id, [penguins.with_df(df)])
    assert err.value.where == "features"
    msg = str(err.value)
    assert "'bill_length_mm'" in msg and "'body_mass_g'" in msg and "'year'" not in msg
    assert "Missing Value" in msg


def test_an_empty_table_is_refused_before_fitting(diabetes_df):
    empty = Table(diabetes_df.iloc[:0], {"target": "target"})
    with pytest.raises(NodeExecutionError, match="empty"):
        run_node("learners.ridge_regression", [empty])


def test_a_learner_needs_a_target_to_be_chosen(diabetes_df):
    with pytest.raises(ConfigureError) as err:
        run_node("learners.linear_regression", [Table(diabetes_df)])
    assert err.value.where == "target"


def test_a_text_target_is_refused_for_regression(penguins_clean):
    df = penguins_clean.df.drop(columns=["island", "sex"])
    with pytest.raises(NodeExecutionError, match="'species' is not numeric"):
        run_node("learners.decision_tree_regressor", [Table(df, {"species": "target"})])


def test_infinite_feature_values_are_named(diabetes_df):
    df = diabetes_df.assign(bmi=diabetes_df["bmi"].replace(diabetes_df["bmi"].iloc[0], np.inf))
    with pytest.raises(NodeExecutionError, match="infinite values in feature column\\(s\\) 'bmi'"):
        run_node("learners.linear_regression", [Table(df, {"target": "target"})])


def test_more_neighbours_than_rows_names_the_setting(diabetes_df):
    small = Table(diabetes_df.head(4), {"target": "target"})
    with pytest.raises(
        NodeExecutionError, match="n_neighbors is 5 but the training table has only 4 rows"
    ):
        run_node("learners.knn_regressor", [small])


def test_out_of_range_settings_are_refused_with_the_setting_name(diabetes_df):
    with pytest.raises(ConfigureError) as err:
        run_node(
            "learners.random_forest_regressor",
            [Table(diabetes_df, {"target": "target"})],
            n_estimators=0,
        )
    assert err.value.where == "n_estimators"
    with pytest.raises(ConfigureError) as err:
        run_node(
            "learners.mlp_regressor", [Table(diabetes_df, {"target": "target"})], hidden_layers=[]
        )
    assert err.value.where == "hidden_layers"


def test_kmeans_with_more_clusters_than_rows_says_so(diabetes_df):
    with pytest.raises(NodeExecutionError, match="KMeans could not fit"):
        run_node("learners.kmeans", [Table(diabetes_df.head(3))], n_clusters=5)
