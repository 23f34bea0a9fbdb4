"""File commands of a window: new, open, save, save as, recent files, new from
template, and the unsaved-changes prompt that guards each of them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from studio.core import KnotworkError, Workflow

from .templates import Template, TemplateGallery, copy_template, find_templates

FILE_FILTER = "Knotwork workflows (*.knotwork.json);;JSON (*.json);;All files (*)"


class FileActions(QObject):
    opened = Signal(str)
    saved = Signal(str)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.document = window.document
        self.prefs = window.prefs
        self.recent_menu = QMenu("Open &Recent", window)
        self.recent_menu.aboutToShow.connect(self._fill_recent)

    # ---- prompts (a test may replace ask_unsaved) -------------------------------------
    def ask_unsaved(self) -> QMessageBox.StandardButton:
        return QMessageBox.question(
            self.window,
            "Unsaved changes",
            f"Save the changes to “{self.document.title}” before closing it?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel,
            QMessageBox.Save,
        )

    def maybe_save(self) -> bool:
        """True when the current document may be closed (saved, discarded or unmodified)."""
        if self.document.running:
            self.window.status_label.setText("The workflow is running: cancel it or wait first")
            return False
        if not self.document.modified:
            return True
        answer = self.ask_unsaved()
        if answer == QMessageBox.Save:
            return self.save()
        return answer == QMessageBox.Discard

    def _fail(self, what: str, exc: Exception) -> None:
        self.window.console.log(f"{what}: {exc}", "error")
        if not self.window.quiet:
            QMessageBox.warning(self.window, what, str(exc))

    # ---- commands ----------------------------------------------------------------------
    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self.window.autosaver.discard()
        self.document.replace(Workflow(self.document.catalog))
        return True

    def open(self, path: str | Path | None = None) -> bool:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self.window, "Open workflow", str(self.prefs.workspace), FILE_FILTER
            )
            if not path:
                return False
        if not self.maybe_save():
            return False
        try:
            wf = Workflow.load(path, self.document.catalog)
        except (KnotworkError, OSError) as exc:
            self._fail("Cannot open workflow", exc)
            return False
        self.window.autosaver.discard()
        self.document.replace(wf)
        for warning in wf.load_warnings:
            self.window.console.log(warning, "warning")
        self.prefs.add_recent(path)
        self.opened.emit(str(path))
        return True

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self, path: str | Path | None = None) -> bool:
        if path is None:
            start = str(self.prefs.workspace / f"{self.document.title}.knotwork.json")
            path, _ = QFileDialog.getSaveFileName(
                self.window, "Save workflow as", start, FILE_FILTER
            )
            if not path:
                return False
            if not path.endswith(".json"):
                path += ".knotwork.json"
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        try:
            self.document.save(path)
        except (KnotworkError, OSError) as exc:
            self._fail("Cannot save workflow", exc)
            return False
        self.window.autosaver.discard()
        self.prefs.add_recent(path)
        self.saved.emit(str(path))
        return True

    def new_from_template(self, template: Template | None = None) -> bool:
        if template is None:
            gallery = TemplateGallery(find_templates(), self.window)
            if gallery.exec() != TemplateGallery.Accepted or gallery.chosen() is None:
                return False
            template = gallery.chosen()
        try:
            path = copy_template(template, self.prefs.workspace)
        except OSError as exc:
            self._fail("Cannot copy template", exc)
            return False
        return self.open(path)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.prefs.recent_files()
        for path in recent:
            self.recent_menu.addAction(Path(path).name, lambda p=path: self.open(p)).setToolTip(
                path
            )
        if not recent:
            self.recent_menu.addAction("(none)").setEnabled(False)
