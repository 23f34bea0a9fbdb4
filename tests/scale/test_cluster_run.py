"""Workflow runs on a real Dask cluster: the same results as a local run, an unreachable
scheduler refused before anything runs, a dying worker fails only its node."""

from __future__ import annotations

import os

import dask
import pandas as pd
import pytest
from distributed import get_task_stream

from studio.core import Catalog, NodeType, Port, PortType, Workflow, default_catalog
from studio.core.errors import KnotworkError
from studio.core.events import Progress, StateChanged
from studio.scale import Cluster, ClusterError, parse_spec
from tests.core.builders import clean_penguins


def _validation_workflow(csv, catalog: Catalog | None = None) -> Workflow:
    """Penguins → forest → Cross-Validation and Parameter Search, and a test-set prediction."""
    wf = Workflow.new("scale", catalog)
    wf.add_node("io.csv_reader", "Penguins", {"path": str(csv)})
    wf.add_node("manipulation.column_filter", "Numeric", {"columns": ["island", "sex", "year"]})
    wf.add_node("validation.partitioning", "Split", {"column": "species", "train_fraction": 0.7})
    wf.add_node(
        "learners.random_forest_classifier", "Forest", {"target": "species", "n_estimators": 20}
    )
    wf.add_node("validation.cross_validation", "CV", {"folds": 4, "n_jobs": -1})
    wf.add_node(
        "validation.parameter_search",
        "Search",
        {
            "search_space": {"max_depth": [2, 4], "min_samples_leaf": [1, 5]},
            "folds": 3,
            "n_jobs": -1,
        },
    )
    wf.add_node("scoring.predictor", "Predict")
    wf.connect("Penguins", 0, "Numeric", 0)
    wf.connect("Numeric", 0, "Split", 0)
    wf.connect("Split", "train", "Forest", 0)
    for name in ("CV", "Search"):
        wf.connect("Forest", "model", name, "model")
        wf.connect("Split", "train", name, "table")
    wf.connect("Forest", "model", "Predict", "model")
    wf.connect("Split", "test", "Predict", "table")
    return wf


def _outputs(wf: Workflow) -> dict[str, pd.DataFrame]:
    return {
        "folds": wf.output("CV", "fold scores").df,
        "oof": wf.output("CV", "out-of-fold predictions").df,
        "search": wf.output("Search", "results").df,
        "predictions": wf.output("Predict", 0).df,
    }


def test_a_cluster_run_fans_out_to_the_workers_and_equals_the_local_run(tmp_path, cluster_client):
    csv = clean_penguins(tmp_path)
    local = _validation_workflow(csv)
    assert local.run().ok
    remote = _validation_workflow(csv)
    with get_task_stream(client=cluster_client) as stream:
        result = remote.run(cluster=cluster_client, jobs=2)
    assert result.ok, result.errors
    workers = {task["worker"] for task in stream.data}
    assert len(workers) == 2  # folds, candidates and trees ran on both workers
    node_tasks = {
        t["key"].split("-")[2] for t in stream.data if t["key"].startswith("knotwork-node-")
    }
    assert node_tasks == {remote.node(label).id for label in ("Forest", "CV", "Search")}
    mine, theirs = _outputs(local), _outputs(remote)
    for name in mine:
        pd.testing.assert_frame_equal(mine[name], theirs[name], check_exact=True)
    assert local.output("Search", "best").values == remote.output("Search", "best").values


class NoisyTask(NodeType):
    """Long-running: runs as a Dask task, reports progress and warns."""

    type_id = "test.noisy_task"
    name = "Noisy Task"
    long_running = True
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)

    def configure(self, s, specs, ctx):
        return [specs[0]]

    def execute(self, s, inputs, ctx):
        ctx.progress(0.5, f"half of {len(inputs[0].df)} rows")
        ctx.warn(f"ran in process {os.getpid()}")
        if len(inputs[0].df) < 5:
            raise KnotworkError("too few rows to be noisy")
        return [inputs[0]]


def test_a_node_run_as_a_dask_task_reports_progress_warnings_and_errors_like_a_local_one(
    tmp_path, cluster_client
):
    wf = Workflow.new("noisy", Catalog([*default_catalog().all(), NoisyTask]))
    wf.add_node("io.csv_reader", "Penguins", {"path": str(clean_penguins(tmp_path))})
    wf.add_node("manipulation.row_filter", "Few", {"mode": "expression", "expression": "year < 0"})
    wf.add_node("test.noisy_task", "Noisy")
    wf.add_node("test.noisy_task", "Too few")
    wf.connect("Penguins", 0, "Noisy", 0)
    wf.connect("Penguins", 0, "Few", 0)
    wf.connect("Few", 0, "Too few", 0)
    events = []
    result = wf.run(cluster=cluster_client, on_event=events.append)
    noisy = wf.node("Noisy").id
    progress = [
        (e.fraction, e.message) for e in events if isinstance(e, Progress) and e.node == noisy
    ]
    assert progress == [(0.5, f"half of {len(wf.output('Penguins').df)} rows")]
    [warning] = result.warnings[noisy]
    assert warning.startswith("ran in process ") and warning != f"ran in process {os.getpid()}"
    assert set(result.errors) == {wf.node("Too few").id}
    assert result.error("Too few") == "too few rows to be noisy"


def _kill_this_worker_once_the_others_are_done(event: str) -> None:
    from distributed import Event

    Event(event).wait()  # the other branches' tasks are done: only this one is lost
    os._exit(3)  # what an out-of-memory kill looks like to the scheduler


class CrashWorker(NodeType):
    """Runs here; its joblib task kills the worker process running it."""

    type_id = "test.crash_worker"
    name = "Crash Worker"
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)

    class Settings(NodeType.Settings):
        event: str = ""

    def configure(self, s, specs, ctx):
        return [specs[0]]

    def execute(self, s, inputs, ctx):
        from joblib import Parallel, delayed

        Parallel(n_jobs=-1)(
            delayed(_kill_this_worker_once_the_others_are_done)(s.event) for _ in range(1)
        )
        return [inputs[0]]


class CrashTask(CrashWorker):
    """Long-running, so it runs as a Dask task itself, and kills the worker running it."""

    type_id = "test.crash_task"
    long_running = True

    def execute(self, s, inputs, ctx):
        _kill_this_worker_once_the_others_are_done(s.event)
        return [inputs[0]]


@pytest.mark.parametrize("crash", ["test.crash_worker", "test.crash_task"])
def test_a_worker_dying_fails_only_the_node_whose_task_it_held(tmp_path, cluster_client, crash):
    from distributed import Event

    csv = clean_penguins(tmp_path)
    wf = _validation_workflow(csv, Catalog([*default_catalog().all(), CrashWorker, CrashTask]))
    event = f"others-done-{tmp_path.name}"
    wf.add_node(crash, "Crash", {"event": event})
    wf.connect("Split", "train", "Crash", 0)
    others = {wf.node(label).id for label in ("CV", "Search", "Predict")}
    executed: set[str] = set()

    def on_event(e):
        if isinstance(e, StateChanged) and e.node in others and e.state == "executed":
            executed.add(e.node)
            if executed == others:
                Event(event, client=cluster_client).set()

    result = wf.run(cluster=cluster_client, on_event=on_event)
    assert set(result.errors) == {wf.node("Crash").id}
    assert "a Dask worker died while running this node's work" in result.error("Crash")
    assert cluster_client.scheduler.address in result.error("Crash")
    assert result.state("CV") == result.state("Search") == result.state("Predict") == "executed"


def test_an_unreachable_scheduler_is_refused_before_any_node_runs(tmp_path):
    wf = _validation_workflow(clean_penguins(tmp_path))
    with pytest.raises(ClusterError, match=r"cannot reach the Dask scheduler"):
        Cluster.connect("tcp://127.0.0.1:9", timeout=0.5)
    with dask.config.set({"distributed.comm.timeouts.connect": "0.5s"}):
        with pytest.raises(ClusterError, match=r"tcp://127\.0\.0\.1:9"):
            wf.run(cluster="tcp://127.0.0.1:9")
    assert all(wf.state(n.id) != "executed" for n in wf.nodes)


@pytest.mark.parametrize(
    "spec, message",
    [
        ("local:0", "N must be a whole number of 1 or more"),
        ("local:two", "N must be a whole number of 1 or more"),
        ("127.0.0.1:8786", "not a cluster address"),
        ("tcp://", "not a cluster address"),
    ],
)
def test_a_malformed_cluster_spec_says_what_is_accepted(spec, message):
    with pytest.raises(ClusterError, match=message) as err:
        parse_spec(spec)
    assert "tcp://HOST:8786" in str(err.value)


def test_cluster_specs_name_a_local_cluster_or_a_scheduler():
    assert parse_spec("local") == ("local", None)
    assert parse_spec("local:3") == ("local", 3)
    assert parse_spec("tcp://10.1.2.3:8786") == ("remote", None)


def test_knotwork_run_on_a_scheduler_address_reports_the_cluster_and_succeeds(
    tmp_path, cluster_client, capsys
):
    from studio.cli.main import main

    path = _validation_workflow(clean_penguins(tmp_path)).save(tmp_path / "cv.knotwork.json")
    address = cluster_client.scheduler.address
    out = tmp_path / "folds.csv"
    code = main(["run", str(path), "--cluster", address, "--output", f"CV:fold scores={out}"])
    assert code == 0
    assert f"cluster: {address} (2 workers, 2 threads)" in capsys.readouterr().err
    assert len(pd.read_csv(out)) == 4


def test_knotwork_run_with_an_unreachable_scheduler_exits_2_and_runs_nothing(tmp_path, capsys):
    from studio.cli.main import main

    path = _validation_workflow(clean_penguins(tmp_path)).save(tmp_path / "cv.knotwork.json")
    report = tmp_path / "report.json"
    with dask.config.set({"distributed.comm.timeouts.connect": "0.5s"}):
        code = main(["run", str(path), "--cluster", "tcp://127.0.0.1:9", "--report", str(report)])
    assert code == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert not report.exists()
