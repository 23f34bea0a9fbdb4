"""Deployment Input: marks where a deployed service's rows enter the workflow.

During training it passes the table wired into it (usually the test rows) through,
restricted to the chosen columns; that table's spec becomes the bundle's input
schema. In a bundle, the request rows arrive here instead.
"""

from __future__ import annotations

from studio.core import ConfigureError, NodeExecutionError, NodeSettings, NodeType, Port, PortType
from studio.core.node import ColumnsField
from studio.core.ports import TableSpec


class Settings(NodeSettings):
    columns: list[str] = ColumnsField(
        description="Raw columns the service accepts (default: every column of the incoming table except the target)"
    )


def input_columns(s: Settings, spec: TableSpec) -> list[str]:
    """The chosen columns, or every non-target column: a service is asked for predictions, not given the answer."""
    if s.columns:
        return list(s.columns)
    return [c for c in spec.names if spec.role_of(c) != "target"]


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

    def configure(self, s: Settings, specs):
        spec: TableSpec | None = specs[0]
        if spec is None:
            return [None]
        self.require_columns(spec, s.columns, "columns")
        cols = input_columns(s, spec)
        if not cols:
            raise ConfigureError(
                "no input column left: choose the columns the service accepts", where="columns"
            )
        return [
            TableSpec(
                tuple(spec.column(c) for c in cols), tuple(r for r in spec.roles if r[0] in cols)
            )
        ]

    def execute(self, s: Settings, inputs, ctx):
        table = inputs[0]
        names = [str(c) for c in table.df.columns]
        if s.columns:
            missing = [c for c in s.columns if c not in names]
            if missing:
                raise NodeExecutionError(
                    f"the rows lack the input column(s) {', '.join(map(repr, missing))}"
                )
        cols = list(s.columns) or [c for c in names if table.roles.get(c) != "target"]
        return [table.with_df(table.df[cols])]
