"""Empty DataFrames built from table specs, so `configure` can ask pandas itself which
columns a merge or concat will produce, without any data and without re-implementing
pandas' naming rules."""

from __future__ import annotations

import pandas as pd

from studio.core.ports import ColumnSpec, Table, TableSpec

_DTYPES = {
    "number": "float64",
    "integer": "int64",
    "boolean": "bool",
    "string": "object",
    "datetime": "datetime64[ns]",
}


def empty_frame(spec: TableSpec) -> pd.DataFrame:
    """A zero-row frame with the spec's columns and dtypes."""
    data = {}
    for c in spec.columns:
        if c.dtype == "category":
            data[c.name] = pd.Series(pd.Categorical([], categories=list(c.categories or ())))
        else:
            data[c.name] = pd.Series([], dtype=_DTYPES.get(c.dtype, "object"))
    return pd.DataFrame(data)


def spec_of_frame(
    df: pd.DataFrame, roles: dict[str, str], open_categories: bool = True
) -> TableSpec:
    """The spec of an (empty) result frame; categories stay open unless known."""
    spec = Table(df, roles).spec()
    if not open_categories:
        return spec
    cols = tuple(
        ColumnSpec(c.name, c.dtype, None) if c.dtype == "category" and not c.categories else c
        for c in spec.columns
    )
    return TableSpec(cols, spec.roles)
