"""The bar across the top of the canvas that says why an edit was refused: the whole
reason, wrapped, until the user dismisses it (× or Esc), not a hint that fades away."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget


class NoticeBar(QFrame):
    dismissed = Signal()

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("NoticeBar")
        self.setStyleSheet(
            "#NoticeBar { background: #fdecea; border: 1px solid #e0a09b; border-radius: 4px; }"
            "#NoticeBar QLabel { color: #8c1d18; }"
        )
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.setToolTip("Dismiss (Esc)")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.dismiss)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 4, 6)
        row.addWidget(self.label, 1)
        row.addWidget(self.close_button, 0, Qt.AlignTop)
        self.hide()

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def show_text(self, text: str) -> None:
        self.label.setText(text)
        self.place()
        self.show()
        self.raise_()

    def place(self) -> None:
        """Span the top of the parent, as tall as the wrapped text needs."""
        width = max(200, self.parentWidget().width() - 24)
        self.setFixedSize(width, self.layout().totalHeightForWidth(width))
        self.move(12, 8)

    def dismiss(self) -> None:
        if self.isVisible():
            self.hide()
            self.dismissed.emit()
