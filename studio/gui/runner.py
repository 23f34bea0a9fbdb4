"""Runs the workflow on a QThreadPool so the window never freezes. Cancellation is a
threading.Event the executor checks between nodes and in `ctx.progress`; long-running
nodes (learners, searches) run in the studio's worker processes, which a cancel ends
at once."""

from __future__ import annotations

import atexit
import threading
import traceback

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from studio.core import Catalog
from studio.core.errors import KnotworkError
from studio.core.workers import NodeWorkers

from .document import Document

_workers: NodeWorkers | None = None


def node_workers(catalog: Catalog) -> NodeWorkers:
    """The studio's worker processes, shared by its windows; started warm in the background
    and ended when the studio ends, however it ends (they also watch for their parent)."""
    global _workers
    if _workers is None:
        _workers = NodeWorkers(catalog)
        atexit.register(stop_node_workers)
        threading.Thread(target=_workers.warm, name="knotwork-warm-workers", daemon=True).start()
    return _workers


def stop_node_workers() -> None:
    global _workers
    if _workers is not None:
        _workers.close()
        _workers = None


class _Signals(QObject):
    finished = Signal(object)  # RunResult
    crashed = Signal(str)


class _RunJob(QRunnable):
    def __init__(
        self,
        document: Document,
        targets: list[str] | None,
        cancel: threading.Event,
        signals: _Signals,
        workers: NodeWorkers,
        cluster: str = "",
    ):
        super().__init__()
        self.cluster = cluster or None
        self.workflow, self.targets, self.cancel, self.signals = (
            document.workflow,
            targets,
            cancel,
            signals,
        )
        self.workers = workers

    def run(self) -> None:
        try:
            result = self.workflow.run(
                targets=self.targets, cancel=self.cancel, workers=self.workers, cluster=self.cluster
            )
        except KnotworkError as exc:  # e.g. the preferred Dask cluster is unreachable
            self.signals.crashed.emit(str(exc))
            return
        except Exception as exc:  # report it in the console; the GUI thread unlocks the document
            self.signals.crashed.emit(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
            return
        self.signals.finished.emit(result)


class RunController(QObject):
    """Starts, cancels and reports runs; the document is locked against edits meanwhile."""

    started = Signal()
    cancelling = Signal()  # a cancel was asked for; `finished` follows once the run stopped
    finished = Signal(object)  # RunResult, or None when the run crashed
    crashed = Signal(str)

    def __init__(self, document: Document, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.workers = node_workers(document.catalog or document.workflow.catalog)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._cancel: threading.Event | None = None
        self._signals = _Signals(self)
        self._signals.finished.connect(self._done)
        self._signals.crashed.connect(self._crashed)
        self.last_result = None
        self.cluster = ""  # the Dask cluster preference ("" = this machine)

    @property
    def running(self) -> bool:
        return self._cancel is not None

    def run(self, targets: list[str] | None = None) -> bool:
        if self.running or not self.document.workflow.nodes:
            return False
        self.document.flush_configure()
        self._cancel = threading.Event()
        self.document.running = True
        self.started.emit()
        self.pool.start(
            _RunJob(self.document, targets, self._cancel, self._signals, self.workers, self.cluster)
        )
        return True

    @property
    def cancelled(self) -> bool:
        """A cancel was asked for and the run has not stopped yet."""
        return self._cancel is not None and self._cancel.is_set()

    def cancel(self) -> None:
        if self._cancel is not None and not self._cancel.is_set():
            self._cancel.set()
            self.cancelling.emit()

    def reset(self, node_ids: list[str] | None = None) -> None:
        if self.running:
            return
        if node_ids:
            for nid in node_ids:
                self.document.workflow.reset(nid)
        else:
            self.document.workflow.reset()

    def _unlock(self) -> None:
        self._cancel = None
        self.document.running = False
        # The run configured the graph itself: publish its states without re-configuring.
        self.document.configured.emit(self.document.report)

    def _done(self, result) -> None:
        self._unlock()
        self.last_result = result
        self.finished.emit(result)

    def _crashed(self, text: str) -> None:
        self._unlock()
        self.crashed.emit(text)
        self.finished.emit(None)

    def wait(self, msecs: int = -1) -> bool:
        return self.pool.waitForDone(msecs)


class _TaskSignals(QObject):
    done = Signal(object)
    failed = Signal(str)
    progress = Signal(str)


class _Task(QRunnable):
    def __init__(self, work, signals: _TaskSignals):
        super().__init__()
        self.work, self.signals = work, signals

    def run(self) -> None:
        try:
            result = self.work(self.signals.progress.emit)
        except Exception as exc:  # shown in the dialog that started the task
            self.signals.failed.emit(f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc))
            return
        self.signals.done.emit(result)


class TaskRunner(QObject):
    """Runs one long job that touches the workflow (a bundle build) with edits locked."""

    done = Signal(object)
    failed = Signal(str)
    progress = Signal(str)

    def __init__(self, document: Document, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._signals = _TaskSignals(self)
        self._signals.done.connect(self._done)
        self._signals.failed.connect(self._failed)
        self._signals.progress.connect(self.progress)
        self.busy = False

    def start(self, work) -> bool:
        """`work(say)` runs on the pool; `say(text)` reports progress to the GUI thread."""
        if self.busy or self.document.running:
            return False
        self.document.flush_configure()
        self.busy = True
        self.document.running = True
        self.pool.start(_Task(work, self._signals))
        return True

    def _unlock(self) -> None:
        self.busy = False
        self.document.running = False
        self.document.configured.emit(self.document.report)

    def _done(self, result) -> None:
        self._unlock()
        self.done.emit(result)

    def _failed(self, text: str) -> None:
        self._unlock()
        self.failed.emit(text)
