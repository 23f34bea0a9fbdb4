"""GroupBy: one row per group with aggregated columns (mean, sum, count, ...)."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from studio.core import ConfigureError, NodeSettings, NodeType, Port, PortType, Table
from studio.core.node import ColumnField, ColumnsField
from studio.core.ports import ColumnSpec, TableSpec

Function = Literal[
    "count", "sum", "mean", "median", "min", "max", "std", "first", "last", "nunique"
]
NUMERIC_ONLY = {"sum", "mean", "median", "std"}


class Aggregation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str = ColumnField(..., description="Column to aggregate")
    function: Function = Field("mean", description="Aggregation")
    name: str = Field(
        "", description="Output column name (empty: function(column), e.g. mean(price))"
    )


class Settings(NodeSettings):
    group_columns: list[str] = ColumnsField(
        description="Columns whose value combinations form the groups"
    )
    aggregations: list[Aggregation] = Field(
        default_factory=list, description="What to compute per group"
    )
    include_missing_groups: bool = Field(
        True, description="Rows with a missing group value form their own group"
    )


def _out_name(a: Aggregation) -> str:
    return a.name or f"{a.function}({a.column})"


def _result_dtype(a: Aggregation, col: ColumnSpec) -> ColumnSpec:
    name = _out_name(a)
    if a.function in ("count", "nunique"):
        return ColumnSpec(name, "integer")
    if a.function in ("mean", "median", "std"):
        return ColumnSpec(name, "number")
    if a.function == "sum":
        return ColumnSpec(name, "integer" if col.dtype in ("integer", "boolean") else "number")
    return ColumnSpec(name, col.dtype, col.categories)


class GroupBy(NodeType):
    type_id = "manipulation.group_by"
    name = "GroupBy"
    category = "Manipulation"
    description = "Groups rows by column values and aggregates other columns per group (count, sum, mean, ...)."
    keywords = ("group", "aggregate", "summarize", "pivot", "sum", "mean", "count")
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def _check(self, s: Settings, spec: TableSpec) -> list[ColumnSpec]:
        if not s.group_columns:
            raise ConfigureError("choose at least one column to group by", where="group_columns")
        if not s.aggregations:
            raise ConfigureError(
                "add at least one aggregation (e.g. count of a column)", where="aggregations"
            )
        spec.require(s.group_columns, setting="group_columns")
        out = [c for c in spec.columns if c.name in s.group_columns]
        out.sort(key=lambda c: s.group_columns.index(c.name))
        for i, a in enumerate(s.aggregations):
            spec.require(a.column, setting=f"aggregations.{i}.column")
            col = spec.column(a.column)
            if a.function in NUMERIC_ONLY and not col.is_numeric:
                raise ConfigureError(
                    f"{a.function} needs numbers, but column {a.column!r} holds {col.dtype} values",
                    where=f"aggregations.{i}.function",
                )
            out.append(_result_dtype(a, col))
        names = [c.name for c in out]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ConfigureError(
                f"two output columns would be named {', '.join(map(repr, dupes))}: give the aggregations distinct names",
                where="aggregations",
            )
        return out

    def configure(self, s: Settings, specs, ctx):
        return [TableSpec(tuple(self._check(s, specs[0])))]

    def execute(self, s: Settings, inputs, ctx):
        table = inputs[0]
        self._check(s, table.spec())
        grouped = table.df.groupby(
            s.group_columns, dropna=not s.include_missing_groups, sort=True, observed=True
        )
        parts = {_out_name(a): grouped[a.column].agg(a.function) for a in s.aggregations}
        df = pd.DataFrame(parts).reset_index()
        return [Table(df[[*s.group_columns, *parts]])]
