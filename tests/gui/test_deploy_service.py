"""The Deploy dialog registers what it builds (the Model Registry dock shows it), keeps
the target out of the service input, sits beside the highlighted scope, and starts and
stops its local server, which also ends when the studio's end of its stdin goes."""

from __future__ import annotations

from PySide6.QtCore import QProcess, QRect, Qt

from studio.core import Workflow
from tests.core.builders import ROOT

from .test_deploy import _healthy, _scoring_workflow

TEMPLATE = ROOT / "workspace_templates" / "penguins" / "penguins.knotwork.json"


def test_build_registers_the_bundle_and_the_registry_dock_shows_it(
    qtbot, make_window, penguins_csv, tmp_path, monkeypatch
):
    monkeypatch.setenv("KNOTWORK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KNOTWORK_REGISTRY_URL", raising=False)
    wf, ids = _scoring_workflow(penguins_csv)
    window = make_window(wf)
    window.show_registry()
    panel = window.registry_dock.widget()
    assert panel.models.count() == 0
    wizard = window.deploy()
    assert wizard.register.isChecked()  # on: the studio's registry is the workspace's
    assert "registry.db" in wizard.register.toolTip()
    # Not a service input: the species is what the service answers.
    schema = wizard.summary.toPlainText().split("Static inputs")[0]
    assert "bill_length_mm: number" in schema
    assert "species:" not in schema
    assert "not sent by clients: species" in schema
    wizard.output.setText(str(tmp_path / "bundle"))
    with qtbot.waitSignal(wizard.task.done, timeout=120_000):
        qtbot.mouseClick(wizard.build_button, Qt.LeftButton)
    assert "registered as penguins-small:1 and promoted to dev" in wizard.log.toPlainText()
    assert [panel.models.item(i).text() for i in range(panel.models.count())] == ["penguins-small"]
    assert "dev</b>: 1" in panel.environments.text()
    wizard.grab().save(str(tmp_path / "deploy.png"))

    # The local server: started and stopped from the dialog.
    qtbot.mouseClick(wizard.serve_button, Qt.LeftButton)
    url = wizard.url.text().split('"')[1]
    qtbot.waitUntil(lambda: _healthy(url), timeout=60_000)
    assert wizard.stop_button.isEnabled()
    server = wizard.server
    qtbot.mouseClick(wizard.stop_button, Qt.LeftButton)
    assert server.state() == QProcess.NotRunning
    assert not _healthy(url)
    assert wizard.url.text() == "local server stopped"

    # A server whose studio went away (its stdin closed, as when the studio is killed) ends.
    qtbot.mouseClick(wizard.serve_button, Qt.LeftButton)
    url = wizard.url.text().split('"')[1]
    qtbot.waitUntil(lambda: _healthy(url), timeout=60_000)
    orphan = wizard.server
    orphan.closeWriteChannel()
    assert orphan.waitForFinished(30_000)
    assert not _healthy(url)
    wizard.reject()


def test_the_dialog_leaves_the_captured_nodes_in_view(qtbot, make_window):
    window = make_window(Workflow.load(TEMPLATE))  # its scope ends at the workflow's right edge
    window.view.fit()
    wizard = window.deploy()
    qtbot.waitExposed(wizard)
    dialog = wizard.frameGeometry()
    view = window.view
    assert len(wizard.scope.nodes) == 6
    for nid in wizard.scope.nodes:
        item = window.scene.nodes[nid]
        box = view.mapFromScene(item.sceneBoundingRect()).boundingRect()
        top_left = view.viewport().mapToGlobal(box.topLeft())
        on_screen = QRect(top_left, box.size())
        assert view.viewport().rect().contains(box), nid  # inside the canvas
        assert not on_screen.intersects(dialog), nid  # and not under the dialog
    window.grab().save(str(window.prefs.workspace.parent / "beside.png"))
    wizard.reject()


def test_closing_the_studio_stops_its_local_servers(
    qtbot, make_window, penguins_csv, tmp_path, monkeypatch
):
    monkeypatch.setenv("KNOTWORK_HOME", str(tmp_path / "home"))
    wf, ids = _scoring_workflow(penguins_csv)
    window = make_window(wf)
    wizard = window.deploy()
    wizard.register.setChecked(False)
    wizard.output.setText(str(tmp_path / "bundle"))
    with qtbot.waitSignal(wizard.task.done, timeout=120_000):
        qtbot.mouseClick(wizard.build_button, Qt.LeftButton)
    assert "registered" not in wizard.log.toPlainText()
    qtbot.mouseClick(wizard.serve_button, Qt.LeftButton)
    url = wizard.url.text().split('"')[1]
    qtbot.waitUntil(lambda: _healthy(url), timeout=60_000)
    server = wizard.server
    wizard.reject()
    assert window.close()
    assert server.state() == QProcess.NotRunning
    assert not _healthy(url)
