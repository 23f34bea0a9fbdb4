"""Champion and challenger of a model, as a tab of the registry dock: which version each
is, where the challenger came from (trigger, data window), their comparison on the
monitoring store's recent labelled rows, and a Retrain action that runs the training
workflow in the background with a progress bar.

A view over `studio.retrain` and `studio.registry.comparison`; the work runs on a
QThreadPool so the studio never freezes while a model trains or two versions score.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.errors import KnotworkError
from studio.registry import Registry
from studio.registry.comparison import rows_from_store
from studio.retrain.run import CHALLENGER

# What a retrain reports, in order: the bar advances one step per message.
STEPS = (
    "running the workflow",
    "freezing state",
    "capturing monitors",
    "exporting ONNX",
    "checking parity",
    "registering",
)


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(str)
    progress = Signal(str)


class _Job(QRunnable):
    """`work(say)` on the pool; its result, error and progress come back as signals."""

    def __init__(self, work: Callable[[Callable[[str], None]], Any], signals: _Signals):
        super().__init__()
        self.work, self.signals = work, signals

    def run(self) -> None:
        try:
            result = self.work(self.signals.progress.emit)
        except KnotworkError as exc:
            self.signals.failed.emit(str(exc))
            return
        except Exception as exc:  # shown in the tab, never raised into Qt
            self.signals.failed.emit(f"{type(exc).__name__}: {exc}")
            return
        self.signals.done.emit(result)


class ChallengerTab(QWidget):
    """Champion (the version an environment serves) against the `challenger` alias."""

    retrained = Signal(object)  # the RetrainResult
    compared = Signal(object)  # the Comparison

    def __init__(self, registry: Callable[[], Registry], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("challengerTab")
        self._registry = registry
        self.model: str | None = None
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.env = QComboBox()
        self.champion = QLabel("—")
        self.challenger = QLabel("—")
        self.lineage = QLabel("")
        self.lineage.setWordWrap(True)
        self.since = QLineEdit("7d")
        self.margin = QLineEdit("0")
        self.compare_button = QPushButton("Compare on recent labelled rows")
        self.comparison = QPlainTextEdit(readOnly=True)
        font = QFont("monospace")
        font.setStyleHint(QFont.TypeWriter)
        self.comparison.setFont(font)
        self.workflow = QLineEdit()
        self.workflow.setPlaceholderText("training workflow (*.knotwork.json)")
        self.retrain_button = QPushButton("Retrain")
        self.progress = QProgressBar()
        self.progress.setRange(0, len(STEPS))
        self.progress.setVisible(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.compare_button.clicked.connect(self.start_compare)
        self.retrain_button.clicked.connect(self.start_retrain)
        self.env.currentTextChanged.connect(lambda _t: self.show_model(self.model))
        self._build()

    def _build(self) -> None:
        form = QFormLayout()
        form.addRow("Champion environment", self.env)
        form.addRow("Champion", self.champion)
        form.addRow("Challenger", self.challenger)
        form.addRow("", self.lineage)
        window = QHBoxLayout()
        window.addWidget(QLabel("Rows logged within"))
        window.addWidget(self.since)
        window.addWidget(QLabel("margin"))
        window.addWidget(self.margin)
        window.addWidget(self.compare_button)
        retrain = QHBoxLayout()
        retrain.addWidget(self.workflow, 1)
        retrain.addWidget(self.retrain_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(window)
        layout.addWidget(self.comparison, 1)
        layout.addLayout(retrain)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)

    @property
    def registry(self) -> Registry:
        return self._registry()

    @property
    def busy(self) -> bool:
        return self.pool.activeThreadCount() > 0

    # ------------------------------------------------------------------ data
    def show_model(self, name: str | None) -> None:
        self.model = name
        reg = self.registry
        envs = reg.config.environments
        if self.env.count() != len(envs):
            self.env.blockSignals(True)
            self.env.clear()
            self.env.addItems(envs)
            self.env.setCurrentText(envs[-1])
            self.env.blockSignals(False)
        if not name:
            return
        try:
            champ = reg.alias_target(name, self.env.currentText())
            chall = reg.alias_target(name, CHALLENGER)
            self.champion.setText(f"{name}:{champ.version}" if champ else "— (none yet)")
            self.challenger.setText(f"{name}:{chall.version}" if chall else "— (none yet)")
            lineage = (
                (reg.version(name, chall.version).manifest.get("retraining") or {}) if chall else {}
            )
            source = ""
            if champ is not None:
                m = reg.version(name, champ.version).manifest
                source = (m.get("source") or {}).get("path") or ""
        except KnotworkError as exc:
            self.status.setText(str(exc).splitlines()[0])
            return
        self.lineage.setText(_lineage_text(lineage))
        if source and not self.workflow.text():
            self.workflow.setText(source)
        self.compare_button.setEnabled(champ is not None and chall is not None)

    # ------------------------------------------------------------------ background work
    def _start(self, work, on_done, what: str) -> bool:
        if self.busy:
            self.status.setText("busy: wait for the running job to finish")
            return False
        signals = _Signals(self)
        signals.done.connect(on_done)
        signals.failed.connect(lambda text: self._finished(f"{what} failed: {text}"))
        signals.progress.connect(self._step)
        self.compare_button.setEnabled(False)
        self.retrain_button.setEnabled(False)
        self.status.setText(f"{what}…")
        self.pool.start(_Job(work, signals))
        return True

    def _finished(self, text: str) -> None:
        self.progress.setVisible(False)
        self.retrain_button.setEnabled(True)
        self.status.setText(text)
        self.show_model(self.model)

    def _step(self, message: str) -> None:
        done = next((i + 1 for i, s in enumerate(STEPS) if message.startswith(s)), None)
        if done is not None:
            self.progress.setValue(max(self.progress.value(), done))
        self.status.setText(message)

    def start_compare(self) -> bool:
        name, env = self.model, self.env.currentText()
        if not name:
            return False
        since, margin = self.since.text().strip() or "7d", self.margin.text().strip() or "0"
        try:
            margin_value = float(margin)
        except ValueError:
            self.status.setText(f"margin {margin!r} is not a number")
            return False
        reg = self.registry

        def work(say):
            rows, truth = rows_from_store(None, name, since)
            return reg.compare(
                f"{name}:{env}",
                f"{name}:{CHALLENGER}",
                rows,
                truth,
                margin=margin_value,
                source=f"logged in the last {since}",
            )

        return self._start(work, self._compared, "comparing")

    def _compared(self, result) -> None:
        self.comparison.setPlainText(result.text())
        self._finished(f"challenger: {result.verdict}")
        self.compared.emit(result)

    def start_retrain(self) -> bool:
        from studio.retrain import retrain

        name, path = self.model, self.workflow.text().strip()
        if not path or not Path(path).is_file():
            self.status.setText(f"no training workflow at {path!r}: choose its *.knotwork.json")
            return False
        reg, env = self.registry, self.env.currentText()
        target = f"{name}@{env}" if name else None
        self.progress.setValue(0)
        self.progress.setVisible(True)

        def work(say):
            return retrain(
                path, reg, challenger_of=target, trigger="manual (studio)", on_progress=say
            )

        return self._start(work, self._retrained, "retraining")

    def _retrained(self, result) -> None:
        self.progress.setValue(len(STEPS))
        envs = ", ".join(result.promotions) or "no environment"
        refused = f"; refused: {result.refusals[0]}" if result.refusals else ""
        self._finished(f"retrained {result.model}:{result.version}, in {envs}{refused}")
        self.retrained.emit(result)


def _lineage_text(lineage: dict[str, Any]) -> str:
    if not lineage:
        return ""
    parts = [
        f"challenges {lineage.get('champion') or 'nothing'}",
        f"trigger {lineage.get('trigger')}",
    ]
    for w in lineage.get("data_window") or []:
        parts.append(
            f"data: {w.get('model')} rows {w.get('since') or 'from the start'} → {w.get('until')}"
        )
    return "; ".join(parts)
