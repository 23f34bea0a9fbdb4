"""Deploy…: show the capture scope highlighted on the canvas, the input schema, the
static inputs that will be frozen and the validation report; build the bundle in the
background; offer to start a local server. The deployment logic is `studio.deploy`."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from PySide6.QtCore import QProcess
from PySide6.QtWidgets import (
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
    lines.append("Input schema:")
    if spec is None or not hasattr(spec, "columns"):
        lines.append("  (known after the Deployment Input is configured)")
    else:
        lines += [
            f"  {c.name}: {c.dtype}"
            + (f" (role {spec.role_of(c.name)})" if spec.role_of(c.name) != "feature" else "")
            for c in spec.columns
        ]
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

        self.window = window
        self.wf = window.document.workflow
        self.setWindowTitle("Deploy")
        self.input_node, self.output_node = _pair_from_selection(
            self.wf, window.scene.selected_node_ids()
        )
        self.scope = capture(self.wf, self.input_node, self.output_node, require_results=False)
        window.scene.highlight(self.scope.nodes)
        self.summary = QPlainTextEdit(describe_scope(self.wf, self.scope))
        self.summary.setReadOnly(True)
        default_name = (
            self.wf.path.name.split(".")[0] if self.wf.path else self.wf.name or "model"
        ).replace(" ", "-")
        self.name = QLineEdit(default_name)
        self.version = QLineEdit()
        self.version.setPlaceholderText("automatic (next version)")
        self.output = QLineEdit(str(window.prefs.workspace / "bundles" / default_name))
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumHeight(120)
        self.build_button = QPushButton("Build bundle")
        self.serve_button = QPushButton("Start local server")
        self.serve_button.setEnabled(False)
        self.url = QLabel()
        self.url.setOpenExternalLinks(True)
        self.audit = QLabel("Dependency audit: recorded when the bundle is built")
        self.audit.setWordWrap(True)
        close = QPushButton("Close")
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Version", self.version)
        form.addRow("Bundle path (.zip for one file)", self.output)
        buttons = QHBoxLayout()
        buttons.addWidget(self.build_button)
        buttons.addWidget(self.serve_button)
        buttons.addWidget(self.url, 1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "The highlighted nodes are captured; their fitted state and the static inputs are frozen."
            )
        )
        layout.addWidget(self.summary, 1)
        layout.addLayout(form)
        layout.addWidget(self.log)
        layout.addWidget(self.audit)
        layout.addLayout(buttons)
        self.resize(720, 640)
        self.task = TaskRunner(window.document, self)
        self.task.progress.connect(self._say)
        self.task.done.connect(self._built)
        self.task.failed.connect(self._failed)
        self.build_button.clicked.connect(self.build)
        self.serve_button.clicked.connect(self.serve)
        close.clicked.connect(self.reject)
        self.finished.connect(self._cleanup)
        self.result = None
        self.server: QProcess | None = None

    def _say(self, text: str) -> None:
        self.log.appendPlainText(text)

    def build(self) -> bool:
        from studio.deploy import build_bundle

        wf, path = self.wf, Path(self.output.text()).expanduser()
        name, version = self.name.text().strip() or None, self.version.text().strip() or None
        inp, out = self.scope.input_node, self.scope.output_node

        def work(say):
            return build_bundle(
                wf,
                path,
                name=name,
                version=version,
                input_node=inp,
                output_node=out,
                on_progress=say,
            )

        self.build_button.setEnabled(False)
        self._say(f"building {path} …")
        return self.task.start(work)

    def _built(self, result) -> None:
        self.result = result
        parity = result.parity
        for note in result.notes:
            self._say(note)
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
        self.show_audit(result.manifest)
        self.summary.setPlainText(describe_scope(self.wf, self.scope))
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
        """Start `knotwork serve` on a free local port as a child process of the studio."""
        if self.result is None:
            return
        port = _free_port()
        self.server = QProcess(self.window)
        self.server.setProgram(sys.executable)
        self.server.setArguments(
            [
                "-m",
                "studio.cli.main",
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
        self.window.console.log(f"Serving {self.result.path} at {url}", "ok")

    def _server_stopped(self, code: int, _status=None) -> None:
        if code != 0 and self.server is not None:
            tail = (
                bytes(self.server.readAllStandardError())
                .decode("utf-8", "replace")
                .strip()
                .splitlines()[-3:]
            )
            self.window.console.log(
                f"the local server stopped (exit {code}): " + " | ".join(tail), "error"
            )

    def _cleanup(self, _code: int) -> None:
        self.window.scene.highlight(set())
