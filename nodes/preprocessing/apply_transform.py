"""Apply Transform: reuse preprocessing fitted on one table (the training rows) on
another (test rows, new data), so nothing is ever fitted on held-out rows.

It works for any `Transform`: it re-runs the fitting node's own `apply` with the
Transform's settings and state, so the result equals that node's output on the same rows.
"""

from __future__ import annotations

from typing import Any

from studio.core import (
    ConfigureError,
    KnotworkError,
    NodeExecutionError,
    NodeSettings,
    NodeType,
    Port,
    PortType,
    Transform,
)
from studio.core.catalog import Catalog
from studio.core.node import ExecutionContext, StatefulNodeType, run_node
from studio.core.ports import TableSpec, TransformSpec

from .base import missing_columns_message


class Settings(NodeSettings):
    pass


def _fitting_node(
    catalog: Catalog, node_type: str, settings: dict[str, Any] | None, error: type[Exception]
) -> tuple[type[StatefulNodeType], Any]:
    """The node type (of the workflow's catalogue) that fitted the transform, and its settings."""
    try:
        cls = catalog.get(node_type)
    except KnotworkError as exc:
        raise error(f"the transform was fitted by {exc}") from None
    if not issubclass(cls, StatefulNodeType):
        raise error(f"the transform names node type {node_type!r}, which does not fit state")
    try:
        validated = cls.validate_settings(settings or {})
    except ConfigureError as exc:
        raise error(
            f"the transform's settings no longer fit {cls.name}: {exc.where}: {exc.message}"
        ) from None
    return cls, validated


class ApplyTransform(NodeType):
    type_id = "preprocessing.apply_transform"
    name = "Apply Transform"
    category = "Preprocessing"
    description = "Applies a fitted Transform (from any preprocessing node) to another table, e.g. the test rows."
    keywords = ("apply", "transform", "reuse", "test", "preprocessing", "fitted")
    inputs = (
        Port("transform", PortType.TRANSFORM, description="Fitted state from a preprocessing node"),
        Port("table", PortType.TABLE, description="Rows to transform"),
    )
    outputs = (Port("table", PortType.TABLE, description="The transformed rows"),)
    Settings = Settings

    def configure(self, s: Settings, specs: list[Any], ctx: ExecutionContext) -> list[Any]:
        transform: TransformSpec | None = specs[0]
        table: TableSpec | None = specs[1]
        catalog = ctx.catalog
        node = (
            catalog.get(transform.node_type).name
            if transform.node_type in catalog
            else transform.node_type or transform.kind
        )
        missing = [c for c in transform.input_columns if c not in table.names]
        if missing:
            raise ConfigureError(
                missing_columns_message(missing, node, None), where="input port 'table'"
            )
        if not transform.node_type:
            return [None]
        try:
            fitting, validated = _fitting_node(
                catalog, transform.node_type, transform.settings, ConfigureError
            )
            return [fitting().configure(validated, [table], ctx)[0]]
        except ConfigureError as exc:
            raise ConfigureError(exc.message, where="input port 'table'") from None

    def execute(self, s: Settings, inputs: list[Any], ctx: ExecutionContext) -> list[Any]:
        transform: Transform = inputs[0]
        table = inputs[1]
        fitting, validated = _fitting_node(
            ctx.catalog, transform.node_type, transform.settings, NodeExecutionError
        )
        missing = [c for c in transform.input_columns if c not in table.df.columns]
        if missing:
            fitted_by = (
                transform.state.get("fitted_by") if isinstance(transform.state, dict) else None
            )
            raise NodeExecutionError(missing_columns_message(missing, fitting.name, fitted_by))
        outputs, _ = run_node(fitting, validated, [table], ctx, state=transform.state)
        return [outputs[0]]

    def compile_arrays(self, s: Settings, state, inputs, ctx):
        transform: Transform = inputs[0]
        fitting, validated = _fitting_node(
            ctx.catalog, transform.node_type, transform.settings, NodeExecutionError
        )
        return fitting().compile_arrays(validated, transform.state, [None], ctx)
