"""The open document: one Workflow, its undo stack, its file, and a bridge that turns
core events (some from executor threads) into a Qt signal delivered on the GUI thread."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from studio.core import Catalog, Event, Progress, Workflow
from studio.core.events import STRUCTURAL

PROGRESS_INTERVAL = 0.05  # seconds between two progress updates of one node


@dataclass(frozen=True)
class ConsoleMessage(Event):
    """A studio-side problem for the console (configure could not run at all)."""

    message: str


class Document(QObject):
    """Holds the workflow being edited; widgets listen to `changed` and never edit directly."""

    changed = Signal(object)  # a core Event, always delivered on the GUI thread
    replaced = Signal()  # a different workflow was loaded (new/open/recover)
    configured = Signal(object)  # a ConfigureReport after edits settled
    modified_changed = Signal(bool)
    _relay = Signal(object)

    def __init__(
        self,
        workflow: Workflow | None = None,
        catalog: Catalog | None = None,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.catalog = catalog
        self.undo_stack = QUndoStack(self)
        self.workflow = workflow or Workflow(catalog)
        self.running = False
        self._dirty = False  # modified without an undoable edit (a recovered autosave)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        # AutoConnection queues the emission when it happens on an executor thread.
        self._relay.connect(self.changed.emit)
        self._last_progress: dict[str, float] = {}
        self._unsubscribe = self.workflow.subscribe(self._forward)
        self.report = None
        # Specs are re-propagated once edits settle, so status lights follow every edit.
        self._configure_timer = QTimer(self)
        self._configure_timer.setSingleShot(True)
        self._configure_timer.setInterval(0)
        self._configure_timer.timeout.connect(self.configure_now)
        self.changed.connect(self._on_event)

    def _forward(self, event: Event) -> None:
        """Relay a core event to the GUI thread; progress is thinned to ~20 per second and node,
        so a node reporting in a tight loop cannot flood the event queue."""
        if isinstance(event, Progress) and event.fraction < 1.0:
            now = time.monotonic()
            if now - self._last_progress.get(event.node, 0.0) < PROGRESS_INTERVAL:
                return
            self._last_progress[event.node] = now
        self._relay.emit(event)

    def _clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(self._dirty or not clean)

    def replace(self, workflow: Workflow) -> None:
        """Edit another workflow: the undo history belongs to the old one and is dropped."""
        self._unsubscribe()
        self.workflow = workflow
        self._unsubscribe = workflow.subscribe(self._forward)
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._dirty = False
        self.replaced.emit()
        self.modified_changed.emit(False)
        self.schedule_configure()

    def _on_event(self, event: Event) -> None:
        if isinstance(event, STRUCTURAL):
            self.schedule_configure()

    def schedule_configure(self) -> None:
        self._configure_timer.start()

    def flush_configure(self):
        """Configure at once if edits are pending (before a run, so the view is current)."""
        self._configure_timer.stop()
        return self.configure_now()

    def configure_now(self):
        """Propagate specs (no data) and publish the report; skipped while a run owns the graph."""
        if self.running:
            return self.report
        try:
            self.report = self.workflow.configure()
        except (
            Exception
        ) as exc:  # a parameter that cannot be coerced: report, do not crash the editor
            self.report = None
            self.changed.emit(ConsoleMessage(f"configure failed: {exc}"))
            return None
        self.configured.emit(self.report)
        return self.report

    @property
    def path(self) -> Path | None:
        return self.workflow.path

    @property
    def modified(self) -> bool:
        return self._dirty or not self.undo_stack.isClean()

    def mark_modified(self) -> None:
        self._dirty = True
        self.modified_changed.emit(True)

    @property
    def title(self) -> str:
        if self.workflow.path:
            return self.workflow.path.name.removesuffix(".knotwork.json")
        return self.workflow.name or "Untitled"

    def push(self, command: Any, layout_only: bool = False) -> bool:
        """Apply an edit through the undo stack; edits of the graph are refused while a run
        is going on (moving nodes is not: the layout is no part of what runs)."""
        if self.running and not layout_only:
            return False
        self.undo_stack.push(command)
        return True

    def save(self, path: str | Path | None = None) -> Path:
        saved = self.workflow.save(path)
        self._dirty = False
        self.undo_stack.setClean()
        self.modified_changed.emit(False)
        return saved
