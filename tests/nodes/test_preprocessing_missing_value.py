"""Missing Value on the penguins, whose numeric and text columns have gaps."""

from __future__ import annotations

import pandas as pd
import pytest

from studio.core import ConfigureError, NodeExecutionError, Table
from tests.conftest import run_node

NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def _split(table: Table) -> tuple[Table, Table]:
    train, test, _ = run_node("validation.partitioning", [table], method="random", seed=5)
    return train, test


def test_default_fills_numbers_with_the_median_and_text_with_the_most_frequent_value(penguins):
    assert penguins.df["sex"].isna().any() and penguins.df["bill_length_mm"].isna().any()
    out, transform = run_node("preprocessing.missing_value", [penguins])
    assert out.df.drop(columns="species").isna().sum().sum() == 0
    assert len(out) == len(penguins)
    fills = transform.state["fills"]
    assert fills["bill_length_mm"] == pytest.approx(penguins.df["bill_length_mm"].median())
    assert fills["sex"] == penguins.df["sex"].mode().iloc[0]
    gap = penguins.df["body_mass_g"].isna()
    assert (out.df.loc[gap, "body_mass_g"] == fills["body_mass_g"]).all()
    pd.testing.assert_series_equal(
        out.df.loc[~gap, "body_mass_g"], penguins.df.loc[~gap, "body_mass_g"]
    )


def test_test_rows_are_filled_with_the_training_mean_not_their_own(penguins):
    train, test = _split(penguins)
    test_df = test.df.copy()
    test_df.loc[test_df.index[:5], "flipper_length_mm"] = None
    test = test.with_df(test_df)
    _, transform = run_node("preprocessing.missing_value", [train], numbers="mean")
    (filled,) = run_node("preprocessing.apply_transform", [transform, test])
    train_mean = train.df["flipper_length_mm"].mean()
    assert train_mean != pytest.approx(test.df["flipper_length_mm"].mean())
    assert filled.df.loc[test.df.index[:5], "flipper_length_mm"].tolist() == pytest.approx(
        [train_mean] * 5
    )


def test_constant_strategies_use_the_given_values(penguins):
    out, _ = run_node(
        "preprocessing.missing_value",
        [penguins],
        numbers="constant",
        number_value=-1,
        text="constant",
        text_value="unknown",
    )
    gap = penguins.df["bill_depth_mm"].isna()
    assert (out.df.loc[gap, "bill_depth_mm"] == -1).all()
    assert (out.df.loc[penguins.df["sex"].isna(), "sex"] == "unknown").all()


def test_keep_leaves_that_type_of_column_untouched(penguins):
    out, transform = run_node("preprocessing.missing_value", [penguins], numbers="keep")
    assert out.df["bill_length_mm"].isna().sum() == penguins.df["bill_length_mm"].isna().sum()
    assert out.df["sex"].isna().sum() == 0
    assert set(transform.state["fills"]) == {"island", "sex"}


def test_only_the_chosen_columns_are_filled(penguins):
    out, transform = run_node("preprocessing.missing_value", [penguins], columns=["sex"])
    assert transform.input_columns == ["sex"]
    assert out.df["sex"].isna().sum() == 0
    assert out.df["bill_length_mm"].isna().sum() == penguins.df["bill_length_mm"].isna().sum()


def test_a_constant_fill_joins_the_categories_of_a_category_column(penguins):
    table = penguins.with_df(penguins.df.astype({"sex": "category"}))
    out, _ = run_node("preprocessing.missing_value", [table], text="constant", text_value="unknown")
    assert "unknown" in out.df["sex"].cat.categories
    assert out.df["sex"].isna().sum() == 0


def test_a_column_without_any_value_in_training_is_named_in_the_error(penguins):
    df = penguins.df.assign(comment=pd.Series([None] * len(penguins), dtype="float64"))
    with pytest.raises(NodeExecutionError, match="'comment' has no values.*constant"):
        run_node("preprocessing.missing_value", [penguins.with_df(df)], numbers="median")


def test_the_target_column_cannot_be_imputed(penguins):
    with pytest.raises(ConfigureError, match="'species' is the target") as err:
        run_node("preprocessing.missing_value", [penguins], columns=["species", "sex"])
    assert err.value.where == "columns"


def test_a_column_that_does_not_exist_is_named_at_configure_time(penguins):
    with pytest.raises(ConfigureError, match="'wingspan'"):
        run_node("preprocessing.missing_value", [penguins], columns=["wingspan"])


def test_the_input_table_is_not_mutated(penguins):
    before = penguins.df.copy()
    run_node("preprocessing.missing_value", [penguins])
    pd.testing.assert_frame_equal(penguins.df, before)
