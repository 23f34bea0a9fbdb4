"""The console panel: run progress, refusals and full error messages, time-stamped, in
colours chosen for the palette in use (a dark palette gets light text)."""

from __future__ import annotations

import html
import time

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QTextEdit, QWidget

LIGHT = {"info": "", "ok": "#1e7e34", "warning": "#a15c00", "error": "#b00020", "stamp": "#80868b"}
DARK = {"info": "", "ok": "#81c995", "warning": "#fdd663", "error": "#f28b82", "stamp": "#9aa0a6"}


def level_colors(palette: QPalette) -> dict[str, str]:
    """Colours per message level; "info" keeps the palette's own text colour."""
    return DARK if palette.color(QPalette.Base).lightnessF() < 0.5 else LIGHT


class ConsolePanel(QTextEdit):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.lines: list[str] = []
        self._entries: list[tuple[str, str, str]] = []  # (stamp, level, text), to recolour

    def log(self, text: str, level: str = "info") -> None:
        self.lines.append(text)
        stamp = time.strftime("%H:%M:%S")
        self._entries.append((stamp, level, text))
        self.append(self._html(stamp, level, text))

    def _html(self, stamp: str, level: str, text: str) -> str:
        colors = level_colors(self.palette())
        body = html.escape(text).replace("\n", "<br>")
        color = colors.get(level, "")
        styled = f"<span style='color:{color}'>{body}</span>" if color else body
        return f"<span style='color:{colors['stamp']}'>{stamp}</span> {styled}"

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (event.Type.PaletteChange, event.Type.ApplicationPaletteChange):
            self.setHtml("<br>".join(self._html(*entry) for entry in self._entries))
