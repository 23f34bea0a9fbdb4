"""The "New from template" gallery: each template (found by `studio.core.templates`) is
shown with a picture of its workflow, and the chosen one's description, walkthrough and
commands to try; a copy goes into the workspace so the original stays clean."""

from __future__ import annotations

import html

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from studio.core.templates import Template, copy_template, find_templates

__all__ = ["Template", "TemplateGallery", "copy_template", "find_templates", "preview"]

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


def details_html(template: Template) -> str:
    """The gallery's right-hand page: what the template shows and the steps to follow."""
    esc = html.escape
    parts = [f"<h3>{esc(template.heading)}</h3>"]
    if template.fault_line:
        parts.append(f"<p><i>Fault line: {esc(template.fault_line)}</i></p>")
    parts.append(f"<p>{esc(template.description)}</p>")
    if template.walkthrough:
        steps = "".join(f"<li>{esc(step)}</li>" for step in template.walkthrough)
        parts.append(f"<p><b>Walkthrough</b></p><ol>{steps}</ol>")
    if template.commands:
        lines = "<br>".join(esc(c) for c in template.commands)
        parts.append(
            f"<p><b>Commands to try</b> (in the copied folder)</p><p><code>{lines}</code></p>"
        )
    return "".join(parts)


class TemplateGallery(QDialog):
    def __init__(self, templates: list[Template], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("New from template")
        self.list = QListWidget()
        # titles may be long: wrap them to the list's width instead of cutting them
        self.list.setWordWrap(True)
        self.list.setResizeMode(QListWidget.Adjust)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.list.setIconSize(PREVIEW_SIZE)
        self.list.setMinimumWidth(PREVIEW_SIZE.width() + 160)  # the picture and a wrapped title
        for t in templates:
            text = f"{t.heading}\n{t.fault_line}" if t.fault_line else t.heading
            item = QListWidgetItem(QIcon(preview(t)), text)
            item.setData(Qt.UserRole, t)
            item.setToolTip(t.description)
            self.list.addItem(item)
        self.details = QTextBrowser()
        self.details.setMinimumWidth(260)
        self.details.setOpenLinks(False)
        self.details.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.list.currentItemChanged.connect(self._show_details)
        if templates:
            self.list.setCurrentRow(0)
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(self.list)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Create")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("Start from one of the example workflows (a copy goes into your workspace):")
        )
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self.resize(980, 620)

    def _show_details(self, item: QListWidgetItem | None) -> None:
        self.details.setHtml(details_html(item.data(Qt.UserRole)) if item else "")

    def chosen(self) -> Template | None:
        item = self.list.currentItem()
        return item.data(Qt.UserRole) if item else None
