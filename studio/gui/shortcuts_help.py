"""Help → Keyboard Shortcuts: every window action that has a shortcut, read from the
actions themselves so the list never drifts from what the keys do."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


def shortcut_rows(widget: QWidget) -> list[tuple[str, str]]:
    rows = []
    for action in widget.actions():
        keys = ", ".join(s.toString(QKeySequence.NativeText) for s in action.shortcuts())
        if keys:
            rows.append((action.text().replace("&", "").split("  ")[0], keys))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, window: QWidget):
        super().__init__(window)
        self.setWindowTitle("Keyboard Shortcuts")
        rows = shortcut_rows(window)
        rows += [
            ("Zoom", "Mouse wheel"),
            ("Pan", "Middle button drag, or Space + drag"),
            ("Connect", "Drag from an output port to an input port (or onto a node)"),
            ("Configure a node", "Double-click the node"),
            ("View an output", "Double-click an output port"),
            ("Rename a node", "Double-click its label"),
        ]
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["action", "keys"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        for i, (name, keys) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(name))
            self.table.setItem(i, 1, QTableWidgetItem(keys))
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.resize(520, 560)
