"""The studio window: canvas in the middle, node repository, parameters and console
docks, menus with shortcuts, a status bar with global run progress."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from studio.core import Catalog, KnotworkError, Workflow, default_catalog

from . import clipboard, commands
from .autosave import Autosaver
from .canvas.auto_layout import layered_layout
from .canvas.scene import WorkflowScene
from .canvas.view import WorkflowView
from .components import ComponentActions, context_actions
from .console import ConsolePanel
from .document import Document
from .files import FileActions
from .parameters_panel import ParametersPanel
from .preferences import Preferences, PreferencesDialog
from .python_export import PythonExport
from .recovery_banner import RecoveryBanner
from .repository import RepositoryPanel
from .run_status import RunStatus
from .runner import RunController
from .settings_dialog import SettingsDialog
from .viewer_windows import ViewerWindows
from .viewers import make_viewer
from .workflow_tests import WorkflowTests


class MainWindow(QMainWindow):
    close_wait_ms = 10_000  # closing during a run waits this long for it to stop, then leaves

    def __init__(
        self,
        workflow: Workflow | None = None,
        catalog: Catalog | None = None,
        prefs: Preferences | None = None,
        quiet: bool = False,
    ):
        super().__init__()
        self.quiet = quiet  # no modal message boxes (tests, screenshots)
        self.catalog = catalog or (workflow.catalog if workflow else default_catalog())
        self.prefs = prefs or Preferences()
        self.document = Document(workflow or Workflow(self.catalog), self.catalog, self)
        self.scene = WorkflowScene(self.document, self)
        self.view = WorkflowView(self.scene)
        self.runner = RunController(self.document, self)
        self.runner.cluster = self.prefs.cluster
        self.console = ConsolePanel()
        self.repository = RepositoryPanel(self.catalog)
        self.parameters = ParametersPanel(self.document)
        self.autosaver = Autosaver(self.document, self.prefs, self)
        self.files = FileActions(self)
        self.python_export = PythonExport(self)
        self.viewer_windows = ViewerWindows(self, self.prefs)
        self.servers: list = []  # local model servers started from Deploy…
        self.registry_dock: QDockWidget | None = None
        self.monitoring_dock: QDockWidget | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.deploy_wizard = None
        self._closing = False  # a close waits for the run to stop
        self._leaving = False  # ... and leaves once it did, or once close_wait_ms passed
        self._quiet_close = False  # closing on a signal: no questions, edits stay recoverable
        self._close_check = QTimer(self)
        self._close_check.setInterval(100)
        self._close_check.timeout.connect(self._continue_close)
        self._close_deadline = QTimer(self)
        self._close_deadline.setSingleShot(True)
        self._close_deadline.timeout.connect(self._leave_anyway)
        self.guide = None  # the User Guide window, made on first use
        self.banner = RecoveryBanner(self)
        center = QWidget()
        col = QVBoxLayout(center)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(self.banner)
        col.addWidget(self.view, 1)
        self.setCentralWidget(center)
        self.repository_dock = self._dock("Node Repository", self.repository, Qt.LeftDockWidgetArea)
        self.parameters_dock = self._dock("Parameters", self.parameters, Qt.BottomDockWidgetArea)
        self.console_dock = self._dock("Console", self.console, Qt.BottomDockWidgetArea)
        self._make_actions()
        self.components = ComponentActions(self)
        self.workflow_tests = WorkflowTests(self)
        self.run_status = RunStatus(self)
        self.status_label, self.progress = self.run_status.label, self.run_status.progress
        self._connect()
        self.resize(1280, 800)
        # The canvas gets the room: parameters share the bottom area with the console.
        self.tabifyDockWidget(self.console_dock, self.parameters_dock)
        self.console_dock.raise_()
        self.resizeDocks([self.repository_dock], [250], Qt.Horizontal)
        self.resizeDocks([self.console_dock], [150], Qt.Vertical)
        self._restore_geometry()
        self._update_title()
        self.banner.offer()
        self.document.schedule_configure()

    # ---- construction --------------------------------------------------------------------
    def _dock(self, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, menu: QMenu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcuts(
                shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)]
            )
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        bar = self.menuBar()
        f = bar.addMenu("&File")
        self._action(f, "&New", self.files.new, QKeySequence.New)
        self._action(f, "New from &Template…", self.files.new_from_template, "Ctrl+Shift+N")
        self._action(f, "&Open…", self.files.open, QKeySequence.Open)
        f.addMenu(self.files.recent_menu)
        self._action(f, "&Save", self.files.save, QKeySequence.Save)
        self._action(f, "Save &As…", self.files.save_as, QKeySequence.SaveAs)
        self._action(f, "&Export to Python…", self.python_export.start, "Ctrl+Shift+E")
        f.addSeparator()
        self._action(f, "&Preferences…", self.edit_preferences, QKeySequence.Preferences)
        self._action(f, "&Quit", self.close, QKeySequence.Quit)

        e = bar.addMenu("&Edit")
        # Own actions rather than the stack's: undo must also wait while a run owns the graph.
        self.undo_action = self._action(e, "&Undo", self.undo, QKeySequence.Undo)
        self.redo_action = self._action(
            e, "&Redo", self.redo, [QKeySequence(QKeySequence.Redo), QKeySequence("Ctrl+Y")]
        )
        stack = self.document.undo_stack
        for signal in (
            stack.canUndoChanged,
            stack.canRedoChanged,
            stack.undoTextChanged,
            stack.redoTextChanged,
        ):
            signal.connect(self.update_undo_actions)
        self.update_undo_actions()
        e.addSeparator()
        self._action(e, "Cu&t", self.cut, QKeySequence.Cut)
        self._action(e, "&Copy", self.copy, QKeySequence.Copy)
        self._action(e, "&Paste", self.paste, QKeySequence.Paste)
        self._action(
            e,
            "&Delete",
            self.scene.delete_selection,
            [QKeySequence.Delete, QKeySequence("Backspace")],
        )
        self._action(e, "Select &All", self.select_all, QKeySequence.SelectAll)
        e.addSeparator()
        self._action(e, "&Configure…", self.configure_selected, "F6")
        self._action(e, "&Rename", self.rename_selected, "F2")
        self._action(e, "Add &Annotation", self.add_annotation, "Ctrl+Shift+A")

        v = bar.addMenu("&View")
        self._action(
            v,
            "Zoom &In",
            lambda: self.view.zoom_by(1.25),
            [QKeySequence.ZoomIn, QKeySequence("Ctrl+=")],
        )
        self._action(v, "Zoom &Out", lambda: self.view.zoom_by(0.8), QKeySequence.ZoomOut)
        self._action(v, "&Actual Size", self.view.reset_zoom, "Ctrl+0")
        self._action(v, "&Fit to Window", self.view.fit, "Ctrl+Shift+F")
        self._action(v, "Auto &Layout", self.auto_layout, "Ctrl+L")
        v.addSeparator()
        for dock in (self.repository_dock, self.parameters_dock, self.console_dock):
            v.addAction(dock.toggleViewAction())
        self._action(v, "&Monitoring", self.show_monitoring, "Ctrl+Shift+M")

        r = bar.addMenu("&Run")
        self.run_selected_action = self._action(r, "Execute &Selected", self.run_selected, "F7")
        self.run_all_action = self._action(r, "Execute &All", self.run_all, "Shift+F7")
        self.cancel_action = self._action(r, "&Cancel", self.runner.cancel, "F9")
        self.reset_action = self._action(r, "&Reset", self.reset, "F8")
        self.cancel_action.setEnabled(False)

        dm = bar.addMenu("&Deploy")
        self.deploy_action = self._action(
            dm, "&Deploy…", self.deploy, "Ctrl+Shift+D", "Capture the scoring path into a bundle"
        )
        self._action(dm, "&Capture Selection for Deployment", self.capture_selection)
        self._action(dm, "Model &Registry", self.show_registry, "Ctrl+Shift+R")

        h = bar.addMenu("&Help")
        self._action(h, "&User Guide", self.show_guide, "F1", "Read the Knotwork guide")
        self._action(h, "&Keyboard Shortcuts", self.show_shortcuts, "Ctrl+F1")

        tools = self.addToolBar("Main")
        tools.setObjectName("Main")
        tools.addActions([self.undo_action, self.redo_action])
        tools.addSeparator()
        tools.addActions(
            [self.run_selected_action, self.run_all_action, self.cancel_action, self.reset_action]
        )
        tools.addSeparator()
        tools.addAction(self.deploy_action)

    def _connect(self) -> None:
        d = self.document
        d.modified_changed.connect(self._update_title)
        d.replaced.connect(self._on_replaced)
        self.scene.message.connect(self._show_refusal)
        self.scene.node_activated.connect(self.activate_node)
        self.scene.port_activated.connect(self.open_port_viewer)
        self.scene.context_requested.connect(self._context_menu)
        self.repository.add_requested.connect(self.add_node_at_center)
        self.autosaver.saved.connect(self._autosaved)

    def _restore_geometry(self) -> None:
        """Where the user left the window and its docks, kept on a screen."""
        from .viewer_windows import keep_on_screen

        geometry, state = self.prefs.geometry("main"), self.prefs.geometry("main_state")
        if geometry and self.restoreGeometry(geometry):
            keep_on_screen(self)
        if state:
            self.restoreState(state)

    # ---- title, status -------------------------------------------------------------------
    def _autosaved(self, path: str) -> None:
        self.status_label.setText(f"Autosaved to {path}")

    def _update_title(self, *_args) -> None:
        self.setWindowTitle(f"{self.document.title}[*] — Knotwork Studio")
        self.setWindowModified(self.document.modified)

    def _show_refusal(self, text: str) -> None:
        self.status_label.setText(text)
        self.console.log(text, "warning")

    def _on_replaced(self) -> None:
        self.viewer_windows.close_all()
        self._update_title()
        self.view.fit(readable=True)

    @property
    def viewers(self) -> list[QWidget]:
        """The open port viewers, the last opened last."""
        return self.viewer_windows.windows

    # ---- editing ---------------------------------------------------------------------------
    def undo(self) -> None:
        if not self.document.running:
            self.document.undo_stack.undo()

    def redo(self) -> None:
        if not self.document.running:
            self.document.undo_stack.redo()

    def update_undo_actions(self, *_args) -> None:
        stack, idle = self.document.undo_stack, not self.document.running
        self.undo_action.setEnabled(idle and stack.canUndo())
        self.redo_action.setEnabled(idle and stack.canRedo())
        self.undo_action.setText(f"&Undo {stack.undoText()}".strip())
        self.redo_action.setText(f"&Redo {stack.redoText()}".strip())
        # The toolbar keeps short fixed labels (so it never shifts); the tip names the edit.
        self.undo_action.setIconText("Undo")
        self.redo_action.setIconText("Redo")
        self.undo_action.setToolTip(f"Undo {stack.undoText()}".strip())
        self.redo_action.setToolTip(f"Redo {stack.redoText()}".strip())

    def add_node_at_center(self, type_id: str) -> str | None:
        """A double-click in the repository: with one node selected, the new node goes to
        its right, wired to it, and becomes the selection (so a chain grows click by click)."""
        selected = self.scene.selected_node_ids()
        if len(selected) == 1:
            nid = self.scene.add_connected(type_id, selected[0])
        else:
            center = self.view.mapToScene(self.view.viewport().rect().center())
            offset = 24 * (len(self.document.workflow.nodes) % 5)
            nid = self.scene.add_node(type_id, center + QPointF(offset, offset))
        if nid:
            self.scene.select_nodes([nid])
            self.view.ensureVisible(self.scene.nodes[nid].sceneBoundingRect(), 40, 40)
        return nid

    def select_all(self) -> None:
        for item in self.scene.items():
            if item.flags() & item.GraphicsItemFlag.ItemIsSelectable:
                item.setSelected(True)

    def copy(self) -> bool:
        nodes, anns = self.scene.selected_node_ids(), self.scene.selected_annotation_ids()
        if not nodes and not anns:
            return False
        clipboard.copy_to_clipboard(clipboard.fragment(self.document.workflow, nodes, anns))
        self.status_label.setText(f"Copied {len(nodes)} node(s)")
        return True

    def cut(self) -> None:
        if self.copy():
            self.scene.delete_selection()

    def paste(self) -> bool:
        if self.document.running:
            return self.scene.refuse("the workflow is running: cancel it or wait before pasting")
        data = clipboard.read_clipboard()
        if data is None:
            self.status_label.setText("The clipboard holds no Knotwork nodes")
            return False
        nodes, links, anns = clipboard.instantiate(data, self.document.workflow)
        if not nodes and not anns:
            return False
        ok = self.document.push(commands.PasteCommand(self.document.workflow, nodes, links, anns))
        if ok:
            self.scene.select_nodes([record.id for record, _ in nodes])
        return ok

    def add_annotation(self) -> None:
        self.scene.add_annotation(self.view.mapToScene(self.view.viewport().rect().center()))

    def auto_layout(self) -> None:
        wf = self.document.workflow
        if not wf.nodes:
            return
        xs = [wf.layout.get(n.id, (0.0, 0.0)) for n in wf.nodes]
        origin = (min(p[0] for p in xs), min(p[1] for p in xs))
        new = layered_layout(wf.graph, origin)
        moves = {
            nid: (wf.layout.get(nid, (0.0, 0.0)), pos)
            for nid, pos in new.items()
            if wf.layout.get(nid) != pos
        }
        if moves:
            self.document.push(commands.MoveCommand(wf, moves, "Auto layout"))
        self.view.fit()

    def rename_selected(self) -> None:
        ids = self.scene.selected_node_ids()
        if ids:
            self.scene.nodes[ids[0]].label_item.start_editing()

    def configure_selected(self) -> None:
        ids = self.scene.selected_node_ids()
        if ids:
            self.configure_node(ids[0])

    def activate_node(self, node_id: str) -> QWidget | None:
        """Double-click: a component opens for editing, any other node's settings dialog."""
        if self.components.is_component(node_id) and not self.document.running:
            return self.components.edit(node_id)
        return self.configure_node(node_id)

    def configure_node(self, node_id: str) -> SettingsDialog | None:
        """Open the node's dialog (window-modal, not blocking); OK applies one command."""
        if self.document.running:
            self.status_label.setText(
                "The workflow is running: cancel it or wait before configuring"
            )
            return None
        report = self.document.configure_now()
        dialog = SettingsDialog(self.document.workflow, node_id, report, self)
        dialog.accepted.connect(lambda: self._apply_settings(node_id, dialog.values()))
        dialog.finished.connect(lambda _r: setattr(self, "settings_dialog", None))
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def _apply_settings(self, node_id: str, values: dict) -> None:
        wf = self.document.workflow
        if node_id in wf.graph and wf.node(node_id).settings != values:
            if not self.document.push(commands.SetSettingsCommand(wf, node_id, values)):
                self.status_label.setText("Settings not applied: the workflow is running")

    def edit_preferences(self) -> None:
        dialog = PreferencesDialog(self.prefs, self)
        if dialog.exec():
            self.autosaver.set_interval(self.prefs.autosave_seconds)
            self.runner.cluster = self.prefs.cluster

    def _context_menu(self, node_id: str, screen_pos) -> None:
        menu = QMenu(self)
        if node_id:
            wf = self.document.workflow
            menu.addAction("Configure…", lambda: self.configure_node(node_id))
            menu.addAction("Execute to Here", lambda: self.run_nodes([node_id]))
            menu.addAction("Reset", lambda: self.runner.reset([node_id]))
            menu.addAction("Rename", lambda: self.scene.nodes[node_id].label_item.start_editing())
            menu.addSeparator()
            for i, port in enumerate(wf.node_type(node_id).outputs):
                act = menu.addAction(
                    f"Open output “{port.name}”", lambda i=i: self.open_port_viewer(node_id, i)
                )
                act.setEnabled(wf.output(node_id, i) is not None)
            context_actions(self.components, menu, node_id)
            menu.addSeparator()
            menu.addAction("Copy", self.copy)
            menu.addAction("Delete", self.scene.delete_selection)
        else:
            menu.addAction("Paste", self.paste)
            menu.addAction("Add Annotation", self.add_annotation)
            menu.addAction("Auto Layout", self.auto_layout)
            menu.addAction("Fit to Window", self.view.fit)
        menu.popup(screen_pos)

    # ---- running ---------------------------------------------------------------------------
    def run_all(self) -> bool:
        return self.runner.run(None)

    def run_selected(self) -> bool:
        ids = self.scene.selected_node_ids()
        if not ids:
            self.status_label.setText("Select the nodes to execute (or use Execute All)")
            return False
        return self.runner.run(ids)

    def run_nodes(self, ids: list[str]) -> bool:
        return self.runner.run(ids)

    def reset(self) -> None:
        self.runner.reset(self.scene.selected_node_ids() or None)

    # ---- deployment and registry ------------------------------------------------------------
    def deploy(self):
        """Open the Deploy wizard for the selected Deployment Input/Output (or the only pair)."""
        if self.document.running:
            self.status_label.setText("The workflow is running: wait or cancel before deploying")
            return None
        from .deploy_wizard import DeployWizard

        wf = self.document.workflow
        selected = self.scene.selected_node_ids()
        # One click for the common case: scoring nodes selected, no Deployment pair yet.
        if selected and not any(n.type_id == "deployment.input" for n in wf.nodes):
            if self.capture_selection() is None:
                return None
        try:
            wizard = DeployWizard(self)
        except KnotworkError as exc:
            self.console.log(f"Cannot deploy: {exc}", "error")
            self.status_label.setText(str(exc).splitlines()[0])
            return None
        self.deploy_wizard = wizard
        wizard.open()
        wizard.place_beside_scope()
        return wizard

    def capture_selection(self) -> tuple[str, str] | None:
        """Insert a Deployment Input/Output pair around the selected scoring nodes."""
        from .deploy_capture import insert_capture_nodes

        if self.document.running:
            return None
        try:
            pair = insert_capture_nodes(self.document, self.scene.selected_node_ids())
        except KnotworkError as exc:
            self.status_label.setText(str(exc))
            self.console.log(f"Cannot capture: {exc}", "warning")
            return None
        self.scene.select_nodes(list(pair))
        return pair

    def show_guide(self):
        from .guide import GuideWindow

        if self.guide is None:
            self.guide = GuideWindow(self)
        self.guide.show()
        self.guide.raise_()
        self.guide.activateWindow()
        return self.guide

    def show_shortcuts(self) -> None:
        from .shortcuts_help import ShortcutsDialog

        ShortcutsDialog(self).show()

    def show_registry(self) -> None:
        """The registry panel, created on first use (it opens the registry database)."""
        if self.registry_dock is None:
            from studio.registry import Registry

            from .registry_panel import RegistryPanel

            workspace = self.prefs.workspace
            panel = RegistryPanel(lambda: Registry(None, workspace=workspace))
            panel.failed.connect(self._registry_failed)
            self.registry_dock = self._dock("Model Registry", panel, Qt.BottomDockWidgetArea)
            self.tabifyDockWidget(self.console_dock, self.registry_dock)
        self.registry_dock.show()
        self.registry_dock.raise_()
        self.registry_dock.widget().refresh()

    def _registry_failed(self, text: str) -> None:
        self.console.log(f"Registry: {text}", "error")

    def show_monitoring(self) -> None:
        """The Monitoring dock, created on first use; registry models open the registry lazily."""
        if self.monitoring_dock is None:
            from studio.registry import Registry

            from .monitoring_panel import MonitoringPanel

            workspace = self.prefs.workspace
            panel = MonitoringPanel(lambda: Registry(None, workspace=workspace), workspace)
            panel.failed.connect(lambda text: self.console.log(f"Monitoring: {text}", "error"))
            self.monitoring_dock = self._dock("Monitoring", panel, Qt.BottomDockWidgetArea)
            self.tabifyDockWidget(self.console_dock, self.monitoring_dock)
        self.monitoring_dock.show()
        self.monitoring_dock.raise_()

    # ---- viewers -----------------------------------------------------------------------------
    def open_port_viewer(self, node_id: str, port: int = 0) -> QWidget | None:
        wf = self.document.workflow
        value = wf.output(node_id, port)
        if value is None:
            self.status_label.setText(
                f"“{wf.node(node_id).label}” has no output yet: execute it first"
            )
            return None
        port_name = wf.node_type(node_id).outputs[port].name
        title = f"{wf.node(node_id).label} — {port_name}"
        return self.viewer_windows.show(make_viewer(value), node_id, port, title)

    # ---- closing ------------------------------------------------------------------------------
    def busy(self) -> bool:
        """A run, a bundle build or a test run is still going."""
        building = self.deploy_wizard is not None and self.deploy_wizard.task.busy
        exporting = self.python_export.busy
        return self.runner.running or building or exporting or self.workflow_tests.running

    def close_quietly(self) -> None:
        """Close without asking (a terminal's Ctrl-C, a logout): unsaved edits stay in the
        autosave file, offered for recovery at the next start."""
        self._quiet_close = True
        self.close()

    def stop_servers(self) -> None:
        """End the local model servers started from Deploy…"""
        for server in self.servers:
            if server.state() != server.ProcessState.NotRunning:
                server.terminate()
                if not server.waitForFinished(3000):
                    server.kill()
                    server.waitForFinished(1000)

    def _continue_close(self) -> None:
        if not self.busy():
            self._close_check.stop()
            self._close_deadline.stop()
            self._leaving = True
            self.close()

    def _leave_anyway(self) -> None:
        """The run did not stop in time (a node that ignores cancel): leave without it."""
        self._close_check.stop()
        self.console.log("The run did not stop in time: closing without waiting for it", "warning")
        self._leaving = True
        self.close()

    def closeEvent(self, event) -> None:
        if self.busy() and not self._leaving:
            event.ignore()
            if not self._closing:  # cancel, wait a bounded time (the window stays live), leave
                self._closing = True
                self.runner.cancel()
                self.workflow_tests.cancel()
                self.status_label.setText("Stopping the run before closing…")
                self._close_check.start()
                self._close_deadline.start(self.close_wait_ms)
            return
        busy = self.busy()
        if not busy and not self._quiet_close and not self.files.maybe_save():
            self._closing = self._leaving = False
            event.ignore()
            return
        if (busy or self._quiet_close) and self.document.modified:
            self.autosaver.save_now()  # recoverable at the next start
            self.autosaver.timer.stop()
        else:
            self.autosaver.close()
        self.stop_servers()
        self.viewer_windows.close_all()
        self.prefs.set_geometry("main", self.saveGeometry().data())
        self.prefs.set_geometry("main_state", self.saveState().data())
        event.accept()
