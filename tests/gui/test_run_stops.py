"""Runs stop when asked: Cancel says so at once and ends a long learner in its worker
process; closing the window mid-run cancels, waits a bounded time, then leaves."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd

from studio.core import Catalog, NodeType, Port, PortType, Workflow, default_catalog

from .gestures import click_toolbar

RELEASE = threading.Event()


class Deaf(NodeType):
    """Test-only: runs in the studio's own process and ignores the cancel flag until released."""

    type_id = "test.deaf"
    name = "Deaf"
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)

    def configure(self, s, specs, ctx):
        return [specs[0]]

    def execute(self, s, inputs, ctx):
        ctx.progress(0.01, "started")
        RELEASE.wait()
        return [inputs[0]]


def _long_forest(tmp_path, catalog=None) -> Workflow:
    """A Random Forest of 5000 trees on 100,000 rows: many minutes unless stopped."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(100_000, 4)), columns=list("abcd"))
    df["y"] = np.where(df["a"] + rng.normal(size=len(df)) > 0, "yes", "no")
    csv = tmp_path / "many.csv"
    df.to_csv(csv, index=False)
    wf = Workflow.new("long", catalog)
    wf.add_node("io.csv_reader", "Rows", {"path": str(csv)}, position=(0, 0))
    wf.add_node(
        "learners.random_forest_classifier",
        "Forest",
        {"target": "y", "n_estimators": 5000},
        position=(200, 0),
    )
    wf.connect("Rows", 0, "Forest", 0)
    return wf


def _executing(qtbot, window, label: str) -> str:
    nid = window.document.workflow.node(label).id
    item = window.scene.nodes[nid]
    qtbot.waitUntil(lambda: item.state == "executing", timeout=120_000)
    return nid


def test_cancel_says_cancelling_at_once_and_stops_a_long_learner_promptly(
    qtbot, make_window, tmp_path
):
    window = make_window(_long_forest(tmp_path))
    assert window.run_all()
    forest = _executing(qtbot, window, "Forest")
    with qtbot.waitSignal(window.runner.finished, timeout=30_000) as run:
        click_toolbar(qtbot, window, window.cancel_action)
        assert window.status_label.text() == "Cancelling…"  # before the run has stopped
        assert not window.cancel_action.isEnabled()
        assert window.runner.running
    assert run.args[0].cancelled
    assert window.status_label.text() == "Run cancelled"
    assert window.scene.nodes[forest].state == "configured"
    assert window.document.workflow.output(forest) is None
    assert window.scene.nodes[window.document.workflow.node("Rows").id].state == "executed"
    window.grab().save(str(tmp_path / "cancelled.png"))


def test_closing_during_a_long_run_cancels_it_and_closes(qtbot, make_window, tmp_path):
    window = make_window(_long_forest(tmp_path))
    assert window.run_all()
    _executing(qtbot, window, "Forest")
    assert not window.close()  # the close waits for the run to stop
    assert window.status_label.text() == "Stopping the run before closing…"
    assert window.isVisible()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)
    assert not window.runner.running
    assert window.runner.last_result.cancelled


def test_closing_leaves_after_a_bounded_wait_when_a_node_ignores_cancel(
    qtbot, make_window, tmp_path
):
    catalog = Catalog([*default_catalog().all(), Deaf])
    wf = Workflow.new("deaf", catalog)
    csv = tmp_path / "t.csv"
    csv.write_text("a\n1\n")
    wf.add_node("io.csv_reader", "Rows", {"path": str(csv)}, position=(0, 0))
    wf.add_node("test.deaf", "Deaf", position=(200, 0))
    wf.connect("Rows", 0, "Deaf", 0)
    window = make_window(wf, catalog=catalog)
    window.close_wait_ms = 300
    RELEASE.clear()
    try:
        assert window.run_all()
        _executing(qtbot, window, "Deaf")
        window.close()
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)
        assert window.busy()  # it left without the run: the studio exits without waiting
        assert "The run did not stop in time" in window.console.lines[-1]
    finally:
        RELEASE.set()
        window.runner.wait()
