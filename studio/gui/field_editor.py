"""The base of every settings field editor: one setting's widget with a JSON-ready value.
Apart from the editors themselves so composite editors (record lists) can build on it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget


class FieldEditor(QObject):
    """One setting's widget; `value()` returns JSON-ready data."""

    changed = Signal()

    def __init__(self, name: str, schema: dict, nullable: bool):
        super().__init__()
        self.name, self.schema, self.nullable = name, schema, nullable
        self.widget: QWidget = self.build()

    def build(self) -> QWidget:
        raise NotImplementedError  # abstract

    def value(self) -> Any:
        raise NotImplementedError  # abstract

    def set_value(self, value: Any) -> None:
        raise NotImplementedError  # abstract

    def problem(self) -> str | None:
        """What is wrong with the typed text before the model sees it (bad JSON, not a number)."""
        return None
