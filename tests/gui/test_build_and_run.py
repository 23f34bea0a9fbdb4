"""An analyst builds the starter workflow from an empty canvas with the mouse,
configures nodes through their dialogs, runs it and reads the predictions."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt

from studio.gui.viewers.table_viewer import TableViewer
from tests.conftest import TEMPLATES

from .gestures import click_toolbar, double_click, drag, drop_node, port_pos, wire


def _configure(qtbot, window, node_id, edit) -> None:
    """Double-click the node, let `edit` change the dialog, press OK."""
    from .gestures import node_center

    double_click(window.view, node_center(window, node_id))
    qtbot.waitUntil(lambda: window.settings_dialog is not None)
    dialog = window.settings_dialog
    edit(dialog)
    assert dialog.validate(), dialog.general.text()
    qtbot.mouseClick(dialog.ok_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.settings_dialog is None)


def test_dropping_nodes_wiring_configuring_and_running_gives_predictions_in_the_table_viewer(
    qtbot, window
):
    penguins_csv = TEMPLATES / "penguins" / "penguins.csv"  # the real file, missing values included
    window.view.centerOn(500, 100)
    wf = window.document.workflow
    reader = drop_node(window, "io.csv_reader", QPointF(0, 0))
    filt = drop_node(window, "manipulation.column_filter", QPointF(180, 0))
    fill = drop_node(window, "preprocessing.missing_value", QPointF(180, 160))
    part = drop_node(window, "validation.partitioning", QPointF(360, 0))
    learner = drop_node(window, "learners.logistic_regression", QPointF(540, -120))
    predictor = drop_node(window, "scoring.predictor", QPointF(720, 0))
    scorer = drop_node(window, "scoring.scorer", QPointF(900, 0))
    assert [n.type_id for n in wf.nodes] == [
        "io.csv_reader",
        "manipulation.column_filter",
        "preprocessing.missing_value",
        "validation.partitioning",
        "learners.logistic_regression",
        "scoring.predictor",
        "scoring.scorer",
    ]
    for a, ap, b, bp in [
        (reader, 0, filt, 0),
        (filt, 0, fill, 0),
        (fill, 0, part, 0),
        (part, 0, learner, 0),
        (learner, 0, predictor, 0),
        (part, 1, predictor, 1),
        (predictor, 0, scorer, 0),
    ]:
        wire(window, a, ap, b, bp)
    assert len(wf.links) == 7
    assert len(window.scene.wires) == 7

    _configure(qtbot, window, reader, lambda d: d.editor("path").edit.setText(str(penguins_csv)))
    assert wf.node(reader).settings["path"] == str(penguins_csv)
    # The reader now has a spec: the Column Filter's picker offers the file's columns.
    qtbot.waitUntil(lambda: window.scene.nodes[reader].state == "configured")

    def drop_text_columns(d):
        picker = d.editor("columns")
        names = [picker.list.item(i).text() for i in range(picker.list.count())]
        assert "island" in names and "bill_length_mm" in names
        picker.set_value(["island", "sex", "year"])

    _configure(qtbot, window, filt, drop_text_columns)
    _configure(qtbot, window, part, lambda d: d.editor("column").combo.setCurrentText("species"))
    _configure(qtbot, window, learner, lambda d: d.editor("target").combo.setCurrentText("species"))
    _configure(
        qtbot, window, scorer, lambda d: d.editor("truth_column").combo.setCurrentText("species")
    )
    qtbot.waitUntil(
        lambda: all(window.scene.nodes[n].state == "configured" for n in wf.graph.nodes)
    )

    with qtbot.waitSignal(window.runner.finished, timeout=120_000) as run:
        click_toolbar(qtbot, window, window.run_all_action)
    assert run.args[0].ok, run.args[0].errors
    assert all(window.scene.nodes[n].state == "executed" for n in wf.graph.nodes)
    assert "Run finished" in window.console.lines

    double_click(window.view, port_pos(window, predictor, 0, True))
    viewer = window.viewers[-1]
    assert isinstance(viewer, TableViewer)
    model = viewer.model
    headers = [
        model.headerData(c, Qt.Horizontal).split("\n")[0] for c in range(model.columnCount())
    ]
    assert "prediction" in headers and "probability_Gentoo" in headers
    assert model.rowCount() == len(wf.output(part, 1).df)
    col = headers.index("prediction")
    assert {model.data(model.index(r, col)) for r in range(model.rowCount())} <= {
        "Adelie",
        "Chinstrap",
        "Gentoo",
    }
    metrics = wf.output(scorer, 0)
    assert metrics.values["accuracy"] > 0.9


def test_a_wire_between_different_port_types_is_refused_with_the_reason(qtbot, window):
    wf = window.document.workflow
    learner = drop_node(window, "learners.logistic_regression", QPointF(0, 0))
    filt = drop_node(window, "manipulation.column_filter", QPointF(250, 0))
    wire(window, learner, 0, filt, 0)  # a Model output into a Table input
    assert wf.links == []
    assert window.scene.wires == {}
    assert "port types differ" in window.scene.refusal
    assert "model" in window.status_label.text() and "table" in window.status_label.text()
    assert window.document.undo_stack.count() == 2  # the two drops only


def test_a_wire_that_would_close_a_cycle_is_refused(qtbot, window):
    wf = window.document.workflow
    a = drop_node(window, "manipulation.column_filter", QPointF(0, 0))
    b = drop_node(window, "manipulation.column_filter", QPointF(250, 0))
    wire(window, a, 0, b, 0)
    wire(window, b, 0, a, 0)
    assert len(wf.links) == 1
    assert "cycle" in window.scene.refusal


def test_dropping_a_wire_on_a_node_body_connects_the_first_free_input_of_that_type(
    qtbot, window, penguins_csv
):
    from .gestures import node_center

    wf = window.document.workflow
    learner = drop_node(window, "learners.logistic_regression", QPointF(0, -100))
    part = drop_node(window, "validation.partitioning", QPointF(0, 100))
    predictor = drop_node(window, "scoring.predictor", QPointF(300, 0))
    drag(window.view, port_pos(window, part, 1, True), node_center(window, predictor))
    drag(window.view, port_pos(window, learner, 0, True), node_center(window, predictor))
    assert {(lk.source, lk.target_port) for lk in wf.links} == {(part, "table"), (learner, "model")}
