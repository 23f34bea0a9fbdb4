"""The headless engine: graph, node API, ports, executor and workflow files. No Qt here."""

from __future__ import annotations

from .catalog import Catalog, default_catalog
from .errors import (
    CancelledError,
    ConfigureError,
    CycleError,
    GraphError,
    KnotworkError,
    NodeExecutionError,
    ParameterError,
    PortTypeError,
    UnknownNodeTypeError,
    WorkflowFileError,
)
from .executor import ConfigureReport, RunResult
from .node import ExecutionContext, NodeSettings, NodeType, StatefulNodeType
from .ports import Connection, Figure, Metrics, Model, Port, PortType, Table, Transform
from .workflow import Workflow

__all__ = [
    "CancelledError",
    "Catalog",
    "ConfigureError",
    "ConfigureReport",
    "Connection",
    "CycleError",
    "ExecutionContext",
    "Figure",
    "GraphError",
    "KnotworkError",
    "Metrics",
    "Model",
    "NodeExecutionError",
    "NodeSettings",
    "NodeType",
    "ParameterError",
    "Port",
    "PortType",
    "PortTypeError",
    "RunResult",
    "StatefulNodeType",
    "Table",
    "Transform",
    "UnknownNodeTypeError",
    "Workflow",
    "WorkflowFileError",
    "default_catalog",
]
