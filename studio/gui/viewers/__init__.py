"""Viewers for the values on output ports: tables, metrics, figures, models."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from studio.core import Figure, Metrics, Model, Table, Transform


def make_viewer(value: Any, parent: QWidget | None = None) -> QWidget:
    """The widget that shows one port value (a plain note when nothing fits)."""
    from .validation_viewer import ValidationViewer, is_check_list

    if is_check_list(value):
        return ValidationViewer(value, parent)
    if isinstance(value, Table):
        from .table_viewer import TableViewer

        return TableViewer(value, parent)
    if isinstance(value, Metrics):
        from .metrics_viewer import MetricsViewer

        return MetricsViewer(value, parent)
    if isinstance(value, Figure):
        from .figure_viewer import FigureViewer

        return FigureViewer(value, parent)
    if isinstance(value, (Model, Transform)):
        from .model_viewer import ModelViewer

        return ModelViewer(value, parent)
    return QLabel(
        "Nothing to show: run the node first." if value is None else repr(value)[:2000], parent
    )
