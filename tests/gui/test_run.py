"""Runs happen off the GUI thread: progress reaches the node and the status bar, a
long run can be cancelled, and Execute Selected runs only what the selection needs."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import QPointF

from studio.core import Catalog, NodeType, Port, PortType, Table, default_catalog
from studio.gui.commands import AddNodeCommand
from tests.core.builders import zero_ratio

from .gestures import click_toolbar, drop_node, wire


class SlowSource(NodeType):
    """Test-only: counts for a very long time, reporting progress and checking for cancel."""

    type_id = "test.slow_source"
    name = "Slow Source"
    category = "Test"
    description = "Counts to a billion unless cancelled."
    outputs = (Port("table", PortType.TABLE),)

    def execute(self, settings, inputs, ctx):
        total = 1_000_000_000
        for i in range(total):
            if i % 200_000 == 0:
                ctx.progress(
                    min(0.99, i / 2_000_000), "counting"
                )  # raises CancelledError once cancelled
        return [Table(pd.DataFrame({"n": [total]}))]


class QuickSource(NodeType):
    type_id = "test.quick_source"
    name = "Quick Source"
    category = "Test"
    description = "Three rows."
    outputs = (Port("table", PortType.TABLE),)

    def configure(self, settings, specs, ctx):
        return [Table(pd.DataFrame({"n": [1, 2, 3]})).spec()]

    def execute(self, settings, inputs, ctx):
        return [Table(pd.DataFrame({"n": [1, 2, 3]}))]


def _catalog() -> Catalog:
    return Catalog([SlowSource, QuickSource, default_catalog().get("manipulation.column_filter")])


def test_a_long_run_shows_progress_and_is_cancelled_from_the_toolbar(qtbot, make_window):
    window = make_window(catalog=_catalog())
    slow = drop_node(window, "test.slow_source", QPointF(0, 0))
    assert window.run_all()
    item = window.scene.nodes[slow]
    qtbot.waitUntil(lambda: item.state == "executing" and item.progress >= 0.1, timeout=20000)
    assert window.progress.isVisible() and window.progress.value() > 0
    # The graph belongs to the run: edits and undo are refused until it ends.
    assert not window.undo_action.isEnabled()
    window.undo()
    assert slow in window.document.workflow.graph
    assert not window.document.push(
        AddNodeCommand(window.document.workflow, "test.quick_source", (0, 200))
    )
    with qtbot.waitSignal(window.runner.finished, timeout=20000) as run:
        click_toolbar(qtbot, window, window.cancel_action)
    result = run.args[0]
    assert result.cancelled and not result.ok
    assert item.state == "configured"
    assert window.document.workflow.output(slow) is None
    assert not window.progress.isVisible()
    assert "Run cancelled" in window.console.lines
    assert window.undo_action.isEnabled()
    assert window.document.push(
        AddNodeCommand(window.document.workflow, "test.quick_source", (0, 200))
    )


def test_execute_selected_runs_the_selection_and_its_upstream_only(qtbot, make_window):
    window = make_window(catalog=_catalog())
    wf = window.document.workflow
    src = drop_node(window, "test.quick_source", QPointF(0, 0))
    first = drop_node(window, "manipulation.column_filter", QPointF(200, 0))
    other = drop_node(window, "manipulation.column_filter", QPointF(200, 200))
    wire(window, src, 0, first, 0)
    wire(window, src, 0, other, 0)
    window.scene.select_nodes([first])
    with qtbot.waitSignal(window.runner.finished, timeout=20000) as run:
        click_toolbar(qtbot, window, window.run_selected_action)
    assert sorted(run.args[0].executed) == sorted([src, first])
    assert window.scene.nodes[first].state == "executed"
    assert window.scene.nodes[other].state == "configured"
    assert list(wf.output(first).df["n"]) == [1, 2, 3]
    # Reset the source: it and everything downstream forget their results.
    window.scene.select_nodes([src])
    click_toolbar(qtbot, window, window.reset_action)
    assert wf.output(first) is None and window.scene.nodes[first].state == "configured"


def test_a_failing_node_turns_red_with_its_message_in_the_console_and_tooltip(
    qtbot, window, tmp_path
):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    wf = window.document.workflow
    reader = drop_node(window, "io.csv_reader", QPointF(0, 0))
    filt = drop_node(window, "manipulation.column_filter", QPointF(200, 0))
    wire(window, reader, 0, filt, 0)
    window._apply_settings(reader, {**wf.node(reader).settings, "path": str(bad)})
    window._apply_settings(filt, {**wf.node(filt).settings, "mode": "include", "columns": ["a"]})
    bad.unlink()  # the file disappears before the run
    with qtbot.waitSignal(window.runner.finished, timeout=20000):
        window.run_all()
    item = window.scene.nodes[reader]
    assert item.state == "failed"
    assert "file not found" in item.toolTip()
    assert any("file not found" in line for line in window.console.lines)


def test_a_node_warning_is_shown_in_the_console_with_the_node_label(qtbot, window, tmp_path):
    window.document.replace(zero_ratio(tmp_path))
    with qtbot.waitSignal(window.runner.finished, timeout=20000):
        window.run_all()
    expected = 'Ratio: warning: expression "a / b": division by zero in 2 rows gave missing values'
    assert expected in window.console.lines
