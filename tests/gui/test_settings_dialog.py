"""The configure dialog is generated from the settings model: pickers from the upstream
spec, bounds, choices, secret references, parameters; OK waits for valid settings."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit

from studio.core import Catalog, NodeSettings, NodeType, Workflow
from studio.core.node import SecretField
from studio.gui.settings_dialog import SettingsDialog
from studio.gui.settings_form import (
    ChoiceEditor,
    ColumnEditor,
    ColumnsEditor,
    FileEditor,
    FloatEditor,
    IntEditor,
    SecretEditor,
)


def _workflow(penguins_csv) -> tuple[Workflow, str, str]:
    wf = Workflow()
    reader = wf.add_node("io.csv_reader", settings={"path": str(penguins_csv)})
    part = wf.add_node("validation.partitioning")
    wf.connect(reader.id, 0, part.id, 0)
    return wf, reader.id, part.id


def test_editors_follow_the_schema_and_the_column_picker_lists_upstream_columns(
    qtbot, penguins_csv
):
    wf, _reader, part = _workflow(penguins_csv)
    dialog = SettingsDialog(wf, part, wf.configure())
    qtbot.addWidget(dialog)
    assert isinstance(dialog.editor("method"), ChoiceEditor)
    assert [dialog.editor("method").combo.itemText(i) for i in range(4)] == [
        "random",
        "stratified",
        "grouped",
        "time",
    ]
    fraction = dialog.editor("train_fraction")
    assert isinstance(fraction, FloatEditor)
    lo, hi = fraction.spin.bounds  # the arrows step within these; typing may go beyond
    assert 0 < lo < 0.001 and 0.999 < hi < 1
    assert (
        isinstance(dialog.editor("seed"), IntEditor) and dialog.editor("seed").spin.bounds[0] == 0
    )
    column = dialog.editor("column")
    assert isinstance(column, ColumnEditor)
    items = [column.combo.itemText(i) for i in range(column.combo.count())]
    assert items[0] == "(automatic)" and "species" in items and "body_mass_g" in items


def test_ok_is_disabled_with_the_message_beside_the_field_until_the_settings_are_valid(
    qtbot, penguins_csv
):
    wf, _reader, part = _workflow(penguins_csv)
    dialog = SettingsDialog(wf, part, wf.configure())
    qtbot.addWidget(dialog)
    dialog.editor("validation_fraction").spin.setValue(0.5)  # 0.7 + 0.5 leaves no test rows
    assert not dialog.ok_button.isEnabled()
    assert "leave rows for the test set" in dialog.general.text()
    dialog.editor("validation_fraction").spin.setValue(0.1)
    assert dialog.ok_button.isEnabled()
    dialog.editor("column").combo.setCurrentText("no_such_column")
    assert dialog.ok_button.isEnabled()  # a configure problem is a warning: the input may change
    assert "no_such_column" in dialog.rows["column"].message.text()
    assert not dialog.rows["column"].message.isHidden()


class DbSettings(NodeSettings):
    password: str | None = SecretField(None, description="Database password")


class Db(NodeType):
    type_id = "test.db"
    name = "DB"
    Settings = DbSettings


def test_a_secret_setting_is_edited_as_a_reference_never_as_a_password(qtbot):
    wf = Workflow(Catalog([Db]))
    nid = wf.add_node("test.db").id
    dialog = SettingsDialog(wf, nid, wf.configure())
    qtbot.addWidget(dialog)
    editor = dialog.editor("password")
    assert isinstance(editor, SecretEditor)
    assert all(e.echoMode() == QLineEdit.Normal for e in editor.widget.findChildren(QLineEdit))
    qtbot.keyClicks(editor.name_edit, "DB_PASSWORD")
    assert dialog.values() == {"password": "env:DB_PASSWORD"}
    editor.scheme.setCurrentIndex(1)
    assert dialog.values() == {"password": "keyring:DB_PASSWORD"}


def test_a_field_can_refer_to_a_workflow_parameter(qtbot, penguins_csv):
    wf, _reader, part = _workflow(penguins_csv)
    wf.add_parameter("share", "number", 0.6)
    dialog = SettingsDialog(wf, part, wf.configure())
    qtbot.addWidget(dialog)
    row = dialog.rows["train_fraction"]
    row.param.setCurrentText("$share")
    assert not row.editor.widget.isEnabled()
    assert dialog.values()["train_fraction"] == "$share"
    assert dialog.ok_button.isEnabled()
    wf.add_parameter("share", "number", 0.95)  # 0.95 + 0.1 validation leaves nothing
    dialog.editor("validation_fraction").spin.setValue(0.1)
    assert not dialog.ok_button.isEnabled()
    # Reopening shows the reference again.
    wf.set_setting(part, "train_fraction", "$share")
    again = SettingsDialog(wf, part, wf.configure())
    qtbot.addWidget(again)
    assert again.rows["train_fraction"].param.currentText() == "$share"


def test_cancel_leaves_the_settings_untouched(qtbot, window, penguins_csv):
    from PySide6.QtCore import QPointF

    from .gestures import double_click, drop_node, node_center

    nid = drop_node(window, "validation.partitioning", QPointF(0, 0))
    before = dict(window.document.workflow.node(nid).settings)
    double_click(window.view, node_center(window, nid))
    qtbot.waitUntil(lambda: window.settings_dialog is not None)
    window.settings_dialog.editor("seed").spin.setValue(7)
    window.settings_dialog.reject()
    assert window.document.workflow.node(nid).settings == before
    assert not window.document.undo_stack.canUndo() or window.document.undo_stack.count() == 1


def test_every_node_types_default_settings_survive_the_dialog_unchanged(qtbot):
    from studio.core import default_catalog

    wf = Workflow()
    for node_type in default_catalog().all():
        inst = wf.add_node(node_type.type_id)
        dialog = SettingsDialog(wf, inst.id, None)
        qtbot.addWidget(dialog)
        assert dialog.values() == inst.settings, node_type.type_id


def test_structured_settings_are_edited_as_json_and_bad_json_is_named(qtbot):
    from studio.gui.settings_form import JsonEditor

    wf = Workflow()
    nid = wf.add_node("validation.parameter_search").id
    dialog = SettingsDialog(wf, nid, None)
    qtbot.addWidget(dialog)
    editor = dialog.editor("search_space")
    assert isinstance(editor, JsonEditor)
    editor.edit.setPlainText('{"C": [0.1, 1.0')
    assert not dialog.ok_button.isEnabled()
    assert "invalid JSON" in dialog.rows["search_space"].message.text()
    editor.edit.setPlainText('{"C": [0.1, 1.0]}')
    assert dialog.values()["search_space"] == {"C": [0.1, 1.0]}


def test_row_filter_conditions_are_rows_with_column_and_operator_pickers_not_json(
    qtbot, penguins_csv
):
    from studio.gui.record_list_editor import RecordListEditor

    wf = Workflow()
    reader = wf.add_node("io.csv_reader", settings={"path": str(penguins_csv)})
    keep = wf.add_node(
        "manipulation.row_filter",
        settings={"conditions": [{"column": "island", "operator": "==", "value": "Biscoe"}]},
    )
    wf.connect(reader.id, 0, keep.id, 0)
    dialog = SettingsDialog(wf, keep.id, wf.configure())
    qtbot.addWidget(dialog)
    editor = dialog.editor("conditions")
    assert isinstance(editor, RecordListEditor) and editor.table.rowCount() == 1
    column, operator, value = (editor.table.cellWidget(0, c) for c in range(3))
    assert "bill_length_mm" in [column.itemText(i) for i in range(column.count())]
    assert ">" in [operator.itemText(i) for i in range(operator.count())]
    assert value.text() == "Biscoe"
    editor.add_button.click()
    editor.table.cellWidget(1, 0).setCurrentText("bill_length_mm")
    editor.table.cellWidget(1, 1).setCurrentText(">")
    editor.table.cellWidget(1, 2).setText("40")
    assert dialog.ok_button.isEnabled()
    assert dialog.values()["conditions"] == [
        {"column": "island", "operator": "==", "value": "Biscoe"},
        {"column": "bill_length_mm", "operator": ">", "value": "40"},
    ]
    editor.table.selectRow(0)
    editor.remove_button.click()
    assert [c["column"] for c in dialog.values()["conditions"]] == ["bill_length_mm"]


def test_groupby_aggregations_table_warns_about_a_column_missing_upstream(qtbot, penguins_csv):
    wf = Workflow()
    reader = wf.add_node("io.csv_reader", settings={"path": str(penguins_csv)})
    group = wf.add_node("manipulation.group_by", settings={"group_columns": ["island"]})
    wf.connect(reader.id, 0, group.id, 0)
    dialog = SettingsDialog(wf, group.id, wf.configure())
    qtbot.addWidget(dialog)
    editor = dialog.editor("aggregations")
    editor.add_button.click()
    editor.table.cellWidget(0, 0).setCurrentText("body_mass")  # a typo
    assert editor.table.cellWidget(0, 1).currentText() == "mean"
    warning = dialog.rows["aggregations"].message
    assert not warning.isHidden() and "'body_mass'" in warning.text()  # configure's warning
    editor.table.cellWidget(0, 0).setCurrentText("body_mass_g")
    assert dialog.ok_button.isEnabled() and warning.isHidden()
    assert dialog.values()["aggregations"] == [
        {"column": "body_mass_g", "function": "mean", "name": ""}
    ]


def test_sorter_keys_keep_their_direction_through_the_dialog(qtbot):
    wf = Workflow()
    keys = [{"column": "a", "ascending": False}, {"column": "b", "ascending": True}]
    nid = wf.add_node("manipulation.sorter", settings={"keys": keys}).id
    dialog = SettingsDialog(wf, nid, None)
    qtbot.addWidget(dialog)
    direction = dialog.editor("keys").table.cellWidget(0, 1)
    assert [direction.itemText(i) for i in range(direction.count())] == ["true", "false"]
    assert dialog.values()["keys"] == keys


def test_path_settings_get_file_pickers_and_a_reader_offers_its_own_columns(qtbot, penguins_csv):
    wf, reader, _part = _workflow(penguins_csv)
    writer = wf.add_node("io.csv_writer")
    wf.connect(reader, 0, writer.id, 0)
    report = wf.configure()
    read_dialog = SettingsDialog(wf, reader, report)
    write_dialog = SettingsDialog(wf, writer.id, report)
    qtbot.addWidget(read_dialog)
    qtbot.addWidget(write_dialog)
    opened, saved = read_dialog.editor("path"), write_dialog.editor("path")
    assert isinstance(opened, FileEditor) and isinstance(saved, FileEditor)
    assert (opened.schema["ui"], saved.schema["ui"]) == ("file", "save_file")
    assert opened.schema["filter"].startswith("CSV (") and opened.value() == str(penguins_csv)
    dates = read_dialog.editor("date_columns")
    assert isinstance(dates, ColumnsEditor)
    assert "species" in [dates.list.item(i).text() for i in range(dates.list.count())]
