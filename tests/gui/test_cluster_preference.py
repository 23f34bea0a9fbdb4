"""The studio's Dask cluster preference: checked in the dialog, used by every run."""

from __future__ import annotations

import logging

from distributed import Client, LocalCluster, get_task_stream
from PySide6.QtWidgets import QDialog

from studio.core import Workflow
from studio.gui.preferences import PreferencesDialog


def test_a_cluster_preference_is_kept_and_given_to_the_runner(qtbot, window, make_window):
    dialog = PreferencesDialog(window.prefs, window)
    qtbot.addWidget(dialog)
    dialog.cluster.setText(" tcp://scheduler.example:8786 ")
    dialog.accept()
    assert window.prefs.cluster == "tcp://scheduler.example:8786"
    assert make_window().runner.cluster == "tcp://scheduler.example:8786"


def test_a_malformed_cluster_keeps_the_dialog_open_and_says_what_is_accepted(qtbot, window):
    dialog = PreferencesDialog(window.prefs, window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.cluster.setText("scheduler:8786")
    dialog.accept()
    assert dialog.result() != QDialog.Accepted
    assert dialog.cluster_error.isVisible()
    assert "tcp://HOST:8786" in dialog.cluster_error.text()
    assert window.prefs.cluster == ""
    dialog.grab().save("/tmp/dask-shot.png")


def test_a_studio_run_sends_its_cross_validation_to_the_preferred_cluster(
    qtbot, make_window, penguins_csv
):
    wf = Workflow.new("cv")
    wf.add_node("io.csv_reader", "Penguins", {"path": str(penguins_csv)})
    wf.add_node(
        "learners.logistic_regression",
        "Learner",
        {"target": "species", "features": ["bill_length_mm", "flipper_length_mm"]},
    )
    wf.add_node("validation.cross_validation", "CV", {"folds": 3})
    wf.connect("Penguins", 0, "Learner", 0)
    wf.connect("Learner", "model", "CV", "model")
    wf.connect("Penguins", 0, "CV", "table")
    with LocalCluster(
        n_workers=1, processes=False, protocol="tcp://", dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as cluster, Client(cluster, set_as_default=False) as watcher:  # fmt: skip
        window = make_window(wf)
        window.runner.cluster = cluster.scheduler_address
        with get_task_stream(client=watcher) as stream:
            with qtbot.waitSignal(window.runner.finished, timeout=60000) as run:
                window.runner.run()
        assert run.args[0] is not None and run.args[0].ok, run.args
        assert stream.data  # the folds ran as Dask tasks
