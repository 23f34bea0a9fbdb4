"""The configure dialog of one node, generated from its settings model.

It edits a plain dict of raw settings; every change is checked with the node type's
own `validate_settings` (OK stays disabled until it passes) and `configure` against
the upstream specs (shown as warnings). Any field may refer to a workflow parameter.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from studio.core import ConfigureError, KnotworkError, Workflow
from studio.core.parameters import reference, resolve

from .settings_form import FieldEditor, make_editor

ERROR_STYLE = "color:#b00020"
WARNING_STYLE = "color:#a15c00"


def input_specs(wf: Workflow, report, node_id: str) -> list[Any]:
    """The spec arriving on each input port of a node, from the last configure report."""
    node_type = wf.node_type(node_id)
    links = wf.inputs_of(node_id)
    specs = []
    for port in node_type.inputs:
        link = links.get(port.name)
        up = report.nodes.get(link.source) if (report is not None and link is not None) else None
        if up is None:
            specs.append(None)
            continue
        names = [p.name for p in wf.node_type(link.source).outputs]
        specs.append(up.output_specs[names.index(link.source_port)])
    return specs


class _Row:
    def __init__(self, editor: FieldEditor, param: QComboBox | None, message: QLabel):
        self.editor, self.param, self.message = editor, param, message

    def value(self) -> Any:
        if self.param is not None and self.param.currentIndex() > 0:
            return self.param.currentText()
        return self.editor.value()


class SettingsDialog(QDialog):
    def __init__(self, wf: Workflow, node_id: str, report=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.wf, self.node_id = wf, node_id
        inst = wf.node(node_id)
        self.node_type = wf.node_type(node_id)
        self.setWindowTitle(f"Configure — {inst.label}")
        self.specs = input_specs(wf, report, node_id)
        own = report.nodes.get(node_id) if report is not None else None
        own_out = own.output_specs[0] if own is not None and own.output_specs else None

        def spec_for_port(port: int):
            if port < 0:
                return own_out
            return self.specs[port] if 0 <= port < len(self.specs) else None

        schema = self.node_type.Settings.model_json_schema()
        props = schema.get("properties", {})
        params = list(wf.parameters)
        form = QFormLayout()
        self.rows: dict[str, _Row] = {}
        for name, prop in props.items():
            editor = make_editor(name, prop, spec_for_port, schema.get("$defs"))
            current = inst.settings.get(name, prop.get("default"))
            param_box = None
            if params:
                param_box = QComboBox()
                param_box.addItems(["value", *[f"${p}" for p in params]])
                param_box.setToolTip("Use a workflow parameter instead of a fixed value")
                ref = reference(current)
                if ref in params:
                    param_box.setCurrentText(f"${ref}")
                    current = prop.get("default")
                param_box.currentIndexChanged.connect(self._param_toggled)
            if current is not None or editor.nullable:
                editor.set_value(current)
            message = QLabel()
            message.setWordWrap(True)
            message.hide()
            row = QWidget()
            lay = QVBoxLayout(row)
            lay.setContentsMargins(0, 0, 0, 0)
            line = QHBoxLayout()
            line.addWidget(editor.widget, 1)
            if param_box is not None:
                line.addWidget(param_box)
            lay.addLayout(line)
            if prop.get("description"):
                hint = QLabel(prop["description"])
                hint.setWordWrap(True)
                hint.setStyleSheet("color:#5f6368; font-size:11px")
                lay.addWidget(hint)
            lay.addWidget(message)
            form.addRow(prop.get("title", name), row)
            self.rows[name] = _Row(editor, param_box, message)
            editor.changed.connect(self.validate)
        body = QWidget()
        body.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.general = QLabel()
        self.general.setWordWrap(True)
        self.general.setStyleSheet(ERROR_STYLE)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        intro = QLabel(f"<b>{self.node_type.name}</b> — {self.node_type.description}")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.general)
        layout.addWidget(self.buttons)
        self.resize(520, min(720, 160 + 90 * len(props)))
        self._param_toggled()

    @property
    def ok_button(self):
        return self.buttons.button(QDialogButtonBox.Ok)

    def editor(self, name: str) -> FieldEditor:
        return self.rows[name].editor

    def values(self) -> dict[str, Any]:
        """The raw settings as they will be saved (parameter references kept as `$name`)."""
        return {name: row.value() for name, row in self.rows.items()}

    def _param_toggled(self, *_args) -> None:
        for row in self.rows.values():
            row.editor.widget.setEnabled(row.param is None or row.param.currentIndex() == 0)
        self.validate()

    def _show(self, where: str | None, text: str, style: str) -> None:
        field = (where or "").split(".")[0]
        if field in self.rows:
            label = self.rows[field].message
            label.setText(text)
            label.setStyleSheet(style)
            label.show()
        else:
            self.general.setText(f"{where}: {text}" if where else text)
            self.general.setStyleSheet(style)

    def validate(self) -> bool:
        """Check the settings as the engine will; OK is enabled only when they are valid."""
        for row in self.rows.values():
            row.message.hide()
        self.general.setText("")
        problems = {
            n: r.editor.problem()
            for n, r in self.rows.items()
            if r.param is None or r.param.currentIndex() == 0
        }
        problems = {n: p for n, p in problems.items() if p}
        if problems:
            for name, text in problems.items():
                self._show(name, text, ERROR_STYLE)
            self.ok_button.setEnabled(False)
            return False
        raw = self.values()
        try:
            resolved = resolve(raw, self.wf.parameter_values(), set())
            settings = self.node_type.validate_settings(resolved)
        except ConfigureError as exc:
            self._show(exc.where, exc.message, ERROR_STYLE)
            self.ok_button.setEnabled(False)
            return False
        except KnotworkError as exc:
            self._show(None, str(exc), ERROR_STYLE)
            self.ok_button.setEnabled(False)
            return False
        try:
            ctx = self.wf.node_context(self.node_id, self.wf.parameter_values())
            self.node_type().configure(settings, self.specs, ctx)
        except ConfigureError as exc:
            # Not blocking: the input may be wired or the file created later.
            self._show(exc.where, f"⚠ {exc.message}", WARNING_STYLE)
        except Exception as exc:  # a node's own bug must not break the dialog
            self._show(None, f"⚠ {type(exc).__name__}: {exc}", WARNING_STYLE)
        self.ok_button.setEnabled(True)
        return True
