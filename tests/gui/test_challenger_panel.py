"""The registry dock's champion/challenger tab on real trained bundles: Retrain runs the
training workflow in the background with a progress bar and registers the challenger;
Compare scores both on the store's labelled rows and shows the verdict."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from studio.deploy import Bundle  # noqa: E402
from studio.gui.registry_panel import RegistryPanel  # noqa: E402
from studio.retrain import retrain  # noqa: E402
from tests.retrain.conftest import (  # noqa: E402, F401  (fixtures)
    registry,
    stream,
    training_workflow,
    workspace,
)
from tests.retrain.test_compare_gate import log_scored  # noqa: E402


def test_retrain_in_the_background_then_compare_champion_and_challenger(
    qtbot,
    workspace,  # noqa: F811
    registry,  # noqa: F811
):
    csv = workspace / "old.csv"
    stream(600, seed=1).to_csv(csv, index=False)
    first = retrain(training_workflow(workspace, csv=csv), registry, challenger_of="stream@prod")
    for env in ("test", "prod"):
        registry.promote("stream:1", env)
    store_url = f"sqlite:///{workspace / 'monitor.db'}"
    log_scored(Bundle.load(first.path), stream(300, seed=3, drifted=True), store_url, "live")

    panel = RegistryPanel(registry)
    qtbot.addWidget(panel)
    panel.resize(1100, 720)
    panel.show()
    panel.refresh()
    tab = panel.challenger
    panel.tabs.setCurrentWidget(tab)
    assert tab.env.currentText() == "prod"
    assert tab.champion.text() == "stream:1" and tab.challenger.text() == "stream:1"
    assert tab.workflow.text().endswith("stream-csv.knotwork.json")  # where v1 came from

    tab.workflow.setText(str(training_workflow(workspace, store=store_url)))
    with qtbot.waitSignal(tab.retrained, timeout=120_000) as done:
        assert tab.start_retrain()
        assert tab.progress.isVisible() and not tab.retrain_button.isEnabled()
    assert done.args[0].version == "2"
    assert tab.challenger.text() == "stream:2" and "challenges stream:1" in tab.lineage.text()
    assert tab.progress.value() == tab.progress.maximum() or not tab.progress.isVisible()
    assert "2" in [panel.versions.item(r, 0).text() for r in range(panel.versions.rowCount())]

    tab.since.setText("1h")
    with qtbot.waitSignal(tab.compared, timeout=60_000) as compared:
        assert tab.start_compare()
    assert compared.args[0].verdict == "better"
    assert "verdict: better" in tab.comparison.toPlainText()
    assert "accuracy *" in tab.comparison.toPlainText()
    panel.grab().save("/tmp/retrain-shot.png")


def test_retrain_without_a_workflow_says_so(qtbot, workspace, registry):  # noqa: F811
    panel = RegistryPanel(registry)
    qtbot.addWidget(panel)
    panel.refresh()
    panel.challenger.workflow.setText(str(workspace / "missing.knotwork.json"))
    assert not panel.challenger.start_retrain()
    assert "no training workflow at" in panel.challenger.status.text()
