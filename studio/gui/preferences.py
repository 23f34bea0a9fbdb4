"""User preferences and per-user state kept in QSettings: workspace folder, autosave
interval, recent files, and the autosave files a crashed session left behind."""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

MAX_RECENT = 10


class Preferences:
    def __init__(self, settings: QSettings | None = None):
        self.qs = settings or QSettings("Knotwork", "Knotwork Studio")

    @property
    def workspace(self) -> Path:
        return Path(self.qs.value("workspace", str(Path.home() / "knotwork-workspace")))

    @workspace.setter
    def workspace(self, path: str | Path) -> None:
        self.qs.setValue("workspace", str(path))

    @property
    def autosave_seconds(self) -> int:
        return int(self.qs.value("autosave_seconds", 60))

    @autosave_seconds.setter
    def autosave_seconds(self, seconds: int) -> None:
        self.qs.setValue("autosave_seconds", int(seconds))

    @property
    def cluster(self) -> str:
        """Dask cluster runs hand their parallel work to ("" = this machine)."""
        return str(self.qs.value("cluster", ""))

    @cluster.setter
    def cluster(self, spec: str) -> None:
        self.qs.setValue("cluster", spec.strip())

    @property
    def component_folders(self) -> str:
        """Component library folders besides the workspace's components/ (os.pathsep-separated)."""
        return str(self.qs.value("component_folders", ""))

    @component_folders.setter
    def component_folders(self, folders: str) -> None:
        self.qs.setValue("component_folders", folders.strip())

    @property
    def first_start(self) -> bool:
        return self.qs.value("started_before", "false") != "true"

    def mark_started(self) -> None:
        self.qs.setValue("started_before", "true")

    # ---- window geometry ---------------------------------------------------------------
    def geometry(self, key: str) -> bytes | None:
        """The saved geometry (QWidget.saveGeometry) of a window kind, if any."""
        value = self.qs.value(f"geometry/{key}")
        return bytes(value) if value else None

    def set_geometry(self, key: str, data: bytes) -> None:
        self.qs.setValue(f"geometry/{key}", data)

    # ---- recent files ----------------------------------------------------------------
    def recent_files(self) -> list[str]:
        return [p for p in json.loads(self.qs.value("recent_files", "[]")) if Path(p).exists()]

    def add_recent(self, path: str | Path) -> None:
        path = str(Path(path).resolve())
        items = [path, *[p for p in self.recent_files() if p != path]][:MAX_RECENT]
        self.qs.setValue("recent_files", json.dumps(items))

    # ---- autosave bookkeeping ----------------------------------------------------------
    def autosaves(self) -> dict[str, dict]:
        """Autosave file → {"original": path or "", "time": text} for every unsaved session."""
        return json.loads(self.qs.value("autosaves", "{}"))

    def set_autosave(self, autosave: str, original: str, stamp: str) -> None:
        data = self.autosaves()
        data[autosave] = {"original": original, "time": stamp}
        self.qs.setValue("autosaves", json.dumps(data))
        self.qs.sync()

    def drop_autosave(self, autosave: str) -> None:
        data = self.autosaves()
        data.pop(autosave, None)
        self.qs.setValue("autosaves", json.dumps(data))
        self.qs.sync()


class PreferencesDialog(QDialog):
    def __init__(self, prefs: Preferences, parent: QWidget | None = None):
        super().__init__(parent)
        self.prefs = prefs
        self.setWindowTitle("Preferences")
        self.workspace = QLineEdit(str(prefs.workspace))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.workspace, 1)
        row.addWidget(browse)
        self.autosave = QSpinBox()
        self.autosave.setRange(5, 3600)
        self.autosave.setSuffix(" s")
        self.autosave.setValue(prefs.autosave_seconds)
        self.cluster = QLineEdit(prefs.cluster)
        self.cluster.setPlaceholderText("this machine — or local:2, tcp://scheduler:8786")
        self.cluster.setToolTip(
            "Dask cluster for cross-validation, parameter search and forests "
            "(empty: run on this machine)"
        )
        self.components = QLineEdit(prefs.component_folders)
        self.components.setPlaceholderText(f"folders or git checkouts, separated by {os.pathsep}")
        self.components.setToolTip(
            "Component libraries besides the workspace's components/ folder and the shipped ones"
        )
        self.cluster_error = QLabel()
        self.cluster_error.setStyleSheet("color: #c0392b")
        self.cluster_error.setVisible(False)
        form = QFormLayout(self)
        form.addRow("Workspace folder", row)
        form.addRow("Autosave every", self.autosave)
        form.addRow("Dask cluster", self.cluster)
        form.addRow("", self.cluster_error)
        form.addRow("Component libraries", self.components)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Workspace folder", self.workspace.text())
        if folder:
            self.workspace.setText(folder)

    def accept(self) -> None:
        from studio.scale.cluster import ClusterError, parse_spec

        spec = self.cluster.text().strip()
        try:
            if spec:
                parse_spec(spec)
        except ClusterError as exc:  # stay open: the field says what is accepted
            self.cluster_error.setText(str(exc).removeprefix("--cluster "))
            self.cluster_error.setVisible(True)
            return
        self.prefs.cluster = spec
        self.prefs.component_folders = self.components.text()
        self.prefs.workspace = self.workspace.text()
        self.prefs.autosave_seconds = self.autosave.value()
        super().accept()
