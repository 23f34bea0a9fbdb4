"""Sorter: order rows by one or more columns."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from studio.core import ConfigureError, NodeExecutionError, NodeSettings, NodeType, Port, PortType
from studio.core.node import ColumnField
from studio.core.ports import TableSpec


class SortKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str = ColumnField(..., description="Column to sort by")
    ascending: bool = Field(True, description="Smallest first; off sorts largest first")


class Settings(NodeSettings):
    keys: list[SortKey] = Field(default_factory=list, description="Sort keys, most important first")
    missing: Literal["last", "first"] = Field(
        "last", description="Where rows with missing values go"
    )
    reset_index: bool = Field(True, description="Number the sorted rows 0, 1, 2, ...")


def _require_keys(s: Settings, spec: TableSpec) -> None:
    for i, k in enumerate(s.keys):
        spec.require(k.column, setting=f"keys.{i}.column")


class Sorter(NodeType):
    type_id = "manipulation.sorter"
    name = "Sorter"
    category = "Manipulation"
    description = "Sorts rows by one or more columns, each ascending or descending (stable)."
    keywords = ("sort", "order", "rank", "arrange")
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        if not s.keys:
            raise ConfigureError("add at least one column to sort by", where="keys")
        spec: TableSpec | None = specs[0]
        if spec is None:
            return [None]
        _require_keys(s, spec)
        return [spec]

    def execute(self, s: Settings, inputs, ctx):
        table = inputs[0]
        _require_keys(s, table.spec())
        try:
            df = table.df.sort_values(
                [k.column for k in s.keys],
                ascending=[k.ascending for k in s.keys],
                na_position=s.missing,
                kind="stable",
            )
        except TypeError:  # a column mixing numbers and text cannot be ordered
            mixed = [
                k.column
                for k in s.keys
                if table.df[k.column].dropna().map(lambda v: isinstance(v, str)).nunique() > 1
            ]
            raise NodeExecutionError(
                f"column(s) {', '.join(map(repr, mixed or [k.column for k in s.keys]))} mix numbers "
                f"and text, which have no common order: convert them to one type with a Type "
                f"Converter before sorting"
            ) from None
        return [table.with_df(df.reset_index(drop=True) if s.reset_index else df)]
