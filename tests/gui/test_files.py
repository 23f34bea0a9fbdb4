"""Files: save then reopen gives the same graph, the unsaved-changes prompt guards
closing, recent files, templates, and autosave recovery after a crash."""

from __future__ import annotations

import json

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QMessageBox

from studio.gui.autosave import Autosaver
from studio.gui.templates import copy_template, find_templates

from .gestures import drop_node, wire


def _graph(wf) -> dict:
    data = wf.to_dict()
    data.pop("knotwork_version")
    return data


def _small_workflow(window) -> tuple[str, str]:
    a = drop_node(window, "manipulation.column_filter", QPointF(0, 0))
    b = drop_node(window, "validation.partitioning", QPointF(220, 40))
    wire(window, a, 0, b, 0)
    window._apply_settings(b, {**window.document.workflow.node(b).settings, "train_fraction": 0.8})
    window.scene.add_annotation(QPointF(0, -120), "Split the rows")
    return a, b


def test_saving_and_reopening_gives_the_same_graph_layout_and_annotations(
    qtbot, make_window, tmp_path
):
    first = make_window()
    _small_workflow(first)
    path = tmp_path / "split.knotwork.json"
    assert first.files.save_as(path)
    assert not first.document.modified and not first.isWindowModified()
    assert first.windowTitle().startswith("split")
    second = make_window()
    assert second.files.open(path)
    assert _graph(second.document.workflow) == _graph(first.document.workflow)
    assert set(second.scene.nodes) == set(first.scene.nodes)
    assert len(second.scene.wires) == 1 and len(second.scene.annotations) == 1
    for nid, item in second.scene.nodes.items():
        assert (item.pos().x(), item.pos().y()) == first.document.workflow.layout[nid]
    assert str(path.resolve()) in second.prefs.recent_files()
    # The file is the reviewable, sorted JSON of the workflow format.
    assert json.loads(path.read_text())["connections"][0]["target_port"] == "table"


def test_an_unsaved_edit_asks_before_new_and_cancel_keeps_the_work(qtbot, window):
    _small_workflow(window)
    assert window.document.modified and window.isWindowModified()
    asked = []
    window.files.ask_unsaved = lambda: asked.append(1) or QMessageBox.Cancel
    assert not window.files.new()
    assert asked and len(window.document.workflow.nodes) == 2
    window.files.ask_unsaved = lambda: QMessageBox.Discard
    assert window.files.new()
    assert window.document.workflow.nodes == [] and window.scene.nodes == {}
    assert not window.document.undo_stack.canUndo()


def test_an_autosaved_session_that_crashed_is_offered_for_recovery_on_the_next_start(
    qtbot, make_window, tmp_path
):
    crashed = make_window()
    a, b = _small_workflow(crashed)
    crashed.autosaver.set_interval(0.05)
    with qtbot.waitSignal(crashed.autosaver.saved, timeout=5000):
        pass
    side_file = crashed.autosaver.path
    assert side_file.exists()
    expected = _graph(crashed.document.workflow)
    # A crash: the process dies without a clean close, so this session is no longer live.
    crashed.autosaver.timer.stop()
    Autosaver.live.discard(str(side_file))

    restarted = make_window()
    assert restarted.banner.isVisible()
    assert "did not close properly" in restarted.banner.text.text()
    qtbot.mouseClick(restarted.banner.recover_button, Qt.LeftButton)
    assert _graph(restarted.document.workflow) == expected
    assert restarted.document.modified  # recovered work still needs saving
    assert not restarted.banner.isVisible()
    assert not side_file.exists()
    assert restarted.prefs.autosaves() == {} or str(side_file) not in restarted.prefs.autosaves()


def test_a_clean_close_leaves_nothing_to_recover(qtbot, make_window):
    first = make_window()
    _small_workflow(first)
    assert first.autosaver.save_now()
    side_file = first.autosaver.path
    first.files.ask_unsaved = lambda: QMessageBox.Discard
    first.close()
    assert not side_file.exists()
    assert not make_window().banner.isVisible()


def test_new_from_template_copies_the_template_folder_into_the_workspace(qtbot, window, tmp_path):
    gallery = tmp_path / "templates" / "demo"
    gallery.mkdir(parents=True)
    (gallery / "rows.csv").write_text("x,y\n1,2\n3,4\n")
    source = window.document.workflow.__class__(window.catalog, "Demo")
    reader = source.add_node("io.csv_reader", settings={"path": "rows.csv"}, position=(0, 0))
    source.description = "Reads two rows"
    source.save(gallery / "demo.knotwork.json")
    templates = find_templates(tmp_path / "templates")
    assert [(t.name, t.description) for t in templates] == [("Demo", "Reads two rows")]
    assert window.files.new_from_template(templates[0])
    wf = window.document.workflow
    assert wf.path.parent == window.prefs.workspace / "demo"
    assert (wf.path.parent / "rows.csv").exists()
    # Relative data paths still resolve next to the copied workflow.
    with qtbot.waitSignal(window.runner.finished, timeout=20000) as run:
        window.run_all()
    assert run.args[0].ok
    assert len(wf.output(reader.id).df) == 2
    assert copy_template(templates[0], window.prefs.workspace).parent.name == "demo-2"


def test_the_recent_files_menu_lists_saved_workflows_and_opens_them(qtbot, make_window, tmp_path):
    first = make_window()
    _small_workflow(first)
    path = tmp_path / "recent.knotwork.json"
    assert first.files.save_as(path)
    second = make_window()
    second.files.recent_menu.aboutToShow.emit()
    actions = [a for a in second.files.recent_menu.actions() if a.text() == "recent.knotwork.json"]
    assert len(actions) == 1
    actions[0].trigger()
    assert second.document.path == path.resolve() or second.document.path == path
    assert len(second.document.workflow.nodes) == 2


def test_preferences_change_the_workspace_and_the_autosave_interval(qtbot, window, tmp_path):
    from studio.gui.preferences import PreferencesDialog

    dialog = PreferencesDialog(window.prefs, window)
    qtbot.addWidget(dialog)
    dialog.workspace.setText(str(tmp_path / "elsewhere"))
    dialog.autosave.setValue(15)
    dialog.accept()
    assert window.prefs.workspace == tmp_path / "elsewhere"
    assert window.prefs.autosave_seconds == 15


def test_the_template_gallery_wraps_long_descriptions_inside_the_dialog(qtbot, tmp_path):
    from studio.gui.templates import Template, TemplateGallery

    long = " ".join(["Preprocessing is fitted on the training rows only and re-applied;"] * 4)
    gallery = TemplateGallery([Template("Demo", long, tmp_path / "demo.knotwork.json")])
    qtbot.addWidget(gallery)
    gallery.resize(700, 360)
    gallery.show()
    qtbot.waitExposed(gallery)
    item = gallery.list.item(0)
    rect = gallery.list.visualItemRect(item)
    # the title fits the list and the whole description is readable beside it, wrapped
    assert rect.right() <= gallery.list.viewport().width()
    assert long in gallery.details.toPlainText()
    assert gallery.details.horizontalScrollBar().maximum() == 0
    document = gallery.details.document()
    assert document.size().height() > 3 * gallery.details.fontMetrics().height()
    assert item.toolTip() == long
