"""The console panel: run progress, refusals and full error messages, time-stamped."""

from __future__ import annotations

import html
import time

from PySide6.QtWidgets import QTextEdit, QWidget

COLORS = {"info": "#3c4043", "ok": "#1e7e34", "warning": "#a15c00", "error": "#b00020"}


class ConsolePanel(QTextEdit):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.lines: list[str] = []

    def log(self, text: str, level: str = "info") -> None:
        self.lines.append(text)
        stamp = time.strftime("%H:%M:%S")
        body = html.escape(text).replace("\n", "<br>")
        self.append(
            f"<span style='color:#9aa0a6'>{stamp}</span> <span style='color:{COLORS.get(level, '#000')}'>{body}</span>"
        )
