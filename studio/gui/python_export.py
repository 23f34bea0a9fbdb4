"""File ▸ Export to Python…: write the workflow as a standalone pandas + scikit-learn
script. The export runs the workflow first (only what changed), so it works off the GUI
thread with edits locked, as a bundle build does; the outcome goes to the console."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog

from .runner import TaskRunner

if TYPE_CHECKING:
    from .main_window import MainWindow


class PythonExport(QObject):
    finished = Signal(object)  # the ExportResult, or None when the export failed

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.task = TaskRunner(window.document, self)
        self.task.done.connect(self._done)
        self.task.failed.connect(self._failed)

    @property
    def busy(self) -> bool:
        return self.task.busy

    def start(self, path: str | Path | None = None) -> bool:
        """Ask where (unless `path` is given), then export in the background."""
        from studio.export import export_python

        document = self.window.document
        if path is None:
            folder = document.workflow.path.parent if document.workflow.path else Path.home()
            start = str(folder / f"{document.title.replace(' ', '_').lower()}.py")
            path, _ = QFileDialog.getSaveFileName(
                self.window, "Export to Python", start, "Python scripts (*.py)"
            )
            if not path:
                return False
        path = Path(path)
        if path.suffix != ".py":
            path = path.with_suffix(".py")
        wf = document.workflow

        def work(say):
            say(f"exporting to {path} (running what changed first) …")
            return export_python(wf, path)

        if not self.task.start(work):
            self.window.status_label.setText("The workflow is busy: wait before exporting")
            return False
        self.window.status_label.setText(f"Exporting to {path.name} …")
        return True

    def _done(self, result) -> None:
        console = self.window.console
        how = ", its deployment scope as one Pipeline" if result.has_pipeline else ""
        console.log(f"Exported {len(result.exported)} nodes to {result.path}{how}")
        for skipped in result.skipped:
            console.log(f"  not exported (a check, monitor or chart): {skipped}")
        self.window.status_label.setText(f"Exported to {result.path.name}")
        self.finished.emit(result)

    def _failed(self, text: str) -> None:
        self.window.console.log(f"Cannot export to Python: {text}", "error")
        self.window.status_label.setText(text.splitlines()[0] if text else "Export failed")
        self.finished.emit(None)
