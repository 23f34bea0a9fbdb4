"""The Validation Report's checks as a list an analyst scans: each row coloured by its
verdict (pass, warn, fail), with its value, threshold and whole message, worst first."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core import Metrics, Table

# Background and text of each verdict: readable on a light and on a dark palette alike.
VERDICT_COLORS = {
    "pass": (QColor("#d7f0dd"), QColor("#0b5d1e")),
    "warn": (QColor("#fdecc8"), QColor("#7a4a00")),
    "fail": (QColor("#f9d6d5"), QColor("#8c1d18")),
}
VERDICT_RANK = {"fail": 0, "warn": 1, "pass": 2}
COLUMNS = ("status", "check", "value", "threshold", "message")


def is_check_list(value: Any) -> bool:
    """A Validation Report's output: its result metrics or its one-row-per-check table."""
    if isinstance(value, Metrics):
        checks = value.values.get("checks")
        return isinstance(checks, list) and all(isinstance(c, dict) for c in checks)
    if isinstance(value, Table):
        return {"check", "status", "message"} <= set(map(str, value.df.columns))
    return False


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


class ValidationViewer(QWidget):
    def __init__(self, value: Metrics | Table, parent: QWidget | None = None):
        super().__init__(parent)
        if isinstance(value, Metrics):
            checks = list(value.values["checks"])
            status = value.values.get("status", "")
        else:
            checks = value.df.to_dict("records")
            status = min(
                (c["status"] for c in checks), key=lambda s: VERDICT_RANK.get(s, 3), default=""
            )
        checks.sort(key=lambda c: VERDICT_RANK.get(c.get("status"), 3))
        counts = pd.Series([c.get("status") for c in checks]).value_counts()
        summary = " · ".join(f"{counts.get(k, 0)} {k}" for k in ("fail", "warn", "pass"))
        self.verdict = QLabel(f"<b>Overall: {status or '—'}</b> ({summary})")
        if status in VERDICT_COLORS:
            bg, fg = VERDICT_COLORS[status]
            self.verdict.setStyleSheet(
                f"background:{bg.name()}; color:{fg.name()}; padding:6px; border-radius:4px"
            )
        self.table = QTableWidget(len(checks), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setWordWrap(True)
        for r, check in enumerate(checks):
            verdict = str(check.get("status", ""))
            bg, fg = VERDICT_COLORS.get(verdict, (None, None))
            for c, key in enumerate(COLUMNS):
                raw = check.get(key)
                text = _number(raw) if key in ("value", "threshold") else str(raw or "")
                item = QTableWidgetItem(text.upper() if key == "status" else text)
                item.setToolTip(str(check.get("message", "")))
                if bg is not None:
                    item.setBackground(QBrush(bg))
                    item.setForeground(QBrush(fg))
                if key in ("value", "threshold"):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(r, c, item)
        header = self.table.horizontalHeader()
        for c in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(c, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.Stretch)
        # whole messages: rows grow to the wrapped text, never cut it off
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.addWidget(self.verdict)
        layout.addWidget(self.table, 1)
