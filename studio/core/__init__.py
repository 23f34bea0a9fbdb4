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
from .events import (
    AnnotationChanged,
    Connected,
    Disconnected,
    Event,
    NodeAdded,
    NodeMoved,
    NodeRemoved,
    NodeRenamed,
    NodeWarning,
    ParametersChanged,
    Progress,
    RunFinished,
    RunStarted,
    Saved,
    SettingChanged,
    StateChanged,
)
from .executor import ConfigureReport, RunResult
from .node import ExecutionContext, NodeSettings, NodeType, StatefulNodeType
from .ports import Connection, Figure, Metrics, Model, Port, PortType, Table, Transform
from .runstate import NodeState, RunState
from .workflow import Workflow

__all__ = [
    "AnnotationChanged",
    "CancelledError",
    "Catalog",
    "ConfigureError",
    "ConfigureReport",
    "Connected",
    "Connection",
    "CycleError",
    "Disconnected",
    "Event",
    "ExecutionContext",
    "Figure",
    "GraphError",
    "KnotworkError",
    "Metrics",
    "Model",
    "NodeAdded",
    "NodeExecutionError",
    "NodeMoved",
    "NodeRemoved",
    "NodeRenamed",
    "NodeSettings",
    "NodeState",
    "NodeType",
    "NodeWarning",
    "ParameterError",
    "ParametersChanged",
    "Port",
    "PortType",
    "PortTypeError",
    "Progress",
    "RunFinished",
    "RunResult",
    "RunStarted",
    "RunState",
    "Saved",
    "SettingChanged",
    "StateChanged",
    "StatefulNodeType",
    "Table",
    "Transform",
    "UnknownNodeTypeError",
    "Workflow",
    "WorkflowFileError",
    "default_catalog",
]
