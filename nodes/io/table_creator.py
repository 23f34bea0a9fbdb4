"""Table Creator: a small table typed into the node itself, for demos, tests and lookups."""

from __future__ import annotations

import io
from typing import Any, Literal

import pandas as pd
from pydantic import Field

from studio.core import ConfigureError, NodeSettings, NodeType, Port, PortType, Table
from studio.core.node import TextField


class Settings(NodeSettings):
    source: Literal["csv", "rows"] = Field(
        "csv", description="Type the table as CSV text, or as column names plus rows"
    )
    csv_text: str = TextField(
        "x,y\n1,a\n2,b\n", description="CSV text with a header line (source = csv)"
    )
    columns: list[str] = Field(default_factory=list, description="Column names (source = rows)")
    rows: list[list[Any]] = Field(
        default_factory=list, description="Rows of values, one list per row (source = rows)"
    )


def build(s: Settings) -> pd.DataFrame:
    """The table the settings describe; configure and execute share it, so specs match data."""
    if s.source == "csv":
        if not s.csv_text.strip():
            raise ConfigureError(
                "the CSV text is empty: type a header line and rows", where="csv_text"
            )
        try:
            df = pd.read_csv(io.StringIO(s.csv_text), skipinitialspace=True)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ConfigureError(f"cannot read the CSV text: {exc}", where="csv_text") from None
        return df
    if not s.columns:
        raise ConfigureError("name at least one column", where="columns")
    if len(set(s.columns)) != len(s.columns):
        raise ConfigureError("column names must be unique", where="columns")
    for i, row in enumerate(s.rows):
        if len(row) != len(s.columns):
            raise ConfigureError(
                f"row {i + 1} has {len(row)} values for {len(s.columns)} columns", where="rows"
            )
    return pd.DataFrame(s.rows, columns=s.columns).infer_objects()


class TableCreator(NodeType):
    type_id = "io.table_creator"
    name = "Table Creator"
    category = "IO"
    description = "Outputs a small table typed into its settings (CSV text or columns and rows)."
    keywords = ("table", "create", "manual", "inline", "lookup", "demo", "enter data")
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        return [Table(build(s)).spec()]

    def execute(self, s: Settings, inputs, ctx):
        return [Table(build(s))]
