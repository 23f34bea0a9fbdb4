"""A figure (ROC curve, confusion matrix, scatter plot...): the live matplotlib drawing on
matplotlib's Qt canvas, with its toolbar (pan, zoom, export PNG/SVG/PDF) and the value
under the mouse; only the picture when the drawing is gone (a figure from a bundle)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from studio.core import Figure

PNG_SCALE = 2.0  # the Figure port's PNG is drawn at twice the figure's resolution


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def value_under(event: Any) -> str:
    """Words for the data under the mouse: a point's x and y, a bar's height, else the
    coordinates; empty outside the axes."""
    ax = event.inaxes
    if ax is None:
        return ""
    for artist in (*ax.collections, *ax.lines):
        hit, info = artist.contains(event)
        if hit and info.get("ind") is not None and len(info["ind"]):
            i = int(info["ind"][0])
            if hasattr(artist, "get_offsets"):
                x, y = artist.get_offsets()[i]
            else:
                x, y = artist.get_xdata()[i], artist.get_ydata()[i]
            label = artist.get_label()
            name = "" if label.startswith("_") else f"{label}: "
            return f"{name}x = {_fmt(float(x))}, y = {_fmt(float(y))}"
    for patch in ax.patches:
        hit, _ = patch.contains(event)
        if hit and hasattr(patch, "get_height"):
            left, width = patch.get_x(), patch.get_width()
            return f"[{_fmt(left)}, {_fmt(left + width)}): {_fmt(float(patch.get_height()))}"
    for image in ax.images:
        hit, _ = image.contains(event)
        if hit:
            row, col = int(round(event.ydata)), int(round(event.xdata))
            data = image.get_array()
            if 0 <= row < data.shape[0] and 0 <= col < data.shape[1]:
                return f"row {row}, column {col}: {_fmt(float(data[row, col]))}"
    return f"x = {_fmt(float(event.xdata))}, y = {_fmt(float(event.ydata))}"


class FigureViewer(QWidget):
    def __init__(self, figure: Figure, parent: QWidget | None = None):
        super().__init__(parent)
        self.canvas = None
        self.toolbar = None
        self.hover = QLabel()
        self.hover.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        if figure.title:
            layout.addWidget(QLabel(f"<b>{figure.title}</b>"))
        if figure.drawing is not None:
            from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT

            self.canvas = FigureCanvasQTAgg(figure.drawing)
            self.canvas.setMinimumSize(320, 240)
            self.toolbar = NavigationToolbar2QT(self.canvas, self)
            self.canvas.mpl_connect("motion_notify_event", self._hovered)
            layout.addWidget(self.toolbar)
            layout.addWidget(self.canvas, 1)
            layout.addWidget(self.hover)
            return
        self.pixmap = QPixmap()
        self.pixmap.loadFromData(figure.png, "PNG")
        self.pixmap.setDevicePixelRatio(PNG_SCALE)  # logical size as drawn, sharp at 2x
        image = QLabel()
        image.setAlignment(Qt.AlignCenter)
        image.setPixmap(self.pixmap)
        scroll = QScrollArea()
        scroll.setWidget(image)
        scroll.setWidgetResizable(True)
        layout.addWidget(scroll)

    def _hovered(self, event) -> None:
        self.hover.setText(value_under(event))
