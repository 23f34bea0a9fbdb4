"""Monitoring dock: pick a bundle (a folder or .zip) or a registry model and environment,
and a monitoring store; evaluate the bundle's monitors over their windows and show a light
per monitor, the per-column table, plots and the alert history.

A view over `studio.monitor`: evaluation (`evaluate`, which reads windows in chunks) runs
on a QThreadPool so the window never freezes; the panel only draws what it returns.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.core.errors import KnotworkError
from studio.monitor import (
    AlertEvent,
    EvaluationStatus,
    MonitorStatus,
    MonitorStore,
    Verdict,
    evaluate,
)
from studio.monitor.bundle import prepare_bundle_monitors
from studio.monitor.database import DEFAULT_FILE, URL_VARIABLE, monitor_url, redacted

from .monitoring_plots import COLORS, draw_columns, draw_metric, draw_series
from .tables import read_only_table

MONITOR_COLUMNS = ("Monitor", "Kind", "Verdict", "Window", "Rows", "Summary")
COLUMN_COLUMNS = ("Column", "Kind", "Test", "Statistic", "p-value", "Threshold", "Verdict", "Rows")
METRIC_COLUMNS = ("Metric", "Value", "Floor", "Ceiling", "Verdict", "Rows", "Assumptions")
VERSUS_COLUMNS = ("Monitor", "Column", "Threshold", "Champion", "Verdict", "Challenger", "Verdict")
NO_CHALLENGER = "(no challenger)"
ALERT_COLUMNS = ("When (UTC)", "Monitor", "Column", "From", "To", "Statistic", "Threshold", "Note")


@dataclass(frozen=True)
class Evaluation:
    """What one evaluation brings back to the GUI thread."""

    bundle: str  # the bundle's path
    status: EvaluationStatus
    alerts: list[AlertEvent]
    history: list[tuple[float, MonitorStatus]]
    challenger: EvaluationStatus | None = None  # a challenger's monitors on its own rows


def run_evaluation(
    bundle_path: str | Path, store_url: str, challenger_path: str | Path | None = None
) -> Evaluation:
    """Load and verify the bundle (and a challenger, e.g. the --shadow of its server),
    evaluate their monitors over the store (recording nothing: the dock only looks), and
    read the champion's alert and evaluation history."""
    from studio.deploy import Bundle

    bundle = Bundle.load(bundle_path)
    monitors = prepare_bundle_monitors(bundle)
    other = Bundle.load(challenger_path) if challenger_path else None
    store = MonitorStore(store_url, background=False)
    try:
        status = evaluate(monitors, store, bundle.name, bundle.version, record=False)
        theirs = None
        if other is not None:
            mine = prepare_bundle_monitors(other)
            theirs = evaluate(mine, store, other.name, other.version, record=False)
        return Evaluation(
            str(bundle_path),
            status,
            store.alerts(bundle.name),
            store.evaluations(bundle.name),
            theirs,
        )
    finally:
        store.close()


def default_store_url(workspace: Path | None) -> str:
    """The store MonitorStore opens by default: KNOTWORK_MONITOR_URL, else the workspace file."""
    if os.environ.get(URL_VARIABLE) or workspace is None:
        return monitor_url()
    return monitor_url(Path(workspace) / DEFAULT_FILE)


class _Signals(QObject):
    finished = Signal(object)  # Evaluation
    failed = Signal(str)


class _EvaluateJob(QRunnable):
    def __init__(self, bundle_path: str, store_url: str, challenger: str | None, signals):
        super().__init__()
        self.bundle_path, self.store_url, self.signals = bundle_path, store_url, signals
        self.challenger = challenger

    def run(self) -> None:
        try:
            result = run_evaluation(self.bundle_path, self.store_url, self.challenger)
        except KnotworkError as exc:
            self.signals.failed.emit(str(exc))
            return
        except Exception as exc:  # shown in the status line, never raised into Qt
            self.signals.failed.emit(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
            return
        self.signals.finished.emit(result)


def light(verdict: Verdict, size: int = 14) -> QIcon:
    """A round status light in the verdict's colour."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setBrush(QBrush(QColor(COLORS[verdict])))
    painter.setPen(Qt.NoPen)
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QIcon(pixmap)


def _fill(table: QTableWidget, rows: list[tuple]) -> None:
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            item = QTableWidgetItem(value.value if isinstance(value, Verdict) else str(value))
            if isinstance(value, Verdict):
                item.setIcon(light(value))
            table.setItem(r, c, item)


def _num(value: float | None, fmt: str = "{:.4g}") -> str:
    return "—" if value is None else fmt.format(value)


def _when(ts: float | None) -> str:
    if ts is None:
        return "—"
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


class MonitoringPanel(QWidget):
    """The Monitoring dock's contents."""

    evaluated = Signal(object)  # Evaluation
    failed = Signal(str)

    def __init__(
        self,
        registry: Callable[[], object] | object | None = None,
        workspace: Path | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("monitoringPanel")
        self._registry, self._reg = registry, None
        self.source = QComboBox()
        self.source.addItems(["Bundle", "Registry"])
        self.bundle_path = QLineEdit()
        self.bundle_path.setPlaceholderText("A bundle folder or .zip")
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self.browse)
        self.model = QComboBox()
        self.env = QComboBox()
        self.challenger_env = QComboBox()  # registry: the environment holding a challenger
        self.challenger_path = QLineEdit()
        self.challenger_path.setPlaceholderText("Challenger bundle (optional)")
        self.store_url = QLineEdit(default_store_url(workspace))
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.clicked.connect(self.evaluate)
        self.monitors = read_only_table(MONITOR_COLUMNS)
        self.monitors.itemSelectionChanged.connect(self._monitor_selected)
        self.columns = read_only_table(COLUMN_COLUMNS)
        self.columns.itemSelectionChanged.connect(self._draw_history)
        self.figure = Figure(figsize=(6, 2.6), tight_layout=True)
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.alerts = read_only_table(ALERT_COLUMNS)
        self.versus = read_only_table(VERSUS_COLUMNS)
        self.status = QLabel("Choose a bundle and press Evaluate")
        self.status.setWordWrap(True)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.finished.connect(self._show)
        self._signals.failed.connect(self._failed)
        self.result: Evaluation | None = None
        self._build()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        bundle_row = QWidget()
        b = QHBoxLayout(bundle_row)
        b.setContentsMargins(0, 0, 0, 0)
        b.addWidget(self.bundle_path, 2)
        b.addWidget(self.browse_button)
        b.addWidget(self.challenger_path, 1)
        registry_row = QWidget()
        r = QHBoxLayout(registry_row)
        r.setContentsMargins(0, 0, 0, 0)
        r.addWidget(QLabel("Model"))
        r.addWidget(self.model, 1)
        r.addWidget(QLabel("Environment"))
        r.addWidget(self.env)
        r.addWidget(QLabel("Challenger"))
        r.addWidget(self.challenger_env)
        self.where = QStackedWidget()
        self.where.addWidget(bundle_row)
        self.where.addWidget(registry_row)
        self.where.setFixedHeight(bundle_row.sizeHint().height())
        self.source.currentIndexChanged.connect(self._source_changed)
        form = QFormLayout()
        pick = QHBoxLayout()
        pick.addWidget(self.source)
        pick.addWidget(self.where, 1)
        form.addRow("Watch", pick)
        store = QHBoxLayout()
        store.addWidget(self.store_url, 1)
        store.addWidget(self.evaluate_button)
        form.addRow("Store", store)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.columns, "Columns")
        self.tabs.addTab(self.canvas, "Plots")
        self.tabs.addTab(self.alerts, "Alert history")
        self.tabs.addTab(self.versus, "Champion vs challenger")
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.monitors)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 3)
        split.setSizes([110, 500])
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)

    # ------------------------------------------------------------------ choosing
    @property
    def registry(self):
        if self._reg is None and self._registry is not None:
            self._reg = self._registry() if callable(self._registry) else self._registry
        return self._reg

    def browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Bundle folder", self.bundle_path.text())
        if path:
            self.bundle_path.setText(path)

    def _source_changed(self, index: int) -> None:
        self.where.setCurrentIndex(index)
        if index == 1:
            self.refresh_registry()

    def refresh_registry(self) -> None:
        """Fill the model and environment lists from the registry."""
        try:
            models = [m.name for m in self.registry.models()]
            environments = list(self.registry.config.environments)
        except KnotworkError as exc:
            self._failed(str(exc))
            return
        choices = ((self.model, models), (self.env, environments))
        choices += ((self.challenger_env, [NO_CHALLENGER, *environments]),)
        for combo, items in choices:
            keep = combo.currentText()
            combo.clear()
            combo.addItems(items)
            if keep in items:
                combo.setCurrentText(keep)

    def chosen_bundle(self) -> str | None:
        """The bundle path to evaluate: typed or browsed, or what the registry alias names."""
        if self.source.currentIndex() == 0:
            path = self.bundle_path.text().strip()
            if not path:
                self._failed("Choose a bundle folder or .zip first")
            return path or None
        model, env = self.model.currentText(), self.env.currentText()
        if not (model and env):
            self._failed("Choose a registry model and environment first")
            return None
        try:
            return str(self.registry.resolve(model, env))
        except KnotworkError as exc:
            self._failed(str(exc))
            return None

    def chosen_challenger(self) -> str | None:
        """The challenger's bundle path, when one is chosen (None: champion only)."""
        if self.source.currentIndex() == 0:
            return self.challenger_path.text().strip() or None
        env = self.challenger_env.currentText()
        if env in ("", NO_CHALLENGER):
            return None
        try:
            return str(self.registry.resolve(self.model.currentText(), env))
        except KnotworkError as exc:
            self._failed(str(exc))
            return None

    # ------------------------------------------------------------------ evaluating
    @property
    def busy(self) -> bool:
        return not self.evaluate_button.isEnabled()

    def evaluate(self) -> bool:
        """Start an evaluation off the GUI thread; False when nothing is chosen or one runs."""
        path = self.chosen_bundle()
        if path is None or self.busy:
            return False
        challenger = self.chosen_challenger()
        if self.status.text().startswith("Cannot resolve"):
            return False
        url = self.store_url.text().strip() or None
        self.evaluate_button.setEnabled(False)
        self.status.setText(f"Evaluating {Path(path).name} over {redacted(monitor_url(url))} …")
        self.pool.start(_EvaluateJob(path, monitor_url(url), challenger, self._signals))
        return True

    def _failed(self, text: str) -> None:
        self.evaluate_button.setEnabled(True)
        self.status.setText(text.splitlines()[0])
        self.failed.emit(text)

    def _show(self, result: Evaluation) -> None:
        self.evaluate_button.setEnabled(True)
        self.result = result
        s = result.status
        _fill(
            self.monitors,
            [
                (m.name, m.kind, m.verdict, m.window.size, m.window.n_rows, m.message)
                for m in s.monitors
            ],
        )
        for r, m in enumerate(s.monitors):
            self.monitors.item(r, 0).setIcon(light(m.verdict))
        _fill(self.alerts, [_alert_row(e) for e in reversed(result.alerts)])
        if s.monitors:
            self.monitors.selectRow(0)
        self._monitor_selected()
        self._show_versus(s, result.challenger)
        versus = ""
        if result.challenger is not None:
            c = result.challenger
            versus = f"; challenger {c.version}: {c.verdict.value}"
        self.status.setText(
            f"{s.model} {s.version}: {s.verdict.value} — {len(s.monitors)} monitor(s), "
            f"{len(result.alerts)} alert event(s), evaluated {_when(s.at)} UTC{versus}"
        )
        self.evaluated.emit(result)

    def _show_versus(self, champion: EvaluationStatus, challenger: EvaluationStatus | None):
        """Champion and challenger, row by (monitor, column), as `monitor status --challenger`."""
        from studio.monitor.report import side_by_side_rows

        if challenger is None:
            _fill(self.versus, [])
            self.versus.setHorizontalHeaderLabels(list(VERSUS_COLUMNS))
            return
        a, b = f"v{champion.version}", f"v{challenger.version}"
        self.versus.setHorizontalHeaderLabels(
            ["Monitor", "Column", "Threshold", a, f"{a} verdict", b, f"{b} verdict"]
        )
        _fill(self.versus, side_by_side_rows(champion, challenger))

    # ------------------------------------------------------------------ showing
    @property
    def selected_monitor(self) -> MonitorStatus | None:
        rows = self.monitors.selectionModel().selectedRows()
        if self.result is None or not rows:
            return None
        return self.result.status.monitors[rows[0].row()]

    def _monitor_selected(self) -> None:
        m = self.selected_monitor
        if m is not None and m.drift is not None:
            self.columns.setColumnCount(len(COLUMN_COLUMNS))
            self.columns.setHorizontalHeaderLabels(list(COLUMN_COLUMNS))
            _fill(self.columns, [_column_row(c) for c in m.drift.columns])
            if m.drift.columns:
                self.columns.selectRow(0)
        elif m is not None and m.metric is not None:
            self.columns.setColumnCount(len(METRIC_COLUMNS))
            self.columns.setHorizontalHeaderLabels(list(METRIC_COLUMNS))
            _fill(self.columns, [_metric_row(m)])
        else:
            self.columns.setRowCount(0)
        self._draw_history()

    @property
    def selected_column(self) -> str | None:
        m, rows = self.selected_monitor, self.columns.selectionModel().selectedRows()
        if m is None or m.drift is None or not rows:
            return None
        return m.drift.columns[rows[0].row()].column

    def _draw_history(self) -> None:
        """Left: each column's statistic against its threshold now; right: the selected
        column's (or metric's) value over past evaluations in the store."""
        self.figure.clear()
        m = self.selected_monitor
        if m is None:
            self.canvas.draw_idle()
            return
        now, past = self.figure.subplots(1, 2)
        if m.drift is not None:
            draw_columns(now, m)
        else:
            draw_metric(now, m)
        draw_series(past, m, self.selected_column, self.result.history if self.result else [])
        self.canvas.draw_idle()


def _alert_row(e: AlertEvent) -> tuple:
    return (
        _when(e.at),
        e.monitor,
        e.column or "(dataset)",
        e.previous,
        e.current,
        _num(e.statistic),
        _num(e.threshold),
        e.message,
    )


def _column_row(c) -> tuple:
    return (
        c.column,
        c.kind,
        c.test,
        _num(c.statistic),
        _num(c.p_value),
        _num(c.threshold),
        c.verdict,
        c.n_current,
    )


def _metric_row(m: MonitorStatus) -> tuple:
    x = m.metric
    return (
        x.metric + (" (estimated)" if x.estimated else ""),
        _num(x.value),
        _num(x.floor),
        _num(x.ceiling),
        x.verdict,
        f"{x.n_rows} (min {x.min_rows})",
        x.assumptions or "",
    )
