"""A summary of a fitted Model (or Transform): what it predicts, from what, how well."""

from __future__ import annotations

import html
import json

from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from studio.core import Model, Transform


def summary_html(value: Model | Transform) -> str:
    if isinstance(value, Transform):
        return (
            f"<h3>Transform: {html.escape(value.kind)}</h3><p>Node type: {html.escape(value.node_type)}</p>"
            f"<p><b>Input columns</b>: {html.escape(', '.join(value.input_columns))}</p>"
            f"<pre>{html.escape(json.dumps(value.settings, indent=2, default=str))}</pre>"
        )
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{v:.4f}</td></tr>" for k, v in value.metrics.items()
    )
    classes = ", ".join(map(str, value.classes)) if value.classes else "—"
    return (
        f"<h3>{html.escape(type(value.estimator).__name__)} ({html.escape(value.task)})</h3>"
        f"<p>Learner: {html.escape(value.learner)}<br>Target: <b>{html.escape(str(value.target))}</b><br>"
        f"Classes: {html.escape(classes)}</p>"
        f"<p><b>Features</b> ({len(value.features)}): {html.escape(', '.join(value.features))}</p>"
        f"<p><b>Training metrics</b></p><table border=1 cellpadding=3>{rows}</table>"
        f"<p><b>Settings</b></p><pre>{html.escape(json.dumps(value.settings, indent=2, default=str))}</pre>"
    )


class ModelViewer(QWidget):
    def __init__(self, value: Model | Transform, parent: QWidget | None = None):
        super().__init__(parent)
        self.text = QTextBrowser()
        self.text.setHtml(summary_html(value))
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
