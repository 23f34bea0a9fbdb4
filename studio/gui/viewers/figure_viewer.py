"""A figure (ROC curve, confusion matrix, feature importance) from its PNG bytes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from studio.core import Figure


class FigureViewer(QWidget):
    def __init__(self, figure: Figure, parent: QWidget | None = None):
        super().__init__(parent)
        self.pixmap = QPixmap()
        self.pixmap.loadFromData(figure.png, "PNG")
        image = QLabel()
        image.setAlignment(Qt.AlignCenter)
        image.setPixmap(self.pixmap)
        scroll = QScrollArea()
        scroll.setWidget(image)
        scroll.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        if figure.title:
            layout.addWidget(QLabel(f"<b>{figure.title}</b>"))
        layout.addWidget(scroll)
