"""Data Profile: per-column statistics of a table. `profile` is also what deployment
stores as the training reference and what monitoring compares live data against."""

from __future__ import annotations

import pandas as pd

from studio.core import NodeSettings, NodeType, Port, PortType, Table
from studio.core.node import ColumnsField
from studio.core.ports import ColumnSpec, TableSpec, dtype_name

PROFILE_COLUMNS = (
    ColumnSpec("column", "string"),
    ColumnSpec("dtype", "string"),
    ColumnSpec("count", "integer"),
    ColumnSpec("missing", "integer"),
    ColumnSpec("unique", "integer"),
    ColumnSpec("mean", "number"),
    ColumnSpec("std", "number"),
    ColumnSpec("min", "number"),
    ColumnSpec("q25", "number"),
    ColumnSpec("median", "number"),
    ColumnSpec("q75", "number"),
    ColumnSpec("max", "number"),
    ColumnSpec("top", "string"),
    ColumnSpec("top_count", "integer"),
)


class Settings(NodeSettings):
    columns: list[str] = ColumnsField(description="Columns to profile (default: all)")


def profile(df: pd.DataFrame) -> pd.DataFrame:
    """One row per column: kind, counts, distribution of numbers, commonest value.

    Numeric statistics are NaN for non-numeric columns; booleans count as numbers (share true).
    """
    rows = []
    for name in df.columns:
        s = df[name]
        kind = dtype_name(s)
        values = s.dropna()
        row = {
            "column": str(name),
            "dtype": kind,
            "count": int(len(values)),
            "missing": int(s.isna().sum()),
            "unique": int(values.nunique()),
        }
        if kind in ("number", "integer", "boolean") and len(values):
            x = values.astype(float)
            q = x.quantile([0.25, 0.5, 0.75])
            row.update(
                mean=x.mean(),
                std=x.std(),
                min=x.min(),
                q25=q[0.25],
                median=q[0.5],
                q75=q[0.75],
                max=x.max(),
            )
        counts = values.astype(str).value_counts()
        row["top"] = counts.index[0] if len(counts) else None
        row["top_count"] = int(counts.iloc[0]) if len(counts) else 0
        rows.append(row)
    out = pd.DataFrame(rows, columns=[c.name for c in PROFILE_COLUMNS])
    return out.astype({c.name: float for c in PROFILE_COLUMNS if c.dtype == "number"})


class DataProfile(NodeType):
    type_id = "scoring.data_profile"
    name = "Data Profile"
    category = "Predict and score"
    description = "Per-column statistics: kind, count, missing, unique, mean, std, min, quartiles, max and the commonest value."
    keywords = ("profile", "statistics", "describe", "summary", "eda", "missing", "distribution")
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("profile", PortType.TABLE, description="One row per profiled column"),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        spec: TableSpec = specs[0]
        spec.require(s.columns, setting="columns")
        return [TableSpec(PROFILE_COLUMNS)]

    def execute(self, s: Settings, inputs, ctx):
        table: Table = inputs[0]
        table.spec().require(s.columns, setting="columns")
        return [Table(profile(table.df[s.columns] if s.columns else table.df))]
