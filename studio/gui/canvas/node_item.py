"""A node on the canvas: body coloured by category, typed ports, a status light, a
progress bar while executing, and an editable label underneath."""

from __future__ import annotations

import html

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainterPath, QPen, QTextOption
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QGraphicsTextItem

from studio.core import NodeState, NodeType

from .port_item import PortItem
from .style import CATEGORY_COLORS, DEFAULT_NODE_COLOR, NODE_HEIGHT, NODE_WIDTH, STATE_COLORS

STATE_TEXT = {
    NodeState.UNCONFIGURED: "not configured",
    NodeState.CONFIGURED: "configured, ready to run",
    NodeState.EXECUTING: "executing",
    NodeState.EXECUTED: "executed",
    NodeState.FAILED: "failed",
}
# Traffic light: red (unconfigured/failed), yellow (configured), green (executed).
LIGHT_SLOT = {NodeState.CONFIGURED: 1, NodeState.EXECUTED: 2}


class LabelItem(QGraphicsTextItem):
    """The node label; double-click edits it in place, Enter or leaving commits."""

    committed = Signal(str)

    def __init__(self, text: str, parent: QGraphicsItem):
        super().__init__(text, parent)
        self.setDefaultTextColor(QColor("#1f2328"))
        opt = QTextOption(Qt.AlignHCenter)
        opt.setWrapMode(QTextOption.WrapAtWordBoundaryOrAnywhere)
        self.document().setDefaultTextOption(opt)
        self.setTextWidth(NODE_WIDTH + 40)
        self.setCacheMode(
            QGraphicsItem.DeviceCoordinateCache
        )  # 500 labels must not re-lay out text on every frame
        self._before = text

    def start_editing(self) -> None:
        self._before = self.toPlainText()
        self.setTextInteractionFlags(Qt.TextEditorInteraction)
        self.setFocus(Qt.MouseFocusReason)
        cursor = self.textCursor()
        cursor.select(cursor.SelectionType.Document)
        self.setTextCursor(cursor)

    def mouseDoubleClickEvent(self, event) -> None:
        self.start_editing()
        event.accept()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self.clearFocus()
            return
        if event.key() == Qt.Key_Escape:
            self.setPlainText(self._before)
            self.clearFocus()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.setTextInteractionFlags(Qt.NoTextInteraction)
        text = self.toPlainText().strip()
        if text and text != self._before:
            self.committed.emit(text)
        else:
            self.setPlainText(self._before)


class NodeItem(QGraphicsObject):
    def __init__(self, node_id: str, node_type: type[NodeType], label: str):
        super().__init__()
        self.node_id = node_id
        self.node_type = node_type
        self.state = NodeState.UNCONFIGURED
        self.message = ""
        self.progress = 0.0
        self.highlighted = False  # part of a deployment capture scope
        self.notice = ""  # e.g. a component whose library has a newer version
        self.wires: list = []
        self._rect = QRectF(0, 0, NODE_WIDTH, NODE_HEIGHT)
        self._color = CATEGORY_COLORS.get(node_type.category, DEFAULT_NODE_COLOR)
        self.setFlags(
            QGraphicsItem.ItemIsMovable
            | QGraphicsItem.ItemIsSelectable
            | QGraphicsItem.ItemSendsScenePositionChanges
        )
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)
        self.inputs = [self._port(p, i, False) for i, p in enumerate(node_type.inputs)]
        self.outputs = [self._port(p, i, True) for i, p in enumerate(node_type.outputs)]
        self.label_item = LabelItem(label, self)
        self.label_item.setPos((NODE_WIDTH - self.label_item.textWidth()) / 2, NODE_HEIGHT + 2)
        self._update_tooltip()

    def _port(self, port, index: int, is_output: bool) -> PortItem:
        count = len(self.node_type.outputs if is_output else self.node_type.inputs)
        item = PortItem(port, index, is_output, self)
        y = NODE_HEIGHT * (index + 1) / (count + 1)
        item.setPos(NODE_WIDTH if is_output else 0.0, y)
        return item

    # ---- model → view ----------------------------------------------------------------
    @property
    def label(self) -> str:
        return self.label_item.toPlainText()

    def set_label(self, text: str) -> None:
        self.label_item.setPlainText(text)
        self.label_item._before = text
        self._update_tooltip()

    def set_state(self, state: NodeState, message: str = "") -> None:
        self.state, self.message = NodeState(state), message or ""
        if state != NodeState.EXECUTING:
            self.progress = 0.0
        self._update_tooltip()
        self.update()

    def set_highlighted(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            self.update()

    def set_notice(self, text: str) -> None:
        if text != self.notice:
            self.notice = text
            self._update_tooltip()
            self.update()

    def set_progress(self, fraction: float) -> None:
        self.progress = fraction
        self.update()

    @property
    def status_text(self) -> str:
        """What the light means for this node, with the actual cause (plain text)."""
        if not self.message:
            return STATE_TEXT.get(self.state, str(self.state))
        if self.state == NodeState.CONFIGURED:
            # the message is the last run's failure: the edit since may have fixed it
            return f"configured, ready to run — its last run failed: {self.message}"
        if self.state == NodeState.UNCONFIGURED:
            return f"not configured: {self.message}"
        return f"{STATE_TEXT.get(self.state, self.state)}: {self.message}"

    def _update_tooltip(self) -> None:
        head, _, cause = self.status_text.partition(": ")
        lines = [f"<b>{html.escape(self.label)}</b> — {html.escape(self.node_type.name)}"]
        lines.append(html.escape(head + (":" if cause else "")))
        if cause:
            lines.append(f"<span style='color:#b00020'>{html.escape(cause)}</span>")
        if getattr(self, "notice", ""):
            lines.append(f"<span style='color:#1565c0'>⬆ {html.escape(self.notice)}</span>")
        self.setToolTip("<br>".join(lines))

    # ---- drawing ---------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-8, -8, 8, 8)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self._rect, 8, 8)
        return path

    def paint(self, painter, option, widget=None) -> None:
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        selected = self.isSelected()
        if self.highlighted:
            painter.setPen(QPen(QColor(0, 150, 136, 150), 6))
            painter.setBrush(Qt.NoBrush)
            painter.drawRoundedRect(self._rect.adjusted(-4, -4, 4, 4), 10, 10)
        painter.setPen(
            QPen(QColor("#1a73e8") if selected else QColor("#7a808a"), 2.4 if selected else 1.2)
        )
        painter.setBrush(QBrush(self._color))
        painter.drawRoundedRect(self._rect, 8, 8)
        painter.setPen(QColor("#2b2f36"))
        font = QFont(painter.font())
        font.setPointSizeF(7.5)
        font.setBold(True)
        painter.setFont(font)
        text_rect = QRectF(8, 5, NODE_WIDTH - 16, NODE_HEIGHT - 24)
        painter.drawText(
            text_rect, Qt.AlignHCenter | Qt.AlignVCenter | Qt.TextWordWrap, self.node_type.name
        )
        bar = QRectF(14, NODE_HEIGHT - 15, NODE_WIDTH - 28, 9)
        painter.setPen(QPen(QColor("#5f6670"), 0.8))
        painter.setBrush(QColor("#f8f9fa"))
        painter.drawRoundedRect(bar, 4, 4)
        color = STATE_COLORS.get(self.state, QColor("#999"))
        painter.setPen(Qt.NoPen)
        painter.setBrush(color)
        if self.state == NodeState.EXECUTING:
            filled = QRectF(
                bar.left(), bar.top(), max(bar.height(), bar.width() * self.progress), bar.height()
            )
            painter.drawRoundedRect(filled, 4, 4)
        else:
            slot = LIGHT_SLOT.get(self.state, 0)
            w = bar.width() / 3
            painter.drawEllipse(QRectF(bar.left() + slot * w + w / 2 - 4, bar.top() + 0.5, 8, 8))
        if self.state == NodeState.FAILED or self.message:
            # red: failed or not configured for a stated cause; amber: the last run failed
            badge = QColor("#e37400") if self.state == NodeState.CONFIGURED else QColor("#d93025")
            painter.setPen(QPen(badge, 2))
            painter.setBrush(badge)
            painter.drawEllipse(QRectF(NODE_WIDTH - 13, -5, 14, 14))
            painter.setPen(Qt.white)
            painter.drawText(QRectF(NODE_WIDTH - 13, -5, 14, 14), Qt.AlignCenter, "!")
        if self.node_type.category == "Components":  # a node holding a workflow: a double rim
            painter.setPen(QPen(QColor("#5f6670"), 0.8, Qt.DashLine))
            painter.setBrush(Qt.NoBrush)
            painter.drawRoundedRect(self._rect.adjusted(3, 3, -3, -3), 6, 6)
        if self.notice:  # blue: a newer version waits in the library
            painter.setPen(QPen(QColor("#1565c0"), 2))
            painter.setBrush(QColor("#1565c0"))
            painter.drawEllipse(QRectF(-1, -5, 14, 14))
            painter.setPen(Qt.white)
            painter.drawText(QRectF(-1, -5, 14, 14), Qt.AlignCenter, "↑")

    # ---- interaction -----------------------------------------------------------------
    def itemChange(self, change, value):
        if change == QGraphicsItem.ItemScenePositionHasChanged:
            for wire in self.wires:
                wire.update_path()
        return super().itemChange(change, value)

    def port_at(self, scene_pos):
        for item in (*self.inputs, *self.outputs):
            if item.sceneBoundingRect().adjusted(-4, -4, 4, 4).contains(scene_pos):
                return item
        return None
