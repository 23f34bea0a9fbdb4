"""The studio window: canvas in the middle, node repository, parameters and console
docks, menus with shortcuts, a status bar with global run progress."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core import Catalog, KnotworkError, Workflow, default_catalog

from . import clipboard, commands
from .autosave import Autosaver, load_recovery, pending_recoveries
from .canvas.auto_layout import layered_layout
from .canvas.scene import WorkflowScene
from .canvas.view import WorkflowView
from .console import ConsolePanel
from .document import Document
from .files import FileActions
from .parameters_panel import ParametersPanel
from .preferences import Preferences, PreferencesDialog
from .repository import RepositoryPanel
from .runner import RunController
from .settings_dialog import SettingsDialog
from .viewers import make_viewer


class MainWindow(QMainWindow):
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
        self.console = ConsolePanel()
        self.repository = RepositoryPanel(self.catalog)
        self.parameters = ParametersPanel(self.document)
        self.autosaver = Autosaver(self.document, self.prefs, self)
        self.files = FileActions(self)
        self.viewers: list[QWidget] = []
        self.servers: list = []  # local model servers started from Deploy…
        self.registry_dock: QDockWidget | None = None
        self.settings_dialog: SettingsDialog | None = None
        self._run_nodes: list[str] = []
        self._run_done: set[str] = set()
        self._run_fraction: dict[str, float] = {}

        self.banner = self._make_banner()
        center = QWidget()
        col = QVBoxLayout(center)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(self.banner)
        col.addWidget(self.view, 1)
        self.setCentralWidget(center)
        self.repository_dock = self._dock("Node Repository", self.repository, Qt.LeftDockWidgetArea)
        self.parameters_dock = self._dock("Parameters", self.parameters, Qt.RightDockWidgetArea)
        self.console_dock = self._dock("Console", self.console, Qt.BottomDockWidgetArea)
        self._make_status_bar()
        self._make_actions()
        self._connect()
        self.resize(1280, 800)
        self.resizeDocks([self.repository_dock, self.parameters_dock], [250, 270], Qt.Horizontal)
        self.resizeDocks([self.console_dock], [130], Qt.Vertical)
        self._update_title()
        self._offer_recovery()
        self.document.schedule_configure()

    # ---- construction --------------------------------------------------------------------
    def _dock(self, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _make_banner(self) -> QFrame:
        banner = QFrame()
        banner.setStyleSheet("QFrame{background:#fff4d6;border-bottom:1px solid #e3c567}")
        row = QHBoxLayout(banner)
        self.banner_text = QLabel()
        self.recover_button = QPushButton("Recover")
        self.discard_button = QPushButton("Discard")
        row.addWidget(self.banner_text, 1)
        row.addWidget(self.recover_button)
        row.addWidget(self.discard_button)
        self.recover_button.clicked.connect(self.recover)
        self.discard_button.clicked.connect(self.discard_recovery)
        banner.hide()
        return banner

    def _make_status_bar(self) -> None:
        self.status_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.counts = QLabel()
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.counts)
        self.statusBar().addPermanentWidget(self.progress)

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
        f.addSeparator()
        self._action(f, "&Preferences…", self.edit_preferences, QKeySequence.Preferences)
        self._action(f, "&Quit", self.close, QKeySequence.Quit)

        e = bar.addMenu("&Edit")
        self.undo_action = self.document.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.Undo)
        self.redo_action = self.document.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence.Redo, QKeySequence("Ctrl+Y")])
        e.addActions([self.undo_action, self.redo_action])
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
        self._action(dm, "Model &Registry", self.show_registry, "Ctrl+Shift+R")

        tools = self.addToolBar("Main")
        tools.setObjectName("Main")
        tools.addActions([self.undo_action, self.redo_action])
        tools.addSeparator()
        tools.addActions(
            [self.run_selected_action, self.run_all_action, self.cancel_action, self.reset_action]
        )

    def _connect(self) -> None:
        d = self.document
        d.changed.connect(self._on_event)
        d.modified_changed.connect(self._update_title)
        d.replaced.connect(self._on_replaced)
        d.configured.connect(self._update_counts)
        self.scene.message.connect(self._show_refusal)
        self.scene.node_activated.connect(self.configure_node)
        self.scene.port_activated.connect(self.open_port_viewer)
        self.scene.context_requested.connect(self._context_menu)
        self.repository.add_requested.connect(self.add_node_at_center)
        self.runner.started.connect(self._run_started)
        self.runner.finished.connect(self._run_finished)
        self.runner.crashed.connect(self._run_crashed)
        self.autosaver.saved.connect(self._autosaved)

    # ---- title, status -------------------------------------------------------------------
    def _run_crashed(self, text: str) -> None:
        self.console.log(f"the run stopped unexpectedly: {text}", "error")

    def _autosaved(self, path: str) -> None:
        self.status_label.setText(f"Autosaved to {path}")

    def _update_title(self, *_args) -> None:
        self.setWindowTitle(f"{self.document.title}[*] — Knotwork Studio")
        self.setWindowModified(self.document.modified)

    def _update_counts(self, *_args) -> None:
        wf = self.document.workflow
        states = [wf.state(n.id) for n in wf.nodes]
        self.counts.setText(
            f"{len(states)} nodes · {states.count('executed')} executed · {len(wf.links)} wires"
        )

    def _show_refusal(self, text: str) -> None:
        self.status_label.setText(text)
        self.console.log(text, "warning")

    def _on_replaced(self) -> None:
        for viewer in self.viewers:
            viewer.close()
        self.viewers.clear()
        self._update_title()
        self.view.fit()

    # ---- editing ---------------------------------------------------------------------------
    def add_node_at_center(self, type_id: str) -> str | None:
        center = self.view.mapToScene(self.view.viewport().rect().center())
        offset = 24 * (len(self.document.workflow.nodes) % 5)
        return self.scene.add_node(type_id, center + QPointF(offset, offset))

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
        data = clipboard.read_clipboard()
        if data is None:
            self.status_label.setText("The clipboard holds no Knotwork nodes")
            return False
        nodes, links, anns = clipboard.instantiate(data, self.document.workflow)
        if not nodes and not anns:
            return False
        ok = self.document.push(commands.PasteCommand(self.document.workflow, nodes, links, anns))
        if ok:
            self.scene.select_nodes([n["id"] for n in nodes])
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
            self.document.push(commands.SetSettingsCommand(wf, node_id, values))

    def edit_preferences(self) -> None:
        dialog = PreferencesDialog(self.prefs, self)
        if dialog.exec():
            self.autosaver.set_interval(self.prefs.autosave_seconds)

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

    def _run_started(self) -> None:
        self.cancel_action.setEnabled(True)
        for a in (self.run_all_action, self.run_selected_action, self.reset_action):
            a.setEnabled(False)
        self.progress.setValue(0)
        self.progress.show()
        self.status_label.setText("Running…")

    def _run_finished(self, result) -> None:
        self.cancel_action.setEnabled(False)
        for a in (self.run_all_action, self.run_selected_action, self.reset_action):
            a.setEnabled(True)
        self.progress.hide()
        if result is None:
            self.status_label.setText("The run stopped unexpectedly (see the console)")
        elif result.cancelled:
            self.status_label.setText("Run cancelled")
        elif result.ok:
            self.status_label.setText(f"Executed {len(result.executed)} node(s)")
        else:
            self.status_label.setText(f"{len(result.errors)} node(s) failed (see the console)")
        self._update_counts()

    def _global_progress(self) -> None:
        n = max(1, len(self._run_nodes))
        value = (
            len(self._run_done)
            + sum(f for k, f in self._run_fraction.items() if k not in self._run_done)
        ) / n
        self.progress.setValue(int(1000 * min(1.0, value)))

    def _on_event(self, event: dict) -> None:
        kind = event.get("kind")
        wf = self.document.workflow
        nid = event.get("node")
        label = wf.node(nid).label if nid in wf.graph else nid
        if kind == "run_started":
            self._run_nodes, self._run_done, self._run_fraction = list(event["nodes"]), set(), {}
            self.console.log(f"Run started: {len(self._run_nodes)} node(s)")
        elif kind == "progress":
            self._run_fraction[nid] = event.get("fraction", 0.0)
            self._global_progress()
        elif kind == "state":
            if event["state"] == "executed" and nid in self._run_nodes:
                self._run_done.add(nid)
                self._global_progress()
            elif event["state"] == "failed":
                self.console.log(f"{label} failed: {event.get('message', '')}", "error")
        elif kind == "run_finished":
            if event.get("cancelled"):
                self.console.log("Run cancelled", "warning")
            elif event.get("ok"):
                self.console.log("Run finished", "ok")
            else:
                self.console.log("Run finished with errors", "error")
        elif kind == "console":
            self.console.log(event.get("message", ""), "error")
        elif kind in ("node_added", "node_removed", "connected", "disconnected"):
            self._update_counts()

    # ---- deployment and registry ------------------------------------------------------------
    def deploy(self):
        """Open the Deploy wizard for the selected Deployment Input/Output (or the only pair)."""
        if self.document.running:
            self.status_label.setText("The workflow is running: wait or cancel before deploying")
            return None
        from .deploy_wizard import DeployWizard

        try:
            wizard = DeployWizard(self)
        except KnotworkError as exc:
            self.console.log(f"Cannot deploy: {exc}", "error")
            self.status_label.setText(str(exc).splitlines()[0])
            return None
        self.deploy_wizard = wizard
        wizard.open()
        return wizard

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
        viewer = make_viewer(value)
        viewer.setWindowFlag(Qt.Window)
        viewer.setParent(self, Qt.Window)
        viewer.setWindowTitle(f"{wf.node(node_id).label} — {port_name}")
        viewer.resize(900, 560)
        viewer.show()
        self.viewers.append(viewer)
        return viewer

    # ---- recovery and closing ---------------------------------------------------------------------
    def _offer_recovery(self) -> None:
        self.recoveries = pending_recoveries(self.prefs)
        if not self.recoveries:
            self.banner.hide()
            return
        path, info = self.recoveries[0]
        name = info.get("original") or "an untitled workflow"
        self.banner_text.setText(
            f"Knotwork did not close properly. Recover the unsaved changes to {name} (autosaved {info.get('time', '')})?"
        )
        self.banner.show()

    def recover(self) -> bool:
        if not self.recoveries:
            return False
        path, info = self.recoveries.pop(0)
        try:
            wf = load_recovery(path, info, self.catalog)
        except Exception as exc:
            self.console.log(f"cannot recover {path}: {exc}", "error")
            return False
        self.document.replace(wf)
        self.document.mark_modified()
        self.prefs.drop_autosave(path)
        from pathlib import Path

        Path(path).unlink(missing_ok=True)
        self.console.log(f"Recovered unsaved changes from {path}", "ok")
        self._offer_recovery()
        return True

    def discard_recovery(self) -> None:
        if self.recoveries:
            path, _info = self.recoveries.pop(0)
            self.prefs.drop_autosave(path)
            from pathlib import Path

            Path(path).unlink(missing_ok=True)
        self._offer_recovery()

    def closeEvent(self, event) -> None:
        if not self.files.maybe_save():
            event.ignore()
            return
        if self.runner.running:
            self.runner.cancel()
            self.runner.wait()
        self.autosaver.close()
        for server in self.servers:
            server.terminate()
            server.waitForFinished(3000)
        for viewer in self.viewers:
            viewer.close()
        event.accept()
