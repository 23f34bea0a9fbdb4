"""Every edit on the canvas can be undone and redone: add, delete, move, connect,
setting change, rename, paste."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt

from .gestures import click_toolbar, double_click, drag, drop_node, node_center, wire


def _undo(qtbot, window):
    click_toolbar(qtbot, window, window.undo_action)


def _redo(qtbot, window):
    click_toolbar(qtbot, window, window.redo_action)


def test_undo_removes_a_dropped_node_and_redo_brings_it_back_with_the_same_id(qtbot, window):
    wf = window.document.workflow
    nid = drop_node(window, "manipulation.column_filter", QPointF(0, 0))
    _undo(qtbot, window)
    assert nid not in wf.graph and nid not in window.scene.nodes
    _redo(qtbot, window)
    assert nid in wf.graph and nid in window.scene.nodes
    assert wf.layout[nid] == (window.scene.nodes[nid].pos().x(), window.scene.nodes[nid].pos().y())


def test_undoing_a_delete_restores_the_node_its_settings_and_its_wires(qtbot, window):
    wf = window.document.workflow
    a = drop_node(window, "manipulation.column_filter", QPointF(0, 0))
    b = drop_node(window, "manipulation.column_filter", QPointF(200, 0))
    c = drop_node(window, "manipulation.column_filter", QPointF(400, 0))
    wire(window, a, 0, b, 0)
    wire(window, b, 0, c, 0)
    window._apply_settings(b, {**wf.node(b).settings, "pattern": "^bill"})
    window.scene.select_nodes([b])
    qtbot.keyClick(window.view.viewport(), Qt.Key_Delete)
    assert b not in wf.graph and wf.links == []
    assert window.scene.wires == {}
    _undo(qtbot, window)
    assert wf.node(b).settings["pattern"] == "^bill"
    assert {(lk.source, lk.target) for lk in wf.links} == {(a, b), (b, c)}
    assert len(window.scene.wires) == 2
    _redo(qtbot, window)
    assert b not in wf.graph and len(window.scene.wires) == 0


def test_moving_a_node_with_the_mouse_is_one_undoable_step(qtbot, window):
    wf = window.document.workflow
    nid = drop_node(window, "manipulation.column_filter", QPointF(0, 0))
    before = wf.layout[nid]
    start = node_center(window, nid)
    drag(window.view, start, start + QPointF(150, 60), steps=6)
    after = wf.layout[nid]
    assert after[0] - before[0] == 150 and after[1] - before[1] == 60
    _undo(qtbot, window)
    assert wf.layout[nid] == before
    assert (window.scene.nodes[nid].pos().x(), window.scene.nodes[nid].pos().y()) == before
    _redo(qtbot, window)
    assert wf.layout[nid] == after


def test_undoing_a_connection_removes_the_wire_and_restores_the_one_it_replaced(qtbot, window):
    wf = window.document.workflow
    a = drop_node(window, "manipulation.column_filter", QPointF(0, -100))
    b = drop_node(window, "manipulation.column_filter", QPointF(0, 100))
    c = drop_node(window, "manipulation.column_filter", QPointF(250, 0))
    wire(window, a, 0, c, 0)
    wire(window, b, 0, c, 0)  # replaces a → c
    assert [(lk.source, lk.target) for lk in wf.links] == [(b, c)]
    _undo(qtbot, window)
    assert [(lk.source, lk.target) for lk in wf.links] == [(a, c)]
    assert [w.link.source for w in window.scene.wires.values()] == [a]
    _undo(qtbot, window)
    assert wf.links == [] and window.scene.wires == {}
    _redo(qtbot, window)
    assert [(lk.source, lk.target) for lk in wf.links] == [(a, c)]


def test_a_setting_changed_in_the_dialog_is_undone_and_redone(qtbot, window):
    wf = window.document.workflow
    nid = drop_node(window, "validation.partitioning", QPointF(0, 0))
    double_click(window.view, node_center(window, nid))
    qtbot.waitUntil(lambda: window.settings_dialog is not None)
    dialog = window.settings_dialog
    dialog.editor("train_fraction").spin.setValue(0.6)
    dialog.editor("method").combo.setCurrentText("random")
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    assert (
        wf.node(nid).settings["train_fraction"] == 0.6
        and wf.node(nid).settings["method"] == "random"
    )
    _undo(qtbot, window)
    assert (
        wf.node(nid).settings["train_fraction"] == 0.7
        and wf.node(nid).settings["method"] == "stratified"
    )
    _redo(qtbot, window)
    assert wf.node(nid).settings["train_fraction"] == 0.6


def test_renaming_a_label_in_place_is_undoable(qtbot, window):
    wf = window.document.workflow
    nid = drop_node(window, "manipulation.column_filter", QPointF(0, 0))
    label = window.scene.nodes[nid].label_item
    double_click(window.view, label.mapToScene(label.boundingRect().center()))
    assert label.hasFocus()
    qtbot.keyClicks(window.view.viewport(), "Drop ids")
    qtbot.keyClick(window.view.viewport(), Qt.Key_Return)
    assert wf.node(nid).label == "Drop ids"
    _undo(qtbot, window)
    assert wf.node(nid).label == "Column Filter"
    assert window.scene.nodes[nid].label == "Column Filter"


def test_copied_nodes_paste_into_another_window_with_their_wires_and_paste_is_undoable(
    qtbot, make_window
):
    first, second = make_window(), make_window()
    a = drop_node(first, "manipulation.column_filter", QPointF(0, 0))
    b = drop_node(
        first,
        "manipulation.row_filter"
        if "manipulation.row_filter" in first.catalog
        else "manipulation.column_filter",
        QPointF(200, 0),
    )
    wire(first, a, 0, b, 0)
    first.document.workflow.set_setting(a, "pattern", "^bill")
    first.scene.select_nodes([a, b])
    assert first.copy()
    assert second.paste()
    wf2 = second.document.workflow
    assert sorted(n.type_id for n in wf2.nodes) == sorted(
        n.type_id for n in first.document.workflow.nodes
    )
    assert not {n.id for n in wf2.nodes} & {a, b}
    assert len(wf2.links) == 1 and len(second.scene.wires) == 1
    assert any(n.settings.get("pattern") == "^bill" for n in wf2.nodes)
    second.document.undo_stack.undo()
    assert wf2.nodes == [] and second.scene.nodes == {}


def test_auto_layout_places_nodes_left_to_right_by_dependency_and_is_undoable(qtbot, window):
    wf = window.document.workflow
    c = drop_node(window, "manipulation.column_filter", QPointF(0, 0))
    b = drop_node(window, "manipulation.column_filter", QPointF(0, 150))
    a = drop_node(window, "manipulation.column_filter", QPointF(0, 300))
    wire(window, a, 0, b, 0)
    wire(window, b, 0, c, 0)
    before = dict(wf.layout)
    window.auto_layout()
    assert wf.layout[a][0] < wf.layout[b][0] < wf.layout[c][0]
    window.document.undo_stack.undo()
    assert wf.layout == before
