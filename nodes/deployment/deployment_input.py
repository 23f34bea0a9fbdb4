"""Deployment Input: marks where a deployed service's rows enter the workflow.

During training it passes the table wired into it (usually the test rows) through,
restricted to the chosen columns; that table's spec becomes the bundle's input
schema. In a bundle, the request rows arrive here instead. A target column that
passes through (so the test rows can still be scored) is optional in requests.
"""

from __future__ import annotations

from studio.core import NodeExecutionError, NodeSettings, NodeType, Port, PortType
from studio.core.node import ColumnsField
from studio.core.ports import TableSpec, take_columns


class Settings(NodeSettings):
    columns: list[str] = ColumnsField(
        description="Raw columns the service accepts (default: every column of the incoming table)"
    )


class DeploymentInput(NodeType):
    type_id = "deployment.input"
    name = "Deployment Input"
    category = "Deployment"
    description = "Declares the raw columns a deployed service accepts; the rows wired in during training define their types."
    keywords = ("deploy", "deployment", "input", "service", "rest", "api", "capture", "schema")
    inputs = (
        Port(
            "table",
            PortType.TABLE,
            description="Rows shaped like the service's requests (e.g. the test rows)",
        ),
    )
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        spec: TableSpec | None = specs[0]
        if not s.columns:
            return [spec]
        spec.require(s.columns, setting="columns")
        return [spec.select(list(s.columns))]

    def execute(self, s: Settings, inputs, ctx):
        table = inputs[0]
        if not s.columns:
            return [table]
        missing = [c for c in s.columns if c not in table.df.columns]
        if missing:
            raise NodeExecutionError(
                f"the rows lack the input column(s) {', '.join(map(repr, missing))}"
            )
        return [table.with_df(take_columns(table.df, list(s.columns)))]

    def compile_arrays(self, s: Settings, state, inputs, ctx):
        chosen = list(s.columns)
        if not chosen:
            return lambda cols: cols
        return lambda cols: {c: cols[c] for c in chosen} if all(c in cols for c in chosen) else None
