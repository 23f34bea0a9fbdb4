"""The Components menu of the studio: create a component from the selection, expand it,
edit its inner workflow in a window of its own, insert one from the component library,
update a linked copy and share one to the library. Every change is one undo step."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QPointF, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QInputDialog,
    QMenu,
    QSplitter,
    QVBoxLayout,
)

from studio.core.component import COMPONENT_CATEGORY, is_component_type
from studio.core.component_edit import collapse, expand, inner_workflow
from studio.core.component_library import (
    LibraryComponent,
    insert,
    library_folders,
    load_library,
    outdated,
    publish,
    replace,
    update,
)
from studio.core.errors import KnotworkError
from studio.core.fileformat import inner_workflow_dict

from .canvas.scene import WorkflowScene
from .canvas.view import WorkflowView
from .commands import GraphEditCommand
from .document import ConsoleMessage, Document
from .parameters_panel import ParametersPanel
from .repository import RepositoryPanel

if TYPE_CHECKING:
    from .main_window import MainWindow


class ComponentEditor(QDialog):
    """A component's inner workflow on a canvas of its own (with its own undo history);
    OK puts the edited definition in place in the outer workflow as one undo step."""

    def __init__(self, window: MainWindow, node_id: str):
        super().__init__(window)
        self.window, self.node_id = window, node_id
        outer = window.document.workflow
        self.definition = outer.catalog.get(outer.node(node_id).type_id).definition
        inner = inner_workflow(outer, self.definition)
        specs = window.document.report.nodes.get(node_id) if window.document.report else None
        node_type = outer.node_type(node_id)
        # the inner Component Inputs see what the outer wires bring (columns in pickers)
        inner.feeds = {
            p.name: (specs.input_specs[i] if specs else None)
            for i, p in enumerate(node_type.inputs)
        }
        self.setWindowTitle(f"Component — {self.definition.name}")
        self.document = Document(inner, inner.catalog, self)
        self.scene = WorkflowScene(self.document, self)
        self.view = WorkflowView(self.scene)
        self.scene.node_activated.connect(self._configure)
        # its ports may be added; components not (one could end up holding itself)
        repository = RepositoryPanel(inner.catalog, hidden=(COMPONENT_CATEGORY,))
        repository.add_requested.connect(self._add)
        split = QSplitter()
        split.addWidget(repository)
        split.addWidget(self.view)
        split.setSizes([220, 780])
        params = QGroupBox(
            "Parameters — the component's settings (inner settings use them as $name)"
        )
        QVBoxLayout(params).addWidget(ParametersPanel(self.document))
        rows = QSplitter(Qt.Vertical)
        rows.addWidget(split)
        rows.addWidget(params)
        rows.setSizes([470, 160])
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        col = QVBoxLayout(self)
        col.addWidget(rows, 1)
        col.addWidget(buttons)
        self.resize(1000, 650)
        self.document.schedule_configure()
        self.view.fit()

    def _add(self, type_id: str) -> None:
        centre = self.view.mapToScene(self.view.viewport().rect().center())
        self.scene.add_node(type_id, QPointF(centre))

    def _configure(self, node_id: str) -> None:
        from .settings_dialog import SettingsDialog

        report = self.document.configure_now()
        dialog = SettingsDialog(self.document.workflow, node_id, report, self)
        if dialog.exec():
            from .commands import SetSettingsCommand

            self.document.push(SetSettingsCommand(self.document.workflow, node_id, dialog.values()))

    def edited(self) -> Any:
        """The definition as edited (same id and version; the inner workflow replaced)."""
        return self.definition.model_copy(
            update={"workflow": inner_workflow_dict(self.document.workflow)}
        )


class ComponentActions(QObject):
    """The Components menu and what the canvas asks of component nodes."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.editor: ComponentEditor | None = None
        bar = window.menuBar()
        help_menu = next((a for a in bar.actions() if a.text() == "&Help"), None)
        menu = QMenu("C&omponents", bar)
        if help_menu is not None:
            bar.insertMenu(help_menu, menu)
        else:
            bar.addMenu(menu)
        add = window._action
        add(menu, "&Create Component", self.create, QKeySequence("Ctrl+G"))
        add(menu, "&Expand Component", self.expand, QKeySequence("Ctrl+Shift+G"))
        add(menu, "E&dit Component…", self.edit_selected)
        menu.addSeparator()
        self.insert_menu = menu.addMenu("&Insert from Library")
        self.insert_menu.aboutToShow.connect(self._fill_insert_menu)
        add(menu, "&Update from Library", self.update_selected)
        add(menu, "&Share to Library", self.share_selected)
        window.document.configured.connect(self.mark_outdated)

    # ---- helpers ---------------------------------------------------------------------
    @property
    def wf(self):
        return self.window.document.workflow

    def library(self, report: bool = True) -> dict[str, LibraryComponent]:
        extra = [p for p in self.window.prefs.component_folders.split(os.pathsep) if p]
        found, problems = load_library(library_folders(extra, self.window.prefs.workspace))
        for line in problems if report else ():
            self.window.document.changed.emit(ConsoleMessage(f"component library: {line}"))
        return found

    def _selected_component(self) -> str | None:
        ids = [n for n in self.window.scene.selected_node_ids() if self.is_component(n)]
        if not ids:
            self.window.scene.refuse("select a component node first")
            return None
        return ids[0]

    def is_component(self, node_id: str) -> bool:
        return node_id in self.wf.graph and is_component_type(self.wf.node(node_id).type_id)

    def push(self, text: str, edit: Any) -> Any:
        """Apply `edit(workflow)` as one undo step; a refusal is shown, nothing changes."""
        if self.window.document.running:
            self.window.scene.refuse("the workflow is running: wait or cancel first")
            return None
        command = GraphEditCommand(self.wf, text, edit)
        try:
            command.apply_now()
        except KnotworkError as exc:
            self.window.scene.refuse(str(exc))
            return None
        self.window.document.push(command)
        return command.result

    # ---- actions ---------------------------------------------------------------------
    def create(self, name: str | None = None) -> str | None:
        ids = self.window.scene.selected_node_ids()
        if name is None and not self.window.quiet:
            name, ok = QInputDialog.getText(
                self.window, "Create Component", "Name:", text="Component"
            )
            if not ok:
                return None
        node = self.push("Create Component", lambda wf: collapse(wf, ids, name or "Component"))
        if node is not None:
            self.window.scene.select_nodes([node.id])
            return node.id
        return None

    def expand(self, node_id: str | None = None) -> dict | None:
        node_id = node_id or self._selected_component()
        if node_id is None:
            return None
        ids = self.push("Expand Component", lambda wf: expand(wf, node_id))
        if ids:
            self.window.scene.select_nodes(list(ids.values()))
        return ids

    def edit_selected(self) -> None:
        node_id = self._selected_component()
        if node_id:
            self.edit(node_id)

    def edit(self, node_id: str) -> ComponentEditor:
        """Open the component's inner workflow; OK applies the edit as one undo step."""
        editor = ComponentEditor(self.window, node_id)
        editor.accepted.connect(lambda: self._apply_edit(editor))
        self.editor = editor
        editor.open()
        return editor

    def _apply_edit(self, editor: ComponentEditor) -> None:
        definition = editor.edited()
        if definition != editor.definition:
            self.push(f"Edit component {definition.name}", lambda wf: replace(wf, definition))

    def insert(self, comp: LibraryComponent, position: tuple[float, float] | None = None):
        if position is None:
            centre = self.window.view.mapToScene(self.window.view.viewport().rect().center())
            position = (centre.x(), centre.y())
        return self.push(f"Insert {comp.definition.name}", lambda wf: insert(wf, comp, position))

    def _fill_insert_menu(self) -> None:
        self.insert_menu.clear()
        found = self.library()
        for comp in sorted(found.values(), key=lambda c: c.definition.name):
            act = self.insert_menu.addAction(
                f"{comp.definition.name}  (v{comp.version})", lambda c=comp: self.insert(c)
            )
            act.setToolTip(str(comp.path))
        if not found:
            self.insert_menu.addAction("(no components in the library folders)").setEnabled(False)

    def update_selected(self) -> list[str] | None:
        node_id = self._selected_component()
        if node_id is None:
            return None
        definition = self.wf.components[self.wf.node(node_id).type_id.removeprefix("component.")]
        comp = self.library().get(definition.library.id) if definition.library else None
        if comp is None or comp.version <= definition.version:
            self.window.scene.refuse(
                f'"{definition.name}" is not linked to a library component with a newer version'
            )
            return None
        notes = self.push(
            f"Update {definition.name} to v{comp.version}", lambda wf: update(wf, comp)
        )
        for note in notes or []:
            self.window.document.changed.emit(ConsoleMessage(note))
        return notes

    def share_selected(self, folder: str | Path | None = None) -> LibraryComponent | None:
        node_id = self._selected_component()
        if node_id is None:
            return None
        cid = self.wf.node(node_id).type_id.removeprefix("component.")
        folder = Path(folder or self.window.prefs.workspace / "components")
        comp = self.push("Share component to library", lambda wf: publish(wf, cid, folder))
        if comp is not None:
            self.window.status_label.setText(f"Shared as {comp.path} (version {comp.version})")
        return comp

    def mark_outdated(self, _report: Any = None) -> None:
        """Badge the linked copies whose library has a newer version."""
        if not self.wf.components:
            return
        newer = {cid: v for cid, _, v in outdated(self.wf, self.library(report=False))}
        for item in self.window.scene.nodes.values():
            cid = item.node_type.type_id.removeprefix("component.")
            item.set_notice(
                f"library has version {newer[cid]}: Components ▸ Update from Library"
                if cid in newer
                else ""
            )


def context_actions(actions: ComponentActions, menu: QMenu, node_id: str) -> None:
    """The component entries of a node's context menu."""
    menu.addSeparator()
    menu.addAction("Create Component", actions.create)
    if actions.is_component(node_id):
        menu.addAction("Edit Component…", lambda: actions.edit(node_id))
        menu.addAction("Expand Component", lambda: actions.expand(node_id))
        menu.addAction("Update from Library", actions.update_selected)
        menu.addAction("Share to Library", actions.share_selected)
