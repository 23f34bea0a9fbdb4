"""The workflow parameters panel: a name/type/value/description grid; every edit is
validated by the core's Parameter and applied as one undoable command."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core import Event, KnotworkError, ParametersChanged
from studio.core.parameters import PARAM_TYPES, Parameter

from . import commands
from .document import Document


class ParametersPanel(QWidget):
    message = Signal(str)

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["name", "type", "value", "description"])
        self.table.horizontalHeader().setStretchLastSection(True)
        for col in range(3):
            self.table.horizontalHeader().setSectionResizeMode(col, QHeaderView.ResizeToContents)
        self.table.verticalHeader().hide()
        add, remove = QPushButton("Add"), QPushButton("Remove")
        add.clicked.connect(self.add_parameter)
        remove.clicked.connect(self.remove_selected)
        self.error = QLabel()
        self.error.setStyleSheet("color:#b00020")
        self.error.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.table.cellChanged.connect(self.apply)
        document.changed.connect(self._on_event)
        document.replaced.connect(self.reload)
        self.reload()

    def _on_event(self, event: Event) -> None:
        if isinstance(event, ParametersChanged):
            self.reload()

    def reload(self) -> None:
        self.table.blockSignals(True)
        params = list(self.document.workflow.parameters.values())
        self.table.setRowCount(len(params))
        for r, p in enumerate(params):
            self._fill_row(r, p)
        self.table.blockSignals(False)

    def _fill_row(self, r: int, p: Parameter) -> None:
        self.table.setItem(r, 0, QTableWidgetItem(p.name))
        combo = QComboBox()
        combo.addItems(PARAM_TYPES)
        combo.setCurrentText(p.type)
        combo.currentTextChanged.connect(self.apply)
        self.table.setCellWidget(r, 1, combo)
        self.table.setItem(r, 2, QTableWidgetItem(str(p.value)))
        self.table.setItem(r, 3, QTableWidgetItem(p.description))

    def _rows(self) -> dict[str, Parameter]:
        out: dict[str, Parameter] = {}
        for r in range(self.table.rowCount()):
            name = (self.table.item(r, 0).text() if self.table.item(r, 0) else "").strip()
            type_ = self.table.cellWidget(r, 1).currentText()
            value = self.table.item(r, 2).text() if self.table.item(r, 2) else ""
            desc = self.table.item(r, 3).text() if self.table.item(r, 3) else ""
            if name in out:
                raise KnotworkError(f"parameter {name!r} is defined twice")
            out[name] = Parameter(name, type_, value, desc)
        return out

    def apply(self, *_args) -> None:
        try:
            params = self._rows()
        except KnotworkError as exc:
            self.error.setText(str(exc))
            return
        self.error.setText("")
        if params != self.document.workflow.parameters:
            self.document.push(commands.ParametersCommand(self.document.workflow, params))

    def add_parameter(self) -> None:
        names = set(self.document.workflow.parameters)
        i = 1
        while f"param{i}" in names:
            i += 1
        params = dict(self.document.workflow.parameters)
        params[f"param{i}"] = Parameter(f"param{i}", "number", 0.5, "")
        self.document.push(commands.ParametersCommand(self.document.workflow, params))

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        names = [self.table.item(r, 0).text() for r in rows if self.table.item(r, 0)]
        if names:
            params = {k: v for k, v in self.document.workflow.parameters.items() if k not in names}
            self.document.push(commands.ParametersCommand(self.document.workflow, params))
