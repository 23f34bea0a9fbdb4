"""Row-level and multi-table nodes: Row Sampling, GroupBy, Joiner, Concatenate, Binner."""

from __future__ import annotations

import pandas as pd
import pytest

from studio.core import (
    ConfigureError,
    ExecutionContext,
    NodeExecutionError,
    Table,
    Transform,
    default_catalog,
)
from tests.conftest import run_node


def _configure(type_id: str, specs: list, **settings):
    node_type = default_catalog().get(type_id)
    s = node_type.validate_settings({**node_type.Settings().model_dump(mode="json"), **settings})
    return node_type().configure(s, specs, ExecutionContext(catalog=default_catalog()))


# ---- Row Sampling -------------------------------------------------------------------------
def test_sampling_by_count_is_seeded_and_keeps_order(penguins):
    (a,) = run_node("manipulation.row_sampling", [penguins], mode="count", count=50, seed=7)
    (b,) = run_node("manipulation.row_sampling", [penguins], mode="count", count=50, seed=7)
    (c,) = run_node("manipulation.row_sampling", [penguins], mode="count", count=50, seed=8)
    assert len(a) == 50 and a.df.index.equals(b.df.index) and not a.df.index.equals(c.df.index)
    assert a.df.index.is_monotonic_increasing


def test_sampling_stratified_keeps_class_shares(breast_cancer_df):
    t = Table(breast_cancer_df, {"target": "target"})
    (out,) = run_node(
        "manipulation.row_sampling", [t], mode="fraction", fraction=0.2, stratify="target"
    )
    full = breast_cancer_df["target"].value_counts(normalize=True)
    got = out.df["target"].value_counts(normalize=True)
    assert len(out) == round(len(breast_cancer_df) * 0.2)
    assert got["benign"] == pytest.approx(full["benign"], abs=0.01)


def test_sampling_count_larger_than_table_takes_every_row(penguins):
    (out,) = run_node("manipulation.row_sampling", [penguins], mode="count", count=10_000)
    assert len(out) == len(penguins)


# ---- GroupBy --------------------------------------------------------------------------------
def test_group_by_aggregates_per_group(penguins):
    aggs = [
        {"column": "body_mass_g", "function": "mean"},
        {"column": "bill_length_mm", "function": "count", "name": "n_bills"},
        {"column": "island", "function": "nunique"},
    ]
    (out,) = run_node(
        "manipulation.group_by", [penguins], group_columns=["species"], aggregations=aggs
    )
    assert list(out.df.columns) == ["species", "mean(body_mass_g)", "n_bills", "nunique(island)"]
    expected = penguins.df.groupby("species")["body_mass_g"].mean()
    assert out.df.set_index("species")["mean(body_mass_g)"].to_dict() == pytest.approx(
        expected.to_dict()
    )
    assert out.df.set_index("species").loc["Adelie", "nunique(island)"] == 3


def test_group_by_spec_matches_output_types(penguins):
    aggs = [
        {"column": "body_mass_g", "function": "sum"},
        {"column": "year", "function": "max"},
        {"column": "sex", "function": "count"},
    ]
    (spec,) = _configure(
        "manipulation.group_by",
        [penguins.spec()],
        group_columns=["island", "species"],
        aggregations=aggs,
    )
    (out,) = run_node(
        "manipulation.group_by", [penguins], group_columns=["island", "species"], aggregations=aggs
    )
    assert [(c.name, c.dtype) for c in spec.columns] == [
        (c.name, c.dtype) for c in out.spec().columns
    ]


def test_group_by_refuses_mean_of_text(penguins):
    with pytest.raises(ConfigureError, match="mean needs numbers, but column 'island'") as err:
        run_node(
            "manipulation.group_by",
            [penguins],
            group_columns=["species"],
            aggregations=[{"column": "island", "function": "mean"}],
        )
    assert err.value.where == "aggregations.0.function"


# ---- Joiner ---------------------------------------------------------------------------------
@pytest.fixture
def islands() -> Table:
    return Table(
        pd.DataFrame(
            {
                "island": ["Biscoe", "Dream", "Atlantis"],
                "area_km2": [13.1, 3.4, 99.0],
                "year": [1, 2, 3],
            }
        )
    )


@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
def test_joiner_row_counts_per_join_type(penguins, islands, how):
    matched = int(
        penguins.df["island"].isin(["Biscoe", "Dream"]).sum()
    )  # Torgersen has no area; Atlantis no penguins
    expected = {
        "inner": matched,
        "left": len(penguins),
        "right": matched + 1,
        "outer": len(penguins) + 1,
    }[how]
    (out,) = run_node("manipulation.joiner", [penguins, islands], how=how, left_keys=["island"])
    assert len(out) == expected


def test_joiner_suffixes_clashing_names_and_spec_agrees(penguins, islands):
    (spec,) = _configure(
        "manipulation.joiner", [penguins.spec(), islands.spec()], how="left", left_keys=["island"]
    )
    (out,) = run_node("manipulation.joiner", [penguins, islands], how="left", left_keys=["island"])
    assert "year" in out.df.columns and "year (right)" in out.df.columns
    assert spec.names == list(out.df.columns)
    assert out.roles == {"species": "target"}
    torgersen = out.df[out.df["island"] == "Torgersen"]
    assert torgersen["area_km2"].isna().all()


def test_joiner_with_different_key_names(penguins, islands):
    right = islands.with_df(islands.df.rename(columns={"island": "name"}))
    (out,) = run_node(
        "manipulation.joiner", [penguins, right], left_keys=["island"], right_keys=["name"]
    )
    assert (out.df["island"] == out.df["name"]).all()


def test_joiner_validation_catches_row_multiplication(penguins, islands):
    dup = islands.with_df(pd.concat([islands.df, islands.df]))
    with pytest.raises(NodeExecutionError, match="validate_keys"):
        run_node(
            "manipulation.joiner",
            [penguins, dup],
            left_keys=["island"],
            validate_keys="many_to_one",
        )


def test_joiner_refuses_number_key_against_text_key(penguins, islands):
    with pytest.raises(ConfigureError, match="Type Converter") as err:
        run_node(
            "manipulation.joiner", [penguins, islands], left_keys=["year"], right_keys=["island"]
        )
    assert err.value.where == "right_keys"


# ---- Concatenate ----------------------------------------------------------------------------
def test_concatenate_union_fills_missing_columns(penguins):
    a = penguins.with_df(penguins.df.head(10))
    b = penguins.with_df(penguins.df.tail(5)[["species", "island"]])
    (out,) = run_node("manipulation.concatenate", [a, b, None, None], source_column="part")
    assert len(out) == 15 and list(out.df.columns) == [*penguins.df.columns, "part"]
    assert out.df["bill_length_mm"].tail(5).isna().all()
    assert out.df["part"].tolist() == [1] * 10 + [2] * 5
    assert out.roles == {"species": "target"}


def test_concatenate_intersection_of_three_tables(penguins):
    parts = [penguins.with_df(penguins.df.iloc[i * 10 : (i + 1) * 10]) for i in range(3)]
    parts[2] = parts[2].with_df(parts[2].df[["species", "year"]])
    (spec,) = _configure(
        "manipulation.concatenate", [p.spec() for p in parts] + [None], columns="intersection"
    )
    (out,) = run_node("manipulation.concatenate", [*parts, None], columns="intersection")
    assert list(out.df.columns) == spec.names == ["species", "year"]
    assert len(out) == 30


# ---- Binner ---------------------------------------------------------------------------------
def test_binner_equal_width_learns_edges_on_train_and_reuses_them(penguins_clean):
    train = penguins_clean.with_df(penguins_clean.df.iloc[:200])
    test = penguins_clean.with_df(penguins_clean.df.iloc[200:])
    binned, transform = run_node(
        "manipulation.binner", [train], column="body_mass_g", bins=4, output_column="mass_bin"
    )
    assert isinstance(transform, Transform) and transform.node_type == "manipulation.binner"
    lo, hi = train.df["body_mass_g"].min(), train.df["body_mass_g"].max()
    assert transform.state["edges"] == pytest.approx([lo + i * (hi - lo) / 4 for i in range(5)])
    assert binned.df["mass_bin"].cat.categories.size == 4
    node_type = default_catalog().get(transform.node_type)
    s = node_type.validate_settings(transform.settings)
    out = node_type().apply(s, transform.state, [test], None)[0]
    assert (
        out.df["mass_bin"].notna().all()
    )  # test values outside the training range fall into the end bins
    assert len(out) == len(test)


def test_binner_quantile_bins_hold_similar_counts(breast_cancer_df):
    t = Table(breast_cancer_df)
    out, _ = run_node("manipulation.binner", [t], column="mean radius", method="quantile", bins=4)
    counts = out.df["mean radius"].value_counts()
    assert counts.max() - counts.min() <= 3


def test_binner_custom_edges_and_labels(penguins):
    out, _ = run_node(
        "manipulation.binner",
        [penguins],
        column="body_mass_g",
        method="custom",
        edges=[0, 3500, 4500, 10000],
        labels=["light", "medium", "heavy"],
        output_column="mass",
    )
    expected = pd.cut(
        penguins.df["body_mass_g"],
        [0, 3500, 4500, 10000],
        right=False,
        labels=["light", "medium", "heavy"],
    )
    assert out.df["mass"].astype(object).tolist() == expected.astype(object).tolist()
    assert out.spec().column("mass").categories == ("light", "medium", "heavy")


def test_binner_settings_errors_name_the_setting(penguins):
    with pytest.raises(ConfigureError) as err:
        run_node(
            "manipulation.binner", [penguins], column="body_mass_g", method="custom", edges=[3, 1]
        )
    assert err.value.where == "edges"
    with pytest.raises(ConfigureError) as err:
        run_node("manipulation.binner", [penguins], column="island")
    assert err.value.where == "column"
    with pytest.raises(ConfigureError) as err:
        run_node("manipulation.binner", [penguins], column="body_mass_g", bins=3, labels=["a", "b"])
    assert err.value.where == "labels"
