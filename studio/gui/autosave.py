"""Periodic autosave of unsaved edits to a side file, and the record that lets the
next start offer recovery after a crash. A clean save or close removes both."""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from studio.core import Workflow
from studio.core.fileformat import atomic_write, dumps, workflow_to_dict

from .document import Document
from .preferences import Preferences


class Autosaver(QObject):
    saved = Signal(str)
    live: set[str] = set()  # side files of windows open in this process: not crashed

    def __init__(self, document: Document, prefs: Preferences, parent: QObject | None = None):
        super().__init__(parent)
        self.document, self.prefs = document, prefs
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.save_now)
        self.timer.start(prefs.autosave_seconds * 1000)
        folder = prefs.workspace / ".autosave"
        self.path = folder / f"session-{os.getpid()}-{id(self):x}.knotwork.json"
        Autosaver.live.add(str(self.path))

    def set_interval(self, seconds: float) -> None:
        self.timer.start(int(seconds * 1000))

    def save_now(self) -> bool:
        """Write the document to the side file when it has unsaved edits."""
        if not self.document.modified:
            return False
        try:
            text = dumps(workflow_to_dict(self.document.workflow))
            atomic_write(self.path, text)
        except Exception:  # a secret typed in by mistake, a full disk: never interrupt editing
            return False
        original = str(self.document.path) if self.document.path else ""
        self.prefs.set_autosave(str(self.path), original, time.strftime("%Y-%m-%d %H:%M:%S"))
        self.saved.emit(str(self.path))
        return True

    def discard(self) -> None:
        self.prefs.drop_autosave(str(self.path))
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        """A clean close: nothing to recover next time."""
        self.timer.stop()
        self.discard()
        Autosaver.live.discard(str(self.path))


def pending_recoveries(prefs: Preferences) -> list[tuple[str, dict]]:
    """Autosave files left by sessions that did not close cleanly."""
    out = []
    for path, info in prefs.autosaves().items():
        if path in Autosaver.live:
            continue
        if Path(path).exists():
            out.append((path, info))
        else:
            prefs.drop_autosave(path)
    return out


def load_recovery(path: str, info: dict, catalog=None) -> Workflow:
    """The autosaved workflow, pointing at its original file (so Save writes there)."""
    wf = Workflow.load(path, catalog)
    wf.path = Path(info["original"]) if info.get("original") else None
    return wf
