"""The "New from template" gallery: each `workspace_templates/<name>/` folder holds a
`*.knotwork.json` and its data; a copy goes into the workspace so the original stays clean."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "workspace_templates"


@dataclass(frozen=True)
class Template:
    name: str
    description: str
    path: Path


def find_templates(root: Path = TEMPLATES_DIR) -> list[Template]:
    out = []
    for path in sorted(root.glob("*/*.knotwork.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        out.append(
            Template(data.get("name") or path.parent.name, data.get("description", ""), path)
        )
    return out


def copy_template(template: Template, workspace: Path) -> Path:
    """Copy the template's folder into the workspace under a free name; return the workflow path."""
    workspace.mkdir(parents=True, exist_ok=True)
    base = template.path.parent.name
    target, i = workspace / base, 2
    while target.exists():
        target, i = workspace / f"{base}-{i}", i + 1
    shutil.copytree(
        template.path.parent, target, ignore=shutil.ignore_patterns(".*", "__pycache__")
    )
    return target / template.path.name


PREVIEW_SIZE = QSize(240, 135)


def preview(template: Template, size: QSize = PREVIEW_SIZE, ratio: float = 2.0) -> QPixmap:
    """A picture of the template's workflow as the canvas draws it (empty if unreadable),
    rendered at `ratio` device pixels per point so it stays sharp on a 2x screen."""
    from studio.core import KnotworkError, Workflow

    from .canvas.scene import WorkflowScene
    from .document import Document

    pixmap = QPixmap(size * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(QApplication.palette().color(QPalette.Base))  # the canvas's own background
    try:
        wf = Workflow.load(template.path)
    except (KnotworkError, OSError):
        return pixmap
    document = Document(wf, wf.catalog)
    scene = WorkflowScene(document)
    document.configure_now()  # lights as the canvas will show them
    source = scene.itemsBoundingRect().adjusted(-20, -20, 20, 20)
    painter = QPainter(pixmap)
    painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
    scene.render(painter, QRectF(0, 0, size.width(), size.height()), source, Qt.KeepAspectRatio)
    painter.end()
    scene.deleteLater()
    document.deleteLater()
    return pixmap


class TemplateGallery(QDialog):
    def __init__(self, templates: list[Template], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("New from template")
        self.list = QListWidget()
        # descriptions are sentences: wrap them to the dialog's width instead of cutting them
        self.list.setWordWrap(True)
        self.list.setResizeMode(QListWidget.Adjust)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.list.setIconSize(PREVIEW_SIZE)
        for t in templates:
            item = QListWidgetItem(QIcon(preview(t)), f"{t.name}\n{t.description}")
            item.setData(Qt.UserRole, t)
            item.setToolTip(t.description)
            self.list.addItem(item)
        if templates:
            self.list.setCurrentRow(0)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Create")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("Start from one of the example workflows (a copy goes into your workspace):")
        )
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(760, 520)

    def chosen(self) -> Template | None:
        item = self.list.currentItem()
        return item.data(Qt.UserRole) if item else None
