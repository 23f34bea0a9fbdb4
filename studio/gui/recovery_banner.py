"""The banner offering to recover an autosave that a crashed session left behind."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from .autosave import load_recovery, pending_recoveries


class RecoveryBanner(QFrame):
    def __init__(self, window):
        super().__init__()
        self.window = window
        self.setStyleSheet("QFrame{background:#fff4d6;border-bottom:1px solid #e3c567}")
        row = QHBoxLayout(self)
        self.text = QLabel()
        self.recover_button = QPushButton("Recover")
        self.discard_button = QPushButton("Discard")
        row.addWidget(self.text, 1)
        row.addWidget(self.recover_button)
        row.addWidget(self.discard_button)
        self.recover_button.clicked.connect(self.recover)
        self.discard_button.clicked.connect(self.discard)
        self.recoveries: list[tuple[str, dict]] = []
        self.hide()

    def offer(self) -> None:
        """Show the oldest pending autosave, or hide when there is none."""
        self.recoveries = pending_recoveries(self.window.prefs)
        if not self.recoveries:
            self.hide()
            return
        _path, info = self.recoveries[0]
        name = info.get("original") or "an untitled workflow"
        self.text.setText(
            f"Knotwork did not close properly. Recover the unsaved changes to {name} "
            f"(autosaved {info.get('time', '')})?"
        )
        self.show()

    def _forget(self, path: str) -> None:
        self.window.prefs.drop_autosave(path)
        Path(path).unlink(missing_ok=True)

    def recover(self) -> bool:
        if not self.recoveries:
            return False
        path, info = self.recoveries.pop(0)
        try:
            wf = load_recovery(path, info, self.window.catalog)
        except Exception as exc:  # a damaged side file: say so, keep the studio usable
            self.window.console.log(f"cannot recover {path}: {exc}", "error")
            return False
        self.window.document.replace(wf)
        self.window.document.mark_modified()  # recovered work still needs saving
        self._forget(path)
        self.window.console.log(f"Recovered unsaved changes from {path}", "ok")
        self.offer()
        return True

    def discard(self) -> None:
        if self.recoveries:
            self._forget(self.recoveries.pop(0)[0])
        self.offer()
