"""Long-running nodes run in worker processes when a run is given `NodeWorkers`: a cancel
ends them at once, and results, errors, progress, warnings and the cache are the same as
in-process."""

from __future__ import annotations

import os
import threading

import pytest

from studio.core import NodeState, NodeType, Port, PortType, Progress, Workflow
from studio.core.workers import NodeWorkers

from .builders import PENGUINS, clean_penguins, starter
from .worker_nodes import worker_catalog


@pytest.fixture(scope="module")
def workers():
    with NodeWorkers(worker_catalog()) as w:
        yield w


def _reader_then(node: str, catalog=None) -> Workflow:
    wf = Workflow.new("w", catalog or worker_catalog())
    wf.add_node("io.csv_reader", "Data", {"path": str(PENGUINS)})
    wf.add_node(node, "Long")
    wf.connect("Data", 0, "Long", 0)
    return wf


def test_cancel_ends_a_node_that_never_checks_for_it(workers):
    wf = _reader_then("test.stuck")
    started, cancel = threading.Event(), threading.Event()

    def on_event(event):
        if isinstance(event, Progress) and event.message == "started":
            started.set()

    done: list = []
    thread = threading.Thread(
        target=lambda: done.append(wf.run(on_event=on_event, cancel=cancel, workers=workers))
    )
    thread.start()
    assert started.wait(120)
    cancel.set()
    thread.join(60)
    assert not thread.is_alive()
    result = done[0]
    assert result.cancelled and not result.ok
    assert result.state("Long") == NodeState.CONFIGURED
    assert wf.output("Long") is None
    assert result.state("Data") == NodeState.EXECUTED  # what ran before keeps its results


def test_a_learner_in_a_worker_gives_the_same_model_and_is_cached(workers, tmp_path):
    here = starter(csv=clean_penguins(tmp_path))
    there = starter(csv=clean_penguins(tmp_path))
    assert here.run().ok
    result = there.run(workers=workers)
    assert result.ok
    a, b = here.output("Score", "metrics").values, there.output("Score", "metrics").values
    assert a == b
    model = result.fitted("Learner")
    assert model is there.output("Learner")  # outputs and fitted state stay one object
    assert list(model.estimator.classes_) == list(here.output("Learner").estimator.classes_)
    again = there.run(workers=workers)
    assert "Learner" not in [there.node(n).label for n in again.executed]


def test_a_node_failing_in_a_worker_fails_with_its_own_message(workers, tmp_path):
    messages = []
    for w in (None, workers):
        wf = starter()  # the raw penguins have missing values: the learner refuses them
        wf.run(workers=w)
        messages.append(wf.error("Learner"))
    assert messages[0] and "missing values" in messages[0]
    assert messages[1] == messages[0]


def test_progress_and_warnings_of_a_worker_reach_the_run(workers):
    wf = _reader_then("test.where")
    seen = []
    result = wf.run(on_event=seen.append, workers=workers)
    assert result.ok
    assert wf.output("Long").df["pid"][0] != os.getpid()
    assert any(isinstance(e, Progress) and e.message == "half way" for e in seen)
    assert result.warnings[wf.node("Long").id] == [f"{len(wf.output('Data').df)} rows seen"]


def test_a_worker_that_dies_fails_its_node_and_the_next_run_gets_a_new_one(workers):
    wf = _reader_then("test.crash")
    result = wf.run(workers=workers)
    assert "stopped unexpectedly (exit code 3" in result.error("Long")
    again = _reader_then("test.where")
    assert again.run(workers=workers).ok


def test_a_node_class_no_worker_can_import_runs_in_this_process(workers):
    class Local(NodeType):
        type_id = "test.local"
        name = "Local"
        long_running = True
        inputs = (Port("table", PortType.TABLE),)
        outputs = (Port("table", PortType.TABLE),)

        def execute(self, s, inputs, ctx):
            return [inputs[0]]

    catalog = worker_catalog()
    catalog.register(Local)
    wf = _reader_then("test.local", catalog)
    assert wf.run(workers=workers).ok
