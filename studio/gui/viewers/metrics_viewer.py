"""Metrics as a two-column table; a confusion matrix is shown as its own grid."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from studio.core import Metrics


def _fmt(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


class MetricsViewer(QWidget):
    def __init__(self, metrics: Metrics, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{metrics.title or 'Metrics'}</b>"))
        scalars = [(k, v) for k, v in metrics.values.items() if not isinstance(v, (list, dict))]
        self.table = QTableWidget(len(scalars), 2)
        self.table.setHorizontalHeaderLabels(["metric", "value"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        for i, (k, v) in enumerate(scalars):
            self.table.setItem(i, 0, QTableWidgetItem(str(k)))
            self.table.setItem(i, 1, QTableWidgetItem(_fmt(v)))
        layout.addWidget(self.table)
        matrix, labels = metrics.values.get("confusion_matrix"), metrics.values.get("labels")
        if matrix and labels:
            layout.addWidget(QLabel("Confusion matrix (rows: truth, columns: predicted)"))
            grid = QTableWidget(len(labels), len(labels))
            grid.setHorizontalHeaderLabels([str(x) for x in labels])
            grid.setVerticalHeaderLabels([str(x) for x in labels])
            for r, row in enumerate(matrix):
                for c, v in enumerate(row):
                    grid.setItem(r, c, QTableWidgetItem(str(v)))
            layout.addWidget(grid)
