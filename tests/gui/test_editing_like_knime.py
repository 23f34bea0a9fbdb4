"""Editing as KNIME users expect: a node dropped on a wire goes into it, a double-click in
the repository adds and wires, compatible ports light up while wiring, refusals stay
until dismissed, and the toolbar holds still; lights and tooltips say the actual cause."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QToolBar

from studio.core.workflow import Link

from .gestures import drop_node, move, node_center, port_pos, press, release, wire
from .test_run import _catalog


def _chain(window):
    """Quick Source → Column Filter, wired, far apart so a node fits on the wire."""
    src = drop_node(window, "test.quick_source", QPointF(-300, 0))
    dst = drop_node(window, "manipulation.column_filter", QPointF(300, 0))
    wire(window, src, 0, dst, 0)
    return src, dst


def _wire_middle(window, src, dst) -> QPointF:
    link = Link(src, "table", dst, "table")
    return window.scene.wires[link].path().pointAtPercent(0.5)


def test_a_node_dropped_on_a_wire_is_inserted_and_one_undo_takes_it_out(qtbot, make_window):
    window = make_window(catalog=_catalog())
    src, dst = _chain(window)
    wf = window.document.workflow
    mid = drop_node(window, "manipulation.column_filter", _wire_middle(window, src, dst))
    assert wf.inputs_of(mid)["table"].source == src
    assert wf.inputs_of(dst)["table"].source == mid
    assert len(wf.links) == 2
    window.undo()
    assert mid not in wf.graph
    assert wf.inputs_of(dst)["table"].source == src


def test_dragging_an_unconnected_node_onto_a_wire_inserts_it(qtbot, make_window):
    window = make_window(catalog=_catalog())
    src, dst = _chain(window)
    loose = drop_node(window, "manipulation.column_filter", QPointF(0, 300))
    wf = window.document.workflow
    target = _wire_middle(window, src, dst)
    grab = node_center(window, loose)
    offset = grab - window.scene.nodes[loose].sceneBoundingRect().center()
    press(window.view, grab)
    for i in range(1, 5):
        move(window.view, grab + (target + offset - grab) * (i / 4))
    assert window.scene.wires[Link(src, "table", dst, "table")].hot  # the wire it would go into
    release(window.view, target + offset)
    assert wf.inputs_of(loose)["table"].source == src
    assert wf.inputs_of(dst)["table"].source == loose
    window.undo()  # one step: the move and both wires
    assert wf.inputs_of(dst)["table"].source == src and not wf.inputs_of(loose)


def test_double_click_in_the_repository_adds_a_node_wired_to_the_selected_one(qtbot, make_window):
    window = make_window(catalog=_catalog())
    src = drop_node(window, "test.quick_source", QPointF(0, 0))
    window.scene.select_nodes([src])
    repo = window.repository
    item = repo.items["manipulation.column_filter"]
    repo.tree.scrollToItem(item)
    rect = repo.tree.visualItemRect(item)
    qtbot.mouseClick(repo.tree.viewport(), Qt.LeftButton, pos=rect.center())
    qtbot.mouseDClick(repo.tree.viewport(), Qt.LeftButton, pos=rect.center())
    wf = window.document.workflow
    (new,) = set(wf.graph.nodes) - {src}
    assert wf.inputs_of(new)["table"].source == src
    assert window.scene.selected_node_ids() == [new]  # the next double-click extends the chain
    assert wf.layout[new][0] > wf.layout[src][0]


def test_compatible_ports_light_up_while_a_wire_is_dragged(qtbot, make_window):
    window = make_window(catalog=_catalog())
    src = drop_node(window, "test.quick_source", QPointF(-200, 0))
    a = drop_node(window, "manipulation.column_filter", QPointF(100, -150))
    b = drop_node(window, "manipulation.column_filter", QPointF(100, 150))
    wire(window, src, 0, a, 0)
    view, scene = window.view, window.scene
    start = port_pos(
        window, a, 0, True
    )  # a's output: b's input fits, src's nothing, a's own input not
    press(view, start)
    move(view, start + QPointF(40, 40))
    assert scene.nodes[b].inputs[0].candidate
    assert not scene.nodes[a].inputs[0].candidate  # it would close a cycle
    assert not scene.nodes[src].outputs[0].candidate
    release(view, start + QPointF(40, 40))
    assert not scene.nodes[b].inputs[0].candidate


def test_a_refusal_stays_whole_until_dismissed(qtbot, make_window):
    window = make_window(catalog=_catalog())
    src = drop_node(window, "test.quick_source", QPointF(-200, 0))
    dst = drop_node(window, "manipulation.column_filter", QPointF(200, 0))
    wire(window, src, 0, dst, 0)
    wire(window, dst, 0, dst, 0)  # onto its own input: a cycle, refused with the reason
    assert "cycle" in window.view.notice.text
    window.scene.refuse("a long reason " * 40)  # it must wrap, not be cut off
    notice = window.view.notice
    assert notice.isVisible() and notice.label.wordWrap()
    assert notice.geometry().right() <= window.view.width()
    assert notice.label.height() >= notice.label.heightForWidth(notice.label.width()) - 1
    # clicks elsewhere do not hide it; the × does
    press(window.view, QPointF(0, 400))
    release(window.view, QPointF(0, 400))
    assert notice.isVisible() and window.scene.refusal
    qtbot.mouseClick(notice.close_button, Qt.LeftButton)
    assert not notice.isVisible() and not window.scene.refusal
    window.view.grab().save("/tmp/studioux-refusal.png")


def test_deleting_during_a_run_is_refused_with_a_message(qtbot, make_window):
    window = make_window(catalog=_catalog())
    slow = drop_node(window, "test.slow_source", QPointF(0, 0))
    window.scene.select_nodes([slow])
    assert window.run_all()
    qtbot.waitUntil(lambda: window.scene.nodes[slow].state == "executing", timeout=20000)
    window.scene.delete_selection()
    assert slow in window.document.workflow.graph
    assert "running" in window.view.notice.text and "deleting" in window.view.notice.text
    with qtbot.waitSignal(window.runner.finished, timeout=20000):
        window.runner.cancel()


def test_the_toolbar_does_not_shift_when_the_undo_text_changes(qtbot, make_window):
    window = make_window(catalog=_catalog())
    bar = window.findChild(QToolBar, "Main")
    run_button = bar.widgetForAction(window.run_all_action)
    before = run_button.geometry()
    drop_node(window, "manipulation.column_filter", QPointF(0, 0))
    qtbot.wait(0)  # let the toolbar lay itself out again
    assert "Add Column Filter" in window.undo_action.text()
    assert bar.widgetForAction(window.undo_action).text() == "Undo"
    assert window.undo_action.toolTip() == "Undo Add Column Filter"
    assert run_button.geometry() == before


def test_a_node_behind_an_unconfigured_one_says_so_in_its_tooltip(qtbot, make_window, tmp_path):
    window = make_window()
    reader = drop_node(window, "io.csv_reader", QPointF(-200, 0))
    filt = drop_node(window, "manipulation.column_filter", QPointF(200, 0))
    wire(window, reader, 0, filt, 0)
    window.document.flush_configure()
    tip = window.scene.nodes[filt].toolTip()
    assert "not connected" not in tip
    assert "waits for “CSV Reader”" in tip and "no file chosen" in tip


def test_a_configured_node_with_the_last_runs_error_says_it_is_the_last_runs(qtbot, window):
    from studio.core import NodeState

    filt = drop_node(window, "manipulation.column_filter", QPointF(0, 0))
    item = window.scene.nodes[filt]
    item.set_state(NodeState.CONFIGURED, "column 'x' not found")
    assert "its last run failed" in item.toolTip()
    assert "column &#x27;x&#x27; not found" in item.toolTip()
