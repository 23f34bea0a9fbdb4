"""Deployment Output: marks what a deployed service returns (the chosen columns)."""

from __future__ import annotations

from studio.core import NodeExecutionError, NodeSettings, NodeType, Port, PortType
from studio.core.node import ColumnsField
from studio.core.ports import TableSpec, take_columns


class Settings(NodeSettings):
    columns: list[str] = ColumnsField(description="Columns the service returns (default: all)")


class DeploymentOutput(NodeType):
    type_id = "deployment.output"
    name = "Deployment Output"
    category = "Deployment"
    description = (
        "Chooses the columns a deployed service returns, e.g. the prediction and its probabilities."
    )
    keywords = ("deploy", "deployment", "output", "service", "rest", "api", "capture", "response")
    inputs = (Port("table", PortType.TABLE, description="Scored rows"),)
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        spec: TableSpec | None = specs[0]
        spec.require(s.columns, setting="columns")
        if not s.columns:
            return [spec]
        return [spec.select(list(s.columns))]

    def execute(self, s: Settings, inputs, ctx):
        table = inputs[0]
        if not s.columns:
            return [table]
        missing = [c for c in s.columns if c not in table.df.columns]
        if missing:
            raise NodeExecutionError(
                f"the scored rows lack the output column(s) {', '.join(map(repr, missing))}"
            )
        return [table.with_df(take_columns(table.df, list(s.columns)))]

    def compile_arrays(self, s: Settings, state, inputs, ctx):
        chosen = list(s.columns)
        if not chosen:
            return lambda cols: cols
        return lambda cols: {c: cols[c] for c in chosen} if all(c in cols for c in chosen) else None
