"""Feature Selection: variance and correlation filters decided on the training rows."""

from __future__ import annotations

import numpy as np
import pytest

from studio.core import ConfigureError, ExecutionContext, Table, default_catalog
from tests.conftest import run_node


def test_correlation_filter_drops_near_duplicates_and_keeps_the_first(breast_cancer_df):
    table = Table(breast_cancer_df, {"target": "target"})
    assert breast_cancer_df["mean radius"].corr(breast_cancer_df["mean perimeter"]) > 0.99
    out, transform = run_node("preprocessing.feature_selection", [table], max_correlation=0.95)
    assert "mean radius" in out.df.columns and "mean perimeter" not in out.df.columns
    assert "'mean radius'" in transform.state["dropped"]["mean perimeter"]
    kept = [c for c in out.df.columns if c != "target"]
    corr = out.df[kept].corr().abs().to_numpy(copy=True)
    np.fill_diagonal(corr, 0)
    assert corr.max() <= 0.95
    assert "target" in out.df.columns


def test_variance_filter_drops_constant_and_near_constant_columns(diabetes_df):
    df = diabetes_df.assign(constant=1.0, tiny=diabetes_df["bmi"] * 1e-4)
    out, transform = run_node(
        "preprocessing.feature_selection",
        [Table(df, {"target": "target"})],
        min_variance=0.01,
        max_correlation=1.0,
    )
    assert "constant" not in out.df.columns and "tiny" not in out.df.columns
    assert set(transform.state["dropped"]) == {"constant", "tiny"}
    assert "bmi" in out.df.columns


def test_max_correlation_one_keeps_correlated_columns(breast_cancer_df):
    out, transform = run_node(
        "preprocessing.feature_selection",
        [Table(breast_cancer_df, {"target": "target"})],
        max_correlation=1.0,
    )
    assert transform.state["dropped"] == {}
    assert list(out.df.columns) == list(breast_cancer_df.columns)


def test_the_target_is_never_dropped_even_when_it_is_constant_or_a_duplicate(diabetes_df):
    df = diabetes_df.assign(target=1.0, copy=diabetes_df["bmi"])
    table = Table(df, {"target": "target", "copy": "target"})
    out, transform = run_node("preprocessing.feature_selection", [table])
    assert "target" in out.df.columns and "copy" in out.df.columns
    assert "target" not in transform.input_columns
    with pytest.raises(ConfigureError, match="'target' is the target"):
        run_node("preprocessing.feature_selection", [table], columns=["bmi", "target"])


def test_test_rows_lose_the_columns_chosen_on_the_training_rows(breast_cancer_df):
    table = Table(breast_cancer_df, {"target": "target"})
    train, test, _ = run_node("validation.partitioning", [table], seed=2)
    out_train, transform = run_node("preprocessing.feature_selection", [train], max_correlation=0.9)
    (out_test,) = run_node("preprocessing.apply_transform", [transform, test])
    assert list(out_test.df.columns) == list(out_train.df.columns)
    assert len(out_test) == len(test)


def test_kept_columns_are_unknown_before_data_but_the_transform_spec_is(breast_cancer_df):
    node_type = default_catalog().get("preprocessing.feature_selection")
    spec = Table(breast_cancer_df, {"target": "target"}).spec()
    out_spec, tspec = node_type().configure(
        node_type.validate_settings({}), [spec], ExecutionContext(catalog=default_catalog())
    )
    assert out_spec is None
    assert len(tspec.input_columns) == 30 and "target" not in tspec.input_columns
