"""A port: a small disc coloured by its PortType on the left (inputs) or right (outputs)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem

from studio.core import Port

from .style import PORT_COLORS, PORT_RADIUS

CANDIDATE_RING = QColor("#1a73e8")


class PortItem(QGraphicsEllipseItem):
    def __init__(self, port: Port, index: int, is_output: bool, parent: QGraphicsItem):
        r = PORT_RADIUS
        super().__init__(QRectF(-r, -r, 2 * r, 2 * r), parent)
        self.port, self.index, self.is_output = port, index, is_output
        color = PORT_COLORS.get(port.type, QColor("#888"))
        self._pen = QPen(color.darker(140), 1.5)
        self.setPen(self._pen)
        self.candidate = False  # a wire being dragged could end here
        # Optional inputs are drawn hollow.
        self.setBrush(QBrush(Qt.white if port.optional else color))
        kind = "output" if is_output else "input"
        opt = ", optional" if port.optional else ""
        desc = f"\n{port.description}" if port.description else ""
        self.setToolTip(f"{kind} '{port.name}' ({port.type.value}{opt}){desc}")
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CrossCursor)
        self.setZValue(2)

    def set_candidate(self, on: bool) -> None:
        """Mark a port a dragged wire may end on: a wide ring, slightly larger."""
        if on == self.candidate:
            return
        self.candidate = on
        self.setPen(QPen(CANDIDATE_RING, 3.0) if on else self._pen)
        self.setScale(1.35 if on else 1.0)

    @property
    def node_id(self) -> str:
        return self.parentItem().node_id

    def scene_center(self):
        return self.mapToScene(0, 0)

    def hoverEnterEvent(self, event) -> None:
        self.setScale(1.4)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self.setScale(1.35 if self.candidate else 1.0)
        super().hoverLeaveEvent(event)
