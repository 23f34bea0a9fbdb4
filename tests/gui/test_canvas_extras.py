"""Annotations, zoom/pan/fit, rubber-band selection, keyboard shortcuts and the
parameters panel, each driven as a user would."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt

from .gestures import drag, drop_node


def test_an_annotation_is_added_edited_in_place_moved_and_undone(qtbot, window):
    wf = window.document.workflow
    window.scene.add_annotation(QPointF(0, 0), "Load")
    (ann_id,) = wf.annotations
    item = window.scene.annotations[ann_id]
    from .gestures import double_click

    double_click(window.view, item.mapToScene(QPointF(20, 20)))
    assert item.text_item.hasFocus()
    qtbot.keyClick(window.view.viewport(), Qt.Key_End)
    qtbot.keyClicks(window.view.viewport(), " the data!")
    qtbot.keyClick(
        window.view.viewport(), Qt.Key_Backspace
    )  # edits the text, does not delete the note
    window.scene.clearFocus()
    assert wf.annotations[ann_id].text == "Load the data"
    drag(window.view, item.mapToScene(QPointF(100, 60)), item.mapToScene(QPointF(160, 100)))
    assert (wf.annotations[ann_id].x, wf.annotations[ann_id].y) == (60, 40)
    stack = window.document.undo_stack
    stack.undo()
    assert (wf.annotations[ann_id].x, wf.annotations[ann_id].y) == (0, 0)
    stack.undo()
    assert wf.annotations[ann_id].text == "Load" and item.text_item.toPlainText() == "Load"
    stack.undo()
    assert wf.annotations == {} and window.scene.annotations == {}


def test_rubber_band_selects_the_nodes_inside_and_delete_key_removes_them(qtbot, window):
    wf = window.document.workflow
    a = drop_node(window, "manipulation.column_filter", QPointF(0, 0))
    b = drop_node(window, "manipulation.column_filter", QPointF(200, 0))
    far = drop_node(window, "manipulation.column_filter", QPointF(0, 400))
    window.scene.clearSelection()
    window.view.centerOn(150, 100)
    drag(window.view, QPointF(-100, -80), QPointF(320, 90), steps=8)
    assert sorted(window.scene.selected_node_ids()) == sorted([a, b])
    qtbot.keyClick(window.view.viewport(), Qt.Key_Delete)
    assert [n.id for n in wf.nodes] == [far]
    qtbot.keyClick(window.view.viewport(), Qt.Key_Z, Qt.ControlModifier)
    assert len(wf.nodes) == 3


def test_zoom_is_bounded_and_fit_shows_every_node(qtbot, window):
    drop_node(window, "manipulation.column_filter", QPointF(-800, -500))
    drop_node(window, "manipulation.column_filter", QPointF(900, 600))
    view = window.view
    for _ in range(40):
        view.zoom_by(1.25)
    assert view.zoom == view.MAX_SCALE
    for _ in range(60):
        view.zoom_by(0.8)
    assert view.zoom == view.MIN_SCALE
    view.fit()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    for item in window.scene.nodes.values():
        assert visible.contains(item.sceneBoundingRect())


def test_parameters_panel_adds_edits_and_validates_parameters_through_undoable_commands(
    qtbot, window
):
    wf = window.document.workflow
    panel = window.parameters
    panel.add_parameter()
    assert list(wf.parameters) == ["param1"]
    panel.table.item(0, 2).setText("0.25")
    assert wf.parameters["param1"].value == 0.25
    panel.table.item(0, 2).setText("not a number")
    assert "not a valid number" in panel.error.text()
    assert wf.parameters["param1"].value == 0.25
    window.document.undo_stack.undo()
    assert wf.parameters["param1"].value == 0.5
    window.document.undo_stack.undo()
    assert wf.parameters == {}
    assert panel.table.rowCount() == 0


def test_editing_a_parameter_marks_the_nodes_that_use_it_as_not_executed(
    qtbot, window, penguins_csv
):
    from .gestures import wire

    wf = window.document.workflow
    reader = drop_node(window, "io.csv_reader", QPointF(0, 0))
    split = drop_node(window, "validation.partitioning", QPointF(250, 0))
    wire(window, reader, 0, split, 0)
    window.parameters.add_parameter()
    window.parameters.table.cellWidget(0, 1).setCurrentText("integer")
    window.parameters.table.item(0, 2).setText("7")
    window._apply_settings(reader, {**wf.node(reader).settings, "path": str(penguins_csv)})
    settings = {**wf.node(split).settings, "column": "species", "seed": "$param1"}
    window._apply_settings(split, settings)
    with qtbot.waitSignal(window.runner.finished, timeout=20000) as run:
        window.run_all()
    assert run.args[0].ok and wf.output(split, 0) is not None
    window.parameters.table.item(0, 2).setText("8")
    # the split was made with seed 7: its green light and its table are no longer current
    assert wf.state(split) == "configured" and wf.output(split, 0) is None
    assert window.scene.nodes[split].state == "configured"
    assert wf.state(reader) == "executed"  # does not use the parameter
    with qtbot.waitSignal(window.runner.finished, timeout=20000) as run:
        window.run_all()
    assert run.args[0].ok and wf.state(split) == "executed"


def test_select_all_then_copy_and_paste_duplicates_the_graph(qtbot, window):
    wf = window.document.workflow
    a = drop_node(window, "manipulation.column_filter", QPointF(0, 0))
    b = drop_node(window, "manipulation.column_filter", QPointF(200, 0))
    from .gestures import wire

    wire(window, a, 0, b, 0)
    window.select_all()
    assert sorted(window.scene.selected_node_ids()) == sorted([a, b])
    assert window.copy() and window.paste()
    assert len(wf.nodes) == 4 and len(wf.links) == 2
    pasted = window.scene.selected_node_ids()
    assert len(pasted) == 2 and not set(pasted) & {a, b}
    assert sorted(n.label for n in wf.nodes) == [
        "Column Filter",
        "Column Filter (2)",
        "Column Filter (3)",
        "Column Filter (4)",
    ]


def test_the_shortcuts_help_lists_the_actions_with_their_keys(qtbot, window):
    from studio.gui.shortcuts_help import shortcut_rows

    rows = dict(shortcut_rows(window))
    assert rows["Execute All"] == "Shift+F7"
    assert rows["Delete"].startswith("Del")
    assert "Ctrl+Z" in rows["Undo"]
