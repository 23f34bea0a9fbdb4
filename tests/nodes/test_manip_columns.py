"""Column-level manipulation nodes: Column Renamer, Type Converter, Column Roles, Sorter."""

from __future__ import annotations

import pandas as pd
import pytest

from studio.core import ConfigureError, ExecutionContext, NodeExecutionError, Table, default_catalog
from tests.conftest import run_node


def _configure(type_id: str, specs: list, **settings):
    node_type = default_catalog().get(type_id)
    s = node_type.validate_settings({**node_type.Settings().model_dump(mode="json"), **settings})
    return node_type().configure(s, specs, ExecutionContext(catalog=default_catalog()))


def test_renamer_renames_and_the_target_role_follows(penguins):
    (out,) = run_node(
        "manipulation.column_renamer",
        [penguins],
        renames=[{"column": "species", "new_name": "kind"}, {"column": "sex", "new_name": "Sex"}],
    )
    assert list(out.df.columns)[:1] == ["kind"] and "Sex" in out.df.columns
    assert out.roles == {"kind": "target"}
    assert "species" in penguins.df.columns


def test_renamer_refuses_a_name_clash(penguins):
    with pytest.raises(ConfigureError, match="'island'") as err:
        run_node(
            "manipulation.column_renamer",
            [penguins],
            renames=[{"column": "sex", "new_name": "island"}],
        )
    assert err.value.where == "renames"


def test_renamer_names_the_unknown_column(penguins):
    with pytest.raises(ConfigureError) as err:
        run_node(
            "manipulation.column_renamer", [penguins], renames=[{"column": "beak", "new_name": "b"}]
        )
    assert err.value.where == "renames.0.column"


def test_type_converter_text_to_numbers_and_dates(tmp_path):
    t = Table(
        pd.DataFrame(
            {
                "n": ["1", "2.5", "x"],
                "d": ["2024-01-05", "2024-02-10", "2024-03-15"],
                "b": ["yes", "No", "1"],
            }
        )
    )
    (out,) = run_node(
        "manipulation.type_converter", [t], on_error="missing",
        conversions=[{"column": "n", "to": "number"}, {"column": "d", "to": "datetime"}, {"column": "b", "to": "boolean"}],
    )  # fmt: skip
    assert out.df["n"].tolist()[:2] == [1.0, 2.5] and pd.isna(out.df["n"].iloc[2])
    assert out.spec().column("d").dtype == "datetime"
    assert out.df["b"].tolist() == [True, False, True]


def test_type_converter_failure_names_column_and_examples():
    t = Table(pd.DataFrame({"n": ["1", "two", "3"]}))
    with pytest.raises(
        NodeExecutionError,
        match=r"conversions.0: 1 value\(s\) of column 'n' do not convert to integer \(e.g. 'two'\)",
    ):
        run_node("manipulation.type_converter", [t], conversions=[{"column": "n", "to": "integer"}])


def test_type_converter_without_conversions_fails_even_when_its_input_columns_are_unknown(
    tmp_path,
):
    from studio.core import Workflow

    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    run_node("io.sql_writer", [Table(pd.DataFrame({"n": ["1"]}))], url=url, table="t")
    wf = Workflow.new("convert")
    wf.add_node("io.sql_reader", "Query", {"url": url, "query": "SELECT * FROM t"})
    wf.add_node("manipulation.type_converter", "Convert")
    wf.connect("Query", 0, "Convert", 0)
    result = wf.run()  # the reader's columns are known only from data: configure is skipped
    assert result.state("Convert") == "failed"
    assert result.error("Convert") == "conversions: add at least one column to convert"


def test_type_converter_spec_promises_the_new_types(penguins):
    convs = [{"column": "year", "to": "category"}, {"column": "body_mass_g", "to": "integer"}]
    (spec,) = _configure("manipulation.type_converter", [penguins.spec()], conversions=convs)
    (out,) = run_node("manipulation.type_converter", [penguins], conversions=convs)
    assert spec.column("year").dtype == out.spec().column("year").dtype == "category"
    assert spec.column("body_mass_g").dtype == out.spec().column("body_mass_g").dtype == "integer"


def test_column_roles_set_target_and_a_learner_uses_it_by_default(penguins_clean):
    cols = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "sex"]
    t = Table(penguins_clean.df[cols].copy())
    (tagged,) = run_node("manipulation.column_roles", [t], target="sex")
    assert tagged.roles == {"sex": "target"}
    (model,) = run_node("learners.logistic_regression", [tagged])
    assert model.target == "sex"
    assert model.features == cols[:3]


def test_column_roles_new_target_replaces_the_old_and_ids_leave_features(penguins):
    (out,) = run_node("manipulation.column_roles", [penguins], target="sex", ids=["year"])
    assert out.roles == {"sex": "target", "year": "id"}
    (spec,) = _configure("manipulation.column_roles", [penguins.spec()], target="sex", ids=["year"])
    assert spec.columns_with_role("target") == ["sex"] and spec.role_of("year") == "id"


def test_column_roles_refuses_two_roles_for_one_column(penguins):
    with pytest.raises(ConfigureError, match="already has the role 'target'") as err:
        run_node("manipulation.column_roles", [penguins], target="island", ids=["island"])
    assert err.value.where == "ids"


def test_column_roles_features_setting_clears_a_role(penguins):
    (out,) = run_node("manipulation.column_roles", [penguins], features=["species"])
    assert out.roles == {}


def test_sorter_sorts_by_several_keys_with_missing_last(penguins):
    keys = [{"column": "species", "ascending": True}, {"column": "body_mass_g", "ascending": False}]
    (out,) = run_node("manipulation.sorter", [penguins], keys=keys)
    expected = penguins.df.sort_values(
        ["species", "body_mass_g"], ascending=[True, False], na_position="last", kind="stable"
    )
    assert out.df["body_mass_g"].tolist() == pytest.approx(
        expected["body_mass_g"].tolist(), nan_ok=True
    )
    assert out.df["species"].iloc[0] == "Adelie" and pd.isna(
        out.df["body_mass_g"][out.df["species"] == "Adelie"].iloc[-1]
    )
    assert list(out.df.index) == list(range(len(out)))


def test_sorter_needs_a_key_and_names_missing_columns(penguins):
    with pytest.raises(ConfigureError) as err:
        run_node("manipulation.sorter", [penguins])
    assert err.value.where == "keys"
    with pytest.raises(ConfigureError) as err:
        run_node("manipulation.sorter", [penguins], keys=[{"column": "weight"}])
    assert err.value.where == "keys.0.column"
