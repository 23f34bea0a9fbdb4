"""Category Encoder: one-hot and ordinal codes, and what happens to unseen categories."""

from __future__ import annotations

import numpy as np
import pytest

from studio.core import ConfigureError, ExecutionContext, NodeExecutionError, Table, default_catalog
from tests.conftest import run_node


def _with_new_island(table: Table) -> Table:
    df = table.df.copy()
    df.loc[df.index[:3], "island"] = "Atlantis"
    return table.with_df(df)


def test_one_hot_replaces_each_text_column_by_one_zero_one_column_per_category(penguins_clean):
    out, transform = run_node("preprocessing.category_encoder", [penguins_clean])
    cols = list(out.df.columns)
    assert cols[:4] == ["species", "island_Biscoe", "island_Dream", "island_Torgersen"]
    assert "island" not in cols and "sex_female" in cols and "sex_male" in cols
    assert (out.df[["island_Biscoe", "island_Dream", "island_Torgersen"]].sum(axis=1) == 1).all()
    assert (out.df["island_Dream"] == (penguins_clean.df["island"] == "Dream")).all()
    assert transform.state["categories"]["island"] == ["Biscoe", "Dream", "Torgersen"]
    assert out.roles == {"species": "target"}


def test_ordinal_gives_each_category_its_sorted_position(penguins_clean):
    out, _ = run_node("preprocessing.category_encoder", [penguins_clean], method="ordinal")
    codes = dict(zip(penguins_clean.df["island"], out.df["island"], strict=True))
    assert codes == {"Biscoe": 0, "Dream": 1, "Torgersen": 2}
    assert out.df["island"].dtype == np.int64


def test_unseen_category_ignored_gives_all_zero_columns(penguins_clean):
    _, transform = run_node("preprocessing.category_encoder", [penguins_clean], unseen="ignore")
    (out,) = run_node(
        "preprocessing.apply_transform", [transform, _with_new_island(penguins_clean)]
    )
    islands = out.df[["island_Biscoe", "island_Dream", "island_Torgersen"]]
    assert (islands.iloc[:3].sum(axis=1) == 0).all()
    assert (islands.iloc[3:].sum(axis=1) == 1).all()


def test_unseen_category_as_error_names_the_column_and_the_value(penguins_clean):
    _, transform = run_node("preprocessing.category_encoder", [penguins_clean], unseen="error")
    with pytest.raises(NodeExecutionError) as err:
        run_node("preprocessing.apply_transform", [transform, _with_new_island(penguins_clean)])
    assert "'island'" in str(err.value) and "'Atlantis'" in str(err.value)


def test_unseen_category_reserved_gets_its_own_column(penguins_clean):
    out_train, transform = run_node(
        "preprocessing.category_encoder", [penguins_clean], unseen="reserved", columns=["island"]
    )
    assert (out_train.df["island___unseen__"] == 0).all()
    (out,) = run_node(
        "preprocessing.apply_transform", [transform, _with_new_island(penguins_clean)]
    )
    assert out.df["island___unseen__"].tolist()[:4] == [1, 1, 1, 0]
    assert (
        out.df.iloc[:3][["island_Biscoe", "island_Dream", "island_Torgersen"]].sum(axis=1) == 0
    ).all()


def test_unseen_category_in_ordinal_mode_gets_the_reserved_code(penguins_clean):
    _, transform = run_node(
        "preprocessing.category_encoder", [penguins_clean], method="ordinal", unseen="reserved"
    )
    (out,) = run_node(
        "preprocessing.apply_transform", [transform, _with_new_island(penguins_clean)]
    )
    assert out.df["island"].tolist()[:3] == [-1, -1, -1]


def test_missing_text_values_give_zeros_not_an_unseen_category(penguins):
    out, transform = run_node(
        "preprocessing.category_encoder", [penguins], unseen="error", columns=["sex"]
    )
    assert transform.state["categories"]["sex"] == ["female", "male"]
    gap = penguins.df["sex"].isna()
    assert (out.df.loc[gap, ["sex_female", "sex_male"]].sum(axis=1) == 0).all()


def test_one_hot_spec_is_known_before_data_only_when_the_categories_are(penguins_clean):
    node_type = default_catalog().get("preprocessing.category_encoder")
    s = node_type.validate_settings({})
    unknown, tspec = node_type().configure(
        s, [penguins_clean.spec()], ExecutionContext(catalog=default_catalog())
    )
    assert unknown is None and tspec.input_columns == ("island", "sex")
    typed = penguins_clean.with_df(
        penguins_clean.df.astype({"island": "category", "sex": "category"})
    )
    known, _ = node_type().configure(s, [typed.spec()], ExecutionContext(catalog=default_catalog()))
    out, _ = run_node("preprocessing.category_encoder", [typed])
    assert known.names == list(out.df.columns)


def test_an_id_like_column_is_refused_by_max_categories(breast_cancer_df):
    df = breast_cancer_df.assign(patient=[f"p{i}" for i in range(len(breast_cancer_df))])
    with pytest.raises(
        NodeExecutionError, match="'patient' has 569 distinct values.*max_categories"
    ):
        run_node("preprocessing.category_encoder", [Table(df, {"target": "target"})])


def test_the_target_column_is_left_for_the_learner(penguins_clean):
    out, transform = run_node("preprocessing.category_encoder", [penguins_clean])
    assert "species" not in transform.input_columns
    with pytest.raises(ConfigureError, match="'species' is the target"):
        run_node("preprocessing.category_encoder", [penguins_clean], columns=["species"])
