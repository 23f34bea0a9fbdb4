"""Batch scoring's row check: typed columns are taken whole, and the result is exactly
what the value-by-value check of a request makes of the same rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from studio.core.ports import ColumnSpec, TableSpec
from studio.serve.inputs import InputProblems, InputSchema

SPEC = TableSpec(
    (
        ColumnSpec("x", "number"),
        ColumnSpec("n", "integer"),
        ColumnSpec("ok", "boolean"),
        ColumnSpec("name", "string"),
    )
)


def _slow(schema: InputSchema, df: pd.DataFrame):
    data = {k: df[k].astype(object).where(df[k].notna(), None).tolist() for k in df.columns}
    return schema.from_columns(data)


def test_a_typed_frame_is_parsed_exactly_as_its_values_would_be():
    df = pd.DataFrame(
        {
            "x": [1.5, np.nan, np.inf, -2.0],
            "n": np.array([1, 2, 3, 2**40], dtype=np.int64),
            "ok": [True, False, True, True],
            "name": ["a", None, "c", "d"],
        }
    )
    schema = InputSchema(SPEC)
    fast, slow = schema.from_frame(df), _slow(schema, df)
    assert fast.n_rows == slow.n_rows == 4
    for name in SPEC.names:
        a, b = fast.columns[name], slow.columns[name]
        assert a.dtype == b.dtype, name
        np.testing.assert_array_equal(a, b)


def test_an_all_number_frame_becomes_one_float_block():
    spec = TableSpec(tuple(ColumnSpec(f"x{i}", "number") for i in range(3)))
    df = pd.DataFrame(np.arange(12, dtype=np.float64).reshape(4, 3), columns=spec.names)
    rows = InputSchema(spec).from_frame(df)
    assert rows.matrix is not None and rows.matrix.shape == (4, 3)
    np.testing.assert_array_equal(rows.columns["x1"], [1.0, 4.0, 7.0, 10.0])


def test_a_column_of_the_wrong_type_is_still_checked_value_by_value():
    df = pd.DataFrame({"x": [1.0, 2.0], "n": [1, 2], "ok": [True, "maybe"], "name": ["a", "b"]})
    with pytest.raises(InputProblems) as err:
        InputSchema(SPEC).from_frame(df)
    assert err.value.problems == [
        {"row": 1, "column": "ok", "error": "expected true or false, got the string 'maybe'"}
    ]
