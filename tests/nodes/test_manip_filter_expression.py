"""Expression and Row Filter nodes on the penguins data."""

from __future__ import annotations

import pandas as pd
import pytest

from studio.core import (
    ConfigureError,
    ExecutionContext,
    NodeExecutionError,
    Table,
    Workflow,
    default_catalog,
)
from tests.conftest import run_node


def test_expression_adds_a_ratio_column(penguins):
    (out,) = run_node(
        "manipulation.expression",
        [penguins],
        column="bill_ratio",
        expression="bill_length_mm / bill_depth_mm",
    )
    expected = penguins.df["bill_length_mm"] / penguins.df["bill_depth_mm"]
    pd.testing.assert_series_equal(out.df["bill_ratio"], expected, check_names=False)
    assert out.roles == {"species": "target"}
    assert "bill_ratio" not in penguins.df.columns  # input untouched


def test_expression_with_if_gives_text_and_configure_knows_the_type(penguins):
    node_type = default_catalog().get("manipulation.expression")
    s = node_type.validate_settings(
        {"column": "size", "expression": 'if(body_mass_g > 4000, "heavy", "light")'}
    )
    (spec,) = node_type().configure(
        s, [penguins.spec()], ExecutionContext(catalog=default_catalog())
    )
    assert spec.column("size").dtype == "string"
    (out,) = run_node(
        "manipulation.expression",
        [penguins],
        column="size",
        expression='if(body_mass_g > 4000, "heavy", "light")',
    )
    heavy = penguins.df["body_mass_g"] > 4000
    assert (out.df.loc[heavy, "size"] == "heavy").all()
    assert out.df.loc[penguins.df["body_mass_g"].isna(), "size"].isna().all()


def test_expression_replacing_a_column_keeps_its_position(penguins):
    (out,) = run_node(
        "manipulation.expression", [penguins], column="body_mass_g", expression="body_mass_g / 1000"
    )
    assert list(out.df.columns) == list(penguins.df.columns)
    assert out.df["body_mass_g"].max() == pytest.approx(penguins.df["body_mass_g"].max() / 1000)


def test_expression_error_names_the_setting_and_position(penguins):
    with pytest.raises(ConfigureError) as err:
        run_node("manipulation.expression", [penguins], expression="bill_length_mm * * 2")
    assert err.value.where == "expression"
    assert "at character 18: expected a value" in str(err.value)


def test_expression_unknown_column_is_reported_by_the_engine_before_running(penguins_df, tmp_path):
    penguins_df.to_csv(tmp_path / "p.csv", index=False)
    wf = Workflow(default_catalog())
    reader = wf.add_node("io.csv_reader", "Penguins", {"path": str(tmp_path / "p.csv")})
    expr = wf.add_node("manipulation.expression", "Ratio", {"expression": "flipper / 2"})
    wf.connect(reader.id, "table", expr.id, "table")
    report = wf.configure()
    assert any("Ratio: expression:" in p and "no column 'flipper'" in p for p in report.problems())


def test_row_filter_conditions_all(penguins):
    conds = [
        {"column": "island", "operator": "==", "value": "Biscoe"},
        {"column": "body_mass_g", "operator": ">", "value": "5000"},
    ]
    (out,) = run_node("manipulation.row_filter", [penguins], conditions=conds)
    df = penguins.df
    assert len(out) == int(((df["island"] == "Biscoe") & (df["body_mass_g"] > 5000)).sum()) > 0
    assert out.roles == {"species": "target"}


def test_row_filter_conditions_any_and_in(penguins):
    conds = [
        {"column": "species", "operator": "in", "value": "Adelie, Chinstrap"},
        {"column": "sex", "operator": "is missing"},
    ]
    (out,) = run_node("manipulation.row_filter", [penguins], conditions=conds, combine="any")
    df = penguins.df
    assert len(out) == int((df["species"].isin(["Adelie", "Chinstrap"]) | df["sex"].isna()).sum())


def test_row_filter_inverted_keeps_the_other_rows(penguins):
    conds = [{"column": "species", "operator": "==", "value": "Gentoo"}]
    (kept,) = run_node("manipulation.row_filter", [penguins], conditions=conds)
    (rest,) = run_node("manipulation.row_filter", [penguins], conditions=conds, keep_matching=False)
    assert len(kept) + len(rest) == len(penguins)
    assert set(rest.df["species"]) == {"Adelie", "Chinstrap"}


def test_row_filter_text_operators(penguins):
    (out,) = run_node(
        "manipulation.row_filter",
        [penguins],
        conditions=[{"column": "island", "operator": "starts with", "value": "Dr"}],
    )
    assert set(out.df["island"]) == {"Dream"}


def test_row_filter_expression_mode(breast_cancer_df):
    from studio.core import Table

    t = Table(breast_cancer_df, {"target": "target"})
    (out,) = run_node(
        "manipulation.row_filter",
        [t],
        mode="expression",
        expression='col("mean radius") > 15 and target == "malignant"',
    )
    df = breast_cancer_df
    assert len(out) == int(((df["mean radius"] > 15) & (df["target"] == "malignant")).sum()) > 0


def test_row_filter_expression_must_be_true_false(penguins):
    with pytest.raises(ConfigureError, match="needs true/false") as err:
        run_node(
            "manipulation.row_filter", [penguins], mode="expression", expression="body_mass_g * 2"
        )
    assert err.value.where == "expression"


def test_row_filter_names_the_condition_with_a_bad_number(penguins):
    with pytest.raises(ConfigureError, match="'heavy' is not a number") as err:
        run_node(
            "manipulation.row_filter",
            [penguins],
            conditions=[{"column": "body_mass_g", "operator": ">", "value": "heavy"}],
        )
    assert err.value.where == "conditions.0.value"


def test_row_filter_names_a_missing_column(penguins):
    with pytest.raises(ConfigureError, match="'wing'") as err:
        run_node(
            "manipulation.row_filter",
            [penguins],
            conditions=[{"column": "wing", "operator": "==", "value": "1"}],
        )
    assert err.value.where == "conditions.0.column"


def test_filter_leaving_no_rows_passes_an_empty_table_and_a_learner_says_why(penguins_clean):
    (empty,) = run_node(
        "manipulation.row_filter",
        [penguins_clean],
        conditions=[{"column": "body_mass_g", "operator": ">", "value": "1e9"}],
    )
    assert len(empty) == 0 and list(empty.df.columns) == list(penguins_clean.df.columns)
    numeric = empty.with_df(empty.df[["bill_length_mm", "flipper_length_mm", "species"]])
    with pytest.raises(NodeExecutionError, match="training table is empty"):
        run_node("learners.logistic_regression", [numeric])


def test_filter_leaving_no_rows_fails_when_asked(penguins):
    with pytest.raises(NodeExecutionError, match="no row of 344 is left"):
        run_node(
            "manipulation.row_filter",
            [penguins],
            conditions=[{"column": "species", "operator": "==", "value": "Emperor"}],
            fail_on_empty=True,
        )


def _execute_noting_warnings(type_id: str, table: Table, **settings) -> tuple[list, list[str]]:
    node_type = default_catalog().get(type_id)
    s = node_type.validate_settings({**node_type.Settings().model_dump(mode="json"), **settings})
    notes: list[str] = []
    ctx = ExecutionContext("n", node_type.name, catalog=default_catalog(), on_warning=notes.append)
    return node_type().execute(s, [table], ctx), notes


def test_division_by_zero_in_an_expression_warns_with_the_expression_and_row_count():
    table = Table(pd.DataFrame({"a": [1.0, 2.0, None, 4.0], "b": [0.0, 0.0, 0.0, 2.0]}))
    (out,), notes = _execute_noting_warnings("manipulation.expression", table, expression="a / b")
    assert out.df["result"].isna().tolist() == [True, True, True, False]
    # the third row was missing already: only two gaps come from the zero divisor
    assert notes == ['expression "a / b": division by zero in 2 rows gave missing values']
    _, guarded = _execute_noting_warnings(
        "manipulation.expression", table, expression="if(b == 0, 0, a / b)"
    )
    assert guarded == []
    _, notes = _execute_noting_warnings(
        "manipulation.row_filter", table, mode="expression", expression="a % b > 0"
    )
    assert notes == ['expression "a % b > 0": division by zero in 2 rows gave missing values']
