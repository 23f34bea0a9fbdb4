"""What the window shows about runs: enabled run actions, the global progress bar,
the status line and node/wire counts, and console lines for every outcome."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QProgressBar

from studio.core import (
    Connected,
    Disconnected,
    Event,
    NodeAdded,
    NodeRemoved,
    NodeState,
    NodeWarning,
    Progress,
    RunFinished,
    RunStarted,
    StateChanged,
)

from .document import ConsoleMessage


def plural(count: int, noun: str) -> str:
    """“1 node”, “2 nodes”, “0 nodes”."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class RunStatus(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.console = window.console
        self.label = QLabel()
        self.counts = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setRange(0, 1000)
        self.progress.hide()
        bar = window.statusBar()
        bar.addWidget(self.label, 1)
        bar.addPermanentWidget(self.counts)
        bar.addPermanentWidget(self.progress)
        self._nodes: list[str] = []
        self._done: set[str] = set()
        self._fraction: dict[str, float] = {}
        window.document.changed.connect(self.on_event)
        window.document.configured.connect(self.update_counts)
        window.runner.started.connect(self.started)
        window.runner.cancelling.connect(self.cancelling)
        window.runner.finished.connect(self.finished)
        window.runner.crashed.connect(self.crashed)

    def _actions(self, running: bool) -> None:
        w = self.window
        w.cancel_action.setEnabled(running)
        for action in (w.run_all_action, w.run_selected_action, w.reset_action):
            action.setEnabled(not running)
        w.update_undo_actions()

    def started(self) -> None:
        self._actions(True)
        self.progress.setValue(0)
        self.progress.show()
        self.label.setText("Running…")

    def cancelling(self) -> None:
        """Said at once; "Run cancelled" follows when the running node has been stopped."""
        self.window.cancel_action.setEnabled(False)
        self.label.setText("Cancelling…")
        self.console.log("Cancelling the run…", "warning")

    def finished(self, result) -> None:
        self._actions(False)
        self.progress.hide()
        if result is None:
            self.label.setText("The run stopped unexpectedly (see the console)")
        elif result.cancelled:
            self.label.setText("Run cancelled")
        elif result.ok:
            self.label.setText(f"Executed {plural(len(result.executed), 'node')}")
        else:
            self.label.setText(f"{plural(len(result.errors), 'node')} failed (see the console)")
        self.update_counts()

    def crashed(self, text: str) -> None:
        self.console.log(f"the run stopped unexpectedly: {text}", "error")

    def update_counts(self, *_args) -> None:
        wf = self.window.document.workflow
        states = [wf.state(n.id) for n in wf.nodes]
        self.counts.setText(
            f"{plural(len(states), 'node')} · {states.count(NodeState.EXECUTED)} executed · "
            f"{plural(len(wf.links), 'wire')}"
        )

    def _update_progress(self) -> None:
        n = max(1, len(self._nodes))
        partial = sum(f for k, f in self._fraction.items() if k not in self._done)
        self.progress.setValue(int(1000 * min(1.0, (len(self._done) + partial) / n)))

    def on_event(self, event: Event) -> None:
        wf = self.window.document.workflow
        nid = getattr(event, "node", None)
        label = wf.node(nid).label if nid in wf.graph else nid
        if isinstance(event, RunStarted):
            self._nodes, self._done, self._fraction = list(event.nodes), set(), {}
            self.console.log(f"Run started: {plural(len(self._nodes), 'node')}")
        elif isinstance(event, Progress):
            self._fraction[nid] = event.fraction
            self._update_progress()
        elif isinstance(event, StateChanged):
            if event.state == NodeState.EXECUTED and nid in self._nodes:
                self._done.add(nid)
                self._update_progress()
            elif event.state == NodeState.FAILED:
                self.console.log(f"{label} failed: {event.message}", "error")
        elif isinstance(event, NodeWarning):
            self.console.log(f"{label}: warning: {event.message}", "warning")
        elif isinstance(event, RunFinished):
            if event.cancelled:
                self.console.log("Run cancelled", "warning")
            elif event.ok:
                self.console.log("Run finished", "ok")
            else:
                self.console.log("Run finished with errors", "error")
        elif isinstance(event, ConsoleMessage):
            self.console.log(event.message, "error")
        elif isinstance(event, (NodeAdded, NodeRemoved, Connected, Disconnected)):
            self.update_counts()
