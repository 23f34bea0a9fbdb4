"""Table.spec from whole-frame dtypes and gaps is the per-column spec it replaced, and
take_columns hands on a frame that later writes never share."""

from __future__ import annotations

import numpy as np
import pandas as pd

from studio.core.ports import ColumnSpec, Table, TableSpec, dtype_name, take_columns


def _per_column_spec(table: Table) -> TableSpec:
    cols = []
    for name in table.df.columns:
        s = table.df[name]
        kind = dtype_name(s)
        cats = tuple(s.cat.categories) if kind == "category" else None
        cols.append(ColumnSpec(str(name), kind, cats, bool(s.hasnans)))
    roles = tuple(sorted((k, v) for k, v in table.roles.items() if k in table.df.columns))
    return TableSpec(tuple(cols), roles)


def test_spec_of_every_kind_of_column_with_and_without_gaps():
    df = pd.DataFrame(
        {
            "x": [1.0, np.nan, 3.0],
            "n": [1, 2, 3],
            "b": [True, False, True],
            "s": ["a", None, "c"],
            "o": pd.Series(["a", "b", "c"], dtype=object),
            "c": pd.Categorical(["u", None, "v"], categories=["v", "u"]),
            "t": pd.to_datetime(["2024-01-01", None, "2024-01-03"]),
            "f": pd.array([1, None, 3], dtype="Int64"),
            7: [0.5, 0.5, 0.5],  # a non-text column label
        }
    )
    for frame in (df, df.head(0), df.iloc[[0]], df[[]]):
        table = Table(frame, {"x": "target"})
        assert table.spec() == _per_column_spec(table)


def test_take_columns_selects_and_never_shares_later_writes():
    df = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    same = take_columns(df, ["a", "b"])
    assert same is not df
    pd.testing.assert_frame_equal(same, df[["a", "b"]])
    same.loc[0, "a"] = 99.0
    assert df.loc[0, "a"] == 1.0
    pd.testing.assert_frame_equal(take_columns(df, ["b", "a"]), df[["b", "a"]])
    pd.testing.assert_frame_equal(take_columns(df, ["b"]), df[["b"]])
