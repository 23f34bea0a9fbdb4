"""Normalizer: z-score, min-max and robust scaling learned on the training rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from studio.core import ConfigureError, ExecutionContext, Table, default_catalog
from tests.conftest import run_node

NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]


def test_zscore_gives_every_numeric_feature_mean_zero_and_unit_variance(penguins_clean):
    out, transform = run_node("preprocessing.normalizer", [penguins_clean])
    assert transform.input_columns == NUMERIC
    scaled = out.df[NUMERIC]
    assert np.allclose(scaled.mean(), 0, atol=1e-9)
    assert np.allclose(scaled.std(ddof=0), 1)
    pd.testing.assert_frame_equal(
        out.df[["species", "island", "sex"]], penguins_clean.df[["species", "island", "sex"]]
    )


def test_minmax_puts_training_rows_in_zero_to_one(penguins_clean):
    out, _ = run_node("preprocessing.normalizer", [penguins_clean], method="minmax")
    scaled = out.df[NUMERIC]
    assert np.allclose(scaled.min(), 0) and np.allclose(scaled.max(), 1)


def test_robust_centres_on_the_median(penguins_clean):
    out, _ = run_node(
        "preprocessing.normalizer", [penguins_clean], method="robust", columns=["body_mass_g"]
    )
    assert out.df["body_mass_g"].median() == pytest.approx(0)
    q1, q3 = out.df["body_mass_g"].quantile([0.25, 0.75])
    assert q3 - q1 == pytest.approx(1)


def test_normalizer_fitted_on_train_is_reused_on_test(breast_cancer_df):
    table = Table(breast_cancer_df, {"target": "target"})
    train, test, _ = run_node("validation.partitioning", [table], seed=1)
    _, transform = run_node("preprocessing.normalizer", [train], method="minmax")
    (scaled,) = run_node("preprocessing.apply_transform", [transform, test])
    col = "mean radius"
    lo, hi = train.df[col].min(), train.df[col].max()
    expected = (test.df[col] - lo) / (hi - lo)
    assert np.allclose(scaled.df[col], expected)


def test_missing_values_stay_missing(penguins):
    out, _ = run_node("preprocessing.normalizer", [penguins])
    pd.testing.assert_series_equal(
        out.df["bill_depth_mm"].isna(), penguins.df["bill_depth_mm"].isna()
    )
    assert np.isfinite(out.df["bill_depth_mm"].dropna()).all()


def test_scaled_integer_columns_are_announced_as_numbers_in_configure(penguins_clean):
    node_type = default_catalog().get("preprocessing.normalizer")
    out_spec, tspec = node_type().configure(
        node_type.validate_settings({}),
        [penguins_clean.spec()],
        ExecutionContext(catalog=default_catalog()),
    )
    assert penguins_clean.spec().column("year").dtype == "integer"
    assert out_spec.column("year").dtype == "number"
    assert out_spec.column("island").dtype == "string"
    assert tspec.node_type == "preprocessing.normalizer"


def test_choosing_a_text_column_is_refused_with_its_name(penguins_clean):
    with pytest.raises(ConfigureError, match="'island'.*numeric") as err:
        run_node("preprocessing.normalizer", [penguins_clean], columns=["bill_length_mm", "island"])
    assert err.value.where == "columns"


def test_the_target_is_never_scaled_by_default(diabetes_df):
    table = Table(diabetes_df, {"target": "target"})
    out, transform = run_node("preprocessing.normalizer", [table])
    assert "target" not in transform.input_columns
    pd.testing.assert_series_equal(out.df["target"], diabetes_df["target"])
