"""Registry panel: models, their versions and environments, metrics over versions, the
policy report, promote/approve/rollback (confirmed, with a reason; a promotion may
acknowledge the Validation Report's warnings), diff and audit log.

A view over `studio.registry.Registry`; every decision (policy, permissions, audit) stays
there. Registry calls are short database transactions, so they run on the GUI thread.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.core.errors import KnotworkError
from studio.registry import (
    PromotionRefusedError,
    PromotionResult,
    Registry,
    VersionDetail,
    VersionInfo,
)
from studio.registry.database import safe_url
from studio.registry.diff import diff_text
from studio.registry.metrics import flatten, manifest_metrics, validation_report
from studio.registry.policy import validation_warnings
from studio.security.audit_policy import AuditPolicy

from .challenger_panel import ChallengerTab
from .tables import read_only_table

VERSION_COLUMNS = ("Version", "Registered", "By", "Validation", "Parity", "Aliases", "Audit")
LOG_COLUMNS = ("#", "When (UTC)", "Who", "Action", "Outcome", "Version", "Env", "Why")


def _mono(widget: QWidget) -> QWidget:
    font = QFont("monospace")
    font.setStyleHint(QFont.TypeWriter)
    widget.setFont(font)
    return widget


class ConfirmDialog(QDialog):
    """Shows what is about to happen (and the policy report) and asks for a reason; for a
    promotion, also which Validation Report warnings the user acknowledges (`warnings`:
    check name -> message), each recorded with that reason."""

    def __init__(
        self,
        title: str,
        details: str,
        parent: QWidget | None = None,
        warnings: dict[str, str] | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("registryConfirm")
        layout = QVBoxLayout(self)
        # the action is named in the dialog itself, not only in a title bar a WM may cut
        self.heading = QLabel(f"<b>{html.escape(title)}</b>")
        layout.addWidget(self.heading)
        self.details = _mono(QPlainTextEdit(details))
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.NoWrap)  # report columns stay aligned
        self.details.setMinimumSize(620, 220)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Reason (kept in the audit log)")
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason.textChanged.connect(
            lambda t: self.buttons.button(QDialogButtonBox.Ok).setEnabled(bool(t.strip()))
        )
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(False)
        layout.addWidget(self.details)
        self.warnings: dict[str, QCheckBox] = {}
        if warnings:
            layout.addWidget(
                QLabel(
                    "Acknowledge the Validation Report's warnings (the reason is kept with each):"
                )
            )
            for name, message in warnings.items():
                box = QCheckBox(f"{name}: {message}")
                box.setObjectName(f"acknowledge:{name}")
                self.warnings[name] = box
                layout.addWidget(box)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)

    @property
    def acknowledged(self) -> list[str]:
        return [name for name, box in self.warnings.items() if box.isChecked()]

    def accept(self) -> None:
        """Every registry change carries a reason into the audit log; none, no change."""
        if self.reason.text().strip():
            super().accept()


class MetricsChart(QWidget):
    """One metric across a model's versions, as a line; the metric is chosen in a combo box."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.metric = QComboBox()
        self.metric.currentTextChanged.connect(lambda _t: self._draw())
        self.figure = Figure(figsize=(5, 3), tight_layout=True)
        self.canvas = FigureCanvasQTAgg(self.figure)
        layout = QVBoxLayout(self)
        layout.addWidget(self.metric)
        layout.addWidget(self.canvas)
        self.series: dict[str, list[tuple[str, float]]] = {}

    def set_versions(self, versions: list[VersionInfo]) -> None:
        series: dict[str, list[tuple[str, float]]] = {}
        for v in versions:
            manifest = (v.manifest if isinstance(v, VersionDetail) else None) or {
                "metrics": v.metrics
            }
            for key, value in flatten(manifest_metrics(manifest)).items():
                series.setdefault(key, []).append((v.version, value))
        self.series = series
        keep = self.metric.currentText()
        self.metric.blockSignals(True)
        self.metric.clear()
        self.metric.addItems(sorted(series))
        if keep in series:
            self.metric.setCurrentText(keep)
        self.metric.blockSignals(False)
        self._draw()

    def _draw(self) -> None:
        self.figure.clear()
        ax = self.figure.add_subplot(111)
        points = self.series.get(self.metric.currentText(), [])
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o")
            ax.set_xlabel("version")
            ax.set_ylabel(self.metric.currentText().rsplit(".", 1)[-1])
            ax.grid(alpha=0.3)
        else:
            ax.text(
                0.5, 0.5, "no metrics recorded", ha="center", va="center", transform=ax.transAxes
            )
        self.canvas.draw_idle()


def _audit_cell(manifest: dict[str, Any], policy: AuditPolicy | None) -> str:
    """The recorded dependency audit judged by the environment's gate (or the default policy)."""
    from studio.security.findings import recorded_verdict

    return recorded_verdict(manifest.get("audit"), policy or AuditPolicy())


class RegistryPanel(QWidget):
    """The registry as the studio shows it; a dock of the main window."""

    changed = Signal(object)  # the PromotionResult of a promotion, approval or rollback
    failed = Signal(str)

    def __init__(
        self,
        registry: Registry | Callable[[], Registry] | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("registryPanel")
        self._registry = registry
        self._reg: Registry | None = registry if isinstance(registry, Registry) else None
        self.models = QListWidget()
        self.models.currentTextChanged.connect(lambda _t: self.show_model())
        self.environments = QLabel()
        self.environments.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.versions = read_only_table(VERSION_COLUMNS)
        self.versions.itemSelectionChanged.connect(self._version_selected)
        self.env = QComboBox()
        self.promote_button = QPushButton("Promote…")
        self.approve_button = QPushButton("Approve…")
        self.rollback_button = QPushButton("Roll back…")
        self.promote_button.clicked.connect(self.promote_selected)
        self.approve_button.clicked.connect(self.approve_selected)
        self.rollback_button.clicked.connect(self.rollback_env)
        self.report = _mono(QPlainTextEdit(readOnly=True))
        self.chart = MetricsChart()
        self.diff_a, self.diff_b = QComboBox(), QComboBox()
        self.diff_view = _mono(QPlainTextEdit(readOnly=True))
        self.diff_a.currentTextChanged.connect(lambda _t: self.show_diff())
        self.diff_b.currentTextChanged.connect(lambda _t: self.show_diff())
        self.log = read_only_table(LOG_COLUMNS)
        self.challenger = ChallengerTab(lambda: self.registry)
        self.challenger.retrained.connect(lambda _r: self.refresh())
        self.status = QLabel()
        self.status.setWordWrap(True)  # a reason is never cut off in a narrow dock
        self._build()
        self._versions_data: list[VersionInfo] = []

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        versions_tab = QWidget()
        v = QVBoxLayout(versions_tab)
        v.addWidget(self.environments)
        v.addWidget(self.versions, 3)
        actions = QHBoxLayout()
        actions.addWidget(QLabel("Environment:"))
        actions.addWidget(self.env)
        for b in (self.promote_button, self.approve_button, self.rollback_button):
            actions.addWidget(b)
        actions.addStretch(1)
        v.addLayout(actions)
        v.addWidget(QLabel("Policy report"))
        v.addWidget(self.report, 2)
        diff_tab = QWidget()
        d = QVBoxLayout(diff_tab)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("From"))
        pick.addWidget(self.diff_a)
        pick.addWidget(QLabel("to"))
        pick.addWidget(self.diff_b)
        pick.addStretch(1)
        d.addLayout(pick)
        d.addWidget(self.diff_view)
        self.tabs = QTabWidget()
        self.tabs.addTab(versions_tab, "Versions")
        self.tabs.addTab(self.chart, "Metrics")
        self.tabs.addTab(diff_tab, "Diff")
        self.tabs.addTab(self.log, "Audit log")
        self.tabs.addTab(self.challenger, "Champion / challenger")
        split = QSplitter()
        split.addWidget(self.models)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 4)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)
        self.env.currentTextChanged.connect(lambda _t: self._version_selected())

    # ------------------------------------------------------------------ data
    @property
    def registry(self) -> Registry:
        if self._reg is None:
            self._reg = self._registry() if callable(self._registry) else Registry(self._registry)
        return self._reg

    def _guard(self, work: Callable[[], Any]) -> Any:
        """Run a registry call; show its error in the status line instead of raising into Qt."""
        try:
            return work()
        except KnotworkError as exc:
            self.status.setText(str(exc).splitlines()[0])
            self.failed.emit(str(exc))
            return None

    def refresh(self) -> None:
        current = self.models.currentItem().text() if self.models.currentItem() else None
        models = self._guard(self.registry.models)
        if models is None:
            return
        self.env.blockSignals(True)
        keep_env = self.env.currentText()
        self.env.clear()
        self.env.addItems(self.registry.config.environments)
        if keep_env:
            self.env.setCurrentText(keep_env)
        self.env.blockSignals(False)
        self.models.blockSignals(True)
        self.models.clear()
        names = [m.name for m in models]
        self.models.addItems(names)
        self.models.blockSignals(False)
        if names:
            self.models.setCurrentRow(names.index(current) if current in names else 0)
        self.show_model()
        self.status.setText(f"{len(names)} model(s) in {safe_url(self.registry.url)}")

    @property
    def model_name(self) -> str | None:
        item = self.models.currentItem()
        return item.text() if item else None

    @property
    def selected_version(self) -> str | None:
        rows = (
            self.versions.selectionModel().selectedRows() if self.versions.selectionModel() else []
        )
        return self.versions.item(rows[0].row(), 0).text() if rows else None

    def show_model(self) -> None:
        name = self.model_name
        if not name:
            return
        info = self._guard(lambda: self.registry.model(name))
        if info is None:
            return
        self.environments.setText(
            "   ".join(f"<b>{e}</b>: {v or '—'}" for e, v in info.environments.items())
        )
        keep = self.selected_version
        full = [self.registry.version(name, v.version) for v in info.versions]
        config = self.registry.config  # the audit column: judged by the last stage's gate
        audit_policy = config.policy(config.environments[-1]).audit
        self._versions_data = full
        self.versions.setRowCount(len(full))
        for r, v in enumerate(full):
            parity = {True: "passed", False: "FAILED"}.get(v.parity_passed, "—")
            cells = (
                v.version,
                v.registered_at[:19].replace("T", " "),
                v.registered_by,
                v.validation_status or "—",
                parity,
                ", ".join(v.aliases),
                _audit_cell(v.manifest, audit_policy),
            )
            for c, text in enumerate(cells):
                self.versions.setItem(r, c, QTableWidgetItem(text))
        labels = [v.version for v in full]
        if labels:
            self.versions.selectRow(labels.index(keep) if keep in labels else len(labels) - 1)
        self._version_selected()  # same row index as the last model emits no selection change
        self.chart.set_versions(full)
        for combo, pick in ((self.diff_a, -2), (self.diff_b, -1)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(labels)
            if labels:
                combo.setCurrentIndex(max(0, len(labels) + pick))
            combo.blockSignals(False)
        self.show_diff()
        self._fill_log(name)
        self.challenger.show_model(name)

    def _fill_log(self, name: str) -> None:
        entries = self._guard(lambda: self.registry.log(name)) or []
        self.log.setRowCount(len(entries))
        for r, e in enumerate(reversed(entries)):
            cells = (
                str(e.id),
                e.at[:19].replace("T", " "),
                e.actor,
                e.action,
                e.outcome,
                e.version,
                e.environment,
                e.reason,
            )
            for c, text in enumerate(cells):
                self.log.setItem(r, c, QTableWidgetItem(text))

    def _version_selected(self) -> None:
        version, env = self.selected_version, self.env.currentText()
        if not (self.model_name and version and env):
            self.report.setPlainText("")
            return
        report = self._guard(lambda: self.registry.check(f"{self.model_name}:{version}", env))
        if report is not None:
            self.report.setPlainText(report.text() + self._acknowledgements_text(version))

    def _acknowledgements_text(self, version: str) -> str:
        detail = self._guard(lambda: self.registry.version(self.model_name or "", version))
        acks = detail.acknowledgements if isinstance(detail, VersionDetail) else []
        lines = [
            f"  {a.check!r} for {a.environment} by {a.actor} at {a.at[:19]}: {a.reason}"
            for a in acks
        ]
        return "\n\nAcknowledged warnings:\n" + "\n".join(lines) if lines else ""

    def show_diff(self) -> None:
        a, b, name = self.diff_a.currentText(), self.diff_b.currentText(), self.model_name
        if not (a and b and name):
            self.diff_view.setPlainText("")
            return
        d = self._guard(lambda: self.registry.diff(f"{name}:{a}", f"{name}:{b}"))
        if d is not None:
            self.diff_view.setPlainText(diff_text(d))

    # ------------------------------------------------------------------ actions
    def _cannot(self, action: str, need_version: bool = True) -> str | None:
        """Why `action` cannot act now (said in the status line), or None when it can."""
        if self._reg is None and self._guard(lambda: self.registry) is None:
            return self.status.text()
        if self.models.count() == 0:
            why = (
                f"{action}: the registry has no models yet: build a bundle with "
                "“Register in the registry” ticked (Deploy…) or run knotwork deploy --register"
            )
        elif not self.model_name:
            why = f"{action}: select a model first"
        elif need_version and not self.selected_version:
            why = f"{action}: select a version of {self.model_name} first"
        elif not self.env.currentText():
            why = f"{action}: the registry defines no environments (see knotwork-registry.json)"
        else:
            return None
        self.status.setText(why)
        return why

    def confirm(
        self, title: str, details: str, warnings: dict[str, str] | None = None
    ) -> tuple[str, list[str]] | None:
        """Ask before acting; return the reason given and the warnings acknowledged, or None
        when cancelled."""
        dialog = ConfirmDialog(title, details, self, warnings)
        if dialog.exec() != QDialog.Accepted:
            return None
        return dialog.reason.text().strip(), dialog.acknowledged

    def _act(
        self,
        title: str,
        details: str,
        work: Callable[[str, list[str]], PromotionResult],
        warnings: dict[str, str] | None = None,
    ) -> PromotionResult | None:
        answer = self.confirm(title, details, warnings)
        if answer is None:
            return None
        try:
            result = work(*answer)
        except PromotionRefusedError as exc:
            self.report.setPlainText(exc.report.text())
            self.status.setText(
                f"refused: {exc.report.model}:{exc.report.version} → {exc.report.environment}"
            )
            self.failed.emit(str(exc))
            self._fill_log(self.model_name or "")
            return None
        except KnotworkError as exc:
            self.status.setText(str(exc).splitlines()[0])
            self.failed.emit(str(exc))
            self._fill_log(self.model_name or "")
            return None
        self.status.setText(
            f"{result.model}@{result.environment}: {result.status} ({result.version})"
        )
        self.show_model()
        self.changed.emit(result)
        return result

    def promote_selected(self) -> PromotionResult | None:
        if self._cannot("Promote"):
            return None
        name, version, env = self.model_name, self.selected_version, self.env.currentText()
        report = self._guard(lambda: self.registry.check(f"{name}:{version}", env))
        text = report.text() if report is not None else ""
        return self._act(
            f"Promote {name}:{version} to {env}",
            text,
            lambda reason, acks: self.registry.promote(f"{name}:{version}", env, reason, acks),
            self._unacknowledged(name, version, env),
        )

    def _unacknowledged(self, name: str, version: str, env: str) -> dict[str, str]:
        """The version's warnings ENV's policy wants acknowledged and nobody has yet."""
        if not self.registry.config.policy(env).warnings_acknowledged:
            return {}
        detail = self._guard(lambda: self.registry.version(name, version))
        if not isinstance(detail, VersionDetail):
            return {}
        done = {a.check for a in detail.acknowledgements if a.environment == env}
        return {
            k: v
            for k, v in validation_warnings(validation_report(detail.manifest)).items()
            if k not in done
        }

    def approve_selected(self) -> PromotionResult | None:
        if self._cannot("Approve"):
            return None
        name, version, env = self.model_name, self.selected_version, self.env.currentText()
        return self._act(
            f"Approve {name}:{version} for {env}",
            f"You approve {name}:{version} for {env} as the second person (four eyes).",
            lambda reason, _acks: self.registry.approve(f"{name}:{version}", env, reason),
        )

    def rollback_env(self) -> PromotionResult | None:
        if self._cannot("Roll back", need_version=False):
            return None
        name, env = self.model_name, self.env.currentText()
        history = self._guard(lambda: self.registry.alias_history(name, env)) or []
        if not history:  # the registry refuses the rest itself, saying why
            self.status.setText(
                f"Roll back: {env} has never held a version of {name}: promote one there first"
            )
            return None
        lines = [
            f"{m.at[:19]}  {m.kind:<8} {m.from_ or '—'} → {m.to or '—'}  {m.actor}" for m in history
        ]
        return self._act(
            f"Roll back {name}@{env}",
            "\n".join([f"{env} moves back one step. History:", *lines]),
            lambda reason, _acks: self.registry.rollback(name, env, reason),
        )
