"""Deploy… from the studio: the capture scope is highlighted, the wizard lists the
input schema and static inputs, and the bundle is built in the background."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from studio.core import Workflow


def _healthy(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url + "health", timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False


def _scoring_workflow(penguins_csv) -> tuple[Workflow, dict[str, str]]:
    wf = Workflow.new("penguins-small")
    ids = {}
    ids["read"] = wf.add_node(
        "io.csv_reader", settings={"path": str(penguins_csv)}, position=(0, 0)
    ).id
    ids["keep"] = wf.add_node(
        "manipulation.column_filter",
        settings={"mode": "include", "columns": ["species", "bill_length_mm", "flipper_length_mm"]},
        position=(180, 0),
    ).id
    ids["split"] = wf.add_node(
        "validation.partitioning", settings={"column": "species"}, position=(360, 0)
    ).id
    ids["learn"] = wf.add_node(
        "learners.logistic_regression", settings={"target": "species"}, position=(540, -120)
    ).id
    ids["in"] = wf.add_node("deployment.input", position=(540, 80)).id
    ids["predict"] = wf.add_node("scoring.predictor", position=(720, 0)).id
    ids["out"] = wf.add_node("deployment.output", position=(900, 0)).id
    c = wf.connect
    c(ids["read"], 0, ids["keep"], 0)
    c(ids["keep"], 0, ids["split"], 0)
    c(ids["split"], 0, ids["learn"], 0)
    c(ids["split"], 1, ids["in"], 0)
    c(ids["learn"], 0, ids["predict"], 0)
    c(ids["in"], 0, ids["predict"], 1)
    c(ids["predict"], 0, ids["out"], 0)
    return wf, ids


def test_deploy_highlights_the_scope_and_builds_a_bundle_in_the_background(
    qtbot, make_window, penguins_csv, tmp_path, monkeypatch
):
    monkeypatch.setenv("KNOTWORK_HOME", str(tmp_path / "home"))
    wf, ids = _scoring_workflow(penguins_csv)
    window = make_window(wf)
    wizard = window.deploy()
    assert wizard is not None
    highlighted = {nid for nid, item in window.scene.nodes.items() if item.highlighted}
    assert highlighted == {ids["in"], ids["predict"], ids["out"]}
    text = wizard.summary.toPlainText()
    assert "bill_length_mm: number" in text
    assert '"Logistic Regression Learner".model → "Predictor".model' in text
    wizard.output.setText(str(tmp_path / "bundle"))
    with qtbot.waitSignal(wizard.task.done, timeout=60000):
        qtbot.mouseClick(wizard.build_button, Qt.LeftButton)
    manifest = json.loads((tmp_path / "bundle" / "manifest.json").read_text())
    assert manifest["name"] == "penguins-small"
    assert wizard.serve_button.isEnabled()
    assert "parity passed on" in wizard.log.toPlainText()  # words, not a Python bool
    assert not window.document.running
    # One more click serves it locally; the URL shown answers.
    qtbot.mouseClick(wizard.serve_button, Qt.LeftButton)
    url = wizard.url.text().split('"')[1]
    qtbot.waitUntil(lambda: _healthy(url), timeout=60000)
    window.servers[0].terminate()
    window.servers[0].waitForFinished(5000)
    assert window.scene.nodes[ids["out"]].state == "executed"
    wizard.reject()
    assert not any(item.highlighted for item in window.scene.nodes.values())


def test_deploy_without_deployment_nodes_explains_what_to_add(qtbot, window):
    window.document.workflow.add_node("manipulation.column_filter")
    assert window.deploy() is None
    assert "Deployment Input" in window.console.lines[-1]


def test_the_registry_dock_opens_the_workspace_registry(qtbot, window, monkeypatch):
    monkeypatch.delenv("KNOTWORK_REGISTRY_URL", raising=False)
    window.show_registry()
    assert window.registry_dock.isVisible()
    panel = window.registry_dock.widget()
    assert panel.registry.workspace == window.prefs.workspace
    assert (window.prefs.workspace).exists()
    panel.registry.close()


def test_deploy_on_selected_scoring_nodes_inserts_the_deployment_pair_as_one_undoable_step(
    qtbot, make_window, penguins_csv
):
    wf, ids = _scoring_workflow(penguins_csv)
    wf.remove_node(ids["in"])
    wf.remove_node(ids["out"])
    wf.connect(ids["split"], 1, ids["predict"], 1)
    window = make_window(wf)
    window.scene.select_nodes([ids["predict"]])
    wizard = window.deploy()
    assert wizard is not None
    new_in = next(n.id for n in wf.nodes if n.type_id == "deployment.input")
    new_out = next(n.id for n in wf.nodes if n.type_id == "deployment.output")
    assert wf.inputs_of(new_in)["table"].source == ids["split"]
    assert wf.inputs_of(ids["predict"])["table"].source == new_in
    assert wf.inputs_of(new_out)["table"].source == ids["predict"]
    assert {n for n, item in window.scene.nodes.items() if item.highlighted} == {
        new_in,
        ids["predict"],
        new_out,
    }
    wizard.reject()
    window.document.undo_stack.undo()
    assert not any(n.type_id.startswith("deployment.") for n in wf.nodes)
    assert wf.inputs_of(ids["predict"])["table"].source == ids["split"]


def test_capturing_a_selection_without_an_entering_table_says_what_to_select(qtbot, window):
    nid = window.document.workflow.add_node("manipulation.column_filter").id
    window.scene.select_nodes([nid])
    assert window.capture_selection() is None
    assert "no table enters the selection" in window.status_label.text()


def test_the_wizard_lists_the_monitors_the_bundle_will_carry(
    qtbot, make_window, penguins_csv, tmp_path
):
    wf, ids = _scoring_workflow(penguins_csv)
    window = make_window(wf)
    wizard = window.deploy()
    text = wizard.summary.toPlainText()
    assert "Monitors the bundle will carry:" in text
    assert "note: no monitoring node in the workflow: a default Drift Monitor" in text
    wizard.reject()
    drift = wf.add_node(
        "monitoring.drift", "Watch drift", {"columns": ["bill_length_mm"], "drift_share": 0.4}
    ).id
    perf = wf.add_node(
        "monitoring.performance", "Watch accuracy", {"floor": 0.85, "truth_column": "species"}
    ).id
    wf.connect(ids["split"], 1, drift, "rows")
    wf.connect(ids["predict"], 0, perf, "scored")
    wizard = window.deploy()
    text = wizard.summary.toPlainText()
    assert (
        '"Watch drift" (drift): bill_length_mm; alert: dataset drift when 0.4 of the columns '
        "drift; window 1000 rows"
    ) in text
    # the Predictor's spec is known before any run (its probability columns stay open)
    assert '"Watch accuracy" (performance): accuracy; alert: floor 0.85' in text
    assert "default Drift Monitor" not in text
    wizard.resize(900, 760)
    wizard.grab().save(str(tmp_path / "wizard.png"))
    assert (tmp_path / "wizard.png").stat().st_size > 10_000
    wizard.reject()


def test_deploy_captures_through_a_component_holding_the_deployment_pair(
    qtbot, make_window, penguins_csv, tmp_path, monkeypatch
):
    from studio.core.component_edit import collapse

    monkeypatch.setenv("KNOTWORK_HOME", str(tmp_path / "home"))
    wf, ids = _scoring_workflow(penguins_csv)
    component = collapse(wf, [ids["in"], ids["predict"], ids["out"]], "Scoring path")
    window = make_window(wf)
    wizard = window.deploy()
    assert wizard is not None
    highlighted = {nid for nid, item in window.scene.nodes.items() if item.highlighted}
    assert highlighted == {component.id}
    assert "bill_length_mm: number" in wizard.summary.toPlainText()
    wizard.output.setText(str(tmp_path / "bundle"))
    with qtbot.waitSignal(wizard.task.done, timeout=60000):
        qtbot.mouseClick(wizard.build_button, Qt.LeftButton)
    manifest = json.loads((tmp_path / "bundle" / "manifest.json").read_text())
    assert manifest["input_node"]["label"] == "Deployment Input"
    assert "parity passed on" in wizard.log.toPlainText()
    wizard.reject()


def test_the_wizard_refuses_a_failing_validation_report_until_the_user_allows_it(
    qtbot, make_window, penguins_csv, tmp_path, monkeypatch
):
    """Test rows concatenated onto the training rows: the report fails, the build is refused
    with the reason; ticking the override builds and records it in the manifest."""
    monkeypatch.setenv("KNOTWORK_HOME", str(tmp_path / "home"))
    wf, ids = _scoring_workflow(penguins_csv)
    concat = wf.add_node("manipulation.concatenate", position=(360, -200)).id
    report = wf.add_node("validation.validation_report", position=(720, -200)).id
    wf.disconnect(ids["learn"], 0)
    wf.connect(ids["split"], 0, concat, 0)
    wf.connect(ids["split"], 1, concat, 1)
    wf.connect(concat, 0, ids["learn"], 0)
    wf.connect(ids["learn"], 0, report, 0)
    wf.connect(ids["split"], 0, report, 1)
    wf.connect(ids["split"], 1, report, 2)
    window = make_window(wf)
    wizard = window.deploy()
    wizard.output.setText(str(tmp_path / "bundle"))
    with qtbot.waitSignal(wizard.task.failed, timeout=60000):
        qtbot.mouseClick(wizard.build_button, Qt.LeftButton)
    log = wizard.log.toPlainText()
    assert "Validation Report fails" in log and "held-out rows (test)" in log
    assert not (tmp_path / "bundle").exists() and wizard.build_button.isEnabled()
    wizard.allow_failed.setChecked(True)
    with qtbot.waitSignal(wizard.task.done, timeout=60000):
        qtbot.mouseClick(wizard.build_button, Qt.LeftButton)
    manifest = json.loads((tmp_path / "bundle" / "manifest.json").read_text())
    assert manifest["deploy_overrides"]["allowed"] == ["failed_validation"]
    assert "Validation Report: FAIL — built anyway" in wizard.log.toPlainText()
    wizard.reject()
