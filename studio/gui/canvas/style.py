"""Colours and sizes of the canvas, in one place so every item draws alike."""

from __future__ import annotations

from PySide6.QtGui import QColor

from studio.core import NodeState, PortType

PORT_COLORS = {
    PortType.TABLE: QColor("#2f6fdb"),
    PortType.MODEL: QColor("#8a3ffc"),
    PortType.TRANSFORM: QColor("#e07b00"),
    PortType.METRICS: QColor("#1f9d55"),
    PortType.FIGURE: QColor("#d12771"),
    PortType.CONNECTION: QColor("#6b7280"),
}

STATE_COLORS = {
    NodeState.UNCONFIGURED: QColor("#d93025"),
    NodeState.CONFIGURED: QColor("#f2c200"),
    NodeState.EXECUTING: QColor("#3b82f6"),
    NodeState.EXECUTED: QColor("#1e9e4a"),
    NodeState.FAILED: QColor("#d93025"),
}

CATEGORY_COLORS = {
    "IO": QColor("#fde7c8"),
    "Manipulation": QColor("#fff3b0"),
    "Preprocessing": QColor("#dcf2d0"),
    "Split and validate": QColor("#d6ecf7"),
    "Learners": QColor("#e6dcf7"),
    "Predict and score": QColor("#f7dde6"),
    "Visualize": QColor("#fbe1d3"),
    "Deployment": QColor("#dfe3e8"),
    "Components": QColor("#d4efec"),
    "Component": QColor("#e8eef0"),
}
DEFAULT_NODE_COLOR = QColor("#eceff3")

NODE_WIDTH = 96.0
NODE_HEIGHT = 64.0
PORT_RADIUS = 6.0
GRID = 20.0
