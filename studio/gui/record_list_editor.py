"""A list of small records (Row Filter conditions, GroupBy aggregations) edited as a table:
one row per record, a column picker for column fields and a choice list for fixed choices,
so an analyst never has to type JSON for them."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from studio.core.ports import TableSpec

from .field_editor import FieldEditor

SIMPLE_TYPES = ("string", "integer", "number", "boolean")


def record_schema(schema: dict, defs: dict | None) -> dict | None:
    """The item schema of an array of flat records, or None when the items are anything else."""
    items = schema.get("items") or {}
    ref = items.get("$ref", "")
    if ref:
        items = (defs or {}).get(ref.rsplit("/", 1)[-1], {})
    props = items.get("properties") or {}
    if items.get("type") != "object" or not props:
        return None
    simple = all(p.get("type") in SIMPLE_TYPES or "enum" in p for p in props.values())
    return items if simple else None


class RecordListEditor(FieldEditor):
    def __init__(self, name: str, schema: dict, nullable: bool, item: dict, spec: TableSpec | None):
        self.item = item
        self.fields = list(item["properties"].items())
        self.spec = spec
        super().__init__(name, schema, nullable)

    def build(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, len(self.fields))
        self.table.setHorizontalHeaderLabels([p.get("title", n) for n, p in self.fields])
        for c, (_n, p) in enumerate(self.fields):
            self.table.horizontalHeaderItem(c).setToolTip(p.get("description", ""))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setMinimumHeight(140)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add")
        self.remove_button = QPushButton("Remove")
        self.add_button.clicked.connect(lambda: (self.add_row({}), self.changed.emit()))
        self.remove_button.clicked.connect(self._remove_selected)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        return box

    def _cell(self, prop: dict, value: Any) -> QWidget:
        if prop.get("type") == "boolean":
            prop, value = {**prop, "enum": ["true", "false"]}, "true" if value else "false"
        if prop.get("ui") == "column" or "enum" in prop:
            combo = QComboBox()
            if prop.get("ui") == "column":
                combo.setEditable(True)  # a column missing upstream stays visible, and is flagged
                names = [c.name for c in self.spec.columns] if self.spec is not None else []
                combo.addItems(names)
            else:
                combo.addItems([str(v) for v in prop["enum"]])
            combo.setCurrentText("" if value is None else str(value))
            combo.currentTextChanged.connect(self.changed)
            return combo
        edit = QLineEdit("" if value is None else str(value))
        edit.setPlaceholderText(prop.get("description", ""))
        edit.textChanged.connect(self.changed)
        return edit

    def add_row(self, record: dict) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        for c, (name, prop) in enumerate(self.fields):
            self.table.setCellWidget(r, c, self._cell(prop, record.get(name, prop.get("default"))))

    def _remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()}, reverse=True)
        for r in rows or [self.table.rowCount() - 1]:
            if r >= 0:
                self.table.removeRow(r)
        self.changed.emit()

    def _typed(self, prop: dict, text: str) -> Any:
        kind = prop.get("type")
        try:
            if kind == "integer":
                return int(text)
            if kind == "number":
                return float(text)
        except ValueError:
            return text  # the settings model names the bad value inline
        if kind == "boolean":
            return text.strip().lower() in ("true", "1", "yes")
        return text

    def value(self) -> Any:
        out = []
        for r in range(self.table.rowCount()):
            record = {}
            for c, (name, prop) in enumerate(self.fields):
                w = self.table.cellWidget(r, c)
                text = w.currentText() if isinstance(w, QComboBox) else w.text()
                if text == "" and "default" in prop:
                    record[name] = prop["default"]  # an empty cell means the field's default
                else:
                    record[name] = self._typed(prop, text)
            out.append(record)
        return out

    def set_value(self, value: Any) -> None:
        self.table.setRowCount(0)
        for record in value or []:
            self.add_row(record if isinstance(record, dict) else {})
