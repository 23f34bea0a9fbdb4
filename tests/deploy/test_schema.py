"""Request rows meet the bundle's input schema: types are restored as training saw
them, and anything a stranger sends either fits or is refused naming the column."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.ports import ColumnSpec, TableSpec
from studio.deploy.errors import InputSchemaError
from studio.deploy.schema import conform

SPEC = TableSpec(
    (
        ColumnSpec("mass", "number"),
        ColumnSpec("count", "integer"),
        ColumnSpec("flag", "boolean"),
        ColumnSpec("island", "string"),
        ColumnSpec("size", "category", ("S", "M", "L")),
        ColumnSpec("seen", "datetime"),
    )
)
ROW = {"mass": 3.5, "count": 2, "flag": True, "island": "Dream", "size": "M", "seen": "2024-01-02"}


def test_json_values_are_restored_to_the_training_types():
    out = conform(
        pd.DataFrame([{**ROW, "mass": 3, "count": 2.0, "flag": "false", "extra": 1}]), SPEC
    )
    assert list(out.columns) == SPEC.names
    assert str(out["mass"].dtype) == "float64" and str(out["count"].dtype) == "int64"
    assert out["flag"].iloc[0] is False or out["flag"].iloc[0] == False  # noqa: E712
    assert list(out["size"].cat.categories) == ["S", "M", "L"]
    assert pd.api.types.is_datetime64_any_dtype(out["seen"])


def test_a_target_column_may_be_left_out_when_it_is_optional():
    spec = TableSpec((*SPEC.columns, ColumnSpec("species", "string")))
    out = conform(pd.DataFrame([ROW]), spec, optional={"species"})
    assert out["species"].isna().all()


def test_dates_of_no_one_format_are_parsed_or_refused_by_column_never_warned_about():
    # found by the fuzz test below: pandas warned, which the suite turns into an error
    rows = [{**ROW, "seen": None}, {**ROW, "seen": "0"}, {**ROW, "seen": False}]
    with pytest.raises(InputSchemaError) as err:
        conform(pd.DataFrame(rows), SPEC)
    assert err.value.column == "seen"


def test_a_fraction_in_an_integer_column_names_column_and_row():
    try:
        conform(pd.DataFrame([ROW, {**ROW, "count": 2.5}]), SPEC)
    except InputSchemaError as exc:
        assert (exc.column, exc.row) == ("count", 1)
    else:
        raise AssertionError("a fraction was accepted as an integer")


json_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.dictionaries(st.sampled_from([*ROW, "other"]), json_value, max_size=8),
        min_size=1,
        max_size=4,
    )
)
def test_any_json_records_either_fit_or_are_refused_with_the_column_named(records):
    try:
        out = conform(pd.DataFrame(records), SPEC)
    except InputSchemaError as exc:
        assert exc.column in SPEC.names
    else:
        assert list(out.columns) == SPEC.names and len(out) == len(records)


def test_a_list_where_a_single_value_belongs_is_refused_naming_column_and_row():
    for column in ("size", "island", "mass"):
        try:
            conform(pd.DataFrame([ROW, {**ROW, column: [1, 2]}]), SPEC)
        except InputSchemaError as exc:
            assert (exc.column, exc.row) == (column, 1)
        else:
            raise AssertionError(f"a list was accepted in column {column!r}")


def test_a_category_unseen_in_training_becomes_missing_without_a_pandas_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas 4 turns the old way into an error
        out = conform(pd.DataFrame([{**ROW, "size": "XL"}, ROW]), SPEC)
    assert out["size"].isna().tolist() == [True, False]
    assert list(out["size"].cat.categories) == ["S", "M", "L"]
