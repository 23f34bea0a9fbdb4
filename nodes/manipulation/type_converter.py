"""Type Converter: turn columns into numbers, integers, text, booleans, categories or dates."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from studio.core import ConfigureError, NodeExecutionError, NodeSettings, NodeType, Port, PortType
from studio.core.node import ColumnField
from studio.core.ports import ColumnSpec, TableSpec

TRUE = {"true", "t", "yes", "y", "1", "1.0"}
FALSE = {"false", "f", "no", "n", "0", "0.0"}


class Conversion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str = ColumnField(..., description="Column to convert")
    to: Literal["number", "integer", "string", "boolean", "category", "datetime"] = Field(
        "number", description="Target type"
    )


class Settings(NodeSettings):
    conversions: list[Conversion] = Field(
        default_factory=list, description="Columns and the type each becomes"
    )
    on_error: Literal["fail", "missing"] = Field(
        "fail", description="A value that does not convert: fail, or make it missing"
    )
    date_format: str = Field(
        "", description="strftime format for dates, e.g. %d/%m/%Y (empty: guess)"
    )

    def required_conversions(self) -> list[Conversion]:
        """The conversions, refused when empty: configure and execute both ask, because the
        engine skips configure while the input's columns are known only from data."""
        if not self.conversions:
            raise ConfigureError("add at least one column to convert", where="conversions")
        return self.conversions


def _convert(s: pd.Series, to: str, settings: Settings, where: str) -> pd.Series:
    coerce = settings.on_error == "missing"
    if to == "string":
        return s.astype("string")
    if to == "category":
        return s.astype("category")
    if to in ("number", "integer"):
        out = pd.to_numeric(s, errors="coerce")
        if to == "integer":
            out = out.where(out.isna() | (out % 1 == 0))
            out = out.astype("Int64")
        else:
            out = out.astype(float)
    elif to == "boolean":
        text = s.astype("string").str.strip().str.lower()
        out = pd.Series(pd.NA, index=s.index, dtype="boolean")
        out[text.isin(TRUE).fillna(False).to_numpy()] = True
        out[text.isin(FALSE).fillna(False).to_numpy()] = False
    else:
        out = pd.to_datetime(s, errors="coerce", format=settings.date_format or None)
    bad = out.isna() & s.notna()
    if bad.any() and not coerce:
        examples = ", ".join(repr(v) for v in s[bad].astype(str).unique()[:3])
        raise NodeExecutionError(
            f"{int(bad.sum())} value(s) of column {s.name!r} do not convert to {to} (e.g. {examples}); "
            f"set 'on_error' to missing to turn them into missing values",
            where=where,
        )
    return out


SPEC_DTYPES = {
    "number": "number",
    "integer": "integer",
    "string": "string",
    "boolean": "boolean",
    "category": "category",
    "datetime": "datetime",
}


class TypeConverter(NodeType):
    type_id = "manipulation.type_converter"
    name = "Type Converter"
    category = "Manipulation"
    description = "Converts columns to number, integer, text, boolean, category or date; bad values fail or become missing."
    keywords = ("type", "cast", "convert", "dtype", "number", "date", "category", "parse")
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        spec: TableSpec | None = specs[0]
        for i, c in enumerate(s.required_conversions()):
            spec.require(c.column, setting=f"conversions.{i}.column")
        to = {c.column: c.to for c in s.conversions}
        cols = tuple(
            ColumnSpec(c.name, SPEC_DTYPES[to[c.name]]) if c.name in to else c for c in spec.columns
        )
        return [TableSpec(cols, spec.roles)]

    def execute(self, s: Settings, inputs, ctx):
        table = inputs[0]
        spec = table.spec()
        new = {}
        for i, c in enumerate(s.required_conversions()):
            spec.require(c.column, setting=f"conversions.{i}.column")
            new[c.column] = _convert(table.df[c.column], c.to, s, f"conversions.{i}")
        return [table.with_df(table.df.assign(**new))]
