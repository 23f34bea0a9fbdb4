"""A summary of a fitted Model (or Transform) an analyst can read: what it predicts, from
which columns, how well it did in training, and the settings it was fitted with."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from studio.core import Model, Transform


def plain(value: Any) -> str:
    """A setting's value in words: lists joined, empty as "—", numbers without trailing zeros."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(plain(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {plain(v)}" for k, v in value.items())
    return str(value)


def _rows(pairs: list[tuple[str, Any]]) -> str:
    cells = "".join(
        f"<tr><td style='padding:2px 12px 2px 0'><b>{html.escape(str(k))}</b></td>"
        f"<td style='padding:2px 0'>{html.escape(plain(v))}</td></tr>"
        for k, v in pairs
    )
    return f"<table cellspacing=0>{cells}</table>" if cells else "<p><i>none</i></p>"


def _columns(names: list[str]) -> str:
    items = "".join(f"<li>{html.escape(str(n))}</li>" for n in names)
    return f"<ul style='margin-top:0'>{items}</ul>"


def summary_html(value: Model | Transform) -> str:
    if isinstance(value, Transform):
        return (
            f"<h3>Transform: {html.escape(value.kind.replace('_', ' '))}</h3>"
            f"<p>Fitted by a {html.escape(value.node_type)} node on the training rows; an "
            f"Apply Transform node reuses it on other rows.</p>"
            f"<p><b>Columns it transforms</b> ({len(value.input_columns)})</p>"
            f"{_columns(value.input_columns)}"
            f"<p><b>Settings</b></p>{_rows(list(value.settings.items()))}"
        )
    task = value.task
    what = {
        "classification": "predicts one of the classes",
        "regression": "predicts a number",
        "clustering": "assigns each row to a cluster",
    }.get(task, task)
    target = f" of <b>{html.escape(str(value.target))}</b>" if value.target else ""
    classes = (
        f"<p><b>Classes</b> ({len(value.classes)}): {html.escape(plain(value.classes))}</p>"
        if value.classes
        else ""
    )
    metrics = [(k, v) for k, v in value.metrics.items()]
    return (
        f"<h3>{html.escape(type(value.estimator).__name__)} — {html.escape(task)}</h3>"
        f"<p>This model {what}{target} from {len(value.features)} feature column(s).</p>"
        f"{classes}"
        f"<p><b>Training metrics</b> (on the rows it was fitted on: expect less on new rows)</p>"
        f"{_rows(metrics)}"
        f"<p><b>Features</b> ({len(value.features)})</p>{_columns(value.features)}"
        f"<p><b>Settings</b> ({html.escape(value.learner)})</p>{_rows(list(value.settings.items()))}"
    )


class ModelViewer(QWidget):
    def __init__(self, value: Model | Transform, parent: QWidget | None = None):
        super().__init__(parent)
        self.text = QTextBrowser()
        self.text.setHtml(summary_html(value))
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
