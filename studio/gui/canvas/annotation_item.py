"""A text annotation: a pale note behind the nodes; double-click edits its text."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QGraphicsTextItem

from studio.core.workflow import Annotation


class _NoteText(QGraphicsTextItem):
    committed = Signal(str)

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.setTextInteractionFlags(Qt.NoTextInteraction)
        self.committed.emit(self.toPlainText())

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Escape:
            self.clearFocus()
            return
        super().keyPressEvent(event)


class AnnotationItem(QGraphicsObject):
    text_committed = Signal(str, str)  # annotation id, new text

    def __init__(self, ann: Annotation):
        super().__init__()
        self.ann_id = ann.id
        self._rect = QRectF(0, 0, ann.width, ann.height)
        self.setFlags(QGraphicsItem.ItemIsMovable | QGraphicsItem.ItemIsSelectable)
        self.setZValue(-5)
        self.text_item = _NoteText(ann.text, self)
        self.text_item.setPos(4, 4)
        self.text_item.setTextWidth(ann.width - 8)
        self.text_item.setDefaultTextColor(QColor("#3c4043"))
        self.text_item.committed.connect(lambda text: self.text_committed.emit(self.ann_id, text))
        self.setPos(ann.x, ann.y)

    def update_from(self, ann: Annotation) -> None:
        self.prepareGeometryChange()
        self._rect = QRectF(0, 0, ann.width, ann.height)
        if self.text_item.toPlainText() != ann.text:
            self.text_item.setPlainText(ann.text)
        self.text_item.setTextWidth(ann.width - 8)
        self.setPos(ann.x, ann.y)

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-2, -2, 2, 2)

    def paint(self, painter, option, widget=None) -> None:
        painter.setPen(QPen(QColor("#1a73e8") if self.isSelected() else QColor("#e3c567"), 1.5))
        painter.setBrush(QColor(255, 244, 196, 200))
        painter.drawRoundedRect(self._rect, 4, 4)

    def mouseDoubleClickEvent(self, event) -> None:
        self.text_item.setTextInteractionFlags(Qt.TextEditorInteraction)
        self.text_item.setFocus(Qt.MouseFocusReason)
        event.accept()
