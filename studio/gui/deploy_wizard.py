"""Deploy…: show the capture scope highlighted on the canvas (the dialog sits beside
it), the input schema, the static inputs that will be frozen and the validation report;
build the bundle in the background, register it in the registry; start and stop a local
server. The deployment logic is `studio.deploy`, the registry's `studio.registry`."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from PySide6.QtCore import QProcess, QRectF, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core import KnotworkError, Metrics, PortType
from studio.core.ports import ModelSpec

from .runner import TaskRunner

INPUT_TYPE, OUTPUT_TYPE = "deployment.input", "deployment.output"


def _pair_from_selection(wf, selected: list[str]) -> tuple[str | None, str | None]:
    """The Deployment Input/Output among the selection (None: let capture find them)."""
    inputs = [n for n in selected if wf.node(n).type_id == INPUT_TYPE]
    outputs = [n for n in selected if wf.node(n).type_id == OUTPUT_TYPE]
    return (inputs[0] if len(inputs) == 1 else None, outputs[0] if len(outputs) == 1 else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_targets(wf, scope, spec) -> set[str]:
    """Columns that pass the Deployment Input in training only (what the models predict, the
    target role): clients do not send them, the service answers them (see the bundle build)."""
    targets = set(spec.columns_with_role("target")) if hasattr(spec, "columns_with_role") else set()
    report = wf.configure()
    for lk in scope.static_inputs:
        specs = report.output_specs(lk.source) or []
        names = [p.name for p in wf.node_type(lk.source).outputs]
        value = specs[names.index(lk.source_port)] if lk.source_port in names else None
        if isinstance(value, ModelSpec) and value.target:
            targets.add(value.target)
    return targets


def describe_scope(wf, scope) -> str:
    """Scope, input schema, static inputs and validation report, as plain text."""
    lines = [
        f"Captured nodes ({len(scope.order)}): " + ", ".join(wf.node(n).label for n in scope.order),
        "",
    ]
    try:
        spec = scope.input_spec(wf)
    except KnotworkError:
        spec = None
    lines.append("Input schema (what clients send):")
    if spec is None or not hasattr(spec, "columns"):
        lines.append("  (known after the Deployment Input is configured)")
    else:
        targets = service_targets(wf, scope, spec)
        lines += [
            f"  {c.name}: {c.dtype}"
            + (f" (role {spec.role_of(c.name)})" if spec.role_of(c.name) != "feature" else "")
            for c in spec.columns
            if c.name not in targets
        ]
        if targets & set(spec.names):
            lines.append(
                "  not sent by clients: "
                + ", ".join(sorted(targets & set(spec.names)))
                + " (the target: the service answers it)"
            )
    lines += ["", "Static inputs frozen into the bundle:"]
    lines += [
        f'  "{wf.node(lk.source).label}".{lk.source_port} → "{wf.node(lk.target).label}".{lk.target_port}'
        for lk in scope.static_inputs
    ] or ["  (none)"]
    lines += [
        "",
        "Stateful nodes keeping their fitted state: "
        + (", ".join(wf.node(n).label for n in scope.stateful_nodes) or "none"),
    ]
    lines += ["", "Monitors the bundle will carry:", *monitor_lines(wf)]
    reports = [n for n in wf.nodes if n.type_id == "validation.validation_report"]
    lines += ["", "Validation report:"]
    if not reports:
        lines.append("  (the workflow has no Validation Report node)")
    for r in reports:
        ports = [p.name for p in wf.node_type(r.id).outputs if p.type == PortType.METRICS]
        value = wf.output(r.id, ports[0]) if ports else None
        if not isinstance(value, Metrics):
            lines.append(f'  "{r.label}" has not run yet: it runs during the build')
            continue
        lines.append(f'  "{r.label}": {value.values.get("status", "?")}')
        for check in value.values.get("checks", []):
            if isinstance(check, dict):
                lines.append(
                    f"    [{check.get('status')}] {check.get('check')}: {check.get('message', '')}"
                )
    return "\n".join(lines)


def monitor_lines(wf) -> list[str]:
    """The monitors a build would carry (from the Monitoring nodes, or the default one)."""
    from studio.deploy.monitoring import planned_monitors

    planned, notes = planned_monitors(wf)
    lines = []
    for m in planned:
        if "problem" in m:
            lines.append(f'  "{m["name"]}": {m["problem"]}')
            continue
        lines.append(
            f'  "{m["name"]}" ({m["kind"]}): {m["watches"]}; alert: {m["threshold"]}; '
            f"window {m['window']}"
        )
    return lines + [f"  note: {n}" for n in notes]


class DeployWizard(QDialog):
    def __init__(self, window, parent: QWidget | None = None):
        super().__init__(parent or window)
        from studio.deploy import capture
        from studio.registry.database import registry_url, safe_url

        self.window = window
        self.wf = window.document.workflow
        self.setWindowTitle("Deploy")
        self.input_node, self.output_node = _pair_from_selection(
            self.wf, window.scene.selected_node_ids()
        )
        # Components are captured through: the scope is found on the flattened workflow
        # (what the build deploys) and highlighted on the components that hold it.
        flat, origin = self._captured()
        self.scope = capture(flat, self.input_node, self.output_node, require_results=False)
        window.scene.highlight({origin.get(n, n) for n in self.scope.nodes})
        self.summary = QPlainTextEdit(describe_scope(flat, self.scope))
        self.summary.setReadOnly(True)
        default_name = (
            self.wf.path.name.split(".")[0] if self.wf.path else self.wf.name or "model"
        ).replace(" ", "-")
        self.name = QLineEdit(default_name)
        self.version = QLineEdit()
        self.version.setPlaceholderText("automatic (next version)")
        self.output = QLineEdit(str(window.prefs.workspace / "bundles" / default_name))
        # The studio's registry is the workspace's (or KNOTWORK_REGISTRY_URL's), the one the
        # Model Registry dock shows: registering is on unless it cannot be located.
        try:
            where = safe_url(registry_url(self._registry_location()))
        except KnotworkError as exc:
            where = None
            reason = str(exc)
        self.register = QCheckBox("Register in the registry and promote to dev")
        self.register.setChecked(where is not None)
        self.register.setEnabled(where is not None)
        self.register.setToolTip(where or f"no registry: {reason}")
        # The deploy gates refuse these; overriding one is recorded in the manifest and audit log.
        self.allow_failed = QCheckBox("Build even when the Validation Report fails")
        self.allow_failed.setToolTip(
            "recorded in the bundle's manifest and in the registry's audit log"
        )
        self.allow_fit = QCheckBox("Allow a learner's fit inside the captured nodes")
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumHeight(120)
        self.build_button = QPushButton("Build bundle")
        self.serve_button = QPushButton("Start local server")
        self.serve_button.setEnabled(False)
        self.stop_button = QPushButton("Stop local server")
        self.stop_button.setEnabled(False)
        self.url = QLabel()
        self.url.setOpenExternalLinks(True)
        self.audit = QLabel("Dependency audit: recorded when the bundle is built")
        self.audit.setWordWrap(True)
        close = QPushButton("Close")
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Version", self.version)
        form.addRow("Bundle path (.zip for one file)", self.output)
        form.addRow("", self.register)
        form.addRow("Gates", self.allow_failed)
        form.addRow("", self.allow_fit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.build_button)
        buttons.addWidget(self.serve_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.url, 1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        hint = QLabel(
            "The highlighted nodes are captured; their fitted state and the static inputs are frozen."
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        layout.addWidget(self.summary, 1)
        layout.addLayout(form)
        layout.addWidget(self.log)
        layout.addWidget(self.audit)
        layout.addLayout(buttons)
        self.resize(580, 720)
        self.task = TaskRunner(window.document, self)
        self.task.progress.connect(self._say)
        self.task.done.connect(self._built)
        self.task.failed.connect(self._failed)
        self.build_button.clicked.connect(self.build)
        self.serve_button.clicked.connect(self.serve)
        self.stop_button.clicked.connect(self.stop_server)
        close.clicked.connect(self.reject)
        self.finished.connect(self._cleanup)
        self.result = None
        self.registered = None  # the RegisteredVersion of the last build, when registered
        # A server started by an earlier Deploy dialog can be stopped from this one.
        running = [p for p in window.servers if p.state() != QProcess.NotRunning]
        self.server: QProcess | None = running[-1] if running else None
        self.stop_button.setEnabled(self.server is not None)

    def _captured(self):
        """The workflow the build captures (components expanded) and each node's origin."""
        from studio.core.component import is_component_type
        from studio.core.component_edit import flatten

        if any(is_component_type(n.type_id) for n in self.wf.nodes):
            return flatten(self.wf)
        return self.wf, {n.id: n.id for n in self.wf.nodes}

    def _registry_location(self) -> str | None:
        if os.environ.get("KNOTWORK_REGISTRY_URL"):
            return None
        from studio.registry.database import DB_FILE, STATE_DIR

        return str(self.window.prefs.workspace / STATE_DIR / DB_FILE)

    def place_beside_scope(self) -> None:
        """Put the dialog at the right edge of the window and the captured nodes in view
        in the part of the canvas it leaves free, so the highlight stays visible."""
        window, view = self.window, self.window.view
        frame = window.frameGeometry()
        self.move(frame.right() - self.frameGeometry().width() - 8, frame.top() + 60)
        items = [window.scene.nodes[n] for n in self.scope.nodes if n in window.scene.nodes]
        if not items:
            return
        rect = QRectF()
        for item in items:
            rect = rect.united(item.sceneBoundingRect())
        covered = view.mapFromGlobal(self.frameGeometry().topLeft()).x()
        free = max(0.25, min(1.0, covered / max(1, view.viewport().width())))
        rect = rect.adjusted(-40, -40, 40, 40)
        rect.setWidth(rect.width() / free)  # the padding lies under the dialog
        # The view may scroll past the workflow's edge while the dialog is open (undone on close).
        view.setSceneRect(window.scene.sceneRect().united(rect))
        view.fitInView(rect, Qt.KeepAspectRatio)
        if view.zoom > 1.5:
            view.zoom_by(1.5 / view.zoom)

    def _say(self, text: str) -> None:
        self.log.appendPlainText(text)

    def build(self) -> bool:
        from studio.deploy import build_bundle
        from studio.deploy.gates import DeployOverrides

        overrides = DeployOverrides(
            allow_failed_validation=self.allow_failed.isChecked(),
            allow_fit_in_scope=self.allow_fit.isChecked(),
        )
        wf, path = self.wf, Path(self.output.text()).expanduser()
        name, version = self.name.text().strip() or None, self.version.text().strip() or None
        # ids inside a component exist only in the flattened copy: the build finds those itself
        inp, out = (
            n if n in wf.graph else None for n in (self.scope.input_node, self.scope.output_node)
        )
        location = self._registry_location() if self.register.isChecked() else False
        workspace = self.window.prefs.workspace

        def work(say):
            registry = _open_registry(location, workspace)
            try:
                chosen = version
                if registry is not None and chosen is None:
                    chosen = _version_past_registry(registry, wf, name, path)
                result = build_bundle(
                    wf,
                    path,
                    name=name,
                    version=chosen,
                    input_node=inp,
                    output_node=out,
                    on_progress=say,
                    overrides=overrides,
                )
                return result, _register(registry, result.path, say)
            finally:
                if registry is not None:
                    registry.close()

        self.build_button.setEnabled(False)
        self._say(f"building {path} …")
        return self.task.start(work)

    def _built(self, outcome) -> None:
        result, (registered, note) = outcome
        self.result, self.registered = result, registered
        parity = result.parity
        for line in result.notes:
            self._say(line)
        verdict = (
            f"passed on {parity.get('rows', '?')} held-out rows "
            f"(max numeric difference {parity.get('max_abs_diff', 0):.3g})"
            if parity.get("passed")
            else "FAILED"
        )
        self._say(
            f"bundle written: {result.path} (version {result.manifest.get('version')}); parity {verdict}"
        )
        self.window.console.log(f"Deployed bundle {result.path}", "ok")
        gate = result.manifest.get("deploy_overrides") or {}
        status = gate.get("validation_status", "none")
        self._say(
            "Validation Report: "
            + {"fail": "FAIL — built anyway, as you allowed", "none": "none judged this model"}.get(
                status, status
            )
        )
        self._say(f"frozen tables: {len(result.manifest.get('frozen_tables') or []) or 'none'}")
        self.show_audit(result.manifest)
        if note:
            self._say(note)
            self.window.console.log(note, "ok" if registered is not None else "warning")
        if self.register.isChecked() and self.window.registry_dock is not None:
            self.window.registry_dock.widget().refresh()
        self.summary.setPlainText(describe_scope(self._captured()[0], self.scope))
        self.build_button.setEnabled(True)
        self.serve_button.setEnabled(True)

    def show_audit(self, manifest: dict) -> None:
        """The audit the manifest records, judged by the workspace's audit policy."""
        from studio.security.audit_policy import load_policy
        from studio.security.findings import recorded_summary

        policy = load_policy(workspace=self.window.prefs.workspace)[0]
        text = recorded_summary(manifest.get("audit"), policy)
        self.audit.setText(f"Dependency audit: {text}")
        failed = not text.startswith("passes")
        self.audit.setStyleSheet("color: #b3261e;" if failed else "")
        self._say(f"audit: {text}")

    def _failed(self, text: str) -> None:
        self._say(f"build failed: {text}")
        self.window.console.log(f"Deploy failed: {text}", "error")
        self.build_button.setEnabled(True)

    def serve(self) -> None:
        """Start `knotwork serve` on a free local port as a child that ends with the studio
        (studio.cli.lifeline: it stops when the studio's end of its stdin closes)."""
        if self.result is None:
            return
        port = _free_port()
        self.server = QProcess(self.window)
        self.server.setProgram(sys.executable)
        self.server.setArguments(
            [
                "-m",
                "studio.cli.lifeline",
                "serve",
                str(self.result.path),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ]
        )
        # The server's monitoring log goes beside the bundle, not wherever the studio started.
        self.server.setWorkingDirectory(str(Path(self.result.path).resolve().parent))
        self.server.finished.connect(self._server_stopped)
        self.server.start()
        url = f"http://127.0.0.1:{port}/"
        self.url.setText(f'<a href="{url}">{url}</a>')
        self.window.servers.append(self.server)
        self.stop_button.setEnabled(True)
        self.window.console.log(f"Serving {self.result.path} at {url}", "ok")

    def stop_server(self) -> None:
        server = self.server
        if server is None or server.state() == QProcess.NotRunning:
            self.stop_button.setEnabled(False)
            return
        server.terminate()
        if not server.waitForFinished(5000):
            server.kill()
            server.waitForFinished(2000)
        self.stop_button.setEnabled(False)
        self.url.setText("local server stopped")
        self.window.console.log("Stopped the local server", "ok")

    def _server_stopped(self, code: int, status=None) -> None:
        server = self.sender() if isinstance(self.sender(), QProcess) else self.server
        if server is self.server:
            self.stop_button.setEnabled(False)
        if code != 0 and status != QProcess.CrashExit and server is not None:
            tail = (
                bytes(server.readAllStandardError())
                .decode("utf-8", "replace")
                .strip()
                .splitlines()[-3:]
            )
            self.window.console.log(
                f"the local server stopped (exit {code}): " + " | ".join(tail), "error"
            )

    def _cleanup(self, _code: int) -> None:
        self.window.scene.highlight(set())
        self.window.view.setSceneRect(QRectF())  # back to the workflow's own extent


def _open_registry(location, workspace):
    """The registry the Model Registry dock shows (None when not registering)."""
    if location is False:
        return None
    from studio.registry import Registry

    return Registry(location, workspace=workspace)


def _version_past_registry(registry, wf, name: str | None, path: Path) -> str:
    """An automatic version also counts what the registry holds under that name, so a bundle
    written to a fresh folder does not collide with a registered one (as `deploy --register`)."""
    from studio.deploy.versions import default_name, next_version
    from studio.registry import NotFoundError

    name = name or default_name(wf.path, wf.name, path)
    try:
        taken = [v.version for v in registry.model(name).versions]
    except NotFoundError:
        taken = []
    return next_version(path, name, taken)


def _register(registry, path: Path, say) -> tuple[object | None, str]:
    """Register the bundle and move dev to it; (the version record, what to tell the user)."""
    if registry is None:
        return None, ""
    from studio.registry import register_bundle
    from studio.registry.errors import PromotionRefusedError

    say("registering in the registry")
    try:
        info = register_bundle(
            path, registry=registry, env="dev", reason="registered from the studio"
        )
    except PromotionRefusedError as exc:
        return None, f"registered, but not promoted to dev: {exc}"
    except KnotworkError as exc:
        return None, f"bundle written, but not registered: {exc}"
    return info, f"registered as {info.model}:{info.version} and promoted to dev"
