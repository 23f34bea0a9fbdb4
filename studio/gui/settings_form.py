"""Field editors generated from a settings model's JSON schema and its `ui` hints:
column pickers fed by the upstream TableSpec, bounded spin boxes, choice lists, file
pickers, multi-line text, and secret *references* (never a saved password field)."""

from __future__ import annotations

import json
import math
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from studio.core.ports import TableSpec

from .field_editor import FieldEditor
from .record_list_editor import RecordListEditor, record_schema

INT_LIMIT = 2_147_483_647
AUTOMATIC = "(automatic)"


def _non_null(schema: dict) -> tuple[dict, bool]:
    """The schema without its `null` alternative, and whether null is allowed."""
    options = schema.get("anyOf")
    if not options:
        return schema, schema.get("type") == "null"
    rest = [o for o in options if o.get("type") != "null"]
    merged = {
        **{k: v for k, v in schema.items() if k != "anyOf"},
        **(rest[0] if len(rest) == 1 else {}),
    }
    return merged, len(rest) < len(options)


class CheckEditor(FieldEditor):
    def build(self) -> QWidget:
        self.box = QCheckBox()
        self.box.toggled.connect(self.changed)
        return self.box

    def value(self) -> Any:
        return self.box.isChecked()

    def set_value(self, value: Any) -> None:
        self.box.setChecked(bool(value))


def _bounds(schema: dict, step: float) -> tuple[float, float]:
    lo = schema.get("minimum", schema.get("exclusiveMinimum", None))
    hi = schema.get("maximum", schema.get("exclusiveMaximum", None))
    if "exclusiveMinimum" in schema and "minimum" not in schema:
        lo = lo + step
    if "exclusiveMaximum" in schema and "maximum" not in schema:
        hi = hi - step
    return lo, hi


def _stepped(spin, steps: int, lo: float | None, hi: float | None) -> float:
    """The arrows' next value, kept within the setting's bounds (typing is not: a typed value
    out of range is shown and refused in the setting's words, never silently changed)."""
    value = spin.value() + steps * spin.singleStep()
    if lo is not None and value < lo:
        value = spin.minimum() if spin.specialValueText() and steps < 0 else lo
    if hi is not None and value > hi:
        value = hi
    return value


class _BoundedSpin(QSpinBox):
    bounds: tuple[float | None, float | None] = (None, None)

    def stepBy(self, steps: int) -> None:
        self.setValue(int(_stepped(self, steps, *self.bounds)))


class _BoundedDoubleSpin(QDoubleSpinBox):
    bounds: tuple[float | None, float | None] = (None, None)

    def stepBy(self, steps: int) -> None:
        self.setValue(_stepped(self, steps, *self.bounds))


class IntEditor(FieldEditor):
    """A spin box stepping within the bounds; for an optional number its lowest position means
    `None`. Any whole number can be typed: one out of range is refused by validation."""

    def build(self) -> QWidget:
        self.spin = _BoundedSpin()
        lo, hi = _bounds(self.schema, 1)
        self.spin.bounds = (lo, hi)
        if self.nullable:
            low = int(max(lo, -INT_LIMIT + 1)) - 1 if lo is not None else -INT_LIMIT
            self.spin.setSpecialValueText(AUTOMATIC)
        else:
            low = -INT_LIMIT
        self.spin.setRange(low, INT_LIMIT)
        self.spin.valueChanged.connect(self.changed)
        return self.spin

    def value(self) -> Any:
        if self.nullable and self.spin.value() == self.spin.minimum():
            return None
        return self.spin.value()

    def set_value(self, value: Any) -> None:
        if value is None and self.nullable:
            self.spin.setValue(self.spin.minimum())
        else:
            self.spin.setValue(int(value or 0))


def _decimals(schema: dict) -> int:
    """Enough decimals to show the default (1e-9 must not round to 0)."""
    default = schema.get("default")
    if isinstance(default, (int, float)) and default and abs(default) < 1e-4:
        return min(15, 3 - int(math.floor(math.log10(abs(default)))))
    return 6


class CompactDoubleSpinBox(QDoubleSpinBox):
    """Shows 0.7 rather than 0.700000: the decimals bound what can be typed, not what shows."""

    def textFromValue(self, value: float) -> str:
        text = self.locale().toString(value, "f", self.decimals())
        point = self.locale().decimalPoint()
        return text.rstrip("0").rstrip(point) if point in text else text


class _FloatSpin(_BoundedDoubleSpin, CompactDoubleSpinBox):
    """Arrows step within the bounds; the value shows without trailing zeros."""


class FloatEditor(FieldEditor):
    """Like IntEditor: arrows step within the bounds, a typed value out of range is refused
    by validation in the setting's words (1.5 for a fraction is shown, not turned into 0.5)."""

    def build(self) -> QWidget:
        self.spin = _FloatSpin()
        self.spin.setDecimals(_decimals(self.schema))
        lo, hi = _bounds(self.schema, 10 ** -self.spin.decimals())
        self.spin.bounds = (lo, hi)
        step = 0.05 if (hi is not None and hi <= 1) else 0.1
        if self.nullable:
            low = (lo if lo is not None else -1e12) - step
            self.spin.setSpecialValueText(AUTOMATIC)
        else:
            low = -1e12
        self.spin.setRange(low, 1e12)
        self.spin.setSingleStep(step)
        self.spin.valueChanged.connect(self.changed)
        return self.spin

    def value(self) -> Any:
        if self.nullable and self.spin.value() == self.spin.minimum():
            return None
        return round(self.spin.value(), self.spin.decimals())

    def set_value(self, value: Any) -> None:
        if value is None and self.nullable:
            self.spin.setValue(self.spin.minimum())
        else:
            self.spin.setValue(float(value or 0.0))


class ChoiceEditor(FieldEditor):
    def build(self) -> QWidget:
        self.combo = QComboBox()
        self.choices = list(self.schema.get("enum", []))
        if self.nullable:
            self.choices.insert(0, None)
        for c in self.choices:
            self.combo.addItem(AUTOMATIC if c is None else str(c))
        self.combo.currentIndexChanged.connect(self.changed)
        return self.combo

    def value(self) -> Any:
        return self.choices[self.combo.currentIndex()] if self.choices else None

    def set_value(self, value: Any) -> None:
        if value in self.choices:
            self.combo.setCurrentIndex(self.choices.index(value))


class LineEditor(FieldEditor):
    def build(self) -> QWidget:
        self.edit = QLineEdit()
        if self.nullable:
            self.edit.setPlaceholderText(AUTOMATIC)
        self.edit.textChanged.connect(self.changed)
        return self.edit

    def value(self) -> Any:
        text = self.edit.text()
        return None if (self.nullable and not text) else text

    def set_value(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))


class TextEditor(FieldEditor):
    def build(self) -> QWidget:
        self.edit = QPlainTextEdit()
        self.edit.setMinimumHeight(90)
        self.edit.textChanged.connect(self.changed)
        return self.edit

    def value(self) -> Any:
        return self.edit.toPlainText()

    def set_value(self, value: Any) -> None:
        self.edit.setPlainText("" if value is None else str(value))


class ListEditor(FieldEditor):
    """A list of strings or numbers typed as comma-separated text."""

    def build(self) -> QWidget:
        self.item_type = (self.schema.get("items") or {}).get("type", "string")
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("comma-separated values")
        self.edit.textChanged.connect(self.changed)
        return self.edit

    def _parts(self) -> list[str]:
        # `""` stands for the empty string (e.g. "an empty cell means missing").
        parts = [p.strip() for p in self.edit.text().split(",") if p.strip()]
        return ["" if p == '""' else p for p in parts]

    def value(self) -> Any:
        convert = {"integer": int, "number": float}.get(self.item_type)
        if convert is None:
            return self._parts()
        try:
            return [convert(p) for p in self._parts()]
        except ValueError:
            return self._parts()

    def problem(self) -> str | None:
        convert = {"integer": int, "number": float}.get(self.item_type)
        bad = [p for p in self._parts() if convert is not None and not _parses(convert, p)]
        return (
            f"not {'an integer' if self.item_type == 'integer' else 'a number'}: {', '.join(bad)}"
            if bad
            else None
        )

    def set_value(self, value: Any) -> None:
        self.edit.setText(", ".join('""' if v == "" else str(v) for v in value or []))


def _parses(convert, text: str) -> bool:
    try:
        convert(text)
    except ValueError:
        return False
    return True


class JsonEditor(FieldEditor):
    """Structured settings (a search space, a list of conditions) edited as JSON."""

    def build(self) -> QWidget:
        self.edit = QPlainTextEdit()
        self.edit.setMinimumHeight(80)
        self.edit.setPlaceholderText("JSON")
        self.edit.textChanged.connect(self.changed)
        return self.edit

    def value(self) -> Any:
        try:
            return json.loads(self.edit.toPlainText() or "null")
        except json.JSONDecodeError:
            return self.edit.toPlainText()

    def problem(self) -> str | None:
        try:
            json.loads(self.edit.toPlainText() or "null")
        except json.JSONDecodeError as exc:
            return f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        return None

    def set_value(self, value: Any) -> None:
        self.edit.setPlainText(json.dumps(value, indent=2))


class FileEditor(FieldEditor):
    def build(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        browse = QPushButton("Browse…")
        row.addWidget(self.edit, 1)
        row.addWidget(browse)
        self.edit.textChanged.connect(self.changed)
        browse.clicked.connect(self._browse)
        return box

    def _browse(self) -> None:
        flt = self.schema.get("filter", "All files (*)")
        pick = (
            QFileDialog.getSaveFileName
            if self.schema.get("ui") == "save_file"
            else QFileDialog.getOpenFileName
        )
        path, _ = pick(self.widget, self.schema.get("title", self.name), self.edit.text(), flt)
        if path:
            self.edit.setText(path)

    def value(self) -> Any:
        return self.edit.text()

    def set_value(self, value: Any) -> None:
        self.edit.setText(value or "")


class SecretEditor(FieldEditor):
    """A reference to a secret (`env:NAME` / `keyring:service/user`), never the secret itself."""

    SCHEMES = ("env:", "keyring:")

    def build(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.scheme = QComboBox()
        self.scheme.addItems(["environment variable", "OS keyring"])
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("DB_PASSWORD  or  service/user")
        row.addWidget(self.scheme)
        row.addWidget(self.name_edit, 1)
        self.scheme.currentIndexChanged.connect(self.changed)
        self.name_edit.textChanged.connect(self.changed)
        return box

    def value(self) -> Any:
        name = self.name_edit.text().strip()
        return f"{self.SCHEMES[self.scheme.currentIndex()]}{name}" if name else None

    def set_value(self, value: Any) -> None:
        value = value or ""
        for i, s in enumerate(self.SCHEMES):
            if value.startswith(s):
                self.scheme.setCurrentIndex(i)
                value = value[len(s) :]
        self.name_edit.setText(value)


class ColumnEditor(FieldEditor):
    def __init__(self, name: str, schema: dict, nullable: bool, spec: TableSpec | None):
        self.spec = spec
        super().__init__(name, schema, nullable)

    def build(self) -> QWidget:
        self.combo = QComboBox()
        self.combo.setEditable(True)
        if self.nullable:
            self.combo.addItem(AUTOMATIC)
        for c in _columns(self.spec, self.schema):
            self.combo.addItem(c)
        self.combo.currentTextChanged.connect(self.changed)
        return self.combo

    def value(self) -> Any:
        text = self.combo.currentText()
        return None if (self.nullable and text in ("", AUTOMATIC)) else text

    def set_value(self, value: Any) -> None:
        self.combo.setCurrentText(AUTOMATIC if value is None and self.nullable else (value or ""))


class ColumnsEditor(FieldEditor):
    def __init__(self, name: str, schema: dict, nullable: bool, spec: TableSpec | None):
        self.spec = spec
        super().__init__(name, schema, nullable)

    def build(self) -> QWidget:
        self.list = QListWidget()
        self.list.setMaximumHeight(150)
        for c in _columns(self.spec, self.schema):
            self._add(c, False)
        self.list.itemChanged.connect(self.changed)
        return self.list

    def _add(self, name: str, checked: bool) -> QListWidgetItem:
        item = QListWidgetItem(name, self.list)
        item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
        item.setCheckState(Qt.Checked if checked else Qt.Unchecked)
        return item

    def value(self) -> Any:
        return [
            self.list.item(i).text()
            for i in range(self.list.count())
            if self.list.item(i).checkState() == Qt.Checked
        ]

    def set_value(self, value: Any) -> None:
        wanted = list(value or [])
        present = {self.list.item(i).text(): self.list.item(i) for i in range(self.list.count())}
        for name, item in present.items():
            item.setCheckState(Qt.Checked if name in wanted else Qt.Unchecked)
        for name in wanted:
            if name not in present:  # kept, so the inline check can say it is missing upstream
                self._add(name, True)


def _columns(spec: TableSpec | None, schema: dict) -> list[str]:
    if spec is None:
        return []
    return [c.name for c in spec.columns if c.is_numeric or not schema.get("numeric")]


def make_editor(name: str, schema: dict, spec_for_port, defs: dict | None = None) -> FieldEditor:
    """Pick the editor for one property of the settings JSON schema (`defs`: the schema's
    `$defs`, so lists of records get a table instead of JSON)."""
    schema, nullable = _non_null(schema)
    ui = schema.get("ui")
    if ui in ("column", "columns"):
        spec = spec_for_port(schema.get("port", 0))
        if ui == "column":
            return ColumnEditor(name, schema, nullable, spec)
        if spec is not None:
            return ColumnsEditor(name, schema, nullable, spec)
        return ListEditor(name, schema, nullable)
    if ui == "secret":
        return SecretEditor(name, schema, nullable)
    if ui in ("file", "save_file"):
        return FileEditor(name, schema, nullable)
    if ui == "text":
        return TextEditor(name, schema, nullable)
    if "enum" in schema:
        return ChoiceEditor(name, schema, nullable)
    kind = schema.get("type")
    if kind == "boolean":
        return CheckEditor(name, schema, nullable)
    if kind == "integer":
        return IntEditor(name, schema, nullable)
    if kind == "number":
        return FloatEditor(name, schema, nullable)
    if kind == "array":
        items = schema.get("items") or {}
        if items.get("type") in ("string", "integer", "number"):
            return ListEditor(name, schema, nullable)
        record = record_schema(schema, defs)
        if record is not None:
            port = next(
                (
                    p.get("port", 0)
                    for p in record["properties"].values()
                    if p.get("ui") == "column"
                ),
                0,
            )
            return RecordListEditor(name, schema, nullable, record, spec_for_port(port))
        return JsonEditor(name, schema, nullable)
    if kind == "object" or kind is None and ("$ref" in schema or "allOf" in schema):
        return JsonEditor(name, schema, nullable)
    return LineEditor(name, schema, nullable)
