"""A wire between an output port and an input port, drawn as a cubic curve."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem

from studio.core.workflow import Link

from .style import PORT_COLORS


def curve(a: QPointF, b: QPointF) -> QPainterPath:
    path = QPainterPath(a)
    dx = max(40.0, abs(b.x() - a.x()) * 0.5)
    path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b)
    return path


class WireItem(QGraphicsPathItem):
    def __init__(self, link: Link, source_port, target_port):
        super().__init__()
        self.link, self.source_port, self.target_port = link, source_port, target_port
        self.color = PORT_COLORS.get(source_port.port.type, QColor("#666"))
        self.setPen(QPen(self.color, 2.2, Qt.SolidLine, Qt.RoundCap))
        self.setFlag(QGraphicsItem.ItemIsSelectable)
        self.setZValue(-1)
        self.setToolTip(f"{link.source_port} → {link.target_port}")
        self.hot = False  # a node dropped now would be inserted into this wire
        self.update_path()

    def set_hot(self, on: bool) -> None:
        if on != self.hot:
            self.hot = on
            self.update()

    def update_path(self) -> None:
        self.setPath(curve(self.source_port.scene_center(), self.target_port.scene_center()))

    def shape(self) -> QPainterPath:
        from PySide6.QtGui import QPainterPathStroker

        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        return stroker.createStroke(self.path())

    def paint(self, painter, option, widget=None) -> None:
        pen = QPen(self.pen())
        if self.isSelected():
            pen.setColor(QColor("#111"))
            pen.setWidthF(3.2)
        if self.hot:
            pen.setColor(QColor("#1a73e8"))
            pen.setWidthF(5.0)
        painter.setPen(pen)
        painter.drawPath(self.path())


class DraftWire(QGraphicsPathItem):
    """The wire that follows the mouse while the user drags from a port."""

    def __init__(self, port_item):
        super().__init__()
        self.port_item = port_item
        color = PORT_COLORS.get(port_item.port.type, QColor("#666"))
        self.setPen(QPen(color, 2, Qt.DashLine))
        self.setZValue(5)

    def follow(self, pos: QPointF) -> None:
        start = self.port_item.scene_center()
        self.setPath(curve(start, pos) if self.port_item.is_output else curve(pos, start))
