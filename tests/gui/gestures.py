"""What a user does with the mouse, as synthesized Qt events on the canvas viewport."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import QApplication


def _send_mouse(view, kind, scene_pos: QPointF, button, buttons) -> None:
    local = QPointF(view.mapFromScene(scene_pos))
    glob = QPointF(view.viewport().mapToGlobal(local.toPoint()))
    event = QMouseEvent(kind, local, glob, button, buttons, Qt.NoModifier)
    QApplication.sendEvent(view.viewport(), event)


def press(view, pos: QPointF) -> None:
    _send_mouse(view, QEvent.MouseButtonPress, pos, Qt.LeftButton, Qt.LeftButton)


def move(view, pos: QPointF) -> None:
    _send_mouse(view, QEvent.MouseMove, pos, Qt.NoButton, Qt.LeftButton)


def release(view, pos: QPointF) -> None:
    _send_mouse(view, QEvent.MouseButtonRelease, pos, Qt.LeftButton, Qt.NoButton)


def double_click(view, pos: QPointF) -> None:
    press(view, pos)
    release(view, pos)
    _send_mouse(view, QEvent.MouseButtonDblClick, pos, Qt.LeftButton, Qt.LeftButton)
    release(view, pos)


def drag(view, start: QPointF, end: QPointF, steps: int = 4) -> None:
    press(view, start)
    for i in range(1, steps + 1):
        move(view, start + (end - start) * (i / steps))
    release(view, end)


def drop_node(window, type_id: str, scene_pos: QPointF) -> str:
    """Drag a node type from the repository panel and drop it on the canvas; return its id."""
    repo = window.repository
    mime = repo.tree.mimeData([repo.items[type_id]])
    view = window.view
    local = view.mapFromScene(scene_pos)
    before = set(window.document.workflow.graph.nodes)
    for event in (
        QDragEnterEvent(QPointF(local), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier),
        QDragMoveEvent(QPointF(local), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier),
        QDropEvent(QPointF(local), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier),
    ):
        QApplication.sendEvent(view.viewport(), event)
    added = set(window.document.workflow.graph.nodes) - before
    assert len(added) == 1, f"dropping {type_id} added {len(added)} nodes"
    return added.pop()


def port_pos(window, node_id: str, index: int, output: bool) -> QPointF:
    item = window.scene.nodes[node_id]
    return (item.outputs if output else item.inputs)[index].scene_center()


def wire(window, src: str, src_port: int, dst: str, dst_port: int) -> None:
    """Drag from an output port to an input port."""
    drag(window.view, port_pos(window, src, src_port, True), port_pos(window, dst, dst_port, False))


def node_center(window, node_id: str) -> QPointF:
    item = window.scene.nodes[node_id]
    return item.mapToScene(item.boundingRect().center() + QPointF(0, -10))


def visible(window, pos: QPointF) -> QPoint:
    return window.view.mapFromScene(pos)


def click_toolbar(qtbot, window, action) -> None:
    """Click the toolbar button of an action, as a user would."""
    from PySide6.QtWidgets import QToolBar

    bar = window.findChild(QToolBar, "Main")
    qtbot.mouseClick(bar.widgetForAction(action), Qt.LeftButton)
