"""The canvas view: wheel zoom around the cursor, middle-button or space-drag pan,
rubber-band selection, fit to contents at a readable zoom, colours from the palette,
a hint on an empty canvas and the bar that shows refusals."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QGraphicsView

from .notice import NoticeBar
from .style import GRID

EMPTY_HINT = (
    "Drag nodes here from the Node Repository (or double-click one there),\n"
    "or start from an example: File ▸ New from Template… (Ctrl+Shift+N)"
)


def canvas_colors(palette: QPalette) -> tuple[QColor, QColor, QColor]:
    """Background, grid and hint text of the canvas, from the application's palette, so a
    dark palette gives a dark canvas."""
    base = palette.color(QPalette.Base)
    text = palette.color(QPalette.Text)
    dark = base.lightnessF() < 0.5
    grid = base.lighter(135) if dark else base.darker(108)
    hint = QColor(text)
    hint.setAlphaF(0.55)
    return base, grid, hint


class WorkflowView(QGraphicsView):
    MIN_SCALE, MAX_SCALE = 0.1, 4.0
    READABLE_SCALE = 0.75  # fitting never zooms out further: node names stay legible
    FIT_MAX_SCALE = 1.25

    def __init__(self, scene, parent=None):
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.SmartViewportUpdate)
        self.setAcceptDrops(True)
        self.setCacheMode(QGraphicsView.CacheBackground)  # the grid is drawn once per zoom/scroll
        self._panning = False
        self._fit_pending: str | bool = False  # a fit asked before the view had its size
        self.notice = NoticeBar(self)
        self.notice.dismissed.connect(scene.dismiss_refusal)
        scene.message.connect(self.notice.show_text)
        self._apply_palette()
        self._had_nodes = bool(scene.nodes)
        scene.changed.connect(self._maybe_repaint_hint)

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        target = min(self.MAX_SCALE, max(self.MIN_SCALE, self.zoom * factor))
        self.scale(target / self.zoom, target / self.zoom)

    def reset_zoom(self) -> None:
        self.resetTransform()

    def fit(self, readable: bool = False) -> None:
        """Show the whole workflow; with `readable` (a workflow just opened) never below a
        zoom where node names can be read: then its start (top left) shows. Asked before
        the window is shown, it waits for the real size."""
        if not self.isVisible():
            self._fit_pending = "readable" if readable else "all"
            return
        self._fit_pending = False
        rect = self.scene().itemsBoundingRect()
        if rect.isEmpty():
            self.resetTransform()
            return
        rect = rect.adjusted(-40, -40, 40, 40)
        port = self.viewport().rect()
        scale = min(port.width() / rect.width(), port.height() / rect.height())
        scale = min(self.FIT_MAX_SCALE, scale)
        if readable:
            scale = max(self.READABLE_SCALE, scale)
        scale = max(self.MIN_SCALE, scale)
        self.resetTransform()
        self.scale(scale, scale)
        seen_w, seen_h = port.width() / scale, port.height() / scale
        x = rect.center().x() if rect.width() <= seen_w else rect.left() + seen_w / 2
        y = rect.center().y() if rect.height() <= seen_h else rect.top() + seen_h / 2
        self.centerOn(QPointF(x, y))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._fit_pending:
            self.fit(self._fit_pending == "readable")

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fit_pending and self.isVisible():
            self.fit(self._fit_pending == "readable")
        if self.notice.isVisible():
            self.notice.place()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (event.Type.PaletteChange, event.Type.ApplicationPaletteChange):
            self._apply_palette()

    def _maybe_repaint_hint(self, _regions=None) -> None:
        """The empty-canvas hint covers the viewport: repaint all of it when it comes or goes."""
        has = bool(self.scene().nodes)
        if has != self._had_nodes:
            self._had_nodes = has
            self.viewport().update()

    def _apply_palette(self) -> None:
        self._background, self._grid, self._hint = canvas_colors(self.palette())
        self.setBackgroundBrush(self._background)
        self.resetCachedContent()
        self.viewport().update()

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.15**steps)
        event.accept()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MiddleButton:
            self._start_pan(event)
            return
        super().mousePressEvent(event)

    def _start_pan(self, event) -> None:
        self._panning = True
        self._pan_from = event.position()
        self.setCursor(Qt.ClosedHandCursor)
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        if self._panning:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._panning and event.button() == Qt.MiddleButton:
            self._panning = False
            self.unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Escape and self.notice.isVisible():
            self.notice.dismiss()
            event.accept()
            return
        if (
            event.key() == Qt.Key_Space
            and not event.isAutoRepeat()
            and self.scene().focusItem() is None
        ):
            self.setDragMode(QGraphicsView.ScrollHandDrag)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self.setDragMode(QGraphicsView.RubberBandDrag)
            return
        super().keyReleaseEvent(event)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawBackground(painter, rect)
        if self.zoom < 0.5:
            return
        painter.setPen(QPen(self._grid, 0))
        left = int(rect.left()) - int(rect.left()) % int(GRID)
        top = int(rect.top()) - int(rect.top()) % int(GRID)
        x = left
        while x < rect.right():
            painter.drawLine(x, int(rect.top()), x, int(rect.bottom()))
            x += int(GRID)
        y = top
        while y < rect.bottom():
            painter.drawLine(int(rect.left()), y, int(rect.right()), y)
            y += int(GRID)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawForeground(painter, rect)
        if self.scene().nodes:
            return
        painter.save()
        painter.resetTransform()  # the hint is drawn in viewport pixels, at any zoom
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        painter.setFont(font)
        painter.setPen(self._hint)
        painter.drawText(self.viewport().rect(), Qt.AlignCenter, EMPTY_HINT)
        painter.restore()
