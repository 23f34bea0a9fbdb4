"""The node-check vocabulary of the core: `TableSpec.require` and errors that name where."""

from __future__ import annotations

import pickle

import pytest

from studio.core import ConfigureError, NodeExecutionError
from studio.core.ports import ColumnSpec, TableSpec

SPEC = TableSpec(
    (ColumnSpec("age", "integer"), ColumnSpec("city", "string"), ColumnSpec("y", "string")),
    (("y", "target"),),
)


def test_require_names_the_missing_columns_the_available_ones_and_the_setting():
    with pytest.raises(ConfigureError) as err:
        SPEC.require(["age", "income", "zip"], setting="features")
    assert err.value.where == "features"
    assert err.value.message.startswith(
        "column(s) 'income', 'zip' not in the input table (available: age, city, y)"
    )
    assert "choose from the available columns" in err.value.message


def test_require_accepts_one_column_and_passes_when_nothing_is_chosen():
    SPEC.require("age", setting="column")
    SPEC.require(None, setting="column")
    SPEC.require([], setting="columns")
    with pytest.raises(ConfigureError, match="'weight' not in the left table"):
        SPEC.require("weight", setting="left_keys", source="the left table")


def test_require_numeric_refuses_a_text_column():
    SPEC.require("age", setting="column", numeric=True)
    with pytest.raises(ConfigureError, match="'city' hold string values.*needs numbers") as err:
        SPEC.require(["age", "city"], setting="column", numeric=True)
    assert err.value.where == "column"


def test_the_spec_knows_its_target_column():
    assert SPEC.target() == "y"
    assert TableSpec((ColumnSpec("a", "number"),)).target() is None


def test_an_execution_error_names_where_in_its_text_and_keeps_it_across_processes():
    err = NodeExecutionError("2 value(s) do not convert", where="conversions.0")
    assert str(err) == "conversions.0: 2 value(s) do not convert"
    named = err.for_node("Types")
    assert isinstance(named, NodeExecutionError)
    assert str(named) == "Types: conversions.0: 2 value(s) do not convert"
    assert named.detail == "conversions.0: 2 value(s) do not convert"
    back = pickle.loads(pickle.dumps(named))
    assert (back.where, back.node, str(back)) == ("conversions.0", "Types", str(named))
