"""Run Tests: the current workflow's test files (`*.knotwork-test.json` beside it) run in
the background on a copy of the workflow as it is on the canvas (unsaved edits included),
and a Tests dock lists each case, pass or fail, with the reason for every failure.

The logic is `studio.testing`'s, as for `knotwork test`; this module only shows it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core import Workflow
from studio.core.errors import SuiteFileError
from studio.core.fileformat import dumps
from studio.core.workers import NodeWorkers
from studio.testing import SuiteResult, prepare, run_suite, tests_of

from .console import level_colors
from .runner import _Task, _TaskSignals

if TYPE_CHECKING:
    from .main_window import MainWindow


@dataclass
class FileOutcome:
    """One test file: its results, or why it could not run (a bad test file)."""

    path: Path
    result: SuiteResult | None = None
    problem: str | None = None


def run_tests_of(
    workflow: Workflow, path: Path, cancel: threading.Event, say, workers: NodeWorkers | None = None
) -> list[FileOutcome]:
    """Work for the pool: every test file beside `path` that names it, each case run on a
    fresh copy of `workflow` (so the canvas's own results and settings stay untouched)."""
    text = dumps(workflow.to_dict())
    catalog = workflow.catalog

    def load(p: Path) -> Workflow:
        copy = Workflow.loads(text, str(p), catalog)
        copy.path = p
        return copy

    outcomes = []
    for file in tests_of(path):
        try:
            prepared = prepare(file, load)
        except SuiteFileError as exc:
            outcomes.append(FileOutcome(file, problem=exc.reason))
            continue
        say(f"Testing {file.name}…")
        result = run_suite(
            prepared,
            load,
            on_case=lambda c: say(f"{c.name}: {'PASS' if c.passed else 'FAIL'}"),
            cancel=cancel,
            workers=workers,
        )
        outcomes.append(FileOutcome(file, result))
    return outcomes


class TestsPanel(QWidget):
    """The Tests dock: a tree of test files and their cases, failures with their reasons."""

    __test__ = False  # not a pytest class, whatever its name
    run_requested = Signal()
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.summary = QLabel("Run Tests runs the test files beside this workflow.")
        self.summary.setWordWrap(True)
        self.run_button = QPushButton("Run Tests")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.run_button.clicked.connect(self.run_requested)
        self.stop_button.clicked.connect(self.stop_requested)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Case", "Result", "Time"])
        self.tree.setColumnWidth(0, 520)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.run_button)
        top.addWidget(self.stop_button)
        col = QVBoxLayout(self)
        col.setContentsMargins(4, 4, 4, 4)
        col.addLayout(top)
        col.addWidget(self.tree, 1)

    def set_running(self, running: bool, text: str = "") -> None:
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        if text:
            self.summary.setText(text)

    def show_outcomes(self, outcomes: list[FileOutcome]) -> None:
        colors = level_colors(self.palette())  # readable on a dark palette too
        good, bad = QColor(colors["ok"]), QColor(colors["error"])
        self.tree.clear()
        passed = failed = 0
        for outcome in outcomes:
            item = QTreeWidgetItem(self.tree, [outcome.path.name, "", ""])
            item.setToolTip(0, str(outcome.path))
            if outcome.problem is not None:
                item.setText(1, "ERROR")
                item.setForeground(1, QBrush(bad))
                QTreeWidgetItem(item, [outcome.problem]).setToolTip(0, outcome.problem)
                failed += 1
                item.setExpanded(True)
                continue
            for case in outcome.result.cases:
                verdict = "PASS" if case.passed else ("ERROR" if case.error else "FAIL")
                row = QTreeWidgetItem(item, [case.name, verdict, f"{case.seconds:.1f}s"])
                row.setForeground(1, QBrush(good if case.passed else bad))
                for reason in ([case.error] if case.error else []) + case.failures:
                    QTreeWidgetItem(row, [reason]).setToolTip(0, reason)
                row.setExpanded(not case.passed)
                passed += case.passed
                failed += not case.passed
            item.setText(1, "PASS" if outcome.result.passed else "FAIL")
            item.setForeground(1, QBrush(good if outcome.result.passed else bad))
            item.setExpanded(True)
        files = f"{len(outcomes)} test file{'s' if len(outcomes) != 1 else ''}"
        self.summary.setText(f"{passed} passed, {failed} failed ({files})")

    def results(self) -> dict[str, tuple[str, list[str]]]:
        """case name -> (PASS/FAIL/ERROR, reasons): what the tree shows, for tests and tools."""
        out = {}
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for j in range(top.childCount()):
                row = top.child(j)
                reasons = [row.child(k).text(0) for k in range(row.childCount())]
                out[row.text(0)] = (row.text(1) or "ERROR", reasons)
        return out


class WorkflowTests(QObject):
    """The Run ▸ Run Tests action and the Tests dock it fills."""

    finished = Signal(object)  # list[FileOutcome]

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.panel: TestsPanel | None = None
        self.dock = None
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._signals = _TaskSignals(self)
        self._signals.done.connect(self._done)
        self._signals.failed.connect(self._failed)
        self._signals.progress.connect(self._progress)
        self._cancel: threading.Event | None = None
        run_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Run")
        run_menu.addSeparator()
        self.action = window._action(
            run_menu,
            "Run &Tests",
            self.run,
            QKeySequence("Ctrl+Shift+T"),
            "Run the test cases (*.knotwork-test.json) beside this workflow",
        )

    @property
    def running(self) -> bool:
        return self._cancel is not None

    def show_panel(self) -> TestsPanel:
        if self.panel is None:
            from PySide6.QtCore import Qt

            self.panel = TestsPanel()
            self.panel.run_requested.connect(self.run)
            self.panel.stop_requested.connect(self.cancel)
            self.dock = self.window._dock("Tests", self.panel, Qt.BottomDockWidgetArea)
            self.window.tabifyDockWidget(self.window.console_dock, self.dock)
        self.dock.show()
        self.dock.raise_()
        return self.panel

    def run(self) -> bool:
        panel = self.show_panel()
        if self.running:
            return False
        path = self.window.document.path
        if path is None:
            panel.summary.setText(
                "Save the workflow first: its tests (*.knotwork-test.json) live beside its file."
            )
            return False
        if not tests_of(path):
            stem = path.name.removesuffix(".knotwork.json")
            panel.tree.clear()
            panel.summary.setText(
                f"No test files name this workflow: add {stem}.knotwork-test.json beside it "
                "(see “Workflow tests” in the README)."
            )
            return False
        self.window.document.flush_configure()
        workflow = self.window.document.workflow
        text, catalog = dumps(workflow.to_dict()), workflow.catalog
        snapshot = Workflow.loads(text, str(path), catalog)  # what the canvas shows, now
        snapshot.path = path
        cancel = self._cancel = threading.Event()
        panel.set_running(True, f"Running the tests of {path.name}…")
        self.window.console.log(f"Running the tests of {path.name}")
        workers = self.window.runner.workers  # Stop ends a learner at once, as Cancel does
        self.pool.start(
            _Task(lambda say: run_tests_of(snapshot, path, cancel, say, workers), self._signals)
        )
        return True

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def wait(self, msecs: int = -1) -> bool:
        return self.pool.waitForDone(msecs)

    def _progress(self, text: str) -> None:
        if self.panel is not None:
            self.panel.summary.setText(text)

    def _done(self, outcomes: list[FileOutcome]) -> None:
        self._cancel = None
        self.panel.set_running(False)
        self.panel.show_outcomes(outcomes)
        ok = all(o.result is not None and o.result.passed for o in outcomes)
        self.window.console.log(f"Tests: {self.panel.summary.text()}", "ok" if ok else "error")
        self.finished.emit(outcomes)

    def _failed(self, text: str) -> None:
        self._cancel = None
        self.panel.set_running(False, f"The tests could not run: {text}")
        self.window.console.log(f"Tests: {text}", "error")
        self.finished.emit([])
